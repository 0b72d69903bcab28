//! The entries of the offsets and commits logs (Spark's `offsets/<b>` and `commits/<b>`).

use serde::{Deserialize, Serialize};

/// `offsets/<b>`: what batch `b` reads and the watermarks it runs under, written before
/// it runs, so a restart re-runs exactly this batch when it was not committed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OffsetEntry {
    /// When the batch was planned (ms since the epoch).
    pub batch_timestamp_ms: i64,
    /// The watermark in force: state at or before it is evicted (ms).
    pub batch_watermark_ms: i64,
    /// Rows at or before this are late and dropped (ms; the previous batch's watermark).
    pub late_watermark_ms: i64,
    /// Each `with_watermark`'s own proposal when the batch was planned.
    pub operator_watermarks: Vec<Option<i64>>,
    /// Per source, in the plan's order, what the batch reads: each connector's own record
    /// (`{"files":{..}}`, `{"rate":{..}}`, `{"kafka":{..}}`, `{"rows":{..}}`; see
    /// `crate::source::Source::plan_next`).
    pub sources: Vec<serde_json::Value>,
}

/// `commits/<b>`: batch `b` reached its sink; what the next batch starts from.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CommitEntry {
    /// The watermark computed when the batch completed (Spark's `nextBatchWatermarkMs`).
    pub next_batch_watermark_ms: i64,
    /// Each `with_watermark`'s own proposal after the batch.
    pub operator_watermarks: Vec<Option<i64>>,
}

/// `sources/<i>/compact`: the files of source `i` taken by batches whose offsets entries
/// were purged by retention (the file source must never read them again).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CompactFiles {
    /// Batches before this one are folded in.
    pub up_to: u64,
    /// Paths of the files taken.
    pub files: Vec<std::path::PathBuf>,
}
