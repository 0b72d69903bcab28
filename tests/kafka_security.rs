//! The Kafka source and sink over TLS and SASL_SSL (SCRAM), against a tansu broker behind
//! a socat TLS terminator that each test starts (`common::kafka_tls`); clear errors for a
//! wrong password and an untrusted certificate; and no secret in anything Sluice writes.
//! Skips without `SLUICE_KAFKA` outside CI, as the other Kafka tests.

mod common;

use common::kafka::{create_topic, produce, read_all, unique_topic, Record};
use common::kafka_tls::{TlsBroker, MECHANISM, USER};
use sluice::{Session, StreamingQuery, Trigger};
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// A topic of 3 partitions with `n` records `p<partition>-<i>`; the expected upper-cased values.
fn filled_topic(servers: &str, n: usize) -> (String, Vec<String>) {
    let topic = unique_topic("tls-in");
    create_topic(servers, &topic, 3);
    let values: Vec<String> = (0..n).map(|i| format!("p{}-{i}", i % 3)).collect();
    let records: Vec<Record> =
        values.iter().enumerate().map(|(i, v)| Record::value(v).to((i % 3) as i32)).collect();
    produce(servers, &topic, &records);
    let mut expected: Vec<String> = values.iter().map(|v| v.to_uppercase()).collect();
    expected.sort();
    (topic, expected)
}

/// Starts a query reading `input` with `source` options and writing upper-cased values to
/// `output` with `sink` options.
fn copy_upper(
    spark: &Session,
    input: &str,
    output: &str,
    source: &[(String, String)],
    sink: &[(String, String)],
    trigger: Trigger,
    checkpoint: Option<&Path>,
) -> sluice::Result<StreamingQuery> {
    let mut r =
        spark.read_stream().format("kafka").option("subscribe", input).option("startingOffsets", "earliest");
    for (k, v) in source {
        r = r.option(k, v);
    }
    let mut w = r
        .load(None)?
        .select_expr(["upper(cast(value AS string)) AS value"])
        .write_stream()
        .format("kafka")
        .option("topic", output)
        .trigger(trigger);
    for (k, v) in sink {
        w = w.option(k, v);
    }
    if let Some(dir) = checkpoint {
        w = w.option("checkpointLocation", dir.display());
    }
    w.start()
}

fn values(servers: &str, topic: &str) -> Vec<String> {
    let mut v: Vec<String> =
        read_all(servers, topic).into_iter().map(|r| String::from_utf8(r.value.unwrap()).unwrap()).collect();
    v.sort();
    v
}

fn round_trip(b: &TlsBroker, source: &[(String, String)], sink: &[(String, String)]) {
    let servers = b.address();
    let (input, expected) = filled_topic(&servers, 60);
    let output = unique_topic("tls-out");
    create_topic(&servers, &output, 1);
    let spark = Session::builder().workers(2).build().unwrap();
    let q = copy_upper(&spark, &input, &output, source, sink, Trigger::AvailableNow, None).unwrap();
    q.await_termination().unwrap();
    assert_eq!(values(&servers, &output), expected);
}

#[test]
fn the_source_and_sink_work_over_tls() {
    let Some(b) = TlsBroker::start(false) else { return };
    round_trip(&b, &b.options(), &b.options());
}

#[test]
fn the_source_and_sink_work_over_sasl_ssl_with_scram_in_both_spellings() {
    let Some(b) = TlsBroker::start(true) else { return };
    // The source in Spark's JAAS form, the sink with librdkafka's user name and password.
    let mut sink: Vec<(String, String)> =
        b.options().into_iter().filter(|(k, _)| k != "kafka.sasl.jaas.config").collect();
    sink.push(("kafka.sasl.username".into(), USER.into()));
    sink.push(("kafka.sasl.password".into(), b.password.clone().unwrap()));
    assert!(sink.iter().any(|(k, v)| k == "kafka.sasl.mechanism" && v == MECHANISM));
    round_trip(&b, &b.options(), &sink);
}

/// The query's error, from `start()` or from its termination, and how long it took.
fn failure(start: impl FnOnce() -> sluice::Result<StreamingQuery>) -> (String, Duration) {
    let t = Instant::now();
    let err = match start() {
        Err(e) => e.to_string(),
        Ok(q) => q.await_termination().expect_err("the query fails").to_string(),
    };
    (err, t.elapsed())
}

