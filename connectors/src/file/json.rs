//! JSON lines: a single-pass scanner over one line's bytes that converts only the fields a
//! query needs and skips (while still validating) the rest, as Spark's Jackson parser does
//! with a pruned schema.
//!
//! Spark's defaults are followed: single-quoted strings and `NaN`/`Infinity` are allowed,
//! comments, unquoted names and leading zeros are not; a blank line is no record; a top-level
//! array of objects is one row per object; text after the first value is ignored. Values
//! follow `sluice_core::json_value`'s rules (exact key names, arrays, non-finite spellings,
//! epoch seconds), checked against it and Spark in `tests/json_rules.rs`.

use super::intern::Interner;
use super::values::{cannot_parse, parse_f64_ascii, parse_i64, TimeFormats};
use sluice_core::double_text::json_non_finite;
use sluice_core::json_value::timestamp_from_seconds;
use sluice_core::{DataType, Field, Row, Value};
use std::sync::Arc;

/// Deeper nesting is a malformed record rather than a stack overflow (Jackson's limit).
const MAX_DEPTH: u32 = 1000;

/// How the keys of one JSON object map to output slots.
#[derive(Clone, Debug)]
pub(crate) struct ObjectLayout {
    fields: Vec<JsonField>,
    width: usize,
}

#[derive(Clone, Debug)]
struct JsonField {
    name: Box<[u8]>,
    data_type: DataType,
    /// Where the value goes in the output, or `None` to skip it.
    slot: Option<usize>,
    nested: Option<ObjectLayout>,
    /// An array's element, read as a field of the element type.
    element: Option<Box<JsonField>>,
}

impl ObjectLayout {
    /// The root layout: every data column, with projected ones mapped to their output position.
    pub fn root(columns: &[Field], slots: &[Option<usize>], width: usize) -> ObjectLayout {
        let fields = columns.iter().zip(slots).map(|(f, s)| JsonField::new(f, *s)).collect();
        ObjectLayout { fields, width }
    }

    fn of_struct(fields: &[Field]) -> ObjectLayout {
        let fields: Vec<JsonField> =
            fields.iter().enumerate().map(|(i, f)| JsonField::new(f, Some(i))).collect();
        ObjectLayout { width: fields.len(), fields }
    }

    /// The field for `key`, by exact name as Spark's parser matches it (`I` is not `i`),
    /// trying the field after the last match first, since lines usually repeat one key order.
    #[inline]
    fn find(&self, key: &[u8], hint: &mut usize) -> Option<usize> {
        let n = self.fields.len();
        if *hint < n && same(&self.fields[*hint].name, key) {
            *hint += 1;
            return Some(*hint - 1);
        }
        let found = self.fields.iter().position(|f| same(&f.name, key))?;
        *hint = found + 1;
        Some(found)
    }
}

/// Byte equality inlined for short keys (a `memcmp` call costs more than the compare).
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

impl JsonField {
    fn new(f: &Field, slot: Option<usize>) -> JsonField {
        let nested = match &f.data_type {
            DataType::Struct(fields) => Some(ObjectLayout::of_struct(fields)),
            _ => None,
        };
        let element = match &f.data_type {
            DataType::Array(t) => {
                let item = Field { name: f.name.clone(), data_type: (**t).clone(), nullable: true };
                Some(Box::new(JsonField::new(&item, Some(0))))
            }
            _ => None,
        };
        JsonField { name: f.name.as_bytes().into(), data_type: f.data_type.clone(), slot, nested, element }
    }
}

/// Reusable buffers of one reader call.
#[derive(Default)]
pub(crate) struct Scratch {
    pub interner: Interner,
    /// How timestamp and date strings are read (`timestampFormat`, `dateFormat`).
    pub formats: Arc<TimeFormats>,
    unescaped: Vec<u8>,
    key: Vec<u8>,
}

/// One parsed row and, if some value did not fit its column, why.
pub(crate) type Parsed = (Row, Option<String>);

