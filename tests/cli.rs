//! End-to-end tests of the `sluice` command: SQL scripts that declare file sources and
//! memory/console sinks, start queries with `INSERT INTO`, print `SELECT` results as a
//! table or JSON lines; triggers; and errors that name the script's file and line.
//!
//! The binary belongs to the `sluice-cli` workspace member, so Cargo does not build it
//! for the root package's tests: it is built once per test run (a no-op when fresh).

mod common;

use common::sluice_bin;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temp dir holding an `activity` directory of two small JSON files.
struct Fixture {
    tmp: tempfile::TempDir,
}

/// `(gt, model, x)`; expected results below are worked out from these by hand.
const FILE_1: &[(&str, &str, f64)] = &[("sit", "nexus4", 1.0), ("bike", "s3", 2.0), ("sit", "s3", 3.0)];
const FILE_2: &[(&str, &str, f64)] = &[("stairsup", "nexus4", 4.0), ("sit", "nexus4", 5.0)];

impl Fixture {
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("activity");
        std::fs::create_dir(&dir).expect("mkdir");
        for (name, rows) in [("1.json", FILE_1), ("2.json", FILE_2)] {
            let text: String = rows
                .iter()
                .map(|(gt, m, x)| format!("{{\"gt\":\"{gt}\",\"Model\":\"{m}\",\"x\":{x}}}\n"))
                .collect();
            std::fs::write(dir.join(name), text).expect("write data");
        }
        Fixture { tmp }
    }

    fn data(&self) -> String {
        self.tmp.path().join("activity").to_str().expect("UTF-8 path").to_string()
    }

    /// Writes `script` (with `{DATA}` replaced by the data directory) and returns its path.
    fn script(&self, name: &str, script: &str) -> PathBuf {
        let path = self.tmp.path().join(name);
        std::fs::write(&path, script.replace("{DATA}", &self.data())).expect("write script");
        path
    }
}

