//! Textual forms of values and results: Spark's `show()` table, cast-to-string, JSON rows.
//!
//! Everything here reproduces Spark 4 byte for byte where Spark defines the form:
//! cells are rendered as Spark's internal `ToPrettyString` does (`NULL`, hex binaries,
//! Java's `Double.toString`), and the table, its truncation and its footer follow
//! `Dataset.showString` (`sql/core/.../classic/Dataset.scala`).

use crate::schema::Schema;
use crate::time::{format_date, format_interval, format_timestamp_in, TimeFormats, Zone};
use crate::types::{DataType, Field, Row, Value};
use std::fmt::Write;

pub use crate::double_text::java_double_to_string;

/// A value as Spark's `CAST(v AS STRING)` writes it in UTC (`NULL` shows as `null`).
pub fn display_value(v: &Value) -> String {
    display_value_in(v, Zone::Utc)
}

/// A value as Spark's `CAST(v AS STRING)` writes it with session zone `zone`.
pub fn display_value_in(v: &Value, zone: Zone) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Boolean(b) => b.to_string(),
        Value::Int(n) => n.to_string(),
        Value::Long(n) => n.to_string(),
        Value::Double(d) => java_double_to_string(d.0),
        Value::Decimal(d) => d.to_string(),
        Value::String(s) => s.to_string(),
        Value::Binary(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Timestamp(t) => format_timestamp_in(*t, zone),
        Value::Date(d) => crate::time::format_date(*d),
        Value::Interval(us) => crate::time::format_interval(*us),
        Value::YearMonth(ym) => ym.sql(),
        Value::Time(nanos) => crate::time::format_time(*nanos),
        Value::DayTime(dt) => dt.sql(),
        Value::Struct(vals) => {
            let inner: Vec<String> = vals.iter().map(|v| display_value_in(v, zone)).collect();
            format!("{{{}}}", inner.join(", "))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(|v| display_value_in(v, zone)).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Map(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{} -> {}", display_value_in(k, zone), display_value_in(v, zone)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// Spark's default binary display: upper-case hex bytes in brackets, `[01 02 FF]`.
fn hex_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3 + 2);
    out.push('[');
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{b:02X}");
    }
    out.push(']');
    out
}

/// Formats a value as Spark shows it in `show()` and the console sink (its
/// `ToPrettyString`, i.e. `CAST(v AS STRING)` with `NULL` for nulls and hex binaries):
/// `true`, `42`, `1.0E-4`, `2015-02-23 10:10:00`, `2015-02-23`, `[01 02 FF]`,
/// `{2015-02-23 10:10:00, NULL}`, `NULL`; timestamps in session zone `zone`.
pub fn value_to_string(v: &Value, zone: Zone) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Boolean(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Long(i) => i.to_string(),
        Value::Double(d) => java_double_to_string(d.0),
        Value::Decimal(d) => d.to_string(),
        Value::String(s) => s.to_string(),
        Value::Binary(b) => hex_bytes(b),
        Value::Timestamp(t) => format_timestamp_in(*t, zone),
        Value::Date(d) => format_date(*d),
        Value::Interval(us) => format_interval(*us),
        Value::YearMonth(ym) => ym.sql(),
        Value::Time(nanos) => crate::time::format_time(*nanos),
        Value::DayTime(dt) => dt.sql(),
        Value::Struct(fields) => {
            let inner: Vec<String> = fields.iter().map(|v| value_to_string(v, zone)).collect();
            format!("{{{}}}", inner.join(", "))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(|v| value_to_string(v, zone)).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Map(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{} -> {}", value_to_string(k, zone), value_to_string(v, zone)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// Escapes control characters that would break the table layout, as Spark's
/// `SchemaUtils.escapeMetaCharacters` does (a newline becomes the two characters `\n`).
fn escape_meta_characters(s: &str) -> String {
    if !s.chars().any(|c| matches!(c, '\n' | '\r' | '\t' | '\u{c}' | '\u{8}' | '\u{b}' | '\u{7}')) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{7}' => out.push_str("\\a"),
            c => out.push(c),
        }
    }
    out
}

/// True for the characters Spark counts as two columns wide (CJK, Hangul, full-width forms),
/// the ranges of `Utils.fullWidthRegex`.
fn is_full_width(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE10..=0xFE19
        | 0xFE30..=0xFE6F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6)
}

