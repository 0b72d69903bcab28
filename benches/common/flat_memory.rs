//! The flat-memory harness of the bounded-state benchmarks: runs a streaming DataFrame over
//! the rate source into the noop sink (AvailableNow), samples resident memory after each
//! batch, prints throughput and memory, and exits non-zero unless memory after warm-up
//! (the state grown to its steady size) stays within +-10%.

use sluice::prelude::*;
use std::time::{Duration, Instant};

/// Events to generate: the first number on the command line, else 50 million.
pub fn events_from_args() -> u64 {
    std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(50_000_000)
}

/// `events` rate-source rows (`timestamp`, `value`), a million per batch, as fast as possible.
pub fn rate_stream(spark: &Session, events: u64) -> sluice::Result<DataFrame> {
    spark
        .read_stream()
        .format("rate")
        .option("rowsPerSecond", 0)
        .option("numRows", events)
        .option("rowsPerBatch", 1_000_000)
        .load(None)
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Runs `df` (append mode, noop sink) to its end and reports; `output` names what the sink
/// counts (`windows emitted`, `rows kept`); memory is judged from `warm_up` events on.
pub fn run(df: DataFrame, name: &str, events: u64, output: &str, warm_up: u64) -> sluice::Result<()> {
    let query = df
        .write_stream()
        .format("noop")
        .query_name(name)
        .output_mode("append")
        .trigger(Trigger::AvailableNow)
        .start()?;
    let started = Instant::now();
    let mut samples: Vec<(u64, u64)> = Vec::new();
    let mut seen_batches = 0;
    while query.is_active() {
        std::thread::sleep(Duration::from_millis(20));
        let progress = query.recent_progress();
        if progress.len() > seen_batches {
            seen_batches = progress.len();
            let rows: u64 = progress.iter().map(|p| p.num_input_rows).sum();
            samples.push((rows, rss_bytes()));
        }
    }
    query.await_termination()?;
    let elapsed = started.elapsed().as_secs_f64();
    let progress = query.recent_progress();
    let state_rows: Vec<i64> = progress.iter().map(|p| p.state_operators[0].num_rows_total).collect();
    let emitted: i64 = progress.iter().map(|p| p.sink.num_output_rows).sum();
    println!("events            {events}");
    println!("elapsed           {elapsed:.2} s ({:.2} M events/s)", events as f64 / elapsed / 1e6);
    println!("{output:<17} {emitted}");
    println!("state rows (max)  {}", state_rows.iter().max().unwrap_or(&0));
    let base = samples.iter().find(|(rows, _)| *rows >= warm_up).map(|s| s.1).unwrap_or(0);
    let (lo, hi) = samples
        .iter()
        .filter(|(rows, _)| *rows >= warm_up)
        .fold((u64::MAX, 0), |(lo, hi), (_, rss)| (lo.min(*rss), hi.max(*rss)));
    println!("rss after warm-up {:.1} MiB ({warm_up} events)", base as f64 / 1048576.0);
    println!("rss min / max     {:.1} / {:.1} MiB", lo as f64 / 1048576.0, hi as f64 / 1048576.0);
    for (rows, rss) in samples.iter().step_by((samples.len() / 10).max(1)) {
        println!("  after {:>10} events  rss {:>7.1} MiB", rows, *rss as f64 / 1048576.0);
    }
    let flat = base > 0 && (hi as f64) <= base as f64 * 1.1 && (lo as f64) >= base as f64 * 0.9;
    println!("memory flat within +-10% of the value after {warm_up} events: {flat}");
    if !flat {
        std::process::exit(1);
    }
    Ok(())
}
