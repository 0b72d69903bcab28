//! The noop sink (Spark's `format("noop")`): runs the query and discards its output, for
//! benchmarks that measure the engine without a sink's cost.

use sluice_core::mode::OutputMode;
use sluice_core::sink::Sink;
use sluice_core::{Result, Row, Schema};

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
}
