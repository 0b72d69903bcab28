//! `sluice-operators`: how a Sluice query *runs*. An analysed plan from `sluice-core`
//! becomes differential collections in a timely dataflow (`compile`): fused row steps,
//! per-batch partial aggregation, and a keyed state operator (`state`) holding each
//! group's running aggregate (`agg`) and evicting it once the watermark passes, and a
//! deduplication operator (`dedup`). The
//! worker loop and the operators share a `DataflowContext` (watermarks in, statistics
//! out; `keyed` state that knows what each batch changed, for checkpoints); row-level failures are collected in an `ErrorSlot`. Nothing here does I/O.
#![forbid(missing_docs)]

pub mod agg;
pub mod collection;
pub mod compile;
pub mod context;
mod dedup;
pub mod errors;
mod join;
mod join_rows;
pub mod keyed;
pub mod state;
mod stream_join;
pub mod window;

pub use compile::{build, Diff, Rows, Time};
pub use context::{
    BatchStats, BatchWatermarks, DataflowContext, EventTimeStats, SavedState, Snapshot, StateCounts,
};
pub use errors::ErrorSlot;
pub use keyed::{ChangedKeys, KeyedState, StoreChanges};
