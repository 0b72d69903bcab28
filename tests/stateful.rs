//! Stateful operators against Apache Spark 4.3's answers, as data: every case of
//! `tests/data/stateful/cases.json` (a SQL query or a list of DataFrame calls, batch or a
//! stream in an output mode) runs over `tests/data/stateful/events` on 1 and 2 workers, and
//! its rows (or its refusal) must be the ones pyspark gave in `answers.json`, made by
//! `make_answers.py` in the same directory. Streams read one file per batch, so the
//! watermark moves between batches as in Spark (late rows dropped, state evicted).

mod common;

use common::{assert_same_rows, drop_file, parse_json_lines, temp_data_dir, JsonRow};
use serde_json::Value as Json;
use sluice::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const SCHEMA: &str = "user STRING, gt STRING, model STRING, x DOUBLE, n BIGINT, ts TIMESTAMP";
const WATERMARK: (&str, &str) = ("ts", "10 seconds");

fn data_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/stateful")
}

fn read_json(name: &str) -> Json {
    let path = data_root().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The event files in name order, as a stream directory with modification times in that order.
fn stream_dir() -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = temp_data_dir();
    let mut names: Vec<PathBuf> = std::fs::read_dir(data_root().join("events"))
        .expect("events dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    names.sort();
    let n = names.len() as u64;
    for (i, p) in names.iter().enumerate() {
        let content = std::fs::read_to_string(p).expect("event file");
        let name = p.file_name().and_then(|n| n.to_str()).expect("utf-8 name");
        drop_file(&dir, name, &content, 100 + (n - i as u64) * 10);
    }
    (tmp, dir)
}

fn strs(v: &Json) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default()
}

/// The DataFrame calls of an `api` case, as `make_answers.py` makes them in pyspark.
fn apply_api(df: DataFrame, ops: &[Json]) -> DataFrame {
    ops.iter().fold(df, |df, op| {
        let op = op.as_array().expect("an op is a list");
        let kind = op[0].as_str().expect("op name");
        let arg = |i: usize| op.get(i).cloned().unwrap_or(Json::Null);
        match kind {
            "with_watermark" => df.with_watermark(WATERMARK.0, WATERMARK.1),
            "drop_duplicates" => df.drop_duplicates(strs(&arg(1))),
            "drop_duplicates_within_watermark" => df.drop_duplicates_within_watermark(strs(&arg(1))),
            "select" => df.select(strs(&arg(1))),
            "cube_avg" => {
                let cols = strs(&arg(2));
                df.cube(strs(&arg(1))).avg(&cols.iter().map(String::as_str).collect::<Vec<_>>())
            }
            "rollup_count" => df.rollup(strs(&arg(1))).count(),
            "group_count" => df.group_by(strs(&arg(1))).count(),
            "window_count" => df.group_by([window(col("ts"), arg(1).as_str().expect("duration"))]).count(),
            other => panic!("unknown op {other}"),
        }
    })
}

/// Runs one case; its rows, or the error text.
fn run_case(case: &Json, workers: usize, stream: &Path) -> Result<Vec<JsonRow>, String> {
    let name = case["name"].as_str().expect("name");
    let mode = case["stream"].as_str();
    let spark = Session::builder().workers(workers).build().expect("session");
    let events = data_root().join("events");
    let df = match mode {
        None => spark.read().schema(SCHEMA).json(events.to_str().expect("utf-8")),
        Some(_) => spark
            .read_stream()
            .schema(SCHEMA)
            .option("maxFilesPerTrigger", 1)
            .json(stream.to_str().expect("utf-8")),
    }
    .map_err(|e| e.to_string())?;
    df.create_or_replace_temp_view("events").map_err(|e| e.to_string())?;
    df.with_watermark(WATERMARK.0, WATERMARK.1)
        .create_or_replace_temp_view("events_wm")
        .map_err(|e| e.to_string())?;
    let result = match (case["sql"].as_str(), case["api"].as_array()) {
        (Some(sql), _) => spark.sql(sql).map_err(|e| e.to_string())?,
        (None, Some(ops)) => apply_api(df, ops),
        _ => panic!("{name}: a case has sql or api"),
    };
    let lines = match mode {
        None => result.to_json_lines().map_err(|e| e.to_string())?,
        Some(mode) => {
            let query = result
                .write_stream()
                .format("memory")
                .query_name(name)
                .output_mode(mode)
                .start()
                .map_err(|e| e.to_string())?;
            query.process_all_available().map_err(|e| e.to_string())?;
            query.stop().map_err(|e| e.to_string())?;
            spark.table(name).and_then(|t| t.to_json_lines()).map_err(|e| e.to_string())?
        }
    };
    Ok(parse_json_lines(&lines.join("\n")))
}

