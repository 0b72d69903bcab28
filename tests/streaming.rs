//! End-to-end tests of streaming queries through the public API: Spark's output-mode
//! analysis at `start()`, malformed records in each parse mode, new files picked up by
//! later batches, the four triggers, the query lifecycle and its progress JSON, and
//! `workers(1)` against `workers(2)`.
//!
//! Data is written to temp directories per test; expected rows are worked out by hand
//! from that data, never copied from Sluice's output.

use serde_json::Value as Json;
mod common;

use common::{drop_file, temp_data_dir};
use sluice::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ACTIVITY: &str = "gt STRING, model STRING, x DOUBLE";
const WAIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------- helpers

fn session(workers: usize) -> Session {
    Session::builder().workers(workers).build().expect("session")
}

/// JSON lines of activity rows `(gt, model, x)`.
fn activity_lines(rows: &[(&str, &str, f64)]) -> String {
    rows.iter().map(|(gt, m, x)| format!("{{\"gt\":\"{gt}\",\"model\":\"{m}\",\"x\":{x}}}\n")).collect()
}

fn s(v: &str) -> Value {
    Value::string(v)
}

fn long(v: i64) -> Value {
    Value::Long(v)
}

/// Rows of a table, sorted so multisets compare with `==`.
fn table_rows(spark: &Session, table: &str) -> Vec<Row> {
    let mut rows = spark.table(table).expect("table").collect().expect("collect");
    rows.sort();
    rows
}

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort();
    rows
}

fn input_rows_per_batch(q: &StreamingQuery) -> Vec<(u64, u64)> {
    q.recent_progress().iter().map(|p| (p.batch_id, p.num_input_rows)).collect()
}

