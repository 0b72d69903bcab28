//! Checkpointed state written per batch as deltas (only the keys a batch changed), folded
//! into snapshots in the background: what is written, restarts from snapshot + deltas,
//! damaged files, and retention.

mod common;

use common::data_dir;
use sluice::prelude::*;
use std::path::{Path, PathBuf};

const SCHEMA: &str = "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, Index BIGINT, Model STRING, User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE";

/// The first activity-data file's lines.
fn activity_lines() -> Vec<String> {
    let mut files: Vec<_> =
        std::fs::read_dir(data_dir("activity-data-synth")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    std::fs::read_to_string(&files[0]).unwrap().lines().map(str::to_string).collect()
}

/// Batch 0 reads 3,000 rows (as many keys); every later batch 20 of those rows again, so
/// it changes at most 20 keys of the state.
fn write_batch(dir: &Path, i: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let lines = activity_lines();
    let chunk: Vec<&str> = if i == 0 {
        lines[..3000].iter().map(String::as_str).collect()
    } else {
        lines[..3000].iter().skip(i * 37 % 2000).take(20).map(String::as_str).collect()
    };
    std::fs::write(dir.join(format!("batch-{i:03}.json")), chunk.join("\n") + "\n").unwrap();
}

/// Background snapshots as soon as enough deltas are written (Spark's default waits 60 s).
const NOW: (&str, &str) = ("spark.sql.streaming.stateStore.maintenanceInterval", "0");

fn session(conf: &[(&str, &str)]) -> Session {
    let mut b = Session::builder().workers(2);
    for (k, v) in conf {
        b = b.config(k, v);
    }
    b.build().unwrap()
}

/// Per (Device, Index): count and sum, in complete mode to a memory table, so both the
/// workers' aggregation state and the driver's result table are checkpointed.
fn try_start(spark: &Session, input: &Path, checkpoint: &Path, name: &str) -> sluice::Result<StreamingQuery> {
    spark
        .read_stream()
        .schema(SCHEMA)
        .option("maxFilesPerTrigger", 1)
        .option("fileOrder", "name")
        .json(input.to_str().unwrap())?
        .group_by([col("Device"), col("Index")])
        .agg([count(col("x")).alias("n"), sum(col("y")).alias("sum_y")])
        .write_stream()
        .format("memory")
        .query_name(name)
        .output_mode("complete")
        .option("checkpointLocation", checkpoint.to_str().unwrap())
        .trigger(Trigger::AvailableNow)
        .start()
}

fn run(
    spark: &Session,
    input: &Path,
    checkpoint: &Path,
    name: &str,
) -> Vec<sluice::progress::StreamingQueryProgress> {
    let q = try_start(spark, input, checkpoint, name).unwrap();
    q.await_termination().unwrap();
    q.recent_progress()
}

fn table(spark: &Session, name: &str) -> Vec<Row> {
    let mut rows = spark.table(name).unwrap().collect().unwrap();
    rows.sort();
    rows
}

/// The table a query that never stopped gives over the same input.
fn never_stopped(input: &Path, dir: &Path) -> Vec<Row> {
    let spark = session(&[]);
    run(&spark, input, &dir.join("never-stopped"), "whole");
    table(&spark, "whole")
}

fn metric(p: &sluice::progress::StreamingQueryProgress, name: &str) -> i64 {
    p.state_operators[0].custom_metrics[name]
}

/// `state/<b>/<name>` files of the checkpoint, as `(b, name)`.
fn state_files(checkpoint: &Path) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    for b in std::fs::read_dir(checkpoint.join("state")).unwrap() {
        let b = b.unwrap();
        let id: u64 = b.file_name().to_string_lossy().parse().unwrap();
        for f in std::fs::read_dir(b.path()).unwrap() {
            out.push((id, f.unwrap().file_name().to_string_lossy().into_owned()));
        }
    }
    out.sort();
    out
}