/// A filter the plan applies right above the source, run while a record is parsed: once
/// the columns it reads are parsed and it rejects them, the rest of the record is skipped
/// (Spark's JSON filter pushdown, `spark.sql.json.filterPushdown.enabled`). The plan still
/// applies the filter to the rows that pass, so skipping is only ever a shortcut:
/// - it runs only if it rejects a row of NULLs (a record whose tail is malformed would be
///   such a row under PERMISSIVE) and never under FAILFAST (`RecordReader::filtered`);
/// - it skips only when the rest of the record holds none of its column names in quotes and
///   no escape (a repeated key, even spelled with escapes, would replace a value it read);
/// - an error evaluating it parses the record whole, for the plan's filter to report.
///
/// What is lost is only the count of malformed records among the rejected ones.
#[derive(Debug)]
pub(crate) struct PushedFilter {
    predicate: sluice_core::eval::BoundExpr,
    /// The output slots the filter reads.
    slots: Vec<usize>,
    /// For each output slot, its bit among the filter's columns.
    bit_of_slot: Vec<Option<u8>>,
    /// Every bit of the filter's columns (0: it reads none).
    all: u64,
    /// The filter's column names in double and in single quotes, as a key spells them.
    names: Vec<memchr::memmem::Finder<'static>>,
}

impl PushedFilter {
    /// The filter over output `slots` named `names`, for rows `width` wide; `None` past 64
    /// columns.
    pub(crate) fn new(
        predicate: sluice_core::eval::BoundExpr,
        slots: &[usize],
        names: &[&str],
        width: usize,
    ) -> Option<PushedFilter> {
        if slots.len() > 64 {
            return None;
        }
        let mut bit_of_slot = vec![None; width];
        for (bit, &slot) in slots.iter().enumerate() {
            *bit_of_slot.get_mut(slot)? = Some(bit as u8);
        }
        let all = if slots.len() == 64 { u64::MAX } else { (1u64 << slots.len()) - 1 };
        let names = names
            .iter()
            .flat_map(|n| [format!("\"{n}\""), format!("'{n}'")])
            .map(|key| memchr::memmem::Finder::new(key.as_bytes()).into_owned())
            .collect();
        Some(PushedFilter { predicate, slots: slots.to_vec(), bit_of_slot, all, names })
    }

    /// The output slots the filter reads.
    pub(crate) fn slots(&self) -> &[usize] {
        &self.slots
    }

    /// True if the row (its filter columns read) fails the filter and the `rest` of the
    /// record cannot change them.
    #[inline]
    fn rejects(&self, row: &[Value], rest: &[u8]) -> bool {
        !matches!(self.predicate.eval(row), Ok(Value::Boolean(true)) | Err(_))
            && memchr::memchr(b'\\', rest).is_none()
            && self.names.iter().all(|n| n.find(rest).is_none())
    }
}

/// Parses one line into `out` (cleared first): nothing for a blank line, one row per object.
/// `Err` is a syntax error, which makes the whole line malformed.
///
/// With `filter`, a line holding one object stops being parsed once the filter's columns
/// are read and it rejects them: `Ok(true)` and no row (see [`PushedFilter`]).
pub(crate) fn parse_line(
    layout: &ObjectLayout,
    line: &[u8],
    scratch: &mut Scratch,
    out: &mut Vec<Parsed>,
    filter: Option<&PushedFilter>,
) -> Result<bool, String> {
    out.clear();
    let mut c = Cur { b: line, i: 0 };
    c.ws();
    match c.peek() {
        None => Ok(false),
        Some(b'{') => {
            let mut row = vec![Value::Null; layout.width];
            let mut bad = None;
            let mut early = filter.map(|f| (f, 0u64));
            if c.object(layout, &mut row, scratch, 0, &mut bad, early.as_mut())? {
                return Ok(true);
            }
            out.push((row, bad));
            Ok(false)
        }
        Some(b'[') => {
            c.i += 1;
            c.ws();
            if c.peek() == Some(b']') {
                return Ok(false);
            }
            loop {
                c.ws();
                if c.peek() != Some(b'{') {
                    return Err(c.unexpected("a JSON object as array element"));
                }
                let mut row = vec![Value::Null; layout.width];
                let mut bad = None;
                c.object(layout, &mut row, scratch, 1, &mut bad, None)?;
                out.push((row, bad));
                c.ws();
                match c.next() {
                    Some(b',') => continue,
                    Some(b']') => return Ok(false),
                    _ => return Err(c.unexpected_prev("',' or ']'")),
                }
            }
        }
        Some(_) => Err(c.unexpected("a JSON object")),
    }
}

