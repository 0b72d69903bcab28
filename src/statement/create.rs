//! `CREATE TABLE .. WITH (connector = ..)` and `CREATE [OR REPLACE] [TEMP] VIEW`.
//!
//! A table with `connector = 'file'` and columns is a file source table (kept in the
//! catalog with its computed columns and watermark); without columns, a file sink of its
//! `format`. Any other connector is looked up in the registry: one with a source (socket,
//! rate, kafka with `subscribe`/`assign`/`subscribePattern`) becomes a temp view of the
//! loaded stream with its computed columns and watermark; one with a sink (memory,
//! console, kafka with `topic`, ..) is a sink table for `INSERT INTO`.

use super::watermark::WatermarkClause;
use super::{object_name, SinkTable};
use crate::connector;
use crate::dataframe::DataFrame;
use crate::session::{CatalogEntry, Session, TableDefinition};
use sluice_core::expr::Expr;
use sluice_core::sql::convert_expr;
use sluice_core::{Result, Schema, SluiceError};
use sqlparser::ast::{
    ColumnDef, ColumnOption, CreateTable, CreateTableOptions, CreateView, Expr as SqlExpr, SqlOption,
    Value as SqlValue,
};
use std::sync::Arc;

pub(super) fn create_table(
    session: &Session,
    ct: &CreateTable,
    watermark: Option<WatermarkClause>,
) -> Result<()> {
    let name = object_name(&ct.name);
    let at = |e: SluiceError| in_table(&name, e);
    let mut options = match &ct.table_options {
        CreateTableOptions::With(opts) | CreateTableOptions::Options(opts) => with_options(opts)?,
        CreateTableOptions::None => Vec::new(),
        other => {
            return Err(SluiceError::analysis(format!(
                "table `{name}`: expected WITH (key = 'value', ..), got {other}"
            )))
        }
    };
    let connector = take(&mut options, "connector")
        .ok_or_else(|| {
            SluiceError::analysis(format!("table `{name}`: WITH (connector = '...') is required"))
        })?
        .to_ascii_lowercase();
    let watermark = watermark.map(|w| (w.column, w.delay));
    let has = |options: &[(String, String)], k: &str| options.iter().any(|(o, _)| o.eq_ignore_ascii_case(k));
    if connector == "file" {
        let format = take(&mut options, "format");
        if ct.columns.is_empty() && watermark.is_none() {
            // Without columns a file table is a sink: its schema comes from the query.
            let format = format.ok_or_else(|| {
                SluiceError::analysis(format!(
                    "table `{name}`: a file sink needs format = 'json' | 'csv' | 'parquet'"
                ))
            })?;
            connector::sink(&format).map_err(at)?;
            if !has(&options, "path") {
                return Err(SluiceError::analysis(format!("table `{name}`: a file sink needs path = '...'")));
            }
            session.register_sink_table(&name, SinkTable { connector: format.to_ascii_lowercase(), options });
            return Ok(());
        }
        let format = format.ok_or_else(|| {
            SluiceError::analysis(format!(
                "table `{name}`: a file source needs format = 'json' | 'csv' | 'text' | 'parquet'"
            ))
        })?;
        let path = take(&mut options, "path").ok_or_else(|| {
            SluiceError::analysis(format!("table `{name}`: a file source needs path = '...'"))
        })?;
        let mut reader = session.read().format(&format).options(options);
        let (computed_columns, ddl) = split_columns(&ct.columns)?;
        if !ddl.is_empty() {
            reader = reader.schema_struct(Schema::parse_ddl(&ddl.join(", ")).map_err(at)?);
        }
        return reader
            .create_table_with(&name, &path, TableDefinition { watermark, computed_columns })
            .map_err(at);
    }
    let entry = connector::lookup(&connector).ok_or_else(|| {
        let (mut sources, mut sinks) = (vec!["file"], vec!["file"]);
        for c in connector::CONNECTORS {
            if c.source.is_some() {
                sources.push(c.name);
            }
            if c.sink.is_some() {
                sinks.push(c.name);
            }
        }
        SluiceError::analysis(format!(
            "table `{name}`: unknown connector '{connector}' (sources: {}; sinks: {})",
            sources.join(", "),
            sinks.join(", ")
        ))
    })?;
    // Kafka is both: a table with a subscription is read, and any Kafka table can be written.
    let reads = match connector.as_str() {
        "kafka" => ["assign", "subscribe", "subscribePattern"].iter().any(|k| has(&options, k)),
        _ => entry.source.is_some() && entry.sink.is_none(),
    };
    let writes = entry.sink.is_some();
    if connector == "kafka" && !reads && !has(&options, "topic") {
        return Err(SluiceError::analysis(format!(
            "table `{name}`: a kafka table needs assign, subscribe or subscribePattern to be read, or topic to be written"
        )));
    }
    if !reads && (!ct.columns.is_empty() || watermark.is_some()) {
        return Err(SluiceError::analysis(if connector == "kafka" {
            format!(
                "table `{name}`: computed columns and WATERMARK belong to a table that is read (assign, subscribe or subscribePattern)"
            )
        } else {
            format!("sink table `{name}`: its schema comes from the query; declare no columns")
        }));
    }
    if reads {
        let df = session.read_stream().format(&connector).options(options.clone()).load(None).map_err(at)?;
        let df = with_computed_columns(df, &name, &connector, &ct.columns, watermark)?;
        df.create_or_replace_temp_view(&name).map_err(at)?;
    }
    if writes {
        session.register_sink_table(&name, SinkTable { connector, options });
    }
    Ok(())
}

