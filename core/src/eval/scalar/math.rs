//! Math functions: `abs`, rounding, roots, exponentials and logarithms, `mod`, `pmod`.

use super::*;

/// The math functions, one entry each.
pub(super) const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        name: "abs",
        aliases: &[],
        arity: (1, 1),
        signature: same_numeric,
        eval: Eval::Strict(|v, _| {
            Ok(match &v[0] {
                Value::Decimal(d) => Value::Decimal(d.abs()),
                Value::Int(n) => Value::Int(n.checked_abs().ok_or_else(|| overflow("integer", "abs"))?),
                Value::Long(n) => Value::Long(n.checked_abs().ok_or_else(|| overflow("long", "abs"))?),
                v => Value::double(double(v).abs()),
            })
        }),
    },
    ScalarFunction {
        name: "round",
        aliases: &[],
        arity: (1, 2),
        signature: round_signature,
        eval: Eval::Strict(|v, state| round(&v[0], int(&v[1]), false, state)),
    },
    ScalarFunction {
        name: "bround",
        aliases: &[],
        arity: (1, 2),
        signature: round_signature,
        eval: Eval::Strict(|v, state| round(&v[0], int(&v[1]), true, state)),
    },
    ScalarFunction {
        name: "floor",
        aliases: &[],
        arity: (1, 1),
        signature: to_long_signature,
        eval: Eval::Strict(|v, _| {
            Ok(match &v[0] {
                Value::Decimal(d) => Value::Decimal(d.ceil_floor(false)),
                x => Value::Long(double(x).floor() as i64),
            })
        }),
    },
    ScalarFunction {
        name: "ceil",
        aliases: &["ceiling"],
        arity: (1, 1),
        signature: to_long_signature,
        eval: Eval::Strict(|v, _| {
            Ok(match &v[0] {
                Value::Decimal(d) => Value::Decimal(d.ceil_floor(true)),
                x => Value::Long(double(x).ceil() as i64),
            })
        }),
    },
    ScalarFunction {
        name: "sqrt",
        aliases: &[],
        arity: (1, 1),
        signature: doubles_to_double,
        eval: Eval::Strict(|v, _| Ok(Value::double(double(&v[0]).sqrt()))),
    },
    ScalarFunction {
        name: "exp",
        aliases: &[],
        arity: (1, 1),
        signature: doubles_to_double,
        eval: Eval::Strict(|v, _| Ok(Value::double(double(&v[0]).exp()))),
    },
    // Spark's logarithms are NULL outside their domain rather than NaN.
    ScalarFunction {
        name: "ln",
        aliases: &[],
        arity: (1, 1),
        signature: doubles_to_double,
        eval: Eval::Strict(|v, _| Ok(log_or_null(double(&v[0]), f64::ln))),
    },
    ScalarFunction {
        name: "log",
        aliases: &[],
        arity: (1, 2),
        signature: doubles_to_double,
        // `log(x)` is `ln(x)`; `log(base, x)`.
        eval: Eval::Strict(|v, _| {
            Ok(match v {
                [x] => log_or_null(double(x), f64::ln),
                [base, x] if double(base) > 0.0 && double(x) > 0.0 => {
                    Value::double(double(x).ln() / double(base).ln())
                }
                _ => Value::Null,
            })
        }),
    },
    ScalarFunction {
        name: "log10",
        aliases: &[],
        arity: (1, 1),
        signature: doubles_to_double,
        eval: Eval::Strict(|v, _| Ok(log_or_null(double(&v[0]), f64::log10))),
    },
    ScalarFunction {
        name: "log2",
        aliases: &[],
        arity: (1, 1),
        signature: doubles_to_double,
        eval: Eval::Strict(|v, _| Ok(log_or_null(double(&v[0]), f64::log2))),
    },
    ScalarFunction {
        name: "pow",
        aliases: &["power"],
        arity: (2, 2),
        signature: doubles_to_double,
        eval: Eval::Strict(|v, _| Ok(Value::double(double(&v[0]).powf(double(&v[1]))))),
    },
    ScalarFunction {
        name: "sign",
        aliases: &["signum"],
        arity: (1, 1),
        signature: doubles_to_double,
        eval: Eval::Strict(|v, _| {
            let x = double(&v[0]);
            Ok(Value::double(if x.is_nan() {
                f64::NAN
            } else if x == 0.0 {
                0.0
            } else {
                x.signum()
            }))
        }),
    },
    ScalarFunction {
        name: "cot",
        aliases: &[],
        arity: (1, 1),
        signature: doubles_to_double,
        eval: Eval::Strict(|v, _| Ok(Value::double(1.0 / double(&v[0]).tan()))),
    },
    ScalarFunction {
        name: "hex",
        aliases: &[],
        arity: (1, 1),
        // Spark's `Hex`: a bigint's two's complement, a string's or binary's bytes, upper case.
        signature: |call, b| {
            let a = b.into_iter().next().expect("arity");
            let a = match &a.data_type {
                DataType::String | DataType::Binary => a,
                DataType::Null => coerce(a, &DataType::Long),
                t if t.is_numeric() => coerce(a, &DataType::Long),
                t => {
                    return Err(call.mismatch(format!(
                        "the first argument requires (\"BIGINT\" or \"BINARY\" or \"STRING\") type, however it has type \"{}\"",
                        type_sql(t)
                    )))
                }
            };
            Signature::new(vec![a], DataType::String)
        },
        eval: Eval::Strict(|v, _| {
            Ok(string(match &v[0] {
                Value::String(s) => s.bytes().map(|b| format!("{b:02X}")).collect(),
                Value::Binary(b) => b.iter().map(|b| format!("{b:02X}")).collect(),
                n => format!("{:X}", int(n) as u64),
            }))
        }),
    },
    ScalarFunction {
        name: "width_bucket",
        aliases: &[],
        arity: (4, 4),
        signature: |call, b| {
            let mut args = b;
            let buckets = args.pop().expect("arity");
            let mut args = call.doubles(args)?;
            args.push(coerce(call.numeric(buckets, "fourth")?, &DataType::Long));
            Signature::new(args, DataType::Long)
        },
        // Spark's `WidthBucket`: which of `n` equal buckets between `min` and `max` (either
        // way round) holds the value; 0 below, n + 1 above; NULL for no buckets, an empty or
        // unbounded range, or NaN.
        eval: Eval::Strict(|v, _| {
            let (value, min, max, n) = (double(&v[0]), double(&v[1]), double(&v[2]), int(&v[3]));
            if n <= 0 || n == i64::MAX || value.is_nan() || min == max || !min.is_finite() || !max.is_finite()
            {
                return Ok(Value::Null);
            }
            let (lower, upper) = (min.min(max), min.max(max));
            let bucket = if min < max {
                if value < lower {
                    0
                } else if value >= upper {
                    n + 1
                } else {
                    (n as f64 * (value - lower) / (upper - lower)) as i64 + 1
                }
            } else if value > upper {
                0
            } else if value <= lower {
                n + 1
            } else {
                (n as f64 * (upper - value) / (upper - lower)) as i64 + 1
            };
            Ok(Value::Long(bucket))
        }),
    },
    ScalarFunction {
        name: "unhex",
        aliases: &[],
        arity: (1, 1),
        // Spark's `Unhex`: pairs of hex digits to bytes, an odd length read with a leading
        // 0; any other character makes the result NULL.
        signature: |_, b| strings_to(b, DataType::Binary),
        eval: Eval::Strict(|v, _| {
            Ok(super::encoding::hex_bytes(text(&v[0])).map_or(Value::Null, |b| Value::Binary(b.into())))
        }),
    },
    ScalarFunction {
        name: "positive",
        aliases: &[],
        arity: (1, 1),
        // Spark's `UnaryPositive`: the number itself (a string read as a double).
        signature: same_numeric,
        eval: Eval::Strict(|v, _| Ok(v[0].clone())),
    },
    ScalarFunction {
        name: "negative",
        aliases: &[],
        arity: (1, 1),
        // Spark's `UnaryMinus`, overflow an error.
        signature: same_numeric,
        eval: Eval::Strict(|v, _| {
            Ok(match &v[0] {
                Value::Int(n) => Value::Int(n.checked_neg().ok_or_else(|| overflow("integer", "subtract"))?),
                Value::Long(n) => Value::Long(n.checked_neg().ok_or_else(|| overflow("long", "subtract"))?),
                Value::Decimal(d) => Value::Decimal(-*d),
                x => Value::double(-double(x)),
            })
        }),
    },
    ScalarFunction {
        name: "bin",
        aliases: &[],
        arity: (1, 1),
        // Spark's `Bin`: a bigint's two's complement in binary digits.
        signature: |call, b| {
            let a = call.numeric(b.into_iter().next().expect("arity"), "first")?;
            Signature::new(vec![coerce(a, &DataType::Long)], DataType::String)
        },
        eval: Eval::Strict(|v, _| Ok(string(format!("{:b}", int(&v[0]) as u64)))),
    },
    ScalarFunction {
        name: "conv",
        aliases: &[],
        arity: (3, 3),
        // Spark's `Conv(num, fromBase, toBase)`: the digits of `num` in `fromBase` as an
        // unsigned 64-bit number (a leading `-` negates it, two's complement), written in
        // `toBase` (negative: as a signed number); digits past the first invalid one are
        // ignored; a number past 64 bits is ANSI's `[ARITHMETIC_OVERFLOW]`.
        signature: |call, b| {
            let mut it = b.into_iter();
            let num = string_arg(it.next().expect("arity"));
            let from = call.int(it.next().expect("arity"))?;
            let to = call.int(it.next().expect("arity"))?;
            Signature::new(vec![num, from, to], DataType::String)
        },
        eval: Eval::Strict(|v, _| {
            let (from, to) = (int(&v[1]), int(&v[2]));
            if !(2..=36).contains(&from.abs()) || !(2..=36).contains(&to.abs()) {
                return Ok(Value::Null);
            }
            let text = text(&v[0]).trim();
            let (negative, digits) = match text.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, text),
            };
            let mut value: u64 = 0;
            let mut any = false;
            for c in digits.chars() {
                let Some(d) = c.to_digit(36).filter(|d| i64::from(*d) < from.abs()) else { break };
                any = true;
                value = value
                    .checked_mul(from.unsigned_abs())
                    .and_then(|x| x.checked_add(u64::from(d)))
                    .ok_or_else(|| overflow("long", "add"))?;
            }
            if !any {
                return Ok(Value::Null);
            }
            if negative {
                if from > 0 && value > i64::MAX as u64 {
                    return Err(overflow("long", "subtract"));
                }
                value = value.wrapping_neg();
            }
            let (sign, mut magnitude) =
                if to < 0 && (value as i64) < 0 { ("-", (value as i64).unsigned_abs()) } else { ("", value) };
            let base = to.unsigned_abs();
            let mut out = Vec::new();
            loop {
                let d = (magnitude % base) as u32;
                out.push(char::from_digit(d, 36).expect("a digit below 36").to_ascii_uppercase());
                magnitude /= base;
                if magnitude == 0 {
                    break;
                }
            }
            let body: String = out.into_iter().rev().collect();
            Ok(string(format!("{sign}{body}")))
        }),
    },
    ScalarFunction {
        name: "mod",
        aliases: &[],
        arity: (2, 2),
        signature: remainder_signature,
        // Spark's `%`: the sign of the dividend.
        eval: Eval::Strict(|v, state| typed_arith(Arith::Rem, v, state)),
    },
    ScalarFunction {
        name: "pmod",
        aliases: &[],
        arity: (2, 2),
        signature: remainder_signature,
        // Spark's `Pmod`: `r = a % n`, and `(r + n) % n` when r is negative.
        eval: Eval::Strict(|v, state| {
            let r = typed_arith(Arith::Rem, v, state)?;
            if double(&r) < 0.0 {
                // r + n needs one more integral digit than r before the second remainder.
                let wide = match state {
                    State::Type(DataType::Decimal(_, s)) => State::Type(DataType::Decimal(38, *s)),
                    other => other.clone(),
                };
                let shifted = typed_arith(Arith::Add, &[r, v[1].clone()], &wide)?;
                typed_arith(Arith::Rem, &[shifted, v[1].clone()], state)
            } else {
                Ok(r)
            }
        }),
    },
];

