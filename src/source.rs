//! Sources as the runtime sees them, in the shape of Spark's `MicroBatchStream`: a
//! [`Source`] on the driver decides what each micro-batch reads (the batch's record, which
//! the checkpoint's offsets log keeps and a restart replays) and turns it into a
//! [`BatchPlan`] for the workers; a [`SourceReader`] on every worker reads its share of
//! that plan. Each connector (`crate::connector`) implements both for its own types; the
//! driver, executor and checkpoints see only these traits.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sluice_core::{Result, Row, SluiceError};
use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The driver side of one source of a running query (Spark's `MicroBatchStream`).
pub(crate) trait Source: Send {
    /// Spark's description of the source for progress reports (`FileStreamSource[..]`).
    fn description(&self) -> String;

    /// What the next batch reads (Spark's `latestOffset` under the rate limits): the
    /// batch's record, as the offsets log keeps it, and its offsets for progress.
    fn plan_next(&mut self) -> Result<PlannedBatch>;

    /// The work of a batch, planned now or recorded by a checkpoint, for `workers` workers
    /// (Spark's `planInputPartitions`). A restart replays a recorded batch through this.
    fn plan_partitions(&mut self, recorded: &serde_json::Value, workers: usize) -> Result<BatchPlan>;

    /// Moves the source past a recorded batch, as if it had planned it (restart).
    fn apply_recorded(&mut self, recorded: &serde_json::Value) -> Result<()>;

    /// For `Trigger.AvailableNow` (and `Once`): only what is available now will be read.
    fn bound_to_available(&mut self) -> Result<()> {
        Ok(())
    }

    /// For `Trigger.Once`: read everything available in one batch, ignoring rate limits.
    fn lift_rate_limits(&mut self) {}

    /// How much of a bounded backlog the source has read (files, offsets).
    fn backlog(&self) -> Option<Backlog> {
        None
    }

    /// The source's `metrics` in progress reports.
    fn metrics(&self) -> BTreeMap<String, String> {
        self.backlog().map(|b| b.metrics()).unwrap_or_default()
    }

    /// True when the source will never have new data (a socket whose server closed).
    fn is_exhausted(&self) -> bool {
        false
    }

    /// True when the source can re-read a recorded batch (a socket cannot).
    fn replayable(&self) -> bool {
        true
    }

    /// Called by the driver once a batch is committed (`commits/<b>`): a file source's
    /// `cleanSource` deletes or archives the committed batches' files.
    fn committed(&mut self) {}

    /// Whether [`committed`](Source::committed) does what a re-run of the batch could not
    /// undo (a file source's `cleanSource`): the commit entry must then be on disk first.
    fn cleans_up(&self) -> bool {
        false
    }

    /// Marks files taken by batches purged from the offsets log (file sources).
    fn apply_compacted(&mut self, _files: &[std::path::PathBuf]) {}

    /// A bounded read (`read()`, `collect()`): everything available, as one batch.
    fn plan_bounded(&mut self, workers: usize) -> Result<BatchPlan> {
        self.bound_to_available()?;
        self.lift_rate_limits();
        let planned = self.plan_next()?;
        self.plan_partitions(&planned.recorded, workers)
    }
}

/// The worker side of one source: reads worker `index`'s share (of `peers`) of a batch,
/// projected to the columns the query needs.
pub(crate) trait SourceReader: Send + Sync {
    /// Reads the share; a plan of another connector is an error, never silently nothing.
    /// Returns how many records it read but did not emit because the source's pushed
    /// filter (`SourceInput::filter`) rejected them: they count as input rows all the same.
    fn read(&self, plan: &BatchPlan, index: usize, peers: usize, emit: &mut dyn FnMut(Row)) -> Result<u64>;
}

/// What [`Source::plan_next`] decided for one batch.
pub(crate) struct PlannedBatch {
    /// The batch's record for the offsets log (each connector's own JSON).
    pub recorded: serde_json::Value,
    /// Its offsets for progress.
    pub offsets: BatchOffsets,
}

/// The offsets a batch covers, for progress reports.
#[derive(Clone, Debug, Default)]
pub(crate) struct BatchOffsets {
    pub start: Option<serde_json::Value>,
    pub end: Option<serde_json::Value>,
    /// The newest offsets the source had (Spark's `latestOffset`); `end` when unset.
    pub latest: Option<serde_json::Value>,
}

/// How much of a bounded backlog a source has read (for a progress bar): files of a file
/// source, offsets of a Kafka source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Backlog {
    pub done: u64,
    pub total: u64,
    pub unit: BacklogUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BacklogUnit {
    Files,
    Offsets,
}

impl Backlog {
    /// The progress metrics that report it: `numFilesRead`/`numFilesTotal` or
    /// `numOffsetsRead`/`numOffsetsTotal`.
    pub fn metrics(&self) -> BTreeMap<String, String> {
        let unit = match self.unit {
            BacklogUnit::Files => "Files",
            BacklogUnit::Offsets => "Offsets",
        };
        BTreeMap::from([
            (format!("num{unit}Read"), self.done.to_string()),
            (format!("num{unit}Total"), self.total.to_string()),
        ])
    }
}

/// One source's work for one batch, opaque to the runtime: each connector puts its own
/// serde type in it. Within a process it is shared as is (no copy, no encoding); it is
/// encoded (bincode) only when it crosses processes in the control dataflow's
/// `Command::Batch`, and decoded by the reader. The connector's name travels with it, so
/// a reader given another connector's plan fails with both names.
#[derive(Clone)]
pub(crate) struct BatchPlan {
    connector: Arc<str>,
    data: PlanData,
}

#[derive(Clone)]
enum PlanData {
    /// Nothing to read.
    Empty,
    /// The connector's value, and how to encode it.
    Local(Arc<dyn Any + Send + Sync>, fn(&(dyn Any + Send + Sync)) -> Vec<u8>),
    /// A value received from another process, decoded by the reader.
    Encoded(Arc<[u8]>),
}

impl BatchPlan {
    /// A plan with nothing to read.
    pub fn empty(connector: &str) -> BatchPlan {
        BatchPlan { connector: connector.into(), data: PlanData::Empty }
    }

    /// A connector's plan.
    pub fn new<T: Serialize + DeserializeOwned + Send + Sync + 'static>(
        connector: &str,
        value: T,
    ) -> BatchPlan {
        fn encode<T: Serialize + 'static>(v: &(dyn Any + Send + Sync)) -> Vec<u8> {
            let v = v.downcast_ref::<T>().expect("a plan encodes its own type");
            bincode::serialize(v).expect("plans serialise")
        }
        BatchPlan { connector: connector.into(), data: PlanData::Local(Arc::new(value), encode::<T>) }
    }

    /// True when the batch reads nothing from this source.
    pub fn is_empty(&self) -> bool {
        matches!(self.data, PlanData::Empty)
    }

    /// The connector's value, or `None` for an empty plan.
    pub fn get<T: DeserializeOwned + Send + Sync + 'static>(
        &self,
        connector: &str,
    ) -> Result<Option<Arc<T>>> {
        if !self.connector.eq_ignore_ascii_case(connector) {
            return Err(SluiceError::exec(format!(
                "a {connector} source was given a batch planned by the {} connector",
                self.connector
            )));
        }
        match &self.data {
            PlanData::Empty => Ok(None),
            PlanData::Local(v, _) => v.clone().downcast::<T>().map(Some).map_err(|_| {
                SluiceError::exec(format!("a batch of the {connector} connector holds another type"))
            }),
            PlanData::Encoded(bytes) => {
                bincode::deserialize::<T>(bytes).map(|v| Some(Arc::new(v))).map_err(|e| {
                    SluiceError::exec(format!("a batch of the {connector} connector cannot be decoded: {e}"))
                })
            }
        }
    }
}

