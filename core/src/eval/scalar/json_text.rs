//! Functions over JSON text: `json_array_length` and `json_object_keys` (the outermost
//! array's length, the outermost object's keys in document order; NULL for anything else,
//! malformed text included), and `elt`, the n-th of its arguments.

use super::*;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

pub(super) const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        name: "json_array_length",
        aliases: &[],
        arity: (1, 1),
        signature: |call, b| Signature::new(vec![json_text_arg(call, b)?], DataType::Int),
        eval: Eval::Strict(|v, _| {
            Ok(outermost(text(&v[0]), |d| d.deserialize_seq(Count))
                .map_or(Value::Null, |n| Value::Int(n as i32)))
        }),
    },
    ScalarFunction {
        name: "json_object_keys",
        aliases: &[],
        arity: (1, 1),
        signature: |call, b| {
            Signature::new(vec![json_text_arg(call, b)?], DataType::Array(Box::new(DataType::String)))
        },
        eval: Eval::Strict(|v, _| {
            Ok(outermost(text(&v[0]), |d| d.deserialize_map(Keys)).map_or(Value::Null, |keys| {
                Value::Array(keys.into_iter().map(|k| Value::string(&k)).collect::<Vec<_>>().into())
            }))
        }),
    },
    ScalarFunction {
        name: "get_json_object",
        aliases: &[],
        arity: (2, 2),
        // Spark's `GetJsonObject`: the value at a JSON path (`$`, `.name`, `['name']`, `[n]`,
        // `[*]`), a string's text or an object's or array's JSON; NULL for malformed text,
        // an invalid path or no match.
        signature: |call, b| {
            let mut it = b.into_iter();
            let json = json_text_arg(call, vec![it.next().expect("arity")])?;
            let path = string_arg(it.next().expect("arity"));
            Signature::new(vec![json, path], DataType::String)
        },
        eval: Eval::Strict(|v, _| {
            let (Some(steps), Ok(json)) =
                (json_path(text(&v[1])), serde_json::from_str::<serde_json::Value>(text(&v[0])))
            else {
                return Ok(Value::Null);
            };
            let mut found = vec![&json];
            let mut wildcard = false;
            for step in &steps {
                found = found
                    .into_iter()
                    .flat_map(|j| -> Vec<&serde_json::Value> {
                        match (step, j) {
                            (PathStep::Key(k), serde_json::Value::Object(o)) => {
                                o.get(k).into_iter().collect()
                            }
                            (PathStep::Index(i), serde_json::Value::Array(a)) => {
                                a.get(*i).into_iter().collect()
                            }
                            (PathStep::All, serde_json::Value::Array(a)) => a.iter().collect(),
                            _ => Vec::new(),
                        }
                    })
                    .collect();
                wildcard |= matches!(step, PathStep::All);
            }
            Ok(match (wildcard, found.as_slice()) {
                (_, []) => Value::Null,
                // A wildcard last gives the array of its matches; one inside gives the
                // single match itself, or the array of several.
                (false, [one]) => crate::plan::json_text(one),
                (true, [one]) if !matches!(steps.last(), Some(PathStep::All)) => crate::plan::json_text(one),
                (_, many) => Value::string(
                    &serde_json::Value::Array(many.iter().map(|j| (*j).clone()).collect()).to_string(),
                ),
            })
        }),
    },
    ScalarFunction {
        name: "elt",
        aliases: &[],
        arity: (2, usize::MAX),
        // Spark's `Elt` under ANSI: the n-th value (from 1) as a string (binaries stay binary
        // when all are), an index out of range an error.
        signature: |call, b| {
            let mut it = b.into_iter();
            let n = call.int(it.next().expect("arity"))?;
            let values: Vec<BoundExpr> = it.collect();
            if values.iter().all(|v| v.data_type == DataType::Binary) {
                return Signature::new(std::iter::once(n).chain(values).collect(), DataType::Binary);
            }
            Signature::new(
                std::iter::once(n).chain(values.into_iter().map(string_arg)).collect(),
                DataType::String,
            )
        },
        eval: Eval::Lazy(|args, row, _| {
            let n = args[0].eval(row)?;
            if n.is_null() {
                return Ok(Value::Null);
            }
            let n = int(&n);
            let count = args.len() - 1;
            match usize::try_from(n).ok().filter(|&i| (1..=count).contains(&i)) {
                Some(i) => args[i].eval(row),
                None => Err(SluiceError::exec(format!(
                    "[INVALID_ARRAY_INDEX] The index {n} is out of bounds. The array has {count} elements. Use the SQL function `get()` to tolerate accessing element at invalid index and return NULL instead. SQLSTATE: 22003"
                ))),
            }
        }),
    },
];

