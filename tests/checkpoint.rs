//! Checkpoints through the public API: restart after a clean stop, a changed query, a
//! damaged checkpoint, and state restored from a snapshot.

mod common;

use common::data_dir;
use sluice::prelude::*;
use sluice::progress::StreamingQueryProgress;
use std::path::Path;

const SCHEMA: &str = "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, Index BIGINT, Model STRING, User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE";

/// Writes chunk `i` (of `n`) of the first activity data file into `dir` as its own file.
fn add_chunk(dir: &Path, i: usize, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let mut files: Vec<_> =
        std::fs::read_dir(data_dir("activity-data-synth")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let size = lines.len().div_ceil(n);
    let chunk = &lines[i * size..((i + 1) * size).min(lines.len())];
    std::fs::write(dir.join(format!("chunk-{i:03}.json")), chunk.join("\n") + "\n").unwrap();
}

fn source(spark: &Session, dir: &Path) -> DataFrame {
    spark
        .read_stream()
        .schema(SCHEMA)
        .option("maxFilesPerTrigger", 1)
        .option("fileOrder", "name")
        .json(dir.to_str().unwrap())
        .unwrap()
}

/// Every aggregate the issue names, per device, in complete mode with a checkpoint.
fn aggregates(spark: &Session, input: &Path, checkpoint: &Path) -> StreamingQuery {
    aggregates_as(spark, input, checkpoint, "aggs", Trigger::AvailableNow)
}

fn aggregates_as(
    spark: &Session,
    input: &Path,
    checkpoint: &Path,
    name: &str,
    trigger: Trigger,
) -> StreamingQuery {
    try_aggregates(spark, input, checkpoint, name, Some(trigger)).unwrap()
}

fn try_aggregates(
    spark: &Session,
    input: &Path,
    checkpoint: &Path,
    name: &str,
    trigger: Option<Trigger>,
) -> sluice::Result<StreamingQuery> {
    let mut writer = source(spark, input)
        .group_by([col("Device")])
        .agg([
            count(col("x")).alias("n"),
            sum(col("Index")).alias("s"),
            avg(col("x")).alias("avg_x"),
            min(col("y")).alias("min_y"),
            max(col("z")).alias("max_z"),
            stddev(col("x")).alias("sd_x"),
        ])
        .write_stream()
        .format("memory")
        .query_name(name)
        .output_mode("complete")
        .option("checkpointLocation", checkpoint.to_str().unwrap());
    if let Some(t) = trigger {
        writer = writer.trigger(t);
    }
    writer.start()
}

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort();
    rows
}

#[test]
fn state_restored_from_a_snapshot_gives_the_results_of_a_query_that_never_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let (input, stopped) = (dir.path().join("in"), dir.path().join("stopped"));
    (0..3).for_each(|i| add_chunk(&input, i, 6));
    // Three batches, a restart from the snapshot of batch 2, three more batches.
    let spark = Session::builder().workers(1).build().unwrap();
    aggregates(&spark, &input, &stopped).await_termination().unwrap();
    let spark = Session::builder().workers(1).build().unwrap();
    (3..6).for_each(|i| add_chunk(&input, i, 6));
    let q = aggregates(&spark, &input, &stopped);
    q.await_termination().unwrap();
    let progress = q.recent_progress();
    assert_eq!(progress.first().map(|p| p.batch_id), Some(3), "batch ids go on from the log");
    assert_eq!(progress.iter().map(|p| p.num_input_rows).sum::<u64>() as usize, {
        let lines =
            |i| std::fs::read_to_string(input.join(format!("chunk-{i:03}.json"))).unwrap().lines().count();
        (3..6).map(lines).sum::<usize>()
    });
    let restored = sorted(spark.table("aggs").unwrap().collect().unwrap());

    // The same six batches in one run.
    let spark = Session::builder().workers(1).build().unwrap();
    aggregates(&spark, &input, &dir.path().join("never-stopped")).await_termination().unwrap();
    let never_stopped = sorted(spark.table("aggs").unwrap().collect().unwrap());
    assert!(never_stopped.len() > 1);
    assert_eq!(restored, never_stopped);
}

