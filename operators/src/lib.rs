//! `sluice-operators`: how a Sluice query *runs*. An analysed plan from `sluice-core`
//! becomes differential collections in a timely dataflow (`compile`), with aggregate
//! states kept as differences (`agg`) and row-level failures collected in an
//! `ErrorSlot` (`errors`). Nothing here does I/O.
#![forbid(missing_docs)]

pub mod agg;
pub mod compile;
pub mod errors;

pub use compile::{build, Diff, Rows, Time};
pub use errors::ErrorSlot;
