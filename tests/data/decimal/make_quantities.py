"""Spark 4.3's answer over the retail data (`../shared/data/retail-data/by-day`) with
`Quantity` read as SMALLINT, for `tests/decimal.rs`: a quantity beyond -32768..32767 is
not a SMALLINT, so that field reads as NULL (PERMISSIVE), and the aggregates keep the
narrow type where Spark keeps it (max, min) and widen where Spark widens (sum).

Run: /tmp/spark-peer/venv/bin/python tests/data/decimal/make_quantities.py 2>/dev/null
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
    "InvoiceNo STRING, StockCode STRING, Description STRING, Quantity SMALLINT, InvoiceDate TIMESTAMP, "
    "UnitPrice DECIMAL(10,2), CustomerID DOUBLE, Country STRING"
)
spark.read.schema(schema).option("header", "true").csv(data).createOrReplaceTempView("retail")
QUERY = """
SELECT Country, count(*) AS n, count(Quantity) AS quantities, sum(Quantity) AS units,
       max(Quantity) AS top, min(Quantity) AS low, try_cast(max(Quantity) AS TINYINT) AS top_byte,
       count_if(try_cast(Quantity AS TINYINT) IS NULL) AS not_bytes
FROM retail GROUP BY Country
"""
df = spark.sql(QUERY)
types = [f.dataType.simpleString() for f in df.schema.fields]
rows = df.select([F.col(c).cast("string") for c in df.columns]).collect()
with open(os.path.join(here, "retail_quantities.jsonl"), "w") as f:
    f.write(json.dumps({"query": " ".join(QUERY.split()), "columns": df.columns, "types": types}) + "\n")
    for r in sorted(rows, key=lambda r: r[0]):
        f.write(json.dumps(list(r)) + "\n")
print(len(rows), "countries", types)
