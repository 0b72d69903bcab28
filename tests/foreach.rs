//! End-to-end tests of the `foreach` and `foreachBatch` sinks through the public API: every
//! row reaches user code once per batch with the right batch id in each output mode,
//! `open` returning false skips a partition, `close` follows every `open`, an error or
//! panic in user code ends the query with it, and a batch's DataFrame is an ordinary
//! bounded DataFrame.
//!
//! Expected rows are worked out by hand from the files each test writes.

mod common;

use common::{drop_file, temp_data_dir};
use sluice::prelude::*;
use sluice::DataStreamWriter;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ACTIVITY: &str = "gt STRING, model STRING, x DOUBLE";
const WAIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------- helpers

fn session(workers: usize) -> Session {
    Session::builder().workers(workers).build().expect("session")
}

fn activity_lines(rows: &[(&str, f64)]) -> String {
    rows.iter().map(|(gt, x)| format!("{{\"gt\":\"{gt}\",\"model\":\"m\",\"x\":{x}}}\n")).collect()
}

fn activity_stream(spark: &Session, dir: &Path) -> DataFrame {
    spark.read_stream().schema(ACTIVITY).json(dir.to_str().expect("UTF-8 temp path")).expect("stream")
}

fn s(v: &str) -> Value {
    Value::string(v)
}

fn activity(gt: &str, x: f64) -> Row {
    vec![s(gt), s("m"), Value::double(x)]
}

fn counted(gt: &str, n: i64) -> Row {
    vec![s(gt), Value::Long(n)]
}

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort();
    rows
}

const FIRST: &[(&str, f64)] = &[("sit", 1.0), ("bike", 2.0), ("sit", 3.0)];
const SECOND: &[(&str, f64)] = &[("walk", 4.0), ("sit", 5.0)];

/// What a `Recorder` saw.
#[derive(Clone, Debug, PartialEq)]
enum Call {
    Open { partition: u64, batch: u64 },
    Process { partition: u64, batch: u64, row: Row },
    Close { partition: u64, batch: u64, error: Option<String> },
}

/// A `ForeachWriter` that records every call; refuses `open` for `refuse` and panics on
/// a row whose first value is `panic_on`.
#[derive(Clone, Default)]
struct Recorder {
    calls: Arc<Mutex<Vec<Call>>>,
    refuse: Option<u64>,
    panic_on: Option<Value>,
    opened: Option<(u64, u64)>,
}

impl Recorder {
    fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("recorder lock").clone()
    }

    fn record(&self, call: Call) {
        self.calls.lock().expect("recorder lock").push(call);
    }
}

impl ForeachWriter for Recorder {
    fn open(&mut self, partition: u64, batch: u64) -> bool {
        assert!(self.opened.is_none(), "each partition gets a fresh writer");
        self.opened = Some((partition, batch));
        self.record(Call::Open { partition, batch });
        self.refuse != Some(partition)
    }

    fn process(&mut self, row: Row) {
        let (partition, batch) = self.opened.expect("process after open");
        if self.panic_on.as_ref() == row.first() {
            panic!("cannot write {row:?}");
        }
        self.record(Call::Process { partition, batch, row });
    }

    fn close(&mut self, error: Option<&SluiceError>) {
        let (partition, batch) = self.opened.expect("close after open");
        self.record(Call::Close { partition, batch, error: error.map(|e| e.to_string()) });
    }
}

/// Rows per batch id as the foreach writer processed them, sorted; checks on the way that
/// each batch opened partitions 0..workers once each, and that each partition's calls
/// (partitions run in parallel, one per worker) are open, its rows, close, in that order.
fn foreach_batches(calls: &[Call], workers: u64) -> BTreeMap<u64, Vec<Row>> {
    let mut batches: BTreeMap<u64, Vec<Row>> = BTreeMap::new();
    let mut opens: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    // The batch each partition has open.
    let mut current: BTreeMap<u64, u64> = BTreeMap::new();
    for call in calls {
        match call {
            Call::Open { partition, batch } => {
                let open = current.insert(*partition, *batch);
                assert_eq!(
                    open, None,
                    "partition {partition} opened batch {batch} while batch {open:?} was open"
                );
                opens.entry(*batch).or_default().push(*partition);
                batches.entry(*batch).or_default();
            }
            Call::Process { partition, batch, row } => {
                assert_eq!(current.get(partition), Some(batch), "process outside its partition");
                batches.entry(*batch).or_default().push(row.clone());
            }
            Call::Close { partition, batch, error } => {
                assert_eq!(current.remove(partition).as_ref(), Some(batch), "close without its open");
                assert_eq!(error, &None);
            }
        }
    }
    assert!(current.is_empty(), "partitions left open: {current:?}");
    for (batch, mut parts) in opens {
        parts.sort();
        assert_eq!(parts, (0..workers).collect::<Vec<_>>(), "partitions opened in batch {batch}");
    }
    batches.into_iter().map(|(b, rows)| (b, sorted(rows))).collect()
}

