//! Joins against Apache Spark 4.3's answers (`tests/data/joins/answers.json`, made by
//! `tests/data/joins/make_answers.py`): every join type in batch (SQL and the DataFrame
//! API), as stream-static joins and as stream-stream inner joins batch by batch, each with
//! 1 and 2 workers; and the combinations Spark refuses at `start()`, with Spark's reason.

mod common;

use common::drop_file;
use serde_json::Value as Json;
use sluice::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const L_SCHEMA: &str = "k BIGINT, v STRING, n BIGINT";
const R_SCHEMA: &str = "k BIGINT, v STRING, w BIGINT";
const FILES: [&str; 2] = ["part-0.json", "part-1.json"];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/joins")
}

fn answers() -> Json {
    let path = data_dir().join("answers.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn session(workers: usize) -> Session {
    Session::builder().workers(workers).build().expect("session")
}

fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Int(i) => Json::from(*i),
        Value::Long(i) => Json::from(*i),
        Value::String(s) => Json::from(s.to_string()),
        Value::Boolean(b) => Json::from(*b),
        Value::Double(d) => Json::from(d.0),
        other => Json::from(format!("{other:?}")),
    }
}

/// Rows as sorted JSON arrays (the answers' form).
fn json_rows(rows: &[Row]) -> Vec<Json> {
    let mut out: Vec<Json> = rows.iter().map(|r| Json::Array(r.iter().map(to_json).collect())).collect();
    out.sort_by_key(|r| r.to_string());
    out
}

fn expected_rows(v: &Json) -> Vec<Json> {
    let mut rows = v.as_array().expect("rows").clone();
    rows.sort_by_key(|r| r.to_string());
    rows
}

fn str_of(p: &Path) -> &str {
    p.to_str().expect("UTF-8 paths")
}

/// A copy of `l/` or `r/` with modification times in name order (a file source lists by
/// time, then name), so each batch reads the file Spark's answer assumed.
fn staged(tmp: &Path, table: &str) -> PathBuf {
    let dir = tmp.join(table);
    std::fs::create_dir_all(&dir).expect("mkdir");
    for (i, f) in FILES.iter().enumerate() {
        let text = std::fs::read_to_string(data_dir().join(table).join(f)).expect("read data");
        drop_file(&dir, f, &text, 100 - 10 * i as u64);
    }
    dir
}

fn batch_views(spark: &Session) {
    let dir = data_dir();
    let l = spark.read().schema(L_SCHEMA).json(str_of(&dir.join("l"))).expect("l");
    l.create_or_replace_temp_view("l").expect("view l");
    let r = spark.read().schema(R_SCHEMA).json(str_of(&dir.join("r"))).expect("r");
    r.create_or_replace_temp_view("r").expect("view r");
}

fn stream_view(spark: &Session, tmp: &Path, table: &str, schema: &str) {
    let dir = staged(tmp, table);
    let df = spark
        .read_stream()
        .schema(schema)
        .option("maxFilesPerTrigger", 1)
        .json(str_of(&dir))
        .expect("stream");
    df.create_or_replace_temp_view(table).expect("view");
}

/// Runs a streaming DataFrame to its end (AvailableNow) and returns each batch's rows.
fn run_batches(df: &DataFrame) -> Result<BTreeMap<u64, Vec<Row>>, SluiceError> {
    let seen: Arc<Mutex<BTreeMap<u64, Vec<Row>>>> = Arc::default();
    let sink = seen.clone();
    let q = df
        .write_stream()
        .foreach_batch(move |batch, id| {
            let rows = batch.collect()?;
            sink.lock().expect("lock").entry(id).or_default().extend(rows);
            Ok(())
        })
        .trigger(Trigger::AvailableNow)
        .start()?;
    q.await_termination()?;
    let out = seen.lock().expect("lock").clone();
    Ok(out)
}

fn check_batches(what: &str, got: &BTreeMap<u64, Vec<Row>>, case: &Json, failures: &mut Vec<String>) {
    let batches = case["batches"].as_array().expect("batches");
    for (b, want) in batches.iter().enumerate() {
        let rows = got.get(&(b as u64)).map(|r| json_rows(r)).unwrap_or_default();
        if rows != expected_rows(want) {
            failures.push(format!("{what}: batch {b}: got {rows:?}, Spark {:?}", expected_rows(want)));
        }
    }
    if let Some((b, rows)) = got.iter().find(|(b, r)| **b as usize >= batches.len() && !r.is_empty()) {
        failures.push(format!("{what}: extra batch {b}: {:?}", json_rows(rows)));
    }
}

