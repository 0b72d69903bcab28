//! The file source on real data as Spark reads it: compressed files by extension (batch and
//! stream, 1 and 2 workers), `timestampFormat`/`dateFormat`, multiLine JSON, encodings,
//! listing filters, and binary files that are an error (or, with `ignoreCorruptFiles`, a
//! skipped file) rather than rows of garbage.
//!
//! Expected answers are Spark 4.3's, made by `tests/spark/file_source.py` from the same
//! fixtures, which both build from `../shared/data` (see that script).

mod common;

use common::{assert_same_rows, data_dir, JsonRow};
use serde_json::json;
use sluice::prelude::*;
use sluice_connectors::file::Codec;
use std::path::{Path, PathBuf};
use std::time::Duration;

const ACTIVITY_DDL: &str = "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, Index BIGINT, Model STRING, User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE";
const RETAIL_DDL: &str = "InvoiceNo STRING, StockCode STRING, Description STRING, Quantity INT, InvoiceDate STRING, UnitPrice DOUBLE, CustomerID DOUBLE, Country STRING";
const WAIT: Duration = Duration::from_secs(120);

/// Spark's answer `name` (tests/data/file_source/<name>.jsonl).
fn spark_answer(name: &str) -> Vec<JsonRow> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/file_source").join(format!("{name}.jsonl"));
    common::parse_json_lines(&common::read_text(&path))
}

/// The first `n` data files of a directory, by name.
fn first_files(dir: &Path, n: usize) -> Vec<PathBuf> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with(['.', '_']))
        .collect();
    names.sort();
    names.truncate(n);
    names
}

fn activity_files() -> Vec<PathBuf> {
    first_files(&data_dir("activity-data-synth"), 6)
}

fn retail_files() -> Vec<PathBuf> {
    first_files(&data_dir("retail-data").join("by-day"), 5)
}

/// Copies `files` into a new directory, each compressed with `codec` (`<name>.<ext>`).
fn compressed_copy(files: &[PathBuf], codec: Codec) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let bytes = codec.compress(&std::fs::read(f).unwrap()).unwrap();
        let name = format!("{}.{}", f.file_name().unwrap().to_string_lossy(), codec.extension());
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

/// Sluice rows as JSON objects with these column names (timestamps and dates as numbers).
fn as_json(columns: &[&str], rows: Vec<Row>) -> Vec<JsonRow> {
    rows.into_iter()
        .map(|row| {
            columns
                .iter()
                .zip(row)
                .map(|(c, v)| {
                    let j = match v {
                        Value::Null => serde_json::Value::Null,
                        Value::Boolean(b) => json!(b),
                        Value::Int(i) => json!(i),
                        Value::Long(i) | Value::Timestamp(i) => json!(i),
                        Value::Date(d) => json!(d),
                        Value::Double(d) => json!(d.0),
                        Value::String(s) => json!(s.as_ref()),
                        other => panic!("unexpected value {other:?}"),
                    };
                    (c.to_string(), j)
                })
                .collect()
        })
        .collect()
}

/// The error of reading (or inferring) `df`.
fn fails(df: Result<DataFrame, SluiceError>) -> String {
    match df.and_then(|df| df.collect()) {
        Ok(rows) => panic!("expected an error, read {} rows", rows.len()),
        Err(e) => e.to_string(),
    }
}

fn session(workers: usize) -> Session {
    Session::builder().workers(workers).build().unwrap()
}

/// Runs `query` over `df` as a batch and as a stream (complete mode, AvailableNow) with 1 and
/// 2 workers, checking each against Spark's answer.
fn check_batch_and_stream(
    name: &str,
    read: &dyn Fn(&Session, bool) -> DataFrame,
    query: &dyn Fn(DataFrame) -> DataFrame,
    columns: &[&str],
    context: &str,
) {
    check_with_mode(name, read, query, columns, context, "complete")
}

