//! Runs a SQL script statement by statement: `CREATE TABLE` declares sources (with
//! columns and `connector = 'file'`) and sinks (without columns), `INSERT INTO sink
//! SELECT ..` starts a streaming query, and a plain `SELECT` prints its result.

use crate::status::StatusReporter;
use crate::{OutputFormat, RunOptions};
use sluice::core::sql::dialect;
use sluice::core::sql::{convert_expr, parse_expr};
use sluice::core::BinaryOp;
use sluice::format::{row_to_json, show_string};
use sluice::{
    DataFrame, Expr, Schema, Session, SluiceError, StreamingQuery, TableDefinition, Trigger, Value,
};
use sqlparser::ast::{
    ColumnDef, ColumnOption, CreateTableOptions, Expr as SqlExpr, SqlOption, Statement, TableObject,
    Value as SqlValue,
};
use sqlparser::parser::Parser;
use std::collections::HashMap;
use std::path::Path;

/// A sink declared with `CREATE TABLE name WITH (connector = 'memory' | 'console', ..)`.
struct SinkDecl {
    connector: String,
    options: Vec<(String, String)>,
}

/// One statement of a script and the line it starts on.
struct Stmt {
    line: usize,
    text: String,
}

/// The cluster of `-n N -p I --hostfile FILE`: `None` for one process, else every
/// process's address and this process's index.
pub fn cluster_args(
    processes: usize,
    process: usize,
    hostfile: Option<&Path>,
) -> Result<Option<(Vec<String>, usize)>, String> {
    if processes == 0 {
        return Err("-n: a cluster needs at least one process".into());
    }
    let Some(hostfile) = hostfile else {
        if processes > 1 {
            return Err(format!("-n {processes}: a cluster needs --hostfile (one host:port per line)"));
        }
        if process != 0 {
            return Err(format!("-p {process}: a single process is process 0 (-n 1)"));
        }
        return Ok(None);
    };
    let hosts = sluice::read_hostfile(hostfile).map_err(|e| format!("--hostfile: {e}"))?;
    if hosts.len() < processes {
        return Err(format!(
            "--hostfile {}: lists {} hosts but -n is {processes}",
            hostfile.display(),
            hosts.len()
        ));
    }
    if process >= processes {
        return Err(format!(
            "-p {process}: out of range for -n {processes} (processes are 0..{})",
            processes - 1
        ));
    }
    Ok(Some((hosts.into_iter().take(processes).collect(), process)))
}

/// Runs the script; the error is the message to print (file, line, reason).
pub fn run(path: &Path, options: &RunOptions) -> Result<(), String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read script: {e}", path.display()))?;
    let trigger =
        options.trigger.as_deref().map(Trigger::parse).transpose().map_err(|e| format!("--trigger: {e}"))?;
    let format = options.format;
    let session = build_session(options)?;
    let mut sinks: HashMap<String, SinkDecl> = HashMap::new();
    let mut running: Vec<StreamingQuery> = Vec::new();
    for stmt in split_statements(&text) {
        let at = |msg: String| format!("{}:{}: {msg}", path.display(), stmt.line);
        let (text, watermark) = extract_watermark(&stmt.text).map_err(at)?;
        let parsed = Parser::parse_sql(&dialect(), &text).map_err(|e| {
            let (line, msg) = parse_error_at(stmt.line, &e.to_string());
            format!("{}:{line}: parse error: {msg}", path.display())
        })?;
        for statement in parsed {
            run_statement(&session, statement, watermark.clone(), &mut sinks, &mut running, trigger, format)
                .map_err(at)?;
        }
    }
    // Queries still running (default or processing-time trigger) run until they end.
    for q in running {
        q.await_termination().map_err(|e| format!("{}: {e}", path.display()))?;
    }
    session.streams().flush_listeners();
    Ok(())
}

/// The session with the observability the flags ask for: progress log, metrics endpoint
/// (its address printed on stderr) and, unless `--quiet`, the status on stderr.
fn build_session(options: &RunOptions) -> Result<Session, String> {
    let mut builder = Session::builder().workers(options.workers);
    if let Some((hosts, index)) = &options.cluster {
        builder = builder.cluster(hosts.clone(), *index);
    }
    if let Some(dir) = &options.checkpoint {
        // Each query checkpoints under DIR/<its sink table>, as Spark's root location.
        builder = builder.config("spark.sql.streaming.checkpointLocation", dir.display());
    }
    if let Some(log) = &options.progress_log {
        // Checked here so a bad path names the flag, before any query starts.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| format!("--progress-log {}: cannot open for appending: {e}", log.display()))?;
        builder = builder.config(sluice::PROGRESS_LOG, log.display());
    }
    if let Some(addr) = &options.metrics_addr {
        builder = builder.config(sluice::METRICS_ADDR, addr);
    }
    let session = builder.build().map_err(|e| match e {
        SluiceError::Option { option, reason } if option == sluice::METRICS_ADDR => {
            format!("--metrics-addr {reason}")
        }
        e => format!("-w/-n/-p: {e}"),
    })?;
    if let Some(addr) = session.metrics_address() {
        eprintln!("sluice: metrics on http://{addr}/ (/progress, /metrics)");
    }
    if !options.quiet {
        session.streams().add_listener(std::sync::Arc::new(StatusReporter::default()));
    }
    Ok(session)
}

