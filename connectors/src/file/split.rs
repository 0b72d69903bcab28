//! Byte-range splits of a batch's files, so every worker parses a share even of one big
//! file, and the loading of one split into memory on line boundaries.
//!
//! A record belongs to the split holding its first byte: a split starting mid-file skips
//! the partial line it starts in, and its last line may run past its end.

use super::codec::Codec;
use super::listing::FileEntry;
use sluice_core::{Result, SluiceError};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

/// A byte range `[start, end)` of one file; the unit of work of one reader call.
/// Serialisable: in cluster mode process 0 plans the splits and sends them to every process.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FileSplit {
    /// The file.
    pub path: PathBuf,
    /// Offset of the first byte of the range.
    pub start: u64,
    /// Offset one past the last byte of the range.
    pub end: u64,
}

/// Files smaller than this are never split: opening costs more than the parallelism gains.
const MIN_SPLIT_FILE: u64 = 256 * 1024;
/// No split of a larger file is smaller than this (a tail this small joins its neighbour).
const MIN_PIECE: u64 = 64 * 1024;

/// Splits the files of one batch into `parts` lists of byte ranges of about equal total size.
///
/// Files are laid end to end and cut into `parts` consecutive shares, so each list reads
/// contiguous data; small and compressed files stay whole and empty files are left out.
pub fn plan_splits(files: &[FileEntry], parts: usize) -> Vec<Vec<FileSplit>> {
    let parts = parts.max(1);
    let mut out: Vec<Vec<FileSplit>> = vec![Vec::new(); parts];
    let total: u64 = files.iter().map(|f| f.size).sum();
    if total == 0 {
        return out;
    }
    let target = total.div_ceil(parts as u64);
    let (mut part, mut filled) = (0usize, 0u64);
    for f in files.iter().filter(|f| f.size > 0) {
        let mut pos = 0;
        while pos < f.size {
            let rest = f.size - pos;
            let room = target.saturating_sub(filled);
            if part + 1 < parts && room < MIN_PIECE.min(target) && filled > 0 {
                part += 1;
                filled = 0;
                continue;
            }
            // A compressed file is read whole by one reader (only Hadoop's bzip2 splits).
            let whole = f.size < MIN_SPLIT_FILE || part + 1 == parts || Codec::is_compressed(&f.path);
            let mut take = if whole { rest } else { rest.min(room.max(1)) };
            if rest - take < MIN_PIECE {
                take = rest;
            }
            out[part].push(FileSplit { path: f.path.clone(), start: pos, end: pos + take });
            pos += take;
            filled += take;
            if filled >= target && part + 1 < parts {
                part += 1;
                filled = 0;
            }
        }
    }
    out
}

/// One split's bytes in memory: records start at offsets in `[first, limit)` of `buf`.
pub(crate) struct SplitBuffer {
    /// The bytes, from one before the split's start (to see whether it begins a line)
    /// to the end of the last record that begins inside the split.
    pub buf: Vec<u8>,
    /// File offset of `buf[0]`.
    pub base: u64,
    /// Index of the first record's first byte.
    pub first: usize,
    /// Records must start before this index.
    pub limit: usize,
}

/// Buffers up to this size are kept for the thread's next split.
const SPARE_UP_TO: usize = 64 << 20;

thread_local! {
    /// The buffer of the last split this thread read, for its next one. A fresh buffer of
    /// megabytes per split comes from the OS one zeroed page at a time: Nexmark q2 over
    /// the JSON files spent an eighth of its time in the kernel zeroing pages for them.
    static SPARE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// An empty buffer with room for `capacity` bytes, the thread's spare when it has one.
fn buffer(capacity: usize) -> Vec<u8> {
    let mut buf = SPARE.with(|s| std::mem::take(&mut *s.borrow_mut()));
    if buf.capacity() < capacity {
        // A new one (growing the spare would copy it), an eighth larger so that the next
        // splits, of about the same size, fit in it.
        return Vec::with_capacity(capacity.saturating_add(capacity / 8));
    }
    buf.clear();
    buf
}

impl Drop for SplitBuffer {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        if buf.capacity() <= SPARE_UP_TO {
            // try_with: a thread being torn down has no spare to keep.
            let _ = SPARE.try_with(|s| {
                let mut spare = s.borrow_mut();
                if buf.capacity() > spare.capacity() {
                    *spare = buf;
                }
            });
        }
    }
}

fn io_err(split: &FileSplit, e: std::io::Error) -> SluiceError {
    SluiceError::io(&split.path, e)
}