/// Runs `df` as a stream into the memory table `table` (`mode`, AvailableNow) to its end.
fn into_memory(df: DataFrame, table: &str, mode: &str) -> StreamingQuery {
    let q = df
        .write_stream()
        .format("memory")
        .query_name(table)
        .output_mode(mode)
        .trigger(Trigger::AvailableNow)
        .start()
        .unwrap();
    assert!(q.await_termination_timeout(WAIT).unwrap(), "{table}: stream did not finish");
    q
}

/// [`check_batch_and_stream`] with the stream in `mode` (append for queries without aggregation).
fn check_with_mode(
    name: &str,
    read: &dyn Fn(&Session, bool) -> DataFrame,
    query: &dyn Fn(DataFrame) -> DataFrame,
    columns: &[&str],
    context: &str,
    mode: &str,
) {
    let want = spark_answer(name);
    for workers in [1, 2] {
        let spark = session(workers);
        let rows = query(read(&spark, false)).collect().unwrap();
        assert_same_rows(&want, &as_json(columns, rows), &format!("{context} batch, {workers} workers"));
        let table = format!("t_{name}_{workers}");
        into_memory(query(read(&spark, true)), &table, mode);
        let rows = spark.table(&table).unwrap().collect().unwrap();
        assert_same_rows(&want, &as_json(columns, rows), &format!("{context} stream, {workers} workers"));
    }
}

#[test]
fn compressed_json_reads_as_spark_reads_it_in_batch_and_stream() {
    for codec in [Codec::Gzip, Codec::Bzip2, Codec::Zstd, Codec::Deflate] {
        let dir = compressed_copy(&activity_files(), codec);
        let path = dir.path().to_str().unwrap().to_string();
        check_batch_and_stream(
            "activity_by_gt",
            &|spark, stream| {
                if stream {
                    spark
                        .read_stream()
                        .schema(ACTIVITY_DDL)
                        .option("maxFilesPerTrigger", 2)
                        .json(&path)
                        .unwrap()
                } else {
                    spark.read().schema(ACTIVITY_DDL).json(&path).unwrap()
                }
            },
            &|df| {
                df.group_by(["gt"]).agg([expr("count(*)").alias("n"), expr("sum(Index)").alias("sum_index")])
            },
            &["gt", "n", "sum_index"],
            &format!("activity .{}", codec.extension()),
        );
    }
}

#[test]
fn compressed_csv_reads_as_spark_reads_it_in_batch_and_stream() {
    for codec in [Codec::Gzip, Codec::Bzip2, Codec::Zstd] {
        let dir = compressed_copy(&retail_files(), codec);
        let path = dir.path().to_str().unwrap().to_string();
        check_batch_and_stream(
            "retail_by_country",
            &|spark, stream| {
                if stream {
                    spark.read_stream().schema(RETAIL_DDL).option("header", true).csv(&path).unwrap()
                } else {
                    spark.read().schema(RETAIL_DDL).option("header", true).csv(&path).unwrap()
                }
            },
            &|df| {
                df.group_by(["Country"])
                    .agg([expr("count(*)").alias("n"), expr("sum(Quantity)").alias("quantity")])
            },
            &["Country", "n", "quantity"],
            &format!("retail .{}", codec.extension()),
        );
    }
}

#[test]
fn schema_inference_and_partition_discovery_read_compressed_files() {
    let dir = tempfile::tempdir().unwrap();
    let part = dir.path().join("day=3");
    std::fs::create_dir(&part).unwrap();
    let text = "{\"a\":1,\"b\":\"x\"}\n{\"a\":2.5}\n";
    std::fs::write(part.join("f.json.gz"), Codec::Gzip.compress(text.as_bytes()).unwrap()).unwrap();
    // A sink-style layout (the partition directory) read through the committed log.
    let spark = session(1);
    let df = spark.read().json(part.to_str().unwrap()).unwrap();
    assert_eq!(
        df.schema().unwrap().to_string(),
        Schema::parse_ddl("a DOUBLE, b STRING").unwrap().to_string()
    );
    let mut rows = df.collect().unwrap();
    rows.sort();
    assert_eq!(
        rows,
        vec![vec![Value::double(1.0), Value::string("x")], vec![Value::double(2.5), Value::Null]]
    );
}

