//! Timestamps and dates as text, in UTC: Spark's cast-to-string and string-to-timestamp forms.
//!
//! Timestamps are microseconds since 1970-01-01T00:00:00Z and dates are days since
//! 1970-01-01, both on the proleptic Gregorian calendar (as Spark 3+ uses). Conversions
//! go through Howard Hinnant's `days_from_civil` / `civil_from_days`, so no time-zone
//! database or external crate is involved; a session time zone other than UTC is not
//! supported.

/// Microseconds in one second.
pub const MICROS_PER_SECOND: i64 = 1_000_000;
/// Microseconds in one day.
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

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

/// Years as Java's `DateTimeFormatter` prints them: four digits, a `+` beyond 9999,
/// a `-` before zero.
fn push_year(out: &mut String, year: i64) {
    use std::fmt::Write;
    if year > 9999 {
        let _ = write!(out, "+{year}");
    } else if year < 0 {
        let _ = write!(out, "-{:04}", -year);
    } else {
        let _ = write!(out, "{year:04}");
    }
}

/// Formats microseconds since the epoch as Spark casts a timestamp to string
/// (`2015-02-23 10:10:00`, fraction only when non-zero, trailing zeros trimmed).
pub fn format_timestamp(micros: i64) -> String {
    use std::fmt::Write;
    let days = micros.div_euclid(MICROS_PER_DAY);
    let in_day = micros.rem_euclid(MICROS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let secs = in_day / MICROS_PER_SECOND;
    let frac = in_day % MICROS_PER_SECOND;
    let mut out = String::with_capacity(26);
    push_year(&mut out, year);
    let _ = write!(out, "-{month:02}-{day:02} {:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if frac != 0 {
        let digits = format!("{frac:06}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out
}

/// Formats days since the epoch as `yyyy-MM-dd`.
pub fn format_date(days: i32) -> String {
    use std::fmt::Write;
    let (year, month, day) = civil_from_days(days as i64);
    let mut out = String::with_capacity(10);
    push_year(&mut out, year);
    let _ = write!(out, "-{month:02}-{day:02}");
    out
}

/// A cursor over ASCII text, for the hand-written parsers below.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor { bytes: s.as_bytes(), pos: 0 }
    }
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }
    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    /// Reads `min..=max` decimal digits; returns (value, number of digits).
    fn digits(&mut self, min: usize, max: usize) -> Option<(i64, usize)> {
        let start = self.pos;
        let mut v: i64 = 0;
        while self.pos - start < max {
            match self.peek() {
                Some(c @ b'0'..=b'9') => {
                    v = v * 10 + (c - b'0') as i64;
                    self.pos += 1;
                }
                _ => break,
            }
        }
        let n = self.pos - start;
        (n >= min).then_some((v, n))
    }
    fn rest(&self) -> &'a [u8] {
        &self.bytes[self.pos.min(self.bytes.len())..]
    }
}

/// Parses `[+-]yyyy[-[m]m[-[d]d]]` (Spark's year may have 4 to 6 digits), returning the
/// date and whether the month/day were given. Leaves the cursor after the date.
fn parse_date_part(c: &mut Cursor<'_>) -> Option<(i64, u32, u32)> {
    let negative = if c.eat(b'-') {
        true
    } else {
        c.eat(b'+');
        false
    };
    let (y, _) = c.digits(4, 6)?;
    let year = if negative { -y } else { y };
    let (mut month, mut day) = (1u32, 1u32);
    if c.eat(b'-') {
        month = c.digits(1, 2)?.0 as u32;
        if c.eat(b'-') {
            day = c.digits(1, 2)?.0 as u32;
        }
    }
    checked_days_from_civil(year, month, day)?;
    Some((year, month, day))
}

/// Parses a zone suffix to an offset in seconds east of UTC: `Z`, `UTC`, `GMT`, `UT`,
/// optionally followed by (or just) `+h`, `+hh`, `+hhmm`, `+hh:mm`, `+hh:mm:ss`.
fn parse_zone(text: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(text).ok()?;
    if s == "Z" || s == "z" {
        return Some(0);
    }
    let upper = s.to_ascii_uppercase();
    let offset = ["UTC", "GMT", "UT"].iter().find_map(|p| upper.strip_prefix(p)).unwrap_or(&upper);
    if offset.is_empty() {
        return Some(0);
    }
    let mut c = Cursor::new(offset);
    let sign = if c.eat(b'+') {
        1
    } else if c.eat(b'-') {
        -1
    } else {
        return None;
    };
    let (h, hd) = c.digits(1, 2)?;
    let (mut m, mut sec) = (0, 0);
    if c.eat(b':') {
        m = c.digits(2, 2)?.0;
        if c.eat(b':') {
            sec = c.digits(2, 2)?.0;
        }
    } else if hd == 2 && !c.at_end() {
        m = c.digits(2, 2)?.0;
        if !c.at_end() {
            sec = c.digits(2, 2)?.0;
        }
    }
    if !c.at_end() || h > 18 || m > 59 || sec > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60 + sec))
}