/// The JSON text argument: a string (NULL too); another type is Spark's
/// `UNEXPECTED_INPUT_TYPE`, not a cast.
fn json_text_arg(call: &Call<'_>, bound: Vec<BoundExpr>) -> Result<BoundExpr> {
    let b = bound.into_iter().next().expect("arity");
    match b.data_type {
        DataType::String | DataType::Null => Ok(coerce(b, &DataType::String)),
        ref t => Err(SluiceError::analysis(format!(
            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{}\" due to data type mismatch: the first parameter requires the \"STRING\" type, however it has the type \"{}\".",
            call.expr.sql_name(),
            type_sql(t)
        ))),
    }
}

/// What `read` makes of the text's first JSON value, or `None` when it is not that (or not JSON).
fn outermost<T>(
    text: &str,
    read: impl FnOnce(&mut serde_json::Deserializer<serde_json::de::StrRead<'_>>) -> serde_json::Result<T>,
) -> Option<T> {
    // As Spark's Jackson parser, the first value is read and what follows it is not.
    read(&mut serde_json::Deserializer::from_str(text)).ok()
}

/// An array's length, its elements skipped.
struct Count;

impl<'de> Visitor<'de> for Count {
    type Value = usize;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<usize, A::Error> {
        let mut n = 0;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            n += 1;
        }
        Ok(n)
    }
}

/// An object's keys in document order, its values skipped.
struct Keys;

impl<'de> Visitor<'de> for Keys {
    type Value = Vec<String>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Vec<String>, A::Error> {
        let mut keys = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            map.next_value::<IgnoredAny>()?;
            keys.push(k);
        }
        Ok(keys)
    }
}

/// One step of a JSON path.
#[derive(Debug, PartialEq)]
enum PathStep {
    /// `.name` or `['name']`.
    Key(String),
    /// `[n]`.
    Index(usize),
    /// `[*]`.
    All,
}

/// The steps of a JSON path as Spark's `get_json_object` reads it (`$.a['b'][0][*]`), or
/// `None` when it is not one.
fn json_path(path: &str) -> Option<Vec<PathStep>> {
    let mut rest = path.strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let name = &after[..end];
            if name.is_empty() {
                return None;
            }
            steps.push(if name == "*" { PathStep::All } else { PathStep::Key(name.to_string()) });
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix("['") {
            let end = after.find("']")?;
            steps.push(PathStep::Key(after[..end].to_string()));
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inside = after[..end].trim();
            steps.push(if inside == "*" { PathStep::All } else { PathStep::Index(inside.parse().ok()?) });
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths_read_as_spark_writes_them() {
        assert_eq!(json_path("$"), Some(vec![]));
        assert_eq!(
            json_path("$.a['b c'][2][*]"),
            Some(vec![
                PathStep::Key("a".into()),
                PathStep::Key("b c".into()),
                PathStep::Index(2),
                PathStep::All
            ])
        );
        assert_eq!(json_path("a.b"), None, "a path starts at $");
        assert_eq!(json_path("$..a"), None);
        assert_eq!(json_path("$[x]"), None);
    }
}
