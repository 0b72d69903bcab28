//! What a worker's dataflow shares with the worker loop that drives it: the output mode,
//! each batch's watermarks (set before the batch's rows go in), and the statistics the
//! operators gather for progress reports (read after the batch completes).

use crate::errors::ErrorSlot;
use crate::store::KeyedState;
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
    }
}

/// A stateful operator's state, shared between the operator and the worker loop that
/// saves and restores it (see [`KeyedState`]).
pub type SharedStore = Rc<RefCell<dyn KeyedState>>;

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
        }
    }

    /// Called by a stateful operator when it is built: its operator id in a checkpoint
    /// is the order of registration.
    pub fn register_store(&self, store: SharedStore) {
        self.stores.borrow_mut().push(store);
    }

    /// The stateful operators of this worker's dataflow, by operator id.
    pub fn stores(&self) -> Vec<SharedStore> {
        self.stores.borrow().clone()
    }

    /// Loads the first checkpoint format's state of this worker (one blob per operator,
    /// bincode), before the first batch.
    pub fn load_v1(&self, bytes: &[u8]) -> Result<()> {
        let parts: Vec<Vec<u8>> = bincode::deserialize(bytes)
            .map_err(|e| SluiceError::exec(format!("cannot decode state: {e}")))?;
        let stores = self.stores.borrow();
        if parts.len() != stores.len() {
            return Err(SluiceError::exec(format!(
                "the saved state has {} stateful operators, the query has {}",
                parts.len(),
                stores.len()
            )));
        }
        for (store, bytes) in stores.iter().zip(&parts) {
            store.borrow_mut().load_v1(bytes)?;
        }
        Ok(())
    }

    /// Takes this batch's statistics, leaving empty ones (the state size carries over).
    pub fn take_stats(&self) -> BatchStats {
        let mut stats = self.stats.borrow_mut();
        let fresh = BatchStats {
            event_time: vec![EventTimeStats::default(); stats.event_time.len()],
            state_rows: stats.state_rows,
            state_bytes: stats.state_bytes,
            ..Default::default()
        };
        std::mem::replace(&mut *stats, fresh)
    }
}
