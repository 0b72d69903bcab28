//! SQL text to `Expr`, through the `sqlparser` crate.
//!
//! Parsing uses [`SparkDialect`]: Hive's grammar (which, unlike the generic one, accepts
//! `struct(*)` and `window(...)`), plus the Spark spellings Hive lacks: `a DIV b`,
//! double-quoted string literals and backslash escapes in strings.

use crate::error::{Result, SluiceError};
use crate::expr::{BinaryOp, Expr};
use crate::time::{parse_ansi_day_time, parse_interval_parts, IntervalUnit};
use crate::types::{DataType, Value, YearMonth, YmField};
use sqlparser::ast;
use sqlparser::dialect::{Dialect, HiveDialect, Precedence};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;
use std::any::TypeId;

/// The SQL dialect Sluice parses: Hive's, adjusted to read as Spark SQL does.
///
/// It reports itself as `HiveDialect` to the parser, so every Hive-specific rule applies.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SparkDialect {
    hive: HiveDialect,
}

impl Dialect for SparkDialect {
    fn dialect(&self) -> TypeId {
        self.hive.dialect()
    }
    // Spark reads "text" as a string literal, not an identifier; only backticks quote names.
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        ch == '`'
    }
    fn supports_hash_comment(&self) -> bool {
        self.hive.supports_hash_comment()
    }
    fn supports_string_literal_column_alias(&self, explicit: bool) -> bool {
        self.hive.supports_string_literal_column_alias(explicit)
    }
    fn supports_string_literal_table_alias(&self, explicit: bool) -> bool {
        self.hive.supports_string_literal_table_alias(explicit)
    }
    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        self.hive.identifier_quote_style(identifier)
    }
    fn is_identifier_start(&self, ch: char) -> bool {
        self.hive.is_identifier_start(ch) || ch == '_'
    }
    fn is_identifier_part(&self, ch: char) -> bool {
        self.hive.is_identifier_part(ch)
    }
    fn is_table_factor(&self, kw: &Keyword, parser: &mut Parser) -> bool {
        self.hive.is_table_factor(kw, parser)
    }
    fn supports_filter_during_aggregation(&self) -> bool {
        true
    }
    // `x -> x + 1`, `(acc, x) -> acc + x`; not DuckDB's `LAMBDA x : ..`.
    fn supports_lambda_functions(&self) -> bool {
        true
    }
    fn supports_lambda_keyword_syntax(&self) -> bool {
        false
    }
    // Spark's `||` binds as `+` and `-` do, left to right (`1 - 2 || 'b'` is `-1b`);
    // sqlparser's default binds it as `*`.
    fn get_next_precedence(&self, parser: &Parser) -> Option<std::result::Result<u8, ParserError>> {
        if parser.peek_token().token == Token::StringConcat {
            return Some(Ok(self.prec_value(Precedence::PlusMinus)));
        }
        self.hive.get_next_precedence(parser)
    }
    // `GROUP BY CUBE(..)`, `ROLLUP(..)`, `GROUPING SETS (..)`, as Spark SQL.
    fn supports_group_by_expr(&self) -> bool {
        true
    }
    fn supports_numeric_prefix(&self) -> bool {
        self.hive.supports_numeric_prefix()
    }
    fn require_interval_qualifier(&self) -> bool {
        true
    }
    fn supports_bang_not_operator(&self) -> bool {
        true
    }
    fn supports_load_data(&self) -> bool {
        self.hive.supports_load_data()
    }
    fn supports_table_sample_before_alias(&self) -> bool {
        self.hive.supports_table_sample_before_alias()
    }
    fn supports_group_by_with_modifier(&self) -> bool {
        self.hive.supports_group_by_with_modifier()
    }
    fn supports_from_first_insert(&self) -> bool {
        self.hive.supports_from_first_insert()
    }
    fn supports_map_literal_with_angle_brackets(&self) -> bool {
        self.hive.supports_map_literal_with_angle_brackets()
    }
    // Spark unescapes `\t`, `\'`, `\\` in literals but keeps `\%` and `\_` for LIKE.
    fn supports_string_literal_backslash_escape(&self) -> bool {
        true
    }
    fn ignores_wildcard_escapes(&self) -> bool {
        true
    }
    // Spark's interval literals (`INTERVAL 1 HOUR 30 MINUTES`, `INTERVAL '10 minutes'`,
    // `INTERVAL '1 10:00:00' DAY TO SECOND`), which sqlparser's grammar only partly covers.
    fn parse_prefix(&self, parser: &mut Parser) -> Option<Result<ast::Expr, ParserError>> {
        if !parser.parse_keyword(Keyword::INTERVAL) {
            return None;
        }
        Some(parse_spark_interval(parser))
    }
    fn parse_infix(
        &self,
        parser: &mut Parser,
        expr: &ast::Expr,
        precedence: u8,
    ) -> Option<Result<ast::Expr, ParserError>> {
        if !parser.parse_keyword(Keyword::DIV) {
            return None;
        }
        Some(parser.parse_subexpr(precedence).map(|right| ast::Expr::BinaryOp {
            left: Box::new(expr.clone()),
            op: ast::BinaryOperator::MyIntegerDivide,
            right: Box::new(right),
        }))
    }
}

/// The text of an interval value token (a number or a quoted string).
fn interval_value(token: &Token) -> Option<(String, bool)> {
    match token {
        Token::Number(n, _) => Some((n.clone(), false)),
        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Some((s.clone(), true)),
        _ => None,
    }
}

fn interval_unit(token: &Token) -> Option<IntervalUnit> {
    match token {
        Token::Word(w) if w.quote_style.is_none() => IntervalUnit::parse(&w.value),
        _ => None,
    }
}

fn date_time_field(unit: IntervalUnit) -> ast::DateTimeField {
    match unit {
        IntervalUnit::Year => ast::DateTimeField::Year,
        IntervalUnit::Month => ast::DateTimeField::Month,
        IntervalUnit::Week => ast::DateTimeField::Week(None),
        IntervalUnit::Day => ast::DateTimeField::Day,
        IntervalUnit::Hour => ast::DateTimeField::Hour,
        IntervalUnit::Minute => ast::DateTimeField::Minute,
        IntervalUnit::Second => ast::DateTimeField::Second,
        IntervalUnit::Millisecond => ast::DateTimeField::Millisecond,
        IntervalUnit::Microsecond => ast::DateTimeField::Microsecond,
    }
}

/// Parses what follows `INTERVAL` in Spark's grammar into an `ast::Interval` whose value is
/// the interval's text: `[+|-]value unit ...` (units singular or plural; values numbers or
/// strings) becomes `'1 hour 30 minutes'`; `'1 10:00' DAY TO MINUTE` keeps its fields; a
/// lone string (`INTERVAL '10 minutes'`) is kept as is.
fn parse_spark_interval(parser: &mut Parser) -> Result<ast::Expr, ParserError> {
    let peek = |parser: &Parser, n: usize| parser.peek_nth_token(n).token;
    let piece_at = |parser: &Parser| -> Option<(usize, String, bool, Option<IntervalUnit>)> {
        let (sign, skip) = match peek(parser, 0) {
            Token::Minus => ("-", 1),
            Token::Plus => ("", 1),
            _ => ("", 0),
        };
        let (value, quoted) = interval_value(&peek(parser, skip))?;
        Some((skip + 1, format!("{sign}{value}"), quoted, interval_unit(&peek(parser, skip + 1))))
    };
    let interval = |text: String, leading: Option<IntervalUnit>, last: Option<IntervalUnit>| {
        ast::Expr::Interval(ast::Interval {
            value: Box::new(ast::Expr::Value(ast::Value::SingleQuotedString(text).into())),
            leading_field: leading.map(date_time_field),
            leading_precision: None,
            last_field: last.map(date_time_field),
            fractional_seconds_precision: None,
        })
    };
    let Some((len, first, quoted, unit)) = piece_at(parser) else {
        return Err(ParserError::ParserError(format!(
            "expected an interval such as INTERVAL 30 MINUTES or INTERVAL '10 minutes' after INTERVAL, found {}",
            parser.peek_token().token
        )));
    };
    match unit {
        None if quoted => {
            // `INTERVAL '10 minutes'` or `INTERVAL '...' DAY TO SECOND` spelled with the fields inside.
            for _ in 0..len {
                parser.next_token();
            }
            return Ok(interval(first, None, None));
        }
        None => {
            return Err(ParserError::ParserError(format!(
                "expected a unit (DAY, HOUR, MINUTE, SECOND, ...) after INTERVAL {first}, found {}",
                parser.peek_nth_token(len).token
            )))
        }
        Some(from)
            if quoted && matches!(&peek(parser, len + 1), Token::Word(w) if w.keyword == Keyword::TO) =>
        {
            let to = interval_unit(&peek(parser, len + 2)).ok_or_else(|| {
                ParserError::ParserError(format!(
                    "expected a unit after TO in INTERVAL, found {}",
                    parser.peek_nth_token(len + 2).token
                ))
            })?;
            for _ in 0..len + 3 {
                parser.next_token();
            }
            return Ok(interval(first, Some(from), Some(to)));
        }
        Some(_) => {}
    }
    let mut text = Vec::new();
    while let Some((len, value, _, Some(_))) = piece_at(parser) {
        let word = parser.peek_nth_token(len).token.to_string();
        text.push(format!("{value} {word}"));
        for _ in 0..=len {
            parser.next_token();
        }
    }
    Ok(interval(text.join(" "), None, None))
}

