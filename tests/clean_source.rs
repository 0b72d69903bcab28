//! `cleanSource = archive | delete` across SIGKILLs: a query (the CLI, 2 workers, a
//! checkpoint, a file sink) is killed at seeded random instants and restarted; in the end
//! every input row was written exactly once (nothing lost, nothing read twice), and every
//! input file left the source directory — archived under `<sourceArchiveDir>/<full path>`
//! or deleted — only after its batch was committed.
//!
//! `SLUICE_CRASH_SEED=<seed>` replays a failure.

mod common;

use common::{committed_lines, crash_seed, data_dir, sluice_bin, SplitMix};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const KILLS: usize = 8;

/// The first two activity files cut into 24 files; returns each input row's key with its count.
fn split_input(into: &Path) -> BTreeMap<String, usize> {
    std::fs::create_dir_all(into).unwrap();
    let mut names: Vec<PathBuf> =
        std::fs::read_dir(data_dir("activity-data-synth")).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let mut keys = BTreeMap::new();
    let mut n = 0;
    for path in names.iter().take(2) {
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for part in lines.chunks(lines.len().div_ceil(12)) {
            for line in part {
                *keys.entry(key(line)).or_insert(0) += 1;
            }
            std::fs::write(into.join(format!("in-{n:04}.json")), part.join("\n") + "\n").unwrap();
            n += 1;
        }
    }
    keys
}

/// A row's identity: arrival time, device and index.
fn key(line: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    format!("{} {} {}", v["Arrival_Time"], v["Device"], v["Index"])
}

/// The rows the file sink committed (through its log), as keys with counts.
fn committed_keys(out: &Path) -> BTreeMap<String, usize> {
    let mut keys = BTreeMap::new();
    for line in committed_lines(out) {
        *keys.entry(key(&line)).or_insert(0) += 1;
    }
    keys
}

fn script(dir: &Path, input: &Path, out: &Path, checkpoint: &Path, clean: &str) -> PathBuf {
    let text = format!(
        "CREATE TABLE activity (
            Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, `Index` BIGINT, Model STRING,
            `User` STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE
         ) WITH (connector = 'file', format = 'json', path = '{}', maxFilesPerTrigger = '1',
                 fileOrder = 'name'{clean});
         CREATE TABLE copy WITH (connector = 'file', format = 'json', path = '{}', checkpoint = '{}');
         INSERT INTO copy SELECT Arrival_Time, Device, `Index`, gt FROM activity;",
        input.display(),
        out.display(),
        checkpoint.display()
    );
    let path = dir.join("q.sql");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(script: &Path, args: &[&str]) -> std::process::Output {
    Command::new(sluice_bin())
        .args(["run", script.to_str().unwrap(), "-w", "2", "-q"])
        .args(args)
        .output()
        .unwrap()
}

/// The files left in `dir` (recursively), relative to it.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn crash_and_finish(clean: &str, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let expected = split_input(&input);
    let archive = dir.path().join("archive");
    let out = dir.path().join("out");
    let checkpoint = dir.path().join("checkpoint");
    let options = match clean {
        "archive" => format!(", cleanSource = 'archive', sourceArchiveDir = '{}'", archive.display()),
        _ => ", cleanSource = 'delete'".to_string(),
    };
    let q = script(dir.path(), &input, &out, &checkpoint, &options);
    sluice_bin();
    let mut rng = SplitMix(seed);
    for _ in 0..KILLS {
        let mut child = Command::new(sluice_bin())
            .args(["run", q.to_str().unwrap(), "-w", "2", "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(100 + rng.next() % 900));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Whatever left the source directory belongs to a committed batch: its rows are in
        // the committed output.
        let committed = committed_keys(&out);
        for f in files_under(&archive) {
            let name = f.file_name().unwrap().to_owned();
            if !input.join(&name).exists() {
                let text = std::fs::read_to_string(archive.join(&f)).unwrap();
                let first = key(text.lines().next().unwrap());
                assert!(
                    committed.contains_key(&first),
                    "seed {seed}: {} archived before its commit",
                    f.display()
                );
            }
        }
    }
    let done = run(&q, &["--trigger", "available-now"]);
    assert!(done.status.success(), "seed {seed}: {}", String::from_utf8_lossy(&done.stderr));
    let actual = committed_keys(&out);
    let twice: Vec<_> = actual.iter().filter(|(_, &n)| n > 1).take(3).collect();
    assert!(twice.is_empty(), "seed {seed} ({clean}): rows read twice: {twice:?}");
    assert_eq!(actual, expected, "seed {seed} ({clean}): rows lost or added");
    // The final run committed its last batch and cleaned everything.
    assert_eq!(files_under(&input), Vec::<PathBuf>::new(), "seed {seed} ({clean}): files left in the source");
    let archived = files_under(&archive);
    if clean == "archive" {
        assert_eq!(archived.len(), 24, "seed {seed}: {archived:?}");
        let abs = std::fs::canonicalize(&input).unwrap();
        let rel: PathBuf = abs.components().skip(1).collect();
        assert!(archived.iter().all(|p| p.starts_with(&rel)), "archive keeps full paths: {archived:?}");
    } else {
        assert!(archived.is_empty());
    }
    // A restart after the end re-reads nothing.
    let again = run(&q, &["--trigger", "available-now"]);
    assert!(again.status.success());
    assert_eq!(committed_keys(&out), expected, "seed {seed} ({clean}): a restart read again");
}

#[test]
fn clean_source_archive_survives_sigkill_without_losing_or_rereading_a_file() {
    let seed = crash_seed();
    eprintln!("clean source archive seed: {seed} (replay with SLUICE_CRASH_SEED={seed})");
    crash_and_finish("archive", seed);
}

#[test]
fn clean_source_delete_survives_sigkill_without_losing_or_rereading_a_file() {
    let seed = crash_seed();
    eprintln!("clean source delete seed: {seed} (replay with SLUICE_CRASH_SEED={seed})");
    crash_and_finish("delete", seed);
}

#[test]
fn an_archive_directory_under_the_source_path_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(input.join("a.json"), "{\"Index\":1}\n").unwrap();
    let options = format!(", cleanSource = 'archive', sourceArchiveDir = '{}'", input.join("done").display());
    let q = script(dir.path(), &input, &dir.path().join("out"), &dir.path().join("cp"), &options);
    let out = run(&q, &["--trigger", "available-now"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("sourceArchiveDir") && err.contains("under the source path"),
        "{err}"
    );
    assert!(input.join("a.json").exists());
}
