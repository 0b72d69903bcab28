//! Reading one split into rows: line iteration over the split's bytes, the format's
//! parser, and Spark's malformed-record modes.

use super::codec::Codec;
use super::config::{FileFormat, FileSourceConfig, ParseMode};
use super::csv::{CsvLayout, Splitter};
use super::json::{self, ObjectLayout, Parsed, PushedFilter, Scratch};
use super::split::{self, FileSplit, SplitBuffer};
use super::text::{is_corrupt_file, TextEncoding};
use sluice_core::eval::BoundExpr;
use sluice_core::{Result, Row, SluiceError, Value};
use std::sync::Arc;

/// Counts from reading one split.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Rows emitted.
    pub rows: u64,
    /// Malformed records met (dropped under DROPMALFORMED, kept under PERMISSIVE).
    pub malformed: u64,
    /// Bytes of the records that belong to the split.
    pub bytes: u64,
    /// Records a pushed filter rejected while they were parsed (no row emitted).
    pub skipped: u64,
}

#[derive(Debug)]
enum Parser {
    Json(ObjectLayout),
    Csv { layout: CsvLayout, header: bool },
    Text { slot: Option<usize> },
    Parquet(super::parquet::ParquetLayout),
}

#[derive(Debug)]
struct Plan {
    parser: Parser,
    mode: ParseMode,
    width: usize,
    /// Output slot of the corrupt-record column, when the query reads it.
    corrupt_slot: Option<usize>,
    csv: super::config::CsvOptions,
    /// Files are decoded from their first byte by the split starting there (`encoding`
    /// other than UTF-8, `multiLine`); compressed files always are.
    whole_files: bool,
    /// A file is one JSON document (`multiLine`).
    multi_line: bool,
    encoding: TextEncoding,
    ignore_corrupt_files: bool,
    formats: Arc<super::values::TimeFormats>,
    /// A filter run while JSON records are parsed (`RecordReader::filtered`).
    filter: Option<PushedFilter>,
}

/// Parses splits of one source into rows of the projected columns; cheap to clone and send
/// to every worker.
#[derive(Clone, Debug)]
pub struct RecordReader {
    plan: Arc<Plan>,
}

impl RecordReader {
    /// A reader emitting, per record, the values of `projection` (indices into
    /// `cfg.schema`) in that order; unneeded JSON fields are skipped without building values.
    pub fn new(cfg: &FileSourceConfig, projection: &[usize]) -> Result<Self> {
        if let Some(&bad) = projection.iter().find(|&&i| i >= cfg.schema.len()) {
            return Err(SluiceError::exec(format!(
                "projection index {bad} is out of range for the {} columns of {}",
                cfg.schema.len(),
                cfg.schema
            )));
        }
        let slot_of = |col: usize| projection.iter().position(|&p| p == col);
        let data = cfg.data_columns();
        let fields: Vec<_> = data.iter().map(|&i| cfg.schema.fields[i].clone()).collect();
        let slots: Vec<Option<usize>> = data.iter().map(|&i| slot_of(i)).collect();
        let corrupt_slot = cfg.corrupt_column.and_then(slot_of);
        let parser = match cfg.format {
            FileFormat::Json => Parser::Json(ObjectLayout::root(&fields, &slots, projection.len())),
            FileFormat::Csv => Parser::Csv {
                layout: CsvLayout::new(
                    &fields,
                    &slots,
                    &cfg.csv,
                    cfg.time_formats.clone(),
                    corrupt_slot.is_some(),
                ),
                header: cfg.csv.header,
            },
            FileFormat::Text => Parser::Text { slot: slot_of(0) },
            FileFormat::Parquet => Parser::Parquet(super::parquet::ParquetLayout {
                slots: projection
                    .iter()
                    .map(|&i| (cfg.schema.fields[i].name.clone(), cfg.schema.fields[i].data_type.clone()))
                    .collect(),
            }),
        };
        Ok(RecordReader {
            plan: Arc::new(Plan {
                parser,
                mode: cfg.mode,
                width: projection.len(),
                corrupt_slot,
                csv: cfg.csv.clone(),
                whole_files: cfg.encoding.whole_files() || cfg.multi_line,
                multi_line: cfg.multi_line,
                encoding: cfg.encoding,
                ignore_corrupt_files: cfg.ignore_corrupt_files,
                formats: cfg.time_formats.clone(),
                filter: None,
            }),
        })
    }