/// Spark writes nulls, Sluice's JSON leaves them out: compare without null cells.
/// The same columns with equal values (doubles to 1e-9 relative).
fn same_row(a: &JsonRow, b: &JsonRow) -> bool {
    a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| common::values_equal(v, w)))
}

fn without_nulls(rows: &[JsonRow]) -> Vec<JsonRow> {
    rows.iter()
        .map(|r| r.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect())
        .collect()
}

fn check_cases(workers: usize, filter: impl Fn(&str) -> bool) {
    let cases = read_json("cases.json");
    let answers = read_json("answers.json");
    let (_tmp, stream) = stream_dir();
    let mut ran = 0;
    for case in cases.as_array().expect("a list of cases") {
        let name = case["name"].as_str().expect("name");
        if !filter(name) {
            continue;
        }
        ran += 1;
        let answer = &answers[name];
        let context = format!("case {name} on {workers} worker(s)");
        match (run_case(case, workers, &stream), answer.get("error")) {
            (Ok(rows), None) => {
                let expected: Vec<JsonRow> = answer["rows"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{context}: no answer"))
                    .iter()
                    .map(|r| r.as_object().expect("a row").clone())
                    .collect();
                let (expected, rows) = (without_nulls(&expected), without_nulls(&rows));
                // A memory table read back is a batch query, which keeps no row order:
                // a stream's ordered result is checked as a set (its LIMIT still shows).
                if case["ordered"].as_bool() == Some(true) && case["stream"].is_null() {
                    assert_eq!(expected.len(), rows.len(), "{context}: {rows:?}");
                    for (i, (e, a)) in expected.iter().zip(&rows).enumerate() {
                        assert_same_rows(
                            std::slice::from_ref(e),
                            std::slice::from_ref(a),
                            &format!("{context}, row {i}"),
                        );
                    }
                } else {
                    assert_same_rows(&expected, &rows, &context);
                }
            }
            (Err(e), Some(spark)) => {
                // Spark 4 reworded some refusals (error classes); a case then names the
                // phrase both wordings share.
                let spark = spark.as_str().unwrap_or_default();
                let key = match case["reason"].as_str() {
                    Some(reason) => reason,
                    None => {
                        let message = e.split_once("error: ").map_or(e.as_str(), |(_, m)| m);
                        message.split(['.', '[']).find(|p| p.trim().len() > 20).unwrap_or(message).trim()
                    }
                };
                assert!(
                    spark.contains(key) && e.contains(key),
                    "{context}: Sluice refused with\n  {e}\nbut Spark's reason is\n  {spark}"
                );
            }
            (Ok(rows), Some(spark)) => panic!("{context}: Spark refused ({spark}) but Sluice gave {rows:?}"),
            (Err(e), None) => panic!("{context}: {e}"),
        }
    }
    assert!(ran > 0, "no case matched");
}

#[test]
fn batch_cases_match_spark_on_one_worker() {
    check_cases(1, |n| n.starts_with("b_"));
}

#[test]
fn batch_cases_match_spark_on_two_workers() {
    check_cases(2, |n| n.starts_with("b_"));
}

#[test]
fn stream_cases_match_spark_on_one_worker() {
    check_cases(1, |n| n.starts_with("s_"));
}

#[test]
fn stream_cases_match_spark_on_two_workers() {
    check_cases(2, |n| n.starts_with("s_"));
}

/// Chained aggregations in complete mode, which Spark refuses (its global-watermark check):
/// each aggregation emits its changes as retractions and additions and the next folds them
/// exactly, so the stream's final table equals Spark's *batch* answer of the same SQL.
#[test]
fn chained_aggregations_spark_refuses_equal_sparks_batch_answer() {
    let answers = read_json("answers.json");
    for case in read_json("cases.json").as_array().expect("cases") {
        if let Some(name) = case["name"].as_str().filter(|n| n.starts_with("x_")) {
            // Spark refuses these (its global-watermark check, or distinct aggregates on a
            // stream), except a deduplication over an aggregation in complete mode, which it
            // runs with a table of only the rows it had not seen before
            // (tests/data/stateful/dedup_over_aggregation_stream.py).
            let refused = answers[name]["spark_stream"].as_str().unwrap_or_default();
            assert!(
                refused.contains("correctness")
                    || refused.contains("Distinct aggregations")
                    || (name.starts_with("x_dedup_") && refused == "ran"),
                "{name}: Spark's stream should refuse, got {refused}"
            );
        }
    }
    // The final complete table; an update-mode chain is checked batch by batch below (its
    // memory table holds every batch's changed rows).
    check_cases(1, |n| n.starts_with("x_") && n.ends_with("_complete"));
    check_cases(2, |n| n.starts_with("x_") && n.ends_with("_complete"));
}

/// The same chains batch by batch: after micro-batch `b` (one file each), the complete
/// table equals Spark's batch answer over the first `b + 1` files ("by_batch"). In update
/// mode (which Spark refuses as well) batch `b` writes rows of that answer, and every row
/// that is new in it since batch `b - 1`.
#[test]
fn chained_aggregations_equal_sparks_batch_answer_after_every_batch() {
    let answers = read_json("answers.json");
    for case in read_json("cases.json").as_array().expect("cases") {
        let Some(name) = case["name"].as_str().filter(|n| n.starts_with("x_")) else { continue };
        let by_batch = answers[name]["by_batch"].as_array().expect("by_batch answers");
        for (workers, mode) in [(1, "complete"), (2, "complete"), (1, "update"), (2, "update")] {
            let (_tmp, stream) = stream_dir();
            let spark = Session::builder().workers(workers).build().expect("session");
            let events = spark
                .read_stream()
                .schema(SCHEMA)
                .option("maxFilesPerTrigger", 1)
                .json(stream.to_str().expect("utf-8"))
                .expect("stream");
            events.create_or_replace_temp_view("events").expect("view");
            let seen: Arc<Mutex<BTreeMap<u64, Vec<String>>>> = Arc::default();
            let sink = seen.clone();
            let result = match (case["sql"].as_str(), case["api"].as_array()) {
                (Some(sql), _) => spark.sql(sql).expect("plan"),
                (None, Some(ops)) => apply_api(events, ops),
                _ => panic!("{name}: a case has sql or api"),
            };
            let query = result
                .write_stream()
                .output_mode(mode)
                .foreach_batch(move |table, id| {
                    sink.lock().expect("lock").insert(id, table.to_json_lines()?);
                    Ok(())
                })
                .start()
                .expect("start");
            query.process_all_available().expect("runs");
            query.stop().expect("stops");
            let seen = seen.lock().expect("lock").clone();
            assert_eq!(seen.len(), by_batch.len(), "{name}, {workers} workers: batches {:?}", seen.keys());
            let rows_of = |b: usize| -> Vec<JsonRow> {
                let rows = by_batch[b].as_array().expect("rows");
                without_nulls(&rows.iter().map(|r| r.as_object().expect("row").clone()).collect::<Vec<_>>())
            };
            for b in 0..by_batch.len() {
                let want = rows_of(b);
                let got = without_nulls(&parse_json_lines(&seen[&(b as u64)].join("\n")));
                let what = format!("{name}, {mode} mode, {workers} workers, after batch {b}");
                if mode == "complete" {
                    assert_same_rows(&want, &got, &what);
                    continue;
                }
                let has = |rows: &[JsonRow], row: &JsonRow| rows.iter().any(|r| same_row(r, row));
                for row in &got {
                    assert!(has(&want, row), "{what}: wrote {row:?}, not in the answer {want:?}");
                }
                let before = if b == 0 { Vec::new() } else { rows_of(b - 1) };
                for row in want.iter().filter(|r| !has(&before, r)) {
                    assert!(has(&got, row), "{what}: {row:?} changed but was not written: {got:?}");
                }
            }
        }
    }
}

/// What cannot be taken back is refused with the reason: first() over an aggregation's rows.
#[test]
fn a_chain_that_cannot_retract_is_refused_with_the_reason() {
    let case = serde_json::json!({
        "name": "first_of_counts",
        "stream": "complete",
        "sql": "SELECT first(c) AS f FROM (SELECT gt, count(*) AS c FROM events GROUP BY gt) AS t",
    });
    let (_tmp, stream) = stream_dir();
    let err = run_case(&case, 1, &stream).expect_err("first over a changing aggregation is refused");
    assert!(err.contains("first cannot be taken back yet"), "{err}");
}

#[test]
fn refusals_match_spark() {
    check_cases(1, |n| n.starts_with("e_"));
}

/// Runs `s_dedup_wm` in two queries over one checkpoint (two files, stop, two more files,
/// restart): the deduplication state and watermark come back, so the rows of both runs
/// are Spark's rows of one run.
fn dedup_restart(workers: usize) {
    let answers = read_json("answers.json");
    let (tmp, dir) = temp_data_dir();
    let checkpoint = tmp.path().join("checkpoint");
    let mut names: Vec<PathBuf> = std::fs::read_dir(data_root().join("events"))
        .expect("events dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    names.sort();
    let put = |from: usize, to: usize| {
        for (i, p) in names.iter().enumerate().take(to).skip(from) {
            let name = p.file_name().and_then(|n| n.to_str()).expect("utf-8 name");
            drop_file(&dir, name, &std::fs::read_to_string(p).expect("event file"), 200 - i as u64 * 10);
        }
    };
    let run = |name: &str| -> Vec<JsonRow> {
        let spark = Session::builder().workers(workers).build().expect("session");
        let query = spark
            .read_stream()
            .schema(SCHEMA)
            .option("maxFilesPerTrigger", 1)
            .json(dir.to_str().expect("utf-8"))
            .expect("stream")
            .with_watermark(WATERMARK.0, WATERMARK.1)
            .drop_duplicates(["user", "ts"])
            .select(["user", "ts"])
            .write_stream()
            .format("memory")
            .query_name(name)
            .option("checkpointLocation", checkpoint.to_str().expect("utf-8"))
            .start()
            .expect("start");
        query.process_all_available().expect("runs");
        query.stop().expect("stops");
        parse_json_lines(&spark.table(name).and_then(|t| t.to_json_lines()).expect("table").join("\n"))
    };
    put(0, 2);
    let mut rows = run("first");
    put(2, names.len());
    rows.extend(run("second"));
    let expected: Vec<JsonRow> = answers["s_dedup_wm"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r.as_object().expect("row").clone())
        .collect();
    assert_same_rows(&expected, &rows, &format!("dedup across a restart on {workers} worker(s)"));
}

#[test]
fn dedup_state_survives_a_restart_from_its_checkpoint() {
    dedup_restart(1);
    dedup_restart(2);
}
