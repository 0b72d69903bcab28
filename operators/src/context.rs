//! What a worker's dataflow shares with the worker loop that drives it: the output mode,
//! each batch's watermarks (set before the batch's rows go in), and the statistics the
//! operators gather for progress reports (read after the batch completes).

use crate::errors::ErrorSlot;
use crate::keyed::StoreChanges;
use serde::{Deserialize, Serialize};
use sluice_core::mode::OutputMode;
use sluice_core::{Result, SluiceError};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The watermarks in force for one batch, in microseconds (Spark keeps milliseconds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchWatermarks {
    /// Rows whose event-time key is at or before this are late and dropped (the previous
    /// batch's watermark, as Spark's `eventTimeWatermarkForLateEvents`).
    pub late: Option<i64>,
    /// State whose event-time key is at or before this is evicted (this batch's watermark,
    /// Spark's `eventTimeWatermarkForEviction`).
    pub evict: Option<i64>,
}

/// Event times seen by one `with_watermark` in one batch, in milliseconds as Spark reports them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTimeStats {
    /// Earliest.
    pub min: i64,
    /// Latest.
    pub max: i64,
    /// Sum (for the average).
    pub sum: i128,
    /// How many rows had an event time.
    pub count: u64,
}

impl EventTimeStats {
    /// Adds one event time in milliseconds.
    pub fn add(&mut self, ms: i64) {
        if self.count == 0 {
            self.min = ms;
            self.max = ms;
        } else {
            self.min = self.min.min(ms);
            self.max = self.max.max(ms);
        }
        self.sum += ms as i128;
        self.count += 1;
    }

    /// Merges another worker's statistics.
    pub fn merge(&mut self, other: &EventTimeStats) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.sum += other.sum;
        self.count += other.count;
    }
}

/// What one worker's operators observed in one batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchStats {
    /// Per `with_watermark`, the event times that passed through it.
    pub event_time: Vec<EventTimeStats>,
    /// Groups held in aggregation state after the batch.
    pub state_rows: i64,
    /// Groups written by the batch.
    pub state_updated: i64,
    /// Groups dropped because they were behind the watermark.
    pub dropped_by_watermark: i64,
    /// Estimated bytes of aggregation state.
    pub state_bytes: i64,
    /// Groups (or sessions) evicted from state because the watermark passed them.
    pub state_removed: i64,
    /// Per deduplication (in build order), its state's counts.
    #[serde(default)]
    pub dedup: Vec<StateCounts>,
}

/// One stateful operator's counts for progress (Spark's `StateOperatorProgress` numbers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCounts {
    /// Keys held after the batch.
    pub rows: i64,
    /// Keys written by the batch.
    pub updated: i64,
    /// Keys evicted by the batch because the watermark passed them.
    pub removed: i64,
    /// Input rows dropped because they were behind the watermark.
    pub dropped_by_watermark: i64,
    /// Estimated bytes of state.
    pub bytes: i64,
}

impl StateCounts {
    fn merge(&mut self, other: &StateCounts) {
        self.rows += other.rows;
        self.updated += other.updated;
        self.removed += other.removed;
        self.dropped_by_watermark += other.dropped_by_watermark;
        self.bytes += other.bytes;
    }
}

impl BatchStats {
    /// Adds another worker's statistics.
    pub fn merge(&mut self, other: &BatchStats) {
        if self.event_time.len() < other.event_time.len() {
            self.event_time.resize(other.event_time.len(), EventTimeStats::default());
        }
        for (a, b) in self.event_time.iter_mut().zip(&other.event_time) {
            a.merge(b);
        }
        self.state_rows += other.state_rows;
        self.state_updated += other.state_updated;
        self.dropped_by_watermark += other.dropped_by_watermark;
        self.state_bytes += other.state_bytes;
        self.state_removed += other.state_removed;
        if self.dedup.len() < other.dedup.len() {
            self.dedup.resize(other.dedup.len(), StateCounts::default());
        }
        for (a, b) in self.dedup.iter_mut().zip(&other.dedup) {
            a.merge(b);
        }
    }
}