/// `round`/`bround(x[, scale])`: a number of its own type, and an integer scale (0 by
/// default). A decimal's result type is Spark's: `scale` fraction digits at most, and one
/// more integral digit for the carry (`round(9.9)` is `10`).
fn round_signature(call: &Call<'_>, bound: Vec<BoundExpr>) -> Result<Signature> {
    let mut it = bound.into_iter();
    let x = call.numeric(it.next().expect("arity"), "first")?;
    let scale = match it.next() {
        Some(s) => call.int(s)?,
        None => node(Kind::Literal(Value::Int(0)), DataType::Int),
    };
    let t = match (&x.data_type, &scale.kind) {
        (DataType::Decimal(p, s), Kind::Literal(Value::Int(places))) => {
            let (p, s, places) = (i64::from(*p), i64::from(*s), i64::from(*places));
            let integral = p - s + 1;
            if places < 0 {
                DataType::Decimal(integral.max(1 - places).min(38) as u8, 0)
            } else {
                let scale = s.min(places);
                DataType::Decimal((integral + scale).min(38) as u8, scale as u8)
            }
        }
        (DataType::Decimal(..), _) => {
            return Err(call.mismatch("the scale of a decimal's rounding must be a constant".into()))
        }
        (t, _) => t.clone(),
    };
    Ok(Signature { args: vec![x, scale], data_type: t.clone(), state: State::Type(t) })
}

