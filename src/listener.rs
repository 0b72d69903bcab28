//! Streaming query listeners (Spark's `StreamingQueryListener`): the events a query posts
//! as it starts, completes a batch, finds no new data and terminates, and the session's
//! listener bus that delivers them.
//!
//! As in Spark, delivery is asynchronous: a query's driver posts an event on a channel and
//! goes on; one bus thread per session (started by the first `add_listener`) calls every
//! listener in turn, so a slow listener never slows a query and is never called under a
//! query's lock. Events of one query arrive in order — started first, then one progress per
//! batch (and idle events), terminated last — and every listener sees them from one thread.

use crate::progress::StreamingQueryProgress;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, RwLock};
use uuid::Uuid;

/// A query started (posted by `start()` before the query runs its first batch).
#[derive(Clone, Debug, PartialEq)]
pub struct QueryStartedEvent {
    /// The query's id (stable across restarts).
    pub id: Uuid,
    /// This run's id.
    pub run_id: Uuid,
    /// The query's name, if it has one.
    pub name: Option<String>,
    /// When it started (ISO-8601, UTC, as in progress reports).
    pub timestamp: String,
}

/// A micro-batch completed.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryProgressEvent {
    /// The batch's progress report, the same as `StreamingQuery::last_progress` then.
    pub progress: StreamingQueryProgress,
}

/// A trigger found no new data (throttled: see `spark.sql.streaming.noDataProgressEventInterval`).
#[derive(Clone, Debug, PartialEq)]
pub struct QueryIdleEvent {
    /// The query's id.
    pub id: Uuid,
    /// This run's id.
    pub run_id: Uuid,
    /// When the idle trigger started (ISO-8601, UTC).
    pub timestamp: String,
}

/// A query stopped or failed: the last event of a query.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryTerminatedEvent {
    /// The query's id.
    pub id: Uuid,
    /// This run's id.
    pub run_id: Uuid,
    /// The error that ended the query, `None` when it stopped or ran out of data.
    pub exception: Option<String>,
}

/// Receives the events of every streaming query of a session (Spark's
/// `StreamingQueryListener`); register it with `session.streams().add_listener(..)`.
///
/// Methods run on the session's listener-bus thread: keep them short, since events queue
/// behind a slow one. A panic in a listener is reported on stderr and the bus goes on.
pub trait StreamingQueryListener: Send + Sync {
    /// A query started.
    fn on_query_started(&self, event: &QueryStartedEvent);
    /// A query completed a micro-batch.
    fn on_query_progress(&self, event: &QueryProgressEvent);
    /// A query's trigger found no new data (by default ignored, as in Spark).
    fn on_query_idle(&self, event: &QueryIdleEvent) {
        let _ = event;
    }
    /// A query stopped or failed.
    fn on_query_terminated(&self, event: &QueryTerminatedEvent);
}

/// One event on the bus.
#[derive(Clone, Debug)]
pub(crate) enum QueryEvent {
    Started(QueryStartedEvent),
    Progress(Box<QueryProgressEvent>),
    Idle(QueryIdleEvent),
    Terminated(QueryTerminatedEvent),
}

enum BusMessage {
    Event(QueryEvent),
    /// Acknowledged once every message before it was delivered.
    Flush(Sender<()>),
}

const BUS_THREAD: &str = "sluice-listener-bus";

type Listeners = Arc<RwLock<Vec<Arc<dyn StreamingQueryListener>>>>;

/// The session's listeners and the channel to the thread that calls them.
#[derive(Default)]
pub(crate) struct ListenerBus {
    listeners: Listeners,
    /// Started with the first listener; the thread ends when the bus is dropped.
    sender: Mutex<Option<Sender<BusMessage>>>,
}

impl ListenerBus {
    pub fn add(&self, listener: Arc<dyn StreamingQueryListener>) {
        self.listeners.write().unwrap_or_else(|p| p.into_inner()).push(listener);
        let mut sender = self.sender.lock().unwrap_or_else(|p| p.into_inner());
        if sender.is_none() {
            let (tx, rx) = channel::<BusMessage>();
            let listeners = self.listeners.clone();
            let spawned = std::thread::Builder::new().name(BUS_THREAD.into()).spawn(move || {
                for message in rx {
                    match message {
                        BusMessage::Event(event) => deliver(&listeners, &event),
                        BusMessage::Flush(ack) => {
                            let _ = ack.send(());
                        }
                    }
                }
            });
            match spawned {
                Ok(_) => *sender = Some(tx),
                Err(e) => {
                    eprintln!("sluice: cannot start the listener bus thread, listeners get no events: {e}")
                }
            }
        }
    }

    pub fn remove(&self, listener: &Arc<dyn StreamingQueryListener>) {
        let target = Arc::as_ptr(listener) as *const ();
        self.listeners
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|l| Arc::as_ptr(l) as *const () != target);
    }

    /// Queues `event` for every listener; a no-op without listeners.
    pub fn post(&self, event: impl FnOnce() -> QueryEvent) {
        if self.listeners.read().unwrap_or_else(|p| p.into_inner()).is_empty() {
            return;
        }
        if let Some(tx) = &*self.sender.lock().unwrap_or_else(|p| p.into_inner()) {
            let _ = tx.send(BusMessage::Event(event()));
        }
    }

    /// Blocks until every event posted before the call has been delivered.
    pub fn flush(&self) {
        if std::thread::current().name() == Some(BUS_THREAD) {
            return; // a listener waiting for itself would never return
        }
        let (ack, done) = channel();
        let sent = match &*self.sender.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(tx) => tx.send(BusMessage::Flush(ack)).is_ok(),
            None => false,
        };
        if sent {
            let _ = done.recv();
        }
    }
}

fn deliver(listeners: &Listeners, event: &QueryEvent) {
    // A snapshot, so a listener may add or remove listeners without deadlocking.
    let snapshot: Vec<_> = listeners.read().unwrap_or_else(|p| p.into_inner()).clone();
    for listener in snapshot {
        let call = std::panic::AssertUnwindSafe(|| match event {
            QueryEvent::Started(e) => listener.on_query_started(e),
            QueryEvent::Progress(e) => listener.on_query_progress(e),
            QueryEvent::Idle(e) => listener.on_query_idle(e),
            QueryEvent::Terminated(e) => listener.on_query_terminated(e),
        });
        if std::panic::catch_unwind(call).is_err() {
            eprintln!("sluice: a streaming query listener panicked; the event was skipped for it");
        }
    }
}