const POLL_TIMEOUT_MS: u64 = 60_000;

fn with_poll_timeout(mut o: Vec<(String, String)>) -> Vec<(String, String)> {
    o.push(("kafkaConsumer.pollTimeoutMs".into(), POLL_TIMEOUT_MS.to_string()));
    o
}

#[test]
fn a_wrong_password_fails_the_source_and_the_sink_with_a_clear_error_naming_the_broker() {
    let Some(b) = TlsBroker::start(true) else { return };
    let servers = b.address();
    let (input, _) = filled_topic(&servers, 6);
    let output = unique_topic("tls-out");
    create_topic(&servers, &output, 1);
    let spark = Session::builder().build().unwrap();
    let wrong = format!("wrong-{}", uuid::Uuid::new_v4().simple());
    for (source, sink) in [
        (with_poll_timeout(b.options_with(&wrong)), b.options()),
        (with_poll_timeout(b.options()), b.options_with(&wrong)),
    ] {
        let (err, took) = failure(|| {
            copy_upper(&spark, &input, &output, &source, &sink, Trigger::ProcessingTime(Duration::ZERO), None)
        });
        assert!(
            err.contains("SASL authentication failed: wrong credentials") && err.contains(&servers),
            "{err}"
        );
        assert!(!err.contains(&wrong), "the password is in the error: {err}");
        // Not a hang until a timeout: the failure is reported as soon as the broker says so.
        assert!(took < Duration::from_millis(POLL_TIMEOUT_MS), "took {took:?}");
    }
}

#[test]
fn an_untrusted_certificate_and_a_plaintext_port_fail_with_clear_errors() {
    let Some(b) = TlsBroker::start(false) else { return };
    let servers = b.address();
    let (input, _) = filled_topic(&servers, 3);
    let spark = Session::builder().build().unwrap();
    let untrusted: Vec<(String, String)> = b
        .options()
        .into_iter()
        .map(
            |(k, v)| {
                if k == "kafka.ssl.ca.location" {
                    (k, b.other_ca.display().to_string())
                } else {
                    (k, v)
                }
            },
        )
        .collect();
    let not_tls: Vec<(String, String)> = b
        .options()
        .into_iter()
        .map(|(k, v)| if k == "kafka.bootstrap.servers" { (k, b.plain_address()) } else { (k, v) })
        .collect();
    for (source, want, broker) in [
        (
            untrusted,
            "TLS handshake failed: the broker's certificate is signed by an unknown CA",
            servers.clone(),
        ),
        (not_tls, "TLS handshake failed", b.plain_address()),
    ] {
        let (err, took) = failure(|| {
            copy_upper(
                &spark,
                &input,
                "unused",
                &with_poll_timeout(source),
                &b.options(),
                Trigger::ProcessingTime(Duration::ZERO),
                None,
            )
        });
        assert!(err.contains(want) && err.contains(&format!("with broker {broker}")), "{err}");
        assert!(took < Duration::from_millis(POLL_TIMEOUT_MS), "took {took:?}");
    }
    // The sink too: its producer reports the unknown CA instead of waiting out message.timeout.ms.
    let output = unique_topic("tls-out");
    create_topic(&servers, &output, 1);
    let untrusted_sink: Vec<(String, String)> = b
        .options()
        .into_iter()
        .map(
            |(k, v)| {
                if k == "kafka.ssl.ca.location" {
                    (k, b.other_ca.display().to_string())
                } else {
                    (k, v)
                }
            },
        )
        .collect();
    let (err, _) = failure(|| {
        copy_upper(
            &spark,
            &input,
            &output,
            &b.options(),
            &untrusted_sink,
            Trigger::ProcessingTime(Duration::ZERO),
            None,
        )
    });
    assert!(err.contains("unknown CA") && err.contains(&servers), "{err}");
}

/// Every file under `dir`, as text.
fn all_files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push((
                p.display().to_string(),
                String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
            ));
        }
    }
    out
}

fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn assert_no_secret(what: &str, text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "{what} holds a secret:\n{text}");
    }
}