fn run_statement(
    session: &Session,
    statement: Statement,
    watermark: Option<(String, String)>,
    sinks: &mut HashMap<String, SinkDecl>,
    running: &mut Vec<StreamingQuery>,
    trigger: Option<Trigger>,
    format: OutputFormat,
) -> Result<(), String> {
    match statement {
        Statement::CreateTable(ct) => {
            let name = object_name(&ct.name);
            let mut options = match &ct.table_options {
                CreateTableOptions::With(opts) | CreateTableOptions::Options(opts) => with_options(opts)?,
                CreateTableOptions::None => Vec::new(),
                other => {
                    return Err(format!("table `{name}`: expected WITH (key = 'value', ..), got {other}"))
                }
            };
            let connector = take(&mut options, "connector")
                .ok_or_else(|| format!("table `{name}`: WITH (connector = '...') is required"))?
                .to_ascii_lowercase();
            match connector.as_str() {
                "file" if ct.columns.is_empty() => {
                    // Without columns a file table is a sink: its schema comes from the query.
                    let format = take(&mut options, "format")
                        .ok_or_else(|| format!("table `{name}`: a file sink needs format = 'json' | 'csv'"))?;
                    if !options.iter().any(|(k, _)| k.eq_ignore_ascii_case("path")) {
                        return Err(format!("table `{name}`: a file sink needs path = '...'"));
                    }
                    sinks.insert(name.to_ascii_lowercase(), SinkDecl { connector: format.to_ascii_lowercase(), options });
                    Ok(())
                }
                "file" => {
                    let format = take(&mut options, "format").ok_or_else(|| {
                        format!("table `{name}`: a file source needs format = 'json' | 'csv' | 'text'")
                    })?;
                    let path = take(&mut options, "path")
                        .ok_or_else(|| format!("table `{name}`: a file source needs path = '...'"))?;
                    let mut reader = session.read().format(&format).options(options);
                    let (computed_columns, ddl) = split_columns(&ct.columns)?;
                    let definition = TableDefinition { watermark, computed_columns };
                    if !ddl.is_empty() {
                        let schema =
                            Schema::parse_ddl(&ddl.join(", ")).map_err(|e| format!("table `{name}`: {e}"))?;
                        reader = reader.schema_struct(schema);
                    }
                    reader
                        .create_table_with(&name, &path, definition)
                        .map_err(|e| format!("table `{name}`: {e}"))
                }
                "socket" | "rate" | "rate-micro-batch" | "nexmark" => {
                    let df = session
                        .read_stream()
                        .format(&connector)
                        .options(options)
                        .load(None)
                        .map_err(|e| format!("table `{name}`: {e}"))?;
                    let df = with_computed_columns(df, &name, &connector, &ct.columns, watermark)?;
                    df.create_or_replace_temp_view(&name).map_err(|e| format!("table `{name}`: {e}"))
                }
                "kafka" => {
                    let has = |k: &str| options.iter().any(|(o, _)| o.eq_ignore_ascii_case(k));
                    let source = ["assign", "subscribe", "subscribePattern"].iter().any(|k| has(k));
                    if !source && !has("topic") {
                        return Err(format!(
                            "table `{name}`: a kafka table needs assign, subscribe or subscribePattern to be read, or topic to be written"
                        ));
                    }
                    if !source && (!ct.columns.is_empty() || watermark.is_some()) {
                        return Err(format!(
                            "table `{name}`: computed columns and WATERMARK belong to a table that is read (assign, subscribe or subscribePattern)"
                        ));
                    }
                    if source {
                        let df = session
                            .read_stream()
                            .format("kafka")
                            .options(options.clone())
                            .load(None)
                            .map_err(|e| format!("table `{name}`: {e}"))?;
                        let df = with_computed_columns(df, &name, "kafka", &ct.columns, watermark)?;
                        df.create_or_replace_temp_view(&name).map_err(|e| format!("table `{name}`: {e}"))?;
                    }
                    // The same table can also be written (INSERT INTO): a Kafka sink.
                    sinks.insert(name.to_ascii_lowercase(), SinkDecl { connector, options });
                    Ok(())
                }
                "memory" | "console" | "noop" => {
                    if !ct.columns.is_empty() {
                        return Err(format!(
                            "sink table `{name}`: its schema comes from the query; declare no columns"
                        ));
                    }
                    sinks.insert(name.to_ascii_lowercase(), SinkDecl { connector, options });
                    Ok(())
                }
                other => Err(format!(
                    "table `{name}`: unknown connector '{other}' (sources: file, socket, rate, rate-micro-batch, kafka, nexmark; sinks: memory, console, noop, file, kafka)"
                )),
            }
        }
        Statement::Insert(insert) => {
            let name = match &insert.table {
                TableObject::TableName(n) => object_name(n),
                other => return Err(format!("INSERT INTO {other}: expected a sink table name")),
            };
            let sink = sinks
                .get(&name.to_ascii_lowercase())
                .ok_or_else(|| format!("INSERT INTO `{name}`: no sink table `{name}` was declared with CREATE TABLE .. WITH (connector = ..)"))?;
            let query =
                insert.source.as_ref().ok_or_else(|| format!("INSERT INTO `{name}`: expected a SELECT"))?;
            let df = session.sql_stream(&query.to_string()).map_err(|e| e.to_string())?;
            let mut writer = df.write_stream().format(&sink.connector).query_name(&name);
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
            if let Some(t) = trigger {
                writer = writer.trigger(t);
            }
            let q = writer.start().map_err(|e| e.to_string())?;
            if matches!(trigger, Some(Trigger::Once | Trigger::AvailableNow)) {
                let ended = q.await_termination().map_err(|e| e.to_string());
                // Its last status line comes before whatever the next statement prints.
                session.streams().flush_listeners();
                ended
            } else {
                running.push(q);
                Ok(())
            }
        }
        Statement::Query(q) => {
            let df = session.sql(&q.to_string()).map_err(|e| e.to_string())?;
            let schema = df.schema().map_err(|e| e.to_string())?;
            let rows = df.collect().map_err(|e| e.to_string())?;
            if session.process_index() != 0 {
                // The other processes of a cluster took part; process 0 prints.
                return Ok(());
            }
            match format {
                OutputFormat::Json => {
                    for r in &rows {
                        println!("{}", row_to_json(&schema, r));
                    }
                }
                OutputFormat::Table => print!("{}", show_string(&schema, &rows, rows.len(), 0)),
            }
            Ok(())
        }
        other => Err(format!("unsupported statement: {other}")),
    }
}