/// Operator state a checkpoint saves after each batch and loads before the first batch of
/// a restarted query (the operator never does I/O: the worker loop writes the bytes). Each
/// batch saves only the keys it changed ([`StoreChanges`], see `keyed`); now and then the
/// whole state.
pub trait Snapshot {
    /// The entries changed since the last call (every entry when `full`); forgets them.
    fn take_changes(&mut self, full: bool) -> Result<StoreChanges>;
    /// Empties the state, before a restore.
    fn clear(&mut self);
    /// Applies saved entries: a snapshot's, then each later delta's, in order.
    fn apply_changes(&mut self, changes: StoreChanges) -> Result<()>;
    /// Rebuilds what is derived from the entries (indexes) after the last `apply_changes`.
    fn restored(&mut self) {}
    /// Loads the whole state from the first checkpoint format (one bincode value).
    fn load_v1(&mut self, bytes: &[u8]) -> Result<()>;
}

/// A stateful operator's state, shared between the operator and the worker loop.
pub type SharedStore = Rc<RefCell<dyn Snapshot>>;

/// Shared between a worker's dataflow and its loop.
#[derive(Clone)]
pub struct DataflowContext {
    /// The query's output mode (decides what the aggregation emits and evicts).
    pub mode: OutputMode,
    /// Where row-level errors go.
    pub errors: ErrorSlot,
    /// Watermarks per batch id, set by the worker loop before the batch's rows.
    pub watermarks: Rc<RefCell<BTreeMap<u64, BatchWatermarks>>>,
    /// Statistics of the current batch, reset by the worker loop before it.
    pub stats: Rc<RefCell<BatchStats>>,
    /// The stateful operators of this worker's dataflow, in the order they were built.
    stores: Rc<RefCell<Vec<SharedStore>>>,
    /// True when a checkpoint saves the state: the operators then remember which keys
    /// each batch changed.
    pub tracks_changes: bool,
    /// True for a chain of aggregations in update mode: as in complete mode, no operator
    /// evicts state or drops late rows, so every aggregation's table stays exact.
    pub exact_chain: bool,
}

impl DataflowContext {
    /// The watermarks of the complete batches after `next` (`complete(t)` says whether batch
    /// `t` is complete), in order; moves `next` past them. Several stateful operators read
    /// the same batches' watermarks, so none removes them: the worker loop does, once the
    /// batch is done ([`batch_done`](Self::batch_done)).
    pub fn watermarks_since(
        &self,
        next: &mut u64,
        complete: impl Fn(u64) -> bool,
    ) -> Vec<(u64, BatchWatermarks)> {
        let w = self.watermarks.borrow();
        let ready: Vec<(u64, BatchWatermarks)> =
            w.range(*next..).take_while(|(t, _)| complete(**t)).map(|(t, m)| (*t, *m)).collect();
        if let Some((t, _)) = ready.last() {
            *next = t + 1;
        }
        ready
    }

    /// Forgets the watermarks of batch `id` and earlier (every operator has passed them).
    pub fn batch_done(&self, id: u64) {
        let mut w = self.watermarks.borrow_mut();
        let kept = w.split_off(&(id + 1));
        *w = kept;
    }

    /// A new deduplication's slot in the statistics ([`BatchStats::dedup`]).
    pub fn register_dedup_stats(&self) -> usize {
        let mut stats = self.stats.borrow_mut();
        stats.dedup.push(StateCounts::default());
        stats.dedup.len() - 1
    }
}

/// One saved piece of a worker's state, as the checkpoint read it.
pub enum SavedState {
    /// The first format: per operator, its whole state as one bincode value.
    Old(Vec<u8>),
    /// Per operator, its entries (a snapshot or a delta).
    Entries(Vec<StoreChanges>),
}

