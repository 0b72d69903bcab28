"""What Spark 4.3's stream does with case x_dedup_of_counts_complete (dropDuplicates over an
aggregation, complete mode): it runs, but each batch's table holds only the rows its
deduplication had not seen before, not the deduplication of the aggregation's table.
Printed on this machine (pyspark 4.3.0, local[2]):

  batch 0 [('m1', 1), ('m1', 2), ('m2', 1), ('m2', 2)]
  batch 1 [('m1', 3), ('m3', 1)]
  batch 2 [('m2', 3), ('m3', 2)]
  batch 3 [('m1', 4), ('m2', 4), ('m3', 3)]

Spark's batch answer over all four files (answers.json, "rows") has eleven rows; Sluice's
table equals it after every batch (tests/stateful.rs). The README lists this difference.

Run: /tmp/spark-peer/venv/bin/python tests/data/stateful/dedup_over_aggregation_stream.py
"""
import os, shutil, tempfile
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[2]").config("spark.sql.shuffle.partitions","5").config("spark.ui.enabled","false").getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
SCHEMA = "user STRING, gt STRING, model STRING, x DOUBLE, n BIGINT, ts TIMESTAMP"
ev=os.path.join(os.path.dirname(os.path.abspath(__file__)), "events")
d=tempfile.mkdtemp()+"/e"; os.mkdir(d)
for i,n in enumerate(sorted(os.listdir(ev))):
    shutil.copy(os.path.join(ev,n),d); t=1_700_000_000+i*10; os.utime(os.path.join(d,n),(t,t))
df=spark.readStream.schema(SCHEMA).option("maxFilesPerTrigger",1).json(d)
r=df.groupBy("model","user").count().select("model","count").dropDuplicates()
def fb(b, i):
    print("batch", i, sorted(tuple(x) for x in b.collect()))
q=r.writeStream.outputMode("complete").foreachBatch(fb).start(); q.processAllAvailable(); q.stop()
