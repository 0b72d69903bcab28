//! Bounded stream-stream join state: two rate streams of 50 million events each over
//! steadily advancing event time (two events per millisecond, about 7 hours), each under a
//! 1-minute watermark, joined on the value and its 10-second window (an inner join, one
//! pair per value). Once the watermark passes a window its rows are evicted from both
//! sides, so resident memory after warm-up (three batches, when each side holds its steady
//! million-odd rows) must stay within +-10%.
//!
//! `cargo bench --bench bounded_join` (`-- EVENTS` to change the count). Prints resident
//! memory as the stream runs, throughput (events of one side per second), and exits
//! non-zero if memory is not flat.

#[path = "common/flat_memory.rs"]
mod flat_memory;

use sluice::prelude::*;

fn main() -> sluice::Result<()> {
    let events = flat_memory::events_from_args();
    let spark = Session::builder().workers(2).build()?;
    let side = |name: &str| -> sluice::Result<DataFrame> {
        Ok(flat_memory::rate_stream(&spark, events)?
            .with_column("event_time", (col("value") / 2000).cast("timestamp"))
            .with_watermark("event_time", "1 minute")
            .select([
                col("value"),
                window(col("event_time"), "10 seconds").alias("w"),
                col("value").alias(name),
            ]))
    };
    let df = side("left_value")?.join(&side("right_value")?, ["value", "w"], "inner");
    // Events count both sides: the state reaches its steady size over three batches of each.
    flat_memory::run(df, "join", events, "pairs", 6_000_000)
}