fn flip_last_byte(path: &PathBuf) {
    let mut bytes = std::fs::read(path).unwrap();
    *bytes.last_mut().unwrap() ^= 0x5a;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_batch_writes_only_the_keys_it_changed_and_snapshots_are_folded_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    (0..8).for_each(|i| write_batch(&input, i));
    let spark = session(&[("spark.sql.streaming.stateStore.minDeltasForSnapshot", "3"), NOW]);
    let progress = run(&spark, &input, &checkpoint, "aggs");
    assert_eq!(progress.len(), 8);
    // Batch 0 starts the state: whole (3,000 keys), no delta.
    let whole = metric(&progress[0], "snapshotSizeBytes");
    assert_eq!(metric(&progress[0], "deltaSizeBytes"), 0);
    assert!(whole > 0);
    for p in &progress[1..] {
        let delta = metric(p, "deltaSizeBytes");
        // 20 rows of 3,000 keys, over two workers and the driver's table: a small fraction.
        assert!(
            delta > 0 && delta * 20 < whole,
            "batch {}: {delta} delta bytes vs {whole} whole",
            p.batch_id
        );
        assert!(p.duration_ms.contains_key("stateSnapshot"));
    }
    let files = state_files(&checkpoint);
    for part in ["0", "1", "result"] {
        assert!(files.contains(&(0, format!("snapshot-{part}"))), "{files:?}");
        assert!(files.contains(&(1, format!("delta-{part}"))), "{files:?}");
        // Batch 3 is the third delta after batch 0: a snapshot is folded there off the batch's path.
        assert!(files.contains(&(3, format!("snapshot-{part}"))), "{files:?}");
    }
    assert!(!files.iter().any(|(b, f)| *b == 1 && f.starts_with("snapshot")), "{files:?}");
    // The folded snapshot holds the same state as batch 0's snapshot plus the deltas: a
    // restart from it (only it: the deltas before are removed) gives the same table.
    for b in 0..3 {
        std::fs::remove_dir_all(checkpoint.join("state").join(b.to_string())).unwrap();
    }
    (8..11).for_each(|i| write_batch(&input, i));
    let again = session(&[]);
    let progress = run(&again, &input, &checkpoint, "aggs");
    assert_eq!(progress.first().map(|p| p.batch_id), Some(8));
    assert_eq!(table(&again, "aggs"), never_stopped(&input, dir.path()));
}

#[test]
fn restarts_from_snapshot_and_deltas_equal_a_query_that_never_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    let conf = [("spark.sql.streaming.stateStore.minDeltasForSnapshot", "2"), NOW];
    // Four runs of three batches: each restart reads the newest snapshot and the deltas
    // after it (and, for update mode's sake, the same through the driver's table).
    for round in 0..4 {
        (round * 3..round * 3 + 3).for_each(|i| write_batch(&input, i));
        let spark = session(&conf);
        let progress = run(&spark, &input, &checkpoint, "aggs");
        assert_eq!(progress.first().map(|p| p.batch_id), Some(round as u64 * 3));
        assert_eq!(table(&spark, "aggs"), never_stopped(&input, &dir.path().join(round.to_string())));
    }
}

#[test]
fn a_damaged_delta_is_named_and_the_restart_falls_back_to_an_older_batch() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    (0..5).for_each(|i| write_batch(&input, i));
    run(&session(&[]), &input, &checkpoint, "aggs");
    flip_last_byte(&checkpoint.join("state/4/delta-1"));
    (5..7).for_each(|i| write_batch(&input, i));
    let spark = session(&[]);
    let progress = run(&spark, &input, &checkpoint, "aggs");
    // Batch 4's state cannot be rebuilt: the restart takes batch 3's and runs batch 4 again.
    assert_eq!(progress.iter().map(|p| p.batch_id).collect::<Vec<_>>(), [4, 5, 6]);
    assert_eq!(table(&spark, "aggs"), never_stopped(&input, dir.path()));
}

#[test]
fn a_damaged_snapshot_falls_back_to_the_snapshot_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    (0..6).for_each(|i| write_batch(&input, i));
    run(
        &session(&[("spark.sql.streaming.stateStore.minDeltasForSnapshot", "2"), NOW]),
        &input,
        &checkpoint,
        "aggs",
    );
    let folded = checkpoint.join("state/2/snapshot-0");
    assert!(folded.exists(), "{:?}", state_files(&checkpoint));
    flip_last_byte(&folded);
    write_batch(&input, 6);
    let spark = session(&[]);
    let progress = run(&spark, &input, &checkpoint, "aggs");
    // Batch 0's snapshot and the deltas after it still rebuild batch 5: nothing runs again.
    assert_eq!(progress.iter().map(|p| p.batch_id).collect::<Vec<_>>(), [6]);
    assert_eq!(table(&spark, "aggs"), never_stopped(&input, dir.path()));
}

