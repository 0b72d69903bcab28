//! What a file source reads and how: the format, the schema, rate limits and the parser
//! options, validated once from Spark's option keys.

pub use super::clean::CleanSource;
use super::text::TextEncoding;
use super::values::TimeFormats;
use sluice_core::{Options, Result, Schema, SluiceError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The text formats the file source can parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// One JSON object per line (Spark's `json` without `multiLine`).
    Json,
    /// Delimited text, one record per line (Spark's `csv` without `multiLine`).
    Csv,
    /// Each line is one row of a single `value STRING` column.
    Text,
    /// Apache Parquet files, read whole (never split by byte ranges).
    Parquet,
}

impl FileFormat {
    /// The format named by `format("json"|"csv"|"text"|"parquet")` (case-insensitive).
    pub fn parse(name: &str) -> Result<FileFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(FileFormat::Json),
            "csv" => Ok(FileFormat::Csv),
            "text" => Ok(FileFormat::Text),
            "parquet" => Ok(FileFormat::Parquet),
            other => Err(SluiceError::option(
                "format",
                format!("unknown file format '{other}'; expected json, csv, text or parquet"),
            )),
        }
    }

    /// The format's name as Spark spells it.
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Json => "json",
            FileFormat::Csv => "csv",
            FileFormat::Text => "text",
            FileFormat::Parquet => "parquet",
        }
    }
}

/// What to do with a record that does not parse or does not fit the schema (Spark's `mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ParseMode {
    /// Keep the row: nulls where values cannot be parsed, the raw line in the corrupt-record column.
    #[default]
    Permissive,
    /// Drop the whole row and count it.
    DropMalformed,
    /// Stop the query with an error naming the file and line.
    FailFast,
}

impl ParseMode {
    fn parse(value: &str) -> Result<ParseMode> {
        match value.trim().to_ascii_uppercase().as_str() {
            "PERMISSIVE" => Ok(ParseMode::Permissive),
            "DROPMALFORMED" => Ok(ParseMode::DropMalformed),
            "FAILFAST" => Ok(ParseMode::FailFast),
            _ => Err(SluiceError::option(
                "mode",
                format!("unknown parse mode '{value}'; expected PERMISSIVE, DROPMALFORMED or FAILFAST"),
            )),
        }
    }
}

/// CSV dialect and value options, with Spark's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// The first line of every file is a header and is skipped (`header`, default false).
    pub header: bool,
    /// Field separator (`sep` or `delimiter`, default `,`).
    pub sep: u8,
    /// Quote character, or `None` when quoting is off (`quote`, default `"`; empty turns it off).
    pub quote: Option<u8>,
    /// Character escaping a quote inside a quoted value (`escape`, default `\`).
    pub escape: Option<u8>,
    /// Lines starting with this character are skipped (`comment`, default off).
    pub comment: Option<u8>,
    /// The text that reads as null (`nullValue`, default empty).
    pub null_value: String,
    /// Text read as NaN in double columns (`nanValue`, default `NaN`).
    pub nan_value: String,
    /// Text read as +infinity in double columns (`positiveInf`, default `Inf`).
    pub positive_inf: String,
    /// Text read as -infinity in double columns (`negativeInf`, default `-Inf`).
    pub negative_inf: String,
    /// Trim leading spaces of values (`ignoreLeadingWhiteSpace`, default false when reading).
    pub trim_leading: bool,
    /// Trim trailing spaces of values (`ignoreTrailingWhiteSpace`, default false when reading).
    pub trim_trailing: bool,
    /// Infer column types when inferring a schema (`inferSchema`, default false: all strings).
    pub infer_types: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            header: false,
            sep: b',',
            quote: Some(b'"'),
            escape: Some(b'\\'),
            comment: None,
            null_value: String::new(),
            nan_value: "NaN".into(),
            positive_inf: "Inf".into(),
            negative_inf: "-Inf".into(),
            trim_leading: false,
            trim_trailing: false,
            infer_types: false,
        }
    }
}

