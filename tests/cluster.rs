//! Cluster mode through the `sluice` command: the same script on several processes on
//! 127.0.0.1 gives the same rows as one process; processes other than 0 print nothing;
//! a process that dies makes the others stop with an error that names it; bad cluster
//! arguments are refused with the reason.

mod common;

use common::{data_dir, sluice_bin};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The hhar sample (20k real rows): aggregates, a windowed aggregate, a streaming query
/// (one file per batch) into a memory table read back by a SELECT, and a streaming
/// windowed query in append mode, whose output depends on the watermark process 0
/// decides. Only exact aggregates (counts, min, max): double sums may differ in the last
/// bit with the order of additions.
const SCRIPT: &str = "\
CREATE TABLE activity (Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, `Index` BIGINT,
                       Model STRING, `User` STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE)
  WITH (connector = 'file', format = 'json', path = '{DATA}', maxFilesPerTrigger = '1');
SELECT gt, count(*) AS count FROM activity GROUP BY gt;
SELECT `Index` % 7 AS k, count(*) AS n, min(x) AS min_x, max(Arrival_Time) AS last FROM activity GROUP BY `Index` % 7;
SELECT window(CAST(Creation_Time / 1e9 AS TIMESTAMP), '1 minute') AS w, count(*) AS n
  FROM activity GROUP BY window(CAST(Creation_Time / 1e9 AS TIMESTAMP), '1 minute');
CREATE TABLE counts WITH (connector = 'memory', outputMode = 'complete');
INSERT INTO counts SELECT Model, count(*) AS rows, max(y) AS max_y FROM activity GROUP BY Model;
SELECT * FROM counts;
CREATE TABLE timed (Creation_Time BIGINT, `User` STRING, x DOUBLE,
    event_time TIMESTAMP GENERATED ALWAYS AS (CAST(Creation_Time / 1e9 AS TIMESTAMP)),
    WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (connector = 'file', format = 'json', path = '{DATA}', maxFilesPerTrigger = '1');
CREATE TABLE closed WITH (connector = 'memory', outputMode = 'append');
INSERT INTO closed SELECT window(event_time, '10 seconds') AS tw, `User`, count(*) AS rows_in_window
  FROM timed GROUP BY window(event_time, '10 seconds'), `User`;
SELECT * FROM closed;
";

struct Fixture {
    tmp: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture { tmp: tempfile::tempdir().expect("tempdir") }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.tmp.path().join(name);
        std::fs::write(&path, text).expect("write file");
        path
    }

    /// A host file of `n` free ports on 127.0.0.1, and the addresses.
    fn hostfile(&self, n: usize) -> (PathBuf, Vec<String>) {
        // Hold every listener until all are picked, so the ports differ.
        let listeners: Vec<TcpListener> =
            (0..n).map(|_| TcpListener::bind("127.0.0.1:0").expect("bind a free port")).collect();
        let hosts: Vec<String> =
            listeners.iter().map(|l| format!("127.0.0.1:{}", l.local_addr().expect("addr").port())).collect();
        drop(listeners);
        (self.write("hosts.txt", &format!("{}\n", hosts.join("\n"))), hosts)
    }
}

