"""Spark 4.3's answers for the statements of `inputs/*.sql`, Apache Spark's own SQL tests.

The inputs are copies of files of apache/spark's
`sql/core/src/test/resources/sql-tests/inputs/` (Apache License 2.0; each names its
source in its first line). Statements are split as Spark's `SQLQueryTestSuite` splits
them: comment lines (`--`) dropped, then at each `;` that ends a line. Each statement
runs, in order, in one session per file, with the suite's settings (time zone
America/Los_Angeles; ANSI on, Spark 4's default). For each, one JSON line goes to
`answers/<file>.jsonl`:

- a query: `"columns"`, `"types"` (each column's type as `typeof` names it) and `"rows"` (each value as
  Spark casts it to a string, null for NULL; sorted, as the suite compares unordered
  results, unless the statement ends in a top-level ORDER BY);
- a command (CREATE VIEW, SET, DROP, ...): `"done": true`;
- a failure: `"error"`, Spark's error class (`[CLASS.SUBCLASS]`), or its first line.

The Rust test `tests/spark_sql_tests.rs` runs the same statements in Sluice and compares.

Run: /tmp/spark-peer/venv/bin/python tests/data/sql-tests/make_answers.py [NAME ...] 2>/dev/null
"""
import glob
import json
import os
import re
import sys
import tempfile

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

here = os.path.dirname(os.path.abspath(__file__))


def statements(text):
    code = "\n".join(l for l in text.splitlines() if not l.strip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*(?:\n|$)", code) if s.strip()]


def ordered(sql):
    """Whether the statement's result order is part of its answer (a final ORDER BY
    outside any parentheses)."""
    depth, last = 0, -1
    low = sql.lower()
    for i, ch in enumerate(low):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and low.startswith("order by", i):
            last = i
    return last >= 0


def error_class(e):
    m = re.search(r"\[([A-Z0-9_]+(?:\.[A-Z0-9_]+)*)\]", str(e))
    return m.group(1) if m else str(e).strip().splitlines()[0]


def answer(spark, sql):
    rec = {"sql": sql}
    try:
        df = spark.sql(sql)
        if not df.columns:
            df.collect()
            rec["done"] = True
            return rec
        cols = [f"_c{i}" for i in range(len(df.columns))]
        df2 = df.toDF(*cols)
        rows = df2.select([F.col(c).cast("string") for c in cols]).collect()
        rec["columns"] = df.columns
        rec["types"] = [f.dataType.simpleString() for f in df.schema.fields]
        rec["rows"] = [[r[c] for c in cols] for r in rows]
        if not ordered(sql):
            rec["rows"].sort(key=lambda r: [(v is None, v or "") for v in r])
        else:
            rec["ordered"] = True
    except Exception as e:  # noqa: BLE001 - any Spark error is an expected answer
        rec["error"] = error_class(e)
    return rec


def main():
    names = sys.argv[1:] or sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(here, "inputs", "*.sql")))
    warehouse = tempfile.mkdtemp(prefix="sluice-sql-tests-")
    for name in names:
        spark = (
            SparkSession.builder.master("local[1]")
            .config("spark.sql.session.timeZone", "America/Los_Angeles")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.warehouse.dir", warehouse)
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("OFF")
        with open(os.path.join(here, "inputs", f"{name}.sql")) as f:
            stmts = statements(f.read())
        out = [answer(spark, s) for s in stmts]
        with open(os.path.join(here, "answers", f"{name}.jsonl"), "w") as f:
            for rec in out:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        print(f"{name}: {len(out)} statements, {sum('error' in r for r in out)} errors")
        spark.stop()


main()