#[test]
fn damaged_state_with_nothing_to_fall_back_on_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    (0..5).for_each(|i| write_batch(&input, i));
    // Batch 0 is purged from the logs, so the query cannot start over from nothing.
    let conf = [("spark.sql.streaming.minBatchesToRetain", "2")];
    run(&session(&conf), &input, &checkpoint, "aggs");
    let snapshot = checkpoint.join("state/0/snapshot-0");
    flip_last_byte(&snapshot);
    let spark = session(&conf);
    let q = try_start(&spark, &input, &checkpoint, "aggs").unwrap();
    let err = q.await_termination().unwrap_err().to_string();
    assert!(err.contains(&snapshot.display().to_string()) && err.contains("checksum"), "{err}");
}

#[test]
fn retention_keeps_few_snapshots_per_part_and_the_deltas_after_the_base() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    (0..12).for_each(|i| write_batch(&input, i));
    let conf = [
        ("spark.sql.streaming.minBatchesToRetain", "3"),
        ("spark.sql.streaming.stateStore.minDeltasForSnapshot", "2"),
        NOW,
    ];
    run(&session(&conf), &input, &checkpoint, "aggs");
    let files = state_files(&checkpoint);
    for part in ["0", "1", "result"] {
        let snapshots: Vec<u64> =
            files.iter().filter(|(_, f)| *f == format!("snapshot-{part}")).map(|(b, _)| *b).collect();
        // The base, the newest, and at most one folded after the last purge.
        assert!(!snapshots.is_empty() && snapshots.len() <= 3, "{part}: {files:?}");
        let base = snapshots[0];
        // The base serves the oldest retained batch (9): nothing older is kept.
        assert!(base <= 9, "{files:?}");
        assert!(files.iter().all(|(b, f)| !f.ends_with(&format!("-{part}")) || *b >= base), "{files:?}");
        // Every delta after the base is kept.
        for b in base + 1..12 {
            assert!(files.contains(&(b, format!("delta-{part}"))), "delta {b} of {part}: {files:?}");
        }
    }
    write_batch(&input, 12);
    let spark = session(&conf);
    run(&spark, &input, &checkpoint, "aggs");
    assert_eq!(table(&spark, "aggs"), never_stopped(&input, dir.path()));
}

/// Session windows per user (100 ms gap, watermark 30 seconds behind: no row is late, so stopping between batches changes nothing), appended as they
/// close, with a checkpoint: the sessions' state goes through deltas, background
/// snapshots and restarts (the index by session end is rebuilt on each).
fn try_sessions(spark: &Session, input: &Path, checkpoint: &Path, name: &str) -> StreamingQuery {
    spark
        .read_stream()
        .schema(SCHEMA)
        .option("maxFilesPerTrigger", 1)
        .option("fileOrder", "name")
        .json(input.to_str().unwrap())
        .unwrap()
        .with_column("t", expr("CAST(Creation_Time / 1e9 AS TIMESTAMP)"))
        .with_watermark("t", "30 seconds")
        .group_by([session_window(col("t"), "100 milliseconds"), col("User")])
        .agg([count(col("x")).alias("n"), max(col("y")).alias("max_y")])
        .write_stream()
        .format("memory")
        .query_name(name)
        .option("checkpointLocation", checkpoint.to_str().unwrap())
        .trigger(Trigger::AvailableNow)
        .start()
        .unwrap()
}

