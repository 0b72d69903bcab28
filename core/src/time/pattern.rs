//! Datetime patterns (`yyyy-MM-dd HH:mm:ss`), as Spark's `date_format`, `to_timestamp`,
//! `from_unixtime` and `unix_timestamp` read them (Java's `DateTimeFormatter` letters).
//!
//! A pattern is checked as Spark's `DateTimeFormatterHelper` checks it before Java builds
//! its formatter (week-based letters, letters Spark refuses, five-letter text styles), then
//! compiled as Java's `DateTimeFormatterBuilder.appendPattern` reads it. A pattern refused
//! either way that Spark 2's `SimpleDateFormat` would have taken fails with Spark's
//! `INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION`.
//!
//! Parsing follows Spark's parsing formatter: strict, case-insensitive, seconds fractions
//! of 1 to n digits for `S`*n, optional sections `[..]` tried where they stand (kept when
//! they read, skipped when not), and Java's adjacent value parsing: a number directly
//! followed by fixed-width numbers (`yyyyMMdd`) leaves their digits to them.

use super::*;

pub(super) const MONTHS: [&str; 12] = [
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
pub(super) const WEEKDAYS: [&str; 7] =
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum PatternItem {
    Literal(String),
    Field(char, usize),
    /// An optional section `[..]`: printed in full, read when it can be.
    Optional(Vec<PatternItem>),
}

/// How a number is signed, as Java's `SignStyle` (strict parsing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sign {
    /// No sign (`MM`, `dd`, ...).
    NotNegative,
    /// A `-` may lead (`y`, `yyy`, `d`, ...).
    Normal,
    /// A `-` may lead, and a `+` must when the number is wider than the letters (`yyyy`).
    ExceedsPad,
}

/// One piece of a pattern as Spark's parsing formatter reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ParseItem {
    Literal(String),
    /// The number of field `c` (`n` letters): `min..=max` digits, less the `subsequent`
    /// digits that the fixed-width numbers right after it take (adjacent value parsing).
    Number {
        c: char,
        n: usize,
        min: usize,
        max: usize,
        sign: Sign,
        subsequent: usize,
    },
    /// A fraction of second of 1 to `max` digits.
    Fraction(usize),
    /// A name (month, era, AM/PM, ...) or a zone.
    Text(char, usize),
    Optional(Vec<ParseItem>),
}

/// A compiled Spark (Java `DateTimeFormatter`) datetime pattern: letters `G y M L d D Q q E a
/// h H k K m s S z V O X x Z F`, text in single quotes (`''` is a quote), optional sections
/// in brackets (`yyyy-MM-dd[ HH:mm[:ss]]`), other symbols literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateTimePattern {
    text: String,
    /// What formatting prints (optional sections in full).
    items: Vec<PatternItem>,
    /// What parsing reads.
    parser: Vec<ParseItem>,
}

/// Why Spark refuses a datetime pattern: its error class and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    class: &'static str,
    message: String,
}

impl PatternError {
    /// Spark's error class (`INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION`, ...).
    pub fn class(&self) -> &'static str {
        self.class
    }

    fn new(class: &'static str, message: String) -> Self {
        PatternError { class, message }
    }

    /// Java's `IllegalArgumentException` from building the formatter, which has no class of
    /// its own in Spark.
    fn java(message: String) -> Self {
        PatternError::new("INVALID_DATETIME_PATTERN", message)
    }

    /// Spark's answer to a pattern the new formatter refuses and Spark 2's takes.
    fn recognition(pattern: &str) -> Self {
        PatternError::new(
            "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION",
            format!(
                "You may get a different result due to the upgrading to Spark >= 3.0: Fail to recognize '{pattern}' pattern in the DateTimeFormatter. 1) You can set \"spark.sql.legacy.timeParserPolicy\" to \"LEGACY\" to restore the behavior before Spark 3.0. 2) You can form a valid datetime pattern with the guide from 'https://spark.apache.org/docs/latest/sql-ref-datetime-pattern.html'. SQLSTATE: 42K0B"
            ),
        )
    }
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.class, self.message)
    }
}

impl std::error::Error for PatternError {}

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

/// The fields a parse has read, each at most once (Java's `Parsed`), and the zone.
#[derive(Clone, Copy, Debug, Default)]
struct Parsed {
    fields: [Option<i64>; FIELDS],
    zone: Option<Zone>,
}

