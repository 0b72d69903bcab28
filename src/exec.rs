//! Runs an analysed plan on timely workers: one dataflow per query, fed one micro-batch
//! at a time. The driver sends each batch's inputs to every worker; each worker reads
//! its share, inserts it at time `batch id`, advances its inputs and steps until the
//! probe's frontier passes the batch; worker 0 gathers the result's changes.

use crate::source::{BatchInput, SourceReader};
use sluice_core::mode::OutputMode;
use sluice_core::plan::Analyzed;
use sluice_core::{Result, Row, SluiceError};
use sluice_operators::{build, BatchStats, BatchWatermarks, DataflowContext, Diff, ErrorSlot, Time};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::{Exchange, Probe};
use timely::dataflow::ProbeHandle;
use timely::WorkerConfig;

/// Rows a worker inserts before letting the dataflow run, so a large batch streams
/// through the operators instead of piling up in the input buffers.
const STEP_EVERY_ROWS: usize = 64 * 1024;

enum Command {
    /// Run a batch; with `snapshot`, then save the worker's state into that directory.
    Batch {
        id: Time,
        inputs: Arc<Vec<BatchInput>>,
        watermarks: BatchWatermarks,
        snapshot: Option<Arc<PathBuf>>,
    },
    /// Load the worker's state from a checkpoint's snapshot directory (before any batch).
    Restore(Arc<PathBuf>),
}

#[derive(Default)]
struct Report {
    rows_in: Vec<u64>,
    output: Vec<(Row, Diff)>,
    stats: BatchStats,
    error: Option<SluiceError>,
    /// Bytes of the state snapshot written, and how long it took (ms).
    snapshot: (u64, u64),
}

/// What one micro-batch produced.
pub(crate) struct BatchOutput {
    /// The result's changes in this batch, consolidated.
    pub changes: Vec<(Row, Diff)>,
    /// Rows read from each source.
    pub rows_in: Vec<u64>,
    /// What the operators observed (event times, state sizes), summed over workers.
    pub stats: BatchStats,
    /// Bytes of state snapshot written by all workers, and the longest write (ms).
    pub snapshot: (u64, u64),
}

/// A running dataflow for one query on the session's workers.
pub(crate) struct Executor {
    commands: Vec<Sender<Command>>,
    reports: Receiver<Report>,
    guards: Option<timely::communication::initialize::WorkerGuards<()>>,
    errors: ErrorSlot,
}

impl Executor {
    /// Builds the query's dataflow on `workers` threads.
    pub fn start(
        analyzed: Arc<Analyzed>,
        readers: Arc<Vec<SourceReader>>,
        workers: usize,
        mode: OutputMode,
    ) -> Result<Executor> {
        let workers = workers.max(1);
        let mut commands = Vec::new();
        let mut receivers = Vec::new();
        for _ in 0..workers {
            let (tx, rx) = channel();
            commands.push(tx);
            receivers.push(Some(rx));
        }
        let receivers = Arc::new(Mutex::new(receivers));
        let (report_tx, reports) = channel::<Report>();
        let report_tx = Arc::new(Mutex::new(report_tx));
        let errors = ErrorSlot::new();
        let worker_errors = errors.clone();
        let config = if workers == 1 {
            timely::Config::thread()
        } else {
            timely::Config {
                communication: timely::CommunicationConfig::Process(workers),
                worker: WorkerConfig::default(),
            }
        };
        let guards = timely::execute(config, move |worker| {
            let index = worker.index();
            let rx = receivers.lock().unwrap_or_else(|p| p.into_inner())[index]
                .take()
                .expect("each worker takes its own command channel once");
            let reports = report_tx.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let ctx = DataflowContext::new(mode, worker_errors.clone(), analyzed.watermarks.len());
            let captured: Rc<RefCell<Vec<(Row, Time, Diff)>>> = Rc::new(RefCell::new(Vec::new()));
            let probe = ProbeHandle::new();
            let capture = captured.clone();
            let mut inputs = worker.dataflow::<Time, _, _>(|scope| {
                let (inputs, output) = build(scope, &analyzed, &ctx);
                output
                    .inner
                    .exchange(|_| 0)
                    .unary::<CapacityContainerBuilder<Vec<()>>, _, _, _>(Pipeline, "Capture", move |_, _| {
                        move |input, _output| {
                            input.for_each(|_cap, data| capture.borrow_mut().append(data));
                        }
                    })
                    .probe_with(&probe);
                inputs
            });
            loop {
                let (id, batch, watermarks, snapshot) = match rx.recv() {
                    Ok(Command::Batch { id, inputs, watermarks, snapshot }) => {
                        (id, inputs, watermarks, snapshot)
                    }
                    Ok(Command::Restore(dir)) => {
                        let error = restore_worker(&ctx, &dir, index, worker.peers()).err();
                        if reports.send(Report { error, ..Default::default() }).is_err() {
                            break;
                        }
                        continue;
                    }
                    Err(_) => break,
                };
                ctx.watermarks.borrow_mut().insert(id, watermarks);
                let mut error = None;
                let mut rows_in = vec![0u64; inputs.len()];
                for input in inputs.iter_mut() {
                    if *input.time() < id {
                        input.advance_to(id);
                    }
                }
                for (s, part) in batch.iter().enumerate() {
                    let input = &mut inputs[s];
                    let mut pending = 0usize;
                    let res = readers[s].read(part, worker.index(), worker.peers(), &mut |row| {
                        input.insert(row);
                        rows_in[s] += 1;
                        pending += 1;
                        if pending >= STEP_EVERY_ROWS {
                            pending = 0;
                            input.flush();
                            worker.step();
                        }
                    });
                    if let Err(e) = res {
                        error.get_or_insert(e);
                    }
                }
                for input in inputs.iter_mut() {
                    input.advance_to(id + 1);
                    input.flush();
                }
                worker.step_while(|| probe.less_than(&(id + 1)));
                let output = if index == 0 {
                    let mut updates: Vec<(Row, Diff)> =
                        captured.borrow_mut().drain(..).map(|(row, _t, d)| (row, d)).collect();
                    differential_dataflow::consolidation::consolidate(&mut updates);
                    updates
                } else {
                    Vec::new()
                };
                let stats = ctx.take_stats();
                let mut saved = (0, 0);
                if let (Some(dir), None) = (&snapshot, &error) {
                    let started = std::time::Instant::now();
                    match snapshot_worker(&ctx, dir, index, worker.peers()) {
                        Ok(bytes) => saved = (bytes, started.elapsed().as_millis() as u64),
                        Err(e) => error = Some(e),
                    }
                }
                if reports.send(Report { rows_in, output, stats, error, snapshot: saved }).is_err() {
                    break;
                }
            }
        })
        .map_err(|e| SluiceError::exec(format!("cannot start timely workers: {e}")))?;
        Ok(Executor { commands, reports, guards: Some(guards), errors })
    }

