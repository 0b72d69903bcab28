//! The Spark guide's second streaming example: rows whose activity mentions stairs, with
//! model and times, appended to a memory table as the files of DIR stream in one per
//! trigger; then print the table as JSON lines.
//!
//! `cargo run --release --example stairs -- DIR [--workers N]`
use sluice::prelude::*;

mod common;

fn main() {
    let (dir, workers) = common::args("stairs");
    common::run(|| {
        let spark = Session::builder().workers(workers).build()?;
        let streaming =
            spark.read_stream().schema(common::ACTIVITY_SCHEMA).option("maxFilesPerTrigger", 1).json(&dir)?;
        let simple = streaming
            .with_column("stairs", expr("gt like '%stairs%'"))
            .filter("stairs")
            .filter("gt is not null")
            .select(["gt", "model", "arrival_time", "creation_time"]);
        let query = simple
            .write_stream()
            .query_name("simple_transform")
            .format("memory")
            .output_mode("append")
            .start()?;
        query.process_all_available()?;
        query.stop()?;
        for line in spark.table("simple_transform")?.to_json_lines()? {
            println!("{line}");
        }
        Ok(())
    });
}