/// `floor`/`ceil`: a number as a double, to a bigint; a `decimal(p,s)` to `decimal(p-s+1,0)`.
fn to_long_signature(call: &Call<'_>, bound: Vec<BoundExpr>) -> Result<Signature> {
    let x = call.numeric(bound.into_iter().next().expect("arity"), "first")?;
    match x.data_type {
        DataType::Decimal(p, s) => {
            let t = if s == 0 { DataType::Decimal(p, 0) } else { DataType::Decimal((p - s + 1).min(38), 0) };
            Signature::new(vec![x], t)
        }
        _ => Signature::new(vec![coerce(x, &DataType::Double)], DataType::Long),
    }
}

/// `a op b` for two argument values, decimals to the call's result type.
fn typed_arith(op: Arith, v: &[Value], state: &State) -> Result<Value> {
    match state {
        State::Type(t) => arith_typed(op, &v[0], &v[1], t),
        _ => arith(op, &v[0], &v[1]),
    }
}

fn log_or_null(x: f64, f: fn(f64) -> f64) -> Value {
    if x <= 0.0 {
        Value::Null
    } else {
        Value::double(f(x))
    }
}

/// `round`/`bround` to `scale` decimal places, on the shortest decimal form of doubles
/// (as Spark's `BigDecimal` does), so `round(2.675, 2)` is 2.68.
fn round(v: &Value, scale: i64, half_even: bool, state: &State) -> Result<Value> {
    match v {
        Value::Decimal(d) => {
            let rounded = d.round(scale.clamp(-38, 38) as i32, half_even);
            let State::Type(DataType::Decimal(p, s)) = state else {
                return Ok(Value::Decimal(rounded));
            };
            rounded
                .to_type(*p, *s)
                .map(Value::Decimal)
                .map_err(|_| decimal_out_of_range(&rounded.to_string(), *p, *s))
        }
        Value::Int(_) | Value::Long(_) => {
            if scale >= 0 {
                return Ok(v.clone());
            }
            let n = v.as_i64().unwrap_or(0) as i128;
            let factor = 10i128.checked_pow((-scale) as u32).unwrap_or(i128::MAX);
            let (q, twice_r) = (n / factor, (n % factor).abs() * 2);
            let up = if half_even {
                twice_r > factor || (twice_r == factor && q % 2 != 0)
            } else {
                twice_r >= factor
            };
            let q = if up { q + n.signum() } else { q };
            let rounded = q.saturating_mul(factor);
            Ok(match v {
                Value::Int(_) => {
                    Value::Int(i32::try_from(rounded).map_err(|_| overflow("integer", "round"))?)
                }
                _ => Value::Long(i64::try_from(rounded).map_err(|_| overflow("long", "round"))?),
            })
        }
        Value::Double(d) => Ok(Value::double(round_double(d.0, scale, half_even))),
        _ => Ok(Value::Null),
    }
}