/// Parses a timestamp string as Spark's `CAST(s AS TIMESTAMP)` does (UTC), or `None`.
///
/// Accepts, after trimming whitespace: `yyyy`, `yyyy-[m]m`, `yyyy-[m]m-[d]d`, then
/// optionally a space or `T` and `[h]h[:[m]m[:[s]s[.fraction]]]` (fraction digits beyond
/// six are truncated), then, after the seconds, optionally a zone (`Z`, `UTC`, `+hh:mm`,
/// `-hhmm`, `GMT+02:00`, ...) that is converted to UTC. Spark's time-only forms, which
/// take today's date, are not accepted.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let mut c = Cursor::new(s);
    let (year, month, day) = parse_date_part(&mut c)?;
    let days = days_from_civil(year, month, day);
    let (mut h, mut m, mut sec, mut micros, mut offset) = (0, 0, 0, 0, 0);
    if !c.at_end() {
        if !(c.eat(b' ') || c.eat(b'T')) {
            return None;
        }
        h = c.digits(1, 2)?.0;
        if c.eat(b':') {
            m = c.digits(1, 2)?.0;
            if c.eat(b':') {
                sec = c.digits(1, 2)?.0;
                if c.eat(b'.') {
                    let start = c.pos;
                    while matches!(c.peek(), Some(b'0'..=b'9')) {
                        c.pos += 1;
                    }
                    let digits = &c.bytes[start..c.pos];
                    for i in 0..6 {
                        micros = micros * 10 + digits.get(i).map_or(0, |d| (d - b'0') as i64);
                    }
                }
                // Whatever follows the seconds is a zone id (Spark allows a space before it).
                let rest = c.rest();
                if !rest.is_empty() {
                    offset = parse_zone(std::str::from_utf8(rest).ok()?.trim().as_bytes())?;
                    c.pos = c.bytes.len();
                }
            }
        }
        if !c.at_end() {
            return None;
        }
    }
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let secs_of_day = h * 3600 + m * 60 + sec;
    let secs = days.checked_mul(86_400)?.checked_add(secs_of_day - offset)?;
    secs.checked_mul(MICROS_PER_SECOND)?.checked_add(micros)
}

/// Parses `yyyy-MM-dd` (and Spark's other date forms) to days since the epoch, or `None`.
///
/// Accepts, after trimming whitespace, `yyyy`, `yyyy-[m]m`, `yyyy-[m]m-[d]d`, each
/// optionally followed by a space or `T` and anything (`2015-02-23 10:10:00` is 2015-02-23), as
/// Spark's `CAST(s AS DATE)` does.
pub fn parse_date(s: &str) -> Option<i32> {
    let s = s.trim();
    let mut c = Cursor::new(s);
    let (year, month, day) = parse_date_part(&mut c)?;
    // Spark ignores whatever follows a space or `T` after the date.
    if !(c.at_end() || c.eat(b' ') || c.eat(b'T')) {
        return None;
    }
    i32::try_from(days_from_civil(year, month, day)).ok()
}

// ---------------------------------------------------------------------------------------
// Calendar fields of a day count, as Spark's date-part functions return them.

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

// ---------------------------------------------------------------------------------------
// Time windows.

/// The start of the latest window (of period `slide`, phase `offset`) that begins at or
/// before `ts`: Spark's `ts - (ts - offset) mod slide`, with a non-negative modulus so that
/// instants before 1970 land in the right window. All values in microseconds; `slide > 0`.
pub fn window_start(ts: i64, slide: i64, offset: i64) -> Option<i64> {
    let rem = (ts as i128 - offset as i128).rem_euclid(slide as i128);
    i64::try_from(ts as i128 - rem).ok()
}

/// Every `[start, end)` window of length `size`, sliding by `slide` with phase `offset`, that
/// contains `ts`, latest first: Spark's expansion of a sliding `window(...)` (it tries
/// `ceil(size / slide)` candidate windows and keeps those with `start <= ts < end`).
pub fn sliding_windows(ts: i64, size: i64, slide: i64, offset: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for_each_sliding_window(ts, size, slide, offset, |start, end| out.push((start, end)));
    out
}

