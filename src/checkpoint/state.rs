//! Operator state in a checkpoint: per batch, only what the batch changed.
//!
//! - `state/<b>/delta-<part>`: the keys part `<part>` wrote or removed in batch `b`
//!   (Spark's `<version>.delta` files). A part is a worker (`0`, `1`, ...) or `result`, the
//!   driver's complete-mode table.
//! - `state/<b>/snapshot-<part>`: the part's whole state after batch `b`. A worker writes
//!   one at its first batch when it starts without state; later ones are folded from the
//!   last snapshot and the deltas after it, in the background ([`consolidate`], as
//!   Spark's maintenance task, every `spark.sql.streaming.stateStore.minDeltasForSnapshot`
//!   batches).
//! - The first format, still read: `state/<b>/part-<w>` and `state/<b>/result`, each the
//!   whole state after batch `b` as one bincode value.
//!
//! A file is a text header, `sluice-state v2 <delta|snapshot> part=<part> workers=<n>
//! bytes=<len> crc32=<crc>`, then per stateful operator its entries as records sorted by
//! key (`records`), so folding deltas into a snapshot is one merge over borrowed bytes. The state after batch `c` is the newest snapshot at or before `c` and every
//! delta after it up to `c` ([`chain`]); reading checks each file's header, length and
//! checksum, so a damaged or missing file is named, and the restore falls back to an
//! older snapshot (or an older batch: the driver then re-runs the batches after it).

use super::file::{bad, write_atomic, write_atomic_with, Durability};
use super::records;
use serde::{Deserialize, Serialize};
use sluice_core::{Result, SluiceError};
use sluice_operators::StoreChanges;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const MAGIC_V1: &str = "sluice-state v1";
const MAGIC: &str = "sluice-state v2";

/// Spark's option: how many deltas are written before a snapshot is folded from them.
pub const MIN_DELTAS_FOR_SNAPSHOT: &str = "spark.sql.streaming.stateStore.minDeltasForSnapshot";
/// Its default (Spark's).
pub const DEFAULT_MIN_DELTAS: u64 = 10;
/// Spark's option: the least time between two background snapshots.
pub const MAINTENANCE_INTERVAL: &str = "spark.sql.streaming.stateStore.maintenanceInterval";
/// Its default (Spark's).
pub const DEFAULT_MAINTENANCE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// Whose state a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Part {
    /// A worker's operators.
    Worker(usize),
    /// The driver's complete-mode result table (and LIMIT count).
    Result,
}

impl Part {
    fn name(self) -> String {
        match self {
            Part::Worker(i) => i.to_string(),
            Part::Result => "result".to_string(),
        }
    }

    /// The first format's file of this part.
    fn v1_file(self) -> String {
        match self {
            Part::Worker(i) => format!("part-{i}"),
            Part::Result => "result".to_string(),
        }
    }
}

/// A delta or a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// What one batch changed.
    Delta,
    /// The whole state.
    Snapshot,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Delta => "delta",
            Kind::Snapshot => "snapshot",
        }
    }
}

/// The file of `part`'s `kind` in a batch's state directory.
pub fn path(dir: &Path, kind: Kind, part: Part) -> PathBuf {
    dir.join(format!("{}-{}", kind.word(), part.name()))
}

/// Writes one part's state (a delta or a snapshot), durable now or at the checkpoint's
/// next flush; returns the bytes written.
pub fn write(
    dir: &Path,
    kind: Kind,
    part: Part,
    workers: usize,
    stores: &[StoreChanges],
    durability: Durability,
) -> Result<u64> {
    let bytes = encode(kind, part, workers, stores)?;
    write_atomic_with(&path(dir, kind, part), &bytes, durability)?;
    Ok(bytes.len() as u64)
}

fn encode(kind: Kind, part: Part, workers: usize, stores: &[StoreChanges]) -> Result<Vec<u8>> {
    Ok(with_header(kind, part, workers, records::encode(stores)))
}