/// Today's silent wrong answer, fixed: a .lz4 or .snappy file is refused, naming the file.
/// Spark's own `lz4` and `snappy` output (Hadoop's block framing; tests/spark/hadoop_codecs.py
/// wrote tests/data/hadoop_codecs from the first 300 activity rows) reads as those rows, in
/// batch and as a stream, with 1 and 2 workers; a truncated file is an error naming it.
#[test]
fn sparks_lz4_and_snappy_files_read_as_the_rows_spark_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let first = &activity_files()[0];
    let head: String =
        std::fs::read_to_string(first).unwrap().lines().take(300).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.path().join("head.json"), head).unwrap();
    let sorted = |mut rows: Vec<Row>| {
        rows.sort();
        rows
    };
    let want = sorted(
        session(1).read().schema(ACTIVITY_DDL).json(dir.path().to_str().unwrap()).unwrap().collect().unwrap(),
    );
    assert_eq!(want.len(), 300);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hadoop_codecs");
    for format in ["json", "csv"] {
        for codec in ["lz4", "snappy"] {
            let path = data.join(format!("{format}-{codec}"));
            let path = path.to_str().unwrap();
            for workers in [1, 2] {
                let spark = session(workers);
                let what = format!("{format} {codec}, {workers} workers");
                let rows = spark
                    .read()
                    .schema(ACTIVITY_DDL)
                    .option("header", true)
                    .format(format)
                    .load(path)
                    .unwrap()
                    .collect()
                    .unwrap();
                assert!(sorted(rows) == want, "{what}: batch rows differ");
                let table = format!("hadoop_{format}_{codec}_{workers}");
                let stream = spark
                    .read_stream()
                    .schema(ACTIVITY_DDL)
                    .option("header", true)
                    .format(format)
                    .load(Some(path));
                into_memory(stream.unwrap(), &table, "append");
                assert!(
                    sorted(spark.table(&table).unwrap().collect().unwrap()) == want,
                    "{what}: stream rows differ"
                );
            }
            // Cut short, the file is an error that names it, not fewer rows.
            let cut = tempfile::tempdir().unwrap();
            let part = std::fs::read_dir(data.join(format!("{format}-{codec}")))
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path();
            let bytes = std::fs::read(&part).unwrap();
            let name = part.file_name().unwrap().to_string_lossy().into_owned();
            std::fs::write(cut.path().join(&name), &bytes[..bytes.len() - 100]).unwrap();
            let msg = fails(
                session(1).read().schema(ACTIVITY_DDL).format(format).load(cut.path().to_str().unwrap()),
            );
            assert!(msg.contains(&name) && msg.contains("cannot decompress"), "{msg}");
        }
    }
}

