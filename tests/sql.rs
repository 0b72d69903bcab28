//! `session.sql()` as data: one harness runs a list of queries with their expected
//! columns and rows over a temp view, a memory-sink table and a file source table, with
//! one and two workers. Every expected value is worked out by hand from the inline data.

use sluice::prelude::*;
use std::path::Path;
use std::time::Duration;

// ---------------------------------------------------------------- the data

/// `people`: a temp view over these rows (nulls on purpose).
fn people() -> Vec<Row> {
    let p = |name: &str, dept: Option<&str>, age: Option<i32>, salary: Option<f64>| {
        vec![
            s(name),
            dept.map_or(Value::Null, s),
            age.map_or(Value::Null, Value::Int),
            salary.map_or(Value::Null, Value::double),
        ]
    };
    vec![
        p("Ann", Some("eng"), Some(30), Some(100.0)),
        p("Bob", Some("eng"), Some(40), Some(80.0)),
        p("Cid", Some("ops"), Some(25), Some(50.0)),
        p("Dee", Some("ops"), None, Some(70.0)),
        p("Eve", None, Some(35), None),
        p("Fay", Some("eng"), Some(50), Some(120.0)),
    ]
}

/// `events` files, read as the source table `src` and streamed into the memory table `totals`.
const EVENTS: &str = "{\"user\":\"u1\",\"amount\":3}\n\
                      {\"user\":\"u2\",\"amount\":7}\n\
                      {\"user\":\"u1\",\"amount\":4}\n\
                      {\"user\":\"u3\",\"amount\":1}\n";

fn s(v: &str) -> Value {
    Value::string(v)
}
fn int(v: i32) -> Value {
    Value::Int(v)
}
fn long(v: i64) -> Value {
    Value::Long(v)
}
fn dbl(v: f64) -> Value {
    Value::double(v)
}
const NULL: Value = Value::Null;

/// A session with the view `people`, the source table `src` and the memory table `totals`
/// (per-user sums of `src` streamed in complete mode).
fn session(workers: usize, dir: &Path) -> Session {
    let spark = Session::builder().workers(workers).build().expect("session");
    let schema = Schema::parse_ddl("name STRING, dept STRING, age INT, salary DOUBLE").expect("ddl");
    spark
        .create_dataframe(people(), schema)
        .expect("people")
        .create_or_replace_temp_view("people")
        .expect("view");

    let path = dir.to_str().expect("UTF-8 path");
    spark.read().schema("user STRING, amount BIGINT").format("json").create_table("src", path).expect("src");

    let q = spark
        .read_stream()
        .table("src")
        .expect("src as a stream")
        .group_by(["user"])
        .agg([sum(col("amount")).alias("total")])
        .write_stream()
        .format("memory")
        .query_name("totals")
        .output_mode("complete")
        .trigger(Trigger::AvailableNow)
        .start()
        .expect("start");
    assert!(q.await_termination_timeout(Duration::from_secs(20)).expect("no failure"));

    // A view with a column whose name needs backticks.
    spark
        .sql("SELECT dept, avg(age) FROM people GROUP BY dept")
        .expect("dept_ages")
        .create_or_replace_temp_view("dept_ages")
        .expect("view");
    spark
}

// ---------------------------------------------------------------- the cases

struct Case {
    sql: &'static str,
    /// Expected column names, when the case pins them.
    columns: Option<&'static [&'static str]>,
    /// Expected rows; compared in order when the query has ORDER BY, as a multiset otherwise.
    rows: Vec<Row>,
}

fn case(sql: &'static str, rows: Vec<Row>) -> Case {
    Case { sql, columns: None, rows }
}

