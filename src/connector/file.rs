//! The file source (`json`, `csv`, `text`, `parquet`), as Spark's `FileStreamSource`:
//! each batch takes new files (under `maxFilesPerTrigger`/`maxBytesPerTrigger`), records
//! their list, and splits them by byte range so every worker parses a share.

use super::{SourceProvider, SourceRequest};
use crate::source::{
    tagged, untagged, Backlog, BacklogUnit, BatchOffsets, BatchPlan, PlannedBatch, Source, SourceReader,
};
use serde::{Deserialize, Serialize};
use sluice_connectors::file::{
    list_all, plan_splits, FileEntry, FileFormat, FileSourceConfig, FileSourceState, FileSplit, RecordReader,
};
use sluice_core::plan::{SourceInput, SourceSpec};
use sluice_core::{DataType, Result, Row, SluiceError, Value};
use std::path::{Path, PathBuf};

/// A file source of one format.
pub(super) struct FileConnector(FileFormat);

pub(super) static JSON: FileConnector = FileConnector(FileFormat::Json);
pub(super) static CSV: FileConnector = FileConnector(FileFormat::Csv);
pub(super) static TEXT: FileConnector = FileConnector(FileFormat::Text);
pub(super) static PARQUET: FileConnector = FileConnector(FileFormat::Parquet);

/// The connector's name in plans.
const NAME: &str = "file";

/// What the offsets log keeps of a batch: `{"files":{"files":[..]}}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct FilesRecord {
    pub files: Vec<FileEntry>,
}

const TAG: &str = "files";

/// The files a recorded batch took, for the checkpoint's compact list (`None` for a
/// record of another source).
pub(crate) fn recorded_files(recorded: &serde_json::Value) -> Option<Vec<PathBuf>> {
    let r: FilesRecord = serde_json::from_value(recorded.get(TAG)?.clone()).ok()?;
    Some(r.files.into_iter().map(|f| f.path).collect())
}

/// The config of a plan's file source.
fn config(spec: &SourceSpec) -> Result<FileSourceConfig> {
    let path = spec.path.as_deref().ok_or_else(|| SluiceError::analysis("a file source needs a path"))?;
    FileSourceConfig::new(
        FileFormat::parse(&spec.connector)?,
        path,
        Some(spec.schema.clone()),
        &spec.options,
        false,
    )
}

impl SourceProvider for FileConnector {
    fn describe(&self, r: &SourceRequest) -> Result<SourceSpec> {
        let path = r.path.ok_or_else(|| {
            SluiceError::analysis("'path' is not specified: file sources need a path (load(\"dir\"))")
        })?;
        let infer = !r.streaming || r.stream_schema_inference;
        let cfg = FileSourceConfig::new(self.0, path, r.schema.clone(), r.options, infer)?;
        let description = if r.streaming {
            format!("FileStreamSource[{path}]")
        } else {
            format!("Relation[{} {path}]", r.format)
        };
        Ok(SourceSpec {
            description,
            connector: r.format.to_string(),
            path: Some(path.to_string()),
            rows: None,
            schema: cfg.schema.clone(),
            options: r.options.clone(),
            streaming: r.streaming,
        })
    }

    fn shape(&self, spec: &SourceSpec) -> String {
        format!("{} files in {}", spec.connector, spec.path.as_deref().unwrap_or_default())
    }

    fn stream(&self, input: &SourceInput) -> Result<Box<dyn Source>> {
        Ok(Box::new(FileSource {
            cfg: Box::new(config(&input.spec)?),
            state: FileSourceState::new(),
            batches: 0,
            bounded_total: None,
        }))
    }

    fn reader(&self, input: &SourceInput) -> Result<Box<dyn SourceReader>> {
        let cfg = config(&input.spec)?;
        let fields = &input.spec.schema.fields;
        let partitions = PartitionColumns {
            root: cfg.path.clone(),
            columns: input
                .projection
                .iter()
                .enumerate()
                .map(|(j, &i)| (j, fields[i].name.clone(), fields[i].data_type.clone()))
                .collect(),
        };
        let filtered = match &input.filter {
            Some(predicate) => RecordReader::filtered(&cfg, &input.projection, predicate)?,
            None => None,
        };
        Ok(Box::new(FileReader { reader: RecordReader::new(&cfg, &input.projection)?, filtered, partitions }))
    }
}

/// The driver side: which files each batch takes.
struct FileSource {
    cfg: Box<FileSourceConfig>,
    state: FileSourceState,
    batches: u64,
    /// Files in the set fixed by `bound_to_available` (AvailableNow, Once).
    bounded_total: Option<usize>,
}

impl Source for FileSource {
    fn description(&self) -> String {
        format!("FileStreamSource[file:{}]", self.cfg.path.display())
    }

