//! Crash tests: a streaming query with a checkpoint, run as a child process (the CLI) and
//! killed with SIGKILL at random instants, restarted each time; in the end the output its
//! file sink committed equals that of one uninterrupted run, row for row.
//!
//! The kill instants come from a seeded generator: the seed is printed, and
//! `SLUICE_CRASH_SEED=<seed>` replays a failure.

mod common;

use common::{committed_lines, crash_seed, data_dir, sluice_bin, SplitMix};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BROKER_ENV: &str = "SLUICE_KAFKA";

const KILLS: usize = 20;

/// Splits the first `files` files of a data set into `chunks` files each, named in order,
/// so a query with `maxFilesPerTrigger = 1` runs many small batches.
fn split_input(dataset: &str, files: usize, chunks: usize, into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    let mut names: Vec<PathBuf> =
        std::fs::read_dir(data_dir(dataset)).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let mut n = 0;
    for path in names.iter().filter(|p| p.extension().is_some_and(|e| e == "json")).take(files) {
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for part in lines.chunks(lines.len().div_ceil(chunks)) {
            std::fs::write(into.join(format!("in-{n:04}.json")), part.join("\n") + "\n").unwrap();
            n += 1;
        }
    }
}

/// The rows a file sink committed, with counts.
fn committed_rows(out: &Path) -> BTreeMap<String, usize> {
    let mut rows = BTreeMap::new();
    for line in committed_lines(out) {
        *rows.entry(line).or_insert(0) += 1;
    }
    rows
}

/// The activity files at `input` as a table with an event time under a 5-second watermark,
/// one file per batch in name order.
fn activity_table(input: &Path) -> String {
    format!(
        "CREATE TABLE activity (
            Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, `Index` BIGINT, Model STRING,
            `User` STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE,
            event_time TIMESTAMP GENERATED ALWAYS AS (CAST(Creation_Time / 1e9 AS TIMESTAMP)),
            WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
         ) WITH (connector = 'file', format = 'json', path = '{}', maxFilesPerTrigger = '1', fileOrder = 'name');",
        input.display()
    )
}

fn script(dir: &Path, input: &Path, out: &Path, checkpoint: Option<&Path>) -> PathBuf {
    let checkpoint = checkpoint.map(|c| format!(", checkpoint = '{}'", c.display())).unwrap_or_default();
    let text = format!(
        "{}
         CREATE TABLE windows WITH (connector = 'file', format = 'json', path = '{}'{checkpoint});
         INSERT INTO windows
           SELECT window(event_time, '10 seconds') AS window, `User`, count(*) AS n, sum(`Index`) AS s,
                  min(x) AS min_x, max(y) AS max_y
           FROM activity GROUP BY window(event_time, '10 seconds'), `User`;",
        activity_table(input),
        out.display()
    );
    let path = dir.join(format!("q-{}.sql", out.file_name().unwrap().to_string_lossy()));
    std::fs::write(&path, text).unwrap();
    path
}