fn named(sql: &'static str, columns: &'static [&'static str], rows: Vec<Row>) -> Case {
    Case { sql, columns: Some(columns), rows }
}

fn cases() -> Vec<Case> {
    vec![
        // WHERE, with three-valued logic: a null age is neither > 30 nor NOT > 30.
        case("SELECT name FROM people WHERE age > 30", vec![vec![s("Bob")], vec![s("Eve")], vec![s("Fay")]]),
        case("SELECT name FROM people WHERE NOT (age > 30)", vec![vec![s("Ann")], vec![s("Cid")]]),
        case("SELECT name FROM people WHERE age IS NULL", vec![vec![s("Dee")]]),
        case(
            "SELECT name FROM people WHERE dept IN ('ops') OR name IN ('Fay')",
            vec![vec![s("Cid")], vec![s("Dee")], vec![s("Fay")]],
        ),
        case("SELECT name FROM people WHERE age BETWEEN 30 AND 40 AND name LIKE '%e%'", vec![vec![s("Eve")]]),
        // Expressions: arithmetic (null in, null out), int / int is a double, CASE, functions.
        named(
            "SELECT name, age + 1 AS next, salary / 2 AS half, upper(name) AS up, \
             CASE WHEN age >= 35 THEN 'senior' ELSE 'junior' END AS band \
             FROM people WHERE name = 'Ann' OR name = 'Dee'",
            &["name", "next", "half", "up", "band"],
            vec![
                vec![s("Ann"), int(31), dbl(50.0), s("ANN"), s("junior")],
                vec![s("Dee"), NULL, dbl(35.0), s("DEE"), s("junior")],
            ],
        ),
        case("SELECT age / 4 FROM people WHERE name = 'Ann'", vec![vec![dbl(7.5)]]),
        // GROUP BY; count(*) is named count(1); null is a group of its own.
        named(
            "SELECT dept, count(*) FROM people GROUP BY dept",
            &["dept", "count(1)"],
            vec![vec![NULL, long(1)], vec![s("eng"), long(3)], vec![s("ops"), long(2)]],
        ),
        named("SELECT count(*) FROM people", &["count(1)"], vec![vec![long(6)]]),
        // Every aggregate over ages 30, 40, 25, 35, 50 (one null): mean 36, squared
        // deviations 36 + 16 + 121 + 1 + 196 = 370.
        named(
            "SELECT count(age), sum(age), avg(age), min(age), max(age), stddev_pop(age), \
             stddev_samp(age), var_pop(age), var_samp(age) FROM people",
            &[
                "count(age)",
                "sum(age)",
                "avg(age)",
                "min(age)",
                "max(age)",
                "stddev_pop(age)",
                "stddev_samp(age)",
                "var_pop(age)",
                "var_samp(age)",
            ],
            vec![vec![
                long(5),
                long(180),
                dbl(36.0),
                int(25),
                int(50),
                dbl(74f64.sqrt()),
                dbl(92.5f64.sqrt()),
                dbl(74.0),
                dbl(92.5),
            ]],
        ),
        // HAVING on an alias and on an aggregate not in the select list.
        named(
            "SELECT dept, sum(salary) AS total FROM people GROUP BY dept HAVING total > 150",
            &["dept", "total"],
            vec![vec![s("eng"), dbl(300.0)]],
        ),
        case(
            "SELECT dept FROM people GROUP BY dept HAVING count(*) >= 2",
            vec![vec![s("eng")], vec![s("ops")]],
        ),
        case(
            "SELECT coalesce(dept, 'none') AS d, count(*) AS n FROM people \
             GROUP BY coalesce(dept, 'none') ORDER BY n DESC, d",
            vec![vec![s("eng"), long(3)], vec![s("ops"), long(2)], vec![s("none"), long(1)]],
        ),
        // ORDER BY: ascending puts nulls first, descending last, unless told otherwise.
        case(
            "SELECT name, age FROM people ORDER BY age",
            vec![
                vec![s("Dee"), NULL],
                vec![s("Cid"), int(25)],
                vec![s("Ann"), int(30)],
                vec![s("Eve"), int(35)],
                vec![s("Bob"), int(40)],
                vec![s("Fay"), int(50)],
            ],
        ),
        case(
            "SELECT name, age FROM people ORDER BY age DESC",
            vec![
                vec![s("Fay"), int(50)],
                vec![s("Bob"), int(40)],
                vec![s("Eve"), int(35)],
                vec![s("Ann"), int(30)],
                vec![s("Cid"), int(25)],
                vec![s("Dee"), NULL],
            ],
        ),
        case(
            "SELECT name FROM people ORDER BY age ASC NULLS LAST",
            vec![
                vec![s("Cid")],
                vec![s("Ann")],
                vec![s("Eve")],
                vec![s("Bob")],
                vec![s("Fay")],
                vec![s("Dee")],
            ],
        ),
        case(
            "SELECT name FROM people ORDER BY dept DESC NULLS FIRST, name DESC",
            vec![
                vec![s("Eve")],
                vec![s("Dee")],
                vec![s("Cid")],
                vec![s("Fay")],
                vec![s("Bob")],
                vec![s("Ann")],
            ],
        ),
        // LIMIT after ORDER BY.
        case("SELECT name FROM people ORDER BY salary DESC LIMIT 2", vec![vec![s("Fay")], vec![s("Ann")]]),
        case("SELECT name FROM people LIMIT 0", vec![]),
        // Identifiers are case-insensitive; backticks quote names that need it.
        case("SELECT NAME, Dept FROM PEOPLE WHERE AGE = 40", vec![vec![s("Bob"), s("eng")]]),
        named(
            "SELECT `name` AS `the name` FROM `people` WHERE `Salary` > 100",
            &["the name"],
            vec![vec![s("Fay")]],
        ),
        case(
            "SELECT dept, `avg(age)` FROM dept_ages WHERE `AVG(AGE)` > 30 ORDER BY dept",
            vec![vec![NULL, dbl(35.0)], vec![s("eng"), dbl(40.0)]],
        ),
        // The memory table written by a streaming query (u1: 3 + 4, u2: 7, u3: 1).
        named(
            "SELECT user, total FROM totals WHERE total > 5 ORDER BY total DESC, user",
            &["user", "total"],
            vec![vec![s("u1"), long(7)], vec![s("u2"), long(7)]],
        ),
        case("SELECT count(*), sum(total) FROM totals", vec![vec![long(3), long(15)]]),
        // The source table read as a batch.
        case(
            "SELECT * FROM src WHERE amount >= 4 ORDER BY amount",
            vec![vec![s("u1"), long(4)], vec![s("u2"), long(7)]],
        ),
        named(
            "SELECT user, sum(amount) AS s FROM src GROUP BY user HAVING s > 5",
            &["user", "s"],
            vec![vec![s("u1"), long(7)], vec![s("u2"), long(7)]],
        ),
        case(
            "SELECT upper(user) AS u, amount * 10 FROM src WHERE user <> 'u1'",
            vec![vec![s("U2"), long(70)], vec![s("U3"), long(10)]],
        ),
        // `.field` on a struct-valued expression, also over a grouping key.
        named(
            "SELECT named_struct('who', name, 'years', age).years AS years, \
             from_json('{\"a\": {\"b\": 7}}', 'a STRUCT<b: INT>').a.b AS deep \
             FROM people WHERE name = 'Ann'",
            &["years", "deep"],
            vec![vec![int(30), int(7)]],
        ),
        named(
            "SELECT named_struct('d', dept).d AS d, count(*) AS n FROM people \
             GROUP BY named_struct('d', dept) ORDER BY d",
            &["d", "n"],
            vec![vec![NULL, long(1)], vec![s("eng"), long(3)], vec![s("ops"), long(2)]],
        ),
    ]
}

/// Queries that must fail, with (part of) Spark's error text.
const ERRORS: &[(&str, &str)] = &[
    (
        "SELECT * FROM nope",
        "[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found",
    ),
    (
        "SELECT nope FROM people",
        "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `nope` cannot be resolved",
    ),
    (
        "SELECT name FROM people WHERE nope > 1",
        "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `nope` cannot be resolved",
    ),
    (
        "SELECT name, count(*) FROM people GROUP BY dept",
        "[MISSING_AGGREGATION] The non-aggregating expression \"name\" is based on columns which are not participating in the GROUP BY clause",
    ),
    ("SELEC name FROM people", "parse error"),
    (
        "SELECT named_struct('a', 1).zz FROM people",
        "[FIELD_NOT_FOUND] No such struct field `zz` in `a`.",
    ),
    (
        "SELECT upper(name).x FROM people",
        "[INVALID_EXTRACT_BASE_FIELD_TYPE] Can't extract a value from \"upper(name).x\". Need a complex type [STRUCT, ARRAY, MAP] but got \"STRING\".",
    ),
];

// ---------------------------------------------------------------- the harness

fn close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => {
            x.0 == y.0 || (x.0 - y.0).abs() <= 1e-9 * x.0.abs().max(y.0.abs())
        }
        _ => a == b,
    }
}

