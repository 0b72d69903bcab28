//! Kafka throughput against the real broker (tansu), reported as rows per second:
//!
//! 1. a pre-filled topic of 1,000,000 JSON activity records (3 partitions) through
//!    `from_json` and a group-by count to a memory sink (AvailableNow);
//! 2. a generated stream (`rate` with `numRows`) through `to_json(struct(*))` to the
//!    Kafka sink.
//!
//! The broker's own produce and fetch rates are printed first, for scale: with tansu on
//! SQLite they, not Sluice, bound both numbers.
//!
//! `SLUICE_KAFKA=127.0.0.1:9092 cargo bench --bench kafka [-- ROWS WORKERS]`; without
//! `SLUICE_KAFKA` it starts a private broker (tansu must be installed:
//! `scripts/kafka-broker.sh install`).

#[path = "../tests/common/kafka.rs"]
#[allow(dead_code)]
mod kafka;

use sluice::{Session, Trigger};
use std::time::{Duration, Instant};

fn activity_lines(n: usize) -> Vec<String> {
    let dir = std::env::var("SLUICE_SHARED").unwrap_or_else(|_| "../shared".into());
    let dir = std::path::Path::new(&dir).join("data/activity-data-synth");
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).expect("shared data").map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut one_pass = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        one_pass.extend(text.lines().filter(|l| !l.trim().is_empty()).map(String::from));
    }
    one_pass.iter().cycle().take(n).cloned().collect()
}

/// Records one plain consumer reads from the start of `topic` within `budget`, and the time taken.
fn plain_consumer_rate(servers: &str, topic: &str, budget: Duration) -> (u64, f64) {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let c: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", servers)
        .set("group.id", "sluice-bench-plain")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let meta = c.fetch_metadata(Some(topic), Duration::from_secs(10)).expect("metadata");
    let mut tpl = rdkafka::TopicPartitionList::new();
    for p in meta.topics()[0].partitions() {
        tpl.add_partition_offset(topic, p.id(), rdkafka::Offset::Beginning).expect("partition");
    }
    c.assign(&tpl).expect("assign");
    let (start, mut n) = (Instant::now(), 0u64);
    while start.elapsed() < budget {
        if let Some(Ok(_)) = c.poll(Duration::from_millis(100)) {
            n += 1;
        }
    }
    (n, start.elapsed().as_secs_f64())
}

fn main() -> sluice::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let rows: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let workers: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2);
    let private;
    let servers = match std::env::var("SLUICE_KAFKA") {
        Ok(s) if !s.is_empty() => s,
        _ => {
            std::env::set_var("SLUICE_KAFKA", "private");
            private = kafka::PrivateBroker::start().expect("a private broker");
            private.address()
        }
    };
    let topic = kafka::unique_topic("bench-in");
    kafka::create_topic(&servers, &topic, 3);
    let lines = activity_lines(rows);
    let records: Vec<kafka::Record> =
        lines.iter().enumerate().map(|(i, l)| kafka::Record::value(l).to((i % 3) as i32)).collect();
    let t = Instant::now();
    kafka::produce(&servers, &topic, &records);
    let fill = t.elapsed().as_secs_f64();
    println!("fill (test producer): {rows} records in {fill:.2} s = {:.0} rows/s", rows as f64 / fill);
    drop(records);
    // The broker's own read rate, for scale: one plain librdkafka consumer of the same
    // topic, for at most 30 s.
    let (plain, secs) = plain_consumer_rate(&servers, &topic, Duration::from_secs(30));
    println!(
        "plain consumer (one, all partitions): {plain} records in {secs:.2} s = {:.0} rows/s",
        plain as f64 / secs
    );

    let spark = Session::builder().workers(workers).build()?;
    spark
        .read_stream()
        .format("kafka")
        .option("kafka.bootstrap.servers", &servers)
        .option("subscribe", &topic)
        .option("startingOffsets", "earliest")
        .load(None)?
        .create_or_replace_temp_view("events")?;
    let t = Instant::now();
    let q = spark
        .sql_stream(
            "SELECT e.gt, count(*) AS n FROM \
             (SELECT from_json(cast(value AS string), 'gt STRING, x DOUBLE') AS e FROM events) GROUP BY e.gt",
        )?
        .write_stream()
        .format("memory")
        .query_name("counts")
        .output_mode("complete")
        .trigger(Trigger::AvailableNow)
        .start()?;
    q.await_termination()?;
    let secs = t.elapsed().as_secs_f64();
    let read: u64 = q.recent_progress().iter().map(|p| p.num_input_rows).sum();
    assert_eq!(read as usize, rows, "every record read");
    println!(
        "kafka source -> from_json -> group-by count -> memory ({workers} workers): {read} rows in {secs:.2} s = {:.0} rows/s",
        read as f64 / secs
    );

    let out = kafka::unique_topic("bench-out");
    kafka::create_topic(&servers, &out, 3);
    let t = Instant::now();
    let q = spark
        .read_stream()
        .format("rate")
        .option("rowsPerSecond", "0")
        .option("numRows", rows)
        .option("rowsPerBatch", 100_000)
        .load(None)?
        .select_expr(["to_json(struct(*)) AS value"])
        .write_stream()
        .format("kafka")
        .option("kafka.bootstrap.servers", &servers)
        .option("topic", &out)
        .trigger(Trigger::AvailableNow)
        .start()?;
    q.await_termination()?;
    let secs = t.elapsed().as_secs_f64();
    let written: u64 = q.recent_progress().iter().map(|p| p.num_input_rows).sum();
    println!(
        "rate -> to_json(struct(*)) -> kafka sink ({workers} workers): {written} rows in {secs:.2} s = {:.0} rows/s",
        written as f64 / secs
    );
    Ok(())
}