/// Java's fields, as `Parsed` keeps them: the year (`y`, `yy` as 2000 + its value), month,
/// day of month, day of year, clock hour of AM/PM (`h`), hour of AM/PM (`K`), clock hour of
/// day (`k`), hour of day (`H`), minute, second, nano of second, AM/PM (1 for PM), and the
/// fields that add nothing once the date is known (quarter, `F`).
const FIELDS: usize = 14;
const YEAR: usize = 0;
const MONTH: usize = 1;
const DAY: usize = 2;
const DAY_OF_YEAR: usize = 3;
const CLOCK_HOUR_OF_AMPM: usize = 4;
const HOUR_OF_AMPM: usize = 5;
const CLOCK_HOUR_OF_DAY: usize = 6;
const HOUR_OF_DAY: usize = 7;
const MINUTE: usize = 8;
const SECOND: usize = 9;
const NANO: usize = 10;
const AMPM: usize = 11;
const QUARTER: usize = 12;
const DAY_IN_MONTH: usize = 13;

impl Parsed {
    /// Records `value` for `field`, read at `at`: a field read twice must read the same
    /// (Java's `setParsedField`), or the text does not parse there.
    fn set(&mut self, field: usize, value: i64, at: usize) -> Result<(), PatternParseError> {
        match self.fields[field] {
            Some(old) if old != value => Err(PatternParseError::At(at)),
            _ => {
                self.fields[field] = Some(value);
                Ok(())
            }
        }
    }

    /// `field` if read, after checking it is in `range`.
    fn get(
        &self,
        field: usize,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<Option<i64>, PatternParseError> {
        match self.fields[field] {
            Some(v) if !range.contains(&v) => Err(PatternParseError::Invalid),
            v => Ok(v),
        }
    }

    /// The local time the fields make, as Java's strict resolver and Spark's defaults for
    /// missing fields (1970-01-01 00:00:00) make it.
    fn local_micros(&self) -> Result<i64, PatternParseError> {
        let invalid = PatternParseError::Invalid;
        let year = self.get(YEAR, -999_999_999..=999_999_999)?.unwrap_or(1970);
        let month = self.get(MONTH, 1..=12)?;
        let day = self.get(DAY, 1..=31)?;
        let days = match self.get(DAY_OF_YEAR, 1..=366)? {
            Some(d) => {
                if d == 366 && !is_leap_year(year) {
                    return Err(invalid);
                }
                // The month and day, if read too, must be the day of the year's.
                let days = days_from_civil(year, 1, 1) + d - 1;
                let (_, m, dd) = civil_from_days(days);
                if month.is_some_and(|v| v != m as i64) || day.is_some_and(|v| v != dd as i64) {
                    return Err(invalid);
                }
                days
            }
            None => checked_days_from_civil(year, month.unwrap_or(1) as u32, day.unwrap_or(1) as u32)
                .ok_or(invalid.clone())?,
        };
        // Hours: `k` is `H` (24 as 0), `h` is `K` (12 as 0), `K` and AM/PM make `H`; any two
        // that disagree are a conflict.
        let agree = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (Some(x), Some(y)) if x != y => Err(PatternParseError::Invalid),
            (a, b) => Ok(a.or(b)),
        };
        let clock_day = self.get(CLOCK_HOUR_OF_DAY, 1..=24)?.map(|k| k % 24);
        let hour_of_day = agree(self.get(HOUR_OF_DAY, 0..=23)?, clock_day)?;
        let clock_ampm = self.get(CLOCK_HOUR_OF_AMPM, 1..=12)?.map(|h| h % 12);
        let hour_of_ampm = agree(self.get(HOUR_OF_AMPM, 0..=11)?, clock_ampm)?;
        let ampm = self.get(AMPM, 0..=1)?;
        let hour = match (hour_of_day, hour_of_ampm, ampm) {
            (h, Some(hap), Some(ap)) => agree(h, Some(ap * 12 + hap))?.unwrap_or(0),
            (Some(h), _, Some(ap)) if h / 12 != ap => return Err(invalid),
            (Some(h), _, _) => h,
            // Spark's `toLocalTime`: an hour of AM/PM alone is in the morning, PM alone is 12.
            (None, Some(hap), None) => hap,
            (None, None, Some(ap)) => ap * 12,
            (None, None, None) => 0,
        };
        if hour_of_day.is_some() && hour_of_ampm.is_some_and(|hap| hap != hour % 12) {
            return Err(invalid);
        }
        let minute = self.get(MINUTE, 0..=59)?.unwrap_or(0);
        let second = self.get(SECOND, 0..=59)?.unwrap_or(0);
        let micros = self.get(NANO, 0..=999_999_999)?.unwrap_or(0) / 1000;
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
        secs.checked_mul(MICROS_PER_SECOND).and_then(|s| s.checked_add(micros)).ok_or(invalid)
    }
}

