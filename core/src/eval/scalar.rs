//! Scalar functions (`lower`, `substring`, `round`, `coalesce`, ...): their names, arities,
//! argument typing and evaluation.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TrimSide {
    Both,
    Leading,
    Trailing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Func {
    Lower,
    Upper,
    Length,
    Trim(TrimSide),
    Substring,
    Concat,
    ConcatWs,
    Replace,
    Instr,
    Locate,
    StartsWith,
    EndsWith,
    Contains,
    Abs,
    Round { half_even: bool },
    Floor,
    Ceil,
    Sqrt,
    Exp,
    Ln,
    LogBase,
    Log10,
    Log2,
    Pow,
    Signum,
    Greatest,
    Least,
    Coalesce,
    NanVl,
    NullIf,
    If,
    TryDivide,
    TryAdd,
    TrySubtract,
    TryMultiply,
}

impl Binder<'_> {
    pub(super) fn function(&self, e: &Expr, name: &str, args: &[Expr], distinct: bool) -> Result<BoundExpr> {
        if let Some(agg) = AggFunc::from_name(name) {
            return self.aggregate(e, name, agg, args, distinct);
        }
        if let Some(bound) = self.time_function(e, name, args)? {
            return Ok(bound);
        }
        let arity = |min: usize, max: usize| -> Result<()> {
            if args.len() < min || args.len() > max {
                let expected = if min == max {
                    min.to_string()
                } else if max == usize::MAX {
                    format!("at least {min}")
                } else {
                    format!("[{min}, {max}]")
                };
                return Err(SluiceError::analysis(format!(
                    "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires {expected} parameters but the actual number is {}.",
                    args.len()
                )));
            }
            Ok(())
        };
        if let Some(bound) = self.json_function(e, name, args, &arity)? {
            return Ok(bound);
        }
        if name == "try_cast" {
            arity(2, 2)?;
            let to = match &args[1] {
                Expr::Literal(Value::String(t)) => DataType::parse(t),
                _ => None,
            }
            .ok_or_else(|| SluiceError::analysis("try_cast needs a type name as its second argument"))?;
            return self.cast(e, &args[0], &to, false);
        }
        let func = match name {
            "lower" | "lcase" => Func::Lower,
            "upper" | "ucase" => Func::Upper,
            "length" | "char_length" | "character_length" | "len" => Func::Length,
            "trim" | "btrim" => Func::Trim(TrimSide::Both),
            "ltrim" => Func::Trim(TrimSide::Leading),
            "rtrim" => Func::Trim(TrimSide::Trailing),
            "substring" | "substr" => Func::Substring,
            "concat" => Func::Concat,
            "concat_ws" => Func::ConcatWs,
            "replace" => Func::Replace,
            "instr" => Func::Instr,
            "locate" | "position" => Func::Locate,
            "startswith" => Func::StartsWith,
            "endswith" => Func::EndsWith,
            "contains" => Func::Contains,
            "abs" => Func::Abs,
            "round" => Func::Round { half_even: false },
            "bround" => Func::Round { half_even: true },
            "floor" => Func::Floor,
            "ceil" | "ceiling" => Func::Ceil,
            "sqrt" => Func::Sqrt,
            "exp" => Func::Exp,
            "ln" => Func::Ln,
            "log" if args.len() == 1 => Func::Ln,
            "log" => Func::LogBase,
            "log10" => Func::Log10,
            "log2" => Func::Log2,
            "pow" | "power" => Func::Pow,
            "sign" | "signum" => Func::Signum,
            "greatest" => Func::Greatest,
            "least" => Func::Least,
            "coalesce" | "nvl" | "ifnull" => Func::Coalesce,
            "nanvl" => Func::NanVl,
            "nullif" => Func::NullIf,
            "if" | "iff" => Func::If,
            "try_divide" => Func::TryDivide,
            "try_add" => Func::TryAdd,
            "try_subtract" => Func::TrySubtract,
            "try_multiply" => Func::TryMultiply,
            "isnull" => {
                arity(1, 1)?;
                return self.bind(&Expr::IsNull(Box::new(args[0].clone())));
            }
            "isnotnull" => {
                arity(1, 1)?;
                return self.bind(&Expr::IsNotNull(Box::new(args[0].clone())));
            }
            _ => {
                return Err(SluiceError::analysis(format!(
                    "[UNRESOLVED_ROUTINE] Cannot resolve routine `{name}` on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]."
                )))
            }
        };
        let (min, max) = match func {
            Func::Lower | Func::Upper | Func::Length | Func::Abs | Func::Floor | Func::Ceil | Func::Sqrt => {
                (1, 1)
            }
            Func::Exp | Func::Ln | Func::Log10 | Func::Log2 | Func::Signum => (1, 1),
            Func::Trim(_) | Func::Round { .. } => (1, 2),
            Func::Substring | Func::Replace | Func::Locate => (2, 3),
            Func::Concat => (0, usize::MAX),
            Func::ConcatWs | Func::Greatest | Func::Least => {
                (if func == Func::ConcatWs { 1 } else { 2 }, usize::MAX)
            }
            Func::Coalesce => (1, usize::MAX),
            Func::Instr | Func::StartsWith | Func::EndsWith | Func::Contains | Func::LogBase | Func::Pow => {
                (2, 2)
            }
            Func::NanVl
            | Func::NullIf
            | Func::TryDivide
            | Func::TryAdd
            | Func::TrySubtract
            | Func::TryMultiply => (2, 2),
            Func::If => (3, 3),
        };
        arity(min, max)?;
        if matches!(name, "nvl" | "ifnull") {
            arity(2, 2)?;
        }
        let bound = args.iter().map(|a| self.bind(a)).collect::<Result<Vec<_>>>()?;
        let numeric_arg = |b: BoundExpr, what: &str| -> Result<BoundExpr> {
            match &b.data_type {
                t if t.is_numeric() => Ok(b),
                DataType::Null | DataType::String => Ok(coerce(b, &DataType::Double)),
                t => Err(mismatch(
                    e,
                    format!(
                        "the {what} argument requires a numeric type, however it has type \"{}\"",
                        type_sql(t)
                    ),
                )),
            }
        };
        let double_args = |bound: Vec<BoundExpr>| -> Result<Vec<BoundExpr>> {
            bound.into_iter().map(|b| numeric_arg(b, "").map(|b| coerce(b, &DataType::Double))).collect()
        };
        let int_arg = |b: BoundExpr| -> Result<BoundExpr> {
            match &b.data_type {
                DataType::Int | DataType::Null | DataType::String => Ok(coerce(b, &DataType::Int)),
                DataType::Long => Ok(coerce(b, &DataType::Int)),
                t => Err(mismatch(
                    e,
                    format!("an integer argument is required, however it has type \"{}\"", type_sql(t)),
                )),
            }
        };
        let (args, t): (Vec<BoundExpr>, DataType) = match func {
            Func::Lower | Func::Upper | Func::Concat | Func::ConcatWs | Func::Replace | Func::Trim(_) => {
                (bound.into_iter().map(string_arg).collect(), DataType::String)
            }
            Func::Length | Func::Instr => (bound.into_iter().map(string_arg).collect(), DataType::Int),
            Func::StartsWith | Func::EndsWith | Func::Contains => {
                (bound.into_iter().map(string_arg).collect(), DataType::Boolean)
            }
            Func::Substring => {
                let mut it = bound.into_iter();
                let s = string_arg(it.next().expect("arity checked"));
                let rest = it.map(int_arg).collect::<Result<Vec<_>>>()?;
                (std::iter::once(s).chain(rest).collect(), DataType::String)
            }
            Func::Locate => {
                let mut it = bound.into_iter();
                let (sub, s) = (string_arg(it.next().expect("arity")), string_arg(it.next().expect("arity")));
                let pos = it.next().map(int_arg).transpose()?;
                ([sub, s].into_iter().chain(pos).collect(), DataType::Int)
            }
            Func::Abs => {
                let a = numeric_arg(bound.into_iter().next().expect("arity"), "first")?;
                let t = a.data_type.clone();
                (vec![a], t)
            }
            Func::Round { .. } => {
                let mut it = bound.into_iter();
                let x = numeric_arg(it.next().expect("arity"), "first")?;
                let t = x.data_type.clone();
                let scale = match it.next() {
                    Some(s) => int_arg(s)?,
                    None => node(Kind::Literal(Value::Int(0)), DataType::Int),
                };
                (vec![x, scale], t)
            }
            Func::Floor | Func::Ceil => {
                let x = numeric_arg(bound.into_iter().next().expect("arity"), "first")?;
                (vec![coerce(x, &DataType::Double)], DataType::Long)
            }
            Func::Sqrt
            | Func::Exp
            | Func::Ln
            | Func::Log10
            | Func::Log2
            | Func::Signum
            | Func::LogBase
            | Func::Pow => (double_args(bound)?, DataType::Double),
            Func::NanVl => (double_args(bound)?, DataType::Double),
            Func::Greatest | Func::Least | Func::Coalesce | Func::NullIf => {
                let t = common_of(bound.iter().map(|b| &b.data_type)).ok_or_else(|| {
                    mismatch(
                        e,
                        "the arguments should all have the same type or be coercible to a common type".into(),
                    )
                })?;
                if matches!(func, Func::Greatest | Func::Least) && matches!(t, DataType::Struct(_)) {
                    return Err(mismatch(e, "the arguments must be of orderable types".into()));
                }
                (bound.into_iter().map(|b| coerce(b, &t)).collect(), t)
            }
            Func::If => {
                let mut it = bound.into_iter();
                let c = it.next().expect("arity");
                let c = match c.data_type {
                    DataType::Boolean => c,
                    DataType::Null | DataType::String => coerce(c, &DataType::Boolean),
                    ref t => {
                        return Err(mismatch(
                            e,
                            format!("the first argument must be \"BOOLEAN\", not \"{}\"", type_sql(t)),
                        ))
                    }
                };
                let (a, b) = (it.next().expect("arity"), it.next().expect("arity"));
                let t = common_type(&a.data_type, &b.data_type).ok_or_else(|| {
                    mismatch(e, "the THEN and ELSE expressions should be coercible to a common type".into())
                })?;
                (vec![c, coerce(a, &t), coerce(b, &t)], t)
            }
            Func::TryDivide => (double_args(bound)?, DataType::Double),
            Func::TryAdd | Func::TrySubtract | Func::TryMultiply => {
                let bound = bound.into_iter().map(|b| numeric_arg(b, "")).collect::<Result<Vec<_>>>()?;
                let t = wider_numeric(&bound[0].data_type, &bound[1].data_type);
                (bound.into_iter().map(|b| coerce(b, &t)).collect(), t)
            }
        };
        Ok(node(Kind::Func(func, args), t))
    }
}

