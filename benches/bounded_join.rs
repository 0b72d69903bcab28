//! Bounded stream-stream join state: two rate streams of 50 million events each over
//! steadily advancing event time (two events per millisecond, about 7 hours), each under a
//! 1-minute watermark, joined on the value and its 10-second window (an inner join, one
//! pair per value). Once the watermark passes a window its rows are evicted from both
//! sides, so resident memory after warm-up (three batches of each side, when each holds
//! its steady million-odd rows) must stay within +-10%.
//!
//! With the word `interval` the join is an interval join instead: on the value, the right
//! row's time within 1 second after the left's (a range condition, rows evicted one by one).
//!
//! `cargo bench --bench bounded_join [-- EVENTS] [interval]`, `WORKERS=1` for one worker.
//! Prints resident memory as the stream runs, throughput (events of one side per second),
//! and exits non-zero if memory is not flat.

#[path = "common/flat_memory.rs"]
mod flat_memory;

use sluice::prelude::*;

fn main() -> sluice::Result<()> {
    let events = flat_memory::events_from_args();
    let interval = std::env::args().any(|a| a == "interval");
    let workers = std::env::var("WORKERS").ok().and_then(|w| w.parse().ok()).unwrap_or(2);
    let spark = Session::builder().workers(workers).build()?;
    let side = |name: &str| -> sluice::Result<DataFrame> {
        let rows = flat_memory::rate_stream(&spark, events)?
            // From 1 s after the epoch: a row at time 0 would be late in batch 0 (watermark 0).
            .with_column("event_time", ((col("value") + lit(2000)) / 2000).cast("timestamp"))
            .with_watermark("event_time", "1 minute");
        Ok(if interval {
            rows.select([
                col("value").alias(&format!("{name}_key")),
                col("event_time").alias(&format!("{name}_time")),
            ])
        } else {
            rows.select([
                col("value"),
                window(col("event_time"), "10 seconds").alias("w"),
                col("value").alias(name),
            ])
        })
    };
    let df = if interval {
        side("l")?.join(
            &side("r")?,
            expr("l_key = r_key AND r_time >= l_time AND r_time <= l_time + INTERVAL 1 SECOND"),
            "inner",
        )
    } else {
        side("left_value")?.join(&side("right_value")?, ["value", "w"], "inner")
    };
    // Events count both sides: the state reaches its steady size over three batches of each.
    flat_memory::run(df, "join", events, "pairs", 6_000_000)
}
