//! `write_stream()`: describe a streaming query's sink, mode and trigger, then `start()`
//! it (Spark's `DataStreamWriter`). All of Spark's analysis happens in `start()`, before
//! any data moves.

use crate::checkpoint::{query_shape, state, Checkpoint, CheckpointConf, Recovery, MIN_BATCHES_TO_RETAIN};
use crate::connector::SinkRequest;
use crate::dataframe::DataFrame;
use crate::driver::{self, QueryRun};
use crate::exec::Executor;
use crate::foreach::{BatchFunction, ForeachWriter, WriterFactory};
use crate::progress::StreamingQueryStatus;
use crate::query::{QueryShared, QueryState, StreamingQuery};
use crate::session::CatalogEntry;
use crate::source::Source;
use sluice_core::mode::{OutputMode, Trigger};
use sluice_core::plan::{analyze, check_streaming_mode};
use sluice_core::{Options, Result, Schema, SluiceError};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use uuid::Uuid;

/// Spark's session-wide root of checkpoint locations (`<root>/<queryName>`).
pub const CHECKPOINT_ROOT: &str = "spark.sql.streaming.checkpointLocation";

/// Puts restored planners where the checkpoint's committed (and planned) batches left them.
fn restore_sources(sources: &mut [Box<dyn Source>], statics: &[bool], recovery: &Recovery) -> Result<()> {
    for (i, s) in sources.iter_mut().enumerate() {
        if statics[i] {
            // The static side of a stream-static join is not in the checkpoint: a restarted
            // query reads it whole again in its first batch (`driver`), as Spark re-reads it.
            continue;
        }
        if let Some(c) = recovery.compacted.get(i) {
            s.apply_compacted(&c.files);
        }
        let entries = recovery.history.iter().chain(recovery.replay.iter().map(|(_, e)| e));
        for entry in entries {
            s.apply_recorded(&entry.sources[i])?;
        }
    }
    Ok(())
}

/// Describes where and how a streaming DataFrame's results are written.
pub struct DataStreamWriter {
    df: DataFrame,
    format: String,
    mode: std::result::Result<OutputMode, SluiceError>,
    name: Option<String>,
    trigger: Trigger,
    options: Options,
    foreach_writer: Option<WriterFactory>,
    foreach_batch: Option<BatchFunction>,
    partition_by: Vec<String>,
}

impl DataStreamWriter {
    pub(crate) fn new(df: DataFrame) -> Self {
        DataStreamWriter {
            df,
            format: "console".into(),
            mode: Ok(OutputMode::Append),
            name: None,
            trigger: Trigger::Default,
            options: Options::new(),
            foreach_writer: None,
            foreach_batch: None,
            partition_by: Vec::new(),
        }
    }

    /// For the file sinks: write rows under `column=value/` directories of these columns.
    pub fn partition_by<I>(mut self, columns: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.partition_by = columns.into_iter().map(|c| c.as_ref().to_string()).collect();
        self
    }

    /// The sink: `memory`, `console` (the default) or `noop` (discards output, for
    /// benchmarks); `foreach` and `foreachBatch` are set by the methods of those names.
    pub fn format(mut self, format: &str) -> Self {
        self.format = format.to_ascii_lowercase();
        self
    }

    /// `append` (the default), `complete` or `update`; an unknown mode is reported by `start`.
    pub fn output_mode(mut self, mode: &str) -> Self {
        self.mode = OutputMode::parse(mode);
        self
    }

    /// The query's name; for the memory sink also the table's name.
    pub fn query_name(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// When batches run.
    pub fn trigger(mut self, trigger: Trigger) -> Self {
        self.trigger = trigger;
        self
    }

    /// Sets a sink option (e.g. `numRows`, `truncate` for the console).
    pub fn option(mut self, key: &str, value: impl ToString) -> Self {
        self.options.set(key, value.to_string());
        self
    }

    /// Writes the output row by row with `writer` (Spark's `foreach`): each batch's rows
    /// are split round robin into one partition per session worker, and each partition is
    /// written by its own clone of `writer`, on the query's driver thread after the batch
    /// has run. All output modes. Sets the format to `foreach`.
    pub fn foreach<W: ForeachWriter + Clone + 'static>(mut self, writer: W) -> Self {
        self.format = "foreach".into();
        self.foreach_writer = Some(Box::new(move || Box::new(writer.clone())));
        self
    }

