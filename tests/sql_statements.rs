//! SQL statements through the library (`session.sql`, `session.execute`): CREATE TABLE
//! (sources, sinks, computed columns, WATERMARK FOR), CREATE VIEW, INSERT INTO, DROP,
//! SHOW TABLES, DESCRIBE, EXPLAIN, and errors with their line and column. Expected
//! answers are counted from the data files directly (serde_json), not by Sluice.

mod common;

use common::data_dir;
use sluice::prelude::*;
use sluice::{split_statements, SqlResult};
use std::collections::BTreeMap;
use std::path::Path;

const COLUMNS: &str = "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, `Index` BIGINT, Model STRING, User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE";

/// The first activity data file alone in a fresh directory.
fn activity_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<_> =
        std::fs::read_dir(data_dir("activity-data-synth")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    std::fs::copy(&files[0], dir.path().join("part-0.json")).unwrap();
    dir
}

/// Rows per Model counted from the file itself.
fn models_in(dir: &Path) -> BTreeMap<String, i64> {
    let text = std::fs::read_to_string(dir.join("part-0.json")).unwrap();
    let mut counts = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        *counts.entry(v["Model"].as_str().unwrap().to_string()).or_insert(0) += 1;
    }
    counts
}

fn create_activity(spark: &Session, dir: &Path) {
    spark
        .sql(&format!(
            "CREATE TABLE activity ({COLUMNS}, model_upper STRING GENERATED ALWAYS AS (upper(Model)))
               WITH (connector = 'file', format = 'json', path = '{}')",
            dir.display()
        ))
        .unwrap();
}

fn strings(rows: &[Row], i: usize) -> Vec<String> {
    rows.iter()
        .map(|r| match &r[i] {
            Value::String(s) => s.to_string(),
            other => panic!("not a string: {other:?}"),
        })
        .collect()
}

#[test]
fn create_table_insert_into_and_select_through_the_library() {
    let dir = activity_dir();
    let want = models_in(dir.path());
    let spark = Session::builder().workers(2).build().unwrap();
    create_activity(&spark, dir.path());
    spark.sql("CREATE TABLE per_model WITH (connector = 'memory', outputMode = 'complete')").unwrap();
    let q = match spark
        .execute("INSERT INTO per_model SELECT model_upper, count(*) AS n FROM activity GROUP BY model_upper")
        .unwrap()
    {
        SqlResult::Query(q) => q,
        _ => panic!("INSERT INTO starts a query"),
    };
    q.process_all_available().unwrap();
    let got =
        spark.sql("SELECT model_upper, n FROM per_model ORDER BY model_upper").unwrap().collect().unwrap();
    let want: Vec<Row> =
        want.iter().map(|(m, n)| vec![Value::string(&m.to_uppercase()), Value::Long(*n)]).collect();
    assert_eq!(got, want);
    q.stop().unwrap();
    // session.sql runs INSERT INTO too (the query is in streams()).
    spark.sql("CREATE TABLE again WITH (connector = 'memory', outputMode = 'append')").unwrap();
    let empty = spark.sql("INSERT INTO again SELECT Model FROM activity").unwrap();
    assert!(empty.collect().unwrap().is_empty());
    let active = spark.streams().active();
    assert_eq!(active.len(), 1, "the INSERT's query runs");
    active[0].process_all_available().unwrap();
    assert_eq!(
        spark.sql("SELECT count(*) FROM again").unwrap().collect().unwrap(),
        vec![vec![Value::Long(
            want.iter()
                .map(|r| match r[1] {
                    Value::Long(n) => n,
                    _ => 0,
                })
                .sum()
        )]]
    );
    active[0].stop().unwrap();
}

