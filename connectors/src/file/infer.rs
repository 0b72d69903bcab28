//! Schema inference from the files present now, as Spark does for a source without a
//! schema: JSON takes the union of keys (sorted by name) with the widest type seen; CSV takes
//! header names and, with `inferSchema`, the tightest type holding every value.

use super::config::{FileFormat, FileSourceConfig, ParseMode, SCHEMA_REQUIRED};
use super::csv::Splitter;
use super::json::{self, JsonKind, Scratch};
use super::listing::list_all;
use super::values::{parse_i64, parse_java_double, TimeFormats};
use sluice_core::time::parse_timestamp;
use sluice_core::{DataType, Field, Options, Result, Schema, SluiceError};
use std::collections::BTreeMap;
use std::path::Path;

/// Infers the schema of `cfg`'s files (its `schema` field is ignored), then appends the
/// columns of `col=value` partition directories, as Spark's partition discovery.
pub(crate) fn infer_schema(cfg: &FileSourceConfig) -> Result<Schema> {
    let data = match cfg.format {
        FileFormat::Text => Schema::default().with("value", DataType::String),
        FileFormat::Json => infer_json(cfg)?,
        FileFormat::Csv => infer_csv(cfg)?,
        FileFormat::Parquet => super::parquet::infer_schema(cfg)?.ok_or_else(|| unable("Parquet"))?,
    };
    with_partition_columns(cfg, data, true)
}

/// `data` followed by the columns of the `col=value` directories of `cfg`'s files that it
/// lacks. A column it has keeps its place; an `inferred` one takes the partition's type, as
/// Spark's `mergeDataAndPartitionSchema` (the directory's value is what the column holds),
/// a given one keeps the type it was given.
pub(crate) fn with_partition_columns(cfg: &FileSourceConfig, data: Schema, inferred: bool) -> Result<Schema> {
    if cfg.listing.recursive {
        // Spark: recursiveFileLookup turns partition discovery off.
        return Ok(data);
    }
    let files = list_all(cfg)?;
    let partitions = super::partitions::partition_schema(
        &cfg.path,
        files.iter().map(|f| f.path.as_path()),
        &Schema::default(),
    );
    let mut fields = data.fields;
    for p in partitions {
        match fields.iter_mut().find(|f| f.name.eq_ignore_ascii_case(&p.name)) {
            Some(f) if inferred => f.data_type = p.data_type,
            Some(_) => {}
            None => fields.push(p),
        }
    }
    Ok(Schema::new(fields))
}

fn unable(format: &str) -> SluiceError {
    SluiceError::analysis(format!("Unable to infer schema for {format}. It must be specified manually."))
}

/// Calls `each(path, line_number, line)` for every line of every file, in name order.
/// A visitor of `(file, 1-based line number, line)`.
type LineVisitor<'v> = dyn FnMut(&std::path::Path, u64, &[u8]) -> Result<()> + 'v;

fn each_line(cfg: &FileSourceConfig, each: &mut LineVisitor) -> Result<()> {
    for f in list_all(cfg)? {
        let bytes = match super::reader::read_text_file(cfg, &f.path) {
            Ok(b) => b,
            Err(e) if cfg.ignore_corrupt_files && super::text::is_corrupt_file(&e) => {
                super::reader::warn_skipped(&e);
                continue;
            }
            Err(e) => return Err(e),
        };
        if cfg.multi_line {
            // The whole file is one JSON document.
            each(&f.path, 1, &bytes)?;
            continue;
        }
        let mut rest: &[u8] = &bytes;
        let mut n = 0;
        while !rest.is_empty() {
            let (line, next) = match memchr::memchr(b'\n', rest) {
                Some(p) => (&rest[..p], &rest[p + 1..]),
                None => (rest, &[][..]),
            };
            n += 1;
            each(&f.path, n, line.strip_suffix(b"\r").unwrap_or(line))?;
            rest = next;
        }
    }
    Ok(())
}

