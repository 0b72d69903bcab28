//! One set of JSON -> value rules for `from_json` (`sluice_core::json_value`) and the JSON
//! file source's scanner (`sluice_connectors::file::json`), checked line by line against
//! Spark 4.3's answers for both and against each other.
//!
//! The lines and Spark's answers are in `core/tests/spark/json_rules.py` and
//! `json_rules.expected.jsonl` (each field as `CAST(.. AS STRING)`, null for NULL). Where
//! Spark itself answers differently for the two (a non-string value in a string field is
//! re-serialised by `from_json`, kept as written by the file source), each side is held to
//! its own Spark answer and the test names the lines where the two differ.

use sluice::prelude::*;
use sluice_core::eval::cast_value;
use sluice_core::json_value::parse_struct;
use sluice_core::{DataType, Schema};
use std::path::Path;

const SCHEMA: &str = "i INT, l BIGINT, d DOUBLE, s STRING, b BOOLEAN, t TIMESTAMP, dt DATE, n STRUCT<x: BIGINT, Y: STRING>, a ARRAY<INT>";

struct Case {
    line: String,
    from_json: Vec<Option<String>>,
    file: Vec<Option<String>>,
}

fn cases() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("core/tests/spark/json_rules.expected.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let strings = |v: &serde_json::Value| -> Vec<Option<String>> {
        v.as_array().unwrap().iter().map(|x| x.as_str().map(String::from)).collect()
    };
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            Case {
                line: v["line"].as_str().unwrap().to_string(),
                from_json: strings(&v["from_json"]),
                file: strings(&v["file"]),
            }
        })
        .collect()
}

/// A value as `CAST(v AS STRING)` shows it, `None` for NULL.
fn as_text(v: &Value) -> Option<String> {
    match cast_value(v, &DataType::String).unwrap() {
        Value::Null => None,
        Value::String(s) => Some(s.to_string()),
        other => panic!("CAST AS STRING gave {other:?}"),
    }
}

fn names(schema: &Schema) -> Vec<String> {
    schema.fields.iter().map(|f| f.name.clone()).collect()
}

#[test]
fn from_json_follows_spark() {
    let schema = Schema::parse_ddl(SCHEMA).unwrap();
    let cases = cases();
    assert!(cases.len() >= 25, "the Spark answers are missing lines");
    for c in &cases {
        let Value::Struct(values) = parse_struct(&c.line, &schema.fields) else { panic!("not a struct") };
        let got: Vec<Option<String>> = values.iter().map(as_text).collect();
        assert_eq!(got, c.from_json, "from_json of {} (fields {:?})", c.line, names(&schema));
    }
}

fn file_source_rows(workers: usize) -> Vec<Vec<Option<String>>> {
    let cases = cases();
    let dir = tempfile::tempdir().unwrap();
    let body: String = cases.iter().map(|c| format!("{}\n", c.line)).collect();
    std::fs::write(dir.path().join("in.json"), body).unwrap();
    let spark = Session::builder().workers(workers).build().unwrap();
    let schema = Schema::parse_ddl(SCHEMA).unwrap();
    let df = spark.read().schema(SCHEMA).json(dir.path().to_str().unwrap()).unwrap();
    let cols: Vec<_> = schema.fields.iter().map(|f| col(&f.name).cast("string").alias(&f.name)).collect();
    let rows = df.select(cols).collect().unwrap();
    rows.iter().map(|r| r.iter().map(|v| if v.is_null() { None } else { as_text(v) }).collect()).collect()
}

/// The file source's rows are a multiset (collect has no order): each Spark row must be
/// matched by exactly one of ours.
fn assert_same_multiset(mut got: Vec<Vec<Option<String>>>, want: Vec<(String, Vec<Option<String>>)>) {
    assert_eq!(got.len(), want.len(), "rows read");
    for (line, row) in want {
        let Some(i) = got.iter().position(|g| *g == row) else {
            panic!("the file source has no row {row:?} for line {line}; rows left: {got:#?}")
        };
        got.swap_remove(i);
    }
}

#[test]
fn the_file_source_follows_spark_with_1_and_2_workers() {
    for workers in [1, 2] {
        let want = cases().into_iter().map(|c| (c.line, c.file)).collect();
        assert_same_multiset(file_source_rows(workers), want);
    }
}

#[test]
fn from_json_and_the_file_source_agree_except_where_spark_differs() {
    // Spark's own difference: the JSON text of a non-string value in a string field.
    let differ: Vec<String> = cases().into_iter().filter(|c| c.from_json != c.file).map(|c| c.line).collect();
    for line in &differ {
        assert!(line.starts_with("{\"s\": "), "Spark's two answers differ on {line}, not a string field");
    }
    // Everywhere else one rule: what from_json gives is what the file source reads.
    let schema = Schema::parse_ddl(SCHEMA).unwrap();
    let want = cases()
        .into_iter()
        .filter(|c| !differ.contains(&c.line))
        .map(|c| {
            let Value::Struct(values) = parse_struct(&c.line, &schema.fields) else { panic!() };
            (c.line, values.iter().map(as_text).collect())
        })
        .collect::<Vec<_>>();
    let got: Vec<_> = file_source_rows(1)
        .into_iter()
        .filter(|r| {
            // Drop the rows of the lines where Spark's two answers differ.
            !cases().iter().any(|c| differ.contains(&c.line) && c.file == *r)
        })
        .collect();
    assert_same_multiset(got, want);
}
