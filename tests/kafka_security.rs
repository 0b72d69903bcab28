//! Kafka over TLS and SASL against real brokers (tansu behind socat's TLS, one of them
//! requiring SASL/SCRAM; scripts/test.sh starts them): wrong credentials and untrusted
//! certificates fail at once with what went wrong and which broker, and no secret reaches
//! anything Sluice prints or writes. The end-to-end query over TLS and over SASL_SSL is in
//! tests/kafka.rs.

mod common;

use common::kafka::{
    create_topic, produce, read_all, sasl_tls_broker, tls_broker, unique_topic, Record, SecureBroker,
};
use sluice::{Session, StreamingQuery};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

const SCRAM_MODULE: &str = "org.apache.kafka.common.security.scram.ScramLoginModule";

/// The broker's options with `key` set to `value` instead.
fn with_option(broker: &SecureBroker, key: &str, value: &str) -> Vec<(String, String)> {
    broker
        .options
        .iter()
        .map(|(k, v)| (k.clone(), if k == key { value.to_string() } else { v.clone() }))
        .collect()
}

/// The broker's options without those whose key starts with one of `prefixes`.
fn without(broker: &SecureBroker, prefixes: &[&str]) -> Vec<(String, String)> {
    broker.options.iter().filter(|(k, _)| !prefixes.iter().any(|p| k.starts_with(p))).cloned().collect()
}

/// A Kafka stream of `topic` with `options`, to a memory table, run until it ends or fails.
fn read_topic(
    options: &[(String, String)],
    topic: &str,
    poll_timeout_ms: u64,
) -> (sluice::Result<()>, Duration) {
    let spark = Session::builder().workers(1).build().unwrap();
    let mut reader = spark
        .read_stream()
        .format("kafka")
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .option("kafkaConsumer.pollTimeoutMs", poll_timeout_ms.to_string());
    for (k, v) in options {
        reader = reader.option(k, v);
    }
    let started = Instant::now();
    let result = reader.load(None).and_then(|df| {
        let q = df.write_stream().format("memory").query_name("secured").start()?;
        let r = q.process_all_available();
        q.stop()?;
        r
    });
    (result, started.elapsed())
}

/// A rate stream written to the Kafka sink with `options`, until the query fails.
fn write_topic(options: &[(String, String)], topic: &str) -> (sluice::Result<()>, Duration) {
    let spark = Session::builder().workers(1).build().unwrap();
    let df = spark
        .read_stream()
        .format("rate")
        .option("rowsPerSecond", "50")
        .load(None)
        .unwrap()
        .select_expr(["cast(value AS string) AS value"]);
    let mut writer = df.write_stream().format("kafka").option("topic", topic);
    for (k, v) in options {
        writer = writer.option(k, v);
    }
    let started = Instant::now();
    let result = writer.start().and_then(|q: StreamingQuery| {
        let r = q.await_termination_timeout(Duration::from_secs(60));
        let e = q.exception();
        q.stop()?;
        match (r, e) {
            (_, Some(e)) => Err(e),
            (r, None) => r.map(|_| ()),
        }
    });
    (result, started.elapsed())
}

#[test]
fn a_wrong_password_fails_at_once_naming_the_broker_and_the_cause() {
    let Some(sasl) = sasl_tls_broker() else { return };
    let topic = unique_topic("sasl-wrong");
    create_topic(&sasl.servers, &topic, 1);
    produce(&sasl.servers, &topic, &[Record::value("x")]);
    let wrong = "not-the-password-5d2a";
    let poll_timeout_ms = 30_000;
    let (result, took) =
        read_topic(&with_option(&sasl, "kafka.sasl.password", wrong), &topic, poll_timeout_ms);
    let e = result.expect_err("a wrong password fails the source").to_string();
    assert!(e.contains("SASL authentication failed") && e.contains("wrong username or password"), "{e}");
    assert!(e.contains(&sasl.servers), "names the broker: {e}");
    assert!(!e.contains(wrong), "{e}");
    assert!(
        took < Duration::from_millis(poll_timeout_ms),
        "failed within pollTimeoutMs, not a hang: {took:?}"
    );

    let (result, _) = write_topic(&with_option(&sasl, "kafka.sasl.password", wrong), &topic);
    let e = result.expect_err("a wrong password fails the sink").to_string();
    assert!(e.contains("SASL authentication failed") && e.contains(&sasl.servers), "{e}");
    assert!(!e.contains(wrong), "{e}");
    // The sink's records would wait out message.timeout.ms (300 s); the failure does not.
    assert_eq!(read_all(&sasl.servers, &topic).len(), 1, "nothing was written");
}