impl CsvOptions {
    fn from_options(options: &Options) -> Result<CsvOptions> {
        let d = CsvOptions::default();
        let sep_key = if options.contains("sep") { "sep" } else { "delimiter" };
        Ok(CsvOptions {
            header: options.get_bool("header", d.header)?,
            sep: ascii_char(options, sep_key, d.sep)?.unwrap_or(d.sep),
            quote: ascii_char(options, "quote", b'"')?,
            escape: ascii_char(options, "escape", b'\\')?,
            comment: match options.get("comment") {
                None | Some("") => None,
                Some(_) => ascii_char(options, "comment", b'#')?,
            },
            null_value: options.get("nullValue").unwrap_or("").to_string(),
            nan_value: options.get("nanValue").unwrap_or("NaN").to_string(),
            positive_inf: options.get("positiveInf").unwrap_or("Inf").to_string(),
            negative_inf: options.get("negativeInf").unwrap_or("-Inf").to_string(),
            trim_leading: options.get_bool("ignoreLeadingWhiteSpace", false)?,
            trim_trailing: options.get_bool("ignoreTrailingWhiteSpace", false)?,
            infer_types: options.get_bool("inferSchema", false)?,
        })
    }
}

/// A single ASCII character option; an empty value means "off" (`None`), as Spark's `quote=""`.
fn ascii_char(options: &Options, key: &str, default: u8) -> Result<Option<u8>> {
    match options.get(key) {
        None => Ok(Some(default)),
        Some("") => Ok(None),
        Some(_) => {
            let c = options.get_char(key, default as char)?;
            if c.is_ascii() {
                Ok(Some(c as u8))
            } else {
                Err(SluiceError::option(
                    key,
                    format!("'{c}' is not an ASCII character; only ASCII is supported"),
                ))
            }
        }
    }
}

/// Everything the file source needs to list and parse one directory, validated.
#[derive(Clone, Debug)]
pub struct FileSourceConfig {
    /// Format of the files.
    pub format: FileFormat,
    /// Directory (or, for batch reads, single file) to read.
    pub path: PathBuf,
    /// Columns of the rows produced, including the corrupt-record column if any.
    pub schema: Schema,
    /// At most this many new files per micro-batch (`maxFilesPerTrigger`).
    pub max_files_per_trigger: Option<u64>,
    /// At most about this many bytes of new files per micro-batch (`maxBytesPerTrigger`).
    pub max_bytes_per_trigger: Option<u64>,
    /// Handling of malformed records (`mode`).
    pub mode: ParseMode,
    /// Index in `schema` of the column receiving malformed lines (`columnNameOfCorruptRecord`).
    pub corrupt_column: Option<usize>,
    /// Name of the corrupt-record column, whether or not the schema has it.
    pub corrupt_column_name: String,
    /// Take the newest files first (`latestFirst`, default false).
    pub latest_first: bool,
    /// Order new files by name instead of modification time (`fileOrder = 'name'`, a
    /// Sluice option): copies lose modification times, so replays of a directory whose
    /// files are named in order (`part-00000`, ...) stay reproducible.
    pub order_by_name: bool,
    /// CSV options (ignored by other formats).
    pub csv: CsvOptions,
    /// Character encoding of text files (`encoding`/`charset`, default UTF-8).
    pub encoding: TextEncoding,
    /// A JSON file is one document: an object or an array of objects (`multiLine`).
    pub multi_line: bool,
    /// Skip (with a warning) files that cannot be read as text or decompressed, instead of
    /// failing (`ignoreCorruptFiles`, default false).
    pub ignore_corrupt_files: bool,
    /// Patterns for timestamp and date texts (`timestampFormat`, `dateFormat`, `timestampNTZFormat`).
    pub(crate) time_formats: Arc<TimeFormats>,
    /// Which files are listed (`pathGlobFilter`, `recursiveFileLookup`, `maxFileAge`,
    /// `modifiedBefore`/`modifiedAfter`).
    pub listing: ListingOptions,
    /// What happens to a file once the batch that read it is committed (`cleanSource`).
    pub clean_source: CleanSource,
}