/// `12/01/2010 08:26`, as retail exports write it, with `timestampFormat`/`dateFormat`.
#[test]
fn csv_timestamp_and_date_formats_match_spark() {
    let dir = tempfile::tempdir().unwrap();
    for src in &retail_files()[..2] {
        let text = std::fs::read_to_string(src).unwrap();
        let mut out = String::from("InvoiceNo,InvoiceDate,InvoiceDay\n");
        for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let no = line.split(',').next().unwrap();
            let stamp = line.rsplit(',').nth(3).unwrap(); // 2010-12-01 08:26:00
            let (y, mo, d) = (&stamp[0..4], &stamp[5..7], &stamp[8..10]);
            out.push_str(&format!("{no},{mo}/{d}/{y} {},{d}.{mo}.{y}\n", &stamp[11..16]));
        }
        std::fs::write(dir.path().join(src.file_name().unwrap()), out).unwrap();
    }
    let path = dir.path().to_str().unwrap().to_string();
    check_batch_and_stream(
        "retail_times",
        &|spark, stream| {
            let opts =
                [("header", "true"), ("timestampFormat", "MM/dd/yyyy HH:mm"), ("dateFormat", "dd.MM.yyyy")];
            let ddl = "InvoiceNo STRING, InvoiceDate TIMESTAMP, InvoiceDay DATE";
            if stream {
                spark.read_stream().schema(ddl).options(opts).csv(&path).unwrap()
            } else {
                spark.read().schema(ddl).options(opts).csv(&path).unwrap()
            }
        },
        &|df| df.group_by(["InvoiceDate", "InvoiceDay"]).agg([expr("count(*)").alias("n")]),
        &["ts_us", "day", "n"],
        "timestampFormat",
    );
    // Text that does not match the pattern is malformed, named by FAILFAST.
    std::fs::write(
        dir.path().join("zz.csv"),
        "InvoiceNo,InvoiceDate,InvoiceDay\n1,2010-12-01 08:26,01.12.2010\n",
    )
    .unwrap();
    let err = session(1)
        .read()
        .schema("InvoiceNo STRING, InvoiceDate TIMESTAMP, InvoiceDay DATE")
        .options([
            ("header", "true"),
            ("timestampFormat", "MM/dd/yyyy HH:mm"),
            ("dateFormat", "dd.MM.yyyy"),
            ("mode", "FAILFAST"),
        ])
        .csv(&path)
        .unwrap()
        .collect()
        .unwrap_err();
    assert!(err.to_string().contains("zz.csv line 2"), "{err}");
    let err =
        fails(session(1).read().schema("t TIMESTAMP").option("timestampFormat", "yyyy-MM-dd {").csv(&path));
    assert!(err.contains("timestampFormat"), "{err}");
}

#[test]
fn json_timestamp_format_reads_string_values() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.json"), "{\"t\":\"12/01/2010 08:26\",\"d\":\"2010/12/01\"}\n").unwrap();
    let rows = session(1)
        .read()
        .schema("t TIMESTAMP, d DATE")
        .options([("timestampFormat", "MM/dd/yyyy HH:mm"), ("dateFormat", "yyyy/MM/dd")])
        .json(dir.path().to_str().unwrap())
        .unwrap()
        .collect()
        .unwrap();
    // 2010-12-01T08:26:00Z and 2010-12-01.
    assert_eq!(rows, vec![vec![Value::Timestamp(1_291_191_960_000_000), Value::Date(14_944)]]);
}

#[test]
fn multiline_json_array_and_pretty_object_match_spark() {
    let sample = first_files(&data_dir("hhar-real-sample"), 1).remove(0);
    let text = std::fs::read_to_string(sample).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.json"), format!("[\n{}\n]\n", lines[..100].join(",\n"))).unwrap();
    std::fs::write(dir.path().join("b.json"), format!("{}\n", lines[100].replace(',', ",\n  "))).unwrap();
    let path = dir.path().to_str().unwrap().to_string();
    check_with_mode(
        "multiline",
        &|spark, stream| {
            if stream {
                spark.read_stream().schema(ACTIVITY_DDL).option("multiLine", true).json(&path).unwrap()
            } else {
                spark.read().schema(ACTIVITY_DDL).option("multiLine", true).json(&path).unwrap()
            }
        },
        &|df| df.select(["Index", "gt", "x"]),
        &["Index", "gt", "x"],
        "multiLine",
        "append",
    );
    // Inference reads the whole document too.
    let df = session(1).read().option("multiLine", true).json(&path).unwrap();
    assert_eq!(df.count().unwrap(), 101);
    assert!(df.schema().unwrap().index_of("Arrival_Time").is_some());
}

