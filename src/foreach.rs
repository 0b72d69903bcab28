//! The `foreach` and `foreachBatch` sinks: user code as a query's sink (Spark's
//! `ForeachWriter` and `foreachBatch`), for writing to systems Sluice has no connector for.
//!
//! A `ForeachWriter` runs where Spark runs it, with the tasks: each worker (of every
//! process) writes its own share of each batch through a fresh clone of the writer, its
//! partition id being the worker's index; clones on different workers run at the same
//! time. Only a query whose output needs the whole result (ORDER BY, LIMIT) hands the rows
//! to the driver, which splits them round robin. `foreachBatch` runs on the driver: its
//! function gets the whole batch as one DataFrame.

use sluice_core::mode::OutputMode;
use sluice_core::sink::{PartWriter, PartWriterFactory, Sink};
use sluice_core::{Result, Row, Schema, SluiceError};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

/// Writes a query's output row by row (Spark's `ForeachWriter`), given to
/// `write_stream().foreach(writer)`.
///
/// Each micro-batch's output has one partition per worker: the rows that worker produced.
/// For each partition Sluice uses a fresh clone of the writer (as Spark deserialises a fresh
/// copy per task) on that worker's thread, calls `open(partition_id, batch_id)`, then
/// `process` for each of the partition's rows if `open` returned true, then `close` in
/// every case. Partitions are written in parallel: share state between the clones through
/// an `Arc` (with a lock).
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

/// The function given to `foreach_batch`, over a batch's rows (the writer wraps the
/// user's function, which takes a DataFrame).
pub(crate) type BatchFunction = Box<dyn FnMut(Vec<Row>, &Schema, u64) -> Result<()> + Send>;

/// Calls a `ForeachWriter` per partition of each batch.
pub(crate) struct ForeachSink {
    factory: Arc<Mutex<WriterFactory>>,
    partitions: usize,
}

impl ForeachSink {
    /// On the driver, splits each batch into `partitions` (at least one) partitions.
    pub fn new(factory: WriterFactory, partitions: usize) -> Self {
        ForeachSink { factory: Arc::new(Mutex::new(factory)), partitions: partitions.max(1) }
    }
}

/// Writes one partition of a batch through a fresh writer: `open`, `process` for each row
/// if `open` said so, `close` in every case; a panic in user code becomes the error.
fn write_partition(
    factory: &Mutex<WriterFactory>,
    partition: u64,
    batch_id: u64,
    rows: Vec<Row>,
) -> Result<()> {
    let mut writer = (factory.lock().unwrap_or_else(|p| p.into_inner()))();
    let opened = catch_unwind(AssertUnwindSafe(|| writer.open(partition, batch_id)))
        .map_err(|p| panicked("open", partition, batch_id, p.as_ref()))?;
    let failure = if opened {
        rows.into_iter().try_for_each(|row| {
            catch_unwind(AssertUnwindSafe(|| writer.process(row)))
                .map_err(|p| panicked("process", partition, batch_id, p.as_ref()))
        })
    } else {
        Ok(())
    };
    let error = failure.as_ref().err();
    catch_unwind(AssertUnwindSafe(|| writer.close(error)))
        .map_err(|p| panicked("close", partition, batch_id, p.as_ref()))?;
    failure
}

/// Makes each worker's partition writer.
struct ForeachWriters(Arc<Mutex<WriterFactory>>);

impl PartWriterFactory for ForeachWriters {
    fn create(&self, worker: usize, _workers: usize) -> Result<Box<dyn PartWriter>> {
        Ok(Box::new(ForeachPartition { factory: self.0.clone(), partition: worker as u64 }))
    }
}

/// A worker's partition of every batch.
struct ForeachPartition {
    factory: Arc<Mutex<WriterFactory>>,
    partition: u64,
}

impl PartWriter for ForeachPartition {
    fn write(&mut self, batch_id: u64, rows: Vec<Row>) -> Result<Vec<String>> {
        write_partition(&self.factory, self.partition, batch_id, rows)?;
        Ok(Vec::new())
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
            write_partition(&self.factory, partition as u64, batch_id, part)?;
        }
        Ok(())
    }

    fn description(&self) -> String {
        "ForeachWriterTable".into()
    }

    fn part_writers(&self, _schema: &Schema) -> Option<Arc<dyn PartWriterFactory>> {
        Some(Arc::new(ForeachWriters(self.factory.clone())))
    }
}

/// Hands each batch's output to a function as a bounded DataFrame.
pub(crate) struct ForeachBatchSink {
    function: BatchFunction,
}

impl ForeachBatchSink {
    pub fn new(function: BatchFunction) -> Self {
        ForeachBatchSink { function }
    }
}

impl Sink for ForeachBatchSink {
    fn add_batch(&mut self, batch_id: u64, schema: &Schema, rows: Vec<Row>, _mode: OutputMode) -> Result<()> {
        // A panic must end the query with an error, not kill the driver thread and leave
        // `await_termination` waiting forever.
        catch_unwind(AssertUnwindSafe(|| (self.function)(rows, schema, batch_id)))
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
