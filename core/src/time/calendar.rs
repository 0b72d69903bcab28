//! The proleptic Gregorian calendar on day counts since 1970-01-01: civil dates, leap
//! years, the calendar fields Spark's date-part functions return, and truncation.

use super::*;

/// Days since the epoch of a proleptic Gregorian `(year, month 1..=12, day 1..=31)`.
///
/// Does not validate the day against the month; use [`checked_days_from_civil`] for that.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` of a day count since the epoch (proleptic Gregorian).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day `months` months after day `days` (Java's `LocalDate.plusMonths`: the day of
/// month clamped to the new month's length), as Spark's `add_months` and `date + INTERVAL
/// n MONTH`; `None` beyond Spark's dates (years -290308..=294247).
pub fn add_months(days: i64, months: i64) -> Option<i64> {
    let (y, m, d) = civil_from_days(days);
    let total = (y * 12 + i64::from(m) - 1).checked_add(months)?;
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    if !(-290_308..=294_247).contains(&year) {
        return None;
    }
    Some(days_from_civil(year, month, d.min(days_in_month(year, month))))
}

/// True for Gregorian leap years.
pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in a month of a year, or 0 for a month outside 1..=12.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// [`days_from_civil`] for a valid calendar date only (`2015-02-29` gives `None`).
pub fn checked_days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Day of the week, 1 = Sunday .. 7 = Saturday (Spark's `dayofweek`).
pub fn day_of_week(days: i64) -> i32 {
    // 1970-01-01 was a Thursday (5).
    ((days + 4).rem_euclid(7) + 1) as i32
}

/// Day of the week, 0 = Monday .. 6 = Sunday (Spark's `weekday`).
pub fn weekday(days: i64) -> i32 {
    (days + 3).rem_euclid(7) as i32
}

/// Day of the year, 1-based (Spark's `dayofyear`).
pub fn day_of_year(days: i64) -> i32 {
    let (year, _, _) = civil_from_days(days);
    (days - days_from_civil(year, 1, 1) + 1) as i32
}

/// ISO-8601 week of the year (weeks start on Monday; week 1 holds the year's first Thursday),
/// as Spark's `weekofyear`.
pub fn iso_week_of_year(days: i64) -> i32 {
    let thursday = days - weekday(days) as i64 + 3;
    let (year, _, _) = civil_from_days(thursday);
    ((thursday - days_from_civil(year, 1, 1)) / 7 + 1) as i32
}

/// Truncates a timestamp as Spark's `date_trunc(unit, ts)` does; `None` for an unknown unit
/// (Spark returns NULL then). Units are case-insensitive: `YEAR`/`YYYY`/`YY`, `QUARTER`,
/// `MONTH`/`MM`/`MON`, `WEEK` (to Monday), `DAY`/`DD`, `HOUR`, `MINUTE`, `SECOND`,
/// `MILLISECOND`, `MICROSECOND`.
pub fn truncate_timestamp(micros: i64, unit: &str) -> Option<i64> {
    let floor = |step: i64| micros.div_euclid(step) * step;
    Some(match unit.trim().to_ascii_uppercase().as_str() {
        "MICROSECOND" => micros,
        "MILLISECOND" => floor(1_000),
        "SECOND" => floor(MICROS_PER_SECOND),
        "MINUTE" => floor(60 * MICROS_PER_SECOND),
        "HOUR" => floor(3_600 * MICROS_PER_SECOND),
        "DAY" | "DD" => floor(MICROS_PER_DAY),
        other => {
            let days = micros.div_euclid(MICROS_PER_DAY);
            let days = truncate_days(days, other)?;
            days.checked_mul(MICROS_PER_DAY)?
        }
    })
}

/// Truncates a day count to the start of its year, quarter, month or week (Spark's
/// `trunc(date, fmt)` units); `None` for any other unit.
pub fn truncate_days(days: i64, unit: &str) -> Option<i64> {
    let (year, month, _) = civil_from_days(days);
    Some(match unit.trim().to_ascii_uppercase().as_str() {
        "YEAR" | "YYYY" | "YY" => days_from_civil(year, 1, 1),
        "QUARTER" => days_from_civil(year, (month - 1) / 3 * 3 + 1, 1),
        "MONTH" | "MM" | "MON" => days_from_civil(year, month, 1),
        "WEEK" => days - weekday(days) as i64,
        _ => return None,
    })
}
