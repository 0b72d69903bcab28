//! Stream-stream joins with watermarks, batch by batch against Spark 4.3's answers
//! (`tests/data/stream_joins/answers.jsonl`, made by `tests/spark/stream_joins.py`): two
//! file streams of ad impressions and clicks, one file per trigger each, a 10-second
//! watermark on each side, joined on the ad and the 10-second window of the event time as
//! inner, left, right and full outer joins; 1 and 2 workers. Then the same joins through
//! a checkpoint, stopped after every batch, and refusals.

use serde_json::Value as Json;
use sluice::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

const DATA: &str = "tests/data/stream_joins";

/// Per query, Spark's non-empty batches: (batch id, rows as JSON, sorted).
fn spark_answers() -> BTreeMap<String, Vec<(u64, Vec<String>)>> {
    let mut out: BTreeMap<String, Vec<(u64, Vec<String>)>> = BTreeMap::new();
    for line in std::fs::read_to_string(format!("{DATA}/answers.jsonl")).unwrap().lines() {
        let v: Json = serde_json::from_str(line).unwrap();
        let rows = v["rows"].as_array().unwrap().iter().map(|r| r.to_string()).collect();
        out.entry(v["query"].as_str().unwrap().to_string())
            .or_default()
            .push((v["batch"].as_u64().unwrap(), rows));
    }
    out
}

/// A row as the Spark script writes it: windows as [start, end] in epoch seconds.
fn json_row(row: &Row) -> String {
    let cells: Vec<Json> = row
        .iter()
        .map(|v| match v {
            Value::Null => Json::Null,
            Value::Long(n) => Json::from(*n),
            Value::String(s) => Json::from(s.to_string()),
            Value::Timestamp(t) => Json::from(t / 1_000_000),
            Value::Struct(f) => match (&f[0], &f[1]) {
                (Value::Timestamp(s), Value::Timestamp(e)) => Json::from(vec![s / 1_000_000, e / 1_000_000]),
                other => panic!("unexpected struct {other:?}"),
            },
            other => panic!("unexpected value {other:?}"),
        })
        .collect();
    Json::from(cells).to_string()
}

fn side(spark: &Session, dir: &Path, schema: &str, time: &str, id: &str, by_window: bool) -> DataFrame {
    let rows = spark
        .read_stream()
        .schema(schema)
        .option("maxFilesPerTrigger", 1)
        .option("fileOrder", "name")
        .json(dir.to_str().unwrap())
        .unwrap()
        .with_column("t", col(time).cast("timestamp"))
        .with_watermark("t", "10 seconds");
    if by_window {
        rows.select([col("adId"), window(col("t"), "10 seconds").alias("w"), col(id)])
    } else {
        rows.select([col("adId"), col("t"), col(id)])
    }
}

type Batches = Arc<Mutex<Vec<(u64, Vec<String>)>>>;

/// `joined` written in append mode (AvailableNow) to a foreachBatch that records each
/// non-empty batch's rows, sorted.
fn recorded(joined: DataFrame) -> (sluice::DataStreamWriter, Batches) {
    let batches: Batches = Arc::default();
    let record = batches.clone();
    let writer = joined.write_stream().output_mode("append").trigger(Trigger::AvailableNow).foreach_batch(
        move |df, id| {
            let mut rows: Vec<String> = df.collect()?.iter().map(json_row).collect();
            rows.sort();
            if !rows.is_empty() {
                record.lock().unwrap().push((id, rows));
            }
            Ok(())
        },
    );
    (writer, batches)
}

/// Starts the join of the impressions and clicks under `input` as `how`, recording each
/// non-empty batch.
fn start(spark: &Session, input: &Path, how: &str, checkpoint: Option<&Path>) -> (StreamingQuery, Batches) {
    start_on(spark, input, how, checkpoint, true)
}

