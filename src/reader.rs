//! `read()` and `read_stream()`: describe a source (format, schema, options) and load it
//! as a DataFrame (Spark's `DataFrameReader` / `DataStreamReader`).

use crate::connector::{self, SourceRequest};
use crate::dataframe::DataFrame;
use crate::session::{CatalogEntry, Session, TableDefinition};
use sluice_core::plan::{LogicalPlan, SourceSpec};
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
        let spec = self.spec(path, streaming)?;
        DataFrame::from_plan(self.session.clone(), LogicalPlan::Source(Arc::new(spec)))
    }

    /// The source leaf the format's connector describes (file sources default to parquet,
    /// as Spark's `spark.sql.sources.default`).
    fn spec(&self, path: Option<&str>, streaming: bool) -> Result<SourceSpec> {
        let format = self.format.as_deref().unwrap_or("parquet");
        let schema = self.schema.clone().transpose()?;
        let stream_schema_inference = self
            .session
            .conf()
            .get("spark.sql.streaming.schemaInference")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        // Text without a zone is read in the session's zone, unless the source's own
        // `timeZone` option says otherwise (Spark's JSON and CSV option).
        let mut options = self.options.clone();
        self.session.default_time_zone(&mut options)?;
        connector::source(format)?.describe(&SourceRequest {
            format,
            path,
            schema,
            options: &options,
            streaming,
            stream_schema_inference,
        })
    }
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
        let spec = self.0.spec(Some(path), false)?;
        let session = self.0.session.clone();
        let stream = Arc::new(SourceSpec { streaming: true, ..spec.clone() });
        let entry = CatalogEntry::Source { batch: Arc::new(spec), stream, definition: Arc::new(definition) };
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

impl Session {
    /// Reads bounded data (Spark's `spark.read`).
    pub fn read(&self) -> DataFrameReader {
        DataFrameReader::new(self.clone())
    }

    /// Reads a stream (Spark's `spark.readStream`).
    pub fn read_stream(&self) -> DataStreamReader {
        DataStreamReader::new(self.clone())
    }
}
