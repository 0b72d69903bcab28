//! Generators (`explode`, `posexplode` in LATERAL VIEW OUTER, `json_tuple`) and the
//! collecting, percentile and higher-moment aggregates (`collect_list`, `collect_set`,
//! `percentile_approx`, `percentile`, `median`, `skewness`, `kurtosis`) over the real
//! retail data, equal to Spark 4.3's answers (`tests/data/generators/*.jsonl`, made by
//! `make_answers.py` there); the word count as a batch query and as a stream, a file per
//! few micro-batches, as Spark's streaming word count runs.

mod common;

use sluice::prelude::*;
use std::time::Duration;

fn retail_dir() -> String {
    common::data_dir("retail-data").join("by-day").to_str().expect("UTF-8 path").to_string()
}

fn session() -> Session {
    Session::builder().workers(2).config("spark.sql.session.timeZone", "UTC").build().expect("session")
}

fn assert_answer(name: &str, got: Vec<Row>, want: &[Vec<Option<String>>]) {
    let got = common::sorted_spark_strings(&got);
    let missing: Vec<_> = want.iter().filter(|w| !got.contains(w)).take(5).collect();
    let extra: Vec<_> = got.iter().filter(|g| !want.contains(g)).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{name}: Spark's rows missing {missing:?}, rows not Spark's {extra:?}"
    );
    assert_eq!(got.len(), want.len(), "{name}: rows");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g, w, "{name}");
    }
}

#[test]
fn generators_and_collecting_aggregates_over_the_retail_data_give_sparks_answers() {
    let spark = session();
    spark
        .read()
        .schema(common::RETAIL)
        .format("csv")
        .option("header", true)
        .load(retail_dir().as_str())
        .expect("read")
        .create_or_replace_temp_view("retail")
        .expect("view");
    for name in ["words", "positions", "json_fields"] {
        let (query, types, want) = common::spark_table(&format!("tests/data/generators/{name}.jsonl"));
        let df = spark.sql(&query).expect("query");
        assert_eq!(common::sql_types(&df), types, "{name}: column types");
        assert_answer(name, df.collect().expect("collect"), &want);
    }
}

#[test]
fn the_word_count_and_lateral_views_run_on_a_stream() {
    let spark = session();
    spark
        .read_stream()
        .schema(common::RETAIL)
        .format("csv")
        .option("header", true)
        .option("maxFilesPerTrigger", 100)
        .load(retail_dir().as_str())
        .expect("stream")
        .create_or_replace_temp_view("retail")
        .expect("view");
    for name in ["words", "positions"] {
        let (query, _, want) = common::spark_table(&format!("tests/data/generators/{name}.jsonl"));
        let q = spark
            .sql(&query)
            .expect("query")
            .write_stream()
            .format("memory")
            .query_name(name)
            .output_mode("complete")
            .trigger(Trigger::AvailableNow)
            .start()
            .expect("start");
        assert!(q.await_termination_timeout(Duration::from_secs(300)).expect("no failure"));
        assert_eq!(q.recent_progress().len(), 4, "{name}: 305 files, 100 per micro-batch");
        assert_answer(name, spark.table(name).expect("table").collect().expect("collect"), &want);
    }
}

#[test]
fn generators_are_whole_select_items_as_in_spark() {
    let spark = session();
    let refused = |sql: &str| spark.sql(sql).and_then(|df| df.collect()).expect_err(sql).to_string();
    assert!(
        refused("SELECT explode(array(1, 2)) + 1").contains("UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS")
    );
    assert!(refused("SELECT explode(array(1)), explode(array(2))")
        .contains("UNSUPPORTED_GENERATOR.MULTI_GENERATOR"));
    assert!(refused("SELECT 1 AS a WHERE size(array(1)) > 0 AND explode(array(true))")
        .contains("UNSUPPORTED_GENERATOR.OUTSIDE_SELECT"));
    assert!(refused("SELECT posexplode(array(1, 2)) AS p").contains("UDTF_ALIAS_NUMBER_MISMATCH"));
    // A DataFrame's select plans the same generator.
    let df = spark
        .sql("SELECT 1 AS id, array('a', 'b') AS tags")
        .expect("query")
        .select(vec![col("id"), posexplode(col("tags"))]);
    let rows = common::spark_strings(&df.collect().expect("collect"));
    let s = |v: &str| Some(v.to_string());
    assert_eq!(rows, vec![vec![s("1"), s("0"), s("a")], vec![s("1"), s("1"), s("b")]]);
}

/// `SELECT *, explode(..)` is the input's columns and the generator's, as in Spark
/// (`tests/data/generators/star_beside.jsonl`): not also the hidden column the generator
/// node appends (Sluice once returned it).
#[test]
fn a_star_beside_a_generator_means_the_inputs_columns() {
    let file = "tests/data/generators/star_beside.jsonl";
    let (query, types, want) = common::spark_table(file);
    let df = session().sql(&query).expect("query");
    let names: Vec<String> = df.schema().expect("schema").fields.iter().map(|f| f.name.clone()).collect();
    assert_eq!(names, common::spark_columns(file));
    assert_eq!(common::sql_types(&df), types);
    assert_answer("star_beside", df.collect().expect("collect"), &want);
}
