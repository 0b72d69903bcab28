//! `spark.sql.session.timeZone` against Spark 4.3's answers (tests/spark/time_zones.py):
//! casts between timestamps, strings and dates, the date-time functions, `date_trunc`,
//! windows (epoch-aligned whatever the zone), CSV `timestampFormat` parsing and the output
//! of timestamps, in UTC, America/Los_Angeles (DST), Asia/Kolkata (+05:30) and
//! Australia/Sydney (southern DST), on and around the 2024 DST changes.

mod common;

use sluice::{Session, Trigger, Value};
use std::path::Path;

const ANSWERS: &str = "tests/data/time_zones/answers.jsonl";
const EVENTS: &str = "tests/data/time_zones/events.csv";

fn answers() -> Vec<serde_json::Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(ANSWERS);
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn session(zone: &str) -> Session {
    Session::builder().workers(1).config("spark.sql.session.timeZone", zone).build().unwrap()
}

fn events_path() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(EVENTS).display().to_string()
}

/// A Sluice value as the JSON Spark's `Row.asDict()` gave.
fn json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Int(n) => (*n).into(),
        Value::Long(n) => (*n).into(),
        Value::String(s) => s.to_string().into(),
        other => panic!("unexpected value {other:?}"),
    }
}

#[test]
fn every_expression_gives_sparks_text_in_every_zone() {
    let cases: Vec<serde_json::Value> = answers().into_iter().filter(|a| a.get("expr").is_some()).collect();
    assert!(cases.len() >= 4 * 55, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let (zone, expr) = (case["zone"].as_str().unwrap(), case["expr"].as_str().unwrap());
        let spark = session(zone);
        let got = spark
            .sql(&format!("SELECT cast({expr} AS STRING) AS v"))
            .and_then(|df| df.collect())
            .map(|rows| rows[0][0].clone());
        let want = &case["value"];
        let ok = match (&got, want) {
            (Ok(Value::String(s)), serde_json::Value::String(w)) => s.as_ref() == w.as_str(),
            (Ok(Value::Null), serde_json::Value::Null) => true,
            _ => false,
        };
        if !ok {
            wrong.push(format!("{zone}: {expr}: Spark {want}, Sluice {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{} of {} differ:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}

#[test]
fn csv_text_is_read_in_the_session_zone_and_day_windows_stay_on_utc_midnight() {
    for case in answers().into_iter().filter(|a| a.get("query").is_some()) {
        let zone = case["zone"].as_str().unwrap();
        let spark = session(zone);
        spark
            .read()
            .option("header", "true")
            .option("timestampFormat", "yyyy-MM-dd HH:mm:ss")
            .schema("id INT, t TIMESTAMP")
            .csv(&events_path())
            .unwrap()
            .create_or_replace_temp_view("events")
            .unwrap();
        let sql = match case["query"].as_str().unwrap() {
            "parsed" => {
                "SELECT id, cast(t AS STRING) AS t, unix_timestamp(t) AS epoch FROM events ORDER BY id"
            }
            // Spark's query groups and selects `window.start` in one SELECT; the same here in two.
            _ => {
                "SELECT cast(window.start AS STRING) AS start, unix_timestamp(window.start) AS epoch, n \
                  FROM (SELECT window, count(*) AS n FROM events GROUP BY window(t, '1 day')) ORDER BY epoch"
            }
        };
        let df = spark.sql(sql).unwrap();
        let schema = df.schema().unwrap();
        let got: Vec<serde_json::Value> = df
            .collect()
            .unwrap()
            .iter()
            .map(|r| {
                let fields = schema.fields.iter().zip(r).map(|(f, v)| (f.name.clone(), json(v)));
                serde_json::Value::Object(fields.collect())
            })
            .collect();
        assert_eq!(got, case["rows"].as_array().unwrap().clone(), "{zone} {}", case["query"]);
    }
}

#[test]
fn a_stream_windows_and_writes_timestamps_as_local_text_of_its_zone() {
    let zone = "America/Los_Angeles";
    let daily =
        answers().into_iter().find(|a| a["zone"] == zone && a["query"] == "daily").unwrap()["rows"].clone();
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(events_path(), input.join("events.csv")).unwrap();
    let spark = session(zone);
    let events = spark
        .read_stream()
        .option("header", "true")
        .option("timestampFormat", "yyyy-MM-dd HH:mm:ss")
        .schema("id INT, t TIMESTAMP")
        .csv(input.to_str().unwrap())
        .unwrap();
    events.create_or_replace_temp_view("events").unwrap();
    // The counts per one-day window, in complete mode, as Spark's batch answer.
    let q = spark
        .sql_stream("SELECT window, count(*) AS n FROM events GROUP BY window(t, '1 day')")
        .unwrap()
        .write_stream()
        .format("memory")
        .query_name("daily")
        .output_mode("complete")
        .trigger(Trigger::AvailableNow)
        .start()
        .unwrap();
    q.await_termination().unwrap();
    let got: Vec<serde_json::Value> = spark
        .sql(
            "SELECT cast(window.start AS STRING) AS start, unix_timestamp(window.start) AS epoch, n FROM daily ORDER BY epoch",
        )
        .unwrap()
        .to_json_lines()
        .unwrap()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(serde_json::Value::Array(got), daily);

    // The JSON file sink writes each timestamp as Spark's JSON writer does: the local
    // date-time of Spark's cast to string, as `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` (the offset in
    // the zone at that instant; `tests/file_sink.rs` checks the text against Spark's files).
    let out = tmp.path().join("out");
    let q = events
        .select_expr(["id", "t"])
        .write_stream()
        .format("json")
        .option("path", out.to_str().unwrap())
        .option("checkpointLocation", tmp.path().join("cp").to_str().unwrap())
        .trigger(Trigger::AvailableNow)
        .start()
        .unwrap();
    q.await_termination().unwrap();
    let parsed = answers().into_iter().find(|a| a["zone"] == zone && a["query"] == "parsed").unwrap();
    let mut written: Vec<(i64, String)> = Vec::new();
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                written.push((v["id"].as_i64().unwrap(), v["t"].as_str().unwrap().to_string()));
            }
        }
    }
    written.sort();
    let want: Vec<(i64, String)> = parsed["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_i64().unwrap(), r["t"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(written.len(), want.len());
    for ((id, text), (want_id, local)) in written.iter().zip(&want) {
        assert_eq!(id, want_id);
        let stamp = format!("{}.000", local.replace(' ', "T"));
        let offset =
            text.strip_prefix(&stamp).unwrap_or_else(|| panic!("{text} is not {stamp} and an offset"));
        let valid = offset == "Z"
            || (offset.len() == 6 && offset.starts_with(['+', '-']) && offset.as_bytes()[3] == b':');
        assert!(valid, "{text}: offset {offset}");
    }
}

#[test]
fn the_zone_is_set_by_set_conf_and_the_cli_and_a_bad_zone_is_refused() {
    let spark = Session::builder().workers(1).build().unwrap();
    let shown = |spark: &Session| {
        let sql = "SELECT cast(timestamp_seconds(0) AS STRING) AS t";
        spark.sql(sql).unwrap().collect().unwrap()[0][0].clone()
    };
    assert_eq!(shown(&spark), Value::string("1970-01-01 00:00:00"), "UTC by default");
    spark.sql("SET spark.sql.session.timeZone = America/Los_Angeles").unwrap();
    assert_eq!(shown(&spark), Value::string("1969-12-31 16:00:00"));
    spark.conf().set("spark.sql.session.timeZone", "+05:30");
    assert_eq!(shown(&spark), Value::string("1970-01-01 05:30:00"));
    spark.sql("RESET spark.sql.session.timeZone").unwrap();
    assert_eq!(shown(&spark), Value::string("1970-01-01 00:00:00"));
    let e = spark.sql("SET spark.sql.session.timeZone = Mars/Olympus_Mons").unwrap_err().to_string();
    assert!(e.contains("spark.sql.session.timeZone") && e.contains("Mars/Olympus_Mons"), "{e}");
    // show() prints local time.
    spark.conf().set("spark.sql.session.timeZone", "Asia/Kolkata");
    let table = spark.sql("SELECT timestamp_seconds(0) AS t").unwrap().show_string(20, 20).unwrap();
    assert!(table.contains("1970-01-01 05:30:00"), "{table}");

    // The CLI: --conf sets it, a SELECT prints local time (table and JSON lines).
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("tz.sql");
    std::fs::write(
        &script,
        "SELECT timestamp_seconds(1710064800) AS t, hour(timestamp_seconds(1710064800)) AS h;\n",
    )
    .unwrap();
    let out = std::process::Command::new(common::sluice_bin())
        .args([
            "run",
            script.to_str().unwrap(),
            "--format",
            "json",
            "--conf",
            "spark.sql.session.timeZone=America/Los_Angeles",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), r#"{"t":"2024-03-10 03:00:00","h":3}"#);
}
