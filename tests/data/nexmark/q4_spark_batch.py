"""Spark 4.3's answer for Nexmark q4 as a *batch* query over the 1,000,000-event JSON files
of ../shared/nexmark/gen: Spark refuses q4 as a stream in every output mode (a join, then an
aggregation of an aggregation), so its batch result is the answer Sluice's stream (complete
mode, 4 micro-batches) must end with. Written to q4-spark-batch.jsonl beside this script.

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
spark.read.schema(AUCTION).json(os.path.join(data, "auction")).createOrReplaceTempView("auction")
spark.read.schema(BID).json(os.path.join(data, "bid")).createOrReplaceTempView("bid")
rows = spark.sql(
    """
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
).collect()
with open(os.path.join(here, "q4-spark-batch.jsonl"), "w") as f:
    for r in rows:
        f.write(json.dumps({"category": r["category"], "avg_final": r["avg_final"]}) + "\n")
print(len(rows), "rows")
