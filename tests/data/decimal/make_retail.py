"""Spark 4.3's exact DECIMAL answers over the retail data (`../shared/data/retail-data/by-day`),
for `tests/decimal.rs`: money read as DECIMAL(10,2), summed and averaged per country.

Run: /tmp/spark-peer/venv/bin/python tests/data/decimal/make_retail.py 2>/dev/null
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
QUERY = """
SELECT Country, count(*) AS n, sum(Quantity * UnitPrice) AS revenue, avg(UnitPrice) AS avg_price,
       max(UnitPrice) AS top_price, sum(UnitPrice * 1.175) AS gross, sum(UnitPrice) / count(*) AS mean
FROM retail GROUP BY Country
"""
df = spark.sql(QUERY)
types = [f.dataType.simpleString() for f in df.schema.fields]
rows = df.select([F.col(c).cast("string") for c in df.columns]).collect()
with open(os.path.join(here, "retail_revenue.jsonl"), "w") as f:
    f.write(json.dumps({"query": " ".join(QUERY.split()), "columns": df.columns, "types": types}) + "\n")
    for r in sorted(rows, key=lambda r: r[0]):
        f.write(json.dumps(list(r)) + "\n")
print(len(rows), "countries", types)
