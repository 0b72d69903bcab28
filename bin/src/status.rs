//! What the CLI tells a person on stderr while queries run: a progress bar (indicatif) of
//! the files or offsets read out of a bounded backlog (`--trigger available-now` or `once`,
//! whose file sources report `numFilesRead`/`numFilesTotal` and Kafka sources
//! `numOffsetsRead`/`numOffsetsTotal`), else one status line per batch. Nothing
//! goes to stdout, so `--format json` output stays pure; `--quiet` does not install this.
//!
//! indicatif hides its bar when stderr is not a terminal: then the lines are printed instead.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sluice::progress::StreamingQueryProgress;
use sluice::{QueryProgressEvent, QueryStartedEvent, QueryTerminatedEvent, StreamingQueryListener};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

struct Run {
    started: Instant,
    rows: u64,
    bar: Option<ProgressBar>,
}

/// The listener the CLI registers unless `--quiet`.
#[derive(Default)]
pub struct StatusReporter {
    /// By run id.
    runs: Mutex<HashMap<String, Run>>,
}

/// `(read, total, unit)` summed over a batch's bounded sources: files when it has bounded
/// file sources, else Kafka offsets.
fn backlog(p: &StreamingQueryProgress) -> Option<(u64, u64, &'static str)> {
    let figure = |m: &std::collections::BTreeMap<String, String>, k: &str| m.get(k)?.parse::<u64>().ok();
    ["files", "offsets"].into_iter().find_map(|unit| {
        let name = if unit == "files" { "Files" } else { "Offsets" };
        let mut found = None;
        for s in &p.sources {
            let read = figure(&s.metrics, &format!("num{name}Read"));
            if let (Some(done), Some(total)) = (read, figure(&s.metrics, &format!("num{name}Total"))) {
                let (d, t) = found.unwrap_or((0, 0));
                found = Some((d + done, t + total));
            }
        }
        found.map(|(d, t)| (d, t, unit))
    })
}

/// One line per batch: `name: batch 3: 6616 rows, 51234 rows/s, 129 ms, watermark ..`.
pub fn status_line(p: &StreamingQueryProgress) -> String {
    let name = p.name.clone().unwrap_or_else(|| p.id.clone());
    let ms = p.duration_ms.get("triggerExecution").copied().unwrap_or(p.batch_duration);
    let mut line = format!(
        "{name}: batch {}: {} rows, {:.0} rows/s, {ms} ms",
        p.batch_id, p.num_input_rows, p.processed_rows_per_second
    );
    if let Some(w) = p.event_time.get("watermark") {
        line.push_str(&format!(", watermark {w}"));
    }
    if let Some((done, total, unit)) = backlog(p) {
        line.push_str(&format!(", {unit} {done}/{total}"));
    }
    line
}

impl StreamingQueryListener for StatusReporter {
    fn on_query_started(&self, e: &QueryStartedEvent) {
        let run = Run { started: Instant::now(), rows: 0, bar: None };
        self.runs.lock().unwrap_or_else(|p| p.into_inner()).insert(e.run_id.to_string(), run);
    }

    fn on_query_progress(&self, e: &QueryProgressEvent) {
        let p = &e.progress;
        let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        let run = runs.entry(p.run_id.clone()).or_insert_with(|| Run {
            started: Instant::now(),
            rows: 0,
            bar: None,
        });
        run.rows += p.num_input_rows;
        if let Some((done, total, unit)) = backlog(p) {
            let bar = run.bar.get_or_insert_with(|| new_bar(p, total, unit));
            if !bar.is_hidden() {
                let secs = run.started.elapsed().as_secs_f64();
                let rate = if secs > 0.0 { run.rows as f64 / secs } else { 0.0 };
                bar.set_position(done);
                bar.set_message(format!("{} rows, {rate:.0} rows/s", run.rows));
                return;
            }
        }
        eprintln!("{}", status_line(p));
    }

    fn on_query_terminated(&self, e: &QueryTerminatedEvent) {
        let run = self.runs.lock().unwrap_or_else(|p| p.into_inner()).remove(&e.run_id.to_string());
        if let Some(bar) = run.and_then(|r| r.bar) {
            bar.finish();
        }
    }
}

fn new_bar(p: &StreamingQueryProgress, total: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let template = format!("{{prefix}} [{{bar:30}}] {{pos}}/{{len}} {unit}, {{msg}} ({{elapsed}})");
    let style = ProgressStyle::with_template(&template).expect("the template is valid").progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(p.name.clone().unwrap_or_else(|| p.id.clone()));
    bar
}
