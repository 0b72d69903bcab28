//! Doubles as text, the one place Spark's (Java's) rules for them live: the printer every
//! cast, `show()`, generated column name and JSON row uses (Java's `Double.toString`), and
//! the one table of non-finite spellings (`NaN`, `Infinity`, `-INF`, ...) that casts, JSON
//! (from `from_json` and the file source alike) and CSV read.

use std::fmt::Write;

/// Every spelling of a non-finite double Spark reads. Jackson's `ALLOW_NON_NUMERIC_NUMBERS`
/// (Spark's JSON default) takes all of them as written; `CAST(s AS DOUBLE)` takes them in
/// any case; Java's `Double.parseDouble` (CSV) only those marked `java`.
const NON_FINITE: &[NonFinite] = &[
    NonFinite { text: "NaN", value: f64::NAN, java: true },
    NonFinite { text: "Infinity", value: f64::INFINITY, java: true },
    NonFinite { text: "+Infinity", value: f64::INFINITY, java: true },
    NonFinite { text: "-Infinity", value: f64::NEG_INFINITY, java: true },
    NonFinite { text: "INF", value: f64::INFINITY, java: false },
    NonFinite { text: "+INF", value: f64::INFINITY, java: false },
    NonFinite { text: "-INF", value: f64::NEG_INFINITY, java: false },
];

struct NonFinite {
    text: &'static str,
    value: f64,
    java: bool,
}

/// A non-finite double as JSON spells it (a string, or a bare token in Spark's default
/// `allowNonNumericNumbers` mode), exactly as written.
pub fn json_non_finite(text: &[u8]) -> Option<f64> {
    NON_FINITE.iter().find(|s| s.text.as_bytes() == text).map(|s| s.value)
}

/// A non-finite double as `CAST(s AS DOUBLE)` reads it: any case (`nan`, `-inf`).
pub fn cast_non_finite(text: &str) -> Option<f64> {
    NON_FINITE.iter().find(|s| s.text.eq_ignore_ascii_case(text)).map(|s| s.value)
}

/// A non-finite double as Java's `Double.parseDouble` reads it (`NaN`, `[+-]Infinity`).
pub fn java_non_finite(text: &str) -> Option<f64> {
    NON_FINITE.iter().find(|s| s.java && s.text == text).map(|s| s.value)
}

/// Formats a double as Java's `Double.toString` does, which is what Spark prints:
/// `1.0`, `0.001`, `1.0E-4`, `1.0E7`, `-0.0`, `NaN`, `Infinity`.
///
/// Plain notation for magnitudes in `[1e-3, 1e7)`, otherwise `d.dddE±n`; always at least
/// one digit after the point. Digits are the shortest that round-trip, which is what
/// JDK 19+ prints. JDK 17 (which Spark 4 also runs on) agrees on every value below `1e11`
/// checked against it (200k random doubles) but prints a longer or differently rounded
/// 17th digit for about 0.1% of larger magnitudes (`5.7223519193314771E17` where this
/// gives `5.722351919331477E17`); both parse to the same double. `Double.MIN_VALUE` is
/// special-cased to JDK's `4.9E-324`.
pub fn java_double_to_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    let abs = x.abs();
    if abs == f64::from_bits(1) {
        return format!("{sign}4.9E-324");
    }
    // `{:e}` gives the shortest round-trip digits as `d[.ddd]e[-]n`.
    let sci = format!("{abs:e}");
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` output always has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::from(sign);
    if (1e-3..1e7).contains(&abs) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() > int_len {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            } else {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        out.push_str(if digits.len() > 1 { &digits[1..] } else { "0" });
        let _ = write!(out, "E{exp}");
    }
    out
}