fn round_double(x: f64, scale: i64, half_even: bool) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let text = format!("{:e}", x.abs());
    let (mantissa, exp) = text.split_once('e').expect("`{:e}` always writes an exponent");
    let exp: i64 = exp.parse().expect("`{:e}` writes an integer exponent");
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    // digits[0] has place value 10^exp; keep those with place value >= 10^-scale.
    let keep = exp + 1 + scale;
    if keep >= digits.len() as i64 {
        return x;
    }
    let (kept, dropped): (Vec<u8>, &[u8]) = if keep <= 0 {
        (Vec::new(), if keep == 0 { &digits[..] } else { &[] })
    } else {
        (digits[..keep as usize].to_vec(), &digits[keep as usize..])
    };
    let first_dropped = dropped.first().copied().unwrap_or(0);
    let rest_nonzero = dropped.iter().skip(1).any(|&d| d != 0);
    let last_kept_odd = kept.last().is_some_and(|d| d % 2 == 1);
    let up = if half_even {
        first_dropped > 5 || (first_dropped == 5 && (rest_nonzero || last_kept_odd))
    } else {
        first_dropped >= 5
    };
    // Build the kept integer, add one unit if rounding up, then scale back.
    let mut n: i128 = kept.iter().fold(0i128, |acc, &d| acc * 10 + d as i128);
    if up {
        n += 1;
    }
    let magnitude: f64 = format!("{n}e{}", -scale).parse().unwrap_or(0.0);
    if x < 0.0 {
        -magnitude
    } else {
        magnitude
    }
}

