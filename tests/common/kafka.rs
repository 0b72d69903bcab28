//! A real Kafka-protocol broker for the tests: topics, producing, reading back.
//!
//! `scripts/test.sh` starts a fresh tansu broker and exports its address as
//! `SLUICE_KAFKA`. Without it a Kafka test skips with a message, except under CI
//! (`CI` set), where a missing broker fails the test.

use rdkafka::admin::{AdminClient, AdminOptions, NewPartitions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use std::path::{Path, PathBuf};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

/// The broker's address, or `None` (with a message) when no broker runs outside CI.
pub fn broker() -> Option<String> {
    match std::env::var("SLUICE_KAFKA") {
        Ok(a) if !a.is_empty() => Some(a),
        _ if std::env::var_os("CI").is_some() => {
            panic!("SLUICE_KAFKA is not set under CI: run the tests with scripts/test.sh, which starts the broker")
        }
        _ => {
            eprintln!("skipping: no Kafka broker (SLUICE_KAFKA unset); scripts/test.sh starts one");
            None
        }
    }
}

/// A broker the tests reach over TLS (and SASL): its address and the `kafka.*` options a
/// Sluice source or sink needs to reach it.
#[derive(Clone, Debug)]
pub struct SecureBroker {
    pub servers: String,
    pub options: Vec<(String, String)>,
}

impl SecureBroker {
    /// The value of option `key` (it is set).
    pub fn option(&self, key: &str) -> String {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{key} is set"))
    }
}

fn secure_broker(var: &str, ca_var: &str, sasl: bool) -> Option<SecureBroker> {
    let servers = match std::env::var(var) {
        Ok(a) if !a.is_empty() => a,
        _ if std::env::var_os("CI").is_some() => {
            panic!("{var} is not set under CI: run the tests with scripts/test.sh, which starts the broker")
        }
        _ => {
            eprintln!("skipping: no TLS Kafka broker ({var} unset); scripts/test.sh starts one");
            return None;
        }
    };
    let env = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is set with {var}"));
    let mut options = vec![
        ("kafka.bootstrap.servers".to_string(), servers.clone()),
        ("kafka.security.protocol".to_string(), if sasl { "SASL_SSL" } else { "SSL" }.to_string()),
        ("kafka.ssl.ca.location".to_string(), env(ca_var)),
    ];
    if !sasl {
        // This broker wants a client certificate signed by its CA, made beside it.
        let dir = Path::new(&options[2].1).parent().expect("the CA's folder").to_path_buf();
        options.push(("kafka.ssl.certificate.location".into(), dir.join("client.pem").display().to_string()));
        options.push(("kafka.ssl.key.location".into(), dir.join("client.key").display().to_string()));
    }
    if sasl {
        options.push(("kafka.sasl.mechanism".into(), "SCRAM-SHA-512".into()));
        options.push(("kafka.sasl.username".into(), env("SLUICE_KAFKA_SASL_USER")));
        options.push(("kafka.sasl.password".into(), env("SLUICE_KAFKA_SASL_PASSWORD")));
    }
    Some(SecureBroker { servers, options })
}

/// The broker behind TLS (`SLUICE_KAFKA_TLS`), or `None` (with a message) outside CI.
pub fn tls_broker() -> Option<SecureBroker> {
    secure_broker("SLUICE_KAFKA_TLS", "SLUICE_KAFKA_TLS_CA", false)
}

/// The broker behind TLS requiring SASL/SCRAM (`SLUICE_KAFKA_SASL_TLS`).
pub fn sasl_tls_broker() -> Option<SecureBroker> {
    secure_broker("SLUICE_KAFKA_SASL_TLS", "SLUICE_KAFKA_SASL_TLS_CA", true)
}

/// A client of `servers`, with the TLS and SASL settings when it is one of the secure
/// brokers, so that every helper here works with those too.
fn client(servers: &str) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", servers);
    for secure in [
        ("SLUICE_KAFKA_TLS", "SLUICE_KAFKA_TLS_CA", false),
        ("SLUICE_KAFKA_SASL_TLS", "SLUICE_KAFKA_SASL_TLS_CA", true),
    ] {
        if std::env::var(secure.0).is_ok_and(|a| a == servers) {
            for (k, v) in secure_broker(secure.0, secure.1, secure.2).into_iter().flat_map(|b| b.options) {
                c.set(k.trim_start_matches("kafka."), v);
            }
        }
    }
    c
}

