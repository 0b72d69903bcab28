//! Casts between types as Spark's ANSI `CAST(v AS t)` and `try_cast` do.

use super::*;

/// Casts a value as Spark's ANSI `CAST(v AS to)` does in UTC: malformed strings and
/// overflows are `[CAST_INVALID_INPUT]` / `[CAST_OVERFLOW]` execution errors; NULL stays NULL.
pub fn cast_value(v: &Value, to: &DataType) -> Result<Value> {
    cast_value_in(v, to, Zone::Utc)
}

/// [`cast_value`] with session zone `zone`: timestamps are read from and written as local
/// text there, and a timestamp's date (and a date's midnight) is the zone's.
pub fn cast_value_in(v: &Value, to: &DataType, zone: Zone) -> Result<Value> {
    use DataType as T;
    let from = v.data_type();
    if v.is_null() || (from == *to && !matches!(to, T::Struct(_))) {
        return Ok(v.clone());
    }
    let bad = || invalid_input(v, &from, to);
    let ovf = || cast_overflow(v, &from, to);
    Ok(match (v, to) {
        (_, T::Null) => Value::Null,
        (Value::YearMonth(ym), T::YearMonth(start, end)) => {
            Value::YearMonth(crate::types::YearMonth { start: *start, end: *end, ..*ym })
        }
        // An integer is a count of the type's last field (years of INTERVAL YEAR).
        (Value::Int(_) | Value::Long(_), T::YearMonth(start, end)) => {
            let n = v.as_i64().unwrap_or(0);
            let months = if *end == crate::types::YmField::Year { n.checked_mul(12) } else { Some(n) };
            let months = months.and_then(|m| i32::try_from(m).ok()).ok_or_else(ovf)?;
            Value::YearMonth(crate::types::YearMonth { months, start: *start, end: *end })
        }
        // A decimal rounds half up to a count of the type's last field.
        (Value::Decimal(d), T::YearMonth(..)) => {
            let n = d.to_type(38, 0).map_err(|_| ovf())?.unscaled;
            let n = i64::try_from(n).map_err(|_| ovf())?;
            return cast_value_in(&Value::Long(n), to, zone);
        }
        (Value::String(s), T::YearMonth(start, end)) => {
            let expr = crate::sql::parse_expr(s.trim()).ok();
            let months = match expr {
                Some(crate::expr::Expr::Literal(Value::YearMonth(ym))) => ym.months,
                // The bare value of the type's fields (`'1-2'` as YEAR TO MONTH).
                _ => {
                    let fields = match (start, end) {
                        (crate::types::YmField::Year, crate::types::YmField::Month) => "YEAR TO MONTH",
                        (crate::types::YmField::Year, _) => "YEAR",
                        _ => "MONTH",
                    };
                    match crate::sql::parse_expr(&format!(
                        "INTERVAL '{}' {fields}",
                        s.trim().replace('\'', "")
                    )) {
                        Ok(crate::expr::Expr::Literal(Value::YearMonth(ym))) => ym.months,
                        _ => return Err(bad()),
                    }
                }
            };
            Value::YearMonth(crate::types::YearMonth { months, start: *start, end: *end })
        }
        // A single-field year-month interval casts as its count of that field (years of
        // `INTERVAL YEAR`), the others as months (Spark's `Cast` of ANSI intervals).
        (Value::YearMonth(ym), T::Byte | T::Short | T::Int | T::Long | T::Decimal(..)) => {
            let n = match (ym.start, ym.end) {
                (crate::types::YmField::Year, crate::types::YmField::Year) => ym.months / 12,
                _ => ym.months,
            };
            return count_as(&Value::Int(n), to, zone, ovf);
        }
        // Day-time intervals: retyped between field ranges; to and from numbers as a count
        // of the type's last field (seconds of `INTERVAL HOUR TO SECOND`), an integer cut
        // toward zero, a decimal rounded half up (Spark's `Cast` of ANSI intervals).
        (Value::Interval(_) | Value::DayTime(_), T::Interval | T::DayTime(..)) => {
            let (start, end) = to.day_time_fields().expect("a day-time type");
            Value::day_time(v.interval_micros().unwrap_or(0), start, end)
        }
        (Value::Interval(_) | Value::DayTime(_), T::Byte | T::Short | T::Int | T::Long | T::Decimal(..)) => {
            let (_, end) = from.day_time_fields().expect("a day-time type");
            let micros = v.interval_micros().unwrap_or(0);
            let count = if let T::Decimal(p, s) = to {
                // Seconds are exact at scale 6; a coarser unit at scale 18, the rest cut.
                let seconds_per_unit = i128::from(end.micros() / 1_000_000);
                let exact = if seconds_per_unit == 1 {
                    crate::decimal::Decimal::new(i128::from(micros), 6)
                } else {
                    crate::decimal::Decimal::new(
                        i128::from(micros) * 1_000_000_000_000 / seconds_per_unit,
                        18,
                    )
                };
                return Ok(Value::Decimal(
                    exact.to_type(*p, *s).map_err(|_| decimal_out_of_range(&exact.to_string(), *p, *s))?,
                ));
            } else {
                micros / end.micros()
            };
            return count_as(&Value::Long(count), to, zone, ovf);
        }
        (Value::Int(_) | Value::Long(_), T::Interval | T::DayTime(..)) => {
            let (start, end) = to.day_time_fields().expect("a day-time type");
            let micros = v.as_i64().unwrap_or(0).checked_mul(end.micros()).ok_or_else(ovf)?;
            Value::day_time(micros, start, end)
        }
        (Value::Decimal(d), T::Interval | T::DayTime(..)) => {
            let (start, end) = to.day_time_fields().expect("a day-time type");
            let scaled = d.unscaled.checked_mul(i128::from(end.micros())).ok_or_else(ovf)?;
            let micros = crate::decimal::Decimal::new(scaled, d.scale).to_type(38, 0).map_err(|_| ovf())?;
            Value::day_time(i64::try_from(micros.unscaled).map_err(|_| ovf())?, start, end)
        }
        (Value::Time(_), T::Time(_)) => v.clone(),
        // A time of day casts as its seconds since midnight: whole ones to an integer, the
        // fraction kept (rounded half up) in a decimal.
        (Value::Time(n), T::Byte | T::Short | T::Int | T::Long) => {
            return count_as(&Value::Long(n / crate::time::NANOS_PER_SECOND), to, zone, ovf);
        }
        (Value::Time(n), T::Decimal(p, s)) => {
            let seconds = crate::decimal::Decimal::new(i128::from(*n), 9);
            Value::Decimal(
                seconds.to_type(*p, *s).map_err(|_| decimal_out_of_range(&seconds.to_string(), *p, *s))?,
            )
        }
        // That time on the session zone's current date.
        (Value::Time(n), T::Timestamp) => {
            let today = zone.to_local(super::datetime::now_micros()).div_euclid(MICROS_PER_DAY);
            Value::Timestamp(zone.from_local(today * MICROS_PER_DAY + n / 1000))
        }
        (Value::String(s), T::Time(_)) => Value::Time(crate::time::parse_time(s).map_err(|_| bad())?.0),
        (Value::Struct(_), T::Struct(_)) => v.clone(),
        (_, T::String) => Value::String(crate::format::display_value_in(v, zone).into()),
        (Value::Map(entries), T::Map(kt, vt)) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| Ok((cast_value_in(k, kt, zone)?, cast_value_in(v, vt, zone)?)))
                .collect::<Result<Vec<_>>>()?
                .into(),
        ),
        (Value::Array(items), T::Array(element)) => Value::Array(
            items.iter().map(|x| cast_value_in(x, element, zone)).collect::<Result<Vec<_>>>()?.into(),
        ),
        (Value::String(s), T::Boolean) => match s.trim().to_ascii_lowercase().as_str() {
            "t" | "true" | "y" | "yes" | "1" => Value::Boolean(true),
            "f" | "false" | "n" | "no" | "0" => Value::Boolean(false),
            _ => return Err(bad()),
        },
        (Value::String(s), T::Int) => {
            let n = parse_integral(s).ok_or_else(bad)?;
            Value::Int(i32::try_from(n).map_err(|_| bad())?)
        }
        (Value::String(s), T::Long) => Value::Long(parse_integral(s).ok_or_else(bad)?),
        (Value::String(s), T::Double) => Value::double(parse_double(s).ok_or_else(bad)?),
        (Value::String(s), T::Binary) => Value::Binary(Arc::from(s.as_bytes())),
        (Value::String(s), T::Timestamp) => {
            Value::Timestamp(crate::time::parse_timestamp_in(s.trim(), zone).ok_or_else(bad)?)
        }
        (Value::String(s), T::Date) => Value::Date(crate::time::parse_date(s.trim()).ok_or_else(bad)?),
        (Value::String(s), T::Interval) => match crate::time::parse_interval_parts(s) {
            Ok((0, micros)) => Value::Interval(micros),
            _ => return Err(bad()),
        },
        // TINYINT and SMALLINT are ints in their range: a string beyond it is not a number
        // of the type, any other value overflows it.
        (_, T::Byte | T::Short) => match cast_value_in(v, &T::Int, zone) {
            Ok(Value::Int(n)) if to.narrow_range().is_some_and(|r| r.contains(&n)) => Value::Int(n),
            Ok(_) | Err(_) if matches!(v, Value::String(_)) => return Err(bad()),
            Ok(_) => return Err(ovf()),
            Err(e) => return Err(as_overflow(e, ovf)),
        },
        (_, T::Decimal(p, sc)) => Value::Decimal(to_decimal(v, &from, *p, *sc, zone)?),
        (Value::Decimal(d), T::Boolean) => Value::Boolean(!d.is_zero()),
        (Value::Decimal(d), T::Double) => Value::double(d.to_f64()),
        (Value::Decimal(d), T::Int) => Value::Int(i32::try_from(d.trunc()).map_err(|_| ovf())?),
        (Value::Decimal(d), T::Long) => Value::Long(i64::try_from(d.trunc()).map_err(|_| ovf())?),
        (Value::Decimal(d), T::Timestamp) => {
            // Seconds since the epoch, the fraction beyond microseconds cut.
            let micros = d.to_type(38, 6).map_err(|_| ovf())?;
            let exact =
                if d.scale > 6 { d.unscaled / 10i128.pow(u32::from(d.scale - 6)) } else { micros.unscaled };
            Value::Timestamp(i64::try_from(exact).map_err(|_| ovf())?)
        }
        (Value::Boolean(b), T::Int) => Value::Int(*b as i32),
        (Value::Boolean(b), T::Long) => Value::Long(*b as i64),
        (Value::Boolean(b), T::Double) => Value::double(if *b { 1.0 } else { 0.0 }),
        (Value::Int(n), T::Boolean) => Value::Boolean(*n != 0),
        (Value::Long(n), T::Boolean) => Value::Boolean(*n != 0),
        (Value::Double(d), T::Boolean) => Value::Boolean(d.0 != 0.0),
        (Value::Int(n), T::Long) => Value::Long(*n as i64),
        (Value::Int(n), T::Double) => Value::double(*n as f64),
        (Value::Long(n), T::Int) => Value::Int(i32::try_from(*n).map_err(|_| ovf())?),
        (Value::Long(n), T::Double) => Value::double(*n as f64),
        (Value::Double(d), T::Int) => {
            let t = d.0.trunc();
            if !(i32::MIN as f64..=i32::MAX as f64).contains(&t) {
                return Err(ovf());
            }
            Value::Int(t as i32)
        }
        (Value::Double(d), T::Long) => {
            let t = d.0.trunc();
            // i64::MAX as f64 rounds up to 2^63, which itself overflows.
            if !(t >= i64::MIN as f64 && t < i64::MAX as f64) {
                return Err(ovf());
            }
            Value::Long(t as i64)
        }
        // Timestamps and numbers meet as seconds since the epoch.
        (Value::Int(_) | Value::Long(_), T::Timestamp) => {
            Value::Timestamp(v.as_i64().unwrap_or(0).checked_mul(1_000_000).ok_or_else(ovf)?)
        }
        (Value::Double(d), T::Timestamp) => {
            // NaN and the infinities are no number of seconds (Spark: CAST_INVALID_INPUT).
            if !d.0.is_finite() {
                return Err(bad());
            }
            let micros = (d.0 * 1e6).trunc();
            if !(micros >= i64::MIN as f64 && micros < i64::MAX as f64) {
                return Err(ovf());
            }
            Value::Timestamp(micros as i64)
        }
        (Value::Timestamp(t), T::Long) => Value::Long(t.div_euclid(1_000_000)),
        (Value::Timestamp(t), T::Int) => {
            Value::Int(i32::try_from(t.div_euclid(1_000_000)).map_err(|_| ovf())?)
        }
        (Value::Timestamp(t), T::Double) => Value::double(*t as f64 / 1e6),
        (Value::Timestamp(t), T::Date) => Value::Date(zone.to_local(*t).div_euclid(MICROS_PER_DAY) as i32),
        (Value::Date(d), T::Timestamp) => Value::Timestamp(zone.from_local(*d as i64 * MICROS_PER_DAY)),
        _ => {
            return Err(SluiceError::exec(format!(
                "cannot cast {} of type \"{}\" to \"{}\"",
                value_sql(v),
                type_sql(&from),
                type_sql(to)
            )))
        }
    })
}

