//! Parquet through the file sink and the file source: a stream of JSON rows written as
//! parquet reads back (schema from the files) as the same rows, `partitionBy` lays out
//! `col=value/` directories of parquet files, and a parquet stream over the sink's
//! directory sees each committed row once.

mod common;

use common::{drop_file, temp_data_dir};
use sluice::prelude::*;
use std::path::Path;

const SCHEMA: &str = "id BIGINT, n INT, x DOUBLE, s STRING, b BOOLEAN, ts TIMESTAMP, d DATE";

fn write_parquet(spark: &Session, input: &Path, out: &Path, partition_by: &[&str]) {
    let q = spark
        .read_stream()
        .schema(SCHEMA)
        .option("maxFilesPerTrigger", 1)
        .json(input.to_str().unwrap())
        .unwrap()
        .write_stream()
        .format("parquet")
        .option("path", out.to_str().unwrap())
        .partition_by(partition_by)
        .start()
        .unwrap();
    q.process_all_available().unwrap();
    q.stop().unwrap();
}

fn drop_inputs(input: &Path) {
    drop_file(
        input,
        "1.json",
        concat!(
            "{\"id\":1,\"n\":10,\"x\":1.5,\"s\":\"a\",\"b\":true,\"ts\":\"2024-01-02 03:04:05.123456\",\"d\":\"2024-01-02\"}\n",
            "{\"id\":2,\"n\":-20,\"x\":-2.25,\"s\":\"b/c\",\"b\":false,\"ts\":\"1970-01-01 00:00:00\",\"d\":\"1969-12-31\"}\n",
        ),
        20,
    );
    drop_file(input, "2.json", "{\"id\":3,\"s\":\"a\"}\n", 10);
}

fn expected() -> Vec<Row> {
    vec![
        vec![
            Value::Long(1),
            Value::Int(10),
            Value::double(1.5),
            Value::string("a"),
            Value::Boolean(true),
            Value::Timestamp(1_704_164_645_123_456),
            Value::Date(19_724),
        ],
        vec![
            Value::Long(2),
            Value::Int(-20),
            Value::double(-2.25),
            Value::string("b/c"),
            Value::Boolean(false),
            Value::Timestamp(0),
            Value::Date(-1),
        ],
        vec![
            Value::Long(3),
            Value::Null,
            Value::Null,
            Value::string("a"),
            Value::Null,
            Value::Null,
            Value::Null,
        ],
    ]
}

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort();
    rows
}

#[test]
fn a_parquet_sink_reads_back_with_the_schema_of_its_files() {
    let (_tmp, input) = temp_data_dir();
    let out = tempfile::tempdir().unwrap();
    let spark = Session::builder().workers(2).build().unwrap();
    drop_inputs(&input);
    write_parquet(&spark, &input, out.path(), &[]);
    // A file no batch committed is never read.
    std::fs::write(out.path().join("part-99999-00000.parquet"), "garbage").unwrap();
    let back = spark.read().parquet(out.path().to_str().unwrap()).unwrap();
    assert_eq!(back.schema().unwrap(), Schema::parse_ddl(SCHEMA).unwrap());
    assert_eq!(sorted(back.collect().unwrap()), sorted(expected()));
    // Projection of some columns, in another order.
    let some = back.select(["s", "id"]).collect().unwrap();
    assert_eq!(
        sorted(some),
        sorted(vec![
            vec![Value::string("a"), Value::Long(1)],
            vec![Value::string("b/c"), Value::Long(2)],
            vec![Value::string("a"), Value::Long(3)],
        ])
    );
    let logs = std::fs::read_dir(out.path().join("_sluice_metadata")).unwrap().count();
    assert_eq!(logs, 2, "one log entry per batch");
}