fn run_to_end(script: &Path) {
    let out = Command::new(sluice_bin())
        .args(["run", script.to_str().unwrap(), "-w", "2", "-q", "--trigger", "available-now"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn last_entry(dir: &Path) -> Option<u64> {
    std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).max()
}

/// Runs `script` under the default trigger and kills it with SIGKILL after a random delay,
/// `KILLS` times (a run that ends by itself first, over a bounded source, is not killed);
/// then lets it finish. Returns how many
/// kills left a batch planned but not committed, and the last batch committed before the
/// final run.
fn kill_repeatedly(
    script: &Path,
    checkpoint: &Path,
    rng: &mut SplitMix,
    max_delay_ms: u64,
) -> (usize, Option<u64>) {
    let mut mid_batch = 0;
    for _ in 0..KILLS {
        let mut child = Command::new(sluice_bin())
            .args(["run", script.to_str().unwrap(), "-w", "2", "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.below(max_delay_ms)));
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            // A bounded source (the nexmark generator's numEvents) ends its query by itself;
            // anything else that stops before the kill is a failed restart.
            assert!(
                status.success(),
                "the query failed on restart: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let (offsets, commits) =
            (last_entry(&checkpoint.join("offsets")), last_entry(&checkpoint.join("commits")));
        if offsets > commits {
            mid_batch += 1;
        }
    }
    let committed = last_entry(&checkpoint.join("commits"));
    run_to_end(script);
    (mid_batch, committed)
}

/// The script `make(dir, input, out, checkpoint)` writes to a file sink at `out`: run once
/// uninterrupted (at least `at_least` rows), then with a checkpoint killed `KILLS` times at
/// random instants and run to its end; both must commit the same rows.
fn survives_sigkill(
    dir: &Path,
    input: &Path,
    at_least: usize,
    make: impl Fn(&Path, &Path, &Path, Option<&Path>) -> PathBuf,
) {
    let seed = crash_seed();
    eprintln!("crash test seed: {seed} (replay with SLUICE_CRASH_SEED={seed})");
    let reference = dir.join("reference");
    sluice_bin(); // built (when stale) before the clock starts: the kill delays follow one run's length
    let started = Instant::now();
    run_to_end(&make(dir, input, &reference, None));
    let reference_ms = started.elapsed().as_millis() as u64;
    eprintln!("one uninterrupted run: {reference_ms} ms");
    let expected = committed_rows(&reference);
    assert!(expected.len() >= at_least, "the query should write many rows, got {}", expected.len());

    let out = dir.join("crashed");
    let checkpoint = dir.join("checkpoint");
    let crashed = make(dir, input, &out, Some(&checkpoint));
    let mut rng = SplitMix(seed);
    // Kills spread over about twice one run's length: early ones land in startup and
    // recovery, later ones in batches, snapshots and commits.
    let (mid_batch, committed) = kill_repeatedly(&crashed, &checkpoint, &mut rng, (reference_ms / 5).max(50));
    check_same_output(seed, &expected, &out, mid_batch, committed);
}

#[test]
fn file_source_windowed_aggregation_survives_sigkill_at_random_instants() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    split_input("activity-data-synth", 4, 8, &input);
    survives_sigkill(dir.path(), &input, 51, script);
}

fn check_same_output(
    seed: u64,
    expected: &BTreeMap<String, usize>,
    out: &Path,
    mid_batch: usize,
    committed: Option<u64>,
) {
    let actual = committed_rows(out);
    // More copies of a row than the uninterrupted run wrote (a join may write a row twice).
    let duplicates: Vec<_> =
        actual.iter().filter(|(k, &n)| n > expected.get(*k).copied().unwrap_or(0)).take(5).collect();
    assert!(duplicates.is_empty(), "seed {seed}: duplicate rows: {duplicates:?}");
    let missing: Vec<_> = expected.keys().filter(|k| !actual.contains_key(*k)).take(5).collect();
    let extra: Vec<_> = actual.keys().filter(|k| !expected.contains_key(*k)).take(5).collect();
    assert!(missing.is_empty() && extra.is_empty(), "seed {seed}: missing {missing:?}, unexpected {extra:?}");
    assert_eq!(&actual, expected, "seed {seed}");
    eprintln!(
        "{mid_batch} of {KILLS} kills left a batch planned but not committed; batch {committed:?} was the last committed before the final run; {} rows",
        actual.len()
    );
}

/// The Kafka query of the crash test, through the CLI: records keyed by user with a
/// number as value and an explicit timestamp, aggregated per 5-second window and key
/// under a 1-second watermark (declared on the Kafka table), to a file sink.
fn kafka_script(dir: &Path, servers: &str, topic: &str, out: &Path, checkpoint: Option<&Path>) -> PathBuf {
    let checkpoint = checkpoint.map(|c| format!(", checkpoint = '{}'", c.display())).unwrap_or_default();
    let text = format!(
        "CREATE TABLE events (
            k STRING GENERATED ALWAYS AS (CAST(key AS STRING)),
            v BIGINT GENERATED ALWAYS AS (CAST(CAST(value AS STRING) AS BIGINT)),
            WATERMARK FOR `timestamp` AS `timestamp` - INTERVAL '1' SECOND
         ) WITH (connector = 'kafka', 'kafka.bootstrap.servers' = '{servers}', subscribe = '{topic}',
                 startingOffsets = 'earliest', maxOffsetsPerTrigger = '400');
         CREATE TABLE windows WITH (connector = 'file', format = 'json', path = '{}'{checkpoint});
         INSERT INTO windows
           SELECT window(`timestamp`, '5 seconds') AS window, k, count(v) AS n, sum(v) AS s,
                  min(v) AS lo, max(v) AS hi
           FROM events GROUP BY window(`timestamp`, '5 seconds'), k;",
        out.display()
    );
    let path = dir.join(format!("kafka-{}.sql", out.file_name().unwrap().to_string_lossy()));
    std::fs::write(&path, text).unwrap();
    path
}

fn fill_topic(servers: &str, topic: &str, records: usize) {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    use rdkafka::client::DefaultClientContext;
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    use rdkafka::ClientConfig;
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", servers);
    let admin: AdminClient<DefaultClientContext> = config.create().unwrap();
    let runtime = futures_block_on(admin.create_topics(
        &[NewTopic::new(topic, 3, TopicReplication::Fixed(1))],
        &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))),
    ));
    for r in runtime.unwrap() {
        r.unwrap();
    }
    let producer: BaseProducer = config.clone().set("enable.idempotence", "true").create().unwrap();
    let base_ms = 1_424_686_762_000i64;
    for i in 0..records {
        let key = format!("user-{}", i % 7);
        let value = ((i * 7919) % 1000).to_string();
        let mut record = BaseRecord::to(topic).key(&key).payload(&value).timestamp(base_ms + i as i64 * 50);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, r)) => {
                    producer.poll(Duration::from_millis(50));
                    record = r;
                }
            }
        }
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

