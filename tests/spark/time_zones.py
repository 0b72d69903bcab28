"""Spark 4.3's answers for the session time zone cases of tests/time_zones.rs.

For each zone (UTC; America/Los_Angeles, with DST; Asia/Kolkata, +05:30 without DST;
Australia/Sydney, southern-hemisphere DST) and each SQL expression of CASES, the value of
`SELECT cast(<expr> AS STRING)` with spark.sql.session.timeZone set to the zone, as one
{"zone", "expr", "value"} line (value null for SQL NULL) in
tests/data/time_zones/answers.jsonl. The instants sit on and around each zone's DST
changes in 2024 (LA: 2024-03-10 02:00 -> 03:00, 2024-11-03 02:00 -> 01:00; Sydney:
2024-04-07 03:00 -> 02:00, 2024-10-06 02:00 -> 03:00).

Then a file case: tests/data/time_zones/events.csv read as a batch with
timestampFormat 'yyyy-MM-dd HH:mm:ss' (zone-less text is in the session zone), and a
one-day tumbling window count over it (window starts stay on UTC midnight, whatever the
zone), written as {"zone", "query", "rows"} lines.

Run from the repository root:
    /tmp/spark-peer/venv/bin/python tests/spark/time_zones.py
"""
import json
from pyspark.sql import SparkSession

ZONES = ["UTC", "America/Los_Angeles", "Asia/Kolkata", "Australia/Sydney"]
CASES = [
    # string -> timestamp -> string, through the zone (gap and overlap included)
    "TIMESTAMP '2024-03-10 01:59:59'",
    "TIMESTAMP '2024-03-10 02:30:00'",
    "TIMESTAMP '2024-11-03 01:30:00'",
    "TIMESTAMP '2024-10-06 02:30:00'",
    "TIMESTAMP '2024-04-07 02:30:00'",
    "cast('2024-07-01 12:00:00' AS TIMESTAMP)",
    "cast('2024-07-01T12:00:00Z' AS TIMESTAMP)",
    "cast('2024-07-01 12:00:00+02:00' AS TIMESTAMP)",
    "unix_timestamp(TIMESTAMP '2024-03-10 02:30:00')",
    "unix_timestamp(TIMESTAMP '2024-11-03 01:30:00')",
    "unix_timestamp(TIMESTAMP '2024-04-07 02:30:00')",
    "unix_timestamp(cast('2024-07-01 12:00:00' AS TIMESTAMP))",
    # instants -> local text and fields
    "timestamp_seconds(1710064800)",
    "timestamp_seconds(1710061200)",
    "timestamp_seconds(1730620800)",
    "timestamp_seconds(1730624400)",
    "timestamp_seconds(1712419200)",
    "timestamp_seconds(1728144000)",
    "timestamp_seconds(0)",
    "hour(timestamp_seconds(1710064800))",
    "hour(timestamp_seconds(1730624400))",
    "minute(timestamp_seconds(1710064800))",
    "dayofweek(timestamp_seconds(1730620800))",
    "dayofmonth(timestamp_seconds(1730620800))",
    "dayofyear(timestamp_seconds(1704067200))",
    "month(timestamp_seconds(1704067200))",
    "year(timestamp_seconds(1704067200))",
    "second(timestamp_seconds(1710064859))",
    "date_format(timestamp_seconds(1710064800), 'yyyy-MM-dd HH:mm:ss')",
    "date_format(timestamp_seconds(1730624400), 'yyyy-MM-dd HH:mm')",
    "from_unixtime(1710064800)",
    "from_unixtime(1730624400, 'yyyy-MM-dd HH:mm:ss')",
    "from_unixtime(0, 'yyyy-MM-dd')",
    "to_timestamp('2024-03-10 02:30:00')",
    "to_timestamp('2024-11-03 01:30', 'yyyy-MM-dd HH:mm')",
    "unix_timestamp('2024-11-03 01:30:00')",
    "unix_timestamp('2024-03-10 02:30', 'yyyy-MM-dd HH:mm')",
    "unix_timestamp('2024-07-01', 'yyyy-MM-dd')",
    "to_date(timestamp_seconds(1730620800))",
    "to_date('2024-07-01 23:30:00')",
    "cast(timestamp_seconds(1730620800) AS DATE)",
    "cast(DATE '2024-03-10' AS TIMESTAMP)",
    "cast(DATE '2024-11-03' AS TIMESTAMP)",
    "unix_timestamp(cast(DATE '2024-03-10' AS TIMESTAMP))",
    "date_trunc('DAY', timestamp_seconds(1710064800))",
    "date_trunc('HOUR', timestamp_seconds(1730624400))",
    "date_trunc('MONTH', timestamp_seconds(1730624400))",
    "date_trunc('WEEK', timestamp_seconds(1730624400))",
    "date_trunc('YEAR', timestamp_seconds(1704067200))",
    "unix_timestamp(date_trunc('DAY', timestamp_seconds(1710064800)))",
    "timestamp_seconds(1710064800) + INTERVAL 1 DAY",
    # zone letters of patterns, and an offset in the text
    "date_format(timestamp_seconds(1710064800), 'yyyy-MM-dd HH:mm z')",
    "date_format(timestamp_seconds(1730620800), 'HH:mm XXX')",
    "date_format(timestamp_seconds(1730620800), 'HH:mm Z')",
    "date_format(timestamp_seconds(0), 'HH:mm xx')",
    "to_timestamp('2024-07-01 12:00:00 +02:00', 'yyyy-MM-dd HH:mm:ss XXX')",
    "window(timestamp_seconds(1710064800), '1 day').start",
    "window(timestamp_seconds(1710064800), '1 hour').end",
    "unix_timestamp(window(timestamp_seconds(1710064800), '1 day').start)",
]

spark = (SparkSession.builder.master("local[2]")
         .config("spark.sql.shuffle.partitions", 5)
         .config("spark.ui.enabled", "false")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")

out = open("tests/data/time_zones/answers.jsonl", "w")
for zone in ZONES:
    spark.conf.set("spark.sql.session.timeZone", zone)
    for expr in CASES:
        try:
            value = spark.sql(f"SELECT cast({expr} AS STRING) AS v").collect()[0]["v"]
        except Exception as e:  # noqa: BLE001 - record what Spark refuses
            value = "ERROR " + str(e).splitlines()[0][:200]
        out.write(json.dumps({"zone": zone, "expr": expr, "value": value}) + "\n")
    events = (spark.read.option("header", "true").option("timestampFormat", "yyyy-MM-dd HH:mm:ss")
              .schema("id INT, t TIMESTAMP").csv("tests/data/time_zones/events.csv"))
    events.createOrReplaceTempView("events")
    for name, sql in [
        ("parsed", "SELECT id, cast(t AS STRING) AS t, unix_timestamp(t) AS epoch FROM events ORDER BY id"),
        ("daily", "SELECT cast(window.start AS STRING) AS start, unix_timestamp(window.start) AS epoch, count(*) AS n "
                  "FROM events GROUP BY window(t, '1 day') ORDER BY epoch"),
    ]:
        rows = [r.asDict() for r in spark.sql(sql).collect()]
        out.write(json.dumps({"zone": zone, "query": name, "rows": rows}) + "\n")
out.close()
