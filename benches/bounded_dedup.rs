//! Bounded deduplication state: 50 million generated events over steadily advancing event
//! time (two events per millisecond, about 7 hours), deduplicated by (event time, key) with
//! a 1-minute watermark in append mode. Once the watermark passes a key's event time it is
//! evicted, so resident memory after warm-up (three batches, when the state has reached its
//! steady size of about 1.1 million keys) must stay within +-10%.
//!
//! `cargo bench --bench bounded_dedup` (`-- EVENTS` to change the count). Prints resident
//! memory as the stream runs, throughput, and exits non-zero if memory is not flat.

#[path = "common/flat_memory.rs"]
mod flat_memory;

use sluice::prelude::*;

fn main() -> sluice::Result<()> {
    let events = flat_memory::events_from_args();
    let spark = Session::builder().workers(2).build()?;
    let df = flat_memory::rate_stream(&spark, events)?
        .with_column("event_time", (col("value") / 2000).cast("timestamp"))
        .with_column("key", col("value") % 4)
        .with_watermark("event_time", "1 minute")
        .drop_duplicates(["event_time", "key"]);
    // The state holds a batch (a million keys) plus the watermark's minute of keys, and the
    // watermark trails by a batch: it reaches that size over the first two batches.
    flat_memory::run(df, "dedup", events, "rows kept", 3_000_000)
}
