//! SQL statements beyond `SELECT`, run by `session.sql()` / `session.execute()`:
//! `CREATE TABLE .. WITH (connector = ..)` (sources with computed columns and a
//! `WATERMARK FOR`, and sinks), `CREATE [OR REPLACE] [TEMP] VIEW`, `INSERT INTO sink
//! SELECT` (starts a streaming query), `DROP TABLE/VIEW [IF EXISTS]`, `SHOW TABLES`,
//! `DESCRIBE`, `EXPLAIN`, `SET`/`RESET` (`config`). Errors carry the statement's line and column
//! ([`SluiceError::Sql`]). `split` cuts a script into statements with their positions.

pub mod config;
mod create;
mod managed;
mod split;
mod watermark;

pub use split::{split_statements, StatementText};

use crate::dataframe::DataFrame;
use crate::query::StreamingQuery;
use crate::session::{CatalogEntry, Session};
use sluice_core::mode::Trigger;
use sluice_core::sql::dialect;
use sluice_core::{DataType, Result, Schema, SluiceError, Value};
use sqlparser::ast::{ObjectName, ObjectType, Statement, TableObject};
use sqlparser::parser::Parser;

/// Session config key: the trigger of the queries `INSERT INTO` starts (`once`,
/// `available-now`, `10 seconds`; the CLI's `--trigger`). Default: as soon as possible.
pub const SQL_TRIGGER: &str = "sluice.sql.trigger";

/// What running one statement gave.
pub enum SqlResult {
    /// Rows to show: a `SELECT`'s result, `SHOW TABLES`, `DESCRIBE`, `EXPLAIN`.
    Rows(DataFrame),
    /// The streaming query an `INSERT INTO` started.
    Query(StreamingQuery),
    /// A statement that changed the catalog (`CREATE`, `DROP`).
    Done,
}

impl std::fmt::Debug for SqlResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SqlResult::Rows(_) => f.write_str("Rows(DataFrame)"),
            SqlResult::Query(q) => write!(f, "Query({q:?})"),
            SqlResult::Done => f.write_str("Done"),
        }
    }
}

pub(crate) use crate::session::SinkTable;

/// Runs one statement; errors carry its position (line and column from 1), and never the
/// value of a secret option written in it.
pub(crate) fn execute(session: &Session, stmt: &StatementText) -> Result<SqlResult> {
    run(session, stmt).map_err(|e| {
        let located = match e {
            located @ SluiceError::Sql { .. } => located,
            e => SluiceError::Sql { line: stmt.line, column: stmt.column, error: Box::new(e) },
        };
        located.scrubbed(&quoted_secrets(&stmt.text))
    })
}

/// The values of secret options written `'key' = 'value'` (or `'key' 'value'`) in `text`.
fn quoted_secrets(text: &str) -> sluice_core::redact::Redactor {
    let mut literals = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('\'') {
        let mut value = String::new();
        let mut chars = rest[start + 1..].char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if rest[start + 1 + i + 1..].starts_with('\'') {
                    value.push('\'');
                    chars.next();
                    continue;
                }
                end = Some(start + 1 + i + 1);
                break;
            }
            value.push(c);
        }
        literals.push(value);
        match end {
            Some(e) => rest = &rest[e..],
            None => break,
        }
    }
    let mut redactor = sluice_core::redact::Redactor::default();
    for pair in literals.windows(2) {
        if sluice_core::redact::is_secret(&pair[0]) {
            redactor.add(&pair[1]);
        }
    }
    redactor
}

/// Runs the only statement of `text` (`session.sql`).
pub(crate) fn execute_one(session: &Session, text: &str) -> Result<SqlResult> {
    let mut statements = split_statements(text);
    match statements.len() {
        1 => execute(session, &statements.remove(0)),
        0 => Err(SluiceError::Parse("no statement to run".into())),
        // Spark's parser reads one statement to the end of the text: what follows the
        // first `;` is a syntax error (a script runs through execute_script).
        _ => Err(extra_statement(&statements[1])),
    }
}

/// Spark's `PARSE_SYNTAX_ERROR` at the first token of a statement after the first.
fn extra_statement(next: &StatementText) -> SluiceError {
    let text = next.text.trim_start();
    let word = text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').count();
    let token: String = text.chars().take(word.max(1)).collect();
    SluiceError::Parse(format!(
        "[PARSE_SYNTAX_ERROR] Syntax error at or near '{token}'. SQLSTATE: 42601 (line {}, pos {}); sql() runs one statement: use execute_script for a script",
        next.line,
        next.column.saturating_sub(1)
    ))
}