impl std::fmt::Debug for BatchPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match &self.data {
            PlanData::Empty => "empty",
            PlanData::Local(..) => "local",
            PlanData::Encoded(..) => "encoded",
        };
        write!(f, "BatchPlan({}, {what})", self.connector)
    }
}

/// The wire form of a plan: the connector's name and its encoded value (`None` = empty).
#[derive(Serialize, Deserialize)]
struct WirePlan {
    connector: String,
    bytes: Option<Vec<u8>>,
}

impl Serialize for BatchPlan {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let bytes = match &self.data {
            PlanData::Empty => None,
            PlanData::Local(v, encode) => Some(encode(v.as_ref())),
            PlanData::Encoded(b) => Some(b.to_vec()),
        };
        WirePlan { connector: self.connector.to_string(), bytes }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for BatchPlan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let wire = WirePlan::deserialize(d)?;
        let data = match wire.bytes {
            None => PlanData::Empty,
            Some(b) => PlanData::Encoded(b.into()),
        };
        Ok(BatchPlan { connector: wire.connector.into(), data })
    }
}

/// A record in the offsets log's shape, `{"<tag>": value}` (the externally tagged form
/// the checkpoint has always used: `{"files":{"files":[..]}}`, `{"rate":{..}}`).
pub(crate) fn tagged<T: Serialize>(tag: &str, value: &T) -> serde_json::Value {
    let value = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    serde_json::Value::Object([(tag.to_string(), value)].into_iter().collect())
}

/// The value under `tag` of a record written by [`tagged`], or an error naming what the
/// checkpoint holds instead.
pub(crate) fn untagged<T: DeserializeOwned>(
    tag: &str,
    source: &str,
    recorded: &serde_json::Value,
) -> Result<T> {
    let inner = recorded.get(tag).ok_or_else(|| {
        let found = recorded
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .unwrap_or_else(|| recorded.to_string());
        SluiceError::exec(format!("the checkpoint records a {found} source where the query has {source}"))
    })?;
    serde_json::from_value(inner.clone())
        .map_err(|e| SluiceError::exec(format!("the checkpoint's record of {source} is not valid: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_crosses_processes_and_keeps_its_connector() {
        let plan = BatchPlan::new("rate", vec![1u64, 2, 3]);
        let wire: BatchPlan = bincode::deserialize(&bincode::serialize(&plan).unwrap()).unwrap();
        assert_eq!(*wire.get::<Vec<u64>>("rate").unwrap().unwrap(), vec![1, 2, 3]);
        assert_eq!(*plan.get::<Vec<u64>>("rate").unwrap().unwrap(), vec![1, 2, 3]);
        let err = wire.get::<Vec<u64>>("kafka").unwrap_err().to_string();
        assert!(err.contains("kafka source was given a batch planned by the rate connector"), "{err}");
        let empty: BatchPlan =
            bincode::deserialize(&bincode::serialize(&BatchPlan::empty("x")).unwrap()).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn records_keep_the_old_offsets_log_shape() {
        let r = tagged("rows", &serde_json::json!({"read": true}));
        assert_eq!(r.to_string(), r#"{"rows":{"read":true}}"#);
        let err = untagged::<serde_json::Value>("files", "FileStreamSource[x]", &r).unwrap_err().to_string();
        assert!(err.contains("records a rows source where the query has FileStreamSource[x]"), "{err}");
    }
}
