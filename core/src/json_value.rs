//! `from_json` and `to_json`: JSON text to typed values by a schema and back, as Spark's
//! `JacksonParser` / `JacksonGenerator` do it.
//!
//! These are the rules of JSON -> value that the JSON file source's scanner
//! (`sluice-connectors` `file::json`, a one-pass fast path that converts only the projected
//! fields) follows too: `tests/json_rules.rs` holds both, line by line, to Spark 4.3's
//! answers for each (`core/tests/spark/json_rules.py`) and to each other. Field names match
//! exactly (Spark is case-sensitive here); single-quoted strings and the bare tokens `NaN`,
//! `Infinity`, `+Infinity`, `-Infinity` are read (Jackson's `allowSingleQuotes` and
//! `allowNonNumericNumbers`, Spark's defaults); non-finite doubles are spelled as
//! `double_text` lists them; a timestamp may be a number of seconds
//! ([`timestamp_from_seconds`], wrapping as Spark's); an array with an element that does not
//! fit is NULL; any other value that does not fit its type is NULL. One difference is
//! Spark's own: a non-string value in a string field is its JSON text, re-serialized
//! compactly by `from_json` (`{"k":2}`, `1.5`) but kept as written by the file source
//! (`{"k":  2}`, `1.50`).

use crate::time::{TimeFormats, Zone};
use crate::types::{DataType, Field, Value};
use std::sync::Arc;

/// Parses `text` as a JSON object of `fields` (`from_json` in PERMISSIVE mode): a field
/// that is missing or does not fit its type is NULL, and text that is not a JSON object
/// gives a struct of NULLs (Spark 3+, `Row(null, ...)`).
pub fn parse_struct(text: &str, fields: &[Field]) -> Value {
    parse_struct_with(text, fields, &TimeFormats::default())
}

/// One JSON value's text (an object or array) as `data_type`; NULL when it does not fit.
pub fn parse_value_in(text: &str, data_type: &DataType, zone: Zone) -> Value {
    parse_value_with(text, data_type, &TimeFormats::in_zone(zone))
}

/// [`parse_value_in`] with the `from_json` options' time formats.
pub fn parse_value_with(text: &str, data_type: &DataType, formats: &TimeFormats) -> Value {
    let exact = has_decimal(data_type);
    let parsed = match (exact, serde_json::from_str::<serde_json::Value>(text)) {
        (false, Ok(v)) => Ok((v, false)),
        _ => serde_json::from_str::<serde_json::Value>(&spark_json_to_strict(text, exact)).map(|v| (v, true)),
    };
    match parsed {
        Ok((v, bare_tokens)) => convert(&v, data_type, bare_tokens, formats),
        Err(_) => Value::Null,
    }
}

/// [`parse_struct`] with the `from_json` options' time formats (and zone: zone-less
/// timestamp text is local time there).
pub fn parse_struct_with(text: &str, fields: &[Field], formats: &TimeFormats) -> Value {
    // serde_json holds a fractional number as a double: a decimal field must see the
    // number's own text, so with one in the schema every number is marked as its text.
    let exact = fields.iter().any(|f| has_decimal(&f.data_type));
    let parsed = match (exact, serde_json::from_str::<serde_json::Value>(text)) {
        (false, Ok(v)) => Ok((v, false)),
        _ => serde_json::from_str::<serde_json::Value>(&spark_json_to_strict(text, exact)).map(|v| (v, true)),
    };
    match parsed {
        Ok((serde_json::Value::Object(map), bare_tokens)) => {
            object_to_struct(&map, fields, bare_tokens, formats)
        }
        _ => Value::Struct(vec![Value::Null; fields.len()].into()),
    }
}

fn has_decimal(t: &DataType) -> bool {
    match t {
        DataType::Decimal(..) => true,
        DataType::Struct(fields) => fields.iter().any(|f| has_decimal(&f.data_type)),
        DataType::Array(element) => has_decimal(element),
        DataType::Map(k, v) => has_decimal(k) || has_decimal(v),
        _ => false,
    }
}

/// A timestamp given as a number: seconds since the epoch, in microseconds. Spark
/// multiplies without an overflow check (Java's `long` arithmetic wraps), and so does this.
pub fn timestamp_from_seconds(seconds: i64) -> i64 {
    seconds.wrapping_mul(1_000_000)
}

/// Marks a bare non-finite token rewritten by [`spark_json_to_strict`] (a string starting
/// with this character, which no JSON text can hold unescaped).
const BARE: char = '\u{1}';

