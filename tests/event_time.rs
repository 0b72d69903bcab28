//! Event time: windows over a timestamp carried in the data, watermarks, late rows and
//! state eviction, pinned batch by batch on small hand-made inputs, and Spark's answers
//! for 10-minute windows on the shared data sets.

mod common;

use common::{
    assert_same_rows, data_dir, flatten_struct_columns, parse_json_lines, read_golden_rows, JsonRow,
};
use sluice::prelude::*;

const SCHEMA: &str = "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, Index BIGINT, Model STRING, User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE";

fn json_rows(df: &DataFrame) -> Vec<JsonRow> {
    let rows = parse_json_lines(&df.to_json_lines().expect("the table reads").join("\n"));
    rows.iter().map(flatten_struct_columns).collect()
}

#[test]
fn ten_minute_windows_in_complete_mode_match_spark() {
    for dataset in ["activity-data-synth", "hhar-real-sample"] {
        let expected = read_golden_rows(dataset, "c1_window10m_complete.jsonl");
        for workers in [1, 2] {
            let spark = Session::builder().workers(workers).build().unwrap();
            let query = spark
                .read_stream()
                .schema(SCHEMA)
                .option("maxFilesPerTrigger", 1)
                .json(data_dir(dataset).to_str().unwrap())
                .unwrap()
                .with_column("event_time", (col("Creation_Time").cast("double") / 1e9).cast("timestamp"))
                .group_by([window(col("event_time"), "10 minutes")])
                .count()
                .write_stream()
                .query_name("windows")
                .format("memory")
                .output_mode("complete")
                .start()
                .unwrap();
            query.process_all_available().unwrap();
            query.stop().unwrap();
            let actual = json_rows(&spark.table("windows").unwrap());
            assert_same_rows(&expected, &actual, &format!("c1 {dataset} workers={workers}"));
        }
    }
}

/// Spark's answer for 10-minute windows per user with a 30-minute watermark in append mode
/// is kept back as a checksum (`meta.json`): the canonical sorted rows must hash to it.
#[test]
fn windows_per_user_with_a_watermark_in_append_mode_match_sparks_checksum() {
    for dataset in ["activity-data-synth", "hhar-real-sample"] {
        let meta = common::read_golden_json(dataset, "meta.json");
        let expected =
            meta["queries"]["c2_window10m_user_wm30m_append"]["sha256_sorted_jsonl"].as_str().unwrap();
        for workers in [1, 2] {
            let spark = Session::builder().workers(workers).build().unwrap();
            let query = spark
                .read_stream()
                .schema(SCHEMA)
                .option("maxFilesPerTrigger", 1)
                .option("fileOrder", "name")
                .json(data_dir(dataset).to_str().unwrap())
                .unwrap()
                .with_column("event_time", (col("Creation_Time").cast("double") / 1e9).cast("timestamp"))
                .with_watermark("event_time", "30 minutes")
                .group_by([window(col("event_time"), "10 minutes"), col("User")])
                .count()
                .write_stream()
                .query_name("user_windows")
                .format("memory")
                .output_mode("append")
                .start()
                .unwrap();
            query.process_all_available().unwrap();
            query.stop().unwrap();
            let rows = json_rows(&spark.table("user_windows").unwrap());
            let actual = c2_checksum(&rows);
            assert_eq!(actual, expected, "c2 {dataset} workers={workers}: {} rows", rows.len());
        }
    }
}