#[test]
fn an_untrusted_certificate_fails_at_once_naming_the_broker_and_the_cause() {
    let (Some(tls), Some(sasl)) = (tls_broker(), sasl_tls_broker()) else { return };
    // Each test broker has its own CA: the other broker's CA does not trust this one.
    let other_ca = sasl.option("kafka.ssl.ca.location");
    let topic = unique_topic("tls-untrusted");
    create_topic(&tls.servers, &topic, 1);
    produce(&tls.servers, &topic, &[Record::value("x")]);
    let poll_timeout_ms = 30_000;
    let (result, took) =
        read_topic(&with_option(&tls, "kafka.ssl.ca.location", &other_ca), &topic, poll_timeout_ms);
    let e = result.expect_err("an untrusted broker fails the source").to_string();
    assert!(e.contains("TLS handshake failed") && e.contains("not trusted"), "{e}");
    assert!(e.contains("kafka.ssl.ca.location") && e.contains(&tls.servers), "{e}");
    assert!(took < Duration::from_millis(poll_timeout_ms), "{took:?}");
    let (result, _) = write_topic(&with_option(&tls, "kafka.ssl.ca.location", &other_ca), &topic);
    let e = result.expect_err("an untrusted broker fails the sink").to_string();
    assert!(e.contains("not trusted") && e.contains(&tls.servers), "{e}");

    // Without a CA the system's certificates are used, which do not know the test CA.
    let system_cas: Vec<(String, String)> = without(&tls, &["kafka.ssl.ca.location"]);
    let (result, _) = read_topic(&system_cas, &topic, poll_timeout_ms);
    let e = result.expect_err("the system's CAs do not trust the test CA").to_string();
    assert!(e.contains("not trusted"), "{e}");

    // This broker wants a client certificate: without one the broker's refusal is named.
    let no_cert = without(&tls, &["kafka.ssl.certificate", "kafka.ssl.key"]);
    let (result, took) = read_topic(&no_cert, &topic, poll_timeout_ms);
    let e = result.expect_err("a missing client certificate fails the source").to_string();
    assert!(e.contains("refused the client certificate") && e.contains(&tls.servers), "{e}");
    assert!(took < Duration::from_millis(poll_timeout_ms), "{took:?}");

    // Speaking plaintext to the TLS listener is not a certificate problem: it times out
    // like an unreachable broker, within pollTimeoutMs.
    let plain = vec![("kafka.bootstrap.servers".to_string(), tls.servers.clone())];
    let (result, took) = read_topic(&plain, &topic, 3_000);
    let e = result.expect_err("plaintext to a TLS port fails").to_string();
    assert!(e.contains(&tls.servers), "{e}");
    assert!(took < Duration::from_secs(60), "{took:?}");
}