fn widen(a: JsonKind, b: JsonKind) -> JsonKind {
    use JsonKind::*;
    match (a, b) {
        _ if a == b => a,
        (Null, x) | (x, Null) => x,
        (Long, Double) | (Double, Long) => Double,
        _ => String,
    }
}

fn infer_json(cfg: &FileSourceConfig) -> Result<Schema> {
    let mut kinds: BTreeMap<String, JsonKind> = BTreeMap::new();
    let mut scratch = Scratch::default();
    let mut corrupt = false;
    each_line(cfg, &mut |path, n, line| {
        let r = json::scan_keys(line, &mut scratch, &mut |k, t| {
            let slot = kinds.entry(k.to_string()).or_insert(JsonKind::Null);
            *slot = widen(*slot, t);
        });
        match (r, cfg.mode) {
            (Ok(()), _) | (Err(_), ParseMode::DropMalformed) => Ok(()),
            (Err(_), ParseMode::Permissive) => {
                corrupt = true;
                Ok(())
            }
            (Err(reason), ParseMode::FailFast) => {
                Err(SluiceError::Malformed { path: path.to_path_buf(), line: n, reason })
            }
        }
    })?;
    if corrupt {
        kinds.insert(cfg.corrupt_column_name.clone(), JsonKind::String);
    }
    if kinds.is_empty() {
        return Err(unable("JSON"));
    }
    let fields = kinds
        .into_iter()
        .map(|(name, kind)| {
            let ty = match kind {
                JsonKind::Boolean => DataType::Boolean,
                JsonKind::Long => DataType::Long,
                JsonKind::Double => DataType::Double,
                JsonKind::Null | JsonKind::String => DataType::String,
            };
            Field::new(name, ty)
        })
        .collect();
    Ok(Schema::new(fields))
}

/// The tightest type of one CSV value, as Spark's `CSVInferSchema` tries them.
fn csv_kind(t: &str, formats: &TimeFormats) -> DataType {
    if let Some(v) = parse_i64(t.as_bytes()) {
        return if i32::try_from(v).is_ok() { DataType::Int } else { DataType::Long };
    }
    if parse_java_double(t).is_some() {
        return DataType::Double;
    }
    if formats.has_timestamp_format() {
        // A `timestampFormat` decides what reads as a timestamp.
        if formats.timestamp(t).is_some() {
            return DataType::Timestamp;
        }
    } else if t.starts_with(|c: char| c.is_ascii_digit())
        && t.contains(['-', ':'])
        && parse_timestamp(t).is_some()
    {
        return DataType::Timestamp;
    }
    if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false") {
        return DataType::Boolean;
    }
    DataType::String
}

fn widen_csv(a: Option<DataType>, b: DataType) -> DataType {
    use DataType::*;
    match (a, b) {
        (None, b) => b,
        (Some(a), b) if a == b => a,
        (Some(Int), Long) | (Some(Long), Int) => Long,
        (Some(Int | Long | Double), Int | Long | Double) => Double,
        _ => String,
    }
}

fn infer_csv(cfg: &FileSourceConfig) -> Result<Schema> {
    let opts = &cfg.csv;
    let mut splitter = Splitter::new(opts);
    let mut names: Option<Vec<String>> = None;
    let mut types: Vec<Option<DataType>> = Vec::new();
    let mut last_path = None;
    each_line(cfg, &mut |path, _, line| {
        if line.iter().all(u8::is_ascii_whitespace) || opts.comment.is_some_and(|c| line.first() == Some(&c))
        {
            return Ok(());
        }
        let first_of_file = last_path.as_deref() != Some(path);
        last_path = Some(path.to_path_buf());
        let fields: Vec<String> =
            splitter.split(line).map(|f| String::from_utf8_lossy(f).trim().to_string()).collect();
        if names.is_none() {
            names = Some(if opts.header {
                safe_header(&fields)
            } else {
                (0..fields.len()).map(|i| format!("_c{i}")).collect()
            });
            types = vec![None; fields.len()];
        }
        if (first_of_file && opts.header) || !opts.infer_types {
            return Ok(());
        }
        for (slot, f) in types.iter_mut().zip(&fields) {
            if *f != opts.null_value && *slot != Some(DataType::String) {
                *slot = Some(widen_csv(slot.take(), csv_kind(f, &cfg.time_formats)));
            }
        }
        Ok(())
    })?;
    let names = names.ok_or_else(|| unable("CSV"))?;
    let fields =
        names.into_iter().zip(types).map(|(n, t)| Field::new(n, t.unwrap_or(DataType::String))).collect();
    Ok(Schema::new(fields))
}