/// Drives a future to completion on this thread (the admin client's calls are async).
fn futures_block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Thread(std::thread::Thread);
    impl Wake for Thread {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark()
        }
    }
    let waker = Waker::from(std::sync::Arc::new(Thread(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park_timeout(Duration::from_millis(10));
    }
}

#[test]
fn kafka_source_aggregation_survives_sigkill_at_random_instants() {
    let Ok(servers) = std::env::var(BROKER_ENV) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{BROKER_ENV} is not set: scripts/test.sh starts a broker and sets it"
        );
        eprintln!(
            "SKIPPED: set {BROKER_ENV}=127.0.0.1:9092 with a Kafka broker running (scripts/test.sh does)"
        );
        return;
    };
    let seed = crash_seed();
    eprintln!("kafka crash test seed: {seed} (replay with SLUICE_CRASH_SEED={seed})");
    let topic = format!("sluice-crash-{seed}");
    fill_topic(&servers, &topic, 8_000);
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("reference");
    sluice_bin(); // built (when stale) before the clock starts
    let started = Instant::now();
    run_to_end(&kafka_script(dir.path(), &servers, &topic, &reference, None));
    let reference_ms = started.elapsed().as_millis() as u64;
    let expected = committed_rows(&reference);
    assert!(expected.len() > 50, "the query should close many windows, got {}", expected.len());
    let out = dir.path().join("crashed");
    let checkpoint = dir.path().join("checkpoint");
    let crashed = kafka_script(dir.path(), &servers, &topic, &out, Some(&checkpoint));
    let mut rng = SplitMix(seed);
    let (mid_batch, committed) = kill_repeatedly(&crashed, &checkpoint, &mut rng, (reference_ms / 5).max(50));
    check_same_output(seed, &expected, &out, mid_batch, committed);
}

/// A background snapshot's temporary file under the checkpoint's `state/` (a write in
/// progress; the workers write a whole snapshot only at batch 0).
fn background_snapshot_in_progress(checkpoint: &Path) -> Option<PathBuf> {
    for b in std::fs::read_dir(checkpoint.join("state")).ok()? {
        let b = b.ok()?;
        if b.file_name() == "0" {
            continue;
        }
        for f in std::fs::read_dir(b.path()).ok()? {
            let name = f.ok()?.file_name().to_string_lossy().into_owned();
            if name.starts_with(".snapshot-") && name.ends_with(".tmp") {
                return Some(b.path().join(name));
            }
        }
    }
    None
}

