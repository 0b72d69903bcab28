//! Proves the golden-answer harness in `tests/common` against Spark's golden files
//! themselves: Spark's own rows must pass, and perturbed rows must fail with a useful diff.

mod common;

use common::*;
use serde_json::{json, Value};

const DATASETS: [&str; 2] = ["activity-data-synth", "hhar-real-sample"];

fn row(v: Value) -> JsonRow {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn shared_paths_point_at_the_golden_and_data_directories() {
    for dataset in DATASETS {
        assert!(data_dir(dataset).is_dir(), "{}", data_dir(dataset).display());
        assert!(
            golden_path(dataset, "meta.json").is_file(),
            "{}",
            golden_path(dataset, "meta.json").display()
        );
    }
}

#[test]
fn spark_stairs_rows_pass_check_stairs_append() {
    for dataset in DATASETS {
        let rows = read_golden_rows(dataset, "b_stairs_append.jsonl.gz");
        check_stairs_append(dataset, &rows);
    }
}

#[test]
fn perturbed_stairs_rows_fail_with_named_checks() {
    let dataset = "activity-data-synth";
    let rows = read_golden_rows(dataset, "b_stairs_append.jsonl.gz");

    let mut dropped = rows.clone();
    dropped.pop();
    let problems = stairs_append_mismatches(dataset, &dropped).join("\n");
    for needle in
        ["count: expected 137104, got 137103", "count_by_gt_model", "sha256", "1 expected rows missing"]
    {
        assert!(problems.contains(needle), "missing {needle:?} in:\n{problems}");
    }

    let mut shifted = rows.clone();
    let t = shifted[10]["creation_time"].as_i64().unwrap();
    shifted[10].insert("creation_time".into(), json!(t + 1));
    let problems = stairs_append_mismatches(dataset, &shifted).join("\n");
    assert!(problems.contains("sum of creation_time"), "{problems}");
    assert!(problems.contains("sha256"), "{problems}");
    assert!(problems.contains("1 unexpected rows"), "{problems}");
    assert!(!problems.contains("count:"), "{problems}");

    let mut relabelled = rows;
    relabelled[0].insert("model".into(), json!("pixel"));
    let problems = stairs_append_mismatches(dataset, &relabelled).join("\n");
    assert!(problems.contains("count_by_gt_model"), "{problems}");

    let err =
        std::panic::catch_unwind(|| check_stairs_append("hhar-real-sample", &dropped[..1])).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("count: expected 0, got 1"), "{msg}");
}