pub(super) fn str_arg(v: &Value) -> Option<&str> {
    v.as_str()
}

pub(super) fn eval_func(f: Func, args: &[BoundExpr], row: &[Value]) -> Result<Value> {
    // Functions that do not simply return null on a null argument.
    match f {
        Func::Coalesce => {
            for a in args {
                let v = a.eval(row)?;
                if !v.is_null() {
                    return Ok(v);
                }
            }
            return Ok(Value::Null);
        }
        Func::ConcatWs => {
            let sep = args[0].eval(row)?;
            let Some(sep) = str_arg(&sep) else { return Ok(Value::Null) };
            let mut out = String::new();
            let mut first = true;
            for a in &args[1..] {
                if let Value::String(s) = a.eval(row)? {
                    if !first {
                        out.push_str(sep);
                    }
                    out.push_str(&s);
                    first = false;
                }
            }
            return Ok(Value::String(out.into()));
        }
        Func::Greatest | Func::Least => {
            let mut best = Value::Null;
            for a in args {
                let v = a.eval(row)?;
                if v.is_null() {
                    continue;
                }
                let better = best.is_null()
                    || match f {
                        Func::Greatest => v > best,
                        _ => v < best,
                    };
                if better {
                    best = v;
                }
            }
            return Ok(best);
        }
        Func::If => {
            return if args[0].eval_predicate(row)? { args[1].eval(row) } else { args[2].eval(row) };
        }
        Func::NullIf => {
            let a = args[0].eval(row)?;
            let b = args[1].eval(row)?;
            return Ok(if !a.is_null() && a == b { Value::Null } else { a });
        }
        _ => {}
    }
    let mut vals = Vec::with_capacity(args.len());
    for a in args {
        let v = a.eval(row)?;
        if v.is_null() {
            return Ok(Value::Null);
        }
        vals.push(v);
    }
    let s = |i: usize| vals[i].as_str().unwrap_or_default();
    let d = |i: usize| vals[i].as_f64().unwrap_or(f64::NAN);
    let int = |i: usize| vals[i].as_i64().unwrap_or(0);
    let string = |s: String| Value::String(s.into());
    Ok(match f {
        Func::Lower => string(s(0).to_lowercase()),
        Func::Upper => string(s(0).to_uppercase()),
        Func::Length => Value::Int(s(0).chars().count() as i32),
        Func::Trim(side) => {
            let text = s(0);
            let set: Vec<char> = if vals.len() > 1 { s(1).chars().collect() } else { vec![' '] };
            let pred = |c: char| set.contains(&c);
            string(
                match side {
                    TrimSide::Both => text.trim_matches(pred),
                    TrimSide::Leading => text.trim_start_matches(pred),
                    TrimSide::Trailing => text.trim_end_matches(pred),
                }
                .to_string(),
            )
        }
        Func::Substring => string(substring(s(0), int(1), vals.get(2).map(|_| int(2)))),
        Func::Concat => {
            let mut out = String::new();
            for v in &vals {
                out.push_str(v.as_str().unwrap_or_default());
            }
            string(out)
        }
        Func::Replace => {
            let with = if vals.len() > 2 { s(2) } else { "" };
            if s(1).is_empty() {
                vals[0].clone()
            } else {
                string(s(0).replace(s(1), with))
            }
        }
        Func::Instr => Value::Int(char_position(s(0), s(1), 1)),
        Func::Locate => {
            let start = if vals.len() > 2 { int(2) } else { 1 };
            Value::Int(if start < 1 { 0 } else { char_position(s(1), s(0), start as usize) })
        }
        Func::StartsWith => Value::Boolean(s(0).starts_with(s(1))),
        Func::EndsWith => Value::Boolean(s(0).ends_with(s(1))),
        Func::Contains => Value::Boolean(s(0).contains(s(1))),
        Func::Abs => match &vals[0] {
            Value::Int(n) => Value::Int(n.checked_abs().ok_or_else(|| overflow("integer", "abs"))?),
            Value::Long(n) => Value::Long(n.checked_abs().ok_or_else(|| overflow("long", "abs"))?),
            v => Value::double(v.as_f64().unwrap_or(f64::NAN).abs()),
        },
        Func::Round { half_even } => round(&vals[0], int(1), half_even)?,
        Func::Floor => Value::Long(d(0).floor() as i64),
        Func::Ceil => Value::Long(d(0).ceil() as i64),
        Func::Sqrt => Value::double(d(0).sqrt()),
        Func::Exp => Value::double(d(0).exp()),
        // Spark's logarithms are null outside their domain rather than NaN.
        Func::Ln => log_or_null(d(0), f64::ln),
        Func::Log10 => log_or_null(d(0), f64::log10),
        Func::Log2 => log_or_null(d(0), f64::log2),
        Func::LogBase => {
            if d(0) <= 0.0 || d(1) <= 0.0 {
                Value::Null
            } else {
                Value::double(d(1).ln() / d(0).ln())
            }
        }
        Func::Pow => Value::double(d(0).powf(d(1))),
        Func::Signum => Value::double(if d(0).is_nan() {
            f64::NAN
        } else if d(0) == 0.0 {
            0.0
        } else {
            d(0).signum()
        }),
        Func::NanVl => {
            if d(0).is_nan() {
                vals[1].clone()
            } else {
                vals[0].clone()
            }
        }
        Func::TryDivide => {
            if d(1) == 0.0 {
                Value::Null
            } else {
                Value::double(d(0) / d(1))
            }
        }
        Func::TryAdd | Func::TrySubtract | Func::TryMultiply => {
            let op = match f {
                Func::TryAdd => Arith::Add,
                Func::TrySubtract => Arith::Sub,
                _ => Arith::Mul,
            };
            arith(op, &vals[0], &vals[1]).unwrap_or(Value::Null)
        }
        Func::Coalesce | Func::ConcatWs | Func::Greatest | Func::Least | Func::If | Func::NullIf => {
            unreachable!("handled before null propagation")
        }
    })
}

