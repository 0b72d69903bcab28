//! DECIMAL money, exact as Spark's: the retail data's prices read as DECIMAL(10,2), summed,
//! multiplied and averaged per country, in a batch query and in a streaming aggregation that
//! folds the files in one micro-batch at a time, equal to the last digit to Spark 4.3's
//! answer (`tests/data/decimal/retail_revenue.jsonl`, made by `make_retail.py` there).
//! And quantities read as SMALLINT: the four beyond its range are NULL as in Spark, and
//! the aggregates keep or widen the narrow type as Spark's (`retail_quantities.jsonl`,
//! made by `make_quantities.py`).

mod common;

use serde_json::Value as Json;
use sluice::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

const RETAIL: &str = "InvoiceNo STRING, StockCode STRING, Description STRING, Quantity INT, \
                      InvoiceDate TIMESTAMP, UnitPrice DECIMAL(10,2), CustomerID DOUBLE, Country STRING";

fn retail_dir() -> PathBuf {
    common::data_dir("retail-data").join("by-day")
}

/// Spark's answer in `tests/data/decimal/{name}`: the query, the column types, and each
/// row's values as Spark's strings.
fn spark_answer_in(name: &str) -> (String, Vec<String>, Vec<Vec<Option<String>>>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/decimal").join(name);
    let text = std::fs::read_to_string(path).expect("answer file");
    let mut lines = text.lines();
    let head: Json = serde_json::from_str(lines.next().expect("header")).expect("header JSON");
    let types = serde_json::from_value(head["types"].clone()).expect("types");
    let rows = lines.map(|l| serde_json::from_str(l).expect("row JSON")).collect();
    (head["query"].as_str().expect("query").to_string(), types, rows)
}

/// Rows as Spark casts them to strings, sorted by country.
fn as_text(rows: Vec<Row>) -> Vec<Vec<Option<String>>> {
    let mut out: Vec<Vec<Option<String>>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| {
                    let s = sluice_core::eval::cast_value(v, &DataType::String).expect("to string");
                    s.as_str().map(str::to_string)
                })
                .collect()
        })
        .collect();
    out.sort();
    out
}

fn spark_answer() -> (String, Vec<String>, Vec<Vec<Option<String>>>) {
    spark_answer_in("retail_revenue.jsonl")
}

fn types_of(df: &DataFrame) -> Vec<String> {
    df.schema().expect("schema").fields.iter().map(|f| f.data_type.sql_name()).collect()
}

#[test]
fn money_sums_and_averages_are_exact_in_a_batch_query() {
    let (query, types, want) = spark_answer();
    let spark = Session::builder().workers(2).build().expect("session");
    let dir = retail_dir();
    let retail = spark
        .read()
        .schema(RETAIL)
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
        .schema(RETAIL)
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
    let schema = RETAIL.replace("Quantity INT", "Quantity SMALLINT");
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