fn check_count(saved: usize, stores: usize) -> Result<()> {
    if saved != stores {
        return Err(SluiceError::exec(format!(
            "the saved state has {saved} stateful operators, the query has {stores}"
        )));
    }
    Ok(())
}

impl DataflowContext {
    /// A context for a query in `mode` with `watermarks` watermark operators.
    pub fn new(mode: OutputMode, errors: ErrorSlot, watermarks: usize) -> Self {
        let stats =
            BatchStats { event_time: vec![EventTimeStats::default(); watermarks], ..Default::default() };
        DataflowContext {
            mode,
            errors,
            watermarks: Rc::new(RefCell::new(BTreeMap::new())),
            stats: Rc::new(RefCell::new(stats)),
            stores: Rc::new(RefCell::new(Vec::new())),
            tracks_changes: false,
            exact_chain: false,
        }
    }

    /// The same context for a query whose aggregations read other aggregations' rows
    /// (outside append mode): every operator keeps all of its state.
    pub fn exact_chain(mut self, chain: bool) -> Self {
        self.exact_chain = chain;
        self
    }

    /// True when no operator may evict state or drop late rows: complete mode, or a chain
    /// of aggregations in update mode (whose tables must stay exact).
    pub fn keeps_all(&self) -> bool {
        self.mode == OutputMode::Complete || self.exact_chain
    }

    /// The same context, with operators that remember what each batch changed (for a
    /// checkpoint).
    pub fn tracking_changes(mut self, track: bool) -> Self {
        self.tracks_changes = track;
        self
    }

    /// Called by a stateful operator when it is built.
    pub fn register_store(&self, store: SharedStore) {
        self.stores.borrow_mut().push(store);
    }

    /// How many stateful operators the dataflow has.
    pub fn stores(&self) -> usize {
        self.stores.borrow().len()
    }

    /// Per stateful operator of this worker, what changed since the last call (everything
    /// when `full`), between batches.
    pub fn take_changes(&self, full: bool) -> Result<Vec<StoreChanges>> {
        self.stores.borrow().iter().map(|s| s.borrow_mut().take_changes(full)).collect()
    }

    /// Rebuilds every operator's state from saved parts, oldest first (a snapshot, then
    /// deltas), before the first batch.
    pub fn restore(&self, parts: Vec<SavedState>) -> Result<()> {
        let stores = self.stores.borrow();
        stores.iter().for_each(|s| s.borrow_mut().clear());
        for part in parts {
            match part {
                SavedState::Old(bytes) => {
                    let parts: Vec<Vec<u8>> = bincode::deserialize(&bytes)
                        .map_err(|e| SluiceError::exec(format!("cannot decode state: {e}")))?;
                    check_count(parts.len(), stores.len())?;
                    for (store, bytes) in stores.iter().zip(&parts) {
                        store.borrow_mut().load_v1(bytes)?;
                    }
                }
                SavedState::Entries(parts) => {
                    check_count(parts.len(), stores.len())?;
                    for (store, changes) in stores.iter().zip(parts) {
                        store.borrow_mut().apply_changes(changes)?;
                    }
                }
            }
        }
        stores.iter().for_each(|s| s.borrow_mut().restored());
        Ok(())
    }

    /// Takes this batch's statistics, leaving empty ones (the state size carries over).
    pub fn take_stats(&self) -> BatchStats {
        let mut stats = self.stats.borrow_mut();
        let fresh = BatchStats {
            event_time: vec![EventTimeStats::default(); stats.event_time.len()],
            state_rows: stats.state_rows,
            state_bytes: stats.state_bytes,
            dedup: stats
                .dedup
                .iter()
                .map(|d| StateCounts { rows: d.rows, bytes: d.bytes, ..Default::default() })
                .collect(),
            ..Default::default()
        };
        std::mem::replace(&mut *stats, fresh)
    }
}
