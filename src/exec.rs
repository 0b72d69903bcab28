//! Runs an analysed plan on timely workers: one dataflow per query, fed one micro-batch
//! at a time. The driver hands each command (a batch's inputs and watermarks, or stop) to
//! worker 0, which broadcasts it to every worker through a small control dataflow, so
//! the same path serves threads of one process and processes of a cluster. Each worker
//! reads its share, inserts it at time `batch id`, advances its inputs and steps until the
//! probe's frontier passes the batch; the result's changes are exchanged to worker 0, and
//! every other worker's report (rows read, statistics, errors) flows back to worker 0
//! through the control dataflow, which merges them into one report for the driver.

use crate::checkpoint::{state, Durability};
pub(crate) use crate::cluster::Placement;
use crate::cluster::{self, ClusterHealth, Hello};
use crate::source::{BatchPlan, SourceReader};
use serde::{Deserialize, Serialize};
use sluice_core::mode::OutputMode;
use sluice_core::plan::Analyzed;
use sluice_core::sink::PartWriterFactory;
use sluice_core::{Result, Row, SluiceError};
use sluice_operators::{
    build, BatchStats, BatchWatermarks, ChangedKeys, DataflowContext, Diff, ErrorSlot, SavedState,
    StoreChanges, Time,
};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::vec::{Broadcast, Input};
use timely::dataflow::operators::{Exchange, Probe};
use timely::dataflow::{InputHandleVec, ProbeHandle};
use timely::worker::Worker;
use timely::WorkerConfig;

/// Rows a worker inserts before letting the dataflow run, so a large batch streams
/// through the operators instead of piling up in the input buffers. Small enough that a
/// chunk's rows stay in cache and in memory the allocator already has: with 64 Ki rows,
/// Nexmark q0 over the generator spent a fifth to a third of its time in the kernel
/// zeroing fresh pages for them (`clear_page_erms`) and took 0.42-0.46 s on 2 workers;
/// with 4 Ki, 0.24-0.32 s (benches/nexmark/README.md).
const STEP_EVERY_ROWS: usize = 4 * 1024;
/// How often a waiting worker or driver looks at the cluster's connections.
const HEALTH_POLL: Duration = Duration::from_millis(50);

/// What the driver asks every worker to do; worker 0 broadcasts each one in order.
/// A new kind of work (e.g. writing a state snapshot) is a new variant here and an arm in
/// the worker loop.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum Command {
    /// Run micro-batch `id` on these inputs (one per source) under these watermarks.
    /// With `snapshot`, each worker then saves what the batch changed of its operator state
    /// into that directory (its whole state at its first batch without a restore).
    Batch { id: Time, inputs: Vec<BatchPlan>, watermarks: BatchWatermarks, snapshot: Option<PathBuf> },
    /// Load each worker's operator state (before any batch): per worker (by index), the
    /// checkpoint files to read, a snapshot then deltas.
    Restore(Vec<Vec<PathBuf>>),
    /// Leave the loop: the query ended (with this error, if it failed).
    Stop { error: Option<WireError> },
}

/// One worker's account of one batch.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Report {
    rows_in: Vec<u64>,
    /// The result's changes (worker 0 only: the result is exchanged to it).
    output: Vec<(Row, Diff)>,
    stats: BatchStats,
    error: Option<WireError>,
    /// State written: bytes of deltas, bytes of snapshots, and how long the write took (ms).
    snapshot: (u64, u64, u64),
    /// With a sink that every worker writes: the rows this worker wrote, and its commit
    /// messages for the driver.
    written: u64,
    commit: Vec<String>,
}

impl Report {
    fn merge(&mut self, other: Report) {
        if self.rows_in.len() < other.rows_in.len() {
            self.rows_in.resize(other.rows_in.len(), 0);
        }
        for (total, n) in self.rows_in.iter_mut().zip(&other.rows_in) {
            *total += n;
        }
        self.output.extend(other.output);
        self.stats.merge(&other.stats);
        self.snapshot = (
            self.snapshot.0 + other.snapshot.0,
            self.snapshot.1 + other.snapshot.1,
            self.snapshot.2.max(other.snapshot.2),
        );
        self.written += other.written;
        self.commit.extend(other.commit);
        if self.error.is_none() {
            self.error = other.error;
        }
    }
}

