//! The file sink: each batch's rows as JSON-lines, CSV or Parquet files under `path`, optionally in
//! `column=value/` directories (`partitionBy`). Append mode only, as in Spark. JSON and CSV
//! files are compressed by the `compression` option (`part-...json.gz`, as Spark names them).
//!
//! Every worker writes its own share of a batch (Spark's tasks): its files are named by
//! batch and worker (`part-<batch>-<worker>-<n>`), so a replayed batch overwrites its own
//! half-written files. The driver then commits the batch by atomically adding the list of
//! every worker's files to the log `path/_sluice_metadata/<batch>` (Spark's
//! `FileStreamSinkLog`). A batch whose log entry exists is not written again, and the file
//! source reading `path` lists files from the log, never from the directory, so it sees
//! every committed row once and nothing else: exactly once.

use crate::file::codec::Codec;
use crate::file::parquet::ParquetCompression;
use crate::file::partitions::NULL_PARTITION;
use sluice_core::format::{row_to_spark_json, value_to_string};
use sluice_core::mode::OutputMode;
use sluice_core::sink::{PartWriter, PartWriterFactory, Sink};
use sluice_core::{Result, Row, Schema, SluiceError, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::file::sink_log::{committed_files, METADATA_DIR};

/// Output formats of the file sink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkFormat {
    /// One JSON object per line, compressed by the codec if any (`compression`).
    Json(Option<Codec>),
    /// Comma-separated values, no header, compressed by the codec if any (`compression`).
    Csv(Option<Codec>),
    /// One Apache Parquet file (all columns optional) per partition directory.
    Parquet(ParquetCompression),
}

impl SinkFormat {
    /// The json/csv format named `name` with the sink's `compression` option (Spark's codec
    /// names: none, uncompressed, gzip, bzip2, zstd, deflate).
    pub fn text(name: &str, compression: Option<&str>) -> Result<SinkFormat> {
        let codec = Codec::parse_option(compression)?;
        match name {
            "json" => Ok(SinkFormat::Json(codec)),
            "csv" => Ok(SinkFormat::Csv(codec)),
            other => Err(SluiceError::analysis(format!("{other} is not a text file format"))),
        }
    }

    /// The file name extension, with the codec's (`json.gz`), as Spark names its files.
    fn extension(self) -> String {
        match self {
            SinkFormat::Json(None) => "json".into(),
            SinkFormat::Csv(None) => "csv".into(),
            SinkFormat::Json(Some(c)) => format!("json.{}", c.extension()),
            SinkFormat::Csv(Some(c)) => format!("csv.{}", c.extension()),
            SinkFormat::Parquet(_) => "parquet".into(),
        }
    }
}

/// Writes batches as files with a commit log.
pub struct FileSink {
    files: Arc<SinkFiles>,
}

/// Where and how a file sink writes: shared by the driver and every worker's writer.
struct SinkFiles {
    path: PathBuf,
    format: SinkFormat,
    partition_by: Vec<usize>,
    /// Timestamps are written as local text in this zone (the `timeZone` option).
    zone: sluice_core::time::Zone,
    /// How JSON and CSV files write timestamps and dates: the `timestampFormat` and
    /// `dateFormat` options, else Spark's writers' defaults (`2024-03-10T10:11:12.500Z`).
    formats: sluice_core::time::TimeFormats,
    /// The text writers' other options.
    text: TextOptions,
}

/// The JSON and CSV writer options Sluice follows: `ignoreNullFields` (JSON), `header`,
/// `sep`/`delimiter` and `quote` (CSV). Spark's other writer options that change the
/// bytes (`escape`, `nullValue`, `emptyValue`, `quoteAll`, `escapeQuotes`, `lineSep`,
/// `encoding`/`charset`) are refused unless set to Spark's default, never ignored.
#[derive(Clone, Debug)]
pub struct TextOptions {
    ignore_null_fields: bool,
    header: bool,
    delimiter: u8,
    quote: u8,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions { ignore_null_fields: true, header: false, delimiter: b',', quote: b'"' }
    }
}