/// The dialect to hand `sqlparser::parser::Parser` for any Sluice SQL (statements too).
pub fn dialect() -> SparkDialect {
    SparkDialect::default()
}

/// `text`'s tokens with their positions, and the byte offset in `text` of a position (for
/// the rewrites of the text before sqlparser reads it); `None` when it does not tokenize.
fn located_tokens(
    text: &str,
) -> Option<(
    Vec<sqlparser::tokenizer::TokenWithSpan>,
    impl Fn(sqlparser::tokenizer::Location) -> Option<usize> + '_,
)> {
    let tokens = sqlparser::tokenizer::Tokenizer::new(&dialect(), text).tokenize_with_location().ok()?;
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let offset = move |loc: sqlparser::tokenizer::Location| -> Option<usize> {
        let start = *line_starts.get((loc.line as usize).checked_sub(1)?)?;
        let col = (loc.column as usize).checked_sub(1)?;
        Some(start + text[start..].char_indices().nth(col).map_or(text.len() - start, |(i, _)| i))
    };
    Some((tokens, offset))
}

/// The tokens that are not whitespace (what the rewrites below look at).
fn solid_tokens(tokens: &[sqlparser::tokenizer::TokenWithSpan]) -> Vec<&sqlparser::tokenizer::TokenWithSpan> {
    tokens.iter().filter(|t| !matches!(t.token, Token::Whitespace(_))).collect()
}

/// `text` with each edit `(start, end, replacement)` made; edits come in text order and do
/// not overlap.
fn replaced(text: &str, edits: Vec<(usize, usize, String)>) -> String {
    let mut out = text.to_string();
    for (start, end, replacement) in edits.into_iter().rev() {
        out.replace_range(start..end, &replacement);
    }
    out
}

/// Spark's inline tables without parentheses (`FROM VALUES (1, 'a'), (2, 'b') AS t(x, y)`,
/// also after `JOIN`), which sqlparser's grammar reads only parenthesised: returns the text
/// with `(VALUES ...)` around each such list. A view of one (`CREATE VIEW v AS VALUES (1)
/// AS t(x)`) becomes `.. AS SELECT * FROM (VALUES (1)) AS t(x)`. Text that does not tokenize
/// is returned as is (the parser then reports it).
pub fn parenthesize_inline_tables(text: &str) -> String {
    let Some((tokens, offset)) = located_tokens(text) else { return text.to_string() };
    let solid = solid_tokens(&tokens);
    let is_kw = |i: usize, k: Keyword| matches!(&solid.get(i).map(|t| &t.token), Some(Token::Word(w)) if w.keyword == k);
    let mut inserts: Vec<(usize, &str)> = Vec::new();
    for i in 1..solid.len() {
        // `CREATE VIEW v AS VALUES (..) AS t(..)`: a view of an inline table.
        let view_body = is_kw(i - 1, Keyword::AS);
        if !is_kw(i, Keyword::VALUES)
            || !(is_kw(i - 1, Keyword::FROM) || is_kw(i - 1, Keyword::JOIN) || view_body)
        {
            continue;
        }
        // Each tuple: a balanced `( .. )`, tuples separated by commas.
        let mut j = i + 1;
        let mut last_close = None;
        while matches!(solid.get(j).map(|t| &t.token), Some(Token::LParen)) {
            let mut depth = 0usize;
            while let Some(t) = solid.get(j) {
                match t.token {
                    Token::LParen => depth += 1,
                    Token::RParen => depth -= 1,
                    _ => {}
                }
                j += 1;
                if depth == 0 {
                    break;
                }
            }
            last_close = Some(j - 1);
            if matches!(solid.get(j).map(|t| &t.token), Some(Token::Comma))
                && matches!(solid.get(j + 1).map(|t| &t.token), Some(Token::LParen))
            {
                j += 1;
            } else {
                break;
            }
        }
        let (Some(close), Some(open_at)) = (last_close, offset(solid[i].span.start)) else { continue };
        let Some(close_at) = offset(solid[close].span.start) else { continue };
        // A view's inline table is read only with its alias (`AS t(a, b)` or `t(a, b)`).
        let aliased = matches!(solid.get(close + 1).map(|t| &t.token), Some(Token::Word(w))
            if w.keyword == Keyword::AS || w.keyword == Keyword::NoKeyword);
        if view_body && !aliased {
            continue;
        }
        inserts.push((open_at, if view_body { "SELECT * FROM (" } else { "(" }));
        inserts.push((close_at + 1, ")"));
    }
    let mut out = text.to_string();
    inserts.sort_by_key(|x| std::cmp::Reverse(x.0));
    for (at, s) in inserts {
        out.insert_str(at, s);
    }
    out
}

/// Spark's higher-order `exists(xs, x -> ..)`, which sqlparser reads as an `EXISTS`
/// subquery: the word is quoted (`` `exists`(..) ``) so it reads as a function call.
/// `EXISTS (SELECT ..)` and `EXISTS (WITH ..)` stay subqueries.
fn exists_calls(text: &str) -> String {
    let Some((tokens, offset)) = located_tokens(text) else { return text.to_string() };
    let solid = solid_tokens(&tokens);
    let mut edits = Vec::new();
    for (i, t) in solid.iter().enumerate() {
        let Token::Word(w) = &t.token else { continue };
        if w.keyword != Keyword::EXISTS || w.quote_style.is_some() {
            continue;
        }
        if !matches!(solid.get(i + 1).map(|t| &t.token), Some(Token::LParen)) {
            continue;
        }
        let query = matches!(solid.get(i + 2).map(|t| &t.token), Some(Token::Word(n))
            if matches!(n.keyword, Keyword::SELECT | Keyword::WITH | Keyword::VALUES | Keyword::FROM))
            || matches!(solid.get(i + 2).map(|t| &t.token), Some(Token::LParen));
        if let (false, Some(start), Some(end)) = (query, offset(t.span.start), offset(t.span.end)) {
            edits.push((start, end, format!("`{}`", &text[start..end])));
        }
    }
    replaced(text, edits)
}

/// Spark's multi-column alias of a generator (`posexplode(xs) AS (p, x)`), which sqlparser
/// cannot read: the names become one quoted alias, joined by
/// [`crate::plan::MULTI_ALIAS_SEPARATOR`] (the planner splits it). A CTE's `AS (SELECT ..)`
/// is no such list and stays.
fn multi_aliases(text: &str) -> String {
    let Some((tokens, offset)) = located_tokens(text) else { return text.to_string() };
    let solid = solid_tokens(&tokens);
    let mut edits = Vec::new();
    for (i, t) in solid.iter().enumerate() {
        let is_as = matches!(&t.token, Token::Word(w) if w.keyword == Keyword::AS && w.quote_style.is_none());
        if !is_as || !matches!(solid.get(i + 1).map(|t| &t.token), Some(Token::LParen)) {
            continue;
        }
        if i == 0 || !matches!(solid[i - 1].token, Token::RParen) {
            continue;
        }
        let mut names = Vec::new();
        let mut j = i + 2;
        let close = loop {
            let Some(Token::Word(w)) = solid.get(j).map(|t| &t.token) else { break None };
            let query = w.quote_style.is_none()
                && matches!(w.keyword, Keyword::SELECT | Keyword::WITH | Keyword::VALUES | Keyword::FROM);
            if query {
                break None;
            }
            names.push(w.value.clone());
            match solid.get(j + 1).map(|t| &t.token) {
                Some(Token::Comma) => j += 2,
                Some(Token::RParen) => break Some(solid[j + 1]),
                _ => break None,
            }
        };
        if let (Some(close), Some(start)) = (close, offset(solid[i + 1].span.start)) {
            if let Some(end) = offset(close.span.end) {
                let sep = crate::plan::MULTI_ALIAS_SEPARATOR.to_string();
                edits.push((start, end, format!("`{}`", names.join(&sep).replace('`', "``"))));
            }
        }
    }
    replaced(text, edits)
}

