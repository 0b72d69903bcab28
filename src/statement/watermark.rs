//! `WATERMARK FOR col AS col - INTERVAL ..` in a `CREATE TABLE` column list. sqlparser
//! (0.64, no dialect) does not parse it, so this finds the clause among the statement's
//! tokens and blanks it out of the text with spaces: the rest keeps its line and column
//! positions for sqlparser's errors, and the clause's own errors name its position.

use sluice_core::expr::{BinaryOp, Expr};
use sluice_core::sql::{dialect, parse_expr};
use sluice_core::{Schema, SluiceError};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

/// A table's watermark: the event-time column and the delay (as an interval string).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WatermarkClause {
    pub column: String,
    pub delay: String,
}

/// An error in the clause, at its position in the statement's text.
#[derive(Debug)]
pub(crate) struct ClauseError {
    pub at: Location,
    pub error: SluiceError,
}

const USAGE: &str = "expected WATERMARK FOR column AS column - INTERVAL '30' MINUTE";

fn is_word(t: &TokenWithSpan, word: &str) -> bool {
    matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// The text with the clause blanked out, and the clause; the text as it is without one.
/// Tokenizer errors are left for the parser to report.
pub(crate) fn take_watermark(
    text: &str,
) -> std::result::Result<(String, Option<WatermarkClause>), ClauseError> {
    let dialect = dialect();
    let Ok(tokens) = Tokenizer::new(&dialect, text).tokenize_with_location() else {
        return Ok((text.to_string(), None));
    };
    let tokens: Vec<TokenWithSpan> =
        tokens.into_iter().filter(|t| !matches!(t.token, Token::Whitespace(_))).collect();
    // Only in a CREATE TABLE's column list: depth 1 of the first parenthesis.
    if !(tokens.first().is_some_and(|t| is_word(t, "CREATE"))
        && tokens.iter().take(4).any(|t| is_word(t, "TABLE")))
    {
        return Ok((text.to_string(), None));
    }
    let mut depth = 0i32;
    let mut open = None;
    let mut found = None;
    for (i, t) in tokens.iter().enumerate() {
        match t.token {
            Token::LParen => {
                depth += 1;
                if depth == 1 && open.is_none() {
                    open = Some(i);
                }
            }
            Token::RParen => depth -= 1,
            _ => {}
        }
        if depth == 1 && is_word(t, "WATERMARK") && tokens.get(i + 1).is_some_and(|n| is_word(n, "FOR")) {
            found = Some(i);
            break;
        }
        if depth == 0 && open.is_some() {
            break;
        }
    }
    let (Some(start), Some(open)) = (found, open) else { return Ok((text.to_string(), None)) };
    let at = tokens[start].span.start;
    let bad = |msg: String| ClauseError { at, error: SluiceError::Parse(msg) };
    // The clause runs to the next comma or closing parenthesis at its depth.
    let mut end = start + 2;
    let mut d = 0i32;
    while let Some(t) = tokens.get(end) {
        match t.token {
            Token::LParen => d += 1,
            Token::RParen if d == 0 => break,
            Token::RParen => d -= 1,
            Token::Comma if d == 0 => break,
            _ => {}
        }
        end += 1;
    }
    if end >= tokens.len() {
        return Err(bad(format!("{USAGE}: the column list is not closed")));
    }
    let clause = &tokens[start + 2..end];
    let column = match clause.first().map(|t| &t.token) {
        Some(Token::Word(w)) => w.value.clone(),
        _ => return Err(bad(USAGE.into())),
    };
    if !clause.get(1).is_some_and(|t| matches!(&t.token, Token::Word(w) if w.keyword == Keyword::AS)) {
        return Err(bad(USAGE.into()));
    }
    let bound_from = offset(text, clause.get(2).map_or(tokens[end].span.start, |t| t.span.start));
    let bound_text = &text[bound_from..offset(text, tokens[end].span.start)];
    let bound = parse_expr(bound_text).map_err(|e| bad(format!("{USAGE}: {e}")))?;
    let delay = match bound {
        Expr::Binary { op: BinaryOp::Minus, left, right } if matches!(&*left, Expr::Column(p) if p.last().is_some_and(|c| c.eq_ignore_ascii_case(&column))) => {
            match right.bind(&Schema::default()).and_then(|b| b.eval(&[])) {
                Ok(v) if v.interval_micros().is_some_and(|us| us >= 0) => {
                    format!("{} microseconds", v.interval_micros().unwrap_or(0))
                }
                _ => return Err(bad(format!("{USAGE}: the delay must be a non-negative interval"))),
            }
        }
        _ => return Err(bad(USAGE.into())),
    };
    // Blank the clause with the comma that separates it from its neighbours; a clause
    // alone in the parentheses takes them too (a fixed-schema source has no columns).
    let before_comma = start > 0 && matches!(tokens[start - 1].token, Token::Comma);
    let after_comma = matches!(tokens[end].token, Token::Comma);
    let (from, to) = if before_comma {
        (offset(text, tokens[start - 1].span.start), offset(text, tokens[end].span.start))
    } else if after_comma {
        (offset(text, at), tokens.get(end + 1).map_or(text.len(), |t| offset(text, t.span.start)))
    } else if start == open + 1 {
        (offset(text, tokens[open].span.start), offset(text, tokens[end].span.start) + 1)
    } else {
        (offset(text, at), offset(text, tokens[end].span.start))
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..from]);
    out.extend(text[from..to].chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
    out.push_str(&text[to..]);
    Ok((out, Some(WatermarkClause { column, delay })))
}

/// The byte offset of a tokenizer location (1-based line and character column).
fn offset(text: &str, at: Location) -> usize {
    let mut line_start = 0usize;
    for _ in 1..at.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    text[line_start..]
        .char_indices()
        .nth(at.column.saturating_sub(1) as usize)
        .map_or(text.len(), |(i, _)| line_start + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clause_is_blanked_and_positions_stay() {
        let sql = "CREATE TABLE t (a BIGINT,\n  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND, b STRING) WITH (x = 'y')";
        let (text, clause) = take_watermark(sql).unwrap();
        assert_eq!(
            clause,
            Some(WatermarkClause { column: "ts".into(), delay: "5000000 microseconds".into() })
        );
        assert_eq!(text.len(), sql.len());
        assert_eq!(text.lines().nth(1).map(str::trim_start), Some(", b STRING) WITH (x = 'y')"));
        assert!(text.starts_with("CREATE TABLE t (a BIGINT \n"));
    }

    #[test]
    fn a_clause_alone_takes_its_parentheses() {
        let sql = "CREATE TABLE r (WATERMARK FOR `timestamp` AS `timestamp` - INTERVAL '1' SECOND) WITH (c = 'rate')";
        let (text, clause) = take_watermark(sql).unwrap();
        assert_eq!(clause.map(|c| c.column), Some("timestamp".to_string()));
        assert_eq!(
            text.split_whitespace().collect::<Vec<_>>(),
            ["CREATE", "TABLE", "r", "WITH", "(c", "=", "'rate')"]
        );
        let (text, _) =
            take_watermark("CREATE TABLE r (WATERMARK FOR t AS t - INTERVAL '1' SECOND, a INT)").unwrap();
        assert_eq!(text.split_whitespace().collect::<Vec<_>>(), ["CREATE", "TABLE", "r", "(", "a", "INT)"]);
    }

    #[test]
    fn a_bad_clause_names_its_position() {
        let err = take_watermark("CREATE TABLE t (a INT,\n   WATERMARK FOR a AS a + 1)").unwrap_err();
        assert_eq!((err.at.line, err.at.column), (2, 4));
        assert!(err.error.to_string().contains("expected WATERMARK FOR column AS"), "{}", err.error);
        let (text, none) = take_watermark("SELECT 'WATERMARK FOR' FROM t").unwrap();
        assert!(none.is_none() && text == "SELECT 'WATERMARK FOR' FROM t");
    }
}
