//! Watching a query: listeners (started, one progress per batch, idle, terminated with the
//! error), the progress log, and the HTTP endpoint (`/progress`, `/metrics`, the page in a
//! real headless Chromium), on real data from the shared activity data set.

mod common;

use sluice::prelude::*;
use sluice::progress::StreamingQueryProgress;
use sluice::{
    QueryIdleEvent, QueryProgressEvent, QueryStartedEvent, QueryTerminatedEvent, StreamingQueryListener,
};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const SCHEMA: &str = "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, Index BIGINT, Model STRING, User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE";

/// A temp dir holding the first `n` files of the shared activity data, oldest first.
fn activity_files(n: usize) -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = common::temp_data_dir();
    let mut files: Vec<_> = std::fs::read_dir(common::data_dir("activity-data-synth"))
        .expect("the shared activity data")
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    for (i, f) in files.iter().take(n).enumerate() {
        let name = f.file_name().unwrap().to_str().unwrap();
        common::drop_file(&dir, name, &common::read_text(f), (n - i) as u64 * 10);
    }
    (tmp, dir)
}

/// Activity counts per `gt` over `dir`, one file per batch.
fn counts(spark: &Session, dir: &Path, name: &str, trigger: &str) -> StreamingQuery {
    spark
        .read_stream()
        .schema(SCHEMA)
        .option("maxFilesPerTrigger", 1)
        .json(dir.to_str().unwrap())
        .unwrap()
        .with_column("event_time", (col("Creation_Time").cast("double") / 1e9).cast("timestamp"))
        .with_watermark("event_time", "10 minutes")
        .group_by(["gt"])
        .count()
        .write_stream()
        .query_name(name)
        .format("memory")
        .output_mode("complete")
        .trigger(Trigger::parse(trigger).unwrap())
        .start()
        .unwrap()
}

#[derive(Clone, Debug)]
enum Event {
    Started(QueryStartedEvent),
    Progress(Box<StreamingQueryProgress>),
    Idle(QueryIdleEvent),
    Terminated(QueryTerminatedEvent),
}

#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<Event>>,
}

impl Recorder {
    fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }
}

impl StreamingQueryListener for Recorder {
    fn on_query_started(&self, e: &QueryStartedEvent) {
        self.events.lock().unwrap().push(Event::Started(e.clone()));
    }
    fn on_query_progress(&self, e: &QueryProgressEvent) {
        self.events.lock().unwrap().push(Event::Progress(Box::new(e.progress.clone())));
    }
    fn on_query_idle(&self, e: &QueryIdleEvent) {
        self.events.lock().unwrap().push(Event::Idle(e.clone()));
    }
    fn on_query_terminated(&self, e: &QueryTerminatedEvent) {
        self.events.lock().unwrap().push(Event::Terminated(e.clone()));
    }
}

#[test]
fn a_listener_hears_started_then_one_progress_per_batch_then_terminated() {
    let (_tmp, dir) = activity_files(3);
    let spark = Session::builder().workers(2).build().unwrap();
    let recorder = Arc::new(Recorder::default());
    spark.streams().add_listener(recorder.clone());
    let query = counts(&spark, &dir, "listened", "available-now");
    query.await_termination().unwrap();
    spark.streams().flush_listeners();

    let events = recorder.events();
    let progress = query.recent_progress();
    assert_eq!(progress.len(), 3, "one batch per file");
    assert_eq!(events.len(), 2 + progress.len(), "{events:#?}");
    match &events[0] {
        Event::Started(e) => {
            assert_eq!((e.id, e.run_id, e.name.as_deref()), (query.id(), query.run_id(), Some("listened")));
        }
        other => panic!("first event is not started: {other:?}"),
    }
    for (i, (event, expected)) in events[1..=progress.len()].iter().zip(&progress).enumerate() {
        match event {
            Event::Progress(p) => {
                assert_eq!(p.batch_id, i as u64);
                assert_eq!(**p, *expected, "the event carries the query's progress");
            }
            other => panic!("event {} is not progress: {other:?}", i + 1),
        }
    }
    match events.last().unwrap() {
        Event::Terminated(e) => {
            assert_eq!((e.id, e.run_id, e.exception.as_deref()), (query.id(), query.run_id(), None));
        }
        other => panic!("last event is not terminated: {other:?}"),
    }
    // The bounded backlog shows in the file source's metrics, batch by batch.
    let read: Vec<(String, String)> = progress
        .iter()
        .map(|p| {
            (p.sources[0].metrics["numFilesRead"].clone(), p.sources[0].metrics["numFilesTotal"].clone())
        })
        .collect();
    let want: Vec<(String, String)> = (1..=3).map(|i| (i.to_string(), "3".to_string())).collect();
    assert_eq!(read, want);
}

