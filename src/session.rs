//! The entry point: a `Session` holds the configuration, the workers' count, the catalog
//! of tables (memory-sink tables and temp views) and the streaming queries.

use crate::cluster::Cluster;
use crate::cluster::Placement;
use crate::query::StreamingQueryManager;
use sluice_connectors::sink::MemoryTable;
use sluice_core::plan::{LogicalPlan, SourceSpec};
use sluice_core::{Expr, Options, Result, SluiceError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Session config key: a file that every streaming query's progress is appended to, one
/// JSON object per line (the CLI's `--progress-log`).
pub const PROGRESS_LOG: &str = "sluice.progressLog";
/// The session time zone: a region ID (`America/Los_Angeles`) or an offset (`+08:00`).
pub const SESSION_TIME_ZONE: &str = "spark.sql.session.timeZone";
/// Whether decimal arithmetic may round away scale to fit 38 digits (Spark's default true).
pub const ALLOW_PRECISION_LOSS: &str = "spark.sql.decimalOperations.allowPrecisionLoss";
pub use crate::metrics_http::METRICS_ADDR;
/// Session config key (Spark's): the least time between two idle events of a query, in
/// milliseconds or with a unit (`10s`); default 10 seconds.
pub const NO_DATA_EVENT_INTERVAL: &str = "spark.sql.streaming.noDataProgressEventInterval";

/// A sink table declared with `CREATE TABLE name WITH (connector = ..)`: what
/// `INSERT INTO name` writes to.
#[derive(Clone, Debug)]
pub(crate) struct SinkTable {
    /// The sink connector's name (`memory`, `console`, `json`, `kafka`, ..).
    pub connector: String,
    pub options: Vec<(String, String)>,
}

/// A table the session knows by name.
#[derive(Clone)]
pub(crate) enum CatalogEntry {
    /// Written by a memory sink.
    Memory(MemoryTable),
    /// A managed table (`CREATE TABLE t (..) USING parquet`), written by `INSERT INTO`.
    Table(MemoryTable),
    /// A DataFrame registered with `create_or_replace_temp_view`.
    View(Arc<LogicalPlan>),
    /// A view made by SQL's `CREATE VIEW`: its plan with source tables read as a batch
    /// (`SELECT`) and as streams (`INSERT INTO`).
    SqlView { batch: Arc<LogicalPlan>, stream: Arc<LogicalPlan> },
    /// A table over files (`CREATE TABLE .. WITH (connector = 'file')`): read as a batch by
    /// `table`/`sql`, as a stream by `read_stream().table` and `sql_stream`.
    /// It keeps the spec read as a batch and the one read as a stream, so that every read of
    /// the table in one query is the same `Arc` (a query reading it twice reads it once,
    /// `core::plan::shared`).
    Source { batch: Arc<SourceSpec>, stream: Arc<SourceSpec>, definition: Arc<TableDefinition> },
}

/// What a source table adds to its files' columns: computed columns and a watermark
/// (the CLI's `col TYPE GENERATED ALWAYS AS (expr)` and `WATERMARK FOR col AS col - INTERVAL ..`).
#[derive(Clone, Debug, Default)]
pub struct TableDefinition {
    /// Columns computed from the others, appended in order.
    pub computed_columns: Vec<(String, Expr)>,
    /// `(event-time column, delay)`, applied when the table is read as a stream.
    pub watermark: Option<(String, String)>,
}

pub(crate) struct SessionInner {
    pub workers: usize,
    /// True when the workers were set (`workers(n)`, `-w`), not the default of one per core.
    pub workers_set: bool,
    pub cluster: Option<Cluster>,
    /// Cluster executions started so far (every process counts the same).
    pub executions: AtomicU64,
    pub conf: RwLock<Options>,
    /// The configs the session was built with (what `RESET` goes back to).
    pub initial_conf: Options,
    pub catalog: RwLock<HashMap<String, CatalogEntry>>,
    /// Sink tables declared by SQL's `CREATE TABLE` (a Kafka table may also be a view).
    pub sinks: RwLock<HashMap<String, SinkTable>>,
    pub streams: StreamingQueryManager,
    /// The HTTP metrics endpoint, when `sluice.metricsAddr` is set; stops with the session.
    pub metrics: Option<crate::metrics_http::MetricsServer>,
}

/// A Sluice session (Spark's `SparkSession`): create DataFrames, run SQL, start queries.
#[derive(Clone)]
pub struct Session {
    pub(crate) inner: Arc<SessionInner>,
}

/// Builds a `Session` (Spark's `SparkSession.builder`).
#[derive(Default)]
pub struct SessionBuilder {
    workers: Option<usize>,
    cluster: Option<(Vec<String>, usize)>,
    conf: Options,
}

impl SessionBuilder {
    /// Timely worker threads that run every query (default: one per core, as Spark's
    /// `local[*]`, from `std::thread::available_parallelism`).
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = Some(n);
        self
    }

    /// Runs every query over several processes (timely's cluster communication): `hosts`
    /// holds each process's `host:port` in process order, and this process is number
    /// `index`. Every process must run the same program with the same `workers`; process 0
    /// runs the driver (triggers, sources, sinks) and the others follow it: their queries
    /// write nothing and their `collect()` returns no rows.
    pub fn cluster<S: ToString>(mut self, hosts: impl IntoIterator<Item = S>, index: usize) -> Self {
        self.cluster = Some((hosts.into_iter().map(|h| h.to_string()).collect(), index));
        self
    }

    /// Sets a configuration key, e.g. `spark.sql.streaming.schemaInference`.
    pub fn config(mut self, key: &str, value: impl ToString) -> Self {
        self.conf.set(key, value.to_string());
        self
    }

    /// Accepted for Spark familiarity; the name is not used.
    pub fn app_name(self, _name: &str) -> Self {
        self
    }

    /// Creates the session.
    pub fn build(self) -> Result<Session> {
        let workers = self.workers.unwrap_or_else(default_workers);
        if workers == 0 {
            return Err(SluiceError::option("workers", "a session needs at least one worker"));
        }
        let streams = StreamingQueryManager::default();
        let metrics = match self.conf.get(METRICS_ADDR) {
            Some(addr) => Some(crate::metrics_http::MetricsServer::start(addr, streams.clone())?),
            None => None,
        };
        let cluster = self.cluster.map(|(hosts, index)| Cluster::new(hosts, index)).transpose()?;
        Ok(Session {
            inner: Arc::new(SessionInner {
                workers,
                workers_set: self.workers.is_some(),
                cluster,
                executions: AtomicU64::new(0),
                initial_conf: self.conf.clone(),
                conf: RwLock::new(self.conf),
                catalog: RwLock::new(HashMap::new()),
                sinks: RwLock::new(HashMap::new()),
                streams,
                metrics,
            }),
        })
    }
}