#[test]
fn restart_after_a_clean_stop_reads_only_new_files() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    (0..2).for_each(|i| add_chunk(&input, i, 4));
    let run = |expect_batches: &[u64]| {
        let spark = Session::builder().build().unwrap();
        let q = source(&spark, &input)
            .select([col("Index"), col("Device")])
            .write_stream()
            .format("memory")
            .query_name("rows")
            .option("checkpointLocation", checkpoint.to_str().unwrap())
            .trigger(Trigger::AvailableNow)
            .start()
            .unwrap();
        q.await_termination().unwrap();
        let batches: Vec<u64> = q.recent_progress().iter().map(|p| p.batch_id).collect();
        assert_eq!(batches, expect_batches);
        (q.id(), spark.table("rows").unwrap().collect().unwrap().len())
    };
    let (id, first) = run(&[0, 1]);
    let (same_id, nothing) = run(&[]);
    assert_eq!((same_id, nothing), (id, 0), "the query id survives; nothing is read again");
    add_chunk(&input, 2, 4);
    let (_, new) = run(&[2]);
    let chunk = std::fs::read_to_string(input.join("chunk-002.json")).unwrap().lines().count();
    assert!(first > 0);
    assert_eq!(new, chunk);
}

#[test]
fn a_changed_query_is_refused_with_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    add_chunk(&input, 0, 4);
    let spark = Session::builder().build().unwrap();
    aggregates(&spark, &input, &checkpoint).await_termination().unwrap();
    let err = source(&spark, &input)
        .group_by([col("Device"), col("User")])
        .agg([count(col("x")).alias("n")])
        .write_stream()
        .format("memory")
        .query_name("other")
        .output_mode("complete")
        .option("checkpointLocation", checkpoint.to_str().unwrap())
        .start()
        .unwrap_err()
        .to_string();
    assert!(err.contains("different query") && err.contains("grouping keys"), "{err}");
    assert!(err.contains(&checkpoint.display().to_string()), "{err}");
    // A changed rate limit is allowed, as in Spark.
    let q = aggregates_as(&spark, &input, &checkpoint, "again", Trigger::Once);
    q.await_termination().unwrap();
}

#[test]
fn a_truncated_offsets_file_is_reported_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    (0..2).for_each(|i| add_chunk(&input, i, 4));
    let spark = Session::builder().build().unwrap();
    aggregates(&spark, &input, &checkpoint).await_termination().unwrap();
    let offsets = checkpoint.join("offsets").join("1");
    let bytes = std::fs::read(&offsets).unwrap();
    std::fs::write(&offsets, &bytes[..bytes.len() / 2]).unwrap();
    let spark = Session::builder().build().unwrap();
    let err = try_aggregates(&spark, &input, &checkpoint, "aggs", None).unwrap_err().to_string();
    assert!(err.contains(&offsets.display().to_string()) && err.contains("truncated"), "{err}");
}

