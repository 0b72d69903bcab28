//! The file sink writes each batch's rows as JSON or CSV files, partitioned on request,
//! commits them through its log, and readers of its directory see exactly the committed
//! rows: a stray file that no batch committed is never read.

mod common;

use common::{drop_file, temp_data_dir};
use sluice::prelude::*;
use std::path::Path;

const SCHEMA: &str = "gt STRING, model STRING, x DOUBLE";

fn stream_into(
    spark: &Session,
    input: &Path,
    format: &str,
    out: &Path,
    partition_by: &[&str],
) -> StreamingQuery {
    spark
        .read_stream()
        .schema(SCHEMA)
        .option("maxFilesPerTrigger", 1)
        .json(input.to_str().unwrap())
        .unwrap()
        .write_stream()
        .format(format)
        .option("path", out.to_str().unwrap())
        .partition_by(partition_by)
        .start()
        .unwrap()
}

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort();
    rows
}

fn row(gt: &str, model: &str, x: f64) -> Row {
    vec![Value::string(gt), Value::string(model), Value::double(x)]
}

#[test]
fn json_and_csv_output_reads_back_as_the_committed_rows_once() {
    for format in ["json", "csv"] {
        let (_tmp, input) = temp_data_dir();
        let out = tempfile::tempdir().unwrap();
        let spark = Session::builder().workers(2).build().unwrap();
        drop_file(
            &input,
            "1.json",
            "{\"gt\":\"sit\",\"model\":\"s3\",\"x\":1.5}\n{\"gt\":\"bike\",\"model\":\"a,b\",\"x\":2}\n",
            20,
        );
        let q = stream_into(&spark, &input, format, out.path(), &[]);
        q.process_all_available().unwrap();
        drop_file(&input, "2.json", "{\"gt\":null,\"model\":\"s3\",\"x\":-3}\n", 10);
        q.process_all_available().unwrap();
        q.stop().unwrap();
        // A half-written file no batch committed: readers must not see it.
        std::fs::write(out.path().join(format!("part-99999-00000.{format}")), "garbage\n").unwrap();
        let back = spark.read().schema(SCHEMA).format(format).load(out.path().to_str().unwrap()).unwrap();
        let want = vec![
            row("bike", "a,b", 2.0),
            row("sit", "s3", 1.5),
            vec![Value::Null, Value::string("s3"), Value::double(-3.0)],
        ];
        assert_eq!(sorted(back.collect().unwrap()), sorted(want), "{format}");
        let logs = std::fs::read_dir(out.path().join("_sluice_metadata")).unwrap().count();
        assert_eq!(logs, 2, "one log entry per batch");
    }
}

#[test]
fn partition_by_writes_column_directories_that_stay_inside_the_path() {
    let (_tmp, input) = temp_data_dir();
    let out = tempfile::tempdir().unwrap();
    let spark = Session::builder().build().unwrap();
    drop_file(
        &input,
        "1.json",
        "{\"gt\":\"sit\",\"model\":\"s3\",\"x\":1}\n{\"gt\":\"../../escape\",\"model\":\"s3\",\"x\":2}\n{\"gt\":\"a/b\",\"model\":\"n4\",\"x\":3}\n",
        5,
    );
    let q = stream_into(&spark, &input, "json", out.path(), &["gt"]);
    q.process_all_available().unwrap();
    q.stop().unwrap();
    let mut dirs: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('_'))
        .collect();
    dirs.sort();
    assert_eq!(dirs, vec!["gt=..%2F..%2Fescape", "gt=a%2Fb", "gt=sit"]);
    assert!(!out.path().parent().unwrap().join("escape").exists());
    // Reading the directory back discovers the partition column from the directory names.
    let back = spark.read().schema(SCHEMA).json(out.path().to_str().unwrap()).unwrap().collect().unwrap();
    assert_eq!(
        sorted(back),
        sorted(vec![row("sit", "s3", 1.0), row("../../escape", "s3", 2.0), row("a/b", "n4", 3.0)]),
        "partition values come back unescaped"
    );
    // Data files hold the other columns only, as Spark writes them.
    let file = std::fs::read_dir(out.path().join("gt=sit")).unwrap().next().unwrap().unwrap().path();
    assert_eq!(std::fs::read_to_string(file).unwrap().trim(), r#"{"model":"s3","x":1.0}"#);
}