fn run(session: &Session, stmt: &StatementText) -> Result<SqlResult> {
    if let Some(result) = config::run(session, &stmt.text) {
        return result.map(SqlResult::Rows);
    }
    let (text, watermark) = watermark::take_watermark(&stmt.text).map_err(|e| {
        let (line, column) = stmt.position(e.at.line as usize, e.at.column as usize);
        SluiceError::Sql { line, column, error: Box::new(e.error) }
    })?;
    // `FROM VALUES (..) AS t(..)` parenthesised, the form sqlparser reads (same positions
    // up to that clause).
    let text = sluice_core::sql::spark_text(&text);
    let (text, using) = managed::take_using(&text);
    let parsed = Parser::parse_sql(&dialect(), &text).map_err(|e| parse_error(stmt, &e.to_string()))?;
    let statement = match <[Statement; 1]>::try_from(parsed) {
        Ok([s]) => s,
        Err(v) => return Err(SluiceError::Parse(format!("expected one statement, got {}", v.len()))),
    };
    if watermark.is_some() && !matches!(statement, Statement::CreateTable(_)) {
        return Err(SluiceError::Parse("WATERMARK FOR belongs to CREATE TABLE".into()));
    }
    match statement {
        Statement::Query(q) => {
            let plan = crate::sql::plan_select(session, &q, false)?;
            Ok(SqlResult::Rows(DataFrame::from_plan(session.clone(), plan)?))
        }
        Statement::CreateTable(ct) if watermark.is_none() && managed::is_managed(&ct, using.as_deref()) => {
            managed::create(session, &ct, using.as_deref()).map(|()| SqlResult::Done)
        }
        Statement::CreateTable(ct) => create::create_table(session, &ct, watermark).map(|()| SqlResult::Done),
        Statement::CreateView(v) => create::create_view(session, &v).map(|()| SqlResult::Done),
        Statement::Insert(insert) => {
            let name = match &insert.table {
                TableObject::TableName(n) => object_name(n),
                other => {
                    return Err(SluiceError::analysis(format!(
                        "INSERT INTO {other}: expected a sink table name"
                    )))
                }
            };
            let query = insert
                .source
                .as_ref()
                .ok_or_else(|| SluiceError::analysis(format!("INSERT INTO `{name}`: expected a SELECT")))?;
            if let Some(done) = managed::insert(session, &name, query) {
                return done.map(|()| SqlResult::Done);
            }
            insert_into(session, &name, query).map(SqlResult::Query)
        }
        Statement::Drop { object_type, if_exists, names, .. } => {
            for n in &names {
                drop_table(session, &object_type, &object_name(n), if_exists)?;
            }
            Ok(SqlResult::Done)
        }
        Statement::ShowTables { .. } => show_tables(session).map(SqlResult::Rows),
        Statement::ExplainTable { table_name, .. } => {
            describe(session, &object_name(&table_name)).map(SqlResult::Rows)
        }
        Statement::Explain { statement, .. } => explain(session, &statement).map(SqlResult::Rows),
        other => Err(SluiceError::Parse(format!("unsupported statement: {other}"))),
    }
}

/// A parser error at its place in the script: sqlparser counts from the statement's start.
fn parse_error(stmt: &StatementText, msg: &str) -> SluiceError {
    let located = msg.rfind(" at Line: ").and_then(|i| {
        let (line, column) = msg[i + " at Line: ".len()..].split_once(", Column: ")?;
        let (line, column): (usize, usize) = (line.parse().ok()?, column.trim().parse().ok()?);
        let (line, column) = stmt.position(line.max(1), column.max(1));
        Some(SluiceError::Sql {
            line,
            column,
            error: Box::new(SluiceError::Parse(format!("{}, column {column}", &msg[..i]))),
        })
    });
    located.unwrap_or_else(|| SluiceError::Parse(msg.to_string()))
}

pub(crate) fn object_name(name: &ObjectName) -> String {
    name.0.iter().filter_map(|p| p.as_ident().map(|i| i.value.clone())).collect::<Vec<_>>().join(".")
}

/// `INSERT INTO sink SELECT ..`: the query's source tables read as streams, written to the
/// sink table's connector with its options.
fn insert_into(session: &Session, name: &str, query: &sqlparser::ast::Query) -> Result<StreamingQuery> {
    let sink = session.sink_table(name).ok_or_else(|| {
        SluiceError::analysis(format!(
            "INSERT INTO `{name}`: no sink table `{name}` was declared with CREATE TABLE .. WITH (connector = ..)"
        ))
    })?;
    let plan = crate::sql::plan_select(session, query, true)?;
    let df = DataFrame::from_plan(session.clone(), plan)?;
    let mut writer = df.write_stream().format(&sink.connector).query_name(name);
    for (k, v) in &sink.options {
        writer = if k.eq_ignore_ascii_case("outputMode") {
            writer.output_mode(v)
        } else if k.eq_ignore_ascii_case("checkpoint") {
            writer.option("checkpointLocation", v)
        } else if k.eq_ignore_ascii_case("partitionBy") {
            writer.partition_by(v.split(',').map(str::trim).filter(|c| !c.is_empty()))
        } else {
            writer.option(k, v)
        };
    }
    if let Some(t) = session.conf().get(SQL_TRIGGER) {
        writer =
            writer.trigger(Trigger::parse(&t).map_err(|e| SluiceError::option(SQL_TRIGGER, e.to_string()))?);
    }
    writer.start()
}

