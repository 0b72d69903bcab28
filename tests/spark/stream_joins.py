"""Spark 4.3's answers for the stream-stream joins of tests/stream_joins.rs, batch by batch.

Two file streams (tests/data/stream_joins/impressions and clicks, one file per trigger
each), a 10-second watermark on each side's event time, joined on the ad and the
10-second window of the event time (window equality) as inner, left outer, right outer
and full outer joins in append mode; an inner join on the ad alone (no event-time
key: nothing evicted, late rows still dropped); and impressions joined with the click
counts of their window by a range on the window's start and end (Nexmark q7's shape). Every non-empty micro-batch's rows are written as
{"query", "batch", "rows"} lines (rows sorted, windows as [start, end] epoch seconds) to
tests/data/stream_joins/answers.jsonl.

Run from the repository root:
    /tmp/spark-peer/venv/bin/python tests/spark/stream_joins.py
"""
import json, os, shutil, tempfile, time
from pyspark.sql import SparkSession, functions as F

DATA = "tests/data/stream_joins"
spark = (SparkSession.builder.master("local[2]")
         .config("spark.sql.shuffle.partitions", 5)
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.ui.enabled", "false")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")


def staged(name):
    """A copy of the input whose files' mtimes follow their names (Spark reads by mtime)."""
    d = tempfile.mkdtemp()
    for i, f in enumerate(sorted(os.listdir(f"{DATA}/{name}"))):
        shutil.copy(f"{DATA}/{name}/{f}", d)
        os.utime(f"{d}/{f}", (1_000_000 + i, 1_000_000 + i))
    return d


def side(name, schema, time_col):
    return (spark.readStream.schema(schema).option("maxFilesPerTrigger", 1).json(staged(name))
            .withColumn("t", F.col(time_col).cast("timestamp"))
            .withWatermark("t", "10 seconds"))


def plain(v):
    if hasattr(v, "timestamp") and not hasattr(v, "asDict"):
        return int(v.timestamp())
    if isinstance(v, dict) or hasattr(v, "asDict"):
        d = v.asDict() if hasattr(v, "asDict") else v
        return [int(d["start"].timestamp()), int(d["end"].timestamp())]
    return v


def run(query, how):
    imps = side("impressions", "impId STRING, adId BIGINT, impressionTime BIGINT", "impressionTime")
    clicks = side("clicks", "clickId STRING, adId BIGINT, clickTime BIGINT", "clickTime")
    if query.startswith("interval"):
        # A range condition: a click within 5 seconds after its impression.
        i = imps.select(F.col("adId").alias("iAd"), F.col("t").alias("it"), "impId")
        c = clicks.select(F.col("adId").alias("cAd"), F.col("t").alias("ct"), "clickId")
        cond = F.expr("iAd = cAd AND ct >= it AND ct <= it + INTERVAL 5 SECONDS")
        joined = i.join(c, cond, how)
    elif query == "window_range":
        # Nexmark q7's shape: each impression joined with its ad's click count of the
        # 10-second window it falls in, by a range on the window's start and end (an
        # aggregation in append mode, then the join).
        i = imps.select(F.col("adId").alias("iAd"), F.col("t").alias("it"), "impId")
        c = (clicks.groupBy(F.col("adId").alias("cAd"), F.window("t", "10 seconds").alias("w"))
             .agg(F.count("*").alias("clicks")))
        cond = F.expr("iAd = cAd AND it >= w.start AND it < w.end")
        joined = i.join(c, cond, how)
    elif query == "inner_by_ad":
        # No event-time key: the state is kept, but late rows are still dropped.
        joined = imps.select("adId", "t", "impId").join(clicks.select("adId", "t", "clickId"), ["adId"], how)
    else:
        imps = imps.select("adId", F.window("t", "10 seconds").alias("w"), "impId")
        clicks = clicks.select("adId", F.window("t", "10 seconds").alias("w"), "clickId")
        joined = imps.join(clicks, ["adId", "w"], how)
    out = []

    def record(df, batch_id):
        rows = sorted(json.dumps([plain(v) for v in r]) for r in df.collect())
        if rows:
            out.append({"query": query, "batch": batch_id, "rows": [json.loads(r) for r in rows]})

    q = joined.writeStream.outputMode("append").foreachBatch(record).start()
    q.processAllAvailable()
    q.stop()
    return out


with open(f"{DATA}/answers.jsonl", "w") as f:
    for query, how in [("inner", "inner"), ("left", "left_outer"), ("right", "right_outer"), ("full", "full_outer"),
                       ("inner_by_ad", "inner"), ("interval_inner", "inner"), ("interval_left", "left_outer"),
                       ("semi", "left_semi"), ("interval_semi", "left_semi"), ("window_range", "inner")]:
        for line in run(query, how):
            f.write(json.dumps(line) + "\n")
print(open(f"{DATA}/answers.jsonl").read())