    fn plan_next(&mut self) -> Result<PlannedBatch> {
        let files = self.state.next_batch(&self.cfg)?;
        let mut offsets = BatchOffsets::default();
        if !files.is_empty() {
            offsets.start = self.batches.checked_sub(1).map(|b| serde_json::json!({ "logOffset": b }));
            offsets.end = Some(serde_json::json!({ "logOffset": self.batches }));
            self.batches += 1;
        }
        Ok(PlannedBatch { recorded: tagged(TAG, &FilesRecord { files }), offsets })
    }

    fn plan_partitions(&mut self, recorded: &serde_json::Value, workers: usize) -> Result<BatchPlan> {
        let r: FilesRecord = untagged(TAG, &self.description(), recorded)?;
        if r.files.is_empty() {
            return Ok(BatchPlan::empty(NAME));
        }
        Ok(BatchPlan::new(NAME, plan_splits(&r.files, workers)))
    }

    fn apply_recorded(&mut self, recorded: &serde_json::Value) -> Result<()> {
        let r: FilesRecord = untagged(TAG, &self.description(), recorded)?;
        if !r.files.is_empty() {
            self.state.mark_recorded(&self.cfg, &r.files);
            self.batches += 1;
        }
        Ok(())
    }

    fn bound_to_available(&mut self) -> Result<()> {
        self.state.bound_to_available(&self.cfg)?;
        self.bounded_total = self.state.files_left().map(|left| left + self.state.files_taken());
        Ok(())
    }

    fn lift_rate_limits(&mut self) {
        self.cfg.max_files_per_trigger = None;
        self.cfg.max_bytes_per_trigger = None;
    }

    fn backlog(&self) -> Option<Backlog> {
        let total = self.bounded_total?;
        let left = self.state.files_left().unwrap_or(0);
        Some(Backlog {
            done: total.saturating_sub(left) as u64,
            total: total as u64,
            unit: BacklogUnit::Files,
        })
    }

    fn committed(&mut self) {
        self.state.clean_committed(&self.cfg);
    }

    fn cleans_up(&self) -> bool {
        self.cfg.clean_source != sluice_connectors::file::CleanSource::Off
    }

    fn apply_compacted(&mut self, files: &[PathBuf]) {
        self.state.mark_taken(files.iter().map(|p| p.as_path()));
    }

    fn plan_bounded(&mut self, workers: usize) -> Result<BatchPlan> {
        // A batch read takes every file there is, as Spark's `read()` (no streaming limits).
        let files = list_all(&self.cfg)?;
        Ok(BatchPlan::new(NAME, plan_splits(&files, workers)))
    }
}

/// The worker side: parses its byte ranges.
struct FileReader {
    reader: RecordReader,
    /// The reader running the source's pushed filter while it parses; `None` where it
    /// cannot (`RecordReader::filtered`).
    filtered: Option<RecordReader>,
    partitions: PartitionColumns,
}

impl SourceReader for FileReader {
    fn read(&self, plan: &BatchPlan, index: usize, _peers: usize, emit: &mut dyn FnMut(Row)) -> Result<u64> {
        let Some(splits) = plan.get::<Vec<Vec<FileSplit>>>(NAME)? else { return Ok(0) };
        let mut skipped = 0;
        for split in splits.get(index).into_iter().flatten() {
            let values = self.partitions.values_for(&split.path)?;
            // A partition value replaces the file's after parsing: a filter reading one
            // cannot run before.
            let reader = match &self.filtered {
                Some(reader) if !values.iter().any(|(j, _)| reader.filter_columns().contains(j)) => reader,
                _ => &self.reader,
            };
            let stats = if values.is_empty() {
                reader.read(split, emit)?
            } else {
                reader.read(split, &mut |mut row| {
                    for (j, v) in &values {
                        row[*j] = v.clone();
                    }
                    emit(row)
                })?
            };
            skipped += stats.skipped;
        }
        Ok(skipped)
    }
}

/// Partition discovery, as Spark's: a file under `root/col=value/...` has `value` in the
/// column `col` (when the schema has it), unescaped and cast to the column's type.
struct PartitionColumns {
    root: PathBuf,
    /// `(index in the projected row, column name, type)` of every projected column.
    columns: Vec<(usize, String, DataType)>,
}

impl PartitionColumns {
    fn values_for(&self, file: &Path) -> Result<Vec<(usize, Value)>> {
        let mut values = Vec::new();
        for (name, raw) in sluice_connectors::file::partitions::partition_values(&self.root, file) {
            let Some((j, _, ty)) = self.columns.iter().find(|(_, n, _)| n.eq_ignore_ascii_case(&name)) else {
                continue;
            };
            let value = match raw {
                None => Value::Null,
                Some(v) => sluice_core::eval::cast_value(&Value::String(v.into()), ty)?,
            };
            values.push((*j, value));
        }
        Ok(values)
    }
}
