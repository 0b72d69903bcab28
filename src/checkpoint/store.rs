//! The state store's files: per batch a delta of each part's keyed state, consolidated
//! into snapshots off the batch's critical path (Spark's HDFS-backed state store).
//!
//! `state/part-<w>/<b>.delta` holds what worker `w`'s operators changed in batch `b`
//! (upserts and deletes); `state/part-<w>/<b>.snapshot` every entry after batch `b`,
//! sorted by `(operator, key)`. The driver's result table lives in `state/driver/` alike.
//! Both files are a text header then checksummed frames of records `(operator id, key,
//! value or delete)`, then an end frame: a truncated or damaged file is an error naming it.
//! The bytes of keys and values belong to the operators ([`KeyedState`]).

use super::file::{bad, write_atomic, write_atomic_with};
use sluice_core::{Result, SluiceError};
use sluice_operators::KeyedState;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

const MAGIC: &str = "sluice-state v2";
/// Set in the environment, the process aborts in the middle of its first snapshot
/// consolidation (tests/checkpoint_crash.rs kills it there on purpose).
pub const ABORT_IN_SNAPSHOT: &str = "SLUICE_FAILPOINT_ABORT_IN_SNAPSHOT";
/// Records are framed in chunks of about this many bytes.
const FRAME_BYTES: usize = 1 << 20;

/// One operator's state, shared between it and the loop that saves it.
pub type SharedState = Rc<RefCell<dyn KeyedState>>;

/// One entry of a state file: `(operator id, key, value)`, `None` deleting the key.
type Record = (u32, Vec<u8>, Option<Vec<u8>>);

/// Whose state a directory holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// A worker's operators (by global worker index).
    Worker(usize),
    /// The driver's result table.
    Driver,
}

impl Part {
    fn name(self) -> String {
        match self {
            Part::Worker(w) => format!("part-{w}"),
            Part::Driver => "driver".into(),
        }
    }

    fn parse(name: &str) -> Option<Part> {
        if name == "driver" {
            return Some(Part::Driver);
        }
        name.strip_prefix("part-")?.parse().ok().map(Part::Worker)
    }
}

/// A delta (one batch's changes) or a snapshot (the whole state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The entries one batch changed.
    Delta,
    /// Every entry.
    Snapshot,
}

impl Kind {
    fn ext(self) -> &'static str {
        match self {
            Kind::Delta => "delta",
            Kind::Snapshot => "snapshot",
        }
    }
}

/// The directory of `part` under the state root.
pub fn part_dir(root: &Path, part: Part) -> PathBuf {
    root.join(part.name())
}

/// The file of `part`'s state at `version` (the batch after which it holds).
pub fn path(root: &Path, part: Part, version: u64, kind: Kind) -> PathBuf {
    part_dir(root, part).join(format!("{version}.{}", kind.ext()))
}

fn header(part: Part, version: u64, kind: Kind, workers: usize) -> String {
    format!("{MAGIC} {} version={version} part={} workers={workers}\n", kind.ext(), part.name())
}

/// Appends records to a state file as checksummed frames.
struct FrameWriter<W: Write> {
    out: W,
    frame: Vec<Record>,
    frame_bytes: usize,
    written: u64,
}

impl<W: Write> FrameWriter<W> {
    fn new(mut out: W, header: &str) -> std::io::Result<Self> {
        out.write_all(header.as_bytes())?;
        Ok(FrameWriter { out, frame: Vec::new(), frame_bytes: 0, written: header.len() as u64 })
    }

    fn push(&mut self, record: Record) -> std::io::Result<()> {
        self.frame_bytes += 16 + record.1.len() + record.2.as_ref().map_or(0, Vec::len);
        self.frame.push(record);
        if self.frame_bytes >= FRAME_BYTES {
            self.flush_frame()?;
        }
        Ok(())
    }

    fn flush_frame(&mut self) -> std::io::Result<()> {
        if self.frame.is_empty() {
            return Ok(());
        }
        let payload = bincode::serialize(&self.frame).map_err(std::io::Error::other)?;
        let len = u32::try_from(payload.len()).map_err(std::io::Error::other)?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(&crc32fast::hash(&payload).to_le_bytes())?;
        self.out.write_all(&payload)?;
        self.written += 8 + payload.len() as u64;
        self.frame.clear();
        self.frame_bytes = 0;
        Ok(())
    }

    /// Writes the end frame; returns the output and the file's size.
    fn finish(mut self) -> std::io::Result<(W, u64)> {
        self.flush_frame()?;
        self.out.write_all(&[0; 8])?;
        self.out.flush()?;
        Ok((self.out, self.written + 8))
    }
}

