//! LIKE / ILIKE patterns and RLIKE regular expressions, compiled to `regex`.

use super::*;

pub(super) fn like_regex(pattern: &str, case_insensitive: bool) -> Result<Regex> {
    let mut re = String::with_capacity(pattern.len() + 8);
    re.push_str(if case_insensitive { "(?is)^" } else { "(?s)^" });
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            '\\' => match chars.next() {
                Some(n @ ('%' | '_' | '\\')) => re.push_str(&regex::escape(&n.to_string())),
                _ => {
                    return Err(SluiceError::exec(format!(
                        "[INVALID_FORMAT.ESC_IN_THE_MIDDLE] The format is invalid: '{pattern}'. The escape character is not allowed to precede a character other than '%', '_' or '\\'."
                    )))
                }
            },
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    Regex::new(&re).map_err(|err| SluiceError::exec(format!("invalid LIKE pattern '{pattern}': {err}")))
}

pub(super) fn rlike_regex(pattern: &str) -> Result<Regex> {
    Regex::new(pattern).map_err(|err| {
        SluiceError::exec(format!(
            "[INVALID_PARAMETER_VALUE.PATTERN] The value of parameter(s) `regexp` in `rlike` is invalid: '{pattern}': {err}"
        ))
    })
}