fn sluice(script: &Path, args: &[String]) -> Command {
    let mut c = Command::new(sluice_bin());
    c.arg("run").arg(script).args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn sorted_lines(o: &Output) -> Vec<String> {
    let mut lines: Vec<String> = text(&o.stdout).lines().map(str::to_string).collect();
    lines.sort();
    lines
}

/// Runs `script` on `processes` processes of `workers` threads and returns each one's output.
fn run_cluster(fx: &Fixture, script: &Path, processes: usize, workers: usize, extra: &[&str]) -> Vec<Output> {
    let (hostfile, _) = fx.hostfile(processes);
    let children: Vec<Child> = (0..processes)
        .map(|p| {
            let mut args: Vec<String> = vec![
                "-w".into(),
                workers.to_string(),
                "-n".into(),
                processes.to_string(),
                "-p".into(),
                p.to_string(),
                "--hostfile".into(),
                hostfile.to_str().expect("UTF-8 path").into(),
            ];
            args.extend(extra.iter().map(|s| s.to_string()));
            sluice(script, &args).spawn().expect("start sluice")
        })
        .collect();
    children.into_iter().map(|c| c.wait_with_output().expect("wait for sluice")).collect()
}

fn check_cluster_matches_one_process(processes: usize, workers: usize) {
    let fx = Fixture::new();
    let data = data_dir("hhar-real-sample");
    let script = fx.write("q.sql", &SCRIPT.replace("{DATA}", data.to_str().expect("UTF-8 path")));
    let args = ["--format", "json", "--trigger", "available-now"];
    let one = sluice(&script, &args.map(String::from)).output().expect("run sluice");
    assert!(one.status.success(), "one process failed: {}", text(&one.stderr));
    let expected = sorted_lines(&one);
    // Every row of the data is counted once by the first query.
    let rows_in_data: usize = std::fs::read_dir(&data)
        .expect("data dir")
        .map(|f| std::fs::read_to_string(f.expect("entry").path()).expect("read").lines().count())
        .sum();
    let counted: u64 = expected
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("gt").is_some())
        .map(|v| v["count"].as_u64().expect("count"))
        .sum();
    assert_eq!(counted as usize, rows_in_data);
    assert!(
        expected.iter().any(|l| l.contains("rows_in_window")),
        "the watermark closed no window in one process: the test would not check it"
    );

    let outputs = run_cluster(&fx, &script, processes, workers, &args);
    for (p, o) in outputs.iter().enumerate() {
        assert!(o.status.success(), "process {p} failed: {}", text(&o.stderr));
    }
    let got = sorted_lines(&outputs[0]);
    assert_eq!(got, expected, "{processes} processes x {workers} workers differ from one process");
    for (p, o) in outputs.iter().enumerate().skip(1) {
        assert!(o.stdout.is_empty(), "process {p} printed: {}", text(&o.stdout));
    }
}

#[test]
fn two_processes_of_one_worker_give_one_process_rows_row_for_row() {
    check_cluster_matches_one_process(2, 1);
}

#[test]
fn three_processes_of_two_workers_give_one_process_rows_row_for_row() {
    check_cluster_matches_one_process(3, 2);
}

