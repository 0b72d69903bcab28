//! Event-time windows: rows per 10-minute window of the time the phones recorded them
//! (`Creation_Time`, nanoseconds), complete mode, as the files of DIR stream in one per
//! trigger; then print the final table as JSON lines.
//!
//! `cargo run --release --example event_time_windows -- DIR [--workers N]`
use sluice::prelude::*;

mod common;

fn main() {
    let (dir, workers) = common::args("event_time_windows");
    common::run(|| {
        let spark = Session::builder().workers(workers).build()?;
        let events = spark
            .read_stream()
            .schema(common::ACTIVITY_SCHEMA)
            .option("maxFilesPerTrigger", 1)
            // In file-name order: copies of the data set lose their modification times.
            .option("fileOrder", "name")
            .json(&dir)?
            .with_column("event_time", (col("Creation_Time").cast("double") / 1e9).cast("timestamp"));
        let query = events
            .group_by([window(col("event_time"), "10 minutes")])
            .count()
            .write_stream()
            .query_name("events_per_window")
            .format("memory")
            .output_mode("complete")
            .start()?;
        query.process_all_available()?;
        query.stop()?;
        for line in spark.sql("SELECT * FROM events_per_window ORDER BY window")?.to_json_lines()? {
            println!("{line}");
        }
        Ok(())
    });
}
