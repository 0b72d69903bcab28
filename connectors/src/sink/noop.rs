//! The noop sink (Spark's `format("noop")`): runs the query and discards its output, for
//! benchmarks that measure the engine without a sink's cost. As in Spark (whose noop
//! table's writers run in the tasks), each worker discards its own share: the rows are
//! never gathered to the driver.

use sluice_core::mode::OutputMode;
use sluice_core::sink::{PartWriter, PartWriterFactory, Sink};
use sluice_core::{Result, Row, Schema};
use std::sync::Arc;

/// Discards every batch.
#[derive(Debug, Default)]
pub struct NoopSink;

impl Sink for NoopSink {
    fn add_batch(
        &mut self,
        _batch_id: u64,
        _schema: &Schema,
        _rows: Vec<Row>,
        _mode: OutputMode,
    ) -> Result<()> {
        Ok(())
    }

    fn description(&self) -> String {
        "org.apache.spark.sql.execution.datasources.noop.NoopTable$".into()
    }

    fn part_writers(&self, _schema: &Schema) -> Option<Arc<dyn PartWriterFactory>> {
        Some(Arc::new(NoopWriter))
    }
}

/// Each worker's writer: drops its rows.
#[derive(Debug, Clone, Copy)]
struct NoopWriter;

impl PartWriterFactory for NoopWriter {
    fn create(&self, _worker: usize, _workers: usize) -> Result<Box<dyn PartWriter>> {
        Ok(Box::new(NoopWriter))
    }
}

impl PartWriter for NoopWriter {
    fn write(&mut self, _batch_id: u64, _rows: Vec<Row>) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    fn discards_rows(&self) -> bool {
        true
    }
}