/// Display width of a cell in half-width columns (Spark's `Utils.stringHalfWidth`).
fn half_width(s: &str) -> usize {
    s.chars().map(|c| if is_full_width(c) { 2 } else { 1 }).sum()
}

/// Shortens a cell to `truncate` characters as Spark's `getRows` does: the first
/// `truncate - 3` characters and `...`, or a plain cut when `truncate < 4`.
fn truncate_cell(s: String, truncate: usize) -> String {
    if truncate == 0 || s.chars().count() <= truncate {
        return s;
    }
    if truncate < 4 {
        s.chars().take(truncate).collect()
    } else {
        let mut out: String = s.chars().take(truncate - 3).collect();
        out.push_str("...");
        out
    }
}

/// Renders rows as the table `Dataset.show(numRows, truncate)` prints in Spark 4, including
/// the newline `println` adds, so the text can be written to stdout as is.
///
/// Column widths are at least 3 and fit the widest cell (full-width characters count
/// twice); cells are right-aligned when `truncate > 0` (and cut to `truncate` characters,
/// ending in `...`), left-aligned and never cut when `truncate == 0`. Column names are
/// never cut. When there are more than `num_rows` rows, the footer
/// `only showing top N rows` (`row` when N is 1) follows the last border; Spark 4's
/// `showString` does not end that footer with a newline, so with the footer the text ends
/// in one newline, and without it in two (the border's and `println`'s).
/// Timestamps show in session zone `zone`.
pub fn show_string(schema: &Schema, rows: &[Row], num_rows: usize, truncate: usize, zone: Zone) -> String {
    let has_more = rows.len() > num_rows;
    let mut cells: Vec<Vec<String>> = Vec::with_capacity(rows.len().min(num_rows) + 1);
    cells.push(schema.fields.iter().map(|f| escape_meta_characters(&f.name)).collect());
    for row in rows.iter().take(num_rows) {
        let line = (0..schema.len())
            .map(|i| {
                let text = escape_meta_characters(&value_to_string(row.get(i).unwrap_or(&Value::Null), zone));
                truncate_cell(text, truncate)
            })
            .collect();
        cells.push(line);
    }

    let mut widths = vec![3usize; schema.len()];
    for line in &cells {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(half_width(cell));
        }
    }

    let mut sep = String::from("+");
    for w in &widths {
        sep.extend(std::iter::repeat_n('-', *w));
        sep.push('+');
    }
    sep.push('\n');

    let mut out = String::new();
    out.push_str(&sep);
    for (i, line) in cells.iter().enumerate() {
        out.push('|');
        for (w, cell) in widths.iter().zip(line) {
            let pad = w - half_width(cell);
            if truncate > 0 {
                out.extend(std::iter::repeat_n(' ', pad));
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.extend(std::iter::repeat_n(' ', pad));
            }
            out.push('|');
        }
        out.push('\n');
        if i == 0 {
            out.push_str(&sep);
        }
    }
    out.push_str(&sep);
    if has_more {
        let noun = if num_rows == 1 { "row" } else { "rows" };
        let _ = write!(out, "only showing top {num_rows} {noun}");
    }
    out.push('\n');
    out
}

/// What Spark's console sink prints for one micro-batch: a `Batch: N` banner between two
/// lines of 43 dashes, then the `show` table ([`show_string`]). The sink's options map to
/// the arguments: `numRows` (default 20) and `truncate` (default true, i.e. 20; false is 0).
pub fn console_batch(
    batch_id: u64,
    schema: &Schema,
    rows: &[Row],
    num_rows: usize,
    truncate: usize,
    zone: Zone,
) -> String {
    const RULE: &str = "-------------------------------------------";
    let mut out = format!("{RULE}\nBatch: {batch_id}\n{RULE}\n");
    out.push_str(&show_string(schema, rows, num_rows, truncate, zone));
    out
}

/// Standard base64 with padding, as Spark's JSON writer encodes binaries.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Appends a JSON string literal (quoted, escaped).
fn push_json_string(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).expect("serialising a str cannot fail"));
}

/// One value as JSON text; `data_type` supplies struct field names, `formats` how
/// timestamps, dates and times are written (a writer's `timestampFormat`, .., and zone).
pub fn value_to_json_with(v: &Value, data_type: &DataType, formats: &TimeFormats) -> String {
    let mut out = String::new();
    push_json_value(&mut out, v, data_type, formats);
    out
}

