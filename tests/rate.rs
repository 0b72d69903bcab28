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
    let first_output = progress.iter().position(|p| p.sink.num_output_rows > 0).unwrap();
    // [0, 5) closes once the watermark reaches 5 minutes: after the batch stamped 00:05.
    assert_eq!(progress[first_output].event_time["watermark"], "1970-01-01T00:05:00.000Z");
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
