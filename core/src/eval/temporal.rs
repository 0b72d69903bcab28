//! Timestamp, date and interval arithmetic (Spark's `TimeAdd`, `SubtractTimestamps`,
//! `DateAdd`, `MultiplyDTInterval`, ...): which operation `a op b` denotes and its value.

use super::*;
use crate::types::YmField;

/// Arithmetic on timestamps, dates and day-time intervals (Spark's `TimeAdd`,
/// `SubtractTimestamps`, `DateAdd`, `MultiplyDTInterval`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Temporal {
    /// timestamp + interval
    TsPlusIv,
    /// timestamp - interval
    TsMinusIv,
    /// interval + interval
    IvPlusIv,
    /// interval - interval
    IvMinusIv,
    /// timestamp - timestamp, an interval: the difference of the two local date-times in the
    /// session zone (Spark's `SubtractTimestamps`), so a DST change between them is not counted.
    TsMinusTs(Zone),
    /// date + int days
    DatePlusDays,
    /// date - int days
    DateMinusDays,
    /// date - date, an interval of whole days
    DateMinusDate,
    /// interval * number (bigint or double), rounded half up
    IvTimes,
    /// interval / number (bigint or double), rounded half up
    IvDiv,
    /// date + year-month interval (`swapped`: interval + date), months added as `add_months`
    DatePlusYm { swapped: bool },
    /// date - year-month interval
    DateMinusYm,
    /// timestamp + year-month interval, months added to the local date-time in the zone
    TsPlusYm { zone: Zone, swapped: bool },
    /// timestamp - year-month interval
    TsMinusYm(Zone),
    /// year-month interval + year-month interval
    YmPlusYm,
    /// year-month interval - year-month interval
    YmMinusYm,
    /// year-month interval * number (bigint, or double rounded half up)
    YmTimes,
    /// year-month interval / number (bigint or double), rounded half up
    YmDiv,
}