    /// Calls `f` with each micro-batch's output as a bounded DataFrame and the batch id
    /// (Spark's `foreachBatch`), on the query's driver thread: the DataFrame can be queried
    /// and written anywhere, several times. An error from `f` stops the query with that
    /// error. All output modes; in complete mode each call sees the whole result table.
    /// Sets the format to `foreachBatch`.
    pub fn foreach_batch<F>(mut self, f: F) -> Self
    where
        F: FnMut(DataFrame, u64) -> Result<()> + Send + 'static,
    {
        self.format = "foreachbatch".into();
        // The sink hands over rows; the DataFrame is made here, in the query's session, so
        // it can be joined with the session's tables (and `foreach` needs no DataFrame).
        let session = self.df.session.clone();
        let mut f = f;
        self.foreach_batch = Some(Box::new(move |rows, schema: &Schema, batch_id| {
            f(session.create_dataframe(rows, schema.clone())?, batch_id)
        }));
        self
    }

    /// `option("checkpointLocation", dir)`, else `<spark.sql.streaming.checkpointLocation>/<queryName>`.
    fn checkpoint_location(
        options: &Options,
        name: Option<&str>,
        session: &crate::Session,
    ) -> Option<std::path::PathBuf> {
        if let Some(dir) = options.get("checkpointLocation") {
            return Some(dir.into());
        }
        let root = session.conf().get(CHECKPOINT_ROOT)?;
        // As Spark: a root location serves named queries (an unnamed one could never be found again).
        Some(std::path::Path::new(&root).join(name?))
    }

