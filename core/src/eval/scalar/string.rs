//! String functions: case, length, trimming, substrings, padding, searching, concatenation.

use super::*;

/// The string functions, one entry each.
pub(super) const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        name: "lower",
        aliases: &["lcase"],
        arity: (1, 1),
        signature: |_, b| strings_to(b, DataType::String),
        eval: Eval::Strict(|v, _| Ok(string(text(&v[0]).to_lowercase()))),
    },
    ScalarFunction {
        name: "upper",
        aliases: &["ucase"],
        arity: (1, 1),
        signature: |_, b| strings_to(b, DataType::String),
        eval: Eval::Strict(|v, _| Ok(string(text(&v[0]).to_uppercase()))),
    },
    ScalarFunction {
        name: "length",
        aliases: &["char_length", "character_length", "len"],
        arity: (1, 1),
        signature: |_, b| strings_to(b, DataType::Int),
        eval: Eval::Strict(|v, _| Ok(Value::Int(text(&v[0]).chars().count() as i32))),
    },
    ScalarFunction {
        name: "trim",
        aliases: &["btrim"],
        arity: (1, 2),
        signature: |_, b| strings_to(b, DataType::String),
        eval: Eval::Strict(|v, _| Ok(trim(v, true, true))),
    },
    ScalarFunction {
        name: "ltrim",
        aliases: &[],
        arity: (1, 2),
        signature: |_, b| strings_to(b, DataType::String),
        eval: Eval::Strict(|v, _| Ok(trim(v, true, false))),
    },
    ScalarFunction {
        name: "rtrim",
        aliases: &[],
        arity: (1, 2),
        signature: |_, b| strings_to(b, DataType::String),
        eval: Eval::Strict(|v, _| Ok(trim(v, false, true))),
    },
    ScalarFunction {
        name: "substring",
        aliases: &["substr"],
        arity: (2, 3),
        signature: string_then_ints,
        eval: Eval::Strict(|v, _| Ok(string(substring(text(&v[0]), int(&v[1]), v.get(2).map(int))))),
    },
    ScalarFunction {
        name: "left",
        aliases: &[],
        arity: (2, 2),
        signature: string_then_ints,
        // Spark's `Left`: `substring(s, 1, n)`.
        eval: Eval::Strict(|v, _| Ok(string(substring(text(&v[0]), 1, Some(int(&v[1])))))),
    },
    ScalarFunction {
        name: "right",
        aliases: &[],
        arity: (2, 2),
        signature: string_then_ints,
        // Spark's `Right`: `substring(s, -n, n)`, empty when n <= 0.
        eval: Eval::Strict(|v, _| {
            let n = int(&v[1]);
            Ok(string(if n <= 0 { String::new() } else { substring(text(&v[0]), -n, Some(n)) }))
        }),
    },
    ScalarFunction {
        name: "lpad",
        aliases: &[],
        arity: (2, 3),
        signature: pad_signature,
        eval: Eval::Strict(|v, state| Ok(pad_value(v, state, true))),
    },
    ScalarFunction {
        name: "rpad",
        aliases: &[],
        arity: (2, 3),
        signature: pad_signature,
        eval: Eval::Strict(|v, state| Ok(pad_value(v, state, false))),
    },
    ScalarFunction {
        name: "split_part",
        aliases: &[],
        arity: (3, 3),
        signature: |call, b| {
            let mut it = b.into_iter();
            let s = string_arg(it.next().expect("arity"));
            let delimiter = string_arg(it.next().expect("arity"));
            let part = call.int(it.next().expect("arity"))?;
            Signature::new(vec![s, delimiter, part], DataType::String)
        },
        // Spark's `SplitPart`: the `n`-th part (from 1; from the end when negative) of the
        // string split on the delimiter taken literally, empty when there is no such part;
        // an empty delimiter does not split.
        eval: Eval::Strict(|v, _| {
            let (s, delimiter, n) = (text(&v[0]), text(&v[1]), int(&v[2]));
            if n == 0 {
                return Err(SluiceError::exec(
                    "[INVALID_INDEX_OF_ZERO] The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1). SQLSTATE: 22003",
                ));
            }
            let parts: Vec<&str> = if delimiter.is_empty() { vec![s] } else { s.split(delimiter).collect() };
            let at = if n > 0 {
                usize::try_from(n - 1).ok()
            } else {
                parts.len().checked_sub(n.unsigned_abs() as usize)
            };
            Ok(string(at.and_then(|i| parts.get(i)).copied().unwrap_or("").to_string()))
        }),
    },
    ScalarFunction {
        name: "repeat",
        aliases: &[],
        arity: (2, 2),
        signature: string_then_ints,
        eval: Eval::Strict(|v, _| {
            let times = usize::try_from(int(&v[1])).unwrap_or(0);
            let s = text(&v[0]);
            if s.len().saturating_mul(times) > i32::MAX as usize {
                return Err(SluiceError::exec(format!(
                    "repeat: the result of {} characters times {times} is longer than a string can be",
                    s.chars().count()
                )));
            }
            Ok(string(s.repeat(times)))
        }),
    },
    ScalarFunction {
        name: "reverse",
        aliases: &[],
        arity: (1, 1),
        // A string reversed by characters, or an array by elements (Spark's `Reverse`).
        signature: |_, b| {
            let arg = b.into_iter().next().expect("arity checked");
            match &arg.data_type {
                DataType::Array(_) => {
                    let t = arg.data_type.clone();
                    Signature::new(vec![arg], t)
                }
                _ => strings_to(vec![arg], DataType::String),
            }
        },
        eval: Eval::Strict(|v, _| {
            Ok(match &v[0] {
                Value::Array(items) => Value::Array(items.iter().rev().cloned().collect::<Vec<_>>().into()),
                s => string(text(s).chars().rev().collect()),
            })
        }),
    },
    ScalarFunction {
        name: "initcap",
        aliases: &[],
        arity: (1, 1),
        signature: |_, b| strings_to(b, DataType::String),
        // Spark's `InitCap`: lower case, then the first letter of each space-separated word upper.
        eval: Eval::Strict(|v, _| {
            let mut out = String::with_capacity(text(&v[0]).len());
            let mut word_start = true;
            for c in text(&v[0]).to_lowercase().chars() {
                if word_start {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                word_start = c == ' ';
            }
            Ok(string(out))
        }),
    },
    ScalarFunction {
        name: "concat",
        aliases: &[],
        arity: (0, usize::MAX),
        // Strings, or arrays (of one element type) joined end to end.
        signature: |call, b| {
            if b.iter().any(|x| matches!(x.data_type, DataType::Array(_))) {
                let (args, t) = call.common(b)?;
                return Signature::new(args, t);
            }
            strings_to(b, DataType::String)
        },
        eval: Eval::Strict(|v, _| {
            if let Some(Value::Array(_)) = v.first() {
                let joined: Vec<Value> = v
                    .iter()
                    .flat_map(|a| if let Value::Array(xs) = a { xs.to_vec() } else { Vec::new() })
                    .collect();
                return Ok(Value::Array(joined.into()));
            }
            Ok(string(v.iter().map(text).collect()))
        }),
    },
    ScalarFunction {
        name: "concat_ws",
        aliases: &[],
        arity: (1, usize::MAX),
        signature: |_, b| strings_to(b, DataType::String),
        // NULL only when the separator is; NULL strings are skipped.
        eval: Eval::Lazy(|args, row, _| {
            let sep = args[0].eval(row)?;
            let Some(sep) = sep.as_str() else { return Ok(Value::Null) };
            let mut out = String::new();
            let mut first = true;
            for a in &args[1..] {
                if let Value::String(s) = a.eval(row)? {
                    if !first {
                        out.push_str(sep);
                    }
                    out.push_str(&s);
                    first = false;
                }
            }
            Ok(string(out))
        }),
    },
    ScalarFunction {
        name: "format_string",
        aliases: &["printf"],
        arity: (1, usize::MAX),
        // The format is a string; the arguments go as they are (Java's Formatter reads each
        // by its own type). NULL only when the format is.
        signature: |_, b| {
            let mut b = b;
            let first = b.remove(0).cast_to(&DataType::String);
            b.insert(0, first);
            Signature::new(b, DataType::String)
        },
        eval: Eval::Lazy(|args, row, _| {
            let fmt = args[0].eval(row)?;
            let Some(fmt) = fmt.as_str() else { return Ok(Value::Null) };
            let values = args[1..].iter().map(|a| a.eval(row)).collect::<Result<Vec<_>>>()?;
            Ok(string(super::format_string::format_string(fmt, &values)?))
        }),
    },
    ScalarFunction {
        name: "replace",
        aliases: &[],
        arity: (2, 3),
        signature: |_, b| strings_to(b, DataType::String),
        eval: Eval::Strict(|v, _| {
            let with = v.get(2).map_or("", text);
            Ok(if text(&v[1]).is_empty() {
                v[0].clone()
            } else {
                string(text(&v[0]).replace(text(&v[1]), with))
            })
        }),
    },
    ScalarFunction {
        name: "instr",
        aliases: &[],
        arity: (2, 2),
        signature: |_, b| strings_to(b, DataType::Int),
        eval: Eval::Strict(|v, _| Ok(Value::Int(char_position(text(&v[0]), text(&v[1]), 1)))),
    },
    ScalarFunction {
        name: "locate",
        aliases: &["position"],
        arity: (2, 3),
        signature: |call, b| {
            let mut it = b.into_iter();
            let (sub, s) = (string_arg(it.next().expect("arity")), string_arg(it.next().expect("arity")));
            let pos = it.next().map(|p| call.int(p)).transpose()?;
            Signature::new([sub, s].into_iter().chain(pos).collect(), DataType::Int)
        },
        eval: Eval::Strict(|v, _| {
            let start = v.get(2).map_or(1, int);
            Ok(Value::Int(if start < 1 {
                0
            } else {
                char_position(text(&v[1]), text(&v[0]), start as usize)
            }))
        }),
    },
    ScalarFunction {
        name: "startswith",
        aliases: &[],
        arity: (2, 2),
        signature: |_, b| strings_to(b, DataType::Boolean),
        eval: Eval::Strict(|v, _| Ok(Value::Boolean(text(&v[0]).starts_with(text(&v[1]))))),
    },
    ScalarFunction {
        name: "endswith",
        aliases: &[],
        arity: (2, 2),
        signature: |_, b| strings_to(b, DataType::Boolean),
        eval: Eval::Strict(|v, _| Ok(Value::Boolean(text(&v[0]).ends_with(text(&v[1]))))),
    },
    ScalarFunction {
        name: "contains",
        aliases: &[],
        arity: (2, 2),
        signature: |_, b| strings_to(b, DataType::Boolean),
        eval: Eval::Strict(|v, _| Ok(Value::Boolean(text(&v[0]).contains(text(&v[1]))))),
    },
    ScalarFunction {
        name: "octet_length",
        aliases: &[],
        arity: (1, 1),
        signature: |_, b| strings_to(b, DataType::Int),
        // Bytes of the UTF-8 text.
        eval: Eval::Strict(|v, _| Ok(Value::Int(text(&v[0]).len() as i32))),
    },
    ScalarFunction {
        name: "bit_length",
        aliases: &[],
        arity: (1, 1),
        signature: |_, b| strings_to(b, DataType::Int),
        eval: Eval::Strict(|v, _| Ok(Value::Int(text(&v[0]).len() as i32 * 8))),
    },
];

