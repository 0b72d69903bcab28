//! `sluice`: runs SQL scripts of streaming queries.
//!
//! ```text
//! sluice run SCRIPT.sql [-w N] [--trigger available-now|once|'processing-time 2 seconds'] [--format table|json]
//! ```
#![forbid(missing_docs)]

mod script;

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
    },
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
        Command::Run { script, workers, trigger, format } => {
            match script::run(&script, workers, trigger.as_deref(), format) {
                Ok(()) => ExitCode::SUCCESS,
                Err(msg) => {
                    eprintln!("{msg}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