/// Reads the records of a state file, checking its header, checksums and end.
struct FrameReader<R: Read> {
    path: PathBuf,
    input: BufReader<R>,
    frame: std::vec::IntoIter<Record>,
    ended: bool,
}

impl FrameReader<std::fs::File> {
    fn open(path: &Path, expected_header: &str) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| SluiceError::io(path, e))?;
        let mut input = BufReader::with_capacity(1 << 16, file);
        let mut line = Vec::new();
        (&mut input).take(256).read_until(b'\n', &mut line).map_err(|e| SluiceError::io(path, e))?;
        if line.last() != Some(&b'\n') {
            return Err(bad(path, "is truncated or not a Sluice state file (no header line)"));
        }
        let found = String::from_utf8_lossy(&line);
        if found != expected_header {
            return Err(bad(
                path,
                format!(
                    "has header '{}', this run expects '{}' (a foreign file, another version, or another worker count?)",
                    found.trim_end(),
                    expected_header.trim_end()
                ),
            ));
        }
        Ok(FrameReader { path: path.to_path_buf(), input, frame: Vec::new().into_iter(), ended: false })
    }
}

impl<R: Read> FrameReader<R> {
    /// The next record, `None` at the (checked) end of the file.
    fn next_record(&mut self) -> Result<Option<Record>> {
        loop {
            if let Some(r) = self.frame.next() {
                return Ok(Some(r));
            }
            if self.ended {
                return Ok(None);
            }
            let mut head = [0u8; 8];
            self.input.read_exact(&mut head).map_err(|e| self.short(e))?;
            let len = u32::from_le_bytes(head[..4].try_into().expect("4 bytes")) as usize;
            let crc = u32::from_le_bytes(head[4..].try_into().expect("4 bytes"));
            if len == 0 {
                if crc != 0 {
                    return Err(bad(&self.path, "is corrupt (a bad end frame)"));
                }
                let mut rest = [0u8; 1];
                match self.input.read(&mut rest) {
                    Ok(0) => {}
                    Ok(_) => return Err(bad(&self.path, "is corrupt (bytes after its end frame)")),
                    Err(e) => return Err(SluiceError::io(&self.path, e)),
                }
                self.ended = true;
                return Ok(None);
            }
            let mut payload = vec![0u8; len];
            self.input.read_exact(&mut payload).map_err(|e| self.short(e))?;
            if crc32fast::hash(&payload) != crc {
                return Err(bad(&self.path, "is corrupt (checksum mismatch)"));
            }
            let records: Vec<Record> = bincode::deserialize(&payload)
                .map_err(|e| bad(&self.path, format!("is corrupt (cannot decode a frame: {e})")))?;
            self.frame = records.into_iter();
        }
    }

    fn short(&self, e: std::io::Error) -> SluiceError {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            bad(&self.path, "is truncated (it ends before its end frame)")
        } else {
            SluiceError::io(&self.path, e)
        }
    }
}

/// Writes `part`'s delta for batch `version`: the entries its stores changed since the
/// last delta (or restore). Returns the bytes written.
pub fn write_delta(
    root: &Path,
    part: Part,
    workers: usize,
    version: u64,
    stores: &[SharedState],
) -> Result<u64> {
    let path = path(root, part, version, Kind::Delta);
    let mut w = FrameWriter::new(Vec::new(), &header(part, version, Kind::Delta, workers))
        .map_err(|e| SluiceError::io(&path, e))?;
    for (op, store) in stores.iter().enumerate() {
        store.borrow_mut().changes(&mut |k, v| {
            w.push((op as u32, k.to_vec(), v.map(<[u8]>::to_vec))).map_err(|e| SluiceError::io(&path, e))
        })?;
    }
    let (bytes, size) = w.finish().map_err(|e| SluiceError::io(&path, e))?;
    write_atomic(&path, &bytes)?;
    Ok(size)
}

/// Writes a full snapshot of `part`'s stores at `version` (converting a first-format
/// checkpoint). Returns the bytes written.
pub fn write_snapshot(
    root: &Path,
    part: Part,
    workers: usize,
    version: u64,
    stores: &[SharedState],
) -> Result<u64> {
    let mut records: Vec<Record> = Vec::new();
    for (op, store) in stores.iter().enumerate() {
        store.borrow().entries(&mut |k, v| {
            records.push((op as u32, k.to_vec(), v.map(<[u8]>::to_vec)));
            Ok(())
        })?;
    }
    records.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let path = path(root, part, version, Kind::Snapshot);
    write_atomic_with(&path, |out| {
        let mut w = FrameWriter::new(out, &header(part, version, Kind::Snapshot, workers))?;
        for r in records {
            w.push(r)?;
        }
        w.finish().map(|(_, n)| n)
    })
}

