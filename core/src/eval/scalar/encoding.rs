//! Strings to bytes and back: `encode`, `decode` (of two arguments; with more it is the
//! SQL `DECODE`, a CASE the parser writes), `to_binary` / `try_to_binary`, `luhn_check`, and
//! the UTF-8 checks `is_valid_utf8`, `make_valid_utf8`, `validate_utf8`, `try_validate_utf8`.
//!
//! Spark 4's charsets are Java's standard ones (`spark.sql.legacy.javaCharsets` off), and a
//! character the charset cannot hold is an error (`spark.sql.legacy.codingErrorAction` off),
//! never a `?`.

use super::*;

/// The charsets Spark 4 accepts, as its error message lists them.
const CHARSETS: &str = "'US-ASCII', 'ISO-8859-1', 'UTF-8', 'UTF-16BE', 'UTF-16LE', 'UTF-16', 'UTF-32'";

pub(super) const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        name: "is_valid_utf8",
        aliases: &[],
        arity: (1, 1),
        signature: |call, b| Signature::new(vec![utf8_arg(call, b)?], DataType::Boolean),
        eval: Eval::Strict(|v, _| Ok(Value::Boolean(std::str::from_utf8(utf8_bytes(&v[0])).is_ok()))),
    },
    ScalarFunction {
        name: "make_valid_utf8",
        aliases: &[],
        arity: (1, 1),
        // Each invalid sequence becomes U+FFFD, as Java's decoder replaces it.
        signature: |call, b| Signature::new(vec![utf8_arg(call, b)?], DataType::String),
        eval: Eval::Strict(|v, _| Ok(Value::string(&String::from_utf8_lossy(utf8_bytes(&v[0]))))),
    },
    ScalarFunction {
        name: "validate_utf8",
        aliases: &[],
        arity: (1, 1),
        signature: |call, b| Signature::new(vec![utf8_arg(call, b)?], DataType::String),
        eval: Eval::Strict(|v, _| match std::str::from_utf8(utf8_bytes(&v[0])) {
            Ok(s) => Ok(Value::string(s)),
            Err(_) => Err(SluiceError::exec(format!(
                "[INVALID_UTF8_STRING] Invalid UTF8 byte sequence found in string: {}. SQLSTATE: 22029",
                utf8_bytes(&v[0]).escape_ascii()
            ))),
        }),
    },
    ScalarFunction {
        name: "try_validate_utf8",
        aliases: &[],
        arity: (1, 1),
        signature: |call, b| Signature::new(vec![utf8_arg(call, b)?], DataType::String),
        eval: Eval::Strict(|v, _| {
            Ok(std::str::from_utf8(utf8_bytes(&v[0])).map_or(Value::Null, Value::string))
        }),
    },
    ScalarFunction {
        name: "encode",
        aliases: &[],
        arity: (2, 2),
        signature: |_, b| strings_to(b, DataType::Binary),
        eval: Eval::Strict(|v, _| {
            let bytes = encode(text(&v[0]), &charset("encode", text(&v[1]))?)?;
            Ok(Value::Binary(Arc::from(bytes)))
        }),
    },
    ScalarFunction {
        name: "decode",
        aliases: &[],
        arity: (2, 2),
        signature: |_, b| {
            let mut it = b.into_iter();
            let bytes = coerce(it.next().expect("arity"), &DataType::Binary);
            Signature::new(vec![bytes, string_arg(it.next().expect("arity"))], DataType::String)
        },
        eval: Eval::Strict(|v, _| {
            let Value::Binary(bytes) = &v[0] else { return Ok(Value::Null) };
            Ok(string(decode(bytes, &charset("decode", text(&v[1]))?)?))
        }),
    },
    ScalarFunction {
        name: "to_binary",
        aliases: &[],
        arity: (1, 2),
        signature: to_binary_signature,
        eval: Eval::Strict(|v, state| to_binary(text(&v[0]), state, true)),
    },
    ScalarFunction {
        name: "try_to_binary",
        aliases: &[],
        arity: (1, 2),
        signature: to_binary_signature,
        eval: Eval::Strict(|v, state| to_binary(text(&v[0]), state, false)),
    },
    ScalarFunction {
        name: "luhn_check",
        aliases: &[],
        arity: (1, 1),
        signature: |_, b| strings_to(b, DataType::Boolean),
        eval: Eval::Strict(|v, _| Ok(Value::Boolean(luhn(text(&v[0]))))),
    },
];