/// A `SluiceError` that can cross processes (an I/O error keeps its text, not its kind).
#[derive(Clone, Debug, Serialize, Deserialize)]
enum WireError {
    Analysis(String),
    Parse(String),
    Option { option: String, reason: String },
    Io { path: PathBuf, message: String },
    Malformed { path: PathBuf, line: u64, reason: String },
    Execution(String),
    QueryFailed { name: String, cause: String },
    Sql { line: usize, column: usize, error: Box<WireError> },
}

impl From<SluiceError> for WireError {
    fn from(e: SluiceError) -> Self {
        match e {
            SluiceError::Analysis(m) => WireError::Analysis(m),
            SluiceError::Parse(m) => WireError::Parse(m),
            SluiceError::Option { option, reason } => WireError::Option { option, reason },
            SluiceError::Io { path, source } => WireError::Io { path, message: source.to_string() },
            SluiceError::Malformed { path, line, reason } => WireError::Malformed { path, line, reason },
            SluiceError::Execution(m) => WireError::Execution(m),
            SluiceError::QueryFailed { name, cause } => WireError::QueryFailed { name, cause },
            SluiceError::Sql { line, column, error } => {
                WireError::Sql { line, column, error: Box::new((*error).into()) }
            }
        }
    }
}

impl From<WireError> for SluiceError {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Analysis(m) => SluiceError::Analysis(m),
            WireError::Parse(m) => SluiceError::Parse(m),
            WireError::Option { option, reason } => SluiceError::Option { option, reason },
            WireError::Io { path, message } => SluiceError::io(path, std::io::Error::other(message)),
            WireError::Malformed { path, line, reason } => SluiceError::Malformed { path, line, reason },
            WireError::Execution(m) => SluiceError::Execution(m),
            WireError::QueryFailed { name, cause } => SluiceError::QueryFailed { name, cause },
            WireError::Sql { line, column, error } => {
                SluiceError::Sql { line, column, error: Box::new((*error).into()) }
            }
        }
    }
}

/// What one micro-batch produced.
pub(crate) struct BatchOutput {
    /// The result's changes in this batch, consolidated when they hold retractions.
    pub changes: Vec<(Row, Diff)>,
    /// Rows read from each source.
    pub rows_in: Vec<u64>,
    /// What the operators observed (event times, state sizes), summed over workers.
    pub stats: BatchStats,
    /// State written by all workers: bytes of deltas, bytes of snapshots, and the longest
    /// write (ms).
    pub snapshot: (u64, u64, u64),
    /// With a sink that every worker writes (`changes` is then empty): the rows they wrote
    /// and their commit messages.
    pub written: u64,
    pub commit: Vec<String>,
}

/// The control dataflow of one worker: commands broadcast from worker 0 and reports
/// gathered to it.
struct Control {
    commands_in: InputHandleVec<Time, (u64, Command)>,
    reports_in: InputHandleVec<Time, Report>,
    commands: Rc<RefCell<BTreeMap<u64, Command>>>,
    reports: Rc<RefCell<Vec<Report>>>,
    /// Sequence number of the next command (sent by worker 0, awaited by all).
    next: u64,
    health: Option<Arc<ClusterHealth>>,
}

impl Control {
    fn build(worker: &mut Worker, health: Option<Arc<ClusterHealth>>) -> Control {
        let commands: Rc<RefCell<BTreeMap<u64, Command>>> = Rc::default();
        let reports: Rc<RefCell<Vec<Report>>> = Rc::default();
        let (got_commands, got_reports) = (commands.clone(), reports.clone());
        let (commands_in, reports_in) = worker.dataflow::<Time, _, _>(move |scope| {
            let (commands_in, stream) = scope.new_input::<(u64, Command)>();
            stream.broadcast().unary::<CapacityContainerBuilder<Vec<()>>, _, _, _>(
                Pipeline,
                "Commands",
                move |_, _| {
                    move |input, _output| {
                        input.for_each(|_cap, data| got_commands.borrow_mut().extend(data.drain(..)))
                    }
                },
            );
            let (reports_in, stream) = scope.new_input::<Report>();
            stream.exchange(|_| 0).unary::<CapacityContainerBuilder<Vec<()>>, _, _, _>(
                Pipeline,
                "Reports",
                move |_, _| {
                    move |input, _output| input.for_each(|_cap, data| got_reports.borrow_mut().append(data))
                },
            );
            (commands_in, reports_in)
        });
        Control { commands_in, reports_in, commands, reports, next: 0, health }
    }