#[test]
fn encodings_match_spark() {
    let dir = tempfile::tempdir().unwrap();
    let latin1: Vec<u8> = "name,city\nJosé,Málaga\nMüller,Köln\n".chars().map(|c| c as u32 as u8).collect();
    std::fs::write(dir.path().join("p.csv"), latin1).unwrap();
    let rows = session(2)
        .read()
        .options([("header", "true"), ("encoding", "ISO-8859-1")])
        .csv(dir.path().to_str().unwrap())
        .unwrap()
        .collect()
        .unwrap();
    assert_same_rows(&spark_answer("latin1"), &as_json(&["name", "city"], rows), "ISO-8859-1");
    // Without the option the same bytes are not UTF-8: an error naming the file.
    let err = fails(session(1).read().option("header", true).csv(dir.path().to_str().unwrap()));
    assert!(err.contains("p.csv") && err.contains("UTF-8"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        "[{\"name\":\"José\",\"n\":1},\n{\"name\":\"Zoë\",\"n\":2}]\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    std::fs::write(dir.path().join("p.json"), utf16).unwrap();
    let rows = session(2)
        .read()
        .schema("name STRING, n BIGINT")
        .options([("multiLine", "true"), ("encoding", "UTF-16")])
        .json(dir.path().to_str().unwrap())
        .unwrap()
        .collect()
        .unwrap();
    assert_same_rows(&spark_answer("utf16"), &as_json(&["name", "n"], rows), "UTF-16");
}

#[test]
fn listing_filters_match_spark() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    for (name, v) in [("a.json", 1), ("b.txt", 2), ("sub/c.json", 3), ("sub/d.txt", 4)] {
        std::fs::write(dir.path().join(name), format!("{{\"v\":{v}}}\n")).unwrap();
    }
    let path = dir.path().to_str().unwrap();
    let read = |opts: &[(&str, &str)]| {
        let rows = session(1)
            .read()
            .schema("v BIGINT")
            .options(opts.to_vec())
            .json(path)
            .unwrap()
            .collect()
            .unwrap();
        as_json(&["v"], rows)
    };
    assert_same_rows(&spark_answer("listing_glob"), &read(&[("pathGlobFilter", "*.json")]), "pathGlobFilter");
    assert_same_rows(
        &spark_answer("listing_recursive"),
        &read(&[("recursiveFileLookup", "true")]),
        "recursive",
    );
    assert_same_rows(
        &spark_answer("listing_recursive_glob"),
        &read(&[("recursiveFileLookup", "true"), ("pathGlobFilter", "*.json")]),
        "recursive + glob",
    );
    for (i, name) in ["a.json", "b.txt"].iter().enumerate() {
        let t = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + i as u64 * 3600);
        std::fs::File::options().write(true).open(dir.path().join(name)).unwrap().set_modified(t).unwrap();
    }
    let after = read(&[("modifiedAfter", "2023-11-14T22:30:00")]);
    assert_same_rows(&spark_answer("listing_modified_after"), &after, "modifiedAfter");
    let before = read(&[("modifiedBefore", "2023-11-14T22:30:00")]);
    assert_same_rows(&spark_answer("listing_modified_before"), &before, "modifiedBefore");
}

