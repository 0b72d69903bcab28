"""Spark 4.3 writes JSON and CSV with its `lz4` and `snappy` codecs (Hadoop's block framing),
for tests/file_source.rs to read back: the first 300 rows of the first activity-data file,
one part file per codec and format, under tests/data/hadoop_codecs/<format>-<codec>/.

Run: /tmp/spark-peer/venv/bin/python tests/spark/hadoop_codecs.py
"""
import os
import shutil

from pyspark.sql import SparkSession

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "data", "hadoop_codecs")
data = os.path.join(here, "..", "..", "..", "shared", "data", "activity-data-synth")
first = sorted(f for f in os.listdir(data) if not f.startswith((".", "_")))[0]

spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
schema = "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, `Index` BIGINT, Model STRING, `User` STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE"
with open(os.path.join(data, first)) as f:
    lines = [next(f) for _ in range(300)]
import tempfile

tmp = os.path.join(tempfile.mkdtemp(), "input.json")
os.makedirs(out, exist_ok=True)
with open(tmp, "w") as f:
    f.writelines(lines)
df = spark.read.schema(schema).json(tmp).coalesce(1)
for fmt in ["json", "csv"]:
    for codec in ["lz4", "snappy"]:
        d = os.path.join(out, f"{fmt}-{codec}")
        shutil.rmtree(d, ignore_errors=True)
        w = df.write.option("compression", codec)
        if fmt == "csv":
            w = w.option("header", "true")
        getattr(w, fmt)(d)
        for name in os.listdir(d):
            if not name.startswith("part-"):
                os.remove(os.path.join(d, name))
        back = spark.read.schema(schema).option("header", "true").format(fmt).load(d)
        assert back.count() == 300, (fmt, codec, back.count(), df.count())
os.remove(tmp)
print("written", sorted(os.listdir(out)))