impl TextOptions {
    /// The options of a JSON or CSV sink, checked.
    pub fn from_options(options: &sluice_core::Options) -> Result<TextOptions> {
        let defaults: [(&str, &[&str]); 8] = [
            ("escape", &["\\"]),
            ("nullValue", &[""]),
            ("emptyValue", &["\"\""]),
            ("quoteAll", &["false"]),
            ("escapeQuotes", &["true"]),
            ("lineSep", &["\n"]),
            ("encoding", &["utf-8", "utf8"]),
            ("charset", &["utf-8", "utf8"]),
        ];
        for (key, allowed) in defaults {
            if let Some(v) = options.get(key) {
                if !allowed.iter().any(|a| a.eq_ignore_ascii_case(v)) {
                    return Err(SluiceError::option(
                        key,
                        format!("'{v}' is not supported by the file sink yet (only Spark's default)"),
                    ));
                }
            }
        }
        let one_char = |key: &str| -> Result<Option<u8>> {
            match options.get(key) {
                None => Ok(None),
                Some(v) if v.len() == 1 => Ok(Some(v.as_bytes()[0])),
                Some(v) => Err(SluiceError::option(key, format!("expected one character, got '{v}'"))),
            }
        };
        Ok(TextOptions {
            ignore_null_fields: options.get_bool("ignoreNullFields", true)?,
            header: options.get_bool("header", false)?,
            delimiter: one_char("sep")?.or(one_char("delimiter")?).unwrap_or(b','),
            quote: one_char("quote")?.unwrap_or(b'"'),
        })
    }
}

impl FileSink {
    /// A sink writing `format` files under `path`, partitioned by the columns at `partition_by`.
    pub fn new(path: impl Into<PathBuf>, format: SinkFormat, partition_by: Vec<usize>) -> Result<FileSink> {
        let path = path.into();
        std::fs::create_dir_all(path.join(METADATA_DIR)).map_err(|e| SluiceError::io(&path, e))?;
        let files = SinkFiles {
            path,
            format,
            partition_by,
            zone: Default::default(),
            formats: Default::default(),
            text: Default::default(),
        };
        Ok(FileSink { files: Arc::new(files) })
    }

    /// The same sink writing timestamps as local text in `zone` (Spark's `timeZone` option).
    pub fn in_zone(self, zone: sluice_core::time::Zone) -> FileSink {
        self.with_formats(sluice_core::time::TimeFormats::in_zone(zone))
    }

    /// The same sink with the JSON/CSV writer options `text`.
    pub fn with_text_options(mut self, text: TextOptions) -> FileSink {
        Arc::get_mut(&mut self.files).expect("a new sink's files are not shared yet").text = text;
        self
    }

    /// The same sink writing timestamps and dates with `formats` (the writer's
    /// `timestampFormat`, `dateFormat` and `timeZone` options).
    pub fn with_formats(mut self, formats: sluice_core::time::TimeFormats) -> FileSink {
        let files = Arc::get_mut(&mut self.files).expect("a new sink's files are not shared yet");
        files.zone = formats.zone();
        files.formats = formats;
        self
    }
}

impl SinkFiles {
    fn log(&self, batch_id: u64) -> PathBuf {
        self.path.join(METADATA_DIR).join(batch_id.to_string())
    }

    /// True when batch `batch_id` was committed (by this run or an earlier one).
    fn committed(&self, batch_id: u64) -> bool {
        self.log(batch_id).exists()
    }

