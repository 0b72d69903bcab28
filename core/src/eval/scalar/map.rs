//! Map basics: `map`, `map_from_arrays`, `map_from_entries`, `str_to_map`, `map_keys`,
//! `map_values`, `map_entries`, `map_contains_key`, `map_concat`. Lookups (`m[k]`,
//! `element_at`, `get`) and `size` take maps in `collection.rs`.
//!
//! Keys are distinct and never NULL: as Spark's default `spark.sql.mapKeyDedupPolicy`
//! (EXCEPTION), a repeated key is `[DUPLICATED_MAP_KEY]` and a NULL one `[NULL_MAP_KEY]`.

use super::collection::items;
use super::*;

/// The map functions, one entry each.
pub(super) const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        name: "map",
        aliases: &[],
        arity: (0, usize::MAX),
        signature: |call, b| {
            if b.len() % 2 == 1 {
                return Err(SluiceError::analysis(format!(
                    "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `map` requires 2n (n > 0) parameters but the actual number is {}.",
                    b.len()
                )));
            }
            let (keys, values): (Vec<_>, Vec<_>) = b.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
            let (keys, kt) = call.common(keys.into_iter().map(|(_, k)| k).collect())?;
            let (values, vt) = call.common(values.into_iter().map(|(_, v)| v).collect())?;
            let mut args = Vec::new();
            for (k, v) in keys.into_iter().zip(values) {
                args.push(k);
                args.push(v);
            }
            Signature::new(args, DataType::Map(Box::new(kt), Box::new(vt)))
        },
        eval: Eval::Lazy(|args, row, _| {
            let mut entries = Vec::with_capacity(args.len() / 2);
            for pair in args.chunks(2) {
                entries.push((pair[0].eval(row)?, pair[1].eval(row)?));
            }
            make_map(entries)
        }),
    },
    ScalarFunction {
        name: "map_from_arrays",
        aliases: &[],
        arity: (2, 2),
        signature: |call, b| {
            let mut it = b.into_iter();
            let (keys, values) = (it.next().expect("arity"), it.next().expect("arity"));
            let (DataType::Array(kt), DataType::Array(vt)) = (&keys.data_type, &values.data_type) else {
                return Err(call.mismatch("the arguments must be two arrays".into()));
            };
            let t = DataType::Map(kt.clone(), vt.clone());
            Signature::new(vec![keys, values], t)
        },
        eval: Eval::Strict(|v, _| {
            let (keys, values) = (items(&v[0]), items(&v[1]));
            if keys.len() != values.len() {
                return Err(SluiceError::exec(
                    "[MAP_FROM_ARRAYS_LENGTH_MISMATCH] The key array and the value array of map_from_arrays() must have the same length.",
                ));
            }
            make_map(keys.iter().cloned().zip(values.iter().cloned()).collect())
        }),
    },
    ScalarFunction {
        name: "map_from_entries",
        aliases: &[],
        arity: (1, 1),
        signature: |call, b| {
            let a = b.into_iter().next().expect("arity");
            let t = match &a.data_type {
                DataType::Array(e) => match e.as_ref() {
                    DataType::Struct(fields) if fields.len() == 2 => DataType::Map(
                        Box::new(fields[0].data_type.clone()),
                        Box::new(fields[1].data_type.clone()),
                    ),
                    _ => {
                        return Err(call.mismatch("the argument must be an array of two-field structs".into()))
                    }
                },
                _ => return Err(call.mismatch("the argument must be an array of two-field structs".into())),
            };
            Signature::new(vec![a], t)
        },
        eval: Eval::Strict(|v, _| {
            let mut entries = Vec::new();
            for e in items(&v[0]) {
                match e {
                    Value::Struct(kv) if kv.len() == 2 => entries.push((kv[0].clone(), kv[1].clone())),
                    _ => return Ok(Value::Null),
                }
            }
            make_map(entries)
        }),
    },
    ScalarFunction {
        name: "str_to_map",
        aliases: &[],
        arity: (1, 3),
        signature: |_, b| {
            strings_to(b, DataType::Map(Box::new(DataType::String), Box::new(DataType::String)))
        },
        // Pairs split by `,` (or the second argument), key and value by `:` (or the third).
        eval: Eval::Strict(|v, _| {
            let text = v[0].as_str().unwrap_or_default();
            let pairs = v.get(1).and_then(Value::as_str).unwrap_or(",");
            let kv = v.get(2).and_then(Value::as_str).unwrap_or(":");
            let mut entries = Vec::new();
            for pair in text.split(pairs) {
                let (k, val) = match pair.split_once(kv) {
                    Some((k, val)) => (Value::string(k), Value::string(val)),
                    None => (Value::string(pair), Value::Null),
                };
                entries.push((k, val));
            }
            make_map(entries)
        }),
    },
    ScalarFunction {
        name: "map_keys",
        aliases: &[],
        arity: (1, 1),
        signature: |call, b| map_to(call, b, |k, _| DataType::Array(Box::new(k.clone()))),
        eval: Eval::Strict(|v, _| Ok(Value::Array(entries(&v[0]).iter().map(|e| e.0.clone()).collect()))),
    },
    ScalarFunction {
        name: "map_values",
        aliases: &[],
        arity: (1, 1),
        signature: |call, b| map_to(call, b, |_, v| DataType::Array(Box::new(v.clone()))),
        eval: Eval::Strict(|v, _| Ok(Value::Array(entries(&v[0]).iter().map(|e| e.1.clone()).collect()))),
    },
    ScalarFunction {
        name: "map_entries",
        aliases: &[],
        arity: (1, 1),
        signature: |call, b| {
            map_to(call, b, |k, v| {
                DataType::Array(Box::new(DataType::Struct(vec![
                    Field { name: "key".into(), data_type: k.clone(), nullable: false },
                    Field::new("value", v.clone()),
                ])))
            })
        },
        eval: Eval::Strict(|v, _| {
            Ok(Value::Array(
                entries(&v[0])
                    .iter()
                    .map(|(k, v)| Value::Struct(vec![k.clone(), v.clone()].into()))
                    .collect(),
            ))
        }),
    },
    ScalarFunction {
        name: "map_contains_key",
        aliases: &[],
        arity: (2, 2),
        signature: |call, b| {
            let mut it = b.into_iter();
            let m = it.next().expect("arity");
            let DataType::Map(kt, _) = &m.data_type else {
                return Err(call.mismatch("the first argument must be a map".into()));
            };
            let key = coerce(it.next().expect("arity"), kt);
            Signature::new(vec![m, key], DataType::Boolean)
        },
        eval: Eval::Strict(|v, _| Ok(Value::Boolean(entries(&v[0]).iter().any(|(k, _)| *k == v[1])))),
    },
    ScalarFunction {
        name: "map_concat",
        aliases: &[],
        arity: (0, usize::MAX),
        signature: |call, b| {
            if let Some(a) = b.iter().find(|a| !matches!(a.data_type, DataType::Map(..))) {
                return Err(SluiceError::analysis(format!(
                    "[DATATYPE_MISMATCH.MAP_CONCAT_DIFF_TYPES] Cannot resolve \"{}\" due to data type mismatch: The `map_concat` should all be of type map, but it's \"{}\".",
                    call.expr.output_name(),
                    type_sql(&a.data_type)
                )));
            }
            if b.is_empty() {
                let t = DataType::Map(Box::new(DataType::String), Box::new(DataType::String));
                return Signature::new(b, t);
            }
            let (args, t) = call.common(b)?;
            Signature::new(args, t)
        },
        eval: Eval::Strict(|v, _| make_map(v.iter().flat_map(|m| entries(m).iter().cloned()).collect())),
    },
];