fn rows_match(got: &[Row], want: &[Row]) -> bool {
    got.len() == want.len()
        && got.iter().zip(want).all(|(g, w)| g.len() == w.len() && g.iter().zip(w).all(|(a, b)| close(a, b)))
}

fn events_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("events.json"), EVENTS).expect("write events");
    tmp
}

#[test]
fn sql_queries_return_the_expected_rows_and_columns() {
    let tmp = events_dir();
    for workers in [1, 2] {
        let spark = session(workers, tmp.path());
        let mut failures = Vec::new();
        for c in cases() {
            let df = match spark.sql(c.sql) {
                Ok(df) => df,
                Err(e) => {
                    failures.push(format!("{}\n  error: {e}", c.sql));
                    continue;
                }
            };
            if let Some(cols) = c.columns {
                let got = df.columns().expect("columns");
                if got != cols {
                    failures.push(format!("{}\n  columns {got:?}, expected {cols:?}", c.sql));
                }
            }
            let mut got = match df.collect() {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{}\n  error: {e}", c.sql));
                    continue;
                }
            };
            let mut want = c.rows.clone();
            if !c.sql.contains("ORDER BY") {
                got.sort();
                want.sort();
            }
            if !rows_match(&got, &want) {
                failures.push(format!("{}\n  got      {got:?}\n  expected {want:?}", c.sql));
            }
        }
        assert!(failures.is_empty(), "with {workers} workers:\n{}", failures.join("\n"));
    }
}

