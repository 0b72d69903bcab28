//! CSV lines: one record per line, split into fields by `csv-core` with Spark's dialect
//! options, then converted by position into the schema's columns.
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

/// A field splitter with its reusable buffers.
pub(crate) struct Splitter {
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Splitter {
    /// A splitter for the dialect in `opts`.
    pub fn new(opts: &CsvOptions) -> Splitter {
        let mut b = csv_core::ReaderBuilder::new();
        b.delimiter(opts.sep)
            .escape(opts.escape)
            .double_quote(true)
            .terminator(csv_core::Terminator::Any(b'\n'));
        match opts.quote {
            Some(q) => b.quote(q),
            None => b.quoting(false),
        };
        Splitter { core: b.build(), out: Vec::new(), ends: Vec::new() }
    }

    /// Splits one line (without its terminator) into fields.
    pub fn split<'s>(&'s mut self, line: &[u8]) -> impl Iterator<Item = &'s [u8]> + 's {
        self.core.reset();
        let need = line.len() + 1;
        if self.out.len() < need {
            self.out.resize(need, 0);
        }
        if self.ends.len() < need + 1 {
            self.ends.resize(need + 1, 0);
        }
        // Field output never outgrows the input, so one call reads the line and one more
        // (with empty input, meaning end of data) finishes the record.
        let (res, _, mut nout, mut nend) = self.core.read_record(line, &mut self.out, &mut self.ends);
        if matches!(res, csv_core::ReadRecordResult::InputEmpty) {
            let (_, _, o, e) = self.core.read_record(&[], &mut self.out[nout..], &mut self.ends[nend..]);
            nout += o;
            nend += e;
        }
        let _ = nout;
        let out = &self.out;
        let mut start = 0;
        self.ends[..nend].iter().map(move |&end| {
            let f = &out[start..end];
            start = end;
            f
        })
    }
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
            DataType::Binary => Value::Binary(Arc::from(t)),
            DataType::Null => Value::Null,
            DataType::Struct(_) | DataType::Array(_) | DataType::Map(..) | DataType::Interval => return None,
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
            (
                "1,,\"q, \"\"r\"\"\",FALSE",
                vec![Value::Long(1), Value::Null, s("q, \"r\""), Value::Boolean(false)],
            ),
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
