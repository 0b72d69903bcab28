//! Timestamps and dates as text, as Spark casts them: `2015-02-23 10:10:00[.fraction]`,
//! `yyyy-MM-dd`, and the string forms `CAST(s AS TIMESTAMP)` / `CAST(s AS DATE)` accept.

use super::*;

/// Years as Java's `DateTimeFormatter` prints them: four digits, a `+` beyond 9999,
/// a `-` before zero.
pub(super) fn push_year(out: &mut String, year: i64) {
    use std::fmt::Write;
    if year > 9999 {
        let _ = write!(out, "+{year}");
    } else if year < 0 {
        let _ = write!(out, "-{:04}", -year);
    } else {
        let _ = write!(out, "{year:04}");
    }
}

/// Formats an instant as Spark casts a timestamp to string in the session zone `zone`.
pub fn format_timestamp_in(micros: i64, zone: Zone) -> String {
    format_timestamp(zone.to_local(micros))
}

/// Formats microseconds since the epoch as Spark casts a timestamp to string in UTC
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
pub(super) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(s: &'a str) -> Self {
        Cursor { bytes: s.as_bytes(), pos: 0 }
    }
    pub(super) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }
    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }
    pub(super) fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    /// Reads `min..=max` decimal digits; returns (value, number of digits).
    pub(super) fn digits(&mut self, min: usize, max: usize) -> Option<(i64, usize)> {
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
    pub(super) fn rest(&self) -> &'a [u8] {
        &self.bytes[self.pos.min(self.bytes.len())..]
    }
}

/// Parses `[+-]yyyy[-[m]m[-[d]d]]` (Spark's year may have 4 to 6 digits), returning the
/// date and whether the month/day were given. Leaves the cursor after the date.
pub(super) fn parse_date_part(c: &mut Cursor<'_>) -> Option<(i64, u32, u32)> {
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
pub(super) fn parse_zone(text: &[u8]) -> Option<i64> {
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
    parse_timestamp_in(s, Zone::Utc)
}

/// Parses a timestamp string as Spark's `CAST(s AS TIMESTAMP)` does with session zone
/// `zone`: text without a zone is local time there; a zone in the text (an offset, `Z`,
/// or a region such as `America/Los_Angeles`) wins.
pub fn parse_timestamp_in(s: &str, zone: Zone) -> Option<i64> {
    let (local, written) = parse_local_timestamp(s)?;
    Some(match written {
        Some(z) => z.from_local(local),
        None => zone.from_local(local),
    })
}

/// A timestamp's text as local microseconds, and the zone written in it, if any.
fn parse_local_timestamp(s: &str) -> Option<(i64, Option<Zone>)> {
    let s = s.trim();
    let mut c = Cursor::new(s);
    let (year, month, day) = parse_date_part(&mut c)?;
    let days = days_from_civil(year, month, day);
    let (mut h, mut m, mut sec, mut micros, mut zone) = (0, 0, 0, 0, None);
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
                    let text = std::str::from_utf8(rest).ok()?.trim();
                    zone = Some(match parse_zone(text.as_bytes()) {
                        Some(offset) => Zone::Fixed(offset as i32),
                        None => Zone::parse(text).ok()?,
                    });
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
    let secs = days.checked_mul(86_400)?.checked_add(secs_of_day)?;
    Some((secs.checked_mul(MICROS_PER_SECOND)?.checked_add(micros)?, zone))
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