/// A binary file among JSON files: an error naming it in every mode, or with
/// `ignoreCorruptFiles` a warning and the other files read (Spark's answer on them).
#[test]
fn a_binary_file_is_an_error_or_with_ignore_corrupt_files_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let good = &activity_files()[..2];
    for f in good {
        std::fs::copy(f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    // gzip bytes under a .json name: what the seed bug read as rows of nulls.
    let gz = Codec::Gzip.compress(&std::fs::read(&good[0]).unwrap()).unwrap();
    std::fs::write(dir.path().join("zz-binary.json"), gz).unwrap();
    let path = dir.path().to_str().unwrap().to_string();
    for mode in ["PERMISSIVE", "DROPMALFORMED", "FAILFAST"] {
        for workers in [1, 2] {
            let err = session(workers)
                .read()
                .schema(ACTIVITY_DDL)
                .option("mode", mode)
                .json(&path)
                .unwrap()
                .collect()
                .unwrap_err()
                .to_string();
            assert!(err.contains("zz-binary.json") && err.contains("not a text file"), "{mode}: {err}");
        }
        // Schema inference refuses it too.
        let err = fails(session(1).read().option("mode", mode).json(&path));
        assert!(err.contains("zz-binary.json"), "{err}");
    }
    check_batch_and_stream(
        "good_by_gt",
        &|spark, stream| {
            let r = [("ignoreCorruptFiles", "true")];
            if stream {
                spark.read_stream().schema(ACTIVITY_DDL).options(r).json(&path).unwrap()
            } else {
                spark.read().schema(ACTIVITY_DDL).options(r).json(&path).unwrap()
            }
        },
        &|df| df.group_by(["gt"]).agg([expr("count(*)").alias("n")]),
        &["gt", "n"],
        "ignoreCorruptFiles",
    );
}

/// The file sink's `compression`: gzip/bzip2/zstd/lz4/snappy output named `part-...json.gz` etc. that
/// the file source reads back as the rows written.
#[test]
fn compressed_sink_output_reads_back() {
    for (compression, ext) in [
        ("gzip", "gz"),
        ("bzip2", "bz2"),
        ("zstd", "zst"),
        ("lz4", "lz4"),
        ("snappy", "snappy"),
        ("none", "json"),
    ] {
        for format in ["json", "csv"] {
            let out = tempfile::tempdir().unwrap();
            let spark = session(2);
            let input = data_dir("hhar-real-sample");
            let q = spark
                .read_stream()
                .schema(ACTIVITY_DDL)
                .json(input.to_str().unwrap())
                .unwrap()
                .select(["Index", "gt", "x"])
                .write_stream()
                .format(format)
                .option("path", out.path().to_str().unwrap())
                .option("compression", compression)
                .trigger(Trigger::AvailableNow)
                .start()
                .unwrap();
            assert!(q.await_termination_timeout(WAIT).unwrap());
            let files: Vec<String> = std::fs::read_dir(out.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("part-"))
                .collect();
            let want_ext = if compression == "none" { format.to_string() } else { format!("{format}.{ext}") };
            assert!(!files.is_empty() && files.iter().all(|n| n.ends_with(&want_ext)), "{files:?}");
            let back = spark
                .read()
                .schema("Index BIGINT, gt STRING, x DOUBLE")
                .format(format)
                .load(out.path().to_str().unwrap());
            let back = back.unwrap().collect().unwrap();
            let original = spark
                .read()
                .schema(ACTIVITY_DDL)
                .json(input.to_str().unwrap())
                .unwrap()
                .select(["Index", "gt", "x"]);
            let mut want = original.collect().unwrap();
            let mut got = back;
            want.sort();
            got.sort();
            assert_eq!(got.len(), 20_000, "{compression} {format}");
            assert!(got == want, "{compression} {format}: rows differ");
            // For checking with Spark: tests/spark/file_source.py --sluice-output DIR...
            if let Some(keep) = std::env::var_os("SLUICE_KEEP_SINK_OUTPUT") {
                let to = Path::new(&keep).join(format!("{format}-{compression}"));
                std::fs::create_dir_all(&to).unwrap();
                for f in std::fs::read_dir(out.path()).unwrap() {
                    let f = f.unwrap().path();
                    if f.is_file() {
                        std::fs::copy(&f, to.join(f.file_name().unwrap())).unwrap();
                    }
                }
            }
        }
    }
}

/// A filter right above a JSON source runs while records are parsed, the rest of a record
/// it rejects skipped: the rows are those of filtering whole rows, and every record still
/// counts as input.
#[test]
fn a_filter_run_while_parsing_keeps_the_rows_and_counts_every_record() {
    let dir = tempfile::tempdir().unwrap();
    for f in activity_files() {
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    let path = dir.path().to_str().unwrap();
    let spark = session(2);
    let all = spark.read().schema(ACTIVITY_DDL).json(path).unwrap().collect().unwrap();
    let mut want: Vec<Row> = all
        .iter()
        .filter(|r| r[3].as_i64().is_some_and(|i| i % 7 == 0) && r[6] == Value::string("walk"))
        .map(|r| vec![r[3].clone(), r[6].clone(), r[7].clone()])
        .collect();
    want.sort();
    assert!(want.len() > 100, "{} rows", want.len());
    let stream = spark.read_stream().schema(ACTIVITY_DDL).option("maxFilesPerTrigger", 2).json(path).unwrap();
    let q = into_memory(
        stream.filter("Index % 7 = 0 AND gt = 'walk'").select(["Index", "gt", "x"]),
        "walk_sevens",
        "append",
    );
    let mut rows = spark.table("walk_sevens").unwrap().collect().unwrap();
    rows.sort();
    assert_eq!(rows, want);
    let inputs: u64 = q.recent_progress().iter().map(|p| p.num_input_rows).sum();
    assert_eq!(inputs as usize, all.len(), "every record read counts as an input row");
}

/// Files in `col=value` directories under the path are read, as Spark's partition discovery
/// reads them (they were silently left out): the directory's value replaces the file's, is
/// appended to a given schema that lacks the column, and is what a filter on it sees.
#[test]
fn partition_directories_read_as_spark_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    for (sub, text) in [("day=1", "{\"v\":1,\"day\":9}\n{\"v\":2}\n"), ("day=2", "{\"v\":3,\"day\":9}\n")] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("part.json"), text).unwrap();
    }
    let path = dir.path().to_str().unwrap();
    for workers in [1, 2] {
        let spark = session(workers);
        let read = |ddl: Option<&str>| match ddl {
            Some(ddl) => spark.read().schema(ddl).json(path).unwrap(),
            None => spark.read().json(path).unwrap(),
        };
        let rows = |df: DataFrame| {
            let columns = df.columns().unwrap();
            as_json(&columns.iter().map(String::as_str).collect::<Vec<_>>(), df.collect().unwrap())
        };
        let context = |what: &str| format!("{what}, {workers} workers");
        assert_same_rows(
            &spark_answer("partitions_schema"),
            &rows(read(Some("v BIGINT, day BIGINT"))),
            &context("schema"),
        );
        assert_same_rows(
            &spark_answer("partitions_appended"),
            &rows(read(Some("v BIGINT"))),
            &context("appended"),
        );
        let inferred = read(None);
        // A partition column the files also hold keeps its place among the sorted keys and
        // takes the partition's type (Spark's schema, as `struct<name:type,..>`).
        let spark_schema = common::read_text(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/file_source/partitions_inferred.schema"),
        );
        let sluice_schema: Vec<String> = inferred
            .schema()
            .unwrap()
            .fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.data_type.sql_name()))
            .collect();
        assert_eq!(format!("struct<{}>", sluice_schema.join(",")), spark_schema.trim());
        assert_same_rows(&spark_answer("partitions_inferred"), &rows(inferred), &context("inferred"));
        let filtered = read(Some("v BIGINT, day BIGINT")).filter("day = 1");
        assert_same_rows(&spark_answer("partitions_filtered"), &rows(filtered), &context("filtered"));
        let table = format!("partitions_{workers}");
        into_memory(spark.read_stream().schema("v BIGINT").json(path).unwrap(), &table, "append");
        assert_same_rows(
            &spark_answer("partitions_stream"),
            &rows(spark.table(&table).unwrap()),
            &context("stream"),
        );
    }
}