/// As `start`, joined on the ad and window (`by_window`) or on the ad alone.
fn start_on(
    spark: &Session,
    input: &Path,
    how: &str,
    checkpoint: Option<&Path>,
    by_window: bool,
) -> (StreamingQuery, Batches) {
    let imps = side(
        spark,
        &input.join("impressions"),
        "impId STRING, adId BIGINT, impressionTime BIGINT",
        "impressionTime",
        "impId",
        by_window,
    );
    let clicks = side(
        spark,
        &input.join("clicks"),
        "clickId STRING, adId BIGINT, clickTime BIGINT",
        "clickTime",
        "clickId",
        by_window,
    );
    let keys: &[&str] = if by_window { &["adId", "w"] } else { &["adId"] };
    let (mut writer, batches) = recorded(imps.join(&clicks, keys, how));
    if let Some(cp) = checkpoint {
        writer = writer.option("checkpointLocation", cp.to_str().unwrap());
    }
    (writer.start().unwrap(), batches)
}

const QUERIES: [(&str, &str); 4] =
    [("inner", "inner"), ("left", "left_outer"), ("right", "right_outer"), ("full", "full_outer")];

#[test]
fn window_keyed_stream_stream_joins_match_spark_batch_by_batch() {
    let answers = spark_answers();
    for workers in [1, 2] {
        for (name, how) in QUERIES {
            let spark = Session::builder().workers(workers).build().unwrap();
            let (q, batches) = start(&spark, Path::new(DATA), how, None);
            q.await_termination().unwrap();
            let got = batches.lock().unwrap().clone();
            assert_eq!(got, answers[name], "{name} join, {workers} workers");
            // Every row either is still held, was evicted once the watermark passed its
            // window, or was late (the two clicks 30 s behind): 34 impressions, 25 clicks.
            let progress = q.recent_progress();
            let ops: Vec<_> = progress.iter().map(|p| &p.state_operators[0]).collect();
            assert!(ops.iter().all(|op| op.operator_name == "symmetricHashJoin"));
            let removed: i64 = ops.iter().map(|op| op.num_rows_removed).sum();
            let dropped: i64 = ops.iter().map(|op| op.num_rows_dropped_by_watermark).sum();
            let held = ops.last().unwrap().num_rows_total;
            assert_eq!((dropped, held + removed + dropped), (2, 59), "{name}, {workers} workers: {ops:?}");
            assert!(removed > held, "{ops:?}");
        }
    }
}

