//! Apache Spark's own SQL tests (`sql-tests/inputs/*.sql`), run statement by statement
//! against Spark 4.3's answers (`tests/data/sql-tests/`: the inputs, `make_answers.py`
//! that ran them on pyspark, and the answers). Each statement must give Spark's column
//! types and rows (every value compared as Spark casts it to a string), run as a command,
//! or fail with Spark's error class, except the cases `known.txt` lists, each with why;
//! a listed case that starts to agree fails the test, so the list stays true.

use serde_json::Value as Json;
use sluice::prelude::*;
use sluice::SqlResult;
use sluice_core::eval::cast_value_in;
use std::collections::BTreeMap;
use std::path::Path;

fn data() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sql-tests"))
}

/// `file:statement-number` to why Sluice differs from Spark there.
fn known() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(data().join("known.txt")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (case, why) = l.split_once(' ').unwrap_or((l, ""));
            (case.to_string(), why.trim().to_string())
        })
        .collect()
}

/// A query's column types and rows, each value as text (None for NULL).
type Table = (Vec<String>, Vec<Vec<Option<String>>>);
/// What a statement gave: a table, a command's `None`, or the error's text.
type Outcome = std::result::Result<Option<Table>, String>;

/// What Sluice made of one statement, in the answers' terms.
fn outcome(spark: &Session, sql: &str) -> Outcome {
    let zone = spark.time_zone().map_err(|e| e.to_string())?;
    match spark.execute(sql).map_err(|e| e.to_string())? {
        SqlResult::Rows(df) => {
            let schema = df.schema().map_err(|e| e.to_string())?;
            let types = schema.fields.iter().map(|f| f.data_type.sql_name()).collect();
            let rows = df.collect().map_err(|e| e.to_string())?;
            let mut text = Vec::with_capacity(rows.len());
            for row in rows {
                let mut values = Vec::with_capacity(row.len());
                for v in row.iter() {
                    let s = cast_value_in(v, &DataType::String, zone).map_err(|e| e.to_string())?;
                    values.push(s.as_str().map(str::to_string));
                }
                text.push(values);
            }
            Ok(Some((types, text)))
        }
        SqlResult::Query(_) | SqlResult::Done => Ok(None),
    }
}

/// Why Sluice's outcome is not Spark's answer `case`, if it is not.
fn differs(case: &Json, got: &Outcome) -> Option<String> {
    if let Some(class) = case.get("error").and_then(Json::as_str) {
        return match got {
            Err(e) if e.contains(&format!("[{class}]")) => None,
            other => Some(format!("Spark fails with [{class}]; Sluice: {other:?}")),
        };
    }
    if case.get("done").is_some() {
        return match got {
            Ok(_) => None,
            Err(e) => Some(format!("Spark runs it; Sluice: {e}")),
        };
    }
    let types: Vec<String> = serde_json::from_value(case["types"].clone()).unwrap();
    let mut rows: Vec<Vec<Option<String>>> = serde_json::from_value(case["rows"].clone()).unwrap();
    match got {
        Err(e) => Some(format!("Spark gives {} rows; Sluice fails: {e}", rows.len())),
        Ok(None) => Some("Spark gives rows; Sluice runs it as a command".to_string()),
        Ok(Some((got_types, got_rows))) => {
            let mut got_rows = got_rows.clone();
            if case.get("ordered").is_none() {
                let key =
                    |r: &Vec<Option<String>>| r.iter().map(|v| (v.is_none(), v.clone())).collect::<Vec<_>>();
                rows.sort_by_key(key);
                got_rows.sort_by_key(key);
            }
            if *got_types != types {
                Some(format!("types: Spark {types:?}, Sluice {got_types:?}"))
            } else if got_rows != rows {
                Some(format!("rows: Spark {rows:?}, Sluice {got_rows:?}"))
            } else {
                None
            }
        }
    }
}

#[test]
fn sparks_own_sql_tests_give_sparks_answers() {
    let known = known();
    let mut files: Vec<_> = std::fs::read_dir(data().join("answers"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    // `SLUICE_SQL_TESTS=cast,math cargo test --test spark_sql_tests` runs only those files.
    let only = std::env::var("SLUICE_SQL_TESTS").ok();
    let chosen = |p: &Path| {
        only.as_deref().is_none_or(|names| {
            names.split(',').any(|n| p.file_stem().is_some_and(|s| s.to_string_lossy() == n.trim()))
        })
    };
    files.retain(|p| chosen(p));
    // `SLUICE_SQL_TESTS_SHOW_KNOWN=1` also prints how each known difference differs today.
    let show_known = std::env::var_os("SLUICE_SQL_TESTS_SHOW_KNOWN").is_some();
    files.sort();
    let (mut passed, mut total) = (0, 0);
    let mut wrong = Vec::new();
    let mut stale = Vec::new();
    for path in &files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let spark = Session::builder()
            .workers(1)
            .config("spark.sql.session.timeZone", "America/Los_Angeles")
            .build()
            .unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let case: Json = serde_json::from_str(line).unwrap();
            let sql = case["sql"].as_str().unwrap();
            let id = format!("{name}:{}", i + 1);
            let got = outcome(&spark, sql);
            let difference = differs(&case, &got);
            total += 1;
            match (difference, known.get(&id)) {
                (None, None) => passed += 1,
                (None, Some(why)) => {
                    stale.push(format!("{id} now agrees with Spark: remove it from known.txt ({why})"))
                }
                (Some(d), Some(_)) if show_known => eprintln!("{id} (known) `{sql}`: {d}"),
                (Some(_), Some(_)) => {}
                (Some(d), None) => wrong.push(format!("{id} `{sql}`: {d}")),
            }
        }
    }
    eprintln!(
        "Spark's sql-tests: {passed} of {total} statements give Spark's answer, {} known differences",
        known.len()
    );
    assert!(total > 50 || only.is_some(), "only {total} statements read");
    assert!(
        only.is_some()
            || known.keys().all(|k| {
                files.iter().any(|f| k.split(':').next() == Some(&*f.file_stem().unwrap().to_string_lossy()))
            }),
        "known.txt names a file that has no answers"
    );
    assert!(stale.is_empty() && wrong.is_empty(), "{}\n{}", stale.join("\n"), wrong.join("\n"));
}
