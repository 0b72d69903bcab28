//! Streaming queries: the handle a user holds (`StreamingQuery`), the session's registry
//! of them (`StreamingQueryManager`), and their lifecycle state.

use crate::listener::{
    ListenerBus, QueryEvent, QueryIdleEvent, QueryProgressEvent, QueryStartedEvent, QueryTerminatedEvent,
    StreamingQueryListener,
};
use crate::progress::{iso_millis, ProgressLog, StreamingQueryProgress, StreamingQueryStatus};
use sluice_core::{Result, SluiceError};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How many progress reports a query keeps (Spark's `spark.sql.streaming.numRecentProgressUpdates`).
const RECENT_PROGRESS: usize = 100;

pub(crate) struct QueryState {
    pub active: bool,
    pub exception: Option<SluiceError>,
    pub progress: VecDeque<StreamingQueryProgress>,
    pub status: StreamingQueryStatus,
    /// Incremented each time the driver finds no new data after finishing every batch.
    pub idle_checks: u64,
    pub stop_requested: bool,
    /// Input rows of every batch of this run (the history keeps only the recent ones).
    pub input_rows_total: u64,
    /// Batches completed by this run.
    pub batches_total: u64,
}

pub(crate) struct QueryShared {
    pub id: Uuid,
    pub run_id: Uuid,
    pub name: Option<String>,
    pub state: Mutex<QueryState>,
    pub changed: Condvar,
    pub thread: Mutex<Option<JoinHandle<()>>>,
    pub manager: StreamingQueryManager,
    pub explain: String,
    /// Where every progress report is appended as a JSON line (`sluice.progressLog`).
    pub progress_log: Option<Arc<ProgressLog>>,
    /// The secrets among the sources' and the sink's options, scrubbed from the error
    /// that ends the query.
    pub redactor: sluice_core::redact::Redactor,
}

impl QueryShared {
    pub fn lock(&self) -> MutexGuard<'_, QueryState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn stop_requested(&self) -> bool {
        self.lock().stop_requested
    }

    /// Sleeps up to `d`, waking early when a stop is requested; returns true if stopping.
    pub fn sleep(&self, d: Duration) -> bool {
        let deadline = Instant::now() + d;
        let mut st = self.lock();
        while !st.stop_requested {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            st = self.changed.wait_timeout(st, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
        true
    }

    pub fn set_status(&self, message: &str, data: bool, trigger: bool) {
        let mut st = self.lock();
        st.status = StreamingQueryStatus {
            message: message.into(),
            is_data_available: data,
            is_trigger_active: trigger,
        };
    }

    /// Publishes a batch's progress: the progress log first (so it is complete when a
    /// caller sees the progress), then the query's recent progress, then the listeners.
    pub fn push_progress(&self, p: StreamingQueryProgress) -> Result<()> {
        if let Some(log) = &self.progress_log {
            log.append(&p)?;
        }
        self.manager
            .bus()
            .post(|| QueryEvent::Progress(Box::new(QueryProgressEvent { progress: p.clone() })));
        let mut st = self.lock();
        if st.progress.len() == RECENT_PROGRESS {
            st.progress.pop_front();
        }
        st.input_rows_total += p.num_input_rows;
        st.batches_total += 1;
        st.progress.push_back(p);
        drop(st);
        self.changed.notify_all();
        Ok(())
    }

    /// `(input rows, batches)` of this run so far.
    pub fn totals(&self) -> (u64, u64) {
        let st = self.lock();
        (st.input_rows_total, st.batches_total)
    }

    /// Tells listeners the query started (before its first batch can report progress).
    pub fn post_started(&self, timestamp_ms: i64) {
        self.manager.bus().post(|| {
            QueryEvent::Started(QueryStartedEvent {
                id: self.id,
                run_id: self.run_id,
                name: self.name.clone(),
                timestamp: iso_millis(timestamp_ms),
            })
        });
    }

    /// Tells listeners a trigger found no new data.
    pub fn post_idle(&self, timestamp_ms: i64) {
        self.manager.bus().post(|| {
            QueryEvent::Idle(QueryIdleEvent {
                id: self.id,
                run_id: self.run_id,
                timestamp: iso_millis(timestamp_ms),
            })
        });
    }

    pub fn mark_idle(&self) {
        self.lock().idle_checks += 1;
        self.changed.notify_all();
    }

    pub fn terminate(&self, result: Result<()>) {
        let result = result.map_err(|e| e.scrubbed(&self.redactor));
        // Posted before the query is seen inactive, so that whoever saw it end and then
        // flushes the listeners knows the terminated event was delivered.
        self.manager.bus().post(|| {
            QueryEvent::Terminated(QueryTerminatedEvent {
                id: self.id,
                run_id: self.run_id,
                exception: result.as_ref().err().map(ToString::to_string),
            })
        });
        let mut st = self.lock();
        st.active = false;
        st.exception = result.err();
        st.status = StreamingQueryStatus {
            message: "Stopped".into(),
            is_data_available: false,
            is_trigger_active: false,
        };
        drop(st);
        self.changed.notify_all();
        self.manager.query_terminated(self.id);
    }
}

/// A handle to a running streaming query (Spark's `StreamingQuery`).
#[derive(Clone)]
pub struct StreamingQuery {
    pub(crate) shared: Arc<QueryShared>,
}

impl std::fmt::Debug for StreamingQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamingQuery").field("id", &self.id()).field("name", &self.name()).finish()
    }
}