/// The versions of `part`'s deltas and snapshots on disk.
#[derive(Debug, Default)]
pub struct Files {
    /// Delta versions.
    pub deltas: std::collections::BTreeSet<u64>,
    /// Snapshot versions.
    pub snapshots: std::collections::BTreeSet<u64>,
    /// Temporary files of interrupted writes.
    pub temporary: Vec<PathBuf>,
}

/// Lists `part`'s state files.
pub fn list(root: &Path, part: Part) -> Result<Files> {
    let dir = part_dir(root, part);
    let mut files = Files::default();
    let read = match std::fs::read_dir(&dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(SluiceError::io(&dir, e)),
    };
    for entry in read {
        let entry = entry.map_err(|e| SluiceError::io(&dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".tmp") {
            files.temporary.push(entry.path());
        } else if let Some(v) = name.strip_suffix(".delta").and_then(|v| v.parse().ok()) {
            files.deltas.insert(v);
        } else if let Some(v) = name.strip_suffix(".snapshot").and_then(|v| v.parse().ok()) {
            files.snapshots.insert(v);
        }
    }
    Ok(files)
}

/// The parts that have a state directory under `root`.
pub fn parts(root: &Path) -> Result<Vec<Part>> {
    let read = match std::fs::read_dir(root) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(SluiceError::io(root, e)),
    };
    let mut parts = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| SluiceError::io(root, e))?;
        if let Some(p) = Part::parse(&entry.file_name().to_string_lossy()) {
            parts.push(p);
        }
    }
    Ok(parts)
}

/// Calls `apply` with each record of the file, in order.
fn read_file(
    root: &Path,
    part: Part,
    workers: usize,
    version: u64,
    kind: Kind,
    apply: &mut dyn FnMut(Record) -> Result<()>,
) -> Result<()> {
    let path = path(root, part, version, kind);
    let mut reader = FrameReader::open(&path, &header(part, version, kind, workers))?;
    while let Some(r) = reader.next_record()? {
        apply(r)?;
    }
    Ok(())
}

/// The chains of files that rebuild `version`, newest base first: `(snapshot, deltas)`,
/// `None` as snapshot meaning the empty state before batch 0.
fn chains(files: &Files, version: u64) -> Vec<(Option<u64>, std::ops::RangeInclusive<u64>)> {
    let mut chains: Vec<(Option<u64>, std::ops::RangeInclusive<u64>)> =
        files.snapshots.range(..=version).rev().map(|&s| (Some(s), s + 1..=version)).collect();
    chains.push((None, 0..=version));
    chains
}

