//! Which files a stream reads next: directory listing, Spark's ordering by modification
//! time, the per-trigger limits, and the set of files already taken.

use super::config::{CleanSource, FileSourceConfig, ListingOptions};
use sluice_core::{Result, SluiceError};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// One data file found by a listing.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FileEntry {
    /// Full path of the file.
    pub path: PathBuf,
    /// Size in bytes at listing time; readers read no further than this.
    pub size: u64,
    /// Modification time in milliseconds since the epoch (orders new files, as in Spark).
    pub mtime_ms: i64,
}

/// Spark skips files whose names start with `.` or `_` (`_SUCCESS`, `.crc`, in-progress files).
fn is_hidden(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

fn entry_of(path: PathBuf, meta: &std::fs::Metadata) -> FileEntry {
    let mtime_ms = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    FileEntry { path, size: meta.len(), mtime_ms }
}

/// The visible regular files inside `dir` and its `col=value` partition directories (every
/// subdirectory with `recursiveFileLookup`) whose names pass `pathGlobFilter`, unordered; for
/// the output of a file sink, exactly the files its log commits (ordered by batch through
/// `mtime_ms`).
fn list_dir(dir: &Path, opts: &ListingOptions) -> Result<Vec<FileEntry>> {
    if let Some(committed) = super::sink_log::committed_files(dir)? {
        return Ok(committed
            .into_iter()
            .map(|(path, size, batch)| FileEntry { path, size, mtime_ms: batch as i64 })
            .filter(|f| opts.glob.as_ref().is_none_or(|g| name_matches(g, &f.path)))
            .collect());
    }
    let mut files = Vec::new();
    walk(dir, opts, &mut files)?;
    Ok(files)
}

fn name_matches(glob: &glob::Pattern, path: &Path) -> bool {
    path.file_name().is_some_and(|n| glob.matches(&n.to_string_lossy()))
}

fn walk(dir: &Path, opts: &ListingOptions, files: &mut Vec<FileEntry>) -> Result<()> {
    let read = std::fs::read_dir(dir).map_err(|e| SluiceError::io(dir, e))?;
    for entry in read {
        let entry = entry.map_err(|e| SluiceError::io(dir, e))?;
        let name = entry.file_name();
        if is_hidden(&name.to_string_lossy()) {
            continue;
        }
        let path = entry.path();
        // A file deleted between listing and stat is simply not there any more.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_file() {
            if opts.glob.as_ref().is_none_or(|g| name_matches(g, &path)) {
                files.push(entry_of(path, &meta));
            }
        } else if meta.is_dir() && (opts.recursive || name.to_string_lossy().contains('=')) {
            // Spark's partition discovery reads the files of `col=value` directories (their
            // values are columns: `partitions.rs`); other directories only when recursive.
            walk(&path, opts, files)?;
        }
    }
    Ok(())
}

fn sort_by_time(files: &mut [FileEntry], latest_first: bool) {
    files.sort_by(|a, b| a.mtime_ms.cmp(&b.mtime_ms).then_with(|| a.path.cmp(&b.path)));
    if latest_first {
        files.reverse();
    }
}

