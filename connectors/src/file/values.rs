//! Number texts to numbers, shared by the JSON and CSV parsers, and the wording of a value
//! that does not fit its column.

use sluice_core::DataType;

/// Decimal integer text (optional sign, digits only) to `i64`; `None` when it is not one
/// or overflows.
#[inline]
pub(crate) fn parse_i64(t: &[u8]) -> Option<i64> {
    let (neg, digits) = match t.first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() {
        return None;
    }
    if digits.len() <= 18 {
        let mut v: i64 = 0;
        for &d in digits {
            let d = d.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            v = v * 10 + d as i64;
        }
        return Some(if neg { -v } else { v });
    }
    let mut v: i64 = 0;
    for &d in digits {
        let d = d.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?;
        v = if neg { v.checked_sub(d as i64)? } else { v.checked_add(d as i64)? };
    }
    Some(v)
}

/// Float text already checked to be ASCII number syntax, to `f64`.
#[inline]
pub(crate) fn parse_f64_ascii(t: &[u8]) -> Option<f64> {
    if t.len() <= 16 && !t.iter().any(|c| matches!(c, b'.' | b'e' | b'E')) {
        // Integers of up to 15 digits are exact in f64.
        if let Some(v) = parse_i64(t) {
            if v.unsigned_abs() < (1u64 << 53) {
                return Some(v as f64);
            }
        }
    }
    std::str::from_utf8(t).ok()?.parse::<f64>().ok()
}

/// Java's `Double.parseDouble` forms: surrounding spaces, an optional `d`/`f` suffix,
/// `NaN` and `Infinity`; not Rust's extra spellings (`inf`, `nan`).
pub(crate) fn parse_java_double(t: &str) -> Option<f64> {
    let t = t.trim();
    let body = t.trim_start_matches(['+', '-']);
    match body {
        "NaN" if body.len() == t.len() => return Some(f64::NAN),
        "Infinity" => return Some(if t.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY }),
        _ => {}
    }
    let t = t.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(t);
    if t.bytes().any(|c| c.is_ascii_alphabetic() && c != b'e' && c != b'E') {
        return None;
    }
    t.parse::<f64>().ok()
}

/// The reason recorded for a value that does not fit its column.
pub(crate) fn cannot_parse(text: &[u8], data_type: &DataType, column: &str) -> String {
    const MAX: usize = 200;
    let shown = String::from_utf8_lossy(&text[..text.len().min(MAX)]);
    let more = if text.len() > MAX { "..." } else { "" };
    format!("cannot parse '{shown}{more}' as {} for column `{column}`", data_type.sql_name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_strictly_with_overflow_checks() {
        let cases: &[(&str, Option<i64>)] = &[
            ("0", Some(0)),
            ("-12", Some(-12)),
            ("+7", Some(7)),
            ("1424686762005139528", Some(1424686762005139528)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("12a", None),
            ("", None),
            ("-", None),
            ("1.5", None),
        ];
        for (t, want) in cases {
            assert_eq!(parse_i64(t.as_bytes()), *want, "{t}");
        }
    }

    #[test]
    fn doubles_follow_java() {
        assert_eq!(parse_java_double(" 1.5 "), Some(1.5));
        assert_eq!(parse_java_double("2d"), Some(2.0));
        assert_eq!(parse_java_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_java_double("NaN").unwrap().is_nan());
        assert_eq!(parse_java_double("inf"), None);
        assert_eq!(parse_java_double("abc"), None);
        assert_eq!(parse_f64_ascii(b"7.6293945E-4"), Some(7.6293945E-4));
        assert_eq!(parse_f64_ascii(b"-8"), Some(-8.0));
    }
}

/// How timestamp and date texts are read (Spark's `timestampFormat`, `dateFormat` and
/// `timestampNTZFormat` options), through the pattern parser `to_timestamp` uses. Without a
/// pattern, Spark's default parsing applies (ISO 8601 and its lenient forms); with one, as
/// Spark's CORRECTED policy, the text must match the pattern.
#[derive(Clone, Debug, Default)]
pub(crate) struct TimeFormats {
    timestamp: Option<sluice_core::time::DateTimePattern>,
    date: Option<sluice_core::time::DateTimePattern>,
    /// Kept for `TIMESTAMP_NTZ` columns, which Sluice does not have yet: validated only.
    #[allow(dead_code)]
    timestamp_ntz: Option<sluice_core::time::DateTimePattern>,
    /// Where text without a zone is local time (the `timeZone` option; the session's zone
    /// by default).
    zone: sluice_core::time::Zone,
}

impl TimeFormats {
    /// The patterns of `options`, each compiled and checked (an invalid pattern is an error
    /// naming the option).
    pub fn from_options(options: &sluice_core::Options) -> sluice_core::Result<TimeFormats> {
        let pattern = |key: &str| {
            options
                .get(key)
                .map(|p| {
                    sluice_core::time::DateTimePattern::new(p).map_err(|why| {
                        sluice_core::SluiceError::option(key, format!("invalid pattern '{p}': {why}"))
                    })
                })
                .transpose()
        };
        Ok(TimeFormats {
            timestamp: pattern("timestampFormat")?,
            date: pattern("dateFormat")?,
            timestamp_ntz: pattern("timestampNTZFormat")?,
            zone: options.time_zone()?,
        })
    }

    /// A timestamp (microseconds since the epoch, UTC) from text, local time in the
    /// `timeZone` option's zone unless the text names a zone.
    pub fn timestamp(&self, text: &str) -> Option<i64> {
        match &self.timestamp {
            Some(p) => p.parse_in(text, self.zone).ok(),
            None => sluice_core::time::parse_timestamp_in(text, self.zone),
        }
    }

    /// A date (days since the epoch) from text.
    pub fn date(&self, text: &str) -> Option<i32> {
        match &self.date {
            Some(p) => {
                let micros = p.parse(text).ok()?;
                i32::try_from(micros.div_euclid(sluice_core::time::MICROS_PER_DAY)).ok()
            }
            None => sluice_core::time::parse_date(text),
        }
    }

    /// True when a timestamp pattern was given (CSV type inference then tries it).
    pub fn has_timestamp_format(&self) -> bool {
        self.timestamp.is_some()
    }
}
