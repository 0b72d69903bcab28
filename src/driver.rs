//! The micro-batch driver: one thread per streaming query that asks the sources what is
//! new, runs the batch on the workers, turns the result's changes into what the output
//! mode emits, writes the sink and reports progress.

use crate::checkpoint::{self, Checkpoint, CommitEntry, OffsetEntry, Part, Recovery};
use crate::exec::{inserted_rows, Executor, ResultTable};
use crate::progress::{
    iso_millis, now_millis, SinkProgress, SourceProgress, StateOperatorProgress, StreamingQueryProgress,
};
use crate::query::QueryShared;
use crate::source::{BatchOffsets, BatchPlan, Source};
use sluice_core::mode::{OutputMode, Trigger};
use sluice_core::plan::ResultOrder;
use sluice_core::sink::Sink;
use sluice_core::{Result, Row, Schema, SluiceError};
use sluice_operators::{keyed, BatchWatermarks, Diff, Snapshot, StoreChanges};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the default trigger waits before looking for new data again (Spark's `pollingDelay`).
const POLL_DELAY: Duration = Duration::from_millis(10);

/// Everything a running query needs, owned by its driver thread.
pub(crate) struct QueryRun {
    pub executor: Executor,
    pub sources: Vec<Box<dyn Source>>,
    pub sink: Box<dyn Sink>,
    pub mode: OutputMode,
    pub trigger: Trigger,
    pub schema: Schema,
    pub order: ResultOrder,
    pub aggregating: bool,
    pub workers: usize,
    /// True when every worker writes its share of each batch to the sink (a sink's
    /// `part_writers`), and the driver only commits.
    pub parallel_sink: bool,
    /// Delay in ms of each `with_watermark`, in plan order.
    pub watermark_delays: Vec<i64>,
    /// True when a stateful operator drops state as the watermark passes (append/update
    /// with an event-time aggregate): a watermark move then warrants a no-data batch.
    pub evicts_state: bool,
    /// Spark's operator name of each deduplication, for `stateOperators` in progress.
    pub deduplications: Vec<&'static str>,
    /// `spark.sql.streaming.multipleWatermarkPolicy=max` (default min).
    pub max_watermark_policy: bool,
    /// `spark.sql.streaming.noDataProgressEventInterval`: the least time between two idle
    /// events, and between a batch and the first idle event after it.
    pub no_data_event_interval: Duration,
    /// The query's checkpoint, if `checkpointLocation` is set.
    pub checkpoint: Option<Checkpoint>,
    /// Where a restarted query goes on from (sources are already restored by `start()`).
    pub recovery: Recovery,
    /// Per source, true for the static side of a stream-static join: its rows are read
    /// again after a restart (the checkpoint does not hold them), in the first batch run.
    pub statics: Vec<bool>,
}

/// The global event-time watermark, as Spark's `WatermarkTracker`: each `with_watermark`
/// proposes (max event time seen) - delay once it has seen data (0 before), the global
/// watermark is the minimum (or maximum) of those, and it never moves back.
pub(crate) struct WatermarkTracker {
    delays_ms: Vec<i64>,
    pub per_operator: Vec<Option<i64>>,
    max_policy: bool,
    /// The watermark in milliseconds (0 until data moves it).
    pub current_ms: i64,
}

impl WatermarkTracker {
    pub fn new(delays_us: &[i64], max_policy: bool) -> Self {
        WatermarkTracker {
            delays_ms: delays_us.iter().map(|d| d / 1000).collect(),
            per_operator: vec![None; delays_us.len()],
            max_policy,
            current_ms: 0,
        }
    }

    pub fn is_used(&self) -> bool {
        !self.delays_ms.is_empty()
    }

    /// Puts the tracker back where a checkpoint recorded it.
    pub fn restore(&mut self, current_ms: i64, per_operator: &[Option<i64>]) {
        self.current_ms = current_ms;
        if per_operator.len() == self.per_operator.len() {
            self.per_operator = per_operator.to_vec();
        }
    }

    /// Folds in one batch's event-time statistics.
    pub fn update(&mut self, stats: &[sluice_operators::EventTimeStats]) {
        for (i, s) in stats.iter().enumerate().take(self.delays_ms.len()) {
            let slot = &mut self.per_operator[i];
            if s.count > 0 {
                let proposed = s.max - self.delays_ms[i];
                if slot.is_none_or(|w| proposed > w) {
                    *slot = Some(proposed);
                }
            } else if slot.is_none() {
                *slot = Some(0);
            }
        }
        let values = self.per_operator.iter().flatten().copied();
        let chosen = if self.max_policy { values.max() } else { values.min() };
        if let Some(w) = chosen {
            self.current_ms = self.current_ms.max(w);
        }
    }
}

/// Turns each batch's changes into the rows an output mode emits.
pub(crate) struct ModeAdapter {
    mode: OutputMode,
    order: ResultOrder,
    /// The whole result (complete mode), as row multiplicities.
    table: ResultTable,
    emitted: usize,
}

impl ModeAdapter {
    /// An adapter whose table remembers changed rows when `checkpointing`.
    pub fn new(mode: OutputMode, order: ResultOrder, checkpointing: bool) -> Self {
        let table = ResultTable::tracking(checkpointing && mode == OutputMode::Complete);
        ModeAdapter { mode, order, table, emitted: 0 }
    }

    /// True when the adapter holds state a checkpoint must save (the complete-mode
    /// table, or how many rows a LIMIT has let through).
    pub fn is_stateful(&self) -> bool {
        self.mode == OutputMode::Complete || self.order.limit.is_some()
    }

    /// What changed of the adapter's state since the last call (all of it when `full`),
    /// for a checkpoint: the table's rows, and the LIMIT count as one entry.
    pub fn take_changes(&mut self, full: bool) -> Result<Vec<StoreChanges>> {
        let table =
            if self.mode == OutputMode::Complete { self.table.take_changes(full)? } else { Vec::new() };
        let emitted = vec![(keyed::encode_key(&Vec::new())?, Some(keyed::encode_value(&self.emitted)?))];
        Ok(vec![table, emitted])
    }

    /// Rebuilds the adapter's state from checkpoint files (a snapshot, then deltas);
    /// returns whether they were of the first format.
    pub fn restore(&mut self, chain: &[std::path::PathBuf], workers: usize) -> Result<bool> {
        self.table.clear();
        let mut old_format = false;
        for file in chain {
            let named = |e: sluice_core::SluiceError| {
                sluice_core::SluiceError::exec(format!("{}: {e}", file.display()))
            };
            match checkpoint::state::read(file, Part::Result, workers)? {
                checkpoint::state::Loaded::Old(bytes) => {
                    let (table, emitted): (BTreeMap<Row, i64>, usize) = bincode::deserialize(&bytes)
                        .map_err(|e| {
                            named(sluice_core::SluiceError::exec(format!(
                                "cannot decode the result table: {e}"
                            )))
                        })?;
                    self.table.replace(table);
                    self.emitted = emitted;
                    old_format = true;
                }
                checkpoint::state::Loaded::Entries(mut stores) => {
                    if stores.len() != 2 {
                        return Err(named(sluice_core::SluiceError::exec("is not a result table")));
                    }
                    for (_, v) in stores.pop().unwrap_or_default() {
                        if let Some(v) = v {
                            self.emitted = keyed::decode_value(&v).map_err(named)?;
                        }
                    }
                    self.table.apply_changes(stores.pop().unwrap_or_default()).map_err(named)?;
                }
            }
        }
        Ok(old_format)
    }

    /// The rows to write for one batch.
    pub fn rows_for_batch(&mut self, changes: Vec<(Row, Diff)>) -> Vec<Row> {
        if self.mode == OutputMode::Complete {
            let mut rows = self.table.apply(changes.into_iter());
            self.order.apply(&mut rows);
            return rows;
        }
        let mut inserted = inserted_rows(changes.into_iter());
        if let Some(limit) = self.order.limit {
            let room = limit.saturating_sub(self.emitted);
            inserted.truncate(room);
        }
        self.emitted += inserted.len();
        inserted
    }
}

/// The driver thread's body: runs batches until stopped, exhausted or failed.
pub(crate) fn run(shared: Arc<QueryShared>, mut run: QueryRun) {
    let result = drive(&shared, &mut run);
    let QueryRun { executor, sink, sources, checkpoint, .. } = run;
    // Every worker (of every process) learns how the query ended.
    executor.stop(result.as_ref().err());
    // A background snapshot finishes before the query is seen stopped.
    drop((sink, sources, checkpoint));
    shared.terminate(result);
}

/// The query thread of a cluster's other processes: their workers take part in every
/// batch process 0 runs, until it stops the query or a process fails.
pub(crate) fn follow(shared: Arc<QueryShared>, executor: Executor) {
    shared.set_status("Following process 0", false, true);
    let result = executor.follow();
    shared.terminate(result);
}

fn drive(shared: &QueryShared, run: &mut QueryRun) -> Result<()> {
    // AvailableNow's sources were bounded by `start()`.
    if run.trigger == Trigger::Once {
        run.sources.iter_mut().for_each(|s| s.lift_rate_limits());
    }
    let mut adapter = ModeAdapter::new(run.mode, run.order.clone(), run.checkpoint.is_some());
    // With a sink the workers write, the workers keep any complete-mode table.
    let adapter_state = adapter.is_stateful() && !run.parallel_sink;
    let mut batch_id = 0u64;
    let mut last_trigger = Instant::now();
    let mut tracker = WatermarkTracker::new(&run.watermark_delays, run.max_watermark_policy);
    // The watermark the previous batch ran under (Spark drops late rows against it).
    let mut last_batch_watermark_ms = 0i64;
    // As Spark: an idle event at the first idle trigger, then at most one per interval,
    // counting from the last batch or idle event.
    let mut last_event: Option<Instant> = None;
    let recovery = std::mem::take(&mut run.recovery);
    let mut replay: VecDeque<(u64, OffsetEntry)> = recovery.replay.into_iter().collect();
    if replay.is_empty() {
        // Every recorded batch is committed: clean up what a crash left of their input.
        run.sources.iter_mut().for_each(|s| s.committed());
    }
    // Whose state the checkpoint keeps: each worker's operators, and the driver's table.
    let mut parts: Vec<Part> = Vec::new();
    if run.aggregating || !run.deduplications.is_empty() {
        parts.extend((0..run.workers).map(Part::Worker));
    }
    if adapter_state {
        parts.push(Part::Result);
    }
    // The first save of the driver's table is whole, unless it was restored from deltas.
    let mut adapter_whole = true;
    if let Some(cp) = run.checkpoint.as_mut() {
        batch_id = recovery.next_batch;
        if let Some((c, commit)) = &recovery.committed {
            let point = cp.restore_point(*c, &parts, run.workers)?;
            if point.batch != Some(*c) {
                let why = point.fell_back.as_ref().map(|e| e.to_string()).unwrap_or_default();
                let from = point.batch.map_or("before batch 0".to_string(), |k| format!("batch {k}"));
                eprintln!(
                    "warning: the state of batch {c} cannot be restored ({why}); restoring {from} and re-running the batches after it as recorded"
                );
            }
            // Committed batches after the restore point run again, exactly as recorded.
            let first = point.batch.map_or(0, |k| k + 1);
            let mut rerun = VecDeque::new();
            for b in first..=*c {
                rerun.push_back((b, cp.read_offsets(b)?));
            }
            rerun.extend(replay.drain(..));
            replay = rerun;
            batch_id = first;
            if let Some(k) = point.batch {
                let commit = if k == *c { commit.clone() } else { cp.read_commit(k)? };
                tracker.restore(commit.next_batch_watermark_ms, &commit.operator_watermarks);
                last_batch_watermark_ms = match (&recovery.committed_offsets, k == *c) {
                    (Some(o), true) => o.batch_watermark_ms,
                    _ => cp.read_offsets(k)?.batch_watermark_ms,
                };
                let chain = |part: Part| {
                    point
                        .chains
                        .iter()
                        .find(|(p, _)| *p == part)
                        .map(|(_, files)| files.clone())
                        .unwrap_or_default()
                };
                if run.aggregating || !run.deduplications.is_empty() {
                    run.executor.restore((0..run.workers).map(|w| chain(Part::Worker(w))).collect())?;
                }
                if adapter_state {
                    adapter_whole = adapter.restore(&chain(Part::Result), run.workers)?;
                }
            }
        }
    }
    loop {
        if shared.stop_requested() {
            return Ok(());
        }
        let trigger_start = Instant::now();
        let mut trigger_ms = now_millis();
        shared.set_status("Getting offsets from sources", false, true);
        let mut offsets = Vec::with_capacity(run.sources.len());
        let mut records = Vec::with_capacity(run.sources.len());
        let replaying = replay.pop_front().map(|(_, entry)| entry);
        if let Some(entry) = &replaying {
            // Planned before a crash: exactly these offsets, under exactly these watermarks.
            tracker.restore(entry.batch_watermark_ms, &entry.operator_watermarks);
            last_batch_watermark_ms = entry.late_watermark_ms;
            trigger_ms = entry.batch_timestamp_ms;
            for (i, rec) in entry.sources.iter().enumerate() {
                if run.statics[i] {
                    // Not restored: the first batch after the restart reads the static
                    // side whole (the recorded batch may have read none of it), later
                    // ones nothing.
                    let planned = run.sources[i].plan_next()?;
                    records.push(planned.recorded);
                    offsets.push(planned.offsets);
                    continue;
                }
                records.push(rec.clone());
                offsets.push(BatchOffsets { start: None, end: Some(rec.clone()), latest: None });
            }
        } else {
            for s in run.sources.iter_mut() {
                let planned = s.plan_next()?;
                records.push(planned.recorded);
                offsets.push(planned.offsets);
            }
        }
        let latest_offset_ms = trigger_start.elapsed().as_millis() as u64;
        let get_batch_start = Instant::now();
        let inputs = run
            .sources
            .iter_mut()
            .zip(&records)
            .map(|(s, rec)| s.plan_partitions(rec, run.workers))
            .collect::<Result<Vec<BatchPlan>>>()?;
        let get_batch_ms = get_batch_start.elapsed().as_millis() as u64;
        let no_data = inputs.iter().all(BatchPlan::is_empty);
        // A moved watermark may close results: run a batch without data to emit or evict them.
        let no_data_batch = no_data && run.evicts_state && tracker.current_ms > last_batch_watermark_ms;
        if no_data && !no_data_batch && replaying.is_none() {
            shared.set_status("Waiting for data to arrive", false, false);
            if last_event.is_none_or(|t| t.elapsed() >= run.no_data_event_interval) {
                last_event = Some(Instant::now());
                shared.post_idle(trigger_ms);
            }
            shared.mark_idle();
            let ended = run.sources.iter().all(|s| s.is_exhausted());
            if ended || matches!(run.trigger, Trigger::Once | Trigger::AvailableNow) {
                return Ok(());
            }
            let wait = match run.trigger {
                Trigger::ProcessingTime(interval) => interval.saturating_sub(trigger_start.elapsed()),
                _ => POLL_DELAY,
            };
            if shared.sleep(wait) {
                return Ok(());
            }
            continue;
        }
        shared.set_status("Processing new data", true, true);
        let exec_start = Instant::now();
        // Batch 0 has no previous watermark; a replayed batch restored its own above.
        let late_ms =
            if batch_id == 0 && replaying.is_none() { tracker.current_ms } else { last_batch_watermark_ms };
        let watermarks = if tracker.is_used() {
            BatchWatermarks { late: Some(late_ms * 1000), evict: Some(tracker.current_ms * 1000) }
        } else {
            BatchWatermarks::default()
        };
        let batch_watermark_ms = tracker.current_ms;
        let mut wal_ms = None;
        let mut wal = None;
        if let (Some(cp), None) = (&run.checkpoint, &replaying) {
            let write = cp.offsets_writer(
                batch_id,
                OffsetEntry {
                    batch_timestamp_ms: trigger_ms,
                    batch_watermark_ms,
                    late_watermark_ms: late_ms,
                    operator_watermarks: tracker.per_operator.clone(),
                    sources: std::mem::take(&mut records),
                },
            );
            let timed = move || {
                let started = Instant::now();
                write().map(|()| started.elapsed().as_millis() as u64)
            };
            if run.parallel_sink {
                // The workers write the sink while the batch runs: its entry first.
                wal_ms = Some(timed()?);
            } else {
                // The driver writes the sink after the batch: the entry's fsync runs
                // beside the batch, and is waited for before any output leaves.
                wal = Some(std::thread::spawn(timed));
            }
        }
        let snapshot_dir = run.checkpoint.as_ref().map(|cp| cp.state_dir(batch_id));
        let out = run.executor.run_batch(batch_id, inputs, watermarks, snapshot_dir.clone());
        if let Some(handle) = wal {
            let written =
                handle.join().map_err(|_| SluiceError::exec("the offsets log's writer panicked"))?;
            wal_ms = Some(written?);
        }
        let out = out?;
        tracker.update(&out.stats.event_time);
        last_batch_watermark_ms = batch_watermark_ms;
        let num_output = if run.parallel_sink {
            // The workers wrote their shares; the driver commits the batch.
            run.sink.commit(batch_id, out.commit)?;
            out.written as i64
        } else {
            let rows = adapter.rows_for_batch(out.changes);
            let num_output = rows.len() as i64;
            run.sink.add_batch(batch_id, &run.schema, rows, run.mode)?;
            num_output
        };
        let add_batch_ms = exec_start.elapsed().as_millis() as u64;
        let (mut delta_bytes, mut snapshot_bytes, mut snapshot_ms) = out.snapshot;
        let mut commit_ms = None;
        let mut consolidated = None;
        if let (Some(cp), Some(dir)) = (run.checkpoint.as_mut(), &snapshot_dir) {
            if adapter_state {
                let started = Instant::now();
                let kind = if adapter_whole {
                    checkpoint::state::Kind::Snapshot
                } else {
                    checkpoint::state::Kind::Delta
                };
                let changes = adapter.take_changes(adapter_whole)?;
                let bytes = checkpoint::state::write(
                    dir,
                    kind,
                    Part::Result,
                    run.workers,
                    &changes,
                    checkpoint::Durability::Deferred,
                )?;
                if adapter_whole {
                    snapshot_bytes += bytes;
                } else {
                    delta_bytes += bytes;
                }
                adapter_whole = false;
                snapshot_ms += started.elapsed().as_millis() as u64;
            }
            let started = Instant::now();
            // A re-run batch (its commit lost to an OS crash before the flush) reads its
            // input again, unless `cleanSource` removes that input at the commit.
            let durability = if run.sources.iter().any(|s| s.cleans_up()) {
                checkpoint::Durability::Now
            } else {
                checkpoint::Durability::Deferred
            };
            cp.write_commit(
                batch_id,
                &CommitEntry {
                    next_batch_watermark_ms: tracker.current_ms,
                    operator_watermarks: tracker.per_operator.clone(),
                },
                durability,
            )?;
            commit_ms = Some(started.elapsed().as_millis() as u64);
            // Off the batch's path: fold a snapshot from the deltas now and then.
            consolidated = cp.maintain(batch_id, &parts, run.workers);
        }
        // Only now may sources let go of the batch's input (a file source's cleanSource).
        run.sources.iter_mut().for_each(|s| s.committed());

        let duration = trigger_start.elapsed();
        let num_input: u64 = out.rows_in.iter().sum();
        let since_last = trigger_start.duration_since(last_trigger).as_secs_f64();
        let rate = |n: u64, secs: f64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
        let processed_secs = duration.as_secs_f64();
        let mut duration_ms = BTreeMap::new();
        duration_ms.insert("latestOffset".to_string(), latest_offset_ms);
        duration_ms.insert("getBatch".to_string(), get_batch_ms);
        duration_ms.insert("addBatch".to_string(), add_batch_ms);
        duration_ms.insert("triggerExecution".to_string(), duration.as_millis() as u64);
        if let Some(ms) = wal_ms {
            duration_ms.insert("walCommit".to_string(), ms);
        }
        if let Some(ms) = commit_ms {
            duration_ms.insert("commitOffsets".to_string(), ms);
            duration_ms.insert("stateSnapshot".to_string(), snapshot_ms);
        }
        let sources = run
            .sources
            .iter()
            .zip(offsets)
            .zip(&out.rows_in)
            .map(|((s, off), &n)| SourceProgress {
                description: s.description(),
                start_offset: off.start.unwrap_or(serde_json::Value::Null),
                end_offset: off.end.clone().unwrap_or(serde_json::Value::Null),
                latest_offset: off.latest.or(off.end).unwrap_or(serde_json::Value::Null),
                num_input_rows: n,
                input_rows_per_second: if batch_id == 0 { 0.0 } else { rate(n, since_last) },
                processed_rows_per_second: rate(n, processed_secs),
                metrics: s.metrics(),
            })
            .collect();
        let mut state_operators = if run.aggregating {
            vec![StateOperatorProgress {
                operator_name: "stateStoreSave".into(),
                num_rows_total: out.stats.state_rows,
                num_rows_updated: out.stats.state_updated,
                num_rows_removed: out.stats.state_removed,
                num_rows_dropped_by_watermark: out.stats.dropped_by_watermark,
                memory_used_bytes: out.stats.state_bytes,
                num_shuffle_partitions: run.workers as i64,
                num_state_store_instances: run.workers as i64,
                custom_metrics: BTreeMap::new(),
            }]
        } else {
            Vec::new()
        };
        for (name, d) in run.deduplications.iter().zip(&out.stats.dedup) {
            state_operators.push(StateOperatorProgress {
                operator_name: name.to_string(),
                num_rows_total: d.rows,
                num_rows_updated: d.updated,
                num_rows_removed: d.removed,
                num_rows_dropped_by_watermark: d.dropped_by_watermark,
                memory_used_bytes: d.bytes,
                num_shuffle_partitions: run.workers as i64,
                num_state_store_instances: run.workers as i64,
                custom_metrics: BTreeMap::new(),
            });
        }
        if let (Some(first), Some(_)) = (state_operators.first_mut(), &run.checkpoint) {
            // What this batch cost the checkpoint, over every stateful operator (one file
            // per worker holds them all): the deltas it wrote, the whole-state snapshots
            // written with it or finished in the background since the last batch.
            let background = consolidated.unwrap_or_default();
            first.custom_metrics = BTreeMap::from([
                ("deltaSizeBytes".to_string(), delta_bytes as i64),
                ("snapshotSizeBytes".to_string(), (snapshot_bytes + background.bytes) as i64),
                ("snapshotBackgroundMs".to_string(), background.ms as i64),
            ]);
            if let Some(c) = consolidated {
                first.custom_metrics.insert("snapshotBatchId".to_string(), c.batch as i64);
            }
        }
        let mut event_time = BTreeMap::new();
        if tracker.is_used() {
            let mut all = sluice_operators::EventTimeStats::default();
            out.stats.event_time.iter().for_each(|s| all.merge(s));
            if all.count > 0 {
                event_time.insert("min".to_string(), iso_millis(all.min));
                event_time.insert("max".to_string(), iso_millis(all.max));
                event_time.insert("avg".to_string(), iso_millis((all.sum / all.count as i128) as i64));
            }
            event_time.insert("watermark".to_string(), iso_millis(batch_watermark_ms));
        }
        shared.push_progress(StreamingQueryProgress {
            id: shared.id.to_string(),
            run_id: shared.run_id.to_string(),
            name: shared.name.clone(),
            timestamp: iso_millis(trigger_ms),
            batch_id,
            batch_duration: duration.as_millis() as u64,
            num_input_rows: num_input,
            input_rows_per_second: if batch_id == 0 { 0.0 } else { rate(num_input, since_last) },
            processed_rows_per_second: rate(num_input, processed_secs),
            duration_ms,
            event_time,
            state_operators,
            sources,
            sink: SinkProgress { description: run.sink.description(), num_output_rows: num_output },
        })?;
        last_trigger = trigger_start;
        last_event = Some(Instant::now());
        batch_id += 1;
        if run.trigger == Trigger::Once {
            shared.mark_idle();
            return Ok(());
        }
        if let Trigger::ProcessingTime(interval) = run.trigger {
            // An overrun starts the next batch at once; otherwise wait out the interval.
            if shared.sleep(interval.saturating_sub(trigger_start.elapsed())) {
                return Ok(());
            }
        }
    }
}