/// One worker per core (1 when the count is unknown).
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

impl Session {
    /// A builder for a new session.
    pub fn builder() -> SessionBuilder {
        SessionBuilder::default()
    }

    /// Number of worker threads queries run on.
    pub fn workers(&self) -> usize {
        self.inner.workers
    }

    /// Where the HTTP metrics endpoint listens (`sluice.metricsAddr`), with the port the
    /// system chose when port 0 was asked for; `None` when it is off.
    pub fn metrics_address(&self) -> Option<std::net::SocketAddr> {
        self.inner.metrics.as_ref().map(|m| m.addr())
    }

    /// This process's index in the cluster (0 without one): process 0 runs the driver.
    pub fn process_index(&self) -> usize {
        self.inner.cluster.as_ref().map_or(0, |c| c.process)
    }

    /// Number of processes queries run on (1 without a cluster).
    pub fn processes(&self) -> usize {
        self.inner.cluster.as_ref().map_or(1, Cluster::processes)
    }

    /// Where the next query's workers run; in cluster mode each call is one execution
    /// that every process must start in the same order.
    pub(crate) fn placement(&self) -> Placement {
        Placement {
            threads: self.inner.workers,
            cluster: self
                .inner
                .cluster
                .clone()
                .map(|c| (c, self.inner.executions.fetch_add(1, Ordering::SeqCst))),
        }
    }

    /// Where a query that reads only in-memory rows runs: in this process alone, since
    /// those rows (memory tables, local data) exist only here.
    pub(crate) fn local_placement(&self) -> Placement {
        Placement { threads: self.inner.workers, cluster: None }
    }

    /// The session's streaming queries (Spark's `spark.streams`).
    pub fn streams(&self) -> StreamingQueryManager {
        self.inner.streams.clone()
    }

    /// Sets a configuration key at runtime (Spark's `spark.conf.set`).
    pub fn set_conf(&self, key: &str, value: impl ToString) {
        self.inner.conf.write().unwrap_or_else(|p| p.into_inner()).set(key, value.to_string());
    }