/// Waits (a generous bound, not a timing assertion) for `child` to exit.
fn wait_exit(child: &mut Child, bound: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < bound {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

#[test]
fn a_killed_process_stops_the_others_with_an_error_naming_it() {
    let fx = Fixture::new();
    // A rate source never ends: the query runs until something stops it.
    let script = fx.write(
        "rate.sql",
        "CREATE TABLE ticks WITH (connector = 'rate', rowsPerSecond = '500');\n\
         CREATE TABLE out WITH (connector = 'console', outputMode = 'complete');\n\
         INSERT INTO out SELECT value % 5 AS k, count(*) AS n FROM ticks GROUP BY value % 5;\n",
    );
    let (hostfile, hosts) = fx.hostfile(3);
    let mut children: Vec<Child> = (0..3)
        .map(|p| {
            let args: Vec<String> =
                ["-n", "3", "-p", &p.to_string(), "--hostfile", hostfile.to_str().expect("path")]
                    .map(String::from)
                    .to_vec();
            sluice(&script, &args).spawn().expect("start sluice")
        })
        .collect();
    // Wait until the query runs: process 0 prints its first batch.
    let mut stdout0 = children[0].stdout.take().expect("stdout");
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout0, &mut first).expect("process 0 prints batches");
    // Keep draining it, or a full pipe would block process 0.
    let drain = std::thread::spawn(move || std::io::copy(&mut stdout0, &mut std::io::sink()));
    children[1].kill().expect("kill process 1");
    children[1].wait().expect("reap process 1");
    for p in [0, 2] {
        let status = wait_exit(&mut children[p], Duration::from_secs(30));
        let Some(status) = status else {
            children.iter_mut().for_each(|c| drop(c.kill()));
            panic!("process {p} still runs 30 s after process 1 died");
        };
        assert!(!status.success(), "process {p} exited 0 after process 1 died");
        let mut err = String::new();
        std::io::Read::read_to_string(children[p].stderr.as_mut().expect("stderr"), &mut err)
            .expect("stderr");
        let named = format!("process 1 ({}) disconnected", hosts[1]);
        assert!(err.contains(&named), "process {p}'s error does not say `{named}`:\n{err}");
        assert!(!err.contains("panicked"), "process {p} printed a panic:\n{err}");
    }
    drain.join().expect("drain thread").expect("read process 0's output");
}

#[test]
fn cluster_arguments_are_checked_with_the_reason() {
    let fx = Fixture::new();
    let script = fx.write("q.sql", "SELECT 1 AS one;\n");
    let hosts = fx.write("hosts.txt", "127.0.0.1:7000\n127.0.0.1:7001\n");
    let bad = fx.write("bad.txt", "127.0.0.1:7000\nlocalhost\n");
    let run = |args: &[&str]| {
        sluice(&script, &args.iter().map(|s| s.to_string()).collect::<Vec<_>>()).output().expect("run")
    };
    let h = hosts.to_str().expect("path");
    let cases: [(&[&str], &str); 4] = [
        (&["-n", "2", "-p", "2", "--hostfile", h], "-p 2: out of range for -n 2"),
        (&["-n", "3", "-p", "0", "--hostfile", h], "lists 2 hosts but -n is 3"),
        (&["-n", "2", "-p", "1"], "needs --hostfile"),
        (&["-n", "2", "-p", "0", "--hostfile", bad.to_str().expect("path")], "bad.txt:2: expected host:port"),
    ];
    for (args, reason) in cases {
        let o = run(args);
        assert!(!o.status.success(), "{args:?} was accepted");
        assert!(text(&o.stderr).contains(reason), "{args:?}: stderr lacks `{reason}`:\n{}", text(&o.stderr));
    }
}

/// Two sessions in threads of this test form a cluster through the builder: process 0
/// gets the rows one process gets, process 1 takes part and gets none.
#[test]
fn sessions_built_with_cluster_run_one_query_together() {
    const SCHEMA: &str = "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, `Index` BIGINT, \
                          Model STRING, `User` STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE";
    let data = data_dir("hhar-real-sample").to_str().expect("UTF-8 path").to_string();
    let query = |session: &sluice::Session| -> sluice::Result<Vec<sluice::Row>> {
        let df = session.read().schema(SCHEMA).json(&data)?;
        df.group_by(["Model", "gt"]).count().sort(["Model", "gt"]).collect()
    };
    let expected =
        query(&sluice::Session::builder().workers(2).build().expect("session")).expect("one process");
    assert!(!expected.is_empty());
    let fx = Fixture::new();
    let (_, hosts) = fx.hostfile(2);
    let results: Vec<Vec<sluice::Row>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let (hosts, query) = (hosts.clone(), &query);
                s.spawn(move || {
                    let session =
                        sluice::Session::builder().workers(1).cluster(hosts, i).build().expect("session");
                    assert_eq!(session.process_index(), i);
                    query(&session).expect("cluster query")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("process thread")).collect()
    });
    assert_eq!(results[0], expected);
    assert!(results[1].is_empty(), "process 1 got rows: {:?}", results[1]);
}

