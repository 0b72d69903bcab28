"""Computes Spark's answers for tests/stateful.rs: runs every case of cases.json on
pyspark 4.3 (local[2], UTC, ANSI on as Spark 4 defaults) over events/ and writes
answers.json ({case: {"rows": [...]}} or {case: {"error": "..."}}).

Batch cases read events/ whole; stream cases read it with maxFilesPerTrigger 1 (one file
per batch, files staged with modification times in name order), write to a memory sink in
the case's output mode, and record the sink's table after processAllAvailable(). Stream
sources are `events` and `events_wm` (the same with a 10 second watermark on ts).

A case with "answer": "batch" is a stream query Spark refuses (chained aggregations in
complete mode) that Sluice runs: its answer is Spark's batch result of the same SQL over all
of events/ (the complete table after the last batch), "by_batch" the batch result over the
first b + 1 files (the complete table after micro-batch b), and Spark's refusal is kept
beside them as "spark_stream".

Run: /tmp/spark-peer/venv/bin/python tests/data/stateful/make_answers.py
"""
import datetime
import json
import os
import shutil
import sys
import tempfile

from pyspark.sql import Row, SparkSession
from pyspark.sql import functions as F

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = "user STRING, gt STRING, model STRING, x DOUBLE, n BIGINT, ts TIMESTAMP"
WATERMARK = ("ts", "10 seconds")


def plain(v):
    if isinstance(v, Row):
        return {k: plain(x) for k, x in v.asDict().items()}
    if isinstance(v, datetime.datetime):
        s = v.strftime("%Y-%m-%d %H:%M:%S")
        return s + (".%06d" % v.microsecond).rstrip("0") if v.microsecond else s
    return v


def rows_of(df_rows, ordered):
    rows = [{k: plain(v) for k, v in r.asDict().items()} for r in df_rows]
    if not ordered:
        rows.sort(key=lambda r: json.dumps(r, sort_keys=True))
    return rows


def apply_api(df, ops):
    for op in ops:
        kind, args = op[0], op[1:]
        if kind == "with_watermark":
            df = df.withWatermark(*WATERMARK)
        elif kind == "drop_duplicates":
            df = df.dropDuplicates(args[0]) if args[0] else df.dropDuplicates()
        elif kind == "drop_duplicates_within_watermark":
            df = df.dropDuplicatesWithinWatermark(args[0])
        elif kind == "select":
            df = df.select(*args[0])
        elif kind == "cube_avg":
            df = df.cube(*args[0]).avg(*args[1])
        elif kind == "rollup_count":
            df = df.rollup(*args[0]).count()
        elif kind == "group_count":
            df = df.groupBy(*args[0]).count()
        elif kind == "window_count":
            df = df.groupBy(F.window("ts", args[0])).count()
        else:
            raise ValueError(kind)
    return df


def main():
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.shuffle.partitions", "5")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    cases = json.load(open(os.path.join(HERE, "cases.json")))
    events = os.path.join(HERE, "events")
    staged = tempfile.mkdtemp()
    stream_dir = os.path.join(staged, "events")
    os.mkdir(stream_dir)
    for i, name in enumerate(sorted(os.listdir(events))):
        shutil.copy(os.path.join(events, name), stream_dir)
        t = 1_700_000_000 + i * 10
        os.utime(os.path.join(stream_dir, name), (t, t))
    answers = {}
    for case in cases:
        name = case["name"]
        mode = case.get("stream")
        try:
            if case.get("answer") == "batch":
                def query(df):
                    df.createOrReplaceTempView("events")
                    return spark.sql(case["sql"]) if "sql" in case else apply_api(df, case["api"])

                result = query(spark.read.schema(SCHEMA).json(events))
                rows = result.collect()
                answers[name] = {"columns": result.columns, "rows": rows_of(rows, False)}
                # And after each micro-batch: the batch answer over the files read so far.
                files = sorted(os.listdir(events))
                answers[name]["by_batch"] = []
                for b in range(len(files)):
                    part = spark.read.schema(SCHEMA).json([os.path.join(events, f) for f in files[: b + 1]])
                    answers[name]["by_batch"].append(rows_of(query(part).collect(), False))
                try:
                    df = spark.readStream.schema(SCHEMA).option("maxFilesPerTrigger", 1).json(stream_dir)
                    query(df).writeStream.format("memory").queryName(name).outputMode(mode).start().stop()
                    answers[name]["spark_stream"] = "ran"
                except Exception as e:
                    answers[name]["spark_stream"] = str(e).split("\n")[0]
                print(name, json.dumps(answers[name])[:200], file=sys.stderr)
                continue
            if mode is None:
                df = spark.read.schema(SCHEMA).json(events)
            else:
                df = spark.readStream.schema(SCHEMA).option("maxFilesPerTrigger", 1).json(stream_dir)
            df.createOrReplaceTempView("events")
            df.withWatermark(*WATERMARK).createOrReplaceTempView("events_wm")
            result = spark.sql(case["sql"]) if "sql" in case else apply_api(df, case["api"])
            if mode is None:
                rows = result.collect()
            else:
                q = result.writeStream.format("memory").queryName(name).outputMode(mode).start()
                try:
                    q.processAllAvailable()
                finally:
                    q.stop()
                rows = spark.sql(f"SELECT * FROM {name}").collect()
            answers[name] = {"columns": result.columns, "rows": rows_of(rows, case.get("ordered", False))}
        except Exception as e:  # Spark's refusal is the answer
            msg = str(e).split("\n")[0]
            answers[name] = {"error": msg}
        print(name, json.dumps(answers[name])[:200], file=sys.stderr)
    with open(os.path.join(HERE, "answers.json"), "w") as f:
        json.dump(answers, f, indent=1, sort_keys=True)
        f.write("\n")
    shutil.rmtree(staged)


if __name__ == "__main__":
    main()