/// A map argument's `(key, value)` types through `to` for the result type.
fn map_to(call: &Call<'_>, b: Vec<BoundExpr>, to: fn(&DataType, &DataType) -> DataType) -> Result<Signature> {
    let m = b.into_iter().next().expect("arity");
    let t = match &m.data_type {
        DataType::Map(k, v) => to(k, v),
        DataType::Null => to(&DataType::Null, &DataType::Null),
        t => return Err(call.mismatch(format!("the argument must be a map, not \"{}\"", type_sql(t)))),
    };
    Signature::new(vec![m], t)
}

/// The entries of a map value (none for anything else).
pub(crate) fn entries(v: &Value) -> &[(Value, Value)] {
    match v {
        Value::Map(e) => e,
        _ => &[],
    }
}

/// A map of `entries`, refusing NULL and repeated keys as Spark does by default.
pub(crate) fn make_map(entries: Vec<(Value, Value)>) -> Result<Value> {
    for (i, (k, _)) in entries.iter().enumerate() {
        if k.is_null() {
            return Err(SluiceError::exec("[NULL_MAP_KEY] Cannot use null as map key. SQLSTATE: 2200E"));
        }
        if entries[..i].iter().any(|(p, _)| p == k) {
            return Err(SluiceError::exec(format!(
                "[DUPLICATED_MAP_KEY] Duplicate map key {} was found, please check the input data. If you want to remove the duplicated keys, you can set \"spark.sql.mapKeyDedupPolicy\" to \"LAST_WIN\" so that the key inserted at last takes precedence. SQLSTATE: 23505",
                crate::format::display_value(k)
            )));
        }
    }
    Ok(Value::Map(entries.into()))
}