/// A value as `DECIMAL(p, s)`: strings read exactly, doubles by their shortest text (as
/// Spark's `Decimal(d)`), half up to scale `s`; a value needing more than `p` digits is
/// Spark's `[NUMERIC_VALUE_OUT_OF_RANGE]`.
fn to_decimal(v: &Value, from: &DataType, p: u8, s: u8, zone: Zone) -> Result<Decimal> {
    let to = DataType::Decimal(p, s);
    let fits = |d: Decimal| d.to_type(p, s).map_err(|_| decimal_out_of_range(&d.to_string(), p, s));
    match v {
        Value::Decimal(d) => fits(*d),
        Value::String(text) => fits(Decimal::parse(text).ok_or_else(|| invalid_input(v, from, &to))?),
        Value::Int(_) | Value::Long(_) => fits(Decimal::new(i128::from(v.as_i64().unwrap_or(0)), 0)),
        Value::Boolean(b) => fits(Decimal::new(i128::from(*b), 0)),
        Value::Double(d) => Decimal::from_f64(d.0, p, s).map_err(|_| {
            if d.0.is_finite() {
                decimal_out_of_range(&crate::format::display_value_in(v, zone), p, s)
            } else {
                invalid_input(v, from, &to)
            }
        }),
        Value::Timestamp(t) => fits(Decimal::new(i128::from(*t), 6)),
        _ => Err(SluiceError::exec(format!(
            "cannot cast {} of type \"{}\" to \"{}\"",
            value_sql(v),
            type_sql(from),
            type_sql(&to)
        ))),
    }
}