    /// The projected columns the reader's pushed filter reads (none without one).
    pub fn filter_columns(&self) -> &[usize] {
        self.plan.filter.as_ref().map_or(&[], |f| f.slots())
    }

    /// A reader as [`RecordReader::new`]'s that also runs `predicate` (over the projected
    /// columns: a filter the plan applies right above this source) while it parses, skipping
    /// the rest of each record the predicate rejects (`ReadStats::skipped`). `None` where that
    /// could change any row (see `json::PushedFilter`): a format other than JSON, FAILFAST
    /// (every malformed record must fail the query), a predicate reading the corrupt-record
    /// column, not deterministic, or not rejecting a row of NULLs.
    pub fn filtered(
        cfg: &FileSourceConfig,
        projection: &[usize],
        predicate: &BoundExpr,
    ) -> Result<Option<Self>> {
        let mut reader = RecordReader::new(cfg, projection)?;
        if cfg.format != FileFormat::Json || cfg.mode == ParseMode::FailFast {
            return Ok(None);
        }
        let Some(slots) = predicate.deterministic_columns() else { return Ok(None) };
        let plan = Arc::get_mut(&mut reader.plan).expect("a new reader's plan is its own");
        if slots.iter().any(|&s| s >= projection.len() || Some(s) == plan.corrupt_slot)
            || !matches!(
                predicate.eval(&vec![Value::Null; plan.width]),
                Ok(Value::Boolean(false) | Value::Null)
            )
        {
            return Ok(None);
        }
        let names: Vec<&str> =
            slots.iter().map(|&s| cfg.schema.fields[projection[s]].name.as_str()).collect();
        plan.filter = PushedFilter::new(predicate.clone(), &slots, &names, plan.width);
        Ok(plan.filter.is_some().then_some(reader))
    }

    /// Reads one split, calling `emit` per row. Malformed records follow the mode: FAILFAST
    /// returns [`SluiceError::Malformed`] naming the file and line, DROPMALFORMED skips and
    /// counts them, PERMISSIVE keeps what parsed (nulls elsewhere) with the raw line in the
    /// corrupt-record column. An unreadable file (not text in the source's encoding, a
    /// corrupt compressed stream) is [`SluiceError::Io`] naming it in every mode, or a warning
    /// and no rows with `ignoreCorruptFiles`.
    pub fn read(&self, split: &FileSplit, emit: &mut dyn FnMut(Row)) -> Result<ReadStats> {
        match self.read_split(split, emit) {
            Err(e) if self.plan.ignore_corrupt_files && is_corrupt_file(&e) => {
                warn_skipped(&e);
                Ok(ReadStats::default())
            }
            other => other,
        }
    }

    /// The text of a split, checked: a compressed file or one read whole comes whole (to the
    /// split starting at 0; other splits of it get `None`).
    fn load(&self, split: &FileSplit) -> Result<Option<SplitBuffer>> {
        let plan = &*self.plan;
        if plan.whole_files || Codec::is_compressed(&split.path) {
            if split.start != 0 {
                return Ok(None);
            }
            let buf = read_text(plan.encoding, &split.path)?;
            return Ok(Some(SplitBuffer { base: 0, first: 0, limit: buf.len(), buf }));
        }
        let sb = split::load(split)?;
        plan.encoding.check(&split.path, &sb.buf[sb.first.min(sb.buf.len())..])?;
        Ok(Some(sb))
    }

