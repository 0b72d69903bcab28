//! The Kafka source and sink against a real broker (tansu, started by scripts/test.sh).
//! Each test uses its own topics; a test without a broker skips outside CI.

mod common;

use common::kafka::{
    add_partitions, broker, create_topic, delete_topic, drop_topic, produce, read_all, sasl_tls_broker,
    tls_broker, unique_topic, PrivateBroker, Record,
};
use sluice::{DataType, Session, StreamingQuery, Value};
use std::collections::BTreeMap;
use std::time::Duration;

fn session(workers: usize) -> Session {
    Session::builder().workers(workers).build().unwrap()
}

fn kafka_stream(
    spark: &Session,
    servers: &str,
    options: &[(&str, &str)],
) -> sluice::Result<sluice::DataFrame> {
    let mut r = spark.read_stream().format("kafka").option("kafka.bootstrap.servers", servers);
    for (k, v) in options {
        r = r.option(k, v);
    }
    r.load(None)
}

/// Runs `sql` over the view `k` to a memory table `name` with AvailableNow and returns its rows.
fn available_now(spark: &Session, sql: &str, name: &str) -> (Vec<Vec<Value>>, StreamingQuery) {
    let q = spark
        .sql_stream(sql)
        .unwrap()
        .write_stream()
        .format("memory")
        .query_name(name)
        .trigger(sluice::Trigger::AvailableNow)
        .start()
        .unwrap();
    q.await_termination().unwrap();
    (spark.table(name).unwrap().collect().unwrap(), q)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Binary(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("not text: {other:?}"),
    }
}

/// 3 partitions holding `per_partition` records each, values `p<partition>-<i>`.
fn filled_topic(servers: &str, prefix: &str, per_partition: &[usize]) -> String {
    let topic = unique_topic(prefix);
    create_topic(servers, &topic, per_partition.len() as i32);
    let mut records = Vec::new();
    for (p, &n) in per_partition.iter().enumerate() {
        for i in 0..n {
            records.push(Record::value(format!("p{p}-{i}")).key(format!("k{i}")).to(p as i32));
        }
    }
    produce(servers, &topic, &records);
    topic
}

#[test]
fn rows_have_sparks_schema_and_each_subscription_style_reads_its_partitions() {
    let Some(servers) = broker() else { return };
    let topic = filled_topic(&servers, "schema", &[4, 3, 2]);
    let spark = session(1);
    let df =
        kafka_stream(&spark, &servers, &[("subscribe", &topic), ("startingOffsets", "earliest")]).unwrap();
    let schema = df.schema().unwrap();
    let names: Vec<(&str, String)> =
        schema.fields.iter().map(|f| (f.name.as_str(), f.data_type.sql_name())).collect();
    assert_eq!(
        names,
        [
            ("key", "binary".to_string()),
            ("value", "binary".into()),
            ("topic", "string".into()),
            ("partition", "int".into()),
            ("offset", "bigint".into()),
            ("timestamp", "timestamp".into()),
            ("timestampType", "int".into()),
        ]
    );
    df.create_or_replace_temp_view("k").unwrap();
    let (rows, q) = available_now(
        &spark,
        "SELECT cast(key AS string), cast(value AS string), topic, partition, offset, timestamp, timestampType FROM k",
        "all_rows",
    );
    assert_eq!(rows.len(), 9);
    for r in &rows {
        let (p, off) = (r[3].as_i64().unwrap(), r[4].as_i64().unwrap());
        assert_eq!(text(&r[1]), format!("p{p}-{off}"), "value matches partition and offset");
        assert_eq!(text(&r[0]), format!("k{off}"));
        assert_eq!(text(&r[2]), topic);
        assert!(matches!(r[5], Value::Timestamp(t) if t > 1_600_000_000_000_000));
        assert_eq!(r[6], Value::Int(0), "CreateTime");
    }
    // Progress reports the offsets per partition, in Spark's JSON shape.
    let last = q.last_progress().unwrap();
    assert_eq!(last.sources[0].description, format!("KafkaV2[Subscribe[{topic}]]"));
    assert_eq!(last.sources[0].end_offset[&topic]["0"], 4);
    assert_eq!(last.sources[0].end_offset[&topic]["2"], 2);

    // assign: only the named partitions.
    let assign = format!("{{\"{topic}\":[0,2]}}");
    kafka_stream(&spark, &servers, &[("assign", &assign), ("startingOffsets", "earliest")])
        .unwrap()
        .create_or_replace_temp_view("k")
        .unwrap();
    let (rows, _) = available_now(&spark, "SELECT partition FROM k", "assigned");
    let mut parts: Vec<i64> = rows.iter().map(|r| r[0].as_i64().unwrap()).collect();
    parts.sort();
    assert_eq!(parts, [0, 0, 0, 0, 2, 2]);

    // subscribePattern: every matching topic.
    let prefix = unique_topic("pat");
    let (a, b) = (format!("{prefix}-a"), format!("{prefix}-b"));
    create_topic(&servers, &a, 1);
    create_topic(&servers, &b, 2);
    produce(&servers, &a, &[Record::value("a1"), Record::value("a2")]);
    produce(&servers, &b, &[Record::value("b1").to(1)]);
    kafka_stream(
        &spark,
        &servers,
        &[("subscribePattern", &format!("{prefix}-.*")), ("startingOffsets", "earliest")],
    )
    .unwrap()
    .create_or_replace_temp_view("k")
    .unwrap();
    let (rows, _) = available_now(&spark, "SELECT topic, cast(value AS string) AS v FROM k", "pattern");
    let mut got: Vec<(String, String)> = rows.iter().map(|r| (text(&r[0]), text(&r[1]))).collect();
    got.sort();
    assert_eq!(got, [(a.clone(), "a1".into()), (a, "a2".into()), (b, "b1".into())]);
}