#[test]
fn partition_by_writes_parquet_files_in_column_directories() {
    let (_tmp, input) = temp_data_dir();
    let out = tempfile::tempdir().unwrap();
    let spark = Session::builder().build().unwrap();
    drop_inputs(&input);
    write_parquet(&spark, &input, out.path(), &["s"]);
    let mut dirs: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('_'))
        .collect();
    dirs.sort();
    assert_eq!(dirs, vec!["s=a", "s=b%2Fc"]);
    // The data files hold the other columns only.
    let part = spark.read().parquet(out.path().join("s=a").to_str().unwrap()).unwrap();
    assert_eq!(
        part.schema().unwrap(),
        Schema::parse_ddl("id BIGINT, n INT, x DOUBLE, b BOOLEAN, ts TIMESTAMP, d DATE").unwrap()
    );
    let ids: Vec<Row> = sorted(part.select(["id"]).collect().unwrap());
    assert_eq!(ids, vec![vec![Value::Long(1)], vec![Value::Long(3)]]);
}

#[test]
fn a_parquet_stream_over_the_sink_directory_sees_each_row_once() {
    let (_tmp, input) = temp_data_dir();
    let out = tempfile::tempdir().unwrap();
    let spark = Session::builder().workers(2).build().unwrap();
    // No files yet: a parquet stream needs a schema, as in Spark.
    let empty = tempfile::tempdir().unwrap();
    let err = spark.read_stream().parquet(empty.path().to_str().unwrap()).unwrap_err();
    assert!(err.to_string().contains("Schema must be specified"), "{err}");
    drop_inputs(&input);
    write_parquet(&spark, &input, out.path(), &[]);
    std::fs::write(out.path().join("part-00007-00000.parquet"), "stray").unwrap();
    let reader = spark
        .read_stream()
        .parquet(out.path().to_str().unwrap())
        .unwrap()
        .write_stream()
        .format("memory")
        .query_name("copied")
        .start()
        .unwrap();
    reader.process_all_available().unwrap();
    reader.stop().unwrap();
    let got = spark.sql("SELECT * FROM copied").unwrap().collect().unwrap();
    assert_eq!(sorted(got), sorted(expected()));
}

/// Spark's `compression` option: snappy by default, `none`/`uncompressed` on request, the
/// same rows either way; an unknown codec is refused at `start()` naming the option.
#[test]
fn parquet_files_are_snappy_compressed_unless_the_compression_option_says_otherwise() {
    let (_tmp, input) = temp_data_dir();
    // Repetitive rows, so compression shows in the sizes.
    let rows: String =
        (0..2000).map(|i| format!("{{\"id\":{},\"s\":\"walking-upstairs\"}}\n", i % 4)).collect();
    drop_file(&input, "1.json", &rows, 5);
    let spark = Session::builder().build().unwrap();
    let write = |compression: Option<&str>| -> sluice::Result<(u64, Vec<Row>)> {
        let out = tempfile::tempdir().unwrap();
        let mut writer = spark
            .read_stream()
            .schema("id BIGINT, s STRING")
            .json(input.to_str().unwrap())?
            .write_stream()
            .format("parquet")
            .option("path", out.path().to_str().unwrap());
        if let Some(c) = compression {
            writer = writer.option("compression", c);
        }
        let q = writer.trigger(Trigger::AvailableNow).start()?;
        q.await_termination()?;
        let size = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .map(|p| std::fs::metadata(p).unwrap().len())
            .sum();
        Ok((size, sorted(spark.read().parquet(out.path().to_str().unwrap())?.collect()?)))
    };
    let (snappy, rows_snappy) = write(None).unwrap();
    let (plain, rows_plain) = write(Some("none")).unwrap();
    assert_eq!(rows_snappy.len(), 2000);
    assert_eq!(rows_snappy, rows_plain);
    assert!(snappy < plain, "snappy {snappy} bytes, uncompressed {plain} bytes");
    let err = write(Some("brotli")).unwrap_err().to_string();
    assert!(err.contains("compression") && err.contains("brotli"), "{err}");
}