#[test]
fn sql_errors_carry_sparks_error_text() {
    let tmp = events_dir();
    let spark = session(1, tmp.path());
    for (sql, want) in ERRORS {
        let err = match spark.sql(sql).and_then(|df| df.collect()) {
            Ok(rows) => panic!("{sql}: expected an error, got {rows:?}"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(want), "{sql}: error `{err}` lacks `{want}`");
    }
}

/// An uncorrelated subquery runs once, as a batch query, while a batch query is planned; a
/// streaming query refuses one rather than freezing its answer at the start.
#[test]
fn subqueries_run_in_batch_queries_and_streaming_ones_refuse_them() {
    let tmp = events_dir();
    let spark = session(1, tmp.path());
    let rows = spark
        .sql("SELECT name FROM people WHERE age > (SELECT avg(age) FROM people) AND dept IN (SELECT dept FROM people WHERE salary > 0) ORDER BY name")
        .and_then(|df| df.collect())
        .expect("a batch query with subqueries");
    // The same answer worked out from the rows: above the mean of the known ages, in a
    // department where someone has a positive salary (NULLs match nothing).
    let older: Vec<Row> = {
        let all = people();
        let ages: Vec<f64> = all.iter().filter_map(|r| r[2].as_f64()).collect();
        let avg = ages.iter().sum::<f64>() / ages.len() as f64;
        let paid: Vec<Value> =
            all.iter().filter(|r| r[3].as_f64().is_some_and(|x| x > 0.0)).map(|r| r[1].clone()).collect();
        let mut names: Vec<Row> = all
            .iter()
            .filter(|r| r[2].as_f64().is_some_and(|a| a > avg) && !r[1].is_null() && paid.contains(&r[1]))
            .map(|r| vec![r[0].clone()])
            .collect();
        names.sort();
        names
    };
    assert!(!older.is_empty());
    assert_eq!(rows, older);
    spark
        .execute("CREATE TABLE ticks WITH (connector = 'rate', rowsPerSecond = '0', numRows = '10', rowsPerBatch = '5')")
        .expect("rate table");
    spark.execute("CREATE TABLE out WITH (connector = 'memory', outputMode = 'append')").expect("sink");
    let err = match spark.execute("INSERT INTO out SELECT value FROM ticks WHERE value IN (SELECT 1)") {
        Ok(_) => panic!("a streaming query with a subquery ran"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("streaming query"), "{err}");
}