/// Every committed row of a file sink, as `dir/line` (the partition directory and the
/// line), sorted, and the worker of each committed file (from its name,
/// `part-<batch>-<worker>-<n>`).
fn committed(dir: &Path) -> (Vec<String>, std::collections::BTreeSet<u64>) {
    let mut rows = Vec::new();
    let mut writers = std::collections::BTreeSet::new();
    for log in std::fs::read_dir(dir.join("_sluice_metadata")).expect("sink log") {
        let log = log.expect("log entry").path();
        if log.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')) {
            continue;
        }
        for entry in std::fs::read_to_string(&log).expect("read log").lines() {
            let v: serde_json::Value = serde_json::from_str(entry).expect("log line");
            let rel = v["path"].as_str().expect("path");
            let name = Path::new(rel).file_name().and_then(|n| n.to_str()).expect("file name");
            writers.insert(name.split('-').nth(2).expect("worker in name").parse::<u64>().expect("number"));
            let parent = Path::new(rel).parent().map(|p| p.display().to_string()).unwrap_or_default();
            let body = std::fs::read_to_string(dir.join(rel)).expect("committed file");
            rows.extend(body.lines().map(|l| format!("{parent}/{l}")));
        }
    }
    rows.sort();
    (rows, writers)
}

/// File sinks are written by every worker of every process (each its own part files),
/// and process 0 commits each batch's log entry listing them all: the committed rows are
/// the one-process rows, for a partitioned projection, windows closed by the watermark, a
/// stream-stream join and a stream-static join.
#[test]
fn file_sinks_are_written_by_every_worker_of_every_process() {
    let fx = Fixture::new();
    // Four files of the synthetic activity data (four batches, 26k rows, 16 minutes).
    let data = fx.tmp.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir("activity-data-synth"))
        .expect("activity data")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    for f in &files[..4] {
        std::fs::copy(f, data.join(f.file_name().expect("name"))).expect("copy data file");
    }
    let script_for = |out: &str| {
        let out = fx.tmp.path().join(out);
        fx.write(
            &format!("{}.sql", out.file_name().and_then(|n| n.to_str()).expect("name")),
            &format!(
                "CREATE TABLE activity (Creation_Time BIGINT, `User` STRING, gt STRING, x DOUBLE,
                    event_time TIMESTAMP GENERATED ALWAYS AS (CAST(Creation_Time / 1e9 AS TIMESTAMP)),
                    WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
                 ) WITH (connector = 'file', format = 'json', path = '{data}', maxFilesPerTrigger = '1', fileOrder = 'name');
                 CREATE TABLE moves WITH (connector = 'file', format = 'json', path = '{out}/moves', partitionBy = 'gt');
                 INSERT INTO moves SELECT `User`, gt, x, Creation_Time FROM activity WHERE x > 0;
                 CREATE TABLE windows WITH (connector = 'file', format = 'json', path = '{out}/windows');
                 INSERT INTO windows SELECT window(event_time, '10 seconds') AS w, `User`, count(*) AS n
                   FROM activity GROUP BY window(event_time, '10 seconds'), `User`;
                 CREATE TABLE again (Creation_Time BIGINT, `User` STRING, gt STRING,
                    event_time TIMESTAMP GENERATED ALWAYS AS (CAST(Creation_Time / 1e9 AS TIMESTAMP)),
                    WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
                 ) WITH (connector = 'file', format = 'json', path = '{data}', maxFilesPerTrigger = '1', fileOrder = 'name');
                 CREATE TABLE pairs WITH (connector = 'file', format = 'json', path = '{out}/pairs');
                 INSERT INTO pairs SELECT a.`User`, a.w, a.Creation_Time, a.x, b.gt
                   FROM (SELECT `User`, window(event_time, '10 seconds') AS w, Creation_Time, x FROM activity) AS a
                   JOIN (SELECT window(event_time, '10 seconds') AS w, Creation_Time, gt FROM again) AS b
                   ON a.Creation_Time = b.Creation_Time AND a.w = b.w;
                 CREATE TEMPORARY VIEW labels AS SELECT * FROM VALUES ('sit', 'still'), ('stand', 'still'), ('walk', 'moving'), ('bike', 'moving') AS t(gt, kind);
                 CREATE TABLE kinds WITH (connector = 'file', format = 'json', path = '{out}/kinds');
                 INSERT INTO kinds SELECT `User`, kind, x, Creation_Time FROM activity JOIN labels USING (gt);\n",
                data = data.display(),
                out = out.display()
            ),
        )
    };
    let args = ["--trigger", "available-now", "--quiet"].map(String::from);
    let one_worker = [&args[..], &["-w".to_string(), "1".to_string()]].concat();
    let one = sluice(&script_for("one"), &one_worker).output().expect("run sluice");
    assert!(one.status.success(), "one process failed: {}", text(&one.stderr));
    let outputs = run_cluster(&fx, &script_for("cluster"), 2, 2, &args.each_ref().map(String::as_str));
    for (p, o) in outputs.iter().enumerate() {
        assert!(o.status.success(), "process {p} failed: {}", text(&o.stderr));
    }
    // A projection, windows closed by the watermark, a stream-stream join (both sides'
    // state split over the four workers of two processes) and a stream-static join.
    for sink in ["moves", "windows", "pairs", "kinds"] {
        let (expected, one_writer) = committed(&fx.tmp.path().join("one").join(sink));
        let (got, writers) = committed(&fx.tmp.path().join("cluster").join(sink));
        assert!(expected.len() > 50, "{sink}: too few rows to check: {}", expected.len());
        assert_eq!(one_writer, [0].into(), "{sink}: one worker wrote as {one_writer:?}");
        assert_eq!(got, expected, "{sink}: 2 processes x 2 workers differ from one process");
        // Workers 2 and 3 live in process 1: it wrote its own files. (The stream-static join
        // sends each row to the worker that owns its activity, and these files hold only a
        // few activities: some workers have nothing to write.)
        if sink != "kinds" {
            assert_eq!(writers, [0, 1, 2, 3].into(), "{sink}: files were written by workers {writers:?}");
        }
    }
}