pub(super) fn log_or_null(x: f64, f: fn(f64) -> f64) -> Value {
    if x <= 0.0 {
        Value::Null
    } else {
        Value::double(f(x))
    }
}

/// 1-based character position of `needle` in `hay` at or after `start`, 0 when absent.
pub(super) fn char_position(hay: &str, needle: &str, start: usize) -> i32 {
    let skip = start.saturating_sub(1);
    let byte_start = match hay.char_indices().nth(skip) {
        Some((b, _)) => b,
        None if hay.chars().count() == skip => hay.len(),
        None => return 0,
    };
    match hay[byte_start..].find(needle) {
        Some(b) => (hay[..byte_start + b].chars().count() + 1) as i32,
        None => 0,
    }
}

/// Spark's `substring(s, pos, len)`: 1-based, 0 behaves as 1, negative counts from the end.
pub(super) fn substring(s: &str, pos: i64, len: Option<i64>) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as i64;
    let len = len.unwrap_or(i64::MAX);
    let start = if pos > 0 {
        pos - 1
    } else if pos < 0 {
        n + pos
    } else {
        0
    };
    let end = if len <= 0 { start } else { start.saturating_add(len) };
    let (start, end) = (start.clamp(0, n), end.clamp(0, n));
    if start >= end {
        return String::new();
    }
    chars[start as usize..end as usize].iter().collect()
}

/// `round`/`bround` to `scale` decimal places, on the shortest decimal form of doubles
/// (as Spark's `BigDecimal` does), so `round(2.675, 2)` is 2.68.
pub(super) fn round(v: &Value, scale: i64, half_even: bool) -> Result<Value> {
    match v {
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

pub(super) fn round_double(x: f64, scale: i64, half_even: bool) -> f64 {
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