/// Whether `name` is taken by a table, view or sink table of the session.
pub(crate) fn name_taken(session: &Session, name: &str) -> bool {
    session.catalog_entry(name).is_some() || session.sink_table(name).is_some()
}

/// Spark's `[<CLASS>.TOO_MANY_DATA_COLUMNS]` / `[<CLASS>.NOT_ENOUGH_DATA_COLUMNS]` when a
/// query's columns do not match the `wanted` ones of the object it fills, or `None`.
/// `what` is Spark's opening (`Cannot write to `t``), `kind` its word for the columns.
pub(crate) fn column_arity_mismatch(
    class: &str,
    what: &str,
    kind: &str,
    wanted: &[String],
    got: &Schema,
) -> Option<SluiceError> {
    if wanted.len() == got.len() {
        return None;
    }
    let detail = if got.len() > wanted.len() { "TOO_MANY_DATA_COLUMNS" } else { "NOT_ENOUGH_DATA_COLUMNS" };
    let quoted = |names: &mut dyn Iterator<Item = &String>| {
        names.map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
    };
    Some(SluiceError::analysis(format!(
        "[{class}.{detail}] {what}, the reason is {}: {kind} columns: {}. Data columns: {}.",
        detail.to_ascii_lowercase().replace('_', " "),
        quoted(&mut wanted.iter()),
        quoted(&mut got.fields.iter().map(|f| &f.name)),
    )))
}

fn not_found(name: &str) -> SluiceError {
    SluiceError::analysis(format!(
        "[TABLE_OR_VIEW_NOT_FOUND] The table or view `{name}` cannot be found. Verify the spelling and correctness of the schema and catalog."
    ))
}

/// `DROP TABLE` drops any table or view (as Spark does for temporary views); `DROP VIEW`
/// only a view.
fn drop_table(session: &Session, kind: &ObjectType, name: &str, if_exists: bool) -> Result<()> {
    let entry = session.catalog_entry(name);
    let sink = session.sink_table(name);
    let found = match kind {
        ObjectType::Table => entry.is_some() || sink.is_some(),
        ObjectType::View => match entry {
            Some(CatalogEntry::View(_) | CatalogEntry::SqlView { .. }) => true,
            Some(_) => {
                return Err(SluiceError::analysis(format!(
                    "`{name}` is a table: DROP VIEW expects a view (use DROP TABLE)"
                )))
            }
            None => false,
        },
        other => {
            return Err(SluiceError::Parse(format!("DROP {other} is not supported (DROP TABLE, DROP VIEW)")))
        }
    };
    if !found {
        return if if_exists { Ok(()) } else { Err(not_found(name)) };
    }
    session.unregister(name);
    if matches!(kind, ObjectType::Table) {
        session.drop_sink_table(name);
    }
    Ok(())
}

/// Spark's `SHOW TABLES` columns: `namespace`, `tableName`, `isTemporary` (every table of
/// a session is temporary: the catalog lives as long as the session).
fn show_tables(session: &Session) -> Result<DataFrame> {
    let schema = Schema::default()
        .with("namespace", DataType::String)
        .with("tableName", DataType::String)
        .with("isTemporary", DataType::Boolean);
    let rows = session
        .table_names()
        .into_iter()
        .map(|n| vec![Value::string(""), Value::string(&n), Value::Boolean(true)])
        .collect();
    session.create_dataframe(rows, schema)
}

/// Spark's `DESCRIBE` columns: `col_name`, `data_type`, `comment`.
fn describe(session: &Session, name: &str) -> Result<DataFrame> {
    if session.catalog_entry(name).is_none() && session.sink_table(name).is_some() {
        return Err(SluiceError::analysis(format!(
            "`{name}` is a sink table: its columns come from the query written into it"
        )));
    }
    let table = session.table(name)?.schema()?;
    let rows = table
        .fields
        .iter()
        .map(|f| vec![Value::string(&f.name), Value::string(&f.data_type.to_string()), Value::Null])
        .collect();
    let schema = Schema::default()
        .with("col_name", DataType::String)
        .with("data_type", DataType::String)
        .with("comment", DataType::String);
    session.create_dataframe(rows, schema)
}

