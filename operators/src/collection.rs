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

/// The end of a keyed operator's activation, once it has emitted every complete batch:
/// holds its capability at `done`, the first time its input may still bring, or drops it
/// when the input has ended (`done` is `None`).
pub(crate) fn follow_frontier(
    cap: &mut Option<timely::dataflow::operators::Capability<Time>>,
    done: Option<Time>,
) {
    match (cap.as_mut(), done) {
        (Some(c), Some(d)) if *c.time() < d => c.downgrade(&d),
        (_, None) => *cap = None,
        _ => {}
    }
}