/// Spark's header clean-up: empty names become `_c<i>`, repeated names get their index.
fn safe_header(raw: &[String]) -> Vec<String> {
    raw.iter()
        .enumerate()
        .map(|(i, n)| {
            let dup = raw.iter().filter(|m| m.eq_ignore_ascii_case(n)).count() > 1;
            if n.is_empty() {
                format!("_c{i}")
            } else if dup {
                format!("{n}{i}")
            } else {
                n.clone()
            }
        })
        .collect()
}

impl FileSourceConfig {
    /// Validates options (Spark's keys, case-insensitive), naming any bad option or value.
    ///
    /// Without a schema, `infer = false` is Spark's analysis error for streaming sources, and
    /// `infer = true` infers one from the files present now (json: union of keys sorted by
    /// name; csv: header names, strings unless `inferSchema`; text: `value STRING`).
    pub fn new(
        format: FileFormat,
        path: impl AsRef<Path>,
        schema: Option<Schema>,
        options: &Options,
        infer: bool,
    ) -> Result<Self> {
        let mut cfg = FileSourceConfig::from_options(format, path, options)?;
        cfg.schema = match (schema, format) {
            // Spark appends the partition columns a given schema lacks (a path not there yet
            // has none; reading it reports what is wrong with it).
            (Some(s), _) => with_partition_columns(&cfg, s.clone(), false).unwrap_or(s),
            (None, FileFormat::Text) => Schema::default().with("value", DataType::String),
            // Spark reads a parquet schema from the files, for streams too, when there are any.
            (None, FileFormat::Parquet) => match super::parquet::infer_schema(&cfg)? {
                Some(s) => with_partition_columns(&cfg, s, true)?,
                None if !infer => return Err(SluiceError::analysis(SCHEMA_REQUIRED)),
                None => {
                    return Err(SluiceError::analysis(
                        "Unable to infer schema for Parquet. It must be specified manually.",
                    ))
                }
            },
            (None, _) if !infer => return Err(SluiceError::analysis(SCHEMA_REQUIRED)),
            (None, _) => infer_schema(&cfg)?,
        };
        cfg.validate_schema()?;
        Ok(cfg)
    }

