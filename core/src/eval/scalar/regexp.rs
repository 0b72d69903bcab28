//! Regular-expression functions: `regexp_replace`, `regexp_extract`, `split`.
//!
//! Patterns are Java regular expressions as Spark reads them, run by the `regex` crate: the
//! common syntax is the same; look-around and back-references, which `regex` does not
//! have, are refused with the pattern error. A literal pattern is compiled once when the
//! call is bound.

use super::*;

/// The regular-expression functions, one entry each.
pub(super) const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        name: "regexp_replace",
        aliases: &[],
        arity: (3, 4),
        // `regexp_replace(str, regexp, rep[, position])`; the position is a literal > 0.
        signature: |call, b| {
            let mut it = b.into_iter();
            let s = string_arg(it.next().expect("arity"));
            let (pattern, state) = pattern_arg(call, it.next().expect("arity"))?;
            let rep = string_arg(it.next().expect("arity"));
            let pos = match it.next() {
                None => node(Kind::Literal(Value::Int(1)), DataType::Int),
                Some(p) => {
                    let p = call.int(p)?;
                    match &p.kind {
                        Kind::Literal(Value::Int(n)) if *n > 0 => p,
                        Kind::Literal(Value::Int(n)) => {
                            return Err(SluiceError::analysis(format!(
                                "[DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE] Cannot resolve \"{}\" due to data type mismatch: The position must be between (0, {}] (current value = {n}).",
                                call.expr.output_name(),
                                i32::MAX
                            )))
                        }
                        _ => {
                            return Err(call.mismatch(
                                "the position (fourth argument) of regexp_replace must be an integer literal".into(),
                            ))
                        }
                    }
                }
            };
            Ok(Signature { args: vec![s, pattern, rep, pos], data_type: DataType::String, state })
        },
        eval: Eval::Strict(|v, state| {
            let re = regex(state, &v[1], "regexp_replace")?;
            let s = text(&v[0]);
            // Spark's position counts characters from 1; past the end the string is unchanged.
            let from = usize::try_from(int(&v[3]) - 1).unwrap_or(0);
            let start = match s.char_indices().nth(from) {
                Some((b, _)) => b,
                None if from == 0 => 0,
                None => return Ok(v[0].clone()),
            };
            let mut out = String::with_capacity(s.len());
            out.push_str(&s[..start]);
            let mut last = start;
            for caps in re.captures_iter(&s[start..]) {
                let offset = start;
                let whole = caps.get(0).expect("group 0 is the match");
                out.push_str(&s[last..offset + whole.start()]);
                java_replacement(&caps, text(&v[2]), &mut out)?;
                last = offset + whole.end();
            }
            out.push_str(&s[last..]);
            Ok(string(out))
        }),
    },
    ScalarFunction {
        name: "regexp_extract",
        aliases: &[],
        arity: (2, 3),
        // `regexp_extract(str, regexp[, idx])`: group `idx` (1 by default) of the first match,
        // empty when nothing matches or the group took no part.
        signature: |call, b| {
            let mut it = b.into_iter();
            let s = string_arg(it.next().expect("arity"));
            let (pattern, state) = pattern_arg(call, it.next().expect("arity"))?;
            let idx = match it.next() {
                Some(i) => call.int(i)?,
                None => node(Kind::Literal(Value::Int(1)), DataType::Int),
            };
            Ok(Signature { args: vec![s, pattern, idx], data_type: DataType::String, state })
        },
        eval: Eval::Strict(|v, state| {
            let re = regex(state, &v[1], "regexp_extract")?;
            let idx = int(&v[2]);
            let groups = re.captures_len() - 1;
            if idx < 0 || idx as usize > groups {
                return Err(SluiceError::exec(format!(
                    "[INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX] The value of parameter(s) `idx` in `regexp_extract` is invalid: Expects group index between 0 and {groups}, but got {idx}. SQLSTATE: 22023"
                )));
            }
            let found = re.captures(text(&v[0])).and_then(|c| c.get(idx as usize)).map_or("", |m| m.as_str());
            Ok(string(found.to_string()))
        }),
    },
    ScalarFunction {
        name: "split",
        aliases: &[],
        arity: (2, 3),
        // `split(str, regexp[, limit])`: at most `limit` parts when it is positive, all
        // (trailing empty strings kept) otherwise, as Java's `String.split(regex, -1)`.
        signature: |call, b| {
            let mut it = b.into_iter();
            let s = string_arg(it.next().expect("arity"));
            let (pattern, state) = pattern_arg(call, it.next().expect("arity"))?;
            let limit = match it.next() {
                Some(l) => call.int(l)?,
                None => node(Kind::Literal(Value::Int(-1)), DataType::Int),
            };
            let t = DataType::Array(Box::new(DataType::String));
            Ok(Signature { args: vec![s, pattern, limit], data_type: t, state })
        },
        eval: Eval::Strict(|v, state| {
            let s = text(&v[0]);
            let limit = usize::try_from(int(&v[2])).ok().filter(|l| *l > 0);
            let parts = if text(&v[1]).is_empty() && !s.is_empty() {
                split_chars(s, limit)
            } else {
                java_split(regex(state, &v[1], "split")?.as_ref(), s, limit)
            };
            Ok(Value::Array(parts.into_iter().map(Value::string).collect::<Vec<_>>().into()))
        }),
    },
];