impl StreamingQuery {
    /// The query's unique id, which a checkpoint keeps across restarts.
    pub fn id(&self) -> Uuid {
        self.shared.id
    }

    /// This run's id: new at every start.
    pub fn run_id(&self) -> Uuid {
        self.shared.run_id
    }

    /// The name given with `query_name`, if any.
    pub fn name(&self) -> Option<String> {
        self.shared.name.clone()
    }

    /// True until the query stops or fails.
    pub fn is_active(&self) -> bool {
        self.shared.lock().active
    }

    /// The error that ended the query, if it failed.
    pub fn exception(&self) -> Option<SluiceError> {
        self.shared.lock().exception.clone()
    }

    /// What the query is doing now.
    pub fn status(&self) -> StreamingQueryStatus {
        self.shared.lock().status.clone()
    }

    /// The most recent batch's progress.
    pub fn last_progress(&self) -> Option<StreamingQueryProgress> {
        self.shared.lock().progress.back().cloned()
    }

    /// Up to the last 100 batches' progress, oldest first.
    pub fn recent_progress(&self) -> Vec<StreamingQueryProgress> {
        self.shared.lock().progress.iter().cloned().collect()
    }

    /// The query's plan as text.
    pub fn explain(&self) -> String {
        self.shared.explain.clone()
    }

    fn failure(&self, st: &QueryState) -> Result<()> {
        match &st.exception {
            Some(e) => Err(SluiceError::QueryFailed {
                name: self.name().unwrap_or_else(|| self.id().to_string()),
                cause: e.to_string(),
            }),
            None => Ok(()),
        }
    }