#[test]
fn a_second_stream_over_the_sink_directory_sees_each_committed_batch_once() {
    let (_tmp, input) = temp_data_dir();
    let out = tempfile::tempdir().unwrap();
    let spark = Session::builder().workers(2).build().unwrap();
    for i in 0..3 {
        drop_file(
            &input,
            &format!("{i}.json"),
            &format!("{{\"gt\":\"g{i}\",\"model\":\"m\",\"x\":{i}}}\n"),
            30 - i,
        );
    }
    let writer = stream_into(&spark, &input, "json", out.path(), &[]);
    writer.process_all_available().unwrap();
    writer.stop().unwrap();
    std::fs::write(out.path().join("part-00007-00000.json"), "{\"gt\":\"stray\"}\n").unwrap();
    let reader = spark
        .read_stream()
        .schema(SCHEMA)
        .json(out.path().to_str().unwrap())
        .unwrap()
        .write_stream()
        .format("memory")
        .query_name("copied")
        .start()
        .unwrap();
    reader.process_all_available().unwrap();
    reader.stop().unwrap();
    let got = spark.sql("SELECT gt FROM copied ORDER BY gt").unwrap().collect().unwrap();
    assert_eq!(got, vec![vec![Value::string("g0")], vec![Value::string("g1")], vec![Value::string("g2")]]);
}

#[test]
fn the_file_sink_takes_append_mode_only_and_needs_a_path() {
    let (_tmp, input) = temp_data_dir();
    let spark = Session::builder().build().unwrap();
    let df = spark.read_stream().schema(SCHEMA).json(input.to_str().unwrap()).unwrap();
    let err = df
        .group_by(["gt"])
        .count()
        .write_stream()
        .format("json")
        .option("path", "/tmp/x")
        .output_mode("complete")
        .start()
        .unwrap_err();
    assert!(err.to_string().contains("Data source json does not support Complete output mode"), "{err}");
    let err = df.write_stream().format("csv").start().unwrap_err();
    assert!(err.to_string().contains("'path' is not specified"), "{err}");
}

/// Reading a partitioned sink directory back without a schema discovers the partition
/// column from the `col=value` directories, as Spark does: inferred after the data
/// columns, with the narrowest type that holds every value.
#[test]
fn schema_inference_adds_the_partition_columns_of_the_directories() {
    for format in ["json", "csv", "parquet"] {
        let (_tmp, input) = temp_data_dir();
        let out = tempfile::tempdir().unwrap();
        let spark = Session::builder().workers(2).build().unwrap();
        drop_file(
            &input,
            "1.json",
            "{\"gt\":\"sit\",\"model\":\"s3\",\"x\":1.5}\n{\"gt\":\"bike\",\"model\":\"n4\",\"x\":2}\n{\"gt\":null,\"model\":\"s3\",\"x\":3}\n",
            5,
        );
        let q = stream_into(&spark, &input, format, out.path(), &["gt"]);
        q.process_all_available().unwrap();
        q.stop().unwrap();
        let mut reader = spark.read().format(format);
        if format == "csv" {
            reader = reader.option("inferSchema", true);
        }
        let back = reader.load(out.path().to_str().unwrap()).unwrap();
        let names: Vec<String> = back.schema().unwrap().fields.iter().map(|f| f.name.clone()).collect();
        let data = if format == "csv" { vec!["_c0", "_c1"] } else { vec!["model", "x"] };
        assert_eq!(names, [data, vec!["gt"]].concat(), "{format}");
        let gt = back.schema().unwrap().fields[2].data_type.clone();
        assert_eq!(gt, DataType::String, "{format}");
        let want = vec![
            vec![Value::string("s3"), Value::double(1.5), Value::string("sit")],
            vec![Value::string("n4"), Value::double(2.0), Value::string("bike")],
            vec![Value::string("s3"), Value::double(3.0), Value::Null],
        ];
        assert_eq!(sorted(back.collect().unwrap()), sorted(want), "{format}");
    }
}