/// `trim`/`ltrim`/`rtrim`: the characters of the second argument (a space by default) cut
/// from one or both ends.
fn trim(v: &[Value], leading: bool, trailing: bool) -> Value {
    let set: Vec<char> = v.get(1).map_or(vec![' '], |s| text(s).chars().collect());
    let cut = |c: char| set.contains(&c);
    let mut s = text(&v[0]);
    if leading {
        s = s.trim_start_matches(cut);
    }
    if trailing {
        s = s.trim_end_matches(cut);
    }
    string(s.to_string())
}

/// `lpad`/`rpad(s, len[, pad])`: a string, an integer, and a pad string (a space by default).
/// Spark's `lpad`/`rpad` types: a binary string with a binary pad (or none: zero bytes)
/// pads bytes into a binary; anything else pads characters, binaries cast to strings.
fn pad_signature(call: &Call<'_>, bound: Vec<BoundExpr>) -> Result<Signature> {
    let mut it = bound.into_iter();
    let s = it.next().expect("arity checked");
    let len = call.int(it.next().expect("arity checked"))?;
    let pad = it.next();
    let bytes = s.data_type == DataType::Binary
        && pad.as_ref().is_none_or(|p| matches!(p.data_type, DataType::Binary | DataType::Null));
    if bytes {
        let pad = pad
            .unwrap_or_else(|| node(Kind::Literal(Value::Binary(Arc::from(&[0u8][..]))), DataType::Binary));
        return Ok(Signature {
            args: vec![s, len, pad],
            data_type: DataType::Binary,
            state: State::Type(DataType::Binary),
        });
    }
    let pad =
        pad.map(string_arg).unwrap_or_else(|| node(Kind::Literal(Value::string(" ")), DataType::String));
    Signature::new(vec![string_arg(s), len, pad], DataType::String)
}

