//! Day-time intervals as text: Spark's `INTERVAL '0 00:30:00' DAY TO SECOND` form and the
//! interval strings watermark delays and window durations are written in (`10 minutes`).

use super::*;

/// Microseconds in one minute.
pub const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
/// Microseconds in one hour.
pub const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MINUTE;

/// Formats a day-time interval as Spark casts an `INTERVAL DAY TO SECOND` to string:
/// `INTERVAL '0 00:30:00' DAY TO SECOND`, `INTERVAL '-1 02:03:04.5' DAY TO SECOND`.
pub fn format_interval(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let mut rest = micros.unsigned_abs();
    let days = rest / MICROS_PER_DAY as u64;
    rest %= MICROS_PER_DAY as u64;
    let hours = rest / MICROS_PER_HOUR as u64;
    rest %= MICROS_PER_HOUR as u64;
    let minutes = rest / MICROS_PER_MINUTE as u64;
    rest %= MICROS_PER_MINUTE as u64;
    let (secs, frac) = (rest / MICROS_PER_SECOND as u64, rest % MICROS_PER_SECOND as u64);
    let mut seconds = format!("{secs:02}");
    if frac != 0 {
        seconds.push('.');
        seconds.push_str(format!("{frac:06}").trim_end_matches('0'));
    }
    format!("INTERVAL '{sign}{days} {hours:02}:{minutes:02}:{seconds}' DAY TO SECOND")
}

/// A unit of Spark's interval text (`10 minutes`, `INTERVAL 1 HOUR`, `'1 10:00:00' DAY TO SECOND`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum IntervalUnit {
    /// `year`/`years` (12 months).
    Year,
    /// `month`/`months`.
    Month,
    /// `week`/`weeks` (7 days).
    Week,
    /// `day`/`days` (24 hours, as in Spark's day-time intervals).
    Day,
    /// `hour`/`hours`.
    Hour,
    /// `minute`/`minutes`.
    Minute,
    /// `second`/`seconds`.
    Second,
    /// `millisecond`/`milliseconds`/`ms`.
    Millisecond,
    /// `microsecond`/`microseconds`/`us`.
    Microsecond,
}

impl IntervalUnit {
    /// The day-time field a literal's unit types (`week` is days, `millisecond` seconds);
    /// `None` for years and months.
    pub fn day_time_field(self) -> Option<crate::types::DtField> {
        use crate::types::DtField;
        Some(match self {
            IntervalUnit::Year | IntervalUnit::Month => return None,
            IntervalUnit::Week | IntervalUnit::Day => DtField::Day,
            IntervalUnit::Hour => DtField::Hour,
            IntervalUnit::Minute => DtField::Minute,
            IntervalUnit::Second | IntervalUnit::Millisecond | IntervalUnit::Microsecond => DtField::Second,
        })
    }

    /// A unit by name, any case, singular or plural (`minute`, `MINUTES`), or `ms`/`us`.
    pub fn parse(word: &str) -> Option<IntervalUnit> {
        let w = word.to_ascii_lowercase();
        match w.as_str() {
            "ms" => return Some(IntervalUnit::Millisecond),
            "us" => return Some(IntervalUnit::Microsecond),
            _ => {}
        }
        Some(match w.strip_suffix('s').unwrap_or(&w) {
            "year" => IntervalUnit::Year,
            "month" => IntervalUnit::Month,
            "week" => IntervalUnit::Week,
            "day" => IntervalUnit::Day,
            "hour" => IntervalUnit::Hour,
            "minute" => IntervalUnit::Minute,
            "second" => IntervalUnit::Second,
            "millisecond" => IntervalUnit::Millisecond,
            "microsecond" => IntervalUnit::Microsecond,
            _ => return None,
        })
    }

    /// Microseconds in one unit; `None` for months and years, whose length varies.
    pub fn micros(self) -> Option<i64> {
        Some(match self {
            IntervalUnit::Year | IntervalUnit::Month => return None,
            IntervalUnit::Week => 7 * MICROS_PER_DAY,
            IntervalUnit::Day => MICROS_PER_DAY,
            IntervalUnit::Hour => MICROS_PER_HOUR,
            IntervalUnit::Minute => MICROS_PER_MINUTE,
            IntervalUnit::Second => MICROS_PER_SECOND,
            IntervalUnit::Millisecond => 1_000,
            IntervalUnit::Microsecond => 1,
        })
    }
}

pub(super) fn interval_error(text: &str, class: &str, detail: &str) -> String {
    format!("[INVALID_INTERVAL_FORMAT.{class}] Error parsing '{text}' to interval. {detail} SQLSTATE: 22006")
}