/// Loads `part`'s state at `version` into `stores`: the newest snapshot at or before it
/// and the deltas after; a missing or damaged file makes it try the next older snapshot.
/// Returns `Ok(false)` when the part has no state files at all (a first-format
/// checkpoint), or the error of the newest chain when none rebuilds `version`.
pub fn restore(
    root: &Path,
    part: Part,
    workers: usize,
    version: u64,
    stores: &[SharedState],
) -> Result<bool> {
    let files = list(root, part)?;
    if files.deltas.is_empty() && files.snapshots.is_empty() {
        return Ok(false);
    }
    let mut first_error = None;
    for (base, deltas) in chains(&files, version) {
        if let Some(missing) = deltas.clone().find(|d| !files.deltas.contains(d)) {
            let path = path(root, part, missing, Kind::Delta);
            first_error.get_or_insert_with(|| bad(&path, "is missing"));
            continue;
        }
        stores.iter().for_each(|s| s.borrow_mut().clear());
        let mut apply = |(op, key, value): Record| -> Result<()> {
            let store = stores.get(op as usize).ok_or_else(|| {
                SluiceError::exec(format!(
                    "state of operator {op} saved, the query has {} stateful operators",
                    stores.len()
                ))
            })?;
            store.borrow_mut().restore(&key, value.as_deref())
        };
        let loaded = base
            .map_or(Ok(()), |s| read_file(root, part, workers, s, Kind::Snapshot, &mut apply))
            .and_then(|()| {
                deltas.clone().try_for_each(|d| read_file(root, part, workers, d, Kind::Delta, &mut apply))
            });
        match loaded {
            Ok(()) => {
                for s in stores {
                    s.borrow_mut().restored()?;
                }
                return Ok(true);
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    stores.iter().for_each(|s| s.borrow_mut().clear());
    Err(first_error.expect("at least the empty base was tried"))
}

/// The newest version at or before `version` that `part`'s files rebuild (checksums
/// checked), `None` when none does (then only the state before batch 0, if delta 0 is
/// gone too, is nothing at all).
pub fn reachable(root: &Path, part: Part, workers: usize, version: u64) -> Result<Option<u64>> {
    let files = list(root, part)?;
    let mut best: Option<u64> = None;
    for (base, deltas) in chains(&files, version) {
        let mut reached = match base {
            Some(s) => match read_file(root, part, workers, s, Kind::Snapshot, &mut |_| Ok(())) {
                Ok(()) => Some(s),
                Err(_) => continue,
            },
            None => None,
        };
        for d in deltas {
            if !files.deltas.contains(&d)
                || read_file(root, part, workers, d, Kind::Delta, &mut |_| Ok(())).is_err()
            {
                break;
            }
            reached = Some(d);
        }
        if reached > best {
            best = reached;
        }
        if best == Some(version) {
            break;
        }
    }
    Ok(best)
}

/// Merges `part`'s newest snapshot at or before `version` and the deltas after it into
/// `<version>.snapshot`, streaming through the old snapshot (entries are sorted). Returns
/// the bytes written.
pub fn consolidate(root: &Path, part: Part, workers: usize, base: Option<u64>, version: u64) -> Result<u64> {
    let first = base.map_or(0, |s| s + 1);
    let mut changes: BTreeMap<(u32, Vec<u8>), Option<Vec<u8>>> = BTreeMap::new();
    for d in first..=version {
        read_file(root, part, workers, d, Kind::Delta, &mut |(op, k, v)| {
            changes.insert((op, k), v);
            Ok(())
        })?;
    }
    let mut old = match base {
        Some(s) => {
            let path = path(root, part, s, Kind::Snapshot);
            Some(FrameReader::open(&path, &header(part, s, Kind::Snapshot, workers))?)
        }
        None => None,
    };
    let target = path(root, part, version, Kind::Snapshot);
    let mut failed: Option<SluiceError> = None;
    let written = write_atomic_with(&target, |out| {
        let mut w = FrameWriter::new(out, &header(part, version, Kind::Snapshot, workers))?;
        let mut pending = changes.into_iter().peekable();
        let mut next_old = || -> std::io::Result<Option<Record>> {
            match old.as_mut().map(FrameReader::next_record).transpose() {
                Ok(r) => Ok(r.flatten()),
                Err(e) => {
                    failed = Some(e);
                    Err(std::io::Error::other("a damaged snapshot"))
                }
            }
        };
        let mut current = next_old()?;
        loop {
            let take_change = match (&current, pending.peek()) {
                (None, None) => break,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some((op, k, _)), Some(((cop, ck), _))) => (cop, ck) <= (op, k),
            };
            if take_change {
                let ((op, k), v) = pending.next().expect("peeked");
                if current.as_ref().is_some_and(|(o, ok, _)| (*o, ok) == (op, &k)) {
                    current = next_old()?;
                }
                if let Some(v) = v {
                    w.push((op, k, Some(v)))?;
                }
            } else {
                w.push(current.take().expect("matched Some"))?;
                current = next_old()?;
            }
        }
        if std::env::var_os(ABORT_IN_SNAPSHOT).is_some() {
            // Fault injection for the crash tests: die with the snapshot half written.
            w.flush_frame()?;
            w.out.flush()?;
            std::process::abort();
        }
        w.finish().map(|(_, n)| n)
    });
    match (written, failed) {
        (_, Some(e)) => Err(e),
        (r, None) => r,
    }
}

/// Removes every file of `part` that no version from `keep_from` to `committed` needs:
/// the newest snapshot at or before `keep_from` and the newest snapshot stay, with the
/// deltas after the first; temporary files of other processes go too.
pub fn clean(root: &Path, part: Part, keep_from: u64, committed: u64) -> Result<()> {
    let files = list(root, part)?;
    let floor = files.snapshots.range(..=keep_from).next_back().copied();
    let newest = files.snapshots.range(..=committed).next_back().copied();
    let mut doomed: Vec<PathBuf> = Vec::new();
    for &s in files.snapshots.range(..=committed) {
        if Some(s) != floor && Some(s) != newest {
            doomed.push(path(root, part, s, Kind::Snapshot));
        }
    }
    if let Some(f) = floor {
        doomed.extend(files.deltas.range(..=f).map(|&d| path(root, part, d, Kind::Delta)));
    }
    let mine = format!(".{}.tmp", std::process::id());
    doomed.extend(files.temporary.into_iter().filter(|t| !t.to_string_lossy().ends_with(&mine)));
    for p in doomed {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(SluiceError::io(&p, e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_operators::KeyedStore;

    fn store() -> Rc<RefCell<KeyedStore<String, i64>>> {
        Rc::new(RefCell::new(KeyedStore::new("test")))
    }

    fn contents(s: &Rc<RefCell<KeyedStore<String, i64>>>) -> BTreeMap<String, i64> {
        s.borrow().iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    /// Writes deltas 0..n of two stores; returns the expected contents after each.
    fn history(root: &Path, n: u64) -> Vec<(BTreeMap<String, i64>, BTreeMap<String, i64>)> {
        let (a, b) = (store(), store());
        let stores: Vec<SharedState> = vec![a.clone(), b.clone()];
        let mut seen = Vec::new();
        for v in 0..n {
            for i in 0..50u64 {
                let key = format!("k{}", (i * 7 + v * 13) % 97);
                a.borrow_mut().insert(key.clone(), (v * 100 + i) as i64);
                if (i + v) % 5 == 0 {
                    a.borrow_mut().remove(&format!("k{}", (i + v * 3) % 97));
                }
                b.borrow_mut().insert(format!("b{}", v % 3), v as i64);
            }
            write_delta(root, Part::Worker(1), 2, v, &stores).unwrap();
            seen.push((contents(&a), contents(&b)));
        }
        seen
    }

    fn restored(root: &Path, version: u64) -> Result<(BTreeMap<String, i64>, BTreeMap<String, i64>)> {
        let (a, b) = (store(), store());
        let stores: Vec<SharedState> = vec![a.clone(), b.clone()];
        assert!(restore(root, Part::Worker(1), 2, version, &stores)?);
        Ok((contents(&a), contents(&b)))
    }

    #[test]
    fn deltas_and_consolidated_snapshots_restore_every_version() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let seen = history(root, 12);
        for v in 0..12 {
            assert_eq!(restored(root, v).unwrap(), seen[v as usize], "deltas only, version {v}");
        }
        consolidate(root, Part::Worker(1), 2, None, 4).unwrap();
        consolidate(root, Part::Worker(1), 2, Some(4), 9).unwrap();
        clean(root, Part::Worker(1), 6, 11).unwrap();
        let files = list(root, Part::Worker(1)).unwrap();
        assert_eq!(files.snapshots.iter().copied().collect::<Vec<_>>(), vec![4, 9]);
        assert_eq!(files.deltas.iter().copied().collect::<Vec<_>>(), (5..12).collect::<Vec<_>>());
        for v in 4..12 {
            assert_eq!(restored(root, v).unwrap(), seen[v as usize], "after consolidation, version {v}");
        }
    }

    #[test]
    fn damage_is_named_and_an_older_snapshot_takes_over() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let seen = history(root, 8);
        consolidate(root, Part::Worker(1), 2, None, 5).unwrap();
        // A damaged newest snapshot: the deltas from the start still rebuild version 7.
        let snap = path(root, Part::Worker(1), 5, Kind::Snapshot);
        let bytes = std::fs::read(&snap).unwrap();
        let mut flipped = bytes.clone();
        let at = flipped.len() - 20;
        flipped[at] ^= 0xff;
        std::fs::write(&snap, &flipped).unwrap();
        assert_eq!(restored(root, 7).unwrap(), seen[7]);
        // A truncated delta 6 with no way around it: the error names the file.
        std::fs::write(&snap, &bytes).unwrap();
        let delta = path(root, Part::Worker(1), 6, Kind::Delta);
        let d = std::fs::read(&delta).unwrap();
        std::fs::write(&delta, &d[..d.len() - 5]).unwrap();
        std::fs::remove_file(path(root, Part::Worker(1), 0, Kind::Delta)).unwrap();
        let err = restored(root, 7).unwrap_err().to_string();
        assert!(err.contains(&delta.display().to_string()) && err.contains("truncated"), "{err}");
        assert_eq!(reachable(root, Part::Worker(1), 2, 7).unwrap(), Some(5));
        assert_eq!(restored(root, 5).unwrap(), seen[5]);
        // Another worker count is refused by the header.
        let stores: Vec<SharedState> = vec![store(), store()];
        let err = restore(root, Part::Worker(1), 3, 5, &stores).unwrap_err().to_string();
        assert!(err.contains("workers=3"), "{err}");
    }
}