    fn read_split(&self, split: &FileSplit, emit: &mut dyn FnMut(Row)) -> Result<ReadStats> {
        let plan = &*self.plan;
        if let Parser::Parquet(layout) = &plan.parser {
            // A parquet file is read whole by the split holding its first byte.
            if split.start != 0 {
                return Ok(ReadStats::default());
            }
            let size = std::fs::metadata(&split.path).map_err(|e| SluiceError::io(&split.path, e))?.len();
            let rows = super::parquet::read_file(&split.path, layout, emit)?;
            return Ok(ReadStats { rows, bytes: size, ..ReadStats::default() });
        }
        let Some(sb) = self.load(split)? else { return Ok(ReadStats::default()) };
        let mut stats = ReadStats::default();
        let mut scratch = Scratch::default();
        scratch.formats = plan.formats.clone();
        let mut parsed: Vec<Parsed> = Vec::new();
        let mut splitter = Splitter::new(&plan.csv);
        let mut header_pending = split.start == 0 && matches!(plan.parser, Parser::Csv { header: true, .. });
        let buf = &sb.buf;
        let mut pos = sb.first;
        while pos < sb.limit && pos < buf.len() {
            let (mut line, next) = match memchr::memchr(b'\n', &buf[pos..]) {
                // A multiLine JSON file is one record.
                _ if plan.multi_line => (&buf[pos..], buf.len()),
                Some(p) => (&buf[pos..pos + p], pos + p + 1),
                None => (&buf[pos..], buf.len()),
            };
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            stats.bytes += (next - pos) as u64;
            match &plan.parser {
                Parser::Parquet(_) => {}
                Parser::Text { slot } => {
                    let mut row = vec![Value::Null; plan.width];
                    if let Some(s) = slot {
                        row[*s] = Value::String(Arc::from(String::from_utf8_lossy(line).as_ref()));
                    }
                    stats.rows += 1;
                    emit(row);
                }
                Parser::Json(layout) => {
                    match json::parse_line(layout, line, &mut scratch, &mut parsed, plan.filter.as_ref()) {
                        Ok(true) => stats.skipped += 1,
                        Ok(false) => {
                            for (row, bad) in parsed.drain(..) {
                                self.emit_parsed(row, bad, split, &sb, pos, line, &mut stats, emit)?;
                            }
                        }
                        Err(reason) => {
                            self.malformed(split, &sb, pos, line, None, reason, &mut stats, emit)?
                        }
                    }
                }
                Parser::Csv { layout, .. } => {
                    if !layout.skips(line) {
                        if header_pending {
                            header_pending = false;
                        } else {
                            let mut row = vec![Value::Null; plan.width];
                            let bad = layout.parse_line(line, &mut splitter, &mut scratch.interner, &mut row);
                            self.emit_parsed(row, bad, split, &sb, pos, line, &mut stats, emit)?;
                        }
                    }
                }
            }
            pos = next;
        }
        Ok(stats)
    }

    /// Emits a parsed row, or, when some value did not fit (`bad`), applies the parse mode.
    #[allow(clippy::too_many_arguments)]
    fn emit_parsed(
        &self,
        row: Row,
        bad: Option<String>,
        split: &FileSplit,
        sb: &SplitBuffer,
        offset: usize,
        line: &[u8],
        stats: &mut ReadStats,
        emit: &mut dyn FnMut(Row),
    ) -> Result<()> {
        match bad {
            None => {
                stats.rows += 1;
                emit(row);
                Ok(())
            }
            Some(reason) => self.malformed(split, sb, offset, line, Some(row), reason, stats, emit),
        }
    }

    /// Applies the parse mode to a malformed record; `partial` is what parsed of it.
    #[allow(clippy::too_many_arguments)]
    fn malformed(
        &self,
        split: &FileSplit,
        sb: &SplitBuffer,
        offset: usize,
        line: &[u8],
        partial: Option<Row>,
        reason: String,
        stats: &mut ReadStats,
        emit: &mut dyn FnMut(Row),
    ) -> Result<()> {
        let plan = &*self.plan;
        stats.malformed += 1;
        match plan.mode {
            ParseMode::DropMalformed => Ok(()),
            ParseMode::FailFast => Err(SluiceError::Malformed {
                path: split.path.clone(),
                line: split::line_number(&split.path, sb, offset)?,
                reason: format!(
                    "{reason} (mode FAILFAST; set mode to PERMISSIVE or DROPMALFORMED to read past it)"
                ),
            }),
            ParseMode::Permissive => {
                let mut row = partial.unwrap_or_else(|| vec![Value::Null; plan.width]);
                if let Some(slot) = plan.corrupt_slot {
                    row[slot] = Value::String(Arc::from(String::from_utf8_lossy(line).as_ref()));
                }
                stats.rows += 1;
                emit(row);
                Ok(())
            }
        }
    }
}

/// A whole file's text as checked UTF-8: decompressed by its extension, decoded from the
/// source's encoding.
fn read_text(encoding: TextEncoding, path: &std::path::Path) -> Result<Vec<u8>> {
    let bytes = match Codec::of(path)? {
        Some(codec) => codec.read_file(path)?,
        None => std::fs::read(path).map_err(|e| SluiceError::io(path, e))?,
    };
    encoding.decode(path, bytes)
}