/// Parses interval text into `(months, microseconds)`: an optional leading `interval`, then
/// one or more `[+|-]number unit` pairs (`1 hour 30 minutes`, `-5 seconds`, `1.5 hours`), or a
/// quoted ANSI form `'0 00:30:00' DAY TO SECOND`. Errors carry Spark's error class.
pub fn parse_interval_parts(text: &str) -> Result<(i64, i64), String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(interval_error(text, "INPUT_IS_EMPTY", "Interval string cannot be empty."));
    }
    let mut body = trimmed;
    if body.len() >= 8 && body[..8].eq_ignore_ascii_case("interval") {
        let rest = &body[8..];
        if rest.is_empty() || rest.starts_with(char::is_whitespace) || rest.starts_with('\'') {
            body = rest.trim_start();
        }
    }
    if let Some(quoted) = body.strip_prefix('\'') {
        return parse_ansi_interval_text(quoted)
            .map(|micros| (0, micros))
            .ok_or_else(|| interval_error(text, "INVALID_VALUE", "Invalid ANSI interval literal."));
    }
    if body.is_empty() {
        return Err(interval_error(text, "INVALID_PREFIX", "Invalid interval prefix 'interval'."));
    }
    let bytes = body.as_bytes();
    let (mut i, mut months, mut micros) = (0usize, 0i64, 0i64);
    let overflow =
        || interval_error(text, "ARITHMETIC_EXCEPTION", "Uncaught arithmetic exception while parsing.");
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let start = i;
        let negative = match bytes[i] {
            b'-' => {
                i += 1;
                true
            }
            b'+' => {
                i += 1;
                false
            }
            _ => false,
        };
        let int_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = &body[int_start..i];
        let mut frac_digits = "";
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            let f = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            frac_digits = &body[f..i];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            let word_end = body[start..].find(char::is_whitespace).map_or(body.len(), |n| start + n);
            return Err(interval_error(
                text,
                "INVALID_VALUE",
                &format!("Invalid value '{}'.", &body[start..word_end]),
            ));
        }
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let word = &body[unit_start..i];
        if word.is_empty() {
            let number = body[start..unit_start].trim();
            return Err(interval_error(
                text,
                "MISSING_UNIT",
                &format!("Expect a unit name after '{number}' but hit EOL."),
            ));
        }
        let unit = IntervalUnit::parse(word)
            .ok_or_else(|| interval_error(text, "INVALID_UNIT", &format!("Invalid unit '{word}'.")))?;
        let whole: i64 =
            if int_digits.is_empty() { 0 } else { int_digits.parse().map_err(|_| overflow())? };
        match unit.micros() {
            None => {
                if frac_digits.bytes().any(|b| b != b'0') {
                    return Err(interval_error(
                        text,
                        "INVALID_FRACTION",
                        &format!("'{word}' cannot have fractional part."),
                    ));
                }
                let m = if unit == IntervalUnit::Year {
                    whole.checked_mul(12).ok_or_else(overflow)?
                } else {
                    whole
                };
                months = if negative { months.checked_sub(m) } else { months.checked_add(m) }
                    .ok_or_else(overflow)?;
            }
            Some(per_unit) => {
                let mut v = (whole as i128) * per_unit as i128;
                if !frac_digits.is_empty() {
                    let digits = &frac_digits[..frac_digits.len().min(18)];
                    let num: i128 = digits.parse().map_err(|_| overflow())?;
                    v += num * per_unit as i128 / 10i128.pow(digits.len() as u32);
                }
                let v = i64::try_from(v).map_err(|_| overflow())?;
                micros = if negative { micros.checked_sub(v) } else { micros.checked_add(v) }
                    .ok_or_else(overflow)?;
            }
        }
    }
    Ok((months, micros))
}

/// The body of a quoted ANSI interval, from just after its opening quote:
/// `0 00:30:00' DAY TO SECOND`, `30' MINUTE`, `01:30' HOUR TO MINUTE`.
pub(super) fn parse_ansi_interval_text(after_quote: &str) -> Option<i64> {
    let (value, qualifier) = after_quote.split_once('\'')?;
    let words: Vec<&str> = qualifier.split_whitespace().collect();
    let (from, to) = match words.as_slice() {
        [u] => (IntervalUnit::parse(u)?, IntervalUnit::parse(u)?),
        [a, to_kw, b] if to_kw.eq_ignore_ascii_case("to") => {
            (IntervalUnit::parse(a)?, IntervalUnit::parse(b)?)
        }
        _ => return None,
    };
    parse_ansi_day_time(value, from, to)
}

