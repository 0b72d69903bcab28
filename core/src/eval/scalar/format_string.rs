//! `format_string(fmt, args..)` / `printf`: Java's `java.util.Formatter`, as Spark calls it
//! with each argument's internal value (a date is its day count, a timestamp its
//! microseconds, a decimal Spark's own `Decimal`, which only `%s` takes).

use super::*;
use crate::format::display_value;

/// One `%[index$][flags][width][.precision]conversion` of a format.
struct Spec {
    index: Option<usize>,
    relative: bool,
    flags: String,
    width: Option<usize>,
    precision: Option<usize>,
    conversion: char,
}

/// `fmt` with its specifiers filled from `args`, or Java's exception text as an error.
pub(super) fn format_string(fmt: &str, args: &[Value]) -> Result<String> {
    let chars: Vec<char> = fmt.chars().collect();
    let (mut out, mut i, mut next, mut last) = (String::new(), 0, 0usize, None::<usize>);
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let (spec, end) = parse_spec(&chars, i)?;
        let text: String = chars[i..end].iter().collect();
        i = end;
        match spec.conversion {
            '%' => {
                out.push_str(&pad(&spec, "%".into()));
                continue;
            }
            'n' => {
                out.push('\n');
                continue;
            }
            _ => {}
        }
        let at = if spec.relative {
            last
        } else if let Some(n) = spec.index {
            Some(n - 1)
        } else {
            next += 1;
            Some(next - 1)
        };
        let Some(arg) = at.and_then(|a| args.get(a)) else {
            return Err(SluiceError::exec(format!("Format specifier '{text}'")));
        };
        last = at;
        out.push_str(&convert(&spec, arg)?);
    }
    Ok(out)
}

fn parse_spec(chars: &[char], start: usize) -> Result<(Spec, usize)> {
    let mut i = start + 1;
    let digits = |i: &mut usize| {
        let from = *i;
        while *i < chars.len() && chars[*i].is_ascii_digit() {
            *i += 1;
        }
        (from < *i).then(|| chars[from..*i].iter().collect::<String>().parse::<usize>().unwrap_or(0))
    };
    // An argument index is digits followed by `$`.
    let mut index = None;
    let save = i;
    if let Some(n) = digits(&mut i) {
        if chars.get(i) == Some(&'$') {
            index = Some(n);
            i += 1;
        } else {
            i = save;
        }
    }
    let mut flags = String::new();
    while i < chars.len() && "-#+ 0,(<".contains(chars[i]) {
        flags.push(chars[i]);
        i += 1;
    }
    let width = digits(&mut i);
    let precision = if chars.get(i) == Some(&'.') {
        i += 1;
        Some(digits(&mut i).unwrap_or(0))
    } else {
        None
    };
    let Some(&conversion) = chars.get(i) else {
        let text: String = chars[start..].iter().collect();
        return Err(SluiceError::exec(format!("Format specifier '{text}'")));
    };
    if !"bBsScCdoxXeEfgG%n".contains(conversion) {
        return Err(SluiceError::exec(format!("Conversion = '{conversion}'")));
    }
    let relative = flags.contains('<');
    Ok((Spec { index, relative, flags, width, precision, conversion }, i + 1))
}

/// The Java class Spark hands the Formatter for a value, named in its conversion errors.
fn java_class(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "org.apache.spark.unsafe.types.UTF8String",
        Value::Double(_) => "java.lang.Double",
        Value::Int(_) | Value::Date(_) => "java.lang.Integer",
        Value::Long(_) | Value::Timestamp(_) | Value::Interval(_) => "java.lang.Long",
        Value::Boolean(_) => "java.lang.Boolean",
        Value::Decimal(_) => "org.apache.spark.sql.types.Decimal",
        _ => "java.lang.Object",
    }
}