/// `lpad`/`rpad` of `v` as the signature typed it: bytes or characters.
fn pad_value(v: &[Value], state: &State, left: bool) -> Value {
    match (state, &v[0], &v[2]) {
        (State::Type(DataType::Binary), Value::Binary(s), Value::Binary(p)) => {
            let len = usize::try_from(int(&v[1])).unwrap_or(0);
            Value::Binary(Arc::from(pad_items(s, p, len, left)))
        }
        _ => string(pad(v, left)),
    }
}

/// `s` cut to `len` items, or filled to `len` with `pad` repeated (the last copy cut short).
fn pad_items<T: Clone>(s: &[T], pad: &[T], len: usize, left: bool) -> Vec<T> {
    if s.len() >= len || pad.is_empty() {
        return s[..s.len().min(len)].to_vec();
    }
    let fill = pad.iter().cycle().take(len - s.len()).cloned();
    if left {
        fill.chain(s.iter().cloned()).collect()
    } else {
        s.iter().cloned().chain(fill).collect()
    }
}

/// Spark's `UTF8String.lpad`/`rpad`: cut to `len` characters when already that long (or
/// when the pad is empty), else filled with the pad repeated (the last copy cut short).
fn pad(v: &[Value], left: bool) -> String {
    let (s, pad) = (text(&v[0]).chars().collect::<Vec<_>>(), text(&v[2]).chars().collect::<Vec<_>>());
    let len = usize::try_from(int(&v[1])).unwrap_or(0);
    pad_items(&s, &pad, len, left).into_iter().collect()
}

/// 1-based character position of `needle` in `hay` at or after `start`, 0 when absent.
fn char_position(hay: &str, needle: &str, start: usize) -> i32 {
    let skip = start.saturating_sub(1);
    let byte_start = match hay.char_indices().nth(skip) {
        Some((b, _)) => b,
        None if hay.chars().count() == skip => hay.len(),
        None => return 0,
    };
    match hay[byte_start..].find(needle) {
        Some(b) => (hay[..byte_start + b].chars().count() + 1) as i32,
        None => 0,
    }
}

/// Spark's `substring(s, pos, len)`: 1-based, 0 behaves as 1, negative counts from the end.
fn substring(s: &str, pos: i64, len: Option<i64>) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as i64;
    let len = len.unwrap_or(i64::MAX);
    let start = if pos > 0 {
        pos - 1
    } else if pos < 0 {
        n + pos
    } else {
        0
    };
    let end = if len <= 0 { start } else { start.saturating_add(len) };
    let (start, end) = (start.clamp(0, n), end.clamp(0, n));
    if start >= end {
        return String::new();
    }
    chars[start as usize..end as usize].iter().collect()
}