/// The script line of a parser error and its message: sqlparser counts lines from the
/// statement's first line, so `at Line: L, Column: C` becomes script line `first + L - 1`.
fn parse_error_at(first: usize, msg: &str) -> (usize, String) {
    let located = msg.rfind(" at Line: ").and_then(|i| {
        let (line, column) = msg[i + " at Line: ".len()..].split_once(", Column: ")?;
        let line: usize = line.parse().ok()?;
        Some((first + line.max(1) - 1, format!("{}, column {column}", &msg[..i])))
    });
    located.unwrap_or_else(|| (first, msg.to_string()))
}

/// Takes a `WATERMARK FOR col AS col - INTERVAL ..` clause out of a `CREATE TABLE` column
/// list (sqlparser does not know it): the statement without it, and `(column, delay)`.
/// A table's computed columns (`name TYPE GENERATED ALWAYS AS (expr)`, cast to their
/// type), and the DDL of the others.
type SplitColumns = (Vec<(String, Expr)>, Vec<String>);

fn split_columns(columns: &[ColumnDef]) -> Result<SplitColumns, String> {
    let (mut computed, mut ddl) = (Vec::new(), Vec::new());
    for c in columns {
        let generated = c.options.iter().find_map(|o| match &o.option {
            ColumnOption::Generated { generation_expr: Some(e), .. } => Some(e),
            _ => None,
        });
        match generated {
            Some(e) => {
                let expr = convert_expr(e).map_err(|e| format!("column `{}`: {e}", c.name.value))?;
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
) -> Result<DataFrame, String> {
    let (computed, ddl) = split_columns(columns)?;
    if let Some(first) = ddl.first() {
        return Err(format!(
            "table `{name}`: the {connector} source has a fixed schema; declare only computed columns (name TYPE GENERATED ALWAYS AS (expr)), not {first}"
        ));
    }
    let mut df = df;
    for (column, expr) in computed {
        df = df.with_column(&column, expr);
    }
    if let Some((column, delay)) = watermark {
        df = df.with_watermark(&column, &delay);
    }
    // Analysed here so that a bad computed column or watermark names this table.
    df.schema().map_err(|e| format!("table `{name}`: {e}"))?;
    Ok(df)
}

fn extract_watermark(text: &str) -> Result<(String, Option<(String, String)>), String> {
    let upper = text.to_ascii_uppercase();
    let Some(at) = upper.find("WATERMARK FOR") else { return Ok((text.to_string(), None)) };
    // The clause runs to the next comma or closing parenthesis at its own depth.
    let mut depth = 0i32;
    let mut quote = None;
    let mut end = text.len();
    for (i, c) in text[at..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') if depth == 0 => {
                end = at + i;
                break;
            }
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                end = at + i;
                break;
            }
            _ => {}
        }
    }
    let clause = text[at + "WATERMARK FOR".len()..end].trim();
    let usage = "expected WATERMARK FOR column AS column - INTERVAL '30' MINUTE";
    let as_at = clause.to_ascii_uppercase().find(" AS ").ok_or(usage)?;
    let column = clause[..as_at].trim().trim_matches('`').to_string();
    let bound = parse_expr(&clause[as_at + 4..]).map_err(|e| format!("{usage}: {e}"))?;
    let delay = match bound {
        Expr::Binary { op: BinaryOp::Minus, left, right } if matches!(&*left, Expr::Column(p) if p.last().is_some_and(|c| c.eq_ignore_ascii_case(&column))) => {
            match right.bind(&Schema::default()).and_then(|b| b.eval(&[])) {
                Ok(Value::Interval(us)) if us >= 0 => format!("{us} microseconds"),
                _ => return Err(format!("{usage}: the delay must be a non-negative interval")),
            }
        }
        _ => return Err(usage.to_string()),
    };
    // Drop the clause and the comma before it.
    let before = text[..at].trim_end();
    let before = before.strip_suffix(',').unwrap_or(before);
    let after = &text[end..];
    // A watermark alone in the parentheses (a fixed-schema source): drop them too.
    if let (Some(before), Some(after)) = (before.strip_suffix('('), after.trim_start().strip_prefix(')')) {
        return Ok((format!("{before}{after}"), Some((column, delay))));
    }
    Ok((format!("{before}{after}"), Some((column, delay))))
}