/// `EXPLAIN SELECT ..`: one row, column `plan`, as Spark.
fn explain(session: &Session, statement: &Statement) -> Result<DataFrame> {
    let plan = match statement {
        Statement::Query(q) => crate::sql::plan_select(session, q, false)?,
        Statement::Insert(insert) => match &insert.source {
            Some(q) => crate::sql::plan_select(session, q, true)?,
            None => return Err(SluiceError::analysis("EXPLAIN INSERT: expected a SELECT")),
        },
        other => {
            return Err(SluiceError::Parse(format!("EXPLAIN of {other} is not supported (SELECT, INSERT)")))
        }
    };
    let text = DataFrame::from_plan(session.clone(), plan)?.explain_string();
    session
        .create_dataframe(vec![vec![Value::string(&text)]], Schema::default().with("plan", DataType::String))
}

/// An empty result (what `sql()` gives for a statement without rows).
pub(crate) fn empty(session: &Session) -> Result<DataFrame> {
    session.create_dataframe(Vec::new(), Schema::default())
}

impl Session {
    /// Runs a SQL query with its source tables read as streams: the result is a
    /// streaming DataFrame to `write_stream()` (the CLI's `INSERT INTO sink SELECT ..`).
    pub fn sql_stream(&self, text: &str) -> Result<DataFrame> {
        let plan = crate::sql::plan_query(self, text, true)?;
        DataFrame::from_plan(self.clone(), plan)
    }

    /// Runs one SQL statement: a query (`SELECT ...` over memory tables, temp views and
    /// source tables) gives its DataFrame; `SHOW TABLES`, `DESCRIBE t` and `EXPLAIN ..`
    /// give their rows; `CREATE TABLE/VIEW`, `DROP` and `INSERT INTO` (which starts a
    /// streaming query, found in `streams()`; [`execute`](Self::execute) hands it back)
    /// give an empty DataFrame. Errors carry the statement's line and column.
    pub fn sql(&self, text: &str) -> Result<DataFrame> {
        match crate::statement::execute_one(self, text)? {
            SqlResult::Rows(df) => Ok(df),
            SqlResult::Query(_) | SqlResult::Done => crate::statement::empty(self),
        }
    }

    /// Runs one SQL statement and says what it gave (rows, a started query, or done).
    pub fn execute(&self, text: &str) -> Result<SqlResult> {
        crate::statement::execute_one(self, text)
    }

    /// Runs one statement of a script (from [`split_statements`](crate::split_statements));
    /// errors carry its line and column in the script.
    pub fn execute_statement(&self, statement: &StatementText) -> Result<SqlResult> {
        crate::statement::execute(self, statement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_that_fails_does_not_quote_its_secret_options() {
        let spark = Session::builder().build().unwrap();
        let text = "CREATE TABLE t WITH (connector = 'kafka', 'kafka.sasl.password' 'it''s-secret', \
                    'kafka.sasl.username' = 'alice')";
        let e = execute_one(&spark, text).unwrap_err().to_string();
        assert!(e.contains("*********(redacted)"), "{e}");
        assert!(!e.contains("s-secret"), "{e}");
        let r = quoted_secrets(text);
        assert_eq!(r.scrub("alice it's-secret"), "alice *********(redacted)");
    }

    #[test]
    fn sql_of_several_statements_is_sparks_syntax_error() {
        let spark = Session::builder().build().unwrap();
        let e = execute_one(&spark, "select 1; -- one\nselect 2").unwrap_err().to_string();
        assert!(e.contains("[PARSE_SYNTAX_ERROR] Syntax error at or near 'select'"), "{e}");
        assert!(e.contains("(line 2, pos 0)"), "{e}");
    }

    #[test]
    fn parse_errors_point_into_the_script() {
        let stmt = StatementText { line: 7, column: 3, text: String::new() };
        let msg = "sql parser error: Expected: an expression, found: ; at Line: 2, Column: 27";
        match parse_error(&stmt, msg) {
            SluiceError::Sql { line, column, error } => {
                assert_eq!((line, column), (8, 27));
                assert_eq!(
                    error.to_string(),
                    "parse error: sql parser error: Expected: an expression, found: ;, column 27"
                );
            }
            other => panic!("{other}"),
        }
        match parse_error(&stmt, "x at Line: 1, Column: 5") {
            SluiceError::Sql { line, column, .. } => assert_eq!((line, column), (7, 7)),
            other => panic!("{other}"),
        }
        assert!(matches!(parse_error(&stmt, "no location"), SluiceError::Parse(_)));
    }
}
