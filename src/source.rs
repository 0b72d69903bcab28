//! Sources as the runtime sees them: a planner on the driver decides what each
//! micro-batch reads (which files, which rows), and a reader on every worker reads its
//! share of it.

use crate::checkpoint::SourceOffsets;
use sluice_connectors::file::{
    plan_splits, FileFormat, FileSourceConfig, FileSourceState, FileSplit, RecordReader,
};
use sluice_connectors::kafka::{KafkaPlanner, KafkaRange, KafkaReader, KafkaSourceConfig};
use sluice_connectors::nexmark::{NexmarkGenerator, NexmarkOptions, NexmarkRange, NexmarkState};
use sluice_connectors::rate::{RateConfig, RateRange, RateState};
use sluice_connectors::socket::{SocketConfig, SocketSource};
use sluice_core::plan::{SourceInput, SourceKind};
use sluice_core::{Result, Row};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What one source contributes to one micro-batch. Serialisable: in cluster mode process 0
/// decides it and sends it to every process.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) enum BatchInput {
    /// Nothing new.
    Empty,
    /// Byte ranges of files, one list per worker.
    Files(Arc<Vec<Vec<FileSplit>>>),
    /// Rows held in memory; worker `i` takes every `peers`-th row from `i`.
    Rows(Arc<Vec<Row>>),
    /// Generated values; each worker makes its share.
    Range(RateRange),
    /// Offset ranges of Kafka partitions; each worker reads the partitions of its slots.
    Kafka(Arc<Vec<KafkaRange>>),
    /// Generated Nexmark events; each worker makes its share.
    Nexmark(NexmarkRange),
}

impl BatchInput {
    pub fn is_empty(&self) -> bool {
        match self {
            BatchInput::Empty => true,
            BatchInput::Files(f) => f.iter().all(|w| w.is_empty()),
            BatchInput::Rows(r) => r.is_empty(),
            BatchInput::Range(r) => r.count == 0,
            BatchInput::Kafka(r) => r.is_empty(),
            BatchInput::Nexmark(r) => r.is_empty(),
        }
    }
}

/// Reads a worker's share of a batch input, projected to the columns the query needs.
pub(crate) enum SourceReader {
    File(RecordReader, PartitionColumns),
    /// In-memory rows and generated rows, projected to these columns.
    Rows(Vec<usize>),
    /// Kafka records, projected to these columns.
    Kafka(KafkaReader, Vec<usize>),
    /// Nexmark events, generated with these columns.
    Nexmark(NexmarkGenerator, Vec<usize>),
}

impl SourceReader {
    pub fn new(input: &SourceInput) -> Result<SourceReader> {
        Ok(match &input.spec.kind {
            SourceKind::File { .. } => {
                let cfg = file_config(input)?;
                let partitions = PartitionColumns {
                    root: cfg.path.clone(),
                    columns: input
                        .projection
                        .iter()
                        .enumerate()
                        .map(|(j, &i)| {
                            (
                                j,
                                input.spec.schema.fields[i].name.clone(),
                                input.spec.schema.fields[i].data_type.clone(),
                            )
                        })
                        .collect(),
                };
                SourceReader::File(RecordReader::new(&cfg, &input.projection)?, partitions)
            }
            SourceKind::Rows(_) | SourceKind::Rate { .. } | SourceKind::Socket => {
                SourceReader::Rows(input.projection.clone())
            }
            SourceKind::Kafka => SourceReader::Kafka(
                KafkaReader::new(
                    kafka_config(input)?,
                    input.spec.options.get("groupIdPrefix").map(String::from),
                ),
                input.projection.clone(),
            ),
            SourceKind::Nexmark => SourceReader::Nexmark(
                NexmarkGenerator::new(&NexmarkOptions::from_options(&input.spec.options)?),
                input.projection.clone(),
            ),
        })
    }