/// A GET over a plain TCP connection: the body.
fn http_get(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// Every file under `dir`, as text (lossy), with its path.
fn files_under(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path.display().to_string(), String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    out
}

fn assert_no_secret(secret: &str, what: &str, text: &str) {
    assert!(!text.contains(secret), "{what} shows the secret:\n{text}");
}

#[test]
fn secrets_stay_out_of_progress_metrics_checkpoints_explain_and_errors() {
    let Some(sasl) = sasl_tls_broker() else { return };
    let password = sasl.option("kafka.sasl.password");
    let user = sasl.option("kafka.sasl.username");
    let (input, output) = (unique_topic("secret-in"), unique_topic("secret-out"));
    create_topic(&sasl.servers, &input, 2);
    create_topic(&sasl.servers, &output, 1);
    let records: Vec<Record> = (0..40).map(|i| Record::value(format!("{}", i % 4)).to(i % 2)).collect();
    produce(&sasl.servers, &input, &records);

    let tmp = tempfile::tempdir().unwrap();
    let progress_log = tmp.path().join("progress.jsonl");
    let checkpoint = tmp.path().join("checkpoint");
    let spark = Session::builder()
        .workers(2)
        .config(sluice::METRICS_ADDR, "0")
        .config(sluice::PROGRESS_LOG, progress_log.display())
        .build()
        .unwrap();
    // The source takes Spark's JAAS form, the sink librdkafka's own options.
    let jaas = format!(r#"{SCRAM_MODULE} required username="{user}" password="{password}";"#);
    let mut reader =
        spark.read_stream().format("kafka").option("subscribe", &input).option("startingOffsets", "earliest");
    for (k, v) in &without(&sasl, &["kafka.sasl.username", "kafka.sasl.password"]) {
        reader = reader.option(k, v);
    }
    let df = reader
        .option("kafka.sasl.jaas.config", &jaas)
        .load(None)
        .unwrap()
        .select_expr(["cast(value AS string) AS v"])
        .group_by(["v"])
        .count()
        .select_expr(["v AS key", "cast(count AS string) AS value"]);
    let explained = df.explain_string();
    let mut writer = df
        .write_stream()
        .format("kafka")
        .option("topic", &output)
        .output_mode("update")
        .option("checkpointLocation", checkpoint.display());
    for (k, v) in &sasl.options {
        writer = writer.option(k, v);
    }
    let q = writer.start().unwrap();
    q.process_all_available().unwrap();
    let addr = spark.metrics_address().unwrap();
    let progress = http_get(addr, "/progress");
    let metrics = http_get(addr, "/metrics");
    let page = http_get(addr, "/");
    let last = q.last_progress().unwrap().json();
    let status = format!("{:?}", q.status());
    let query_explain = q.explain();
    q.stop().unwrap();
    let written: Vec<String> = read_all(&sasl.servers, &output)
        .into_iter()
        .map(|r| String::from_utf8(r.value.unwrap()).unwrap())
        .collect();
    assert!(written.iter().any(|v| v == "10"), "the query ran over SASL_SSL: {written:?}");

    assert!(progress.contains(&input), "{progress}");
    for (what, text) in [
        ("/progress", &progress),
        ("/metrics", &metrics),
        ("the metrics page", &page),
        ("lastProgress", &last),
        ("status", &status),
        ("explain()", &explained),
        ("the query's explain", &query_explain),
        ("the progress log", &std::fs::read_to_string(&progress_log).unwrap()),
    ] {
        assert_no_secret(&password, what, text);
    }
    let checkpoint_files = files_under(&checkpoint);
    assert!(checkpoint_files.iter().any(|(p, _)| p.ends_with("metadata")), "{checkpoint_files:?}");
    assert!(checkpoint_files.iter().any(|(p, _)| p.contains("offsets")), "{checkpoint_files:?}");
    for (path, text) in &checkpoint_files {
        assert_no_secret(&password, path, text);
    }

    // SET shows a secret config redacted, as Spark does.
    spark.sql(&format!("SET spark.sluice.test.password = {password}")).unwrap();
    let shown = format!("{:?}", spark.sql("SET").unwrap().collect().unwrap());
    assert!(shown.contains("spark.sluice.test.password") && shown.contains("*********(redacted)"), "{shown}");
    assert_no_secret(&password, "SET", &shown);

    // Errors: an option librdkafka does not know, holding a secret, and a Java trust store.
    let e = spark
        .read_stream()
        .format("kafka")
        .option("kafka.bootstrap.servers", &sasl.servers)
        .option("subscribe", &input)
        .option("kafka.sasl.oauthbearer.secret.unknown", &password)
        .load(None)
        .and_then(|df| {
            df.write_stream()
                .format("memory")
                .query_name("bad")
                .start()
                .and_then(|q| q.process_all_available())
        })
        .unwrap_err()
        .to_string();
    assert!(e.contains("sasl.oauthbearer.secret.unknown"), "{e}");
    assert_no_secret(&password, "an unknown option's error", &e);
    let e = spark
        .read_stream()
        .format("kafka")
        .option("kafka.bootstrap.servers", &sasl.servers)
        .option("subscribe", &input)
        .option("kafka.ssl.truststore.password", &password)
        .load(None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("kafka.ssl.ca.location"), "{e}");
    assert_no_secret(&password, "the trust store error", &e);
}

#[test]
fn the_cli_keeps_secrets_out_of_its_output_and_says_why_a_login_failed() {
    let Some(sasl) = sasl_tls_broker() else { return };
    let password = sasl.option("kafka.sasl.password");
    let (input, output) = (unique_topic("cli-secret-in"), unique_topic("cli-secret-out"));
    create_topic(&sasl.servers, &input, 1);
    create_topic(&sasl.servers, &output, 1);
    produce(&sasl.servers, &input, &(0..10).map(|i| Record::value(format!("{}", i % 2))).collect::<Vec<_>>());
    let tmp = tempfile::tempdir().unwrap();
    let with = |options: &[(String, String)]| {
        options.iter().map(|(k, v)| format!("'{k}' = '{v}'")).collect::<Vec<_>>().join(", ")
    };
    let script = |options: &[(String, String)]| {
        format!(
            "CREATE TABLE events WITH (connector = 'kafka', {}, subscribe = '{input}', startingOffsets = 'earliest', 'kafkaConsumer.pollTimeoutMs' = '20000');\n\
             CREATE TABLE counts WITH (connector = 'kafka', {}, topic = '{output}', outputMode = 'complete');\n\
             EXPLAIN INSERT INTO counts SELECT cast(value AS string) AS key, cast(count(*) AS string) AS value FROM events GROUP BY value;\n\
             INSERT INTO counts SELECT cast(value AS string) AS key, cast(count(*) AS string) AS value FROM events GROUP BY value;\n",
            with(options),
            with(options)
        )
    };
    let run = |name: &str, text: String| {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        let progress = tmp.path().join(format!("{name}.progress"));
        let out = std::process::Command::new(common::sluice_bin())
            .args(["run", path.to_str().unwrap(), "--trigger", "available-now", "-w", "2"])
            .arg("--checkpoint")
            .arg(tmp.path().join(format!("{name}.checkpoint")))
            .arg("--progress-log")
            .arg(&progress)
            .output()
            .unwrap();
        let progress = std::fs::read_to_string(&progress).unwrap_or_default();
        (out, progress)
    };
    let (out, progress) = run("good.sql", script(&sasl.options));
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("KafkaV2") || stdout.contains("Kafka"), "EXPLAIN printed the plan: {stdout}");
    assert!(!progress.is_empty());
    assert_eq!(read_all(&sasl.servers, &output).len(), 2, "two keys written");
    for (what, text) in
        [("stdout", stdout.as_ref()), ("stderr", stderr.as_ref()), ("the progress log", &progress)]
    {
        assert_no_secret(&password, what, text);
    }
    for (path, text) in files_under(&tmp.path().join("good.sql.checkpoint")) {
        assert_no_secret(&password, &path, &text);
    }

    let wrong = "wrong-pw-81c3";
    let (out, _) = run("wrong.sql", script(&with_option(&sasl, "kafka.sasl.password", wrong)));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("SASL authentication failed") && stderr.contains(&sasl.servers), "{stderr}");
    assert_no_secret(wrong, "the failed run's stderr", &stderr);
    assert_no_secret(wrong, "the failed run's stdout", &String::from_utf8_lossy(&out.stdout));
}
