//! The collection types every operator shares: batch-id times, signed counts, rows.

use crate::agg::AggState;
use differential_dataflow::VecCollection;
use sluice_core::Row;
use timely::dataflow::Stream;

/// Timely timestamps are micro-batch ids.
pub type Time = u64;
/// Differences are signed counts.
pub type Diff = isize;
/// A collection of rows at batch-id times.
pub type Rows<'s> = VecCollection<'s, Time, Row, Diff>;
/// Per-group partial states of one batch.
pub type Partials<'s> = Stream<'s, Time, Vec<(Row, Time, AggState)>>;
