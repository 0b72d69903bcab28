//! Array basics: `array`, `size` (alias `cardinality`), `array_contains`, `element_at`.

use super::*;

/// The array functions, one entry each.
pub(super) const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        name: "array",
        aliases: &[],
        arity: (0, usize::MAX),
        // The elements in their common type (`array()` is `array<void>`).
        signature: |call, b| {
            let (args, t) = call.common(b)?;
            Signature::new(args, DataType::Array(Box::new(t)))
        },
        eval: Eval::Lazy(|args, row, _| {
            let items = args.iter().map(|a| a.eval(row)).collect::<Result<Vec<_>>>()?;
            Ok(Value::Array(items.into()))
        }),
    },
    ScalarFunction {
        name: "size",
        aliases: &["cardinality"],
        arity: (1, 1),
        signature: |call, b| {
            let a = b.into_iter().next().expect("arity");
            let a = if matches!(a.data_type, DataType::Map(..)) { a } else { array_arg(call, a, "first")? };
            Signature::new(vec![a], DataType::Int)
        },
        // NULL for NULL (Spark 4 under ANSI; -1 only with the legacy sizeOfNull).
        eval: Eval::Strict(|v, _| {
            let n = match &v[0] {
                Value::Map(entries) => entries.len(),
                other => items(other).len(),
            };
            Ok(Value::Int(n as i32))
        }),
    },
    ScalarFunction {
        name: "array_contains",
        aliases: &[],
        arity: (2, 2),
        signature: |call, b| {
            let mut it = b.into_iter();
            let array = array_arg(call, it.next().expect("arity"), "first")?;
            let value = it.next().expect("arity");
            if value.data_type == DataType::Null {
                return Err(SluiceError::analysis(format!(
                    "[DATATYPE_MISMATCH.NULL_TYPE] Cannot resolve \"{}\" due to data type mismatch: Null typed values cannot be used as arguments of `array_contains`.",
                    call.expr.output_name()
                )));
            }
            // Compared in the elements' and the value's common type, as Spark does: an
            // `array<int>` holds 2.0 but not 2.5.
            let element = match &array.data_type {
                DataType::Array(element) => (**element).clone(),
                _ => DataType::Null,
            };
            let t = common_of([&element, &value.data_type].into_iter()).ok_or_else(|| {
                call.mismatch(format!(
                    "Input to `array_contains` should have been \"ARRAY\" followed by a value with same element type, but it's [\"{}\", \"{}\"]",
                    type_sql(&array.data_type),
                    type_sql(&value.data_type)
                ))
            })?;
            Signature::new(vec![array, coerce(value, &t)], DataType::Boolean)
        },
        // True when an element equals the value (an element of another type cast to the
        // value's first); else NULL if an element is NULL, else false.
        eval: Eval::Strict(|v, _| {
            let items = items(&v[0]);
            let t = v[1].data_type();
            let equal = |e: &Value| {
                if e.data_type() == t {
                    *e == v[1]
                } else {
                    cast_value(e, &t).is_ok_and(|e| e == v[1])
                }
            };
            Ok(if items.iter().any(|e| !e.is_null() && equal(e)) {
                Value::Boolean(true)
            } else if items.iter().any(Value::is_null) {
                Value::Null
            } else {
                Value::Boolean(false)
            })
        }),
    },
    ScalarFunction {
        name: crate::sql::ARRAY_SUBSCRIPT,
        aliases: &[],
        arity: (2, 2),
        signature: element_signature,
        eval: Eval::Strict(|v, _| {
            if let Value::Map(_) = &v[0] {
                return Ok(map_lookup(&v[0], &v[1]));
            }
            let items = items(&v[0]);
            let i = int(&v[1]);
            zero_based(items, i).cloned().ok_or_else(|| {
                SluiceError::exec(format!(
                    "[INVALID_ARRAY_INDEX] The index {i} is out of bounds. The array has {} elements. Use the SQL function `get()` to tolerate accessing element at invalid index and return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error. SQLSTATE: 22003",
                    items.len()
                ))
            })
        }),
    },
    // `get(xs, i)`: the element at 0-based `i`, NULL past either end.
    ScalarFunction {
        name: "get",
        aliases: &[],
        arity: (2, 2),
        signature: element_signature,
        eval: Eval::Strict(|v, _| Ok(zero_based(items(&v[0]), int(&v[1])).cloned().unwrap_or(Value::Null))),
    },
    ScalarFunction {
        name: "element_at",
        aliases: &[],
        arity: (2, 2),
        signature: element_signature,
        // 1-based; negative counts from the end. Index 0 and an index past either end are
        // Spark's ANSI errors. A map's missing key is NULL.
        eval: Eval::Strict(|v, _| element_at(v)),
    },
    ScalarFunction {
        name: "try_element_at",
        aliases: &[],
        arity: (2, 2),
        signature: element_signature,
        eval: Eval::Strict(|v, _| Ok(element_at(v).unwrap_or(Value::Null))),
    },
];

