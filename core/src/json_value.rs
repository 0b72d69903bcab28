//! `from_json` and `to_json`: JSON text to typed values by a schema and back, as Spark's
//! `JacksonParser` / `JacksonGenerator` do it.
//!
//! These are the rules of JSON -> value that the JSON file source's scanner
//! (`sluice-connectors` `file::json`) follows too, checked against each other and against
//! Spark's answers (`core/tests/spark/json_rules.py`): field names match exactly (Spark is
//! case-sensitive here), non-finite doubles are spelled as `double_text` lists them, a
//! timestamp may be a number of seconds, and a value that does not fit its type is NULL.
//! One difference is Spark's own: a non-string value in a string field is its JSON text,
//! re-serialized compactly by `from_json` (`{"k":2}`, `1.5`) but kept as written by the file
//! source (`{"k":  2}`, `1.50`).

use crate::types::{DataType, Field, Value};
use std::sync::Arc;

/// Parses `text` as a JSON object of `fields` (`from_json` in PERMISSIVE mode): a field
/// that is missing or does not fit its type is NULL, and text that is not a JSON object
/// gives a struct of NULLs (Spark 3+, `Row(null, ...)`).
pub fn parse_struct(text: &str, fields: &[Field]) -> Value {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => object_to_struct(&map, fields),
        _ => Value::Struct(vec![Value::Null; fields.len()].into()),
    }
}

fn object_to_struct(map: &serde_json::Map<String, serde_json::Value>, fields: &[Field]) -> Value {
    let values: Vec<Value> =
        fields.iter().map(|f| map.get(&f.name).map_or(Value::Null, |v| convert(v, &f.data_type))).collect();
    Value::Struct(values.into())
}

/// One JSON value as `data_type`; NULL when it does not fit.
fn convert(v: &serde_json::Value, data_type: &DataType) -> Value {
    use serde_json::Value as J;
    match (v, data_type) {
        (J::Null, _) => Value::Null,
        (J::String(s), DataType::String) => Value::String(Arc::from(s.as_str())),
        // Spark keeps any other token's JSON text in a string field.
        (other, DataType::String) => Value::String(Arc::from(other.to_string().as_str())),
        (J::Bool(b), DataType::Boolean) => Value::Boolean(*b),
        (J::Number(n), DataType::Int) => {
            n.as_i64().and_then(|i| i32::try_from(i).ok()).map_or(Value::Null, Value::Int)
        }
        (J::Number(n), DataType::Long) => n.as_i64().map_or(Value::Null, Value::Long),
        (J::Number(n), DataType::Double) => n.as_f64().map_or(Value::Null, Value::double),
        (J::String(s), DataType::Double) => {
            crate::double_text::json_non_finite(s.as_bytes()).map_or(Value::Null, Value::double)
        }
        (J::String(s), DataType::Timestamp) => {
            crate::time::parse_timestamp(s.trim()).map_or(Value::Null, Value::Timestamp)
        }
        (J::Number(n), DataType::Timestamp) => {
            // Seconds since the epoch; Spark wraps an overflowing product silently, NULL here.
            n.as_i64().and_then(|s| s.checked_mul(1_000_000)).map_or(Value::Null, Value::Timestamp)
        }
        (J::String(s), DataType::Date) => crate::time::parse_date(s.trim()).map_or(Value::Null, Value::Date),
        (J::String(s), DataType::Binary) => Value::Binary(Arc::from(s.as_bytes())),
        (J::Object(map), DataType::Struct(fields)) => object_to_struct(map, fields),
        (J::Array(items), DataType::Array(element)) => {
            // An element that does not fit makes the whole array NULL, as in Spark.
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let v = convert(item, element);
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
    let stripped = strip_null_fields(v, data_type);
    crate::format::value_to_json(&stripped.0, &stripped.1)
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
    use crate::schema::Schema;

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