/// `CREATE [OR REPLACE] [TEMP] VIEW name AS SELECT ..`: planned now (an error is reported
/// here), read as a batch by `SELECT` and as a stream by `INSERT INTO`.
pub(super) fn create_view(session: &Session, v: &CreateView) -> Result<()> {
    let name = object_name(&v.name);
    if super::name_taken(session, &name) {
        if v.if_not_exists {
            return Ok(());
        }
        if !v.or_replace {
            return Err(SluiceError::analysis(format!(
                "[TEMP_TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create the temporary view `{name}` because it already exists. Choose a different name, drop or replace the existing view, or add the IF NOT EXISTS clause to tolerate pre-existing views."
            )));
        }
    }
    // `CREATE VIEW v (a, b) AS ..` names the query's columns, in order.
    let names: Vec<String> = v.columns.iter().map(|c| c.name.value.clone()).collect();
    let named = |streaming: bool| -> Result<sluice_core::plan::LogicalPlan> {
        let plan = crate::sql::plan_select(session, &v.query, streaming)?;
        let df = DataFrame::from_plan(session.clone(), plan)?;
        let got = df.schema()?;
        if names.is_empty() {
            return Ok((*df.plan).clone());
        }
        let what = format!("Cannot create view `{name}`");
        if let Some(e) =
            super::column_arity_mismatch("CREATE_VIEW_COLUMN_ARITY_MISMATCH", &what, "View", &names, &got)
        {
            return Err(e);
        }
        let renamed = got.fields.iter().zip(&names).map(|(f, n)| Expr::Column(vec![f.name.clone()]).alias(n));
        let df = df.select(renamed.collect::<Vec<_>>());
        df.schema()?;
        Ok((*df.plan).clone())
    };
    let batch = named(false)?;
    // The view's stream form reads its source tables as streams (for INSERT INTO).
    let stream = named(true)?;
    session.register(&name, CatalogEntry::SqlView { batch: Arc::new(batch), stream: Arc::new(stream) });
    Ok(())
}

/// A table's computed columns (`name TYPE GENERATED ALWAYS AS (expr)`, cast to their
/// type), and the DDL of the others.
pub(super) type SplitColumns = (Vec<(String, Expr)>, Vec<String>);

pub(super) fn split_columns(columns: &[ColumnDef]) -> Result<SplitColumns> {
    let (mut computed, mut ddl) = (Vec::new(), Vec::new());
    for c in columns {
        let generated = c.options.iter().find_map(|o| match &o.option {
            ColumnOption::Generated { generation_expr: Some(e), .. } => Some(e),
            _ => None,
        });
        match generated {
            Some(e) => {
                let expr = convert_expr(e)
                    .map_err(|e| SluiceError::analysis(format!("column `{}`: {e}", c.name.value)))?;
                computed.push((c.name.value.clone(), expr.cast(&c.data_type.to_string())));
            }
            None => ddl.push(format!("`{}` {}", c.name.value, c.data_type)),
        }
    }
    Ok((computed, ddl))
}

/// A source with a fixed schema (kafka, rate, socket) takes computed columns and a
/// WATERMARK, but no declared physical column.
fn with_computed_columns(
    df: DataFrame,
    name: &str,
    connector: &str,
    columns: &[ColumnDef],
    watermark: Option<(String, String)>,
) -> Result<DataFrame> {
    let (computed, ddl) = split_columns(columns)?;
    if let Some(first) = ddl.first() {
        return Err(SluiceError::analysis(format!(
            "table `{name}`: the {connector} source has a fixed schema; declare only computed columns (name TYPE GENERATED ALWAYS AS (expr)), not {first}"
        )));
    }
    let mut df = df;
    for (column, expr) in computed {
        df = df.with_column(&column, expr);
    }
    if let Some((column, delay)) = watermark {
        df = df.with_watermark(&column, &delay);
    }
    // Analysed here so that a bad computed column or watermark names this table.
    df.schema().map_err(|e| in_table(name, e))?;
    Ok(df)
}

fn take(options: &mut Vec<(String, String)>, key: &str) -> Option<String> {
    let i = options.iter().position(|(k, _)| k.eq_ignore_ascii_case(key))?;
    Some(options.remove(i).1)
}

/// `WITH (k = 'v', 'k.2' = 'v', `k` = 1)` as key/value strings.
fn with_options(opts: &[SqlOption]) -> Result<Vec<(String, String)>> {
    opts.iter()
        .map(|o| match o {
            SqlOption::KeyValue { key, value } => {
                let key = object_name(key);
                let value = match value {
                    SqlExpr::Value(v) => match &v.value {
                        SqlValue::SingleQuotedString(s) | SqlValue::DoubleQuotedString(s) => s.clone(),
                        SqlValue::Number(n, _) => n.to_string(),
                        SqlValue::Boolean(b) => b.to_string(),
                        other => other.to_string(),
                    },
                    SqlExpr::Identifier(i) => i.value.clone(),
                    other => other.to_string(),
                };
                Ok((key, value))
            }
            other => Err(SluiceError::Parse(format!("unsupported table option {other}: use key = 'value'"))),
        })
        .collect()
}

/// An error about table `name`, naming it and keeping the error's kind.
fn in_table(name: &str, e: SluiceError) -> SluiceError {
    match e {
        SluiceError::Analysis(m) => SluiceError::Analysis(format!("table `{name}`: {m}")),
        SluiceError::Parse(m) => SluiceError::Parse(format!("table `{name}`: {m}")),
        SluiceError::Option { option, reason } => {
            SluiceError::Option { option, reason: format!("{reason} (table `{name}`)") }
        }
        other => SluiceError::Analysis(format!("table `{name}`: {other}")),
    }
}