fn object_name(name: &sqlparser::ast::ObjectName) -> String {
    name.0.iter().filter_map(|p| p.as_ident().map(|i| i.value.clone())).collect::<Vec<_>>().join(".")
}

fn take(options: &mut Vec<(String, String)>, key: &str) -> Option<String> {
    let i = options.iter().position(|(k, _)| k.eq_ignore_ascii_case(key))?;
    Some(options.remove(i).1)
}

/// `WITH (k = 'v', 'k.2' = 'v', `k` = 1)` as key/value strings.
fn with_options(opts: &[SqlOption]) -> Result<Vec<(String, String)>, String> {
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
            other => Err(format!("unsupported table option {other}: use key = 'value'")),
        })
        .collect()
}

/// Splits a script at semicolons outside quotes and comments, remembering each
/// statement's first line so errors can point at it.
fn split_statements(text: &str) -> Vec<Stmt> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut line = 1usize;
    let mut start_line: Option<usize> = None;
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        if let Some(q) = quote {
            cur.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' | '`' => {
                quote = Some(c);
                start_line.get_or_insert(line);
                cur.push(c);
            }
            '-' if chars.peek() == Some(&'-') => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        line += 1;
                        if start_line.is_some() {
                            cur.push('\n');
                        }
                        break;
                    }
                }
            }
            ';' => {
                if let Some(l) = start_line.take() {
                    out.push(Stmt { line: l, text: std::mem::take(&mut cur) });
                }
                cur.clear();
            }
            c => {
                if !c.is_whitespace() {
                    start_line.get_or_insert(line);
                }
                // Text starts at the statement's first character, so the parser's line
                // numbers count from `start_line`.
                if start_line.is_some() {
                    cur.push(c);
                }
            }
        }
    }
    if let Some(l) = start_line {
        out.push(Stmt { line: l, text: cur });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_split_at_semicolons_outside_quotes_with_their_lines() {
        let s = split_statements(
            "-- a comment; not a split\nCREATE TABLE a WITH (x = 'p;q');\n\n  SELECT 1;\nSELECT 2",
        );
        let got: Vec<(usize, String)> = s.iter().map(|s| (s.line, s.text.trim().to_string())).collect();
        assert_eq!(
            got,
            vec![
                (2, "CREATE TABLE a WITH (x = 'p;q')".to_string()),
                (4, "SELECT 1".to_string()),
                (5, "SELECT 2".to_string())
            ]
        );
        assert!(s.iter().all(|s| !s.text.starts_with(char::is_whitespace)), "text starts at the statement");
    }

    #[test]
    fn parse_errors_point_at_the_script_line() {
        let msg = "sql parser error: Expected: an expression, found: ; at Line: 2, Column: 27";
        assert_eq!(
            parse_error_at(7, msg),
            (8, "sql parser error: Expected: an expression, found: ;, column 27".to_string())
        );
        assert_eq!(parse_error_at(3, "no location"), (3, "no location".to_string()));
    }
}