fn run(script: &Path, args: &[&str]) -> Output {
    Command::new(sluice_bin()).arg("run").arg(script).args(args).output().expect("run sluice")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_success(o: &Output, context: &str) {
    assert!(
        o.status.success(),
        "{context}: exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        stdout(o),
        stderr(o)
    );
}

const SOURCE: &str = "CREATE TABLE activity (gt STRING, `Model` STRING, x DOUBLE)\n\
                      WITH (connector = 'file', format = 'json', path = '{DATA}', maxFilesPerTrigger = '1');\n";

fn counts_script() -> String {
    format!(
        "{SOURCE}\
         CREATE TABLE counts WITH (connector = 'memory', outputMode = 'complete');\n\
         INSERT INTO counts SELECT gt, count(*) AS count FROM activity GROUP BY gt;\n\
         SELECT * FROM counts ORDER BY gt;\n"
    )
}

const COUNTS_JSON: &str = "{\"gt\":\"bike\",\"count\":1}\n\
                           {\"gt\":\"sit\",\"count\":3}\n\
                           {\"gt\":\"stairsup\",\"count\":1}\n";

#[test]
fn a_script_streams_into_a_memory_table_and_prints_json_lines_for_each_trigger_and_worker_count() {
    let f = Fixture::new();
    let script = f.script("counts.sql", &counts_script());
    for trigger in ["available-now", "once"] {
        for workers in ["1", "2"] {
            let o = run(&script, &["--trigger", trigger, "-w", workers, "--format", "json"]);
            let context = format!("--trigger {trigger} -w {workers}");
            assert_success(&o, &context);
            assert_eq!(stdout(&o), COUNTS_JSON, "{context}");
        }
    }
}

#[test]
fn select_prints_sparks_table_by_default() {
    let f = Fixture::new();
    let script = f.script("counts.sql", &counts_script());
    let o = run(&script, &["--trigger", "available-now"]);
    assert_success(&o, "table output");
    // show(truncate = false): cells padded on the right.
    let want = "+--------+-----+\n\
                |gt      |count|\n\
                +--------+-----+\n\
                |bike    |1    |\n\
                |sit     |3    |\n\
                |stairsup|1    |\n\
                +--------+-----+\n";
    assert_eq!(stdout(&o).trim_end(), want.trim_end());
}

#[test]
fn a_plain_select_reads_a_source_table_as_a_batch_with_backticked_names() {
    let f = Fixture::new();
    let script = f.script(
        "select.sql",
        &format!(
            "{SOURCE}\
             SELECT `model`, count(*), sum(x) AS `total x` FROM activity WHERE x > 1.5 GROUP BY model ORDER BY `Model` DESC;\n"
        ),
    );
    let o = run(&script, &["--format", "json"]);
    assert_success(&o, "batch select");
    // x > 1.5: (bike,s3,2) (sit,s3,3) (stairsup,nexus4,4) (sit,nexus4,5).
    let want = "{\"model\":\"s3\",\"count(1)\":2,\"total x\":5.0}\n\
                {\"model\":\"nexus4\",\"count(1)\":2,\"total x\":9.0}\n";
    assert_eq!(stdout(&o), want);
}

#[test]
fn an_append_query_into_a_console_sink_prints_each_batch() {
    let f = Fixture::new();
    let script = f.script(
        "console.sql",
        &format!(
            "{SOURCE}\
             CREATE TABLE out WITH (connector = 'console', outputMode = 'append');\n\
             INSERT INTO out SELECT gt, x * 2 AS x2 FROM activity WHERE gt <> 'bike';\n"
        ),
    );
    let o = run(&script, &["--trigger", "available-now"]);
    assert_success(&o, "console sink");
    let rule = "-------------------------------------------";
    let want = format!(
        "{rule}\nBatch: 0\n{rule}\n\
         +---+---+\n| gt| x2|\n+---+---+\n|sit|2.0|\n|sit|6.0|\n+---+---+\n\n\
         {rule}\nBatch: 1\n{rule}\n\
         +--------+----+\n|      gt|  x2|\n+--------+----+\n|stairsup| 8.0|\n|     sit|10.0|\n+--------+----+\n\n"
    );
    // Rows within a batch come in no particular order (as in Spark).
    assert_eq!(sort_table_rows(&stdout(&o)), sort_table_rows(&want));
}

/// The text with the data rows of each printed table sorted (borders, headers and
/// banners stay in place).
fn sort_table_rows(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    let mut borders = 0;
    for line in text.lines() {
        if line.starts_with("+-") {
            borders += 1;
            if borders % 3 == 0 {
                rows.sort();
                out.append(&mut rows);
            }
            out.push(line.to_string());
        } else if line.starts_with('|') && borders % 3 == 2 {
            rows.push(line.to_string());
        } else {
            out.push(line.to_string());
        }
    }
    out
}

#[test]
fn invalid_triggers_are_rejected_before_running() {
    let f = Fixture::new();
    let script = f.script("counts.sql", &counts_script());
    for bad in ["sometimes", "processing-time 2 fortnights"] {
        let o = run(&script, &["--trigger", bad]);
        assert!(!o.status.success(), "--trigger {bad} must fail");
        let err = stderr(&o);
        assert!(err.contains("trigger"), "--trigger {bad}: {err}");
        assert!(stdout(&o).is_empty(), "--trigger {bad}: nothing runs: {}", stdout(&o));
    }
}

#[test]
fn errors_print_file_line_and_reason_and_exit_non_zero() {
    let f = Fixture::new();
    let sink = "CREATE TABLE counts WITH (connector = 'memory', outputMode = 'complete');\n";
    // (case, script, line of the failing statement, text the reason must contain)
    let cases: Vec<(&str, String, usize, &str)> = vec![
        ("misspelt keyword", format!("{SOURCE}\n{sink}SELEC gt FROM counts;\n"), 5, "parse error"),
        (
            "parse error inside a statement",
            format!("{SOURCE}{sink}INSERT INTO counts\n  SELECT gt FROM activity WHERE x = = 1;\n"),
            5,
            "parse error",
        ),
        (
            "unknown column",
            format!("{SOURCE}{sink}INSERT INTO counts\n  SELECT nope, count(*) FROM activity GROUP BY nope;\n"),
            4,
            "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `nope` cannot be resolved",
        ),
        (
            "unknown sink table",
            format!("{SOURCE}{sink}INSERT INTO nowhere SELECT gt FROM activity;\n"),
            4,
            "nowhere",
        ),
        (
            "unknown source table",
            format!("{sink}INSERT INTO counts SELECT gt, count(*) FROM missing GROUP BY gt;\n"),
            2,
            "[TABLE_OR_VIEW_NOT_FOUND]",
        ),
        (
            "rejected output mode",
            format!(
                "{SOURCE}CREATE TABLE plain WITH (connector = 'memory', outputMode = 'complete');\n\
                 INSERT INTO plain SELECT gt FROM activity;\n"
            ),
            4,
            "Complete output mode not supported when there are no streaming aggregations",
        ),
    ];
    for (case, text, line, reason) in cases {
        let script = f.script("broken.sql", &text);
        let o = run(&script, &["--trigger", "available-now"]);
        assert!(!o.status.success(), "{case}: must exit non-zero");
        let err = stderr(&o);
        let prefix = format!("{}:{line}: ", script.display());
        assert!(err.starts_with(&prefix), "{case}: stderr should start with `{prefix}`: {err}");
        assert!(err.contains(reason), "{case}: stderr lacks `{reason}`: {err}");
    }
}

#[test]
fn rate_and_socket_connectors_declare_streaming_sources() {
    let fx = Fixture::new();
    let script = fx.script(
        "rate.sql",
        "CREATE TABLE r WITH (connector = 'rate', rowsPerSecond = '0', numRows = '1000', rowsPerBatch = '300');\n\
         CREATE TABLE totals WITH (connector = 'memory', outputMode = 'complete');\n\
         INSERT INTO totals SELECT count(*) AS n, sum(value) AS s, min(value) AS lo, max(value) AS hi FROM r;\n\
         SELECT * FROM totals;\n",
    );
    for workers in ["1", "2"] {
        let out = run(&script, &["-w", workers, "--trigger", "available-now", "--format", "json"]);
        assert_success(&out, "rate");
        // 0 + 1 + ... + 999 = 499500, each value once across workers.
        assert_eq!(stdout(&out).trim(), r#"{"n":1000,"s":499500,"lo":0,"hi":999}"#);
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::Write;
        let (mut conn, _) = listener.accept().unwrap();
        conn.write_all(b"a b\nc\n").unwrap();
    });
    let script = fx.script(
        "socket.sql",
        &format!(
            "CREATE TABLE lines WITH (connector = 'socket', host = '127.0.0.1', port = '{port}');\n\
             CREATE TABLE got WITH (connector = 'console', outputMode = 'append');\n\
             INSERT INTO got SELECT upper(value) AS v FROM lines;\n"
        ),
    );
    // Without a trigger the script waits for the query, which ends when the server closes.
    let out = run(&script, &[]);
    server.join().unwrap();
    assert_success(&out, "socket");
    let printed = stdout(&out);
    assert!(
        printed.contains("Batch: 0") && printed.contains("|A B|") && printed.contains("|  C|"),
        "{printed}"
    );
}

/// Sources with a fixed schema (rate, socket, kafka) take computed columns and a
/// WATERMARK in their CREATE TABLE, as file tables do, but no physical column.
#[test]
fn fixed_schema_sources_take_computed_columns_and_a_watermark_only() {
    let fx = Fixture::new();
    let script = fx.script(
        "rate.sql",
        "CREATE TABLE r (bucket BIGINT GENERATED ALWAYS AS (value % 3),
                         WATERMARK FOR `timestamp` AS `timestamp` - INTERVAL '10' SECOND)
           WITH (connector = 'rate', rowsPerSecond = '0', numRows = '300', rowsPerBatch = '100');\n\
         CREATE TABLE totals WITH (connector = 'memory', outputMode = 'complete');\n\
         INSERT INTO totals SELECT bucket, count(*) AS n FROM r GROUP BY bucket;\n\
         SELECT * FROM totals ORDER BY bucket;\n",
    );
    let out = run(&script, &["-w", "2", "--trigger", "available-now", "--format", "json"]);
    assert_success(&out, "rate with a computed column");
    assert_eq!(
        stdout(&out).lines().collect::<Vec<_>>(),
        [r#"{"bucket":0,"n":100}"#, r#"{"bucket":1,"n":100}"#, r#"{"bucket":2,"n":100}"#]
    );
    // The watermark is in force: an append-mode window aggregation is accepted (it needs one).
    let script = fx.script(
        "windows.sql",
        "CREATE TABLE r (WATERMARK FOR `timestamp` AS `timestamp` - INTERVAL '1' SECOND)
           WITH (connector = 'rate', rowsPerSecond = '0', numRows = '50', rowsPerBatch = '50');\n\
         CREATE TABLE w WITH (connector = 'console', outputMode = 'append');\n\
         INSERT INTO w SELECT window(`timestamp`, '1 hour') AS hour, count(*) AS n FROM r GROUP BY window(`timestamp`, '1 hour');\n",
    );
    let out = run(&script, &["--trigger", "available-now", "-q"]);
    assert_success(&out, "rate with a watermark alone");
    for (case, table, reason) in [
        (
            "physical column",
            "CREATE TABLE r (value BIGINT) WITH (connector = 'rate', rowsPerSecond = '1');",
            "the rate source has a fixed schema; declare only computed columns",
        ),
        (
            "watermark on a written kafka table",
            "CREATE TABLE k (WATERMARK FOR `timestamp` AS `timestamp` - INTERVAL '1' SECOND)
               WITH (connector = 'kafka', 'kafka.bootstrap.servers' = '127.0.0.1:1', topic = 'out');",
            "computed columns and WATERMARK belong to a table that is read",
        ),
        (
            "watermark on an unknown column",
            "CREATE TABLE r (WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (connector = 'rate', rowsPerSecond = '1');",
            "`ts`",
        ),
    ] {
        let out = run(&fx.script("bad.sql", &format!("{table}\n")), &["--trigger", "available-now"]);
        assert!(!out.status.success(), "{case}: accepted");
        assert!(stderr(&out).contains(reason), "{case}: stderr lacks `{reason}`: {}", stderr(&out));
    }
}

#[test]
fn a_file_table_without_columns_is_a_sink_that_a_later_select_reads_back() {
    let fx = Fixture::new();
    let out = fx.tmp.path().join("out");
    let script = fx.script(
        "file_sink.sql",
        &format!(
            "{SOURCE}\
             CREATE TABLE archive WITH (connector = 'file', format = 'json', path = '{}', partitionBy = 'gt');\n\
             INSERT INTO archive SELECT gt, `Model` AS model, x FROM activity WHERE x > 1;\n\
             CREATE TABLE archived (model STRING, x DOUBLE) WITH (connector = 'file', format = 'json', path = '{}/gt=sit');\n\
             SELECT * FROM archived ORDER BY x;\n",
            out.display(),
            out.display()
        ),
    );
    let o = run(&script, &["--trigger", "available-now", "--format", "json"]);
    assert_success(&o, "file sink");
    // Rows with x > 1 and gt = sit: (s3, 3.0) and (nexus4, 5.0).
    assert_eq!(stdout(&o).trim(), "{\"model\":\"s3\",\"x\":3.0}\n{\"model\":\"nexus4\",\"x\":5.0}");
    let mut dirs: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    assert_eq!(dirs, vec!["_sluice_metadata", "gt=bike", "gt=sit", "gt=stairsup"]);
}

/// `(batch id, rows)` of each status line on stderr for the query `counts`.
fn status_lines(text: &str) -> Vec<(u64, u64)> {
    text.lines()
        .filter_map(|l| l.strip_prefix("counts: batch "))
        .map(|rest| {
            let (batch, rest) = rest.split_once(": ").expect("batch id then a colon");
            let rows = rest.split(' ').next().expect("a row count");
            (batch.parse().expect("batch id"), rows.parse().expect("row count"))
        })
        .collect()
}

#[test]
fn each_batch_prints_a_status_line_on_stderr_only_and_quiet_turns_it_off() {
    let f = Fixture::new();
    let script = f.script("counts.sql", &counts_script());
    let o = run(&script, &["--trigger", "available-now", "--format", "json"]);
    assert_success(&o, "available-now");
    // Not a terminal: indicatif hides the bar, so the lines stand in for it.
    let expected_rows = [FILE_1.len() as u64, FILE_2.len() as u64];
    let lines = status_lines(&stderr(&o));
    assert_eq!(lines, vec![(0, expected_rows[0]), (1, expected_rows[1])], "stderr:\n{}", stderr(&o));
    assert!(stderr(&o).contains("files 2/2"), "the bounded backlog shows: {}", stderr(&o));
    for line in stdout(&o).lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("stdout holds only JSON rows, not {line:?}: {e}"));
    }
    assert_eq!(stdout(&o).lines().count(), 3, "three groups: {}", stdout(&o));

    let quiet = run(&script, &["--trigger", "available-now", "--format", "json", "--quiet"]);
    assert_success(&quiet, "--quiet");
    assert!(status_lines(&stderr(&quiet)).is_empty(), "--quiet: {}", stderr(&quiet));
    assert_eq!(stdout(&quiet), stdout(&o), "--quiet changes only stderr");
}