#[test]
fn views_show_tables_drop_describe_and_explain() {
    let dir = activity_dir();
    let want = models_in(dir.path());
    let spark = Session::builder().build().unwrap();
    create_activity(&spark, dir.path());
    let (model, n) = want.iter().next().unwrap();
    spark
        .sql(&format!("CREATE TEMP VIEW one_model AS SELECT Model, x FROM activity WHERE Model = '{model}'"))
        .unwrap();
    assert_eq!(
        spark.sql("SELECT count(*) AS n FROM one_model").unwrap().collect().unwrap(),
        vec![vec![Value::Long(*n)]]
    );
    let again = spark.sql("CREATE VIEW one_model AS SELECT Model FROM activity").unwrap_err().to_string();
    assert!(again.contains("[TEMP_TABLE_OR_VIEW_ALREADY_EXISTS]"), "{again}");
    spark.sql("CREATE OR REPLACE TEMPORARY VIEW one_model AS SELECT Model FROM activity").unwrap();
    assert_eq!(
        spark.sql("SELECT count(*) AS n FROM one_model").unwrap().collect().unwrap(),
        vec![vec![Value::Long(want.values().sum())]]
    );
    // A view is read as a stream by INSERT INTO.
    spark.sql("CREATE TABLE models WITH (connector = 'memory', outputMode = 'complete')").unwrap();
    let SqlResult::Query(q) = spark
        .execute("INSERT INTO models SELECT Model, count(*) AS n FROM one_model GROUP BY Model")
        .unwrap()
    else {
        panic!("INSERT INTO starts a query")
    };
    q.process_all_available().unwrap();
    let got = spark.sql("SELECT * FROM models ORDER BY Model").unwrap().collect().unwrap();
    assert_eq!(got, want.iter().map(|(m, n)| vec![Value::string(m), Value::Long(*n)]).collect::<Vec<_>>());
    q.stop().unwrap();

    let shown = spark.sql("SHOW TABLES").unwrap();
    assert_eq!(
        shown.schema().unwrap().fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["namespace", "tableName", "isTemporary"]
    );
    assert_eq!(strings(&shown.collect().unwrap(), 1), ["activity", "models", "one_model"]);

    let described = spark.sql("DESCRIBE activity").unwrap().collect().unwrap();
    let names = strings(&described, 0);
    assert_eq!(names.first().map(String::as_str), Some("Arrival_Time"));
    assert_eq!(names.last().map(String::as_str), Some("model_upper"));
    assert_eq!(strings(&described, 1)[..3], ["bigint", "bigint", "string"]);

    let plan = spark.sql("EXPLAIN SELECT Model FROM activity WHERE x > 0").unwrap().collect().unwrap();
    assert_eq!(plan.len(), 1);
    assert!(strings(&plan, 0)[0].to_ascii_lowercase().contains("filter"), "{plan:?}");

    spark.sql("DROP VIEW one_model").unwrap();
    let err = spark.sql("DROP VIEW activity").unwrap_err().to_string();
    assert!(err.contains("DROP VIEW expects a view"), "{err}");
    spark.sql("DROP TABLE IF EXISTS nothing_here").unwrap();
    let err = spark.sql("DROP TABLE nothing_here").unwrap_err().to_string();
    assert!(err.contains("[TABLE_OR_VIEW_NOT_FOUND]"), "{err}");
    spark.sql("DROP TABLE models").unwrap();
    assert_eq!(strings(&spark.sql("SHOW TABLES").unwrap().collect().unwrap(), 1), ["activity"]);
    let err = spark.sql("SELECT * FROM one_model").unwrap_err().to_string();
    assert!(err.contains("[TABLE_OR_VIEW_NOT_FOUND]"), "{err}");
}

