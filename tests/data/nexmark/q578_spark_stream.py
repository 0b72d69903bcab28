"""Spark 4.3's streaming answers for Nexmark q5, q7 and q8 over the 1,000,000-event JSON
files of ../shared/nexmark/gen, run as ../shared/nexmark/README.md says Spark ran them:
each table read with maxFilesPerTrigger 5 (4 data micro-batches), withWatermark("dateTime",
"1 second"), append mode into a memory sink, processAllAvailable(). The SQL is the text of
benches/nexmark/q5.sql, q7.sql and q8.sql (the INSERT INTO line dropped). Writes
q5-spark.jsonl, q7-spark.jsonl and q8-spark.jsonl beside this script (rows sorted).

Run (NEXMARK_DIR defaults to /tmp/nexmark-1m, as scripts/nexmark-bench.sh makes it):
  /tmp/spark-peer/venv/bin/python tests/data/nexmark/q578_spark_stream.py
"""
import json
import os

from spark_nexmark import here, plain, query_text, session, stream_tables

spark = session()
stream_tables(spark)
for q in ["q5", "q7", "q8"]:
    (body,) = query_text(q)
    query = spark.sql(body).writeStream.format("memory").queryName(q).outputMode("append").start()
    query.processAllAvailable()
    query.stop()
    rows = sorted(json.dumps({k: plain(v) for k, v in r.asDict().items()}, sort_keys=True) for r in spark.table(q).collect())
    with open(os.path.join(here, q + "-spark.jsonl"), "w") as f:
        f.writelines(r + "\n" for r in rows)
    print(q, len(rows), "rows")
