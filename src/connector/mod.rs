//! The connector registry, as Spark's `DataSourceRegister`: one [`Connector`] per name,
//! saying what source it makes and what sink it makes (with the output modes the sink
//! supports). `read().format(..)`, `read_stream().format(..)`, `write_stream().format(..)`
//! and SQL's `CREATE TABLE .. WITH (connector = ..)` all look names up here.
//!
//! Adding a connector is one module implementing [`SourceProvider`] (with a
//! [`Source`](crate::source::Source) and a [`SourceReader`](crate::source::SourceReader))
//! and/or [`SinkProvider`], and one line in [`CONNECTORS`].

mod file;
mod kafka;
mod memory;
mod nexmark;
mod range;
mod rate;
mod sinks;
mod socket;

pub(crate) use file::recorded_files;

use crate::foreach::{BatchFunction, WriterFactory};
use crate::session::Session;
use crate::source::{Source, SourceReader};
use sluice_connectors::sink::MemoryTable;
use sluice_core::mode::OutputMode;
use sluice_core::plan::{SourceInput, SourceSpec};
use sluice_core::sink::Sink;
use sluice_core::{Options, Result, Schema, SluiceError};

/// A named connector: its source and its sink, either of which may be missing.
pub(crate) struct Connector {
    /// The name `format(..)` and `connector = '..'` use (lower case).
    pub name: &'static str,
    pub source: Option<&'static dyn SourceProvider>,
    pub sink: Option<&'static dyn SinkProvider>,
}

/// Every connector. Names are matched case-insensitively.
pub(crate) static CONNECTORS: &[Connector] = &[
    Connector { name: "json", source: Some(&file::JSON), sink: Some(&sinks::JSON) },
    Connector { name: "csv", source: Some(&file::CSV), sink: Some(&sinks::CSV) },
    Connector { name: "text", source: Some(&file::TEXT), sink: None },
    Connector { name: "parquet", source: Some(&file::PARQUET), sink: Some(&sinks::PARQUET) },
    Connector { name: "kafka", source: Some(&kafka::KafkaConnector), sink: Some(&kafka::KafkaConnector) },
    Connector { name: "socket", source: Some(&socket::SocketConnector), sink: None },
    Connector { name: "nexmark", source: Some(&nexmark::NexmarkConnector), sink: None },
    Connector { name: "rate", source: Some(&rate::RATE), sink: None },
    Connector { name: "rate-micro-batch", source: Some(&rate::RATE_MICRO_BATCH), sink: None },
    Connector {
        name: "memory",
        source: Some(&memory::MemoryConnector),
        sink: Some(&memory::MemoryConnector),
    },
    Connector { name: "console", source: None, sink: Some(&sinks::ConsoleConnector) },
    Connector { name: "noop", source: None, sink: Some(&sinks::NoopConnector) },
    Connector { name: "foreach", source: None, sink: Some(&sinks::ForeachConnector) },
    Connector { name: "foreachbatch", source: None, sink: Some(&sinks::ForeachBatchConnector) },
];

/// The connector named `name`, if any.
pub(crate) fn lookup(name: &str) -> Option<&'static Connector> {
    CONNECTORS.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

fn names(has: impl Fn(&Connector) -> bool) -> String {
    CONNECTORS.iter().filter(|c| has(c)).map(|c| c.name).collect::<Vec<_>>().join(", ")
}

/// The source of connector `name`, or Spark's `DATA_SOURCE_NOT_FOUND`.
pub(crate) fn source(name: &str) -> Result<&'static dyn SourceProvider> {
    lookup(name).and_then(|c| c.source).ok_or_else(|| {
        SluiceError::analysis(format!(
            "[DATA_SOURCE_NOT_FOUND] Failed to find the data source: {name}. Supported here: {}.",
            names(|c| c.source.is_some())
        ))
    })
}

