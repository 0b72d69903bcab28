//! The rate sources generate consecutive values with no gap or duplicate across workers,
//! in the batch sizes asked for; the noop sink runs a query and keeps nothing.

use sluice::prelude::*;
use std::time::Duration;

#[test]
fn rate_as_fast_as_possible_gives_consecutive_values_across_workers_in_fixed_batches() {
    for workers in [1, 2] {
        let spark = Session::builder().workers(workers).build().unwrap();
        let q = spark
            .read_stream()
            .format("rate")
            .option("rowsPerSecond", 0)
            .option("numRows", 10_000)
            .option("rowsPerBatch", 3_000)
            .load(None)
            .unwrap()
            .write_stream()
            .format("memory")
            .query_name("rates")
            .trigger(Trigger::AvailableNow)
            .start()
            .unwrap();
        assert!(q.await_termination_timeout(Duration::from_secs(60)).unwrap());
        let batches: Vec<u64> = q.recent_progress().iter().map(|p| p.num_input_rows).collect();
        assert_eq!(batches, vec![3_000, 3_000, 3_000, 1_000]);
        let stats =
            spark.sql("SELECT count(*), min(value), max(value), count(timestamp) FROM rates").unwrap();
        assert_eq!(
            stats.collect().unwrap(),
            vec![vec![Value::Long(10_000), Value::Long(0), Value::Long(9_999), Value::Long(10_000)]]
        );
        let distinct = spark.sql("SELECT value FROM rates GROUP BY value").unwrap().count().unwrap();
        assert_eq!(distinct, 10_000, "no value twice (workers={workers})");
    }
}

#[test]
fn rate_micro_batch_stamps_each_batch_and_feeds_event_time_windows() {
    let spark = Session::builder().workers(2).build().unwrap();
    let q = spark
        .read_stream()
        .format("rate-micro-batch")
        .option("rowsPerBatch", 100)
        .option("startTimestamp", 0)
        .option("advanceMillisPerBatch", 60_000)
        .load(None)
        .unwrap()
        .with_watermark("timestamp", "0 seconds")
        .group_by([window(col("timestamp"), "5 minutes")])
        .count()
        .write_stream()
        .format("noop")
        .output_mode("append")
        .start()
        .unwrap();
    // Batch b is stamped b minutes: windows close as the watermark passes each 5 minutes.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while q.recent_progress().iter().map(|p| p.sink.num_output_rows).sum::<i64>() < 3 {
        assert!(std::time::Instant::now() < deadline, "windows did not close");
        std::thread::sleep(Duration::from_millis(20));
    }
    q.stop().unwrap();
    let progress = q.recent_progress();
    // Batch b is stamped b minutes, so the watermark in force for batch b is b - 1 minutes:
    // a window [5k, 5k + 5) closes, alone, in the batch whose watermark reaches 5k + 5.
    for p in progress.iter().filter(|p| p.sink.num_output_rows > 0) {
        let minute = p.event_time["watermark"][14..16].parse::<u32>().unwrap();
        assert_eq!((minute % 5, p.sink.num_output_rows), (0, 1), "{}", p.json());
    }
    assert!(progress.iter().all(|p| p.state_operators[0].num_rows_total <= 2), "state stays bounded");
}

#[test]
fn bad_rate_options_are_errors_naming_the_option() {
    let spark = Session::builder().build().unwrap();
    let err = spark.read_stream().format("rate").option("rowsPerSecond", "fast").load(None).unwrap_err();
    assert!(err.to_string().contains("rowsPerSecond"), "{err}");
    let err = spark.read_stream().format("rate-micro-batch").load(None).unwrap_err();
    assert!(err.to_string().contains("rowsPerBatch"), "{err}");
}

#[test]
fn rate_rows_per_batch_follow_rows_per_second_under_a_processing_time_trigger() {
    let spark = Session::builder().workers(2).build().unwrap();
    let q = spark
        .read_stream()
        .format("rate")
        .option("rowsPerSecond", 200)
        .load(None)
        .unwrap()
        .write_stream()
        .format("noop")
        .trigger(Trigger::ProcessingTime(Duration::from_millis(250)))
        .start()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while q.recent_progress().len() < 6 {
        assert!(std::time::Instant::now() < deadline, "no batches");
        std::thread::sleep(Duration::from_millis(20));
    }
    q.stop().unwrap();
    let progress = q.recent_progress();
    // Rows follow the clock: those of batches 1..n arrived between the first and last triggers.
    let micros = |p: &sluice::progress::StreamingQueryProgress| {
        sluice::core::time::parse_timestamp(&p.timestamp).expect("ISO progress timestamp")
    };
    let (first, last) = (&progress[0], progress.last().unwrap());
    let elapsed_s = (micros(last) - micros(first)) as f64 / 1e6;
    let rows: u64 = progress.iter().skip(1).map(|p| p.num_input_rows).sum();
    let expected = 200.0 * elapsed_s;
    assert!((rows as f64 - expected).abs() <= expected * 0.15 + 20.0, "{rows} rows in {elapsed_s:.3} s");
    let sizes: Vec<u64> = progress.iter().map(|p| p.num_input_rows).collect();
    assert!(sizes.iter().skip(1).all(|n| *n > 0), "no empty batches: {sizes:?}");
    // Offsets are consecutive: each batch starts where the previous one ended.
    for pair in progress.windows(2) {
        assert_eq!(pair[1].sources[0].start_offset, pair[0].sources[0].end_offset);
    }
}