/// Reads the split with one read (plus, rarely, a short read finishing its last line).
pub(crate) fn load(split: &FileSplit) -> Result<SplitBuffer> {
    let mut file = File::open(&split.path).map_err(|e| io_err(split, e))?;
    let base = split.start.saturating_sub(1);
    if base > 0 {
        file.seek(SeekFrom::Start(base)).map_err(|e| io_err(split, e))?;
    }
    let want = split.end.saturating_sub(base);
    // Room for the split and the tail of its last record (read 64 KiB at a time below), so
    // the buffer does not grow: growing a buffer of megabytes moves it to fresh pages.
    let mut buf = buffer(usize::try_from(want).unwrap_or(0).saturating_add(64 * 1024 + 1));
    (&mut file).take(want).read_to_end(&mut buf).map_err(|e| io_err(split, e))?;
    let limit = buf.len();
    if buf.len() as u64 == want && limit > 0 && buf[limit - 1] != b'\n' {
        // The last record runs past the split's end: read on to its newline.
        loop {
            let old = buf.len();
            (&mut file).take(64 * 1024).read_to_end(&mut buf).map_err(|e| io_err(split, e))?;
            if buf.len() == old {
                break;
            }
            if let Some(p) = memchr::memchr(b'\n', &buf[old..]) {
                buf.truncate(old + p + 1);
                break;
            }
        }
    }
    let first = if split.start == 0 {
        0
    } else if buf.first() == Some(&b'\n') {
        1
    } else {
        memchr::memchr(b'\n', &buf).map_or(buf.len(), |p| p + 1)
    };
    Ok(SplitBuffer { buf, base, first, limit })
}

/// The 1-based line number of the byte at file offset `base + offset`, counting newlines
/// before it; reads the file's head only when the buffer does not start the file.
pub(crate) fn line_number(path: &PathBuf, sb: &SplitBuffer, offset: usize) -> Result<u64> {
    let mut lines = memchr::memchr_iter(b'\n', &sb.buf[..offset.min(sb.buf.len())]).count() as u64;
    if sb.base > 0 {
        let file = File::open(path).map_err(|e| SluiceError::io(path, e))?;
        let mut head = file.take(sb.base);
        let mut chunk = vec![0u8; 1 << 20];
        loop {
            let n = head.read(&mut chunk).map_err(|e| SluiceError::io(path, e))?;
            if n == 0 {
                break;
            }
            lines += memchr::memchr_iter(b'\n', &chunk[..n]).count() as u64;
        }
    }
    Ok(lines + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Line start offsets a split owns, found through `load`.
    fn owned_lines(split: &FileSplit) -> Vec<u64> {
        let sb = load(split).unwrap();
        let mut starts = Vec::new();
        let mut pos = sb.first;
        while pos < sb.limit && pos < sb.buf.len() {
            starts.push(sb.base + pos as u64);
            pos = memchr::memchr(b'\n', &sb.buf[pos..]).map_or(sb.buf.len(), |p| pos + p + 1);
        }
        starts
    }

    #[test]
    fn splits_cover_every_byte_once_and_every_line_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        let mut all_starts = Vec::new();
        for (i, (lines, width, trailing_newline)) in [
            (40_000usize, 17usize, true),
            (3, 5, false),
            (0, 0, true),
            (25_000, 61, false),
            (1, 300_000, false),
        ]
        .into_iter()
        .enumerate()
        {
            let mut text = Vec::new();
            let mut starts = Vec::new();
            for l in 0..lines {
                starts.push(text.len() as u64);
                text.extend(std::iter::repeat_n(b'a' + (l % 26) as u8, width.saturating_sub(l % 7)));
                if l + 1 < lines || trailing_newline {
                    text.push(b'\n');
                }
            }
            let path = dir.path().join(format!("f{i}"));
            std::fs::write(&path, &text).unwrap();
            all_starts.extend(starts.into_iter().map(|s| (path.clone(), s)));
            files.push(FileEntry { path, size: text.len() as u64, mtime_ms: 0 });
        }
        for parts in [1, 2, 3, 4, 7, 16, 64] {
            let plan = plan_splits(&files, parts);
            assert_eq!(plan.len(), parts);
            for f in &files {
                let mut ranges: Vec<(u64, u64)> =
                    plan.iter().flatten().filter(|s| s.path == f.path).map(|s| (s.start, s.end)).collect();
                ranges.sort();
                let mut at = 0;
                for (s, e) in ranges {
                    assert_eq!(s, at, "gap or overlap in {:?} with {parts} parts", f.path);
                    assert!(e > s);
                    at = e;
                }
                assert_eq!(at, f.size);
            }
            let mut got: Vec<(PathBuf, u64)> = plan
                .iter()
                .flatten()
                .flat_map(|s| owned_lines(s).into_iter().map(move |o| (s.path.clone(), o)))
                .collect();
            got.sort();
            let mut want = all_starts.clone();
            want.sort();
            assert_eq!(got, want, "{parts} parts");
        }
    }

    #[test]
    fn shares_are_about_equal() {
        let files: Vec<FileEntry> = (0..80)
            .map(|i| FileEntry {
                path: PathBuf::from(format!("f{i}")),
                size: 1_200_000 + i * 10,
                mtime_ms: 0,
            })
            .collect();
        let total: u64 = files.iter().map(|f| f.size).sum();
        for parts in [1, 3, 8] {
            for share in plan_splits(&files, parts) {
                let bytes: u64 = share.iter().map(|s| s.end - s.start).sum();
                let ideal = total / parts as u64;
                assert!(bytes.abs_diff(ideal) <= 2 * MIN_PIECE * parts as u64, "{bytes} vs {ideal}");
            }
        }
        let one = [FileEntry { path: "big".into(), size: 10_000_000, mtime_ms: 0 }];
        assert!(plan_splits(&one, 4).iter().all(|p| p.len() == 1));
        let tiny = [FileEntry { path: "tiny".into(), size: 1000, mtime_ms: 0 }];
        assert_eq!(plan_splits(&tiny, 4).iter().flatten().count(), 1);
    }
}