fn convert(spec: &Spec, v: &Value) -> Result<String> {
    let mismatch = || SluiceError::exec(format!("{} != {}", spec.conversion, java_class(v)));
    let upper = spec.conversion.is_ascii_uppercase();
    let text = match spec.conversion.to_ascii_lowercase() {
        'b' => {
            let b = match v {
                Value::Null => false,
                Value::Boolean(b) => *b,
                _ => true,
            };
            truncate(spec, b.to_string())
        }
        's' => truncate(spec, as_java_string(v)),
        'c' => match v {
            Value::Null => "null".into(),
            Value::Int(n) => char::from_u32(*n as u32).ok_or_else(mismatch)?.to_string(),
            _ => return Err(mismatch()),
        },
        'd' => match integral(v) {
            Some(n) => signed(spec, n < 0, group(spec, &n.unsigned_abs().to_string())),
            None if v.is_null() => "null".into(),
            None => return Err(mismatch()),
        },
        'o' | 'x' => {
            let digits = match v {
                Value::Int(n) if spec.conversion == 'o' => format!("{:o}", *n as u32),
                Value::Int(n) => format!("{:x}", *n as u32),
                Value::Long(n) if spec.conversion == 'o' => format!("{:o}", *n as u64),
                Value::Long(n) => format!("{:x}", *n as u64),
                Value::Null => "null".into(),
                _ => return Err(mismatch()),
            };
            let prefix = match (spec.flags.contains('#'), spec.conversion) {
                (true, 'o') => "0",
                (true, _) => "0x",
                _ => "",
            };
            zero_pad(spec, prefix, digits)
        }
        'e' | 'f' | 'g' => match v {
            Value::Double(d) => floating(spec, d.0),
            Value::Null => "null".into(),
            _ => return Err(mismatch()),
        },
        _ => return Err(mismatch()),
    };
    let text = if upper { text.to_uppercase() } else { text };
    Ok(pad(spec, text))
}

/// A value as Java's `String.valueOf` prints Spark's internal form of it.
fn as_java_string(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Date(d) => d.to_string(),
        Value::Timestamp(t) => t.to_string(),
        Value::Array(items) => {
            format!("[{}]", items.iter().map(as_java_string).collect::<Vec<_>>().join(","))
        }
        other => display_value(other),
    }
}

fn integral(v: &Value) -> Option<i64> {
    match v {
        Value::Int(n) => Some(i64::from(*n)),
        Value::Long(n) => Some(*n),
        _ => None,
    }
}

fn truncate(spec: &Spec, s: String) -> String {
    match spec.precision {
        Some(p) => s.chars().take(p).collect(),
        None => s,
    }
}