fn str_of(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

fn activity_stream(spark: &Session, dir: &Path) -> DataFrame {
    spark.read_stream().schema(ACTIVITY).json(str_of(dir)).expect("stream")
}

/// The activity files of `dir`, one file per batch.
fn file_per_batch(spark: &Session, dir: &Path) -> DataFrame {
    spark.read_stream().schema(ACTIVITY).option("maxFilesPerTrigger", 1).json(str_of(dir)).expect("stream")
}

// ---------------------------------------------------------------- output modes at start()

type Attempt = fn(&Session, &DataFrame) -> Result<(), SluiceError>;

/// Each combination Spark rejects, with (part of) Spark's reason.
fn rejected_combinations() -> Vec<(&'static str, Attempt, &'static str)> {
    vec![
        (
            "complete without aggregation",
            |_, df| {
                df.write_stream().format("memory").query_name("r1").output_mode("complete").start().map(drop)
            },
            "Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets",
        ),
        (
            "append on an aggregation without watermark",
            |_, df| {
                df.group_by(["gt"])
                    .count()
                    .write_stream()
                    .format("memory")
                    .query_name("r2")
                    .output_mode("append")
                    .start()
                    .map(drop)
            },
            "Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark",
        ),
        (
            "memory sink without a query name",
            |_, df| df.write_stream().format("memory").output_mode("append").start().map(drop),
            "queryName must be specified for memory sink",
        ),
        (
            "write_stream on a batch DataFrame",
            |spark, _| {
                let batch = spark
                    .create_dataframe(vec![vec![s("sit")]], Schema::parse_ddl("gt STRING").expect("ddl"))
                    .expect("batch df");
                batch.write_stream().format("memory").query_name("r5").start().map(drop)
            },
            "'writeStream' can be called only on streaming Dataset/DataFrame",
        ),
        (
            "sort without aggregation",
            |_, df| df.sort(["gt"]).write_stream().format("memory").query_name("r6").start().map(drop),
            "Sorting is not supported on streaming DataFrames/Datasets, unless it is on aggregated DataFrame/Dataset in Complete output mode",
        ),
        (
            "sort on an aggregation in update mode",
            |_, df| {
                df.group_by(["gt"])
                    .count()
                    .sort(["gt"])
                    .write_stream()
                    .format("console")
                    .output_mode("update")
                    .start()
                    .map(drop)
            },
            "Sorting is not supported on streaming DataFrames/Datasets, unless it is on aggregated DataFrame/Dataset in Complete output mode",
        ),
        (
            "limit in update mode",
            |_, df| {
                df.group_by(["gt"])
                    .count()
                    .limit(2)
                    .write_stream()
                    .format("console")
                    .output_mode("update")
                    .start()
                    .map(drop)
            },
            "Limits are not supported on streaming DataFrames/Datasets in Update output mode",
        ),
        (
            "session windows in update mode",
            |_, df| {
                df.with_column("t", col("x").cast("timestamp"))
                    .group_by([session_window(col("t"), "5 minutes"), col("gt")])
                    .count()
                    .write_stream()
                    .format("console")
                    .output_mode("update")
                    .start()
                    .map(drop)
            },
            "Update output mode not supported for session window on streaming DataFrames/Datasets",
        ),
        (
            "a session window as the only key",
            |_, df| {
                df.with_column("t", col("x").cast("timestamp"))
                    .with_watermark("t", "1 minute")
                    .group_by([session_window(col("t"), "5 minutes")])
                    .count()
                    .write_stream()
                    .format("console")
                    .output_mode("append")
                    .start()
                    .map(drop)
            },
            "Global aggregation with session window in streaming query is not supported.",
        ),
        (
            "collect on a streaming DataFrame",
            |_, df| df.collect().map(drop),
            "Queries with streaming sources must be executed with writeStream.start()",
        ),
        (
            "unknown output mode",
            |_, df| df.write_stream().format("memory").query_name("r9").output_mode("upsert").start().map(drop),
            "Unknown output mode upsert. Accepted output modes are 'append', 'complete', 'update'",
        ),
    ]
}

#[test]
fn rejected_output_mode_combinations_fail_at_start_with_sparks_reason() {
    let (_tmp, dir) = temp_data_dir();
    drop_file(&dir, "a.json", &activity_lines(&[("sit", "m1", 1.0)]), 0);
    let spark = session(1);
    let df = activity_stream(&spark, &dir);
    for (case, attempt, reason) in rejected_combinations() {
        let err = match attempt(&spark, &df) {
            Ok(()) => panic!("{case}: expected an error, the query started"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(reason), "{case}: error `{err}` lacks Spark's reason `{reason}`");
        assert!(spark.streams().active().is_empty(), "{case}: a rejected query must not run");
    }
    // Rejected memory queries registered no tables.
    for name in ["r1", "r2", "r5", "r6", "r9"] {
        assert!(spark.table(name).is_err(), "rejected query {name} left a table behind");
    }
}

#[test]
fn update_mode_without_aggregation_runs_and_emits_only_new_rows_like_append() {
    let (_tmp, dir) = temp_data_dir();
    drop_file(
        &dir,
        "a.json",
        &activity_lines(&[("sit", "m", 1.0), ("bike", "m", 2.0), ("sit", "m", 3.0)]),
        10,
    );
    drop_file(&dir, "b.json", &activity_lines(&[("sit", "m", 4.0), ("walk", "m", 5.0)]), 5);
    let spark = session(1);
    let df = file_per_batch(&spark, &dir).filter("gt = 'sit'");
    let q = df
        .write_stream()
        .format("console")
        .output_mode("update")
        .trigger(Trigger::AvailableNow)
        .start()
        .expect("update without aggregation is allowed");
    assert!(q.await_termination_timeout(WAIT).expect("no failure"));
    // Append semantics: each batch emits only its own new matching rows (2, then 1),
    // not the table so far (which would be 2, then 3).
    let out: Vec<i64> = q.recent_progress().iter().map(|p| p.sink.num_output_rows).collect();
    assert_eq!(out, vec![2, 1]);
}

/// As Spark's `StateStoreSaveExec` in update mode: every group with input in a batch is
/// written, even when its aggregate did not change; groups without input are not.
#[test]
fn update_mode_writes_every_group_the_batch_touched_even_when_unchanged() {
    let (_tmp, dir) = temp_data_dir();
    drop_file(
        &dir,
        "a.json",
        &activity_lines(&[("sit", "m", 5.0), ("bike", "m", 7.0), ("walk", "m", 1.0)]),
        10,
    );
    // sit: max stays 5; bike: max moves to 9; walk: no input.
    drop_file(&dir, "b.json", &activity_lines(&[("sit", "m", 1.0), ("bike", "m", 9.0)]), 5);
    for workers in [1, 2] {
        let spark = session(workers);
        let seen: std::sync::Arc<std::sync::Mutex<Vec<Vec<Row>>>> = Default::default();
        let record = seen.clone();
        let q = file_per_batch(&spark, &dir)
            .group_by(["gt"])
            .agg([max(col("x")).alias("top")])
            .write_stream()
            .output_mode("update")
            .trigger(Trigger::AvailableNow)
            .foreach_batch(move |df, _| {
                record.lock().expect("lock").push(sorted(df.collect()?));
                Ok(())
            })
            .start()
            .expect("start");
        assert!(q.await_termination_timeout(WAIT).expect("no failure"));
        let d = Value::double;
        assert_eq!(
            *seen.lock().expect("lock"),
            vec![
                vec![vec![s("bike"), d(7.0)], vec![s("sit"), d(5.0)], vec![s("walk"), d(1.0)]],
                vec![vec![s("bike"), d(9.0)], vec![s("sit"), d(5.0)]],
            ],
            "{workers} workers"
        );
    }
}

// ---------------------------------------------------------------- malformed records

/// Line 2 is not JSON; line 3 has a string where an INT belongs.
const BAD_JSON: &str = "{\"id\":1,\"name\":\"a\",\"x\":1.5}\n\
                        {\"id\":2,\"name\":\"b\",\"x\":2.5\n\
                        {\"id\":\"three\",\"name\":\"c\",\"x\":3.5}\n\
                        {\"id\":4,\"name\":\"d\",\"x\":4.5}\n";
/// After the header, line 3 has a bad INT and line 4 a bad DOUBLE.
const BAD_CSV: &str = "id,name,x\n1,a,1.5\ntwo,b,2.5\n3,c,not-a-number\n4,d,4.5\n";

struct MalformedCase {
    format: &'static str,
    content: &'static str,
    schema: &'static str,
    mode: Option<&'static str>,
    /// Expected rows, or `Err(line)`: FAILFAST naming that line.
    expect: Result<Vec<Row>, u64>,
}

fn malformed_cases() -> Vec<MalformedCase> {
    let n = Value::Null;
    let d = Value::double;
    let i = Value::Int;
    let json_bad2 = "{\"id\":2,\"name\":\"b\",\"x\":2.5";
    let json_bad3 = "{\"id\":\"three\",\"name\":\"c\",\"x\":3.5}";
    vec![
        // PERMISSIVE keeps every record: nulls for what does not parse (Spark 3+ keeps the
        // fields that did parse).
        MalformedCase {
            format: "json",
            content: BAD_JSON,
            schema: "id INT, name STRING, x DOUBLE",
            mode: None,
            expect: Ok(vec![
                vec![i(1), s("a"), d(1.5)],
                vec![n.clone(), n.clone(), n.clone()],
                vec![n.clone(), s("c"), d(3.5)],
                vec![i(4), s("d"), d(4.5)],
            ]),
        },
        MalformedCase {
            format: "json",
            content: BAD_JSON,
            schema: "id INT, name STRING, x DOUBLE, _corrupt_record STRING",
            mode: Some("PERMISSIVE"),
            expect: Ok(vec![
                vec![i(1), s("a"), d(1.5), n.clone()],
                vec![n.clone(), n.clone(), n.clone(), s(json_bad2)],
                vec![n.clone(), s("c"), d(3.5), s(json_bad3)],
                vec![i(4), s("d"), d(4.5), n.clone()],
            ]),
        },
        MalformedCase {
            format: "json",
            content: BAD_JSON,
            schema: "id INT, name STRING, x DOUBLE",
            mode: Some("DROPMALFORMED"),
            expect: Ok(vec![vec![i(1), s("a"), d(1.5)], vec![i(4), s("d"), d(4.5)]]),
        },
        MalformedCase {
            format: "json",
            content: BAD_JSON,
            schema: "id INT, name STRING, x DOUBLE",
            mode: Some("FAILFAST"),
            expect: Err(2),
        },
        MalformedCase {
            format: "csv",
            content: BAD_CSV,
            schema: "id INT, name STRING, x DOUBLE",
            mode: None,
            expect: Ok(vec![
                vec![i(1), s("a"), d(1.5)],
                vec![n.clone(), s("b"), d(2.5)],
                vec![i(3), s("c"), n.clone()],
                vec![i(4), s("d"), d(4.5)],
            ]),
        },
        MalformedCase {
            format: "csv",
            content: BAD_CSV,
            schema: "id INT, name STRING, x DOUBLE, _corrupt_record STRING",
            mode: Some("permissive"),
            expect: Ok(vec![
                vec![i(1), s("a"), d(1.5), n.clone()],
                vec![n.clone(), s("b"), d(2.5), s("two,b,2.5")],
                vec![i(3), s("c"), n.clone(), s("3,c,not-a-number")],
                vec![i(4), s("d"), d(4.5), n.clone()],
            ]),
        },
        MalformedCase {
            format: "csv",
            content: BAD_CSV,
            schema: "id INT, name STRING, x DOUBLE",
            mode: Some("DROPMALFORMED"),
            expect: Ok(vec![vec![i(1), s("a"), d(1.5)], vec![i(4), s("d"), d(4.5)]]),
        },
        MalformedCase {
            format: "csv",
            content: BAD_CSV,
            schema: "id INT, name STRING, x DOUBLE",
            mode: Some("FAILFAST"),
            expect: Err(3),
        },
    ]
}

fn case_name(c: &MalformedCase) -> String {
    format!("{} {} [{}]", c.format, c.mode.unwrap_or("default mode"), c.schema)
}

fn configure<R>(c: &MalformedCase, mut set: impl FnMut(&str, &str) -> R) {
    set("header", "true");
    if let Some(m) = c.mode {
        set("mode", m);
    }
}

/// Asserts a FAILFAST error names the file and the line.
fn assert_names_file_and_line(context: &str, err: &str, file: &str, line: u64) {
    assert!(err.contains(file), "{context}: error `{err}` does not name the file {file}");
    assert!(err.contains(&format!("line {line}")), "{context}: error `{err}` does not name line {line}");
}

#[test]
fn malformed_records_in_a_stream_follow_the_parse_mode() {
    for (k, c) in malformed_cases().into_iter().enumerate() {
        let name = case_name(&c);
        let (_tmp, dir) = temp_data_dir();
        let file = format!("bad.{}", c.format);
        drop_file(&dir, &file, c.content, 0);
        let spark = session(1);
        let mut reader = spark.read_stream().schema(c.schema).format(c.format);
        configure(&c, |key, v| reader = reader.clone().option(key, v));
        let df = reader.load(str_of(&dir)).expect("stream");
        let table = format!("malformed_{k}");
        let q = df.write_stream().format("memory").query_name(&table).start().expect("start");
        match &c.expect {
            Ok(rows) => {
                q.process_all_available().unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(table_rows(&spark, &table), sorted(rows.clone()), "{name}");
                q.stop().expect("stop");
            }
            Err(line) => {
                let stopped = q.await_termination_timeout(WAIT);
                let err = stopped.expect_err("FAILFAST must fail the query").to_string();
                assert_names_file_and_line(&name, &err, &file, *line);
                assert!(!q.is_active(), "{name}: a failed query is no longer active");
                let cause = q.exception().expect("exception() holds the cause").to_string();
                assert_names_file_and_line(&name, &cause, &file, *line);
                let again = q.await_termination().expect_err("await_termination reports the failure");
                assert_names_file_and_line(&name, &again.to_string(), &file, *line);
            }
        }
    }
}

#[test]
fn malformed_records_in_a_batch_read_follow_the_parse_mode() {
    for workers in [1, 2] {
        for c in malformed_cases() {
            let name = format!("{} with {workers} workers", case_name(&c));
            let (_tmp, dir) = temp_data_dir();
            let file = format!("bad.{}", c.format);
            drop_file(&dir, &file, c.content, 0);
            let spark = session(workers);
            let mut reader = spark.read().schema(c.schema).format(c.format);
            configure(&c, |key, v| reader = reader.clone().option(key, v));
            let result = reader.load(str_of(&dir)).and_then(|df| df.collect());
            match &c.expect {
                Ok(rows) => assert_eq!(sorted(result.expect(&name)), sorted(rows.clone()), "{name}"),
                Err(line) => {
                    let err = result.expect_err("FAILFAST must fail the read").to_string();
                    assert_names_file_and_line(&name, &err, &file, *line);
                }
            }
        }
    }
}

// ---------------------------------------------------------------- files arriving, triggers

#[test]
fn a_file_dropped_while_the_query_runs_is_read_by_a_later_batch_exactly_once() {
    let (_tmp, dir) = temp_data_dir();
    drop_file(
        &dir,
        "1.json",
        &activity_lines(&[("sit", "m", 1.0), ("bike", "m", 2.0), ("sit", "m", 3.0)]),
        10,
    );
    let spark = session(2);
    let df = activity_stream(&spark, &dir);
    let q = df.write_stream().format("memory").query_name("arrivals").start().expect("start");
    q.process_all_available().expect("first file");
    assert_eq!(table_rows(&spark, "arrivals").len(), 3);

    drop_file(&dir, "2.json", &activity_lines(&[("walk", "m", 4.0), ("sit", "m", 5.0)]), 0);
    q.process_all_available().expect("second file");
    q.process_all_available().expect("nothing new");
    let expected = vec![
        vec![s("bike"), s("m"), Value::double(2.0)],
        vec![s("sit"), s("m"), Value::double(1.0)],
        vec![s("sit"), s("m"), Value::double(3.0)],
        vec![s("sit"), s("m"), Value::double(5.0)],
        vec![s("walk"), s("m"), Value::double(4.0)],
    ];
    assert_eq!(table_rows(&spark, "arrivals"), expected);
    let total: u64 = q.recent_progress().iter().map(|p| p.num_input_rows).sum();
    assert_eq!(total, 5, "each file is read once: {:?}", input_rows_per_batch(&q));
    assert!(q.recent_progress().len() >= 2, "the second file came in a later batch");
    assert!(q.is_active());
    q.stop().expect("stop");
    assert!(!q.is_active());
}

#[test]
fn processing_time_runs_no_empty_batches_and_starts_one_when_a_file_arrives() {
    let interval = Duration::from_millis(100);
    let (_tmp, dir) = temp_data_dir();
    drop_file(&dir, "1.json", &activity_lines(&[("sit", "m", 1.0), ("bike", "m", 2.0)]), 10);
    let spark = session(1);
    let q = activity_stream(&spark, &dir)
        .group_by(["gt"])
        .count()
        .write_stream()
        .format("memory")
        .query_name("ticks")
        .output_mode("complete")
        .trigger(Trigger::ProcessingTime(interval))
        .start()
        .expect("start");
    q.process_all_available().expect("first batch");
    std::thread::sleep(interval * 6);
    assert_eq!(input_rows_per_batch(&q), vec![(0, 2)], "idle intervals must not run batches");

    drop_file(&dir, "2.json", &activity_lines(&[("sit", "m", 3.0)]), 0);
    let deadline = Instant::now() + WAIT;
    while q.recent_progress().len() < 2 && Instant::now() < deadline {
        std::thread::sleep(interval / 4);
    }
    std::thread::sleep(interval * 3);
    assert_eq!(input_rows_per_batch(&q), vec![(0, 2), (1, 1)]);
    assert_eq!(table_rows(&spark, "ticks"), vec![vec![s("bike"), long(1)], vec![s("sit"), long(2)]]);
    q.stop().expect("stop");
}

/// Five files of 1..=5 rows, oldest first.
fn five_files(dir: &Path) {
    for k in 0..5u64 {
        let rows: Vec<(&str, &str, f64)> = (0..=k).map(|j| ("sit", "m", j as f64)).collect();
        drop_file(dir, &format!("f{k}.json"), &activity_lines(&rows), 100 - k);
    }
}

#[test]
fn available_now_honours_max_files_per_trigger_reads_only_files_present_at_start_and_stops() {
    for workers in [1, 2] {
        let (_tmp, dir) = temp_data_dir();
        five_files(&dir);
        let spark = session(workers);
        let df = spark
            .read_stream()
            .schema(ACTIVITY)
            .option("maxFilesPerTrigger", 2)
            .json(str_of(&dir))
            .expect("stream");
        let q = df
            .write_stream()
            .format("memory")
            .query_name("now")
            .trigger(Trigger::AvailableNow)
            .start()
            .expect("start");
        // Arrives after start(): not part of this run.
        drop_file(&dir, "late.json", &activity_lines(&[("late", "m", 9.0)]), 0);
        assert!(q.await_termination_timeout(WAIT).expect("no failure"), "AvailableNow stops by itself");
        assert!(!q.is_active());
        // Files 1+2 rows, 3+4 rows, then 5 rows.
        assert_eq!(input_rows_per_batch(&q), vec![(0, 3), (1, 7), (2, 5)], "{workers} workers");
        let rows = table_rows(&spark, "now");
        assert_eq!(rows.len(), 15);
        assert!(rows.iter().all(|r| r[0] == s("sit")), "the late file was read");
    }
}

#[test]
fn once_runs_one_batch_with_everything_then_stops() {
    let (_tmp, dir) = temp_data_dir();
    five_files(&dir);
    let spark = session(2);
    let df = file_per_batch(&spark, &dir);
    let q = df
        .group_by(["gt"])
        .count()
        .write_stream()
        .format("memory")
        .query_name("once")
        .output_mode("complete")
        .trigger(Trigger::Once)
        .start()
        .expect("start");
    assert!(q.await_termination_timeout(WAIT).expect("no failure"));
    assert_eq!(input_rows_per_batch(&q), vec![(0, 15)]);
    assert_eq!(table_rows(&spark, "once"), vec![vec![s("sit"), long(15)]]);
}

// ---------------------------------------------------------------- lifecycle and progress

fn keys(v: &Json) -> Vec<String> {
    v.as_object().expect("a JSON object").keys().cloned().collect()
}

fn assert_has_keys(what: &str, v: &Json, want: &[&str]) {
    let have = keys(v);
    for k in want {
        assert!(have.iter().any(|h| h == k), "{what} lacks `{k}`: {v}");
    }
}

#[test]
fn query_lifecycle_ids_names_status_and_termination() {
    let (_tmp, dir) = temp_data_dir();
    drop_file(&dir, "1.json", &activity_lines(&[("sit", "m", 1.0)]), 0);
    let spark = session(1);
    let q = activity_stream(&spark, &dir)
        .write_stream()
        .format("memory")
        .query_name("life")
        .start()
        .expect("start");
    let id = q.id();
    assert_eq!(q.name().as_deref(), Some("life"));
    assert_eq!(q.run_id().get_version_num(), 4, "run_id is a random UUID");
    assert_eq!(id.get_version_num(), 4, "id is a random UUID");
    assert_ne!(q.run_id(), id);
    q.process_all_available().expect("process");
    assert_eq!(q.id(), id, "the id is stable");

    let status = q.status();
    assert!(!status.is_trigger_active, "idle after processing everything: {status:?}");
    assert!(!status.is_data_available);
    assert_eq!(status.message, "Waiting for data to arrive");
    let status_json: Json = serde_json::to_value(&status).expect("status serialises");
    assert_has_keys("status", &status_json, &["message", "isDataAvailable", "isTriggerActive"]);

    assert!(q.is_active());
    assert!(!q.await_termination_timeout(Duration::from_millis(50)).expect("running"));
    let active: Vec<_> = spark.streams().active().iter().map(|q| q.id()).collect();
    assert_eq!(active, vec![id]);
    assert_eq!(spark.streams().get(id).expect("get(id) finds it").name().as_deref(), Some("life"));

    q.stop().expect("stop");
    assert!(!q.is_active());
    assert!(q.exception().is_none());
    assert!(q.await_termination_timeout(Duration::from_millis(50)).expect("stopped cleanly"));
    q.await_termination().expect("stopped cleanly");
    assert!(spark.streams().active().is_empty());
    assert!(spark.streams().get(id).is_none());
    assert!(spark.streams().await_any_termination_timeout(Duration::from_secs(1)).expect("clean"));
    spark.streams().await_any_termination().expect("clean");
}

#[test]
fn await_any_termination_wakes_when_a_query_stops() {
    let (_tmp, dir) = temp_data_dir();
    let spark = session(1);
    let q =
        activity_stream(&spark, &dir).write_stream().format("memory").query_name("w").start().expect("start");
    assert!(!spark.streams().await_any_termination_timeout(Duration::from_millis(50)).expect("none yet"));
    let stopper = {
        let q = q.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            q.stop()
        })
    };
    spark.streams().await_any_termination().expect("clean stop");
    assert!(!q.is_active());
    stopper.join().expect("stopper thread").expect("stop");
}