#[test]
fn watermark_for_is_part_of_create_table() {
    let spark = Session::builder().build().unwrap();
    let rate = "WITH (connector = 'rate', rowsPerSecond = '0', numRows = '50', rowsPerBatch = '50')";
    spark.sql("CREATE TABLE w WITH (connector = 'memory', outputMode = 'append')").unwrap();
    let windows = "INSERT INTO w SELECT window(`timestamp`, '1 hour') AS hour, count(*) AS n FROM r GROUP BY window(`timestamp`, '1 hour')";
    // Without a watermark an append-mode window aggregation is refused ..
    spark.sql(&format!("CREATE TABLE r {rate}")).unwrap();
    let err = spark.sql(windows).unwrap_err().to_string();
    assert!(err.contains("watermark"), "{err}");
    // .. with one it runs: every row is in one closed hour once the stream ends.
    spark
        .sql(&format!(
            "CREATE TABLE r (bucket BIGINT GENERATED ALWAYS AS (value % 2),\n  WATERMARK FOR `timestamp` AS `timestamp` - INTERVAL '1' SECOND) {rate}"
        ))
        .unwrap();
    let SqlResult::Query(q) = spark.execute(windows).unwrap() else { panic!("a query") };
    q.process_all_available().unwrap();
    q.stop().unwrap();
    assert_eq!(spark.sql("DESCRIBE r").unwrap().collect().unwrap().len(), 3, "timestamp, value, bucket");
}

#[test]
fn errors_carry_the_statement_line_and_column() {
    let spark = Session::builder().build().unwrap();
    let located = |e: SluiceError| match e {
        SluiceError::Sql { line, column, error } => (line, column, error.to_string()),
        other => panic!("not located: {other}"),
    };
    // A parse error: where sqlparser found it.
    let (line, column, msg) = located(spark.sql("SELECT a\nFROM t WHERE x = = 1").unwrap_err());
    assert_eq!((line, column), (2, 18), "{msg}");
    assert!(msg.starts_with("parse error:"), "{msg}");
    // In a script, positions count from the script's start.
    let script = "CREATE TABLE s WITH (connector = 'memory');\n\n  INSERT INTO s SELECT * FROM missing;\n";
    let statements = split_statements(script);
    spark.execute_statement(&statements[0]).unwrap();
    let (line, column, msg) = located(spark.execute_statement(&statements[1]).unwrap_err());
    assert_eq!((line, column), (3, 3));
    assert!(msg.contains("[TABLE_OR_VIEW_NOT_FOUND]"), "{msg}");
    // A bad WATERMARK clause: at the clause.
    let bad = "CREATE TABLE r (\n   WATERMARK FOR ts AS ts + 1) WITH (connector = 'rate')";
    let (line, column, msg) = located(spark.sql(bad).unwrap_err());
    assert_eq!((line, column), (2, 4));
    assert!(msg.contains("WATERMARK FOR column AS column - INTERVAL"), "{msg}");
    // An unknown connector names the ones there are.
    let (_, _, msg) = located(spark.sql("CREATE TABLE z WITH (connector = 'nope')").unwrap_err());
    assert!(msg.contains("unknown connector 'nope'") && msg.contains("kafka"), "{msg}");
}