#[test]
fn batch_joins_of_every_type_equal_spark() {
    let answers = answers();
    let cases = answers["batch"].as_object().expect("batch answers");
    assert!(cases.len() >= 30, "the answers cover every join type");
    let mut failures = Vec::new();
    for workers in [1, 2] {
        let spark = session(workers);
        batch_views(&spark);
        for (name, case) in cases {
            let sql = case["sql"].as_str().expect("sql");
            let what = format!("{name} (workers {workers}): {sql}");
            let result = spark.sql(sql).and_then(|df| Ok((df.columns()?, df.collect()?)));
            match (case.get("error").and_then(Json::as_str), result) {
                (Some(class), Err(e)) if e.to_string().contains(&format!("[{class}]")) => {}
                (Some(class), other) => failures.push(format!("{what}: expected [{class}], got {other:?}")),
                (None, Err(e)) => failures.push(format!("{what}: {e}")),
                (None, Ok((columns, rows))) => {
                    let want_cols: Vec<String> =
                        serde_json::from_value(case["columns"].clone()).expect("columns");
                    if columns != want_cols {
                        failures.push(format!("{what}: columns {columns:?}, Spark {want_cols:?}"));
                    }
                    let (got, want) = (json_rows(&rows), expected_rows(&case["rows"]));
                    if got != want {
                        failures.push(format!("{what}:\n  got   {got:?}\n  Spark {want:?}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} differences from Spark:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn dataframe_join_api_equals_spark_sql() {
    let answers = answers();
    let batch = &answers["batch"];
    let mut failures = Vec::new();
    for workers in [1, 2] {
        let spark = session(workers);
        batch_views(&spark);
        let l = spark.table("l").expect("l");
        let r = spark.table("r").expect("r");
        let on = || col("a.k").eq(col("b.k"));
        let sel = || {
            vec![
                col("a.k").alias("lk"),
                col("a.v").alias("lv"),
                col("a.n"),
                col("b.k").alias("rk"),
                col("b.v").alias("rv"),
                col("b.w"),
            ]
        };
        let (a, b) = (l.alias("a"), r.alias("b"));
        let cases: Vec<(&str, DataFrame)> = vec![
            ("inner_using", l.join(&r, "k", "inner")),
            ("left_using", l.join(&r, "k", "left_outer")),
            ("right_using", l.join(&r, ["k"], "right")),
            ("full_using", l.join(&r, "k", "outer")),
            ("semi_using", l.join(&r, "k", "left_semi")),
            ("anti_using", l.join(&r, "k", "anti")),
            ("inner_on", a.join(&b, on(), "inner").select(sel())),
            ("left_on", a.join(&b, on(), "left").select(sel())),
            ("right_on", a.join(&b, on(), "right_outer").select(sel())),
            ("full_on", a.join(&b, on(), "full").select(sel())),
            ("semi_on", a.join(&b, on(), "leftsemi")),
            ("anti_on", a.join(&b, on(), "leftanti")),
            ("left_residual", a.join(&b, on().and(col("b.w").gt(lit(10i64))), "left").select(sel())),
            ("cross", a.cross_join(&b).select([col("a.v").alias("lv"), col("b.v").alias("rv")])),
        ];
        for (name, df) in cases {
            let case = &batch[name];
            let what = format!("{name} (workers {workers})");
            match (df.columns(), df.collect()) {
                (Ok(cols), Ok(rows)) => {
                    let want_cols: Vec<String> =
                        serde_json::from_value(case["columns"].clone()).expect("columns");
                    if cols != want_cols {
                        failures.push(format!("{what}: columns {cols:?}, Spark {want_cols:?}"));
                    }
                    if json_rows(&rows) != expected_rows(&case["rows"]) {
                        failures.push(format!("{what}: got {:?}", json_rows(&rows)));
                    }
                }
                (c, r) => failures.push(format!("{what}: {c:?} {r:?}")),
            }
        }
        let ambiguous = a.join(&b, on(), "inner").select(["k"]).collect();
        match ambiguous {
            Err(e) if e.to_string().contains("[AMBIGUOUS_REFERENCE]") => {}
            other => failures.push(format!("unqualified `k` after a join: {other:?}")),
        }
        match l.join(&r, "k", "sideways").collect() {
            Err(e) if e.to_string().contains("[UNSUPPORTED_JOIN_TYPE]") => {}
            other => failures.push(format!("join type sideways: {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn stream_static_joins_equal_spark_batch_by_batch() {
    let answers = answers();
    let cases = answers["stream_static"].as_object().expect("stream_static answers");
    let mut failures = Vec::new();
    for workers in [1, 2] {
        for (name, case) in cases {
            let tmp = tempfile::tempdir().expect("tmp");
            let spark = session(workers);
            batch_views(&spark);
            stream_view(&spark, tmp.path(), "l", L_SCHEMA);
            let sql = case["sql"].as_str().expect("sql");
            let what = format!("{name} (workers {workers}): {sql}");
            match spark.sql(sql).and_then(|df| run_batches(&df)) {
                Ok(got) => check_batches(&what, &got, case, &mut failures),
                Err(e) => failures.push(format!("{what}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{} differences from Spark:\n{}", failures.len(), failures.join("\n"));
}

/// The same stream-static joins stopped after each file and restarted from a checkpoint:
/// the static side is not in the checkpoint, so each run reads it again (as Spark), and
/// the rows of all runs are Spark's rows of all batches, none lost, none twice.
#[test]
fn stream_static_joins_resume_from_their_checkpoint() {
    let answers = answers();
    let cases = answers["stream_static"].as_object().expect("stream_static answers");
    let mut failures = Vec::new();
    for (name, case) in cases {
        let tmp = tempfile::tempdir().expect("tmp");
        let (input, checkpoint) = (tmp.path().join("l"), tmp.path().join("cp"));
        std::fs::create_dir_all(&input).expect("mkdir");
        let sql = case["sql"].as_str().expect("sql");
        let mut got = Vec::new();
        for (i, f) in FILES.iter().enumerate() {
            let text = std::fs::read_to_string(data_dir().join("l").join(f)).expect("read data");
            drop_file(&input, f, &text, 100 - 10 * i as u64);
            let spark = session(2);
            batch_views(&spark);
            let l = spark.read_stream().schema(L_SCHEMA).option("maxFilesPerTrigger", 1).json(str_of(&input));
            l.expect("stream").create_or_replace_temp_view("l").expect("view");
            let seen: Arc<Mutex<Vec<Row>>> = Arc::default();
            let sink = seen.clone();
            let q = spark
                .sql(sql)
                .expect("plan")
                .write_stream()
                .option("checkpointLocation", str_of(&checkpoint));
            let q = q
                .foreach_batch(move |batch, _| {
                    sink.lock().expect("lock").extend(batch.collect()?);
                    Ok(())
                })
                .trigger(Trigger::AvailableNow)
                .start()
                .expect("a stream-static join resumes from its checkpoint");
            q.await_termination().expect("runs");
            got.extend(json_rows(&seen.lock().expect("lock")));
        }
        let mut want: Vec<Json> =
            case["batches"].as_array().expect("batches").iter().flat_map(expected_rows).collect();
        let key = |j: &Json| j.to_string();
        got.sort_by_key(key);
        want.sort_by_key(key);
        if got != want {
            failures.push(format!("{name}: {sql}: across restarts {got:?}, Spark {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn stream_stream_inner_joins_equal_spark_batch_by_batch() {
    let answers = answers();
    let cases = answers["stream_stream"].as_object().expect("stream_stream answers");
    let mut failures = Vec::new();
    for workers in [1, 2] {
        for (name, case) in cases {
            let tmp = tempfile::tempdir().expect("tmp");
            let spark = session(workers);
            stream_view(&spark, tmp.path(), "l", L_SCHEMA);
            stream_view(&spark, tmp.path(), "r", R_SCHEMA);
            let sql = case["sql"].as_str().expect("sql");
            let what = format!("{name} (workers {workers}): {sql}");
            match spark.sql(sql).and_then(|df| run_batches(&df)) {
                Ok(got) => check_batches(&what, &got, case, &mut failures),
                Err(e) => failures.push(format!("{what}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{} differences from Spark:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn joins_spark_refuses_fail_at_start_with_sparks_reason() {
    let answers = answers();
    let cases = answers["refusals"].as_object().expect("refusal answers");
    let mut failures = Vec::new();
    for (name, case) in cases {
        if answers["beyond_spark"].get(name).is_some() {
            continue; // Sluice runs it: see a_stream_stream_join_aggregated_in_complete_mode_..
        }
        let tmp = tempfile::tempdir().expect("tmp");
        let spark = session(1);
        batch_views(&spark);
        let streams = case["streams"].as_str().expect("streams");
        if streams.contains('l') {
            stream_view(&spark, tmp.path(), "l", L_SCHEMA);
        }
        if streams.contains('r') {
            stream_view(&spark, tmp.path(), "r", R_SCHEMA);
        }
        let sql = case["sql"].as_str().expect("sql");
        let mode = case["mode"].as_str().expect("mode");
        let started = spark
            .sql(sql)
            .and_then(|df| df.write_stream().format("memory").query_name(name).output_mode(mode).start());
        match (case["reason"].as_str(), started) {
            (Some(reason), Err(e)) if e.to_string().contains(reason) => {}
            (Some(reason), Err(e)) => failures.push(format!("{name}: Spark says `{reason}`, Sluice `{e}`")),
            (Some(reason), Ok(q)) => {
                let _ = q.stop();
                failures.push(format!("{name}: started; Spark refuses it: {reason}"))
            }
            (None, Ok(q)) => {
                let _ = q.stop();
            }
            (None, Err(e)) => {
                // Spark runs it; Sluice must at least say why it does not.
                if !e.to_string().contains("not supported by Sluice yet") {
                    failures.push(format!("{name}: Spark runs it, Sluice refuses without saying so: {e}"))
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A stream-stream inner join aggregated in complete mode, which Spark refuses: Sluice runs
/// it, and its final table equals Spark's batch answer over all the files (1 and 2 workers).
#[test]
fn a_stream_stream_join_aggregated_in_complete_mode_equals_sparks_batch_answer() {
    let answers = answers();
    let cases = answers["beyond_spark"].as_object().expect("beyond_spark answers");
    assert!(!cases.is_empty());
    for (name, case) in cases {
        let refused = answers["refusals"][name]["reason"].as_str().unwrap_or_default();
        assert!(refused.contains("Complete output mode"), "{name}: Spark's refusal: {refused}");
        for workers in [1, 2] {
            let tmp = tempfile::tempdir().expect("tmp");
            let spark = session(workers);
            stream_view(&spark, tmp.path(), "l", L_SCHEMA);
            stream_view(&spark, tmp.path(), "r", R_SCHEMA);
            let table = format!("{name}_{workers}");
            let q = spark
                .sql(case["sql"].as_str().expect("sql"))
                .and_then(|df| {
                    df.write_stream()
                        .format("memory")
                        .query_name(&table)
                        .output_mode("complete")
                        .trigger(Trigger::AvailableNow)
                        .start()
                })
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            q.await_termination().expect("runs");
            let got = json_rows(&spark.table(&table).and_then(|t| t.collect()).expect("table"));
            assert_eq!(got, expected_rows(&case["rows"]), "{name}, {workers} workers");
        }
    }
}

/// The CLI contract: a temporary view over an inline table enriches the activity stream
/// (`JOIN .. USING (Model)` and `LEFT JOIN`), aggregated in complete mode; the counts equal
/// Spark's batch join of all the activity data with the same view.
#[test]
fn cli_stream_static_join_with_a_temporary_view_equals_spark() {
    let answers = answers();
    let activity = common::data_dir("activity-data-synth");
    let tmp = tempfile::tempdir().expect("tmp");
    for ((name, how), workers) in [("inner", "JOIN"), ("left", "LEFT JOIN")].into_iter().zip(["2", "1"]) {
        let script = format!(
            "CREATE TABLE activity (Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, `Index` BIGINT, \
             Model STRING, `User` STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE)\n\
             WITH (connector = 'file', format = 'json', path = '{}', maxFilesPerTrigger = '20');\n\
             CREATE TEMPORARY VIEW models AS SELECT * FROM VALUES ('nexus4', 'LG'), ('s3', 'Samsung') AS t(Model, vendor);\n\
             CREATE TABLE sink WITH (connector = 'memory', outputMode = 'complete');\n\
             INSERT INTO sink SELECT vendor, gt, count(*) AS count FROM activity {how} models USING (Model) GROUP BY vendor, gt;\n\
             SELECT * FROM sink;\n",
            str_of(&activity)
        );
        let path = tmp.path().join(format!("{name}.sql"));
        std::fs::write(&path, script).expect("write script");
        let out = std::process::Command::new(common::sluice_bin())
            .args([
                "run",
                str_of(&path),
                "--trigger",
                "available-now",
                "-w",
                workers,
                "--format",
                "json",
                "--quiet",
            ])
            .output()
            .expect("run sluice");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
        let mut got: Vec<Json> = stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let row: serde_json::Map<String, Json> = serde_json::from_str(l).expect("JSON line");
                Json::Array(vec![
                    row.get("vendor").cloned().unwrap_or(Json::Null),
                    row["gt"].clone(),
                    row["count"].clone(),
                ])
            })
            .collect();
        got.sort_by_key(|r| r.to_string());
        assert_eq!(got, expected_rows(&answers["activity"][name]["rows"]), "{name} (-w {workers})");
    }
}