#[test]
fn progress_serialises_to_sparks_json_shape() {
    let (_tmp, dir) = temp_data_dir();
    drop_file(
        &dir,
        "1.json",
        &activity_lines(&[("sit", "m", 1.0), ("bike", "m", 2.0), ("sit", "m", 3.0)]),
        10,
    );
    drop_file(&dir, "2.json", &activity_lines(&[("walk", "m", 4.0)]), 5);
    let spark = session(1);
    let q = file_per_batch(&spark, &dir)
        .group_by(["gt"])
        .count()
        .write_stream()
        .format("memory")
        .query_name("shape")
        .output_mode("complete")
        .trigger(Trigger::AvailableNow)
        .start()
        .expect("start");
    assert!(q.await_termination_timeout(WAIT).expect("no failure"));
    let recent = q.recent_progress();
    assert_eq!(recent.len(), 2);
    assert_eq!(q.last_progress().as_ref(), recent.last());

    let batches: Vec<Json> = recent.iter().map(|p| serde_json::from_str(&p.json()).expect("JSON")).collect();
    for (b, p) in batches.iter().enumerate() {
        assert_has_keys(
            "progress",
            p,
            &[
                "id",
                "runId",
                "name",
                "timestamp",
                "batchId",
                "numInputRows",
                "inputRowsPerSecond",
                "processedRowsPerSecond",
                "durationMs",
                "stateOperators",
                "sources",
                "sink",
            ],
        );
        assert_eq!(p["id"], q.id().to_string());
        assert_eq!(p["runId"], q.run_id().to_string());
        assert_eq!(p["name"], "shape");
        assert_eq!(p["batchId"], b as u64);
        let ts = p["timestamp"].as_str().expect("timestamp is text");
        assert!(ts.len() == 24 && ts.ends_with('Z') && &ts[10..11] == "T", "ISO-8601 millis: {ts}");
        assert_has_keys("durationMs", &p["durationMs"], &["triggerExecution", "addBatch", "latestOffset"]);
        let sources = p["sources"].as_array().expect("sources is a list");
        assert_eq!(sources.len(), 1);
        assert_has_keys("source", &sources[0], &["description", "startOffset", "endOffset", "numInputRows"]);
        assert!(sources[0]["description"].as_str().expect("text").starts_with("FileStreamSource["));
        assert_has_keys("sink", &p["sink"], &["description", "numOutputRows"]);
        let ops = p["stateOperators"].as_array().expect("stateOperators is a list");
        assert_eq!(ops.len(), 1, "one aggregation, one state operator");
        assert_has_keys("state operator", &ops[0], &["numRowsTotal", "numRowsUpdated"]);
    }
    let (b0, b1) = (&batches[0], &batches[1]);
    assert_eq!(b0["numInputRows"], 3);
    assert_eq!(b1["numInputRows"], 1);
    assert_eq!(b0["sources"][0]["numInputRows"], 3);
    assert_eq!(b0["sources"][0]["startOffset"], Json::Null);
    assert_eq!(b0["sources"][0]["endOffset"], serde_json::json!({"logOffset": 0}));
    assert_eq!(b1["sources"][0]["startOffset"], serde_json::json!({"logOffset": 0}));
    assert_eq!(b1["sources"][0]["endOffset"], serde_json::json!({"logOffset": 1}));
    // Complete mode writes the whole table: 2 groups, then 3.
    assert_eq!(b0["sink"]["numOutputRows"], 2);
    assert_eq!(b1["sink"]["numOutputRows"], 3);
    assert_eq!(b0["stateOperators"][0]["numRowsTotal"], 2);
    assert_eq!(b1["stateOperators"][0]["numRowsTotal"], 3);
    // The pretty form is the same document.
    let pretty: Json = serde_json::from_str(&recent[1].pretty_json()).expect("JSON");
    assert_eq!(pretty, b1.clone());
}

