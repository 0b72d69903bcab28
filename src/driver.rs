//! The micro-batch driver: one thread per streaming query that asks the sources what is
//! new, runs the batch on the workers, turns the result's changes into what the output
//! mode emits, writes the sink and reports progress.

use crate::exec::Executor;
use crate::progress::{
    iso_millis, now_millis, SinkProgress, SourceProgress, StateOperatorProgress, StreamingQueryProgress,
};
use crate::query::QueryShared;
use crate::source::{BatchInput, SourcePlanner};
use sluice_core::mode::{OutputMode, Trigger};
use sluice_core::plan::ResultOrder;
use sluice_core::sink::Sink;
use sluice_core::{Result, Row, Schema};
use sluice_operators::Diff;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the default trigger waits before looking for new data again (Spark's `pollingDelay`).
const POLL_DELAY: Duration = Duration::from_millis(10);

/// Everything a running query needs, owned by its driver thread.
pub(crate) struct QueryRun {
    pub executor: Executor,
    pub sources: Vec<SourcePlanner>,
    pub sink: Box<dyn Sink>,
    pub mode: OutputMode,
    pub trigger: Trigger,
    pub schema: Schema,
    pub order: ResultOrder,
    pub aggregating: bool,
    pub workers: usize,
}

/// Turns each batch's changes into the rows an output mode emits.
pub(crate) struct ModeAdapter {
    mode: OutputMode,
    order: ResultOrder,
    /// The whole result (complete mode), as row multiplicities.
    table: BTreeMap<Row, i64>,
    /// Rows in the result table (for state progress).
    pub total_rows: i64,
    emitted: usize,
}

impl ModeAdapter {
    pub fn new(mode: OutputMode, order: ResultOrder) -> Self {
        ModeAdapter { mode, order, table: BTreeMap::new(), total_rows: 0, emitted: 0 }
    }

    /// The rows to write for one batch, and how many result rows changed.
    pub fn rows_for_batch(&mut self, changes: Vec<(Row, Diff)>) -> (Vec<Row>, i64) {
        let mut updated = 0i64;
        let mut inserted = Vec::new();
        for (row, d) in changes {
            self.total_rows += d as i64;
            if d > 0 {
                updated += d as i64;
            }
            match self.mode {
                OutputMode::Complete => {
                    let n = self.table.entry(row).or_insert(0);
                    *n += d as i64;
                }
                OutputMode::Append | OutputMode::Update => {
                    for _ in 0..d.max(0) {
                        inserted.push(row.clone());
                    }
                }
            }
        }
        if self.mode == OutputMode::Complete {
            self.table.retain(|_, n| *n != 0);
            let mut rows = Vec::with_capacity(self.table.len());
            for (row, &n) in &self.table {
                for _ in 0..n.max(0) {
                    rows.push(row.clone());
                }
            }
            self.order.apply(&mut rows);
            return (rows, updated);
        }
        if let Some(limit) = self.order.limit {
            let room = limit.saturating_sub(self.emitted);
            inserted.truncate(room);
        }
        self.emitted += inserted.len();
        (inserted, updated)
    }
}

/// The driver thread's body: runs batches until stopped, exhausted or failed.
pub(crate) fn run(shared: Arc<QueryShared>, mut run: QueryRun) {
    let result = drive(&shared, &mut run);
    drop(run);
    shared.terminate(result);
}

fn drive(shared: &QueryShared, run: &mut QueryRun) -> Result<()> {
    // AvailableNow's sources were bounded by `start()`.
    if run.trigger == Trigger::Once {
        run.sources.iter_mut().for_each(|s| s.lift_rate_limits());
    }
    let mut adapter = ModeAdapter::new(run.mode, run.order.clone());
    let mut batch_id = 0u64;
    let mut last_trigger = Instant::now();
    loop {
        if shared.stop_requested() {
            return Ok(());
        }
        let trigger_start = Instant::now();
        let trigger_ms = now_millis();
        shared.set_status("Getting offsets from sources", false, true);
        let mut inputs = Vec::with_capacity(run.sources.len());
        let mut offsets = Vec::with_capacity(run.sources.len());
        for s in run.sources.iter_mut() {
            let (input, off) = s.next_batch(run.workers)?;
            inputs.push(input);
            offsets.push(off);
        }
        let latest_offset_ms = trigger_start.elapsed().as_millis() as u64;
        if inputs.iter().all(BatchInput::is_empty) {
            shared.set_status("Waiting for data to arrive", false, false);
            shared.mark_idle();
            if matches!(run.trigger, Trigger::Once | Trigger::AvailableNow) {
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
        let out = run.executor.run_batch(batch_id, inputs)?;
        let (rows, updated) = adapter.rows_for_batch(out.changes);
        let num_output = rows.len() as i64;
        run.sink.add_batch(batch_id, &run.schema, rows, run.mode)?;
        let add_batch_ms = exec_start.elapsed().as_millis() as u64;

        let duration = trigger_start.elapsed();
        let num_input: u64 = out.rows_in.iter().sum();
        let since_last = trigger_start.duration_since(last_trigger).as_secs_f64();
        let rate = |n: u64, secs: f64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
        let processed_secs = duration.as_secs_f64();
        let mut duration_ms = BTreeMap::new();
        duration_ms.insert("latestOffset".to_string(), latest_offset_ms);
        duration_ms.insert("addBatch".to_string(), add_batch_ms);
        duration_ms.insert("triggerExecution".to_string(), duration.as_millis() as u64);
        let sources = run
            .sources
            .iter()
            .zip(offsets)
            .zip(&out.rows_in)
            .map(|((s, off), &n)| SourceProgress {
                description: s.description(),
                start_offset: off.start.unwrap_or(serde_json::Value::Null),
                end_offset: off.end.clone().unwrap_or(serde_json::Value::Null),
                latest_offset: off.end.unwrap_or(serde_json::Value::Null),
                num_input_rows: n,
                input_rows_per_second: if batch_id == 0 { 0.0 } else { rate(n, since_last) },
                processed_rows_per_second: rate(n, processed_secs),
            })
            .collect();
        let state_operators = if run.aggregating {
            vec![StateOperatorProgress {
                operator_name: "stateStoreSave".into(),
                num_rows_total: adapter.total_rows,
                num_rows_updated: updated,
                num_rows_dropped_by_watermark: 0,
                memory_used_bytes: 0,
            }]
        } else {
            Vec::new()
        };
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
            event_time: BTreeMap::new(),
            state_operators,
            sources,
            sink: SinkProgress { description: run.sink.description(), num_output_rows: num_output },
        });
        last_trigger = trigger_start;
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
