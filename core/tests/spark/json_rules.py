"""Spark's answers for the JSON -> value rules shared by `from_json` and the JSON file source.

Each line of `json_rules.jsonl` input below is read twice by Spark: with `from_json(line,
schema)` and by the JSON file source with the same schema (PERMISSIVE). Both answers are
written to `json_rules.expected.jsonl` (each field as `CAST(.. AS STRING)`, null for NULL),
so the Rust tests can check `sluice_core::json_value` and the file source's scanner against
Spark and against each other.

Run: /tmp/spark-peer/venv/bin/python core/tests/spark/json_rules.py
"""
import json
import os
import tempfile

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

here = os.path.dirname(os.path.abspath(__file__))
SCHEMA = "i INT, l BIGINT, d DOUBLE, s STRING, b BOOLEAN, t TIMESTAMP, dt DATE, n STRUCT<x: BIGINT, Y: STRING>, a ARRAY<INT>"
LINES = [
    '{"i": 1, "l": 2, "d": 1.5, "s": "x", "b": true, "t": "2015-02-23 10:10:00", "dt": "2015-02-23", "n": {"x": 7, "Y": "y"}, "a": [1, null, 3]}',
    '{"I": 5, "L": 6, "D": 2.5, "S": "upper keys"}',
    '{"i": 1, "I": 2}',
    '{"s": {"k":  2, "z": [1, 2]}}',
    '{"s": 1.50}',
    '{"s": 12}',
    '{"s": true}',
    '{"d": "NaN"}',
    '{"d": "Infinity"}',
    '{"d": "-INF"}',
    '{"d": "+Infinity"}',
    '{"d": "nan"}',
    '{"d": NaN}',
    '{"d": -Infinity}',
    '{"d": 7}',
    '{"i": 2147483648}',
    '{"i": 1.0}',
    '{"l": 9223372036854775807}',
    '{"l": 9223372036854775808}',
    '{"t": 1424686200}',
    '{"t": 92233720368547}',
    '{"t": "2015-02-23T10:10:00Z"}',
    '{"dt": "2015-02-23 10:10:00"}',
    '{"b": "true"}',
    '{"n": {"X": 8, "y": "lower"}}',
    '{"a": [1, "x", 3]}',
    '{"i": "1"}',
]

spark = (
    SparkSession.builder.master("local[1]")
    .config("spark.sql.session.timeZone", "UTC")
    .config("spark.ui.enabled", "false")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
fields = [f.split()[0] for f in ["i", "l", "d", "s", "b", "t", "dt", "n", "a"]]


def as_text(df):
    return df.select([F.col(f).cast("string").alias(f) for f in fields]).collect()


rows_from_json = as_text(
    spark.createDataFrame([(l,) for l in LINES], "line STRING")
    .select(F.from_json("line", SCHEMA).alias("r"))
    .select("r.*")
)
with tempfile.TemporaryDirectory() as d:
    with open(os.path.join(d, "in.json"), "w") as f:
        f.write("\n".join(LINES) + "\n")
    rows_file = as_text(spark.read.schema(SCHEMA).json(d))

with open(os.path.join(here, "json_rules.expected.jsonl"), "w") as f:
    for line, a, b in zip(LINES, rows_from_json, rows_file):
        f.write(json.dumps({"line": line, "from_json": [a[x] for x in fields], "file": [b[x] for x in fields]}) + "\n")
print(f"{len(LINES)} lines written")
