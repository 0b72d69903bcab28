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

/// How timestamp, date and time texts are read: `sluice_core::time::TimeFormats`, shared
/// with `from_json`.
pub(crate) use sluice_core::time::TimeFormats;

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
