"""Spark's answers for the scalar-function cases in `scalar_functions.txt`.

Each line of the input is one SQL expression over literals. For each, this runs
`SELECT CAST(e AS STRING), typeof(e)` on pyspark (ANSI on, UTC, as Spark 4 defaults) and
writes one JSON line to `scalar_functions.jsonl`: the expression, Spark's value as text
(null for NULL), its type, or the error class when Spark raises one. The Rust test
`eval::tests::scalar_functions_match_spark` evaluates the same expressions and compares.

Run: /tmp/spark-peer/venv/bin/python core/tests/spark/scalar_functions.py
"""
import json
import os
import re

from pyspark.sql import SparkSession

here = os.path.dirname(os.path.abspath(__file__))
spark = (
    SparkSession.builder.master("local[1]")
    .config("spark.sql.session.timeZone", "UTC")
    .config("spark.sql.ansi.enabled", "true")
    .config("spark.ui.enabled", "false")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")

with open(os.path.join(here, "scalar_functions.txt")) as f:
    cases = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]

out = []
for sql in cases:
    rec = {"sql": sql}
    try:
        row = spark.sql(f"SELECT CAST(({sql}) AS STRING) AS v, typeof({sql}) AS t").collect()[0]
        rec["value"] = row["v"]
        rec["type"] = row["t"]
    except Exception as e:  # noqa: BLE001 - any Spark error is an expected answer
        m = re.search(r"\[([A-Z_]+(?:\.[A-Z_]+)?)\]", str(e))
        rec["error"] = m.group(1) if m else str(e).splitlines()[0]
    out.append(rec)

with open(os.path.join(here, "scalar_functions.jsonl"), "w") as f:
    for rec in out:
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
print(f"{len(out)} cases written")