#[test]
fn set_and_reset_change_the_session_configs_as_spark_does() {
    let spark = Session::builder().config("spark.sql.streaming.minBatchesToRetain", 7).build().unwrap();
    let shown = |text: &str| -> Vec<(String, String)> {
        spark
            .sql(text)
            .unwrap()
            .collect()
            .unwrap()
            .iter()
            .map(|r| (sluice::format::display_value(&r[0]), sluice::format::display_value(&r[1])))
            .collect()
    };
    // `key = value` and `key=value`, quotes dropped; the result is the pair set.
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(
        shown("SET spark.sql.streaming.stateStore.minDeltasForSnapshot = '3'"),
        [pair("spark.sql.streaming.stateStore.minDeltasForSnapshot", "3")]
    );
    assert_eq!(spark.conf().get("spark.sql.streaming.stateStore.minDeltasForSnapshot").as_deref(), Some("3"));
    spark.sql("SET spark.sql.streaming.minBatchesToRetain=20").unwrap();
    assert_eq!(
        shown("SET spark.sql.streaming.minBatchesToRetain"),
        [pair("spark.sql.streaming.minBatchesToRetain", "20")]
    );
    // A key Sluice does not read is kept (with a warning on stderr), as Spark keeps it.
    spark.sql("SET spark.sql.shuffle.partitions = 8").unwrap();
    assert_eq!(spark.conf().get("spark.sql.shuffle.partitions").as_deref(), Some("8"));
    assert_eq!(shown("SET no.such.key"), [pair("no.such.key", "<undefined>")]);
    assert_eq!(
        shown("SET"),
        [
            pair("spark.sql.shuffle.partitions", "8"),
            pair("spark.sql.streaming.minBatchesToRetain", "20"),
            pair("spark.sql.streaming.stateStore.minDeltasForSnapshot", "3"),
        ]
    );
    // RESET key goes back to the value the session was built with, or unsets it.
    spark.sql("RESET spark.sql.streaming.minBatchesToRetain").unwrap();
    assert_eq!(spark.conf().get("spark.sql.streaming.minBatchesToRetain").as_deref(), Some("7"));
    spark.sql("RESET").unwrap();
    assert_eq!(shown("SET"), [pair("spark.sql.streaming.minBatchesToRetain", "7")]);
    let err = spark.sql("SET what is this = 1").unwrap_err().to_string();
    assert!(err.contains("'what is this' is not a config key"), "{err}");

    // session.conf(), as Spark's spark.conf: what it sets, SET shows, and the other way.
    spark.conf().set("spark.sql.streaming.minBatchesToRetain", 12);
    assert_eq!(
        shown("SET spark.sql.streaming.minBatchesToRetain"),
        [pair("spark.sql.streaming.minBatchesToRetain", "12")]
    );
    spark.sql("SET spark.sql.shuffle.partitions = 4").unwrap();
    assert_eq!(spark.conf().get_or("spark.sql.shuffle.partitions", "200"), "4");
    assert_eq!(spark.conf().get_or("spark.sql.session.timeZone", "UTC"), "UTC");
    assert_eq!(
        spark.conf().get_all(),
        [pair("spark.sql.shuffle.partitions", "4"), pair("spark.sql.streaming.minBatchesToRetain", "12")]
    );
    spark.conf().unset("spark.sql.streaming.minBatchesToRetain");
    spark.conf().unset("spark.sql.shuffle.partitions");
    assert_eq!(spark.conf().get_all(), [pair("spark.sql.streaming.minBatchesToRetain", "7")]);
}

#[test]
fn the_readme_lists_every_config_sluice_reads() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (key, _) in sluice::CONFIGS {
        assert!(readme.contains(&format!("| `{key}` |")), "README.md's config table lacks {key}");
        assert!(sluice::takes_effect(key));
    }
    assert!(!sluice::takes_effect("spark.sql.shuffle.partitions"));
}

/// `SELECT` without `FROM` reads Spark's one-row relation (answers from pyspark 4.3:
/// `[{three: 3, s: 'a'}]`, `[{n: 1}]`, `[]`, `[{u: 'AB', m: 1}]`).
#[test]
fn a_select_without_from_reads_one_row() {
    let spark = Session::builder().workers(2).build().unwrap();
    let rows = |sql: &str| spark.sql(sql).unwrap().collect().unwrap();
    assert_eq!(rows("SELECT 1 + 2 AS three, 'a' AS s"), [vec![Value::Int(3), Value::string("a")]]);
    assert_eq!(rows("SELECT count(*) AS n"), [vec![Value::Long(1)]]);
    assert!(rows("SELECT 1 AS x WHERE 1 = 2").is_empty());
    assert_eq!(rows("SELECT upper('ab') AS u, 7 % 3 AS m"), [vec![Value::string("AB"), Value::Int(1)]]);
}

