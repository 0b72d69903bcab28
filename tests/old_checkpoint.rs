//! Restarts from checkpoints written by Sluice before sources moved onto the `Source`
//! trait (commit 22673d7): the offsets logs under `tests/data/old_checkpoint/` were made
//! by `generate_old_checkpoints` below, run at that commit from the repository root, with
//! only `input/part-0.json` in the input directory (`part-1.json` was added afterwards).

mod common;

use sluice::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

const DATA: &str = "tests/data/old_checkpoint";

fn file_query(spark: &Session, checkpoint: &Path, name: &str) -> StreamingQuery {
    spark
        .read_stream()
        .schema("k STRING, v BIGINT")
        .option("maxFilesPerTrigger", 1)
        .option("fileOrder", "name")
        .json(&format!("{DATA}/input"))
        .unwrap()
        .select([col("k"), (col("v") * lit(2)).alias("v2")])
        .write_stream()
        .format("memory")
        .query_name(name)
        .option("checkpointLocation", checkpoint.to_str().unwrap())
        .trigger(Trigger::AvailableNow)
        .start()
        .unwrap()
}

fn rate_query(spark: &Session, checkpoint: &Path, name: &str) -> StreamingQuery {
    spark
        .read_stream()
        .format("rate-micro-batch")
        .option("rowsPerBatch", 3)
        .option("startTimestamp", 1_000_000)
        .option("advanceMillisPerBatch", 1000)
        .load(None)
        .unwrap()
        .write_stream()
        .format("memory")
        .query_name(name)
        .option("checkpointLocation", checkpoint.to_str().unwrap())
        .start()
        .unwrap()
}

/// Copies a committed test checkpoint to a fresh directory (a restart writes to it).
fn copy_checkpoint(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    common::copy_dir(&Path::new(DATA).join(name), &dir);
    (tmp, dir)
}

fn rows(spark: &Session, table: &str, order: &str) -> Vec<Row> {
    spark.sql(&format!("SELECT * FROM {table} ORDER BY {order}")).unwrap().collect().unwrap()
}

#[test]
fn a_file_source_goes_on_from_an_old_offsets_log() {
    let spark = Session::builder().workers(2).build().unwrap();
    let (_tmp, dir) = copy_checkpoint("files");
    let q = file_query(&spark, &dir, "old_files");
    q.await_termination().unwrap();
    // part-0.json was read before the restart: only part-1.json's rows are new.
    assert_eq!(
        rows(&spark, "old_files", "k"),
        vec![vec![Value::string("b"), Value::Long(20)], vec![Value::string("c"), Value::Long(40)]]
    );
    assert!(dir.join("offsets/1").exists() && dir.join("commits/1").exists(), "batch 1 was logged");
}

#[test]
fn an_uncommitted_old_batch_is_replayed_from_its_recorded_files() {
    let spark = Session::builder().workers(2).build().unwrap();
    let (_tmp, dir) = copy_checkpoint("files");
    std::fs::remove_file(dir.join("commits/0")).unwrap();
    let q = file_query(&spark, &dir, "old_replay");
    q.await_termination().unwrap();
    // Batch 0 (part-0.json, as recorded) runs again, then batch 1 reads part-1.json.
    let got = rows(&spark, "old_replay", "k, v2");
    let want: Vec<Row> = [("a", 2), ("a", 6), ("b", 4), ("b", 20), ("c", 40)]
        .into_iter()
        .map(|(k, v)| vec![Value::string(k), Value::Long(v)])
        .collect();
    assert_eq!(got, want);
}

#[test]
fn a_rate_source_goes_on_from_an_old_offsets_log() {
    let spark = Session::builder().workers(2).build().unwrap();
    let (_tmp, dir) = copy_checkpoint("rate");
    let committed = std::fs::read_dir(dir.join("commits")).unwrap().count() as i64;
    assert!(committed >= 2, "the test checkpoint has committed batches");
    let q = rate_query(&spark, &dir, "old_rate");
    while q.last_progress().is_none_or(|p| p.batch_id < committed as u64 + 1) {
        std::thread::sleep(Duration::from_millis(20));
        assert!(q.exception().is_none(), "{:?}", q.exception());
    }
    q.stop().unwrap();
    let got = rows(&spark, "old_rate", "value");
    // The first new batch is batch `committed`: values from 3 * committed, its timestamp
    // startTimestamp + committed * advanceMillisPerBatch.
    let first = &got[0];
    assert_eq!(first[1], Value::Long(3 * committed));
    assert_eq!(first[0], Value::Timestamp((1_000_000 + committed * 1000) * 1000));
    let values: Vec<Value> = got.iter().map(|r| r[1].clone()).collect();
    let want: Vec<Value> = (3 * committed..3 * committed + values.len() as i64).map(Value::Long).collect();
    assert_eq!(values, want, "no value is skipped or repeated");
}

/// Made the committed test data (run at commit 22673d7 with only part-0.json in `input/`).
#[test]
#[ignore]
fn generate_old_checkpoints() {
    let spark = Session::builder().workers(2).build().unwrap();
    let root = Path::new(DATA);
    let q = file_query(&spark, &root.join("files"), "gen_files");
    q.await_termination().unwrap();
    let q = rate_query(&spark, &root.join("rate"), "gen_rate");
    while q.last_progress().is_none_or(|p| p.batch_id < 2) {
        std::thread::sleep(Duration::from_millis(20));
    }
    q.stop().unwrap();
}
