//! The Spark guide's streaming walkthrough: count activity rows per `gt` as the files of
//! DIR stream in one per trigger, into a memory table, then print the table as JSON lines.
//!
//! `cargo run --release --example activity_counts -- DIR [--workers N]`
use sluice::prelude::*;

mod common;

fn main() {
    let (dir, workers) = common::args("activity_counts");
    common::run(|| {
        let spark = Session::builder().workers(workers).build()?;
        let streaming =
            spark.read_stream().schema(common::ACTIVITY_SCHEMA).option("maxFilesPerTrigger", 1).json(&dir)?;
        let activity_counts = streaming.group_by(["gt"]).count();
        let query = activity_counts
            .write_stream()
            .query_name("activity_counts")
            .format("memory")
            .output_mode("complete")
            .start()?;
        query.process_all_available()?;
        query.stop()?;
        for line in spark.sql("SELECT * FROM activity_counts ORDER BY gt")?.to_json_lines()? {
            println!("{line}");
        }
        Ok(())
    });
}