/// A charset name as Spark reads it (any case), or `[INVALID_PARAMETER_VALUE.CHARSET]`.
fn charset(function: &str, name: &str) -> Result<String> {
    let upper = name.to_ascii_uppercase();
    match upper.as_str() {
        "US-ASCII" | "ISO-8859-1" | "UTF-8" | "UTF-16BE" | "UTF-16LE" | "UTF-16" | "UTF-32" => Ok(upper),
        _ => Err(SluiceError::exec(format!(
            "[INVALID_PARAMETER_VALUE.CHARSET] The value of parameter(s) `charset` in `{function}` is invalid: expects one of the {CHARSETS}, but got {name}. SQLSTATE: 22023"
        ))),
    }
}

fn malformed(function: &str, charset: &str) -> SluiceError {
    SluiceError::exec(format!(
        "[MALFORMED_CHARACTER_CODING] Invalid value found when performing `{function}` with `{charset}`. SQLSTATE: 22000"
    ))
}

/// `s` in `charset` (Java's `String.getBytes`: UTF-16 with a big-endian byte-order mark,
/// UTF-32 big-endian without one).
fn encode(s: &str, charset: &str) -> Result<Vec<u8>> {
    let narrow = |limit: u32| {
        s.chars()
            .map(|c| u8::try_from(u32::from(c)).ok().filter(|&b| u32::from(b) < limit))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| malformed("encode", charset))
    };
    Ok(match charset {
        "US-ASCII" => narrow(0x80)?,
        "ISO-8859-1" => narrow(0x100)?,
        "UTF-8" => s.as_bytes().to_vec(),
        "UTF-16BE" => s.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        "UTF-16LE" => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        "UTF-16" => [0xFE, 0xFF].into_iter().chain(s.encode_utf16().flat_map(u16::to_be_bytes)).collect(),
        _ => s.chars().flat_map(|c| u32::from(c).to_be_bytes()).collect(),
    })
}

