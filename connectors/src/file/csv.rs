//! CSV lines: one record per line, split into fields as Spark's parser splits them (with
//! its dialect options), then converted by position into the schema's columns.
//!
//! As in Spark 3+, a record whose field count differs from the schema is malformed (missing
//! fields read as null, extra ones are dropped), and a value that does not parse as its
//! column's type is null in a partial row.

use super::config::CsvOptions;
use super::intern::Interner;
use super::values::{cannot_parse, parse_i64, parse_java_double, TimeFormats};
use sluice_core::{DataType, Field, Value};
use std::sync::Arc;

/// How fields map to output slots, and the dialect.
#[derive(Clone, Debug)]
pub(crate) struct CsvLayout {
    columns: Vec<CsvColumn>,
    opts: CsvOptions,
    formats: Arc<TimeFormats>,
    /// Convert every column, not only projected ones, so a bad value anywhere marks the
    /// record corrupt (Spark turns off CSV column pruning when the corrupt column is read).
    check_all: bool,
}

#[derive(Clone, Debug)]
struct CsvColumn {
    name: String,
    data_type: DataType,
    slot: Option<usize>,
}

/// A field splitter with its reusable buffers, reading fields as Spark's CSV parser
/// (univocity, with Spark's settings) reads them, not as RFC 4180 does:
///
/// - an unquoted field is its text up to the separator, quotes and all (`ab"c`);
/// - in a quoted field, the escape (`\`) before a quote is a quote (`"a\"b"` is `a"b`), and
///   before itself a backslash; a doubled quote is a quote, and a quote followed by the
///   separator, the line's end, or spaces then either, closes it (`"abc" ,` is `abc`);
/// - a quote followed by anything else is an unescaped quote, and the field is then its raw
///   text, opening quote included, up to the next separator (Spark's default
///   `unescapedQuoteHandling` = `STOP_AT_DELIMITER`): `"RECORD 7"" SIZE "` stays as it is
///   written, as Spark reads it, unless `escape` is set to the quote (`"`), the RFC way.
pub(crate) struct Splitter {
    sep: u8,
    quote: Option<u8>,
    escape: Option<u8>,
    /// Escapes the escape (`charToEscapeQuoteEscaping`: the escape itself when it is not
    /// the quote, else none).
    escape_escape: Option<u8>,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Splitter {
    /// A splitter for the dialect in `opts`.
    pub fn new(opts: &CsvOptions) -> Splitter {
        let escape_escape = opts.escape.filter(|&e| Some(e) != opts.quote);
        Splitter {
            sep: opts.sep,
            quote: opts.quote,
            escape: opts.escape,
            escape_escape,
            out: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// Splits one line (without its terminator) into fields.
    pub fn split<'s>(&'s mut self, line: &[u8]) -> impl Iterator<Item = &'s [u8]> + 's {
        self.out.clear();
        self.ends.clear();
        let mut i = 0;
        loop {
            i = match self.quote {
                Some(q) if line.get(i) == Some(&q) => self.quoted(line, i, q),
                _ => {
                    let end = self.next_separator(line, i);
                    self.out.extend_from_slice(&line[i..end]);
                    end
                }
            };
            self.ends.push(self.out.len());
            if i >= line.len() {
                break;
            }
            i += 1;
        }
        let out = &self.out;
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let f = &out[start..end];
            start = end;
            f
        })
    }

    /// The index of the first separator at or after `from`, or the line's length.
    fn next_separator(&self, line: &[u8], from: usize) -> usize {
        line[from..].iter().position(|&b| b == self.sep).map_or(line.len(), |p| from + p)
    }

