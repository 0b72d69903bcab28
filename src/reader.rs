//! `read()` and `read_stream()`: describe a source (format, schema, options) and load it
//! as a DataFrame (Spark's `DataFrameReader` / `DataStreamReader`).

use crate::dataframe::DataFrame;
use crate::session::{CatalogEntry, Session, TableDefinition};
use sluice_connectors::file::{FileFormat, FileSourceConfig};
use sluice_connectors::kafka::{kafka_schema, KafkaSourceConfig, Subscription};
use sluice_connectors::nexmark::NexmarkOptions;
use sluice_connectors::rate::{rate_schema, RateConfig};
use sluice_connectors::socket::{socket_schema, SocketConfig};
use sluice_core::plan::{LogicalPlan, SourceKind, SourceSpec};
use sluice_core::{Options, Result, Schema, SluiceError};
use std::sync::Arc;

/// What both readers hold.
#[derive(Clone)]
struct ReaderState {
    session: Session,
    format: Option<String>,
    schema: Option<std::result::Result<Schema, SluiceError>>,
    options: Options,
}

impl ReaderState {
    fn load(&self, path: Option<&str>, streaming: bool) -> Result<DataFrame> {
        let spec = match (self.format.as_deref(), path) {
            (Some(f @ ("rate" | "rate-micro-batch")), _) => self.rate_spec(f, streaming)?,
            (Some("socket"), _) => self.socket_spec(streaming)?,
            (Some("kafka"), _) => self.kafka_spec(streaming)?,
            (Some("nexmark"), _) => self.nexmark_spec(streaming)?,
            (_, Some(path)) => self.spec(path, streaming)?,
            (_, None) => {
                return Err(SluiceError::analysis(
                    "'path' is not specified: file sources need a path (load(\"dir\"))",
                ))
            }
        };
        DataFrame::from_plan(self.session.clone(), LogicalPlan::Source(Arc::new(spec)))
    }

    fn socket_spec(&self, streaming: bool) -> Result<SourceSpec> {
        if !streaming {
            return Err(SluiceError::analysis("Data source socket does not support batch reads"));
        }
        if self.schema.is_some() {
            return Err(SluiceError::analysis("The socket source does not support a user-specified schema."));
        }
        let config = SocketConfig::from_options(&self.options)?;
        Ok(SourceSpec {
            description: format!("TextSocketV2[host: {}, port: {}]", config.host, config.port),
            kind: SourceKind::Socket,
            schema: socket_schema(config.include_timestamp),
            options: self.options.clone(),
            streaming,
        })
    }

    fn kafka_spec(&self, streaming: bool) -> Result<SourceSpec> {
        if self.schema.is_some() {
            return Err(SluiceError::analysis(
                "Kafka source has a fixed schema and cannot be set with a custom one",
            ));
        }
        let config = KafkaSourceConfig::from_options(&self.options, streaming)?;
        Ok(SourceSpec {
            description: kafka_description(&config),
            kind: SourceKind::Kafka,
            schema: kafka_schema(config.include_headers),
            options: self.options.clone(),
            streaming,
        })
    }

    fn rate_spec(&self, format: &str, streaming: bool) -> Result<SourceSpec> {
        if !streaming {
            return Err(SluiceError::analysis(format!("Data source {format} does not support batch reads")));
        }
        if self.schema.is_some() {
            return Err(SluiceError::analysis(format!(
                "The {format} source does not support a user-specified schema."
            )));
        }
        RateConfig::from_options(format, &self.options)?;
        Ok(SourceSpec {
            description: format!("{}Stream", if format == "rate" { "Rate" } else { "RatePerMicroBatch" }),
            kind: SourceKind::Rate { format: format.to_string() },
            schema: rate_schema(),
            options: self.options.clone(),
            streaming,
        })
    }

    fn nexmark_spec(&self, streaming: bool) -> Result<SourceSpec> {
        if self.schema.is_some() {
            return Err(SluiceError::analysis(
                "The nexmark source has the fixed schema of its table and cannot be set with a custom one",
            ));
        }
        let options = NexmarkOptions::from_options(&self.options)?;
        if !streaming && options.pacing.num_events.is_none() {
            return Err(SluiceError::option(
                "numEvents",
                "a batch read of the nexmark source needs numEvents",
            ));
        }
        Ok(SourceSpec {
            description: options.description(),
            kind: SourceKind::Nexmark,
            schema: options.table.schema(),
            options: self.options.clone(),
            streaming,
        })
    }

    fn spec(&self, path: &str, streaming: bool) -> Result<SourceSpec> {
        let format = self.format.clone().unwrap_or_else(|| "parquet".into());
        let file_format = FileFormat::parse(&format).map_err(|_| {
            SluiceError::analysis(format!(
                "[DATA_SOURCE_NOT_FOUND] Failed to find the data source: {format}. Supported here: json, csv, text, parquet."
            ))
        })?;
        let schema = self.schema.clone().transpose()?;
        let infer = !streaming
            || self
                .session
                .conf("spark.sql.streaming.schemaInference")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let cfg = FileSourceConfig::new(file_format, path, schema, &self.options, infer)?;
        let description = if streaming {
            format!("FileStreamSource[{path}]")
        } else {
            format!("Relation[{format} {path}]")
        };
        Ok(SourceSpec {
            description,
            kind: SourceKind::File { format, path: path.to_string() },
            schema: cfg.schema.clone(),
            options: self.options.clone(),
            streaming,
        })
    }
}