// ---------------------------------------------------------------- every row once, each mode

type Query = fn(DataFrame) -> DataFrame;

/// Each output mode with its query and the rows it emits for batch 0 (`FIRST`) and
/// batch 1 (`SECOND`).
fn mode_cases() -> Vec<(&'static str, Query, Vec<Vec<Row>>)> {
    vec![
        (
            "append",
            |df| df,
            vec![
                sorted(FIRST.iter().map(|(gt, x)| activity(gt, *x)).collect()),
                sorted(SECOND.iter().map(|(gt, x)| activity(gt, *x)).collect()),
            ],
        ),
        (
            "update",
            |df| df.group_by(["gt"]).count(),
            vec![vec![counted("bike", 1), counted("sit", 2)], vec![counted("sit", 3), counted("walk", 1)]],
        ),
        (
            "complete",
            |df| df.group_by(["gt"]).count(),
            vec![
                vec![counted("bike", 1), counted("sit", 2)],
                vec![counted("bike", 1), counted("sit", 3), counted("walk", 1)],
            ],
        ),
    ]
}

/// Runs `query` in `mode` into `writer`'s sink over two files dropped one batch apart.
fn run_two_batches(mode: &str, query: Query, sink: impl FnOnce(DataStreamWriter) -> DataStreamWriter) {
    let (_tmp, dir) = temp_data_dir();
    drop_file(&dir, "1.json", &activity_lines(FIRST), 10);
    let spark = session(2);
    let q =
        sink(query(activity_stream(&spark, &dir)).write_stream().output_mode(mode)).start().expect("start");
    q.process_all_available().expect("first file");
    drop_file(&dir, "2.json", &activity_lines(SECOND), 0);
    q.process_all_available().expect("second file");
    q.stop().expect("stop");
}

#[test]
fn foreach_and_foreach_batch_see_every_row_once_per_batch_in_each_output_mode() {
    for (mode, query, expected) in mode_cases() {
        let expected: BTreeMap<u64, Vec<Row>> =
            expected.into_iter().enumerate().map(|(b, r)| (b as u64, r)).collect();

        let recorder = Recorder::default();
        let writer = recorder.clone();
        run_two_batches(mode, query, |w| w.foreach(writer));
        assert_eq!(foreach_batches(&recorder.calls(), 2), expected, "foreach, {mode} mode");

        let seen: Arc<Mutex<BTreeMap<u64, Vec<Row>>>> = Arc::default();
        let record = seen.clone();
        run_two_batches(mode, query, |w| {
            w.foreach_batch(move |df, batch| {
                let rows = df.collect()?;
                let previous = record.lock().expect("lock").insert(batch, sorted(rows));
                assert!(previous.is_none(), "batch {batch} handed over twice");
                Ok(())
            })
        });
        assert_eq!(*seen.lock().expect("lock"), expected, "foreachBatch, {mode} mode");
    }
}

#[test]
fn progress_names_the_foreach_sinks_like_spark() {
    let (_tmp, dir) = temp_data_dir();
    drop_file(&dir, "1.json", &activity_lines(FIRST), 10);
    let spark = session(1);
    let df = activity_stream(&spark, &dir);
    for (writer, description) in [
        (df.write_stream().foreach(Recorder::default()), "ForeachWriterTable"),
        (df.write_stream().foreach_batch(|_, _| Ok(())), "ForeachBatchSink"),
    ] {
        let q = writer.trigger(Trigger::Once).start().expect("start");
        assert!(q.await_termination_timeout(WAIT).expect("no failure"));
        let progress = q.last_progress().expect("one batch ran");
        assert_eq!(progress.sink.description, description);
        assert_eq!(progress.sink.num_output_rows, 3);
    }
}

// ---------------------------------------------------------------- open, close, failures

#[test]
fn open_returning_false_skips_the_partitions_rows_and_close_still_follows() {
    let (_tmp, dir) = temp_data_dir();
    // Two files, one per worker.
    drop_file(&dir, "1.json", &activity_lines(&[("a", 1.0), ("b", 2.0)]), 10);
    drop_file(&dir, "2.json", &activity_lines(&[("c", 3.0), ("d", 4.0)]), 9);
    let spark = session(2);
    let recorder = Recorder { refuse: Some(1), ..Recorder::default() };
    let q = activity_stream(&spark, &dir)
        .write_stream()
        .foreach(recorder.clone())
        .trigger(Trigger::Once)
        .start()
        .expect("start");
    assert!(q.await_termination_timeout(WAIT).expect("no failure"));
    let calls = recorder.calls();
    let processed: Vec<u64> = calls
        .iter()
        .filter_map(|c| match c {
            Call::Process { partition, .. } => Some(*partition),
            _ => None,
        })
        .collect();
    // A partition per worker, each reading one file: worker 1's rows are skipped.
    assert_eq!(processed, vec![0, 0], "{calls:?}");
    let opens = calls.iter().filter(|c| matches!(c, Call::Open { .. })).count();
    let closes = calls.iter().filter(|c| matches!(c, Call::Close { error: None, .. })).count();
    assert_eq!((opens, closes), (2, 2), "{calls:?}");
    let partition_1: Vec<&Call> = calls
        .iter()
        .filter(|c| {
            matches!(
                c,
                Call::Open { partition: 1, .. }
                    | Call::Process { partition: 1, .. }
                    | Call::Close { partition: 1, .. }
            )
        })
        .collect();
    assert_eq!(
        partition_1,
        [&Call::Open { partition: 1, batch: 0 }, &Call::Close { partition: 1, batch: 0, error: None }],
        "the refused partition is opened and closed, and nothing else"
    );
    assert_eq!(q.last_progress().expect("one batch").sink.num_output_rows, 4, "the query emitted every row");
}