#[test]
fn a_second_active_query_with_the_same_name_is_refused_and_the_first_keeps_its_table() {
    let (_tmp, dir) = temp_data_dir();
    drop_file(&dir, "1.json", &activity_lines(&[("sit", "m", 1.0), ("bike", "m", 2.0)]), 0);
    let spark = session(1);
    let start = || {
        activity_stream(&spark, &dir)
            .group_by(["gt"])
            .count()
            .write_stream()
            .format("memory")
            .query_name("twin")
            .output_mode("complete")
            .start()
    };
    let first = start().expect("first");
    first.process_all_available().expect("process");
    let err = start().expect_err("the same name twice").to_string();
    assert!(
        err.contains("Cannot start query with name twin as a query with that name is already active"),
        "{err}"
    );
    assert_eq!(spark.streams().active().len(), 1);
    first.process_all_available().expect("still running");
    assert_eq!(table_rows(&spark, "twin"), vec![vec![s("bike"), long(1)], vec![s("sit"), long(1)]]);

    first.stop().expect("stop");
    let again = start().expect("the name is free once the first stopped");
    again.process_all_available().expect("process");
    assert_eq!(table_rows(&spark, "twin").len(), 2);
    again.stop().expect("stop");
}

#[test]
fn a_missing_source_directory_is_a_clear_error() {
    let (_tmp, dir) = temp_data_dir();
    let missing = dir.join("nope");
    let spark = session(1);
    let result = spark.read_stream().schema(ACTIVITY).json(str_of(&missing)).and_then(|df| {
        let q = df.write_stream().format("memory").query_name("missing").start()?;
        q.process_all_available()
    });
    let err = result.expect_err("a missing directory fails").to_string();
    assert!(err.contains("nope"), "the error names the path: {err}");
}

