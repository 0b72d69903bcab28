//! The file sink: each batch's rows as JSON-lines, CSV or Parquet files under `path`, optionally in
//! `column=value/` directories (`partitionBy`). Append mode only, as in Spark.
//!
//! Exactly once: a batch first writes its files (with names fixed by the batch id, so a
//! replayed batch overwrites its own half-written files), then atomically adds the list
//! of those files to the log `path/_sluice_metadata/<batch>`. A batch whose log entry
//! exists is not written again, and the file source reading `path` lists files from the
//! log, never from the directory, so it sees every committed row once and nothing else.

use sluice_core::format::{row_to_json, value_to_string};
use sluice_core::mode::OutputMode;
use sluice_core::sink::Sink;
use sluice_core::{Result, Row, Schema, SluiceError, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The log directory a file sink keeps under its path.
pub const METADATA_DIR: &str = "_sluice_metadata";

/// The value Spark writes for a null partition value.
const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// Output formats of the file sink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkFormat {
    /// One JSON object per line.
    Json,
    /// Comma-separated values, no header.
    Csv,
    /// One Apache Parquet file (uncompressed, all columns optional) per partition directory.
    Parquet,
}

/// Writes batches as files with a commit log.
pub struct FileSink {
    path: PathBuf,
    format: SinkFormat,
    partition_by: Vec<usize>,
}

impl FileSink {
    /// A sink writing `format` files under `path`, partitioned by the columns at `partition_by`.
    pub fn new(path: impl Into<PathBuf>, format: SinkFormat, partition_by: Vec<usize>) -> Result<FileSink> {
        let path = path.into();
        std::fs::create_dir_all(path.join(METADATA_DIR)).map_err(|e| SluiceError::io(&path, e))?;
        Ok(FileSink { path, format, partition_by })
    }

    fn write_file(&self, file: &Path, schema: &Schema, columns: &[usize], rows: &[&Row]) -> Result<u64> {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(|e| SluiceError::io(dir, e))?;
        }
        let mut out = Vec::new();
        match self.format {
            SinkFormat::Json => {
                let data_schema = Schema::new(columns.iter().map(|&i| schema.fields[i].clone()).collect());
                for row in rows {
                    let values: Row = columns.iter().map(|&i| row[i].clone()).collect();
                    out.extend_from_slice(row_to_json(&data_schema, &values).as_bytes());
                    out.push(b'\n');
                }
            }
            SinkFormat::Parquet => out = crate::file::parquet::write_rows(schema, columns, rows)?,
            SinkFormat::Csv => {
                let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(&mut out);
                for row in rows {
                    let fields = columns.iter().map(|&i| match &row[i] {
                        Value::Null => String::new(),
                        v => value_to_string(v),
                    });
                    w.write_record(fields).map_err(|e| SluiceError::exec(format!("CSV write: {e}")))?;
                }
                w.flush().map_err(|e| SluiceError::io(file, e))?;
            }
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
    fn add_batch(&mut self, batch_id: u64, schema: &Schema, rows: Vec<Row>, _mode: OutputMode) -> Result<()> {
        let log = self.path.join(METADATA_DIR).join(batch_id.to_string());
        if log.exists() {
            // Committed by an earlier run: writing it again would duplicate its rows.
            return Ok(());
        }
        let data_columns: Vec<usize> = (0..schema.len()).filter(|i| !self.partition_by.contains(i)).collect();
        let mut groups: BTreeMap<PathBuf, Vec<&Row>> = BTreeMap::new();
        for row in &rows {
            let mut dir = PathBuf::new();
            for &i in &self.partition_by {
                let value = match &row[i] {
                    Value::Null => NULL_PARTITION.to_string(),
                    v => escape_partition_value(&value_to_string(v)),
                };
                dir.push(format!("{}={value}", escape_partition_value(&schema.fields[i].name)));
            }
            groups.entry(dir).or_default().push(row);
        }
        let ext = match self.format {
            SinkFormat::Json => "json",
            SinkFormat::Csv => "csv",
            SinkFormat::Parquet => "parquet",
        };
        let mut entries = String::new();
        for (n, (dir, group)) in groups.iter().enumerate() {
            let relative = dir.join(format!("part-{batch_id:05}-{n:05}.{ext}"));
            let size = self.write_file(&self.path.join(&relative), schema, &data_columns, group)?;
            let rel = relative.to_string_lossy().replace('\\', "/");
            entries.push_str(&serde_json::json!({ "path": rel, "size": size }).to_string());
            entries.push('\n');
        }
        // Commit: the log entry appears whole or not at all.
        let tmp = self.path.join(METADATA_DIR).join(format!(".{batch_id}.tmp"));
        let mut f = std::fs::File::create(&tmp).map_err(|e| SluiceError::io(&tmp, e))?;
        f.write_all(entries.as_bytes()).and_then(|_| f.sync_all()).map_err(|e| SluiceError::io(&tmp, e))?;
        std::fs::rename(&tmp, &log).map_err(|e| SluiceError::io(&log, e))?;
        Ok(())
    }

    fn description(&self) -> String {
        format!("FileSink[{}]", self.path.display())
    }
}

/// The files a file sink committed under `dir`, in batch order, with their sizes; `None`
/// when `dir` has no sink log.
pub fn committed_files(dir: &Path) -> Result<Option<Vec<(PathBuf, u64, u64)>>> {
    let log_dir = dir.join(METADATA_DIR);
    if !log_dir.is_dir() {
        return Ok(None);
    }
    let mut batches: Vec<(u64, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(&log_dir).map_err(|e| SluiceError::io(&log_dir, e))? {
        let entry = entry.map_err(|e| SluiceError::io(&log_dir, e))?;
        if let Some(b) = entry.file_name().to_str().and_then(|n| n.parse::<u64>().ok()) {
            batches.push((b, entry.path()));
        }
    }
    batches.sort();
    let mut files = Vec::new();
    for (batch, log) in batches {
        let text = std::fs::read_to_string(&log).map_err(|e| SluiceError::io(&log, e))?;
        for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
            let bad = |why: &str| SluiceError::Malformed {
                path: log.clone(),
                line: i as u64 + 1,
                reason: why.to_string(),
            };
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(&e.to_string()))?;
            let path = v["path"].as_str().ok_or_else(|| bad("no \"path\" in the sink log entry"))?;
            let size = v["size"].as_u64().ok_or_else(|| bad("no \"size\" in the sink log entry"))?;
            files.push((dir.join(path), size, batch));
        }
    }
    Ok(Some(files))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::DataType;

    #[test]
    fn a_replayed_batch_is_not_written_twice() {
        let dir = tempfile::tempdir().unwrap();
        let schema = Schema::default().with("n", DataType::Long);
        let mut sink = FileSink::new(dir.path(), SinkFormat::Json, Vec::new()).unwrap();
        sink.add_batch(0, &schema, vec![vec![Value::Long(1)]], OutputMode::Append).unwrap();
        // A restart that replays batch 0 (with whatever rows) must leave it as committed.
        let mut again = FileSink::new(dir.path(), SinkFormat::Json, Vec::new()).unwrap();
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