/// As `sliding_windows`, calling `f(start, end)` for each window instead of collecting
/// them (the aggregation's per-row path allocates nothing).
pub fn for_each_sliding_window(ts: i64, size: i64, slide: i64, offset: i64, mut f: impl FnMut(i64, i64)) {
    let Some(last) = window_start(ts, slide, offset) else { return };
    let candidates = (size as i128 + slide as i128 - 1) / slide as i128;
    for i in 0..candidates {
        let start = last as i128 - i * slide as i128;
        let end = start + size as i128;
        if let (Ok(start), Ok(end)) = (i64::try_from(start), i64::try_from(end)) {
            if start <= ts && ts < end {
                f(start, end);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Day-time intervals.

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

fn interval_error(text: &str, class: &str, detail: &str) -> String {
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
fn parse_ansi_interval_text(after_quote: &str) -> Option<i64> {
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

// ---------------------------------------------------------------------------------------
// Datetime patterns (`yyyy-MM-dd HH:mm:ss`), as Spark's `date_format`, `to_timestamp`,
// `from_unixtime` and `unix_timestamp` read them.

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

#[derive(Clone, Debug, PartialEq, Eq)]
enum PatternItem {
    Literal(String),
    Field(char, usize),
}

/// A compiled Spark (Java `DateTimeFormatter`) datetime pattern: letters `G y M L d D Q q E a
/// h H k K m s S z V O X x Z`, text in single quotes (`''` is a quote), other symbols literal.
/// Time zones are UTC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateTimePattern {
    text: String,
    items: Vec<PatternItem>,
}

/// Why text did not match a [`DateTimePattern`], in the terms of Java's parser error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternParseError {
    /// The text does not fit the pattern at this character index.
    At(usize),
    /// The whole pattern matched but text remains from this index.
    Unparsed(usize),
    /// Every field parsed but they make no valid date or time (`February 30`, hour 25).
    Invalid,
}

impl PatternParseError {
    /// Java's message for this failure on `text`, which Spark repeats in `CANNOT_PARSE_TIMESTAMP`.
    pub fn message(&self, text: &str) -> String {
        match self {
            PatternParseError::At(i) => format!("Text '{text}' could not be parsed at index {i}"),
            PatternParseError::Unparsed(i) => {
                format!("Text '{text}' could not be parsed, unparsed text found at index {i}")
            }
            PatternParseError::Invalid => format!("Text '{text}' could not be parsed: invalid date or time"),
        }
    }
}

impl DateTimePattern {
    /// Compiles a pattern; unknown letters, week-based fields (`Y w W u e c`), too many
    /// letters and unclosed quotes are errors.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut items: Vec<PatternItem> = Vec::new();
        let push_literal = |items: &mut Vec<PatternItem>, s: &str| match items.last_mut() {
            Some(PatternItem::Literal(prev)) => prev.push_str(s),
            _ => items.push(PatternItem::Literal(s.to_string())),
        };
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    push_literal(&mut items, "'");
                    i += 2;
                    continue;
                }
                let mut lit = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(format!("Pattern ends with an incomplete string literal: {pattern}"))
                        }
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            lit.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            lit.push(*ch);
                            i += 1;
                        }
                    }
                }
                push_literal(&mut items, &lit);
                continue;
            }
            if c.is_ascii_alphabetic() {
                let mut n = 1;
                while chars.get(i + n) == Some(&c) {
                    n += 1;
                }
                let max = match c {
                    'G' | 'E' | 'z' | 'Z' | 'O' => 5,
                    'y' => 9,
                    'M' | 'L' | 'Q' | 'q' => 5,
                    'd' | 'h' | 'H' | 'k' | 'K' | 'm' | 's' | 'a' => {
                        if c == 'a' {
                            1
                        } else {
                            2
                        }
                    }
                    'D' => 3,
                    'S' => 9,
                    'V' => 2,
                    'X' | 'x' => 5,
                    'Y' | 'w' | 'W' | 'u' | 'e' | 'c' => {
                        return Err(format!(
                            "[INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_WEEK_BASED_PATTERN] Spark >= 3.0: All week-based patterns are unsupported since Spark 3.0, detected week-based character: {c}. Please use the SQL function EXTRACT instead."
                        ))
                    }
                    _ => return Err(format!("Illegal pattern character '{c}' in pattern '{pattern}'")),
                };
                if n > max {
                    return Err(format!("Too many pattern letters: {c} in pattern '{pattern}'"));
                }
                items.push(PatternItem::Field(c, n));
                i += n;
                continue;
            }
            if c == '[' || c == ']' || c == '{' || c == '}' || c == '#' {
                return Err(format!("Illegal pattern character '{c}' in pattern '{pattern}'"));
            }
            push_literal(&mut items, &c.to_string());
            i += 1;
        }
        Ok(DateTimePattern { text: pattern.to_string(), items })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Formats a timestamp (microseconds since the epoch, UTC).
    pub fn format(&self, micros: i64) -> String {
        use std::fmt::Write;
        let days = micros.div_euclid(MICROS_PER_DAY);
        let in_day = micros.rem_euclid(MICROS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let secs = in_day / MICROS_PER_SECOND;
        let frac = in_day % MICROS_PER_SECOND;
        let (hour, minute, second) = (secs / 3600, secs / 60 % 60, secs % 60);
        let mut out = String::with_capacity(self.text.len() + 8);
        for item in &self.items {
            let (c, n) = match item {
                PatternItem::Literal(s) => {
                    out.push_str(s);
                    continue;
                }
                PatternItem::Field(c, n) => (*c, *n),
            };
            let pad = |out: &mut String, v: i64| {
                let _ = write!(out, "{v:0n$}");
            };
            match c {
                'G' => out.push_str(if year > 0 { "AD" } else { "BC" }),
                'y' => {
                    let year_of_era = if year > 0 { year } else { 1 - year };
                    if n == 2 {
                        pad(&mut out, year_of_era.rem_euclid(100));
                    } else {
                        pad(&mut out, year_of_era);
                    }
                }
                'M' | 'L' => match n {
                    1 | 2 => pad(&mut out, month as i64),
                    3 => out.push_str(&MONTHS[month as usize - 1][..3]),
                    4 => out.push_str(MONTHS[month as usize - 1]),
                    _ => out.push_str(&MONTHS[month as usize - 1][..1]),
                },
                'd' => pad(&mut out, day as i64),
                'D' => pad(&mut out, day_of_year(days) as i64),
                'Q' | 'q' => {
                    let q = (month as i64 - 1) / 3 + 1;
                    match n {
                        1 | 2 => pad(&mut out, q),
                        3 => {
                            let _ = write!(out, "Q{q}");
                        }
                        _ => {
                            let ordinal = ["1st", "2nd", "3rd", "4th"][q as usize - 1];
                            let _ = write!(out, "{ordinal} quarter");
                        }
                    }
                }
                'E' => {
                    let name = WEEKDAYS[weekday(days) as usize];
                    out.push_str(if n == 4 { name } else { &name[..3] });
                }
                'a' => out.push_str(if hour < 12 { "AM" } else { "PM" }),
                'h' => pad(&mut out, if hour % 12 == 0 { 12 } else { hour % 12 }),
                'K' => pad(&mut out, hour % 12),
                'k' => pad(&mut out, if hour == 0 { 24 } else { hour }),
                'H' => pad(&mut out, hour),
                'm' => pad(&mut out, minute),
                's' => pad(&mut out, second),
                'S' => {
                    let nanos = format!("{:09}", frac * 1000);
                    out.push_str(&nanos[..n]);
                }
                'z' | 'V' => out.push_str("UTC"),
                'O' => out.push_str("GMT"),
                'X' => out.push('Z'),
                'x' => out.push_str(match n {
                    1 => "+00",
                    2 | 4 => "+0000",
                    _ => "+00:00",
                }),
                'Z' => out.push_str(match n {
                    4 => "GMT",
                    5 => "Z",
                    _ => "+0000",
                }),
                _ => unreachable!("DateTimePattern::new admits only the letters handled here"),
            }
        }
        out
    }

    /// Parses text that must match the whole pattern into microseconds since the epoch (UTC).
    /// Fields the pattern lacks default to 1970-01-01 00:00:00, as in Spark.
    pub fn parse(&self, text: &str) -> Result<i64, PatternParseError> {
        let bytes = text.as_bytes();
        let mut pos = 0usize;
        let (mut year, mut month, mut day, mut doy) = (1970i64, 1u32, 1u32, None::<i64>);
        let (mut hour, mut hour12, mut pm, mut minute, mut second, mut micros, mut offset) =
            (0i64, None::<i64>, None::<bool>, 0i64, 0i64, 0i64, 0i64);
        for (index, item) in self.items.iter().enumerate() {
            let at = PatternParseError::At(pos);
            let (c, n) = match item {
                PatternItem::Literal(s) => {
                    let end = pos + s.len();
                    if end > bytes.len() || !text.get(pos..end).is_some_and(|t| t.eq_ignore_ascii_case(s)) {
                        return Err(at);
                    }
                    pos = end;
                    continue;
                }
                PatternItem::Field(c, n) => (*c, *n),
            };
            // Java's adjacent value parsing: a number directly followed by another numeric
            // field takes only its minimum width (`yyyyMMdd`).
            let next_numeric = matches!(
                self.items.get(index + 1),
                Some(PatternItem::Field(nc, nn)) if is_numeric_field(*nc, *nn)
            );
            let number = |pos: &mut usize, min: usize, max: usize| {
                read_number(bytes, pos, min, if next_numeric { min.max(1) } else { max })
            };
            match c {
                'y' => {
                    year = if n == 2 { 2000 + number(&mut pos, 2, 2)? } else { number(&mut pos, n, 9)? };
                }
                'M' | 'L' if n <= 2 => month = number(&mut pos, n, 2)? as u32,
                'M' | 'L' => {
                    let found = MONTHS.iter().enumerate().find_map(|(i, name)| {
                        let candidate = if n == 3 { &name[..3] } else { name };
                        text.get(pos..pos + candidate.len())
                            .filter(|t| t.eq_ignore_ascii_case(candidate))
                            .map(|_| (i, candidate.len()))
                    });
                    let (i, len) = found.ok_or(at)?;
                    month = i as u32 + 1;
                    pos += len;
                }
                'd' => day = number(&mut pos, n, 2)? as u32,
                'D' => doy = Some(number(&mut pos, n, 3)?),
                'Q' | 'q' if n <= 2 => {
                    number(&mut pos, n, 2)?;
                }
                'Q' | 'q' | 'G' | 'E' => {
                    // Names that add nothing once the date is known: accept any letters.
                    let start = pos;
                    while pos < bytes.len() && (bytes[pos].is_ascii_alphanumeric() || bytes[pos] == b' ') {
                        if bytes[pos] == b' ' && c != 'Q' && c != 'q' {
                            break;
                        }
                        pos += 1;
                    }
                    if pos == start {
                        return Err(at);
                    }
                }
                'a' => {
                    let word = text.get(pos..pos + 2).ok_or(at.clone())?;
                    pm = Some(match word.to_ascii_uppercase().as_str() {
                        "AM" => false,
                        "PM" => true,
                        _ => return Err(at),
                    });
                    pos += 2;
                }
                'h' | 'K' => hour12 = Some(number(&mut pos, n, 2)?),
                'k' => hour = number(&mut pos, n, 2)? % 24,
                'H' => hour = number(&mut pos, n, 2)?,
                'm' => minute = number(&mut pos, n, 2)?,
                's' => second = number(&mut pos, n, 2)?,
                'S' => {
                    let start = pos;
                    number(&mut pos, 1, n)?;
                    let digits = &bytes[start..pos];
                    micros =
                        (0..6).fold(0, |acc, i| acc * 10 + digits.get(i).map_or(0, |d| (d - b'0') as i64));
                }
                _ => {
                    // A zone: as much of `[A-Za-z0-9+-:]` as follows, read as `Z`, `UTC`, `+hh:mm`, ...
                    let start = pos;
                    while pos < bytes.len()
                        && (bytes[pos].is_ascii_alphanumeric() || b"+-:".contains(&bytes[pos]))
                    {
                        pos += 1;
                    }
                    offset = parse_zone(&bytes[start..pos]).ok_or(PatternParseError::At(start))?;
                }
            }
        }
        if pos < bytes.len() {
            return Err(PatternParseError::Unparsed(pos));
        }
        if let Some(h) = hour12 {
            if !(0..=12).contains(&h) {
                return Err(PatternParseError::Invalid);
            }
            hour = h % 12 + if pm == Some(true) { 12 } else { 0 };
        } else if pm == Some(true) && hour < 12 {
            hour += 12;
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(PatternParseError::Invalid);
        }
        let days = match doy {
            Some(d) => {
                let len = if is_leap_year(year) { 366 } else { 365 };
                if d < 1 || d > len {
                    return Err(PatternParseError::Invalid);
                }
                days_from_civil(year, 1, 1) + d - 1
            }
            None => checked_days_from_civil(year, month, day).ok_or(PatternParseError::Invalid)?,
        };
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
        secs.checked_mul(MICROS_PER_SECOND)
            .and_then(|s| s.checked_add(micros))
            .ok_or(PatternParseError::Invalid)
    }
}