    /// Runs one micro-batch to completion under `watermarks` and returns the result's changes.
    pub fn run_batch(
        &mut self,
        id: Time,
        inputs: Vec<BatchInput>,
        watermarks: BatchWatermarks,
        snapshot: Option<PathBuf>,
    ) -> Result<BatchOutput> {
        let inputs = Arc::new(inputs);
        let snapshot = snapshot.map(Arc::new);
        for tx in &self.commands {
            tx.send(Command::Batch { id, inputs: inputs.clone(), watermarks, snapshot: snapshot.clone() })
                .map_err(|_| SluiceError::exec("a worker thread stopped unexpectedly"))?;
        }
        let mut changes = Vec::new();
        let mut rows_in: Vec<u64> = vec![0; inputs.len()];
        let mut first_error = None;
        let mut stats = BatchStats::default();
        let mut saved = (0, 0);
        for _ in 0..self.commands.len() {
            let report = self.reports.recv().map_err(|_| {
                SluiceError::exec("a worker thread stopped unexpectedly (it may have panicked)")
            })?;
            for (total, n) in rows_in.iter_mut().zip(&report.rows_in) {
                *total += n;
            }
            changes.extend(report.output);
            stats.merge(&report.stats);
            saved = (saved.0 + report.snapshot.0, saved.1.max(report.snapshot.1));
            if let Some(e) = report.error {
                first_error.get_or_insert(e);
            }
        }
        if let Some(e) = first_error.or_else(|| self.errors.take()) {
            return Err(e);
        }
        Ok(BatchOutput { changes, rows_in, stats, snapshot: saved })
    }

    /// Loads every worker's operator state from a checkpoint's snapshot directory.
    pub fn restore(&mut self, dir: PathBuf) -> Result<()> {
        let dir = Arc::new(dir);
        for tx in &self.commands {
            tx.send(Command::Restore(dir.clone()))
                .map_err(|_| SluiceError::exec("a worker thread stopped unexpectedly"))?;
        }
        let mut first_error = None;
        for _ in 0..self.commands.len() {
            let report =
                self.reports.recv().map_err(|_| SluiceError::exec("a worker thread stopped unexpectedly"))?;
            if let Some(e) = report.error {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Writes this worker's operator state (nothing when the query keeps none).
fn snapshot_worker(ctx: &DataflowContext, dir: &Path, index: usize, peers: usize) -> Result<u64> {
    if ctx.stores() == 0 {
        return Ok(0);
    }
    crate::checkpoint::state::write_part(dir, index, peers, &ctx.save_state()?)
}

fn restore_worker(ctx: &DataflowContext, dir: &Path, index: usize, peers: usize) -> Result<()> {
    if ctx.stores() == 0 {
        return Ok(());
    }
    let bytes = crate::checkpoint::state::read_part(dir, index, peers)?;
    ctx.load_state(&bytes).map_err(|e| {
        SluiceError::exec(format!("{}: {e}", crate::checkpoint::state::part_path(dir, index).display()))
    })
}

impl Drop for Executor {
    fn drop(&mut self) {
        // Closing the command channels ends every worker's loop; then join them.
        self.commands.clear();
        if let Some(guards) = self.guards.take() {
            let _ = guards.join();
        }
    }
}