fn with_header(kind: Kind, part: Part, workers: usize, body: Vec<u8>) -> Vec<u8> {
    let crc = crc32fast::hash(&body);
    let mut bytes = format!(
        "{MAGIC} {} part={} workers={workers} bytes={} crc32={crc:08x}\n",
        kind.word(),
        part.name(),
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}

/// What one state file holds.
pub enum Loaded {
    /// The first format: the whole state as one bincode value.
    Old(Vec<u8>),
    /// Per operator, its entries.
    Entries(Vec<StoreChanges>),
}

/// A state file read whole and checked: its header, length and checksum.
struct StateFile {
    path: PathBuf,
    bytes: Vec<u8>,
    /// Where the body starts (after the header line).
    body: usize,
    /// Of the first format.
    old: bool,
}

impl StateFile {
    /// Reads `path`, checking it was written for `part` of `workers` workers and is whole.
    fn open(path: &Path, part: Part, workers: usize) -> Result<StateFile> {
        let bytes = std::fs::read(path).map_err(|e| SluiceError::io(path, e))?;
        let end =
            bytes.iter().position(|b| *b == b'\n').ok_or_else(|| bad(path, "is truncated (no header)"))?;
        let header =
            std::str::from_utf8(&bytes[..end]).map_err(|_| bad(path, "is not a Sluice state file"))?;
        if let Some(rest) = header.strip_prefix(MAGIC_V1) {
            let expected = match part {
                Part::Worker(i) => format!("worker={i} workers={workers}"),
                Part::Result => "result".to_string(),
            };
            if rest.trim() != expected {
                return Err(other_workers(path, rest.trim(), &expected));
            }
            return Ok(StateFile { path: path.to_path_buf(), bytes, body: end + 1, old: true });
        }
        let rest = header
            .strip_prefix(MAGIC)
            .ok_or_else(|| bad(path, "is not a Sluice state file (or of another version)"))?;
        let fields: HashMap<&str, &str> = rest.split_whitespace().filter_map(|f| f.split_once('=')).collect();
        let expected = format!("part={} workers={workers}", part.name());
        let written = format!(
            "part={} workers={}",
            fields.get("part").unwrap_or(&"?"),
            fields.get("workers").unwrap_or(&"?")
        );
        if written != expected {
            return Err(other_workers(path, &written, &expected));
        }
        let len: usize = fields
            .get("bytes")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad(path, "has a damaged header"))?;
        let crc = fields
            .get("crc32")
            .and_then(|v| u32::from_str_radix(v, 16).ok())
            .ok_or_else(|| bad(path, "has a damaged header"))?;
        let body = &bytes[end + 1..];
        if body.len() != len {
            return Err(bad(
                path,
                format!("is truncated or damaged ({} bytes of state, the header says {len})", body.len()),
            ));
        }
        if crc32fast::hash(body) != crc {
            return Err(bad(path, "is damaged (its checksum does not match)"));
        }
        let file = StateFile { path: path.to_path_buf(), bytes, body: end + 1, old: false };
        file.entries()?;
        Ok(file)
    }

    /// Per operator, its entries (new format only), borrowed from the file.
    fn entries(&self) -> Result<Vec<Vec<records::Entry<'_>>>> {
        records::parse(&self.bytes[self.body..])
            .map_err(|e| bad(&self.path, format!("cannot be decoded: {e}")))
    }
}

/// Reads a state file of either format, checking it was written for `part` of `workers`
/// workers and is whole.
pub fn read(path: &Path, part: Part, workers: usize) -> Result<Loaded> {
    let file = StateFile::open(path, part, workers)?;
    if file.old {
        let StateFile { mut bytes, body, .. } = file;
        bytes.drain(..body);
        return Ok(Loaded::Old(bytes));
    }
    let stores = file
        .entries()?
        .into_iter()
        .map(|entries| entries.into_iter().map(|(k, v)| (k.to_vec(), v.map(<[u8]>::to_vec))).collect())
        .collect();
    Ok(Loaded::Entries(stores))
}

fn other_workers(path: &Path, written: &str, expected: &str) -> SluiceError {
    bad(
        path,
        format!("was written as '{written}', this run needs '{expected}' (restart with the same number of workers)"),
    )
}

/// The batch ids that have a state directory under `root` (`<checkpoint>/state`), in order.
pub fn batches(root: &Path) -> Result<Vec<u64>> {
    super::file::batch_ids(root)
}