/// Reads `min..=max` digits at `pos`, advancing it.
fn read_number(bytes: &[u8], pos: &mut usize, min: usize, max: usize) -> Result<i64, PatternParseError> {
    let start = *pos;
    let mut v: i64 = 0;
    while *pos - start < max && *pos < bytes.len() && bytes[*pos].is_ascii_digit() {
        v = v * 10 + (bytes[*pos] - b'0') as i64;
        *pos += 1;
    }
    if *pos - start < min {
        *pos = start;
        return Err(PatternParseError::At(start));
    }
    Ok(v)
}

fn is_numeric_field(c: char, n: usize) -> bool {
    match c {
        'M' | 'L' | 'Q' | 'q' => n <= 2,
        'y' | 'd' | 'D' | 'h' | 'H' | 'k' | 'K' | 'm' | 's' | 'S' => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i64 = MICROS_PER_SECOND;

    #[test]
    fn format_timestamp_matches_spark_cast_to_string() {
        let cases: &[(i64, &str)] = &[
            (0, "1970-01-01 00:00:00"),
            (1_424_686_200 * SECOND, "2015-02-23 10:10:00"),
            (1_424_686_200 * SECOND + 500_000, "2015-02-23 10:10:00.5"),
            (1_424_686_200 * SECOND + 123_456, "2015-02-23 10:10:00.123456"),
            (1_424_686_200 * SECOND + 120, "2015-02-23 10:10:00.00012"),
            (-1, "1969-12-31 23:59:59.999999"),
            (-SECOND, "1969-12-31 23:59:59"),
            (-86_400 * SECOND, "1969-12-31 00:00:00"),
            (951_782_400 * SECOND, "2000-02-29 00:00:00"),
            (-2_208_988_800 * SECOND, "1900-01-01 00:00:00"),
            (253_402_300_799 * SECOND, "9999-12-31 23:59:59"),
            (-62_135_596_800 * SECOND, "0001-01-01 00:00:00"),
        ];
        for (micros, text) in cases {
            assert_eq!(format_timestamp(*micros), *text, "micros {micros}");
        }
    }

    #[test]
    fn parse_timestamp_accepts_spark_cast_forms() {
        let base = 1_424_686_200 * SECOND; // 2015-02-23 10:10:00 UTC
        let day = 1_424_649_600 * SECOND; // 2015-02-23 00:00:00 UTC
        let cases: &[(&str, Option<i64>)] = &[
            ("2015-02-23 10:10:00", Some(base)),
            ("2015-02-23T10:10:00", Some(base)),
            ("  2015-02-23 10:10:00 \n", Some(base)),
            ("2015-02-23 10:10", Some(base)),
            ("2015-2-3 1:2:3", Some(1_422_925_323 * SECOND)),
            ("2015-02-23 10:10:00.5", Some(base + 500_000)),
            ("2015-02-23 10:10:00.123456", Some(base + 123_456)),
            ("2015-02-23 10:10:00.123456789", Some(base + 123_456)),
            ("2015-02-23 10:10:00.", Some(base)),
            ("2015-02-23 10:10:00Z", Some(base)),
            ("2015-02-23T10:10:00.000Z", Some(base)),
            ("2015-02-23T12:10:00+02:00", Some(base)),
            ("2015-02-23T05:10:00-05:00", Some(base)),
            ("2015-02-23T05:10:00-0500", Some(base)),
            ("2015-02-23T12:10:00+02", Some(base)),
            ("2015-02-23 10:10:00 UTC", Some(base)),
            ("2015-02-23 12:10:00 GMT+02:00", Some(base)),
            ("2015-02-23", Some(day)),
            ("2015-02-23 ", Some(day)),
            ("2015-02-23T", None),
            ("2015-02-23 10", Some(base - 600 * SECOND)),
            ("2015-02-23 10:10Z", None),
            ("2015-02-23Z", None),
            ("2015-02", Some(1_422_748_800 * SECOND)),
            ("2015", Some(1_420_070_400 * SECOND)),
            ("1969-12-31 23:59:59.999999", Some(-1)),
            ("2016-02-29 00:00:00", Some(1_456_704_000 * SECOND)),
            ("2015-02-29 00:00:00", None),
            ("1900-02-29", None),
            ("2015-13-01", None),
            ("2015-02-23 24:00:00", None),
            ("2015-02-23 10:60:00", None),
            ("2015-02-23 10:10:00 nonsense", None),
            ("15-02-23", None),
            ("", None),
            ("abc", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_timestamp(text), *want, "input {text:?}");
        }
    }

    #[test]
    fn dates_format_and_parse() {
        let cases: &[(i32, &str)] = &[
            (0, "1970-01-01"),
            (-1, "1969-12-31"),
            (16_489, "2015-02-23"),
            (11_016, "2000-02-29"),
            (-719_162, "0001-01-01"),
            (2_932_896, "9999-12-31"),
        ];
        for (days, text) in cases {
            assert_eq!(format_date(*days), *text);
            assert_eq!(parse_date(text), Some(*days), "{text}");
        }
        let parse_cases: &[(&str, Option<i32>)] = &[
            (" 2015-02-23 ", Some(16_489)),
            ("2015-2-3", Some(16_469)),
            ("2015-02-23 10:10:00", Some(16_489)),
            ("2015-02-23T10:10:00Z", Some(16_489)),
            ("2015-02", Some(16_467)),
            ("2015", Some(16_436)),
            ("2015-02-29", None),
            ("2015-02-23x", None),
            ("2015-02 x", Some(16_467)),
            ("", None),
        ];
        for (text, want) in parse_cases {
            assert_eq!(parse_date(text), *want, "input {text:?}");
        }
    }

    #[test]
    fn leap_years_follow_gregorian_rules() {
        for (year, leap) in
            [(1900, false), (2000, true), (2015, false), (2016, true), (2100, false), (2400, true)]
        {
            assert_eq!(is_leap_year(year), leap, "{year}");
            assert_eq!(checked_days_from_civil(year, 2, 29).is_some(), leap, "{year}");
        }
    }

    #[test]
    fn civil_round_trips_over_many_days() {
        let mut expected = (1600i64, 1u32, 1u32);
        let start = days_from_civil(1600, 1, 1);
        for days in start..start + 800 * 366 {
            assert_eq!(civil_from_days(days), expected, "day {days}");
            assert_eq!(days_from_civil(expected.0, expected.1, expected.2), days);
            let (y, m, d) = expected;
            expected = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn timestamp_text_round_trips() {
        // A spread of instants, negative and positive, with and without fractions.
        let mut micros = -5_000_000_000_000_000i64;
        while micros < 5_000_000_000_000_000 {
            let text = format_timestamp(micros);
            assert_eq!(parse_timestamp(&text), Some(micros), "{text}");
            micros += 7_777_777_777_777 + 123_457;
        }
        // Far years: negative (`-0044-03-15`) and beyond 9999 (`+12345-...`).
        let mut micros = -200_000_000_000_000_000i64;
        while micros < 400_000_000_000_000_000 {
            let text = format_timestamp(micros);
            assert_eq!(parse_timestamp(&text), Some(micros), "{text}");
            micros += 999_999_999_999_999_937;
        }
        assert_eq!(format_date(-36_000), "1871-06-09");
        assert_eq!(format_date(-800_000), "-0221-09-04");
        assert_eq!(format_date(3_000_000), "+10183-09-21");
        for days in (-800_000..3_000_000).step_by(997) {
            assert_eq!(parse_date(&format_date(days)), Some(days));
        }
    }

    const MINUTE: i64 = 60 * SECOND;

    #[test]
    fn interval_text_parses_as_spark_reads_it() {
        let cases: &[(&str, i64)] = &[
            ("10 minutes", 10 * MINUTE),
            ("1 minute", MINUTE),
            ("1 hour", 60 * MINUTE),
            ("2 hours", 120 * MINUTE),
            ("30 seconds", 30 * SECOND),
            ("5 minutes 30 seconds", 5 * MINUTE + 30 * SECOND),
            ("1 day", MICROS_PER_DAY),
            ("1 week", 7 * MICROS_PER_DAY),
            ("100 milliseconds", 100_000),
            ("100 ms", 100_000),
            ("7 microseconds", 7),
            ("  10 MINUTES ", 10 * MINUTE),
            ("interval 1 hour", 60 * MINUTE),
            ("INTERVAL 1 HOUR 30 MINUTES", 90 * MINUTE),
            ("1.5 seconds", 1_500_000),
            ("1.5 hours", 90 * MINUTE),
            ("-5 seconds", -5 * SECOND),
            ("1 hour -10 minutes", 50 * MINUTE),
            ("0 seconds", 0),
            ("INTERVAL '0 00:30:00' DAY TO SECOND", 30 * MINUTE),
            ("INTERVAL '-1 02:03:04.5' DAY TO SECOND", -(MICROS_PER_DAY + 7_384_500_000)),
            ("interval '30' minute", 30 * MINUTE),
        ];
        for (text, want) in cases {
            assert_eq!(parse_interval_micros(text).ok(), Some(*want), "{text}");
        }
        let errors: &[(&str, &str)] = &[
            ("", "INPUT_IS_EMPTY"),
            (
                "10 fortnights",
                "INVALID_UNIT] Error parsing '10 fortnights' to interval. Invalid unit 'fortnights'",
            ),
            ("ten minutes", "INVALID_VALUE"),
            ("10", "MISSING_UNIT"),
            ("1 month", "Intervals greater than a month is not supported (1 month)."),
            ("2 years", "Intervals greater than a month is not supported"),
            ("1.5 months", "INVALID_FRACTION"),
        ];
        for (text, want) in errors {
            match parse_interval_micros(text) {
                Err(crate::SluiceError::Analysis(msg)) => assert!(msg.contains(want), "{text}: {msg}"),
                other => panic!("{text}: expected an analysis error, got {other:?}"),
            }
        }
        assert_eq!(parse_interval_parts("1 year 2 months 3 days"), Ok((14, 3 * MICROS_PER_DAY)));
    }

    #[test]
    fn intervals_print_as_spark_day_to_second_and_round_trip() {
        let cases: &[(i64, &str)] = &[
            (30 * MINUTE, "INTERVAL '0 00:30:00' DAY TO SECOND"),
            (0, "INTERVAL '0 00:00:00' DAY TO SECOND"),
            (MICROS_PER_DAY + 90 * MINUTE + 5 * SECOND, "INTERVAL '1 01:30:05' DAY TO SECOND"),
            (-(10 * MINUTE + 500_000), "INTERVAL '-0 00:10:00.5' DAY TO SECOND"),
            (12 * SECOND + 3, "INTERVAL '0 00:00:12.000003' DAY TO SECOND"),
            (i64::MIN, "INTERVAL '-106751991 04:00:54.775808' DAY TO SECOND"),
        ];
        for (micros, text) in cases {
            assert_eq!(format_interval(*micros), *text);
            if *micros != i64::MIN {
                assert_eq!(parse_interval_micros(text).ok(), Some(*micros), "{text}");
            }
        }
        let ansi: &[(&str, IntervalUnit, IntervalUnit, Option<i64>)] = &[
            ("10:30", IntervalUnit::Hour, IntervalUnit::Minute, Some(630 * MINUTE)),
            ("90", IntervalUnit::Minute, IntervalUnit::Minute, Some(90 * MINUTE)),
            ("1 10", IntervalUnit::Day, IntervalUnit::Hour, Some(MICROS_PER_DAY + 600 * MINUTE)),
            ("-01:02", IntervalUnit::Minute, IntervalUnit::Second, Some(-62 * SECOND)),
            ("10:60", IntervalUnit::Hour, IntervalUnit::Minute, None),
            ("10", IntervalUnit::Second, IntervalUnit::Minute, None),
        ];
        for (text, from, to, want) in ansi {
            assert_eq!(parse_ansi_day_time(text, *from, *to), *want, "{text}");
        }
    }

    #[test]
    fn windows_start_at_the_euclidean_slide_boundary() {
        let t = 1_424_686_735_090_000; // 2015-02-23 10:18:55.09
        let ten = 10 * MINUTE;
        // (ts, slide, offset) -> start
        let cases: &[(i64, i64, i64, i64)] = &[
            (t, ten, 0, 1_424_686_200 * SECOND),
            (1_424_686_200 * SECOND, ten, 0, 1_424_686_200 * SECOND),
            (1_424_686_200 * SECOND - 1, ten, 0, 1_424_686_200 * SECOND - ten),
            (t, ten, 2 * MINUTE, 1_424_686_200 * SECOND + 2 * MINUTE),
            (t, ten, -2 * MINUTE, 1_424_686_200 * SECOND + 8 * MINUTE),
            (-1, ten, 0, -ten),
            (-ten, ten, 0, -ten),
            (-ten - 1, ten, 0, -2 * ten),
            (-SECOND, 5 * SECOND, SECOND, -4 * SECOND),
        ];
        for (ts, slide, offset, want) in cases {
            assert_eq!(
                window_start(*ts, *slide, *offset),
                Some(*want),
                "ts {ts} slide {slide} offset {offset}"
            );
        }
        let start = 1_424_686_200 * SECOND + 5 * MINUTE;
        assert_eq!(
            sliding_windows(t, ten, 5 * MINUTE, 0),
            vec![(start, start + ten), (start - 5 * MINUTE, start + 5 * MINUTE)]
        );
        // Size not a multiple of the slide: only the candidates that really hold ts.
        assert_eq!(
            sliding_windows(0, 10 * SECOND, 3 * SECOND, 0),
            vec![
                (0, 10 * SECOND),
                (-3 * SECOND, 7 * SECOND),
                (-6 * SECOND, 4 * SECOND),
                (-9 * SECOND, SECOND)
            ]
        );
        assert_eq!(sliding_windows(5 * SECOND, 2 * SECOND, 2 * SECOND, 0), vec![(4 * SECOND, 6 * SECOND)]);
    }

    #[test]
    fn date_parts_and_truncation_follow_spark() {
        let day = 16_489; // 2015-02-23, a Monday
        assert_eq!(day_of_week(day), 2);
        assert_eq!(weekday(day), 0);
        assert_eq!(day_of_year(day), 54);
        assert_eq!(iso_week_of_year(day), 9);
        assert_eq!(day_of_week(0), 5); // 1970-01-01, a Thursday
        assert_eq!(day_of_week(-4), 1); // 1969-12-28, a Sunday
        assert_eq!(iso_week_of_year(days_from_civil(2021, 1, 3)), 53);
        assert_eq!(iso_week_of_year(days_from_civil(2020, 12, 31)), 53);
        assert_eq!(iso_week_of_year(days_from_civil(2019, 12, 30)), 1);
        let t = 1_424_686_735_090_000;
        let cases: &[(&str, Option<&str>)] = &[
            ("YEAR", Some("2015-01-01 00:00:00")),
            ("yy", Some("2015-01-01 00:00:00")),
            ("quarter", Some("2015-01-01 00:00:00")),
            ("MONTH", Some("2015-02-01 00:00:00")),
            ("mon", Some("2015-02-01 00:00:00")),
            ("WEEK", Some("2015-02-23 00:00:00")),
            ("DAY", Some("2015-02-23 00:00:00")),
            ("HOUR", Some("2015-02-23 10:00:00")),
            ("minute", Some("2015-02-23 10:18:00")),
            ("SECOND", Some("2015-02-23 10:18:55")),
            ("MILLISECOND", Some("2015-02-23 10:18:55.09")),
            ("MICROSECOND", Some("2015-02-23 10:18:55.09")),
            ("fortnight", None),
        ];
        for (unit, want) in cases {
            assert_eq!(truncate_timestamp(t, unit).map(format_timestamp).as_deref(), *want, "{unit}");
        }
        assert_eq!(truncate_timestamp(-1, "HOUR"), Some(-3_600 * SECOND));
    }

    #[test]
    fn datetime_patterns_format_like_java() {
        let t = 1_424_686_735_090_000; // 2015-02-23 10:18:55.09, a Monday
        let cases: &[(&str, &str)] = &[
            ("yyyy-MM-dd HH:mm:ss", "2015-02-23 10:18:55"),
            ("yyyy-MM-dd HH:mm:ss.SSS", "2015-02-23 10:18:55.090"),
            ("yyyy-MM-dd'T'HH:mm:ss.SSSSSS", "2015-02-23T10:18:55.090000"),
            ("yy/M/d h:m a", "15/2/23 10:18 AM"),
            ("MMM d, yyyy", "Feb 23, 2015"),
            ("EEEE, MMMM dd", "Monday, February 23"),
            ("EEE D", "Mon 54"),
            ("'at' HH 'o''clock'", "at 10 o'clock"),
            ("Q qqq", "1 Q1"),
            ("HH:mm:ss XXX", "10:18:55 Z"),
            ("kk KK", "10 10"),
            ("S", "0"),
        ];
        for (pattern, want) in cases {
            let p = DateTimePattern::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            assert_eq!(p.format(t), *want, "{pattern}");
        }
        assert_eq!(DateTimePattern::new("hh a").unwrap().format(0), "12 AM");
        assert_eq!(DateTimePattern::new("hh a").unwrap().format(13 * 3_600 * SECOND), "01 PM");
        for bad in ["YYYY", "ww", "'open", "ddd", "yyyy-MM-dd bb"] {
            assert!(DateTimePattern::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn datetime_patterns_parse_whole_text() {
        let base = 1_424_686_200 * SECOND; // 2015-02-23 10:10:00
        let cases: &[(&str, &str, Result<i64, PatternParseError>)] = &[
            ("yyyy-MM-dd HH:mm:ss", "2015-02-23 10:10:00", Ok(base)),
            ("yyyy-MM-dd", "2015-02-23", Ok(base - 36_600 * SECOND)),
            ("dd/MM/yyyy HH:mm", "23/02/2015 10:10", Ok(base)),
            ("yyyyMMddHHmmss", "20150223101000", Ok(base)),
            ("yyyy-MM-dd'T'HH:mm:ss.SSS", "2015-02-23T10:10:00.5", Ok(base + 500_000)),
            ("yyyy-MM-dd HH:mm:ss.SSSSSS", "2015-02-23 10:10:00.123456", Ok(base + 123_456)),
            ("yyyy-MM-dd HH:mm:ssXXX", "2015-02-23 12:10:00+02:00", Ok(base)),
            ("yyyy-MM-dd HH:mm:ssX", "2015-02-23 10:10:00Z", Ok(base)),
            ("MMM d yyyy h:mm a", "feb 23 2015 10:10 AM", Ok(base)),
            ("MMM d yyyy h:mm a", "Feb 23 2015 10:10 PM", Ok(base + 12 * 3_600 * SECOND)),
            ("HH:mm", "10:10", Ok(36_600 * SECOND)),
            ("yyyy D", "2015 54", Ok(base - 36_600 * SECOND)),
            ("yyyy-M-d", "2015-2-3", Ok(1_422_921_600 * SECOND)),
            ("yyyy-MM-dd", "2015-02-23 10:10", Err(PatternParseError::Unparsed(10))),
            ("yyyy-MM-dd", "2015-2-23", Err(PatternParseError::At(5))),
            ("yyyy-MM-dd", "2015-02-30", Err(PatternParseError::Invalid)),
            ("HH:mm", "25:00", Err(PatternParseError::Invalid)),
            ("yyyy-MM-dd", "abc", Err(PatternParseError::At(0))),
        ];
        for (pattern, text, want) in cases {
            let p = DateTimePattern::new(pattern).unwrap();
            assert_eq!(p.parse(text), *want, "{pattern} on {text}");
        }
        assert_eq!(
            PatternParseError::Unparsed(10).message("2015-02-23 10:10"),
            "Text '2015-02-23 10:10' could not be parsed, unparsed text found at index 10"
        );
    }
}
