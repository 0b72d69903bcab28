//! Window functions (`OVER`) over the real retail data, equal to Spark 4.3's answers
//! (`tests/data/window_functions/*.jsonl`, made by `make_answers.py` there): each country's
//! top stock items (rank, dense_rank, a top-N filter over an aggregation) and its daily
//! revenue with a running total, the change from the day before, quartiles and a weekly
//! maximum (sum, lag, ntile, a ROWS frame), exact DECIMALs throughout. And a stream, which
//! Spark refuses window functions on, refused the same way.

mod common;

use sluice::prelude::*;

fn session_with_retail() -> Session {
    let spark =
        Session::builder().workers(2).config("spark.sql.session.timeZone", "UTC").build().expect("session");
    let dir = common::data_dir("retail-data").join("by-day");
    spark
        .read()
        .schema(common::RETAIL)
        .format("csv")
        .option("header", true)
        .load(dir.to_str().expect("UTF-8 path"))
        .expect("read")
        .create_or_replace_temp_view("retail")
        .expect("view");
    spark
}

#[test]
fn ranking_lag_ntile_and_frames_over_the_retail_data_give_sparks_answers() {
    let spark = session_with_retail();
    for name in ["top_items.jsonl", "daily_revenue.jsonl"] {
        let (query, types, want) = common::spark_table(&format!("tests/data/window_functions/{name}"));
        let df = spark.sql(&query).expect("query");
        let got: Vec<String> =
            df.schema().expect("schema").fields.iter().map(|f| f.data_type.sql_name()).collect();
        assert_eq!(got, types, "{name}: column types");
        let got = common::sorted_spark_strings(&df.collect().expect("collect"));
        assert_eq!(got.len(), want.len(), "{name}: rows");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{name}");
        }
    }
}

#[test]
fn window_functions_on_a_stream_are_refused_as_spark_refuses_them() {
    let spark = Session::builder().build().expect("session");
    let dir = common::data_dir("retail-data").join("by-day");
    spark
        .read_stream()
        .schema(common::RETAIL)
        .option("header", true)
        .csv(dir.to_str().expect("UTF-8 path"))
        .expect("stream")
        .create_or_replace_temp_view("retail_stream")
        .expect("view");
    let err = spark
        .sql("SELECT Country, row_number() OVER (PARTITION BY Country ORDER BY InvoiceDate) AS n FROM retail_stream")
        .and_then(|df| df.write_stream().format("memory").query_name("refused").start().map(|_| ()))
        .expect_err("a window function on a stream is refused");
    assert!(err.to_string().contains("[NON_TIME_WINDOW_NOT_SUPPORTED_IN_STREAMING]"), "{err}");
}
