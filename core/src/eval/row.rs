//! Row evaluation: `BoundExpr::eval` on one row, with Spark's null propagation,
//! three-valued logic and ANSI arithmetic (overflow and division by zero are errors).

use super::*;

impl BoundExpr {
    /// The type of the values this expression yields.
    pub fn data_type(&self) -> &DataType {
        &self.data_type
    }

    /// The input column this expression reads unchanged, if it is a plain column reference.
    pub fn column_index(&self) -> Option<usize> {
        match self.kind {
            Kind::Column(i) => Some(i),
            _ => None,
        }
    }

    /// `column ± constant interval` as `(column, offset in microseconds)`; a bare column has
    /// offset 0. What a range condition on event times is made of (`a.t >= b.t - INTERVAL 5
    /// SECONDS`). For a window column whose windows are `window_length(column)` long, its
    /// `end` is the column (a window's event time is its end) and its `start` the column
    /// minus that length.
    pub fn time_offset(&self, window_length: &dyn Fn(usize) -> Option<i64>) -> Option<(usize, i64)> {
        match &self.kind {
            Kind::Column(i) => Some((*i, 0)),
            Kind::Field(inner, field) => {
                let Kind::Column(i) = inner.kind else { return None };
                let DataType::Struct(fields) = inner.data_type() else { return None };
                let is_window = fields.len() == 2
                    && fields.iter().all(|f| f.data_type == DataType::Timestamp)
                    && fields[0].name == "start"
                    && fields[1].name == "end";
                let length = window_length(i).filter(|_| is_window)?;
                match field {
                    0 => Some((i, length.checked_neg()?)),
                    1 => Some((i, 0)),
                    _ => None,
                }
            }
            Kind::Temporal(op, ts, iv) => {
                let (col, base) = ts.time_offset(window_length)?;
                let Kind::Literal(Value::Interval(us)) = iv.kind else { return None };
                match op {
                    super::temporal::Temporal::TsPlusIv => Some((col, base.checked_add(us)?)),
                    super::temporal::Temporal::TsMinusIv => Some((col, base.checked_sub(us)?)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The conjuncts of an AND chain (the expression itself when it is no AND).
    pub fn conjuncts(&self) -> Vec<&BoundExpr> {
        match &self.kind {
            Kind::And(a, b) => {
                let mut out = a.conjuncts();
                out.extend(b.conjuncts());
                out
            }
            _ => vec![self],
        }
    }

    /// A comparison `a op b` as (`a`, `b`, the ordering(s) it accepts: `Less`, `Equal`, `Greater`).
    pub fn comparison(&self) -> Option<(&BoundExpr, &BoundExpr, [bool; 3])> {
        let Kind::Cmp(op, a, b) = &self.kind else { return None };
        let accepts = match op {
            super::Cmp::Lt => [true, false, false],
            super::Cmp::LtEq => [true, true, false],
            super::Cmp::Gt => [false, false, true],
            super::Cmp::GtEq => [false, true, true],
            super::Cmp::Eq => [false, true, false],
            _ => return None,
        };
        Some((a, b, accepts))
    }

    /// The value of a literal (a constant folded when bound), `None` for other expressions.
    pub fn literal_value(&self) -> Option<&Value> {
        match &self.kind {
            Kind::Literal(v) => Some(v),
            _ => None,
        }
    }

    /// True only when the expression yields TRUE (a WHERE clause: NULL and FALSE both drop the row).
    pub fn eval_predicate(&self, row: &[Value]) -> Result<bool> {
        Ok(matches!(self.eval(row)?, Value::Boolean(true)))
    }

    /// Evaluates the expression on one row of the schema it was bound to.
    pub fn eval(&self, row: &[Value]) -> Result<Value> {
        match &self.kind {
            Kind::Column(i) => Ok(row.get(*i).cloned().unwrap_or(Value::Null)),
            Kind::Field(inner, i) => Ok(match inner.eval(row)? {
                Value::Struct(vals) => vals.get(*i).cloned().unwrap_or(Value::Null),
                _ => Value::Null,
            }),
            Kind::Literal(v) => Ok(v.clone()),
            Kind::Arith(op, l, r) => {
                let a = l.eval(row)?;
                if a.is_null() {
                    return Ok(Value::Null);
                }
                let b = r.eval(row)?;
                if b.is_null() {
                    return Ok(Value::Null);
                }
                arith_typed(*op, &a, &b, &self.data_type)
            }
            Kind::Cmp(op, l, r) => {
                let (a, b) = (l.eval(row)?, r.eval(row)?);
                if *op == Cmp::EqNullSafe {
                    return Ok(Value::Boolean(a == b));
                }
                if a.is_null() || b.is_null() {
                    return Ok(Value::Null);
                }
                let ord = a.cmp(&b);
                Ok(Value::Boolean(match op {
                    Cmp::Eq | Cmp::EqNullSafe => ord == Ordering::Equal,
                    Cmp::NotEq => ord != Ordering::Equal,
                    Cmp::Lt => ord == Ordering::Less,
                    Cmp::LtEq => ord != Ordering::Greater,
                    Cmp::Gt => ord == Ordering::Greater,
                    Cmp::GtEq => ord != Ordering::Less,
                }))
            }
            Kind::And(l, r) => match l.eval(row)? {
                Value::Boolean(false) => Ok(Value::Boolean(false)),
                a => match (a, r.eval(row)?) {
                    (_, Value::Boolean(false)) => Ok(Value::Boolean(false)),
                    (Value::Boolean(true), Value::Boolean(true)) => Ok(Value::Boolean(true)),
                    _ => Ok(Value::Null),
                },
            },
            Kind::Or(l, r) => match l.eval(row)? {
                Value::Boolean(true) => Ok(Value::Boolean(true)),
                a => match (a, r.eval(row)?) {
                    (_, Value::Boolean(true)) => Ok(Value::Boolean(true)),
                    (Value::Boolean(false), Value::Boolean(false)) => Ok(Value::Boolean(false)),
                    _ => Ok(Value::Null),
                },
            },
            Kind::Not(e) => Ok(match e.eval(row)? {
                Value::Boolean(b) => Value::Boolean(!b),
                _ => Value::Null,
            }),
            Kind::Negate(e) => within(
                match e.eval(row)? {
                    Value::Int(n) => {
                        Value::Int(n.checked_neg().ok_or_else(|| overflow("integer", "subtract"))?)
                    }
                    Value::Long(n) => {
                        Value::Long(n.checked_neg().ok_or_else(|| overflow("long", "subtract"))?)
                    }
                    Value::Double(d) => Value::double(-d.0),
                    Value::Decimal(d) => Value::Decimal(-d),
                    Value::Interval(n) => {
                        Value::Interval(n.checked_neg().ok_or_else(|| overflow("long", "subtract"))?)
                    }
                    Value::DayTime(dt) => Value::DayTime(crate::types::DayTime {
                        micros: dt.micros.checked_neg().ok_or_else(|| overflow("long", "subtract"))?,
                        ..dt
                    }),
                    Value::YearMonth(ym) => Value::YearMonth(crate::types::YearMonth {
                        months: ym.months.checked_neg().ok_or_else(|| overflow("integer", "subtract"))?,
                        ..ym
                    }),
                    _ => Value::Null,
                },
                &self.data_type,
                "subtract",
            ),
            Kind::IsNull(e) => Ok(Value::Boolean(e.eval(row)?.is_null())),
            Kind::IsNotNull(e) => Ok(Value::Boolean(!e.eval(row)?.is_null())),
            Kind::Like { expr, pattern, negated, case_insensitive } => {
                let ci = *case_insensitive;
                matches_pattern(expr, pattern, *negated, row, |p| like_regex(p, ci))
            }
            Kind::RLike { expr, pattern, negated } => {
                matches_pattern(expr, pattern, *negated, row, rlike_regex)
            }
            Kind::InList { expr, list, negated } => {
                let v = expr.eval(row)?;
                if v.is_null() {
                    return Ok(Value::Null);
                }
                let mut saw_null = false;
                for item in list {
                    let candidate = item.eval(row)?;
                    if candidate.is_null() {
                        saw_null = true;
                    } else if candidate == v {
                        return Ok(Value::Boolean(!negated));
                    }
                }
                Ok(if saw_null { Value::Null } else { Value::Boolean(*negated) })
            }
            Kind::Case { branches, else_expr } => {
                for (cond, result) in branches {
                    if cond.eval_predicate(row)? {
                        return result.eval(row);
                    }
                }
                match else_expr {
                    Some(e) => e.eval(row),
                    None => Ok(Value::Null),
                }
            }
            Kind::Cast { expr, to, ansi, zone } => {
                let v = expr.eval(row)?;
                if *ansi {
                    cast_value_in(&v, to, *zone)
                } else {
                    Ok(cast_value_in(&v, to, *zone).unwrap_or(Value::Null))
                }
            }
            Kind::Try(inner) => {
                let (l, r) = match &inner.kind {
                    Kind::Arith(_, l, r) | Kind::Temporal(_, l, r) => (l, r),
                    _ => return inner.eval(row),
                };
                let (a, b) = (l.eval(row)?, r.eval(row)?);
                if a.is_null() || b.is_null() {
                    return Ok(Value::Null);
                }
                let result = match &inner.kind {
                    Kind::Arith(op, ..) => arith_typed(*op, &a, &b, &inner.data_type),
                    Kind::Temporal(op, ..) => {
                        temporal(*op, &a, &b).map(|v| typed_interval(v, &inner.data_type))
                    }
                    _ => unreachable!("matched above"),
                };
                Ok(result.unwrap_or(Value::Null))
            }
            Kind::Func(f, args, state) => within(eval_call(f, args, state, row)?, &self.data_type, "round"),
            Kind::MakeStruct(fields) => {
                Ok(Value::Struct(fields.iter().map(|f| f.eval(row)).collect::<Result<Vec<_>>>()?.into()))
            }
            Kind::ToJson(inner, formats) => match inner.eval(row)? {
                Value::Null => Ok(Value::Null),
                v => Ok(Value::String(crate::json_value::to_json_with(&v, &inner.data_type, formats).into())),
            },
            Kind::FromJson(inner, formats) => match (inner.eval(row)?, &self.data_type) {
                (Value::String(text), DataType::Struct(fields)) => {
                    Ok(crate::json_value::parse_struct_with(&text, fields, formats))
                }
                // An array of structs also reads one object, as a one-element array (Spark).
                (Value::String(text), DataType::Array(element))
                    if matches!(**element, DataType::Struct(_)) && text.trim_start().starts_with('{') =>
                {
                    let DataType::Struct(fields) = &**element else { unreachable!("matched above") };
                    Ok(match crate::json_value::parse_struct_with(&text, fields, formats) {
                        Value::Null => Value::Null,
                        one => Value::Array(vec![one].into()),
                    })
                }
                (Value::String(text), t) => Ok(crate::json_value::parse_value_with(&text, t, formats)),
                _ => Ok(Value::Null),
            },
            Kind::Temporal(op, l, r) => {
                let a = l.eval(row)?;
                if a.is_null() {
                    return Ok(Value::Null);
                }
                let b = r.eval(row)?;
                if b.is_null() {
                    return Ok(Value::Null);
                }
                Ok(typed_interval(temporal(*op, &a, &b)?, &self.data_type))
            }
            Kind::Time(f, args, zone) => eval_time(f, args, *zone, row),
            Kind::GroupingOnly(name) => Err(SluiceError::exec(format!(
                "{name}(...) here is a sliding or session window, which only a GROUP BY can compute"
            ))),
            Kind::HigherOrder(call) => call.eval(row),
            Kind::Aggregate(name) => Err(SluiceError::exec(format!(
                "aggregate function `{name}` cannot be evaluated row by row; the planner must compute it"
            ))),
        }
    }
}

pub(super) fn matches_pattern(
    expr: &BoundExpr,
    pattern: &Pattern,
    negated: bool,
    row: &[Value],
    compile: impl Fn(&str) -> Result<Regex>,
) -> Result<Value> {
    let Value::String(s) = expr.eval(row)? else {
        return Ok(Value::Null);
    };
    let hit = match pattern {
        Pattern::Compiled(re) => re.is_match(&s),
        Pattern::Dynamic(p) => match p.eval(row)? {
            Value::String(p) => compile(&p)?.is_match(&s),
            _ => return Ok(Value::Null),
        },
    };
    Ok(Value::Boolean(hit != negated))
}

/// `v`, or Spark's `[ARITHMETIC_OVERFLOW]` when a `TINYINT` or `SMALLINT` result `t` (held
/// as an int) left its type's range; `op` names the `try_` function of the message.
#[inline]
fn within(v: Value, t: &DataType, op: &str) -> Result<Value> {
    match (t.narrow_range(), &v) {
        (Some(range), Value::Int(n)) if !range.contains(n) => Err(overflow(&t.sql_name(), op)),
        _ => Ok(v),
    }
}

/// Spark's `[BINARY_ARITHMETIC_OVERFLOW]` of a `TINYINT` or `SMALLINT` operation `a op b`.
fn binary_overflow(op: Arith, a: &Value, b: &Value, t: &DataType) -> SluiceError {
    let suffix = if *t == DataType::Byte { "Y" } else { "S" };
    let (symbol, try_fn) = match op {
        Arith::Add => ("+", "try_add"),
        Arith::Sub => ("-", "try_subtract"),
        _ => ("*", "try_multiply"),
    };
    SluiceError::exec(format!(
        "[BINARY_ARITHMETIC_OVERFLOW] {}{suffix} {symbol} {}{suffix} caused overflow. Use '{try_fn}' to tolerate overflow and return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error. SQLSTATE: 22003",
        value_sql(a),
        value_sql(b)
    ))
}

/// [`arith`], with decimals computed to the result type `t` (Spark's rules give it when
/// binding); other operands as `arith`.
pub(super) fn arith_typed(op: Arith, a: &Value, b: &Value, t: &DataType) -> Result<Value> {
    let (Value::Decimal(x), Value::Decimal(y)) = (a, b) else {
        let result = arith(op, a, b)?;
        return match (t.narrow_range(), &result) {
            (Some(range), Value::Int(n)) if !range.contains(n) => Err(binary_overflow(op, a, b, t)),
            _ => Ok(result),
        };
    };
    let error = |e: crate::decimal::DecimalError, what: &str| match e {
        crate::decimal::DecimalError::DivideByZero if op == Arith::Rem => remainder_by_zero(),
        crate::decimal::DecimalError::DivideByZero => divide_by_zero(),
        crate::decimal::DecimalError::Overflow => match t {
            DataType::Decimal(p, s) => decimal_out_of_range(what, *p, *s),
            _ => overflow("long", "divide"),
        },
    };
    let symbol = match op {
        Arith::Add => "+",
        Arith::Sub => "-",
        Arith::Mul => "*",
        Arith::Div => "/",
        Arith::Rem => "%",
        Arith::IntDiv => "div",
    };
    let what = || format!("{x} {symbol} {y}");
    if op == Arith::IntDiv {
        let q = x.int_div(*y).map_err(|e| error(e, &what()))?;
        return Ok(Value::Long(i64::try_from(q).map_err(|_| overflow("long", "divide"))?));
    }
    let DataType::Decimal(p, s) = t else {
        return Err(SluiceError::exec(format!("internal: decimal arithmetic typed {t:?}")));
    };
    let dop = match op {
        Arith::Add => DecimalOp::Add,
        Arith::Sub => DecimalOp::Sub,
        Arith::Mul => DecimalOp::Mul,
        Arith::Div => DecimalOp::Div,
        _ => DecimalOp::Rem,
    };
    x.arith(dop, *y, *p, *s).map(Value::Decimal).map_err(|e| error(e, &what()))
}

pub(super) fn arith(op: Arith, a: &Value, b: &Value) -> Result<Value> {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            let (x, y) = (*x, *y);
            Value::Int(match op {
                Arith::Add => x.checked_add(y).ok_or_else(|| overflow("integer", "add"))?,
                Arith::Sub => x.checked_sub(y).ok_or_else(|| overflow("integer", "subtract"))?,
                Arith::Mul => x.checked_mul(y).ok_or_else(|| overflow("integer", "multiply"))?,
                Arith::Rem => {
                    if y == 0 {
                        return Err(remainder_by_zero());
                    }
                    x.wrapping_rem(y)
                }
                Arith::Div | Arith::IntDiv => unreachable!("division binds to double or bigint operands"),
            })
        }
        (Value::Long(x), Value::Long(y)) => {
            let (x, y) = (*x, *y);
            Value::Long(match op {
                Arith::Add => x.checked_add(y).ok_or_else(|| overflow("long", "add"))?,
                Arith::Sub => x.checked_sub(y).ok_or_else(|| overflow("long", "subtract"))?,
                Arith::Mul => x.checked_mul(y).ok_or_else(|| overflow("long", "multiply"))?,
                Arith::Rem if y == 0 => return Err(remainder_by_zero()),
                Arith::IntDiv if y == 0 => return Err(divide_by_zero()),
                Arith::Rem => x.wrapping_rem(y),
                Arith::IntDiv => x.checked_div(y).ok_or_else(|| overflow("long", "divide"))?,
                Arith::Div => unreachable!("`/` binds to double operands"),
            })
        }
        (Value::Double(x), Value::Double(y)) => {
            let (x, y) = (x.0, y.0);
            Value::double(match op {
                Arith::Add => x + y,
                Arith::Sub => x - y,
                Arith::Mul => x * y,
                Arith::Div if y == 0.0 => return Err(divide_by_zero()),
                Arith::Rem if y == 0.0 => return Err(remainder_by_zero()),
                Arith::Div => x / y,
                Arith::Rem => x % y,
                Arith::IntDiv => unreachable!("div binds to bigint operands"),
            })
        }
        _ => return Err(SluiceError::exec(format!("internal: arithmetic on {a:?} and {b:?}"))),
    })
}

/// An interval with the fields of its expression's type `t` (what it prints with).
pub(crate) fn typed_interval(v: Value, t: &DataType) -> Value {
    match (v, t) {
        (Value::YearMonth(ym), DataType::YearMonth(start, end)) => {
            Value::YearMonth(crate::types::YearMonth { start: *start, end: *end, ..ym })
        }
        (v @ (Value::Interval(_) | Value::DayTime(_)), t) => match t.day_time_fields() {
            Some((start, end)) => Value::day_time(v.interval_micros().unwrap_or(0), start, end),
            None => v,
        },
        (v, _) => v,
    }
}
