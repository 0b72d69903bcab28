"""What the scripts that record Spark's answers over the shared data sets share (decimal/,
higher_order/, window_functions/): the session (local[2], UTC), the data sets' paths and
schemas, and the answer file (a header with the query, columns and types, then each row's
values as Spark casts them to strings, sorted).

Scripts import it with `sys.path.insert(0, <tests/data>)`.
"""
import json
import os

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

here = os.path.dirname(os.path.abspath(__file__))
shared = os.path.join(here, "..", "..", "..", "shared", "data")
RETAIL_DIR = os.path.join(shared, "retail-data", "by-day")
HHAR_DIR = os.path.join(shared, "hhar-real-sample")
RETAIL = (
    "InvoiceNo STRING, StockCode STRING, Description STRING, Quantity INT, InvoiceDate TIMESTAMP, "
    "UnitPrice DECIMAL(10,2), CustomerID DOUBLE, Country STRING"
)
HHAR = (
    "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, Index BIGINT, Model STRING, "
    "User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE"
)


def session():
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("OFF")
    return spark


def retail(spark, schema=RETAIL, view="retail"):
    spark.read.schema(schema).option("header", "true").csv(RETAIL_DIR).createOrReplaceTempView(view)


def write_answer(spark, query, path, key=lambda r: [x or "" for x in r]):
    """Runs `query` and writes its answer file at `path`, rows sorted by `key`."""
    df = spark.sql(query)
    types = [f.dataType.simpleString() for f in df.schema.fields]
    rows = df.select([F.col(c).cast("string") for c in df.columns]).collect()
    rows = sorted([list(r) for r in rows], key=key)
    with open(path, "w") as f:
        f.write(json.dumps({"query": " ".join(query.split()), "columns": df.columns, "types": types}) + "\n")
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print(os.path.basename(path), len(rows), "rows", types)