/// [`read_text`] with the encoding of `cfg` (schema inference reads whole files).
pub(crate) fn read_text_file(cfg: &FileSourceConfig, path: &std::path::Path) -> Result<Vec<u8>> {
    read_text(cfg.encoding, path)
}

/// Spark's warning for a file skipped under `ignoreCorruptFiles`.
pub(crate) fn warn_skipped(err: &SluiceError) {
    eprintln!("WARN FileScanRDD: Skipped the rest of the content in the corrupted file: {err}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::listing::{list_all, FileEntry};
    use crate::file::split::plan_splits;
    use sluice_core::{Options, Schema};
    use std::path::Path;

    const ACTIVITY: &str = "/work/shared/data/activity-data-synth";
    const ACTIVITY_SCHEMA: &str = "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, Index BIGINT, Model STRING, User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE";

    fn config(format: FileFormat, path: &Path, ddl: &str, opts: &[(&str, &str)]) -> FileSourceConfig {
        let o: Options = opts.iter().map(|(k, v)| (*k, *v)).collect();
        FileSourceConfig::new(format, path, Some(Schema::parse_ddl(ddl).unwrap()), &o, false).unwrap()
    }

    /// Reads every file split into `parts` shares; returns rows and summed stats.
    fn read_all(cfg: &FileSourceConfig, projection: &[usize], parts: usize) -> Result<(Vec<Row>, ReadStats)> {
        let files = list_all(cfg)?;
        let reader = RecordReader::new(cfg, projection)?;
        let mut rows = Vec::new();
        let mut total = ReadStats::default();
        for share in plan_splits(&files, parts) {
            for split in &share {
                let s = reader.read(split, &mut |r| rows.push(r))?;
                total.rows += s.rows;
                total.malformed += s.malformed;
                total.bytes += s.bytes;
            }
        }
        Ok((rows, total))
    }

    #[test]
    fn activity_data_reads_every_row_once_for_any_number_of_splits() {
        let cfg = config(FileFormat::Json, Path::new(ACTIVITY), ACTIVITY_SCHEMA, &[("mode", "FAILFAST")]);
        let size: u64 = list_all(&cfg).unwrap().iter().map(|f| f.size).sum();
        for parts in [1, 3, 8] {
            let (rows, stats) = read_all(&cfg, &[6], parts).unwrap();
            assert_eq!(
                stats,
                ReadStats { rows: 529_288, bytes: size, ..ReadStats::default() },
                "{parts} parts"
            );
            assert_eq!(rows.iter().filter(|r| !r[0].is_null()).count(), 425_230);
        }
        let (rows, _) = read_all(&cfg, &[9, 0, 2], 2).unwrap();
        assert_eq!(rows.len(), 529_288);
        assert!(rows.iter().all(|r| matches!(r[..], [Value::Double(_), Value::Long(_), Value::String(_)])));
    }

    #[test]
    fn hhar_sample_reads_all_columns() {
        let cfg =
            config(FileFormat::Json, Path::new("/work/shared/data/hhar-real-sample"), ACTIVITY_SCHEMA, &[]);
        let all: Vec<usize> = (0..10).collect();
        let (rows, stats) = read_all(&cfg, &all, 4).unwrap();
        assert_eq!((stats.rows, stats.malformed), (20_000, 0));
        assert!(rows.iter().all(|r| r[6] == Value::string("stand") && r.iter().all(|v| !v.is_null())));
        assert_eq!(rows[0][1], Value::Long(1424696631913248572));
    }

    #[test]
    fn retail_csv_skips_each_files_header() {
        let ddl = "InvoiceNo STRING, StockCode STRING, Description STRING, Quantity INT, InvoiceDate STRING, UnitPrice DOUBLE, CustomerID DOUBLE, Country STRING";
        let cfg = config(
            FileFormat::Csv,
            Path::new("/work/shared/data/retail-data/by-day"),
            ddl,
            &[("header", "true")],
        );
        let (rows, stats) = read_all(&cfg, &[0, 3, 7], 5).unwrap();
        assert_eq!(stats.rows, 542_214 - 305);
        assert_eq!(stats.malformed, 0);
        assert_eq!(rows[0], vec![Value::string("536365"), Value::Int(6), Value::string("United Kingdom")]);
        assert!(!rows.iter().any(|r| r[0] == Value::string("InvoiceNo")));
    }

    fn s(v: &str) -> Value {
        Value::string(v)
    }
    fn predicate(sql: &str, ddl: &str, projection: &[usize]) -> BoundExpr {
        let schema = Schema::parse_ddl(ddl).unwrap();
        let projected = Schema::new(projection.iter().map(|&i| schema.fields[i].clone()).collect());
        sluice_core::sql::parse_expr(sql).unwrap().bind(&projected).unwrap()
    }

    /// The rows `reader` gives that `p` keeps, and the records it skipped.
    fn kept(reader: &RecordReader, cfg: &FileSourceConfig, p: &BoundExpr) -> (Vec<Row>, u64) {
        let mut rows = Vec::new();
        let mut skipped = 0;
        for split in plan_splits(&list_all(cfg).unwrap(), 3).iter().flatten() {
            skipped += reader.read(split, &mut |r| rows.push(r)).unwrap().skipped;
        }
        rows.retain(|r| p.eval_predicate(r).unwrap());
        (rows, skipped)
    }

    #[test]
    fn a_pushed_filter_keeps_the_rows_of_parsing_whole_records_then_filtering() {
        // Real rows: the filter's columns come after others in each record.
        let cfg = config(FileFormat::Json, Path::new(ACTIVITY), ACTIVITY_SCHEMA, &[]);
        let proj = [3, 6, 7];
        let p = predicate("Index % 7 = 0 AND gt = 'walk'", ACTIVITY_SCHEMA, &proj);
        let filtered = RecordReader::filtered(&cfg, &proj, &p).unwrap().expect("pushable");
        let (plain_rows, none) = kept(&RecordReader::new(&cfg, &proj).unwrap(), &cfg, &p);
        let (rows, skipped) = kept(&filtered, &cfg, &p);
        assert_eq!((rows.len(), none), (plain_rows.len(), 0));
        assert_eq!(rows, plain_rows);
        // The 425,230 records with a `gt` name it and `Index` once, before x, y, z, and have
        // no escapes: each the filter rejects is skipped. The others never give it its columns.
        assert_eq!(skipped, 425_230 - rows.len() as u64);
    }

    #[test]
    fn a_pushed_filter_parses_whole_the_records_whose_rest_could_change_its_answer() {
        let ddl = "a BIGINT, b STRING, _corrupt_record STRING";
        let lines = [
            r#"{"a":246,"b":"kept"}"#,
            r#"{"a":1,"b":"rejected, skipped"}"#,
            r#"{"a":1,"b":"a repeated key","a":369}"#,
            r#"{"a":1,"b":"a repeated key spelled with an escape","a":492}"#,
            r#"{"a":2,"b":"rejected, its malformed tail skipped""#,
            r#"{"a":"one","b":"a value that does not fit"}"#,
            r#"[{"a":615,"b":"an array"},{"a":3}]"#,
            r#"{"b":"no a"}"#,
            r#"{"b":"a after the rest","a":738}"#,
        ];
        let (_dir, path) = one_file("edge.json", &lines.join("\n"));
        for (proj, opts) in [
            (&[0, 1, 2][..], &[][..]),
            (&[0, 1][..], &[("mode", "DROPMALFORMED")][..]),
            (&[1, 0][..], &[][..]),
        ] {
            let cfg = config(FileFormat::Json, &path, ddl, opts);
            let p = predicate("a % 123 = 0", ddl, proj);
            let (plain, _) = kept(&RecordReader::new(&cfg, proj).unwrap(), &cfg, &p);
            let (rows, skipped) = kept(&RecordReader::filtered(&cfg, proj, &p).unwrap().unwrap(), &cfg, &p);
            assert_eq!(rows, plain, "{proj:?} {opts:?}");
            let a = proj.iter().position(|&c| c == 0).unwrap();
            let mut kept_a: Vec<_> = rows.iter().map(|r| r[a].clone()).collect();
            kept_a.sort();
            let want: Vec<Value> = [246, 369, 492, 615, 738].into_iter().map(Value::Long).collect();
            assert_eq!(kept_a, want);
            // Lines 2, 5 and 6: rejected once `a` is read, nothing after it names `a`.
            assert_eq!(skipped, 3, "{proj:?} {opts:?}");
        }
        let cfg = |opts: &[(&str, &str)]| config(FileFormat::Json, &path, ddl, opts);
        let pushable = |sql: &str, opts: &[(&str, &str)]| {
            let p = predicate(sql, ddl, &[0, 1, 2]);
            RecordReader::filtered(&cfg(opts), &[0, 1, 2], &p).unwrap().is_some()
        };
        assert!(pushable("a > 1", &[]));
        assert!(!pushable("a > 1", &[("mode", "FAILFAST")]), "FAILFAST must see every malformed record");
        assert!(!pushable("a IS NULL OR a > 1", &[]), "keeps the row of NULLs of a malformed record");
        assert!(!pushable("_corrupt_record IS NOT NULL", &[]), "reads the whole record");
        assert!(!pushable("rand() < 0.5", &[]));
        let csv = config(FileFormat::Csv, &path, ddl, &[]);
        assert!(RecordReader::filtered(&csv, &[0], &predicate("a > 1", ddl, &[0])).unwrap().is_none());
    }

    /// Writes `text` as the one file of a fresh directory.
    fn one_file(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn malformed_records_follow_the_mode() {
        let json = "{\"a\":1,\"b\":\"x\"}\n{\"a\":\"one\",\"b\":\"y\"}\n\n{\"a\":3,\"b\"\n{\"a\":4}\n";
        let csv = "a,b\n1,x\none,y\n3\n4,z,extra\n5,w\n";
        let bad_json_1 = "{\"a\":\"one\",\"b\":\"y\"}";
        type Case<'a> =
            (FileFormat, &'a str, &'a str, &'a [(&'a str, &'a str)], Result<Vec<Row>, (u64, &'a str)>);
        let cases: &[Case] = &[
            (
                FileFormat::Json,
                json,
                "a BIGINT, b STRING",
                &[],
                Ok(vec![
                    vec![Value::Long(1), s("x")],
                    vec![Value::Null, s("y")],
                    vec![Value::Null, Value::Null],
                    vec![Value::Long(4), Value::Null],
                ]),
            ),
            (
                FileFormat::Json,
                json,
                "a BIGINT, b STRING, _corrupt_record STRING",
                &[],
                Ok(vec![
                    vec![Value::Long(1), s("x"), Value::Null],
                    vec![Value::Null, s("y"), s(bad_json_1)],
                    vec![Value::Null, Value::Null, s("{\"a\":3,\"b\"")],
                    vec![Value::Long(4), Value::Null, Value::Null],
                ]),
            ),
            (
                FileFormat::Json,
                json,
                "a BIGINT, b STRING, bad STRING",
                &[("columnNameOfCorruptRecord", "bad"), ("mode", "PERMISSIVE")],
                Ok(vec![
                    vec![Value::Long(1), s("x"), Value::Null],
                    vec![Value::Null, s("y"), s(bad_json_1)],
                    vec![Value::Null, Value::Null, s("{\"a\":3,\"b\"")],
                    vec![Value::Long(4), Value::Null, Value::Null],
                ]),
            ),
            (
                FileFormat::Json,
                json,
                "a BIGINT, b STRING",
                &[("mode", "DROPMALFORMED")],
                Ok(vec![vec![Value::Long(1), s("x")], vec![Value::Long(4), Value::Null]]),
            ),
            (
                FileFormat::Json,
                json,
                "a BIGINT, b STRING",
                &[("mode", "FAILFAST")],
                Err((2, "cannot parse '\"one\"' as bigint for column `a`")),
            ),
            (
                FileFormat::Json,
                json,
                "a STRING, b STRING",
                &[("mode", "FAILFAST")],
                Err((4, "unexpected end of record")),
            ),
            (
                FileFormat::Csv,
                csv,
                "a BIGINT, b STRING, _corrupt_record STRING",
                &[("header", "true")],
                Ok(vec![
                    vec![Value::Long(1), s("x"), Value::Null],
                    vec![Value::Null, s("y"), s("one,y")],
                    vec![Value::Long(3), Value::Null, s("3")],
                    vec![Value::Long(4), s("z"), s("4,z,extra")],
                    vec![Value::Long(5), s("w"), Value::Null],
                ]),
            ),
            (
                FileFormat::Csv,
                csv,
                "a BIGINT, b STRING",
                &[("header", "true"), ("mode", "DROPMALFORMED")],
                Ok(vec![vec![Value::Long(1), s("x")], vec![Value::Long(5), s("w")]]),
            ),
            (
                FileFormat::Csv,
                csv,
                "a BIGINT, b STRING",
                &[("header", "true"), ("mode", "FAILFAST")],
                Err((3, "cannot parse 'one' as bigint for column `a`")),
            ),
            (
                FileFormat::Csv,
                csv,
                "a STRING, b STRING",
                &[("header", "true"), ("mode", "failfast")],
                Err((4, "expected 2 fields but found 1")),
            ),
        ];
        for (format, text, ddl, opts, want) in cases {
            let (dir, path) = one_file("data", text);
            let cfg = config(*format, dir.path(), ddl, opts);
            let all: Vec<usize> = (0..cfg.schema.len()).collect();
            match (read_all(&cfg, &all, 1), want) {
                (Ok((rows, stats)), Ok(want)) => {
                    assert_eq!(&rows, want, "{format:?} {ddl} {opts:?}");
                    assert_eq!(stats.rows, want.len() as u64);
                }
                (Err(SluiceError::Malformed { path: p, line, reason }), Err((want_line, why))) => {
                    assert_eq!((&p, line), (&path, *want_line), "{format:?} {opts:?}");
                    assert!(reason.contains(why), "{reason}");
                }
                (got, _) => panic!("{format:?} {ddl} {opts:?}: unexpected {got:?}"),
            }
        }
    }

    #[test]
    fn dropmalformed_counts_what_it_drops() {
        let (dir, _) = one_file("d.json", "{\"a\":1}\nbad\n{\"a\":true}\n");
        let cfg = config(FileFormat::Json, dir.path(), "a BIGINT", &[("mode", "DROPMALFORMED")]);
        let (_, stats) = read_all(&cfg, &[0], 1).unwrap();
        assert_eq!((stats.rows, stats.malformed), (1, 2));
    }

    #[test]
    fn failfast_names_the_right_line_in_a_later_split() {
        let mut text = String::new();
        for i in 0..50_000 {
            text.push_str(&format!("{{\"a\":{i},\"pad\":\"{}\"}}\n", "p".repeat(i % 13)));
        }
        text.push_str("{\"a\":oops}\n{\"a\":1}\n");
        let (dir, path) = one_file("big.json", &text);
        let cfg = config(FileFormat::Json, dir.path(), "a BIGINT", &[("mode", "FAILFAST")]);
        let reader = RecordReader::new(&cfg, &[0]).unwrap();
        let files = vec![FileEntry { path: path.clone(), size: text.len() as u64, mtime_ms: 0 }];
        let plan = plan_splits(&files, 4);
        let last = plan.iter().flatten().last().unwrap();
        assert!(last.start > 0);
        match reader.read(last, &mut |_| {}) {
            Err(SluiceError::Malformed { path: p, line, reason }) => {
                assert_eq!((p, line), (path, 50_001));
                assert!(reason.contains("column 6"), "{reason}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn text_lines_become_values_and_crlf_is_stripped() {
        let (dir, _) = one_file("t.txt", "a\r\n\nlast without newline");
        let cfg = config(FileFormat::Text, dir.path(), "value STRING", &[]);
        let (rows, _) = read_all(&cfg, &[0], 1).unwrap();
        assert_eq!(rows, vec![vec![s("a")], vec![s("")], vec![s("last without newline")]]);
        let (rows, _) = read_all(&cfg, &[], 1).unwrap();
        assert_eq!(rows.len(), 3);
    }

    #[test]
    fn unreadable_file_and_bad_projection_are_errors() {
        let cfg = config(FileFormat::Json, Path::new("/nonexistent"), "a BIGINT", &[]);
        let reader = RecordReader::new(&cfg, &[0]).unwrap();
        let split = FileSplit { path: "/nonexistent/f.json".into(), start: 0, end: 10 };
        let err = reader.read(&split, &mut |_| {}).unwrap_err();
        assert!(
            matches!(err, SluiceError::Io { .. }) && err.to_string().contains("/nonexistent/f.json"),
            "{err}"
        );
        assert!(RecordReader::new(&cfg, &[1]).is_err());
    }
}
