//! Conditional functions: `coalesce`, `nvl`, `if`, `nullif`, `nanvl`, `greatest`, `least`.

use super::*;

/// The conditional functions, one entry each.
pub(super) const FUNCTIONS: &[ScalarFunction] =
    &[
        ScalarFunction {
            name: "coalesce",
            aliases: &[],
            arity: (1, usize::MAX),
            signature: common_signature,
            eval: Eval::Lazy(first_non_null),
        },
        ScalarFunction {
            name: "nvl",
            aliases: &["ifnull"],
            arity: (2, 2),
            signature: common_signature,
            eval: Eval::Lazy(first_non_null),
        },
        ScalarFunction {
            name: "nullif",
            aliases: &[],
            arity: (2, 2),
            signature: common_signature,
            eval: Eval::Lazy(|args, row, _| {
                let a = args[0].eval(row)?;
                let b = args[1].eval(row)?;
                Ok(if !a.is_null() && a == b { Value::Null } else { a })
            }),
        },
        ScalarFunction {
            name: "nanvl",
            aliases: &[],
            arity: (2, 2),
            signature: doubles_to_double,
            // The second argument only when the first is NaN (Spark evaluates it lazily).
            eval: Eval::Lazy(|args, row, _| {
                let a = args[0].eval(row)?;
                match &a {
                    Value::Null => Ok(Value::Null),
                    v if double(v).is_nan() => args[1].eval(row),
                    _ => Ok(a),
                }
            }),
        },
        ScalarFunction {
            name: "if",
            aliases: &["iff"],
            arity: (3, 3),
            signature: |call, b| {
                let mut it = b.into_iter();
                let c = it.next().expect("arity");
                let c = match c.data_type {
                    DataType::Boolean => c,
                    DataType::Null | DataType::String => coerce(c, &DataType::Boolean),
                    ref t => {
                        return Err(call.mismatch(format!(
                            "the first argument must be \"BOOLEAN\", not \"{}\"",
                            type_sql(t)
                        )))
                    }
                };
                let (a, b) = (it.next().expect("arity"), it.next().expect("arity"));
                let t = common_type(&a.data_type, &b.data_type).ok_or_else(|| {
                    call.mismatch("the THEN and ELSE expressions should be coercible to a common type".into())
                })?;
                Signature::new(vec![c, coerce(a, &t), coerce(b, &t)], t)
            },
            eval: Eval::Lazy(|args, row, _| {
                if args[0].eval_predicate(row)? {
                    args[1].eval(row)
                } else {
                    args[2].eval(row)
                }
            }),
        },
        ScalarFunction {
            name: "greatest",
            aliases: &[],
            arity: (2, usize::MAX),
            signature: orderable_signature,
            eval: Eval::Lazy(|args, row, _| best(args, row, |v, best| v > best)),
        },
        ScalarFunction {
            name: "least",
            aliases: &[],
            arity: (2, usize::MAX),
            signature: orderable_signature,
            eval: Eval::Lazy(|args, row, _| best(args, row, |v, best| v < best)),
        },
        ScalarFunction {
            name: "nullifzero",
            aliases: &[],
            arity: (1, 1),
            // NULL stays NULL, typed void as in Spark; a string stays a string (Spark's
            // `if(x = 0, null, x)`, where the string is read as a number to compare).
            signature: |call, b| match b[0].data_type {
                DataType::Null => Signature::new(b, DataType::Null),
                DataType::String => Signature::new(b, DataType::String),
                _ => numeric_signature(call, b),
            },
            eval: Eval::Strict(|v, _| {
                let x = match &v[0] {
                    s @ Value::String(_) => double(&crate::eval::cast_value(s, &DataType::Double)?),
                    other => double(other),
                };
                Ok(if x == 0.0 { Value::Null } else { v[0].clone() })
            }),
        },
        ScalarFunction {
            name: "zeroifnull",
            aliases: &[],
            arity: (1, 1),
            // `coalesce(x, 0)`: the int zero widens a tinyint or smallint to int.
            signature: |call, b| {
                let sig = numeric_signature(call, b)?;
                match sig.data_type {
                    DataType::Byte | DataType::Short => {
                        let args = sig.args.into_iter().map(|a| coerce(a, &DataType::Int)).collect();
                        Signature::new(args, DataType::Int)
                    }
                    _ => Ok(sig),
                }
            },
            eval: Eval::Lazy(|args, row, _| {
                Ok(match args[0].eval(row)? {
                    Value::Null => match &args[0].data_type {
                        DataType::Long => Value::Long(0),
                        DataType::Double => Value::double(0.0),
                        _ => Value::Int(0),
                    },
                    v => v,
                })
            }),
        },
    ];

/// All arguments cast to their common type, which the call returns.
/// One numeric argument (NULL as int), and its type as the result's.
fn numeric_signature(call: &Call<'_>, bound: Vec<BoundExpr>) -> Result<Signature> {
    let a = bound.into_iter().next().expect("arity");
    let a = match a.data_type {
        DataType::Null => coerce(a, &DataType::Int),
        _ => call.numeric(a, "first")?,
    };
    let t = a.data_type.clone();
    Signature::new(vec![a], t)
}

fn common_signature(call: &Call<'_>, bound: Vec<BoundExpr>) -> Result<Signature> {
    let (args, t) = call.common(bound)?;
    Signature::new(args, t)
}

/// As [`common_signature`], for types with an order.
fn orderable_signature(call: &Call<'_>, bound: Vec<BoundExpr>) -> Result<Signature> {
    let (args, t) = call.common(bound)?;
    if matches!(t, DataType::Struct(_)) {
        return Err(call.mismatch("the arguments must be of orderable types".into()));
    }
    Signature::new(args, t)
}

/// The first argument that is not NULL (`coalesce`), evaluating no further.
fn first_non_null(args: &[BoundExpr], row: &[Value], _: &State) -> Result<Value> {
    for a in args {
        let v = a.eval(row)?;
        if !v.is_null() {
            return Ok(v);
        }
    }
    Ok(Value::Null)
}

/// The non-NULL argument that beats every other (`greatest`, `least`); NULL when all are.
fn best(args: &[BoundExpr], row: &[Value], beats: fn(&Value, &Value) -> bool) -> Result<Value> {
    let mut best = Value::Null;
    for a in args {
        let v = a.eval(row)?;
        if !v.is_null() && (best.is_null() || beats(&v, &best)) {
            best = v;
        }
    }
    Ok(best)
}