/// The temporal operation `left op right` denotes, with the types its operands are cast to
/// and its result type; `None` when neither side makes it temporal.
pub(super) fn temporal_op(
    op: BinaryOp,
    l: &DataType,
    r: &DataType,
) -> Option<(Temporal, DataType, DataType, DataType)> {
    use DataType::*;
    // A day-time interval of other fields than DAY TO SECOND: a day count beside a date is
    // `date_add` (Spark's `DateAdd(d, ExtractANSIIntervalDays(i))`); a sum or difference
    // of two is typed with the widest fields; otherwise it is worked as DAY TO SECOND and
    // negation and `*`/`/` keep DAY TO SECOND as Spark's do.
    if matches!(l, DayTime(..)) || matches!(r, DayTime(..)) {
        let day = |t: &DataType| matches!(t, DayTime(crate::types::DtField::Day, crate::types::DtField::Day));
        match (op, l, r) {
            (BinaryOp::Plus, Date, t) if day(t) => return Some((Temporal::DatePlusDays, Date, Int, Date)),
            (BinaryOp::Minus, Date, t) if day(t) => return Some((Temporal::DateMinusDays, Date, Int, Date)),
            _ => {}
        }
        let fields = |t: &DataType| t.day_time_fields();
        let widen = |t: &DataType| if fields(t).is_some() { Interval } else { t.clone() };
        let (temporal, lt, rt, result) = temporal_op(op, &widen(l), &widen(r))?;
        let result = match (temporal, fields(l), fields(r)) {
            (Temporal::IvPlusIv | Temporal::IvMinusIv, Some((s1, e1)), Some((s2, e2))) => {
                DataType::day_time(s1.min(s2), e1.max(e2))
            }
            (Temporal::IvPlusIv | Temporal::IvMinusIv, Some((s, e)), None)
            | (Temporal::IvPlusIv | Temporal::IvMinusIv, None, Some((s, e))) => DataType::day_time(s, e),
            _ => result,
        };
        return Some((temporal, lt, rt, result));
    }
    let instant = |t: &DataType| matches!(t, Timestamp | Date | String);
    // Year-month intervals: their sums keep the widest fields, products are YEAR TO MONTH.
    let full = YearMonth(YmField::Year, YmField::Month);
    let widest = |a: &DataType, b: &DataType| match (a, b) {
        (YearMonth(s1, e1), YearMonth(s2, e2)) => YearMonth(*s1.min(s2), *e1.max(e2)),
        (t @ YearMonth(..), _) | (_, t @ YearMonth(..)) => t.clone(),
        _ => full.clone(),
    };
    let ym = |t: &DataType| matches!(t, YearMonth(..));
    let ym_or_null = |t: &DataType| matches!(t, YearMonth(..) | Null);
    if ym(l) || ym(r) {
        let zone = session_zone();
        return Some(match (op, l, r) {
            (BinaryOp::Plus, a, b) if ym_or_null(a) && ym_or_null(b) => {
                let t = widest(a, b);
                (Temporal::YmPlusYm, t.clone(), t.clone(), t)
            }
            (BinaryOp::Minus, a, b) if ym_or_null(a) && ym_or_null(b) => {
                let t = widest(a, b);
                (Temporal::YmMinusYm, t.clone(), t.clone(), t)
            }
            (BinaryOp::Plus, Date, t) => (Temporal::DatePlusYm { swapped: false }, Date, t.clone(), Date),
            (BinaryOp::Plus, t, Date) => (Temporal::DatePlusYm { swapped: true }, t.clone(), Date, Date),
            (BinaryOp::Minus, Date, t) => (Temporal::DateMinusYm, Date, t.clone(), Date),
            (BinaryOp::Plus, Timestamp, t) => {
                (Temporal::TsPlusYm { zone, swapped: false }, Timestamp, t.clone(), Timestamp)
            }
            (BinaryOp::Plus, t, Timestamp) => {
                (Temporal::TsPlusYm { zone, swapped: true }, t.clone(), Timestamp, Timestamp)
            }
            (BinaryOp::Minus, Timestamp, t) => (Temporal::TsMinusYm(zone), Timestamp, t.clone(), Timestamp),
            (BinaryOp::Multiply, t, n) if ym(t) && (n.is_numeric() || *n == Null) => {
                let nt = if matches!(n, Double | Decimal(..)) { Double } else { Long };
                (Temporal::YmTimes, t.clone(), nt, full)
            }
            (BinaryOp::Divide, t, n) if ym(t) && (n.is_numeric() || *n == Null) => {
                let nt = if matches!(n, Double | Decimal(..)) { Double } else { Long };
                (Temporal::YmDiv, t.clone(), nt, full)
            }
            _ => return None,
        });
    }
    Some(match (op, l, r) {
        (BinaryOp::Plus, Interval, Interval | Null) | (BinaryOp::Plus, Null, Interval) => {
            (Temporal::IvPlusIv, Interval, Interval, Interval)
        }
        (BinaryOp::Minus, Interval, Interval | Null) | (BinaryOp::Minus, Null, Interval) => {
            (Temporal::IvMinusIv, Interval, Interval, Interval)
        }
        (BinaryOp::Plus, a, Interval) if instant(a) => (Temporal::TsPlusIv, Timestamp, Interval, Timestamp),
        (BinaryOp::Minus, a, Interval) if instant(a) => (Temporal::TsMinusIv, Timestamp, Interval, Timestamp),
        // A string beside a date or timestamp in `-` is cast to it (Spark's ANSI coercion).
        (BinaryOp::Minus, Date, Date | String) | (BinaryOp::Minus, String, Date) => (
            Temporal::DateMinusDate,
            Date,
            Date,
            DayTime(crate::types::DtField::Day, crate::types::DtField::Day),
        ),
        (BinaryOp::Minus, Timestamp, String) | (BinaryOp::Minus, String, Timestamp) => {
            (Temporal::TsMinusTs(session_zone()), Timestamp, Timestamp, Interval)
        }
        (BinaryOp::Minus, Timestamp, Timestamp | Date) | (BinaryOp::Minus, Date, Timestamp) => {
            (Temporal::TsMinusTs(session_zone()), Timestamp, Timestamp, Interval)
        }
        (BinaryOp::Plus, Date, Byte | Short | Int) => (Temporal::DatePlusDays, Date, Int, Date),
        (BinaryOp::Minus, Date, Byte | Short | Int) => (Temporal::DateMinusDays, Date, Int, Date),
        // A fractional factor (double or decimal) multiplies as a double, rounded half up.
        (BinaryOp::Multiply, Interval, n) if n.is_numeric() || *n == Null => {
            let nt = if matches!(n, Double | Decimal(..)) { Double } else { Long };
            (Temporal::IvTimes, Interval, nt, Interval)
        }
        (BinaryOp::Divide, Interval, n) if n.is_numeric() || *n == Null => {
            let nt = if matches!(n, Double | Decimal(..)) { Double } else { Long };
            (Temporal::IvDiv, Interval, nt, Interval)
        }
        _ => return None,
    })
}

