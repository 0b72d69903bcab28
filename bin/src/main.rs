//! `sluice`: runs SQL scripts of streaming queries.
//!
//! ```text
//! sluice run SCRIPT.sql [-w N] [--trigger available-now|once|'processing-time 2 seconds'] [--format table|json] [--checkpoint DIR]
//! ```
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
        #[arg(short = 'w', long = "workers", default_value_t = 1)]
        workers: usize,
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
        /// Checkpoint every streaming query under DIR/<sink table> so a restart goes on
        /// where it stopped (a sink table's `checkpoint = '...'` option overrides it).
        #[arg(long, value_name = "DIR")]
        checkpoint: Option<PathBuf>,
    },
}

/// How the CLI runs a script, besides the script itself.
pub struct RunOptions {
    /// Worker threads.
    pub workers: usize,
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
}

/// How `SELECT` results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Spark's `show()` table.
    Table,
    /// One JSON object per row.
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run { script, workers, trigger, format, progress_log, metrics_addr, quiet, checkpoint } => {
            let options =
                RunOptions { workers, trigger, format, progress_log, metrics_addr, quiet, checkpoint };
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
