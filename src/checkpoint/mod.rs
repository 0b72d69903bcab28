//! Checkpoints (`checkpointLocation`): what a query needs to survive `kill -9` at any
//! instant, in Spark's layout.
//!
//! - `metadata`: the query id (kept across restarts) and the query's shape.
//! - `offsets/<b>` ([`OffsetEntry`]): written before batch `b` runs: what each source reads
//!   and the watermarks in force.
//! - `state/<b>/delta-<part>`: what batch `b` changed of a part's operator state (a
//!   worker's, or `result`, the driver's complete-mode table), and now and then
//!   `state/<b>/snapshot-<part>`, the whole state, folded in the background ([`state`]).
//! - `commits/<b>` ([`CommitEntry`]): written once the sink committed batch `b`.
//! - `sources/<i>/compact`: files a file source took in batches purged by retention.
//!
//! Every file is written atomically (temp file, rename). Only the offsets log (the
//! write-ahead log: what each batch reads), the metadata and the background snapshots
//! are fsynced before the write returns, with their directory. What a batch writes after
//! it runs, its state (deltas, a worker's first snapshot) and its commit entry, is not: a
//! killed process loses nothing of it (the page cache outlives the process), and the
//! checkpoint's flusher makes it durable off the batch's path, one `syncfs` every half
//! retention ([`Checkpoint::write_commit`]). An operating-system crash before that may
//! lose or shorten the newest of those files; the offsets log still holds their batches,
//! so the restart takes a batch whose commit entry does not read whole as not committed,
//! falls back to the newest state that reads whole, and re-runs the batches after it.
//! Retention never purges past what a flush made durable, so that fallback always has
//! its batches. (A commit is fsynced at once when a source's `cleanSource` removes the
//! batch's input at the commit: a re-run could not read it again.)
//!
//! On restart, the last commit gives the state and the sources' positions; offsets
//! entries past it are re-run exactly as recorded. When the last commit's state cannot be
//! rebuilt (a damaged or missing file), the newest committed batch whose state can is the
//! restore point, and the batches after it are re-run as recorded.

mod file;
mod log;
mod records;
mod shape;
pub(crate) mod state;

pub(crate) use file::Durability;
pub(crate) use log::{CommitEntry, CompactFiles, OffsetEntry};
pub(crate) use shape::{query_shape, QueryShape};
pub(crate) use state::Part;

use serde::{Deserialize, Serialize};
use sluice_core::{Result, SluiceError};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Spark's `spark.sql.streaming.minBatchesToRetain` and its default.
pub const MIN_BATCHES_TO_RETAIN: &str = "spark.sql.streaming.minBatchesToRetain";
const DEFAULT_RETAIN: u64 = 100;
/// How often (in batches) a checkpoint with a retention longer than this is purged.
const PURGE_EVERY: u64 = 10;

#[derive(Serialize, Deserialize)]
struct Metadata {
    id: Uuid,
    shape: QueryShape,
}

/// The worker count recorded in the checkpoint at `dir` for a query with state, if any.
pub(crate) fn recorded_workers(dir: &Path) -> Option<usize> {
    let meta: Metadata = file::read_json(&dir.join("metadata")).ok()?;
    meta.shape.get(shape::WORKERS)?.parse().ok()
}

/// The session configs a checkpoint reads.
pub(crate) struct CheckpointConf {
    /// `spark.sql.streaming.minBatchesToRetain`.
    pub retain: Option<String>,
    /// `spark.sql.streaming.stateStore.minDeltasForSnapshot`.
    pub min_deltas: Option<String>,
    /// `spark.sql.streaming.stateStore.maintenanceInterval`.
    pub maintenance_interval: Duration,
}

