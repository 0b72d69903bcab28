"""Spark 4.3's answer for Nexmark q4 as a *batch* query over the 1,000,000-event JSON files
of ../shared/nexmark/gen: Spark refuses q4 as a stream in every output mode (a join, then an
aggregation of an aggregation), so its batch result is the answer Sluice's stream (complete
mode, 4 micro-batches) must end with. Written to q4-spark-batch.jsonl beside this script.

The stream reads 5 files of each table per micro-batch (maxFilesPerTrigger 5, name order),
so after batch k it has read the first 5(k+1) files of each; q4-spark-batch-prefixes.jsonl
holds Spark's batch answer over each such prefix ({"files": n, "category", "avg_final"}),
which the stream's table must equal after every batch, in complete and in update mode.

Run (NEXMARK_DIR defaults to /tmp/nexmark-1m, as scripts/nexmark-bench.sh makes it):
  /tmp/spark-peer/venv/bin/python tests/data/nexmark/q4_spark_batch.py
"""
import json
import os

from pyspark.sql import SparkSession

here = os.path.dirname(os.path.abspath(__file__))
data = os.environ.get("NEXMARK_DIR", "/tmp/nexmark-1m")
spark = (
    SparkSession.builder.master("local[2]")
    .config("spark.sql.session.timeZone", "UTC")
    .config("spark.ui.enabled", "false")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
AUCTION = "id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT, dateTime TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra STRING"
BID = "auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING"
Q4 = """
SELECT Q.category, avg(Q.final) AS avg_final
FROM (
  SELECT max(B.price) AS final, A.category
  FROM auction AS A INNER JOIN bid AS B ON A.id = B.auction
  WHERE B.dateTime BETWEEN A.dateTime AND A.expires
  GROUP BY A.id, A.category
) AS Q
GROUP BY Q.category
ORDER BY Q.category
"""


def answer(files):
    """q4 over the first `files` part files of each table (all when None)."""
    for name, schema in (("auction", AUCTION), ("bid", BID)):
        parts = sorted(p for p in os.listdir(os.path.join(data, name)) if p.startswith("part-"))
        chosen = [os.path.join(data, name, p) for p in parts[: files or len(parts)]]
        spark.read.schema(schema).json(chosen).createOrReplaceTempView(name)
    return spark.sql(Q4).collect()


rows = answer(None)
with open(os.path.join(here, "q4-spark-batch.jsonl"), "w") as f:
    for r in rows:
        f.write(json.dumps({"category": r["category"], "avg_final": r["avg_final"]}) + "\n")
print(len(rows), "rows")
with open(os.path.join(here, "q4-spark-batch-prefixes.jsonl"), "w") as f:
    for files in (5, 10, 15, 20):
        for r in answer(files):
            f.write(json.dumps({"files": files, "category": r["category"], "avg_final": r["avg_final"]}) + "\n")
