//! Checkpoints (`checkpointLocation`): what a query needs to survive `kill -9` at any
//! instant, in Spark's layout.
//!
//! - `metadata`: the query id (kept across restarts) and the query's shape.
//! - `offsets/<b>` ([`OffsetEntry`]): written before batch `b` runs: what each source reads
//!   and the watermarks in force.
//! - `state/<b>/part-<w>`: worker `w`'s operator state after batch `b` (every batch), and
//!   `state/<b>/result`, the complete-mode result table.
//! - `commits/<b>` ([`CommitEntry`]): written once the sink committed batch `b`.
//! - `sources/<i>/compact`: files a file source took in batches purged by retention.
//!
//! Every file is written atomically (temp file, fsync, rename, fsync of the directory).
//! On restart, the last commit gives the state and the sources' positions; an offsets
//! entry past it is re-run exactly as recorded.

mod file;
mod log;
mod shape;
pub(crate) mod state;

pub(crate) use log::{CommitEntry, CompactFiles, OffsetEntry};
pub(crate) use shape::{query_shape, QueryShape};

use serde::{Deserialize, Serialize};
use sluice_core::{Result, SluiceError};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// Spark's `spark.sql.streaming.minBatchesToRetain` and its default.
pub const MIN_BATCHES_TO_RETAIN: &str = "spark.sql.streaming.minBatchesToRetain";
const DEFAULT_RETAIN: u64 = 100;

#[derive(Serialize, Deserialize)]
struct Metadata {
    id: Uuid,
    shape: QueryShape,
}

/// An open checkpoint directory.
pub(crate) struct Checkpoint {
    dir: PathBuf,
    retain: u64,
}

/// Where a restarted query goes on from.
#[derive(Default)]
pub(crate) struct Recovery {
    /// The first batch id to run.
    pub next_batch: u64,
    /// The last committed batch and its commit entry.
    pub committed: Option<(u64, CommitEntry)>,
    /// The offsets entry of the last committed batch.
    pub committed_offsets: Option<OffsetEntry>,
    /// Offsets entries of the retained committed batches, oldest first (sources replay
    /// them to find their position).
    pub history: Vec<OffsetEntry>,
    /// Per source, files taken by purged batches.
    pub compacted: Vec<CompactFiles>,
    /// A batch planned but not committed: re-run exactly.
    pub replay: Option<(u64, OffsetEntry)>,
}