/// A string token: its bytes between the quotes, still escaped if `escaped`.
struct Str<'a> {
    raw: &'a [u8],
    escaped: bool,
}

/// A number token's kind.
enum Num {
    Int,
    Float,
    NonFinite(f64),
}

struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        self.i += 1;
        c
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn unexpected(&self, wanted: &str) -> String {
        match self.b.get(self.i) {
            None => format!("unexpected end of record, expected {wanted}"),
            Some(&c) => {
                format!(
                    "unexpected character '{}' at column {}, expected {wanted}",
                    c.escape_ascii(),
                    self.i + 1
                )
            }
        }
    }

    /// As `unexpected`, for the character just consumed by `next`.
    fn unexpected_prev(&mut self, wanted: &str) -> String {
        self.i -= 1;
        self.unexpected(wanted)
    }

    fn string(&mut self) -> Result<Str<'a>, String> {
        let q = self.b[self.i];
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            // Most strings are short: a plain loop beats memchr's setup; long ones go to memchr.
            let rest = &self.b[self.i..];
            let head = rest.len().min(24);
            let mut j = 0;
            while j < head && rest[j] != q && rest[j] != b'\\' {
                j += 1;
            }
            let found = if j < head {
                Some(j)
            } else if rest.len() <= 24 {
                None
            } else {
                memchr::memchr2(q, b'\\', &rest[24..]).map(|p| p + 24)
            };
            let Some(p) = found else {
                self.i = self.b.len();
                return Err("unterminated string".into());
            };
            let at = self.i + p;
            if self.b[at] == q {
                self.i = at + 1;
                return Ok(Str { raw: &self.b[start..at], escaped });
            }
            escaped = true;
            match self.b.get(at + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' | b'\'') => self.i = at + 2,
                Some(b'u')
                    if self.b.len() >= at + 6 && self.b[at + 2..at + 6].iter().all(u8::is_ascii_hexdigit) =>
                {
                    self.i = at + 6
                }
                _ => {
                    self.i = at;
                    return Err(format!("invalid escape sequence at column {}", at + 1));
                }
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), String> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(self.unexpected("a JSON value"))
        }
    }

    fn number(&mut self) -> Result<(Num, &'a [u8]), String> {
        let b = self.b;
        let start = self.i;
        let mut i = start;
        let sign = matches!(b[i], b'-' | b'+');
        if sign {
            i += 1;
        }
        let non_finite = |i: usize, word: &[u8]| b[i..].starts_with(word);
        match b.get(i) {
            Some(b'0'..=b'9') if b[start] != b'+' => {}
            Some(b'I') => {
                let len = if non_finite(i, b"Infinity") {
                    8
                } else if non_finite(i, b"INF") {
                    3
                } else {
                    return Err(self.unexpected("a JSON value"));
                };
                self.i = i + len;
                let v = if b[start] == b'-' { f64::NEG_INFINITY } else { f64::INFINITY };
                return Ok((Num::NonFinite(v), &b[start..self.i]));
            }
            Some(b'N') if !sign && non_finite(i, b"NaN") => {
                self.i = i + 3;
                return Ok((Num::NonFinite(f64::NAN), &b[start..self.i]));
            }
            _ => return Err(self.unexpected("a JSON value")),
        }
        let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
        if b[i] == b'0' {
            i += 1;
            if digit(i) {
                self.i = i;
                return Err(format!("leading zeros are not allowed at column {}", i + 1));
            }
        } else {
            while digit(i) {
                i += 1;
            }
        }
        let mut kind = Num::Int;
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !digit(i) {
                self.i = i;
                return Err(self.unexpected("a digit after the decimal point"));
            }
            while digit(i) {
                i += 1;
            }
            kind = Num::Float;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !digit(i) {
                self.i = i;
                return Err(self.unexpected("a digit in the exponent"));
            }
            while digit(i) {
                i += 1;
            }
            kind = Num::Float;
        }
        self.i = i;
        Ok((kind, &b[start..i]))
    }

    /// Skips one value, checking its syntax.
    fn skip(&mut self, depth: u32) -> Result<(), String> {
        match self.peek() {
            Some(b'"' | b'\'') => self.string().map(drop),
            Some(b'{') => {
                self.enter(depth)?;
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.ws();
                    self.key_token()?;
                    self.colon()?;
                    self.skip(depth + 1)?;
                    self.ws();
                    match self.next() {
                        Some(b',') => {}
                        Some(b'}') => return Ok(()),
                        _ => return Err(self.unexpected_prev("',' or '}'")),
                    }
                }
            }
            Some(b'[') => {
                self.enter(depth)?;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.ws();
                    self.skip(depth + 1)?;
                    self.ws();
                    match self.next() {
                        Some(b',') => {}
                        Some(b']') => return Ok(()),
                        _ => return Err(self.unexpected_prev("',' or ']'")),
                    }
                }
            }
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            None => Err(self.unexpected("a JSON value")),
            Some(_) => self.number().map(drop),
        }
    }

    fn enter(&mut self, depth: u32) -> Result<(), String> {
        if depth >= MAX_DEPTH {
            return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
        }
        self.i += 1;
        Ok(())
    }

    fn key_token(&mut self) -> Result<Str<'a>, String> {
        match self.peek() {
            Some(b'"' | b'\'') => self.string(),
            _ => Err(self.unexpected("a field name in quotes")),
        }
    }

    #[inline]
    fn colon(&mut self) -> Result<(), String> {
        self.ws();
        if self.next() != Some(b':') {
            return Err(self.unexpected_prev("':' after a field name"));
        }
        self.ws();
        Ok(())
    }

    /// Parses an object into `row` through `layout`. A value that does not fit its column
    /// leaves null there and its reason in `bad` (Spark's partial results). With `early` (a
    /// record's root object: the filter and the bits of its columns read so far), stops
    /// once the filter rejects the row: `Ok(true)`.
    fn object(
        &mut self,
        layout: &ObjectLayout,
        row: &mut [Value],
        sc: &mut Scratch,
        depth: u32,
        bad: &mut Option<String>,
        mut early: Option<&mut (&PushedFilter, u64)>,
    ) -> Result<bool, String> {
        self.enter(depth)?;
        if let Some((filter, _)) = &early {
            if filter.all == 0 && filter.rejects(row, &self.b[self.i..]) {
                return Ok(true);
            }
        }
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(false);
        }
        let mut hint = 0;
        loop {
            self.ws();
            let key = self.key_token()?;
            let field = if key.escaped {
                let mut k = std::mem::take(&mut sc.key);
                unescape(key.raw, &mut k);
                let f = layout.find(&k, &mut hint);
                sc.key = k;
                f
            } else {
                layout.find(key.raw, &mut hint)
            };
            self.colon()?;
            match field.and_then(|f| Some((&layout.fields[f], layout.fields[f].slot?))) {
                Some((f, slot)) => {
                    row[slot] = self.value(f, sc, depth + 1, bad)?;
                    if let Some((filter, seen)) = early.as_deref_mut() {
                        if let Some(bit) = filter.bit_of_slot[slot] {
                            let before = *seen;
                            *seen |= 1 << bit;
                            if before != filter.all
                                && *seen == filter.all
                                && filter.rejects(row, &self.b[self.i..])
                            {
                                return Ok(true);
                            }
                        }
                    }
                }
                None => self.skip(depth + 1)?,
            }
            self.ws();
            match self.next() {
                Some(b',') => {}
                Some(b'}') => return Ok(false),
                _ => return Err(self.unexpected_prev("',' or '}'")),
            }
        }
    }

    /// An array of `element`s (at `[`): NULL as a whole when one element does not fit,
    /// as Spark's parser gives it (`from_json` follows the same rule).
    fn array(
        &mut self,
        element: &JsonField,
        sc: &mut Scratch,
        depth: u32,
        bad: &mut Option<String>,
    ) -> Result<Option<Value>, String> {
        self.enter(depth)?;
        let mut items = Vec::new();
        let mut fits = true;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Some(Value::Array(items.into())));
        }
        loop {
            self.ws();
            let was_null = self.peek() == Some(b'n');
            let v = self.value(element, sc, depth + 1, bad)?;
            fits &= was_null || !v.is_null();
            items.push(v);
            self.ws();
            match self.next() {
                Some(b',') => {}
                Some(b']') => break,
                _ => return Err(self.unexpected_prev("',' or ']'")),
            }
        }
        Ok(fits.then(|| Value::Array(items.into())))
    }

    /// Reads one value for field `f`, converting it to the field's type.
    fn value(
        &mut self,
        f: &JsonField,
        sc: &mut Scratch,
        depth: u32,
        bad: &mut Option<String>,
    ) -> Result<Value, String> {
        let start = self.i;
        let ty = &f.data_type;
        let v = match self.peek() {
            Some(b'"' | b'\'') => {
                let s = self.string()?;
                match ty {
                    DataType::String => Some(Value::String(string_value(&s, sc)?)),
                    DataType::Double => json_non_finite(s.raw).map(Value::double),
                    DataType::Decimal(p, q) => decimal_of(str_of(&s, sc)?.as_bytes(), *p, *q),
                    DataType::Timestamp => {
                        let formats = Arc::clone(&sc.formats);
                        formats.timestamp(str_of(&s, sc)?).map(Value::Timestamp)
                    }
                    DataType::Date => {
                        let formats = Arc::clone(&sc.formats);
                        formats.date(str_of(&s, sc)?).map(Value::Date)
                    }
                    DataType::Binary => Some(Value::Binary(Arc::from(str_of(&s, sc)?.as_bytes()))),
                    _ => None,
                }
            }
            Some(b'n') => {
                self.literal(b"null")?;
                Some(Value::Null)
            }
            Some(b't' | b'f') => {
                let t = self.peek() == Some(b't');
                self.literal(if t { b"true" } else { b"false" })?;
                match ty {
                    DataType::Boolean => Some(Value::Boolean(t)),
                    DataType::String => Some(Value::String(sc.interner.lossy(&self.b[start..self.i]))),
                    _ => None,
                }
            }
            Some(b'{') if f.nested.is_some() => {
                let layout = f.nested.as_ref().expect("checked above");
                let mut inner = vec![Value::Null; layout.width];
                self.object(layout, &mut inner, sc, depth, bad, None)?;
                Some(Value::Struct(inner.into()))
            }
            Some(b'[') if f.element.is_some() => {
                let element = f.element.as_deref().expect("checked above");
                self.array(element, sc, depth, bad)?
            }
            Some(b'{' | b'[') => {
                self.skip(depth)?;
                let text = &self.b[start..self.i];
                match ty {
                    DataType::String => Some(Value::String(sc.interner.lossy(text))),
                    // A map reads its object through serde_json (keys in document order).
                    DataType::Map(..) => std::str::from_utf8(text)
                        .ok()
                        .map(|t| sluice_core::json_value::parse_value_in(t, ty, sluice_core::time::Zone::Utc))
                        .filter(|v| !v.is_null()),
                    _ => None,
                }
            }
            None => return Err(self.unexpected("a JSON value")),
            Some(_) => {
                let (kind, text) = self.number()?;
                match (ty, kind) {
                    (DataType::Long, Num::Int) => parse_i64(text).map(Value::Long),
                    (DataType::Int | DataType::Short | DataType::Byte, Num::Int) => parse_i64(text)
                        .and_then(|v| i32::try_from(v).ok())
                        .and_then(|v| Value::Int(v).into_narrow(ty)),
                    (DataType::Double, Num::Int | Num::Float) => parse_f64_ascii(text).map(Value::double),
                    (DataType::Double, Num::NonFinite(v)) => Some(Value::double(v)),
                    (DataType::Decimal(p, q), Num::Int | Num::Float) => decimal_of(text, *p, *q),
                    (DataType::String, _) => Some(Value::String(sc.interner.lossy(text))),
                    (DataType::Timestamp, Num::Int) => {
                        parse_i64(text).map(|s| Value::Timestamp(timestamp_from_seconds(s)))
                    }
                    _ => None,
                }
            }
        };
        Ok(v.unwrap_or_else(|| {
            if bad.is_none() {
                *bad = Some(cannot_parse(&self.b[start..self.i], ty, &String::from_utf8_lossy(&f.name)));
            }
            Value::Null
        }))
    }
}