#[test]
fn a_failed_query_ends_with_a_terminated_event_carrying_the_error() {
    let (_tmp, dir) = activity_files(1);
    common::drop_file(&dir, "zz-bad.json", "{\"gt\": \"sit\", \"x\": \n", 0);
    let spark = Session::builder().build().unwrap();
    let recorder = Arc::new(Recorder::default());
    spark.streams().add_listener(recorder.clone());
    let query = spark
        .read_stream()
        .schema(SCHEMA)
        .option("mode", "FAILFAST")
        .json(dir.to_str().unwrap())
        .unwrap()
        .write_stream()
        .format("noop")
        .start()
        .unwrap();
    assert!(query.await_termination().is_err());
    spark.streams().flush_listeners();
    let events = recorder.events();
    assert!(matches!(events.first(), Some(Event::Started(_))), "{events:#?}");
    let Some(Event::Terminated(e)) = events.last() else { panic!("no terminated event last: {events:#?}") };
    let cause = query.exception().expect("the query failed").to_string();
    assert_eq!(e.exception.as_deref(), Some(cause.as_str()));
    assert!(cause.contains("zz-bad.json"), "the error names the bad file: {cause}");
}

#[test]
fn an_idle_trigger_posts_an_idle_event_at_most_once_per_interval() {
    for (interval, expect_idle) in [("0", true), ("1h", false)] {
        let (_tmp, dir) = activity_files(1);
        let spark = Session::builder().config(sluice::NO_DATA_EVENT_INTERVAL, interval).build().unwrap();
        let recorder = Arc::new(Recorder::default());
        spark.streams().add_listener(recorder.clone());
        let query = counts(&spark, &dir, "idle", "default");
        query.process_all_available().unwrap();
        query.stop().unwrap();
        spark.streams().flush_listeners();
        let events = recorder.events();
        let idle: Vec<&QueryIdleEvent> =
            events.iter().filter_map(|e| if let Event::Idle(i) = e { Some(i) } else { None }).collect();
        assert_eq!(!idle.is_empty(), expect_idle, "interval {interval}: {events:#?}");
        if let Some(i) = idle.first() {
            assert_eq!((i.id, i.run_id), (query.id(), query.run_id()));
            let first_idle = events.iter().position(|e| matches!(e, Event::Idle(_))).unwrap();
            let first_progress = events.iter().position(|e| matches!(e, Event::Progress(_))).unwrap();
            assert!(first_progress < first_idle, "the file is read before the query goes idle");
        }
        assert!(matches!(events.last(), Some(Event::Terminated(_))));
    }
}

#[test]
fn a_removed_listener_hears_nothing_more() {
    let (_tmp, dir) = activity_files(1);
    let spark = Session::builder().build().unwrap();
    let recorder = Arc::new(Recorder::default());
    let as_listener: Arc<dyn StreamingQueryListener> = recorder.clone();
    spark.streams().add_listener(as_listener.clone());
    spark.streams().remove_listener(&as_listener);
    counts(&spark, &dir, "unheard", "available-now").await_termination().unwrap();
    spark.streams().flush_listeners();
    assert!(recorder.events().is_empty());
}

#[test]
fn the_progress_log_holds_every_progress_as_a_json_line() {
    let (tmp, dir) = activity_files(3);
    let log = tmp.path().join("progress.jsonl");
    let spark = Session::builder().config(sluice::PROGRESS_LOG, log.display()).build().unwrap();
    let query = counts(&spark, &dir, "logged", "available-now");
    query.await_termination().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let want: Vec<String> = query.recent_progress().iter().map(|p| p.json()).collect();
    assert_eq!(lines, want);
    // Spark's JSON shape, as the log has it.
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    for key in ["id", "runId", "name", "timestamp", "batchId", "numInputRows", "inputRowsPerSecond"] {
        assert!(first.get(key).is_some(), "{key} missing: {first}");
    }
    for key in ["processedRowsPerSecond", "durationMs", "eventTime", "stateOperators", "sources", "sink"] {
        assert!(first.get(key).is_some(), "{key} missing: {first}");
    }
    for phase in ["latestOffset", "getBatch", "addBatch", "triggerExecution"] {
        assert!(first["durationMs"].get(phase).is_some(), "durationMs.{phase} missing: {first}");
    }
    let state = &first["stateOperators"][0];
    for key in
        ["numRowsTotal", "numRowsUpdated", "numRowsRemoved", "memoryUsedBytes", "numRowsDroppedByWatermark"]
    {
        assert!(state.get(key).is_some(), "stateOperators.{key} missing: {first}");
    }
}

