//! Spark's date-time arithmetic by unit: `timestampadd(unit, n, ts)` (also `dateadd` and
//! `date_add` with three arguments), `timestampdiff(unit, start, end)` (also `datediff` and
//! `date_diff` with three), and `make_timestamp(y, m, d, h, mi, s[, zone])`.
//!
//! As Spark's `DateTimeUtils.timestampAdd`: units of a day and longer move the local
//! date-time in the zone (months keep the day, clamped to the month's end), shorter ones the
//! instant; `timestampDiff` counts whole units between the two local date-times as
//! `java.time`'s `ChronoUnit.between` does.

use super::scalar::field_within;
use super::*;
use crate::time::{civil_from_days, days_from_civil, days_in_month};

const MICROS_PER_HOUR: i64 = 3_600 * MICROS_PER_SECOND;

/// A unit of `timestampadd` / `timestampdiff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DtUnit {
    Microsecond,
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    DayOfYear,
    Week,
    Month,
    Quarter,
    Year,
}

const UNITS: &str =
    "YEAR, QUARTER, MONTH, WEEK, DAY, DAYOFYEAR, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND";

impl DtUnit {
    fn parse(name: &str) -> Option<DtUnit> {
        Some(match name.to_ascii_uppercase().as_str() {
            "MICROSECOND" => DtUnit::Microsecond,
            "MILLISECOND" => DtUnit::Millisecond,
            "SECOND" => DtUnit::Second,
            "MINUTE" => DtUnit::Minute,
            "HOUR" => DtUnit::Hour,
            "DAY" => DtUnit::Day,
            "DAYOFYEAR" => DtUnit::DayOfYear,
            "WEEK" => DtUnit::Week,
            "MONTH" => DtUnit::Month,
            "QUARTER" => DtUnit::Quarter,
            "YEAR" => DtUnit::Year,
            _ => return None,
        })
    }

    /// The unit's length in microseconds, for the units shorter than a day.
    fn micros(self) -> Option<i64> {
        match self {
            DtUnit::Microsecond => Some(1),
            DtUnit::Millisecond => Some(1_000),
            DtUnit::Second => Some(MICROS_PER_SECOND),
            DtUnit::Minute => Some(60 * MICROS_PER_SECOND),
            DtUnit::Hour => Some(MICROS_PER_HOUR),
            _ => None,
        }
    }

    /// Months in the unit, for month, quarter and year.
    fn months(self) -> Option<i64> {
        match self {
            DtUnit::Month => Some(1),
            DtUnit::Quarter => Some(3),
            DtUnit::Year => Some(12),
            _ => None,
        }
    }
}

/// The unit argument of `function`: a bare unit name (`MONTH`), never a string.
pub(super) fn unit_argument(function: &str, arg: &Expr) -> Result<DtUnit> {
    let bad = |got: String| {
        SluiceError::analysis(format!(
            "[INVALID_PARAMETER_VALUE.DATETIME_UNIT] The value of parameter(s) `unit` in `{function}` is invalid: expects one of the units without quotes {UNITS}, but got {got}."
        ))
    };
    match arg {
        Expr::Column(parts) if parts.len() == 1 => {
            // Spark's parser reads an unknown unit as a column, so the call resolves to no function.
            let unit = DtUnit::parse(&parts[0]).ok_or_else(|| {
                SluiceError::analysis(format!(
                    "[UNRESOLVED_ROUTINE] Cannot resolve routine `{function}` on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]: `{}` is not one of its units ({UNITS}).",
                    parts[0]
                ))
            })?;
            if function == "timestampdiff" && unit == DtUnit::DayOfYear {
                return Err(bad(parts[0].clone()));
            }
            Ok(unit)
        }
        Expr::Literal(Value::String(s)) => Err(bad(format!("the string literal '{s}'"))),
        other => Err(bad(other.sql_name())),
    }
}

fn datetime_overflow(what: &str) -> SluiceError {
    SluiceError::exec(format!("[DATETIME_OVERFLOW] Datetime operation overflow: {what}. SQLSTATE: 22008"))
}

/// Local microseconds plus `months` on the calendar: the day kept, or the month's last.
fn plus_months(local: i64, months: i64) -> Option<i64> {
    let (days, time) = (local.div_euclid(MICROS_PER_DAY), local.rem_euclid(MICROS_PER_DAY));
    let (y, m, d) = civil_from_days(days);
    let total = (y.checked_mul(12)?).checked_add(i64::from(m) - 1)?.checked_add(months)?;
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    let day = d.min(days_in_month(year, month));
    days_from_civil(year, month, day).checked_mul(MICROS_PER_DAY)?.checked_add(time)
}