/// The Kafka source and sink across processes: 2 processes x 2 workers read a topic of 4
/// partitions (a partition per worker) and every worker produces its own rows to the
/// output topic; each input record comes out once, transformed.
#[test]
fn kafka_topics_are_read_and_written_by_every_process() {
    use common::kafka::{broker, create_topic, produce, read_all, unique_topic, Record};
    let Some(servers) = broker() else { return };
    let (input, output) = (unique_topic("cluster-in"), unique_topic("cluster-out"));
    create_topic(&servers, &input, 4);
    create_topic(&servers, &output, 2);
    let records: Vec<Record> = (0..2000)
        .map(|i| Record::value(format!("event-{i}")).key(format!("k{}", i % 13)).to(i % 4))
        .collect();
    produce(&servers, &input, &records);
    let fx = Fixture::new();
    let script = fx.write(
        "kafka.sql",
        &format!(
            "CREATE TABLE events WITH (connector = 'kafka', 'kafka.bootstrap.servers' = '{servers}',
               subscribe = '{input}', startingOffsets = 'earliest', maxOffsetsPerTrigger = '700');
             CREATE TABLE shouted WITH (connector = 'kafka', 'kafka.bootstrap.servers' = '{servers}',
               topic = '{output}', outputMode = 'append');
             INSERT INTO shouted SELECT key, upper(cast(value AS string)) || '@' || cast(partition AS string) AS value
               FROM events;\n"
        ),
    );
    let args = ["--trigger", "available-now", "--quiet"];
    let outputs = run_cluster(&fx, &script, 2, 2, &args);
    for (p, o) in outputs.iter().enumerate() {
        assert!(o.status.success(), "process {p} failed: {}", text(&o.stderr));
    }
    let mut got: Vec<(String, String)> = read_all(&servers, &output)
        .into_iter()
        .map(|r| {
            let text = |b: Option<Vec<u8>>| String::from_utf8(b.expect("set")).expect("UTF-8");
            (text(r.key), text(r.value))
        })
        .collect();
    got.sort();
    let mut expected: Vec<(String, String)> =
        (0..2000).map(|i| (format!("k{}", i % 13), format!("EVENT-{i}@{}", i % 4))).collect();
    expected.sort();
    assert_eq!(got.len(), expected.len(), "records lost or duplicated");
    assert_eq!(got, expected);
}
