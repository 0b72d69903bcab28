//! Checkpoints through the public API: restart after a clean stop, a changed query, a
//! damaged checkpoint, and state restored from a snapshot.

mod common;

use common::data_dir;
use sluice::prelude::*;
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
fn workers_default_to_one_per_core_and_a_checkpoint_keeps_the_count_it_was_written_with() {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    assert_eq!(Session::builder().build().unwrap().workers(), cores, "one worker per core, as local[*]");
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    (0..2).for_each(|i| add_chunk(&input, i, 4));
    // Written with more workers than the default has: the state is split over them.
    let spark = Session::builder().workers(cores + 1).build().unwrap();
    aggregates(&spark, &input, &checkpoint).await_termination().unwrap();
    (2..4).for_each(|i| add_chunk(&input, i, 4));
    // The default goes on with the recorded count (a note on stderr says so) ...
    let spark = Session::builder().build().unwrap();
    let q = aggregates(&spark, &input, &checkpoint);
    q.await_termination().unwrap();
    let progress = q.recent_progress();
    assert_eq!(progress.first().map(|p| p.batch_id), Some(2));
    assert_eq!(progress[0].state_operators[0].num_state_store_instances, (cores + 1) as i64);
    let restored = sorted(spark.table("aggs").unwrap().collect().unwrap());
    let spark = Session::builder().workers(cores + 1).build().unwrap();
    aggregates(&spark, &input, &dir.path().join("never-stopped")).await_termination().unwrap();
    let never_stopped = sorted(spark.table("aggs").unwrap().collect().unwrap());
    // Doubles to 1e-12 relative: with several workers, partial sums meet in any order.
    let close = |a: &Value, b: &Value| match (a, b) {
        (Value::Double(x), Value::Double(y)) => (x.0 - y.0).abs() <= 1e-12 * x.0.abs().max(y.0.abs()),
        _ => a == b,
    };
    assert_eq!(restored.len(), never_stopped.len());
    for (r, n) in restored.iter().zip(&never_stopped) {
        assert!(r.iter().zip(n.iter()).all(|(a, b)| close(a, b)), "{r:?} vs {n:?}");
    }
    // ... while an explicit other count is refused, naming both.
    let spark = Session::builder().workers(cores + 2).build().unwrap();
    let err = try_aggregates(&spark, &input, &checkpoint, "aggs", Some(Trigger::AvailableNow))
        .unwrap_err()
        .to_string();
    assert!(err.contains("workers"), "{err}");
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
    // Batch 0 writes the whole state; later batches only what they changed.
    assert!(progress[0].state_operators[0].custom_metrics["snapshotSizeBytes"] > 0);
    assert!(last.state_operators[0].custom_metrics["deltaSizeBytes"] > 0);
    let mut kept: Vec<String> = std::fs::read_dir(checkpoint.join("offsets"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(kept, ["3", "4"]);
    // The retained batches' state is batch 0's snapshot plus the deltas after it (fewer
    // than minDeltasForSnapshot were written, so nothing was folded): all of it stays.
    assert_eq!(std::fs::read_dir(checkpoint.join("state")).unwrap().count(), 5);
    assert!(run().is_empty(), "files of purged batches are not read again");
}