#[test]
fn progress_log_gets_one_json_line_per_batch() {
    let f = Fixture::new();
    let script = f.script("counts.sql", &counts_script());
    let log = f.tmp.path().join("progress.jsonl");
    let o = run(&script, &["--trigger", "available-now", "--quiet", "--progress-log", log.to_str().unwrap()]);
    assert_success(&o, "--progress-log");
    let text = std::fs::read_to_string(&log).expect("the log was written");
    let batches: Vec<(u64, u64, String)> = text
        .lines()
        .map(|l| {
            let p: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            (p["batchId"].as_u64().unwrap(), p["numInputRows"].as_u64().unwrap(), p["name"].to_string())
        })
        .collect();
    let want =
        vec![(0, FILE_1.len() as u64, "\"counts\"".into()), (1, FILE_2.len() as u64, "\"counts\"".into())];
    assert_eq!(batches, want);

    let bad = run(&script, &["--progress-log", "/nonexistent-dir/p.jsonl"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("--progress-log /nonexistent-dir/p.jsonl"), "{}", stderr(&bad));
}

#[test]
fn metrics_addr_prints_the_bound_address_and_rejects_a_bad_one_naming_the_flag() {
    let f = Fixture::new();
    let script = f.script("counts.sql", &counts_script());
    let o = run(&script, &["--trigger", "available-now", "--quiet", "--metrics-addr", "0"]);
    assert_success(&o, "--metrics-addr 0");
    let err = stderr(&o);
    let addr = err
        .lines()
        .find_map(|l| l.strip_prefix("sluice: metrics on http://"))
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no bound address on stderr: {err}"));
    let addr: std::net::SocketAddr = addr.parse().expect("a socket address");
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");

    let bad = run(&script, &["--metrics-addr", "nowhere"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("--metrics-addr 'nowhere'"), "{}", stderr(&bad));
}
