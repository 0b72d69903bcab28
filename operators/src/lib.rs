//! `sluice-operators`: how a Sluice query *runs*. An analysed plan from `sluice-core`
//! becomes differential collections in a timely dataflow (`compile`): fused row steps,
//! per-batch partial aggregation, and a keyed state operator (`state`) holding each
//! group's running aggregate (`agg`) and evicting it once the watermark passes. The
//! worker loop and the operators share a `DataflowContext` (watermarks in, statistics
//! out); row-level failures are collected in an `ErrorSlot`. Nothing here does I/O.
#![forbid(missing_docs)]

pub mod agg;
pub mod collection;
pub mod compile;
pub mod context;
pub mod errors;
pub mod state;
pub mod store;

pub use collection::{Diff, Rows, Time};
pub use compile::build;
pub use context::{BatchStats, BatchWatermarks, DataflowContext, EventTimeStats, SharedStore};
pub use errors::ErrorSlot;
pub use store::{KeyedState, KeyedStore};