// ---------------------------------------------------------------- workers(1) vs workers(2)

const HHAR: &str = "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, Index BIGINT, Model STRING, \
                    User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE";
const RETAIL: &str = "InvoiceNo STRING, StockCode STRING, Description STRING, Quantity INT, \
                      InvoiceDate STRING, UnitPrice DOUBLE, CustomerID DOUBLE, Country STRING";

fn shared_data(rel: &str) -> PathBuf {
    let base = match std::env::var_os("SLUICE_SHARED") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    };
    base.join("data").join(rel)
}

/// A temp copy of the first `n` days of the retail data (sorted by name).
fn retail_sample(n: usize) -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = temp_data_dir();
    let mut days: Vec<PathBuf> = std::fs::read_dir(shared_data("retail-data/by-day"))
        .expect("retail data")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    days.sort();
    for (k, day) in days.iter().take(n).enumerate() {
        let name = day.file_name().expect("file name").to_str().expect("UTF-8");
        drop_file(&dir, name, &std::fs::read_to_string(day).expect("read day"), (n - k) as u64);
    }
    (tmp, dir)
}

/// Rows equal as multisets, doubles within 1e-9 relative.
fn assert_rows_close(context: &str, mut a: Vec<Row>, mut b: Vec<Row>) {
    let key = |r: &Row| r.iter().filter(|v| !matches!(v, Value::Double(_))).cloned().collect::<Vec<_>>();
    a.sort_by_key(key);
    b.sort_by_key(key);
    assert_eq!(a.len(), b.len(), "{context}: row counts differ");
    for (x, y) in a.iter().zip(&b) {
        let close = x.len() == y.len()
            && x.iter().zip(y).all(|(u, v)| match (u, v) {
                (Value::Double(p), Value::Double(q)) => {
                    p.0 == q.0 || (p.0 - q.0).abs() <= 1e-9 * p.0.abs().max(q.0.abs())
                }
                _ => u == v,
            });
        assert!(close, "{context}: {x:?} != {y:?}");
    }
}

