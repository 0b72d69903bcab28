//! Spark's managed tables: `CREATE TABLE t (cols) [USING fmt]`, `CREATE TABLE t [USING
//! fmt] AS SELECT ..`, `INSERT INTO t VALUES (..) | SELECT ..`, `DROP TABLE t`.
//!
//! Spark keeps such a table under `spark.sql.warehouse.dir` in the format `USING` names
//! (parquet by default). Sluice keeps its rows in the session's catalog, in memory, for
//! the session's life: the table reads and writes as Spark's does within a session, but
//! is not written to disk (the format is checked, not used). Rows inserted are cast to
//! the table's column types by position, as Spark's ANSI store assignment does.

use crate::dataframe::DataFrame;
use crate::session::{CatalogEntry, Session};
use sluice_connectors::sink::MemoryTable;
use sluice_core::eval::cast_value_in;
use sluice_core::{DataType, Result, Row, Schema, SluiceError};
use sqlparser::ast::{CreateTable, Query};

/// Formats Spark's `USING` takes for a managed table.
const FORMATS: &[&str] = &["parquet", "json", "csv", "orc", "text", "delta"];

/// `CREATE [OR REPLACE] [EXTERNAL] TABLE .. USING fmt ..` without its `USING fmt` (a clause
/// sqlparser does not read), and the format; the text unchanged and `None` otherwise.
pub(super) fn take_using(text: &str) -> (String, Option<String>) {
    let words: Vec<(usize, &str)> = words_outside_parens(text);
    let starts = |i: usize, w: &str| words.get(i).is_some_and(|(_, x)| x.eq_ignore_ascii_case(w));
    // CREATE [OR REPLACE] [EXTERNAL] TABLE
    let modifiers = ["or", "replace", "external"];
    let table_at = (1..words.len()).find(|&i| !modifiers.iter().any(|m| starts(i, m)));
    let Some(table_at) = table_at.filter(|&i| starts(0, "create") && starts(i, "table")) else {
        return (text.to_string(), None);
    };
    // Before any `AS` (a join's `USING` in the query is not the table's).
    let end = (table_at + 1..words.len()).find(|&i| starts(i, "as")).unwrap_or(words.len());
    let Some(k) = (table_at + 1..end).find(|&i| starts(i, "using")) else {
        return (text.to_string(), None);
    };
    let Some(&(at, format)) = words.get(k + 1) else { return (text.to_string(), None) };
    let start = words[k].0;
    let end = at + format.len();
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    out.push_str(&" ".repeat(end - start));
    out.push_str(&text[end..]);
    (out, Some(format.to_ascii_lowercase()))
}

