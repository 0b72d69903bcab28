//! Checkpoint cost follows the change, not the state (issue 17): 1,000,000 keys summed in
//! update mode by 2 workers, then batches of 1,000 changed keys (`maxFilesPerTrigger = 1`,
//! a file per batch), with and without a checkpoint. Reports
//! - the median batch (`triggerExecution`) of the small batches, without and with a
//!   checkpoint, and the median `durationMs.stateSnapshot`;
//! - state bytes written per small batch (`customMetrics.deltaSizeBytes`), and the
//!   snapshot bytes the background consolidation wrote;
//! - the checkpoint directory's size after the batches, against one full snapshot;
//! - restart time: `start()` from the checkpoint to the first new batch's progress.
//!
//! `cargo bench --bench checkpoint_delta` (`-- BATCHES` to change the 200 small batches).

use sluice::prelude::*;
use sluice::progress::StreamingQueryProgress;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

const KEYS: u64 = 1_000_000;
const CHANGED: u64 = 1_000;

fn write_file(path: &Path, keys: impl Iterator<Item = u64>) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for k in keys {
        writeln!(out, "{{\"k\":{k},\"v\":1}}").unwrap();
    }
}

fn query(input: &Path, checkpoint: Option<&Path>) -> sluice::Result<(Session, StreamingQuery)> {
    let spark = Session::builder().workers(2).build()?;
    let mut writer = spark
        .read_stream()
        .schema("k BIGINT, v BIGINT")
        .option("maxFilesPerTrigger", 1)
        .option("fileOrder", "name")
        .json(input.to_str().unwrap())?
        .group_by([col("k")])
        .agg([sum(col("v")).alias("s")])
        .write_stream()
        .format("noop")
        .output_mode("update")
        .trigger(Trigger::AvailableNow);
    if let Some(cp) = checkpoint {
        writer = writer.option("checkpointLocation", cp.to_str().unwrap());
    }
    let q = writer.start()?;
    Ok((spark, q))
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        total += if path.is_dir() { dir_size(&path) } else { entry.metadata().map_or(0, |m| m.len()) };
    }
    total
}

fn newest_snapshot_bytes(state: &Path) -> u64 {
    let mut total = 0;
    for part in std::fs::read_dir(state).into_iter().flatten().flatten() {
        let newest = std::fs::read_dir(part.path())
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let v: u64 = name.strip_suffix(".snapshot")?.parse().ok()?;
                Some((v, e.metadata().ok()?.len()))
            })
            .max();
        total += newest.map_or(0, |(_, n)| n);
    }
    total
}

/// Runs to the end; returns the progress of the small batches.
fn run(input: &Path, checkpoint: Option<&Path>) -> sluice::Result<Vec<StreamingQueryProgress>> {
    let (_spark, q) = query(input, checkpoint)?;
    q.await_termination()?;
    Ok(q.recent_progress().into_iter().filter(|p| p.num_input_rows <= CHANGED).collect())
}

fn main() -> sluice::Result<()> {
    let batches: u64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(200);
    let dir = tempfile::tempdir().map_err(|e| SluiceError::io("tempdir", e))?;
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).map_err(|e| SluiceError::io(&input, e))?;
    write_file(&input.join("f-00000.json"), 0..KEYS);
    for b in 1..=batches {
        // 1,000 distinct keys spread over the million, a different set each batch.
        let keys = (0..CHANGED).map(move |i| (i * 997 + b * 7919) % KEYS);
        write_file(&input.join(format!("f-{b:05}.json")), keys);
    }
    let spark_retain = 100;
    println!(
        "{KEYS} keys, then {batches} batches of {CHANGED} changed keys; 2 workers, update mode, noop sink"
    );

    let plain = run(&input, None)?;
    let plain_ms = median(plain.iter().map(|p| p.duration_ms["triggerExecution"]).collect());
    println!("without checkpoint: median batch {plain_ms} ms over {} batches", plain.len());

    let checkpoint = dir.path().join("checkpoint");
    let started = Instant::now();
    let with = run(&input, Some(&checkpoint))?;
    let total = started.elapsed();
    let with_ms = median(with.iter().map(|p| p.duration_ms["triggerExecution"]).collect());
    let snap_ms =
        median(with.iter().map(|p| p.duration_ms.get("stateSnapshot").copied().unwrap_or(0)).collect());
    let metric = |p: &StreamingQueryProgress, k: &str| {
        p.state_operators.first().and_then(|s| s.custom_metrics.get(k).copied()).unwrap_or(0) as u64
    };
    let delta = median(with.iter().map(|p| metric(p, "deltaSizeBytes")).collect());
    let snapshots: u64 = with.iter().map(|p| metric(p, "snapshotSizeBytes")).sum();
    println!(
        "with checkpoint:    median batch {with_ms} ms ({:.1}x), median stateSnapshot {snap_ms} ms, whole run {:.1} s",
        with_ms as f64 / plain_ms.max(1) as f64,
        total.as_secs_f64()
    );
    println!(
        "state written per small batch: median {delta} bytes of deltas ({:.0} bytes per changed key); background snapshots wrote {snapshots} bytes in all",
        delta as f64 / CHANGED as f64
    );
    let size = dir_size(&checkpoint);
    let snapshot = newest_snapshot_bytes(&checkpoint.join("state"));
    println!(
        "checkpoint directory after {} batches: {size} bytes; one full snapshot (all parts): {snapshot} bytes; ratio {:.2} (minBatchesToRetain {spark_retain})",
        batches + 1,
        size as f64 / snapshot.max(1) as f64
    );

    write_file(&input.join(format!("f-{:05}.json", batches + 1)), (0..CHANGED).map(|i| i * 13));
    let started = Instant::now();
    let (_spark, q) = query(&input, Some(&checkpoint))?;
    while q.recent_progress().is_empty() {
        if let Some(e) = q.exception() {
            return Err(e);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let restart = started.elapsed();
    q.await_termination()?;
    println!(
        "restart with {KEYS} keys: {} ms from start() to the first new batch's progress",
        restart.as_millis()
    );
    Ok(())
}
