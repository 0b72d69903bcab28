"""Spark 4.3's answers for tests/file_source.rs: the file source on compressed files,
timestamp/date patterns, multiLine JSON, encodings, listing filters and corrupt files.

Each fixture is built here exactly as the Rust test builds it (from ../shared/data), then
read by pyspark (local[2], UTC); answers go to tests/data/file_source/<name>.jsonl, one row
per line, sorted. Run: /tmp/spark-peer/venv/bin/python tests/spark/file_source.py
With `--sluice-output DIR...` it instead checks that Spark reads the file sink's compressed
output (see `compressed_sink_output_reads_back`, which keeps it under $SLUICE_KEEP_SINK_OUTPUT)
as the rows Sluice wrote.
(zstd is not in Python 3.11's standard library: .zst holds the same text as .gz/.bz2, so
the gz answer is the zst answer.)
"""
import bz2
import gzip
import json
import os
import sys
import tempfile
import time

os.environ["TZ"] = "UTC"
time.tzset()

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
SHARED = os.path.normpath(os.path.join(REPO, "..", "shared", "data"))
OUT = os.path.join(REPO, "tests", "data", "file_source")

ACTIVITY_DDL = ("Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, Index BIGINT, "
                "Model STRING, User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE")
RETAIL_DDL = ("InvoiceNo STRING, StockCode STRING, Description STRING, Quantity INT, "
              "InvoiceDate STRING, UnitPrice DOUBLE, CustomerID DOUBLE, Country STRING")


def files(d, n):
    names = sorted(f for f in os.listdir(d) if not f.startswith((".", "_")))
    return [os.path.join(d, f) for f in names[:n]]


def activity_files():
    return files(os.path.join(SHARED, "activity-data-synth"), 6)


def retail_files():
    return files(os.path.join(SHARED, "retail-data", "by-day"), 5)


def compressed_copy(srcs, dst, ext):
    os.makedirs(dst)
    for s in srcs:
        data = open(s, "rb").read()
        name = os.path.basename(s) + "." + ext
        with open(os.path.join(dst, name), "wb") as f:
            f.write(gzip.compress(data) if ext == "gz" else bz2.compress(data))


def retail_time_text(src):
    """Retail rows as InvoiceNo,InvoiceDate (MM/dd/yyyy HH:mm),InvoiceDay (dd.MM.yyyy)."""
    out = ["InvoiceNo,InvoiceDate,InvoiceDay"]
    for line in open(src, encoding="utf-8").read().splitlines()[1:]:
        if not line.strip():
            continue
        no = line.split(",", 1)[0]
        stamp = line.rsplit(",", 4)[1]  # 2010-12-01 08:26:00
        y, mo, d = stamp[0:4], stamp[5:7], stamp[8:10]
        out.append(f"{no},{mo}/{d}/{y} {stamp[11:16]},{d}.{mo}.{y}")
    return "\n".join(out) + "\n"


def multiline_texts():
    lines = open(files(os.path.join(SHARED, "hhar-real-sample"), 1)[0]).read().splitlines()
    array = "[\n" + ",\n".join(lines[:100]) + "\n]\n"
    single = lines[100].replace(",", ",\n  ") + "\n"
    return array, single