#[test]
fn a_progress_log_that_cannot_be_opened_is_refused_at_start_naming_the_key() {
    let spark =
        Session::builder().config(sluice::PROGRESS_LOG, "/nonexistent-dir/progress.jsonl").build().unwrap();
    let (_tmp, dir) = activity_files(1);
    let err = spark
        .read_stream()
        .schema(SCHEMA)
        .json(dir.to_str().unwrap())
        .unwrap()
        .write_stream()
        .format("noop")
        .start()
        .unwrap_err()
        .to_string();
    assert!(err.contains("sluice.progressLog") && err.contains("/nonexistent-dir/progress.jsonl"), "{err}");
}

/// A GET over a plain TCP connection: `(status code, content type, body)`.
fn http_get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let content_type =
        head.lines().find_map(|l| l.strip_prefix("Content-Type: ")).unwrap_or_default().to_string();
    (status, content_type, body.to_string())
}

/// A Prometheus sample line `name{labels} value`: `(name, labels, value)`.
fn parse_sample(line: &str) -> (String, Vec<(String, String)>, f64) {
    let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
    let value: f64 = value.parse().unwrap_or_else(|e| panic!("{e}: {line}"));
    let (name, labels) = match series.split_once('{') {
        Some((name, rest)) => {
            (name, rest.strip_suffix('}').unwrap_or_else(|| panic!("unclosed labels: {line}")))
        }
        None => (series, ""),
    };
    assert!(
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
        "bad metric name: {line}"
    );
    let labels = labels
        .split("\",")
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once("=\"").unwrap_or_else(|| panic!("bad label {l}: {line}"));
            (k.to_string(), v.trim_end_matches('"').to_string())
        })
        .collect();
    (name.to_string(), labels, value)
}

#[test]
fn progress_and_metrics_are_served_over_http_as_last_progress_says() {
    let (_tmp, dir) = activity_files(3);
    let spark = Session::builder().workers(2).config(sluice::METRICS_ADDR, "0").build().unwrap();
    let addr = spark.metrics_address().expect("the endpoint is on");
    assert!(addr.ip().is_loopback(), "a bare port binds loopback: {addr}");
    let query = counts(&spark, &dir, "served", "default");
    query.process_all_available().unwrap();

    let (status, content_type, body) = http_get(addr, "/progress");
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    let last = query.last_progress().unwrap();
    assert_eq!(body, format!("[{}]", last.json()));

    let before_ms = now_ms();
    let (status, content_type, text) = http_get(addr, "/metrics");
    let after_ms = now_ms();
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let mut samples = std::collections::HashMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            assert!(comment.starts_with("HELP ") || comment.starts_with("TYPE "), "{line}");
            continue;
        }
        let (name, labels, value) = parse_sample(line);
        if name != "sluice_queries_active" {
            let want =
                vec![("id".to_string(), query.id().to_string()), ("name".to_string(), "served".to_string())];
            assert_eq!(labels, want, "{line}");
            assert!(text.contains(&format!("# TYPE {name} ")), "no TYPE for {name}");
            assert!(text.contains(&format!("# HELP {name} ")), "no HELP for {name}");
        }
        samples.insert(name, value);
    }
    let recent = query.recent_progress();
    assert_eq!(samples["sluice_queries_active"], 1.0);
    assert_eq!(
        samples["sluice_query_input_rows_total"],
        recent.iter().map(|p| p.num_input_rows).sum::<u64>() as f64
    );
    assert_eq!(samples["sluice_query_batches_total"], recent.len() as f64);
    assert_eq!(samples["sluice_query_processed_rows_per_second"], last.processed_rows_per_second);
    assert_eq!(samples["sluice_query_input_rows_per_second"], last.input_rows_per_second);
    assert_eq!(samples["sluice_query_batch_duration_ms"], last.duration_ms["triggerExecution"] as f64);
    assert_eq!(samples["sluice_query_state_rows"], last.state_operators[0].num_rows_total as f64);
    assert_eq!(samples["sluice_query_state_memory_bytes"], last.state_operators[0].memory_used_bytes as f64);
    let watermark_ms = sluice::core::time::parse_timestamp(&last.event_time["watermark"]).unwrap() / 1000;
    let lag = samples["sluice_query_watermark_lag_seconds"];
    assert!(
        (before_ms - watermark_ms) as f64 / 1000.0 <= lag && lag <= (after_ms - watermark_ms) as f64 / 1000.0,
        "lag {lag} s for watermark {}",
        last.event_time["watermark"]
    );

    assert_eq!(http_get(addr, "/nope").0, 404);
    query.stop().unwrap();
    let (_, _, body) = http_get(addr, "/progress");
    assert_eq!(body, "[]", "a stopped query is no longer active");
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// Debian's Chromium, or `None` (the test then skips, except under CI where it must run).
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::var_os("PATH")
            .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(name)).find(|p| p.is_file()))
    });
    if found.is_none() {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
        assert!(
            !ci,
            "chromium is not installed and CI is set: scripts/test.sh installs it (apt-get install chromium)"
        );
        eprintln!("SKIPPED: chromium is not installed (apt-get install chromium); the page is not tested");
    }
    found
}

