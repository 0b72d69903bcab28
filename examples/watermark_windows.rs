//! Windows with a watermark: rows per 10-minute event-time window and user, in append
//! mode with a 30-minute watermark, so each window's row is written once, when the
//! watermark passes its end, and rows more than 30 minutes late are dropped. Reads the
//! files of DIR one per trigger, then prints the final table as JSON lines.
//!
//! `cargo run --release --example watermark_windows -- DIR [--workers N]`
use sluice::prelude::*;

mod common;

fn main() {
    let (dir, workers) = common::args("watermark_windows");
    common::run(|| {
        let spark = Session::builder().workers(workers).build()?;
        let events = spark
            .read_stream()
            .schema(common::ACTIVITY_SCHEMA)
            .option("maxFilesPerTrigger", 1)
            // In file-name order: copies of the data set lose their modification times.
            .option("fileOrder", "name")
            .json(&dir)?
            .with_column("event_time", (col("Creation_Time").cast("double") / 1e9).cast("timestamp"))
            .with_watermark("event_time", "30 minutes");
        let query = events
            .group_by([window(col("event_time"), "10 minutes"), col("User")])
            .count()
            .write_stream()
            .query_name("user_windows")
            .format("memory")
            .output_mode("append")
            .start()?;
        query.process_all_available()?;
        query.stop()?;
        for line in spark.sql("SELECT * FROM user_windows ORDER BY window, User")?.to_json_lines()? {
            println!("{line}");
        }
        Ok(())
    });
}