#[test]
fn a_kill_inside_a_background_snapshot_loses_and_repeats_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    split_input("activity-data-synth", 2, 8, &input);
    let reference = dir.path().join("reference");
    run_to_end(&script(dir.path(), &input, &reference, None));
    let expected = committed_rows(&reference);

    let (out, checkpoint) = (dir.path().join("crashed"), dir.path().join("checkpoint"));
    let crashed = script(dir.path(), &input, &out, Some(&checkpoint));
    // A snapshot is folded every 2 batches; the test hook holds each one half-written.
    let mut child = Command::new(sluice_bin())
        .args(["run", crashed.to_str().unwrap(), "-w", "2", "-q"])
        .args(["--conf", "spark.sql.streaming.stateStore.minDeltasForSnapshot=2"])
        .args(["--conf", "spark.sql.streaming.stateStore.maintenanceInterval=0"])
        .env("SLUICE_TEST_CONSOLIDATION_PAUSE_MS", "60000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let tmp = loop {
        if let Some(tmp) = background_snapshot_in_progress(&checkpoint) {
            break tmp;
        }
        assert!(child.try_wait().unwrap().is_none(), "the query ended before a background snapshot");
        assert!(started.elapsed() < Duration::from_secs(60), "no background snapshot started");
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().unwrap(); // SIGKILL, inside the snapshot's write
    child.wait().unwrap();
    assert!(tmp.exists(), "killed before the snapshot was renamed into place");
    let folded =
        tmp.parent().unwrap().join(tmp.file_name().unwrap().to_string_lossy().split('.').nth(1).unwrap());
    assert!(!folded.exists(), "{} was not written yet", folded.display());
    let committed = last_entry(&checkpoint.join("commits"));
    run_to_end(&crashed);
    check_same_output(0, &expected, &out, 0, committed);
}

