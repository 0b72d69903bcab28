//! Regular-expression functions: `regexp_replace`, `regexp_extract[_all]`, `regexp_like`,
//! `regexp_count`, `regexp_substr`, `regexp_instr`, `split`.
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
                        // A NULL position makes the result NULL.
                        Kind::Literal(Value::Null) => p,
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
        signature: |call, b| regexp_signature(call, b, DataType::String, Some(1)),
        eval: Eval::Strict(|v, state| {
            let re = regex(state, &v[1], "regexp_extract")?;
            let idx = group_index(&re, int(&v[2]), "regexp_extract")?;
            let found = re.captures(text(&v[0])).and_then(|c| c.get(idx)).map_or("", |m| m.as_str());
            Ok(string(found.to_string()))
        }),
    },
    ScalarFunction {
        name: "regexp_extract_all",
        aliases: &[],
        arity: (2, 3),
        // `regexp_extract_all(str, regexp[, idx])`: group `idx` (1 by default) of every match,
        // empty where the group took no part.
        signature: |call, b| regexp_signature(call, b, DataType::Array(Box::new(DataType::String)), Some(1)),
        eval: Eval::Strict(|v, state| {
            let re = regex(state, &v[1], "regexp_extract_all")?;
            let idx = group_index(&re, int(&v[2]), "regexp_extract_all")?;
            let found: Vec<Value> = java_captures(&re, text(&v[0]))
                .map(|c| Value::string(c.get(idx).map_or("", |m| m.as_str())))
                .collect();
            Ok(Value::Array(found.into()))
        }),
    },
    ScalarFunction {
        name: "regexp_like",
        aliases: &["regexp", "rlike"],
        arity: (2, 2),
        // `regexp_like(str, regexp)`: `str RLIKE regexp`, a match anywhere.
        signature: |call, b| regexp_signature(call, b, DataType::Boolean, None),
        eval: Eval::Strict(|v, state| {
            Ok(Value::Boolean(regex(state, &v[1], "regexp_like")?.is_match(text(&v[0]))))
        }),
    },
    ScalarFunction {
        name: "regexp_count",
        aliases: &[],
        arity: (2, 2),
        // `regexp_count(str, regexp)`: how many times the pattern matches.
        signature: |call, b| regexp_signature(call, b, DataType::Int, None),
        eval: Eval::Strict(|v, state| {
            let re = regex(state, &v[1], "regexp_count")?;
            let n = java_captures(&re, text(&v[0])).count();
            Ok(Value::Int(i32::try_from(n).unwrap_or(i32::MAX)))
        }),
    },
    ScalarFunction {
        name: "regexp_substr",
        aliases: &[],
        arity: (2, 2),
        // `regexp_substr(str, regexp)`: the first match; NULL when there is none or it is empty.
        signature: |call, b| regexp_signature(call, b, DataType::String, None),
        eval: Eval::Strict(|v, state| {
            Ok(match regex(state, &v[1], "regexp_substr")?.find(text(&v[0])) {
                Some(m) if !m.as_str().is_empty() => Value::string(m.as_str()),
                _ => Value::Null,
            })
        }),
    },
    ScalarFunction {
        name: "regexp_instr",
        aliases: &[],
        arity: (2, 3),
        // `regexp_instr(str, regexp[, idx])`: the 1-based character position where the first
        // match (its group `idx`, 0 by default) begins; 0 when nothing matches.
        signature: |call, b| regexp_signature(call, b, DataType::Int, Some(0)),
        eval: Eval::Strict(|v, state| {
            let re = regex(state, &v[1], "regexp_instr")?;
            let idx = group_index(&re, int(&v[2]), "regexp_instr")?;
            let s = text(&v[0]);
            let at =
                re.captures(s).and_then(|c| c.get(idx)).map_or(0, |m| s[..m.start()].chars().count() + 1);
            Ok(Value::Int(i32::try_from(at).unwrap_or(i32::MAX)))
        }),
    },
    ScalarFunction {
        name: "split",
        aliases: &[],
        arity: (2, 3),
        // `split(str, regexp[, limit])`: at most `limit` parts when it is positive, all
        // (trailing empty strings kept) otherwise, as Java's `String.split(regex, -1)`.
        signature: |call, b| regexp_signature(call, b, DataType::Array(Box::new(DataType::String)), Some(-1)),
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

/// Every match as Java's `Matcher.find` loop finds them: the next search starts where the
/// last match ended (one character further after an empty match), so an empty match right
/// after a non-empty one counts, which the `regex` crate's iterators skip.
fn java_captures<'r, 's>(re: &'r Regex, s: &'s str) -> impl Iterator<Item = regex::Captures<'s>> + 'r
where
    's: 'r,
{
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos > s.len() {
            return None;
        }
        let c = re.captures_at(s, pos)?;
        let whole = c.get(0).expect("group 0 is the match");
        pos = if whole.is_empty() {
            whole.end() + s[whole.end()..].chars().next().map_or(1, char::len_utf8)
        } else {
            whole.end()
        };
        Some(c)
    })
}

/// `f(str, regexp[, n])`: a string, a pattern and, when `default` is given, an integer that
/// defaults to it (a group index, a limit); typed `t`.
fn regexp_signature(
    call: &Call<'_>,
    b: Vec<BoundExpr>,
    t: DataType,
    default: Option<i32>,
) -> Result<Signature> {
    let mut it = b.into_iter();
    let s = string_arg(it.next().expect("arity"));
    let (pattern, state) = pattern_arg(call, it.next().expect("arity"))?;
    let mut args = vec![s, pattern];
    if let Some(default) = default {
        args.push(match it.next() {
            Some(n) => call.int(n)?,
            None => node(Kind::Literal(Value::Int(default)), DataType::Int),
        });
    }
    Ok(Signature { args, data_type: t, state })
}

/// A group index `idx` of `re`, or Spark's `[INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX]`.
fn group_index(re: &Regex, idx: i64, function: &str) -> Result<usize> {
    let groups = re.captures_len() - 1;
    if idx < 0 || idx as usize > groups {
        return Err(SluiceError::exec(format!(
            "[INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX] The value of parameter(s) `idx` in `{function}` is invalid: Expects group index between 0 and {groups}, but got {idx}. SQLSTATE: 22023"
        )));
    }
    Ok(idx as usize)
}

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