/// Spark's interval types in a cast (`CAST(x AS INTERVAL YEAR TO MONTH)`, `x ::
/// interval day`), which sqlparser cannot read as types: the type becomes one quoted name
/// (`` `interval year to month` ``) that [`sql_type`] reads.
fn interval_cast_types(text: &str) -> String {
    let Some((tokens, offset)) = located_tokens(text) else { return text.to_string() };
    let solid = solid_tokens(&tokens);
    let unit = |t: Option<&&sqlparser::tokenizer::TokenWithSpan>| match t.map(|t| &t.token) {
        Some(Token::Word(w)) if w.quote_style.is_none() => {
            let v = w.value.to_ascii_lowercase();
            matches!(v.as_str(), "year" | "month" | "day" | "hour" | "minute" | "second").then_some(v)
        }
        _ => None,
    };
    let mut edits = Vec::new();
    for i in 0..solid.len() {
        let casting = matches!(&solid[i].token, Token::Word(w) if w.keyword == Keyword::AS && w.quote_style.is_none())
            || matches!(solid[i].token, Token::DoubleColon);
        let interval = matches!(solid.get(i + 1).map(|t| &t.token), Some(Token::Word(w)) if w.keyword == Keyword::INTERVAL);
        let Some(first) = (casting && interval).then(|| unit(solid.get(i + 2))).flatten() else { continue };
        let mut name = format!("interval {first}");
        let mut last = i + 2;
        if matches!(solid.get(i + 3).map(|t| &t.token), Some(Token::Word(w)) if w.keyword == Keyword::TO) {
            if let Some(to) = unit(solid.get(i + 4)) {
                name = format!("{name} to {to}");
                last = i + 4;
            }
        }
        // In a CAST the type ends at `)`; after `::` at anything but a string (a literal's value).
        let after = solid.get(last + 1).map(|t| &t.token);
        if matches!(after, Some(Token::SingleQuotedString(_))) {
            continue;
        }
        if let (Some(start), Some(end)) = (offset(solid[i + 1].span.start), offset(solid[last].span.end)) {
            edits.push((start, end, format!("`{name}`")));
        }
    }
    replaced(text, edits)
}

/// The text as sqlparser can read it: Spark's inline tables parenthesised
/// ([`parenthesize_inline_tables`]), typed number literals rewritten
/// ([`typed_number_literals`]), the higher-order `exists(..)` quoted ([`exists_calls`]) and
/// generators' multi-column aliases made one ([`multi_aliases`]).
pub fn spark_text(text: &str) -> String {
    interval_cast_types(&multi_aliases(&exists_calls(&parenthesize_inline_tables(&typed_number_literals(
        text,
    )))))
}

/// Spark's number literals with a type suffix that sqlparser splits into a number and a
/// word (`1.5BD`, `5e36BD`, `1.5D`, `2F`): a decimal becomes its plain digits with a point
/// (`5e36BD` is `5000..0.`, decimal(37,0) as in Spark), a double gets an exponent (`1.5E0`).
/// Also `timestamp_ltz '..'`, which is `TIMESTAMP '..'`.
/// Text that does not tokenize is returned as is.
pub fn typed_number_literals(text: &str) -> String {
    let Some((tokens, offset)) = located_tokens(text) else { return text.to_string() };
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for pair in tokens.windows(2) {
        // `timestamp_ltz '..'` is Spark's `TIMESTAMP '..'` (its timestamps are LTZ).
        if let (Token::Word(w), Token::SingleQuotedString(_)) = (&pair[0].token, &pair[1].token) {
            if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("timestamp_ltz") {
                if let (Some(start), Some(end)) = (offset(pair[0].span.start), offset(pair[0].span.end)) {
                    edits.push((start, end, "TIMESTAMP".to_string()));
                }
            }
            continue;
        }
        let (Token::Number(n, false), Token::Word(w)) = (&pair[0].token, &pair[1].token) else { continue };
        if w.quote_style.is_some() || pair[0].span.end != pair[1].span.start {
            continue;
        }
        let replacement = match w.value.to_ascii_uppercase().as_str() {
            "BD" => match plain_decimal(n) {
                Some(p) if p.contains('.') => p,
                Some(p) => format!("{p}."),
                None => continue,
            },
            "D" | "F" if !n.contains(['e', 'E']) => format!("{n}E0"),
            "D" | "F" => n.clone(),
            _ => continue,
        };
        let (Some(start), Some(end)) = (offset(pair[0].span.start), offset(pair[1].span.end)) else {
            continue;
        };
        edits.push((start, end, replacement));
    }
    replaced(text, edits)
}

/// A number's text without an exponent (`1.5e3` is `1500`, `1.5e-2` is `0.015`).
fn plain_decimal(n: &str) -> Option<String> {
    let Some((mantissa, exp)) = n.split_once(['e', 'E']) else { return Some(n.to_string()) };
    let exp: i64 = exp.parse().ok()?;
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 + exp;
    if point.abs() > 200 {
        return None;
    }
    Some(if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
    })
}

/// Parses one SQL expression (`a + 1`, `count(DISTINCT x)`, `CAST(t AS DOUBLE)`), rejecting trailing text.
pub fn parse_expr(text: &str) -> Result<Expr> {
    let d = dialect();
    let bad = |problem: String| SluiceError::Parse(format!("cannot parse expression \"{text}\": {problem}"));
    let mut parser =
        Parser::new(&d).try_with_sql(&typed_number_literals(text)).map_err(|e| bad(e.to_string()))?;
    let ast = parser.parse_expr().map_err(|e| bad(e.to_string()))?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return Err(bad(format!(
            "unexpected `{}` after the expression (aliases belong in a SELECT list)",
            next.token
        )));
    }
    convert_expr(&ast).map_err(|e| match e {
        SluiceError::Parse(msg) => bad(msg),
        other => other,
    })
}

fn unsupported(what: &str, ast: &impl std::fmt::Display) -> SluiceError {
    SluiceError::Parse(format!("{what} are not supported (in `{ast}`)"))
}

/// The patterns of `LIKE ALL (..)` (`Some((true, ..))`) or `LIKE ANY|SOME (..)`
/// (`Some((false, ..))`); `None` for a single pattern. sqlparser reads `ANY` into its flag
/// and `ALL (..)`/`SOME (..)` as a call.
fn quantified_patterns(any: bool, pattern: &ast::Expr) -> Result<Option<(bool, Vec<&ast::Expr>)>> {
    let (all, patterns) = match pattern {
        _ if any => (false, pattern_list(pattern)),
        ast::Expr::Function(f) if f.name.0.len() == 1 => {
            let name = f.name.to_string().to_ascii_lowercase();
            if name != "all" && name != "any" && name != "some" {
                return Ok(None);
            }
            let ast::FunctionArguments::List(args) = &f.args else {
                return Err(SluiceError::Parse(
                    "[INVALID_SQL_SYNTAX.EMPTY_QUANTIFIED_PATTERN] Invalid SQL syntax: Expected something between '(' and ')'.".into(),
                ));
            };
            let mut patterns = Vec::new();
            for arg in &args.args {
                match arg {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => patterns.push(e),
                    other => return Err(unsupported("named or star LIKE patterns", other)),
                }
            }
            (name == "all", patterns)
        }
        _ => return Ok(None),
    };
    if patterns.is_empty() {
        return Err(SluiceError::Parse(
            "[INVALID_SQL_SYNTAX.EMPTY_QUANTIFIED_PATTERN] Invalid SQL syntax: Expected something between '(' and ')'.".into(),
        ));
    }
    Ok(Some((all, patterns)))
}

fn pattern_list(e: &ast::Expr) -> Vec<&ast::Expr> {
    match e {
        ast::Expr::Tuple(items) => items.iter().collect(),
        ast::Expr::Nested(inner) => vec![inner.as_ref()],
        other => vec![other],
    }
}

fn boxed(ast: &ast::Expr) -> Result<Box<Expr>> {
    convert_expr(ast).map(Box::new)
}

fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    Expr::Binary { op, left: Box::new(left), right: Box::new(right) }
}

fn func(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function { name: name.to_string(), args, distinct: false }
}

/// The function `xs[i]` reads as (named `xs[i]` as in Spark): the element at 0-based `i`,
/// an `[INVALID_ARRAY_INDEX]` error past either end.
pub const ARRAY_SUBSCRIPT: &str = "__array_subscript";

