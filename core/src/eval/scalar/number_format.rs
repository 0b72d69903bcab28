//! `to_number(text, format)` and `try_to_number`: text read by an Oracle-style number
//! format as Spark's `ToNumberParser` reads it: `0`/`9` digits, `.`/`D` the point,
//! `,`/`G` grouping, `$`, a sign `S` first or last, `MI` (a trailing minus) or `PR`
//! (`<negative>`). The result is `decimal(digits, digits after the point)`; text that does
//! not match the format is `[INVALID_FORMAT.MISMATCH_INPUT]` (NULL for `try_to_number`).

use super::*;
use crate::decimal::Decimal;

pub(super) const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        name: "to_number",
        aliases: &[],
        arity: (2, 2),
        signature,
        eval: Eval::Strict(|v, state| parse(text(&v[0]), state, true)),
    },
    ScalarFunction {
        name: "try_to_number",
        aliases: &[],
        arity: (2, 2),
        signature,
        eval: Eval::Strict(|v, state| parse(text(&v[0]), state, false)),
    },
];

/// A number format, read.
struct Format {
    /// Digits before and after the point.
    int_digits: usize,
    frac_digits: usize,
    point: bool,
    grouping: bool,
    dollar: bool,
    /// Where the sign is: `S` first, `S` last, `MI` last, `PR` around.
    sign: Sign,
}

#[derive(PartialEq)]
enum Sign {
    None,
    Leading,
    Trailing,
    Minus,
    Brackets,
}

fn read_format(f: &str) -> Option<Format> {
    let upper = f.to_ascii_uppercase();
    let mut body = upper.as_str();
    let mut sign = Sign::None;
    if let Some(rest) = body.strip_prefix('S') {
        (body, sign) = (rest, Sign::Leading);
    }
    for (suffix, s) in [("MI", Sign::Minus), ("PR", Sign::Brackets), ("S", Sign::Trailing)] {
        if sign == Sign::None {
            if let Some(rest) = body.strip_suffix(suffix) {
                (body, sign) = (rest, s);
                break;
            }
        }
    }
    let mut fmt =
        Format { int_digits: 0, frac_digits: 0, point: false, grouping: false, dollar: false, sign };
    for c in body.chars() {
        match c {
            '0' | '9' if fmt.point => fmt.frac_digits += 1,
            '0' | '9' => fmt.int_digits += 1,
            '.' | 'D' if !fmt.point => fmt.point = true,
            ',' | 'G' if !fmt.point => fmt.grouping = true,
            '$' if !fmt.dollar => fmt.dollar = true,
            _ => return None,
        }
    }
    (fmt.int_digits + fmt.frac_digits > 0).then_some(fmt)
}

fn signature(call: &Call<'_>, b: Vec<BoundExpr>) -> Result<Signature> {
    let mut it = b.into_iter();
    let s = string_arg(it.next().expect("arity"));
    let f = it.next().expect("arity");
    let format = match f.literal_value() {
        Some(Value::String(f)) => f.clone(),
        _ => {
            return Err(SluiceError::analysis(format!(
                "[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] Cannot resolve \"{}\" due to data type mismatch: the input `format` should be a foldable \"STRING\" expression; however, got \"{}\".",
                call.expr.sql_name(),
                type_sql(&f.data_type)
            )))
        }
    };
    let Some(fmt) = read_format(&format) else {
        return Err(SluiceError::analysis(format!(
            "[INVALID_FORMAT.WRONG_NUM_DIGIT] The format is invalid: '{format}'. The format string requires at least one number digit."
        )));
    };
    let data_type =
        DataType::Decimal((fmt.int_digits + fmt.frac_digits).min(38) as u8, fmt.frac_digits as u8);
    Ok(Signature { args: vec![s, coerce(f, &DataType::String)], data_type, state: State::Text(format) })
}

fn parse(input: &str, state: &State, fail: bool) -> Result<Value> {
    let State::Text(format) = state else { return Ok(Value::Null) };
    let fmt = read_format(format).expect("checked when bound");
    let mismatch = || {
        if fail {
            Err(SluiceError::exec(format!(
                "[INVALID_FORMAT.MISMATCH_INPUT] The format is invalid: '{format}'. The input '{input}' does not match the format."
            )))
        } else {
            Ok(Value::Null)
        }
    };
    // Spaces around the number pad unused digit positions.
    let mut t = input.trim();
    let mut negative = false;
    match fmt.sign {
        Sign::Leading | Sign::Trailing => {
            let c = if fmt.sign == Sign::Leading { t.chars().next() } else { t.chars().last() };
            match c {
                Some(c @ ('+' | '-')) => {
                    negative = c == '-';
                    t = if fmt.sign == Sign::Leading { &t[1..] } else { &t[..t.len() - 1] };
                }
                _ => return mismatch(),
            }
        }
        Sign::Minus => {
            if let Some(rest) = t.strip_suffix('-') {
                (t, negative) = (rest, true);
            } else if let Some(rest) = t.strip_suffix(' ') {
                t = rest;
            }
        }
        Sign::Brackets => {
            if let Some(inner) = t.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
                (t, negative) = (inner, true);
            }
        }
        Sign::None => {}
    }
    if fmt.dollar {
        match t.strip_prefix('$') {
            Some(rest) => t = rest,
            None => return mismatch(),
        }
    }
    let (int, frac) = t.split_once('.').map_or((t, ""), |(i, f)| (i, f));
    if t.contains('.') && !fmt.point {
        return mismatch();
    }
    let int_digits: String = int.chars().filter(|&c| c != ',' || !fmt.grouping).collect();
    let ok = |d: &str, most: usize| d.len() <= most && d.chars().all(|c| c.is_ascii_digit());
    if int_digits.is_empty() && frac.is_empty()
        || !ok(&int_digits, fmt.int_digits)
        || !ok(frac, fmt.frac_digits)
    {
        return mismatch();
    }
    let digits = format!("{int_digits}{frac:0<width$}", width = fmt.frac_digits);
    let unscaled: i128 = digits.parse().unwrap_or(0);
    Ok(Value::Decimal(Decimal::new(if negative { -unscaled } else { unscaled }, fmt.frac_digits as u8)))
}