/// `element_at(array, i)` (1-based) or `element_at(map, key)`.
fn element_at(v: &[Value]) -> Result<Value> {
    if let Value::Map(_) = &v[0] {
        return Ok(map_lookup(&v[0], &v[1]));
    }
    let items = items(&v[0]);
    let i = int(&v[1]);
    if i == 0 {
        return Err(SluiceError::exec(
            "[INVALID_INDEX_OF_ZERO] The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1). SQLSTATE: 22003",
        ));
    }
    let at = if i > 0 { i - 1 } else { items.len() as i64 + i };
    usize::try_from(at).ok().and_then(|at| items.get(at)).cloned().ok_or_else(|| {
        SluiceError::exec(format!(
            "[INVALID_ARRAY_INDEX_IN_ELEMENT_AT] The index {i} is out of bounds. The array has {} elements. Use `try_element_at` to tolerate accessing element at invalid index and return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error. SQLSTATE: 22003",
            items.len()
        ))
    })
}

/// The value of `key` in map `m`, NULL when it has none.
fn map_lookup(m: &Value, key: &Value) -> Value {
    super::map::entries(m).iter().find(|(k, _)| k == key).map_or(Value::Null, |(_, v)| v.clone())
}

/// An array and an int index, to the array's element type; or a map and a key (cast to
/// the map's key type), to its value type.
fn element_signature(call: &Call<'_>, b: Vec<BoundExpr>) -> Result<Signature> {
    if let (Some(DataType::Map(kt, vt)), false) = (b.first().map(|m| &m.data_type), call.name == "get") {
        let (kt, vt) = ((**kt).clone(), (**vt).clone());
        let mut it = b.into_iter();
        let m = it.next().expect("arity");
        let key = coerce(it.next().expect("arity"), &kt);
        return Signature::new(vec![m, key], vt);
    }
    let mut it = b.into_iter();
    let array = array_arg(call, it.next().expect("arity"), "first")?;
    let index = call.int(it.next().expect("arity"))?;
    let t = match &array.data_type {
        DataType::Array(element) => (**element).clone(),
        _ => DataType::Null,
    };
    Signature::new(vec![array, index], t)
}

fn zero_based(items: &[Value], i: i64) -> Option<&Value> {
    usize::try_from(i).ok().and_then(|i| items.get(i))
}

/// An array argument (NULL is an array of NULLs' type), or Spark's type mismatch.
fn array_arg(call: &Call<'_>, b: BoundExpr, which: &str) -> Result<BoundExpr> {
    match &b.data_type {
        DataType::Array(_) => Ok(b),
        DataType::Null => Ok(coerce(b, &DataType::Array(Box::new(DataType::Null)))),
        t => Err(call.mismatch(format!(
            "the {which} argument requires \"ARRAY\" type, however it has type \"{}\"",
            type_sql(t)
        ))),
    }
}

/// The elements of an array value (none for anything else).
pub(super) fn items(v: &Value) -> &[Value] {
    match v {
        Value::Array(items) => items,
        _ => &[],
    }
}