    /// Blocks until the query stops; an error if it failed.
    pub fn await_termination(&self) -> Result<()> {
        let mut st = self.shared.lock();
        while st.active {
            st = self.shared.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        self.failure(&st)
    }

    /// Blocks until the query stops or `timeout` passes; `Ok(true)` if it stopped.
    pub fn await_termination_timeout(&self, timeout: Duration) -> Result<bool> {
        let deadline = Instant::now() + timeout;
        let mut st = self.shared.lock();
        while st.active {
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            st = self.shared.changed.wait_timeout(st, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
        self.failure(&st).map(|_| true)
    }

    /// Blocks until every row available in the sources when called has been processed
    /// and written to the sink (for tests), or the query ends; an error if it failed.
    pub fn process_all_available(&self) -> Result<()> {
        let mut st = self.shared.lock();
        let start = st.idle_checks;
        // One idle check may already be under way with data read before the call: wait for two.
        while st.active && st.idle_checks < start + 2 {
            st = self.shared.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        self.failure(&st)
    }

    /// Stops the query after its current batch and waits for it to end.
    pub fn stop(&self) -> Result<()> {
        self.shared.lock().stop_requested = true;
        self.shared.changed.notify_all();
        let handle = self.shared.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle {
            if h.thread().id() != std::thread::current().id() {
                let _ = h.join();
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct ManagerState {
    active: Vec<StreamingQuery>,
    terminated: Vec<StreamingQuery>,
}

#[derive(Default)]
struct ManagerInner {
    state: Mutex<ManagerState>,
    changed: Condvar,
    bus: ListenerBus,
}

/// The session's streaming queries (Spark's `spark.streams`).
#[derive(Clone, Default)]
pub struct StreamingQueryManager {
    inner: Arc<ManagerInner>,
}

impl StreamingQueryManager {
    fn lock(&self) -> MutexGuard<'_, ManagerState> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn bus(&self) -> &ListenerBus {
        &self.inner.bus
    }

    /// Registers a listener for the events of every query of this session (Spark's
    /// `addListener`); queries already running report their later events to it too.
    pub fn add_listener(&self, listener: Arc<dyn StreamingQueryListener>) {
        self.inner.bus.add(listener);
    }

    /// Unregisters a listener added with [`add_listener`](Self::add_listener) (the same `Arc`).
    pub fn remove_listener(&self, listener: &Arc<dyn StreamingQueryListener>) {
        self.inner.bus.remove(listener);
    }

    /// Blocks until every event posted so far has been delivered to the listeners
    /// (listeners run on their own thread, as in Spark). A no-op when called from a listener.
    pub fn flush_listeners(&self) {
        self.inner.bus.flush();
    }

    /// The queries running now.
    pub fn active(&self) -> Vec<StreamingQuery> {
        self.lock().active.clone()
    }

    /// An active query by id.
    pub fn get(&self, id: Uuid) -> Option<StreamingQuery> {
        self.lock().active.iter().find(|q| q.id() == id).cloned()
    }

    /// Blocks until any query of this session terminates (since the last `reset_terminated`).
    pub fn await_any_termination(&self) -> Result<()> {
        let mut st = self.lock();
        loop {
            if let Some(q) = st.terminated.first().cloned() {
                drop(st);
                return q.await_termination();
            }
            st = self.inner.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Blocks until any query terminates or `timeout` passes; `Ok(true)` if one did.
    pub fn await_any_termination_timeout(&self, timeout: Duration) -> Result<bool> {
        let deadline = Instant::now() + timeout;
        let mut st = self.lock();
        loop {
            if let Some(q) = st.terminated.first().cloned() {
                drop(st);
                return q.await_termination().map(|_| true);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            st = self.inner.changed.wait_timeout(st, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    /// Forgets terminated queries, so `await_any_termination` waits for a new one.
    pub fn reset_terminated(&self) {
        self.lock().terminated.clear();
    }

    pub(crate) fn register(&self, q: &StreamingQuery) -> Result<()> {
        let mut st = self.lock();
        if let Some(name) = q.name() {
            if st.active.iter().any(|a| a.name().as_deref() == Some(name.as_str())) {
                return Err(SluiceError::analysis(format!(
                    "Cannot start query with name {name} as a query with that name is already active in this SparkSession"
                )));
            }
        }
        st.active.push(q.clone());
        Ok(())
    }

    fn query_terminated(&self, id: Uuid) {
        let mut st = self.lock();
        if let Some(i) = st.active.iter().position(|q| q.id() == id) {
            let q = st.active.remove(i);
            st.terminated.push(q);
        }
        drop(st);
        self.inner.changed.notify_all();
    }
}
