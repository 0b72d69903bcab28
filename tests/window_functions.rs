//! Window functions (`OVER`) over the real retail data, equal to Spark 4.3's answers
//! (`tests/data/window_functions/*.jsonl`, made by `make_answers.py` there): each country's
//! top stock items (rank, dense_rank, a top-N filter over an aggregation) and its daily
//! revenue with a running total, the change from the day before, quartiles and a weekly
//! maximum (sum, lag, ntile, a ROWS frame), exact DECIMALs throughout. And the same queries
//! over a stream of the files, which Spark refuses window functions on: refused as Spark
//! refuses them in append mode, and in complete mode (beyond Spark) equal to Spark's batch
//! answer after the last micro-batch, across a restart from a checkpoint too.

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
    for name in ["top_items.jsonl", "daily_revenue.jsonl", "top_lines.jsonl"] {
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

/// The retail files in a fresh directory (links), the first `files` of them in name order.
fn link_retail_files(dir: &std::path::Path, range: std::ops::Range<usize>) {
    let mut names: Vec<_> = std::fs::read_dir(common::data_dir("retail-data").join("by-day"))
        .expect("retail dir")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    for p in &names[range] {
        std::os::unix::fs::symlink(p, dir.join(p.file_name().expect("name"))).expect("link");
    }
}

/// A session whose table `retail` streams the retail files in `dir`, 100 files per
/// micro-batch (four batches for all 305).
fn retail_stream(dir: &std::path::Path) -> sluice::Result<Session> {
    let spark =
        Session::builder().workers(2).config("spark.sql.session.timeZone", "UTC").build().expect("session");
    spark
        .read_stream()
        .schema(common::RETAIL)
        .option("header", true)
        .option("maxFilesPerTrigger", 100)
        .csv(dir.to_str().expect("UTF-8 path"))?
        .create_or_replace_temp_view("retail")?;
    Ok(spark)
}

/// Runs `query` over a stream of the retail files in `dir` into a memory table in `mode`,
/// until the files run out.
fn stream_retail(
    dir: &std::path::Path,
    query: &str,
    mode: &str,
    checkpoint: Option<&std::path::Path>,
) -> sluice::Result<Vec<sluice::Row>> {
    let spark = retail_stream(dir)?;
    let mut writer =
        spark.sql(query)?.write_stream().format("memory").query_name("windowed").output_mode(mode);
    if let Some(c) = checkpoint {
        writer = writer.option("checkpointLocation", c.to_str().expect("UTF-8 path"));
    }
    let running = writer.start()?;
    running.process_all_available()?;
    running.stop()?;
    spark.table("windowed")?.collect()
}

/// Beyond Spark: the ranking (rank and dense_rank over an aggregation, under a filter on the
/// rank) and the running totals, lag, ntile and ROWS frame over a stream in complete mode:
/// each batch's aggregates change, the window takes the old rows back, and after the last
/// batch the table is Spark's batch answer over all the files. Again in two runs over one
/// checkpoint (150 files, stop, the rest), so the windows' partitions come back from it.
#[test]
fn window_functions_on_a_stream_in_complete_mode_end_with_sparks_batch_answer() {
    for name in ["top_items.jsonl", "daily_revenue.jsonl"] {
        let (query, _types, want) = common::spark_table(&format!("tests/data/window_functions/{name}"));
        let tmp = tempfile::tempdir().expect("tempdir");
        link_retail_files(tmp.path(), 0..305);
        let got = stream_retail(tmp.path(), &query, "complete", None).expect("runs");
        assert_eq!(common::sorted_spark_strings(&got), want, "{name}: one run");

        let tmp = tempfile::tempdir().expect("tempdir");
        let checkpoint = tmp.path().join("checkpoint");
        let files = tmp.path().join("files");
        std::fs::create_dir(&files).expect("dir");
        link_retail_files(&files, 0..150);
        let first = stream_retail(&files, &query, "complete", Some(&checkpoint)).expect("first run");
        assert_ne!(common::sorted_spark_strings(&first), want, "{name}: half the files give another table");
        link_retail_files(&files, 150..305);
        let got = stream_retail(&files, &query, "complete", Some(&checkpoint)).expect("second run");
        assert_eq!(common::sorted_spark_strings(&got), want, "{name}: across a restart");
    }
}

/// Runs `query` over a stream of the retail files in `dir` in update mode through
/// `foreach_batch`: each batch's rows in batch order, and the last progress.
fn stream_retail_batches(
    dir: &std::path::Path,
    query: &str,
    checkpoint: &std::path::Path,
) -> sluice::Result<(Vec<Vec<sluice::Row>>, sluice::progress::StreamingQueryProgress)> {
    let spark = retail_stream(dir)?;
    let batches: std::sync::Arc<std::sync::Mutex<Vec<Vec<sluice::Row>>>> = Default::default();
    let sink = batches.clone();
    let running = spark
        .sql(query)?
        .write_stream()
        .output_mode("update")
        .option("checkpointLocation", checkpoint.to_str().expect("UTF-8 path"))
        .foreach_batch(move |rows, _| {
            sink.lock().expect("lock").push(rows.collect()?);
            Ok(())
        })
        .start()?;
    running.process_all_available()?;
    let progress = running.last_progress().expect("a batch ran");
    running.stop()?;
    let batches = batches.lock().expect("lock").clone();
    Ok((batches, progress))
}

/// A ROW_NUMBER top 3 per country over the stream of invoice lines, in update mode: each
/// batch writes the rows that entered a country's top, which upserted in batch order by
/// (country, n) give Spark's batch answer; across a restart from a checkpoint too. Rows never
/// leave the input, so the window keeps only each country's top 3 (the state's row count
/// says so), and a restart with another bound, which could need rows it dropped, is refused.
#[test]
fn a_row_number_top_n_on_a_stream_keeps_only_the_top_rows_and_upserts_to_sparks_answer() {
    let (query, _types, want) = common::spark_table("tests/data/window_functions/top_lines.jsonl");
    let tmp = tempfile::tempdir().expect("tempdir");
    let files = tmp.path().join("files");
    let checkpoint = tmp.path().join("checkpoint");
    std::fs::create_dir(&files).expect("dir");
    link_retail_files(&files, 0..150);
    let (first, progress) = stream_retail_batches(&files, &query, &checkpoint).expect("first run");
    link_retail_files(&files, 150..305);
    let (second, last) = stream_retail_batches(&files, &query, &checkpoint).expect("second run");
    assert_eq!((first.len(), second.len()), (2, 2), "100 files per batch");
    let mut table: std::collections::BTreeMap<(String, String), sluice::Row> = Default::default();
    for rows in first.iter().chain(&second) {
        for row in common::spark_strings(rows).into_iter().zip(rows) {
            let (text, row) = row;
            let key = (text[0].clone().unwrap_or_default(), text[4].clone().unwrap_or_default());
            table.insert(key, row.clone());
        }
    }
    let got: Vec<sluice::Row> = table.into_values().collect();
    assert_eq!(common::sorted_spark_strings(&got), want);
    // One state operator, the window's, holding three rows per country seen.
    let countries = want.iter().map(|r| r[0].clone()).collect::<std::collections::BTreeSet<_>>().len();
    for p in [&progress, &last] {
        assert_eq!(p.state_operators.len(), 1, "{:?}", p.state_operators);
        let held = p.state_operators[0].num_rows_total;
        assert!(held > 0 && held <= 3 * countries as i64, "{held} rows held for {countries} countries");
    }
    assert_eq!(last.state_operators[0].num_rows_total, want.len() as i64, "every country's top 3 at the end");

    let wider = query.replace("n <= 3", "n <= 4");
    assert_ne!(wider, query);
    let err = stream_retail_batches(&files, &wider, &checkpoint).expect_err("another bound is refused");
    assert!(err.to_string().contains("limit Some(3)"), "{err}");
}

#[test]
fn window_functions_on_a_stream_in_append_mode_are_refused_as_spark_refuses_them() {
    let tmp = tempfile::tempdir().expect("tempdir");
    link_retail_files(tmp.path(), 0..3);
    let query =
        "SELECT Country, row_number() OVER (PARTITION BY Country ORDER BY InvoiceDate) AS n FROM retail";
    let err = stream_retail(tmp.path(), query, "append", None)
        .expect_err("a window function in append mode is refused");
    assert!(err.to_string().contains("[NON_TIME_WINDOW_NOT_SUPPORTED_IN_STREAMING]"), "{err}");
}

/// `SELECT *, f() OVER (..)` is the input's columns and the call's, as in Spark
/// (`tests/data/window_functions/first_lines.jsonl`): not the hidden column the window node
/// appends (Sluice once returned it too).
#[test]
fn a_star_beside_a_window_call_means_the_inputs_columns() {
    let file = "tests/data/window_functions/first_lines.jsonl";
    let (query, types, want) = common::spark_table(file);
    let df = session_with_retail().sql(&query).expect("query");
    let names: Vec<String> = df.schema().expect("schema").fields.iter().map(|f| f.name.clone()).collect();
    assert_eq!(names, common::spark_columns(file));
    assert_eq!(common::sql_types(&df), types);
    assert_eq!(common::sorted_spark_strings(&df.collect().expect("collect")), want);
}