pub(super) fn interval_divided_by_zero() -> SluiceError {
    SluiceError::exec(
        "[INTERVAL_DIVIDED_BY_ZERO] Divide by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead. SQLSTATE: 22012",
    )
}

/// Rounds half away from zero (Java's `RoundingMode.HALF_UP`) into a long.
pub(super) fn round_half_up(x: f64) -> Result<i64> {
    let r = x.round();
    if r.is_finite() && r >= i64::MIN as f64 && r < i64::MAX as f64 {
        Ok(r as i64)
    } else {
        Err(overflow("long", "multiply"))
    }
}

pub(super) fn temporal(op: Temporal, a: &Value, b: &Value) -> Result<Value> {
    let add = |x: i64, y: i64| x.checked_add(y).ok_or_else(|| overflow("long", "add"));
    let sub = |x: i64, y: i64| x.checked_sub(y).ok_or_else(|| overflow("long", "subtract"));
    Ok(match (op, a, b) {
        (Temporal::TsPlusIv, Value::Timestamp(t), Value::Interval(i)) => Value::Timestamp(add(*t, *i)?),
        (Temporal::TsMinusIv, Value::Timestamp(t), Value::Interval(i)) => Value::Timestamp(sub(*t, *i)?),
        (Temporal::IvPlusIv, Value::Interval(x), Value::Interval(y)) => Value::Interval(add(*x, *y)?),
        (Temporal::IvMinusIv, Value::Interval(x), Value::Interval(y)) => Value::Interval(sub(*x, *y)?),
        (Temporal::TsMinusTs(zone), Value::Timestamp(x), Value::Timestamp(y)) => {
            Value::Interval(sub(zone.to_local(*x), zone.to_local(*y))?)
        }
        (Temporal::DatePlusDays, Value::Date(d), Value::Int(n)) => {
            Value::Date(d.checked_add(*n).ok_or_else(|| overflow("integer", "add"))?)
        }
        (Temporal::DateMinusDays, Value::Date(d), Value::Int(n)) => {
            Value::Date(d.checked_sub(*n).ok_or_else(|| overflow("integer", "subtract"))?)
        }
        (Temporal::DateMinusDate, Value::Date(x), Value::Date(y)) => {
            Value::Interval((*x as i64 - *y as i64) * MICROS_PER_DAY)
        }
        (Temporal::IvTimes, Value::Interval(i), Value::Long(n)) => {
            Value::Interval(i.checked_mul(*n).ok_or_else(|| overflow("long", "multiply"))?)
        }
        (Temporal::IvTimes, Value::Interval(i), Value::Double(d)) => {
            Value::Interval(round_half_up(*i as f64 * d.0)?)
        }
        (Temporal::IvDiv, Value::Interval(i), Value::Long(n)) => {
            if *n == 0 {
                return Err(interval_divided_by_zero());
            }
            let (x, y) = (*i as i128, *n as i128);
            let (q, r) = (x / y, x % y);
            let q = if 2 * r.abs() >= y.abs() { q + x.signum() * y.signum() } else { q };
            Value::Interval(i64::try_from(q).map_err(|_| overflow("long", "divide"))?)
        }
        (Temporal::IvDiv, Value::Interval(i), Value::Double(d)) => {
            if d.0 == 0.0 {
                return Err(interval_divided_by_zero());
            }
            Value::Interval(round_half_up(*i as f64 / d.0)?)
        }
        (Temporal::DatePlusYm { swapped }, _, _) => {
            let (d, m) = if swapped { (b, a) } else { (a, b) };
            date_plus_months(d, months(m)?)?
        }
        (Temporal::DateMinusYm, d, m) => date_plus_months(d, -months(m)?)?,
        (Temporal::TsPlusYm { zone, swapped }, _, _) => {
            let (t, m) = if swapped { (b, a) } else { (a, b) };
            ts_plus_months(t, months(m)?, zone)?
        }
        (Temporal::TsMinusYm(zone), t, m) => ts_plus_months(t, -months(m)?, zone)?,
        (Temporal::YmPlusYm, _, _) => ym_value(months(a)? + months(b)?, "add")?,
        (Temporal::YmMinusYm, _, _) => ym_value(months(a)? - months(b)?, "subtract")?,
        (Temporal::YmTimes, m, Value::Long(n)) => {
            ym_value(months(m)?.checked_mul(*n).ok_or_else(|| overflow("integer", "multiply"))?, "multiply")?
        }
        (Temporal::YmTimes, m, Value::Double(d)) => {
            ym_value(round_half_up(months(m)? as f64 * d.0)?, "multiply")?
        }
        (Temporal::YmDiv, m, Value::Long(n)) => {
            if *n == 0 {
                return Err(interval_divided_by_zero());
            }
            let (x, y) = (months(m)?, *n);
            let (q, r) = (x / y, x % y);
            ym_value(if 2 * r.abs() >= y.abs() { q + x.signum() * y.signum() } else { q }, "divide")?
        }
        (Temporal::YmDiv, m, Value::Double(d)) => {
            if d.0 == 0.0 {
                return Err(interval_divided_by_zero());
            }
            ym_value(round_half_up(months(m)? as f64 / d.0)?, "divide")?
        }
        _ => return Err(SluiceError::exec(format!("internal: {op:?} on {a:?} and {b:?}"))),
    })
}