/// Digits with `,` every three when the `,` flag is given.
fn group(spec: &Spec, digits: &str) -> String {
    if !spec.flags.contains(',') {
        return digits.to_string();
    }
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A magnitude with its sign as the flags ask (`+`, ` `, `(`), zero-padded by `0`.
fn signed(spec: &Spec, negative: bool, magnitude: String) -> String {
    let f = &spec.flags;
    let (lead, trail) = match (negative, f.contains('(')) {
        (true, true) => ("(", ")"),
        (true, false) => ("-", ""),
        (false, _) if f.contains('+') => ("+", ""),
        (false, _) if f.contains(' ') => (" ", ""),
        _ => ("", ""),
    };
    let body = format!("{magnitude}{trail}");
    zero_pad(spec, lead, body)
}

fn zero_pad(spec: &Spec, lead: &str, body: String) -> String {
    match spec.width {
        Some(w) if spec.flags.contains('0') && lead.len() + body.len() < w => {
            format!("{lead}{}{body}", "0".repeat(w - lead.len() - body.len()))
        }
        _ => format!("{lead}{body}"),
    }
}

/// Pads to the width with spaces, on the right with `-`.
fn pad(spec: &Spec, s: String) -> String {
    let n = s.chars().count();
    match spec.width {
        Some(w) if n < w && spec.flags.contains('-') => format!("{s}{}", " ".repeat(w - n)),
        Some(w) if n < w => format!("{}{s}", " ".repeat(w - n)),
        _ => s,
    }
}

/// `%e`, `%f`, `%g` of a double as Java writes them: the double's shortest decimal digits
/// rounded half up (so `%.2f` of 2.345 is 2.35), exponents of at least two digits.
fn floating(spec: &Spec, x: f64) -> String {
    if !x.is_finite() {
        let s = if x.is_nan() {
            "NaN".to_string()
        } else if x > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
        return s;
    }
    let negative = x.is_sign_negative() && x != 0.0;
    let ax = x.abs();
    let p = spec.precision.unwrap_or(6);
    let magnitude = match spec.conversion.to_ascii_lowercase() {
        'f' => fixed(spec, ax, p),
        'e' => scientific(ax, p),
        _ => {
            // Java's %g: precision is significant digits (0 means 1); fixed notation from
            // 10^-4 up to 10^precision after rounding, scientific otherwise.
            let p = p.max(1);
            let rounded = round_half_up(ax, p as i32 - 1 - exponent(ax));
            if rounded != 0.0 && (rounded < 1e-4 || rounded >= 10f64.powi(p as i32)) {
                scientific(ax, p - 1)
            } else {
                let decimals = (p as i32 - 1 - exponent(rounded.max(f64::MIN_POSITIVE))).max(0) as usize;
                fixed(spec, ax, decimals)
            }
        }
    };
    signed(spec, negative, magnitude)
}

/// The power of ten of a positive number's first digit.
fn exponent(x: f64) -> i32 {
    if x == 0.0 {
        0
    } else {
        x.log10().floor() as i32
    }
}

/// `x` rounded half up at `places` decimals, through its shortest decimal digits.
fn round_half_up(x: f64, places: i32) -> f64 {
    decimal_digits(x, places).and_then(|s| s.parse().ok()).unwrap_or(x)
}

/// The shortest decimal form of `x` rounded half up to `places` decimals, when the
/// decimal type holds it.
fn decimal_digits(x: f64, places: i32) -> Option<String> {
    let d = crate::decimal::Decimal::parse(&format!("{x}"))?;
    let rounded = d.round(places, false);
    let places = places.max(0) as u8;
    Some(rounded.to_type(38, places.min(38)).ok()?.to_string())
}

fn fixed(spec: &Spec, ax: f64, p: usize) -> String {
    let s = decimal_digits(ax, p as i32).unwrap_or_else(|| format!("{ax:.p$}"));
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s.clone(), None),
    };
    let int = group(spec, &int);
    match frac {
        Some(f) if p > 0 => format!("{int}.{f:0<p$}"),
        _ if spec.flags.contains('#') => format!("{int}."),
        _ => int,
    }
}

fn scientific(ax: f64, p: usize) -> String {
    let mut e = exponent(ax);
    let mut mantissa = round_half_up(ax / 10f64.powi(e), p as i32);
    if mantissa >= 10.0 {
        e += 1;
        mantissa = round_half_up(ax / 10f64.powi(e), p as i32);
    }
    let m = decimal_digits(mantissa, p as i32).unwrap_or_else(|| format!("{mantissa:.p$}"));
    let m = match m.split_once('.') {
        Some((i, f)) if p > 0 => format!("{i}.{f:0<p$}"),
        Some((i, _)) => i.to_string(),
        None if p > 0 => format!("{m}.{}", "0".repeat(p)),
        None => m,
    };
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_fail_as_javas_formatter_fails() {
        // Spark 4.3's errors (Java's exception texts; Spark gives them no class).
        let cases: &[(&str, Vec<Value>, &str)] = &[
            ("%d", vec![Value::string("abc")], "d != org.apache.spark.unsafe.types.UTF8String"),
            ("%d", vec![Value::double(1.5)], "d != java.lang.Double"),
            ("%c", vec![Value::string("z")], "c != org.apache.spark.unsafe.types.UTF8String"),
            ("%s", vec![], "Format specifier '%s'"),
            ("%q", vec![Value::Int(1)], "Conversion = 'q'"),
            (
                "%.2f",
                vec![Value::Decimal(crate::decimal::Decimal::new(2345, 3))],
                "f != org.apache.spark.sql.types.Decimal",
            ),
        ];
        for (fmt, args, want) in cases {
            let err = format_string(fmt, args).unwrap_err().to_string();
            assert!(err.contains(want), "{fmt}: {err}");
        }
        // Java rounds the double's shortest digits half up: 2.345 is 2.35 at two places.
        assert_eq!(format_string("%.2f", &[Value::double(2.345)]).unwrap(), "2.35");
        assert_eq!(format_string("%c%c", &[Value::Int(65), Value::Int(98)]).unwrap(), "Ab");
    }
}