/// Parses the value of an ANSI day-time interval literal with fields `from TO to`
/// (`'1 10:30:00'` for `DAY TO SECOND`, `'10:30'` for `HOUR TO MINUTE`, `'30'` for `MINUTE`),
/// as Spark reads `INTERVAL '...' DAY TO SECOND`. The leading field is unbounded; the others
/// must be in range (hours below 24, minutes and seconds below 60); seconds may have a fraction.
pub fn parse_ansi_day_time(value: &str, from: IntervalUnit, to: IntervalUnit) -> Option<i64> {
    use IntervalUnit::*;
    let order = [Day, Hour, Minute, Second];
    let fi = order.iter().position(|u| *u == from)?;
    let ti = order.iter().position(|u| *u == to)?;
    if ti < fi {
        return None;
    }
    let s = value.trim();
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut total: i64 = 0;
    for (k, unit) in order[fi..=ti].iter().enumerate() {
        let part = if fi + k == ti {
            std::mem::take(&mut rest)
        } else {
            let (part, tail) = rest.split_once(if *unit == Day { ' ' } else { ':' })?;
            rest = tail;
            part
        };
        let (int, frac) = match part.split_once('.') {
            Some((i, f)) if *unit == Second => (i, f),
            Some(_) => return None,
            None => (part, ""),
        };
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let v: i64 = int.parse().ok()?;
        let bound = match unit {
            Hour => 24,
            Minute | Second => 60,
            _ => i64::MAX,
        };
        if k > 0 && v >= bound {
            return None;
        }
        total = total.checked_add(v.checked_mul(unit.micros()?)?)?;
        if !frac.is_empty() {
            let mut f = 0i64;
            for i in 0..6 {
                f = f * 10 + frac.as_bytes().get(i).map_or(0, |d| (d - b'0') as i64);
            }
            total = total.checked_add(f)?;
        }
    }
    Some(if negative { -total } else { total })
}

/// Parses Spark's interval text to microseconds: `"10 minutes"`, `"1 hour"`, `"30 seconds"`,
/// `"5 minutes 30 seconds"`, `"1 day"`, `"2 hours"`, `"100 ms"`, `"interval 1 hour"`, and the
/// ANSI form Spark prints (`INTERVAL '0 00:30:00' DAY TO SECOND`). Units are singular or
/// plural, any case. What watermark delays and window durations are written in.
///
/// Months and years are refused with Spark's `Intervals greater than a month is not
/// supported`, since their length in microseconds is not fixed. The result may be zero or
/// negative; callers that need a positive duration check it.
pub fn parse_interval_micros(text: &str) -> crate::error::Result<i64> {
    let (months, micros) = parse_interval_parts(text).map_err(crate::error::SluiceError::Analysis)?;
    if months != 0 {
        return Err(crate::error::SluiceError::analysis(format!(
            "Intervals greater than a month is not supported ({text})."
        )));
    }
    Ok(micros)
}

/// A day-time interval as Spark casts it to a string for its type's fields `start` to
/// `end` (`toDayTimeIntervalString`): `INTERVAL '-10' SECOND`, `INTERVAL '00:01:40' HOUR TO
/// SECOND`, `INTERVAL '3' DAY`. The first field is unbounded (a day count has no padding),
/// the others two digits, the second keeps its fraction; what is below `end` is not shown.
pub fn format_day_time(micros: i64, start: crate::types::DtField, end: crate::types::DtField) -> String {
    use crate::types::DtField;
    let sign = if micros < 0 { "-" } else { "" };
    let mut rest = micros.unsigned_abs();
    let mut body = String::new();
    for field in [DtField::Day, DtField::Hour, DtField::Minute, DtField::Second] {
        if field < start || field > end {
            if field < start {
                continue;
            }
            break;
        }
        if field != start {
            body.push(if field == DtField::Hour { ' ' } else { ':' });
        }
        let unit = field.micros() as u64;
        let (whole, below) = (rest / unit, rest % unit);
        match field {
            DtField::Day if field == start => body.push_str(&whole.to_string()),
            DtField::Second => {
                body.push_str(&format!("{whole:02}"));
                if below != 0 {
                    body.push('.');
                    body.push_str(format!("{below:06}").trim_end_matches('0'));
                }
            }
            _ => body.push_str(&format!("{whole:02}")),
        }
        rest = below;
    }
    let fields =
        if start == end { start.sql().to_string() } else { format!("{} TO {}", start.sql(), end.sql()) };
    format!("INTERVAL '{sign}{body}' {fields}")
}
