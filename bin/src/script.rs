//! Runs a SQL script: splits it into statements, runs each through the library
//! (`Session::execute_statement`), prints what a query returns, and waits for the
//! streaming queries `INSERT INTO` starts. The CLI does no SQL parsing of its own.

use crate::status::StatusReporter;
use crate::{OutputFormat, RunOptions};
use sluice::format::{row_to_json, show_string};
use sluice::{split_statements, DataFrame, Session, SluiceError, SqlResult, StreamingQuery, Trigger};
use std::path::Path;

/// The cluster of `-n N -p I --hostfile FILE`: `None` for one process, else every
/// process's address and this process's index.
pub fn cluster_args(
    processes: usize,
    process: usize,
    hostfile: Option<&Path>,
) -> Result<Option<(Vec<String>, usize)>, String> {
    if processes == 0 {
        return Err("-n: a cluster needs at least one process".into());
    }
    let Some(hostfile) = hostfile else {
        if processes > 1 {
            return Err(format!("-n {processes}: a cluster needs --hostfile (one host:port per line)"));
        }
        if process != 0 {
            return Err(format!("-p {process}: a single process is process 0 (-n 1)"));
        }
        return Ok(None);
    };
    let hosts = sluice::read_hostfile(hostfile).map_err(|e| format!("--hostfile: {e}"))?;
    if hosts.len() < processes {
        return Err(format!(
            "--hostfile {}: lists {} hosts but -n is {processes}",
            hostfile.display(),
            hosts.len()
        ));
    }
    if process >= processes {
        return Err(format!(
            "-p {process}: out of range for -n {processes} (processes are 0..{})",
            processes - 1
        ));
    }
    Ok(Some((hosts.into_iter().take(processes).collect(), process)))
}

/// Runs the script; the error is the message to print (file, line, reason).
pub fn run(path: &Path, options: &RunOptions) -> Result<(), String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read script: {e}", path.display()))?;
    let trigger =
        options.trigger.as_deref().map(Trigger::parse).transpose().map_err(|e| format!("--trigger: {e}"))?;
    let session = build_session(options)?;
    let mut running: Vec<StreamingQuery> = Vec::new();
    for stmt in split_statements(&text) {
        let at = |e: String| format!("{}:{}: {e}", path.display(), stmt.line);
        let result = session.execute_statement(&stmt).map_err(|e| match e {
            SluiceError::Sql { line, error, .. } => format!("{}:{line}: {error}", path.display()),
            e => at(e.to_string()),
        })?;
        match result {
            SqlResult::Rows(df) => {
                print_rows(&session, &df, options.format).map_err(|e| at(e.to_string()))?
            }
            // With a bounded trigger each query runs to its end before the next statement.
            SqlResult::Query(q) if matches!(trigger, Some(Trigger::Once | Trigger::AvailableNow)) => {
                let ended = q.await_termination();
                // Its last status line comes before whatever the next statement prints.
                session.streams().flush_listeners();
                ended.map_err(|e| at(e.to_string()))?;
            }
            SqlResult::Query(q) => running.push(q),
            SqlResult::Done => {}
        }
    }
    // Queries still running (default or processing-time trigger) run until they end.
    for q in running {
        q.await_termination().map_err(|e| format!("{}: {e}", path.display()))?;
    }
    session.streams().flush_listeners();
    Ok(())
}

/// Prints a query's rows on stdout (process 0 only: in a cluster the others took part).
fn print_rows(session: &Session, df: &DataFrame, format: OutputFormat) -> sluice::Result<()> {
    let schema = df.schema()?;
    let rows = df.collect()?;
    if session.process_index() != 0 {
        return Ok(());
    }
    let zone = session.time_zone()?;
    match format {
        OutputFormat::Json => {
            for r in &rows {
                println!("{}", row_to_json(&schema, r, zone));
            }
        }
        OutputFormat::Table => print!("{}", show_string(&schema, &rows, rows.len(), 0, zone)),
    }
    Ok(())
}

/// The session with the observability the flags ask for: progress log, metrics endpoint
/// (its address printed on stderr) and, unless `--quiet`, the status on stderr.
fn build_session(options: &RunOptions) -> Result<Session, String> {
    let mut builder = Session::builder();
    if let Some(n) = options.workers {
        builder = builder.workers(n);
    }
    for (key, value) in &options.conf {
        if !sluice::takes_effect(key) {
            eprintln!("{}", sluice::no_effect_warning(key));
        }
        builder = builder.config(key, value);
    }
    if let Some(trigger) = &options.trigger {
        builder = builder.config(sluice::SQL_TRIGGER, trigger);
    }
    if let Some((hosts, index)) = &options.cluster {
        builder = builder.cluster(hosts.clone(), *index);
    }
    if let Some(dir) = &options.checkpoint {
        // Each query checkpoints under DIR/<its sink table>, as Spark's root location.
        builder = builder.config("spark.sql.streaming.checkpointLocation", dir.display());
    }
    if let Some(log) = &options.progress_log {
        // Checked here so a bad path names the flag, before any query starts.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| format!("--progress-log {}: cannot open for appending: {e}", log.display()))?;
        builder = builder.config(sluice::PROGRESS_LOG, log.display());
    }
    if let Some(addr) = &options.metrics_addr {
        builder = builder.config(sluice::METRICS_ADDR, addr);
    }
    let session = builder.build().map_err(|e| match e {
        SluiceError::Option { option, reason } if option == sluice::METRICS_ADDR => {
            format!("--metrics-addr {reason}")
        }
        e => format!("-w/-n/-p: {e}"),
    })?;
    if let Some(addr) = session.metrics_address() {
        eprintln!("sluice: metrics on http://{addr}/ (/progress, /metrics)");
    }
    if !options.quiet {
        session.streams().add_listener(std::sync::Arc::new(StatusReporter::default()));
    }
    Ok(session)
}

/// A `--conf KEY=VALUE` argument, split; the error names the argument.
pub fn conf_arg(arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("--conf {arg}: expected KEY=VALUE")),
    }
}