/// A stream-stream join through the CLI: the activity rows as two streams (the same
/// chunks under two directories), joined on the row's index and its 10-second window under
/// a 5-second watermark on each side, to a file sink.
fn join_script(dir: &Path, input: &Path, out: &Path, checkpoint: Option<&Path>) -> PathBuf {
    let checkpoint = checkpoint.map(|c| format!(", checkpoint = '{}'", c.display())).unwrap_or_default();
    let table = |name: &str, sub: &str| {
        format!(
            "CREATE TABLE {name} (
                Creation_Time BIGINT, `Index` BIGINT, `User` STRING, gt STRING,
                t TIMESTAMP GENERATED ALWAYS AS (CAST(Creation_Time / 1e9 AS TIMESTAMP)),
                WATERMARK FOR t AS t - INTERVAL '5' SECOND
             ) WITH (connector = 'file', format = 'json', path = '{}', maxFilesPerTrigger = '1', fileOrder = 'name');",
            input.join(sub).display()
        )
    };
    let text = format!(
        "{}
         {}
         CREATE TABLE pairs WITH (connector = 'file', format = 'json', path = '{}'{checkpoint});
         INSERT INTO pairs
           SELECT a.`Index`, a.w, a.`User`, a.gt AS gt_a, b.gt AS gt_b
           FROM (SELECT `Index`, window(t, '10 seconds') AS w, `User`, gt FROM left_rows) a
           JOIN (SELECT `Index`, window(t, '10 seconds') AS w, gt FROM right_rows) b
           ON a.`Index` = b.`Index` AND a.w = b.w;",
        table("left_rows", "left"),
        table("right_rows", "right"),
        out.display()
    );
    let path = dir.join(format!("join-{}.sql", out.file_name().unwrap().to_string_lossy()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn stream_stream_join_survives_sigkill_at_random_instants() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    split_input("activity-data-synth", 2, 8, &input.join("left"));
    split_input("activity-data-synth", 2, 8, &input.join("right"));
    survives_sigkill(dir.path(), &input, 1001, join_script);
}

/// A chain of aggregations (Spark refuses it outside append mode) through the CLI into a
/// memory table in `mode`, checkpointed: per user and activity a count and the largest
/// index, then per activity how many users, their rows, the largest index and the smallest
/// count (a minimum under retraction). Integer aggregates only, so every run's table is
/// exactly the same. The script ends with `SELECT * FROM chain`.
fn chain_script(dir: &Path, input: &Path, mode: &str, checkpoint: Option<&Path>) -> PathBuf {
    let checkpoint = checkpoint.map(|c| format!(", checkpoint = '{}'", c.display())).unwrap_or_default();
    let text = format!(
        "CREATE TABLE activity (
            Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, `Index` BIGINT, Model STRING,
            `User` STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE
         ) WITH (connector = 'file', format = 'json', path = '{}', maxFilesPerTrigger = '1', fileOrder = 'name');
         CREATE TABLE chain WITH (connector = 'memory', outputMode = '{mode}'{checkpoint});
         INSERT INTO chain
           SELECT gt, count(*) AS users, sum(n) AS total, max(mx) AS top, min(n) AS least
           FROM (SELECT `User`, gt, count(*) AS n, max(`Index`) AS mx FROM activity GROUP BY `User`, gt) AS u
           GROUP BY gt;
         SELECT * FROM chain;",
        input.display()
    );
    let name = if checkpoint.is_empty() {
        format!("chain-{mode}-reference.sql")
    } else {
        format!("chain-{mode}.sql")
    };
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `script` to its end with AvailableNow and returns its `SELECT` rows, sorted.
fn selected_rows(script: &Path) -> Vec<String> {
    let out = Command::new(sluice_bin())
        .args([
            "run",
            script.to_str().unwrap(),
            "-w",
            "2",
            "-q",
            "--trigger",
            "available-now",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut rows: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect();
    rows.sort();
    rows
}

/// The first line of `input`'s files for each activity (`gt`, null included), as a last
/// file: its batch changes every activity's group, so in update mode too it writes the
/// whole table.
fn touch_every_group(input: &Path) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(input).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut seen = BTreeMap::new();
    for file in files {
        for line in std::fs::read_to_string(file).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            seen.entry(v["gt"].to_string()).or_insert_with(|| line.to_string());
        }
    }
    let text: Vec<String> = seen.into_values().collect();
    std::fs::write(input.join("in-9999.json"), text.join("\n") + "\n").unwrap();
}

#[test]
fn a_chain_of_aggregations_survives_sigkill_in_complete_and_update_mode() {
    let seed = crash_seed();
    eprintln!("crash test seed: {seed} (replay with SLUICE_CRASH_SEED={seed})");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    split_input("activity-data-synth", 8, 4, &input);
    // The reference: one run over every file, the last one included.
    let all = dir.path().join("all");
    split_input("activity-data-synth", 8, 4, &all);
    touch_every_group(&all);
    sluice_bin();
    let started = Instant::now();
    let expected = selected_rows(&chain_script(dir.path(), &all, "complete", None));
    let reference_ms = started.elapsed().as_millis() as u64;
    // Eight users over seven activities (null included) in the first eight files.
    assert_eq!(expected.len(), 7, "{expected:?}");
    let mut rng = SplitMix(seed);
    for mode in ["complete", "update"] {
        let checkpoint = dir.path().join(format!("checkpoint-{mode}"));
        let crashed = chain_script(dir.path(), &input, mode, Some(&checkpoint));
        let (mid_batch, committed) =
            kill_repeatedly(&crashed, &checkpoint, &mut rng, (reference_ms / 5).max(50));
        eprintln!("{mode}: {mid_batch} of {KILLS} kills left a batch planned but not committed; batch {committed:?} was the last committed");
        // The last file's batch restores the state and writes every group (the memory
        // table of a new process starts empty).
        touch_every_group(&input);
        let got = selected_rows(&crashed);
        assert_eq!(got, expected, "seed {seed}, {mode} mode");
        std::fs::remove_file(input.join("in-9999.json")).unwrap();
    }
}

/// Nexmark q4 (benches/nexmark/q4.sql: a stream-stream join, the max bid per auction and
/// the average per category; Spark refuses it) over the in-process generator, `events` in
/// all in batches of 10,000, into a memory table in `mode`, checkpointed when `checkpoint`
/// is given. The script ends with `SELECT * FROM nexmark`.
fn q4_script(dir: &Path, events: u64, mode: &str, checkpoint: Option<&Path>) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tables = std::fs::read_to_string(repo.join("benches/nexmark/tables/generator.sql"))
        .unwrap()
        .replace("${NEXMARK_EVENTS}", &events.to_string())
        .replace("${NEXMARK_EVENTS_PER_BATCH}", "10000");
    let query = std::fs::read_to_string(repo.join("benches/nexmark/q4.sql")).unwrap();
    let sink_checkpoint = checkpoint.map(|c| format!(", checkpoint = '{}'", c.display())).unwrap_or_default();
    let text = format!(
        "{tables}\nCREATE TABLE nexmark WITH (connector = 'memory', outputMode = '{mode}'{sink_checkpoint});\n{query}\nSELECT * FROM nexmark;\n"
    );
    let name = match checkpoint {
        Some(_) => format!("q4-{mode}-{events}.sql"),
        None => format!("q4-{mode}-{events}-reference.sql"),
    };
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Nexmark q4 (a join, an aggregation and an aggregation of it) in complete and in update
/// mode survives SIGKILL at random instants: killed while generating its 200,000 events,
/// then restarted with 10,000 more, its last batch restores the chain's state (join sides,
/// maxima per auction, averages per category) and writes every category, and the table is
/// exactly that of one uninterrupted run over all 210,000 events.
#[test]
fn nexmark_q4_survives_sigkill_in_complete_and_update_mode() {
    let seed = crash_seed();
    eprintln!("crash test seed: {seed} (replay with SLUICE_CRASH_SEED={seed})");
    let dir = tempfile::tempdir().unwrap();
    sluice_bin();
    let started = Instant::now();
    let expected = selected_rows(&q4_script(dir.path(), 210_000, "complete", None));
    let reference_ms = started.elapsed().as_millis() as u64;
    assert_eq!(expected.len(), 5, "five categories: {expected:?}");
    let mut rng = SplitMix(seed);
    for mode in ["complete", "update"] {
        let checkpoint = dir.path().join(format!("checkpoint-q4-{mode}"));
        let crashed = q4_script(dir.path(), 200_000, mode, Some(&checkpoint));
        let (mid_batch, committed) =
            kill_repeatedly(&crashed, &checkpoint, &mut rng, (reference_ms / 5).max(50));
        eprintln!("q4 {mode}: {mid_batch} of {KILLS} kills left a batch planned but not committed; batch {committed:?} was the last committed");
        let got = selected_rows(&q4_script(dir.path(), 210_000, mode, Some(&checkpoint)));
        assert_eq!(got, expected, "seed {seed}, q4 in {mode} mode");
    }
}

/// A stream-static join through the CLI: the activity stream joined with a static
/// temporary view of the models' vendors (the CLI shape), counted per 10-second
/// window and vendor under a 5-second watermark, to a file sink.
fn static_join_script(dir: &Path, input: &Path, out: &Path, checkpoint: Option<&Path>) -> PathBuf {
    let checkpoint = checkpoint.map(|c| format!(", checkpoint = '{}'", c.display())).unwrap_or_default();
    let text = format!(
        "{}
         CREATE TEMPORARY VIEW models AS SELECT * FROM VALUES ('nexus4', 'LG'), ('s3', 'Samsung'), ('s3mini', 'Samsung') AS t(Model, vendor);
         CREATE TABLE vendors WITH (connector = 'file', format = 'json', path = '{}'{checkpoint});
         INSERT INTO vendors
           SELECT window(event_time, '10 seconds') AS window, vendor, count(*) AS n, sum(`Index`) AS s
           FROM activity JOIN models USING (Model) GROUP BY window(event_time, '10 seconds'), vendor;",
        activity_table(input),
        out.display()
    );
    let path = dir.join(format!("s-{}.sql", out.file_name().unwrap().to_string_lossy()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn stream_static_join_survives_sigkill_at_random_instants() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    split_input("activity-data-synth", 4, 8, &input);
    survives_sigkill(dir.path(), &input, 51, static_join_script);
}