    pub fn read(
        &self,
        part: &BatchInput,
        index: usize,
        peers: usize,
        emit: &mut dyn FnMut(Row),
    ) -> Result<()> {
        match (self, part) {
            (_, BatchInput::Empty) => Ok(()),
            (SourceReader::File(reader, partitions), BatchInput::Files(splits)) => {
                for split in splits.get(index).into_iter().flatten() {
                    let values = partitions.values_for(&split.path)?;
                    if values.is_empty() {
                        reader.read(split, emit)?;
                    } else {
                        reader.read(split, &mut |mut row| {
                            for (j, v) in &values {
                                row[*j] = v.clone();
                            }
                            emit(row)
                        })?;
                    }
                }
                Ok(())
            }
            (SourceReader::Rows(projection), BatchInput::Rows(rows)) => {
                let full = projection.len() == rows.first().map_or(0, |r| r.len())
                    && projection.iter().enumerate().all(|(i, &p)| i == p);
                for row in rows.iter().skip(index).step_by(peers.max(1)) {
                    if full {
                        emit(row.clone());
                    } else {
                        emit(projection.iter().map(|&i| row[i].clone()).collect());
                    }
                }
                Ok(())
            }
            (SourceReader::Kafka(reader, projection), BatchInput::Kafka(ranges)) => {
                reader.read(ranges, index, peers, &mut |row| {
                    emit(projection.iter().map(|&i| row[i].clone()).collect())
                })
            }
            (SourceReader::Rows(projection), BatchInput::Range(range)) => {
                range.generate(index, peers, &mut |row| {
                    emit(projection.iter().map(|&i| row[i].clone()).collect())
                });
                Ok(())
            }
            (SourceReader::Nexmark(generator, projection), BatchInput::Nexmark(range)) => {
                generator.generate(*range, index, peers, projection, emit);
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

pub(crate) fn file_config(input: &SourceInput) -> Result<FileSourceConfig> {
    match &input.spec.kind {
        SourceKind::File { format, path } => FileSourceConfig::new(
            FileFormat::parse(format)?,
            path,
            Some(input.spec.schema.clone()),
            &input.spec.options,
            false,
        ),
        SourceKind::Rows(_)
        | SourceKind::Rate { .. }
        | SourceKind::Socket
        | SourceKind::Kafka
        | SourceKind::Nexmark => {
            unreachable!("file_config is only called for file sources")
        }
    }
}

pub(crate) fn kafka_config(input: &SourceInput) -> Result<KafkaSourceConfig> {
    KafkaSourceConfig::from_options(&input.spec.options, input.spec.streaming)
}

/// Partition discovery, as Spark's: a file under `root/col=value/...` has `value` in the
/// column `col` (when the schema has it), unescaped and cast to the column's type.
pub(crate) struct PartitionColumns {
    root: std::path::PathBuf,
    /// `(index in the projected row, column name, type)` of every projected column.
    columns: Vec<(usize, String, sluice_core::DataType)>,
}

impl PartitionColumns {
    fn values_for(&self, file: &std::path::Path) -> Result<Vec<(usize, sluice_core::Value)>> {
        let mut values = Vec::new();
        for (name, raw) in sluice_connectors::file::partitions::partition_values(&self.root, file) {
            let Some((j, _, ty)) = self.columns.iter().find(|(_, n, _)| n.eq_ignore_ascii_case(&name)) else {
                continue;
            };
            let value = match raw {
                None => sluice_core::Value::Null,
                Some(v) => sluice_core::eval::cast_value(&sluice_core::Value::String(v.into()), ty)?,
            };
            values.push((*j, value));
        }
        Ok(values)
    }
}

/// Decides, on the driver, what each micro-batch of one source reads.
pub(crate) enum SourcePlanner {
    File {
        cfg: Box<FileSourceConfig>,
        state: FileSourceState,
        batches: u64,
        /// Files in the set fixed by `bound_to_available` (AvailableNow, Once).
        bounded_total: Option<usize>,
    },
    Rows {
        rows: Arc<Vec<Row>>,
        done: bool,
    },
    Rate {
        state: RateState,
        description: String,
    },
    Socket {
        source: SocketSource,
        description: String,
    },
    Kafka {
        planner: Box<KafkaPlanner>,
        description: String,
    },
    Nexmark {
        state: NexmarkState,
        description: String,
    },
}

/// The offsets a batch covers, for progress reports.
#[derive(Clone, Debug, Default)]
pub(crate) struct BatchOffsets {
    pub start: Option<serde_json::Value>,
    pub end: Option<serde_json::Value>,
    /// The newest offsets the source had (Spark's `latestOffset`); `end` when unset.
    pub latest: Option<serde_json::Value>,
}

/// What the next batch covers, decided but not yet split into work for the workers
/// (Spark's `latestOffset` done, `getBatch` to do).
pub(crate) enum PlannedBatch {
    /// These files, to split by byte range.
    Files(Vec<sluice_connectors::file::FileEntry>),
    /// Input that needs no further planning.
    Ready(BatchInput),
}

/// How much of a bounded backlog a source has read (for a progress bar): files of a file
/// source, offsets of a Kafka source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Backlog {
    pub done: u64,
    pub total: u64,
    pub unit: BacklogUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BacklogUnit {
    Files,
    Offsets,
}

impl Backlog {
    /// The progress metrics that report it: `numFilesRead`/`numFilesTotal` or
    /// `numOffsetsRead`/`numOffsetsTotal`.
    pub fn metrics(&self) -> BTreeMap<String, String> {
        let unit = match self.unit {
            BacklogUnit::Files => "Files",
            BacklogUnit::Offsets => "Offsets",
        };
        BTreeMap::from([
            (format!("num{unit}Read"), self.done.to_string()),
            (format!("num{unit}Total"), self.total.to_string()),
        ])
    }
}

impl SourcePlanner {
    pub fn new(input: &SourceInput) -> Result<SourcePlanner> {
        Ok(match &input.spec.kind {
            SourceKind::File { .. } => SourcePlanner::File {
                cfg: Box::new(file_config(input)?),
                state: FileSourceState::new(),
                batches: 0,
                bounded_total: None,
            },
            SourceKind::Rows(rows) => SourcePlanner::Rows { rows: rows.clone(), done: false },
            SourceKind::Socket => SourcePlanner::Socket {
                source: SocketSource::connect(&SocketConfig::from_options(&input.spec.options)?)?,
                description: input.spec.description.clone(),
            },
            SourceKind::Kafka => SourcePlanner::Kafka {
                planner: Box::new(KafkaPlanner::new(
                    kafka_config(input)?,
                    input.spec.options.get("groupIdPrefix"),
                )?),
                description: input.spec.description.clone(),
            },
            SourceKind::Rate { format } => SourcePlanner::Rate {
                state: RateState::new(RateConfig::from_options(format, &input.spec.options)?),
                description: input.spec.description.clone(),
            },
            SourceKind::Nexmark => SourcePlanner::Nexmark {
                state: NexmarkState::new(NexmarkOptions::from_options(&input.spec.options)?.pacing),
                description: input.spec.description.clone(),
            },
        })
    }

    /// For `Trigger.AvailableNow` (and `Once`): only what is available now will be read.
    pub fn bound_to_available(&mut self) -> Result<()> {
        match self {
            SourcePlanner::File { cfg, state, bounded_total, .. } => {
                state.bound_to_available(cfg)?;
                *bounded_total = state.files_left().map(|left| left + state.files_taken());
                Ok(())
            }
            SourcePlanner::Kafka { planner, .. } => planner.bound_to_available(),
            SourcePlanner::Rows { .. }
            | SourcePlanner::Rate { .. }
            | SourcePlanner::Socket { .. }
            | SourcePlanner::Nexmark { .. } => Ok(()),
        }
    }

    /// Files read out of the bounded set, when the source was bounded to what is available.
    pub fn backlog(&self) -> Option<Backlog> {
        match self {
            SourcePlanner::File { state, bounded_total: Some(total), .. } => {
                let left = state.files_left().unwrap_or(0);
                Some(Backlog {
                    done: total.saturating_sub(left) as u64,
                    total: *total as u64,
                    unit: BacklogUnit::Files,
                })
            }
            SourcePlanner::Kafka { planner, .. } => {
                let (done, total) = planner.backlog()?;
                Some(Backlog { done, total, unit: BacklogUnit::Offsets })
            }
            SourcePlanner::Nexmark { state, .. } => {
                let (done, total) = state.backlog()?;
                Some(Backlog { done, total, unit: BacklogUnit::Offsets })
            }
            _ => None,
        }
    }

    /// The source's `metrics` in progress reports: a bounded backlog's files or offsets
    /// read, and a Kafka source's offsets behind latest (Spark's).
    pub fn metrics(&self) -> BTreeMap<String, String> {
        let mut metrics = self.backlog().map(|b| b.metrics()).unwrap_or_default();
        if let SourcePlanner::Kafka { planner, .. } = self {
            metrics.extend(planner.metrics());
        }
        metrics
    }

    /// For `Trigger.Once`: read everything available in one batch, ignoring rate limits.
    pub fn lift_rate_limits(&mut self) {
        match self {
            SourcePlanner::File { cfg, .. } => {
                cfg.max_files_per_trigger = None;
                cfg.max_bytes_per_trigger = None;
            }
            SourcePlanner::Kafka { planner, .. } => planner.lift_rate_limit(),
            _ => {}
        }
    }

    /// What the next batch covers (Spark's `latestOffset`): the files it takes, the rows
    /// or the generated range.
    pub fn plan_next(&mut self) -> Result<(PlannedBatch, BatchOffsets)> {
        let empty = || Ok((PlannedBatch::Ready(BatchInput::Empty), BatchOffsets::default()));
        match self {
            SourcePlanner::File { cfg, state, batches, .. } => {
                let files = state.next_batch(cfg)?;
                if files.is_empty() {
                    return empty();
                }
                let start = batches.checked_sub(1).map(|b| serde_json::json!({ "logOffset": b }));
                let end = Some(serde_json::json!({ "logOffset": *batches }));
                *batches += 1;
                Ok((PlannedBatch::Files(files), BatchOffsets { start, end, latest: None }))
            }
            SourcePlanner::Rows { rows, done } => {
                if *done {
                    return empty();
                }
                *done = true;
                let end = Some(serde_json::json!(rows.len()));
                Ok((
                    PlannedBatch::Ready(BatchInput::Rows(rows.clone())),
                    BatchOffsets { start: None, end, latest: None },
                ))
            }
            SourcePlanner::Socket { source, .. } => {
                let start = source.offset();
                let rows = source.take()?;
                if rows.is_empty() {
                    return empty();
                }
                let offsets = BatchOffsets {
                    start: Some(serde_json::json!(start)),
                    end: Some(serde_json::json!(source.offset())),
                    latest: None,
                };
                Ok((PlannedBatch::Ready(BatchInput::Rows(Arc::new(rows))), offsets))
            }
            SourcePlanner::Kafka { planner, .. } => {
                let planned = planner.next_batch();
                for w in planner.take_warnings() {
                    eprintln!("WARN KafkaMicroBatchStream: {w}");
                }
                let latest = Some(serde_json::json!(planner.latest()));
                match planned? {
                    None => Ok((
                        PlannedBatch::Ready(BatchInput::Empty),
                        BatchOffsets { latest, ..Default::default() },
                    )),
                    Some((ranges, start, end)) => Ok((
                        PlannedBatch::Ready(BatchInput::Kafka(Arc::new(ranges))),
                        BatchOffsets {
                            start: Some(serde_json::json!(start)),
                            end: Some(serde_json::json!(end)),
                            latest,
                        },
                    )),
                }
            }
            SourcePlanner::Rate { state, .. } => {
                let start = state.offset();
                match state.next_batch() {
                    None => empty(),
                    Some(range) => Ok((
                        PlannedBatch::Ready(BatchInput::Range(range)),
                        BatchOffsets {
                            start: Some(serde_json::json!(start)),
                            end: Some(serde_json::json!(state.offset())),
                            latest: None,
                        },
                    )),
                }
            }
            SourcePlanner::Nexmark { state, .. } => {
                let start = state.offset();
                match state.next_batch() {
                    None => empty(),
                    Some(range) => Ok((
                        PlannedBatch::Ready(BatchInput::Nexmark(range)),
                        BatchOffsets {
                            start: Some(serde_json::json!(start)),
                            end: Some(serde_json::json!(state.offset())),
                            latest: None,
                        },
                    )),
                }
            }
        }
    }

    /// The work of a planned batch split for `workers` workers (Spark's `getBatch`).
    pub fn split(planned: PlannedBatch, workers: usize) -> BatchInput {
        match planned {
            PlannedBatch::Files(files) => BatchInput::Files(Arc::new(plan_splits(&files, workers))),
            PlannedBatch::Ready(input) => input,
        }
    }

    /// True when the source will never have new data (a socket whose server closed).
    pub fn is_exhausted(&self) -> bool {
        match self {
            SourcePlanner::Socket { source, .. } => source.is_exhausted(),
            SourcePlanner::Nexmark { state, .. } => state.is_exhausted(),
            _ => false,
        }
    }

    /// Spark's description of the source for progress reports.
    pub fn description(&self) -> String {
        match self {
            SourcePlanner::File { cfg, .. } => format!("FileStreamSource[file:{}]", cfg.path.display()),
            SourcePlanner::Rows { .. } => "MemoryStream".into(),
            SourcePlanner::Rate { description, .. }
            | SourcePlanner::Socket { description, .. }
            | SourcePlanner::Kafka { description, .. }
            | SourcePlanner::Nexmark { description, .. } => description.clone(),
        }
    }
}

/// Checkpoint support: what a planned batch records in `offsets/<b>`, and how a restarted
/// query puts its planners back where they were.
impl SourcePlanner {
    /// True when the source can re-read a recorded batch (a socket cannot).
    pub fn replayable(&self) -> bool {
        !matches!(self, SourcePlanner::Socket { .. })
    }

    /// What the batch just planned reads, and where the source is after it.
    pub fn record(&self, planned: &PlannedBatch) -> SourceOffsets {
        match (self, planned) {
            (SourcePlanner::File { .. }, PlannedBatch::Files(files)) => {
                SourceOffsets::Files { files: files.clone() }
            }
            (SourcePlanner::File { .. }, _) => SourceOffsets::Files { files: Vec::new() },
            (SourcePlanner::Rows { .. }, p) => {
                SourceOffsets::Rows { read: matches!(p, PlannedBatch::Ready(BatchInput::Rows(_))) }
            }
            (SourcePlanner::Rate { state, .. }, p) => {
                let (next, batches, start_us) = state.position();
                let range = match p {
                    PlannedBatch::Ready(BatchInput::Range(r)) => Some(*r),
                    _ => None,
                };
                SourceOffsets::Rate { range, next, batches, start_us }
            }
            (SourcePlanner::Nexmark { state, .. }, p) => {
                let (next, batches, start_us) = state.position();
                let range = match p {
                    PlannedBatch::Ready(BatchInput::Nexmark(r)) => Some(*r),
                    _ => None,
                };
                SourceOffsets::Nexmark { range, next, batches, start_us }
            }
            (SourcePlanner::Kafka { planner, .. }, p) => {
                let ranges = match p {
                    PlannedBatch::Ready(BatchInput::Kafka(r)) => r.to_vec(),
                    _ => Vec::new(),
                };
                SourceOffsets::Kafka { ranges, next: planner.position().cloned() }
            }
            (SourcePlanner::Socket { .. }, _) => SourceOffsets::Rows { read: true },
        }
    }

    /// Moves the planner past a recorded batch, as if it had planned it.
    pub fn apply_recorded(&mut self, recorded: &SourceOffsets) -> Result<()> {
        match (self, recorded) {
            (SourcePlanner::File { state, batches, .. }, SourceOffsets::Files { files }) => {
                if !files.is_empty() {
                    state.mark_taken(files.iter().map(|f| f.path.as_path()));
                    *batches += 1;
                }
            }
            (SourcePlanner::Rows { done, .. }, SourceOffsets::Rows { read }) => *done |= *read,
            (SourcePlanner::Rate { state, .. }, SourceOffsets::Rate { next, batches, start_us, .. }) => {
                state.restore(*next, *batches, *start_us)
            }
            (
                SourcePlanner::Nexmark { state, .. },
                SourceOffsets::Nexmark { next, batches, start_us, .. },
            ) => state.restore(*next, *batches, *start_us),
            (SourcePlanner::Kafka { planner, .. }, SourceOffsets::Kafka { next, .. }) => {
                if let Some(next) = next {
                    planner.restore(next.clone());
                }
            }
            (planner, recorded) => {
                return Err(sluice_core::SluiceError::exec(format!(
                    "the checkpoint records a {} source where the query has {}",
                    recorded_kind(recorded),
                    planner.description()
                )))
            }
        }
        Ok(())
    }

    /// Re-plans exactly a recorded batch (one planned but not committed before a restart;
    /// `start()` already moved the planner past it with [`apply_recorded`](Self::apply_recorded)).
    pub fn replay(&self, recorded: &SourceOffsets) -> (PlannedBatch, BatchOffsets) {
        let planned = match recorded {
            SourceOffsets::Files { files } if !files.is_empty() => PlannedBatch::Files(files.clone()),
            SourceOffsets::Rows { read: true } => match self {
                SourcePlanner::Rows { rows, .. } => PlannedBatch::Ready(BatchInput::Rows(rows.clone())),
                _ => PlannedBatch::Ready(BatchInput::Empty),
            },
            SourceOffsets::Rate { range: Some(r), .. } => PlannedBatch::Ready(BatchInput::Range(*r)),
            SourceOffsets::Nexmark { range: Some(r), .. } => PlannedBatch::Ready(BatchInput::Nexmark(*r)),
            SourceOffsets::Kafka { ranges, .. } if !ranges.is_empty() => {
                PlannedBatch::Ready(BatchInput::Kafka(Arc::new(ranges.clone())))
            }
            _ => PlannedBatch::Ready(BatchInput::Empty),
        };
        let end = serde_json::to_value(recorded).ok();
        (planned, BatchOffsets { start: None, end, latest: None })
    }

    /// Marks files taken by batches purged from the offsets log.
    pub fn apply_compacted(&mut self, files: &[std::path::PathBuf]) {
        if let SourcePlanner::File { state, .. } = self {
            state.mark_taken(files.iter().map(|p| p.as_path()));
        }
    }
}

fn recorded_kind(r: &SourceOffsets) -> &'static str {
    match r {
        SourceOffsets::Files { .. } => "file",
        SourceOffsets::Rows { .. } => "memory",
        SourceOffsets::Rate { .. } => "rate",
        SourceOffsets::Kafka { .. } => "kafka",
        SourceOffsets::Nexmark { .. } => "nexmark",
    }
}
