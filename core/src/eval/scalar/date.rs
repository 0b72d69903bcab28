//! Dates from fields and from day numbers: `make_date`, `unix_date`, `date_from_unix_date`,
//! `next_day`, and months on dates: `add_months`, `months_between`.

use super::*;
use crate::time::{checked_days_from_civil, days_in_month, weekday};

/// Java's `java.time` year range, which Spark's dates keep to.
const YEARS: std::ops::RangeInclusive<i64> = -999_999_999..=999_999_999;

/// The date functions, one entry each.
pub(super) const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        name: "make_date",
        aliases: &[],
        arity: (3, 3),
        signature: |call, b| {
            let args = b.into_iter().map(|a| call.int(a)).collect::<Result<Vec<_>>>()?;
            Signature::new(args, DataType::Date)
        },
        // Spark's `MakeDate` under ANSI: a field out of range is an error, named as
        // java.time names it.
        eval: Eval::Strict(|v, _| {
            let (year, month, day) = (int(&v[0]), int(&v[1]), int(&v[2]));
            make_date(year, month, day).map(Value::Date)
        }),
    },
    ScalarFunction {
        name: "add_months",
        aliases: &[],
        arity: (2, 2),
        // The date `n` months on, its day clamped to the month's length.
        signature: |call, b| {
            let mut it = b.into_iter();
            let d = date_arg(call, it.next().expect("arity"))?;
            Signature::new(vec![d, call.int(it.next().expect("arity"))?], DataType::Date)
        },
        eval: Eval::Strict(|v, _| {
            let Value::Date(d) = v[0] else { return Ok(Value::Null) };
            crate::time::add_months(i64::from(d), int(&v[1]))
                .map(|d| Value::Date(d as i32))
                .ok_or_else(|| overflow("integer", "add"))
        }),
    },
    ScalarFunction {
        name: "make_ym_interval",
        aliases: &[],
        arity: (0, 2),
        // `years * 12 + months` as an `INTERVAL YEAR TO MONTH`.
        signature: |call, b| {
            let args = b.into_iter().map(|a| call.int(a)).collect::<Result<Vec<_>>>()?;
            let full = DataType::YearMonth(crate::types::YmField::Year, crate::types::YmField::Month);
            Signature::new(args, full)
        },
        eval: Eval::Strict(|v, _| {
            let years = v.first().map_or(0, int);
            let months = v.get(1).map_or(0, int);
            let total = years.checked_mul(12).and_then(|y| y.checked_add(months));
            let months =
                total.and_then(|t| i32::try_from(t).ok()).ok_or_else(|| overflow("integer", "add"))?;
            Ok(Value::YearMonth(crate::types::YearMonth {
                months,
                start: crate::types::YmField::Year,
                end: crate::types::YmField::Month,
            }))
        }),
    },
    ScalarFunction {
        name: "months_between",
        aliases: &[],
        arity: (2, 3),
        // Spark's `MonthsBetween`: whole months when the days of month match (or both are
        // month ends), else the months plus the rest over 31-day months, rounded to 8
        // digits unless `roundOff` is false; local times in the session zone.
        signature: |call, b| {
            let mut it = b.into_iter();
            let t1 = timestamp_arg(call, it.next().expect("arity"))?;
            let t2 = timestamp_arg(call, it.next().expect("arity"))?;
            let mut args = vec![t1, t2];
            if let Some(r) = it.next() {
                args.push(coerce(r, &DataType::Boolean));
            }
            Ok(Signature { args, data_type: DataType::Double, state: State::Zone(session_zone()) })
        },
        eval: Eval::Strict(|v, state| {
            let (Value::Timestamp(a), Value::Timestamp(b)) = (&v[0], &v[1]) else { return Ok(Value::Null) };
            let round = !matches!(v.get(2), Some(Value::Boolean(false)));
            let zone = match state {
                State::Zone(z) => *z,
                _ => Zone::Utc,
            };
            Ok(Value::double(months_between(zone.to_local(*a), zone.to_local(*b), round)))
        }),
    },
    ScalarFunction {
        name: "unix_date",
        aliases: &[],
        arity: (1, 1),
        signature: |call, b| {
            let a = b.into_iter().next().expect("arity");
            match a.data_type {
                DataType::Date | DataType::Null => {
                    Signature::new(vec![coerce(a, &DataType::Date)], DataType::Int)
                }
                ref t => Err(call.mismatch(format!(
                    "the first argument requires \"DATE\" type, however it has type \"{}\"",
                    type_sql(t)
                ))),
            }
        },
        // Days since 1970-01-01.
        eval: Eval::Strict(|v, _| match v[0] {
            Value::Date(d) => Ok(Value::Int(d)),
            _ => Ok(Value::Null),
        }),
    },
    ScalarFunction {
        name: "date_from_unix_date",
        aliases: &[],
        arity: (1, 1),
        signature: |call, b| {
            let a = b.into_iter().next().expect("arity");
            Signature::new(vec![call.int(a)?], DataType::Date)
        },
        eval: Eval::Strict(|v, _| Ok(Value::Date(int(&v[0]) as i32))),
    },
    ScalarFunction {
        name: "next_day",
        aliases: &[],
        arity: (2, 2),
        signature: |call, b| {
            let mut it = b.into_iter();
            let (start, day) = (it.next().expect("arity"), it.next().expect("arity"));
            let start = match start.data_type {
                DataType::Date | DataType::Timestamp | DataType::String | DataType::Null => {
                    coerce(start, &DataType::Date)
                }
                ref t => {
                    return Err(call.mismatch(format!(
                        "the first argument requires \"DATE\" type, however it has type \"{}\"",
                        type_sql(t)
                    )))
                }
            };
            Signature::new(vec![start, string_arg(day)], DataType::Date)
        },
        // The first date after the start that falls on the given day of the week
        // (`MO`, `MON` or `MONDAY`, any case); another name is ILLEGAL_DAY_OF_WEEK.
        eval: Eval::Strict(|v, _| {
            let Value::Date(start) = v[0] else { return Ok(Value::Null) };
            let name = text(&v[1]);
            let target = day_of_week_named(name).ok_or_else(|| {
                SluiceError::exec(format!(
                    "[ILLEGAL_DAY_OF_WEEK] Illegal input for day of week: {name}. SQLSTATE: 22009"
                ))
            })?;
            let ahead = (target - weekday(start as i64) - 1).rem_euclid(7) + 1;
            Ok(Value::Date(start + ahead))
        }),
    },
];

