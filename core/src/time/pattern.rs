//! Datetime patterns (`yyyy-MM-dd HH:mm:ss`), as Spark's `date_format`, `to_timestamp`,
//! `from_unixtime` and `unix_timestamp` read them (Java's `DateTimeFormatter` letters).

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
}

/// A compiled Spark (Java `DateTimeFormatter`) datetime pattern: letters `G y M L d D Q q E a
/// h H k K m s S z V O X x Z`, text in single quotes (`''` is a quote), optional sections in
/// brackets (`yyyy-MM-dd[ HH:mm[:ss]]`), other symbols literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateTimePattern {
    text: String,
    /// The pattern with every optional section `[..]` in: what formatting prints.
    items: Vec<PatternItem>,
    /// The pattern with some optional sections left out, most included first: parsing
    /// tries `items`, then these, and takes the first that reads the whole text.
    without_sections: Vec<Vec<PatternItem>>,
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
    /// letters, unclosed quotes and unbalanced optional sections are errors.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let mut flat = expand_optional(pattern)?.into_iter();
        let items = compile_flat(pattern, &flat.next().unwrap_or_default())?;
        let without_sections = flat.map(|p| compile_flat(pattern, &p)).collect::<Result<_, _>>()?;
        Ok(DateTimePattern { text: pattern.to_string(), items, without_sections })
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
        use std::fmt::Write;
        let offset = zone.offset_at(utc_micros);
        let micros = utc_micros.saturating_add(offset as i64 * MICROS_PER_SECOND);
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
                // Java 17's `F`: the aligned day of the week in the month (Spark's answer).
                'F' => pad(&mut out, (day as i64 - 1) % 7 + 1),
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
                'z' if n == 4 => out.push_str(&zone.long_name(utc_micros)),
                'z' => out.push_str(&zone.short_name(utc_micros)),
                'V' => out.push_str(&zone.id()),
                'O' => {
                    out.push_str("GMT");
                    if offset != 0 {
                        let (sign, a) = (if offset < 0 { '-' } else { '+' }, offset.unsigned_abs());
                        let (h, m, sec) = (a / 3600, a / 60 % 60, a % 60);
                        if n == 4 {
                            let _ = write!(out, "{sign}{h:02}:{m:02}");
                        } else {
                            let _ = write!(out, "{sign}{h}");
                            if m != 0 || sec != 0 {
                                let _ = write!(out, ":{m:02}");
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
        out
    }

    /// Parses text that must match the whole pattern into microseconds since the epoch, as
    /// UTC unless the text names a zone. Fields the pattern lacks default to
    /// 1970-01-01 00:00:00, as in Spark.
    pub fn parse(&self, text: &str) -> Result<i64, PatternParseError> {
        self.parse_in(text, Zone::Utc)
    }

    /// Parses text that must match the whole pattern into an instant: local time in `zone`
    /// unless the text names a zone (pattern letters `X`, `Z`, `VV`, ...).
    pub fn parse_in(&self, text: &str, zone: Zone) -> Result<i64, PatternParseError> {
        let (local, offset) = self.parse_local(text)?;
        Ok(match offset {
            Some(offset) => local.saturating_sub(offset * MICROS_PER_SECOND),
            None => zone.from_local(local),
        })
    }

    /// The local time the text holds, and the offset it names, if any: through the first
    /// form of the pattern (optional sections in, then left out) that reads all of it.
    fn parse_local(&self, text: &str) -> Result<(i64, Option<i64>), PatternParseError> {
        match Self::parse_items(&self.items, text) {
            Ok(read) => Ok(read),
            Err(e) => {
                self.without_sections.iter().find_map(|items| Self::parse_items(items, text).ok()).ok_or(e)
            }
        }
    }

    fn parse_items(items: &[PatternItem], text: &str) -> Result<(i64, Option<i64>), PatternParseError> {
        let bytes = text.as_bytes();
        let mut pos = 0usize;
        let (mut year, mut month, mut day, mut doy) = (1970i64, 1u32, 1u32, None::<i64>);
        let (mut hour, mut hour12, mut pm, mut minute, mut second, mut micros, mut offset) =
            (0i64, None::<i64>, None::<bool>, 0i64, 0i64, 0i64, None::<i64>);
        for (index, item) in items.iter().enumerate() {
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
                items.get(index + 1),
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
                'F' => {
                    number(&mut pos, n, 1)?;
                }
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
                    offset = Some(parse_zone(&bytes[start..pos]).ok_or(PatternParseError::At(start))?);
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
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
        let local = secs
            .checked_mul(MICROS_PER_SECOND)
            .and_then(|s| s.checked_add(micros))
            .ok_or(PatternParseError::Invalid)?;
        Ok((local, offset))
    }
}

/// Reads `min..=max` digits at `pos`, advancing it.
pub(super) fn read_number(
    bytes: &[u8],
    pos: &mut usize,
    min: usize,
    max: usize,
) -> Result<i64, PatternParseError> {
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

pub(super) fn is_numeric_field(c: char, n: usize) -> bool {
    match c {
        'M' | 'L' | 'Q' | 'q' => n <= 2,
        'y' | 'd' | 'D' | 'h' | 'H' | 'k' | 'K' | 'm' | 's' | 'S' => true,
        _ => false,
    }
}

/// The flat patterns an optional section `[..]` stands for (nested ones too): with each
/// section first, then without it. Quoted text is not looked into.
fn expand_optional(pattern: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut quoted = false;
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\'' => quoted = !quoted,
            ']' if !quoted => return Err(format!("Pattern has an unmatched ']': {pattern}")),
            '[' if !quoted => {
                let (mut depth, mut q, mut j) = (0, false, i);
                loop {
                    match chars.get(j) {
                        None => {
                            return Err(format!("Pattern has an unclosed optional section '[': {pattern}"))
                        }
                        Some('\'') => q = !q,
                        Some('[') if !q => depth += 1,
                        Some(']') if !q => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let text = |r: std::ops::Range<usize>| chars[r].iter().collect::<String>();
                let (prefix, inner, suffix) = (text(0..i), text(i + 1..j), text(j + 1..chars.len()));
                let (inner, suffix) = (expand_optional(&inner)?, expand_optional(&suffix)?);
                let mut out = Vec::new();
                for s in &suffix {
                    out.extend(inner.iter().map(|m| format!("{prefix}{m}{s}")));
                }
                out.extend(suffix.iter().map(|s| format!("{prefix}{s}")));
                if out.len() > 64 {
                    return Err(format!("Pattern has too many optional sections: {pattern}"));
                }
                return Ok(out);
            }
            _ => {}
        }
    }
    Ok(vec![pattern.to_string()])
}

/// Compiles `flat`, a pattern without optional sections (one of `pattern`'s expansions).
fn compile_flat(pattern: &str, flat: &str) -> Result<Vec<PatternItem>, String> {
    let chars: Vec<char> = flat.chars().collect();

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
                    None => return Err(format!("Pattern ends with an incomplete string literal: {pattern}")),
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
                'F' => 1,
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
    Ok(items)
}