/// Converts a `sqlparser` expression into a Sluice `Expr` (used for every expression of a SELECT).
pub fn convert_expr(ast: &ast::Expr) -> Result<Expr> {
    use ast::Expr as A;
    Ok(match ast {
        A::Identifier(ident) => identifier(ident),
        A::CompoundIdentifier(parts) => Expr::Column(parts.iter().map(|p| p.value.clone()).collect()),
        // `window(t, '1 hour').start`, `from_json(..).a.b`: fields of a struct-valued expression.
        A::CompoundFieldAccess { root, access_chain } => {
            let mut e = convert_expr(root)?;
            for access in access_chain {
                let field = match access {
                    ast::AccessExpr::Dot(A::Identifier(id)) => id.value.clone(),
                    // `xs[0]`: the array's element at a 0-based index.
                    ast::AccessExpr::Subscript(ast::Subscript::Index { index }) => {
                        e = func(ARRAY_SUBSCRIPT, vec![e, convert_expr(index)?]);
                        continue;
                    }
                    other => {
                        return Err(SluiceError::Parse(format!(
                            "field access `{other}` is not supported: use `.field` on a struct"
                        )))
                    }
                };
                e = match e {
                    // A column path stays one: `s.a` names a column's field as before.
                    Expr::Column(mut parts) => {
                        parts.push(field);
                        Expr::Column(parts)
                    }
                    other => Expr::Field(Box::new(other), field),
                };
            }
            e
        }
        A::Value(v) => Expr::Literal(literal(&v.value, false)?),
        A::Nested(inner) => convert_expr(inner)?,
        A::IsNull(e) => Expr::IsNull(boxed(e)?),
        A::IsNotNull(e) => Expr::IsNotNull(boxed(e)?),
        // Spark parses `x IS TRUE` as `x <=> true`, so it is never null.
        A::IsTrue(e) => binary(BinaryOp::EqNullSafe, convert_expr(e)?, Expr::Literal(Value::Boolean(true))),
        A::IsFalse(e) => binary(BinaryOp::EqNullSafe, convert_expr(e)?, Expr::Literal(Value::Boolean(false))),
        A::IsNotTrue(e) => Expr::Not(Box::new(binary(
            BinaryOp::EqNullSafe,
            convert_expr(e)?,
            Expr::Literal(Value::Boolean(true)),
        ))),
        A::IsNotFalse(e) => Expr::Not(Box::new(binary(
            BinaryOp::EqNullSafe,
            convert_expr(e)?,
            Expr::Literal(Value::Boolean(false)),
        ))),
        A::IsUnknown(e) => Expr::IsNull(boxed(e)?),
        A::IsNotUnknown(e) => Expr::IsNotNull(boxed(e)?),
        A::IsDistinctFrom(a, b) => {
            Expr::Not(Box::new(binary(BinaryOp::EqNullSafe, convert_expr(a)?, convert_expr(b)?)))
        }
        A::IsNotDistinctFrom(a, b) => binary(BinaryOp::EqNullSafe, convert_expr(a)?, convert_expr(b)?),
        A::In { expr, target, negated, .. } => match target {
            ast::InTarget::List(list) => Expr::InList {
                expr: boxed(expr)?,
                list: list.iter().map(convert_expr).collect::<Result<_>>()?,
                negated: *negated,
            },
            ast::InTarget::Subquery(q) => {
                let values = subquery_column(q, ast)?;
                if values.is_empty() {
                    // Nothing is in an empty subquery, NULL included (Spark's `InSubquery`).
                    return Ok(Expr::Literal(Value::Boolean(*negated)));
                }
                Expr::InList {
                    expr: boxed(expr)?,
                    list: values.into_iter().map(Expr::Literal).collect(),
                    negated: *negated,
                }
            }
            _ => return Err(unsupported("IN with this kind of list", ast)),
        },
        A::Between { expr, negated, low, high } => {
            Expr::Between { expr: boxed(expr)?, low: boxed(low)?, high: boxed(high)?, negated: *negated }
        }
        A::BinaryOp { left, op, right } => {
            use ast::BinaryOperator as B;
            let op = match op {
                B::Plus => BinaryOp::Plus,
                B::Minus => BinaryOp::Minus,
                B::Multiply => BinaryOp::Multiply,
                B::Divide => BinaryOp::Divide,
                B::Modulo => BinaryOp::Modulo,
                B::MyIntegerDivide | B::DuckIntegerDivide => BinaryOp::IntDivide,
                B::StringConcat => BinaryOp::Concat,
                B::Gt => BinaryOp::Gt,
                B::Lt => BinaryOp::Lt,
                B::GtEq => BinaryOp::GtEq,
                B::LtEq => BinaryOp::LtEq,
                B::Eq => BinaryOp::Eq,
                B::Spaceship => BinaryOp::EqNullSafe,
                B::NotEq => BinaryOp::NotEq,
                B::And => BinaryOp::And,
                B::Or => BinaryOp::Or,
                B::Regexp => {
                    return Ok(Expr::RLike { expr: boxed(left)?, pattern: boxed(right)?, negated: false });
                }
                other => {
                    return Err(SluiceError::Parse(format!(
                        "operator `{other}` is not supported (in `{ast}`)"
                    )))
                }
            };
            binary(op, convert_expr(left)?, convert_expr(right)?)
        }
        A::Like { negated, any, expr, pattern, escape_char }
        | A::ILike { negated, any, expr, pattern, escape_char } => {
            if escape_char.is_some() {
                return Err(unsupported("LIKE ... ESCAPE clauses (the escape is always `\\`)", ast));
            }
            let case_insensitive = matches!(ast, A::ILike { .. });
            let like = |pattern: &ast::Expr| -> Result<Expr> {
                Ok(Expr::Like {
                    expr: boxed(expr)?,
                    pattern: boxed(pattern)?,
                    negated: *negated,
                    case_insensitive,
                })
            };
            match quantified_patterns(*any, pattern)? {
                None => like(pattern)?,
                // Spark's LikeAll/NotLikeAll and LikeAny/NotLikeAny: one (NOT) LIKE per
                // pattern, joined by AND or OR, whose three-valued logic is theirs (a NULL
                // pattern makes the answer NULL unless another one decides it).
                Some((all, patterns)) => {
                    let op = if all { BinaryOp::And } else { BinaryOp::Or };
                    let mut likes = patterns.into_iter().map(like);
                    let first = likes.next().expect("a quantified pattern list is not empty")?;
                    likes.try_fold(first, |acc, next| Ok::<_, SluiceError>(binary(op, acc, next?)))?
                }
            }
        }
        A::RLike { negated, expr, pattern, .. } => {
            Expr::RLike { expr: boxed(expr)?, pattern: boxed(pattern)?, negated: *negated }
        }
        A::UnaryOp { op, expr } => match op {
            ast::UnaryOperator::Minus => match expr.as_ref() {
                // `-1` is the literal -1 in Spark (so `-2147483648` is still an INT).
                A::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                    Expr::Literal(literal(&v.value, true)?)
                }
                // `-9223372036854775808L`: a typed literal is negated before it is read.
                A::Identifier(ident)
                    if ident.quote_style.is_none()
                        && typed_number(&format!("-{}", ident.value)).is_some() =>
                {
                    typed_number(&format!("-{}", ident.value)).expect("checked")
                }
                _ => Expr::Negate(boxed(expr)?),
            },
            ast::UnaryOperator::Plus => convert_expr(expr)?,
            ast::UnaryOperator::Not | ast::UnaryOperator::BangNot => Expr::Not(boxed(expr)?),
            other => {
                return Err(SluiceError::Parse(format!("operator `{other}` is not supported (in `{ast}`)")))
            }
        },
        A::Cast { kind, expr, data_type, format } => {
            if format.is_some() {
                return Err(unsupported("CAST ... FORMAT clauses", ast));
            }
            let ty = sql_type(data_type)?;
            match kind {
                ast::CastKind::Cast | ast::CastKind::DoubleColon => Expr::Cast(boxed(expr)?, ty),
                ast::CastKind::TryCast | ast::CastKind::SafeCast => {
                    func("try_cast", vec![convert_expr(expr)?, Expr::Literal(Value::string(&ty.sql_name()))])
                }
            }
        }
        A::TypedString(ts) if matches!(ts.data_type, ast::DataType::Time(..)) => {
            Expr::Literal(time_literal(&ts.value.value)?)
        }
        A::TypedString(ts) => {
            let ty = sql_type(&ts.data_type)?;
            let value = literal(&ts.value.value, false)?;
            // `DATE '..'` and `TIMESTAMP '..'` must read whole, whatever the session zone.
            if let (Value::String(text), DataType::Date | DataType::Timestamp) = (&value, &ty) {
                if crate::eval::cast_value(&value, &ty).is_err() {
                    return Err(SluiceError::analysis(format!(
                        "[INVALID_TYPED_LITERAL] The value of the typed literal \"{}\" is invalid: '{text}'.",
                        ty.sql_name().to_ascii_uppercase()
                    )));
                }
            }
            Expr::Cast(Box::new(Expr::Literal(value)), ty)
        }
        A::Ceil { expr, field } | A::Floor { expr, field } => {
            let name = if matches!(ast, A::Ceil { .. }) { "ceil" } else { "floor" };
            match field {
                ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime) => {
                    func(name, vec![convert_expr(expr)?])
                }
                ast::CeilFloorKind::Scale(scale) => {
                    func(name, vec![convert_expr(expr)?, Expr::Literal(literal(&scale.value, false)?)])
                }
                _ => return Err(unsupported("CEIL/FLOOR to date-time fields", ast)),
            }
        }
        A::Position { expr, r#in } => func("position", vec![convert_expr(expr)?, convert_expr(r#in)?]),
        A::Substring { expr, substring_from, substring_for, .. } => {
            let mut args = vec![convert_expr(expr)?];
            match substring_from {
                Some(from) => args.push(convert_expr(from)?),
                None => args.push(Expr::Literal(Value::Int(1))),
            }
            if let Some(len) = substring_for {
                args.push(convert_expr(len)?);
            }
            func("substring", args)
        }
        A::Trim { trim_where, trim_what, expr, trim_characters } => {
            let name = match trim_where {
                None | Some(ast::TrimWhereField::Both) => "trim",
                Some(ast::TrimWhereField::Leading) => "ltrim",
                Some(ast::TrimWhereField::Trailing) => "rtrim",
            };
            let mut args = vec![convert_expr(expr)?];
            if let Some(what) = trim_what {
                args.push(convert_expr(what)?);
            } else if let Some(chars) = trim_characters {
                for c in chars {
                    args.push(convert_expr(c)?);
                }
            }
            func(name, args)
        }
        A::Function(f) => function(f, ast)?,
        A::Lambda(l) => {
            let params = match &l.params {
                ast::OneOrManyWithParens::One(p) => vec![p],
                ast::OneOrManyWithParens::Many(ps) => ps.iter().collect(),
            };
            if params.iter().any(|p| p.data_type.is_some()) {
                return Err(SluiceError::Parse(format!("a lambda's parameters take no types (in `{ast}`)")));
            }
            Expr::Lambda {
                params: params.iter().map(|p| p.name.value.clone()).collect(),
                body: boxed(&l.body)?,
            }
        }
        A::Case { operand, conditions, else_result, .. } => Expr::Case {
            operand: operand.as_deref().map(boxed).transpose()?,
            branches: conditions
                .iter()
                .map(|w| Ok((convert_expr(&w.condition)?, convert_expr(&w.result)?)))
                .collect::<Result<_>>()?,
            else_expr: else_result.as_deref().map(boxed).transpose()?,
        },
        A::Wildcard(_) => Expr::Star(None),
        A::QualifiedWildcard(name, _) => Expr::Star(Some(name.to_string())),
        A::Interval(iv) => interval_literal(iv, ast)?,
        // An uncorrelated subquery is run once, while the query is planned.
        A::Subquery(q) => {
            let (types, rows) = run_subquery(q, ast)?;
            if types.len() != 1 {
                return Err(SluiceError::analysis(format!(
                    "[INVALID_SUBQUERY_EXPRESSION.SCALAR_SUBQUERY_RETURN_MORE_THAN_ONE_OUTPUT_COLUMN] The scalar subquery `{ast}` returns {} columns; it must return one.",
                    types.len()
                )));
            }
            let t = types.into_iter().next().unwrap_or(DataType::Null);
            match rows.as_slice() {
                [] => Expr::Cast(Box::new(Expr::Literal(Value::Null)), t),
                [row] => Expr::Cast(Box::new(Expr::Literal(row.first().cloned().unwrap_or_default())), t),
                _ => {
                    return Err(SluiceError::exec(
                        "[SCALAR_SUBQUERY_TOO_MANY_ROWS] More than one row returned by a subquery used as an expression.",
                    ))
                }
            }
        }
        A::Exists { subquery, negated } => {
            let (_, rows) = run_subquery(subquery, ast)?;
            Expr::Literal(Value::Boolean(rows.is_empty() == *negated))
        }
        // Spark reads `(a, b)` as a struct of the two.
        A::Tuple(items) => Expr::Function {
            name: "struct".into(),
            args: items.iter().map(convert_expr).collect::<Result<_>>()?,
            distinct: false,
        },
        _ => return Err(unsupported("expressions of this kind", ast)),
    })
}