impl Checkpoint {
    /// Opens (or creates) the checkpoint at `dir` for a query of `shape` with `sources`
    /// sources; returns it with the query id and where to go on from.
    pub fn open(
        dir: &Path,
        shape: &QueryShape,
        sources: usize,
        retain: Option<&str>,
    ) -> Result<(Checkpoint, Uuid, Recovery)> {
        let retain = match retain {
            None => DEFAULT_RETAIN,
            Some(v) => v.trim().parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                SluiceError::option(MIN_BATCHES_TO_RETAIN, format!("expected a positive integer, got '{v}'"))
            })?,
        };
        std::fs::create_dir_all(dir).map_err(|e| SluiceError::io(dir, e))?;
        let cp = Checkpoint { dir: dir.to_path_buf(), retain };
        let meta_path = dir.join("metadata");
        let id = if meta_path.exists() {
            let meta: Metadata = file::read_json(&meta_path)?;
            if let Some(what) = shape::differences(&meta.shape, shape) {
                return Err(SluiceError::analysis(format!(
                    "the checkpoint at {} was written by a different query: {what}. Use a new checkpointLocation for a changed query",
                    dir.display()
                )));
            }
            meta.id
        } else {
            let id = Uuid::new_v4();
            file::write_json(&meta_path, &Metadata { id, shape: shape.clone() })?;
            id
        };
        let recovery = cp.recover(sources)?;
        Ok((cp, id, recovery))
    }

    fn offsets_path(&self, b: u64) -> PathBuf {
        self.dir.join("offsets").join(b.to_string())
    }

    fn commits_path(&self, b: u64) -> PathBuf {
        self.dir.join("commits").join(b.to_string())
    }

    fn compact_path(&self, source: usize) -> PathBuf {
        self.dir.join("sources").join(source.to_string()).join("compact")
    }

    /// The directory of batch `b`'s state snapshot.
    pub fn state_dir(&self, b: u64) -> PathBuf {
        self.dir.join("state").join(b.to_string())
    }

    fn recover(&self, sources: usize) -> Result<Recovery> {
        let offsets = file::batch_ids(&self.dir.join("offsets"))?;
        let commits = file::batch_ids(&self.dir.join("commits"))?;
        let mut rec = Recovery::default();
        for i in 0..sources {
            let path = self.compact_path(i);
            rec.compacted.push(if path.exists() { file::read_json(&path)? } else { CompactFiles::default() });
        }
        let last_commit = commits.last().copied();
        let Some(&last_offsets) = offsets.last() else {
            if let Some(c) = last_commit {
                return Err(SluiceError::exec(format!(
                    "checkpoint {}: commits/{c} exists but no offsets entry: the directory is damaged",
                    self.dir.display()
                )));
            }
            return Ok(rec);
        };
        let read_offsets = |b: u64| -> Result<OffsetEntry> {
            let entry: OffsetEntry = file::read_json(&self.offsets_path(b))?;
            if entry.sources.len() != sources {
                return Err(file::bad(
                    &self.offsets_path(b),
                    format!("records {} sources, the query has {sources}", entry.sources.len()),
                ));
            }
            Ok(entry)
        };
        if let Some(c) = last_commit {
            if last_offsets != c && last_offsets != c + 1 {
                return Err(SluiceError::exec(format!(
                    "checkpoint {}: the last offsets entry is {last_offsets} but the last commit is {c}: the directory is damaged",
                    self.dir.display()
                )));
            }
            let entry: CommitEntry = file::read_json(&self.commits_path(c))?;
            rec.committed = Some((c, entry));
            for &b in offsets.iter().filter(|&&b| b <= c) {
                rec.history.push(read_offsets(b)?);
            }
            rec.committed_offsets = rec.history.last().cloned();
            if !offsets.contains(&c) {
                return Err(file::bad(&self.offsets_path(c), "is missing (the batch was committed)"));
            }
            rec.next_batch = c + 1;
        }
        if last_commit != Some(last_offsets) {
            rec.replay = Some((last_offsets, read_offsets(last_offsets)?));
            rec.next_batch = last_offsets;
        }
        Ok(rec)
    }

    /// Records batch `b`'s offsets before it runs.
    pub fn write_offsets(&self, b: u64, entry: &OffsetEntry) -> Result<()> {
        file::write_json(&self.offsets_path(b), entry)
    }

    /// Records that batch `b` is committed, then purges entries beyond retention.
    pub fn write_commit(&self, b: u64, entry: &CommitEntry) -> Result<()> {
        file::write_json(&self.commits_path(b), entry)?;
        self.purge(b)
    }

    /// Drops offsets, commits and state of batches more than `minBatchesToRetain` before
    /// `b`, first folding the files a file source took in them into its compact list.
    fn purge(&self, b: u64) -> Result<()> {
        let Some(keep_from) = (b + 1).checked_sub(self.retain) else { return Ok(()) };
        let old: Vec<u64> =
            file::batch_ids(&self.dir.join("offsets"))?.into_iter().filter(|&x| x < keep_from).collect();
        if old.is_empty() {
            return Ok(());
        }
        let mut compact: Vec<Option<CompactFiles>> = Vec::new();
        for &x in &old {
            let entry: OffsetEntry = file::read_json(&self.offsets_path(x))?;
            compact.resize(entry.sources.len(), None);
            for (i, s) in entry.sources.iter().enumerate() {
                if let Some(files) = crate::connector::recorded_files(s) {
                    let c = match &mut compact[i] {
                        Some(c) => c,
                        slot => {
                            let path = self.compact_path(i);
                            let loaded =
                                if path.exists() { file::read_json(&path)? } else { CompactFiles::default() };
                            slot.insert(loaded)
                        }
                    };
                    c.files.extend(files);
                }
            }
        }
        for (i, c) in compact.into_iter().enumerate() {
            if let Some(mut c) = c {
                c.up_to = keep_from;
                c.files.sort();
                c.files.dedup();
                file::write_json(&self.compact_path(i), &c)?;
            }
        }
        for x in old {
            // Commits go first: an offsets entry without its commit is re-run, never the reverse.
            for path in [self.commits_path(x), self.offsets_path(x)] {
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(SluiceError::io(&path, e)),
                }
            }
            let state = self.state_dir(x);
            if state.exists() {
                std::fs::remove_dir_all(&state).map_err(|e| SluiceError::io(&state, e))?;
            }
        }
        Ok(())
    }
}
