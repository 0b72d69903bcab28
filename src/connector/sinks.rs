//! Sinks without a source: console, noop, the file formats' sinks, foreach and
//! foreachBatch (the last two need the writer or function given to `DataStreamWriter`).

use super::{made, MadeSink, SinkProvider, SinkRequest, ALL_MODES};
use crate::foreach::{ForeachBatchSink, ForeachSink};
use sluice_connectors::file::parquet::{check_writable, ParquetCompression};
use sluice_connectors::sink::{ConsoleSink, FileSink, NoopSink, SinkFormat, TextOptions};
use sluice_core::mode::OutputMode;
use sluice_core::{Result, SluiceError};

pub(super) struct ConsoleConnector;

impl SinkProvider for ConsoleConnector {
    fn output_modes(&self) -> &'static [OutputMode] {
        ALL_MODES
    }
    fn create(&self, r: SinkRequest) -> Result<MadeSink> {
        made(ConsoleSink::from_options(r.options)?)
    }
}

/// Discards output (benchmarks).
pub(super) struct NoopConnector;

impl SinkProvider for NoopConnector {
    fn output_modes(&self) -> &'static [OutputMode] {
        ALL_MODES
    }
    fn create(&self, _r: SinkRequest) -> Result<MadeSink> {
        made(NoopSink)
    }
}

/// The file sink of one format (append only, as Spark's `FileStreamSink`).
pub(super) enum FileSinkConnector {
    Json,
    Csv,
    Parquet,
}

pub(super) static JSON: FileSinkConnector = FileSinkConnector::Json;
pub(super) static CSV: FileSinkConnector = FileSinkConnector::Csv;
pub(super) static PARQUET: FileSinkConnector = FileSinkConnector::Parquet;

impl SinkProvider for FileSinkConnector {
    fn output_modes(&self) -> &'static [OutputMode] {
        &[OutputMode::Append]
    }

    fn create(&self, r: SinkRequest) -> Result<MadeSink> {
        let path = r.options.get("path").ok_or_else(|| {
            SluiceError::analysis("'path' is not specified: the file sink needs option(\"path\", dir)")
        })?;
        let schema = r.schema;
        let partition_by =
            r.partition_by.iter().map(|c| schema.resolve(c)).collect::<Result<Vec<usize>>>()?;
        let format = match self {
            FileSinkConnector::Json => SinkFormat::text("json", r.options.get("compression"))?,
            FileSinkConnector::Csv => SinkFormat::text("csv", r.options.get("compression"))?,
            FileSinkConnector::Parquet => {
                let data: Vec<_> = (0..schema.len())
                    .filter(|i| !partition_by.contains(i))
                    .map(|i| schema.fields[i].clone())
                    .collect();
                check_writable(&data)?;
                SinkFormat::Parquet(ParquetCompression::parse(
                    r.options.get("compression").unwrap_or("snappy"),
                )?)
            }
        };
        let formats = sluice_core::time::TimeFormats::for_writing(r.options, r.options.time_zone()?)?;
        let sink = FileSink::new(path, format, partition_by)?.with_formats(formats);
        made(match self {
            FileSinkConnector::Parquet => sink,
            _ => sink.with_text_options(TextOptions::from_options(r.options)?),
        })
    }
}

/// `write_stream().foreach(writer)`.
pub(super) struct ForeachConnector;

impl SinkProvider for ForeachConnector {
    fn output_modes(&self) -> &'static [OutputMode] {
        ALL_MODES
    }
    fn create(&self, r: SinkRequest) -> Result<MadeSink> {
        let factory = r.foreach_writer.ok_or_else(|| {
            SluiceError::analysis(
                "foreach writer has not been set: use write_stream().foreach(writer) instead of format(\"foreach\")",
            )
        })?;
        made(ForeachSink::new(factory, r.session.workers()))
    }
}

/// `write_stream().foreach_batch(f)`.
pub(super) struct ForeachBatchConnector;

impl SinkProvider for ForeachBatchConnector {
    fn output_modes(&self) -> &'static [OutputMode] {
        ALL_MODES
    }
    fn create(&self, r: SinkRequest) -> Result<MadeSink> {
        let f = r.foreach_batch.ok_or_else(|| {
            SluiceError::analysis(
                "foreachBatch function has not been set: use write_stream().foreach_batch(f) instead of format(\"foreachBatch\")",
            )
        })?;
        made(ForeachBatchSink::new(f))
    }
}
