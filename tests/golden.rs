//! Sluice gives the rows real Apache Spark 4.3 gave (../shared/golden) for the Spark guide's
//! streaming walkthrough, on both data sets, with 1 and 2 workers, through the Rust API
//! and through the `sluice` CLI.

mod common;

use common::{
    assert_same_rows, check_stairs_append, data_dir, parse_json_lines, read_golden_rows, sluice_bin, JsonRow,
};
use sluice::prelude::*;
use std::process::Command;

const SCHEMA: &str = "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, Index BIGINT, Model STRING, User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE";
const DATASETS: [&str; 2] = ["activity-data-synth", "hhar-real-sample"];

fn streaming(spark: &Session, dataset: &str) -> DataFrame {
    spark
        .read_stream()
        .schema(SCHEMA)
        .option("maxFilesPerTrigger", 1)
        .json(data_dir(dataset).to_str().expect("utf-8 path"))
        .expect("the source loads")
}

fn json_rows(df: &DataFrame) -> Vec<JsonRow> {
    parse_json_lines(&df.to_json_lines().expect("the table reads").join("\n"))
}

fn api_activity_counts(dataset: &str, workers: usize) -> Vec<JsonRow> {
    let spark = Session::builder().workers(workers).build().unwrap();
    let query = streaming(&spark, dataset)
        .group_by(["gt"])
        .count()
        .write_stream()
        .query_name("activity_counts")
        .format("memory")
        .output_mode("complete")
        .start()
        .unwrap();
    query.process_all_available().unwrap();
    query.stop().unwrap();
    let progress = query.recent_progress();
    let files = std::fs::read_dir(data_dir(dataset)).unwrap().count();
    assert_eq!(progress.len(), files, "maxFilesPerTrigger 1: one batch per file");
    json_rows(&spark.sql("SELECT * FROM activity_counts").unwrap())
}

fn api_stairs(dataset: &str, workers: usize) -> Vec<JsonRow> {
    let spark = Session::builder().workers(workers).build().unwrap();
    let query = streaming(&spark, dataset)
        .with_column("stairs", expr("gt like '%stairs%'"))
        .filter("stairs")
        .filter("gt is not null")
        .select(["gt", "model", "arrival_time", "creation_time"])
        .write_stream()
        .query_name("simple_transform")
        .format("memory")
        .output_mode("append")
        .start()
        .unwrap();
    query.process_all_available().unwrap();
    query.stop().unwrap();
    json_rows(&spark.table("simple_transform").unwrap())
}

fn cli(dataset: &str, workers: usize, sink_query: &str, mode: &str) -> Vec<JsonRow> {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("query.sql");
    std::fs::write(
        &script,
        format!(
            "CREATE TABLE activity (Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, `Index` BIGINT,
                Model STRING, `User` STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE)
             WITH (connector = 'file', format = 'json', path = '{}', maxFilesPerTrigger = '1');
             CREATE TABLE out WITH (connector = 'memory', outputMode = '{mode}');
             INSERT INTO out {sink_query};
             SELECT * FROM out;",
            data_dir(dataset).display()
        ),
    )
    .unwrap();
    let output = Command::new(sluice_bin())
        .args(["run", script.to_str().unwrap(), "-w", &workers.to_string(), "--trigger", "available-now"])
        .args(["--format", "json"])
        .output()
        .expect("sluice runs");
    assert!(output.status.success(), "sluice failed: {}", String::from_utf8_lossy(&output.stderr));
    parse_json_lines(&String::from_utf8(output.stdout).unwrap())
}

const CLI_COUNTS: &str = "SELECT gt, count(*) AS count FROM activity GROUP BY gt";
const CLI_STAIRS: &str = "SELECT gt, model, arrival_time, creation_time FROM activity
    WHERE gt LIKE '%stairs%' AND gt IS NOT NULL";

#[test]
fn activity_counts_match_spark_through_the_api() {
    for dataset in DATASETS {
        let expected = read_golden_rows(dataset, "a_activity_counts.jsonl");
        for workers in [1, 2] {
            let actual = api_activity_counts(dataset, workers);
            assert_same_rows(&expected, &actual, &format!("a_activity_counts {dataset} workers={workers}"));
        }
    }
}

#[test]
fn stairs_append_matches_spark_through_the_api() {
    for dataset in DATASETS {
        for workers in [1, 2] {
            check_stairs_append(dataset, &api_stairs(dataset, workers));
        }
    }
}

#[test]
fn activity_counts_match_spark_through_the_cli() {
    for dataset in DATASETS {
        let expected = read_golden_rows(dataset, "a_activity_counts.jsonl");
        for workers in [1, 2] {
            let actual = cli(dataset, workers, CLI_COUNTS, "complete");
            assert_same_rows(
                &expected,
                &actual,
                &format!("CLI a_activity_counts {dataset} workers={workers}"),
            );
        }
    }
}

#[test]
fn stairs_append_matches_spark_through_the_cli() {
    for dataset in DATASETS {
        for workers in [1, 2] {
            check_stairs_append(dataset, &cli(dataset, workers, CLI_STAIRS, "append"));
        }
    }
}
