//! The contract between the micro-batch driver and a sink.

use crate::error::Result;
use crate::mode::OutputMode;
use crate::schema::Schema;
use crate::types::Row;

/// Where a streaming query's output goes. The driver calls `add_batch` once per
/// micro-batch with the rows the output mode emits (the whole table in complete mode,
/// the changed rows in update mode, the new final rows in append mode).
pub trait Sink: Send {
    /// Writes one micro-batch's output.
    fn add_batch(&mut self, batch_id: u64, schema: &Schema, rows: Vec<Row>, mode: OutputMode) -> Result<()>;
    /// Spark's description of the sink for progress reports (`MemorySink`, `ConsoleSink`...).
    fn description(&self) -> String;
}
