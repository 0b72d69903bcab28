//! Throughput of the seed query (`group_by("gt").count()`, complete mode, memory sink) on
//! ../shared/data/activity-data-synth (529,288 rows, 96 MB of JSON lines), whole run
//! included (session, start, every batch, reading the table back), with 2 workers:
//! - `one_batch`: all files in one micro-batch (Spark 4.3 local[2]: 159k rows/s warm);
//! - `max_files_per_trigger_1`: 80 micro-batches (Spark: 14.5k rows/s, ~0.45 s a batch);
//! - `one_batch_gzip`: the same files gzip-compressed (`.json.gz`, each read whole by one
//!   worker), all in one micro-batch: the cost of decompression;
//! - `per_batch_overhead`: 80 one-row files, one per trigger: the cost of a batch itself.
//!
//! `cargo bench --bench throughput` (set `SLUICE_SHARED` if ../shared is elsewhere).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sluice::prelude::*;
use std::path::PathBuf;
use std::time::Duration;

const SCHEMA: &str = "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, Index BIGINT, Model STRING, User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE";
const ROWS: u64 = 529_288;

fn data_dir() -> PathBuf {
    let shared = std::env::var_os("SLUICE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    shared.join("data/activity-data-synth")
}

/// Runs the seed query over `dir` to the end and returns the number of result rows.
fn seed_query(dir: &str, workers: usize, max_files: Option<u32>) -> usize {
    let spark = Session::builder().workers(workers).build().unwrap();
    let mut reader = spark.read_stream().schema(SCHEMA);
    if let Some(n) = max_files {
        reader = reader.option("maxFilesPerTrigger", n);
    }
    let query = reader
        .json(dir)
        .unwrap()
        .group_by(["gt"])
        .count()
        .write_stream()
        .format("memory")
        .query_name("activity_counts")
        .output_mode("complete")
        .trigger(Trigger::AvailableNow)
        .start()
        .unwrap();
    query.await_termination().unwrap();
    spark.table("activity_counts").unwrap().collect().unwrap().len()
}

/// A temporary copy of `dir` with every file gzip-compressed (`<name>.gz`).
fn gzip_copy(dir: &str) -> tempfile::TempDir {
    use std::io::Write;
    let out = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = format!("{}.gz", path.file_name().unwrap().to_string_lossy());
        let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        w.write_all(&std::fs::read(&path).unwrap()).unwrap();
        std::fs::write(out.path().join(name), w.finish().unwrap()).unwrap();
    }
    out
}

fn bench(c: &mut Criterion) {
    let dir = data_dir();
    let dir = dir.to_str().expect("utf-8 path").to_string();
    let mut g = c.benchmark_group("seed_query_2_workers");
    g.sample_size(10).measurement_time(Duration::from_secs(20)).throughput(Throughput::Elements(ROWS));
    g.bench_function("one_batch", |b| b.iter(|| assert_eq!(seed_query(&dir, 2, None), 7)));
    g.bench_function("max_files_per_trigger_1", |b| b.iter(|| assert_eq!(seed_query(&dir, 2, Some(1)), 7)));
    let gz = gzip_copy(&dir);
    let gz_dir = gz.path().to_str().unwrap().to_string();
    g.bench_function("one_batch_gzip", |b| b.iter(|| assert_eq!(seed_query(&gz_dir, 2, None), 7)));
    g.finish();

    let tiny = tempfile::tempdir().unwrap();
    for i in 0..80 {
        std::fs::write(tiny.path().join(format!("part-{i:05}.json")), format!("{{\"gt\":\"g{}\"}}\n", i % 7))
            .unwrap();
    }
    let tiny_dir = tiny.path().to_str().unwrap().to_string();
    let mut g = c.benchmark_group("per_batch_overhead_2_workers");
    g.sample_size(10).throughput(Throughput::Elements(80));
    g.bench_function("80_one_row_batches", |b| b.iter(|| assert_eq!(seed_query(&tiny_dir, 2, Some(1)), 7)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