    /// Writes `rows` as worker `worker`'s files of batch `batch_id`; returns one log
    /// entry (`{"path":..,"size":..}`) per file.
    fn write_part(&self, batch_id: u64, worker: usize, schema: &Schema, rows: &[Row]) -> Result<Vec<String>> {
        let data_columns: Vec<usize> = (0..schema.len()).filter(|i| !self.partition_by.contains(i)).collect();
        let mut groups: BTreeMap<PathBuf, Vec<&Row>> = BTreeMap::new();
        for row in rows {
            let mut dir = PathBuf::new();
            for &i in &self.partition_by {
                let value = match &row[i] {
                    Value::Null => NULL_PARTITION.to_string(),
                    v => escape_partition_value(&value_to_string(v, self.zone)),
                };
                dir.push(format!("{}={value}", escape_partition_value(&schema.fields[i].name)));
            }
            groups.entry(dir).or_default().push(row);
        }
        let ext = self.format.extension();
        let mut entries = Vec::with_capacity(groups.len());
        for (n, (dir, group)) in groups.iter().enumerate() {
            let relative = dir.join(format!("part-{batch_id:05}-{worker:05}-{n:05}.{ext}"));
            let size = self.write_file(&self.path.join(&relative), schema, &data_columns, group)?;
            let rel = relative.to_string_lossy().replace('\\', "/");
            entries.push(serde_json::json!({ "path": rel, "size": size }).to_string());
        }
        Ok(entries)
    }

    /// Commits batch `batch_id`: its log entry appears whole or not at all.
    fn commit(&self, batch_id: u64, entries: &[String]) -> Result<()> {
        let log = self.log(batch_id);
        if log.exists() {
            return Ok(());
        }
        let mut text = String::new();
        for e in entries {
            text.push_str(e);
            text.push('\n');
        }
        let tmp = self.path.join(METADATA_DIR).join(format!(".{batch_id}.tmp"));
        let mut f = std::fs::File::create(&tmp).map_err(|e| SluiceError::io(&tmp, e))?;
        f.write_all(text.as_bytes()).and_then(|_| f.sync_all()).map_err(|e| SluiceError::io(&tmp, e))?;
        std::fs::rename(&tmp, &log).map_err(|e| SluiceError::io(&log, e))?;
        Ok(())
    }

    fn write_file(&self, file: &Path, schema: &Schema, columns: &[usize], rows: &[&Row]) -> Result<u64> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| SluiceError::io(dir, e))?;
        }
        let mut out = Vec::new();
        let mut codec = None;
        match self.format {
            SinkFormat::Json(c) => {
                codec = c;
                let data_schema = Schema::new(columns.iter().map(|&i| schema.fields[i].clone()).collect());
                for row in rows {
                    let values: Row = columns.iter().map(|&i| row[i].clone()).collect();
                    let line = if self.text.ignore_null_fields {
                        row_to_spark_json(&data_schema, &values, &self.formats)
                    } else {
                        sluice_core::format::value_to_json_with(
                            &Value::Struct(values.into()),
                            &sluice_core::DataType::Struct(data_schema.fields.clone()),
                            &self.formats,
                        )
                    };
                    out.extend_from_slice(line.as_bytes());
                    out.push(b'\n');
                }
            }
            SinkFormat::Parquet(compression) => {
                out = crate::file::parquet::write_rows(schema, columns, rows, compression)?
            }
            SinkFormat::Csv(c) => {
                codec = c;
                let mut w = csv::WriterBuilder::new()
                    .has_headers(false)
                    .delimiter(self.text.delimiter)
                    .quote(self.text.quote)
                    .from_writer(&mut out);
                if self.text.header {
                    let names = columns.iter().map(|&i| schema.fields[i].name.as_str());
                    w.write_record(names).map_err(|e| SluiceError::exec(format!("CSV write: {e}")))?;
                }
                for row in rows {
                    let fields = columns.iter().map(|&i| match &row[i] {
                        Value::Null => String::new(),
                        Value::Timestamp(t) => self.formats.write_timestamp(*t),
                        Value::Date(d) => self.formats.write_date(*d),
                        v => value_to_string(v, self.zone),
                    });
                    w.write_record(fields).map_err(|e| SluiceError::exec(format!("CSV write: {e}")))?;
                }
                w.flush().map_err(|e| SluiceError::io(file, e))?;
            }
        }
        if let Some(codec) = codec {
            out = codec.compress(&out).map_err(|e| SluiceError::io(file, e))?;
        }
        std::fs::write(file, &out).map_err(|e| SluiceError::io(file, e))?;
        Ok(out.len() as u64)
    }
}