/// 0 = Monday .. 6 = Sunday for a day's two-letter, three-letter or full English name.
fn day_of_week_named(name: &str) -> Option<i32> {
    const DAYS: [&str; 7] = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];
    let upper = name.to_ascii_uppercase();
    DAYS.iter()
        .position(|d| upper == *d || (upper.len() == 2 || upper.len() == 3) && d.starts_with(upper.as_str()))
        .map(|i| i as i32)
}

/// Spark's error for a date-time field outside its range (`why` as java.time words it).
fn out_of_bounds(why: String) -> SluiceError {
    SluiceError::exec(format!("[DATETIME_FIELD_OUT_OF_BOUNDS.WITHOUT_SUGGESTION] {why}. SQLSTATE: 22023"))
}

/// `value` of the java.time field `field` when within `range`, else Spark's
/// `[DATETIME_FIELD_OUT_OF_BOUNDS]` naming the range as java.time does (`valid`).
pub(crate) fn field_within(
    value: i64,
    range: std::ops::RangeInclusive<i64>,
    field: &str,
    valid: &str,
) -> Result<i64> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(out_of_bounds(format!("Invalid value for {field} (valid values {valid}): {value}")))
    }
}

/// The day number of `year-month-day`, or Spark's `[DATETIME_FIELD_OUT_OF_BOUNDS]`.
pub(crate) fn make_date(year: i64, month: i64, day: i64) -> Result<i32> {
    field_within(year, YEARS, "Year", "-999999999 - 999999999")?;
    field_within(month, 1..=12, "MonthOfYear", "1 - 12")?;
    field_within(day, 1..=31, "DayOfMonth", "1 - 28/31")?;
    let month = month as u32;
    if day as u32 > days_in_month(year, month) {
        return Err(out_of_bounds(if month == 2 && day == 29 {
            format!("Invalid date 'February 29' as '{year}' is not a leap year")
        } else {
            format!("Invalid date '{} {day}'", month_name(month))
        }));
    }
    checked_days_from_civil(year, month, day as u32)
        .and_then(|d| i32::try_from(d).ok())
        .ok_or_else(|| out_of_bounds(format!("Invalid date {year}-{month}-{day}")))
}

fn month_name(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "JANUARY",
        "FEBRUARY",
        "MARCH",
        "APRIL",
        "MAY",
        "JUNE",
        "JULY",
        "AUGUST",
        "SEPTEMBER",
        "OCTOBER",
        "NOVEMBER",
        "DECEMBER",
    ];
    NAMES[(month - 1) as usize]
}

/// A date argument: dates as they are; strings, timestamps and NULL cast to dates.
fn date_arg(call: &Call<'_>, a: BoundExpr) -> Result<BoundExpr> {
    instant_arg(call, a, DataType::Date)
}

/// A timestamp argument: dates, strings and NULL cast to timestamps.
fn timestamp_arg(call: &Call<'_>, a: BoundExpr) -> Result<BoundExpr> {
    instant_arg(call, a, DataType::Timestamp)
}

/// A date, timestamp, string or NULL argument cast to `to`; another type is Spark's
/// `[DATATYPE_MISMATCH]`.
fn instant_arg(call: &Call<'_>, a: BoundExpr, to: DataType) -> Result<BoundExpr> {
    match a.data_type {
        DataType::Date | DataType::Timestamp | DataType::String | DataType::Null => Ok(coerce(a, &to)),
        ref t => Err(call.mismatch(format!(
            "the argument requires the \"{}\" type, however it has type \"{}\"",
            type_sql(&to),
            type_sql(t)
        ))),
    }
}

/// Spark's `DateTimeUtils.monthsBetween` on two local date-times (microseconds).
fn months_between(a: i64, b: i64, round: bool) -> f64 {
    const DAY: i64 = 86_400_000_000;
    let split = |t: i64| {
        let days = t.div_euclid(DAY);
        let (y, m, d) = crate::time::civil_from_days(days);
        let month_end = d == days_in_month(y, m);
        (y * 12 + i64::from(m), i64::from(d), month_end, t.rem_euclid(DAY) / 1_000_000)
    };
    let (m1, d1, end1, s1) = split(a);
    let (m2, d2, end2, s2) = split(b);
    let month_diff = (m1 - m2) as f64;
    if d1 == d2 || (end1 && end2) {
        return month_diff;
    }
    let seconds = (d1 - d2) * 86_400 + s1 - s2;
    let diff = month_diff + seconds as f64 / (31.0 * 86_400.0);
    if round {
        // Java's `Math.round`: half up.
        (diff * 1e8 + 0.5).floor() / 1e8
    } else {
        diff
    }
}