fn unit_of_field(field: &ast::DateTimeField) -> Option<IntervalUnit> {
    IntervalUnit::parse(&field.to_string())
}

/// An interval literal as a day-time interval value (microseconds).
fn interval_literal(iv: &ast::Interval, ast: &ast::Expr) -> Result<Expr> {
    let text = match iv.value.as_ref() {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => Some(n.clone()),
            other => other.clone().into_string(),
        },
        _ => None,
    }
    .ok_or_else(|| unsupported("INTERVAL values other than literals", ast))?;
    let bad = |why: String| SluiceError::Parse(format!("invalid interval `{ast}`: {why}"));
    let year_month = |months: i64, start: YmField, end: YmField| -> Result<Expr> {
        let months =
            i32::try_from(months).map_err(|_| bad("beyond the range of a year-month interval".into()))?;
        Ok(Expr::Literal(Value::YearMonth(YearMonth { months, start, end })))
    };
    let micros = match (&iv.leading_field, &iv.last_field) {
        (None, _) => {
            let (months, micros) = parse_interval_parts(&text).map_err(bad)?;
            let words: Vec<String> = text
                .split_whitespace()
                .map(|w| w.to_ascii_lowercase().trim_end_matches('s').to_string())
                .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()) && !w.is_empty())
                .collect();
            let (year, month) = (words.iter().any(|w| w == "year"), words.iter().any(|w| w == "month"));
            let day_time = words.iter().any(|w| w != "year" && w != "month");
            match (year || month, day_time) {
                (false, _) => {
                    // Typed from its largest unit to its smallest (`interval 2 second` is an
                    // `interval second`, `1 hour 30 minutes` an `interval hour to minute`).
                    let fields: Vec<crate::types::DtField> = words
                        .iter()
                        .filter_map(|w| IntervalUnit::parse(w).and_then(IntervalUnit::day_time_field))
                        .collect();
                    if let (Some(start), Some(end)) = (fields.iter().min(), fields.iter().max()) {
                        return Ok(Expr::Literal(Value::day_time(micros, *start, *end)));
                    }
                    micros
                }
                (true, false) => {
                    let start = if year { YmField::Year } else { YmField::Month };
                    let end = if month { YmField::Month } else { YmField::Year };
                    return year_month(months, start, end);
                }
                (true, true) => {
                    return Err(SluiceError::Parse(format!(
                        "Cannot mix year-month and day-time fields: interval {text}."
                    )))
                }
            }
        }
        (Some(from), last) => {
            let from = unit_of_field(from).ok_or_else(|| unsupported("interval fields of this kind", ast))?;
            let to = match last {
                Some(f) => {
                    unit_of_field(f).ok_or_else(|| unsupported("interval fields of this kind", ast))?
                }
                None => from,
            };
            let ym_field = |u: IntervalUnit| match u {
                IntervalUnit::Year => Some(YmField::Year),
                IntervalUnit::Month => Some(YmField::Month),
                _ => None,
            };
            if let (Some(start), Some(end)) = (ym_field(from), ym_field(to)) {
                // `'1-2' YEAR TO MONTH`, `'3' YEAR`, `'-10' MONTH`.
                let t = text.trim();
                let (negative, body) = match t.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, t.strip_prefix('+').unwrap_or(t)),
                };
                let n = |s: &str| s.trim().parse::<i64>().ok();
                let months = match (start, end) {
                    (YmField::Year, YmField::Month) => {
                        body.split_once('-').and_then(|(y, m)| Some(n(y)? * 12 + n(m).filter(|m| *m < 12)?))
                    }
                    (YmField::Year, _) => n(body).map(|y| y * 12),
                    (YmField::Month, _) => n(body),
                }
                .ok_or_else(|| bad(format!("'{text}' does not match the form of {from:?} TO {to:?}")))?;
                return year_month(if negative { -months } else { months }, start, end);
            }
            if from.micros().is_none() || to.micros().is_none() {
                return Err(SluiceError::Parse(format!("Cannot mix year-month and day-time fields: {ast}.")));
            }
            let micros = if last.is_none() {
                // A single field: `'30' MINUTE` is `30 minutes`.
                parse_interval_parts(&format!("{text} {from:?}")).map_err(bad)?.1
            } else {
                parse_ansi_day_time(&text, from, to)
                    .ok_or_else(|| bad(format!("'{text}' does not match the form of {from:?} TO {to:?}")))?
            };
            if let (Some(start), Some(end)) = (from.day_time_field(), to.day_time_field()) {
                return Ok(Expr::Literal(Value::day_time(micros, start, end)));
            }
            micros
        }
    };
    Ok(Expr::Literal(Value::Interval(micros)))
}

/// An unquoted identifier may be a Spark typed numeric literal (`10L`, `2S`, `1Y`, `1.5D`);
/// Hive's tokenizer reads those as names because identifiers may start with digits.
fn identifier(ident: &ast::Ident) -> Expr {
    if ident.quote_style == Some('"') {
        return Expr::Literal(Value::string(&ident.value));
    }
    if ident.quote_style.is_none() {
        if let Some(e) = typed_number(&ident.value) {
            return e;
        }
    }
    Expr::Column(vec![ident.value.clone()])
}