/// Runs `build` over a stream of `dir` into a complete-mode memory table, one file per
/// trigger, and also as a batch; returns (stream rows, batch rows).
fn run_both(
    workers: usize,
    format: &str,
    schema: &str,
    dir: &Path,
    build: &dyn Fn(DataFrame) -> DataFrame,
) -> (Vec<Row>, Vec<Row>) {
    let spark = session(workers);
    let stream = spark
        .read_stream()
        .schema(schema)
        .format(format)
        .option("header", true)
        .option("maxFilesPerTrigger", 1)
        .load(str_of(dir))
        .expect("stream");
    let q = build(stream)
        .write_stream()
        .format("memory")
        .query_name("agg")
        .output_mode("complete")
        .trigger(Trigger::AvailableNow)
        .start()
        .expect("start");
    assert!(q.await_termination_timeout(Duration::from_secs(60)).expect("no failure"));
    let streamed = table_rows(&spark, "agg");
    let batch_df =
        spark.read().schema(schema).format(format).option("header", true).load(str_of(dir)).expect("batch");
    let batch = build(batch_df).collect().expect("collect");
    (streamed, batch)
}

type Build = fn(DataFrame) -> DataFrame;

#[test]
fn one_and_two_workers_give_the_same_aggregates() {
    let hhar = shared_data("hhar-real-sample");
    let (_retail_tmp, retail) = retail_sample(6);
    let cases: Vec<(&str, &str, &str, &Path, Build)> = vec![
        ("hhar count per gt", "json", HHAR, &hhar, |df| df.group_by(["gt"]).count()),
        ("hhar stats per device, model", "json", HHAR, &hhar, |df| {
            df.group_by(["Device", "Model"]).agg([
                avg(col("x")),
                sum(col("y")),
                min(col("z")),
                max(col("Arrival_Time")),
                stddev_samp(col("x")),
                var_pop(col("y")),
                count(col("gt")),
            ])
        }),
        ("hhar filter then stats per user", "json", HHAR, &hhar, |df| {
            df.filter("x > 0 AND y < 1").group_by(["User"]).agg([stddev_pop(col("z")), var_samp(col("x"))])
        }),
        ("retail per country", "csv", RETAIL, &retail, |df| {
            df.group_by(["Country"]).agg([
                count_star().alias("n"),
                sum(col("Quantity")),
                avg(col("UnitPrice")),
                max(col("CustomerID")),
            ])
        }),
        ("retail revenue per day", "csv", RETAIL, &retail, |df| {
            df.with_column("day", expr("substring(InvoiceDate, 1, 10)"))
                .group_by(["day"])
                .agg([sum(expr("Quantity * UnitPrice")).alias("revenue"), min(col("StockCode"))])
        }),
    ];
    for (name, format, schema, dir, build) in cases {
        let (s1, b1) = run_both(1, format, schema, dir, &build);
        let (s2, b2) = run_both(2, format, schema, dir, &build);
        assert!(!s1.is_empty(), "{name}: no rows");
        assert_rows_close(&format!("{name}: stream vs batch"), s1.clone(), b1.clone());
        assert_rows_close(&format!("{name}: stream, 1 vs 2 workers"), s1, s2);
        assert_rows_close(&format!("{name}: batch, 1 vs 2 workers"), b1, b2);
    }
}
