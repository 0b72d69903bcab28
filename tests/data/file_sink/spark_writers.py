"""Spark 4.3's JSON and CSV writers on timestamps, dates and NULLs: the files
`tests/file_sink.rs` compares the file sink's output with (`expected.txt`).

Run: /tmp/spark-peer/venv/bin/python tests/data/file_sink/spark_writers.py > tests/data/file_sink/expected.txt
"""
import glob
import shutil
import tempfile

from pyspark.sql import SparkSession

spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC").getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
tmp = tempfile.mkdtemp()
df = spark.sql("select * from values (1, timestamp'2024-03-10 10:11:12.5', date'2024-03-10', 'a'), (2, NULL, NULL, NULL), (3, timestamp'2024-03-10 00:00:00', date'1999-01-31', 'c,d') as t(id, ts, d, s)").coalesce(1)
fmt = {"timestampFormat": "dd/MM/yyyy HH:mm", "dateFormat": "yyyy/MM/dd"}
df.write.json(f"{tmp}/json")
df.write.options(**fmt).json(f"{tmp}/json_fmt")
df.write.csv(f"{tmp}/csv")
df.write.options(**fmt).csv(f"{tmp}/csv_fmt")
df.write.option("header", True).option("sep", ";").option("quote", "'").csv(f"{tmp}/csv_header")
df.write.option("ignoreNullFields", False).json(f"{tmp}/json_nulls")
spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
spark.sql("select timestamp'2024-03-10 10:11:12' as ts").coalesce(1).write.json(f"{tmp}/json_la")
for d in ["json", "json_fmt", "csv", "csv_fmt", "csv_header", "json_nulls", "json_la"]:
    for f in sorted(glob.glob(f"{tmp}/{d}/part-*")):
        print("==", d)
        print(open(f).read(), end="")
shutil.rmtree(tmp)
