//! Dates from fields and from day numbers: `make_date`, `unix_date`, `date_from_unix_date`.

use super::*;
use crate::time::{checked_days_from_civil, days_in_month};

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
];

/// The day number of `year-month-day`, or Spark's `[DATETIME_FIELD_OUT_OF_BOUNDS]`.
fn make_date(year: i64, month: i64, day: i64) -> Result<i32> {
    let out_of_bounds = |why: String| {
        SluiceError::exec(format!("[DATETIME_FIELD_OUT_OF_BOUNDS.WITHOUT_SUGGESTION] {why}. SQLSTATE: 22023"))
    };
    if !YEARS.contains(&year) {
        return Err(out_of_bounds(format!(
            "Invalid value for Year (valid values -999999999 - 999999999): {year}"
        )));
    }
    if !(1..=12).contains(&month) {
        return Err(out_of_bounds(format!("Invalid value for MonthOfYear (valid values 1 - 12): {month}")));
    }
    if !(1..=31).contains(&day) {
        return Err(out_of_bounds(format!("Invalid value for DayOfMonth (valid values 1 - 28/31): {day}")));
    }
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