/// Rejects raw control characters inside a string, as Jackson does by default.
#[inline]
fn check_controls(raw: &[u8]) -> Result<(), String> {
    match raw.iter().position(|&c| c < 0x20) {
        None => Ok(()),
        Some(_) => Err("illegal unquoted control character in string".into()),
    }
}

fn string_value(s: &Str, sc: &mut Scratch) -> Result<Arc<str>, String> {
    if !s.escaped {
        if let Some(a) = sc.interner.get(s.raw) {
            return Ok(a);
        }
        check_controls(s.raw)?;
        let text = std::str::from_utf8(s.raw).map_err(|_| "invalid UTF-8 in string".to_string())?;
        return Ok(sc.interner.make(text));
    }
    let text = str_of(s, sc)?.to_owned();
    Ok(sc.interner.make(&text))
}

/// The text of a string token, unescaped into the scratch buffer if needed.
/// A decimal column's value from its text, exactly, half up to the column's scale; `None`
/// (a malformed field) when it is no number or needs more digits than the column has.
fn decimal_of(text: &[u8], precision: u8, scale: u8) -> Option<Value> {
    let d = sluice_core::decimal::Decimal::parse(std::str::from_utf8(text).ok()?)?;
    d.to_type(precision, scale).ok().map(Value::Decimal)
}