/// A year-month interval's months.
fn months(v: &Value) -> Result<i64> {
    match v {
        Value::YearMonth(ym) => Ok(i64::from(ym.months)),
        other => Err(SluiceError::exec(format!("internal: {other:?} is no year-month interval"))),
    }
}

/// `months` as a year-month interval (YEAR TO MONTH; the caller's type names its fields),
/// or Spark's overflow error.
fn ym_value(months: i64, what: &str) -> Result<Value> {
    let months = i32::try_from(months).map_err(|_| match what {
        "add" | "subtract" => SluiceError::exec(format!(
            "[INTERVAL_ARITHMETIC_OVERFLOW.WITH_SUGGESTION] Integer overflow while operating with intervals. Use `try_{what}` to tolerate overflow and return NULL instead. SQLSTATE: 22015"
        )),
        _ => overflow("integer", what),
    })?;
    Ok(Value::YearMonth(crate::types::YearMonth { months, start: YmField::Year, end: YmField::Month }))
}

fn date_plus_months(d: &Value, months: i64) -> Result<Value> {
    let Value::Date(days) = d else {
        return Err(SluiceError::exec(format!("internal: {d:?} is no date")));
    };
    let out = crate::time::add_months(i64::from(*days), months).ok_or_else(|| overflow("integer", "add"))?;
    Ok(Value::Date(out as i32))
}

fn ts_plus_months(t: &Value, months: i64, zone: Zone) -> Result<Value> {
    let Value::Timestamp(us) = t else {
        return Err(SluiceError::exec(format!("internal: {t:?} is no timestamp")));
    };
    let local = zone.to_local(*us);
    let (days, time) = (local.div_euclid(MICROS_PER_DAY), local.rem_euclid(MICROS_PER_DAY));
    let days = crate::time::add_months(days, months).ok_or_else(|| overflow("long", "add"))?;
    Ok(Value::Timestamp(zone.from_local(days * MICROS_PER_DAY + time)))
}