#[test]
fn subscription_and_consumer_options_are_checked_as_spark_checks_them() {
    let spark = session(1);
    let servers = "127.0.0.1:1";
    let err = |opts: &[(&str, &str)]| kafka_stream(&spark, servers, opts).unwrap_err().to_string();
    assert!(err(&[]).contains("assign, subscribe, subscribePattern"));
    assert!(err(&[("subscribe", "a"), ("assign", "{\"a\":[0]}")]).contains("given: assign, subscribe"));
    assert!(err(&[("subscribe", "a"), ("kafka.group.id", "g")]).contains("'kafka.group.id' is not supported"));
    assert!(err(&[("subscribe", "a"), ("kafka.auto.offset.reset", "earliest")]).contains("startingOffsets"));
    assert!(err(&[("subscribe", "a"), ("endingOffsets", "latest")]).contains("not valid in streaming"));
    let e = spark.read_stream().format("kafka").option("subscribe", "a").load(None).unwrap_err().to_string();
    assert!(e.contains("kafka.bootstrap.servers"), "{e}");
    let batch =
        spark.read().format("kafka").option("kafka.bootstrap.servers", servers).option("subscribe", "a");
    let e = batch.clone().option("startingOffsets", "latest").load(None).unwrap_err().to_string();
    assert!(e.contains("can't be latest"), "{e}");
}