fn str_of<'s>(s: &'s Str, sc: &'s mut Scratch) -> Result<&'s str, String> {
    check_controls(s.raw)?;
    let bytes: &[u8] = if s.escaped {
        unescape(s.raw, &mut sc.unescaped);
        &sc.unescaped
    } else {
        s.raw
    };
    std::str::from_utf8(bytes).map_err(|_| "invalid UTF-8 in string".to_string())
}

/// Decodes JSON escapes of a string already checked by the scanner; lone surrogates
/// become U+FFFD.
fn unescape(raw: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = raw.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        let simple = match e {
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => 0,
            other => other,
        };
        if e != b'u' {
            out.push(simple);
            continue;
        }
        let hex = |at: usize| {
            raw.get(at..at + 4)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u32::from_str_radix(h, 16).ok())
        };
        let Some(hi) = hex(i) else {
            out.extend_from_slice("\u{fffd}".as_bytes());
            continue;
        };
        i += 4;
        let mut code = hi;
        if (0xd800..0xdc00).contains(&hi) && raw.get(i..i + 2) == Some(b"\\u") {
            if let Some(lo) = hex(i + 2).filter(|lo| (0xdc00..0xe000).contains(lo)) {
                code = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            }
        }
        let ch = char::from_u32(code).unwrap_or('\u{fffd}');
        let mut utf8 = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
    }
}