#[test]
fn a_panic_in_process_closes_the_partition_with_the_error_and_fails_the_query() {
    let (_tmp, dir) = temp_data_dir();
    drop_file(&dir, "1.json", &activity_lines(&[("ok", 1.0), ("bad", 2.0)]), 10);
    let spark = session(1);
    let recorder = Recorder { panic_on: Some(s("bad")), ..Recorder::default() };
    let q = activity_stream(&spark, &dir).write_stream().foreach(recorder.clone()).start().expect("start");
    let err = q.await_termination().expect_err("the query fails");
    assert!(err.to_string().contains("panicked in process for partition 0 of batch 0"), "{err}");
    let calls = recorder.calls();
    match calls.last() {
        Some(Call::Close { partition: 0, batch: 0, error: Some(e) }) => {
            assert!(e.contains("cannot write"), "close sees the cause: {e}")
        }
        other => panic!("the partition is closed with the error, got {other:?} in {calls:?}"),
    }
    assert_eq!(calls.iter().filter(|c| matches!(c, Call::Open { .. })).count(), 1);
}

#[test]
fn an_error_from_the_foreach_batch_function_stops_the_query_with_that_error() {
    let (_tmp, dir) = temp_data_dir();
    drop_file(&dir, "1.json", &activity_lines(FIRST), 10);
    let spark = session(2);
    let batches = Arc::new(Mutex::new(Vec::new()));
    let record = batches.clone();
    let q = activity_stream(&spark, &dir)
        .write_stream()
        .foreach_batch(move |_, batch| {
            record.lock().expect("lock").push(batch);
            Err(SluiceError::exec(format!("the warehouse refused batch {batch}")))
        })
        .start()
        .expect("start");
    let err = q.await_termination().expect_err("the query fails");
    assert!(err.to_string().contains("the warehouse refused batch 0"), "{err}");
    let cause = q.exception().expect("exception() holds the cause");
    assert_eq!(cause.to_string(), SluiceError::exec("the warehouse refused batch 0").to_string());
    assert!(!q.is_active());
    assert_eq!(*batches.lock().expect("lock"), vec![0], "no batch after the failing one");
}

#[test]
fn foreach_batch_dataframe_can_be_queried_and_written_to_two_places() {
    let (tmp, dir) = temp_data_dir();
    drop_file(&dir, "1.json", &activity_lines(FIRST), 10);
    let spark = session(2);
    let out_dir = tmp.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir out");
    let sits: Arc<Mutex<Vec<Row>>> = Arc::default();
    let (record, out) = (sits.clone(), out_dir.clone());
    let q = activity_stream(&spark, &dir)
        .write_stream()
        .foreach_batch(move |df, batch| {
            // Place one: the rows a query over the batch selects, kept in memory.
            record.lock().expect("lock").extend(df.filter("gt = 'sit'").select(["x"]).collect()?);
            // Place two: the whole batch as JSON lines in a file.
            let path = out.join(format!("batch-{batch}.json"));
            std::fs::write(&path, df.to_json_lines()?.join("\n")).map_err(|e| SluiceError::io(&path, e))
        })
        .trigger(Trigger::Once)
        .start()
        .expect("start");
    assert!(q.await_termination_timeout(WAIT).expect("no failure"));
    assert_eq!(
        sorted(sits.lock().expect("lock").clone()),
        vec![vec![Value::double(1.0)], vec![Value::double(3.0)]]
    );
    let written = spark.read().schema(ACTIVITY).json(out_dir.to_str().expect("UTF-8")).expect("read back");
    let expected = sorted(FIRST.iter().map(|(gt, x)| activity(gt, *x)).collect());
    assert_eq!(sorted(written.collect().expect("collect")), expected);
}

#[test]
fn foreach_formats_without_their_writer_are_refused_at_start() {
    let (_tmp, dir) = temp_data_dir();
    let spark = session(1);
    let df = activity_stream(&spark, &dir);
    for (format, hint) in [("foreach", "foreach(writer)"), ("foreachBatch", "foreach_batch(f)")] {
        let err = df.write_stream().format(format).start().expect_err("no writer");
        assert!(matches!(err, SluiceError::Analysis(_)), "{format}: {err}");
        assert!(err.to_string().contains(hint), "{format}: {err}");
    }
}
