"""What the scripts that make Spark's Nexmark answers share: the Spark session (local[2],
UTC, 5 shuffle partitions), the tables' schemas, the files' directory, the text of a
benches/nexmark query, and how a value is written (timestamps as Spark casts them to strings).
"""
import decimal
import hashlib
import json
import os

from pyspark.sql import SparkSession

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.abspath(os.path.join(here, "../../.."))
data = os.environ.get("NEXMARK_DIR", "/tmp/nexmark-1m")
SCHEMAS = {
    "person": "id BIGINT, name STRING, emailAddress STRING, creditCard STRING, city STRING, state STRING, dateTime TIMESTAMP, extra STRING",
    "auction": "id BIGINT, itemName STRING, description STRING, initialBid BIGINT, reserve BIGINT, dateTime TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra STRING",
    "bid": "auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING",
}


def session(**configs):
    builder = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.shuffle.partitions", 5)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
    )
    for k, v in configs.items():
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def stream_tables(spark):
    """The tables as Spark streamed them: 5 files per micro-batch, a 1 s watermark."""
    for table, schema in SCHEMAS.items():
        (spark.readStream.schema(schema).option("maxFilesPerTrigger", 5).json(os.path.join(data, table))
         .withWatermark("dateTime", "1 second").createOrReplaceTempView(table))


def batch_tables(spark):
    for table, schema in SCHEMAS.items():
        spark.read.schema(schema).json(os.path.join(data, table)).createOrReplaceTempView(table)


def query_text(q):
    """benches/nexmark/<q>.sql without comments and the INSERT INTO line, as statements."""
    text = open(os.path.join(repo, "benches/nexmark", q + ".sql")).read()
    lines = [l for l in text.splitlines() if not l.startswith("--") and not l.startswith("INSERT INTO")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def plain(v):
    # Timestamps as Spark casts them to strings: trailing zeros of the fraction dropped.
    if hasattr(v, "isoformat"):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f").rstrip("0").rstrip(".")
    if isinstance(v, decimal.Decimal):
        return float(v)
    return v


def write(q, rows):
    """Writes <q>-spark.digest beside the scripts: the row count and the SHA-256 of the sorted
    rows, one JSON object per line (keys sorted, no spaces, values as `plain` writes them);
    with fewer than 2,000 rows the rows themselves go to <q>-spark.jsonl too."""
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