/// The JSON type of one value, for schema inference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonKind {
    Null,
    Boolean,
    Long,
    Double,
    String,
}

/// Reports each top-level key of a line's objects with the kind of its value; `Err` for a
/// malformed line. Blank lines report nothing.
pub(crate) fn scan_keys(
    line: &[u8],
    scratch: &mut Scratch,
    seen: &mut dyn FnMut(&str, JsonKind),
) -> Result<(), String> {
    let mut c = Cur { b: line, i: 0 };
    c.ws();
    let array = match c.peek() {
        None => return Ok(()),
        Some(b'{') => false,
        Some(b'[') => {
            c.i += 1;
            c.ws();
            if c.peek() == Some(b']') {
                return Ok(());
            }
            true
        }
        Some(_) => return Err(c.unexpected("a JSON object")),
    };
    let mut found: Vec<(String, JsonKind)> = Vec::new();
    loop {
        c.ws();
        if c.peek() != Some(b'{') {
            return Err(c.unexpected("a JSON object"));
        }
        c.i += 1;
        c.ws();
        if c.peek() == Some(b'}') {
            c.i += 1;
        } else {
            loop {
                c.ws();
                let key = c.key_token()?;
                let name = str_of(&key, scratch)?.to_owned();
                c.colon()?;
                let kind = match c.peek() {
                    Some(b'n') => JsonKind::Null,
                    Some(b't' | b'f') => JsonKind::Boolean,
                    Some(b'"' | b'\'' | b'{' | b'[') => JsonKind::String,
                    _ => JsonKind::Long,
                };
                let kind = if kind == JsonKind::Long {
                    match c.number()? {
                        (Num::Int, t) if parse_i64(t).is_some() => JsonKind::Long,
                        _ => JsonKind::Double,
                    }
                } else {
                    c.skip(1)?;
                    kind
                };
                found.push((name, kind));
                c.ws();
                match c.next() {
                    Some(b',') => {}
                    Some(b'}') => break,
                    _ => return Err(c.unexpected_prev("',' or '}'")),
                }
            }
        }
        if !array {
            break;
        }
        c.ws();
        match c.next() {
            Some(b',') => {}
            Some(b']') => break,
            _ => return Err(c.unexpected_prev("',' or ']'")),
        }
    }
    for (name, kind) in found {
        seen(&name, kind);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::Schema;

    fn parse(ddl: &str, proj: &[usize], line: &str) -> Result<Vec<Parsed>, String> {
        let schema = Schema::parse_ddl(ddl).unwrap();
        let mut slots = vec![None; schema.len()];
        for (out, &i) in proj.iter().enumerate() {
            slots[i] = Some(out);
        }
        let layout = ObjectLayout::root(&schema.fields, &slots, proj.len());
        let mut out = Vec::new();
        parse_line(&layout, line.as_bytes(), &mut Scratch::default(), &mut out, None)?;
        Ok(out)
    }

    fn s(v: &str) -> Value {
        Value::string(v)
    }

    #[test]
    fn values_convert_by_column_type() {
        let ddl = "a BIGINT, b DOUBLE, c STRING, d BOOLEAN, e INT";
        let all = [0, 1, 2, 3, 4];
        let cases: &[(&str, Row)] = &[
            (
                r#"{"a":1,"b":2.5,"c":"x","d":true,"e":-3}"#,
                vec![Value::Long(1), Value::double(2.5), s("x"), Value::Boolean(true), Value::Int(-3)],
            ),
            (r#"{"c":"x"}"#, vec![Value::Null, Value::Null, s("x"), Value::Null, Value::Null]),
            (
                r#" { "b" : 7 , "a" : null } "#,
                vec![Value::Null, Value::double(7.0), Value::Null, Value::Null, Value::Null],
            ),
            (r#"{"c":12.50}"#, vec![Value::Null, Value::Null, s("12.50"), Value::Null, Value::Null]),
            (
                r#"{"c":{"k": [1, 2]}}"#,
                vec![Value::Null, Value::Null, s(r#"{"k": [1, 2]}"#), Value::Null, Value::Null],
            ),
            (
                r#"{"c":"a\"b\u00e9\n"}"#,
                vec![Value::Null, Value::Null, s("a\"b\u{e9}\n"), Value::Null, Value::Null],
            ),
            (r#"{'c':'single'}"#, vec![Value::Null, Value::Null, s("single"), Value::Null, Value::Null]),
            (
                r#"{"b":NaN,"a":5}"#,
                vec![Value::Long(5), Value::double(f64::NAN), Value::Null, Value::Null, Value::Null],
            ),
            // Keys match exactly, as Spark's parser (tests/json_rules.rs): `A` is not `a`.
            (r#"{"B":1.5,"A":5}"#, vec![Value::Null; 5]),
            (
                r#"{"b":"-Infinity"}"#,
                vec![Value::Null, Value::double(f64::NEG_INFINITY), Value::Null, Value::Null, Value::Null],
            ),
            (
                r#"{"x":{"deep":[{"y":"}"}]},"a":2} trailing"#,
                vec![Value::Long(2), Value::Null, Value::Null, Value::Null, Value::Null],
            ),
            (r#"{"a":1,"a":2}"#, vec![Value::Long(2), Value::Null, Value::Null, Value::Null, Value::Null]),
        ];
        for (line, want) in cases {
            let got = parse(ddl, &all, line).unwrap();
            assert_eq!(got, vec![(want.clone(), None)], "{line}");
        }
    }

    #[test]
    fn projection_emits_only_needed_columns_in_order() {
        let got =
            parse("a BIGINT, b DOUBLE, c STRING", &[2, 0], r#"{"a":1,"b":"not a double","c":"x"}"#).unwrap();
        assert_eq!(got, vec![(vec![s("x"), Value::Long(1)], None)]);
        assert_eq!(parse("a BIGINT", &[], r#"{"a":1}"#).unwrap(), vec![(vec![], None)]);
    }

    #[test]
    fn wrong_types_give_partial_rows_with_a_reason() {
        let cases: &[(&str, &str)] = &[
            (r#"{"a":1.5,"c":"x"}"#, "cannot parse '1.5' as bigint for column `a`"),
            (r#"{"a":"12","c":"x"}"#, "cannot parse '\"12\"' as bigint for column `a`"),
            (r#"{"a":99999999999999999999,"c":"x"}"#, "as bigint"),
            (r#"{"a":true,"c":"x"}"#, "cannot parse 'true' as bigint"),
            (r#"{"a":[1],"c":"x"}"#, "cannot parse '[1]' as bigint"),
        ];
        for (line, reason) in cases {
            let got = parse("a BIGINT, c STRING", &[0, 1], line).unwrap();
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].0, vec![Value::Null, s("x")], "{line}");
            let why = got[0].1.as_deref().unwrap_or_default();
            assert!(why.contains(reason), "{line}: {why}");
        }
    }

    #[test]
    fn syntax_errors_are_reported() {
        for line in [
            r#"{"a":1"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":tru}"#,
            r#"{"c":"x\q"}"#,
            r#"{"c":"unterminated}"#,
            r#"{"z":[1,2}"#,
            "{\"c\":\"tab\there\"}",
            "5",
            r#""str""#,
            "[1,2]",
            "not json",
        ] {
            assert!(parse("a BIGINT, c STRING", &[0, 1], line).is_err(), "{line}");
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(5000), "]".repeat(5000));
        assert!(parse("a STRING", &[0], &deep).unwrap_err().contains("nesting"));
    }

    #[test]
    fn map_columns_read_objects_in_document_order_and_a_bad_value_is_malformed() {
        let got = parse("m MAP<STRING, INT>", &[0], r#"{"m":{"z":1,"a":null}}"#).unwrap();
        let want =
            Value::Map(vec![(Value::string("z"), Value::Int(1)), (Value::string("a"), Value::Null)].into());
        assert_eq!(got, vec![(vec![want], None)]);
        let got = parse("m MAP<STRING, INT>", &[0], r#"{"m":{"a":"x"}}"#).unwrap();
        assert_eq!(got[0].0, vec![Value::Null]);
        assert!(got[0].1.is_some(), "a value that is no INT makes the record malformed");
    }

    #[test]
    fn timestamps_and_dates_take_strings_and_epoch_seconds() {
        let got =
            parse("t TIMESTAMP, d DATE", &[0, 1], r#"{"t":"2015-02-23 10:10:00","d":"2015-02-23"}"#).unwrap();
        assert_eq!(got, vec![(vec![Value::Timestamp(1_424_686_200_000_000), Value::Date(16_489)], None)]);
        let got = parse("t TIMESTAMP", &[0], r#"{"t":1424686200}"#).unwrap();
        assert_eq!(got, vec![(vec![Value::Timestamp(1_424_686_200_000_000)], None)]);
        let got = parse("t TIMESTAMP", &[0], r#"{"t":"yesterday"}"#).unwrap();
        assert!(got[0].1.as_deref().unwrap_or_default().contains("as timestamp"));
    }

    #[test]
    fn blank_lines_and_arrays() {
        assert!(parse("a BIGINT", &[0], "   ").unwrap().is_empty());
        let rows = parse("a BIGINT", &[0], r#"[{"a":1},{"a":2}]"#).unwrap();
        assert_eq!(rows, vec![(vec![Value::Long(1)], None), (vec![Value::Long(2)], None)]);
    }

    #[test]
    fn nested_structs_parse() {
        let schema = Schema::new(vec![Field::new(
            "s",
            DataType::Struct(vec![Field::new("x", DataType::Long), Field::new("y", DataType::String)]),
        )]);
        let layout = ObjectLayout::root(&schema.fields, &[Some(0)], 1);
        let mut out = Vec::new();
        parse_line(&layout, br#"{"s":{"y":"q","x":3}}"#, &mut Scratch::default(), &mut out, None).unwrap();
        assert_eq!(out[0].0, vec![Value::Struct(vec![Value::Long(3), s("q")].into())]);
    }

    #[test]
    fn keys_are_scanned_for_inference() {
        let mut seen = Vec::new();
        scan_keys(
            br#"{"b":1,"a":2.5,"c":"x","d":null,"e":[1],"f":false,"g":123456789012345678901}"#,
            &mut Scratch::default(),
            &mut |k, t| seen.push((k.to_string(), t)),
        )
        .unwrap();
        use JsonKind::*;
        let want = [
            ("b", Long),
            ("a", Double),
            ("c", String),
            ("d", Null),
            ("e", String),
            ("f", Boolean),
            ("g", Double),
        ];
        assert_eq!(seen, want.iter().map(|(k, t)| (k.to_string(), *t)).collect::<Vec<_>>());
    }
}