#[test]
fn retention_keeps_min_batches_to_retain_and_purged_files_stay_read() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    (0..5).for_each(|i| add_chunk(&input, i, 5));
    let run = || {
        let spark = Session::builder().config("spark.sql.streaming.minBatchesToRetain", 2).build().unwrap();
        let q = aggregates(&spark, &input, &checkpoint);
        q.await_termination().unwrap();
        q.recent_progress()
    };
    let progress = run();
    let last = progress.last().unwrap();
    assert_eq!(last.batch_id, 4);
    assert!(last.duration_ms.contains_key("walCommit") && last.duration_ms.contains_key("stateSnapshot"));
    assert!(progress.iter().all(|p| p.state_operators[0].custom_metrics["deltaSizeBytes"] > 0));
    let mut kept: Vec<String> = std::fs::read_dir(checkpoint.join("offsets"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(kept, ["3", "4"]);
    assert!(run().is_empty(), "files of purged batches are not read again");
}

/// The queries of the first-format checkpoints in `tests/data/checkpoint-v1/<name>`: a
/// `rate-micro-batch` source (40 rows a batch, batch `b` stamped `4b` seconds), 2 workers.
fn v1_source(spark: &Session) -> DataFrame {
    spark
        .read_stream()
        .format("rate-micro-batch")
        .option("rowsPerBatch", 40)
        .option("startTimestamp", 0)
        .option("advanceMillisPerBatch", 4000)
        .load(None)
        .unwrap()
        .select_expr(["value % 5 AS k", "value", "timestamp"])
}

/// One batch (`Trigger::Once`) of first-format query `name` on `checkpoint`; the rows it
/// emitted.
fn v1_batch(name: &str, checkpoint: &Path) -> Vec<Row> {
    let spark = Session::builder().workers(2).build().unwrap();
    let df = v1_source(&spark);
    let (df, mode) = match name {
        "counts" => (
            df.group_by([col("k")]).agg([
                count_star().alias("n"),
                sum(col("value")).alias("s"),
                min(col("value")).alias("lo"),
                max(col("value")).alias("hi"),
            ]),
            "complete",
        ),
        "windows" => (
            df.with_watermark("timestamp", "5 seconds")
                .group_by([window(col("timestamp"), "10 seconds"), col("k")])
                .agg([count_star().alias("n"), sum(col("value")).alias("s")]),
            "append",
        ),
        "sessions" => (
            df.with_watermark("timestamp", "5 seconds")
                .group_by([session_window(col("timestamp"), "3 seconds"), col("k")])
                .agg([count_star().alias("n"), sum(col("value")).alias("s")]),
            "append",
        ),
        _ => (df.group_by([col("k")]).agg([count_star().alias("n")]), "complete"),
    };
    let writer = df
        .write_stream()
        .output_mode(mode)
        .trigger(Trigger::Once)
        .option("checkpointLocation", checkpoint.to_str().unwrap());
    if name == "foreach" {
        let rows = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let q = writer.foreach(Collect(rows.clone())).start().unwrap();
        q.await_termination().unwrap();
        let rows = rows.lock().unwrap().clone();
        return sorted(rows);
    }
    let q = writer.format("memory").query_name(name).start().unwrap();
    q.await_termination().unwrap();
    sorted(spark.table(name).unwrap().collect().unwrap())
}

/// A foreach writer keeping every row it is given.
#[derive(Clone)]
struct Collect(std::sync::Arc<std::sync::Mutex<Vec<Row>>>);

impl ForeachWriter for Collect {
    fn open(&mut self, _partition_id: u64, _epoch_id: u64) -> bool {
        true
    }
    fn process(&mut self, row: Row) {
        self.0.lock().unwrap().push(row);
    }
    fn close(&mut self, _error: Option<&SluiceError>) {}
}

const V1_QUERIES: [&str; 4] = ["counts", "windows", "sessions", "foreach"];

/// Names of the files in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|r| r.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// Runs `aggregates` over what `input` holds under `config`; returns its progress.
fn run_with(
    input: &Path,
    checkpoint: &Path,
    workers: usize,
    config: &[(&str, &str)],
) -> Vec<StreamingQueryProgress> {
    let mut builder = Session::builder().workers(workers);
    for (k, v) in config {
        builder = builder.config(k, *v);
    }
    let spark = builder.build().unwrap();
    let q = aggregates(&spark, input, checkpoint);
    q.await_termination().unwrap();
    let progress = q.recent_progress();
    RESULT.with(|r| *r.borrow_mut() = sorted(spark.table("aggs").unwrap().collect().unwrap()));
    progress
}

thread_local! {
    /// The memory table of the last `run_with`.
    static RESULT: std::cell::RefCell<Vec<Row>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn last_result() -> Vec<Row> {
    RESULT.with(|r| r.borrow().clone())
}

#[test]
fn state_is_saved_as_deltas_consolidated_into_snapshots_and_old_files_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    (0..6).for_each(|i| add_chunk(&input, i, 8));
    let config = [(MIN_DELTAS, "2"), ("spark.sql.streaming.minBatchesToRetain", "2")];
    let progress = run_with(&input, &checkpoint, 2, &config);
    assert_eq!(progress.len(), 6);
    for p in &progress {
        let m = &p.state_operators[0].custom_metrics;
        assert!(m["deltaSizeBytes"] > 0 && m.contains_key("snapshotSizeBytes"), "{}", p.json());
    }
    // Every worker's part and the driver's table: at most two snapshots (the one the
    // oldest retained batch needs, and the newest), the deltas after the older one, and
    // batches 4 and 5 (the retained ones) restorable.
    for part in ["part-0", "part-1", "driver"] {
        let files = names(&checkpoint.join("state").join(part));
        let snapshots: Vec<u64> =
            files.iter().filter_map(|f| f.strip_suffix(".snapshot")?.parse().ok()).collect();
        let deltas: Vec<u64> = files.iter().filter_map(|f| f.strip_suffix(".delta")?.parse().ok()).collect();
        assert!(!snapshots.is_empty() && snapshots.len() <= 2, "{part}: {files:?}");
        assert!(files.iter().all(|f| !f.ends_with(".tmp")), "{part}: {files:?}");
        let oldest = snapshots[0];
        assert!(oldest <= 4, "{part}: batch 4 must stay restorable: {files:?}");
        assert_eq!(deltas, (oldest + 1..=5).collect::<Vec<_>>(), "{part}: {files:?}");
    }
    assert!(names(&checkpoint.join("state")).iter().all(|n| n.starts_with("part-") || n == "driver"));
    // A restart from those files gives what a query that never stopped gives.
    (6..8).for_each(|i| add_chunk(&input, i, 8));
    let progress = run_with(&input, &checkpoint, 2, &config);
    assert_eq!(progress.iter().map(|p| p.batch_id).collect::<Vec<_>>(), [6, 7]);
    let restored = last_result();
    run_with(&input, &dir.path().join("never-stopped"), 2, &[]);
    assert_eq!(restored, last_result());
}

const MIN_DELTAS: &str = "spark.sql.streaming.stateStore.minDeltasForSnapshot";

#[test]
fn a_damaged_delta_is_named_and_the_restart_re_runs_from_the_newest_consistent_point() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    (0..4).for_each(|i| add_chunk(&input, i, 6));
    let config = [(MIN_DELTAS, "100")];
    run_with(&input, &checkpoint, 1, &config);
    // Batch 2's delta damaged: batches 0 and 1 rebuild the state, 2 and 3 run again.
    let delta = checkpoint.join("state/part-0/2.delta");
    let mut bytes = std::fs::read(&delta).unwrap();
    let at = bytes.len() - 12;
    bytes[at] ^= 0x55;
    std::fs::write(&delta, &bytes).unwrap();
    add_chunk(&input, 4, 6);
    let progress = run_with(&input, &checkpoint, 1, &config);
    assert_eq!(progress.iter().map(|p| p.batch_id).collect::<Vec<_>>(), [2, 3, 4]);
    let restored = last_result();
    run_with(&input, &dir.path().join("never-stopped"), 1, &[]);
    assert_eq!(restored, last_result());

    // With the offsets needed to re-run purged there is no consistent point: the error
    // names the damaged file.
    let checkpoint = dir.path().join("cp2");
    let config = [(MIN_DELTAS, "100"), ("spark.sql.streaming.minBatchesToRetain", "2")];
    run_with(&input, &checkpoint, 1, &config);
    let delta = checkpoint.join("state/part-0/1.delta");
    let bytes = std::fs::read(&delta).unwrap();
    std::fs::write(&delta, &bytes[..bytes.len() - 3]).unwrap();
    add_chunk(&input, 5, 6);
    let spark = Session::builder().config("spark.sql.streaming.minBatchesToRetain", 2).build().unwrap();
    let q = try_aggregates(&spark, &input, &checkpoint, "aggs", Some(Trigger::AvailableNow)).unwrap();
    let err = q.await_termination().unwrap_err().to_string();
    assert!(err.contains(&delta.display().to_string()) && err.contains("truncated"), "{err}");
}