/// `f(x)` of a number (a string or NULL read as a double), of the number's own type.
fn same_numeric(call: &Call<'_>, bound: Vec<BoundExpr>) -> Result<Signature> {
    let a = call.numeric(bound.into_iter().next().expect("arity"), "first")?;
    let t = a.data_type.clone();
    Signature::new(vec![a], t)
}

/// `mod`/`pmod`: numeric arguments (NULL left as is) cast to their common type, which is
/// the result's; with a decimal, each argument a decimal and the result `%`'s decimal type.
fn remainder_signature(call: &Call<'_>, bound: Vec<BoundExpr>) -> Result<Signature> {
    let bound = bound
        .into_iter()
        .map(|b| if b.data_type == DataType::Null { Ok(b) } else { call.numeric(b, "") })
        .collect::<Result<Vec<_>>>()?;
    let decimals: Option<Vec<(u8, u8)>> = bound.iter().map(|b| b.data_type.as_decimal()).collect();
    if let (true, Some(d)) = (bound.iter().any(|b| matches!(b.data_type, DataType::Decimal(..))), decimals) {
        let (p, s) = crate::decimal::result_type(crate::decimal::DecimalOp::Rem, d[0], d[1]);
        let args =
            bound.into_iter().zip(&d).map(|(b, (p, s))| coerce(b, &DataType::Decimal(*p, *s))).collect();
        let t = DataType::Decimal(p, s);
        return Ok(Signature { args, data_type: t.clone(), state: State::Type(t) });
    }
    let (args, t) = call.common(bound)?;
    Ok(Signature { args, data_type: t.clone(), state: State::Type(t) })
}
