//! The console sink: prints every batch as Spark's `ConsoleSink` does.

use sluice_core::format::console_batch;
use sluice_core::mode::OutputMode;
use sluice_core::sink::Sink;
use sluice_core::{Options, Result, Row, Schema, SluiceError};
use std::io::Write;

/// Prints `Batch: N` and the batch's rows as a table (`numRows`, `truncate` options).
pub struct ConsoleSink {
    num_rows: usize,
    truncate: usize,
    /// Timestamps print in this zone (the session's, through the `timeZone` option).
    zone: sluice_core::time::Zone,
    out: Box<dyn Write + Send>,
}

impl ConsoleSink {
    /// A console sink writing to stdout, configured by Spark's options
    /// `numRows` (default 20) and `truncate` (default true: cut cells at 20 characters).
    pub fn from_options(options: &Options) -> Result<Self> {
        Self::with_writer(options, Box::new(std::io::stdout()))
    }

    /// The same, writing to `out` (tests capture the output this way).
    pub fn with_writer(options: &Options, out: Box<dyn Write + Send>) -> Result<Self> {
        let num_rows = match options.get("numRows") {
            None => 20,
            Some(v) => v.trim().parse::<usize>().map_err(|_| {
                SluiceError::option("numRows", format!("expected a number of rows, got '{v}'"))
            })?,
        };
        let truncate = if options.get_bool("truncate", true)? { 20 } else { 0 };
        Ok(ConsoleSink { num_rows, truncate, zone: options.time_zone()?, out })
    }
}

impl Sink for ConsoleSink {
    fn add_batch(&mut self, batch_id: u64, schema: &Schema, rows: Vec<Row>, _mode: OutputMode) -> Result<()> {
        let text = console_batch(batch_id, schema, &rows, self.num_rows, self.truncate, self.zone);
        self.out
            .write_all(text.as_bytes())
            .and_then(|_| self.out.flush())
            .map_err(|e| SluiceError::io("<stdout>", e))
    }

    fn description(&self) -> String {
        "org.apache.spark.sql.execution.streaming.ConsoleTable$".into()
    }
}