#[test]
fn a_first_format_checkpoint_restores_and_goes_on_in_the_new_format() {
    let dir = tempfile::tempdir().unwrap();
    for name in V1_QUERIES {
        let old = dir.path().join(format!("{name}-v1"));
        copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/checkpoint-v1").join(name), &old);
        assert!(old.join("state/2/part-1").exists(), "{name}: the test data is of the first format");
        let fresh = dir.path().join(format!("{name}-new"));
        let mut from_scratch = Vec::new();
        for b in 0..6 {
            let rows = v1_batch(name, &fresh);
            if b >= 3 {
                from_scratch.push(rows);
            }
        }
        let restored: Vec<Vec<Row>> = (3..6).map(|_| v1_batch(name, &old)).collect();
        assert_eq!(restored, from_scratch, "{name}: batches 3 to 5 after restoring batch 2");
        assert!(old.join("state/part-0/2.snapshot").exists(), "{name}: converted into a snapshot");
        assert!(old.join("state/part-1/5.delta").exists(), "{name}: deltas after it");
        if name == "counts" {
            // 240 values in all: k = value % 5.
            let expected: Vec<Row> = (0..5i64)
                .map(|k| {
                    let vals: Vec<i64> = (0..240).filter(|v| v % 5 == k).collect();
                    let n = vals.len() as i64;
                    vec![
                        Value::Long(k),
                        Value::Long(n),
                        Value::Long(vals.iter().sum()),
                        Value::Long(vals[0]),
                        Value::Long(*vals.last().unwrap()),
                    ]
                })
                .collect();
            assert_eq!(restored[2], expected);
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
