//! The golden-answer harness shared by the integration tests: where the shared data and
//! Spark's golden answers live, how to read them, and how to compare Sluice's rows with
//! them (as multisets, doubles within a tolerance, timestamps and structs normalised).
//!
//! Golden answers come from real Apache Spark 4.3 (`../shared/peer/spark`); see
//! `../shared/golden/<dataset>/meta.json` for how each was produced.
#![allow(dead_code)]

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// One row as a JSON object (column name to value).
pub type JsonRow = Map<String, Value>;

/// Relative tolerance for doubles: Spark's averages differ in the last bits between one
/// batch and many (up to 8e-15 relative, per the peer README).
pub const DOUBLE_REL_TOLERANCE: f64 = 1e-9;

/// The shared directory (data, golden answers): `$SLUICE_SHARED`, or `../shared` next to
/// the repository root.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("SLUICE_SHARED") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    }
}

/// The input files of a dataset (`activity-data-synth`, `hhar-real-sample`, ...).
pub fn data_dir(dataset: &str) -> PathBuf {
    shared_dir().join("data").join(dataset)
}

/// A golden file of a dataset, e.g. `golden_path("activity-data-synth", "a_activity_counts.jsonl")`.
pub fn golden_path(dataset: &str, file: &str) -> PathBuf {
    shared_dir().join("golden").join(dataset).join(file)
}

/// Reads a text file, un-gzipping it when its name ends in `.gz`; panics naming the path.
pub fn read_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("cannot gunzip {}: {e}", path.display()));
        text
    } else {
        String::from_utf8(bytes).unwrap_or_else(|e| panic!("{} is not UTF-8: {e}", path.display()))
    }
}

/// Parses JSON lines (blank lines skipped) into objects; panics naming the bad line.
pub fn parse_json_lines(text: &str) -> Vec<JsonRow> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| match serde_json::from_str::<Value>(l) {
            Ok(Value::Object(m)) => m,
            Ok(other) => panic!("line {}: expected a JSON object, got {other}", i + 1),
            Err(e) => panic!("line {}: {e}: {l}", i + 1),
        })
        .collect()
}

/// The rows of a golden `.jsonl` or `.jsonl.gz` file.
pub fn read_golden_rows(dataset: &str, file: &str) -> Vec<JsonRow> {
    parse_json_lines(&read_text(&golden_path(dataset, file)))
}

