//! Lambdas and higher-order functions (`transform`, `filter`, `exists`, `forall`,
//! `aggregate`, `zip_with`, `array_sort`, `xs[i]`, `get`) and maps (`map`, `m[k]`,
//! `map_filter`, `transform_values`, `map_zip_with`) inside aggregates over the real
//! HHAR sample, as a batch query and as a stream folding one file per micro-batch, equal to
//! Spark 4.3's answer (`tests/data/higher_order/hhar_by_block.jsonl`, made by
//! `make_answers.py` there).

mod common;

use sluice::prelude::*;
use std::time::Duration;

const HHAR: &str = "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, Index BIGINT, Model STRING, \
                    User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE";

/// Rows as Spark casts them to strings, in block order.
fn as_text(rows: Vec<Row>) -> Vec<Vec<Option<String>>> {
    let mut out = common::spark_strings(&rows);
    out.sort_by_key(|r| r[0].as_deref().and_then(|b| b.parse::<i64>().ok()));
    out
}

#[test]
fn higher_order_functions_in_aggregates_give_sparks_answer_in_batch_and_stream() {
    let (query, types, want) = common::spark_table("tests/data/higher_order/hhar_by_block.jsonl");
    let dir = common::data_dir("hhar-real-sample");
    let path = dir.to_str().expect("UTF-8 path");
    let spark = Session::builder().workers(2).build().expect("session");

    spark.read().schema(HHAR).json(path).expect("read").create_or_replace_temp_view("hhar").expect("view");
    let df = spark.sql(&query).expect("query");
    let got: Vec<String> =
        df.schema().expect("schema").fields.iter().map(|f| f.data_type.sql_name()).collect();
    assert_eq!(got, types, "column types");
    assert_eq!(as_text(df.collect().expect("collect")), want, "batch");

    let stream = spark.read_stream().schema(HHAR).option("maxFilesPerTrigger", 1).json(path).expect("stream");
    stream.create_or_replace_temp_view("hhar").expect("view");
    let q = spark
        .sql(&query)
        .expect("query")
        .write_stream()
        .format("memory")
        .query_name("blocks")
        .output_mode("complete")
        .trigger(Trigger::AvailableNow)
        .start()
        .expect("start");
    assert!(q.await_termination_timeout(Duration::from_secs(300)).expect("no failure"));
    assert_eq!(q.recent_progress().len(), 2, "one micro-batch per file");
    assert_eq!(as_text(spark.table("blocks").expect("table").collect().expect("collect")), want, "stream");
}