fn typed_number(text: &str) -> Option<Expr> {
    let upper = text.to_ascii_uppercase();
    let (digits, suffix) = upper.split_at(upper.find(|c: char| c.is_ascii_alphabetic())?);
    let unsigned = digits.strip_prefix('-').unwrap_or(digits);
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let narrow = |t: DataType| {
        let range = t.narrow_range()?;
        Some(match digits.parse::<i32>() {
            Ok(n) if range.contains(&n) => Expr::TypedLiteral(Value::Int(n), t),
            _ => Expr::Invalid(format!(
                "[INVALID_NUMERIC_LITERAL_RANGE] Numeric literal {digits} is outside the valid range for {} with minimum value of {} and maximum value of {}. Please adjust the value accordingly. SQLSTATE: 22003",
                t.sql_name(),
                range.start(),
                range.end()
            )),
        })
    };
    match suffix {
        "L" => digits.parse::<i64>().ok().map(|n| Expr::Literal(Value::Long(n))),
        "S" => narrow(DataType::Short),
        "Y" => narrow(DataType::Byte),
        "D" | "F" => digits.parse::<f64>().ok().map(|d| Expr::Literal(Value::double(d))),
        "BD" => crate::decimal::Decimal::parse(digits).map(|d| Expr::Literal(Value::Decimal(d))),
        _ => None,
    }
}

fn literal(v: &ast::Value, negate: bool) -> Result<Value> {
    Ok(match v {
        ast::Value::Number(text, long) => {
            let text = if negate { format!("-{text}") } else { text.clone() };
            let is_integral = !text.contains(['.', 'e', 'E']);
            if *long {
                Value::Long(
                    text.parse().map_err(|_| SluiceError::Parse(format!("bad BIGINT literal `{text}L`")))?,
                )
            } else if is_integral {
                match text.parse::<i64>() {
                    Ok(n) => i32::try_from(n).map(Value::Int).unwrap_or(Value::Long(n)),
                    // Beyond BIGINT, a decimal of up to 38 digits, as Spark's.
                    Err(_) => match crate::decimal::Decimal::parse(&text) {
                        Some(d) => Value::Decimal(d),
                        None => {
                            return Err(SluiceError::Parse(format!(
                                "[INVALID_NUMERIC_LITERAL_RANGE] Numeric literal {text} is outside the valid range for decimal with maximum precision 38"
                            )))
                        }
                    },
                }
            } else if text.contains(['e', 'E']) {
                // `1e3`, `1.5E-2`: Spark's double literals.
                Value::double(text.parse().map_err(|_| SluiceError::Parse(format!("bad number `{text}`")))?)
            } else {
                // `1.50` is decimal(3,2), as in Spark.
                Value::Decimal(crate::decimal::Decimal::parse(&text).ok_or_else(|| {
                    SluiceError::Parse(format!(
                        "[INVALID_NUMERIC_LITERAL_RANGE] Numeric literal {text} is outside the valid range for decimal with maximum precision 38"
                    ))
                })?)
            }
        }
        ast::Value::Boolean(b) => Value::Boolean(*b),
        // X'1F2E': the bytes the hex digits spell (an odd count starts with a 0 nibble).
        ast::Value::HexStringLiteral(hex) => Value::Binary(
            crate::eval::hex_bytes(hex)
                .ok_or_else(|| {
                    SluiceError::Parse(format!(
                        "[INVALID_SQL_SYNTAX] X'{hex}' is not a binary literal: hex digits only"
                    ))
                })?
                .into(),
        ),
        ast::Value::Null => Value::Null,
        other => match other.clone().into_string() {
            Some(s) => Value::String(s.into()),
            None => return Err(SluiceError::Parse(format!("unsupported literal `{other}`"))),
        },
    })
}

fn sql_type(dt: &ast::DataType) -> Result<DataType> {
    let text = dt.to_string();
    // Spark 4.3 reads TIME literals but not the type's name in SQL (`spark.sql.timeType.enabled`).
    if matches!(dt, ast::DataType::Time(..)) {
        return Err(SluiceError::analysis("[UNSUPPORTED_TIME_TYPE] The data type TIME is not supported."));
    }
    // `interval year to month` reaches here quoted (`interval_cast_types`).
    DataType::parse(text.trim_matches('`'))
        .ok_or_else(|| SluiceError::Parse(format!("[UNSUPPORTED_DATATYPE] Unsupported data type \"{text}\"")))
}

/// Runs an uncorrelated subquery of an expression (`x IN (SELECT ..)`, `(SELECT max(..) ..)`,
/// `EXISTS (SELECT ..)`) as a batch query: its columns' types and its rows. The planner of
/// `SELECT` statements, which has the session's tables, sets one around planning
/// ([`with_subquery_runner`]); elsewhere (`expr("..")`) a subquery is refused.
pub type SubqueryRunner = std::rc::Rc<dyn Fn(&ast::Query) -> Result<(Vec<DataType>, Vec<crate::types::Row>)>>;

thread_local! {
    static SUBQUERY_RUNNER: std::cell::RefCell<Option<SubqueryRunner>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with `runner` answering the subqueries of the expressions it converts.
pub fn with_subquery_runner<R>(runner: SubqueryRunner, f: impl FnOnce() -> R) -> R {
    let previous = SUBQUERY_RUNNER.with(|r| r.replace(Some(runner)));
    let out = f();
    SUBQUERY_RUNNER.with(|r| *r.borrow_mut() = previous);
    out
}

fn run_subquery(q: &ast::Query, ast: &ast::Expr) -> Result<(Vec<DataType>, Vec<crate::types::Row>)> {
    let runner = SUBQUERY_RUNNER.with(|r| r.borrow().clone());
    match runner {
        Some(run) => run(q),
        None => Err(unsupported("subqueries outside a SQL query", ast)),
    }
}

/// The values of a subquery of one column (`x IN (SELECT c ..)`).
fn subquery_column(q: &ast::Query, ast: &ast::Expr) -> Result<Vec<Value>> {
    let (types, rows) = run_subquery(q, ast)?;
    if types.len() != 1 {
        return Err(SluiceError::analysis(format!(
            "[DATATYPE_MISMATCH.IN_SUBQUERY_LENGTH_MISMATCH] Cannot resolve \"{ast}\" due to data type mismatch: The number of columns in the left hand side of an IN subquery does not match the number of columns in the output of subquery. Left hand side columns(length: 1), right hand side columns(length: {}).",
            types.len()
        )));
    }
    Ok(rows.into_iter().map(|mut r| r.pop().unwrap_or_default()).collect())
}

/// `TIME '12:34:56.5'`: nanoseconds since midnight, with Spark's errors for a text that is
/// no time of day and for more than nine fraction digits.
fn time_literal(value: &ast::Value) -> Result<Value> {
    let text = match value {
        ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s,
        other => return Err(SluiceError::Parse(format!("a TIME literal is a quoted string, not {other}"))),
    };
    match crate::time::parse_time(text) {
        Ok((nanos, _)) => Ok(Value::Time(nanos)),
        Err(crate::time::TimeParseError::Precision) => Err(SluiceError::analysis(format!(
            "[INVALID_TIME_LITERAL_PRECISION] The time literal '{text}' has more than 9 fractional-second \
             digits. The maximum supported fractional-second precision of a time literal is 9 (nanoseconds)."
        ))),
        Err(crate::time::TimeParseError::Invalid) => Err(SluiceError::analysis(format!(
            "[INVALID_TYPED_LITERAL] The value of the typed literal \"TIME\" is invalid: '{text}'."
        ))),
    }
}

/// `OVER (PARTITION BY .. ORDER BY .. frame)`: Spark's default order is ascending with
/// nulls first (descending, nulls last); frames are `ROWS` or `RANGE` between literal bounds.
fn window_over(spec: &ast::WindowSpec, ast: &ast::Expr) -> Result<crate::expr::Over> {
    use crate::expr::FrameBound as B;
    let partition_by = spec.partition_by.iter().map(convert_expr).collect::<Result<Vec<_>>>()?;
    let mut order_by = Vec::new();
    for k in &spec.order_by {
        let asc = !matches!(k.options.sort, Some(ast::OrderBySort::Desc));
        order_by.push((convert_expr(&k.expr)?, asc, k.options.nulls_first.unwrap_or(asc)));
    }
    let bound = |b: &ast::WindowFrameBound| -> Result<B> {
        let n = |e: &ast::Expr| -> Result<i64> {
            match convert_expr(e)? {
                Expr::Literal(v) if v.as_i64().is_some_and(|n| n >= 0) => Ok(v.as_i64().unwrap_or(0)),
                _ => Err(unsupported("window frame bounds other than non-negative integers", ast)),
            }
        };
        Ok(match b {
            ast::WindowFrameBound::CurrentRow => B::CurrentRow,
            ast::WindowFrameBound::Preceding(None) => B::UnboundedPreceding,
            ast::WindowFrameBound::Following(None) => B::UnboundedFollowing,
            ast::WindowFrameBound::Preceding(Some(e)) => B::Preceding(n(e)?),
            ast::WindowFrameBound::Following(Some(e)) => B::Following(n(e)?),
        })
    };
    let frame = match &spec.window_frame {
        None => None,
        Some(f) => {
            let rows = match f.units {
                ast::WindowFrameUnits::Rows => true,
                ast::WindowFrameUnits::Range => false,
                ast::WindowFrameUnits::Groups => return Err(unsupported("GROUPS window frames", ast)),
            };
            let start = bound(&f.start_bound)?;
            let end = f.end_bound.as_ref().map(bound).transpose()?.unwrap_or(B::CurrentRow);
            Some(crate::expr::Frame { rows, start, end })
        }
    };
    Ok(crate::expr::Over { partition_by, order_by, frame })
}

fn function(f: &ast::Function, ast: &ast::Expr) -> Result<Expr> {
    if let Some(over) = &f.over {
        let ast::WindowType::WindowSpec(spec) = over else {
            return Err(unsupported("named windows (WINDOW w AS ..)", ast));
        };
        let call = ast::Function { over: None, ..f.clone() };
        let func = function(&call, ast)?;
        return Ok(Expr::Over { func: Box::new(func), over: Box::new(window_over(spec, ast)?) });
    }
    if !f.within_group.is_empty() {
        return Err(unsupported("aggregate WITHIN GROUP clauses", ast));
    }
    let name = match f.name.0.last() {
        Some(ast::ObjectNamePart::Identifier(id)) => id.value.to_ascii_lowercase(),
        _ => return Err(unsupported("function names of this form", ast)),
    };
    let (args, distinct) = match &f.args {
        // `current_date` without parentheses names a column of that name first (the binder
        // falls back to the function).
        ast::FunctionArguments::None if BARE_FUNCTIONS.contains(&name.as_str()) => {
            return Ok(Expr::Column(vec![name]));
        }
        ast::FunctionArguments::None => (Vec::new(), false),
        ast::FunctionArguments::Subquery(_) => return Err(unsupported("subqueries", ast)),
        ast::FunctionArguments::List(list) => {
            if !list.clauses.is_empty() {
                return Err(unsupported("clauses inside function arguments", ast));
            }
            let distinct = matches!(list.duplicate_treatment, Some(ast::DuplicateTreatment::Distinct));
            let mut args = Vec::with_capacity(list.args.len());
            for arg in &list.args {
                args.push(match arg {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => convert_expr(e)?,
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => Expr::Star(None),
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::QualifiedWildcard(q)) => {
                        Expr::Star(Some(q.to_string()))
                    }
                    _ => return Err(unsupported("named function arguments", ast)),
                });
            }
            (args, distinct)
        }
    };
    // Spark's `to_char`/`to_varchar` of a date or timestamp is `date_format`, and named so;
    // of a number (the inverse of `to_number`) it is not supported yet.
    // `dateadd`/`date_add` and `datediff`/`date_diff` with a unit first are Spark's
    // `timestampadd` and `timestampdiff`.
    // `decode(expr, search, result, .., default)` with three arguments or more is SQL's
    // DECODE: the first result whose search equals expr, NULL matching NULL.
    if name == "decode" && args.len() >= 3 {
        let mut rest = args[1..].chunks_exact(2);
        let branches = rest
            .by_ref()
            .map(|p| (binary(BinaryOp::EqNullSafe, args[0].clone(), p[0].clone()), p[1].clone()))
            .collect();
        let else_expr = rest.remainder().first().cloned().map(Box::new);
        return Ok(Expr::Case { operand: None, branches, else_expr });
    }
    // Spark's type-named casts: `double(x)` is `CAST(x AS DOUBLE)`.
    if let ([arg], Some(ty)) = (args.as_slice(), type_named_cast(&name)) {
        return Ok(Expr::Cast(Box::new(arg.clone()), ty));
    }
    let name = match (name.as_str(), args.len()) {
        ("to_char" | "to_varchar", _) => "date_format".to_string(),
        ("dateadd" | "date_add", 3) => "timestampadd".to_string(),
        ("datediff" | "date_diff", 3) => "timestampdiff".to_string(),
        ("date_diff", _) => "datediff".to_string(),
        ("dateadd", _) => "date_add".to_string(),
        _ => name,
    };
    match &f.filter {
        None => Ok(Expr::Function { name, args, distinct }),
        Some(condition) => filtered_aggregate(name, args, distinct, convert_expr(condition)?, ast),
    }
}