/// The sink of connector `name`, or the error Spark gives for a source-only format.
pub(crate) fn sink(name: &str) -> Result<&'static dyn SinkProvider> {
    match lookup(name) {
        Some(Connector { sink: Some(s), .. }) => Ok(*s),
        Some(_) => {
            Err(SluiceError::analysis(format!("Data source {name} does not support streamed writing")))
        }
        None => Err(SluiceError::analysis(format!(
            "Data source {name} does not support streamed writing (sinks: {})",
            names(|c| c.sink.is_some())
        ))),
    }
}

/// The source a plan's leaf reads (its connector was found when the leaf was made).
pub(crate) fn source_of(spec: &SourceSpec) -> Result<&'static dyn SourceProvider> {
    source(&spec.connector)
}

/// What `load()` asks of a source.
pub(crate) struct SourceRequest<'a> {
    /// The connector's name as the user wrote it (lower case).
    pub format: &'a str,
    pub path: Option<&'a str>,
    pub schema: Option<Schema>,
    pub options: &'a Options,
    /// `read_stream()` (true) or `read()`.
    pub streaming: bool,
    /// `spark.sql.streaming.schemaInference`: a stream may infer its schema.
    pub stream_schema_inference: bool,
}

/// A connector's source: describes a plan's leaf and makes the driver and worker sides.
pub(crate) trait SourceProvider: Sync {
    /// Checks the options and describes the leaf `load()` makes (schema, description).
    fn describe(&self, request: &SourceRequest) -> Result<SourceSpec>;
    /// What a checkpoint's shape keeps of the source (a restart must read the same).
    fn shape(&self, spec: &SourceSpec) -> String;
    /// The driver side of a query's source.
    fn stream(&self, input: &SourceInput) -> Result<Box<dyn Source>>;
    /// The reader every worker runs.
    fn reader(&self, input: &SourceInput) -> Result<Box<dyn SourceReader>>;
}

/// What `start()` asks of a sink.
pub(crate) struct SinkRequest<'a> {
    pub format: &'a str,
    pub session: &'a Session,
    pub schema: &'a Schema,
    pub options: &'a Options,
    pub mode: OutputMode,
    pub query_name: Option<&'a str>,
    pub partition_by: &'a [String],
    pub foreach_writer: Option<WriterFactory>,
    pub foreach_batch: Option<BatchFunction>,
}

/// A sink made for a query, and the memory table to register once the query starts.
pub(crate) struct MadeSink {
    pub sink: Box<dyn Sink>,
    pub memory_table: Option<(String, MemoryTable)>,
}

/// A connector's sink.
pub(crate) trait SinkProvider: Sync {
    /// The output modes the sink supports.
    fn output_modes(&self) -> &'static [OutputMode];
    /// Makes the sink (the mode was checked against [`output_modes`](Self::output_modes)).
    fn create(&self, request: SinkRequest) -> Result<MadeSink>;
}

/// All three output modes.
const ALL_MODES: &[OutputMode] = &[OutputMode::Append, OutputMode::Complete, OutputMode::Update];

/// Makes the sink of `request.format` after checking the output mode.
pub(crate) fn make_sink(request: SinkRequest) -> Result<MadeSink> {
    let provider = sink(request.format)?;
    if !provider.output_modes().contains(&request.mode) {
        return Err(SluiceError::analysis(format!(
            "Data source {} does not support {} output mode",
            request.format, request.mode
        )));
    }
    provider.create(request)
}

/// Plain sinks: the made sink and no table.
fn made(sink: impl Sink + 'static) -> Result<MadeSink> {
    Ok(MadeSink { sink: Box::new(sink), memory_table: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lower_case() {
        let mut names: Vec<&str> = CONNECTORS.iter().map(|c| c.name).collect();
        assert!(names.iter().all(|n| *n == n.to_ascii_lowercase()));
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CONNECTORS.len());
        assert!(lookup("JSON").is_some_and(|c| c.source.is_some() && c.sink.is_some()));
        assert!(sink("text").is_err() && source("console").is_err());
    }
}