/// The words of `text` (identifier characters) outside parentheses and quotes, with
/// their byte offsets.
fn words_outside_parens(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, None::<usize>);
    for (i, ch) in text.char_indices() {
        let word_char = ch.is_alphanumeric() || ch == '_';
        if let Some(s) = start {
            if !word_char {
                out.push((s, &text[s..i]));
                start = None;
            }
        }
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => {}
            None => match ch {
                '\'' | '"' | '`' => quote = Some(ch),
                '(' => depth += 1,
                ')' => depth -= 1,
                _ if word_char && depth == 0 && start.is_none() => start = Some(i),
                _ => {}
            },
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// Whether `ct` makes a managed table: a `USING` format, or neither options nor a
/// connector (Spark's default format).
pub(super) fn is_managed(ct: &CreateTable, using: Option<&str>) -> bool {
    using.is_some() || matches!(ct.table_options, sqlparser::ast::CreateTableOptions::None)
}

pub(super) fn create(session: &Session, ct: &CreateTable, using: Option<&str>) -> Result<()> {
    let name = super::object_name(&ct.name);
    // A table over existing data (LOCATION, EXTERNAL, LIKE, CLONE) would read as empty
    // here: refused, naming the way Sluice reads files.
    let location = ct.location.is_some() || ct.hive_formats.as_ref().is_some_and(|h| h.location.is_some());
    if location || ct.external || ct.like.is_some() || ct.clone.is_some() {
        return Err(SluiceError::analysis(format!(
            "table `{name}`: a table over existing data (LOCATION, EXTERNAL, LIKE, CLONE) is not supported; read files with CREATE TABLE `{name}` (..) WITH (connector = 'file', format = '..', path = '..')"
        )));
    }
    if let Some(format) = using {
        if !FORMATS.contains(&format) {
            return Err(SluiceError::analysis(format!(
                "table `{name}`: unknown format '{format}' in USING (one of {})",
                FORMATS.join(", ")
            )));
        }
    }
    if super::name_taken(session, &name) {
        if ct.if_not_exists {
            return Ok(());
        }
        if !ct.or_replace {
            return Err(SluiceError::analysis(format!(
                "[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table or view `{name}` because it already exists. Choose a different name, drop or replace the existing object, or add the IF NOT EXISTS clause to tolerate pre-existing objects."
            )));
        }
    }
    let table = match &ct.query {
        Some(query) => {
            if !ct.columns.is_empty() {
                return Err(SluiceError::Parse(format!(
                    "table `{name}`: CREATE TABLE .. AS SELECT takes its columns from the query; declare none"
                )));
            }
            let df = batch(session, query)?;
            let table = MemoryTable::new(df.schema()?);
            table.append(df.collect()?);
            table
        }
        None => {
            if ct.columns.is_empty() {
                return Err(SluiceError::Parse(format!(
                    "table `{name}`: declare its columns, or AS SELECT .."
                )));
            }
            let (computed, ddl) = super::create::split_columns(&ct.columns)?;
            if let Some((column, _)) = computed.first() {
                // Stored as a plain column it would take whatever INSERT gives it.
                return Err(SluiceError::analysis(format!(
                    "table `{name}`: generated column `{column}` is not supported in a managed table"
                )));
            }
            MemoryTable::new(Schema::parse_ddl(&ddl.join(", "))?)
        }
    };
    session.register(&name, CatalogEntry::Table(table));
    Ok(())
}

/// `INSERT INTO name <query>` when `name` is a managed table: appends the query's rows;
/// `None` when it is not one.
pub(super) fn insert(session: &Session, name: &str, query: &Query) -> Option<Result<()>> {
    let Some(CatalogEntry::Table(table)) = session.catalog_entry(name) else { return None };
    Some((|| {
        let (schema, _) = table.snapshot();
        let df = batch(session, query)?;
        let got = df.schema()?;
        let columns: Vec<String> = schema.fields.iter().map(|f| f.name.clone()).collect();
        let what = format!("Cannot write to `{name}`");
        if let Some(e) =
            super::column_arity_mismatch("INSERT_COLUMN_ARITY_MISMATCH", &what, "Table", &columns, &got)
        {
            return Err(e);
        }
        for (to, from) in schema.fields.iter().zip(&got.fields) {
            if !store_assignable(&from.data_type, &to.data_type) {
                return Err(SluiceError::analysis(format!(
                    "[INCOMPATIBLE_DATA_FOR_TABLE.CANNOT_SAFELY_CAST] Cannot write incompatible data for the table `{name}`: Cannot safely cast `{}` \"{}\" to \"{}\".",
                    to.name,
                    from.data_type.sql_name().to_ascii_uppercase(),
                    to.data_type.sql_name().to_ascii_uppercase()
                )));
            }
        }
        let zone = session.time_zone()?;
        let rows = df
            .collect()?
            .into_iter()
            .map(|row| {
                let values = row
                    .iter()
                    .zip(schema.fields.iter().zip(&got.fields))
                    .map(|(v, (to, from))| {
                        cast_value_in(v, &to.data_type, zone).map_err(|e| match e.to_string().contains("[CAST_OVERFLOW]") {
                            true => SluiceError::exec(format!(
                                "[CAST_OVERFLOW_IN_TABLE_INSERT] Fail to assign a value of \"{}\" type to the \"{}\" type column or variable `{}` due to an overflow. Use `try_cast` on the input value to tolerate overflow and return NULL instead.",
                                from.data_type.sql_name().to_ascii_uppercase(),
                                to.data_type.sql_name().to_ascii_uppercase(),
                                to.name
                            )),
                            false => e,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(values)
            })
            .collect::<Result<Vec<Row>>>()?;
        table.append(rows);
        Ok(())
    })())
}

/// Spark's ANSI store assignment (`Cast.canANSIStoreAssign`): a value goes into a column
/// of its own type, any numeric into any numeric (overflow fails when it happens),
/// anything into a string, dates and timestamps into each other, and NULL anywhere; a
/// string into a number or a date, or a boolean into a number, is refused.
fn store_assignable(from: &DataType, to: &DataType) -> bool {
    use DataType as T;
    from == to
        || matches!(from, T::Null)
        || matches!(to, T::String)
        || (from.is_numeric() && to.is_numeric())
        || (matches!(from, T::Date | T::Timestamp) && matches!(to, T::Date | T::Timestamp))
}

fn batch(session: &Session, query: &Query) -> Result<DataFrame> {
    let plan = crate::sql::plan_select(session, query, false)?;
    DataFrame::from_plan(session.clone(), plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn using_is_taken_out_of_create_table_only() {
        let (text, format) = take_using("CREATE TABLE t(a int, b string) using parquet");
        assert_eq!(format.as_deref(), Some("parquet"));
        assert_eq!(text.trim_end(), "CREATE TABLE t(a int, b string)");
        let (text, format) = take_using("create or replace table t USING PARQUET AS SELECT 'using x' AS c");
        assert_eq!(format.as_deref(), Some("parquet"));
        assert!(text.contains("AS SELECT 'using x' AS c") && !text.contains("PARQUET"), "{text}");
        // A join's USING is not a table's.
        let q = "SELECT * FROM a JOIN b USING (k)";
        assert_eq!(take_using(q), (q.to_string(), None));
        let v = "CREATE VIEW v AS SELECT * FROM a JOIN b USING (k)";
        assert_eq!(take_using(v), (v.to_string(), None));
        let t = "CREATE TABLE t AS SELECT * FROM a JOIN b USING (k)";
        assert_eq!(take_using(t), (t.to_string(), None));
    }
}
