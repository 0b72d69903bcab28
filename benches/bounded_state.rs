//! Bounded state: 50 million generated events over steadily advancing event time (one
//! millisecond apart, about 14 hours), counted per 10-minute window and key with a
//! 1-minute watermark in append mode. Once the watermark passes a window its state is
//! evicted, so resident memory after the first million events must stay within +-10%.
//!
//! `cargo bench --bench bounded_state` (`-- EVENTS` to change the count). Prints resident
//! memory as the stream runs, throughput, and exits non-zero if memory is not flat.

#[path = "common/flat_memory.rs"]
mod flat_memory;

use sluice::prelude::*;

fn main() -> sluice::Result<()> {
    let events = flat_memory::events_from_args();
    let spark = Session::builder().workers(2).build()?;
    let df = flat_memory::rate_stream(&spark, events)?
        .with_column("event_time", (col("value") / 1000).cast("timestamp"))
        .with_watermark("event_time", "1 minute")
        .group_by([window(col("event_time"), "10 minutes"), col("value") % 100])
        .count();
    // The window state is small and steady from the first batch.
    flat_memory::run(df, "windows", events, "windows emitted", 1_000_000)
}
