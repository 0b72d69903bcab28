//! DECIMAL money, exact as Spark's: the retail data's prices read as DECIMAL(10,2), summed,
//! multiplied and averaged per country, in a batch query and in a streaming aggregation that
//! folds the files in one micro-batch at a time, equal to the last digit to Spark 4.3's
//! answer (`tests/data/decimal/retail_revenue.jsonl`, made by `make_retail.py` there).
//! And quantities read as SMALLINT: the four beyond its range are NULL as in Spark, and
//! the aggregates keep or widen the narrow type as Spark's (`retail_quantities.jsonl`,
//! made by `make_quantities.py`).

mod common;

use sluice::prelude::*;
use std::path::PathBuf;
use std::time::Duration;

fn retail_dir() -> PathBuf {
    common::data_dir("retail-data").join("by-day")
}

/// Spark's answer in `tests/data/decimal/{name}`.
fn spark_answer_in(name: &str) -> common::SparkTable {
    common::spark_table(&format!("tests/data/decimal/{name}"))
}

/// Rows as Spark casts them to strings, sorted by country.
fn as_text(rows: Vec<Row>) -> Vec<Vec<Option<String>>> {
    let mut out = common::spark_strings(&rows);
    out.sort();
    out
}

fn spark_answer() -> common::SparkTable {
    spark_answer_in("retail_revenue.jsonl")
}

fn types_of(df: &DataFrame) -> Vec<String> {
    common::sql_types(df)
}

#[test]
fn money_sums_and_averages_are_exact_in_a_batch_query() {
    let (query, types, want) = spark_answer();
    let spark = Session::builder().workers(2).build().expect("session");
    let dir = retail_dir();
    let retail = spark
        .read()
        .schema(common::RETAIL)
        .format("csv")
        .option("header", true)
        .load(dir.to_str().expect("UTF-8 path"))
        .expect("read");
    retail.create_or_replace_temp_view("retail").expect("view");
    let df = spark.sql(&query).expect("query");
    assert_eq!(types_of(&df), types, "column types");
    let got = as_text(df.collect().expect("collect"));
    assert_eq!(got.len(), want.len(), "countries");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "{}", w[0].as_deref().unwrap_or("?"));
    }
}

#[test]
fn money_sums_and_averages_are_exact_in_a_streaming_aggregation() {
    let (query, types, want) = spark_answer();
    let spark = Session::builder().workers(2).build().expect("session");
    let dir = retail_dir();
    let stream = spark
        .read_stream()
        .schema(common::RETAIL)
        .format("csv")
        .option("header", true)
        .option("maxFilesPerTrigger", 40)
        .load(dir.to_str().expect("UTF-8 path"))
        .expect("stream");
    stream.create_or_replace_temp_view("retail").expect("view");
    let df = spark.sql(&query).expect("query");
    assert_eq!(types_of(&df), types, "column types");
    let q = df
        .write_stream()
        .format("memory")
        .query_name("revenue")
        .output_mode("complete")
        .trigger(Trigger::AvailableNow)
        .start()
        .expect("start");
    assert!(q.await_termination_timeout(Duration::from_secs(300)).expect("no failure"));
    let batches = q.recent_progress().len();
    assert!(batches >= 8, "the 305 files came in {batches} batches, expected at least 8 of 40 files");
    let got = as_text(spark.table("revenue").expect("table").collect().expect("collect"));
    assert_eq!(got, want);
}

#[test]
fn smallint_quantities_beyond_the_type_read_as_null_and_aggregate_as_sparks() {
    let (query, types, want) = spark_answer_in("retail_quantities.jsonl");
    let schema = common::RETAIL.replace("Quantity INT", "Quantity SMALLINT");
    let spark = Session::builder().workers(2).build().expect("session");
    let dir = retail_dir();
    let batch = spark
        .read()
        .schema(&schema)
        .format("csv")
        .option("header", true)
        .load(dir.to_str().expect("UTF-8 path"))
        .expect("read");
    batch.create_or_replace_temp_view("retail").expect("view");
    let df = spark.sql(&query).expect("query");
    assert_eq!(types_of(&df), types, "column types");
    assert_eq!(as_text(df.collect().expect("collect")), want, "batch");

    let stream = spark
        .read_stream()
        .schema(&schema)
        .format("csv")
        .option("header", true)
        .option("maxFilesPerTrigger", 80)
        .load(dir.to_str().expect("UTF-8 path"))
        .expect("stream");
    stream.create_or_replace_temp_view("retail_stream").expect("view");
    let df = spark.sql(&query.replace("FROM retail ", "FROM retail_stream ")).expect("query");
    let q = df
        .write_stream()
        .format("memory")
        .query_name("quantities")
        .output_mode("complete")
        .trigger(Trigger::AvailableNow)
        .start()
        .expect("start");
    assert!(q.await_termination_timeout(Duration::from_secs(300)).expect("no failure"));
    let got = as_text(spark.table("quantities").expect("table").collect().expect("collect"));
    assert_eq!(got, want, "stream");
}
