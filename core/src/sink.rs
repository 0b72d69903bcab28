//! The contract between the micro-batch driver and a sink.
//!
//! A single sink (console, memory, foreachBatch) gets each batch's rows on the driver
//! through [`Sink::add_batch`]. A sink that every worker writes (files, Kafka) follows
//! Spark's task/committer split instead: each worker writes its own share of the batch's
//! rows through a [`PartWriter`] and returns a commit message; the driver then calls
//! [`Sink::commit`] once with every worker's messages.

use crate::error::Result;
use crate::mode::OutputMode;
use crate::schema::Schema;
use crate::types::Row;
use std::sync::Arc;

/// Where a streaming query's output goes. The driver calls `add_batch` once per
/// micro-batch with the rows the output mode emits (the whole table in complete mode,
/// the changed rows in update mode, the new final rows in append mode).
pub trait Sink: Send {
    /// Writes one micro-batch's output.
    fn add_batch(&mut self, batch_id: u64, schema: &Schema, rows: Vec<Row>, mode: OutputMode) -> Result<()>;
    /// Spark's description of the sink for progress reports (`MemorySink`, `ConsoleSink`...).
    fn description(&self) -> String;
    /// The factory of per-worker writers when every worker can write its share of a batch
    /// itself (Spark's `DataWriterFactory`); `None` for a sink that must see the whole batch
    /// on the driver. Workers write only when the output mode lets each one decide its rows
    /// alone (append and update without a LIMIT); otherwise the driver calls `add_batch`.
    fn part_writers(&self, schema: &Schema) -> Option<Arc<dyn PartWriterFactory>> {
        let _ = schema;
        None
    }
    /// Commits batch `batch_id` after every worker's [`PartWriter`] wrote its share, given
    /// all their commit messages (Spark's `StreamingWrite.commit`).
    fn commit(&mut self, batch_id: u64, messages: Vec<String>) -> Result<()> {
        let _ = (batch_id, messages);
        Ok(())
    }
}

/// Makes each worker's writer; shared by the workers of one process.
pub trait PartWriterFactory: Send + Sync {
    /// The writer of worker `worker` out of `workers` (over all processes).
    fn create(&self, worker: usize, workers: usize) -> Result<Box<dyn PartWriter>>;
}

/// One worker's writer (Spark's `DataWriter`): lives on the worker's thread for the whole
/// query.
pub trait PartWriter {
    /// Writes this worker's rows of batch `batch_id` and returns what the driver's
    /// [`Sink::commit`] needs to know of them (e.g. the files written). Writing a batch
    /// again (a replay after a restart) must not duplicate what a committed batch wrote,
    /// if the sink promises exactly-once.
    fn write(&mut self, batch_id: u64, rows: Vec<Row>) -> Result<Vec<String>>;
    /// Whether this writer needs no rows at all (the noop sink's): outside complete mode the
    /// worker then drops its output as the dataflow produces it, instead of holding a whole
    /// batch's rows for `write` (which is still called, with none, to end the batch).
    fn discards_rows(&self) -> bool {
        false
    }
}
