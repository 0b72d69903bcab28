//! `sluice`: runs SQL scripts of streaming queries.
//!
//! ```text
//! sluice run SCRIPT.sql [-w N] [--trigger available-now|once|'processing-time 2 seconds'] [--format table|json]
//!                       [--checkpoint DIR] [--conf KEY=VALUE]... [-n PROCESSES -p INDEX --hostfile HOSTS]
//! ```
//!
//! With `-n`, every process of the cluster runs the same script with its own `-p`;
//! process 0 drives the queries and prints results, the others print nothing.
#![forbid(missing_docs)]

mod script;
mod status;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "sluice",
    version,
    about = "Incremental stream processing with Spark Structured Streaming's model"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a SQL script: CREATE TABLE sources and sinks, INSERT INTO sink SELECT .. to start
    /// streaming queries, SELECT to print results.
    Run {
        /// The script.
        script: PathBuf,
        /// Worker threads.
        /// Worker threads (default: one per core, as Spark's local[*]).
        #[arg(short = 'w', long = "workers")]
        workers: Option<usize>,
        /// When streaming queries run batches: available-now, once, default, or 'processing-time 2 seconds'.
        #[arg(long)]
        trigger: Option<String>,
        /// How SELECT results print.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Append every batch's progress (Spark's JSON) as one line to this file.
        #[arg(long, value_name = "FILE")]
        progress_log: Option<PathBuf>,
        /// Serve /progress, /metrics (Prometheus) and a live page at this address
        /// (PORT means 127.0.0.1:PORT; 0 picks a free port, printed on stderr).
        #[arg(long, value_name = "ADDR")]
        metrics_addr: Option<String>,
        /// No progress bar and no per-batch status lines on stderr.
        #[arg(short = 'q', long)]
        quiet: bool,
        /// Processes in the cluster (needs --hostfile and -p).
        #[arg(short = 'n', long = "processes", default_value_t = 1)]
        processes: usize,
        /// This process's index in the cluster, 0..N-1 (process 0 drives the queries).
        #[arg(short = 'p', long = "process", default_value_t = 0)]
        process: usize,
        /// A file of one host:port per line, in process order.
        #[arg(long)]
        hostfile: Option<PathBuf>,
        /// Checkpoint every streaming query under DIR/<sink table> so a restart goes on
        /// where it stopped (a sink table's `checkpoint = '...'` option overrides it).
        #[arg(long, value_name = "DIR")]
        checkpoint: Option<PathBuf>,
        /// Set a config, as spark-submit's --conf (repeatable): e.g.
        /// --conf spark.sql.streaming.minBatchesToRetain=10.
        #[arg(long = "conf", value_name = "KEY=VALUE")]
        conf: Vec<String>,
    },
}

/// How the CLI runs a script, besides the script itself.
pub struct RunOptions {
    /// Worker threads.
    /// `None`: one per core.
    pub workers: Option<usize>,
    /// `-n`/`-p`/`--hostfile`: the cluster's hosts and this process's index.
    pub cluster: Option<(Vec<String>, usize)>,
    /// The `--trigger` text.
    pub trigger: Option<String>,
    /// How SELECT results print.
    pub format: OutputFormat,
    /// `--progress-log`.
    pub progress_log: Option<PathBuf>,
    /// `--metrics-addr`.
    pub metrics_addr: Option<String>,
    /// `--quiet`.
    pub quiet: bool,
    /// `--checkpoint`.
    pub checkpoint: Option<PathBuf>,
    /// `--conf key=value`s, in order.
    pub conf: Vec<(String, String)>,
}

/// How `SELECT` results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Spark's `show()` table.
    Table,
    /// One JSON object per row.
    Json,
}

/// mimalloc, not glibc's malloc: rows are many small vectors and strings freed in bulk after
/// each batch, and under glibc a third of a checkpointed batch's time went to
/// `malloc_consolidate` (see ARCHITECTURE.md, *Allocation*).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The process ends with its queries: their workers need not free the state first.
    sluice::exit_without_freeing_state();
    match cli.command {
        Command::Run {
            script,
            workers,
            trigger,
            format,
            progress_log,
            metrics_addr,
            quiet,
            processes,
            process,
            hostfile,
            checkpoint,
            conf,
        } => {
            let conf = match conf.iter().map(|c| script::conf_arg(c)).collect::<Result<Vec<_>, String>>() {
                Ok(c) => c,
                Err(msg) => {
                    eprintln!("{msg}");
                    return ExitCode::FAILURE;
                }
            };
            let cluster = match script::cluster_args(processes, process, hostfile.as_deref()) {
                Ok(c) => c,
                Err(msg) => {
                    eprintln!("{msg}");
                    return ExitCode::FAILURE;
                }
            };
            if cluster.is_some() {
                quiet_broken_connection_panics();
            }
            let options = RunOptions {
                workers,
                cluster,
                trigger,
                format,
                progress_log,
                metrics_addr,
                quiet,
                checkpoint,
                conf,
            };
            match script::run(&script, &options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(msg) => {
                    eprintln!("{msg}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// When a process of a cluster dies, timely's communication threads and the workers that
/// read from them panic; Sluice turns that into one error naming the process, so those
/// panics' own messages (and backtraces) are noise. Every other panic still prints.
fn quiet_broken_connection_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        let expected = msg.starts_with("timely communication error")
            || msg.starts_with("MergeQueue poisoned")
            || msg.starts_with("Send thread panic")
            || msg.starts_with("Recv thread panic");
        if !expected {
            default(info);
        }
    }));
}