/// Spark's JSON reader (Jackson with `allowSingleQuotes` and `allowNonNumericNumbers`, its
/// defaults) also reads single-quoted strings and the bare tokens `NaN`, `Infinity`,
/// `+Infinity`, `-Infinity`. This rewrites such text as strict JSON for `serde_json`: a
/// single-quoted string double-quoted, a bare token as a string marked with [`BARE`]. With
/// `numbers`, every number is also written as its text marked with [`BARE`].
fn spark_json_to_strict(text: &str, numbers: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\'' => {
                out.push('"');
                let mut escaped = false;
                for (_, d) in chars.by_ref() {
                    if escaped {
                        // `\'` is a quote inside a single-quoted string; JSON does not need the escape.
                        if d != '\'' {
                            out.push('\\');
                        }
                        out.push(d);
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == c {
                        break;
                    } else if d == '"' {
                        out.push_str("\\\"");
                    } else {
                        out.push(d);
                    }
                }
                out.push('"');
            }
            'N' | 'I' | '+' | '-' => {
                let rest = &text[i..];
                match ["NaN", "Infinity", "+Infinity", "-Infinity"].iter().find(|t| rest.starts_with(**t)) {
                    Some(token) => {
                        // Escaped: JSON strings hold no raw control characters.
                        out.push_str("\"\\u0001");
                        out.push_str(token);
                        out.push('"');
                        for _ in 1..token.len() {
                            chars.next();
                        }
                    }
                    None if numbers && c == '-' => number_token(text, i, &mut chars, &mut out),
                    None => out.push(c),
                }
            }
            '0'..='9' if numbers => number_token(text, i, &mut chars, &mut out),
            _ => out.push(c),
        }
    }
    out
}

/// Writes the number starting at `start` (its first character already taken from `chars`)
/// as a string of its text marked with [`BARE`].
fn number_token(
    text: &str,
    start: usize,
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    out: &mut String,
) {
    let mut end = start + 1;
    while let Some(&(j, d)) = chars.peek() {
        if !(d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E' | '+' | '-')) {
            break;
        }
        end = j + 1;
        chars.next();
    }
    out.push_str("\"\\u0001");
    out.push_str(&text[start..end]);
    out.push('"');
}

/// `bare_tokens`: the text was rewritten by [`spark_json_to_strict`], so a string marked
/// with [`BARE`] is a bare non-finite number.
fn object_to_struct(
    map: &serde_json::Map<String, serde_json::Value>,
    fields: &[Field],
    bare_tokens: bool,
    formats: &TimeFormats,
) -> Value {
    let values: Vec<Value> = fields
        .iter()
        .map(|f| map.get(&f.name).map_or(Value::Null, |v| convert(v, &f.data_type, bare_tokens, formats)))
        .collect();
    Value::Struct(values.into())
}

/// One JSON value as `data_type`; NULL when it does not fit.
fn convert(v: &serde_json::Value, data_type: &DataType, bare_tokens: bool, formats: &TimeFormats) -> Value {
    use serde_json::Value as J;
    match (v, data_type) {
        (J::Null, _) => Value::Null,
        // A bare `NaN` / `Infinity` token (see `spark_json_to_strict`): a number.
        (J::String(s), _) if bare_tokens && s.starts_with(BARE) => {
            let token = &s[BARE.len_utf8()..];
            if let Ok(n @ J::Number(_)) = serde_json::from_str::<serde_json::Value>(token) {
                // A number's own text: exact for a decimal, as the number it is otherwise.
                return match data_type {
                    DataType::Decimal(p, sc) => crate::decimal::Decimal::parse(token)
                        .and_then(|d| d.to_type(*p, *sc).ok())
                        .map_or(Value::Null, Value::Decimal),
                    DataType::String => Value::String(Arc::from(token)),
                    _ => convert(&n, data_type, false, formats),
                };
            }
            match data_type {
                DataType::Double => {
                    crate::double_text::json_non_finite(token.as_bytes()).map_or(Value::Null, Value::double)
                }
                DataType::String => Value::String(Arc::from(token)),
                _ => Value::Null,
            }
        }
        (J::String(s), DataType::String) => Value::String(Arc::from(s.as_str())),
        // Spark keeps any other token's JSON text in a string field.
        (other, DataType::String) => Value::String(Arc::from(other.to_string().as_str())),
        (J::Bool(b), DataType::Boolean) => Value::Boolean(*b),
        (J::Number(n), DataType::Int | DataType::Short | DataType::Byte) => n
            .as_i64()
            .and_then(|i| i32::try_from(i).ok())
            .and_then(|i| Value::Int(i).into_narrow(data_type))
            .unwrap_or(Value::Null),
        (J::Number(n), DataType::Long) => n.as_i64().map_or(Value::Null, Value::Long),
        (J::Number(n), DataType::Double) => n.as_f64().map_or(Value::Null, Value::double),
        (J::String(s), DataType::Decimal(p, sc)) => crate::decimal::Decimal::parse(s)
            .and_then(|d| d.to_type(*p, *sc).ok())
            .map_or(Value::Null, Value::Decimal),
        (J::String(s), DataType::Double) => {
            crate::double_text::json_non_finite(s.as_bytes()).map_or(Value::Null, Value::double)
        }
        (J::String(s), DataType::Time(_)) => formats.time(s).map_or(Value::Null, Value::Time),
        (J::String(s), DataType::Timestamp) => {
            formats.timestamp(s.trim()).map_or(Value::Null, Value::Timestamp)
        }
        (J::Number(n), DataType::Timestamp) => {
            // Seconds since the epoch.
            n.as_i64().map_or(Value::Null, |s| Value::Timestamp(timestamp_from_seconds(s)))
        }
        (J::String(s), DataType::Date) => formats.date(s.trim()).map_or(Value::Null, Value::Date),
        (J::String(s), DataType::Binary) => Value::Binary(Arc::from(s.as_bytes())),
        (J::Object(map), DataType::Struct(fields)) => object_to_struct(map, fields, bare_tokens, formats),
        // Keys in the document's order, read as the key type; a key or value that does not
        // fit makes the whole map NULL (as an array's element does).
        (J::Object(map), DataType::Map(kt, vt)) => {
            let mut entries = Vec::with_capacity(map.len());
            for (k, v) in map {
                let Ok(key) = crate::eval::cast_value(&Value::String(Arc::from(k.as_str())), kt) else {
                    return Value::Null;
                };
                let value = convert(v, vt, bare_tokens, formats);
                if value.is_null() && !v.is_null() {
                    return Value::Null;
                }
                entries.push((key, value));
            }
            Value::Map(entries.into())
        }
        (J::Array(items), DataType::Array(element)) => {
            // An element that does not fit makes the whole array NULL, as in Spark.
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let v = convert(item, element, bare_tokens, formats);
                if v.is_null() && !item.is_null() {
                    return Value::Null;
                }
                out.push(v);
            }
            Value::Array(out.into())
        }
        _ => Value::Null,
    }
}

