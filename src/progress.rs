//! Progress of a streaming query, in the JSON shape of Spark's `StreamingQueryProgress`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What one micro-batch did: Spark's `StreamingQueryProgress`, serialisable to its JSON.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StreamingQueryProgress {
    /// The query's id (stable across restarts).
    pub id: String,
    /// This run's id (new at every start).
    pub run_id: String,
    /// The query name, if any.
    pub name: Option<String>,
    /// When the trigger started (ISO-8601, UTC).
    pub timestamp: String,
    /// The micro-batch id.
    pub batch_id: u64,
    /// Wall time of the batch in milliseconds.
    pub batch_duration: u64,
    /// Rows read by all sources in this batch.
    pub num_input_rows: u64,
    /// Rows per second arriving since the previous trigger.
    pub input_rows_per_second: f64,
    /// Rows per second processed in this batch.
    pub processed_rows_per_second: f64,
    /// Time spent per phase (`latestOffset`, `addBatch`, `triggerExecution`, ...).
    pub duration_ms: BTreeMap<String, u64>,
    /// Event-time statistics (`watermark`, `min`, `max`, `avg`) when the query has event time.
    pub event_time: BTreeMap<String, String>,
    /// Stateful operators' sizes.
    pub state_operators: Vec<StateOperatorProgress>,
    /// Each source's offsets and rates.
    pub sources: Vec<SourceProgress>,
    /// The sink.
    pub sink: SinkProgress,
}

/// Size and activity of a stateful operator (Spark's `StateOperatorProgress`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StateOperatorProgress {
    /// Operator name (`stateStoreSave` for aggregations).
    pub operator_name: String,
    /// Rows held in state after the batch.
    pub num_rows_total: i64,
    /// Rows of state written by the batch.
    pub num_rows_updated: i64,
    /// Rows of state evicted by the batch because the watermark passed them.
    #[serde(default)]
    pub num_rows_removed: i64,
    /// Input rows dropped because they were behind the watermark.
    pub num_rows_dropped_by_watermark: i64,
    /// Estimated bytes of state.
    pub memory_used_bytes: i64,
    /// Partitions the state is split into (one per worker).
    #[serde(default)]
    pub num_shuffle_partitions: i64,
    /// State store instances (one per worker).
    #[serde(default)]
    pub num_state_store_instances: i64,
    /// Operator-specific metrics (with a checkpoint: `snapshotSizeBytes`, the bytes of the
    /// state snapshot written after the batch).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_metrics: BTreeMap<String, i64>,
}

/// One source's part of a batch (Spark's `SourceProgress`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SourceProgress {
    /// Spark's description of the source.
    pub description: String,
    /// Offset before the batch (null for the first).
    pub start_offset: serde_json::Value,
    /// Offset after the batch.
    pub end_offset: serde_json::Value,
    /// Latest offset known when the batch was planned.
    pub latest_offset: serde_json::Value,
    /// Rows read from this source.
    pub num_input_rows: u64,
    /// Rows per second arriving since the previous trigger.
    pub input_rows_per_second: f64,
    /// Rows per second processed.
    pub processed_rows_per_second: f64,
    /// Source-specific figures (Spark's `metrics`): a file stream bounded by
    /// `Trigger.AvailableNow`/`Once` reports `numFilesTotal` and `numFilesRead`, a Kafka
    /// stream `numOffsetsTotal` and `numOffsetsRead` (since the run started).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, String>,
}

/// The sink's part of a batch (Spark's `SinkProgress`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SinkProgress {
    /// Spark's description of the sink.
    pub description: String,
    /// Rows written in this batch.
    pub num_output_rows: i64,
}

impl StreamingQueryProgress {
    /// The progress as Spark's compact JSON.
    pub fn json(&self) -> String {
        serde_json::to_string(self).expect("progress serialises")
    }
    /// The progress as Spark's indented JSON.
    pub fn pretty_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("progress serialises")
    }
}

/// What a query is doing right now (Spark's `StreamingQueryStatus`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StreamingQueryStatus {
    /// Human-readable state.
    pub message: String,
    /// Whether the last check found new data.
    pub is_data_available: bool,
    /// Whether a batch is running.
    pub is_trigger_active: bool,
}

/// A JSON-lines file that every progress report of the session's queries is appended to
/// (the session config `sluice.progressLog`, the CLI's `--progress-log FILE`).
pub(crate) struct ProgressLog {
    path: std::path::PathBuf,
    file: std::sync::Mutex<std::fs::File>,
}

impl ProgressLog {
    /// Opens (creating it if needed) the file to append to.
    pub fn open(path: &std::path::Path) -> sluice_core::Result<ProgressLog> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| sluice_core::SluiceError::io(path, e))?;
        Ok(ProgressLog { path: path.to_path_buf(), file: std::sync::Mutex::new(file) })
    }

    /// Appends one report as one line, in one write so concurrent queries' lines never interleave.
    pub fn append(&self, p: &StreamingQueryProgress) -> sluice_core::Result<()> {
        use std::io::Write;
        let mut line = p.json();
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(line.as_bytes()).map_err(|e| sluice_core::SluiceError::io(&self.path, e))
    }
}

/// Milliseconds since the epoch as Spark prints progress timestamps (`2026-11-25T21:04:05.123Z`).
pub(crate) fn iso_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let text = sluice_core::time::format_timestamp(secs * 1_000_000);
    format!("{}.{:03}Z", text.replace(' ', "T"), ms.rem_euclid(1000))
}

pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
