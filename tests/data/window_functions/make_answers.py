"""Spark 4.3's answers for `tests/window_functions.rs`: window functions over the real
retail data (`../shared/data/retail-data/by-day`): each country's top stock items by
quantity (rank, a top-N filter), and its daily revenue with a running total, the change
from the day before (lag) and quartiles (ntile). Values are Spark's strings.

Run: /tmp/spark-peer/venv/bin/python tests/data/window_functions/make_answers.py 2>/dev/null
"""
import json
import os

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

here = os.path.dirname(os.path.abspath(__file__))
data = os.path.join(here, "..", "..", "..", "..", "shared", "data", "retail-data", "by-day")
spark = (
    SparkSession.builder.master("local[2]")
    .config("spark.sql.session.timeZone", "UTC")
    .config("spark.ui.enabled", "false")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("OFF")
schema = (
    "InvoiceNo STRING, StockCode STRING, Description STRING, Quantity INT, InvoiceDate TIMESTAMP, "
    "UnitPrice DECIMAL(10,2), CustomerID DOUBLE, Country STRING"
)
spark.read.schema(schema).option("header", "true").csv(data).createOrReplaceTempView("retail")
QUERIES = {
    "top_items": """
SELECT Country, StockCode, qty, r, dr FROM (
  SELECT Country, StockCode, qty,
         rank() OVER (PARTITION BY Country ORDER BY qty DESC) AS r,
         dense_rank() OVER (PARTITION BY Country ORDER BY qty DESC) AS dr
  FROM (SELECT Country, StockCode, sum(Quantity) AS qty FROM retail GROUP BY Country, StockCode)
) WHERE r <= 3
""",
    "daily_revenue": """
SELECT Country, day, revenue,
       sum(revenue) OVER (PARTITION BY Country ORDER BY day) AS running,
       revenue - lag(revenue, 1, 0) OVER (PARTITION BY Country ORDER BY day) AS change,
       ntile(4) OVER (PARTITION BY Country ORDER BY revenue DESC, day) AS quartile,
       max(revenue) OVER (PARTITION BY Country ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS best_week
FROM (SELECT Country, to_date(InvoiceDate) AS day, sum(Quantity * UnitPrice) AS revenue
      FROM retail GROUP BY Country, to_date(InvoiceDate))
""",
}
for name, query in QUERIES.items():
    df = spark.sql(query)
    types = [f.dataType.simpleString() for f in df.schema.fields]
    rows = df.select([F.col(c).cast("string") for c in df.columns]).collect()
    rows = sorted([list(r) for r in rows], key=lambda r: [x or "" for x in r])
    with open(os.path.join(here, f"{name}.jsonl"), "w") as f:
        f.write(json.dumps({"query": " ".join(query.split()), "columns": df.columns, "types": types}) + "\n")
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print(name, len(rows), "rows", types)