/// A topic name no other test (or run) uses.
pub fn unique_topic(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

fn admin(servers: &str) -> AdminClient<DefaultClientContext> {
    client(servers).create().expect("admin client")
}

/// Creates `topic` with `partitions` partitions and waits until its metadata shows them.
pub fn create_topic(servers: &str, topic: &str, partitions: i32) {
    let results = futures_executor::block_on(admin(servers).create_topics(
        &[NewTopic::new(topic, partitions, TopicReplication::Fixed(1))],
        &AdminOptions::new().operation_timeout(Some(TIMEOUT)),
    ))
    .expect("create_topics request");
    for r in results {
        r.unwrap_or_else(|(t, e)| panic!("cannot create topic {t}: {e}"));
    }
    wait_for_partitions(servers, topic, partitions);
}

/// Grows `topic` to `total` partitions; `false` when the broker does not support
/// CreatePartitions (tansu 0.6 does not).
pub fn add_partitions(servers: &str, topic: &str, total: usize) -> bool {
    let request = futures_executor::block_on(
        admin(servers).create_partitions(&[NewPartitions::new(topic, total)], &AdminOptions::new()),
    );
    match request {
        Err(e) if e.to_string().contains("UnsupportedFeature") => return false,
        Err(e) => panic!("create_partitions request: {e}"),
        Ok(results) => {
            for r in results {
                r.unwrap_or_else(|(t, e)| panic!("cannot add partitions to {t}: {e}"));
            }
        }
    }
    wait_for_partitions(servers, topic, total as i32);
    true
}

/// Deletes `topic` if it exists, best effort (cleaning up after a test).
pub fn drop_topic(servers: &str, topic: &str) {
    let _ = futures_executor::block_on(admin(servers).delete_topics(&[topic], &AdminOptions::new()));
}

/// Deletes `topic` (one per request: the broker's limit).
pub fn delete_topic(servers: &str, topic: &str) {
    let results = futures_executor::block_on(admin(servers).delete_topics(&[topic], &AdminOptions::new()))
        .expect("delete_topics request");
    for r in results {
        r.unwrap_or_else(|(t, e)| panic!("cannot delete topic {t}: {e}"));
    }
}

fn wait_for_partitions(servers: &str, topic: &str, partitions: i32) {
    let c: BaseConsumer = client(servers).create().expect("consumer");
    for _ in 0..100 {
        if let Ok(m) = c.fetch_metadata(Some(topic), TIMEOUT) {
            if m.topics().iter().any(|t| t.error().is_none() && t.partitions().len() as i32 == partitions) {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("topic {topic} never showed {partitions} partitions");
}

/// One record to produce.
#[derive(Clone, Debug, Default)]
pub struct Record {
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub partition: Option<i32>,
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Record {
    pub fn value(v: impl AsRef<[u8]>) -> Record {
        Record { value: Some(v.as_ref().to_vec()), ..Default::default() }
    }
    pub fn to(mut self, partition: i32) -> Record {
        self.partition = Some(partition);
        self
    }
    pub fn key(mut self, k: impl AsRef<[u8]>) -> Record {
        self.key = Some(k.as_ref().to_vec());
        self
    }
}

/// Produces `records` to `topic` and waits until the broker acknowledged all of them.
pub fn produce(servers: &str, topic: &str, records: &[Record]) {
    let producer: BaseProducer =
        client(servers).set("enable.idempotence", "true").set("linger.ms", "5").create().expect("producer");
    for r in records {
        let mut rec: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(topic);
        if let Some(v) = &r.value {
            rec = rec.payload(v.as_slice());
        }
        if let Some(k) = &r.key {
            rec = rec.key(k.as_slice());
        }
        if let Some(p) = r.partition {
            rec = rec.partition(p);
        }
        if !r.headers.is_empty() {
            let mut h = OwnedHeaders::new();
            for (k, v) in &r.headers {
                h = h.insert(Header { key: k, value: Some(v.as_slice()) });
            }
            rec = rec.headers(h);
        }
        let mut rec = rec;
        loop {
            match producer.send(rec) {
                Ok(()) => break,
                Err((_, back)) => {
                    rec = back;
                    producer.poll(Duration::from_millis(20));
                }
            }
        }
        producer.poll(Duration::ZERO);
    }
    producer.flush(TIMEOUT).expect("every record acknowledged");
}

/// A record read back.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReadRecord {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// Every record of `topic` now, partition by partition in offset order.
pub fn read_all(servers: &str, topic: &str) -> Vec<ReadRecord> {
    let c: BaseConsumer = client(servers)
        .set("group.id", format!("sluice-test-{}", uuid::Uuid::new_v4()))
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let meta = c.fetch_metadata(Some(topic), TIMEOUT).expect("metadata");
    let parts: Vec<i32> = meta.topics()[0].partitions().iter().map(|p| p.id()).collect();
    let mut tpl = TopicPartitionList::new();
    let mut remaining = 0i64;
    let mut ends = std::collections::BTreeMap::new();
    for p in &parts {
        let (low, high) = c.fetch_watermarks(topic, *p, TIMEOUT).expect("watermarks");
        if high > low {
            tpl.add_partition_offset(topic, *p, Offset::Offset(low)).expect("assign");
            remaining += high - low;
            ends.insert(*p, high);
        }
    }
    let mut out = Vec::new();
    if remaining == 0 {
        return out;
    }
    c.assign(&tpl).expect("assign");
    let deadline = std::time::Instant::now() + TIMEOUT;
    while (out.len() as i64) < remaining && std::time::Instant::now() < deadline {
        if let Some(Ok(m)) = c.poll(Duration::from_millis(100)) {
            if m.offset() < ends[&m.partition()] {
                out.push(ReadRecord {
                    partition: m.partition(),
                    offset: m.offset(),
                    key: m.key().map(<[u8]>::to_vec),
                    value: m.payload().map(<[u8]>::to_vec),
                    headers: m
                        .headers()
                        .map(|h| h.iter().map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec))).collect())
                        .unwrap_or_default(),
                });
            }
        }
    }
    assert_eq!(out.len() as i64, remaining, "read back every record of {topic}");
    out.sort();
    out
}

/// A private broker (for tests that stop and restart it), on its own port and folder.
pub struct PrivateBroker {
    pub dir: PathBuf,
    pub port: u16,
}

impl PrivateBroker {
    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/kafka-broker.sh")
    }

    /// Starts one on a free port, or `None` when tansu is not installed (outside CI).
    pub fn start() -> Option<PrivateBroker> {
        broker()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let dir =
            std::env::temp_dir().join(format!("sluice-private-kafka-{}", uuid::Uuid::new_v4().simple()));
        let b = PrivateBroker { dir, port };
        b.resume();
        Some(b)
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Stops the broker process (its data stays).
    pub fn stop(&self) {
        let ok =
            std::process::Command::new(Self::script()).arg("stop").arg(&self.dir).status().expect("stop");
        assert!(ok.success());
    }

    /// Starts it again on the same port and data.
    pub fn resume(&self) {
        let ok = std::process::Command::new(Self::script())
            .arg("start")
            .arg(&self.dir)
            .arg(self.port.to_string())
            .stdout(std::process::Stdio::null())
            .status()
            .expect("start");
        assert!(ok.success(), "private broker did not start");
    }
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