/// Copies the first `n` files of each side into `into`.
fn copy_files(into: &Path, n: usize) {
    for side in ["impressions", "clicks"] {
        let dir = into.join(side);
        std::fs::create_dir_all(&dir).unwrap();
        let mut names: Vec<_> =
            std::fs::read_dir(Path::new(DATA).join(side)).unwrap().map(|e| e.unwrap().path()).collect();
        names.sort();
        for p in names.into_iter().take(n) {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
}

/// Every row a join writes, sorted, when the test data comes one more file per side per
/// run, each run a query `start`ed over the input directory with one checkpoint (every
/// batch starts from the checkpoint's state).
fn rows_across_restarts(start: impl Fn(&Session, &Path, &Path) -> (StreamingQuery, Batches)) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let (input, checkpoint) = (dir.path().join("in"), dir.path().join("cp"));
    let mut got = Vec::new();
    for n in 1..=5 {
        copy_files(&input, n);
        let spark = Session::builder().workers(2).build().unwrap();
        let (q, batches) = start(&spark, &input, &checkpoint);
        q.await_termination().unwrap();
        got.extend(batches.lock().unwrap().iter().flat_map(|(_, rows)| rows.clone()));
    }
    got.sort();
    got
}

/// Spark's rows of query `name`, every batch's, sorted.
fn all_rows(answers: &BTreeMap<String, Vec<(u64, Vec<String>)>>, name: &str) -> Vec<String> {
    let mut rows: Vec<String> = answers[name].iter().flat_map(|(_, rows)| rows.clone()).collect();
    rows.sort();
    rows
}

#[test]
fn join_state_survives_a_restart_after_every_batch() {
    let answers = spark_answers();
    for (name, how) in [("inner", "inner"), ("full", "full_outer")] {
        let got = rows_across_restarts(|spark, input, checkpoint| start(spark, input, how, Some(checkpoint)));
        assert_eq!(got, all_rows(&answers, name), "{name} join across restarts");
    }
}

#[test]
fn outer_joins_without_an_event_time_key_are_refused_with_the_reason() {
    let spark = Session::builder().build().unwrap();
    let side = |dir: &str, id: &str, time: &str| {
        spark
            .read_stream()
            .schema(format!("{id} STRING, adId BIGINT, {time} BIGINT").as_str())
            .json(&format!("{DATA}/{dir}"))
            .unwrap()
            .with_column("t", col(time).cast("timestamp"))
            .with_watermark("t", "10 seconds")
    };
    let imps = side("impressions", "impId", "impressionTime");
    let clicks = side("clicks", "clickId", "clickTime");
    let err = imps
        .join(&clicks, ["adId"], "left_outer")
        .write_stream()
        .format("memory")
        .query_name("refused")
        .start()
        .unwrap_err()
        .to_string();
    assert!(err.contains("LeftOuter") && err.contains("event-time column"), "{err}");
}

#[test]
fn an_inner_join_without_an_event_time_key_keeps_its_state_and_drops_late_rows_as_spark() {
    let answers = spark_answers();
    for workers in [1, 2] {
        let spark = Session::builder().workers(workers).build().unwrap();
        let (q, batches) = start_on(&spark, Path::new(DATA), "inner", None, false);
        q.await_termination().unwrap();
        assert_eq!(*batches.lock().unwrap(), answers["inner_by_ad"], "{workers} workers");
        let ops: Vec<_> = q.recent_progress().iter().map(|p| p.state_operators[0].clone()).collect();
        assert_eq!(ops.iter().map(|op| op.num_rows_removed).sum::<i64>(), 0, "nothing evicted");
        assert_eq!(
            ops.iter().map(|op| op.num_rows_dropped_by_watermark).sum::<i64>(),
            2,
            "the two late clicks"
        );
    }
}

/// The impressions or clicks under `input` (the test data's layout), one file per trigger,
/// the event time `t` under a 10-second watermark.
fn timed(spark: &Session, input: &Path, clicks: bool) -> DataFrame {
    let (dir, schema, time) = if clicks {
        ("clicks", "clickId STRING, adId BIGINT, clickTime BIGINT", "clickTime")
    } else {
        ("impressions", "impId STRING, adId BIGINT, impressionTime BIGINT", "impressionTime")
    };
    spark
        .read_stream()
        .schema(schema)
        .option("maxFilesPerTrigger", 1)
        .option("fileOrder", "name")
        .json(input.join(dir).to_str().unwrap())
        .unwrap()
        .with_column("t", col(time).cast("timestamp"))
        .with_watermark("t", "10 seconds")
}

/// The impressions and clicks joined on the ad and a range condition (a click within 5
/// seconds after its impression), as `how`, recording each non-empty batch.
fn start_interval(spark: &Session, how: &str) -> (StreamingQuery, Batches) {
    let imps = timed(spark, Path::new(DATA), false).select([
        col("adId").alias("iAd"),
        col("t").alias("it"),
        col("impId"),
    ]);
    let clicks = timed(spark, Path::new(DATA), true).select([
        col("adId").alias("cAd"),
        col("t").alias("ct"),
        col("clickId"),
    ]);
    let (writer, batches) =
        recorded(imps.join(&clicks, expr("iAd = cAd AND ct >= it AND ct <= it + INTERVAL 5 SECONDS"), how));
    (writer.start().unwrap(), batches)
}

#[test]
fn interval_joins_evict_by_the_range_condition_and_match_spark_batch_by_batch() {
    let answers = spark_answers();
    for workers in [1, 2] {
        for (name, how) in [("interval_inner", "inner"), ("interval_left", "left_outer")] {
            let spark = Session::builder().workers(workers).build().unwrap();
            let (q, batches) = start_interval(&spark, how);
            q.await_termination().unwrap();
            assert_eq!(*batches.lock().unwrap(), answers[name], "{name}, {workers} workers");
            let ops: Vec<_> = q.recent_progress().iter().map(|p| p.state_operators[0].clone()).collect();
            let removed: i64 = ops.iter().map(|op| op.num_rows_removed).sum();
            assert!(removed > 30, "rows evicted by the range condition: {removed}");
        }
    }
}

/// Each impression joined with its ad's click count in the 10-second window it falls in,
/// by a range on the window's start and end (Nexmark q7's shape). A window of the
/// aggregation is 10 seconds long, so `it >= w.start` bounds how late a window can still
/// match an impression: the impressions are evicted as the watermark passes (Spark, which
/// cannot read a bound from `w.start`, keeps them all), and the rows are Spark's, across a
/// restart after every batch too. A left outer join, whose null-padded rows would come out
/// as the impressions go, is refused as Spark refuses it.
#[test]
fn a_range_on_a_windows_start_and_end_evicts_and_matches_spark_batch_by_batch() {
    let answers = spark_answers();
    let joined_in = |spark: &Session, input: &Path, how: &str| {
        let imps =
            timed(spark, input, false).select([col("adId").alias("iAd"), col("t").alias("it"), col("impId")]);
        let clicks = timed(spark, input, true)
            .group_by([col("adId").alias("cAd"), window(col("t"), "10 seconds").alias("w")])
            .agg([count_star().alias("clicks")]);
        imps.join(&clicks, expr("iAd = cAd AND it >= w.start AND it < w.end"), how)
    };
    let joined = |spark: &Session, how: &str| joined_in(spark, Path::new(DATA), how);
    for workers in [1, 2] {
        let spark = Session::builder().workers(workers).build().unwrap();
        let (writer, batches) = recorded(joined(&spark, "inner"));
        let q = writer.start().unwrap();
        q.await_termination().unwrap();
        assert_eq!(*batches.lock().unwrap(), answers["window_range"], "{workers} workers");
        let join = |p: &sluice::progress::StreamingQueryProgress| {
            p.state_operators.iter().find(|op| op.operator_name == "symmetricHashJoin").cloned().unwrap()
        };
        let progress = q.recent_progress();
        let removed: i64 = progress.iter().map(|p| join(p).num_rows_removed).sum();
        let stored: i64 = progress.iter().map(|p| join(p).num_rows_updated).sum();
        let held = join(progress.last().unwrap()).num_rows_total;
        assert!(
            removed > 0 && held < stored,
            "evicted {removed} of {stored} rows stored, {held} held at the end"
        );
    }
    let got = rows_across_restarts(|spark, input, checkpoint| {
        let (writer, batches) = recorded(joined_in(spark, input, "inner"));
        (writer.option("checkpointLocation", checkpoint.to_str().unwrap()).start().unwrap(), batches)
    });
    assert_eq!(got, all_rows(&answers, "window_range"), "across restarts");
    let spark = Session::builder().build().unwrap();
    let err = recorded(joined(&spark, "left_outer")).0.start().unwrap_err().to_string();
    assert!(
        err.contains(
            "Stream-stream LeftOuter join between two streaming DataFrame/Datasets is not supported"
        ),
        "{err}"
    );
}

#[test]
fn left_semi_joins_emit_each_left_row_once_at_its_first_match_as_spark() {
    let answers = spark_answers();
    for workers in [1, 2] {
        let spark = Session::builder().workers(workers).build().unwrap();
        let (q, batches) = start(&spark, Path::new(DATA), "left_semi", None);
        q.await_termination().unwrap();
        assert_eq!(*batches.lock().unwrap(), answers["semi"], "window key, {workers} workers");
        let spark = Session::builder().workers(workers).build().unwrap();
        let (q, batches) = start_interval(&spark, "left_semi");
        q.await_termination().unwrap();
        assert_eq!(*batches.lock().unwrap(), answers["interval_semi"], "interval, {workers} workers");
    }
}