/// Options deciding which files of the directory a source lists.
#[derive(Clone, Debug, Default)]
pub struct ListingOptions {
    /// Only files whose names match this glob (`pathGlobFilter`).
    pub glob: Option<glob::Pattern>,
    /// Files of every subdirectory, without partition discovery (`recursiveFileLookup`).
    pub recursive: bool,
    /// Streams ignore files older than the newest file seen minus this (`maxFileAge`, ms;
    /// Spark's default 7 days), except in the first batch.
    pub max_file_age_ms: Option<i64>,
    /// Batch reads take only files modified before this instant (`modifiedBefore`, ms).
    pub modified_before_ms: Option<i64>,
    /// Batch reads take only files modified after this instant (`modifiedAfter`, ms).
    pub modified_after_ms: Option<i64>,
}

impl ListingOptions {
    fn from_options(options: &Options) -> Result<ListingOptions> {
        let glob = options
            .get("pathGlobFilter")
            .map(|g| {
                glob::Pattern::new(g)
                    .map_err(|e| SluiceError::option("pathGlobFilter", format!("invalid glob '{g}': {e}")))
            })
            .transpose()?;
        let instant = |key: &str| -> Result<Option<i64>> {
            options
                .get(key)
                .map(|t| {
                    sluice_core::time::parse_timestamp(t).map(|us| us.div_euclid(1000)).ok_or_else(|| {
                        SluiceError::option(
                            key,
                            format!("'{t}' is not a timestamp; expected the format YYYY-MM-DDTHH:mm:ss"),
                        )
                    })
                })
                .transpose()
        };
        let max_file_age_ms = match options.get("maxFileAge") {
            None => 7 * 24 * 3600 * 1000,
            Some(t) => duration_ms(t).ok_or_else(|| {
                SluiceError::option(
                    "maxFileAge",
                    format!("'{t}' is not a duration such as 7d, 12h, 30m or 1000ms"),
                )
            })?,
        };
        Ok(ListingOptions {
            glob,
            recursive: options.get_bool("recursiveFileLookup", false)?,
            max_file_age_ms: Some(max_file_age_ms),
            modified_before_ms: instant("modifiedBefore")?,
            modified_after_ms: instant("modifiedAfter")?,
        })
    }

    /// True when a file of this name and modification time passes the name and time filters.
    pub fn admits(&self, path: &Path, mtime_ms: i64) -> bool {
        let name_ok = match (&self.glob, path.file_name()) {
            (Some(g), Some(name)) => g.matches(&name.to_string_lossy()),
            (Some(_), None) => false,
            (None, _) => true,
        };
        name_ok
            && self.modified_before_ms.is_none_or(|t| mtime_ms < t)
            && self.modified_after_ms.is_none_or(|t| mtime_ms > t)
    }
}