    /// Every config set in this session, as `(key, value)` (`SET` with no key).
    pub fn conf_entries(&self) -> Vec<(String, String)> {
        let conf = self.inner.conf.read().unwrap_or_else(|p| p.into_inner());
        conf.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Puts `key` (every key when `None`) back to the value the session was built with,
    /// or unsets it (Spark's `RESET`).
    pub fn reset_conf(&self, key: Option<&str>) {
        let mut conf = self.inner.conf.write().unwrap_or_else(|p| p.into_inner());
        match key {
            None => *conf = self.inner.initial_conf.clone(),
            Some(k) => match self.inner.initial_conf.get(k) {
                Some(v) => conf.set(k, v),
                None => conf.remove(k),
            },
        }
    }

    /// The session time zone (`spark.sql.session.timeZone`, default UTC): where timestamps
    /// are read from and shown as local time, and taken apart into dates and hours.
    pub fn time_zone(&self) -> Result<sluice_core::time::Zone> {
        match self.conf().get(SESSION_TIME_ZONE) {
            None => Ok(sluice_core::time::Zone::Utc),
            Some(id) => {
                sluice_core::time::Zone::parse(&id).map_err(|why| SluiceError::option(SESSION_TIME_ZONE, why))
            }
        }
    }

    /// Sets a source's or sink's `timeZone` option to the session's zone, unless it has one
    /// (or the zone is UTC, what connectors take without the option).
    pub(crate) fn default_time_zone(&self, options: &mut Options) -> Result<()> {
        let zone = self.time_zone()?;
        if zone != sluice_core::time::Zone::Utc && !options.contains("timeZone") {
            options.set("timeZone", zone.id());
        }
        Ok(())
    }

    /// Runs `f` (analysis, planning) with the session's zone as the zone expressions bind
    /// to; an error when the configured zone is not one.
    /// `spark.sql.decimalOperations.allowPrecisionLoss` (default true) applies the same way,
    /// and every `current_timestamp()` of the analysis reads one instant.
    pub(crate) fn with_zone<R>(&self, f: impl FnOnce() -> Result<R>) -> Result<R> {
        let zone = self.time_zone()?;
        let loss = match self.conf().get(ALLOW_PRECISION_LOSS) {
            None => true,
            Some(v) => v.trim().parse::<bool>().map_err(|_| {
                SluiceError::option(ALLOW_PRECISION_LOSS, format!("must be true or false, not `{v}`"))
            })?,
        };
        let now = sluice_core::eval::system_micros();
        sluice_core::decimal::with_precision_loss(loss, || {
            sluice_core::eval::with_query_instant(now, || sluice_core::time::with_session_zone(zone, f))
        })
    }

    /// The session's runtime configuration (Spark's `spark.conf`): `session.conf().set(k, v)`,
    /// `get(k)`, `unset(k)`, `get_all()`.
    pub fn conf(&self) -> RuntimeConfig<'_> {
        RuntimeConfig { session: self }
    }