#[test]
fn secrets_stay_out_of_errors_progress_metrics_checkpoints_explain_and_status_lines() {
    let Some(b) = TlsBroker::start(true) else { return };
    let servers = b.address();
    let password = b.password.clone().unwrap();
    let (input, expected) = filled_topic(&servers, 30);
    let output = unique_topic("tls-out");
    create_topic(&servers, &output, 1);
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("progress.jsonl");
    let checkpoint = tmp.path().join("checkpoint");
    let spark = Session::builder()
        .config(sluice::PROGRESS_LOG, log.display())
        .config(sluice::METRICS_ADDR, "127.0.0.1:0")
        .build()
        .unwrap();
    let q =
        copy_upper(&spark, &input, &output, &b.options(), &b.options(), Trigger::Default, Some(&checkpoint))
            .unwrap();
    q.process_all_available().unwrap();
    assert_eq!(values(&servers, &output), expected, "the query ran");
    let addr = spark.metrics_address().unwrap();
    let mut outputs: Vec<(String, String)> = vec![
        ("/progress".into(), http_get(addr, "/progress")),
        ("/metrics".into(), http_get(addr, "/metrics")),
        ("/history".into(), http_get(addr, "/history")),
        ("explain()".into(), q.explain()),
        ("last_progress".into(), q.last_progress().unwrap().pretty_json()),
    ];
    assert!(outputs[0].1.contains(&input), "/progress shows the query's source: {}", outputs[0].1);
    q.stop().unwrap();
    outputs.push(("progress log".into(), std::fs::read_to_string(&log).unwrap()));
    let files = all_files(&checkpoint);
    assert!(
        files.iter().any(|(p, _)| p.ends_with("metadata"))
            && files.iter().any(|(p, _)| p.contains("offsets"))
    );
    outputs.extend(files);
    // A failing query's error: a wrong password is a secret too.
    let wrong = format!("wrong-{}", uuid::Uuid::new_v4().simple());
    let (err, _) = failure(|| {
        copy_upper(&spark, &input, &output, &b.options_with(&wrong), &b.options(), Trigger::Default, None)
    });
    outputs.push(("the error".into(), err));
    // The plan as Debug text.
    let df = spark
        .read_stream()
        .format("kafka")
        .options(b.options())
        .option("subscribe", &input)
        .load(None)
        .unwrap();
    outputs.push(("Debug of a DataFrame".into(), format!("{df:?}")));
    for (what, text) in &outputs {
        assert_no_secret(what, text, &[&password, &wrong]);
    }

    // The CLI: status lines, its progress log and checkpoint, and its error.
    let script = tmp.path().join("q.sql");
    let cli_out = unique_topic("tls-cli");
    create_topic(&servers, &cli_out, 1);
    let table = |name: &str, options: &[(String, String)], extra: &str| {
        let opts: Vec<String> =
            options.iter().map(|(k, v)| format!("'{k}' = '{}'", v.replace('\'', "''"))).collect();
        format!("CREATE TABLE {name} WITH (connector = 'kafka', {}, {extra});\n", opts.join(", "))
    };
    let run_cli = |source: &[(String, String)], dir: &str| {
        std::fs::write(
            &script,
            table("events", source, &format!("subscribe = '{input}', startingOffsets = 'earliest'"))
                + &table("out", &b.options(), &format!("topic = '{cli_out}'"))
                + "INSERT INTO out SELECT upper(cast(value AS string)) AS value FROM events;\n",
        )
        .unwrap();
        let out = std::process::Command::new(common::sluice_bin())
            .arg("run")
            .arg(&script)
            .args(["--trigger", "available-now", "--checkpoint"])
            .arg(tmp.path().join(dir))
            .arg("--progress-log")
            .arg(tmp.path().join(format!("{dir}.jsonl")))
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = run_cli(&b.options(), "cli");
    assert!(ok, "{stderr}");
    assert!(stderr.contains("batch"), "status lines on stderr: {stderr}");
    assert_eq!(values(&servers, &cli_out), expected);
    assert_no_secret("the CLI's stdout", &stdout, &[&password]);
    assert_no_secret("the CLI's status lines", &stderr, &[&password]);
    assert_no_secret(
        "the CLI's progress log",
        &std::fs::read_to_string(tmp.path().join("cli.jsonl")).unwrap(),
        &[&password],
    );
    for (what, text) in all_files(&tmp.path().join("cli")) {
        assert_no_secret(&what, &text, &[&password]);
    }
    let (ok, _, stderr) = run_cli(&b.options_with(&wrong), "cli-wrong");
    assert!(!ok && stderr.contains("wrong credentials"), "{stderr}");
    assert_no_secret("the CLI's error", &stderr, &[&password, &wrong]);
}