/// Functions Spark calls without parentheses, which a column of the same name shadows.
pub const BARE_FUNCTIONS: &[&str] =
    &["current_date", "current_timestamp", "current_user", "user", "session_user"];

/// The type a type-named cast function (`int(x)`, `double(x)`, `date(x)`, ..) casts to.
fn type_named_cast(name: &str) -> Option<DataType> {
    match name {
        "boolean" | "tinyint" | "smallint" | "int" | "bigint" | "float" | "double" | "decimal" | "date"
        | "timestamp" | "string" | "binary" => DataType::parse(name),
        _ => None,
    }
}

/// The function that marks the condition of an aggregate's FILTER clause (see
/// [`filtered_aggregate`]); it binds to its boolean argument.
pub const AGGREGATE_FILTER: &str = "__aggregate_filter";

/// `agg(x) FILTER (WHERE c)` as `agg(CASE WHEN c THEN x END)`: the aggregates that skip NULLs
/// then see only the rows where `c` holds (`count(*)` counts `CASE WHEN c THEN 1 END`). The
/// aggregate Sluice has skips NULLs (its `first`/`last` too).
fn filtered_aggregate(
    name: String,
    args: Vec<Expr>,
    distinct: bool,
    condition: Expr,
    ast: &ast::Expr,
) -> Result<Expr> {
    if crate::expr::AggFunc::from_name(&name).is_none() {
        return Err(SluiceError::Analysis(format!(
            "[INVALID_SQL_SYNTAX.FUNCTION_WITH_UNSUPPORTED_SYNTAX] The function `{name}` does not support FILTER (in `{ast}`)."
        )));
    }
    if condition.contains_aggregate() {
        return Err(SluiceError::Analysis(format!(
            "[INVALID_AGGREGATE_FILTER.CONTAINS_AGGREGATE] The FILTER expression \"{}\" in an aggregate function is invalid. Expected a FILTER expression without an aggregation, but found \"{ast}\".",
            condition.sql_name()
        )));
    }
    // The marker checks the condition is a boolean and names the column as Spark does.
    let condition = Expr::Function { name: AGGREGATE_FILTER.into(), args: vec![condition], distinct: false };
    let when = |value: Expr| Expr::Case {
        operand: None,
        branches: vec![(condition.clone(), value)],
        else_expr: None,
    };
    let args = match args.as_slice() {
        [] | [Expr::Star(None)] => vec![when(Expr::Literal(Value::Int(1)))],
        _ => args.into_iter().map(when).collect(),
    };
    Ok(Expr::Function { name, args, distinct })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exists_calls_and_views_of_inline_tables_become_text_sqlparser_reads() {
        assert_eq!(spark_text("SELECT exists(xs, x -> x > 1)"), "SELECT `exists`(xs, x -> x > 1)");
        assert_eq!(
            spark_text("SELECT 1 WHERE NOT EXISTS (SELECT 1)"),
            "SELECT 1 WHERE NOT EXISTS (SELECT 1)"
        );
        assert_eq!(spark_text("SELECT EXISTS ((SELECT 1))"), "SELECT EXISTS ((SELECT 1))");
        assert_eq!(
            spark_text("CREATE VIEW v AS VALUES (1, 'a'), (2, 'b') AS t(x, s)"),
            "CREATE VIEW v AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(x, s)"
        );
        // Without an alias the view's VALUES is left to the parser as it is.
        assert_eq!(spark_text("CREATE VIEW v AS VALUES (1)"), "CREATE VIEW v AS VALUES (1)");
    }

    #[test]
    fn typed_number_suffixes_become_literals_sqlparser_reads() {
        assert_eq!(
            typed_number_literals("select 5e36BD + 0.1"),
            format!("select 5{}. + 0.1", "0".repeat(36))
        );
        assert_eq!(typed_number_literals("select 1.5e-2bd, 1e2D"), "select 0.015, 1e2");
        assert_eq!(
            typed_number_literals("select timestamp_ltz'2023-08-18 09:13:14Z'"),
            "select TIMESTAMP'2023-08-18 09:13:14Z'"
        );
        // Without an exponent they are one word, which `identifier` reads.
        for (text, want) in
            [("1.5BD", "decimal(2,1)"), ("10BD", "decimal(2,0)"), ("1.5D", "double"), ("2L", "bigint")]
        {
            let Expr::Literal(v) = parse_expr(text).unwrap() else { panic!("{text} is no literal") };
            assert_eq!(v.data_type().sql_name(), want, "{text}");
        }
        // A suffix apart from its number is an alias, and quoted text is left alone.
        assert_eq!(typed_number_literals("select 1.5 BD, '1.5BD'"), "select 1.5 BD, '1.5BD'");
        let expr = parse_expr("1.5BD * 2").unwrap();
        assert!(
            matches!(expr, Expr::Binary { ref left, .. } if matches!(**left, Expr::Literal(Value::Decimal(_))))
        );
    }

    fn c(name: &str) -> Expr {
        Expr::Column(vec![name.to_string()])
    }
    fn l(v: impl Into<Value>) -> Expr {
        Expr::Literal(v.into())
    }
    fn b(op: BinaryOp, left: Expr, right: Expr) -> Expr {
        binary(op, left, right)
    }

    #[test]
    fn sql_text_converts_to_the_expected_tree() {
        let cases: Vec<(&str, Expr)> = vec![
            ("a", c("a")),
            ("`my col`", c("my col")),
            ("t.a", Expr::Column(vec!["t".into(), "a".into()])),
            ("window.start", Expr::Column(vec!["window".into(), "start".into()])),
            ("1", l(1)),
            ("3000000000", l(3_000_000_000i64)),
            ("-2147483648", l(i32::MIN)),
            ("1.5", Expr::Literal(Value::Decimal(crate::decimal::Decimal::new(15, 1)))),
            ("1.5D", l(1.5)),
            ("1e9", l(1e9)),
            (
                "12345678901234567890",
                Expr::Literal(Value::Decimal(crate::decimal::Decimal::new(12345678901234567890, 0))),
            ),
            ("10L", l(10i64)),
            ("-9223372036854775808L", l(i64::MIN)),
            ("'it''s'", l("it's")),
            ("\"dq\"", l("dq")),
            ("'a\\tb'", l("a\tb")),
            ("'a\\_b'", l("a\\_b")),
            ("TRUE", l(true)),
            ("NULL", Expr::Literal(Value::Null)),
            ("a + 1 * 2", b(BinaryOp::Plus, c("a"), b(BinaryOp::Multiply, l(1), l(2)))),
            ("(a + 1) * 2", b(BinaryOp::Multiply, b(BinaryOp::Plus, c("a"), l(1)), l(2))),
            ("7 div 2", b(BinaryOp::IntDivide, l(7), l(2))),
            ("a % 2", b(BinaryOp::Modulo, c("a"), l(2))),
            ("-a", Expr::Negate(Box::new(c("a")))),
            ("a == 1", b(BinaryOp::Eq, c("a"), l(1))),
            ("a <=> b", b(BinaryOp::EqNullSafe, c("a"), c("b"))),
            ("a <> 1", b(BinaryOp::NotEq, c("a"), l(1))),
            ("a != 1", b(BinaryOp::NotEq, c("a"), l(1))),
            (
                "a AND NOT b OR c",
                b(BinaryOp::Or, b(BinaryOp::And, c("a"), Expr::Not(Box::new(c("b")))), c("c")),
            ),
            ("a || 'x'", b(BinaryOp::Concat, c("a"), l("x"))),
            ("x IS NULL", Expr::IsNull(Box::new(c("x")))),
            ("x IS NOT NULL", Expr::IsNotNull(Box::new(c("x")))),
            ("x IS TRUE", b(BinaryOp::EqNullSafe, c("x"), l(true))),
            (
                "gt NOT LIKE '%s%'",
                Expr::Like {
                    expr: Box::new(c("gt")),
                    pattern: Box::new(l("%s%")),
                    negated: true,
                    case_insensitive: false,
                },
            ),
            (
                "gt ILIKE 'S%'",
                Expr::Like {
                    expr: Box::new(c("gt")),
                    pattern: Box::new(l("S%")),
                    negated: false,
                    case_insensitive: true,
                },
            ),
            (
                "gt RLIKE 'a+'",
                Expr::RLike { expr: Box::new(c("gt")), pattern: Box::new(l("a+")), negated: false },
            ),
            (
                "gt REGEXP 'a+'",
                Expr::RLike { expr: Box::new(c("gt")), pattern: Box::new(l("a+")), negated: false },
            ),
            ("x IN (1, 2)", Expr::InList { expr: Box::new(c("x")), list: vec![l(1), l(2)], negated: false }),
            (
                "x NOT BETWEEN 1 AND 2",
                Expr::Between {
                    expr: Box::new(c("x")),
                    low: Box::new(l(1)),
                    high: Box::new(l(2)),
                    negated: true,
                },
            ),
            (
                "CASE x WHEN 1 THEN 'a' ELSE 'b' END",
                Expr::Case {
                    operand: Some(Box::new(c("x"))),
                    branches: vec![(l(1), l("a"))],
                    else_expr: Some(Box::new(l("b"))),
                },
            ),
            ("CAST(x AS BIGINT)", Expr::Cast(Box::new(c("x")), DataType::Long)),
            ("x::double", Expr::Cast(Box::new(c("x")), DataType::Double)),
            (
                "window(t, '1 hour').start",
                Expr::Field(Box::new(func("window", vec![c("t"), l("1 hour")])), "start".into()),
            ),
            ("s.a.b", Expr::Column(vec!["s".into(), "a".into(), "b".into()])),
            ("try_cast(x AS INT)", func("try_cast", vec![c("x"), l("int")])),
            ("count(*)", func("count", vec![Expr::Star(None)])),
            (
                "COUNT(DISTINCT x)",
                Expr::Function { name: "count".into(), args: vec![c("x")], distinct: true },
            ),
            ("struct(*)", func("struct", vec![Expr::Star(None)])),
            ("window(t, '10 minutes')", func("window", vec![c("t"), l("10 minutes")])),
            ("Lower(gt)", func("lower", vec![c("gt")])),
            ("substring(s, 2, 3)", func("substring", vec![c("s"), l(2), l(3)])),
            ("trim(s)", func("trim", vec![c("s")])),
            ("ceil(x)", func("ceil", vec![c("x")])),
        ];
        for (text, want) in cases {
            match parse_expr(text) {
                Ok(got) => assert_eq!(got, want, "parsing {text}"),
                Err(e) => panic!("parsing {text}: {e}"),
            }
        }
    }

    #[test]
    fn spark_interval_literals_parse_to_day_time_intervals() {
        let minute = 60_000_000i64;
        let cases: &[(&str, i64)] = &[
            ("INTERVAL 30 MINUTES", 30 * minute),
            ("INTERVAL 30 minute", 30 * minute),
            ("INTERVAL '30' MINUTE", 30 * minute),
            ("INTERVAL '10 minutes'", 10 * minute),
            ("INTERVAL 1 HOUR 30 MINUTES", 90 * minute),
            ("INTERVAL 1 DAY 2 HOURS", 26 * 60 * minute),
            ("INTERVAL -5 SECONDS", -5_000_000),
            ("INTERVAL 1.5 SECONDS", 1_500_000),
            ("INTERVAL 100 MILLISECONDS", 100_000),
            ("INTERVAL 2 WEEKS", 14 * 24 * 60 * minute),
            ("INTERVAL '1 10:30:00' DAY TO SECOND", (24 + 10) * 60 * minute + 30 * minute),
            ("INTERVAL '10:30' HOUR TO MINUTE", 630 * minute),
        ];
        for (text, want) in cases {
            match parse_expr(text) {
                Ok(Expr::Literal(v)) => assert_eq!(v.interval_micros(), Some(*want), "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        use crate::types::DtField::{Hour, Minute};
        let got = parse_expr("event_time - INTERVAL 30 MINUTES").unwrap();
        assert_eq!(got, b(BinaryOp::Minus, c("event_time"), l(Value::day_time(30 * minute, Minute, Minute))));
        let got = parse_expr("t + INTERVAL 1 HOUR - 5").unwrap();
        let hour = l(Value::day_time(60 * minute, Hour, Hour));
        assert_eq!(got, b(BinaryOp::Minus, b(BinaryOp::Plus, c("t"), hour), l(5)));
    }

    #[test]
    fn year_month_interval_literals_keep_their_fields() {
        use crate::types::{YearMonth, YmField::*};
        let ym = |months, start, end| Expr::Literal(Value::YearMonth(YearMonth { months, start, end }));
        for (text, want) in [
            ("INTERVAL 2 YEARS", ym(24, Year, Year)),
            ("INTERVAL 3 MONTH", ym(3, Month, Month)),
            ("INTERVAL 1 YEAR 2 MONTHS", ym(14, Year, Month)),
            ("INTERVAL '-1-2' YEAR TO MONTH", ym(-14, Year, Month)),
            ("INTERVAL '7' YEAR", ym(84, Year, Year)),
        ] {
            let got = parse_expr(text).unwrap();
            assert_eq!(got, want, "{text}");
            let Expr::Literal(Value::YearMonth(g)) = got else { unreachable!() };
            let Expr::Literal(Value::YearMonth(w)) = want else { unreachable!() };
            assert_eq!((g.start, g.end), (w.start, w.end), "{text}: fields");
        }
        assert!(parse_expr("INTERVAL '1-12' YEAR TO MONTH").is_err(), "a month field of 12");
    }

    #[test]
    fn bad_sql_is_a_parse_error_naming_the_text() {
        for text in [
            "a +",
            "a b",
            "x IN (SELECT 1)",
            "interval 3 month 1 hour",
            "INTERVAL 10 fortnights",
            "CAST(x AS wibble)",
            "sum(x) OVER (ORDER BY t GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW)",
        ] {
            match parse_expr(text) {
                Err(SluiceError::Parse(msg)) => assert!(msg.contains(text), "{text}: {msg}"),
                other => panic!("{text}: expected a parse error, got {other:?}"),
            }
        }
    }
}