    /// Worker 0: sends `command` to every worker (itself included).
    fn broadcast(&mut self, command: Command) {
        self.commands_in.send((self.next, command));
        // Closing the epoch is what pushes the message on and wakes its readers (`flush`
        // alone leaves it with the input operator).
        let t = *self.commands_in.time();
        self.commands_in.advance_to(t + 1);
    }

    /// Steps until the next command arrives.
    fn next_command(&mut self, worker: &mut Worker) -> Result<Command> {
        let seq = self.next;
        let commands = self.commands.clone();
        self.wait(worker, || commands.borrow().contains_key(&seq))?;
        self.next += 1;
        Ok(self.commands.borrow_mut().remove(&seq).expect("waited for it"))
    }

    /// A worker other than 0: sends its report to worker 0.
    fn report(&mut self, report: Report) {
        self.reports_in.send(report);
        let t = *self.reports_in.time();
        self.reports_in.advance_to(t + 1);
    }

    /// Worker 0: steps until `n` reports arrived, and takes them.
    fn gather(&mut self, worker: &mut Worker, n: usize) -> Result<Vec<Report>> {
        let reports = self.reports.clone();
        self.wait(worker, || reports.borrow().len() >= n)?;
        Ok(self.reports.borrow_mut().drain(..n).collect())
    }

    fn wait(&self, worker: &mut Worker, mut done: impl FnMut() -> bool) -> Result<()> {
        while !done() {
            match &self.health {
                // Threads of one process cannot lose each other: park until a message comes.
                None => {
                    worker.step_or_park(None);
                }
                Some(health) => {
                    if let Some(e) = health.lost() {
                        health.fail();
                        return Err(e);
                    }
                    worker.step_or_park(Some(HEALTH_POLL));
                }
            }
        }
        Ok(())
    }
}

/// Marks the cluster as failed when a worker thread panics (a broken connection makes
/// timely's queues panic), so the connections are closed instead of awaited.
struct FailOnPanic(Option<Arc<ClusterHealth>>);

impl Drop for FailOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Some(h) = &self.0 {
                h.fail();
            }
        }
    }
}

type Guards = timely::communication::initialize::WorkerGuards<Option<WireError>>;