    fn validate_schema(&mut self) -> Result<()> {
        let schema = &self.schema;
        if self.format == FileFormat::Text {
            if schema.len() != 1 {
                return Err(SluiceError::analysis(format!(
                    "Text data source supports only a single column, and you have {} columns.",
                    schema.len()
                )));
            }
            if schema.fields[0].data_type != DataType::String {
                return Err(SluiceError::analysis(format!(
                    "Text data source does not support {} data type.",
                    schema.fields[0].data_type.sql_name()
                )));
            }
            return Ok(());
        }
        if self.format == FileFormat::Parquet {
            // Parquet files are typed: no malformed records, no corrupt-record column.
            return super::parquet::check_writable(&schema.fields);
        }
        if let Some(i) = schema.fields.iter().position(|f| f.name == self.corrupt_column_name) {
            if schema.fields[i].data_type != DataType::String || !schema.fields[i].nullable {
                return Err(SluiceError::analysis(format!(
                    "The field for corrupt records must be string type and nullable (column `{}`).",
                    self.corrupt_column_name
                )));
            }
            self.corrupt_column = Some(i);
        }
        if self.format == FileFormat::Csv {
            if let Some(f) = schema
                .fields
                .iter()
                .find(|f| matches!(f.data_type, DataType::Struct(_) | DataType::Array(_) | DataType::Map(..)))
            {
                return Err(SluiceError::analysis(format!(
                    "CSV data source does not support {} data type (column `{}`).",
                    f.data_type.sql_name(),
                    f.name
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::Options;

    fn infer(format: FileFormat, files: &[(&str, &str)], opts: &[(&str, &str)]) -> Result<Schema> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let o: Options = opts.iter().map(|(k, v)| (*k, *v)).collect();
        FileSourceConfig::new(format, dir.path(), None, &o, true).map(|c| c.schema)
    }

    fn ddl(s: &Schema) -> String {
        s.fields
            .iter()
            .map(|f| format!("{} {}", f.name, f.data_type.sql_name()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    #[test]
    fn csv_refuses_nested_column_types_as_spark_does() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "1\n").unwrap();
        for t in ["array<int>", "map<string,int>", "struct<a:int>"] {
            let schema = Schema::new(vec![sluice_core::Field::new("c", DataType::parse(t).unwrap())]);
            let err =
                FileSourceConfig::new(FileFormat::Csv, dir.path(), Some(schema), &Options::default(), true)
                    .map(|_| ())
                    .expect_err("refused");
            assert!(
                err.to_string().contains(&format!("CSV data source does not support {t} data type")),
                "{err}"
            );
        }
    }

    #[test]
    fn json_takes_the_union_of_keys_sorted_with_widened_types() {
        let files = [
            ("a.json", "{\"z\":1,\"b\":true,\"n\":null,\"Up\":\"x\"}\n{\"z\":2.5,\"o\":{\"k\":1}}\n"),
            ("b.json", "{\"b\":1,\"m\":5}\n\n"),
        ];
        let s = infer(FileFormat::Json, &files, &[]).unwrap();
        assert_eq!(ddl(&s), "Up string, b string, m bigint, n string, o string, z double");
        let s = infer(FileFormat::Json, &[("a.json", "{\"a\":1}\nnot json\n")], &[]).unwrap();
        assert_eq!(ddl(&s), "_corrupt_record string, a bigint");
        let s = infer(FileFormat::Json, &[("a.json", "{\"a\":1}\nnot json\n")], &[("mode", "DROPMALFORMED")])
            .unwrap();
        assert_eq!(ddl(&s), "a bigint");
        let err = infer(FileFormat::Json, &[("a.json", "{\"a\":1}\nnot json\n")], &[("mode", "FAILFAST")])
            .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = infer(FileFormat::Json, &[], &[]).unwrap_err();
        assert!(err.to_string().contains("Unable to infer schema for JSON"), "{err}");
    }

    #[test]
    fn csv_uses_header_names_and_optionally_infers_types() {
        let files = [
            ("a.csv", "id,price,name,ok,\n1,2.5,x,true,\n3000000000,3,y,false,\n"),
            ("b.csv", "id,price,name,ok,\n7,,z,maybe,q\n"),
        ];
        let s = infer(FileFormat::Csv, &files, &[("header", "true")]).unwrap();
        assert_eq!(ddl(&s), "id string, price string, name string, ok string, _c4 string");
        let s = infer(FileFormat::Csv, &files, &[("header", "true"), ("inferSchema", "true")]).unwrap();
        assert_eq!(ddl(&s), "id bigint, price double, name string, ok string, _c4 string");
        let s = infer(FileFormat::Csv, &files, &[]).unwrap();
        assert_eq!(ddl(&s), "_c0 string, _c1 string, _c2 string, _c3 string, _c4 string");
        let s = infer(
            FileFormat::Csv,
            &[("a.csv", "a,A,b\n1,2,3\n")],
            &[("header", "true"), ("inferSchema", "true")],
        )
        .unwrap();
        assert_eq!(ddl(&s), "a0 int, A1 int, b int");
    }
}