/// The files that rebuild `part`'s state after batch `c`, oldest first, for each usable
/// base: the newest snapshot at or before `c` first, then older ones. Each candidate is a
/// base (a snapshot of either format) and every delta after it up to `c`; the search stops
/// at a batch with neither a delta nor a base. Empty when there is no base at all.
pub fn chains(root: &Path, part: Part, c: u64) -> Vec<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut deltas: Vec<PathBuf> = Vec::new();
    let mut b = c;
    loop {
        let dir = root.join(b.to_string());
        for base in [path(&dir, Kind::Snapshot, part), dir.join(part.v1_file())] {
            if base.exists() {
                let mut chain = vec![base];
                chain.extend(deltas.iter().rev().cloned());
                found.push(chain);
                break;
            }
        }
        let delta = path(&dir, Kind::Delta, part);
        if !delta.exists() || b == 0 {
            return found;
        }
        deltas.push(delta);
        b -= 1;
    }
}

/// The first chain of [`chains`] whose files all read whole; the error names the first
/// damaged or missing file when none does.
pub fn usable_chain(root: &Path, part: Part, workers: usize, c: u64) -> Result<Vec<PathBuf>> {
    let candidates = chains(root, part, c);
    let mut first_error = None;
    for chain in candidates {
        match chain.iter().try_for_each(|f| StateFile::open(f, part, workers).map(|_| ())) {
            Ok(()) => return Ok(chain),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| {
        let dir = root.join(c.to_string());
        bad(
            &path(&dir, Kind::Delta, part),
            format!("is missing, and no snapshot of part {} is found at or before batch {c}", part.name()),
        )
    }))
}