/// Appends one value as JSON; `data_type` supplies struct field names.
fn push_json_value(out: &mut String, v: &Value, data_type: &DataType, formats: &TimeFormats) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Long(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Double(d) => {
            let text = java_double_to_string(d.0);
            if d.0.is_finite() {
                out.push_str(&text);
            } else {
                push_json_string(out, &text);
            }
        }
        Value::Decimal(d) => {
            let _ = write!(out, "{d}");
        }
        Value::String(s) => push_json_string(out, s),
        Value::Binary(b) => {
            out.push('"');
            out.push_str(&base64(b));
            out.push('"');
        }
        Value::Timestamp(t) => push_json_string(out, &formats.write_timestamp(*t)),
        Value::Date(d) => push_json_string(out, &formats.write_date(*d)),
        Value::Interval(us) => push_json_string(out, &format_interval(*us)),
        Value::YearMonth(ym) => push_json_string(out, &ym.sql()),
        Value::Time(nanos) => push_json_string(out, &formats.write_time(*nanos)),
        Value::DayTime(dt) => push_json_string(out, &dt.sql()),
        Value::Struct(values) => {
            let fields: &[Field] = match data_type {
                DataType::Struct(fields) => fields,
                _ => &[],
            };
            push_json_object(out, values, |i| fields.get(i), formats);
        }
        Value::Array(items) => {
            let element = match data_type {
                DataType::Array(element) => element.as_ref().clone(),
                _ => DataType::Null,
            };
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if item.is_null() {
                    out.push_str("null");
                } else {
                    push_json_value(out, item, &element, formats);
                }
            }
            out.push(']');
        }
        // An object keyed by each key's text, as Spark's JSON writer.
        Value::Map(entries) => {
            let (kt, vt) = match data_type {
                DataType::Map(k, v) => (k.as_ref().clone(), v.as_ref().clone()),
                _ => (DataType::Null, DataType::Null),
            };
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let key = match k {
                    Value::String(s) => s.to_string(),
                    other => {
                        let mut text = String::new();
                        push_json_value(&mut text, other, &kt, formats);
                        text.trim_matches('"').to_string()
                    }
                };
                push_json_string(out, &key);
                out.push(':');
                push_json_value(out, v, &vt, formats);
            }
            out.push('}');
        }
    }
}

/// Appends a JSON object of `values`, naming each by its field (Spark's `col{i+1}` when
/// the type gives no name).
fn push_json_object<'a>(
    out: &mut String,
    values: &[Value],
    field: impl Fn(usize) -> Option<&'a Field>,
    formats: &TimeFormats,
) {
    out.push('{');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match field(i) {
            Some(f) => {
                push_json_string(out, &f.name);
                out.push(':');
                push_json_value(out, v, &f.data_type, formats);
            }
            None => {
                push_json_string(out, &format!("col{}", i + 1));
                out.push(':');
                push_json_value(out, v, &DataType::Null, formats);
            }
        }
    }
    out.push('}');
}

/// Formats a row as one compact JSON object, keys being the schema's column names in order:
/// the CLI's `--format json` and `DataFrame::to_json` (the file sink writes
/// [`row_to_spark_json`]).
///
/// Nulls are `null` (Spark's JSON writer would omit them), numbers are JSON numbers in
/// Java's `Double.toString` form (`1.0E-4`, as Spark's Jackson writer prints), non-finite
/// doubles are the strings `"NaN"`, `"Infinity"`, `"-Infinity"`, timestamps and dates are
/// their `show()` text (`"2015-02-23 10:10:00"`), binaries are base64 and structs are nested
/// objects named by the struct type's fields. Timestamps are written in session zone `zone`.
pub fn row_to_json(schema: &Schema, row: &[Value], zone: Zone) -> String {
    let mut out = String::with_capacity(16 * row.len() + 2);
    let values: Vec<Value> = (0..schema.len()).map(|i| row.get(i).cloned().unwrap_or(Value::Null)).collect();
    push_json_object(&mut out, &values, |i| schema.fields.get(i), &TimeFormats::show_text(zone));
    out
}

