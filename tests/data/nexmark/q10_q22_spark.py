"""Spark 4.3's answers for Nexmark q10, q11, q13, q14, q15, q16, q17, q20, q21 and q22 over the
1,000,000-event JSON files of ../shared/nexmark/gen.

The streaming ones (q10, q11, q13, q14, q20, q21, q22) run as ../shared/nexmark/README.md says Spark
ran q2-q8: each table read with maxFilesPerTrigger 5 (4 data micro-batches),
withWatermark("dateTime", "1 second"), append mode into a memory sink, processAllAvailable().
Spark refuses q15 and q16 as streams (distinct aggregates), and q17's complete-mode table ends
as its batch answer, so those three are Spark's batch answers, which Sluice's complete-mode
stream must end with (as q4_spark_batch.py does for q4).

The SQL is the text of benches/nexmark/<q>.sql (the INSERT INTO line dropped; statements
before the query, q13's side-input view, run first). Each answer is
written beside this script as <q>-spark.digest: the row count and the SHA-256 of the sorted
rows, one JSON object per line (keys sorted, no spaces, timestamps as Spark casts them to
strings, decimals as doubles); with fewer than 2,000 rows the rows themselves go to
<q>-spark.jsonl too. tests/nexmark.rs renders Sluice's rows the same way.

Run (NEXMARK_DIR defaults to /tmp/nexmark-1m, as scripts/nexmark-bench.sh makes it):
  /tmp/spark-peer/venv/bin/python tests/data/nexmark/q10_q22_spark.py [q ...]
"""
import sys

from spark_nexmark import batch_tables, query_text, session, stream_tables, write

spark = session(**{"spark.driver.memory": "6g"})


def body(q):
    """The query of q, after running the statements before it."""
    *before, query = query_text(q)
    for statement in before:
        spark.sql(statement)
    return query


chosen = sys.argv[1:]
stream_tables(spark)
for q in [q for q in ["q10", "q11", "q13", "q14", "q20", "q21", "q22"] if q in chosen or not chosen]:
    query = spark.sql(body(q)).writeStream.format("memory").queryName(q).outputMode("append").start()
    query.processAllAvailable()
    query.stop()
    write(q, spark.table(q).collect())

batch_tables(spark)
for q in [q for q in ["q15", "q16", "q17"] if q in chosen or not chosen]:
    write(q, spark.sql(body(q)).collect())
