"""Spark 4.3's answers for Nexmark q10, q11, q13, q14, q15, q16, q17, q20, q21 and q22 over the
1,000,000-event JSON files of ../shared/nexmark/gen.

The streaming ones (q10, q11, q13, q14, q20, q21, q22) run as ../shared/nexmark/README.md says Spark
ran q2-q8: each table read with maxFilesPerTrigger 5 (4 data micro-batches),
withWatermark("dateTime", "1 second"), append mode into a memory sink, processAllAvailable().
Spark refuses q15 and q16 as streams (distinct aggregates), and q17's complete-mode table ends
as its batch answer, so those three are Spark's batch answers, which Sluice's complete-mode
stream must end with (as q4_spark_batch.py does for q4).

The SQL is the text of benches/nexmark/<q>.sql (the INSERT INTO line dropped; statements
before the query, q13's side-input view, run first). Each answer is
written beside this script as <q>-spark.digest: the row count and the SHA-256 of the sorted
rows, one JSON object per line (keys sorted, no spaces, timestamps as Spark casts them to
strings, decimals as doubles); with fewer than 2,000 rows the rows themselves go to
<q>-spark.jsonl too. tests/nexmark.rs renders Sluice's rows the same way.

Run (NEXMARK_DIR defaults to /tmp/nexmark-1m, as scripts/nexmark-bench.sh makes it):
  /tmp/spark-peer/venv/bin/python tests/data/nexmark/q10_q22_spark.py [q ...]
"""
import decimal
import hashlib
import json
import os
import sys

from pyspark.sql import SparkSession

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.abspath(os.path.join(here, "../../.."))
data = os.environ.get("NEXMARK_DIR", "/tmp/nexmark-1m")
spark = (
    SparkSession.builder.master("local[2]")
    .config("spark.sql.shuffle.partitions", 5)
    .config("spark.sql.session.timeZone", "UTC")
    .config("spark.ui.enabled", "false")
    .config("spark.driver.memory", "6g")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
SCHEMAS = {
    "person": "id BIGINT, name STRING, emailAddress STRING, creditCard STRING, city STRING, state STRING, dateTime TIMESTAMP, extra STRING",
    "auction": "id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT, dateTime TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra STRING",
    "bid": "auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING",
}


def plain(v):
    # Timestamps as Spark casts them to strings: trailing zeros of the fraction dropped.
    if hasattr(v, "isoformat"):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f").rstrip("0").rstrip(".")
    if isinstance(v, decimal.Decimal):
        return float(v)
    return v


def body(q):
    """The query of q, after running the statements before it."""
    text = open(os.path.join(repo, "benches/nexmark", q + ".sql")).read()
    lines = [l for l in text.splitlines() if not l.startswith("--") and not l.startswith("INSERT INTO")]
    *before, query = [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
    for statement in before:
        spark.sql(statement)
    return query


def write(q, rows):
    lines = sorted(
        json.dumps({k: plain(v) for k, v in r.asDict().items()}, sort_keys=True, separators=(",", ":"))
        for r in rows
    )
    digest = hashlib.sha256("".join(l + "\n" for l in lines).encode()).hexdigest()
    with open(os.path.join(here, q + "-spark.digest"), "w") as f:
        f.write(f"{len(lines)} {digest}\n")
    if len(lines) < 2000:
        with open(os.path.join(here, q + "-spark.jsonl"), "w") as f:
            f.writelines(l + "\n" for l in lines)
    print(q, len(lines), "rows", digest)


for table, schema in SCHEMAS.items():
    (spark.readStream.schema(schema).option("maxFilesPerTrigger", 5).json(os.path.join(data, table))
     .withWatermark("dateTime", "1 second").createOrReplaceTempView(table))
chosen = sys.argv[1:]
for q in [q for q in ["q10", "q11", "q13", "q14", "q20", "q21", "q22"] if q in chosen or not chosen]:
    query = spark.sql(body(q)).writeStream.format("memory").queryName(q).outputMode("append").start()
    query.processAllAvailable()
    query.stop()
    write(q, spark.table(q).collect())

for table, schema in SCHEMAS.items():
    spark.read.schema(schema).json(os.path.join(data, table)).createOrReplaceTempView(table)
for q in [q for q in ["q15", "q16", "q17"] if q in chosen or not chosen]:
    write(q, spark.sql(body(q)).collect())
