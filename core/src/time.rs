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
}