/// Escapes a partition value as Spark does (`%XX` for characters unsafe in a path), so no
/// value can name a directory outside the sink's path.
pub fn escape_partition_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if c.is_control() || "\"#%'*/:=?\\\x7f{[]^".contains(c) {
            for b in c.to_string().bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Sink for FileSink {
    /// The whole batch on the driver (a LIMIT query): written as worker 0's share.
    fn add_batch(&mut self, batch_id: u64, schema: &Schema, rows: Vec<Row>, _mode: OutputMode) -> Result<()> {
        if self.files.committed(batch_id) {
            // Committed by an earlier run: writing it again would duplicate its rows.
            return Ok(());
        }
        let entries = self.files.write_part(batch_id, 0, schema, &rows)?;
        self.files.commit(batch_id, &entries)
    }

    fn description(&self) -> String {
        format!("FileSink[{}]", self.files.path.display())
    }

    fn part_writers(&self, schema: &Schema) -> Option<Arc<dyn PartWriterFactory>> {
        Some(Arc::new(FileWriters { files: self.files.clone(), schema: schema.clone() }))
    }

    fn commit(&mut self, batch_id: u64, messages: Vec<String>) -> Result<()> {
        self.files.commit(batch_id, &messages)
    }
}

/// Makes each worker's file writer.
struct FileWriters {
    files: Arc<SinkFiles>,
    schema: Schema,
}

impl PartWriterFactory for FileWriters {
    fn create(&self, worker: usize, _workers: usize) -> Result<Box<dyn PartWriter>> {
        Ok(Box::new(FileWriter { files: self.files.clone(), schema: self.schema.clone(), worker }))
    }
}

/// One worker's share of each batch, as files named for the batch and the worker.
struct FileWriter {
    files: Arc<SinkFiles>,
    schema: Schema,
    worker: usize,
}

impl PartWriter for FileWriter {
    fn write(&mut self, batch_id: u64, rows: Vec<Row>) -> Result<Vec<String>> {
        if self.files.committed(batch_id) {
            return Ok(Vec::new());
        }
        self.files.write_part(batch_id, self.worker, &self.schema, &rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::DataType;

    #[test]
    fn a_replayed_batch_is_not_written_twice() {
        let dir = tempfile::tempdir().unwrap();
        let schema = Schema::default().with("n", DataType::Long);
        let mut sink = FileSink::new(dir.path(), SinkFormat::Json(None), Vec::new()).unwrap();
        sink.add_batch(0, &schema, vec![vec![Value::Long(1)]], OutputMode::Append).unwrap();
        // A restart that replays batch 0 (with whatever rows) must leave it as committed.
        let mut again = FileSink::new(dir.path(), SinkFormat::Json(None), Vec::new()).unwrap();
        again
            .add_batch(0, &schema, vec![vec![Value::Long(1)], vec![Value::Long(2)]], OutputMode::Append)
            .unwrap();
        again.add_batch(1, &schema, vec![vec![Value::Long(3)]], OutputMode::Append).unwrap();
        let files = committed_files(dir.path()).unwrap().unwrap();
        let text: String = files.iter().map(|(p, _, _)| std::fs::read_to_string(p).unwrap()).collect();
        assert_eq!(text, "{\"n\":1}\n{\"n\":3}\n");
        assert_eq!(files.iter().map(|f| f.2).collect::<Vec<_>>(), vec![0, 1]);
    }

    #[test]
    fn partition_values_cannot_leave_the_sink_path() {
        for (value, want) in
            [("a/b", "a%2Fb"), ("..", ".."), ("../x", "..%2Fx"), ("c:\\d", "c%3A%5Cd"), ("plain", "plain")]
        {
            assert_eq!(escape_partition_value(value), want);
            assert_eq!(Path::new(&format!("k={}", escape_partition_value(value))).components().count(), 1);
        }
    }
}