/// A pattern argument: compiled now when it is a literal (an invalid one is an error at
/// once), else compiled for each row.
fn pattern_arg(call: &Call<'_>, b: BoundExpr) -> Result<(BoundExpr, State)> {
    let b = string_arg(b);
    let state = match &b.kind {
        Kind::Literal(Value::String(p)) => State::Regex(Arc::new(compile(p, call.name)?)),
        _ => State::None,
    };
    Ok((b, state))
}

fn compile(pattern: &str, function: &str) -> Result<Regex> {
    Regex::new(pattern).map_err(|err| {
        SluiceError::exec(format!(
            "[INVALID_PARAMETER_VALUE.PATTERN] The value of parameter(s) `regexp` in `{function}` is invalid: '{pattern}': {err}"
        ))
    })
}

/// The call's compiled pattern, or the row's pattern compiled now.
fn regex(state: &State, pattern: &Value, function: &str) -> Result<Arc<Regex>> {
    match state {
        State::Regex(re) => Ok(re.clone()),
        _ => compile(text(pattern), function).map(Arc::new),
    }
}

/// Appends Java's `Matcher.appendReplacement` expansion of `rep`: `$n` is group `n` (as many
/// digits as name an existing group), `${name}` a named group, `\x` the character `x`.
fn java_replacement(caps: &regex::Captures<'_>, rep: &str, out: &mut String) -> Result<()> {
    let bad = |why: String| SluiceError::exec(format!("regexp_replace: invalid replacement '{rep}': {why}"));
    let mut chars = rep.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().ok_or_else(|| bad("character to be escaped is missing".into()))?),
            '$' => {
                if chars.peek() == Some(&'{') {
                    chars.next();
                    let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                    let m = caps.name(&name).ok_or_else(|| bad(format!("no group with name {{{name}}}")))?;
                    out.push_str(m.as_str());
                    continue;
                }
                let first = chars
                    .next()
                    .and_then(|d| d.to_digit(10))
                    .ok_or_else(|| bad("illegal group reference".into()))?
                    as usize;
                if first >= caps.len() {
                    return Err(bad(format!("no group {first}")));
                }
                let mut group = first;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    let longer = group * 10 + d as usize;
                    if longer >= caps.len() {
                        break;
                    }
                    group = longer;
                    chars.next();
                }
                out.push_str(caps.get(group).map_or("", |m| m.as_str()));
            }
            c => out.push(c),
        }
    }
    Ok(())
}

/// Java's `Pattern.split(s, limit)` with a negative limit when `limit` is `None`: no empty
/// leading part for a zero-width match at the start, trailing empty parts kept.
fn java_split<'a>(re: &Regex, s: &'a str, limit: Option<usize>) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut index = 0;
    for m in re.find_iter(s) {
        if limit.is_some_and(|l| parts.len() + 1 >= l) {
            break;
        }
        if index == 0 && m.start() == 0 && m.end() == 0 {
            continue;
        }
        parts.push(&s[index..m.start()]);
        index = m.end();
    }
    if index == 0 && parts.is_empty() {
        return vec![s];
    }
    parts.push(&s[index..]);
    parts
}

/// Spark's split on an empty pattern: one part per character, the last part holding the
/// rest when `limit` is smaller.
fn split_chars(s: &str, limit: Option<usize>) -> Vec<&str> {
    let n = s.chars().count();
    let parts = limit.filter(|l| *l < n).unwrap_or(n);
    let mut out = Vec::with_capacity(parts);
    let mut rest = s;
    for _ in 1..parts {
        let len = rest.chars().next().map_or(0, char::len_utf8);
        out.push(&rest[..len]);
        rest = &rest[len..];
    }
    out.push(rest);
    out
}
