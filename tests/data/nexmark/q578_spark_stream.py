"""Spark 4.3's streaming answers for Nexmark q5, q7 and q8 over the 1,000,000-event JSON
files of ../shared/nexmark/gen, run as ../shared/nexmark/README.md says Spark ran them:
each table read with maxFilesPerTrigger 5 (4 data micro-batches), withWatermark("dateTime",
"1 second"), append mode into a memory sink, processAllAvailable(). The SQL is the text of
benches/nexmark/q5.sql, q7.sql and q8.sql (the INSERT INTO line dropped). Writes
q5-spark.jsonl, q7-spark.jsonl and q8-spark.jsonl beside this script (rows sorted).

Run (NEXMARK_DIR defaults to /tmp/nexmark-1m, as scripts/nexmark-bench.sh makes it):
  /tmp/spark-peer/venv/bin/python tests/data/nexmark/q578_spark_stream.py
"""
import json
import os

from pyspark.sql import SparkSession

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.abspath(os.path.join(here, "../../.."))
data = os.environ.get("NEXMARK_DIR", "/tmp/nexmark-1m")
spark = (
    SparkSession.builder.master("local[2]")
    .config("spark.sql.shuffle.partitions", 5)
    .config("spark.sql.session.timeZone", "UTC")
    .config("spark.ui.enabled", "false")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
SCHEMAS = {
    "person": "id BIGINT, name STRING, emailAddress STRING, creditCard STRING, city STRING, state STRING, dateTime TIMESTAMP, extra STRING",
    "auction": "id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT, dateTime TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra STRING",
    "bid": "auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING",
}
for table, schema in SCHEMAS.items():
    (spark.readStream.schema(schema).option("maxFilesPerTrigger", 5).json(os.path.join(data, table))
     .withWatermark("dateTime", "1 second").createOrReplaceTempView(table))


def plain(v):
    # Timestamps as Spark casts them to strings: trailing zeros of the fraction dropped.
    if hasattr(v, "isoformat"):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f").rstrip("0").rstrip(".")
    return v


for q in ["q5", "q7", "q8"]:
    text = open(os.path.join(repo, "benches/nexmark", q + ".sql")).read()
    body = "\n".join(l for l in text.splitlines() if not l.startswith("--") and not l.startswith("INSERT INTO"))
    query = spark.sql(body.rstrip().rstrip(";")).writeStream.format("memory").queryName(q).outputMode("append").start()
    query.processAllAvailable()
    query.stop()
    rows = sorted(json.dumps({k: plain(v) for k, v in r.asDict().items()}, sort_keys=True) for r in spark.table(q).collect())
    with open(os.path.join(here, q + "-spark.jsonl"), "w") as f:
        f.writelines(r + "\n" for r in rows)
    print(q, len(rows), "rows")