#[test]
fn canonical_text_reproduces_the_golden_sha256_of_every_query() {
    for dataset in DATASETS {
        let meta = read_golden_json(dataset, "meta.json");
        for query in ["a_activity_counts", "c1_window10m_complete"] {
            let q = &meta["queries"][query];
            let columns: Vec<String> =
                q["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
            let rows = read_golden_rows(dataset, &format!("{query}.jsonl"));
            assert_eq!(rows.len() as u64, q["rows"].as_u64().unwrap(), "{dataset} {query}");
            let text = canonical_jsonl(&rows, &columns);
            assert_eq!(sha256_hex(&text), q["sha256_sorted_jsonl"].as_str().unwrap(), "{dataset} {query}");
        }
    }
}

#[test]
fn windowed_rows_with_nested_structs_and_short_timestamps_match_golden() {
    let golden = read_golden_rows("activity-data-synth", "c1_window10m_complete.jsonl");
    // What Sluice's JSON rows look like: a nested window, timestamps without zero fraction.
    let mut sluice: Vec<JsonRow> = golden
        .iter()
        .map(|g| {
            let short = |k: &str| g[k].as_str().unwrap().trim_end_matches(".000000").to_string();
            row(json!({"window": {"start": short("window_start"), "end": short("window_end")}, "count": g["count"]}))
        })
        .collect();
    sluice.reverse();
    assert_same_rows(&golden, &sluice, "c1 as Sluice prints it");

    let count = sluice[0]["count"].as_i64().unwrap();
    sluice[0].insert("count".into(), json!(count + 1));
    let diff = diff_rows(&golden, &sluice).expect("a changed count must be reported");
    assert!(diff.contains("1 expected rows missing, 1 unexpected rows"), "{diff}");
    assert!(diff.contains("missing (in golden, not in actual)") && diff.contains("window_start"), "{diff}");
}

#[test]
fn doubles_compare_within_relative_tolerance_and_integers_exactly() {
    let expected = vec![
        row(json!({"gt": "sit", "avg(x)": 0.123456789012345, "n": 3})),
        row(json!({"gt": "sit", "avg(x)": 0.123456789012346, "n": 4})),
        row(json!({"gt": null, "avg(x)": -2.5e-7, "n": 1})),
        row(json!({"gt": "bike", "avg(x)": "nan", "n": 2})),
    ];
    let close = vec![
        row(json!({"gt": "sit", "avg(x)": 0.123456789012346 * (1.0 + 1e-13), "n": 4})),
        row(json!({"gt": "bike", "avg(x)": "NaN", "n": 2})),
        row(json!({"gt": "sit", "avg(x)": 0.123456789012345 * (1.0 - 1e-12), "n": 3})),
        row(json!({"gt": null, "avg(x)": -2.5e-7 * (1.0 + 5e-10), "n": 1})),
    ];
    assert_same_rows(&expected, &close, "within tolerance");

    let mut far = close.clone();
    far[3].insert("avg(x)".into(), json!(-2.5e-7 * (1.0 + 1e-6)));
    assert!(diff_rows(&expected, &far).is_some(), "a 1e-6 relative error must fail");

    let mut off_by_one = close.clone();
    off_by_one[0].insert("n".into(), json!(5));
    assert!(diff_rows(&expected, &off_by_one).is_some(), "integers compare exactly");

    let big = |n: u64| vec![row(json!({ "t": n }))];
    assert!(diff_rows(&big(1_424_687_527_172_001_404), &big(1_424_687_527_172_001_405)).is_some());

    let mut duplicated = close.clone();
    duplicated.push(close[0].clone());
    let diff = diff_rows(&expected, &duplicated).expect("multiplicity matters");
    assert!(diff.contains("0 expected rows missing, 1 unexpected rows"), "{diff}");

    let mut renamed = close;
    for r in &mut renamed {
        let v = r.remove("n").unwrap();
        r.insert("count".into(), v);
    }
    let diff = diff_rows(&expected, &renamed).expect("column names matter");
    assert!(diff.contains("columns differ"), "{diff}");
}

#[test]
fn golden_microsecond_twins_are_ignored_only_when_actual_lacks_them() {
    let golden = vec![row(
        json!({"window_start": "2015-02-23 10:10:00.000000", "window_start_us": 1_424_686_200_000_000u64}),
    )];
    assert_same_rows(&golden, &[row(json!({"window_start": "2015-02-23 10:10:00"}))], "without twin");
    assert_same_rows(
        &golden,
        &[row(json!({"window_start": "2015-02-23T10:10:00", "window_start_us": 1_424_686_200_000_000u64}))],
        "with twin",
    );
    let wrong = [row(json!({"window_start": "2015-02-23 10:10:00", "window_start_us": 1u64}))];
    assert!(diff_rows(&golden, &wrong).is_some(), "a present twin is compared");
}

#[test]
fn canonical_text_writes_floats_and_strings_as_python_json_dumps() {
    let columns: Vec<String> = ["s", "x"].iter().map(|c| c.to_string()).collect();
    let rows = vec![
        row(json!({"s": "é\"\n", "x": 1e16})),
        row(json!({"s": null, "x": 1.5e-5})),
        row(json!({"s": "a", "x": 100.0})),
        row(json!({"s": "a", "x": 0.0001})),
        row(json!({"s": "a", "x": -3})),
    ];
    let want = "{\"s\":null,\"x\":1.5e-05}\n\
                {\"s\":\"a\",\"x\":-3}\n\
                {\"s\":\"a\",\"x\":0.0001}\n\
                {\"s\":\"a\",\"x\":100.0}\n\
                {\"s\":\"\\u00e9\\\"\\n\",\"x\":1e+16}\n";
    assert_eq!(canonical_jsonl(&rows, &columns), want);
}