/// All files of a batch read: the file itself when `cfg.path` is a file, else the visible
/// files of the directory in name order; both filtered by `pathGlobFilter` and
/// `modifiedBefore`/`modifiedAfter`.
pub fn list_all(cfg: &FileSourceConfig) -> Result<Vec<FileEntry>> {
    let meta = std::fs::metadata(&cfg.path).map_err(|e| SluiceError::io(&cfg.path, e))?;
    let mut files = if meta.is_file() {
        vec![entry_of(cfg.path.clone(), &meta)]
    } else {
        list_dir(&cfg.path, &cfg.listing)?
    };
    files.retain(|f| cfg.listing.admits(&f.path, f.mtime_ms));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// What a file stream has taken so far; decides each micro-batch's files.
#[derive(Clone, Debug, Default)]
pub struct FileSourceState {
    taken: HashSet<PathBuf>,
    /// Newest modification time of a file taken so far (`maxFileAge` counts back from it).
    latest_mtime_ms: Option<i64>,
    /// Under `Trigger.AvailableNow`: the files left of the set fixed at start, in order.
    bound: Option<Vec<FileEntry>>,
    /// With `cleanSource`: files taken by batches not yet known to be committed.
    uncleaned: Vec<PathBuf>,
}

impl FileSourceState {
    /// A stream that has taken nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// New files, oldest first (newest first with `latestFirst`).
    fn new_files(&self, cfg: &FileSourceConfig) -> Result<Vec<FileEntry>> {
        let mut files = list_dir(&cfg.path, &cfg.listing)?;
        // As Spark's `SeenFilesMap`: after the first batch, files older than the newest
        // file seen minus `maxFileAge` are ignored (not with `latestFirst` and
        // `maxFilesPerTrigger` together, where Spark ignores the age).
        let age_applies = !(cfg.latest_first && cfg.max_files_per_trigger.is_some());
        let threshold = match (self.latest_mtime_ms, cfg.listing.max_file_age_ms) {
            (Some(latest), Some(age)) if age_applies => latest.saturating_sub(age),
            _ => i64::MIN,
        };
        files.retain(|f| !self.taken.contains(&f.path) && f.mtime_ms >= threshold);
        if cfg.order_by_name {
            files.sort_by(|a, b| a.path.cmp(&b.path));
            if cfg.latest_first {
                files.reverse();
            }
        } else {
            sort_by_time(&mut files, cfg.latest_first);
        }
        Ok(files)
    }

    /// Files for the next micro-batch: files not taken before, ordered by (modification
    /// time, name), at most `maxFilesPerTrigger` files or `maxBytesPerTrigger` bytes (but at
    /// least one file when any is new). Marks them taken; empty when nothing is new.
    pub fn next_batch(&mut self, cfg: &FileSourceConfig) -> Result<Vec<FileEntry>> {
        let candidates = match &self.bound {
            Some(rest) => rest.clone(),
            None => self.new_files(cfg)?,
        };
        let mut batch = Vec::new();
        let mut bytes = 0u64;
        for f in candidates {
            if let Some(max) = cfg.max_files_per_trigger {
                if batch.len() as u64 >= max {
                    break;
                }
            }
            if let Some(max) = cfg.max_bytes_per_trigger {
                if !batch.is_empty() && bytes.saturating_add(f.size) > max {
                    break;
                }
            }
            bytes = bytes.saturating_add(f.size);
            batch.push(f);
        }
        for f in &batch {
            self.taken.insert(f.path.clone());
            self.latest_mtime_ms = self.latest_mtime_ms.max(Some(f.mtime_ms));
            if cfg.clean_source != CleanSource::Off {
                self.uncleaned.push(f.path.clone());
            }
        }
        if let Some(rest) = &mut self.bound {
            rest.drain(..batch.len());
        }
        Ok(batch)
    }

    /// For `Trigger.AvailableNow`: fixes the set of files available now; later
    /// [`next_batch`](Self::next_batch) calls take only from it (still rate-limited) and
    /// return empty once it is exhausted.
    pub fn bound_to_available(&mut self, cfg: &FileSourceConfig) -> Result<()> {
        let files = match self.bound.take() {
            Some(rest) => rest,
            None => self.new_files(cfg)?,
        };
        self.bound = Some(files);
        Ok(())
    }

    /// Marks files as taken by a batch recorded in a checkpoint (they are not read again),
    /// and drops them from the bounded set.
    pub fn mark_taken<'a>(&mut self, files: impl IntoIterator<Item = &'a Path>) {
        for f in files {
            self.taken.insert(f.to_path_buf());
        }
        if let Some(rest) = &mut self.bound {
            rest.retain(|f| !self.taken.contains(&f.path));
        }
    }

    /// [`mark_taken`](Self::mark_taken) for the files of a batch recorded in the offsets
    /// log, which `cleanSource` cleans at the next commit (a committed batch's files may
    /// still be there after a crash; an uncommitted one is replayed and committed first).
    pub fn mark_recorded(&mut self, cfg: &FileSourceConfig, files: &[FileEntry]) {
        self.mark_taken(files.iter().map(|f| f.path.as_path()));
        for f in files {
            self.latest_mtime_ms = self.latest_mtime_ms.max(Some(f.mtime_ms));
        }
        if cfg.clean_source != CleanSource::Off {
            self.uncleaned.extend(files.iter().map(|f| f.path.clone()));
        }
    }

    /// Called once the batch just run is committed (`commits/<b>` written): deletes or
    /// archives the files of every batch taken so far, as `cleanSource` says.
    pub fn clean_committed(&mut self, cfg: &FileSourceConfig) {
        for f in self.uncleaned.drain(..) {
            super::clean::clean_file(&cfg.clean_source, &f);
        }
    }

    /// How many files the stream has taken so far.
    pub fn files_taken(&self) -> usize {
        self.taken.len()
    }

    /// Under `Trigger.AvailableNow`: how many files of the bounded set are still to read
    /// (`None` when the stream is not bounded).
    pub fn files_left(&self) -> Option<usize> {
        self.bound.as_ref().map(Vec::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::config::FileFormat;
    use sluice_core::{Options, Schema};
    use std::fs::File;
    use std::time::{Duration, SystemTime};

    fn write(dir: &Path, name: &str, bytes: usize, mtime_s: u64) {
        let p = dir.join(name);
        std::fs::write(&p, vec![b'x'; bytes]).unwrap();
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(mtime_s);
        File::options().write(true).open(&p).unwrap().set_modified(t).unwrap();
    }

    fn cfg(dir: &Path, opts: &[(&str, &str)]) -> FileSourceConfig {
        let o: Options = opts.iter().map(|(k, v)| (*k, *v)).collect();
        FileSourceConfig::new(
            FileFormat::Text,
            dir,
            Some(Schema::parse_ddl("value STRING").unwrap()),
            &o,
            false,
        )
        .unwrap()
    }

    fn names(files: &[FileEntry]) -> Vec<String> {
        files.iter().map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned()).collect()
    }

    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        // (name, size, mtime): c is oldest; a and b tie on time so name breaks the tie.
        for (name, size, t) in [("b", 10, 2000), ("a", 10, 2000), ("c", 30, 1000), ("d", 50, 3000)] {
            write(dir.path(), name, size, t);
        }
        write(dir.path(), "_SUCCESS", 1, 10);
        write(dir.path(), ".a.crc", 1, 10);
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        dir
    }

    #[test]
    fn batches_follow_mtime_then_name_within_limits() {
        let dir = fixture();
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a [&'a str]]);
        let cases: &[Case] = &[
            (&[], &[&["c", "a", "b", "d"]]),
            (&[("maxFilesPerTrigger", "3")], &[&["c", "a", "b"], &["d"]]),
            (&[("maxFilesPerTrigger", "1")], &[&["c"], &["a"], &["b"], &["d"]]),
            (&[("maxBytesPerTrigger", "40")], &[&["c", "a"], &["b"], &["d"]]),
            // A file larger than the limit still goes alone.
            (&[("maxBytesPerTrigger", "5")], &[&["c"], &["a"], &["b"], &["d"]]),
            (&[("latestFirst", "true"), ("maxFilesPerTrigger", "2")], &[&["d", "b"], &["a", "c"]]),
            (&[("fileOrder", "name"), ("maxFilesPerTrigger", "3")], &[&["a", "b", "c"], &["d"]]),
        ];
        for (opts, expected) in cases {
            let cfg = cfg(dir.path(), opts);
            let mut state = FileSourceState::new();
            for want in expected.iter() {
                assert_eq!(names(&state.next_batch(&cfg).unwrap()), *want, "{opts:?}");
            }
            assert!(state.next_batch(&cfg).unwrap().is_empty(), "{opts:?}");
            assert_eq!(state.files_taken(), 4);
        }
    }

    #[test]
    fn new_files_are_picked_up_later_but_not_after_bounding() {
        let dir = fixture();
        let cfg = cfg(dir.path(), &[("maxFilesPerTrigger", "3")]);
        let mut state = FileSourceState::new();
        assert_eq!(names(&state.next_batch(&cfg).unwrap()), ["c", "a", "b"]);
        state.bound_to_available(&cfg).unwrap();
        write(dir.path(), "e", 5, 500);
        assert_eq!(names(&state.next_batch(&cfg).unwrap()), ["d"]);
        assert!(state.next_batch(&cfg).unwrap().is_empty());

        let mut unbounded = FileSourceState::new();
        assert_eq!(names(&unbounded.next_batch(&cfg).unwrap()), ["e", "c", "a"]);
    }

    #[test]
    fn bounded_set_is_still_rate_limited() {
        let dir = fixture();
        let cfg = cfg(dir.path(), &[("maxFilesPerTrigger", "2")]);
        let mut state = FileSourceState::new();
        state.bound_to_available(&cfg).unwrap();
        write(dir.path(), "e", 5, 500);
        assert_eq!(names(&state.next_batch(&cfg).unwrap()), ["c", "a"]);
        assert_eq!(names(&state.next_batch(&cfg).unwrap()), ["b", "d"]);
        assert!(state.next_batch(&cfg).unwrap().is_empty());
    }

    #[test]
    fn missing_directory_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let cfg = cfg(&missing, &[]);
        let err = FileSourceState::new().next_batch(&cfg).unwrap_err();
        assert!(matches!(err, SluiceError::Io { .. }), "{err}");
        assert!(err.to_string().contains("nope"), "{err}");
        assert!(list_all(&cfg).is_err());
    }

    #[test]
    fn list_all_takes_a_file_or_a_directory_in_name_order() {
        let dir = fixture();
        assert_eq!(names(&list_all(&cfg(dir.path(), &[])).unwrap()), ["a", "b", "c", "d"]);
        assert_eq!(names(&list_all(&cfg(&dir.path().join("d"), &[])).unwrap()), ["d"]);
    }
}