/// A count (an interval's months or last field, a time's seconds) cast to an integral or
/// decimal type `to`, its overflow reported as the original value's (`ovf`).
fn count_as(n: &Value, to: &DataType, zone: Zone, ovf: impl Fn() -> SluiceError) -> Result<Value> {
    cast_value_in(n, to, zone).map_err(|e| as_overflow(e, ovf))
}

/// A `CAST_OVERFLOW` error of an inner cast told as the outer value's (`ovf`).
fn as_overflow(e: SluiceError, ovf: impl Fn() -> SluiceError) -> SluiceError {
    if e.to_string().contains("CAST_OVERFLOW") {
        ovf()
    } else {
        e
    }
}

/// `try_cast`: like [`cast_value`], but a value that cannot be cast becomes NULL.
pub fn try_cast_value(v: &Value, to: &DataType) -> Value {
    cast_value(v, to).unwrap_or(Value::Null)
}

/// An integer from text as Spark 4's ANSI cast reads it: trimmed, an optional sign, then
/// digits only (`'1.23'` and `'1.0'` are malformed, not 1).
pub(super) fn parse_integral(s: &str) -> Option<i64> {
    let t = s.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.strip_prefix('+').unwrap_or(t).parse::<i64>().ok()
}

pub(super) fn parse_double(s: &str) -> Option<f64> {
    let t = s.trim();
    // Before the `d`/`f` suffix is cut: `inf` is Infinity, not `in`.
    if let Some(special) = crate::double_text::cast_non_finite(t) {
        return Some(special);
    }
    let t = t.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(t);
    if t.is_empty() || t.bytes().any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E') {
        return None;
    }
    t.parse().ok()
}