/// Set by [`exit_without_freeing_state`].
static LEAVE_WORKERS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// For a process that exits once its queries end (the `sluice` CLI): a stopped query no
/// longer waits for its worker threads to free its state, which they do in the background
/// (or never, when the process exits first). Freeing a large state row by row is pure cost
/// at exit: about a quarter of Nexmark q7's time (0.3 of 1.2 s) went to dropping the bids
/// its join held. Single-process queries only; a cluster's processes stop together as before.
pub fn exit_without_freeing_state() {
    LEAVE_WORKERS.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// A running dataflow for one query on the session's workers (of every process).
pub(crate) struct Executor {
    /// To worker 0 (the driver's process only).
    commands: Option<Sender<Command>>,
    reports: Receiver<Report>,
    guards: Option<Guards>,
    errors: ErrorSlot,
    health: Option<Arc<ClusterHealth>>,
}

impl Executor {
    /// Builds the query's dataflow on every worker of `placement`. In cluster mode this
    /// connects to the other processes first (they must start the same query).
    pub fn start(
        analyzed: Arc<Analyzed>,
        readers: Arc<Vec<Box<dyn SourceReader>>>,
        placement: &Placement,
        mode: OutputMode,
        writers: Option<Arc<dyn PartWriterFactory>>,
        checkpointing: bool,
    ) -> Result<Executor> {
        let threads = placement.threads.max(1);
        let (command_tx, command_rx) = channel::<Command>();
        let command_rx = Arc::new(Mutex::new(Some(command_rx)));
        let (report_tx, reports) = channel::<Report>();
        let report_tx = Arc::new(Mutex::new(report_tx));
        let errors = ErrorSlot::new();
        let worker_errors = errors.clone();
        let (allocators, health) = match &placement.cluster {
            None => {
                let config = if threads == 1 {
                    timely::CommunicationConfig::Thread
                } else {
                    timely::CommunicationConfig::Process(threads)
                };
                let (builders, others) = config
                    .try_build()
                    .map_err(|e| SluiceError::exec(format!("cannot start timely workers: {e}")))?;
                ((builders, others), None)
            }
            Some((cluster, execution)) => {
                let hello = Hello {
                    process: cluster.process as u64,
                    threads: threads as u64,
                    execution: *execution,
                    fingerprint: cluster::fingerprint(&format!(
                        "{:?}|{}|{mode:?}|{}",
                        analyzed.schema,
                        analyzed.sources.len(),
                        writers.is_some()
                    )),
                };
                let (builders, others, health) = cluster::connect(cluster, threads, hello)?;
                ((builders, others), Some(health))
            }
        };
        let worker_health = health.clone();
        // The driver's flusher makes the state files its own machine wrote durable; a
        // worker of another process (maybe another machine) makes its own durable at once.
        let durability = match &placement.cluster {
            Some((cluster, _)) if cluster.process != 0 => Durability::Now,
            _ => Durability::Deferred,
        };
        let logic = move |worker: &mut Worker| -> Option<WireError> {
            let _fail_on_panic = FailOnPanic(worker_health.clone());
            let index = worker.index();
            let peers = worker.peers();
            // Worker 0 (in process 0) takes the driver's commands.
            let driver =
                if index == 0 { command_rx.lock().unwrap_or_else(|p| p.into_inner()).take() } else { None };
            let reports = report_tx.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let ctx = DataflowContext::new(mode, worker_errors.clone(), analyzed.watermarks.len())
                .tracking_changes(checkpointing)
                .exact_chain(mode == OutputMode::Update && sluice_core::plan::has_chain(&analyzed.root));
            // With a sink that every worker writes, each keeps its own share of the result;
            // otherwise the result goes to worker 0 for the driver.
            let mut part_writer = writers.as_ref().map(|f| f.create(index, peers));
            let captured: Rc<RefCell<Vec<(Row, Time, Diff)>>> = Rc::new(RefCell::new(Vec::new()));
            let probe = ProbeHandle::new();
            let capture = captured.clone();
            let gather = part_writer.is_none();
            // A writer that discards its rows (noop) outside complete mode gets none: the
            // worker counts the rows it would have written and drops them as they come.
            let discard =
                mode != OutputMode::Complete && matches!(&part_writer, Some(Ok(w)) if w.discards_rows());
            let discarded = Rc::new(Cell::new(0u64));
            let discard_count = discarded.clone();
            let mut inputs = worker.dataflow::<Time, _, _>(|scope| {
                let (inputs, output) = build(scope, &analyzed, &ctx);
                // A writing worker keeps its own changes: no exchange at all.
                let changes = if gather { output.inner.exchange(|_| 0) } else { output.inner };
                changes
                    .unary::<CapacityContainerBuilder<Vec<()>>, _, _, _>(Pipeline, "Capture", move |_, _| {
                        move |input, _output| {
                            input.for_each(|_cap, data| {
                                if discard {
                                    let added = data.iter().map(|(_, _, d)| (*d).max(0) as u64).sum::<u64>();
                                    discard_count.set(discard_count.get() + added);
                                    data.clear();
                                } else {
                                    capture.borrow_mut().append(data)
                                }
                            });
                        }
                    })
                    .probe_with(&probe);
                inputs
            });
            // In complete mode each writing worker keeps its share of the result table (its
            // groups), saved with its operator state.
            let table = (part_writer.is_some() && mode == OutputMode::Complete).then(|| {
                let table = Rc::new(RefCell::new(ResultTable::tracking(checkpointing)));
                ctx.register_store(table.clone());
                table
            });
            let mut control = Control::build(worker, worker_health.clone());
            // The first state this worker saves is whole (nothing on disk to add a delta to),
            // unless it restored a new-format chain.
            let mut save_whole = true;
            loop {
                if let Some(rx) = &driver {
                    // The driver hanging up means stop.
                    control.broadcast(rx.recv().unwrap_or(Command::Stop { error: None }));
                }
                let command = match control.next_command(worker) {
                    Ok(c) => c,
                    Err(e) => {
                        let error = WireError::from(e);
                        let _ = reports.send(Report { error: Some(error.clone()), ..Default::default() });
                        return Some(error);
                    }
                };
                let (id, batch, watermarks, snapshot) = match command {
                    Command::Stop { error } => return error,
                    Command::Batch { id, inputs, watermarks, snapshot } => (id, inputs, watermarks, snapshot),
                    Command::Restore(chains) => {
                        let chain = chains.get(index).cloned().unwrap_or_default();
                        let error = match restore_worker(&ctx, &chain, index, peers) {
                            Ok(old_format) => {
                                save_whole = old_format;
                                None
                            }
                            Err(e) => Some(WireError::from(e)),
                        };
                        let report = Report { error, ..Default::default() };
                        if index != 0 {
                            control.report(report);
                            continue;
                        }
                        let mut merged = report;
                        match control.gather(worker, peers - 1) {
                            Ok(others) => others.into_iter().for_each(|r| merged.merge(r)),
                            Err(e) => merged.error = Some(WireError::from(e)),
                        }
                        if reports.send(merged).is_err() {
                            return None;
                        }
                        continue;
                    }
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
                    let res = readers[s].read(part, index, peers, &mut |row| {
                        input.insert(row);
                        rows_in[s] += 1;
                        pending += 1;
                        if pending >= STEP_EVERY_ROWS {
                            pending = 0;
                            input.flush();
                            worker.step();
                        }
                    });
                    match res {
                        Ok(skipped) => rows_in[s] += skipped,
                        Err(e) => {
                            error.get_or_insert(e);
                        }
                    }
                }
                for input in inputs.iter_mut() {
                    input.advance_to(id + 1);
                    input.flush();
                }
                worker.step_while(|| probe.less_than(&(id + 1)));
                ctx.batch_done(id);
                // Row-level errors land in this process's slot; whichever worker finds one reports it.
                let mut error = error.or_else(|| worker_errors.take());
                let stats = ctx.take_stats();
                let (mut written, mut commit) = (0, Vec::new());
                if let Some(writer) = &mut part_writer {
                    let changes: Vec<(Row, Time, Diff)> = std::mem::take(&mut *captured.borrow_mut());
                    let changes = changes.into_iter().map(|(row, _t, d)| (row, d));
                    let rows = match &table {
                        Some(table) => table.borrow_mut().apply(changes),
                        None => inserted_rows(changes),
                    };
                    let dropped = discarded.replace(0);
                    if error.is_none() {
                        written = rows.len() as u64 + dropped;
                        match writer.as_mut().map_err(|e| e.clone()).and_then(|w| w.write(id, rows)) {
                            Ok(messages) => commit = messages,
                            Err(e) => error = Some(e),
                        }
                    }
                }
                let mut saved = (0, 0, 0);
                if let (Some(dir), None) = (&snapshot, &error) {
                    let started = std::time::Instant::now();
                    match save_worker(&ctx, dir, index, peers, save_whole, durability) {
                        Ok(bytes) => {
                            let ms = started.elapsed().as_millis() as u64;
                            saved = if save_whole { (0, bytes, ms) } else { (bytes, 0, ms) };
                            save_whole = false;
                        }
                        Err(e) => error = Some(e),
                    }
                }
                let error = error.map(WireError::from);
                let report =
                    Report { rows_in, output: Vec::new(), stats, error, snapshot: saved, written, commit };
                if index != 0 {
                    control.report(report);
                    continue;
                }
                let mut merged = report;
                let mut output: Vec<(Row, Diff)> =
                    captured.borrow_mut().drain(..).map(|(row, _t, d)| (row, d)).collect();
                consolidate_retractions(&mut output);
                merged.output = output;
                match control.gather(worker, peers - 1) {
                    Ok(others) => others.into_iter().for_each(|r| merged.merge(r)),
                    Err(e) => {
                        let error = WireError::from(e);
                        merged.error = Some(error.clone());
                        let _ = reports.send(merged);
                        return Some(error);
                    }
                }
                if reports.send(merged).is_err() {
                    return None;
                }
            }
        };
        let (builders, others) = allocators;
        let guards = timely::execute::execute_from(builders, others, WorkerConfig::default(), logic)
            .map_err(|e| SluiceError::exec(format!("cannot start timely workers: {e}")))?;
        let commands = placement.is_driver().then_some(command_tx);
        Ok(Executor { commands, reports, guards: Some(guards), errors, health })
    }

    /// Runs one micro-batch to completion under `watermarks` and returns the result's
    /// changes. Process 0 only.
    pub fn run_batch(
        &mut self,
        id: Time,
        inputs: Vec<BatchPlan>,
        watermarks: BatchWatermarks,
        snapshot: Option<PathBuf>,
    ) -> Result<BatchOutput> {
        let sources = inputs.len();
        let stopped = || SluiceError::exec("a worker thread stopped unexpectedly (it may have panicked)");
        let commands = self.commands.as_ref().ok_or_else(|| {
            SluiceError::exec("only process 0 of a cluster runs batches; the others follow it")
        })?;
        commands
            .send(Command::Batch { id, inputs, watermarks, snapshot })
            .map_err(|_| self.lost().unwrap_or_else(stopped))?;
        let report = self.await_report()?;
        if let Some(e) = report.error.map(SluiceError::from).or_else(|| self.errors.take()) {
            return Err(e);
        }
        let mut rows_in = report.rows_in;
        rows_in.resize(sources, 0);
        Ok(BatchOutput {
            changes: report.output,
            rows_in,
            stats: report.stats,
            snapshot: report.snapshot,
            written: report.written,
            commit: report.commit,
        })
    }

    /// Loads every worker's operator state from checkpoint files: per worker, a snapshot
    /// and the deltas after it.
    pub fn restore(&mut self, chains: Vec<Vec<PathBuf>>) -> Result<()> {
        let stopped = || SluiceError::exec("a worker thread stopped unexpectedly (it may have panicked)");
        let commands = self.commands.as_ref().ok_or_else(|| {
            SluiceError::exec("only process 0 of a cluster restores state; the others follow it")
        })?;
        commands.send(Command::Restore(chains)).map_err(|_| self.lost().unwrap_or_else(stopped))?;
        match self.await_report()?.error {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// Waits for worker 0's merged report, watching the cluster's connections.
    fn await_report(&self) -> Result<Report> {
        let stopped = || SluiceError::exec("a worker thread stopped unexpectedly (it may have panicked)");
        let report = loop {
            match self.reports.recv_timeout(HEALTH_POLL) {
                Ok(r) => break r,
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(e) = self.lost() {
                        return Err(e);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return Err(self.lost().unwrap_or_else(stopped)),
            }
        };
        Ok(report)
    }

    /// The error naming a process whose connection broke, if one did (and marks the
    /// cluster as failed).
    fn lost(&self) -> Option<SluiceError> {
        let health = self.health.as_ref()?;
        let e = health.lost()?;
        health.fail();
        Some(e)
    }

    /// Process 0: tells every worker of every process that the query ended (with `error`,
    /// which the other processes then report too), and waits for them.
    pub fn stop(mut self, error: Option<&SluiceError>) {
        if let Some(tx) = self.commands.take() {
            let _ = tx.send(Command::Stop { error: error.cloned().map(WireError::from) });
        }
    }

    /// The other processes of a cluster: takes part in the query until process 0 stops it,
    /// then returns the error it ended with, or the one that broke the cluster.
    pub fn follow(mut self) -> Result<()> {
        let Some(guards) = self.guards.take() else { return Ok(()) };
        let health = self.health.clone();
        let mut first = None;
        for result in guards.join() {
            let error = match result {
                Ok(None) => continue,
                Ok(Some(e)) => SluiceError::from(e),
                Err(panic) => health
                    .as_ref()
                    .and_then(|h| h.lost())
                    .unwrap_or_else(|| SluiceError::exec(format!("a worker thread panicked: {panic}"))),
            };
            first.get_or_insert(error);
        }
        first.map_or(Ok(()), Err)
    }
}

/// Consolidates a batch's changes when some are retractions (complete mode's old rows),
/// which must cancel the additions they match. Append and update mode produce additions
/// only: then there is nothing to cancel, and sorting every output row (the profile of a
/// file-to-file-sink query showed a fifth of its time in that sort) is skipped.
fn consolidate_retractions(changes: &mut Vec<(Row, Diff)>) {
    if changes.iter().any(|(_, d)| *d < 0) {
        differential_dataflow::consolidation::consolidate(changes);
    }
}

/// The rows a worker writes for its share of a batch in append or update mode: each row
/// the result gained, as often as it gained it.
pub(crate) fn inserted_rows(changes: impl Iterator<Item = (Row, Diff)>) -> Vec<Row> {
    let mut changes: Vec<(Row, Diff)> = changes.collect();
    consolidate_retractions(&mut changes);
    let mut rows = Vec::with_capacity(changes.len());
    for (row, d) in changes {
        if d > 0 {
            rows.extend(std::iter::repeat_n(row, d as usize));
        }
    }
    rows
}

/// A complete-mode result table, as row multiplicities: the driver's whole table, or one
/// writing worker's share of it (its groups). It remembers which rows changed, so a
/// checkpoint saves only those.
#[derive(Default)]
pub(crate) struct ResultTable {
    rows: BTreeMap<Row, i64>,
    changed: ChangedKeys,
}

impl ResultTable {
    /// Applies a batch's changes and returns the whole table, to write again.
    pub fn apply(&mut self, changes: impl Iterator<Item = (Row, Diff)>) -> Vec<Row> {
        for (row, d) in changes {
            self.changed.touch(&row);
            let n = self.rows.entry(row).or_insert(0);
            *n += d as i64;
        }
        self.rows.retain(|_, n| *n != 0);
        let mut rows = Vec::with_capacity(self.rows.len());
        for (row, &n) in &self.rows {
            rows.extend(std::iter::repeat_n(row.clone(), n.max(0) as usize));
        }
        rows
    }

    /// An empty table that remembers changed rows when `track` (a query with a checkpoint).
    pub fn tracking(track: bool) -> Self {
        ResultTable { rows: BTreeMap::new(), changed: ChangedKeys::tracking(track) }
    }

    /// Replaces the table (the first checkpoint format's).
    pub fn replace(&mut self, rows: BTreeMap<Row, i64>) {
        self.rows = rows;
        self.changed.reset();
    }
}

impl sluice_operators::Snapshot for ResultTable {
    fn take_changes(&mut self, full: bool) -> Result<StoreChanges> {
        let ResultTable { rows, changed } = self;
        changed.take(full, |k| rows.get(k), rows.iter())
    }

    fn clear(&mut self) {
        self.replace(BTreeMap::new());
    }

    fn apply_changes(&mut self, changes: StoreChanges) -> Result<()> {
        for (key, value) in changes {
            let row = sluice_operators::keyed::decode_key(&key)?;
            match value {
                Some(v) => {
                    self.rows.insert(row, sluice_operators::keyed::decode_value(&v)?);
                }
                None => {
                    self.rows.remove(&row);
                }
            }
        }
        Ok(())
    }

    fn load_v1(&mut self, bytes: &[u8]) -> Result<()> {
        let rows = bincode::deserialize(bytes)
            .map_err(|e| SluiceError::exec(format!("cannot decode the result table: {e}")))?;
        self.replace(rows);
        Ok(())
    }
}

/// Writes what changed of this worker's operator state since its last save (all of it
/// when `whole`); nothing when the query keeps no state. Returns the bytes written.
fn save_worker(
    ctx: &DataflowContext,
    dir: &Path,
    index: usize,
    peers: usize,
    whole: bool,
    durability: Durability,
) -> Result<u64> {
    if ctx.stores() == 0 {
        return Ok(0);
    }
    let kind = if whole { state::Kind::Snapshot } else { state::Kind::Delta };
    state::write(dir, kind, state::Part::Worker(index), peers, &ctx.take_changes(whole)?, durability)
}

/// Rebuilds this worker's operator state from its checkpoint files; returns whether they
/// were of the first format (the next save must then be whole).
fn restore_worker(ctx: &DataflowContext, chain: &[PathBuf], index: usize, peers: usize) -> Result<bool> {
    if ctx.stores() == 0 {
        return Ok(false);
    }
    let mut old_format = false;
    let mut saved = Vec::with_capacity(chain.len());
    for file in chain {
        saved.push(match state::read(file, state::Part::Worker(index), peers)? {
            state::Loaded::Old(bytes) => {
                old_format = true;
                SavedState::Old(bytes)
            }
            state::Loaded::Entries(stores) => SavedState::Entries(stores),
        });
    }
    if saved.is_empty() {
        return Err(SluiceError::exec(format!("no saved state for worker {index} in the checkpoint")));
    }
    ctx.restore(saved).map_err(|e| {
        SluiceError::exec(format!(
            "{} (worker {index}'s state, from {}): {e}",
            chain[0].display(),
            chain.len()
        ))
    })?;
    Ok(old_format)
}

impl Drop for Executor {
    fn drop(&mut self) {
        // Closing the command channel makes worker 0 broadcast a stop; then join them.
        self.commands.take();
        if let Some(guards) = self.guards.take() {
            if self.health.is_none() && LEAVE_WORKERS.load(std::sync::atomic::Ordering::Relaxed) {
                // Dropping the guards would join the threads: leave them to finish alone.
                std::mem::forget(guards);
                return;
            }
            let _ = guards.join();
        }
    }
}