impl DateTimePattern {
    /// Compiles a pattern for formatting (`date_format`, `from_unixtime`), refusing what
    /// Spark refuses: see [`PatternError`].
    pub fn new(pattern: &str) -> Result<Self, PatternError> {
        Self::build(pattern, false)
    }

    /// Compiles a pattern for parsing (`to_timestamp`, `unix_timestamp`, the `dateFormat`
    /// of a reader), where Spark also refuses the letters `E F q Q`.
    pub fn for_parsing(pattern: &str) -> Result<Self, PatternError> {
        Self::build(pattern, true)
    }

    fn build(pattern: &str, parsing: bool) -> Result<Self, PatternError> {
        let items = spark_checks(pattern, parsing).and_then(|()| compile(pattern)).map_err(|e| {
            // Spark's `checkLegacyFormatter`: a pattern Spark 2 read is an upgrade issue.
            if legacy_accepts(pattern) {
                PatternError::recognition(pattern)
            } else {
                e
            }
        })?;
        let parser = parse_plan(&items);
        Ok(DateTimePattern { text: pattern.to_string(), items, parser })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Formats a timestamp (microseconds since the epoch) in UTC.
    pub fn format(&self, micros: i64) -> String {
        self.format_in(micros, Zone::Utc)
    }

    /// Formats an instant as local time in `zone` (zone letters print that zone).
    pub fn format_in(&self, utc_micros: i64, zone: Zone) -> String {
        let mut out = String::with_capacity(self.text.len() + 8);
        format_items(&self.items, &Moment::new(utc_micros, zone), &mut out);
        out
    }

    /// Parses text that must match the whole pattern into microseconds since the epoch, as
    /// UTC unless the text names a zone. Fields the pattern lacks default to
    /// 1970-01-01 00:00:00, as in Spark.
    pub fn parse(&self, text: &str) -> Result<i64, PatternParseError> {
        self.parse_in(text, Zone::Utc)
    }

    /// Parses text that must match the whole pattern into an instant: local time in `zone`
    /// unless the text names a zone (pattern letters `z`, `X`, `Z`, `VV`, ...), which wins.
    pub fn parse_in(&self, text: &str, zone: Zone) -> Result<i64, PatternParseError> {
        let (local, written) = self.parse_local(text)?;
        Ok(written.unwrap_or(zone).from_local(local))
    }

    /// The local time the text holds, and the zone it names, if any.
    fn parse_local(&self, text: &str) -> Result<(i64, Option<Zone>), PatternParseError> {
        let bytes = text.as_bytes();
        let mut parsed = Parsed::default();
        let pos = parse_items(&self.parser, bytes, 0, &mut parsed)?;
        if pos < bytes.len() {
            return Err(PatternParseError::Unparsed(pos));
        }
        Ok((parsed.local_micros()?, parsed.zone))
    }
}

/// An instant taken apart in a zone, for formatting.
struct Moment {
    utc_micros: i64,
    zone: Zone,
    offset: i32,
    days: i64,
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    second: i64,
    /// Microseconds into the second.
    frac: i64,
}

impl Moment {
    fn new(utc_micros: i64, zone: Zone) -> Self {
        let offset = zone.offset_at(utc_micros);
        let micros = utc_micros.saturating_add(offset as i64 * MICROS_PER_SECOND);
        let days = micros.div_euclid(MICROS_PER_DAY);
        let in_day = micros.rem_euclid(MICROS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let secs = in_day / MICROS_PER_SECOND;
        Moment {
            utc_micros,
            zone,
            offset,
            days,
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
            frac: in_day % MICROS_PER_SECOND,
        }
    }
}

fn format_items(items: &[PatternItem], m: &Moment, out: &mut String) {
    for item in items {
        match item {
            PatternItem::Literal(s) => out.push_str(s),
            PatternItem::Optional(inner) => format_items(inner, m, out),
            PatternItem::Field(c, n) => format_field(*c, *n, m, out),
        }
    }
}

fn format_field(c: char, n: usize, m: &Moment, out: &mut String) {
    use std::fmt::Write;
    let pad = |out: &mut String, v: i64| {
        let _ = write!(out, "{v:0n$}");
    };
    let (year, month, offset) = (m.year, m.month, m.offset);
    match c {
        'G' => out.push_str(match (n, year > 0) {
            (4, true) => "Anno Domini",
            (4, false) => "Before Christ",
            (5, true) => "A",
            (5, false) => "B",
            (_, true) => "AD",
            (_, false) => "BC",
        }),
        'y' => {
            let year_of_era = if year > 0 { year } else { 1 - year };
            if n == 2 {
                pad(out, year_of_era.rem_euclid(100));
            } else {
                pad(out, year_of_era);
            }
        }
        'M' | 'L' => match n {
            1 | 2 => pad(out, month as i64),
            3 => out.push_str(&MONTHS[month as usize - 1][..3]),
            4 => out.push_str(MONTHS[month as usize - 1]),
            _ => out.push_str(&MONTHS[month as usize - 1][..1]),
        },
        'd' => pad(out, m.day as i64),
        'D' => pad(out, day_of_year(m.days) as i64),
        // Java 17's `F`: the aligned day of the week in the month (Spark's answer).
        'F' => pad(out, (m.day as i64 - 1) % 7 + 1),
        'Q' | 'q' => {
            let q = (month as i64 - 1) / 3 + 1;
            match n {
                1 | 2 => pad(out, q),
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
            let name = WEEKDAYS[weekday(m.days) as usize];
            out.push_str(if n == 4 { name } else { &name[..3] });
        }
        'a' => out.push_str(if m.hour < 12 { "AM" } else { "PM" }),
        'h' => pad(out, if m.hour % 12 == 0 { 12 } else { m.hour % 12 }),
        'K' => pad(out, m.hour % 12),
        'k' => pad(out, if m.hour == 0 { 24 } else { m.hour }),
        'H' => pad(out, m.hour),
        'm' => pad(out, m.minute),
        's' => pad(out, m.second),
        'S' => {
            let nanos = format!("{:09}", m.frac * 1000);
            out.push_str(&nanos[..n]);
        }
        'z' if n == 4 => out.push_str(&m.zone.long_name(m.utc_micros)),
        'z' => out.push_str(&m.zone.short_name(m.utc_micros)),
        'V' => out.push_str(&m.zone.id()),
        'O' => {
            out.push_str("GMT");
            if offset != 0 {
                let (sign, a) = (if offset < 0 { '-' } else { '+' }, offset.unsigned_abs());
                let (h, mi, sec) = (a / 3600, a / 60 % 60, a % 60);
                if n == 4 {
                    let _ = write!(out, "{sign}{h:02}:{mi:02}");
                } else {
                    let _ = write!(out, "{sign}{h}");
                    if mi != 0 || sec != 0 {
                        let _ = write!(out, ":{mi:02}");
                    }
                }
                if sec != 0 {
                    let _ = write!(out, ":{sec:02}");
                }
            }
        }
        'X' if offset == 0 => out.push('Z'),
        'X' | 'x' => {
            // Java's offset ids: `X`..`XXX` (and `x`..`xxx`) are hours and minutes,
            // seconds cut; four or five letters add the seconds when not zero.
            let shown = if n <= 3 { offset - offset % 60 } else { offset };
            let text = format_offset(shown, n == 3 || n == 5);
            // One letter: hours, and minutes only when not zero.
            out.push_str(if n == 1 && shown % 3600 == 0 { &text[..3] } else { &text });
        }
        'Z' => match n {
            4 if offset == 0 => out.push_str("GMT"),
            4 => {
                out.push_str("GMT");
                out.push_str(&format_offset(offset, true));
            }
            5 if offset == 0 => out.push('Z'),
            5 => out.push_str(&format_offset(offset, true)),
            _ => out.push_str(&format_offset(offset - offset % 60, false)),
        },
        _ => unreachable!("DateTimePattern::new admits only the letters handled here"),
    }
}

/// Reads `items` from `pos`, into `p`; the position after them.
fn parse_items(
    items: &[ParseItem],
    bytes: &[u8],
    mut pos: usize,
    p: &mut Parsed,
) -> Result<usize, PatternParseError> {
    for item in items {
        let at = PatternParseError::At(pos);
        match item {
            ParseItem::Literal(s) => {
                let end = pos + s.len();
                if end > bytes.len() || !bytes[pos..end].eq_ignore_ascii_case(s.as_bytes()) {
                    return Err(at);
                }
                pos = end;
            }
            ParseItem::Optional(inner) => {
                // Java's optional section: kept when all of it reads, else skipped whole.
                let mut tried = *p;
                if let Ok(end) = parse_items(inner, bytes, pos, &mut tried) {
                    *p = tried;
                    pos = end;
                }
            }
            ParseItem::Number { c, n, min, max, sign, subsequent } => {
                let start = pos;
                let v = read_value(bytes, &mut pos, *min, *max, *sign, *subsequent)?;
                let (field, value) = match c {
                    'y' if *n == 2 => (YEAR, 2000 + v),
                    'y' => (YEAR, v),
                    'M' | 'L' => (MONTH, v),
                    'd' => (DAY, v),
                    'D' => (DAY_OF_YEAR, v),
                    'h' => (CLOCK_HOUR_OF_AMPM, v),
                    'K' => (HOUR_OF_AMPM, v),
                    'k' => (CLOCK_HOUR_OF_DAY, v),
                    'H' => (HOUR_OF_DAY, v),
                    'm' => (MINUTE, v),
                    's' => (SECOND, v),
                    'S' => (NANO, v * 100_000_000),
                    'Q' | 'q' => (QUARTER, v),
                    _ => (DAY_IN_MONTH, v),
                };
                p.set(field, value, start)?;
            }
            ParseItem::Fraction(max) => {
                let start = pos;
                while pos - start < *max && pos < bytes.len() && bytes[pos].is_ascii_digit() {
                    pos += 1;
                }
                if pos == start {
                    return Err(at);
                }
                let nanos = (0..9)
                    .fold(0, |acc, i| acc * 10 + bytes[start..pos].get(i).map_or(0, |d| (d - b'0') as i64));
                p.set(NANO, nanos, start)?;
            }
            ParseItem::Text(c, n) => pos = read_text(*c, *n, bytes, pos, p)?,
        }
    }
    Ok(pos)
}

/// Java's strict `NumberPrinterParser.parse`: an optional sign as `sign` allows, then
/// `min..=max` digits, as many as there are but for the last `subsequent` ones, which the
/// fixed-width numbers after this one read.
fn read_value(
    bytes: &[u8],
    pos: &mut usize,
    min: usize,
    max: usize,
    sign: Sign,
    subsequent: usize,
) -> Result<i64, PatternParseError> {
    let mut start = *pos;
    let (mut negative, mut positive) = (false, false);
    match bytes.get(start) {
        Some(b'+') if sign == Sign::ExceedsPad => positive = true,
        Some(b'-') if sign != Sign::NotNegative => negative = true,
        Some(b'+' | b'-') => return Err(PatternParseError::At(start)),
        _ => {}
    }
    if negative || positive {
        start += 1;
    }
    let digits = |width: usize| {
        bytes[start.min(bytes.len())..].iter().take(width).take_while(|b| b.is_ascii_digit()).count()
    };
    let mut len = digits(max + subsequent);
    if len < min {
        return Err(PatternParseError::At(start));
    }
    if subsequent > 0 {
        len = digits(min.max(len - subsequent.min(len)));
    }
    if negative && bytes[start..start + len].iter().all(|&b| b == b'0') {
        return Err(PatternParseError::At(start - 1));
    }
    if sign == Sign::ExceedsPad && !negative {
        if positive && len <= min {
            return Err(PatternParseError::At(start - 1));
        }
        if !positive && len > min {
            return Err(PatternParseError::At(start));
        }
    }
    // More digits than any field holds make an invalid value, as Java's range checks.
    let v = bytes[start..start + len]
        .iter()
        .try_fold(0i64, |acc, &b| acc.checked_mul(10)?.checked_add((b - b'0') as i64))
        .ok_or(PatternParseError::Invalid)?;
    *pos = start + len;
    Ok(if negative { -v } else { v })
}

/// Reads a name (month, era, weekday, quarter, AM/PM) or a zone at `pos`.
fn read_text(
    c: char,
    n: usize,
    bytes: &[u8],
    mut pos: usize,
    p: &mut Parsed,
) -> Result<usize, PatternParseError> {
    let at = PatternParseError::At(pos);
    let rest = &bytes[pos..];
    match c {
        'M' | 'L' => {
            let found = MONTHS.iter().enumerate().find_map(|(i, name)| {
                let candidate = if n == 3 { &name[..3] } else { name };
                let len = candidate.len();
                (rest.len() >= len && rest[..len].eq_ignore_ascii_case(candidate.as_bytes()))
                    .then_some((i, len))
            });
            let (i, len) = found.ok_or(at)?;
            p.set(MONTH, i as i64 + 1, pos)?;
            Ok(pos + len)
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
            Ok(pos)
        }
        'a' => {
            let word = rest.get(..2).ok_or(at.clone())?;
            let pm = match word.to_ascii_uppercase().as_slice() {
                b"AM" => 0,
                b"PM" => 1,
                _ => return Err(at),
            };
            p.set(AMPM, pm, pos)?;
            Ok(pos + 2)
        }
        'z' | 'V' => {
            let (zone, len) = read_zone_name(rest, c == 'z').ok_or(at)?;
            p.zone = Some(zone);
            Ok(pos + len)
        }
        _ => {
            // An offset (`X`, `x`, `Z`, `O`): as much of `[A-Za-z0-9+-:]` as follows, read
            // as `Z`, `GMT`, `+hh:mm`, ...
            let len = rest.iter().take_while(|b| b.is_ascii_alphanumeric() || b"+-:".contains(b)).count();
            if len == 0 {
                return Err(at);
            }
            let secs = parse_zone(&rest[..len]).ok_or(at)?;
            p.zone = Some(if secs == 0 { Zone::Utc } else { Zone::Fixed(secs as i32) });
            Ok(pos + len)
        }
    }
}

/// Zone names as Java reads them in the US locale (pattern `z`), each the zone it stands
/// for: the metazone's zone for the US (`CST` is Chicago's, not Shanghai's).
const ZONE_NAMES: &[(&str, &str)] = &[
    ("PST", "America/Los_Angeles"),
    ("PDT", "America/Los_Angeles"),
    ("PT", "America/Los_Angeles"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Pacific Daylight Time", "America/Los_Angeles"),
    ("Pacific Time", "America/Los_Angeles"),
    ("MST", "America/Denver"),
    ("MDT", "America/Denver"),
    ("MT", "America/Denver"),
    ("Mountain Standard Time", "America/Denver"),
    ("Mountain Daylight Time", "America/Denver"),
    ("Mountain Time", "America/Denver"),
    ("CST", "America/Chicago"),
    ("CDT", "America/Chicago"),
    ("CT", "America/Chicago"),
    ("Central Standard Time", "America/Chicago"),
    ("Central Daylight Time", "America/Chicago"),
    ("Central Time", "America/Chicago"),
    ("EST", "America/New_York"),
    ("EDT", "America/New_York"),
    ("ET", "America/New_York"),
    ("Eastern Standard Time", "America/New_York"),
    ("Eastern Daylight Time", "America/New_York"),
    ("Eastern Time", "America/New_York"),
    ("AKST", "America/Anchorage"),
    ("AKDT", "America/Anchorage"),
    ("Alaska Standard Time", "America/Anchorage"),
    ("Alaska Daylight Time", "America/Anchorage"),
    ("HST", "Pacific/Honolulu"),
    ("HDT", "Pacific/Honolulu"),
    ("Hawaii-Aleutian Standard Time", "Pacific/Honolulu"),
    ("Hawaii-Aleutian Daylight Time", "Pacific/Honolulu"),
    ("Coordinated Universal Time", "UTC"),
    ("Greenwich Mean Time", "UTC"),
];

/// Java's `ZoneIdPrinterParser.parse` (with the names of `ZoneTextPrinterParser` when
/// `names`): an offset (`+08:00`), `UTC`/`UT`/`GMT` and an optional offset, else the longest
/// zone ID (`America/Los_Angeles`) or name (`PST`) the text starts with, else `Z`. The
/// zone and how many bytes it took.
fn read_zone_name(text: &[u8], names: bool) -> Option<(Zone, usize)> {
    let offset_len = |from: usize| {
        let rest = &text[from..];
        if !matches!(rest.first(), Some(b'+' | b'-')) {
            return 0;
        }
        1 + rest[1..].iter().take_while(|b| b.is_ascii_digit() || **b == b':').count()
    };
    let zone_of = |secs: i64| if secs == 0 { Zone::Utc } else { Zone::Fixed(secs as i32) };
    let first = *text.first()?;
    if first == b'+' || first == b'-' {
        let len = offset_len(0);
        return Some((zone_of(parse_zone(&text[..len])?), len));
    }
    let upper = |i: usize| text.get(i).map(u8::to_ascii_uppercase);
    let prefix = match (upper(0), upper(1), upper(2)) {
        (Some(b'U'), Some(b'T'), Some(b'C')) => Some(3),
        (Some(b'U'), Some(b'T'), _) => Some(2),
        (Some(b'G'), Some(b'M'), Some(b'T')) => Some(3),
        _ => None,
    };
    if let Some(prefix) = prefix {
        if prefix == 3 && upper(0) == Some(b'G') && text.get(3) == Some(&b'0') {
            return Some((Zone::Utc, 4));
        }
        let len = offset_len(prefix);
        return Some(match (len > 0).then(|| parse_zone(&text[prefix..prefix + len])).flatten() {
            Some(secs) => (zone_of(secs), prefix + len),
            None => (Zone::Utc, prefix),
        });
    }
    let starts =
        |name: &str| text.len() >= name.len() && text[..name.len()].eq_ignore_ascii_case(name.as_bytes());
    let mut best: Option<(Zone, usize)> = None;
    if names {
        for (name, id) in ZONE_NAMES {
            if starts(name) && best.as_ref().is_none_or(|b| name.len() > b.1) {
                best = Zone::parse(id).ok().map(|z| (z, name.len()));
            }
        }
    }
    for tz in chrono_tz::TZ_VARIANTS.iter() {
        let id = tz.name();
        if starts(id) && best.as_ref().is_none_or(|b| id.len() > b.1) {
            best = Some((Zone::Region(*tz), id.len()));
        }
    }
    best.or_else(|| first.eq_ignore_ascii_case(&b'Z').then_some((Zone::Utc, 1)))
}

/// How Java's parsing formatter reads field `c` written `n` times when it is a number:
/// `(min, max, sign)`, or `None` for names, zones and multi-digit fractions.
fn number_width(c: char, n: usize) -> Option<(usize, usize, Sign)> {
    Some(match (c, n) {
        ('y', 2) => (2, 2, Sign::NotNegative),
        ('y', 1 | 3) => (n, 19, Sign::Normal),
        ('y', _) => (n, 19, Sign::ExceedsPad),
        ('M' | 'L' | 'Q' | 'q' | 'd' | 'h' | 'H' | 'k' | 'K' | 'm' | 's' | 'D' | 'F', 1) => {
            (1, 19, Sign::Normal)
        }
        ('M' | 'L' | 'Q' | 'q' | 'd' | 'h' | 'H' | 'k' | 'K' | 'm' | 's', 2) => (2, 2, Sign::NotNegative),
        ('D', 2) => (2, 3, Sign::NotNegative),
        ('D', 3) => (3, 3, Sign::NotNegative),
        // Spark reads `S` as a fraction of 1 to 1 digits, a fixed-width value to Java.
        ('S', 1) => (1, 1, Sign::NotNegative),
        _ => return None,
    })
}

/// What Spark's parsing formatter reads for `items`: Java's `DateTimeFormatterBuilder`,
/// where a number followed directly by fixed-width numbers is told their widths (adjacent
/// value parsing), and anything else (a literal, a name, a fraction of several digits, an
/// optional section) starts over.
fn parse_plan(items: &[PatternItem]) -> Vec<ParseItem> {
    let mut out: Vec<ParseItem> = Vec::with_capacity(items.len());
    let mut active: Option<usize> = None;
    for item in items {
        let next = match item {
            PatternItem::Literal(s) => {
                active = None;
                ParseItem::Literal(s.clone())
            }
            PatternItem::Optional(inner) => {
                active = None;
                ParseItem::Optional(parse_plan(inner))
            }
            &PatternItem::Field(c, n) => match number_width(c, n) {
                Some((min, max, sign)) => {
                    let fixed = min == max && sign == Sign::NotNegative;
                    match active {
                        Some(a) if fixed => {
                            if let Some(ParseItem::Number { subsequent, .. }) = out.get_mut(a) {
                                *subsequent += max;
                            }
                        }
                        _ => active = Some(out.len()),
                    }
                    ParseItem::Number { c, n, min, max, sign, subsequent: 0 }
                }
                None => {
                    active = None;
                    if c == 'S' {
                        ParseItem::Fraction(n)
                    } else {
                        ParseItem::Text(c, n)
                    }
                }
            },
        };
        out.push(next);
    }
    out
}

/// The parts of `pattern` outside quotes, as Spark's `convertIncompatiblePattern` finds
/// them (`(pattern + " ").split("'")`, every other part).
fn unquoted_parts(pattern: &str) -> Vec<String> {
    format!("{pattern} ").split('\'').step_by(2).map(str::to_string).collect()
}

/// Spark's checks before Java builds the formatter (`convertIncompatiblePattern`):
/// week-based letters, letters Spark refuses (and, to parse, `E F q Q`), and five-letter
/// text styles (`MMMMM`, Java's narrow form, which Spark 2 read as the full one) or seven
/// `y`s.
fn spark_checks(pattern: &str, parsing: bool) -> Result<(), PatternError> {
    for part in unquoted_parts(pattern) {
        if let Some(c) = part.chars().find(|c| "YWwuec".contains(*c)) {
            return Err(PatternError::new(
                "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_WEEK_BASED_PATTERN",
                format!("You may get a different result due to the upgrading to Spark >= 3.0: All week-based patterns are unsupported since Spark 3.0, detected week-based character: {c}. Please use the SQL function EXTRACT instead. SQLSTATE: 42K0B"),
            ));
        }
        if let Some(c) = part.chars().find(|c| "ABnNp".contains(*c) || (parsing && "EFqQ".contains(*c))) {
            return Err(PatternError::new(
                "INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER",
                format!("Unrecognized datetime pattern: {pattern}. Found illegal character in datetime pattern: {c}. Please provide legal character. SQLSTATE: 22007"),
            ));
        }
        for style in ["GGGGG", "MMMMM", "LLLLL", "EEEEE", "QQQQQ", "qqqqq", "yyyyyyy"] {
            if part.contains(style) {
                return Err(PatternError::new(
                    "INVALID_DATETIME_PATTERN.LENGTH",
                    format!("Unrecognized datetime pattern: {pattern}. Too many letters in datetime pattern: {style}. Please reduce pattern length. SQLSTATE: 22007"),
                ));
            }
        }
    }
    Ok(())
}

/// Whether Spark 2's `SimpleDateFormat` takes the pattern: its letters
/// `GyMdkHmsSEDFwWahKzZYuXL` (`X` at most three times in a row), quotes closed.
fn legacy_accepts(pattern: &str) -> bool {
    let chars: Vec<char> = pattern.chars().collect();
    let (mut quoted, mut i) = (false, 0);
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            if chars.get(i + 1) == Some(&'\'') {
                i += 2;
                continue;
            }
            quoted = !quoted;
        } else if !quoted && c.is_ascii_alphabetic() {
            if !"GyMdkHmsSEDFwWahKzZYuXL".contains(c) {
                return false;
            }
            let run = chars[i..].iter().take_while(|&&d| d == c).count();
            if c == 'X' && run > 3 {
                return false;
            }
            i += run;
            continue;
        }
        i += 1;
    }
    !quoted
}

/// Compiles a pattern as Java's `DateTimeFormatterBuilder.appendPattern`: letters in runs,
/// quoted text, `[..]` optional sections (closed at the end if left open).
fn compile(pattern: &str) -> Result<Vec<PatternItem>, PatternError> {
    let chars: Vec<char> = pattern.chars().collect();
    // The sections being built: the pattern, then each open `[`.
    let mut levels: Vec<Vec<PatternItem>> = vec![Vec::new()];
    let push_literal = |items: &mut Vec<PatternItem>, s: &str| match items.last_mut() {
        Some(PatternItem::Literal(prev)) => prev.push_str(s),
        _ => items.push(PatternItem::Literal(s.to_string())),
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let mut lit = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(PatternError::java(format!(
                            "Pattern ends with an incomplete string literal: {pattern}"
                        )))
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
            // `''` alone is a quote.
            push_literal(levels.last_mut().expect("a level"), if lit.is_empty() { "'" } else { &lit });
            continue;
        }
        if c.is_ascii_alphabetic() {
            let n = chars[i..].iter().take_while(|&&d| d == c).count();
            let max = match c {
                'G' | 'E' | 'M' | 'L' | 'Q' | 'q' | 'X' | 'x' | 'Z' => 5,
                'y' => 19,
                'd' | 'h' | 'H' | 'k' | 'K' | 'm' | 's' => 2,
                'D' => 3,
                'a' | 'F' => 1,
                'S' => 9,
                'z' => 4,
                'V' if n != 2 => {
                    return Err(PatternError::java(format!("Pattern letter count must be 2: {c}")))
                }
                'V' => 2,
                'O' if n != 1 && n != 4 => {
                    return Err(PatternError::java(format!("Pattern letter count must be 1 or 4: {c}")))
                }
                'O' => 4,
                'v' | 'g' => {
                    return Err(PatternError::java(format!(
                        "Pattern letter '{c}' is not supported by Sluice yet in '{pattern}'"
                    )))
                }
                _ => return Err(PatternError::java(format!("Unknown pattern letter: {c}"))),
            };
            if n > max {
                return Err(PatternError::java(format!("Too many pattern letters: {c}")));
            }
            levels.last_mut().expect("a level").push(PatternItem::Field(c, n));
            i += n;
            continue;
        }
        match c {
            '[' => levels.push(Vec::new()),
            ']' => {
                if levels.len() == 1 {
                    return Err(PatternError::java(
                        "Pattern invalid as it contains ] without previous [".to_string(),
                    ));
                }
                let section = levels.pop().expect("an open section");
                levels.last_mut().expect("the enclosing level").push(PatternItem::Optional(section));
            }
            '{' | '}' | '#' => {
                return Err(PatternError::java(format!("Pattern includes reserved character: '{c}'")))
            }
            _ => push_literal(levels.last_mut().expect("a level"), &c.to_string()),
        }
        i += 1;
    }
    while levels.len() > 1 {
        let section = levels.pop().expect("an open section");
        levels.last_mut().expect("the enclosing level").push(PatternItem::Optional(section));
    }
    Ok(levels.pop().expect("the pattern's own level"))
}
