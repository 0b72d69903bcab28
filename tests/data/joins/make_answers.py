"""Spark's answers for tests/joins.rs: every join type over the small tables in l/ and r/,
as a batch query, as a stream-static join (a stream of l/ read one file per batch) and as a
stream-stream inner join (both l/ and r/ one file per batch).

Run with pyspark 4.3 (see ../../../../shared/peer/spark/README.md):
    /tmp/spark-peer/venv/bin/python tests/data/joins/make_answers.py
It rewrites tests/data/joins/answers.json.

Per-batch answers of streams are worked out as Spark's micro-batch semantics define them,
with Spark's batch joins: a stream-static join's batch b is the join of file b with the
whole static table; a stream-stream inner join's batch b is the join of files 0..=b minus
the join of files 0..b (every pair is emitted in the batch its later row arrives in).
"""
import json
import os
from collections import Counter

from pyspark.sql import SparkSession
from pyspark.errors import AnalysisException

HERE = os.path.dirname(os.path.abspath(__file__))
L_SCHEMA = "k BIGINT, v STRING, n BIGINT"
R_SCHEMA = "k BIGINT, v STRING, w BIGINT"
FILES = ["part-0.json", "part-1.json"]

spark = (
    SparkSession.builder.master("local[2]")
    .config("spark.sql.shuffle.partitions", "5")
    .config("spark.sql.session.timeZone", "UTC")
    .config("spark.ui.enabled", "false")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")

SEL = "l.k AS lk, l.v AS lv, l.n, r.k AS rk, r.v AS rv, r.w"

# (name, SQL): run in batch; names prefixed with their kind for the streaming tables below.
BATCH = [
    ("inner_on", f"SELECT {SEL} FROM l JOIN r ON l.k = r.k"),
    ("inner_keyword_on", f"SELECT {SEL} FROM l INNER JOIN r ON r.k = l.k"),
    ("left_on", f"SELECT {SEL} FROM l LEFT JOIN r ON l.k = r.k"),
    ("left_outer_on", f"SELECT {SEL} FROM l LEFT OUTER JOIN r ON l.k = r.k"),
    ("right_on", f"SELECT {SEL} FROM l RIGHT JOIN r ON l.k = r.k"),
    ("full_on", f"SELECT {SEL} FROM l FULL OUTER JOIN r ON l.k = r.k"),
    ("semi_on", "SELECT * FROM l LEFT SEMI JOIN r ON l.k = r.k"),
    ("anti_on", "SELECT * FROM l LEFT ANTI JOIN r ON l.k = r.k"),
    ("cross", "SELECT l.v AS lv, r.v AS rv FROM l CROSS JOIN r"),
    ("inner_using", "SELECT * FROM l JOIN r USING (k)"),
    ("left_using", "SELECT * FROM l LEFT JOIN r USING (k)"),
    ("right_using", "SELECT * FROM l RIGHT JOIN r USING (k)"),
    ("full_using", "SELECT * FROM l FULL JOIN r USING (k)"),
    ("semi_using", "SELECT * FROM l LEFT SEMI JOIN r USING (k)"),
    ("anti_using", "SELECT * FROM l LEFT ANTI JOIN r USING (k)"),
    ("using_qualified_key", "SELECT r.k AS rk, l.k AS lk, k FROM l JOIN r USING (k)"),
    ("left_residual", f"SELECT {SEL} FROM l LEFT JOIN r ON l.k = r.k AND r.w > 10"),
    ("right_residual", f"SELECT {SEL} FROM l RIGHT JOIN r ON l.k = r.k AND l.n > 15"),
    ("full_residual", f"SELECT {SEL} FROM l FULL JOIN r ON l.k = r.k AND l.n < r.w"),
    ("semi_residual", "SELECT * FROM l LEFT SEMI JOIN r ON l.k = r.k AND r.w > 10"),
    ("anti_residual", "SELECT * FROM l LEFT ANTI JOIN r ON l.k = r.k AND r.w > 10"),
    ("inner_non_equi", f"SELECT {SEL} FROM l JOIN r ON l.n > r.w + 20"),
    ("left_non_equi", f"SELECT {SEL} FROM l LEFT JOIN r ON l.n > r.w + 20"),
    ("full_non_equi", f"SELECT {SEL} FROM l FULL JOIN r ON l.n > r.w + 30"),
    ("null_safe", "SELECT l.v AS lv, r.v AS rv FROM l JOIN r ON l.k <=> r.k"),
    ("comma_where", "SELECT l.v AS lv, r.w FROM l, r WHERE l.k = r.k AND r.w > 10"),
    ("aliases", "SELECT a.v AS av, b.v AS bv FROM l AS a JOIN r b ON a.k = b.k WHERE b.w < 50"),
    ("qualified_star", "SELECT r.*, l.n FROM l JOIN r ON l.k = r.k"),
    ("self_join", "SELECT a.v AS av, b.v AS bv FROM l a JOIN l b ON a.k = b.k AND a.n < b.n"),
    (
        "cte_union",
        "WITH a AS (SELECT k, v FROM l WHERE n > 20), b AS (SELECT k, v FROM r) "
        "SELECT x.k, x.v, y.v AS yv FROM a x JOIN b y ON x.k = y.k "
        "UNION ALL SELECT k, v, v FROM l WHERE k IS NULL",
    ),
    ("subquery", "SELECT s.k, s.total, r.w FROM (SELECT k, sum(n) AS total FROM l GROUP BY k) s JOIN r ON s.k = r.k"),
    ("aggregate_after_join", "SELECT r.v, count(*) AS c, sum(l.n) AS s FROM l JOIN r USING (k) GROUP BY r.v"),
    ("inline_table", "SELECT * FROM l JOIN VALUES (1, 'one'), (2, 'two'), (9, 'nine') AS t(k, name) USING (k)"),
    ("three_way", "SELECT l.v AS lv, r.v AS rv, t.name FROM l JOIN r ON l.k = r.k LEFT JOIN VALUES (5, 'five') AS t(k, name) ON r.k = t.k"),
    ("ambiguous", "SELECT k FROM l JOIN r ON l.k = r.k"),
    ("ambiguous_where", "SELECT l.v AS lv FROM l JOIN r ON l.k = r.k WHERE v = 'a'"),
]

# Stream-static joins Spark runs: (name, SQL); `l` is the stream, `r` static.
STREAM_STATIC = [
    ("inner_on", f"SELECT {SEL} FROM l JOIN r ON l.k = r.k"),
    ("left_on", f"SELECT {SEL} FROM l LEFT JOIN r ON l.k = r.k"),
    ("right_on_stream_right", f"SELECT {SEL} FROM r RIGHT JOIN l ON l.k = r.k"),
    ("semi_on", "SELECT * FROM l LEFT SEMI JOIN r ON l.k = r.k"),
    ("anti_on", "SELECT * FROM l LEFT ANTI JOIN r ON l.k = r.k"),
    ("left_using", "SELECT * FROM l LEFT JOIN r USING (k)"),
    ("left_residual", f"SELECT {SEL} FROM l LEFT JOIN r ON l.k = r.k AND r.w > 10"),
    ("inner_non_equi", f"SELECT {SEL} FROM l JOIN r ON l.n > r.w + 20"),
]

# Stream-stream inner joins: both `l` and `r` are streams.
STREAM_STREAM = [
    ("inner_on", f"SELECT {SEL} FROM l JOIN r ON l.k = r.k"),
    ("inner_using", "SELECT * FROM l JOIN r USING (k)"),
    ("inner_residual", f"SELECT {SEL} FROM l JOIN r ON l.k = r.k AND l.n < r.w"),
    ("cross", "SELECT l.v AS lv, r.v AS rv FROM l CROSS JOIN r"),
]


def register(name, schema, files):
    paths = [os.path.join(HERE, name, f) for f in files]
    if files:
        df = spark.read.schema(schema).json(paths)
    else:
        df = spark.createDataFrame([], schema)
    df.createOrReplaceTempView(name)


def run(sql):
    df = spark.sql(sql)
    rows = sorted(([v for v in r] for r in df.collect()), key=lambda r: json.dumps(r))
    return df.columns, rows


def minus(after, before):
    left = Counter(json.dumps(r) for r in after)
    left.subtract(Counter(json.dumps(r) for r in before))
    if any(c < 0 for c in left.values()):
        raise SystemExit("a stream-stream inner join retracted a row")
    return sorted((json.loads(k) for k, c in left.items() for _ in range(c)), key=json.dumps)


answers = {"batch": {}, "stream_static": {}, "stream_stream": {}}
register("l", L_SCHEMA, FILES)
register("r", R_SCHEMA, FILES)
for name, sql in BATCH:
    try:
        cols, rows = run(sql)
        answers["batch"][name] = {"sql": sql, "columns": cols, "rows": rows}
    except AnalysisException as e:
        answers["batch"][name] = {"sql": sql, "error": e.getCondition()}

for name, sql in STREAM_STATIC:
    batches = []
    for f in FILES:
        register("l", L_SCHEMA, [f])
        cols, rows = run(sql)
        batches.append(rows)
    answers["stream_static"][name] = {"sql": sql, "columns": cols, "batches": batches}
register("l", L_SCHEMA, FILES)

for name, sql in STREAM_STREAM:
    batches = []
    before = []
    for b in range(len(FILES)):
        register("l", L_SCHEMA, FILES[: b + 1])
        register("r", R_SCHEMA, FILES[: b + 1])
        cols, rows = run(sql)
        batches.append(minus(rows, before))
        before = rows
    answers["stream_stream"][name] = {"sql": sql, "columns": cols, "batches": batches}

# Combinations Spark refuses at start(): (name, SQL, output mode, which of l / r stream).
# The recorded reason is Spark's message without its error-class prefix and plan.
REFUSALS = [
    ("left_outer_stream_right", "SELECT * FROM r LEFT JOIN l ON l.k = r.k", "append", "l"),
    ("right_outer_stream_left", "SELECT * FROM l RIGHT JOIN r ON l.k = r.k", "append", "l"),
    ("full_outer_stream_left", "SELECT * FROM l FULL JOIN r ON l.k = r.k", "append", "l"),
    ("full_outer_stream_right", "SELECT * FROM r FULL JOIN l ON l.k = r.k", "append", "l"),
    ("semi_stream_right", "SELECT * FROM r LEFT SEMI JOIN l ON l.k = r.k", "append", "l"),
    ("anti_stream_right", "SELECT * FROM r LEFT ANTI JOIN l ON l.k = r.k", "append", "l"),
    ("stream_stream_left_outer_no_watermark", "SELECT * FROM l LEFT JOIN r ON l.k = r.k", "append", "lr"),
    ("stream_stream_right_outer_no_watermark", "SELECT * FROM l RIGHT JOIN r ON l.k = r.k", "append", "lr"),
    ("stream_stream_full_outer_no_watermark", "SELECT * FROM l FULL JOIN r ON l.k = r.k", "append", "lr"),
    ("stream_stream_semi_no_watermark", "SELECT * FROM l LEFT SEMI JOIN r ON l.k = r.k", "append", "lr"),
    ("stream_stream_anti", "SELECT * FROM l LEFT ANTI JOIN r ON l.k = r.k", "append", "lr"),
    (
        "stream_stream_complete",
        "SELECT r.v, count(*) AS c FROM l JOIN r ON l.k = r.k GROUP BY r.v",
        "complete",
        "lr",
    ),
]


def staged_stream(name, schema):
    return spark.readStream.schema(schema).option("maxFilesPerTrigger", 1).json(os.path.join(HERE, name))


def spark_reason(e):
    msg = str(e)
    if msg.startswith("["):
        msg = msg.split("] ", 1)[1]
    return msg.split(";\n", 1)[0].split("\n", 1)[0].strip()


answers["refusals"] = {}
for name, sql, mode, streams in REFUSALS:
    for t, schema in (("l", L_SCHEMA), ("r", R_SCHEMA)):
        if t in streams:
            staged_stream(t, schema).createOrReplaceTempView(t)
        else:
            register(t, schema, FILES)
    try:
        q = spark.sql(sql).writeStream.format("memory").queryName("refused_" + name).outputMode(mode).start()
        q.processAllAvailable()
        q.stop()
        answers["refusals"][name] = {"sql": sql, "mode": mode, "streams": streams, "reason": None}
    except Exception as e:  # AnalysisException or StreamingQueryException
        answers["refusals"][name] = {"sql": sql, "mode": mode, "streams": streams, "reason": spark_reason(e)}

# The CLI contract's stream-static enrichment of the activity data (its answer is a batch
# join: every activity row meets the whole static view).
ACTIVITY = os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "activity-data-synth")
ACTIVITY_SCHEMA = (
    "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, Index BIGINT, Model STRING, "
    "User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE"
)
answers["activity"] = {}
if os.path.isdir(ACTIVITY):
    spark.read.schema(ACTIVITY_SCHEMA).json(ACTIVITY).createOrReplaceTempView("activity")
    spark.sql(
        "CREATE OR REPLACE TEMPORARY VIEW models AS SELECT * FROM VALUES ('nexus4', 'LG'), ('s3', 'Samsung') AS t(Model, vendor)"
    )
    for name, how in (("inner", "JOIN"), ("left", "LEFT JOIN")):
        sql = f"SELECT vendor, gt, count(*) AS count FROM activity {how} models USING (Model) GROUP BY vendor, gt"
        cols, rows = run(sql)
        answers["activity"][name] = {"sql": sql, "columns": cols, "rows": rows}

# Stream queries Spark refuses that Sluice runs (a stream-stream inner join aggregated in
# complete mode): the final complete table is Spark's batch answer over all the files.
answers["beyond_spark"] = {}
register("l", L_SCHEMA, FILES)
register("r", R_SCHEMA, FILES)
for name, sql, mode, streams in REFUSALS:
    if mode == "complete":
        cols, rows = run(sql)
        answers["beyond_spark"][name] = {"sql": sql, "columns": cols, "rows": rows}

with open(os.path.join(HERE, "answers.json"), "w") as out:
    json.dump(answers, out, indent=1, sort_keys=True)
    out.write("\n")
print("wrote", os.path.join(HERE, "answers.json"))