/// Spark's time strings (`Utils.timeStringAsMs`): a number with an optional unit
/// (`us`, `ms` the default, `s`, `m`/`min`, `h`, `d`).
fn duration_ms(text: &str) -> Option<i64> {
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().ok()?;
    let factor = match unit.trim() {
        "us" => return Some(n / 1000),
        "" | "ms" => 1,
        "s" => 1000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// Spark's message when a streaming file source has no schema and inference is off.
pub const SCHEMA_REQUIRED: &str = "Schema must be specified when creating a streaming source DataFrame. If some files already exist in the directory, then depending on the file format you may be able to create a static DataFrame on that directory with 'spark.read.load(directory)' and infer schema from it.";

impl FileSourceConfig {
    /// The options alone (Spark's keys, case-insensitive), naming any bad option or value;
    /// the schema is left empty for [`FileSourceConfig::new`] (`file::infer`) to settle.
    pub(crate) fn from_options(
        format: FileFormat,
        path: impl AsRef<Path>,
        options: &Options,
    ) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let max_files_per_trigger = options.get_positive("maxFilesPerTrigger")?;
        let max_bytes_per_trigger = options.get_positive("maxBytesPerTrigger")?;
        if max_files_per_trigger.is_some() && max_bytes_per_trigger.is_some() {
            return Err(SluiceError::option(
                "maxFilesPerTrigger, maxBytesPerTrigger",
                "Options 'maxFilesPerTrigger' and 'maxBytesPerTrigger' can't be both set at the same time",
            ));
        }
        let mode = match options.get("mode") {
            Some(v) => ParseMode::parse(v)?,
            None => ParseMode::Permissive,
        };
        let multi_line = options.get_bool("multiLine", false)?;
        if format == FileFormat::Csv && multi_line {
            return Err(SluiceError::option(
                "multiLine",
                "multiLine=true is not supported for CSV; files are read one record per line",
            ));
        }
        let multi_line = multi_line && format == FileFormat::Json;
        let encoding = TextEncoding::from_options(options)?;
        let corrupt_column_name =
            options.get("columnNameOfCorruptRecord").unwrap_or("_corrupt_record").to_string();
        let csv = if format == FileFormat::Csv {
            CsvOptions::from_options(options)?
        } else {
            CsvOptions::default()
        };
        let cfg = FileSourceConfig {
            format,
            path: path.clone(),
            schema: Schema::default(),
            max_files_per_trigger,
            max_bytes_per_trigger,
            mode,
            corrupt_column: None,
            corrupt_column_name,
            latest_first: options.get_bool("latestFirst", false)?,
            order_by_name: match options.get("fileOrder") {
                None => false,
                Some(v) if v.eq_ignore_ascii_case("name") => true,
                Some(v) if v.eq_ignore_ascii_case("modificationTime") => false,
                Some(v) => {
                    return Err(SluiceError::option(
                        "fileOrder",
                        format!("expected 'modificationTime' or 'name', got '{v}'"),
                    ))
                }
            },
            csv,
            encoding,
            multi_line,
            ignore_corrupt_files: options.get_bool("ignoreCorruptFiles", false)?,
            time_formats: Arc::new(TimeFormats::from_options(options, sluice_core::time::Zone::Utc)?),
            listing: ListingOptions::from_options(options)?,
            clean_source: CleanSource::from_options(options, &path)?,
        };
        Ok(cfg)
    }

    /// Indices of the schema's data columns: every column but the corrupt-record one.
    pub(crate) fn data_columns(&self) -> Vec<usize> {
        (0..self.schema.len()).filter(|i| Some(*i) != self.corrupt_column).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Options {
        pairs.iter().map(|(k, v)| (*k, *v)).collect()
    }

    fn schema() -> Option<Schema> {
        Some(Schema::parse_ddl("a BIGINT, b STRING").unwrap())
    }

    #[test]
    fn bad_options_are_named() {
        type Case<'a> = (FileFormat, &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case] = &[
            (FileFormat::Json, &[("maxFilesPerTrigger", "0")], "maxFilesPerTrigger"),
            (FileFormat::Json, &[("MAXFILESPERTRIGGER", "x")], "maxFilesPerTrigger"),
            (
                FileFormat::Json,
                &[("maxFilesPerTrigger", "1"), ("maxBytesPerTrigger", "10")],
                "maxBytesPerTrigger",
            ),
            (FileFormat::Json, &[("mode", "lenient")], "mode"),
            (FileFormat::Csv, &[("multiLine", "true")], "multiLine"),
            (FileFormat::Json, &[("multiLine", "maybe")], "multiLine"),
            (FileFormat::Csv, &[("header", "yes")], "header"),
            (FileFormat::Csv, &[("sep", "ab")], "sep"),
            (FileFormat::Csv, &[("delimiter", "é")], "delimiter"),
            (FileFormat::Csv, &[("encoding", "klingon")], "encoding"),
            (FileFormat::Json, &[("timestampFormat", "yyyy-MM-dd {")], "timestampFormat"),
            (FileFormat::Json, &[("dateFormat", "YYYY")], "dateFormat"),
            (FileFormat::Json, &[("pathGlobFilter", "[a")], "pathGlobFilter"),
            (FileFormat::Json, &[("maxFileAge", "7 fortnights")], "maxFileAge"),
            (FileFormat::Json, &[("modifiedAfter", "yesterday")], "modifiedAfter"),
            (FileFormat::Json, &[("cleanSource", "shred")], "cleanSource"),
            (FileFormat::Json, &[("cleanSource", "archive")], "sourceArchiveDir"),
            (
                FileFormat::Json,
                &[("cleanSource", "archive"), ("sourceArchiveDir", "/tmp/x/done")],
                "sourceArchiveDir",
            ),
            (FileFormat::Json, &[("ignoreCorruptFiles", "perhaps")], "ignoreCorruptFiles"),
        ];
        for (format, pairs, named) in cases {
            let err = FileSourceConfig::new(*format, "/tmp/x", schema(), &opts(pairs), false)
                .unwrap_err()
                .to_string();
            assert!(err.contains(named), "{pairs:?}: {err}");
        }
    }

    #[test]
    fn listing_and_clean_options_parse() {
        let o = opts(&[
            ("pathGlobFilter", "*.json"),
            ("maxFileAge", "2h"),
            ("modifiedBefore", "2020-06-01T13:00:00"),
            ("cleanSource", "ARCHIVE"),
            ("sourceArchiveDir", "/tmp/archive-elsewhere"),
        ]);
        let cfg = FileSourceConfig::new(FileFormat::Json, "/tmp/x", schema(), &o, false).unwrap();
        assert_eq!(cfg.listing.max_file_age_ms, Some(2 * 3_600_000));
        assert_eq!(cfg.listing.modified_before_ms, Some(1_591_016_400_000));
        assert!(cfg.listing.admits(Path::new("/d/a.json"), 0));
        assert!(!cfg.listing.admits(Path::new("/d/a.csv"), 0));
        assert!(!cfg.listing.admits(Path::new("/d/a.json"), 1_591_016_400_000));
        assert!(matches!(cfg.clean_source, CleanSource::Archive(ref d) if d.ends_with("archive-elsewhere")));
        assert_eq!(duration_ms("7d"), Some(604_800_000));
        assert_eq!(duration_ms("1500"), Some(1500));
        assert_eq!(duration_ms("30 min"), Some(1_800_000));
    }

    #[test]
    fn options_are_case_insensitive_and_defaulted() {
        let o = opts(&[("MODE", "dropmalformed"), ("Sep", "\\t"), ("HEADER", "TRUE"), ("quote", "")]);
        let cfg = FileSourceConfig::new(FileFormat::Csv, "/tmp", schema(), &o, false).unwrap();
        assert_eq!(cfg.mode, ParseMode::DropMalformed);
        assert_eq!(cfg.csv.sep, b'\t');
        assert!(cfg.csv.header);
        assert_eq!(cfg.csv.quote, None);
        assert_eq!(cfg.csv.escape, Some(b'\\'));
        let cfg = FileSourceConfig::new(FileFormat::Json, "/tmp", schema(), &Options::new(), false).unwrap();
        assert_eq!(cfg.mode, ParseMode::Permissive);
        assert_eq!(cfg.max_files_per_trigger, None);
    }

    #[test]
    fn missing_schema_is_sparks_analysis_error() {
        let err = FileSourceConfig::new(FileFormat::Json, "/tmp", None, &Options::new(), false).unwrap_err();
        assert!(matches!(err, SluiceError::Analysis(ref m) if m == SCHEMA_REQUIRED), "{err}");
        let text = FileSourceConfig::new(FileFormat::Text, "/tmp", None, &Options::new(), false).unwrap();
        assert_eq!(text.schema.names(), vec!["value"]);
    }

    #[test]
    fn corrupt_column_is_found_and_must_be_string() {
        let s = Schema::parse_ddl("a BIGINT, bad STRING").unwrap();
        let o = opts(&[("columnNameOfCorruptRecord", "bad")]);
        let cfg = FileSourceConfig::new(FileFormat::Json, "/tmp", Some(s), &o, false).unwrap();
        assert_eq!(cfg.corrupt_column, Some(1));
        assert_eq!(cfg.data_columns(), vec![0]);
        let s = Schema::parse_ddl("a BIGINT, _corrupt_record BIGINT").unwrap();
        let err =
            FileSourceConfig::new(FileFormat::Json, "/tmp", Some(s), &Options::new(), false).unwrap_err();
        assert!(err.to_string().contains("corrupt records must be string"), "{err}");
    }

    #[test]
    fn text_schema_must_be_one_string_column() {
        let err =
            FileSourceConfig::new(FileFormat::Text, "/tmp", schema(), &Options::new(), false).unwrap_err();
        assert!(err.to_string().contains("only a single column"), "{err}");
    }
}