/// Spark's description of a Kafka source (`KafkaV2[Subscribe[topic]]`).
fn kafka_description(config: &KafkaSourceConfig) -> String {
    let what = match &config.subscription {
        Subscription::Assign(m) => {
            let parts: Vec<String> =
                m.iter().flat_map(|(t, ps)| ps.iter().map(move |p| format!("{t}-{p}"))).collect();
            format!("Assign[{}]", parts.join(", "))
        }
        Subscription::Subscribe(topics) => format!("Subscribe[{}]", topics.join(",")),
        Subscription::Pattern(re) => {
            let p = re.as_str();
            format!(
                "SubscribePattern[{}]",
                p.strip_prefix("^(?:").and_then(|x| x.strip_suffix(")$")).unwrap_or(p)
            )
        }
    };
    format!("KafkaV2[{what}]")
}

macro_rules! reader_methods {
    ($streaming:expr) => {
        /// The source format: `json`, `csv`, `text` or `parquet`.
        pub fn format(mut self, format: &str) -> Self {
            self.0.format = Some(format.to_ascii_lowercase());
            self
        }

        /// The schema as a DDL string (`"a BIGINT, b STRING"`); an invalid one is reported by `load`.
        pub fn schema(mut self, ddl: &str) -> Self {
            self.0.schema = Some(Schema::parse_ddl(ddl));
            self
        }

        /// The schema as a `Schema`.
        pub fn schema_struct(mut self, schema: Schema) -> Self {
            self.0.schema = Some(Ok(schema));
            self
        }

        /// Sets an option (Spark's keys, case-insensitive).
        pub fn option(mut self, key: &str, value: impl ToString) -> Self {
            self.0.options.set(key, value.to_string());
            self
        }

        /// Sets several options.
        pub fn options<K: AsRef<str>, V: ToString>(mut self, opts: impl IntoIterator<Item = (K, V)>) -> Self {
            for (k, v) in opts {
                self.0.options.set(k.as_ref(), v.to_string());
            }
            self
        }

        /// Loads `path` in the chosen format; `load(None)` for sources without a path
        /// (`rate`, `rate-micro-batch`), as Spark's `load()`.
        pub fn load<'p>(self, path: impl Into<Option<&'p str>>) -> Result<DataFrame> {
            self.0.load(path.into(), $streaming)
        }

        /// Loads JSON lines from `path` (a directory or a file).
        pub fn json(self, path: &str) -> Result<DataFrame> {
            self.format("json").load(path)
        }

        /// Loads CSV from `path`.
        pub fn csv(self, path: &str) -> Result<DataFrame> {
            self.format("csv").load(path)
        }

        /// Loads parquet files from `path`, with the schema of the files unless one is given.
        pub fn parquet(self, path: &str) -> Result<DataFrame> {
            self.format("parquet").load(path)
        }

        /// Loads text lines from `path` as a `value` column.
        pub fn text(self, path: &str) -> Result<DataFrame> {
            self.format("text").load(path)
        }
    };
}

/// Describes a bounded source (Spark's `DataFrameReader`).
#[derive(Clone)]
pub struct DataFrameReader(ReaderState);

/// Describes a streaming source (Spark's `DataStreamReader`).
#[derive(Clone)]
pub struct DataStreamReader(ReaderState);

impl DataFrameReader {
    pub(crate) fn new(session: Session) -> Self {
        DataFrameReader(ReaderState { session, format: None, schema: None, options: Options::new() })
    }
    reader_methods!(false);

    /// Registers the files at `path` as a table named `name`: `session.table(name)` and
    /// SQL read it as a batch, `read_stream().table(name)` as a stream.
    pub fn create_table(self, name: &str, path: &str) -> Result<()> {
        self.create_table_with(name, path, TableDefinition::default())
    }

    /// As `create_table`, with computed columns and a watermark; both are checked now.
    pub fn create_table_with(self, name: &str, path: &str, definition: TableDefinition) -> Result<()> {
        let spec = self.0.spec(path, false)?;
        let session = self.0.session.clone();
        let entry = CatalogEntry::Source(Arc::new(spec), Arc::new(definition));
        let previous = session
            .inner
            .catalog
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&name.to_ascii_lowercase())
            .cloned();
        session.register(name, entry);
        // Analyse the stream form once so a bad computed column or watermark fails here.
        if let Err(e) = session.table_plan(name, true).and_then(|p| DataFrame::from_plan(session.clone(), p))
        {
            match previous {
                Some(p) => session.register(name, p),
                None => session.unregister(name),
            }
            return Err(e);
        }
        Ok(())
    }
}

impl DataStreamReader {
    pub(crate) fn new(session: Session) -> Self {
        DataStreamReader(ReaderState { session, format: None, schema: None, options: Options::new() })
    }
    reader_methods!(true);

    /// Reads a table created with `read().create_table(..)` as a stream.
    pub fn table(self, name: &str) -> Result<DataFrame> {
        let plan = self.0.session.table_plan(name, true)?;
        if !plan.is_streaming() {
            return Err(SluiceError::analysis(format!(
                "table `{name}` is not a file source table and cannot be read as a stream"
            )));
        }
        DataFrame::from_plan(self.0.session.clone(), plan)
    }
}