#[test]
fn starting_offsets_in_every_form_and_ending_offsets_for_batch_reads() {
    let Some(servers) = broker() else { return };
    let topic = filled_topic(&servers, "offsets", &[10, 10, 10]);
    let spark = session(2);
    let values = |rows: &[Vec<Value>]| {
        let mut v: Vec<String> = rows.iter().map(|r| text(&r[0])).collect();
        v.sort();
        v
    };
    // JSON: partition 0 from offset 7, partition 1 earliest (-2), partition 2 latest (-1).
    let json = format!("{{\"{topic}\":{{\"0\":7,\"1\":-2,\"2\":-1}}}}");
    kafka_stream(&spark, &servers, &[("subscribe", &topic), ("startingOffsets", &json)])
        .unwrap()
        .create_or_replace_temp_view("k")
        .unwrap();
    let (rows, _) = available_now(&spark, "SELECT cast(value AS string) FROM k", "json_start");
    let mut expected: Vec<String> =
        (7..10).map(|i| format!("p0-{i}")).chain((0..10).map(|i| format!("p1-{i}"))).collect();
    expected.sort();
    assert_eq!(values(&rows), expected);

    // latest (the streaming default): only records produced after the query started.
    let q = kafka_stream(&spark, &servers, &[("subscribe", &topic)])
        .unwrap()
        .select_expr(["cast(value AS string) AS v"])
        .write_stream()
        .format("memory")
        .query_name("latest_start")
        .start()
        .unwrap();
    q.process_all_available().unwrap();
    produce(&servers, &topic, &[Record::value("new-1").to(1), Record::value("new-2").to(2)]);
    let mut seen = Vec::new();
    for _ in 0..100 {
        q.process_all_available().unwrap();
        seen = values(&spark.table("latest_start").unwrap().collect().unwrap());
        if seen.len() >= 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    q.stop().unwrap();
    assert_eq!(seen, ["new-1", "new-2"]);

    // Batch read: earliest (default) to the JSON ending offsets (-1 = latest).
    let ending = format!("{{\"{topic}\":{{\"0\":3,\"1\":-1,\"2\":1}}}}");
    let rows = spark
        .read()
        .format("kafka")
        .option("kafka.bootstrap.servers", &servers)
        .option("subscribe", &topic)
        .option("endingOffsets", &ending)
        .load(None)
        .unwrap()
        .select_expr(["cast(value AS string)"])
        .collect()
        .unwrap();
    let mut expected: Vec<String> = (0..3)
        .map(|i| format!("p0-{i}"))
        .chain((0..10).map(|i| format!("p1-{i}")))
        .chain(["new-1".to_string(), "p2-0".to_string()])
        .collect();
    expected.sort();
    assert_eq!(values(&rows), expected);
}

#[test]
fn max_offsets_per_trigger_splits_batches_in_proportion_to_backlog() {
    let Some(servers) = broker() else { return };
    let topic = filled_topic(&servers, "maxoff", &[60, 30, 0]);
    let spark = session(2);
    kafka_stream(
        &spark,
        &servers,
        &[("subscribe", &topic), ("startingOffsets", "earliest"), ("maxOffsetsPerTrigger", "30")],
    )
    .unwrap()
    .create_or_replace_temp_view("k")
    .unwrap();
    let (rows, q) = available_now(&spark, "SELECT partition, offset FROM k", "limited");
    assert_eq!(rows.len(), 90);
    let progress = q.recent_progress();
    let sizes: Vec<u64> = progress.iter().map(|p| p.num_input_rows).collect();
    assert_eq!(sizes, [30, 30, 30]);
    // The first batch takes 2/3 of the limit from partition 0 and 1/3 from partition 1.
    let first = &progress[0].sources[0];
    assert_eq!(first.end_offset[&topic]["0"], 20);
    assert_eq!(first.end_offset[&topic]["1"], 10);
    assert_eq!(first.end_offset[&topic]["2"], 0);
    assert_eq!(progress[1].sources[0].start_offset, first.end_offset);
    assert_eq!(first.latest_offset[&topic]["0"], 60);
    // Spark's Kafka metrics: offsets behind latest per partition, after each batch.
    let behind = |p: &sluice::progress::StreamingQueryProgress| {
        let m = &p.sources[0].metrics;
        ["minOffsetsBehindLatest", "maxOffsetsBehindLatest", "avgOffsetsBehindLatest"].map(|k| m[k].clone())
    };
    assert_eq!(behind(&progress[0]), ["0", "40", "20.0"], "partitions 40, 20 and 0 behind after batch 0");
    assert_eq!(behind(&progress[2]), ["0", "0", "0.0"]);
    // The bounded run reports its offsets read out of its backlog (the CLI's progress bar).
    let backlog: Vec<(String, String)> = progress
        .iter()
        .map(|p| {
            (p.sources[0].metrics["numOffsetsRead"].clone(), p.sources[0].metrics["numOffsetsTotal"].clone())
        })
        .collect();
    let expected: Vec<(String, String)> =
        [30, 60, 90].iter().map(|n| (n.to_string(), "90".to_string())).collect();
    assert_eq!(backlog, expected);
    // The CLI prints it on each status line.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("backlog.sql");
    std::fs::write(
        &script,
        format!(
            "CREATE TABLE k WITH (connector = 'kafka', 'kafka.bootstrap.servers' = '{servers}', subscribe = '{topic}',
               startingOffsets = 'earliest', maxOffsetsPerTrigger = '30');
             CREATE TABLE n WITH (connector = 'console', outputMode = 'complete');
             INSERT INTO n SELECT count(*) AS n FROM k;\n"
        ),
    )
    .unwrap();
    let out = std::process::Command::new(common::sluice_bin())
        .args(["run", script.to_str().unwrap(), "--trigger", "available-now"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for seen in ["offsets 30/90", "offsets 60/90", "offsets 90/90"] {
        assert!(stderr.contains(seen), "stderr lacks `{seen}`: {stderr}");
    }
}

#[test]
fn new_partitions_and_new_topics_are_read_from_their_earliest_offset() {
    let Some(servers) = broker() else { return };
    let prefix = unique_topic("grow");
    let first = format!("{prefix}-1");
    create_topic(&servers, &first, 1);
    produce(&servers, &first, &[Record::value("a")]);
    let spark = session(2);
    let q = kafka_stream(
        &spark,
        &servers,
        &[("subscribePattern", &format!("{prefix}-.*")), ("startingOffsets", "earliest")],
    )
    .unwrap()
    .select_expr(["topic", "partition", "cast(value AS string) AS v"])
    .write_stream()
    .format("memory")
    .query_name("grow")
    .start()
    .unwrap();
    q.process_all_available().unwrap();
    // tansu 0.6 has no CreatePartitions: there a new partition is checked through a new
    // topic's partitions only (the planner finds both the same way, from metadata).
    let grew = add_partitions(&servers, &first, 2);
    if grew {
        produce(&servers, &first, &[Record::value("b").to(1)]);
    } else {
        eprintln!("note: the broker does not support CreatePartitions; checking new topics only");
    }
    let second = format!("{prefix}-2");
    create_topic(&servers, &second, 1);
    produce(&servers, &second, &[Record::value("c"), Record::value("d")]);
    let mut got = Vec::new();
    for _ in 0..100 {
        q.process_all_available().unwrap();
        got = spark
            .table("grow")
            .unwrap()
            .collect()
            .unwrap()
            .iter()
            .map(|r| (text(&r[0]), r[1].as_i64().unwrap(), text(&r[2])))
            .collect::<Vec<_>>();
        got.sort();
        if got.len() >= 3 + grew as usize {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    q.stop().unwrap();
    let mut expected = vec![(first.clone(), 0, "a".to_string())];
    if grew {
        expected.push((first, 1, "b".into()));
    }
    expected.extend([(second.clone(), 0, "c".into()), (second, 0, "d".into())]);
    assert_eq!(got.len(), expected.len(), "{got:?}");
    assert_eq!(got, expected);
}

/// True once a fresh client's metadata no longer lists `topic`.
fn wait_until_gone(servers: &str, topic: &str) {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    for _ in 0..100 {
        let c: BaseConsumer =
            rdkafka::ClientConfig::new().set("bootstrap.servers", servers).create().expect("consumer");
        let m = c.fetch_metadata(None, Duration::from_secs(10)).expect("metadata");
        if !m.topics().iter().any(|t| t.name() == topic) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{topic} was not deleted");
}

/// A deleted topic is data loss: the planner fails with `failOnDataLoss` (the default) and
/// warns and goes on without it otherwise. The broker's limit (close consumers before a
/// topic is deleted; librdkafka 2.12 also crashes on tansu's metadata answer for a deleted
/// topic it still caches) means the source is stopped before the deletion and resumed
/// from its offsets after it, as a query restarted from its checkpoint is.
#[test]
fn a_deleted_topic_is_data_loss_unless_fail_on_data_loss_is_false() {
    use sluice::connectors::kafka::{KafkaPlanner, KafkaSourceConfig};
    // A private broker: deleting a topic on tansu 0.6 can take other topics with it, which
    // must not disturb the tests running beside this one.
    let Some(private) = PrivateBroker::start() else { return };
    let servers = private.address();
    for fail in [true, false] {
        // Unrelated names: tansu 0.6 also dropped a topic whose name extends the deleted one's.
        let (doomed, kept) = (unique_topic("doomed"), unique_topic("kept"));
        create_topic(&servers, &doomed, 1);
        create_topic(&servers, &kept, 1);
        produce(&servers, &doomed, &[Record::value("x")]);
        produce(&servers, &kept, &[Record::value("y")]);
        let mut options = sluice::core::Options::new();
        options.set("kafka.bootstrap.servers", servers.as_str());
        options.set("subscribePattern", format!("{doomed}|{kept}"));
        options.set("startingOffsets", "earliest");
        options.set("failOnDataLoss", fail.to_string());
        let cfg = KafkaSourceConfig::from_options(&options, true).unwrap();
        let mut planner = KafkaPlanner::new(cfg.clone(), None).unwrap();
        let (ranges, _, end) = planner.next_batch().unwrap().expect("a first batch");
        let mut read: Vec<(String, i64, i64)> =
            ranges.iter().map(|r| (r.topic.to_string(), r.from, r.until)).collect();
        read.sort();
        let mut expected = vec![(doomed.clone(), 0, 1), (kept.clone(), 0, 1)];
        expected.sort();
        assert_eq!(read, expected);
        drop(planner);

        delete_topic(&servers, &doomed);
        wait_until_gone(&servers, &doomed);
        let mut resumed = KafkaPlanner::new(cfg, None).unwrap();
        resumed.restore(end);
        let planned = resumed.next_batch();
        if fail {
            let err = planned.expect_err("data loss fails the source").to_string();
            assert!(err.contains(&format!("Partition {doomed}-0 is gone")), "{err}");
            assert!(err.contains("failOnDataLoss"), "{err}");
        } else {
            assert!(planned.unwrap().is_none(), "nothing new to read, and no error");
            let position = resumed.position().expect("a position");
            assert!(!position.contains_key(&doomed), "{position:?}");
            let warnings = resumed.take_warnings();
            assert!(
                warnings.iter().any(|w| w.contains(&format!("Partition {doomed}-0 is gone"))),
                "{warnings:?}"
            );
        }
        drop(resumed);
        drop_topic(&servers, &kept);
    }
}

#[test]
fn headers_come_as_an_array_of_key_value_structs_and_go_back_out() {
    let Some(servers) = broker() else { return };
    let topic = unique_topic("headers");
    create_topic(&servers, &topic, 1);
    let mut r = Record::value("v1");
    r.headers = vec![("trace".into(), b"abc".to_vec()), ("n".into(), b"1".to_vec())];
    produce(&servers, &topic, &[r, Record::value("v2")]);
    let spark = session(1);
    let df = kafka_stream(
        &spark,
        &servers,
        &[("subscribe", &topic), ("startingOffsets", "earliest"), ("includeHeaders", "true")],
    )
    .unwrap();
    let schema = df.schema().unwrap();
    assert_eq!(schema.fields[7].name, "headers");
    assert_eq!(schema.fields[7].data_type.sql_name(), "array<struct<key:string,value:binary>>");
    df.create_or_replace_temp_view("k").unwrap();
    let (rows, _) = available_now(&spark, "SELECT cast(value AS string), headers FROM k", "headers");
    let mut by_value: BTreeMap<String, Value> = rows.iter().map(|r| (text(&r[0]), r[1].clone())).collect();
    let h = by_value.remove("v1").unwrap();
    let bin = |s: &str| Value::Binary(s.as_bytes().into());
    assert_eq!(
        h,
        Value::Array(
            vec![
                Value::Struct(vec![Value::string("trace"), bin("abc")].into()),
                Value::Struct(vec![Value::string("n"), bin("1")].into())
            ]
            .into()
        )
    );
    assert_eq!(by_value["v2"], Value::Array(Vec::new().into()));

    // The sink writes a headers column back as record headers.
    let out = unique_topic("headers-out");
    create_topic(&servers, &out, 1);
    let q = kafka_stream(
        &spark,
        &servers,
        &[("subscribe", &topic), ("startingOffsets", "earliest"), ("includeHeaders", "true")],
    )
    .unwrap()
    .select_expr(["value", "headers"])
    .write_stream()
    .format("kafka")
    .option("kafka.bootstrap.servers", &servers)
    .option("topic", &out)
    .trigger(sluice::Trigger::AvailableNow)
    .start()
    .unwrap();
    q.await_termination().unwrap();
    let back = read_all(&servers, &out);
    assert_eq!(back.len(), 2);
    let v1 = back.iter().find(|r| r.value.as_deref() == Some(b"v1".as_slice())).unwrap();
    assert_eq!(
        v1.headers,
        [("trace".to_string(), Some(b"abc".to_vec())), ("n".to_string(), Some(b"1".to_vec()))]
    );
}

#[test]
fn the_sink_needs_a_value_column_and_a_topic() {
    let spark = session(1);
    let df = spark.read_stream().format("rate").option("rowsPerSecond", "1").load(None).unwrap();
    let start = |df: sluice::DataFrame, topic: Option<&str>| {
        let mut w = df.write_stream().format("kafka").option("kafka.bootstrap.servers", "127.0.0.1:1");
        if let Some(t) = topic {
            w = w.option("topic", t);
        }
        w.start().map(|q| q.stop())
    };
    let e = start(df.select_expr(["timestamp"]), Some("t")).unwrap_err().to_string();
    assert!(e.contains("Required attribute 'value' not found"), "{e}");
    let e = start(df.select_expr(["cast(value AS string) AS value"]), None).unwrap_err().to_string();
    assert!(e.contains("topic option required"), "{e}");
    let e = start(df.select_expr(["value"]), Some("t")).unwrap_err().to_string();
    assert!(e.contains("value attribute type must be a string or binary"), "{e}");
}

/// The activity rows of one shared file, as JSON lines.
fn activity_lines(n: usize) -> Vec<String> {
    let dir = common::shared_dir().join("data/hhar-real-sample");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut lines = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        lines.extend(text.lines().filter(|l| !l.trim().is_empty()).map(String::from));
        if lines.len() >= n {
            break;
        }
    }
    lines.truncate(n);
    lines
}

/// JSON events → from_json → group-by → the Kafka sink, on the broker at `servers`
/// reached with the `kafka.*` options `security` (TLS, SASL) by the source and the sink.
fn end_to_end(workers: usize, servers: &str, security: &[(String, String)]) {
    let servers = servers.to_string();
    let lines = activity_lines(6000);
    let input = unique_topic("events");
    let output = unique_topic("counts");
    create_topic(&servers, &input, 3);
    create_topic(&servers, &output, 1);
    // The expected counts per (gt, model), computed here from the same lines.
    let mut expected: BTreeMap<(String, String), i64> = BTreeMap::new();
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let key = |k: &str| v[k].as_str().map(String::from).unwrap_or_else(|| "null".into());
        *expected.entry((key("gt"), key("Model"))).or_default() += 1;
    }
    let half = lines.len() / 2;
    let record = |(i, l): (usize, &String)| Record::value(l).to((i % 3) as i32);
    produce(&servers, &input, &lines[..half].iter().enumerate().map(record).collect::<Vec<_>>());

    let spark = session(workers);
    let mut source: Vec<(&str, &str)> = vec![("subscribe", &input), ("startingOffsets", "earliest")];
    source.extend(security.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    kafka_stream(&spark, &servers, &source).unwrap().create_or_replace_temp_view("events").unwrap();
    let mut writer = spark
        .sql_stream(
            "SELECT to_json(struct(gt, model, n)) AS value, concat(coalesce(gt, 'null'), '/', coalesce(model, 'null')) AS key \
             FROM (SELECT e.gt AS gt, e.Model AS model, count(*) AS n \
                   FROM (SELECT from_json(cast(value AS string), 'gt STRING, Model STRING, x DOUBLE') AS e FROM events) \
                   GROUP BY e.gt, e.Model)",
        )
        .unwrap()
        .write_stream()
        .format("kafka")
        .option("kafka.bootstrap.servers", &servers)
        .option("topic", &output)
        .output_mode("update");
    for (k, v) in security {
        writer = writer.option(k, v);
    }
    let q = writer.start().unwrap();
    q.process_all_available().unwrap();
    let second: Vec<Record> = lines[half..].iter().enumerate().map(|(i, l)| record((i + half, l))).collect();
    produce(&servers, &input, &second);
    let mut total = 0u64;
    for _ in 0..200 {
        q.process_all_available().unwrap();
        total = q.recent_progress().iter().map(|p| p.num_input_rows).sum();
        if total >= lines.len() as u64 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    q.stop().unwrap();
    assert_eq!(total, lines.len() as u64);
    // The last update of each key is its final count.
    let mut latest: BTreeMap<(String, String), i64> = BTreeMap::new();
    let records = read_all(&servers, &output);
    assert!(records.len() > expected.len(), "update mode wrote the changed groups of both batches");
    for r in records {
        let v: serde_json::Value = serde_json::from_slice(r.value.as_deref().unwrap()).unwrap();
        let key = String::from_utf8(r.key.unwrap()).unwrap();
        let gt = v["gt"].as_str().map(String::from).unwrap_or_else(|| "null".into());
        let model = v["model"].as_str().map(String::from).unwrap_or_else(|| "null".into());
        assert_eq!(key, format!("{gt}/{model}"));
        latest.insert((gt, model), v["n"].as_i64().unwrap());
    }
    assert_eq!(latest, expected);
}

#[test]
fn json_events_to_a_grouped_count_to_the_kafka_sink_in_update_mode() {
    let Some(servers) = broker() else { return };
    end_to_end(1, &servers, &[]);
}

#[test]
fn json_events_to_a_grouped_count_to_the_kafka_sink_with_two_workers() {
    let Some(servers) = broker() else { return };
    end_to_end(2, &servers, &[]);
}

#[test]
fn json_events_to_a_grouped_count_to_the_kafka_sink_over_tls() {
    let Some(tls) = tls_broker() else { return };
    end_to_end(2, &tls.servers, &tls.options);
}

#[test]
fn json_events_to_a_grouped_count_to_the_kafka_sink_over_sasl_ssl() {
    let Some(sasl) = sasl_tls_broker() else { return };
    end_to_end(2, &sasl.servers, &sasl.options);
}

#[test]
fn a_broker_restart_loses_no_acknowledged_record() {
    let Some(broker) = PrivateBroker::start() else { return };
    let servers = broker.address();
    let topic = unique_topic("restart");
    create_topic(&servers, &topic, 2);
    let batch = |from: usize, n: usize| -> Vec<Record> {
        (from..from + n).map(|i| Record::value(i.to_string()).to((i % 2) as i32)).collect()
    };
    produce(&servers, &topic, &batch(0, 100));
    let spark = session(2);
    let q = kafka_stream(&spark, &servers, &[("subscribe", &topic), ("startingOffsets", "earliest")])
        .unwrap()
        .select_expr(["cast(value AS string) AS v"])
        .write_stream()
        .format("memory")
        .query_name("restart")
        .start()
        .unwrap();
    q.process_all_available().unwrap();
    broker.stop();
    std::thread::sleep(Duration::from_secs(2));
    assert!(q.is_active(), "the query waits for the broker: {:?}", q.exception());
    broker.resume();
    produce(&servers, &topic, &batch(100, 100));
    let mut seen: Vec<i64> = Vec::new();
    for _ in 0..300 {
        if !q.is_active() {
            break;
        }
        seen = spark
            .table("restart")
            .unwrap()
            .collect()
            .unwrap()
            .iter()
            .map(|r| text(&r[0]).parse().unwrap())
            .collect();
        if seen.len() >= 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(q.is_active(), "the query resumed: {:?}", q.exception());
    q.stop().unwrap();
    seen.sort();
    assert_eq!(seen, (0..200).collect::<Vec<i64>>());
}

#[test]
fn cast_and_from_json_turn_payloads_into_columns() {
    let spark = session(1);
    let payload = Value::Binary(br#"{"a": 1, "b": ["x"]}"#.as_slice().into());
    spark
        .create_dataframe(vec![vec![payload]], sluice::Schema::parse_ddl("value BINARY").unwrap())
        .unwrap()
        .create_or_replace_temp_view("payloads")
        .unwrap();
    let rows = spark
        .sql("SELECT from_json(cast(value AS string), 'a INT, b ARRAY<STRING>') AS j FROM payloads")
        .unwrap()
        .select_expr(["j.a", "j.b"])
        .collect()
        .unwrap();
    assert_eq!(rows, [vec![Value::Int(1), Value::Array(vec![Value::string("x")].into())]]);
    let t = spark.sql("SELECT named_struct('k', 1) AS s FROM payloads").unwrap().schema().unwrap();
    assert_eq!(t.fields[0].data_type, DataType::Struct(vec![sluice::Field::new("k", DataType::Int)]));
}

#[test]
fn the_cli_reads_and_writes_kafka_tables() {
    let Some(servers) = broker() else { return };
    let lines = activity_lines(500);
    let (input, output) = (unique_topic("cli-in"), unique_topic("cli-out"));
    create_topic(&servers, &input, 3);
    create_topic(&servers, &output, 1);
    let records: Vec<Record> =
        lines.iter().enumerate().map(|(i, l)| Record::value(l).to((i % 3) as i32)).collect();
    produce(&servers, &input, &records);
    let mut expected: BTreeMap<String, i64> = BTreeMap::new();
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        *expected.entry(v["gt"].as_str().unwrap_or("null").to_string()).or_default() += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("kafka.sql");
    std::fs::write(
        &script,
        format!(
            "CREATE TABLE events WITH (connector = 'kafka', 'kafka.bootstrap.servers' = '{servers}', \
               subscribe = '{input}', startingOffsets = 'earliest');\n\
             CREATE TABLE counts WITH (connector = 'kafka', 'kafka.bootstrap.servers' = '{servers}', \
               topic = '{output}', outputMode = 'complete');\n\
             INSERT INTO counts SELECT gt AS key, cast(n AS string) AS value FROM \
               (SELECT e.gt AS gt, count(*) AS n FROM \
                 (SELECT from_json(cast(value AS string), 'gt STRING') AS e FROM events) GROUP BY e.gt);\n"
        ),
    )
    .unwrap();
    let out = std::process::Command::new(common::sluice_bin())
        .args(["run", script.to_str().unwrap(), "--trigger", "available-now", "-w", "2", "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: BTreeMap<String, i64> = read_all(&servers, &output)
        .into_iter()
        .map(|r| {
            let key = r.key.map(|k| String::from_utf8(k).unwrap()).unwrap_or_else(|| "null".into());
            (key, String::from_utf8(r.value.unwrap()).unwrap().parse().unwrap())
        })
        .collect();
    assert_eq!(got, expected);
}

/// The same through a query: it reads a topic, stops, the topic is deleted, and the query
/// restarted from its checkpoint fails with the data-loss error (or, with
/// `failOnDataLoss = false`, goes on).
#[test]
fn a_query_restarted_after_its_topic_was_deleted_fails_on_data_loss() {
    let Some(private) = PrivateBroker::start() else { return };
    let servers = private.address();
    for fail in [true, false] {
        let topic = unique_topic("restart-loss");
        create_topic(&servers, &topic, 1);
        produce(&servers, &topic, &[Record::value("x")]);
        let checkpoint = tempfile::tempdir().unwrap();
        let run = || {
            let spark = session(1);
            let q = kafka_stream(
                &spark,
                &servers,
                &[
                    ("subscribe", topic.as_str()),
                    ("startingOffsets", "earliest"),
                    ("failOnDataLoss", if fail { "true" } else { "false" }),
                ],
            )
            .unwrap()
            .select_expr(["cast(value AS string) AS v"])
            .write_stream()
            .format("memory")
            .query_name("loss")
            .option("checkpointLocation", checkpoint.path().to_str().unwrap())
            .trigger(sluice::Trigger::AvailableNow)
            .start()
            .unwrap();
            let ended = q.await_termination();
            (ended, spark.table("loss").ok().map(|t| t.collect().unwrap().len()))
        };
        let (first, rows) = run();
        first.unwrap();
        assert_eq!(rows, Some(1));
        delete_topic(&servers, &topic);
        wait_until_gone(&servers, &topic);
        let (second, _) = run();
        if fail {
            let err = second.expect_err("data loss fails the restarted query").to_string();
            assert!(err.contains(&format!("Partition {topic}-0 is gone")), "{err}");
        } else {
            second.expect("the query goes on without the deleted topic");
        }
    }
}

/// Complete mode to the Kafka sink with 2 workers: each worker keeps its groups' share of
/// the result table and writes all of it every batch; the shares come back from the
/// checkpoint, so a restarted query that sees new rows of one group still writes every
/// group, with counts over both runs.
#[test]
fn complete_mode_to_kafka_writes_the_whole_table_from_every_worker_across_a_restart() {
    let Some(servers) = broker() else { return };
    let (input, output) = (unique_topic("complete-in"), unique_topic("complete-out"));
    create_topic(&servers, &input, 2);
    create_topic(&servers, &output, 1);
    let letters = ["a", "b", "c", "d", "e", "f", "g"];
    let first: Vec<Record> = (0..700).map(|i| Record::value(letters[i % 7]).to((i % 2) as i32)).collect();
    produce(&servers, &input, &first);
    let checkpoint = tempfile::tempdir().unwrap();
    let run = || {
        let spark = session(2);
        kafka_stream(&spark, &servers, &[("subscribe", &input), ("startingOffsets", "earliest")])
            .unwrap()
            .create_or_replace_temp_view("letters")
            .unwrap();
        let q = spark
            .sql_stream("SELECT letter AS key, cast(count(*) AS string) AS value FROM (SELECT cast(value AS string) AS letter FROM letters) GROUP BY letter")
            .unwrap()
            .write_stream()
            .format("kafka")
            .option("kafka.bootstrap.servers", &servers)
            .option("topic", &output)
            .option("checkpointLocation", checkpoint.path().to_str().unwrap())
            .output_mode("complete")
            .trigger(sluice::Trigger::AvailableNow)
            .start()
            .unwrap();
        q.await_termination().unwrap();
        q.recent_progress().iter().map(|p| p.sink.num_output_rows).sum::<i64>()
    };
    let decode = |records: &[common::kafka::ReadRecord]| -> BTreeMap<String, i64> {
        records
            .iter()
            .map(|r| {
                let text = |b: &Option<Vec<u8>>| String::from_utf8(b.clone().unwrap()).unwrap();
                (text(&r.key), text(&r.value).parse().unwrap())
            })
            .collect()
    };
    assert_eq!(run(), 7, "one batch writes the seven groups");
    let written = read_all(&servers, &output);
    assert_eq!(written.len(), 7);
    assert_eq!(decode(&written), letters.iter().map(|l| (l.to_string(), 100)).collect());
    // New rows of one group only; the restarted query still writes the whole table.
    produce(&servers, &input, &(0..50).map(|i| Record::value("a").to(i % 2)).collect::<Vec<_>>());
    assert_eq!(run(), 7, "the restarted query writes the seven groups again");
    let all = read_all(&servers, &output);
    assert_eq!(all.len(), 14);
    let mut expected: BTreeMap<String, i64> = letters.iter().map(|l| (l.to_string(), 100)).collect();
    expected.insert("a".into(), 150);
    assert_eq!(decode(&all[7..]), expected);
}
