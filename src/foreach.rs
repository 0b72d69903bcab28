//! The `foreach` and `foreachBatch` sinks: user code as a query's sink (Spark's
//! `ForeachWriter` and `foreachBatch`), for writing to systems Sluice has no connector for.
//!
//! Both run on the query's driver thread, after the batch's result has been computed and
//! adapted to the output mode, from `Sink::add_batch`. That is the simplest design that is
//! correct for every output mode (complete mode's table only exists on the driver), and it
//! means user code never races with itself: one batch, one partition, one call at a time.

use crate::dataframe::DataFrame;
use crate::session::Session;
use sluice_core::mode::OutputMode;
use sluice_core::sink::Sink;
use sluice_core::{Result, Row, Schema, SluiceError};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Writes a query's output row by row (Spark's `ForeachWriter`), given to
/// `write_stream().foreach(writer)`.
///
/// Each micro-batch's output is split into one partition per session worker; for each
/// partition Sluice uses a fresh clone of the writer (as Spark deserialises a fresh copy per
/// task), calls `open(partition_id, batch_id)`, then `process` for each of the partition's
/// rows if `open` returned true, then `close` in every case. Share state between the clones
/// through an `Arc`.
///
/// ```
/// use sluice::prelude::*;
/// use std::sync::{Arc, Mutex};
///
/// #[derive(Clone, Default)]
/// struct Collect(Arc<Mutex<Vec<Row>>>);
///
/// impl ForeachWriter for Collect {
///     fn open(&mut self, _partition_id: u64, _epoch_id: u64) -> bool {
///         true
///     }
///     fn process(&mut self, row: Row) {
///         self.0.lock().unwrap().push(row);
///     }
///     fn close(&mut self, _error: Option<&SluiceError>) {}
/// }
/// ```
pub trait ForeachWriter: Send {
    /// Prepares to write one partition of batch `epoch_id`; returning false skips the
    /// partition's rows (e.g. because that batch was already written before a restart).
    fn open(&mut self, partition_id: u64, epoch_id: u64) -> bool;
    /// Writes one row of the partition opened last.
    fn process(&mut self, row: Row);
    /// Ends the partition, called once per `open` whatever it returned: `None` when every
    /// row was processed, or the error that stopped it (a panic in `process`).
    fn close(&mut self, error: Option<&SluiceError>);
}

/// A fresh writer for each partition.
pub(crate) type WriterFactory = Box<dyn FnMut() -> Box<dyn ForeachWriter> + Send>;

/// The function given to `foreach_batch`.
pub(crate) type BatchFunction = Box<dyn FnMut(DataFrame, u64) -> Result<()> + Send>;

/// Calls a `ForeachWriter` per partition of each batch.
pub(crate) struct ForeachSink {
    factory: WriterFactory,
    partitions: usize,
}

impl ForeachSink {
    /// Splits each batch into `partitions` (at least one) partitions.
    pub fn new(factory: WriterFactory, partitions: usize) -> Self {
        ForeachSink { factory, partitions: partitions.max(1) }
    }
}

impl Sink for ForeachSink {
    fn add_batch(
        &mut self,
        batch_id: u64,
        _schema: &Schema,
        rows: Vec<Row>,
        _mode: OutputMode,
    ) -> Result<()> {
        // Round robin keeps partitions even whatever the rows are; every partition is
        // opened, empty or not, as Spark opens a writer per task.
        let mut parts: Vec<Vec<Row>> = vec![Vec::new(); self.partitions];
        for (i, row) in rows.into_iter().enumerate() {
            parts[i % self.partitions].push(row);
        }
        for (partition, part) in parts.into_iter().enumerate() {
            let partition = partition as u64;
            let mut writer = (self.factory)();
            let opened = catch_unwind(AssertUnwindSafe(|| writer.open(partition, batch_id)))
                .map_err(|p| panicked("open", partition, batch_id, p.as_ref()))?;
            let failure = if opened {
                part.into_iter().try_for_each(|row| {
                    catch_unwind(AssertUnwindSafe(|| writer.process(row)))
                        .map_err(|p| panicked("process", partition, batch_id, p.as_ref()))
                })
            } else {
                Ok(())
            };
            let error = failure.as_ref().err();
            catch_unwind(AssertUnwindSafe(|| writer.close(error)))
                .map_err(|p| panicked("close", partition, batch_id, p.as_ref()))?;
            failure?;
        }
        Ok(())
    }

    fn description(&self) -> String {
        "ForeachWriterTable".into()
    }
}

/// Hands each batch's output to a function as a bounded DataFrame.
pub(crate) struct ForeachBatchSink {
    session: Session,
    function: BatchFunction,
}

impl ForeachBatchSink {
    /// The DataFrames are created in `session`, so they can be joined with its tables.
    pub fn new(session: Session, function: BatchFunction) -> Self {
        ForeachBatchSink { session, function }
    }
}

impl Sink for ForeachBatchSink {
    fn add_batch(&mut self, batch_id: u64, schema: &Schema, rows: Vec<Row>, _mode: OutputMode) -> Result<()> {
        let df = self.session.create_dataframe(rows, schema.clone())?;
        // A panic must end the query with an error, not kill the driver thread and leave
        // `await_termination` waiting forever.
        catch_unwind(AssertUnwindSafe(|| (self.function)(df, batch_id)))
            .map_err(|p| panicked_batch(batch_id, p.as_ref()))?
    }

    fn description(&self) -> String {
        "ForeachBatchSink".into()
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

fn panicked(call: &str, partition: u64, batch_id: u64, payload: &(dyn std::any::Any + Send)) -> SluiceError {
    SluiceError::exec(format!(
        "the foreach writer panicked in {call} for partition {partition} of batch {batch_id}: {}",
        panic_message(payload)
    ))
}

fn panicked_batch(batch_id: u64, payload: &(dyn std::any::Any + Send)) -> SluiceError {
    SluiceError::exec(format!(
        "the foreachBatch function panicked on batch {batch_id}: {}",
        panic_message(payload)
    ))
}