/// A row as Spark's JSON writer writes it (the JSON file sink): null fields left out, as
/// Spark's `ignoreNullFields` default, nested ones too; timestamps and dates by the writer's
/// `formats` (Spark's `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` and `yyyy-MM-dd` by default).
pub fn row_to_spark_json(schema: &Schema, row: &[Value], formats: &TimeFormats) -> String {
    let values: Vec<Value> = (0..schema.len()).map(|i| row.get(i).cloned().unwrap_or(Value::Null)).collect();
    crate::json_value::to_json_with(
        &Value::Struct(values.into()),
        &DataType::Struct(schema.fields.clone()),
        formats,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn doubles_print_as_java_double_to_string() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.5, "0.5"),
            (0.1, "0.1"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (0.00012345, "1.2345E-4"),
            (123.456, "123.456"),
            (-123.456, "-123.456"),
            (100.0, "100.0"),
            (9_999_999.0, "9999999.0"),
            (1e7, "1.0E7"),
            (12_345_678.9, "1.23456789E7"),
            (123_456_789.0, "1.23456789E8"),
            (1e21, "1.0E21"),
            (-1e-10, "-1.0E-10"),
            (1.0 / 3.0, "0.3333333333333333"),
            (2.0 / 3.0, "0.6666666666666666"),
            (f64::MAX, "1.7976931348623157E308"),
            (f64::MIN_POSITIVE, "2.2250738585072014E-308"),
            (f64::from_bits(1), "4.9E-324"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (x, text) in cases {
            assert_eq!(java_double_to_string(*x), *text, "{x:?}");
        }
    }

    #[test]
    fn values_print_as_spark_pretty_strings() {
        let ts = 1_424_686_200_000_000i64;
        let cases: Vec<(Value, &str)> = vec![
            (Value::Null, "NULL"),
            (Value::Boolean(true), "true"),
            (Value::Boolean(false), "false"),
            (Value::Int(-7), "-7"),
            (Value::Long(1_424_687_527_350), "1424687527350"),
            (Value::double(1e-4), "1.0E-4"),
            (Value::string("stairsup"), "stairsup"),
            (Value::Binary(Arc::from(&[1u8, 2, 255][..])), "[01 02 FF]"),
            (Value::Binary(Arc::from(&[][..])), "[]"),
            (Value::Timestamp(ts), "2015-02-23 10:10:00"),
            (Value::Timestamp(ts + 500_000), "2015-02-23 10:10:00.5"),
            (Value::Date(16_489), "2015-02-23"),
            (
                Value::Struct(Arc::from(vec![Value::Timestamp(ts), Value::Timestamp(ts + 600_000_000)])),
                "{2015-02-23 10:10:00, 2015-02-23 10:20:00}",
            ),
            (Value::Struct(Arc::from(vec![Value::Null, Value::Int(1), Value::Null])), "{NULL, 1, NULL}"),
        ];
        for (v, text) in cases {
            assert_eq!(value_to_string(&v, Zone::Utc), text, "{v:?}");
        }
    }

    fn people() -> (Schema, Vec<Row>) {
        let schema = Schema::default().with("id", DataType::Long).with("name", DataType::String);
        let rows = vec![
            vec![Value::Long(1), Value::string("a")],
            vec![Value::Long(2), Value::Null],
            vec![Value::Long(300), Value::string("abcdefghijklmnopqrstuvwxyz")],
        ];
        (schema, rows)
    }

    #[test]
    fn show_string_matches_spark_tables() {
        let (schema, rows) = people();
        let cases: Vec<(usize, usize, &[Row], &str)> = vec![
            (
                20,
                20,
                &rows,
                "+---+--------------------+\n\
                 | id|                name|\n\
                 +---+--------------------+\n\
                 |  1|                   a|\n\
                 |  2|                NULL|\n\
                 |300|abcdefghijklmnopq...|\n\
                 +---+--------------------+\n\n",
            ),
            (
                20,
                0,
                &rows,
                "+---+--------------------------+\n\
                 |id |name                      |\n\
                 +---+--------------------------+\n\
                 |1  |a                         |\n\
                 |2  |NULL                      |\n\
                 |300|abcdefghijklmnopqrstuvwxyz|\n\
                 +---+--------------------------+\n\n",
            ),
            (
                2,
                3,
                &rows,
                "+---+----+\n\
                 | id|name|\n\
                 +---+----+\n\
                 |  1|   a|\n\
                 |  2| NUL|\n\
                 +---+----+\n\
                 only showing top 2 rows\n",
            ),
            (
                1,
                5,
                &rows,
                "+---+----+\n\
                 | id|name|\n\
                 +---+----+\n\
                 |  1|   a|\n\
                 +---+----+\n\
                 only showing top 1 row\n",
            ),
            (
                20,
                20,
                &[],
                "+---+----+\n\
                 | id|name|\n\
                 +---+----+\n\
                 +---+----+\n\n",
            ),
        ];
        for (n, truncate, rows, want) in cases {
            assert_eq!(show_string(&schema, rows, n, truncate, Zone::Utc), want, "n={n} truncate={truncate}");
        }
    }

    #[test]
    fn show_string_counts_full_width_characters_twice_and_escapes_newlines() {
        let schema = Schema::default().with("k", DataType::String);
        let rows = vec![vec![Value::string("数据")], vec![Value::string("a\nb")]];
        let want = "+----+\n\
                    |   k|\n\
                    +----+\n\
                    |数据|\n\
                    |a\\nb|\n\
                    +----+\n\n";
        assert_eq!(show_string(&schema, &rows, 20, 20, Zone::Utc), want);
    }

    #[test]
    fn console_batch_prints_banner_then_table() {
        let schema = Schema::default().with("gt", DataType::String).with("count", DataType::Long);
        let rows =
            vec![vec![Value::string("bike"), Value::Long(74_246)], vec![Value::Null, Value::Long(104_058)]];
        let want = "-------------------------------------------\n\
                    Batch: 3\n\
                    -------------------------------------------\n\
                    +----+------+\n\
                    |  gt| count|\n\
                    +----+------+\n\
                    |bike| 74246|\n\
                    |NULL|104058|\n\
                    +----+------+\n\n";
        assert_eq!(console_batch(3, &schema, &rows, 20, 20, Zone::Utc), want);
    }

    #[test]
    fn rows_print_as_json_objects() {
        let window = DataType::Struct(vec![
            Field::new("start", DataType::Timestamp),
            Field::new("end", DataType::Timestamp),
        ]);
        let schema = Schema::default()
            .with("window", window)
            .with("gt", DataType::String)
            .with("count", DataType::Long)
            .with("x", DataType::Double)
            .with("ok", DataType::Boolean)
            .with("b", DataType::Binary)
            .with("d", DataType::Date);
        let ts = 1_424_686_200_000_000i64;
        let row = vec![
            Value::Struct(Arc::from(vec![Value::Timestamp(ts), Value::Timestamp(ts + 600_000_000)])),
            Value::string("say \"hi\"\n"),
            Value::Long(1057),
            Value::double(-0.5),
            Value::Boolean(true),
            Value::Binary(Arc::from(&b"Man"[..])),
            Value::Date(16_489),
        ];
        assert_eq!(
            row_to_json(&schema, &row, Zone::Utc),
            r#"{"window":{"start":"2015-02-23 10:10:00","end":"2015-02-23 10:20:00"},"gt":"say \"hi\"\n","count":1057,"x":-0.5,"ok":true,"b":"TWFu","d":"2015-02-23"}"#
        );
        let iv = Schema::default().with("delay", DataType::Interval);
        assert_eq!(
            row_to_json(&iv, &[Value::Interval(1_800_000_000)], Zone::Utc),
            r#"{"delay":"INTERVAL '0 00:30:00' DAY TO SECOND"}"#
        );
        assert_eq!(
            value_to_string(&Value::Interval(-500_000), Zone::Utc),
            "INTERVAL '-0 00:00:00.5' DAY TO SECOND"
        );
        let small = Schema::default()
            .with("a", DataType::Double)
            .with("b", DataType::Double)
            .with("c", DataType::Int);
        let cases: Vec<(Row, &str)> = vec![
            (
                vec![Value::double(f64::NAN), Value::double(f64::INFINITY), Value::Null],
                r#"{"a":"NaN","b":"Infinity","c":null}"#,
            ),
            (
                vec![Value::double(1e-4), Value::double(1e7), Value::Int(-3)],
                r#"{"a":1.0E-4,"b":1.0E7,"c":-3}"#,
            ),
            (vec![Value::double(f64::NEG_INFINITY)], r#"{"a":"-Infinity","b":null,"c":null}"#),
        ];
        for (row, want) in cases {
            let text = row_to_json(&small, &row, Zone::Utc);
            assert_eq!(text, want);
            serde_json::from_str::<serde_json::Value>(&text).expect("valid JSON");
        }
    }

    #[test]
    fn base64_pads_like_the_standard_encoder() {
        let cases: &[(&[u8], &str)] = &[
            (b"", ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (&[0xff, 0xfe], "//4="),
        ];
        for (bytes, text) in cases {
            assert_eq!(base64(bytes), *text);
        }
    }
}