    /// Reads the quoted field opening at `start` into `out` (univocity's
    /// `parseQuotedValue`); returns the index of the separator ending it (or the length).
    fn quoted(&mut self, line: &[u8], start: usize, q: u8) -> usize {
        let field = self.out.len();
        let mut prev: Option<u8> = None;
        let mut i = start + 1;
        loop {
            let ch = line.get(i).copied();
            if prev == Some(q) {
                match ch {
                    None => return line.len(),
                    Some(c) if c == self.sep => return i,
                    Some(b' ' | b'\t') => {
                        let after = i + line[i..].iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
                        if after == line.len() || line[after] == self.sep {
                            return after;
                        }
                    }
                    _ => {}
                }
            }
            // A line that ends inside the quotes ends the field there.
            let Some(c) = ch else { return line.len() };
            let unescaped_quote = if c != q && Some(c) != self.escape {
                if prev == Some(q) {
                    true
                } else {
                    if prev.is_some() && prev == self.escape {
                        self.out.push(c_or(prev));
                    }
                    self.out.push(c);
                    prev = Some(c);
                    false
                }
            } else {
                let mut next_prev = Some(c);
                let mut unescaped = false;
                if Some(c) == self.escape && self.escape_escape.is_some() && prev == self.escape_escape {
                    self.out.push(c);
                    next_prev = None;
                } else if prev.is_some() && prev == self.escape {
                    if c == q {
                        self.out.push(q);
                        next_prev = None;
                    } else {
                        self.out.push(c_or(prev));
                    }
                } else if c == q && prev == Some(q) {
                    self.out.push(q);
                } else if prev == Some(q) {
                    unescaped = true;
                }
                prev = next_prev;
                unescaped
            };
            if unescaped_quote {
                let end = self.next_separator(line, i);
                self.out.truncate(field);
                self.out.extend_from_slice(&line[start..end]);
                return end;
            }
            i += 1;
        }
    }
}

/// The byte a `Some` holds (callers check it is one).
fn c_or(b: Option<u8>) -> u8 {
    b.unwrap_or_default()
}

/// Trims spaces as `ignoreLeadingWhiteSpace`/`ignoreTrailingWhiteSpace` ask.
fn trim<'a>(mut t: &'a [u8], opts: &CsvOptions) -> &'a [u8] {
    if opts.trim_leading {
        while let [b' ' | b'\t', rest @ ..] = t {
            t = rest;
        }
    }
    if opts.trim_trailing {
        while let [rest @ .., b' ' | b'\t'] = t {
            t = rest;
        }
    }
    t
}

impl CsvLayout {
    /// A layout over the schema's data columns (in file order) and their output slots.
    pub fn new(
        columns: &[Field],
        slots: &[Option<usize>],
        opts: &CsvOptions,
        formats: Arc<TimeFormats>,
        check_all: bool,
    ) -> CsvLayout {
        let columns = columns
            .iter()
            .zip(slots)
            .map(|(f, s)| CsvColumn { name: f.name.clone(), data_type: f.data_type.clone(), slot: *s })
            .collect();
        CsvLayout { columns, opts: opts.clone(), formats, check_all }
    }

    /// True for lines Spark skips: blank ones and comments.
    pub fn skips(&self, line: &[u8]) -> bool {
        line.iter().all(u8::is_ascii_whitespace)
            || self.opts.comment.is_some_and(|c| line.first() == Some(&c))
    }

    /// Fills `row` from one line; returns why the record is malformed, if it is.
    pub fn parse_line(
        &self,
        line: &[u8],
        splitter: &mut Splitter,
        interner: &mut Interner,
        row: &mut [Value],
    ) -> Option<String> {
        let mut bad = None;
        let mut count = 0;
        for (i, raw) in splitter.split(line).enumerate() {
            count = i + 1;
            let Some(col) = self.columns.get(i) else {
                continue;
            };
            if col.slot.is_none() && !self.check_all {
                continue;
            }
            let t = trim(raw, &self.opts);
            let v = if t == self.opts.null_value.as_bytes() {
                Some(Value::Null)
            } else {
                self.convert(t, &col.data_type, interner)
            };
            match (v, col.slot) {
                (Some(v), Some(slot)) => row[slot] = v,
                (Some(_), None) => {}
                (None, _) => {
                    bad = bad.or_else(|| Some(cannot_parse(t, &col.data_type, &col.name)));
                }
            }
        }
        if count != self.columns.len() {
            return Some(format!(
                "Malformed CSV record: expected {} fields but found {count}",
                self.columns.len()
            ));
        }
        bad
    }

