//! What the generated sources (`rate`, `nexmark`) share: a batch is a range of a numbered
//! sequence, recorded in the offsets log with the position after it, so a restart replays
//! the range and goes on from there.

use crate::source::{tagged, untagged, BatchOffsets, BatchPlan, PlannedBatch};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sluice_connectors::nexmark::{NexmarkRange, NexmarkState};
use sluice_connectors::rate::{RateRange, RateState};
use sluice_core::Result;

/// What the offsets log keeps of a batch: `{"<tag>":{"range":..,"next":..,..}}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RangeRecord<R> {
    /// The range the batch generates.
    range: Option<R>,
    /// The next number after the batch.
    next: u64,
    /// Batches produced, this one included.
    batches: u64,
    /// When the source started (µs since the epoch).
    start_us: i64,
}

/// A source's position in its sequence (`sluice_connectors`' pacing states).
pub(super) trait RangeState {
    type Range: Serialize + DeserializeOwned + Clone + Send + Sync + 'static;
    fn offset(&self) -> u64;
    fn next_batch(&mut self) -> Option<Self::Range>;
    fn position(&self) -> (u64, u64, i64);
    fn restore(&mut self, next: u64, batches: u64, start_us: i64);
    fn is_empty(range: &Self::Range) -> bool;
}

impl RangeState for RateState {
    type Range = RateRange;
    fn offset(&self) -> u64 {
        RateState::offset(self)
    }
    fn next_batch(&mut self) -> Option<RateRange> {
        RateState::next_batch(self)
    }
    fn position(&self) -> (u64, u64, i64) {
        RateState::position(self)
    }
    fn restore(&mut self, next: u64, batches: u64, start_us: i64) {
        RateState::restore(self, next, batches, start_us)
    }
    fn is_empty(range: &RateRange) -> bool {
        range.count == 0
    }
}

impl RangeState for NexmarkState {
    type Range = NexmarkRange;
    fn offset(&self) -> u64 {
        NexmarkState::offset(self)
    }
    fn next_batch(&mut self) -> Option<NexmarkRange> {
        NexmarkState::next_batch(self)
    }
    fn position(&self) -> (u64, u64, i64) {
        NexmarkState::position(self)
    }
    fn restore(&mut self, next: u64, batches: u64, start_us: i64) {
        NexmarkState::restore(self, next, batches, start_us)
    }
    fn is_empty(range: &NexmarkRange) -> bool {
        range.is_empty()
    }
}

/// The next batch's range, as the batch's record and its offsets for progress.
pub(super) fn plan_next<S: RangeState>(state: &mut S, tag: &str) -> PlannedBatch {
    let start = state.offset();
    let range = state.next_batch();
    let offsets = match range {
        None => BatchOffsets::default(),
        Some(_) => BatchOffsets {
            start: Some(serde_json::json!(start)),
            end: Some(serde_json::json!(state.offset())),
            latest: None,
        },
    };
    let (next, batches, start_us) = state.position();
    PlannedBatch { recorded: tagged(tag, &RangeRecord { range, next, batches, start_us }), offsets }
}

/// A recorded batch's range as the workers' plan.
pub(super) fn plan_partitions<S: RangeState>(
    tag: &str,
    description: &str,
    recorded: &serde_json::Value,
) -> Result<BatchPlan> {
    let r: RangeRecord<S::Range> = untagged(tag, description, recorded)?;
    Ok(match r.range {
        Some(range) if !S::is_empty(&range) => BatchPlan::new(tag, range),
        _ => BatchPlan::empty(tag),
    })
}

/// Moves the state past a recorded batch (restart).
pub(super) fn apply_recorded<S: RangeState>(
    state: &mut S,
    tag: &str,
    description: &str,
    recorded: &serde_json::Value,
) -> Result<()> {
    let r: RangeRecord<S::Range> = untagged(tag, description, recorded)?;
    state.restore(r.next, r.batches, r.start_us);
    Ok(())
}