#[test]
fn session_window_state_survives_restarts_from_deltas_and_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    let lines = activity_lines();
    // Nine files of consecutive rows: sessions open, grow, merge and close across files.
    let write = |i: usize| {
        std::fs::create_dir_all(&input).unwrap();
        let chunk = &lines[i * 700..(i + 1) * 700];
        std::fs::write(input.join(format!("part-{i:03}.json")), chunk.join("\n") + "\n").unwrap();
    };
    let conf = [("spark.sql.streaming.stateStore.minDeltasForSnapshot", "2"), NOW];
    let mut appended = Vec::new();
    for round in 0..3 {
        (round * 3..round * 3 + 3).for_each(write);
        let spark = session(&conf);
        try_sessions(&spark, &input, &checkpoint, "sessions").await_termination().unwrap();
        appended.extend(spark.table("sessions").unwrap().collect().unwrap());
    }
    appended.sort();
    let spark = session(&[]);
    try_sessions(&spark, &input, &dir.path().join("never-stopped"), "whole").await_termination().unwrap();
    let whole = table(&spark, "whole");
    assert!(whole.len() > 10, "sessions closed: {}", whole.len());
    let missing: Vec<&Row> = whole.iter().filter(|r| !appended.contains(r)).collect();
    let extra: Vec<&Row> = appended.iter().filter(|r| !whole.contains(r)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{} vs {}: missing {missing:?}, extra {extra:?}",
        appended.len(),
        whole.len()
    );
    assert_eq!(appended, whole);
}

#[test]
fn an_os_crash_that_loses_the_state_written_since_the_last_flush_re_runs_its_batches() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    (0..14).for_each(|i| write_batch(&input, i));
    let conf = [
        ("spark.sql.streaming.minBatchesToRetain", "3"),
        ("spark.sql.streaming.stateStore.minDeltasForSnapshot", "2"),
        NOW,
    ];
    run(&session(&conf), &input, &checkpoint, "aggs");
    // Batches write their state without an fsync; retention keeps every batch after the
    // newest one a flush made durable. So the worst an operating-system crash can do is
    // lose or shorten every state file after the oldest retained batch.
    let mut offsets: Vec<u64> = std::fs::read_dir(checkpoint.join("offsets"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().parse().unwrap())
        .collect();
    offsets.sort();
    let oldest = offsets[0];
    assert!(oldest > 0 && oldest < 13, "{offsets:?}");
    let mut lost = 0;
    for (b, name) in state_files(&checkpoint).into_iter().filter(|(b, _)| *b > oldest) {
        let path = checkpoint.join("state").join(b.to_string()).join(&name);
        if lost % 2 == 0 {
            std::fs::remove_file(&path).unwrap();
        } else {
            std::fs::write(&path, b"").unwrap();
        }
        lost += 1;
    }
    assert!(lost > 0);
    write_batch(&input, 14);
    let spark = session(&conf);
    let progress = run(&spark, &input, &checkpoint, "aggs");
    // The restart rebuilds the oldest retained batch and runs the ones after it again.
    assert_eq!(progress.first().map(|p| p.batch_id), Some(oldest + 1));
    assert_eq!(progress.last().map(|p| p.batch_id), Some(14));
    assert_eq!(table(&spark, "aggs"), never_stopped(&input, dir.path()));
}

#[test]
fn an_os_crash_that_loses_the_newest_commit_entries_re_runs_their_batches() {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    (0..8).for_each(|i| write_batch(&input, i));
    run(&session(&[]), &input, &checkpoint, "aggs");
    // Commit entries are flushed with the state, after the batch: a crash of the machine
    // may lose the newest ones (gone, or empty), with their state, while the offsets log
    // (fsynced before each batch) keeps every batch.
    std::fs::remove_file(checkpoint.join("commits/7")).unwrap();
    std::fs::write(checkpoint.join("commits/6"), b"").unwrap();
    std::fs::remove_file(checkpoint.join("commits/5")).unwrap();
    for b in 5..8 {
        std::fs::remove_dir_all(checkpoint.join("state").join(b.to_string())).unwrap();
    }
    write_batch(&input, 8);
    let spark = session(&[]);
    let progress = run(&spark, &input, &checkpoint, "aggs");
    // Batch 4 is the last commit that reads whole: 5, 6 and 7 run again as recorded.
    assert_eq!(progress.iter().map(|p| p.batch_id).collect::<Vec<_>>(), [5, 6, 7, 8]);
    assert_eq!(progress.iter().map(|p| p.num_input_rows).collect::<Vec<_>>(), [20, 20, 20, 20]);
    assert_eq!(table(&spark, "aggs"), never_stopped(&input, dir.path()));
}
