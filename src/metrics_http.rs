//! The session's HTTP metrics endpoint (off by default; `sluice.metricsAddr`, the CLI's
//! `--metrics-addr`): `/progress` (every active query's last progress, Spark's JSON),
//! `/metrics` (Prometheus text), `/history` (recent batches of each query, for the page)
//! and `/` (a self-contained page that plots them, in the spirit of Spark's streaming UI).
//!
//! A plain HTTP/1.1 server on std's `TcpListener`: one short-lived thread per connection
//! (at most [`MAX_CONNECTIONS`] at once), one request per connection. It reads the queries
//! directly, so what it serves is what `last_progress` says; the history for the page comes
//! from a listener on the session's bus, bounded per query.

use crate::listener::{
    QueryIdleEvent, QueryProgressEvent, QueryStartedEvent, QueryTerminatedEvent, StreamingQueryListener,
};
use crate::query::StreamingQueryManager;
use serde::Serialize;
use sluice_core::{Result, SluiceError};
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Session config key: the address of the HTTP metrics endpoint (`/`, `/progress`,
/// `/history`, `/metrics`), started by `build()`; a bare port means `127.0.0.1:PORT`
/// (the CLI's `--metrics-addr`). Off when unset.
pub const METRICS_ADDR: &str = "sluice.metricsAddr";

/// Connections served at once; more get `503`.
const MAX_CONNECTIONS: usize = 16;
/// Batches kept per query for `/history`.
const HISTORY_POINTS: usize = 1000;
/// Queries kept in `/history` (the oldest terminated ones are forgotten first).
const HISTORY_QUERIES: usize = 32;
/// Longest request head read.
const MAX_REQUEST: usize = 16 * 1024;

const PAGE: &str = include_str!("metrics_page.html");

/// Parses a metrics address: `PORT` (on 127.0.0.1), `HOST:PORT` or `IP:PORT` (`[::1]:PORT`).
pub(crate) fn parse_addr(text: &str) -> Result<SocketAddr> {
    let text = text.trim();
    let bad = |why: String| SluiceError::option(METRICS_ADDR, format!("'{text}': {why}"));
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    let mut addrs =
        text.to_socket_addrs().map_err(|e| bad(format!("expected PORT, HOST:PORT or IP:PORT ({e})")))?;
    addrs.next().ok_or_else(|| bad("the host has no address".into()))
}

/// A running endpoint; stops when dropped (with the session).
pub(crate) struct MetricsServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl MetricsServer {
    /// Binds `addr` and serves the queries of `manager` from a background thread.
    pub fn start(addr: &str, manager: StreamingQueryManager) -> Result<MetricsServer> {
        let wanted = parse_addr(addr)?;
        let listener = TcpListener::bind(wanted)
            .map_err(|e| SluiceError::option(METRICS_ADDR, format!("cannot listen on {wanted}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| SluiceError::exec(format!("metrics endpoint: no local address: {e}")))?;
        let history = Arc::new(History::default());
        manager.add_listener(history.clone());
        let stop = Arc::new(AtomicBool::new(false));
        let state = Arc::new(Served { manager, history, open: AtomicUsize::new(0) });
        let thread_stop = stop.clone();
        std::thread::Builder::new()
            .name("sluice-metrics-http".into())
            .spawn(move || accept_loop(listener, state, thread_stop))
            .map_err(|e| SluiceError::exec(format!("cannot start the metrics endpoint thread: {e}")))?;
        Ok(MetricsServer { addr, stop })
    }

    /// The bound address (with the real port when port 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag; a wildcard bind is reached on loopback.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(if wake.is_ipv4() {
                [127, 0, 0, 1].into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
    }
}

struct Served {
    manager: StreamingQueryManager,
    history: Arc<History>,
    open: AtomicUsize,
}

fn accept_loop(listener: TcpListener, state: Arc<Served>, stop: Arc<AtomicBool>) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut stream) = conn else { continue };
        if state.open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            state.open.fetch_sub(1, Ordering::SeqCst);
            let _ = respond(&mut stream, "503 Service Unavailable", "text/plain", b"busy\n", false);
            continue;
        }
        let served = state.clone();
        let spawned = std::thread::Builder::new().name("sluice-metrics-conn".into()).spawn(move || {
            let _ = serve(&mut stream, &served);
            served.open.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            state.open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

fn serve(stream: &mut TcpStream, state: &Served) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(()); // closed before a whole request (e.g. a speculative connection)
        }
        head.extend_from_slice(&buf[..n]);
        if head.len() > MAX_REQUEST {
            return respond(
                stream,
                "431 Request Header Fields Too Large",
                "text/plain",
                b"request too large\n",
                false,
            );
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut parts = text.lines().next().unwrap_or("").split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        return respond(stream, "405 Method Not Allowed", "text/plain", b"only GET and HEAD\n", head_only);
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    match path {
        "/" | "/index.html" => {
            respond(stream, "200 OK", "text/html; charset=utf-8", PAGE.as_bytes(), head_only)
        }
        "/progress" => {
            let body = progress_json(&state.manager);
            respond(stream, "200 OK", "application/json", body.as_bytes(), head_only)
        }
        "/history" => {
            let body = state.history.json();
            respond(stream, "200 OK", "application/json", body.as_bytes(), head_only)
        }
        "/metrics" => {
            let body = prometheus_text(&state.manager, crate::progress::now_millis());
            respond(stream, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body.as_bytes(), head_only)
        }
        _ => respond(
            stream,
            "404 Not Found",
            "text/plain",
            b"not found: try /, /progress, /history or /metrics\n",
            head_only,
        ),
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
    head_only: bool,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// `/progress`: a JSON array of the last progress of every active query that has one.
pub(crate) fn progress_json(manager: &StreamingQueryManager) -> String {
    let all: Vec<_> = manager.active().iter().filter_map(|q| q.last_progress()).collect();
    serde_json::to_string(&all).expect("progress serialises")
}

/// One metric family of the Prometheus exposition: `# HELP`, `# TYPE`, then its samples.
struct Family {
    name: &'static str,
    kind: &'static str,
    help: &'static str,
    samples: Vec<(String, f64)>,
}

/// `/metrics`: Prometheus text exposition of every active query, labelled by id and name.
pub(crate) fn prometheus_text(manager: &StreamingQueryManager, now_ms: i64) -> String {
    let family = |name, kind, help| Family { name, kind, help, samples: Vec::new() };
    let mut families = [
        family(
            "sluice_query_input_rows_total",
            "counter",
            "Rows read by the query's sources since this run started.",
        ),
        family("sluice_query_batches_total", "counter", "Micro-batches completed since this run started."),
        family(
            "sluice_query_input_rows_per_second",
            "gauge",
            "Input rate of the last batch (rows/s arriving since the previous trigger).",
        ),
        family(
            "sluice_query_processed_rows_per_second",
            "gauge",
            "Processing rate of the last batch (rows/s).",
        ),
        family(
            "sluice_query_batch_duration_ms",
            "gauge",
            "Wall time of the last batch in milliseconds (triggerExecution).",
        ),
        family(
            "sluice_query_watermark_lag_seconds",
            "gauge",
            "Now minus the event-time watermark of the last batch, in seconds (queries with a watermark).",
        ),
        family(
            "sluice_query_state_rows",
            "gauge",
            "Rows held in the query's state operators after the last batch.",
        ),
        family(
            "sluice_query_state_memory_bytes",
            "gauge",
            "Estimated bytes of the query's state after the last batch.",
        ),
    ];
    let queries = manager.active();
    for q in &queries {
        let Some(p) = q.last_progress() else { continue };
        let labels =
            format!("id=\"{}\",name=\"{}\"", q.id(), escape_label(q.name().as_deref().unwrap_or("")));
        let (rows_total, batches_total) = q.shared.totals();
        let mut put = |i: usize, v: f64| families[i].samples.push((labels.clone(), v));
        put(0, rows_total as f64);
        put(1, batches_total as f64);
        put(2, p.input_rows_per_second);
        put(3, p.processed_rows_per_second);
        put(4, p.duration_ms.get("triggerExecution").copied().unwrap_or(p.batch_duration) as f64);
        if let Some(w) = p.event_time.get("watermark").and_then(|w| sluice_core::time::parse_timestamp(w)) {
            put(5, (now_ms - w / 1000) as f64 / 1000.0);
        }
        if !p.state_operators.is_empty() {
            put(6, p.state_operators.iter().map(|s| s.num_rows_total).sum::<i64>() as f64);
            put(7, p.state_operators.iter().map(|s| s.memory_used_bytes).sum::<i64>() as f64);
        }
    }
    let mut out = String::new();
    out.push_str("# HELP sluice_queries_active Streaming queries running in the session.\n");
    out.push_str("# TYPE sluice_queries_active gauge\n");
    let _ = writeln!(out, "sluice_queries_active {}", queries.len());
    for f in &families {
        let _ = writeln!(out, "# HELP {} {}", f.name, f.help);
        let _ = writeln!(out, "# TYPE {} {}", f.name, f.kind);
        for (labels, v) in &f.samples {
            let _ = writeln!(out, "{}{{{labels}}} {}", f.name, prometheus_number(*v));
        }
    }
    out
}

fn escape_label(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn prometheus_number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

/// One batch of a query as the page plots it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Point {
    batch_id: u64,
    timestamp: String,
    num_input_rows: u64,
    input_rows_per_second: f64,
    processed_rows_per_second: f64,
    duration_ms: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct QueryHistory {
    id: String,
    run_id: String,
    name: Option<String>,
    active: bool,
    exception: Option<String>,
    points: VecDeque<Point>,
}

/// Recent batches of the session's queries, fed by the listener bus.
#[derive(Default)]
struct History {
    queries: Mutex<Vec<QueryHistory>>,
}

impl History {
    fn json(&self) -> String {
        let queries = self.queries.lock().unwrap_or_else(|p| p.into_inner());
        serde_json::to_string(&*queries).expect("history serialises")
    }

    fn with_run(&self, run_id: &str, f: impl FnOnce(&mut QueryHistory)) {
        let mut queries = self.queries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(q) = queries.iter_mut().find(|q| q.run_id == run_id) {
            f(q);
        }
    }
}

impl StreamingQueryListener for History {
    fn on_query_started(&self, e: &QueryStartedEvent) {
        let mut queries = self.queries.lock().unwrap_or_else(|p| p.into_inner());
        if queries.len() >= HISTORY_QUERIES {
            if let Some(i) = queries.iter().position(|q| !q.active) {
                queries.remove(i);
            }
        }
        queries.push(QueryHistory {
            id: e.id.to_string(),
            run_id: e.run_id.to_string(),
            name: e.name.clone(),
            active: true,
            exception: None,
            points: VecDeque::new(),
        });
    }

    fn on_query_progress(&self, e: &QueryProgressEvent) {
        let p = &e.progress;
        self.with_run(&p.run_id, |q| {
            if q.points.len() == HISTORY_POINTS {
                q.points.pop_front();
            }
            q.points.push_back(Point {
                batch_id: p.batch_id,
                timestamp: p.timestamp.clone(),
                num_input_rows: p.num_input_rows,
                input_rows_per_second: p.input_rows_per_second,
                processed_rows_per_second: p.processed_rows_per_second,
                duration_ms: p.duration_ms.get("triggerExecution").copied().unwrap_or(p.batch_duration),
            });
        });
    }

    fn on_query_idle(&self, _: &QueryIdleEvent) {}

    fn on_query_terminated(&self, e: &QueryTerminatedEvent) {
        self.with_run(&e.run_id.to_string(), |q| {
            q.active = false;
            q.exception = e.exception.clone();
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_port_means_loopback_and_bad_addresses_name_the_key() {
        assert_eq!(parse_addr("9000").unwrap(), "127.0.0.1:9000".parse().unwrap());
        assert_eq!(parse_addr("0.0.0.0:0").unwrap(), "0.0.0.0:0".parse().unwrap());
        assert_eq!(parse_addr("[::1]:80").unwrap(), "[::1]:80".parse().unwrap());
        let err = parse_addr("not an address").unwrap_err().to_string();
        assert!(err.contains("sluice.metricsAddr") && err.contains("not an address"), "{err}");
        assert!(parse_addr("70000").is_err());
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(prometheus_number(f64::INFINITY), "+Inf");
        assert_eq!(prometheus_number(2.5), "2.5");
    }
}