/// Folds `part`'s state after batch `b` into `state/<b>/snapshot-<part>` from its newest
/// snapshot and the deltas after it. Returns the bytes written (0 when `b` already has a
/// snapshot, or the base is of the first format, which only the workers can read).
pub fn consolidate(root: &Path, part: Part, workers: usize, b: u64) -> Result<u64> {
    let chain = usable_chain(root, part, workers, b)?;
    if chain.len() == 1 {
        return Ok(0);
    }
    let files = chain.iter().map(|f| StateFile::open(f, part, workers)).collect::<Result<Vec<_>>>()?;
    if files[0].old {
        return Ok(0);
    }
    let snapshot = files[0].entries()?;
    let mut deltas = Vec::with_capacity(files.len() - 1);
    for file in &files[1..] {
        let entries = file.entries()?;
        if entries.len() != snapshot.len() {
            return Err(bad(
                &file.path,
                format!("holds {} operators' state, its snapshot {}", entries.len(), snapshot.len()),
            ));
        }
        deltas.push(entries);
    }
    let body = records::fold(&snapshot, &deltas);
    let dir = root.join(b.to_string());
    let bytes = with_header(Kind::Snapshot, part, workers, body);
    if let Some(ms) = std::env::var(PAUSE_ENV).ok().and_then(|v| v.parse::<u64>().ok()) {
        // A test hook, as a slow disk: half the snapshot sits in its temporary file for a
        // while, so a test can kill the process in the middle of writing it.
        let tmp = dir.join(format!(".snapshot-{}.{}.tmp", part.name(), std::process::id()));
        std::fs::write(&tmp, &bytes[..bytes.len() / 2]).map_err(|e| SluiceError::io(&tmp, e))?;
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    write_atomic(&path(&dir, Kind::Snapshot, part), &bytes)?;
    Ok(bytes.len() as u64)
}

/// Test hook: milliseconds a consolidation waits with half its snapshot written.
pub const PAUSE_ENV: &str = "SLUICE_TEST_CONSOLIDATION_PAUSE_MS";

/// Removes state no restart can need once batches before `keep_from` are gone: per part,
/// everything before its newest snapshot at or before `keep_from` (the base of every
/// retained batch's chain), and the snapshots between that base and its newest one.
pub fn purge(root: &Path, keep_from: u64) -> Result<()> {
    let ids = batches(root)?;
    // Per part name: the batches with a snapshot (either format).
    let mut snapshots: HashMap<String, Vec<u64>> = HashMap::new();
    let mut files: Vec<(u64, PathBuf, String, bool)> = Vec::new();
    for &b in &ids {
        let dir = root.join(b.to_string());
        let read = match std::fs::read_dir(&dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(SluiceError::io(&dir, e)),
        };
        for e in read {
            let e = e.map_err(|e| SluiceError::io(&dir, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let (part, snapshot) = if let Some(p) = name.strip_prefix("snapshot-") {
                (p.to_string(), true)
            } else if let Some(p) = name.strip_prefix("delta-") {
                (p.to_string(), false)
            } else if let Some(p) = name.strip_prefix("part-") {
                (p.to_string(), true)
            } else if name == "result" {
                ("result".to_string(), true)
            } else {
                // A temporary file of an interrupted write: only ever removed with its batch.
                (String::new(), false)
            };
            if snapshot {
                snapshots.entry(part.clone()).or_default().push(b);
            }
            files.push((b, e.path(), part, snapshot));
        }
    }
    let bases: HashMap<&String, Option<u64>> =
        snapshots.iter().map(|(p, l)| (p, l.iter().copied().filter(|&s| s <= keep_from).max())).collect();
    // Below every part's base nothing is needed, not even a temporary file a kill left.
    let floor = if bases.is_empty() { 0 } else { bases.values().map(|b| b.unwrap_or(0)).min().unwrap_or(0) };
    for (b, file, part, snapshot) in files {
        let drop = match (bases.get(&part), snapshots.get(&part)) {
            (Some(Some(base)), Some(list)) => {
                let newest = list.iter().copied().max().unwrap_or(0);
                b < *base || (snapshot && b > *base && b < newest)
            }
            _ => part.is_empty() && b < floor,
        };
        if drop {
            remove(&file)?;
        }
    }
    for b in ids.into_iter().filter(|&b| b < floor) {
        let dir = root.join(b.to_string());
        if std::fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_none()) {
            std::fs::remove_dir(&dir).map_err(|e| SluiceError::io(&dir, e))?;
        }
    }
    Ok(())
}

fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(SluiceError::io(path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::{Row, Value};
    use sluice_operators::KeyedState;

    /// Keys that group equal but are written differently (`-0.0`/`0.0`, NaNs), and others.
    fn key(n: u64) -> Row {
        match n % 6 {
            0 => vec![Value::double(-0.0)],
            1 => vec![Value::double(0.0)],
            2 => vec![Value::double(f64::NAN)],
            3 => vec![Value::double(-f64::NAN)],
            _ => vec![Value::Long((n % 40) as i64)],
        }
    }

    fn sorted(state: &KeyedState<i64>) -> Vec<(Row, i64)> {
        let mut v: Vec<(Row, i64)> = state.iter().map(|(k, v)| (k.clone(), *v)).collect();
        v.sort();
        v
    }

    /// Random writes and removals over 30 batches, a delta per batch and a snapshot folded
    /// every 4: the state rebuilt for every batch from its chain equals the live state.
    #[test]
    fn chains_of_snapshots_and_deltas_rebuild_every_batch() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut live: KeyedState<i64> = KeyedState::tracking(true);
        let mut expected = Vec::new();
        let mut rng = 0x9e3779b97f4a7c15u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for b in 0..30u64 {
            for _ in 0..next() % 12 {
                let k = key(next());
                match next() % 3 {
                    0 => {
                        live.remove(&k);
                    }
                    _ => *live.entry_or_insert_with(k, || 0) += 1,
                }
            }
            let whole = b == 0;
            let kind = if whole { Kind::Snapshot } else { Kind::Delta };
            let changes = live.take_changes(whole).unwrap();
            write(&root.join(b.to_string()), kind, Part::Worker(0), 1, &[changes], Durability::Deferred)
                .unwrap();
            if b % 4 == 3 {
                consolidate(root, Part::Worker(0), 1, b).unwrap();
            }
            expected.push(sorted(&live));
        }
        assert!(root.join("27/snapshot-0").exists());
        for (c, want) in expected.iter().enumerate() {
            let chain = usable_chain(root, Part::Worker(0), 1, c as u64).unwrap();
            let mut rebuilt: KeyedState<i64> = KeyedState::tracking(true);
            for file in &chain {
                let Loaded::Entries(mut stores) = read(file, Part::Worker(0), 1).unwrap() else { panic!() };
                rebuilt.apply(stores.remove(0)).unwrap();
            }
            assert_eq!(&sorted(&rebuilt), want, "batch {c} from {chain:?}");
        }
        // Retention after batch 29 keeping from batch 25: the base is the snapshot of 23.
        purge(root, 25).unwrap();
        assert!(!root.join("22").exists() && root.join("23/snapshot-0").exists());
        for c in 23..30 {
            assert!(usable_chain(root, Part::Worker(0), 1, c).is_ok(), "batch {c} after the purge");
        }
    }
}