    pub(crate) fn table_plan(&self, name: &str, streaming: bool) -> Result<LogicalPlan> {
        let entry = self
            .inner
            .catalog
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&name.to_ascii_lowercase())
            .cloned();
        match entry {
            Some(CatalogEntry::Memory(table) | CatalogEntry::Table(table)) => {
                let (schema, rows) = table.snapshot();
                Ok(LogicalPlan::Source(Arc::new(SourceSpec {
                    description: format!("MemoryTable[{name}]"),
                    connector: "memory".into(),
                    path: None,
                    rows: Some(rows),
                    schema,
                    options: Options::new(),
                    streaming: false,
                })))
            }
            Some(CatalogEntry::View(plan)) => Ok((*plan).clone()),
            Some(CatalogEntry::SqlView { batch, stream }) => {
                Ok(if streaming { (*stream).clone() } else { (*batch).clone() })
            }
            Some(CatalogEntry::Source { batch, stream, definition: def }) => {
                let mut plan = LogicalPlan::Source(if streaming { stream } else { batch });
                if !def.computed_columns.is_empty() {
                    let mut exprs = vec![Expr::Star(None)];
                    exprs.extend(def.computed_columns.iter().map(|(n, e)| e.clone().alias(n)));
                    plan = LogicalPlan::Project { input: Arc::new(plan), exprs };
                }
                if let Some((column, delay)) = &def.watermark {
                    let (column, delay) = (column.clone(), delay.clone());
                    plan = LogicalPlan::Watermark { input: Arc::new(plan), column, delay };
                }
                Ok(plan)
            }
            None => Err(SluiceError::analysis(format!(
                "[TABLE_OR_VIEW_NOT_FOUND] The table or view `{name}` cannot be found. Verify the spelling and correctness of the schema and catalog."
            ))),
        }
    }

    /// The progress log every query of the session appends to (`sluice.progressLog`).
    pub(crate) fn progress_log(&self) -> Result<Option<Arc<crate::progress::ProgressLog>>> {
        match self.conf().get(PROGRESS_LOG) {
            Some(path) if !path.trim().is_empty() => {
                let log = crate::progress::ProgressLog::open(std::path::Path::new(&path))
                    .map_err(|e| SluiceError::option(PROGRESS_LOG, e.to_string()))?;
                Ok(Some(Arc::new(log)))
            }
            _ => Ok(None),
        }
    }

    /// `spark.sql.streaming.noDataProgressEventInterval`: milliseconds (or `10s`), default 10 s.
    pub(crate) fn no_data_event_interval(&self) -> Result<std::time::Duration> {
        self.time_conf(NO_DATA_EVENT_INTERVAL, std::time::Duration::from_secs(10))
    }

    /// A duration config as Spark's `timeConf` in milliseconds reads it: a bare number is
    /// milliseconds, else a duration such as `60s` or `1 minute`; `default` when unset.
    pub(crate) fn time_conf(&self, key: &str, default: std::time::Duration) -> Result<std::time::Duration> {
        match self.conf().get(key) {
            None => Ok(default),
            Some(text) => {
                let text = text.trim();
                let parsed = match text.parse::<u64>() {
                    Ok(ms) => Ok(std::time::Duration::from_millis(ms)),
                    Err(_) => sluice_core::mode::parse_duration(text),
                };
                parsed.map_err(|e| SluiceError::option(key, e.to_string()))
            }
        }
    }

    /// The catalog entry named `name` (case-insensitive).
    pub(crate) fn catalog_entry(&self, name: &str) -> Option<CatalogEntry> {
        self.inner.catalog.read().unwrap_or_else(|p| p.into_inner()).get(&name.to_ascii_lowercase()).cloned()
    }

    /// Every table, view and sink table, sorted.
    pub(crate) fn table_names(&self) -> Vec<String> {
        let mut names: Vec<String> =
            self.inner.catalog.read().unwrap_or_else(|p| p.into_inner()).keys().cloned().collect();
        names.extend(self.inner.sinks.read().unwrap_or_else(|p| p.into_inner()).keys().cloned());
        names.sort();
        names.dedup();
        names
    }

    pub(crate) fn sink_table(&self, name: &str) -> Option<SinkTable> {
        self.inner.sinks.read().unwrap_or_else(|p| p.into_inner()).get(&name.to_ascii_lowercase()).cloned()
    }

    pub(crate) fn register_sink_table(&self, name: &str, table: SinkTable) {
        self.inner.sinks.write().unwrap_or_else(|p| p.into_inner()).insert(name.to_ascii_lowercase(), table);
    }

    pub(crate) fn drop_sink_table(&self, name: &str) {
        self.inner.sinks.write().unwrap_or_else(|p| p.into_inner()).remove(&name.to_ascii_lowercase());
    }

    pub(crate) fn unregister(&self, name: &str) {
        self.inner.catalog.write().unwrap_or_else(|p| p.into_inner()).remove(&name.to_ascii_lowercase());
    }

    pub(crate) fn register(&self, name: &str, entry: CatalogEntry) {
        self.inner
            .catalog
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_ascii_lowercase(), entry);
    }
}

/// A session's configuration, as Spark's `RuntimeConfig` (`spark.conf`). The keys Sluice
/// reads are listed in `sluice::CONFIGS`; others are kept and reported, as Spark keeps them.
pub struct RuntimeConfig<'a> {
    session: &'a Session,
}

impl RuntimeConfig<'_> {
    /// Sets `key` to `value` (as `SET key = value`).
    pub fn set(&self, key: &str, value: impl ToString) {
        self.session.set_conf(key, value)
    }

    /// The value of `key`, if set (in this session or at its build).
    pub fn get(&self, key: &str) -> Option<String> {
        self.session.inner.conf.read().unwrap_or_else(|p| p.into_inner()).get(key).map(str::to_string)
    }

    /// The value of `key`, or `default` when it is not set.
    pub fn get_or(&self, key: &str, default: &str) -> String {
        self.get(key).unwrap_or_else(|| default.to_string())
    }

    /// Puts `key` back to the value the session was built with, or unsets it (`RESET key`).
    pub fn unset(&self, key: &str) {
        self.session.reset_conf(Some(key))
    }

    /// Every config set, as `(key, value)`, sorted by key (`SET` shows them redacted).
    pub fn get_all(&self) -> Vec<(String, String)> {
        let mut all = self.session.conf_entries();
        all.sort();
        all
    }
}