/// An open checkpoint directory.
pub(crate) struct Checkpoint {
    dir: PathBuf,
    retain: u64,
    /// Deltas between two snapshots (`minDeltasForSnapshot`).
    min_deltas: u64,
    /// Least time between two background snapshots (`maintenanceInterval`).
    maintenance_interval: Duration,
    /// When the last background snapshot started.
    last_maintenance: Instant,
    /// The batch of the newest snapshot, made or being made.
    last_snapshot: Option<u64>,
    /// Batches with a snapshot, as far as this run knows (made, folded or restored from).
    snapshots: BTreeSet<u64>,
    /// The snapshot retention last kept as the base; state files are listed and purged
    /// only when it changes or a background snapshot finished, not every batch.
    purged_base: Option<u64>,
    purge_state: bool,
    /// A snapshot being folded in the background.
    maintenance: Option<JoinHandle<Result<Consolidated>>>,
    /// The newest batch whose state files (and every older one's) a flush made durable.
    durable: Option<u64>,
    /// A flush running in the background, making batches up to the one it returns durable.
    flusher: Option<JoinHandle<Result<u64>>>,
}

/// A snapshot folded in the background from the deltas.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Consolidated {
    /// The batch whose state it holds.
    pub batch: u64,
    /// Bytes written, over all parts.
    pub bytes: u64,
    /// How long it took.
    pub ms: u64,
}

/// The committed batch a restarted query's state comes from.
pub(crate) struct RestorePoint {
    /// The batch (`None`: before the first batch, with empty state).
    pub batch: Option<u64>,
    /// Per part, the files to read: a snapshot, then deltas.
    pub chains: Vec<(Part, Vec<PathBuf>)>,
    /// Why a newer committed batch could not be the restore point.
    pub fell_back: Option<SluiceError>,
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
    /// Batches planned but not committed, oldest first: re-run exactly. One, after a
    /// killed process; more when an operating-system crash lost commit entries that were
    /// not yet flushed.
    pub replay: Vec<(u64, OffsetEntry)>,
}

/// Runs the calling thread at the lowest CPU priority (Linux: a thread's own nice value),
/// so a background snapshot takes the cores only when the workers leave them idle.
fn lower_priority() {
    // Linux: a thread's nice value is its own (setpriority on its thread id).
    let _ = thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min);
}

/// The batch of a chain's snapshot (its first file, `state/<b>/...`).
fn snapshot_batch(files: &[PathBuf]) -> Option<u64> {
    files.first()?.parent()?.file_name()?.to_str()?.parse().ok()
}

impl Drop for Checkpoint {
    fn drop(&mut self) {
        // A stopped query leaves no writer behind in its checkpoint, and its state durable.
        self.finish_maintenance();
        self.take_flush(true);
        if let Err(e) = file::sync_file_system(&self.dir) {
            eprintln!("warning: cannot flush the checkpoint's state to disk: {e}");
        }
    }
}