    /// Analyses the query against its mode and sink, then starts it in the background.
    pub fn start(mut self) -> Result<StreamingQuery> {
        let df = self.df;
        df.schema()?;
        if !df.is_streaming() {
            return Err(SluiceError::analysis(
                "'writeStream' can be called only on streaming Dataset/DataFrame",
            ));
        }
        let mode = self.mode?;
        // Expressions keep the session's time zone from here on (Spark resolves it at analysis).
        let analyzed = Arc::new(df.session.with_zone(|| analyze(&df.plan, true))?);
        check_streaming_mode(&analyzed, mode)?;
        let session = df.session.clone();
        let schema = analyzed.schema.clone();
        // Sinks write timestamps as local text in the session's zone unless the sink's own
        // `timeZone` option says otherwise.
        session.default_time_zone(&mut self.options)?;
        let made = crate::connector::make_sink(SinkRequest {
            format: &self.format,
            session: &session,
            schema: &schema,
            options: &self.options,
            mode,
            query_name: self.name.as_deref(),
            partition_by: &self.partition_by,
            foreach_writer: self.foreach_writer.take(),
            foreach_batch: self.foreach_batch.take(),
        })?;
        let (sink, memory_table) = (made.sink, made.memory_table);
        let mut placement = crate::batch::placement_for(&session, &analyzed);
        // The static sides of stream-static joins.
        let statics: Vec<bool> = analyzed.sources.iter().map(|s| !s.spec.streaming).collect();
        if let (false, None, Some(dir)) = (
            session.inner.workers_set,
            &placement.cluster,
            Self::checkpoint_location(&self.options, self.name.as_deref(), &session),
        ) {
            // The workers default to one per core, but a checkpoint's state is split by the
            // worker count it was written with: go on with that count rather than refuse.
            if let Some(n) = crate::checkpoint::recorded_workers(&dir).filter(|&n| n != placement.threads) {
                eprintln!(
                    "note: the checkpoint at {} holds state split over {n} workers: this query runs with {n} workers (not one per core, {}); set the workers explicitly (-w) to be told when they differ",
                    dir.display(),
                    placement.threads
                );
                placement.threads = n;
            }
        }
        // Only the driver's process plans what each batch reads (a socket source connects).
        let mut sources = if placement.is_driver() {
            analyzed
                .sources
                .iter()
                .map(|s| crate::connector::source_of(&s.spec)?.stream(s))
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        let workers = placement.total_workers();
        let (checkpoint, query_id, recovery) = match Self::checkpoint_location(
            &self.options,
            self.name.as_deref(),
            &session,
        ) {
            // Process 0 keeps the checkpoint; the others follow its commands.
            _ if !placement.is_driver() => (None, Uuid::new_v4(), Recovery::default()),
            None => (None, Uuid::new_v4(), Recovery::default()),
            Some(dir) => {
                if let Some(s) = sources.iter().find(|s| !s.replayable()) {
                    return Err(SluiceError::option(
                        "checkpointLocation",
                        format!(
                            "{} cannot re-read a batch after a restart, so a checkpoint cannot make it fault tolerant; run it without checkpointLocation",
                            s.description()
                        ),
                    ));
                }
                let shape = query_shape(&analyzed, mode, workers);
                let conf = CheckpointConf {
                    retain: session.conf().get(MIN_BATCHES_TO_RETAIN),
                    min_deltas: session.conf().get(state::MIN_DELTAS_FOR_SNAPSHOT),
                    maintenance_interval: session
                        .time_conf(state::MAINTENANCE_INTERVAL, state::DEFAULT_MAINTENANCE_INTERVAL)?,
                };
                let (cp, id, recovery) = Checkpoint::open(&dir, &shape, sources.len(), &conf)?;
                restore_sources(&mut sources, &statics, &recovery)?;
                (Some(cp), id, recovery)
            }
        };
        // A static side of a stream-static join is read once, in the first batch, as Spark
        // reads it at the start: files added later are not part of it.
        for (planner, input) in sources.iter_mut().zip(&analyzed.sources) {
            if !input.spec.streaming {
                planner.bound_to_available()?;
            }
        }
        if matches!(self.trigger, Trigger::AvailableNow | Trigger::Once) {
            // "Available now" means available when `start()` returns, not whenever the
            // driver thread first lists the sources: a file written after is left for later.
            // (Once reads the same set in one batch; bounding it gives a backlog to report.)
            sources.iter_mut().try_for_each(|s| s.bound_to_available())?;
        }
        let readers = crate::batch::readers(&analyzed)?;
        let progress_log = session.progress_log()?;
        let no_data_event_interval = session.no_data_event_interval()?;
        let shared = Arc::new(QueryShared {
            id: query_id,
            run_id: Uuid::new_v4(),
            name: self.name.clone(),
            state: Mutex::new(QueryState {
                active: true,
                exception: None,
                progress: VecDeque::new(),
                status: StreamingQueryStatus {
                    message: "Initializing sources".into(),
                    is_data_available: false,
                    is_trigger_active: false,
                },
                idle_checks: 0,
                stop_requested: false,
                input_rows_total: 0,
                batches_total: 0,
            }),
            changed: Condvar::new(),
            thread: Mutex::new(None),
            manager: session.streams(),
            explain: df.explain_string(),
            progress_log,
            redactor: {
                let mut r = self.options.redactor();
                analyzed.sources.iter().for_each(|s| r.extend(&s.spec.options.redactor()));
                r
            },
        });
        let query = StreamingQuery { shared: shared.clone() };
        session.streams().register(&query)?;
        shared.post_started(crate::progress::now_millis());
        if let Some((name, table)) = memory_table {
            session.register(&name, CatalogEntry::Memory(table));
        }
        // As Spark's tasks: a sink that can be written in parts is written by every worker
        // when each worker's rows are final on their own (no LIMIT or ordering over the
        // whole result; in complete mode each worker keeps its groups' share of the table);
        // the driver then only commits the batch.
        let order = &analyzed.order;
        let writers = if order.keys.is_empty() && order.limit.is_none() && order.width.is_none() {
            sink.part_writers(&schema)
        } else {
            None
        };
        let parallel_sink = writers.is_some();
        // Every process's operators remember what each batch changed when a checkpoint
        // saves it (process 0 keeps the checkpoint; every worker writes its own state).
        let checkpointing =
            Self::checkpoint_location(&self.options, self.name.as_deref(), &session).is_some();
        let executor =
            match Executor::start(analyzed.clone(), readers, &placement, mode, writers, checkpointing) {
                Ok(e) => e,
                Err(e) => {
                    shared.terminate(Err(e.clone()));
                    return Err(e);
                }
            };
        if !placement.is_driver() {
            let thread_shared = shared.clone();
            let handle = std::thread::Builder::new()
                .name(format!("sluice-query-{}", self.name.as_deref().unwrap_or("unnamed")))
                .spawn(move || driver::follow(thread_shared, executor))
                .map_err(|e| SluiceError::exec(format!("cannot start the query thread: {e}")))?;
            *shared.thread.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
            return Ok(query);
        }
        let run = QueryRun {
            executor,
            sources,
            sink,
            mode,
            trigger: self.trigger,
            schema,
            order: analyzed.order.clone(),
            aggregating: analyzed.aggregations > 0,
            watermark_delays: analyzed.watermarks.clone(),
            max_watermark_policy: session
                .conf()
                .get("spark.sql.streaming.multipleWatermarkPolicy")
                .is_some_and(|p| p.eq_ignore_ascii_case("max")),
            evicts_state: (analyzed.has_event_time_aggregate
                || analyzed.has_expiring_dedup
                || analyzed.has_evicting_join)
                && mode != OutputMode::Complete,
            deduplications: analyzed.deduplications.clone(),
            workers,
            parallel_sink,
            no_data_event_interval,
            checkpoint,
            recovery,
            statics,
        };
        let thread_shared = shared.clone();
        let handle = std::thread::Builder::new()
            .name(format!("sluice-query-{}", self.name.as_deref().unwrap_or("unnamed")))
            .spawn(move || driver::run(thread_shared, run))
            .map_err(|e| SluiceError::exec(format!("cannot start the query thread: {e}")))?;
        *shared.thread.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        Ok(query)
    }
}

impl DataFrame {
    /// Starts describing a streaming query's output (Spark's `writeStream`).
    pub fn write_stream(&self) -> DataStreamWriter {
        DataStreamWriter::new(self.clone())
    }
}