/// A golden JSON document (`meta.json`, `*.summary.json`).
pub fn read_golden_json(dataset: &str, file: &str) -> Value {
    let path = golden_path(dataset, file);
    serde_json::from_str(&read_text(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Flattens struct columns as the golden files do: `{"window": {"start": a, "end": b}}`
/// becomes `window_start: a, window_end: b` (recursively).
pub fn flatten_struct_columns(row: &JsonRow) -> JsonRow {
    fn put(out: &mut JsonRow, prefix: &str, v: &Value) {
        match v {
            Value::Object(fields) => {
                for (k, v) in fields {
                    put(out, &format!("{prefix}_{k}"), v);
                }
            }
            v => {
                out.insert(prefix.to_string(), v.clone());
            }
        }
    }
    let mut out = JsonRow::new();
    for (k, v) in row {
        put(&mut out, k, v);
    }
    out
}

/// Normalises one cell so Spark's and Sluice's spellings compare equal: timestamp text
/// loses trailing fraction zeros (`10:10:00.000000` and `10:10:00` are the same), and
/// non-finite doubles written as strings (`"nan"` by the golden scripts, `"NaN"` by
/// Sluice) get one spelling.
pub fn normalize_value(v: &Value) -> Value {
    match v {
        Value::String(s) => match s.as_str() {
            "nan" | "NaN" => Value::String("NaN".into()),
            "inf" | "Infinity" => Value::String("Infinity".into()),
            "-inf" | "-Infinity" => Value::String("-Infinity".into()),
            _ if looks_like_timestamp(s) => {
                let t = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { s };
                Value::String(t.replacen('T', " ", 1))
            }
            _ => v.clone(),
        },
        _ => v.clone(),
    }
}

/// True for `yyyy-MM-dd[ T]HH:mm:ss[.fraction]`.
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    b.len() >= 19
        && (0..4).all(digit)
        && b[4] == b'-'
        && digit(5)
        && digit(6)
        && b[7] == b'-'
        && digit(8)
        && digit(9)
        && (b[10] == b' ' || b[10] == b'T')
        && digit(11)
        && digit(12)
        && b[13] == b':'
        && digit(14)
        && digit(15)
        && b[16] == b':'
        && digit(17)
        && digit(18)
        && (b.len() == 19 || (b[19] == b'.' && b[20..].iter().all(u8::is_ascii_digit)))
}

/// Flattens structs and normalises every cell (see [`normalize_value`]).
/// Columns in name order, so rows compare whatever order their objects were built in
/// (serde_json keeps insertion order: the workspace enables `preserve_order`).
pub fn normalize_row(row: &JsonRow) -> JsonRow {
    let mut cells: Vec<(String, Value)> =
        flatten_struct_columns(row).iter().map(|(k, v)| (k.clone(), normalize_value(v))).collect();
    cells.sort_by(|a, b| a.0.cmp(&b.0));
    cells.into_iter().collect()
}

/// True when two numbers are equal: integers exactly, anything involving a double within
/// [`DOUBLE_REL_TOLERANCE`].
fn numbers_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    if let (Some(x), Some(y)) = (as_i128(a), as_i128(b)) {
        return x == y;
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y || (x - y).abs() <= DOUBLE_REL_TOLERANCE * x.abs().max(y.abs()),
        _ => false,
    }
}

fn as_i128(n: &serde_json::Number) -> Option<i128> {
    n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from))
}

/// Cell equality with the double tolerance (recursing into arrays and objects).
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => numbers_equal(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| values_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

fn rows_equal(a: &JsonRow, b: &JsonRow) -> bool {
    a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| values_equal(v, w)))
}

