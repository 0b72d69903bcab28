//! Timestamp, date and interval arithmetic (Spark's `TimeAdd`, `SubtractTimestamps`,
//! `DateAdd`, `MultiplyDTInterval`, ...): which operation `a op b` denotes and its value.

use super::*;

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
}

/// The temporal operation `left op right` denotes, with the types its operands are cast to
/// and its result type; `None` when neither side makes it temporal.
pub(super) fn temporal_op(
    op: BinaryOp,
    l: &DataType,
    r: &DataType,
) -> Option<(Temporal, DataType, DataType, DataType)> {
    use DataType::*;
    let instant = |t: &DataType| matches!(t, Timestamp | Date | String);
    Some(match (op, l, r) {
        (BinaryOp::Plus, Interval, Interval | Null) | (BinaryOp::Plus, Null, Interval) => {
            (Temporal::IvPlusIv, Interval, Interval, Interval)
        }
        (BinaryOp::Minus, Interval, Interval | Null) | (BinaryOp::Minus, Null, Interval) => {
            (Temporal::IvMinusIv, Interval, Interval, Interval)
        }
        (BinaryOp::Plus, a, Interval) if instant(a) => (Temporal::TsPlusIv, Timestamp, Interval, Timestamp),
        (BinaryOp::Minus, a, Interval) if instant(a) => (Temporal::TsMinusIv, Timestamp, Interval, Timestamp),
        (BinaryOp::Minus, Date, Date) => (Temporal::DateMinusDate, Date, Date, Interval),
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
        _ => return Err(SluiceError::exec(format!("internal: {op:?} on {a:?} and {b:?}"))),
    })
}