def write_rows(name, df, order):
    rows = [r.asDict() for r in df.orderBy(*order).collect()]
    with open(os.path.join(OUT, name + ".jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r, sort_keys=True, default=str) + "\n")
    print(name, len(rows), file=sys.stderr)


def main():
    os.makedirs(OUT, exist_ok=True)
    spark = (SparkSession.builder.master("local[2]").appName("file_source")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
             .config("spark.ui.enabled", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    tmp = tempfile.mkdtemp(prefix="file-source-spark-")

    # Compressed JSON and CSV: the same answers from .gz and .bz2 (checked), as a batch.
    answers = {}
    for ext in ["gz", "bz2"]:
        d = os.path.join(tmp, "act-" + ext)
        compressed_copy(activity_files(), d, ext)
        df = spark.read.schema(ACTIVITY_DDL).json(d).groupBy("gt").agg(
            F.count("*").alias("n"), F.sum("Index").alias("sum_index"))
        answers.setdefault("activity", []).append(sorted(map(str, df.collect())))
        if ext == "gz":
            write_rows("activity_by_gt", df, ["gt"])
        d = os.path.join(tmp, "retail-" + ext)
        compressed_copy(retail_files(), d, ext)
        df = spark.read.schema(RETAIL_DDL).option("header", "true").csv(d).groupBy("Country").agg(
            F.count("*").alias("n"), F.sum("Quantity").alias("quantity"))
        answers.setdefault("retail", []).append(sorted(map(str, df.collect())))
        if ext == "gz":
            write_rows("retail_by_country", df, ["Country"])
    for k, v in answers.items():
        assert v[0] == v[1], k

    # timestampFormat / dateFormat on CSV.
    d = os.path.join(tmp, "times")
    os.makedirs(d)
    for s in retail_files()[:2]:
        with open(os.path.join(d, os.path.basename(s)), "w") as f:
            f.write(retail_time_text(s))
    df = (spark.read.schema("InvoiceNo STRING, InvoiceDate TIMESTAMP, InvoiceDay DATE")
          .option("header", "true").option("timestampFormat", "MM/dd/yyyy HH:mm")
          .option("dateFormat", "dd.MM.yyyy").csv(d))
    df = df.groupBy("InvoiceDate", "InvoiceDay").agg(F.count("*").alias("n")).select(
        F.unix_micros("InvoiceDate").alias("ts_us"), F.unix_date("InvoiceDay").alias("day"), "n")
    write_rows("retail_times", df, ["ts_us", "day"])

    # multiLine JSON: an array of records over many lines, and one pretty-printed object.
    d = os.path.join(tmp, "multiline")
    os.makedirs(d)
    array, single = multiline_texts()
    open(os.path.join(d, "a.json"), "w").write(array)
    open(os.path.join(d, "b.json"), "w").write(single)
    df = spark.read.schema(ACTIVITY_DDL).option("multiLine", "true").json(d).select("Index", "gt", "x")
    write_rows("multiline", df, ["Index", "x"])

    # Encodings.
    d = os.path.join(tmp, "latin1")
    os.makedirs(d)
    open(os.path.join(d, "p.csv"), "wb").write("name,city\nJosé,Málaga\nMüller,Köln\n".encode("latin-1"))
    df = spark.read.option("header", "true").option("encoding", "ISO-8859-1").csv(d)
    write_rows("latin1", df, ["name"])
    d = os.path.join(tmp, "utf16")
    os.makedirs(d)
    open(os.path.join(d, "p.json"), "wb").write('[{"name":"José","n":1},\n{"name":"Zoë","n":2}]\n'.encode("utf-16"))
    df = spark.read.schema("name STRING, n BIGINT").option("multiLine", "true").option("encoding", "UTF-16").json(d)
    write_rows("utf16", df, ["n"])

    # Listing filters.
    d = os.path.join(tmp, "listing")
    os.makedirs(os.path.join(d, "sub"))
    for name, v in [("a.json", 1), ("b.txt", 2), ("sub/c.json", 3), ("sub/d.txt", 4)]:
        open(os.path.join(d, name), "w").write(json.dumps({"v": v}) + "\n")
    for tag, opts in [("glob", {"pathGlobFilter": "*.json"}),
                      ("recursive", {"recursiveFileLookup": "true"}),
                      ("recursive_glob", {"recursiveFileLookup": "true", "pathGlobFilter": "*.json"})]:
        df = spark.read.schema("v BIGINT").options(**opts).json(d)
        write_rows("listing_" + tag, df, ["v"])
    for i, name in enumerate(["a.json", "b.txt"]):
        t = 1_700_000_000 + i * 3600
        os.utime(os.path.join(d, name), (t, t))
    df = spark.read.schema("v BIGINT").option("modifiedAfter", "2023-11-14T22:30:00").json(d)
    write_rows("listing_modified_after", df, ["v"])
    df = spark.read.schema("v BIGINT").option("modifiedBefore", "2023-11-14T22:30:00").json(d)
    write_rows("listing_modified_before", df, ["v"])
    try:
        spark.readStream.schema("v BIGINT").option("modifiedBefore", "2023-11-14T22:30:00").json(d)
        print("stream modifiedBefore: accepted", file=sys.stderr)
    except Exception as e:  # noqa: BLE001
        print("stream modifiedBefore:", str(e)[:300], file=sys.stderr)

    # Partition directories under the path: their files are read, the directory's value
    # replacing the file's, and the column appended to a given schema that lacks it.
    d = os.path.join(tmp, "partitioned")
    for sub, text in [("day=1", '{"v":1,"day":9}\n{"v":2}\n'), ("day=2", '{"v":3,"day":9}\n')]:
        os.makedirs(os.path.join(d, sub))
        open(os.path.join(d, sub, "part.json"), "w").write(text)
    write_rows("partitions_schema", spark.read.schema("v BIGINT, day BIGINT").json(d), ["v"])
    write_rows("partitions_appended", spark.read.schema("v BIGINT").json(d), ["v"])
    write_rows("partitions_inferred", spark.read.json(d), ["v"])
    with open(os.path.join(OUT, "partitions_inferred.schema"), "w") as f:
        f.write(spark.read.json(d).schema.simpleString() + "\n")
    write_rows("partitions_filtered", spark.read.schema("v BIGINT, day BIGINT").json(d).filter("day = 1"), ["v"])
    q = (spark.readStream.schema("v BIGINT").json(d).writeStream.format("memory")
         .queryName("partitions_stream").start())
    q.processAllAvailable()
    q.stop()
    write_rows("partitions_stream", spark.sql("SELECT * FROM partitions_stream"), ["v"])

    # A binary file among JSON files: with ignoreCorruptFiles the rest is read. Spark reads
    # the binary bytes as malformed lines; Sluice refuses it, so the answer is the good files'.
    d = os.path.join(tmp, "good")
    os.makedirs(d)
    for s in activity_files()[:2]:
        open(os.path.join(d, os.path.basename(s)), "wb").write(open(s, "rb").read())
    df = spark.read.schema(ACTIVITY_DDL).json(d).groupBy("gt").agg(F.count("*").alias("n"))
    write_rows("good_by_gt", df, ["gt"])


def check_sluice_output(dirs):
    """Spark reads the file sink's compressed output (written by Sluice from
    hhar-real-sample, `SELECT Index, gt, x`) as the same rows as the input."""
    spark = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    src = spark.read.schema(ACTIVITY_DDL).json(os.path.join(SHARED, "hhar-real-sample")).select("Index", "gt", "x")
    for d in dirs:
        fmt = "csv" if any(".csv" in f for f in os.listdir(d)) else "json"
        back = spark.read.schema("Index BIGINT, gt STRING, x DOUBLE").format(fmt).load(d)
        missing, extra = src.exceptAll(back).count(), back.exceptAll(src).count()
        print(f"{d}: spark read {back.count()} rows, {missing} missing, {extra} extra")
        assert missing == 0 and extra == 0, d


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--sluice-output":
        check_sluice_output(sys.argv[2:])
    else:
        main()