/// Orders numbers by value (integers exactly), for sorting rows before matching.
fn cmp_numbers(a: &serde_json::Number, b: &serde_json::Number) -> Ordering {
    match (as_i128(a), as_i128(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.as_f64().unwrap_or(f64::NAN).total_cmp(&b.as_f64().unwrap_or(f64::NAN)),
    }
}

/// Python's ordering of the golden scripts' sort keys: nulls first, numbers by value,
/// strings by code point (other types by their JSON text).
pub fn cmp_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Number(x), Value::Number(y)) => cmp_numbers(x, y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// The exact part of a row (names and non-numeric cells); rows can only match rows with
/// the same exact part, so matching works group by group.
fn exact_part(row: &JsonRow) -> String {
    let mut key = String::new();
    for (k, v) in row {
        key.push_str(k);
        key.push('\u{1}');
        if !v.is_number() {
            key.push_str(&v.to_string());
        }
        key.push('\u{2}');
    }
    key
}

fn cmp_numeric_parts(a: &JsonRow, b: &JsonRow) -> Ordering {
    for ((_, x), (_, y)) in a.iter().zip(b.iter()) {
        if let (Value::Number(x), Value::Number(y)) = (x, y) {
            let o = cmp_numbers(x, y);
            if o != Ordering::Equal {
                return o;
            }
        }
    }
    Ordering::Equal
}

/// Compares two row multisets after [`normalize_row`] (golden `*_us` columns that the
/// actual rows lack are dropped); `None` when they match, else a readable diff.
pub fn diff_rows(expected: &[JsonRow], actual: &[JsonRow]) -> Option<String> {
    let actual: Vec<JsonRow> = actual.iter().map(normalize_row).collect();
    let actual_keys: BTreeSet<&String> = actual.iter().flat_map(|r| r.keys()).collect();
    let expected: Vec<JsonRow> = expected
        .iter()
        .map(|r| {
            let mut r = normalize_row(r);
            r.retain(|k, _| !k.ends_with("_us") || actual_keys.contains(k));
            r
        })
        .collect();

    let mut groups: BTreeMap<String, (Vec<&JsonRow>, Vec<&JsonRow>)> = BTreeMap::new();
    for r in &expected {
        groups.entry(exact_part(r)).or_default().0.push(r);
    }
    for r in &actual {
        groups.entry(exact_part(r)).or_default().1.push(r);
    }
    let (mut missing, mut unexpected) = (Vec::new(), Vec::new());
    for (_, (mut exp, mut act)) in groups {
        exp.sort_by(|a, b| cmp_numeric_parts(a, b));
        act.sort_by(|a, b| cmp_numeric_parts(a, b));
        // Merge the sorted lists; near-equal doubles may sort differently on the two
        // sides, so what the merge leaves is matched pairwise afterwards.
        let (mut i, mut j) = (0, 0);
        let (mut left_exp, mut left_act) = (Vec::new(), Vec::new());
        while i < exp.len() && j < act.len() {
            if rows_equal(exp[i], act[j]) {
                i += 1;
                j += 1;
            } else if cmp_numeric_parts(exp[i], act[j]) == Ordering::Less {
                left_exp.push(exp[i]);
                i += 1;
            } else {
                left_act.push(act[j]);
                j += 1;
            }
        }
        left_exp.extend(&exp[i..]);
        left_act.extend(&act[j..]);
        for e in left_exp {
            match left_act.iter().position(|a| rows_equal(e, a)) {
                Some(p) => {
                    left_act.swap_remove(p);
                }
                None => missing.push(e),
            }
        }
        unexpected.extend(left_act);
    }
    if missing.is_empty() && unexpected.is_empty() {
        return None;
    }
    let show = |rows: &[&JsonRow]| -> String {
        rows.iter().take(5).map(|r| format!("    {}\n", Value::Object((*r).clone()))).collect::<String>()
            + &if rows.len() > 5 { format!("    ... and {} more\n", rows.len() - 5) } else { String::new() }
    };
    let mut msg = format!(
        "row multisets differ: expected {} rows, got {}; {} expected rows missing, {} unexpected rows\n",
        expected.len(),
        actual.len(),
        missing.len(),
        unexpected.len()
    );
    let expected_keys: BTreeSet<&String> = expected.iter().flat_map(|r| r.keys()).collect();
    if expected_keys != actual_keys {
        msg.push_str(&format!("  columns differ: expected {expected_keys:?}, got {actual_keys:?}\n"));
    }
    if !missing.is_empty() {
        msg.push_str("  missing (in golden, not in actual):\n");
        msg.push_str(&show(&missing));
    }
    if !unexpected.is_empty() {
        msg.push_str("  unexpected (in actual, not in golden):\n");
        msg.push_str(&show(&unexpected));
    }
    Some(msg)
}

/// Asserts two row multisets are equal (see [`diff_rows`]), panicking with the diff.
pub fn assert_same_rows(expected: &[JsonRow], actual: &[JsonRow], context: &str) {
    if let Some(diff) = diff_rows(expected, actual) {
        panic!("{context}: {diff}");
    }
}

/// Python's `repr(float)`, which `json.dumps` uses: shortest digits, fixed notation for
/// decimal exponents in `[-4, 16)`, else `1e+16` / `1.5e-05`.
fn python_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` output has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    if (-4..16).contains(&exp) {
        let s = format!("{x}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    }
}

/// One value as Python's `json.dumps` writes it (ASCII only, `\uXXXX` escapes).
fn python_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match as_i128(n) {
            Some(i) => out.push_str(&i.to_string()),
            None => out.push_str(&python_float(n.as_f64().unwrap_or(f64::NAN))),
        },
        Value::String(s) => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{c}' => out.push_str("\\f"),
                    c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                        let mut buf = [0u16; 2];
                        for unit in c.encode_utf16(&mut buf) {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                python_json(item, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            // Keys sorted, as before serde_json kept insertion order (`preserve_order`).
            let mut cells: Vec<(&String, &Value)> = m.iter().collect();
            cells.sort_by(|a, b| a.0.cmp(b.0));
            for (i, (k, v)) in cells.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                python_json(&Value::String(k.clone()), out);
                out.push(':');
                python_json(v, out);
            }
            out.push('}');
        }
    }
}

/// The golden scripts' canonical text of a result: rows sorted by `columns` left to right
/// (nulls first), one `json.dumps(row, separators=(',',':'))` line per row with keys in
/// column order, `'\n'` after each. Missing columns are written as `null`.
pub fn canonical_jsonl(rows: &[JsonRow], columns: &[String]) -> String {
    let mut sorted: Vec<&JsonRow> = rows.iter().collect();
    sorted.sort_by(|a, b| {
        columns
            .iter()
            .map(|c| cmp_values(a.get(c).unwrap_or(&Value::Null), b.get(c).unwrap_or(&Value::Null)))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    });
    let mut out = String::new();
    for row in sorted {
        out.push('{');
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            python_json(&Value::String(c.clone()), &mut out);
            out.push(':');
            python_json(row.get(c).unwrap_or(&Value::Null), &mut out);
        }
        out.push_str("}\n");
    }
    out
}

/// Lower-case hex SHA-256 of a text.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// An integer cell of a row, or a description of why it is not one.
fn int_cell(row: &JsonRow, column: &str) -> Result<i128, String> {
    match row.get(column) {
        Some(Value::Number(n)) => as_i128(n).ok_or_else(|| format!("column {column} is not an integer: {n}")),
        other => Err(format!("column {column} is not an integer: {other:?}")),
    }
}

/// Every way `actual` differs from the `b_stairs_append` golden answer of `dataset`
/// (empty when it matches): count, count per `gt|model`, exact sums and min/max of the
/// time columns, the sha256 of the canonical text, and the full row multiset from
/// `b_stairs_append.jsonl.gz` when that file exists.
pub fn stairs_append_mismatches(dataset: &str, actual: &[JsonRow]) -> Vec<String> {
    let summary = read_golden_json(dataset, "b_stairs_append.summary.json");
    let columns: Vec<String> = summary["columns"]
        .as_array()
        .expect("summary has a columns list")
        .iter()
        .map(|c| c.as_str().expect("column names are strings").to_string())
        .collect();
    let [gt, model, arrival, creation] = &columns[..] else {
        panic!("b_stairs_append summary should have 4 columns, has {columns:?}");
    };
    let mut problems = Vec::new();

    let count = summary["count"].as_u64().expect("summary count") as usize;
    if actual.len() != count {
        problems.push(format!("count: expected {count}, got {}", actual.len()));
    }

    let mut per: BTreeMap<String, u64> = BTreeMap::new();
    let python_str = |v: Option<&Value>| match v {
        None | Some(Value::Null) => "None".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    for r in actual {
        *per.entry(format!("{}|{}", python_str(r.get(gt)), python_str(r.get(model)))).or_default() += 1;
    }
    let expected_per: BTreeMap<String, u64> = summary["count_by_gt_model"]
        .as_object()
        .expect("summary count_by_gt_model")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().expect("counts are integers")))
        .collect();
    if per != expected_per {
        problems.push(format!("count_by_gt_model: expected {expected_per:?}, got {per:?}"));
    }

    let mut sums = [0i128; 2];
    let (mut min_arrival, mut max_arrival): (Option<i128>, Option<i128>) = (None, None);
    for r in actual {
        for (sum, column) in sums.iter_mut().zip([arrival, creation]) {
            match int_cell(r, column) {
                Ok(v) => *sum += v,
                Err(e) => {
                    problems.push(e);
                    return problems;
                }
            }
        }
        let a = int_cell(r, arrival).expect("checked above");
        min_arrival = Some(min_arrival.map_or(a, |m| m.min(a)));
        max_arrival = Some(max_arrival.map_or(a, |m| m.max(a)));
    }
    for (sum, (key, column)) in
        sums.iter().zip([("sum_arrival_time", arrival), ("sum_creation_time", creation)])
    {
        let want: i128 =
            summary[key].as_str().and_then(|s| s.parse().ok()).expect("summary sums are integer strings");
        if *sum != want {
            problems.push(format!("sum of {column}: expected {want}, got {sum}"));
        }
    }
    for (got, key) in [(min_arrival, "min_arrival_time"), (max_arrival, "max_arrival_time")] {
        let want = summary[key].as_number().and_then(as_i128);
        if got != want {
            problems.push(format!("{key}: expected {want:?}, got {got:?}"));
        }
    }

    let canonical = canonical_jsonl(actual, &columns);
    let sha = sha256_hex(&canonical);
    let want_sha = summary["sha256_sorted_jsonl"].as_str().expect("summary sha256");
    if sha != want_sha {
        let first: Vec<&str> = canonical.lines().take(3).collect();
        problems.push(format!(
            "sha256 of canonical rows: expected {want_sha}, got {sha} (first lines {first:?})"
        ));
    }

    let gz = golden_path(dataset, "b_stairs_append.jsonl.gz");
    if gz.exists() {
        let expected = parse_json_lines(&read_text(&gz));
        if let Some(diff) = diff_rows(&expected, actual) {
            problems.push(diff);
        }
    }
    problems
}

/// Asserts `actual` is Spark's `b_stairs_append` answer for `dataset` (see
/// [`stairs_append_mismatches`]), panicking with every difference found.
pub fn check_stairs_append(dataset: &str, actual: &[JsonRow]) {
    let problems = stairs_append_mismatches(dataset, actual);
    if !problems.is_empty() {
        panic!("{dataset} b_stairs_append differs from Spark:\n- {}", problems.join("\n- "));
    }
}

/// The `sluice` binary next to this test's profile directory, built once per test run
/// (a no-op when fresh): it belongs to the `sluice-cli` member, which Cargo does not
/// build for the root package's tests.
pub fn sluice_bin() -> &'static std::path::Path {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable path");
        // target/<profile>/deps/cli-<hash>
        let profile_dir =
            exe.parent().and_then(std::path::Path::parent).expect("target/<profile>").to_path_buf();
        let profile = profile_dir.file_name().and_then(|n| n.to_str()).expect("profile name").to_string();
        let target_dir = profile_dir.parent().expect("target dir");
        let mut build = std::process::Command::new(env!("CARGO"));
        build
            .args(["build", "-q", "-p", "sluice-cli", "--bin", "sluice"])
            .arg("--target-dir")
            .arg(target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        match profile.as_str() {
            "debug" => {}
            "release" => {
                build.arg("--release");
            }
            other => {
                build.args(["--profile", other]);
            }
        }
        let status = build.status().expect("run cargo build -p sluice-cli");
        assert!(status.success(), "cargo build -p sluice-cli failed");
        let bin = profile_dir.join(format!("sluice{}", std::env::consts::EXE_SUFFIX));
        assert!(bin.is_file(), "{} was not built", bin.display());
        bin
    })
}

/// Writes `name` into `dir` atomically (written beside, then renamed in) so a running
/// query never sees half a file, with a modification time `age_s` seconds in the past
/// (smaller is newer) so file order does not depend on the clock's resolution.
pub fn drop_file(dir: &Path, name: &str, content: &str, age_s: u64) {
    use std::time::{Duration, SystemTime};
    let staging = dir.parent().expect("data dirs live in a temp dir").join(format!(".{name}.tmp"));
    std::fs::write(&staging, content).expect("write staging file");
    let file = std::fs::File::options().write(true).open(&staging).expect("open staging file");
    file.set_modified(SystemTime::now() - Duration::from_secs(age_s)).expect("set mtime");
    drop(file);
    std::fs::rename(&staging, dir.join(name)).expect("rename into place");
}

/// A temp dir with an empty `data` directory inside.
pub fn temp_data_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    std::fs::create_dir(&dir).expect("mkdir data");
    (tmp, dir)
}
pub mod kafka;

/// splitmix64: a tiny deterministic generator, so a crash test's kill schedule replays.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A crash test's seed: `SLUICE_CRASH_SEED` to replay a failure, else the clock.
pub fn crash_seed() -> u64 {
    match std::env::var("SLUICE_CRASH_SEED") {
        Ok(s) => s.parse().expect("SLUICE_CRASH_SEED is a number"),
        Err(_) => {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
        }
    }
}

/// Every line a file sink in `out` committed: the lines of every file its
/// `_sluice_metadata` log lists (nothing before the first commit).
pub fn committed_lines(out: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    let Ok(entries) = std::fs::read_dir(out.join("_sluice_metadata")) else { return lines };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with('.') {
            continue;
        }
        for line in std::fs::read_to_string(&path).unwrap().lines().filter(|l| !l.is_empty()) {
            let meta: Value = serde_json::from_str(line).unwrap();
            let file = out.join(meta["path"].as_str().unwrap());
            lines.extend(std::fs::read_to_string(&file).unwrap().lines().map(String::from));
        }
    }
    lines
}

/// Copies the directory `from` (recursively) to `to`: a committed test checkpoint into a
/// fresh place, since a restart writes to it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A Spark answer table (`tests/data/<dir>/<file>.jsonl`, written by
/// `tests/data/spark_tables.py`): the query, the column types, and each row's values as
/// Spark casts them to strings (None for NULL).
pub type SparkTable = (String, Vec<String>, Vec<Vec<Option<String>>>);

/// Reads the answer table at `relative` (to the repository root).
pub fn spark_table(relative: &str) -> SparkTable {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let head: Value = serde_json::from_str(lines.next().expect("header")).expect("header JSON");
    let types = serde_json::from_value(head["types"].clone()).expect("types");
    let rows = lines.map(|l| serde_json::from_str(l).expect("row JSON")).collect();
    (head["query"].as_str().expect("query").to_string(), types, rows)
}

/// The column names of the answer table at `relative`, as Spark names them.
pub fn spark_columns(relative: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let head: Value = serde_json::from_str(text.lines().next().expect("header")).expect("header JSON");
    serde_json::from_value(head["columns"].clone()).expect("columns")
}

/// Rows as Spark casts each value to a string (None for NULL), in their order.
pub fn spark_strings(rows: &[sluice::Row]) -> Vec<Vec<Option<String>>> {
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|v| {
                    let s = sluice_core::eval::cast_value(v, &sluice::prelude::DataType::String)
                        .expect("to string");
                    s.as_str().map(str::to_string)
                })
                .collect()
        })
        .collect()
}

/// The retail data's schema as the answer scripts read it (`tests/data/spark_tables.py`
/// `RETAIL`): exact prices, timestamps.
pub const RETAIL: &str = "InvoiceNo STRING, StockCode STRING, Description STRING, Quantity INT, \
                          InvoiceDate TIMESTAMP, UnitPrice DECIMAL(10,2), CustomerID DOUBLE, Country STRING";

/// Rows as Spark casts them to strings, sorted as `spark_tables.write_answer` sorts an
/// answer file's rows (NULL as "").
pub fn sorted_spark_strings(rows: &[sluice::Row]) -> Vec<Vec<Option<String>>> {
    let mut out = spark_strings(rows);
    out.sort_by_key(|r| r.iter().map(|v| v.clone().unwrap_or_default()).collect::<Vec<_>>());
    out
}

/// A DataFrame's column types as Spark names them (`bigint`, `decimal(10,2)`).
pub fn sql_types(df: &sluice::prelude::DataFrame) -> Vec<String> {
    df.schema().expect("schema").fields.iter().map(|f| f.data_type.sql_name()).collect()
}
