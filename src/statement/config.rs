//! `SET` and `RESET`, as Spark's `SetCommand`/`ResetCommand`: `SET key = value` (or
//! `key=value`; quotes around the value are dropped, where Spark 4.3 keeps them and then
//! refuses `SET spark.sql.session.timeZone = 'America/Los_Angeles'`), `SET key` (one config), `SET` (the
//! configs set in this session), `RESET` (every config back to what the session started
//! with) and `RESET key`. Spark reads these with a pattern, not its SQL grammar (a value is
//! whatever follows `=`), and so does this.
//!
//! A key Sluice reads takes effect; any other is kept (and shown by `SET`) with a warning
//! that it has no effect in Sluice, as Spark keeps keys it does not know.

use crate::dataframe::DataFrame;
use crate::session::Session;
use sluice_core::{DataType, Result, Schema, SluiceError, Value};

/// The configs Sluice reads (besides per-query options), with what each does.
pub const CONFIGS: &[(&str, &str)] = &[
    ("spark.sql.streaming.checkpointLocation", "root directory of named queries' checkpoints"),
    ("spark.sql.streaming.minBatchesToRetain", "committed batches a checkpoint keeps (default 100)"),
    (
        "spark.sql.streaming.stateStore.minDeltasForSnapshot",
        "state deltas written before a snapshot is folded from them in the background (default 10)",
    ),
    (
        "spark.sql.streaming.stateStore.maintenanceInterval",
        "least time between two background state snapshots (default 60s)",
    ),
    ("spark.sql.streaming.multipleWatermarkPolicy", "min (default) or max over several watermarks"),
    ("spark.sql.streaming.noDataProgressEventInterval", "least time between idle events (default 10s)"),
    ("spark.sql.streaming.schemaInference", "infer a streaming file source's schema (default false)"),
    (
        "spark.sql.session.timeZone",
        "zone of timestamps read and shown as text and taken apart into dates and hours (default UTC)",
    ),
    (
        "spark.sql.decimalOperations.allowPrecisionLoss",
        "decimal results wider than 38 digits give up scale (true, default) or overflow (false)",
    ),
    ("sluice.sql.trigger", "trigger of the queries INSERT INTO starts (the CLI's --trigger)"),
    ("sluice.progressLog", "file every query's progress is appended to (the CLI's --progress-log)"),
    (
        "sluice.metricsAddr",
        "address of the HTTP metrics endpoint (the CLI's --metrics-addr); read at startup",
    ),
];

/// True when Sluice reads `key`.
pub fn takes_effect(key: &str) -> bool {
    CONFIGS.iter().any(|(k, _)| k.eq_ignore_ascii_case(key))
}

/// The warning for a config Sluice keeps but does not read, saying what to do instead
/// where there is something.
pub fn no_effect_warning(key: &str) -> String {
    let instead = if key.eq_ignore_ascii_case("spark.sql.shuffle.partitions") {
        ": shuffles and state are split into one partition per worker, so the workers are the partitions; set them with -w N (Session::builder().workers(n))"
    } else if key.eq_ignore_ascii_case("spark.master") {
        ": the workers are set with -w N (Session::builder().workers(n)); the default is one per core, as local[*]"
    } else {
        ""
    };
    format!("warning: config '{key}' is kept but has no effect in Sluice{instead}")
}

/// Runs `text` when it is a `SET` or `RESET` statement; `None` when it is another one.
pub(crate) fn run(session: &Session, text: &str) -> Option<Result<DataFrame>> {
    let text = text.trim().trim_end_matches(';').trim();
    let (word, rest) = split_word(text);
    if word.eq_ignore_ascii_case("SET") {
        Some(set(session, rest))
    } else if word.eq_ignore_ascii_case("RESET") {
        Some(reset(session, rest))
    } else {
        None
    }
}

fn split_word(text: &str) -> (&str, &str) {
    match text.find(char::is_whitespace) {
        Some(i) => (&text[..i], text[i..].trim()),
        None => (text, ""),
    }
}

fn set(session: &Session, rest: &str) -> Result<DataFrame> {
    if rest.is_empty() {
        let mut rows: Vec<(String, String)> = session.conf_entries();
        rows.sort();
        return key_values(session, rows);
    }
    let Some((key, value)) = rest.split_once('=') else {
        let key = check_key(rest)?;
        let value = session.conf().get(key).unwrap_or_else(|| "<undefined>".to_string());
        return key_values(session, vec![(key.to_string(), value)]);
    };
    let key = check_key(key.trim())?;
    let value = unquote(value.trim());
    if key.eq_ignore_ascii_case(crate::session::SESSION_TIME_ZONE) {
        // Refused here, as Spark refuses it, rather than at the next query.
        sluice_core::time::Zone::parse(&value).map_err(|why| SluiceError::option(key, why))?;
    }
    if !takes_effect(key) {
        eprintln!("{}", no_effect_warning(key));
    }
    session.set_conf(key, &value);
    key_values(session, vec![(key.to_string(), value)])
}

fn reset(session: &Session, rest: &str) -> Result<DataFrame> {
    if rest.is_empty() {
        session.reset_conf(None);
    } else {
        session.reset_conf(Some(check_key(rest)?));
    }
    session.create_dataframe(Vec::new(), Schema::default())
}

/// A config key: letters, digits, `.`, `_`, `-` and `:` (Spark's pattern), or the error
/// naming what is wrong.
fn check_key(key: &str) -> Result<&str> {
    let key = key.trim_matches('`');
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'))
    {
        return Err(SluiceError::Parse(format!(
            "SET: '{key}' is not a config key (expected SET key = value, SET key or SET)"
        )));
    }
    Ok(key)
}

fn unquote(value: &str) -> String {
    for q in ['\'', '"', '`'] {
        if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
            return value[1..value.len() - 1].to_string();
        }
    }
    value.to_string()
}

/// Spark's `SET` result columns: `key`, `value`.
fn key_values(session: &Session, rows: Vec<(String, String)>) -> Result<DataFrame> {
    let schema = Schema::default().with("key", DataType::String).with("value", DataType::String);
    // Secret values show redacted, as Spark's SET shows them.
    let rows = rows
        .into_iter()
        .map(|(k, v)| vec![Value::string(&k), Value::string(sluice_core::redact::shown(&k, &v))])
        .collect();
    session.create_dataframe(rows, schema)
}