/// `timestampadd(unit, quantity, ts)` in `zone`.
pub(super) fn timestamp_add(unit: DtUnit, quantity: i64, ts: i64, zone: Zone) -> Result<Value> {
    let overflow = || datetime_overflow(&format!("add {quantity} {unit:?} to TIMESTAMP '{ts}'"));
    let out = if let Some(unit_micros) = unit.micros() {
        quantity.checked_mul(unit_micros).and_then(|d| ts.checked_add(d))
    } else if let Some(months) = unit.months() {
        quantity
            .checked_mul(months)
            .and_then(|m| plus_months(zone.to_local(ts), m))
            .map(|l| zone.from_local(l))
    } else {
        let days = if unit == DtUnit::Week { quantity.checked_mul(7) } else { Some(quantity) };
        days.and_then(|d| d.checked_mul(MICROS_PER_DAY))
            .and_then(|d| zone.to_local(ts).checked_add(d))
            .map(|l| zone.from_local(l))
    };
    out.map(Value::Timestamp).ok_or_else(overflow)
}

/// `timestampdiff(unit, start, end)` in `zone`: whole units from start to end, truncated
/// toward zero, between the local date-times.
pub(super) fn timestamp_diff(unit: DtUnit, start: i64, end: i64, zone: Zone) -> Result<Value> {
    let (a, b) = (zone.to_local(start), zone.to_local(end));
    if let Some(unit_micros) = unit.micros() {
        let diff = i128::from(b) - i128::from(a);
        return Ok(Value::Long((diff / i128::from(unit_micros)) as i64));
    }
    // ChronoUnit on LocalDateTime: the end date moves one day toward the start when its time
    // of day has not yet reached the start's.
    let (da, ta) = (a.div_euclid(MICROS_PER_DAY), a.rem_euclid(MICROS_PER_DAY));
    let (mut db, tb) = (b.div_euclid(MICROS_PER_DAY), b.rem_euclid(MICROS_PER_DAY));
    if db > da && tb < ta {
        db -= 1;
    } else if db < da && tb > ta {
        db += 1;
    }
    Ok(Value::Long(match unit {
        DtUnit::Week => (db - da) / 7,
        DtUnit::Month | DtUnit::Quarter | DtUnit::Year => {
            // LocalDate.until in months: (month number * 32 + day) apart, over 32.
            let packed = |days: i64| {
                let (y, m, d) = civil_from_days(days);
                (y * 12 + i64::from(m) - 1) * 32 + i64::from(d)
            };
            let months = (packed(db) - packed(da)) / 32;
            months / unit.months().expect("a month unit")
        }
        _ => db - da,
    }))
}

/// `make_timestamp(year, month, day, hour, min, sec)` in `zone`, `sec` a decimal(16,6) as
/// Spark casts it: 60 with no fraction is the next minute.
pub(super) fn make_timestamp(fields: [i64; 5], seconds: &Value, zone: Zone) -> Result<Value> {
    let [year, month, day, hour, minute] = fields;
    let Value::Decimal(sec) = seconds else { return Ok(Value::Null) };
    let micros = sec.unscaled;
    let (whole, fraction) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
    if whole == 60 && fraction != 0 {
        return Err(SluiceError::exec(format!(
            "[INVALID_FRACTION_OF_SECOND] Valid range for seconds is [0, 60] (inclusive), but the provided value is {sec}. To avoid this error, use `try_make_timestamp`, which returns NULL on error. If you do not want to use the session default timestamp version of this function, use `try_make_timestamp_ntz` or `try_make_timestamp_ltz`. SQLSTATE: 22023"
        )));
    }
    // 60 (no fraction) is the next minute; java.time's message names 0 - 59 all the same.
    field_within(whole as i64, 0..=60, "SecondOfMinute", "0 - 59")?;
    field_within(hour, 0..=23, "HourOfDay", "0 - 23")?;
    field_within(minute, 0..=59, "MinuteOfHour", "0 - 59")?;
    let date = scalar::make_date(year, month, day)?;
    let local = i64::from(date) * MICROS_PER_DAY
        + hour * MICROS_PER_HOUR
        + minute * 60 * MICROS_PER_SECOND
        + whole as i64 * MICROS_PER_SECOND
        + fraction as i64;
    Ok(Value::Timestamp(zone.from_local(local)))
}