/// `bytes` read in `charset`; bytes the charset does not define are an error.
fn decode(bytes: &[u8], charset: &str) -> Result<String> {
    let bad = || malformed("decode", charset);
    let utf16 = |bytes: &[u8], big: bool| {
        if !bytes.len().is_multiple_of(2) {
            return Err(bad());
        }
        let units = bytes.chunks(2).map(|p| {
            if big {
                u16::from_be_bytes([p[0], p[1]])
            } else {
                u16::from_le_bytes([p[0], p[1]])
            }
        });
        char::decode_utf16(units).collect::<std::result::Result<String, _>>().map_err(|_| bad())
    };
    match charset {
        "US-ASCII" if bytes.is_ascii() => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        "US-ASCII" => Err(bad()),
        "ISO-8859-1" => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        "UTF-8" => std::str::from_utf8(bytes).map(str::to_string).map_err(|_| bad()),
        "UTF-16BE" => utf16(bytes, true),
        "UTF-16LE" => utf16(bytes, false),
        // A byte-order mark picks the order, big-endian without one.
        "UTF-16" => match bytes {
            [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
            [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
            _ => utf16(bytes, true),
        },
        _ => {
            if !bytes.len().is_multiple_of(4) {
                return Err(bad());
            }
            bytes
                .chunks(4)
                .map(|q| char::from_u32(u32::from_be_bytes([q[0], q[1], q[2], q[3]])))
                .collect::<Option<String>>()
                .ok_or_else(bad)
        }
    }
}

/// `to_binary(s[, fmt])`: the format must be a constant, `hex` (the default), `utf-8`/`utf8`
/// or `base64`, any case; it is read once here.
fn to_binary_signature(call: &Call<'_>, bound: Vec<BoundExpr>) -> Result<Signature> {
    let mut it = bound.into_iter();
    let s = string_arg(it.next().expect("arity"));
    let Some(fmt) = it.next() else {
        return Ok(Signature {
            args: vec![s],
            data_type: DataType::Binary,
            state: State::Text("hex".into()),
        });
    };
    let invalid = |why: &str| {
        call.mismatch(format!("[INVALID_ARG_VALUE] the format of `{}` {why}: it must be a string, one of 'hex', 'utf-8', 'utf8', 'base64' (any case)", call.name))
    };
    let Expr::Function { args, .. } = call.expr else { return Err(invalid("is missing")) };
    let mut has_column = false;
    args[1].visit(&mut |e| has_column |= matches!(e, Expr::Column(_)));
    if has_column {
        return Err(SluiceError::analysis(format!(
            "[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] Cannot resolve \"{}\" due to data type mismatch: the input `fmt` should be a foldable \"STRING\" expression; however, got \"{}\".",
            call.expr.sql_name(),
            args[1].sql_name()
        )));
    }
    if !matches!(fmt.data_type, DataType::String | DataType::Null) {
        return Err(with_class(invalid("is not a string"), "DATATYPE_MISMATCH.INVALID_ARG_VALUE"));
    }
    let state = match fmt.eval(&[])? {
        Value::Null => State::None,
        v => {
            let f = text(&v).to_ascii_lowercase();
            if !matches!(f.as_str(), "hex" | "utf-8" | "utf8" | "base64") {
                return Err(with_class(
                    invalid(&format!("is '{}'", text(&v))),
                    "DATATYPE_MISMATCH.INVALID_ARG_VALUE",
                ));
            }
            State::Text(f.into())
        }
    };
    // A NULL format makes every value NULL.
    let fmt = coerce(fmt, &DataType::String);
    Ok(Signature { args: vec![s, fmt], data_type: DataType::Binary, state })
}

/// `err`'s message with Spark's error class in front.
fn with_class(err: SluiceError, class: &str) -> SluiceError {
    match err {
        SluiceError::Analysis(m) => SluiceError::Analysis(format!(
            "[{class}] {}",
            m.trim_start_matches("[DATATYPE_MISMATCH] ").trim_start_matches("[INVALID_ARG_VALUE] ")
        )),
        other => other,
    }
}

fn to_binary(s: &str, state: &State, fail: bool) -> Result<Value> {
    let State::Text(fmt) = state else { return Ok(Value::Null) };
    let bytes = match &**fmt {
        "hex" => hex_bytes(s),
        "base64" => base64(s),
        _ => Some(s.as_bytes().to_vec()),
    };
    match bytes {
        Some(b) => Ok(Value::Binary(Arc::from(b))),
        None if fail => Err(SluiceError::exec(format!(
            "[CONVERSION_INVALID_INPUT] The value '{s}' ({}) cannot be converted to BINARY because it is malformed. Correct the value as per the syntax, or change its format. Use 'try_to_binary' to tolerate malformed input and return NULL instead. SQLSTATE: 22018",
            fmt.to_ascii_uppercase()
        ))),
        None => Ok(Value::Null),
    }
}

/// Hex digits to bytes, an odd count read with a leading 0 (Spark's `Hex.unhex`); also the
/// parser's `X'..'` literals.
pub(crate) fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s.chars().map(|c| c.to_digit(16).map(|d| d as u8)).collect::<Option<_>>()?;
    let (first, rest) = digits.split_at(digits.len() % 2);
    Some(first.iter().copied().chain(rest.chunks(2).map(|p| p[0] << 4 | p[1])).collect())
}

/// Base64 as Spark's `UnBase64` checks it (`Base64.isBase64` then Java's MIME decoder):
/// spaces are skipped, padding only at the end and only to a whole group.
fn base64(s: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    // The padding is one run of `=` at the end (`ab= =` is malformed).
    let trimmed = s.trim_end();
    if let Some(first_pad) = trimmed.find('=') {
        if !trimmed[first_pad..].bytes().all(|b| b == b'=') {
            return None;
        }
    }
    let chars: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let pad = chars.iter().rev().take_while(|&&c| c == b'=').count();
    let body = &chars[..chars.len() - pad];
    let sextets: Vec<u8> = body.iter().map(|&c| value(c)).collect::<Option<_>>()?;
    // A lone sextet is no byte; padding must complete the last group of four.
    if sextets.len() % 4 == 1 || pad > 2 || (pad > 0 && !(sextets.len() + pad).is_multiple_of(4)) {
        return None;
    }
    let mut out = Vec::with_capacity(sextets.len() * 3 / 4);
    for group in sextets.chunks(4) {
        let n = group.iter().fold(0u32, |n, &v| n << 6 | u32::from(v)) << (6 * (4 - group.len()));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..group.len()]);
    }
    Some(out)
}

/// The Luhn checksum of a string of digits (anything else, or nothing, fails it).
fn luhn(s: &str) -> bool {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = s
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The argument of the UTF-8 validation functions: a string, or bytes (which a Spark
/// string may hold unchecked; a Sluice string is valid UTF-8 by construction).
fn utf8_arg(call: &Call<'_>, b: Vec<BoundExpr>) -> Result<BoundExpr> {
    let a = b.into_iter().next().expect("arity");
    match a.data_type {
        DataType::String | DataType::Binary => Ok(a),
        DataType::Null => Ok(coerce(a, &DataType::String)),
        ref t => Err(call.mismatch(format!(
            "the first parameter requires the \"STRING\" type, however it has the type \"{}\"",
            type_sql(t)
        ))),
    }
}

/// The bytes of a string or binary value.
fn utf8_bytes(v: &Value) -> &[u8] {
    match v {
        Value::String(s) => s.as_bytes(),
        Value::Binary(b) => b,
        _ => &[],
    }
}