/// The attributes of every `<tag ...>` in `html`, as `(name, value)` lists.
fn elements<'a>(html: &'a str, tag: &str) -> Vec<Vec<(&'a str, &'a str)>> {
    let open = format!("<{tag} ");
    html.match_indices(&open)
        .map(|(at, _)| {
            let rest = &html[at + open.len()..];
            let head = &rest[..rest.find('>').expect("a closed tag")];
            let mut attrs = Vec::new();
            let mut s = head;
            while let Some(eq) = s.find("=\"") {
                let name = s[..eq].trim();
                let value_end = s[eq + 2..].find('"').expect("a closed attribute");
                attrs.push((name, &s[eq + 2..eq + 2 + value_end]));
                s = &s[eq + 2 + value_end + 1..];
            }
            attrs
        })
        .collect()
}

fn attr<'a>(attrs: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

#[test]
fn the_page_plots_each_batch_in_a_real_headless_chromium() {
    let Some(chromium) = chromium() else { return };
    let (tmp, dir) = activity_files(4);
    let spark = Session::builder().config(sluice::METRICS_ADDR, "127.0.0.1:0").build().unwrap();
    let addr = spark.metrics_address().unwrap();
    let query = counts(&spark, &dir, "plotted_counts", "default");
    query.process_all_available().unwrap();
    spark.streams().flush_listeners();
    let progress = query.recent_progress();
    assert_eq!(progress.len(), 4);

    let profile = tmp.path().join("chromium-profile");
    let out = std::process::Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=5000", "--dump-dom"])
        .arg(format!("http://{addr}/"))
        .output()
        .expect("run chromium");
    query.stop().unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "chromium failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dom.contains(">plotted_counts</h2>"), "the query's name is shown:\n{dom}");
    assert!(dom.contains(&format!("data-query-id=\"{}\"", query.id())), "{dom}");

    let lines = elements(&dom, "polyline");
    let series = [
        ("inputRowsPerSecond", progress.iter().map(|p| p.input_rows_per_second).collect::<Vec<_>>()),
        ("processedRowsPerSecond", progress.iter().map(|p| p.processed_rows_per_second).collect()),
        ("durationMs", progress.iter().map(|p| p.duration_ms["triggerExecution"] as f64).collect()),
    ];
    assert_eq!(lines.len(), series.len(), "one line per series:\n{dom}");
    // The page's geometry: a 150-px-high chart with 28 px of padding, 0 at the bottom.
    let (top, bottom) = (28.0, 150.0 - 28.0);
    for (key, values) in series {
        let line = lines
            .iter()
            .find(|l| attr(l, "data-series") == Some(key))
            .unwrap_or_else(|| panic!("no {key} line"));
        let points: Vec<(f64, f64)> = attr(line, "points")
            .unwrap()
            .split_whitespace()
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect();
        assert_eq!(points.len(), values.len(), "{key}: one point per batch");
        assert!(points.windows(2).all(|w| w[0].0 <= w[1].0), "{key}: time runs left to right: {points:?}");
        let max = values.iter().cloned().fold(0.0, f64::max);
        let shown_max: f64 = attr(line, "data-max").unwrap().parse().unwrap();
        assert!((shown_max - max).abs() <= 1e-9 * max.max(1.0), "{key}: max {shown_max} vs {max}");
        for ((_, y), v) in points.iter().zip(&values) {
            let want = if max > 0.0 { bottom - v / max * (bottom - top) } else { bottom };
            assert!((y - want).abs() <= 0.051, "{key}: value {v} of max {max} at y {y}, want {want:.1}");
        }
    }
}