/// `to_json(v)`: a struct as a JSON object (null fields left out, as Spark does), an
/// array as a JSON array.
pub fn to_json(v: &Value, data_type: &DataType) -> String {
    to_json_with(v, data_type, &TimeFormats::default())
}

/// [`to_json`] with the `to_json` options' time formats (and zone).
pub fn to_json_with(v: &Value, data_type: &DataType, formats: &TimeFormats) -> String {
    let stripped = strip_null_fields(v, data_type);
    crate::format::value_to_json_with(&stripped.0, &stripped.1, formats)
}

/// Spark's generator skips null struct fields (`ignoreNullFields` defaults to true).
fn strip_null_fields(v: &Value, data_type: &DataType) -> (Value, DataType) {
    match (v, data_type) {
        (Value::Struct(values), DataType::Struct(fields)) => {
            let mut kept_values = Vec::with_capacity(values.len());
            let mut kept_fields = Vec::with_capacity(values.len());
            for (value, field) in values.iter().zip(fields) {
                if value.is_null() {
                    continue;
                }
                let (v, t) = strip_null_fields(value, &field.data_type);
                kept_values.push(v);
                kept_fields.push(Field { data_type: t, ..field.clone() });
            }
            (Value::Struct(kept_values.into()), DataType::Struct(kept_fields))
        }
        (Value::Array(items), DataType::Array(element)) => {
            let items: Vec<Value> = items.iter().map(|i| strip_null_fields(i, element).0).collect();
            (Value::Array(items.into()), data_type.clone())
        }
        _ => (v.clone(), data_type.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_fields_read_the_numbers_own_text() {
        let fields = crate::types::Field::parse_list(
            "a DECIMAL(38,18), b DOUBLE, c BIGINT, d ARRAY<DECIMAL(20,2)>, e STRING",
        )
        .unwrap();
        let text = r#"{"a": 12345678901234567890.123456789012345678, "b": -1.5e3, "c": -7, "d": [0.125, -2], "e": 1.10}"#;
        let Value::Struct(vals) = parse_struct(text, &fields) else { panic!("no struct") };
        assert_eq!(crate::format::display_value(&vals[0]), "12345678901234567890.123456789012345678");
        assert_eq!(vals[1], Value::double(-1500.0));
        assert_eq!(vals[2], Value::Long(-7));
        assert_eq!(crate::format::display_value(&vals[3]), "[0.13, -2.00]");
        assert_eq!(vals[4], Value::string("1.10"));
        // A number past the decimal's precision does not fit: NULL, as a malformed field.
        let Value::Struct(vals) = parse_struct(r#"{"a": 1e30}"#, &fields) else { panic!("no struct") };
        assert_eq!(vals[0], Value::Null);
        let Value::Struct(vals) = parse_struct(r#"{'a': NaN, 'b': NaN}"#, &fields) else {
            panic!("no struct")
        };
        assert_eq!(vals[0], Value::Null);
        assert!(matches!(vals[1], Value::Double(d) if d.0.is_nan()));
    }
    use crate::schema::Schema;

    /// serde_json's default float parsing is off by one ulp for some 17-digit numbers (it was
    /// for about 1 in 13 of Nexmark's averages): `from_json` must read the double the text
    /// names, as Jackson does. The workspace enables serde_json's `float_roundtrip`.
    #[test]
    fn doubles_are_read_correctly_rounded() {
        let fields = Schema::parse_ddl("d DOUBLE").unwrap().fields;
        let wrong: Vec<String> = (1..4000u32)
            .map(|k| format!("{}", f64::from(k) * 24_681.357_913_579_1))
            .filter(|text| {
                parse_struct(&format!("{{\"d\": {text}}}"), &fields)
                    != Value::Struct(vec![Value::double(text.parse().unwrap())].into())
            })
            .collect();
        assert!(wrong.is_empty(), "misread: {wrong:?}");
    }

    #[test]
    fn single_quotes_and_bare_non_finite_numbers_as_spark_reads_them() {
        let schema = Schema::parse_ddl("s STRING, d DOUBLE, e DOUBLE, t STRING").unwrap();
        let v = parse_struct(r#"{'s': 'say "hi"', "d": -Infinity, 'e': NaN, "t": "NaN"}"#, &schema.fields);
        let Value::Struct(vals) = v else { panic!() };
        assert_eq!(vals[0], Value::string("say \"hi\""));
        assert_eq!(vals[1], Value::double(f64::NEG_INFINITY));
        assert!(matches!(vals[2], Value::Double(d) if d.0.is_nan()), "{:?}", vals[2]);
        // A string that reads "NaN" stays a string; a strict document never takes the rewrite.
        assert_eq!(vals[3], Value::string("NaN"));
        assert_eq!(
            parse_struct("{\"s\": \"\\u0001NaN\"}", &schema.fields),
            Value::Struct(vec![Value::string("\u{1}NaN"), Value::Null, Value::Null, Value::Null].into())
        );
        // Not JSON in any reading: a struct of nulls.
        assert_eq!(parse_struct("{'s': }", &schema.fields), Value::Struct(vec![Value::Null; 4].into()));
    }

    #[test]
    fn from_json_types_fields_and_tolerates_bad_input() {
        let schema =
            Schema::parse_ddl("a INT, b STRING, c DOUBLE, t TIMESTAMP, n STRUCT<x: BIGINT>, l ARRAY<INT>")
                .unwrap();
        let v = parse_struct(
            r#"{"a": 1, "b": {"k": 2}, "c": "NaN", "t": "2015-02-23 10:10:00", "n": {"x": 7}, "l": [1, null, 3]}"#,
            &schema.fields,
        );
        let Value::Struct(vals) = v else { panic!("a struct") };
        assert_eq!(vals[0], Value::Int(1));
        assert_eq!(vals[1], Value::string(r#"{"k":2}"#));
        assert!(matches!(vals[2], Value::Double(d) if d.0.is_nan()));
        assert_eq!(vals[3], Value::Timestamp(crate::time::parse_timestamp("2015-02-23 10:10:00").unwrap()));
        assert_eq!(vals[4], Value::Struct(vec![Value::Long(7)].into()));
        assert_eq!(vals[5], Value::Array(vec![Value::Int(1), Value::Null, Value::Int(3)].into()));
        // Not JSON: a struct of nulls, as Spark 3+.
        assert_eq!(parse_struct("{\"a\" 1}", &schema.fields), Value::Struct(vec![Value::Null; 6].into()));
        // A value of the wrong type is NULL; the others stay.
        let Value::Struct(vals) = parse_struct(r#"{"a": "x", "b": "y"}"#, &schema.fields) else { panic!() };
        assert_eq!((&vals[0], &vals[1]), (&Value::Null, &Value::string("y")));
    }

    #[test]
    fn to_json_skips_null_fields_and_round_trips() {
        let schema = Schema::parse_ddl("a INT, b STRING, l ARRAY<STRING>").unwrap();
        let t = DataType::Struct(schema.fields.clone());
        let v = Value::Struct(
            vec![Value::Int(3), Value::Null, Value::Array(vec![Value::string("p"), Value::Null].into())]
                .into(),
        );
        let text = to_json(&v, &t);
        assert_eq!(text, r#"{"a":3,"l":["p",null]}"#);
        let back = parse_struct(&text, &schema.fields);
        assert_eq!(back, v);
    }
}