/// `UNION` (distinct) and `UNION ALL`, mixed, as Spark groups them from the left (answers
/// from pyspark 4.3).
#[test]
fn union_is_distinct_and_union_all_keeps_every_row() {
    let spark = Session::builder().workers(2).build().unwrap();
    spark
        .sql("CREATE TEMPORARY VIEW a AS SELECT * FROM VALUES (1, 'x'), (2, 'y'), (2, 'y') AS t(k, v)")
        .unwrap();
    spark.sql("CREATE TEMPORARY VIEW b AS SELECT * FROM VALUES (2, 'y'), (3, 'z') AS t(k, v)").unwrap();
    let rows = |sql: &str| {
        let mut rows = spark.sql(sql).unwrap().collect().unwrap();
        rows.sort();
        rows
    };
    let r = |k: i32, v: &str| vec![Value::Int(k), Value::string(v)];
    assert_eq!(rows("SELECT * FROM a UNION SELECT * FROM b"), [r(1, "x"), r(2, "y"), r(3, "z")]);
    assert_eq!(
        rows("SELECT * FROM a UNION ALL SELECT * FROM b UNION SELECT * FROM b"),
        [r(1, "x"), r(2, "y"), r(3, "z")]
    );
    assert_eq!(
        rows("SELECT * FROM a UNION SELECT * FROM b UNION ALL SELECT * FROM b"),
        [r(1, "x"), r(2, "y"), r(2, "y"), r(3, "z"), r(3, "z")]
    );
    let keys: Vec<Row> = rows("SELECT k FROM a UNION DISTINCT SELECT k FROM b");
    assert_eq!(keys, [vec![Value::Int(1)], vec![Value::Int(2)], vec![Value::Int(3)]]);
}

/// `count()` with no argument is not `count(*)`: Spark 4.3 refuses it (pyspark:
/// `[WRONG_NUM_ARGS.WITH_SUGGESTION] The `count` requires >= 1 parameters ...`).
#[test]
fn count_without_an_argument_is_refused_as_spark_refuses_it() {
    let spark = Session::builder().workers(1).build().unwrap();
    let e = spark.sql("SELECT count() AS n FROM VALUES (1) AS t(x)").unwrap_err().to_string();
    assert!(e.contains("[WRONG_NUM_ARGS.WITH_SUGGESTION] The `count` requires >= 1 parameters"), "{e}");
    let n =
        spark.sql("SELECT count(*) AS n, count(1) AS m FROM VALUES (1) AS t(x)").unwrap().collect().unwrap();
    assert_eq!(n, [vec![Value::Long(1), Value::Long(1)]]);
}

#[test]
fn a_managed_table_over_existing_data_is_refused_not_read_as_empty() {
    let dir = activity_dir();
    let spark = Session::builder().workers(1).build().unwrap();
    let path = dir.path().display();
    for sql in [
        format!("CREATE TABLE a ({COLUMNS}) USING json LOCATION '{path}'"),
        format!("CREATE EXTERNAL TABLE b ({COLUMNS}) USING json LOCATION '{path}'"),
    ] {
        let err = spark.execute(&sql).unwrap_err().to_string();
        assert!(err.contains("LOCATION") && err.contains("connector = 'file'"), "{sql}: {err}");
    }
    assert!(spark.sql("SELECT * FROM a").is_err(), "the refused table was not registered");
    // A generated column would be stored as a plain one, taking what INSERT gives it.
    let err =
        spark.execute("CREATE TABLE g (x INT, y INT GENERATED ALWAYS AS (x + 1)) USING parquet").unwrap_err();
    assert!(err.to_string().contains("generated column `y`"), "{err}");
    // Without a location the table is Spark's managed table, kept in memory.
    spark.execute("CREATE TABLE c (x INT) USING parquet").unwrap();
    spark.execute("INSERT INTO c VALUES (1), (2)").unwrap();
    assert_eq!(spark.sql("SELECT sum(x) FROM c").unwrap().collect().unwrap(), vec![vec![Value::Long(3)]]);
}