    fn convert(&self, t: &[u8], ty: &DataType, interner: &mut Interner) -> Option<Value> {
        let text = || std::str::from_utf8(t).ok();
        Some(match ty {
            DataType::String => Value::String(interner.lossy(t)),
            DataType::Long => Value::Long(parse_i64(t)?),
            DataType::Int => Value::Int(i32::try_from(parse_i64(t)?).ok()?),
            DataType::Byte | DataType::Short => {
                let n = i32::try_from(parse_i64(t)?).ok()?;
                Value::Int(n).into_narrow(ty)?
            }
            DataType::Decimal(p, q) => {
                Value::Decimal(sluice_core::decimal::Decimal::parse(text()?)?.to_type(*p, *q).ok()?)
            }
            DataType::Double => {
                let s = text()?;
                let v = if s == self.opts.nan_value {
                    f64::NAN
                } else if s == self.opts.positive_inf {
                    f64::INFINITY
                } else if s == self.opts.negative_inf {
                    f64::NEG_INFINITY
                } else {
                    parse_java_double(s)?
                };
                Value::double(v)
            }
            DataType::Boolean => match t {
                _ if t.eq_ignore_ascii_case(b"true") => Value::Boolean(true),
                _ if t.eq_ignore_ascii_case(b"false") => Value::Boolean(false),
                _ => return None,
            },
            DataType::Timestamp => Value::Timestamp(self.formats.timestamp(text()?)?),
            DataType::Date => Value::Date(self.formats.date(text()?)?),
            DataType::Time(_) => Value::Time(sluice_core::time::parse_time(text()?).ok()?.0),
            DataType::Binary => Value::Binary(Arc::from(t)),
            DataType::Null => Value::Null,
            DataType::Struct(_)
            | DataType::Array(_)
            | DataType::Map(..)
            | DataType::Interval
            | DataType::DayTime(..)
            | DataType::YearMonth(..) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::{Row, Schema};

    fn parse(ddl: &str, opts: &CsvOptions, line: &str) -> (Row, Option<String>) {
        let schema = Schema::parse_ddl(ddl).unwrap();
        let slots: Vec<Option<usize>> = (0..schema.len()).map(Some).collect();
        let layout = CsvLayout::new(&schema.fields, &slots, opts, Default::default(), false);
        let mut row = vec![Value::Null; schema.len()];
        let bad =
            layout.parse_line(line.as_bytes(), &mut Splitter::new(opts), &mut Interner::default(), &mut row);
        (row, bad)
    }

    fn s(v: &str) -> Value {
        Value::string(v)
    }

    #[test]
    fn fields_convert_by_position() {
        let d = CsvOptions::default();
        let ddl = "a BIGINT, b DOUBLE, c STRING, d BOOLEAN";
        let cases: &[(&str, Row)] = &[
            ("1,2.5,x,true", vec![Value::Long(1), Value::double(2.5), s("x"), Value::Boolean(true)]),
            ("1,,\"q, r\",FALSE", vec![Value::Long(1), Value::Null, s("q, r"), Value::Boolean(false)]),
            ("1,NaN,\"a\\\"b\",", vec![Value::Long(1), Value::double(f64::NAN), s("a\"b"), Value::Null]),
            (
                "-2,-Inf,x\ry,true",
                vec![Value::Long(-2), Value::double(f64::NEG_INFINITY), s("x\ry"), Value::Boolean(true)],
            ),
        ];
        for (line, want) in cases {
            assert_eq!(parse(ddl, &d, line), (want.clone(), None), "{line}");
        }
    }

    /// Spark 4.3's fields for lines with quotes in them, as pyspark read them (`spark.read
    /// .schema("id INT, s STRING, t STRING").csv(..)`, then with `escape` = `"`): Spark's
    /// parser keeps a field with an unescaped quote as written, and reads doubled quotes as
    /// one only when the quote is its own escape.
    #[test]
    fn quoted_fields_split_as_spark_splits_them() {
        let spark_default: &[(&str, [Option<&str>; 2])] = &[
            (r#"1,"q, ""r""",x"#, [Some(r#""q, ""r""""#), Some("x")]),
            (
                r#"2,"RECORD FRAME 7"" SINGLE SIZE ",x"#,
                [Some(r#""RECORD FRAME 7"" SINGLE SIZE ""#), Some("x")],
            ),
            (r#"3,"a\"b",x"#, [Some(r#"a"b"#), Some("x")]),
            (r#"4,"abc" ,x"#, [Some("abc"), Some("x")]),
            (r#"5,"",x"#, [None, Some("x")]),
            (r#"6,,x"#, [None, Some("x")]),
            (r#"7,"x""",y"#, [Some(r#"x"""#), Some("y")]),
            (r#"8,"a""b,c""d",e"#, [Some(r#""a""b"#), Some(r#"c""d""#)]),
            (r#"9,"plain",z"#, [Some("plain"), Some("z")]),
            (r#"10,ab"c,d"#, [Some(r#"ab"c"#), Some("d")]),
            (r#"11,"a\\b",x"#, [Some(r"a\b"), Some("x")]),
            (r#"12,"a""","""#, [Some(r#"a"""#), None]),
        ];
        let rfc: &[[Option<&str>; 2]] = &[
            [Some(r#"q, "r""#), Some("x")],
            [Some(r#"RECORD FRAME 7" SINGLE SIZE "#), Some("x")],
            [Some(r#""a\"b""#), Some("x")],
            [Some("abc"), Some("x")],
            [None, Some("x")],
            [None, Some("x")],
            [Some(r#"x""#), Some("y")],
            [Some(r#"a"b,c"d"#), Some("e")],
            [Some("plain"), Some("z")],
            [Some(r#"ab"c"#), Some("d")],
            [Some(r"a\\b"), Some("x")],
            [Some(r#"a""#), None],
        ];
        let as_values = |want: &[Option<&str>; 2]| -> Vec<Value> {
            want.iter().map(|w| w.map_or(Value::Null, s)).collect()
        };
        let quote_escaped = CsvOptions { escape: Some(b'"'), ..CsvOptions::default() };
        for ((line, spark), spark_rfc) in spark_default.iter().zip(rfc) {
            let ddl = "id INT, s STRING, t STRING";
            let (row, _) = parse(ddl, &CsvOptions::default(), line);
            assert_eq!(row[1..], as_values(spark)[..], "{line}");
            let (row, _) = parse(ddl, &quote_escaped, line);
            assert_eq!(row[1..], as_values(spark_rfc)[..], "{line} with escape '\"'");
        }
    }

    #[test]
    fn malformed_records_keep_what_parses() {
        let d = CsvOptions::default();
        let ddl = "a BIGINT, b STRING";
        let cases: &[(&str, Row, &str)] = &[
            ("abc,x", vec![Value::Null, s("x")], "cannot parse 'abc' as bigint for column `a`"),
            ("1", vec![Value::Long(1), Value::Null], "expected 2 fields but found 1"),
            ("1,x,extra", vec![Value::Long(1), s("x")], "expected 2 fields but found 3"),
        ];
        for (line, want, why) in cases {
            let (row, bad) = parse(ddl, &d, line);
            assert_eq!(&row, want, "{line}");
            assert!(bad.as_deref().unwrap_or_default().contains(why), "{line}: {bad:?}");
        }
    }

    #[test]
    fn dialect_options_apply() {
        let opts = CsvOptions {
            sep: b';',
            quote: Some(b'\''),
            null_value: "NA".into(),
            trim_leading: true,
            trim_trailing: true,
            ..CsvOptions::default()
        };
        let (row, bad) = parse("a BIGINT, b STRING, c STRING", &opts, " 7 ;'x;y' ;NA");
        assert_eq!((row, bad), (vec![Value::Long(7), s("x;y"), Value::Null], None));
        let layout = CsvLayout::new(
            &[],
            &[],
            &CsvOptions { comment: Some(b'#'), ..CsvOptions::default() },
            Default::default(),
            false,
        );
        assert!(layout.skips(b"# note") && layout.skips(b"  ") && !layout.skips(b"a,b"));
    }
}