/// The JSON and CSV sinks write timestamps, dates and NULLs as Spark 4.3's writers do:
/// `2024-03-10T10:11:12.500Z` by default, the `timestampFormat`/`dateFormat` options'
/// patterns when given, local time in the `timeZone` option, a JSON row without its NULL
/// fields unless `ignoreNullFields` is false, a CSV header, separator and quote as asked
/// (`tests/data/file_sink/spark_writers.py` recorded Spark's files); a writer option that
/// would change the bytes and is not followed is refused.
#[test]
fn json_and_csv_sinks_write_timestamps_and_dates_as_sparks_writers_do() {
    let expected =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/file_sink/expected.txt"))
            .unwrap();
    let section = |name: &str| -> Vec<String> {
        let mut lines: Vec<String> = expected
            .split("== ")
            .find_map(|s| s.strip_prefix(&format!("{name}\n")))
            .unwrap_or_else(|| panic!("no section {name}"))
            .lines()
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    };
    let rows = "{\"id\":1,\"ts\":\"2024-03-10 10:11:12.5\",\"d\":\"2024-03-10\",\"s\":\"a\"}\n\
                {\"id\":2}\n\
                {\"id\":3,\"ts\":\"2024-03-10 00:00:00\",\"d\":\"1999-01-31\",\"s\":\"c,d\"}\n";
    let formats = [("timestampFormat", "dd/MM/yyyy HH:mm"), ("dateFormat", "yyyy/MM/dd")];
    // (expected section, sink format, input rows, sink options)
    type Case<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);
    let cases: [Case; 7] = [
        ("json", "json", rows, &[]),
        ("json_fmt", "json", rows, &formats),
        ("csv", "csv", rows, &[]),
        ("csv_fmt", "csv", rows, &formats),
        ("csv_header", "csv", rows, &[("header", "true"), ("sep", ";"), ("quote", "'")]),
        ("json_nulls", "json", rows, &[("ignoreNullFields", "false")]),
        ("json_la", "json", "{\"ts\":\"2024-03-10T17:11:12Z\"}\n", &[("timeZone", "America/Los_Angeles")]),
    ];
    for (name, format, input_rows, options) in cases {
        let (_tmp, input) = temp_data_dir();
        drop_file(&input, "1.json", input_rows, 10);
        let out = tempfile::tempdir().unwrap();
        let spark = Session::builder().workers(1).build().unwrap();
        let schema =
            if name == "json_la" { "ts TIMESTAMP" } else { "id INT, ts TIMESTAMP, d DATE, s STRING" };
        let mut writer = spark
            .read_stream()
            .schema(schema)
            .json(input.to_str().unwrap())
            .unwrap()
            .write_stream()
            .format(format)
            .option("path", out.path().to_str().unwrap());
        for (k, v) in options {
            writer = writer.option(k, v);
        }
        let q = writer.start().unwrap();
        q.process_all_available().unwrap();
        q.stop().unwrap();
        let mut got: Vec<String> = Vec::new();
        for entry in std::fs::read_dir(out.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap().to_str().unwrap().starts_with("part-") {
                got.extend(std::fs::read_to_string(&path).unwrap().lines().map(str::to_string));
            }
        }
        got.sort();
        assert_eq!(got, section(name), "{name}");
    }
    // Options the sink does not follow are refused, not ignored.
    let (_tmp, input) = temp_data_dir();
    let out = tempfile::tempdir().unwrap();
    let spark = Session::builder().workers(1).build().unwrap();
    let refused = spark
        .read_stream()
        .schema("id INT")
        .json(input.to_str().unwrap())
        .unwrap()
        .write_stream()
        .format("csv")
        .option("path", out.path().to_str().unwrap())
        .option("nullValue", "NA")
        .start();
    let err = match refused {
        Ok(_) => panic!("nullValue = NA is refused"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("nullValue"), "{err}");
}