/// The same query as a SQL script through the CLI: a computed event-time column and a
/// `WATERMARK FOR` clause on the source table.
#[test]
fn windows_per_user_with_a_watermark_match_sparks_checksum_through_the_cli() {
    let dataset = "activity-data-synth";
    let meta = common::read_golden_json(dataset, "meta.json");
    let expected = meta["queries"]["c2_window10m_user_wm30m_append"]["sha256_sorted_jsonl"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("c2.sql");
    std::fs::write(
        &script,
        format!(
            "CREATE TABLE activity (
                Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, `Index` BIGINT, Model STRING,
                `User` STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE,
                event_time TIMESTAMP GENERATED ALWAYS AS (CAST(Creation_Time / 1e9 AS TIMESTAMP)),
                WATERMARK FOR event_time AS event_time - INTERVAL '30' MINUTE
             ) WITH (connector = 'file', format = 'json', path = '{}', maxFilesPerTrigger = '1',
                    fileOrder = 'name');
             CREATE TABLE user_windows WITH (connector = 'memory', outputMode = 'append');
             INSERT INTO user_windows SELECT window(event_time, '10 minutes') AS window, `User`, count(*) AS count
               FROM activity GROUP BY window(event_time, '10 minutes'), `User`;
             SELECT * FROM user_windows;",
            data_dir(dataset).display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(common::sluice_bin())
        .args(["run", script.to_str().unwrap(), "-w", "2", "--trigger", "available-now", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<JsonRow> = parse_json_lines(&String::from_utf8(out.stdout).unwrap())
        .iter()
        .map(flatten_struct_columns)
        .collect();
    assert_eq!(c2_checksum(&rows), expected);
}

/// The sha256 of Spark's canonical form of windowed rows (`window_start`, `window_start_us`,
/// `window_end`, `window_end_us`, `User`, `count`; timestamps with 6 fraction digits).
fn c2_checksum(rows: &[JsonRow]) -> String {
    let rows: Vec<JsonRow> = rows
        .iter()
        .map(|r| {
            let mut out = JsonRow::new();
            for edge in ["window_start", "window_end"] {
                let text = r[edge].as_str().unwrap();
                let us = sluice::core::time::parse_timestamp(text).unwrap();
                out.insert(edge.into(), format!("{text}.000000").into());
                out.insert(format!("{edge}_us"), us.into());
            }
            out.insert("User".into(), r["User"].clone());
            out.insert("count".into(), r["count"].clone());
            out
        })
        .collect();
    let columns: Vec<String> =
        ["window_start", "window_start_us", "window_end", "window_end_us", "User", "count"]
            .iter()
            .map(|c| c.to_string())
            .collect();
    common::sha256_hex(&common::canonical_jsonl(&rows, &columns))
}

/// A directory that receives one file of `(t, k)` events per step.
struct Feed {
    dir: tempfile::TempDir,
    files: usize,
}

impl Feed {
    fn new() -> Self {
        Feed { dir: tempfile::tempdir().unwrap(), files: 0 }
    }
    fn path(&self) -> &str {
        self.dir.path().to_str().unwrap()
    }
    fn push(&mut self, events: &[(&str, &str)]) {
        let text: String =
            events.iter().map(|(t, k)| format!("{{\"t\":\"2026-01-01 {t}\",\"k\":\"{k}\"}}\n")).collect();
        let tmp = self.dir.path().join(format!(".part-{:03}.json", self.files));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, self.dir.path().join(format!("part-{:03}.json", self.files))).unwrap();
        self.files += 1;
    }
}

fn window_rows(spark: &Session, table: &str) -> Vec<(String, String, i64)> {
    let mut rows: Vec<(String, String, i64)> = json_rows(&spark.table(table).unwrap())
        .into_iter()
        .map(|r| {
            let start = r["window_start"].as_str().unwrap()[11..16].to_string();
            (start, r["k"].as_str().unwrap().to_string(), r["count"].as_i64().unwrap())
        })
        .collect();
    rows.sort();
    rows
}

fn start_windowed(spark: &Session, feed: &Feed, mode: &str, name: &str) -> StreamingQuery {
    spark
        .read_stream()
        .schema("t TIMESTAMP, k STRING")
        .json(feed.path())
        .unwrap()
        .with_watermark("t", "5 minutes")
        .group_by([window(col("t"), "10 minutes"), col("k")])
        .count()
        .write_stream()
        .query_name(name)
        .format("memory")
        .output_mode(mode)
        .start()
        .unwrap()
}

fn dropped(q: &StreamingQuery) -> i64 {
    q.recent_progress().iter().map(|p| p.state_operators[0].num_rows_dropped_by_watermark).sum()
}

#[test]
fn append_mode_emits_a_window_once_the_watermark_passes_its_end_and_drops_late_rows() {
    for workers in [1, 2] {
        let spark = Session::builder().workers(workers).build().unwrap();
        let mut feed = Feed::new();
        feed.push(&[("10:02:00", "a"), ("10:07:00", "a"), ("10:08:00", "b")]);
        let q = start_windowed(&spark, &feed, "append", "appended");
        q.process_all_available().unwrap();
        // Watermark now 10:08 - 5 min = 10:03: window [10:00, 10:10) is still open.
        assert_eq!(window_rows(&spark, "appended"), vec![]);
        let p = q.last_progress().unwrap();
        assert_eq!(p.event_time["watermark"], "2026-01-01T10:03:00.000Z", "{}", p.json());

        // 09:58 falls in [09:50, 10:00), which ended before the watermark 10:03: late.
        feed.push(&[("10:16:00", "a"), ("09:58:00", "b")]);
        q.process_all_available().unwrap();
        // Watermark 10:11 passes 10:10: [10:00, 10:10) is final, written once, by a no-data batch.
        assert_eq!(
            window_rows(&spark, "appended"),
            vec![("10:00".into(), "a".into(), 2), ("10:00".into(), "b".into(), 1)]
        );
        assert_eq!(dropped(&q), 1, "the late row's group is counted as dropped");
        let last = q.last_progress().unwrap();
        assert_eq!(last.num_input_rows, 0, "the window was closed by a batch without data");

        // A row for the closed window is late; [10:10, 10:20) is still open.
        feed.push(&[("10:05:00", "a"), ("10:12:00", "a")]);
        q.process_all_available().unwrap();
        assert_eq!(window_rows(&spark, "appended").len(), 2, "no window closed, nothing appended");
        assert_eq!(dropped(&q), 2);
        q.stop().unwrap();
        let states: Vec<i64> =
            q.recent_progress().iter().map(|p| p.state_operators[0].num_rows_total).collect();
        assert_eq!(*states.last().unwrap(), 1, "only [10:10, 10:20) x a is left in state: {states:?}");
    }
}

#[test]
fn update_mode_emits_changed_windows_each_batch_and_evicts_closed_ones() {
    let spark = Session::builder().workers(2).build().unwrap();
    let mut feed = Feed::new();
    feed.push(&[("10:02:00", "a")]);
    // The memory sink takes no update mode: the console sink does, and progress counts its rows.
    let q = spark
        .read_stream()
        .schema("t TIMESTAMP, k STRING")
        .json(feed.path())
        .unwrap()
        .with_watermark("t", "5 minutes")
        .group_by([window(col("t"), "10 minutes"), col("k")])
        .count()
        .write_stream()
        .format("console")
        .output_mode("update")
        .start()
        .unwrap();
    q.process_all_available().unwrap();
    feed.push(&[("10:03:00", "a"), ("10:31:00", "b")]);
    q.process_all_available().unwrap();
    // The watermark is now 10:26: the [10:00, 10:10) state is gone, so a row for it is late.
    feed.push(&[("10:04:00", "a")]);
    q.process_all_available().unwrap();
    q.stop().unwrap();
    let progress = q.recent_progress();
    let outputs: Vec<i64> = progress.iter().map(|p| p.sink.num_output_rows).collect();
    let inputs: Vec<u64> = progress.iter().map(|p| p.num_input_rows).collect();
    // 0: a=1; 1: no data (watermark 09:57); 2: a=2 and b=1; 3: no data, evicts [10:00, 10:10); 4: late row.
    assert_eq!(inputs, vec![1, 0, 2, 0, 1]);
    assert_eq!(outputs, vec![1, 0, 2, 0, 0]);
    let totals: Vec<i64> = progress.iter().map(|p| p.state_operators[0].num_rows_total).collect();
    assert_eq!(totals, vec![1, 1, 2, 1, 1], "state holds only open windows");
    assert_eq!(dropped(&q), 1);
}

#[test]
fn complete_mode_keeps_every_window_and_drops_nothing() {
    let spark = Session::builder().workers(1).build().unwrap();
    let mut feed = Feed::new();
    feed.push(&[("10:02:00", "a"), ("11:40:00", "a")]);
    let q = start_windowed(&spark, &feed, "complete", "completed");
    q.process_all_available().unwrap();
    feed.push(&[("10:03:00", "a")]);
    q.process_all_available().unwrap();
    q.stop().unwrap();
    assert_eq!(
        window_rows(&spark, "completed"),
        vec![("10:00".into(), "a".into(), 2), ("11:40".into(), "a".into(), 1),]
    );
    assert_eq!(dropped(&q), 0);
}

#[test]
fn sliding_windows_put_a_row_in_every_window_that_covers_it() {
    let spark = Session::builder().workers(2).build().unwrap();
    let rows = ["10:02:00", "10:07:00", "10:12:00"]
        .iter()
        .map(|t| vec![Value::string(&format!("2026-01-01 {t}")), Value::string("a")])
        .collect();
    let df = spark.create_dataframe(rows, Schema::parse_ddl("t STRING, k STRING").unwrap()).unwrap();
    let out = df
        .with_column("t", col("t").cast("timestamp"))
        .group_by([window_sliding(col("t"), "10 minutes", "5 minutes")])
        .count()
        .sort(["window"]);
    let got: Vec<(String, i64)> = json_rows(&out)
        .into_iter()
        .map(|r| (r["window_start"].as_str().unwrap()[11..16].to_string(), r["count"].as_i64().unwrap()))
        .collect();
    let want: Vec<(String, i64)> = [("09:55", 1), ("10:00", 2), ("10:05", 2), ("10:10", 1)]
        .iter()
        .map(|(s, n)| (s.to_string(), *n))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn append_on_an_aggregation_without_watermark_is_rejected_with_sparks_reason() {
    let spark = Session::builder().build().unwrap();
    let feed = Feed::new();
    let err = spark
        .read_stream()
        .schema("t TIMESTAMP, k STRING")
        .json(feed.path())
        .unwrap()
        .group_by([window(col("t"), "10 minutes")])
        .count()
        .write_stream()
        .format("memory")
        .query_name("nope")
        .output_mode("append")
        .start()
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark"
        ),
        "{err}"
    );
}

#[test]
fn with_watermark_on_a_batch_dataframe_does_nothing() {
    let spark = Session::builder().build().unwrap();
    let rows = vec![vec![Value::string("2026-01-01 10:00:00")], vec![Value::string("2020-01-01 10:00:00")]];
    let df = spark.create_dataframe(rows, Schema::parse_ddl("t STRING").unwrap()).unwrap();
    let n = df.with_column("t", col("t").cast("timestamp")).with_watermark("t", "1 minute").count().unwrap();
    assert_eq!(n, 2);
}

/// Batch by batch, the progress Spark reported for the counts per `gt` and per 10-minute
/// window: rows in, state rows total and updated, rows dropped, rows written.
#[test]
fn progress_matches_spark_batch_by_batch() {
    let dataset = "activity-data-synth";
    let spark = Session::builder().workers(2).build().unwrap();
    let source = || {
        spark
            .read_stream()
            .schema(SCHEMA)
            .option("maxFilesPerTrigger", 1)
            .option("fileOrder", "name")
            .json(data_dir(dataset).to_str().unwrap())
            .unwrap()
    };
    let by_gt = source().group_by(["gt"]).count();
    let by_window = source()
        .with_column("event_time", (col("Creation_Time").cast("double") / 1e9).cast("timestamp"))
        .group_by([window(col("event_time"), "10 minutes")])
        .count();
    for (name, df) in [("a_activity_counts", by_gt), ("c1_window10m_complete", by_window)] {
        let q = df.write_stream().query_name(name).format("memory").output_mode("complete").start().unwrap();
        q.process_all_available().unwrap();
        q.stop().unwrap();
        let golden = common::read_text(&common::golden_path(dataset, &format!("{name}.progress.jsonl")));
        let expected = parse_json_lines(&golden);
        let actual: Vec<JsonRow> = q
            .recent_progress()
            .iter()
            .map(|p| {
                let s = &p.state_operators[0];
                let mut r = JsonRow::new();
                r.insert("batchId".into(), p.batch_id.into());
                r.insert("numInputRows".into(), p.num_input_rows.into());
                r.insert("stateRowsTotal".into(), s.num_rows_total.into());
                r.insert("stateRowsUpdated".into(), s.num_rows_updated.into());
                r.insert("droppedByWatermark".into(), s.num_rows_dropped_by_watermark.into());
                r.insert("sinkRowsOut".into(), p.sink.num_output_rows.into());
                r
            })
            .collect();
        let keys = [
            "batchId",
            "numInputRows",
            "stateRowsTotal",
            "stateRowsUpdated",
            "droppedByWatermark",
            "sinkRowsOut",
        ];
        let expected: Vec<JsonRow> =
            expected.iter().map(|e| keys.iter().map(|k| (k.to_string(), e[*k].clone())).collect()).collect();
        assert_eq!(actual, expected, "{name}");
    }
}

/// Two streams, each with its own watermark, unioned: the global watermark is the
/// minimum of theirs by default and the maximum with `multipleWatermarkPolicy=max`.
#[test]
fn two_inputs_combine_their_watermarks_by_the_min_or_max_policy() {
    for (policy, watermark, closed, dropped_later) in
        [("min", "2026-01-01T09:57:00.000Z", 0, 0), ("max", "2026-01-01T10:15:00.000Z", 1, 1)]
    {
        let spark = Session::builder()
            .workers(2)
            .config("spark.sql.streaming.multipleWatermarkPolicy", policy)
            .build()
            .unwrap();
        let (mut fast, mut slow) = (Feed::new(), Feed::new());
        fast.push(&[("10:20:00", "fast")]);
        slow.push(&[("10:02:00", "slow")]);
        let read = |feed: &Feed| {
            spark
                .read_stream()
                .schema("t TIMESTAMP, k STRING")
                .json(feed.path())
                .unwrap()
                .with_watermark("t", "5 minutes")
        };
        let q = read(&fast)
            .union(&read(&slow))
            .group_by([window(col("t"), "10 minutes"), col("k")])
            .count()
            .write_stream()
            .format("memory")
            .query_name("both")
            .output_mode("append")
            .start()
            .unwrap();
        q.process_all_available().unwrap();
        // The fast stream proposes 10:15, the slow one 09:57.
        assert_eq!(q.last_progress().unwrap().event_time["watermark"], watermark, "policy {policy}");
        assert_eq!(window_rows(&spark, "both").len(), closed, "policy {policy}: [10:00, 10:10) closed?");
        // Under max, a slow row for [10:00, 10:10) is now late.
        slow.push(&[("10:05:00", "slow")]);
        q.process_all_available().unwrap();
        q.stop().unwrap();
        assert_eq!(dropped(&q), dropped_later, "policy {policy}");
    }
}

#[test]
fn union_matches_columns_by_position_and_checks_them() {
    let spark = Session::builder().build().unwrap();
    let a =
        spark.create_dataframe(vec![vec![Value::Long(1)]], Schema::parse_ddl("x BIGINT").unwrap()).unwrap();
    let b =
        spark.create_dataframe(vec![vec![Value::Long(2)]], Schema::parse_ddl("y BIGINT").unwrap()).unwrap();
    assert_eq!(a.union(&b).sort(["x"]).collect().unwrap(), vec![vec![Value::Long(1)], vec![Value::Long(2)]]);
    let c = spark.create_dataframe(vec![], Schema::parse_ddl("x BIGINT, z STRING").unwrap()).unwrap();
    let err = a.union(&c).collect().unwrap_err().to_string();
    assert!(err.contains("NUM_COLUMNS_MISMATCH"), "{err}");
}

fn session_rows(spark: &Session, table: &str) -> Vec<(String, String, String, i64)> {
    let mut rows: Vec<(String, String, String, i64)> = json_rows(&spark.table(table).unwrap())
        .into_iter()
        .map(|r| {
            let hm = |c: &str| r[c].as_str().unwrap()[11..16].to_string();
            (
                r["k"].as_str().unwrap().to_string(),
                hm("session_window_start"),
                hm("session_window_end"),
                r["count"].as_i64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn session_windows_merge_rows_within_the_gap_and_close_when_the_watermark_passes() {
    for workers in [1, 2] {
        let spark = Session::builder().workers(workers).build().unwrap();
        let mut feed = Feed::new();
        feed.push(&[("10:00:00", "a"), ("10:03:00", "a"), ("10:01:00", "b")]);
        let q = spark
            .read_stream()
            .schema("t TIMESTAMP, k STRING")
            .json(feed.path())
            .unwrap()
            .with_watermark("t", "1 minute")
            .group_by([session_window(col("t"), "5 minutes"), col("k")])
            .count()
            .write_stream()
            .format("memory")
            .query_name("sessions")
            .output_mode("append")
            .start()
            .unwrap();
        q.process_all_available().unwrap();
        assert_eq!(session_rows(&spark, "sessions"), vec![], "watermark 10:02 closes nothing");
        // 10:07 extends a's session [10:00, 10:08) to 10:12; b opens a new session at 10:20.
        feed.push(&[("10:07:00", "a"), ("10:20:00", "b")]);
        q.process_all_available().unwrap();
        assert_eq!(
            session_rows(&spark, "sessions"),
            vec![
                ("a".into(), "10:00".into(), "10:12".into(), 3),
                ("b".into(), "10:01".into(), "10:06".into(), 1),
            ],
            "watermark 10:19 closes both first sessions, each written once"
        );
        // A row whose session [10:10, 10:15) ended before the watermark is late.
        feed.push(&[("10:10:00", "a")]);
        q.process_all_available().unwrap();
        q.stop().unwrap();
        assert_eq!(session_rows(&spark, "sessions").len(), 2);
        assert_eq!(dropped(&q), 1);
        assert_eq!(q.last_progress().unwrap().state_operators[0].num_rows_total, 1, "b's open session");
    }
}

#[test]
fn session_windows_in_a_batch_query_merge_each_group_s_rows() {
    let spark = Session::builder().workers(2).build().unwrap();
    let rows = [("10:00:00", "a"), ("10:04:00", "a"), ("10:20:00", "a"), ("10:02:00", "b")]
        .iter()
        .map(|(t, k)| vec![Value::string(&format!("2026-01-01 {t}")), Value::string(k)])
        .collect();
    let df = spark.create_dataframe(rows, Schema::parse_ddl("t STRING, k STRING").unwrap()).unwrap();
    let out = df
        .with_column("t", col("t").cast("timestamp"))
        .group_by([session_window(col("t"), "5 minutes"), col("k")])
        .count();
    out.create_or_replace_temp_view("batch_sessions").unwrap();
    assert_eq!(
        session_rows(&spark, "batch_sessions"),
        vec![
            ("a".into(), "10:00".into(), "10:09".into(), 2),
            ("a".into(), "10:20".into(), "10:25".into(), 1),
            ("b".into(), "10:02".into(), "10:07".into(), 1),
        ]
    );
}