impl Checkpoint {
    /// Opens (or creates) the checkpoint at `dir` for a query of `shape` with `sources`
    /// sources; returns it with the query id and where to go on from.
    pub fn open(
        dir: &Path,
        shape: &QueryShape,
        sources: usize,
        conf: &CheckpointConf,
    ) -> Result<(Checkpoint, Uuid, Recovery)> {
        let positive =
            |name: &str, value: Option<&str>, default: u64| match value {
                None => Ok(default),
                Some(v) => v.trim().parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    SluiceError::option(name, format!("expected a positive integer, got '{v}'"))
                }),
            };
        let retain = positive(MIN_BATCHES_TO_RETAIN, conf.retain.as_deref(), DEFAULT_RETAIN)?;
        let min_deltas =
            positive(state::MIN_DELTAS_FOR_SNAPSHOT, conf.min_deltas.as_deref(), state::DEFAULT_MIN_DELTAS)?;
        std::fs::create_dir_all(dir).map_err(|e| SluiceError::io(dir, e))?;
        let cp = Checkpoint {
            dir: dir.to_path_buf(),
            retain,
            min_deltas,
            maintenance_interval: conf.maintenance_interval,
            last_maintenance: Instant::now(),
            last_snapshot: None,
            snapshots: BTreeSet::new(),
            purged_base: None,
            purge_state: true,
            maintenance: None,
            durable: None,
            flusher: None,
        };
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

    /// The directory of batch `b`'s state files.
    pub fn state_dir(&self, b: u64) -> PathBuf {
        self.state_root().join(b.to_string())
    }

    fn state_root(&self) -> PathBuf {
        self.dir.join("state")
    }

    /// Batch `b`'s offsets entry.
    pub fn read_offsets(&self, b: u64) -> Result<OffsetEntry> {
        file::read_json(&self.offsets_path(b))
    }

    /// Batch `b`'s commit entry.
    pub fn read_commit(&self, b: u64) -> Result<CommitEntry> {
        file::read_json(&self.commits_path(b))
    }

    /// The newest committed batch, at or before `committed`, whose state `parts` can
    /// rebuild from this checkpoint, with the files to read; before the first batch
    /// (empty state) when none can and batch 0 is still retained; an error naming the
    /// damaged or missing file otherwise.
    pub fn restore_point(&mut self, committed: u64, parts: &[Part], workers: usize) -> Result<RestorePoint> {
        let root = self.state_root();
        let retained = file::batch_ids(&self.dir.join("commits"))?;
        let mut fell_back: Option<SluiceError> = None;
        for &c in retained.iter().rev().filter(|&&c| c <= committed) {
            let chains: Result<Vec<(Part, Vec<PathBuf>)>> =
                parts.iter().map(|&p| Ok((p, state::usable_chain(&root, p, workers, c)?))).collect();
            match chains {
                Ok(chains) => {
                    self.last_snapshot = chains.iter().filter_map(|(_, files)| snapshot_batch(files)).min();
                    self.snapshots.extend(chains.iter().filter_map(|(_, files)| snapshot_batch(files)));
                    return Ok(RestorePoint { batch: Some(c), chains, fell_back });
                }
                Err(e) => {
                    fell_back.get_or_insert(e);
                }
            }
        }
        let error = fell_back.unwrap_or_else(|| SluiceError::exec("no committed batch to restore"));
        if retained.first() == Some(&0) && file::batch_ids(&self.dir.join("offsets"))?.first() == Some(&0) {
            return Ok(RestorePoint { batch: None, chains: Vec::new(), fell_back: Some(error) });
        }
        Err(error)
    }

    /// After batch `b`'s commit: takes the result of a finished background snapshot, and
    /// starts the next one once `minDeltasForSnapshot` deltas were written since the last.
    /// A failed background snapshot is reported and left: the deltas stay, the next one
    /// tries again.
    pub fn maintain(&mut self, b: u64, parts: &[Part], workers: usize) -> Option<Consolidated> {
        if parts.is_empty() {
            return None;
        }
        let mut done = None;
        if self.maintenance.as_ref().is_some_and(|h| h.is_finished()) {
            done = self.finish_maintenance();
        }
        // The first batch's state is whole already (the workers write it so).
        let due = match self.last_snapshot {
            None => {
                self.last_snapshot = Some(b);
                self.snapshots.insert(b);
                false
            }
            // As Spark's maintenance task: at most once per interval, and only once
            // `minDeltasForSnapshot` deltas were written since the last snapshot.
            Some(s) => {
                b >= s + self.min_deltas && self.last_maintenance.elapsed() >= self.maintenance_interval
            }
        };
        if self.maintenance.is_none() && due {
            self.last_snapshot = Some(b);
            self.last_maintenance = Instant::now();
            let (root, parts) = (self.state_root(), parts.to_vec());
            self.maintenance = Some(std::thread::spawn(move || {
                lower_priority();
                let started = Instant::now();
                let mut bytes = 0;
                for part in parts {
                    bytes += state::consolidate(&root, part, workers, b)?;
                }
                Ok(Consolidated { batch: b, bytes, ms: started.elapsed().as_millis() as u64 })
            }));
        }
        done
    }

    /// Waits for a background snapshot, if one runs.
    pub fn finish_maintenance(&mut self) -> Option<Consolidated> {
        let handle = self.maintenance.take()?;
        match handle.join() {
            Ok(Ok(done)) => {
                self.snapshots.insert(done.batch);
                self.purge_state = true;
                Some(done)
            }
            Ok(Err(e)) => {
                eprintln!("warning: a background state snapshot failed (the deltas are kept): {e}");
                None
            }
            Err(_) => {
                eprintln!("warning: a background state snapshot panicked (the deltas are kept)");
                None
            }
        }
    }

    /// Takes a finished background flush's result (waiting for a running one when `wait`).
    /// A failed flush is reported and left: the next one tries again.
    fn take_flush(&mut self, wait: bool) {
        if !wait && !self.flusher.as_ref().is_some_and(|h| h.is_finished()) {
            return;
        }
        let Some(handle) = self.flusher.take() else { return };
        match handle.join() {
            Ok(Ok(b)) => self.durable = self.durable.max(Some(b)),
            Ok(Err(e)) => {
                eprintln!("warning: a background flush of the checkpoint failed (retried later): {e}")
            }
            Err(_) => eprintln!("warning: a background flush of the checkpoint panicked (retried later)"),
        }
    }

    fn recover(&self, sources: usize) -> Result<Recovery> {
        let offsets = file::batch_ids(&self.dir.join("offsets"))?;
        let commits = file::batch_ids(&self.dir.join("commits"))?;
        let mut rec = Recovery::default();
        for i in 0..sources {
            let path = self.compact_path(i);
            rec.compacted.push(if path.exists() { file::read_json(&path)? } else { CompactFiles::default() });
        }
        // The newest commit entry that reads whole. Commit entries are flushed in the
        // background, so after an operating-system crash the newest ones may be missing,
        // empty or short: their batches are then not committed, and run again.
        let mut last_commit = None;
        let mut last_entry = None;
        for &c in commits.iter().rev() {
            match file::read_json::<CommitEntry>(&self.commits_path(c)) {
                Ok(entry) => {
                    (last_commit, last_entry) = (Some(c), Some(entry));
                    break;
                }
                Err(e) if offsets.contains(&c) => {
                    eprintln!("warning: {e}; batch {c} is taken as not committed and runs again");
                }
                Err(e) => return Err(e),
            }
        }
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
            if last_offsets < c {
                return Err(SluiceError::exec(format!(
                    "checkpoint {}: the last offsets entry is {last_offsets} but the last commit is {c}: the directory is damaged",
                    self.dir.display()
                )));
            }
            rec.committed = Some((c, last_entry.expect("read with the commit")));
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
            let first = last_commit.map_or(offsets[0], |c| c + 1);
            if first > 0 && last_commit.is_none() {
                return Err(SluiceError::exec(format!(
                    "checkpoint {}: offsets from batch {first} on are kept but no commit entry: the directory is damaged",
                    self.dir.display()
                )));
            }
            if let Some(gap) = (first..=last_offsets).find(|b| !offsets.contains(b)) {
                return Err(file::bad(&self.offsets_path(gap), "is missing (a later batch was planned)"));
            }
            for b in first..=last_offsets {
                rec.replay.push((b, read_offsets(b)?));
            }
            rec.next_batch = first;
        }
        Ok(rec)
    }

    /// Records batch `b`'s offsets before it runs (its sink's output must wait for it):
    /// a task, so that another thread may do it while the batch runs.
    pub fn offsets_writer(&self, b: u64, entry: OffsetEntry) -> impl FnOnce() -> Result<()> + Send + 'static {
        let path = self.offsets_path(b);
        move || file::write_json(&path, &entry)
    }

    /// Records that batch `b` is committed, then purges entries beyond retention, and
    /// now and then starts a background flush of what was written so far. The entry is
    /// on disk at once only when `durability` says so (a source's `cleanSource` is about
    /// to remove the batch's input); otherwise with the next flush, like the state.
    pub fn write_commit(&mut self, b: u64, entry: &CommitEntry, durability: Durability) -> Result<()> {
        file::write_json_with(&self.commits_path(b), entry, durability)?;
        self.take_flush(false);
        // Halfway through the retention: the purge then finds the batches it removes
        // durable already (a flush is a `syncfs`, which slows the writes beside it, so
        // seldom is better; retention bounds what an OS crash can make re-run anyway).
        let every = (self.retain / 2).max(1);
        if self.flusher.is_none() && self.durable.is_none_or(|d| b >= d + every) {
            let dir = self.dir.clone();
            self.flusher = Some(std::thread::spawn(move || {
                lower_priority();
                file::sync_file_system(&dir).map(|()| b)
            }));
        }
        // minBatchesToRetain is a least: with a long retention, purge every PURGE_EVERY
        // batches (Spark compacts its file-source log every 10), not every batch; the
        // listing, the compact list's rewrite and the deletions were a millisecond a batch.
        if self.retain <= PURGE_EVERY || b.is_multiple_of(PURGE_EVERY) {
            self.purge(b)?;
        }
        Ok(())
    }

    /// Drops offsets, commits and state of batches more than `minBatchesToRetain` before
    /// `b`, first folding the files a file source took in them into its compact list.
    fn purge(&mut self, b: u64) -> Result<()> {
        let Some(keep_from) = (b + 1).checked_sub(self.retain) else { return Ok(()) };
        // Batch `keep_from`'s state must be durable before the batches that could rebuild
        // it go: flush now when the background flush has not got that far.
        if self.durable.is_none_or(|d| d < keep_from) {
            self.take_flush(true);
        }
        if self.durable.is_none_or(|d| d < keep_from) {
            file::sync_file_system(&self.dir)?;
            self.durable = Some(b);
        }
        let base = self.snapshots.range(..=keep_from).next_back().copied();
        if self.purge_state || base != self.purged_base {
            state::purge(&self.state_root(), keep_from)?;
            self.purged_base = base;
            self.purge_state = false;
        }
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
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Retention never removes the batches that could rebuild state not yet flushed: after
    /// every commit, the oldest retained offsets entry is at or before the newest batch a
    /// flush made durable, whatever the background flusher has done by then.
    #[test]
    fn retention_waits_for_the_flush_of_the_state_it_keeps() {
        for retain in ["1", "3", "25"] {
            let dir = tempfile::tempdir().unwrap();
            let conf = CheckpointConf {
                retain: Some(retain.to_string()),
                min_deltas: None,
                maintenance_interval: Duration::from_secs(60),
            };
            let (mut cp, _, _) = Checkpoint::open(dir.path(), &QueryShape::new(), 1, &conf).unwrap();
            let entry = OffsetEntry {
                batch_timestamp_ms: 0,
                batch_watermark_ms: 0,
                late_watermark_ms: 0,
                operator_watermarks: Vec::new(),
                sources: vec![serde_json::json!({"rows": {"read": 0}})],
            };
            let commit = CommitEntry { next_batch_watermark_ms: 0, operator_watermarks: Vec::new() };
            for b in 0..120 {
                cp.offsets_writer(b, entry.clone())().unwrap();
                let delta = state::write(
                    &cp.state_dir(b),
                    state::Kind::Delta,
                    Part::Worker(0),
                    1,
                    &[],
                    Durability::Deferred,
                )
                .unwrap();
                assert!(delta > 0);
                cp.write_commit(b, &commit, Durability::Deferred).unwrap();
                let oldest = file::batch_ids(&dir.path().join("offsets")).unwrap()[0];
                assert!(
                    cp.durable.is_some_and(|d| d >= oldest) || oldest == 0,
                    "retain {retain}, batch {b}: offsets from {oldest} kept, durable through {:?}",
                    cp.durable
                );
            }
            // With a long retention the purge leaves more than it must, never less.
            let kept = file::batch_ids(&dir.path().join("offsets")).unwrap().len() as u64;
            assert!(kept >= retain.parse::<u64>().unwrap(), "retain {retain}: {kept} kept");
        }
    }
}
