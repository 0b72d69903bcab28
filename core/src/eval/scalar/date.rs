//! Dates from fields and from day numbers: `make_date`, `unix_date`, `date_from_unix_date`,
//! `next_day`.

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
