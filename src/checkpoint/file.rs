//! Checkpoint files on disk: the atomic write (temp file, rename; durable at once with an
//! fsync of the file and of its directory, or later through [`sync_file_system`]) and the
//! versioned JSON entry format, whose errors name the file.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sluice_core::{Result, SluiceError};
use std::io::Write;
use std::path::Path;

/// First line of every JSON checkpoint file (Spark writes `v1` the same way).
pub const VERSION: &str = "v1";

/// An error about a checkpoint file, naming it.
pub fn bad(path: &Path, reason: impl std::fmt::Display) -> SluiceError {
    SluiceError::exec(format!("checkpoint file {}: {reason}", path.display()))
}

/// When a written file must be on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Before the write returns: fsync of the file, then of its directory.
    Now,
    /// Later: the file is in the page cache, so a killed process loses nothing, and the
    /// checkpoint's flusher ([`sync_file_system`]) makes it durable off the batch's path.
    /// An operating-system crash before that may lose it or leave it short, which a read
    /// detects (state files carry their length and checksum).
    Deferred,
}

/// Writes `bytes` to `path` so a crash leaves either the old file or the new one whole.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, bytes, Durability::Now)
}

/// [`write_atomic`], durable now or later.
pub fn write_atomic_with(path: &Path, bytes: &[u8], durability: Durability) -> Result<()> {
    let dir = path.parent().ok_or_else(|| bad(path, "has no parent directory"))?;
    std::fs::create_dir_all(dir).map_err(|e| SluiceError::io(dir, e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(|e| SluiceError::io(&tmp, e))?;
    f.write_all(bytes).map_err(|e| SluiceError::io(&tmp, e))?;
    if durability == Durability::Now {
        f.sync_all().map_err(|e| SluiceError::io(&tmp, e))?;
    }
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| SluiceError::io(path, e))?;
    if durability == Durability::Now {
        // The rename is durable only once the directory entry is.
        sync_dir(dir)?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| SluiceError::io(dir, e))
}

/// Makes every file written under `dir` so far durable. On Linux one `syncfs` of the file
/// system that holds `dir` (one journal commit, however many files); elsewhere an fsync
/// of every file and directory under it.
pub fn sync_file_system(dir: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        let d = std::fs::File::open(dir).map_err(|e| SluiceError::io(dir, e))?;
        rustix::fs::syncfs(&d).map_err(|e| SluiceError::io(dir, e.into()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        sync_tree(dir)
    }
}

#[cfg(not(target_os = "linux"))]
fn sync_tree(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| SluiceError::io(dir, e))? {
        let path = entry.map_err(|e| SluiceError::io(dir, e))?.path();
        if path.is_dir() {
            sync_tree(&path)?;
        } else {
            std::fs::File::open(&path).and_then(|f| f.sync_all()).map_err(|e| SluiceError::io(&path, e))?;
        }
    }
    sync_dir(dir)
}

/// Writes `value` as a versioned JSON entry.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_json_with(path, value, Durability::Now)
}

/// [`write_json`], durable now or later.
pub fn write_json_with<T: Serialize>(path: &Path, value: &T, durability: Durability) -> Result<()> {
    let json = serde_json::to_string(value).map_err(|e| bad(path, format!("cannot encode: {e}")))?;
    write_atomic_with(path, format!("{VERSION}\n{json}\n").as_bytes(), durability)
}

/// Reads a versioned JSON entry; a foreign, truncated or unreadable file is an error naming it.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read(path).map_err(|e| SluiceError::io(path, e))?;
    let text = String::from_utf8(text).map_err(|_| bad(path, "is not text (a foreign file?)"))?;
    let (version, body) = text.split_once('\n').ok_or_else(|| bad(path, "is truncated (no version line)"))?;
    if version.trim() != VERSION {
        return Err(bad(
            path,
            format!("unsupported format '{}' (expected {VERSION}; a foreign or newer file?)", version.trim()),
        ));
    }
    if !body.ends_with('\n') {
        return Err(bad(path, "is truncated (it does not end with a newline)"));
    }
    serde_json::from_str(body.trim_end()).map_err(|e| bad(path, format!("is corrupt or truncated: {e}")))
}

/// The batch ids of the entries in `dir` (files named by a number), in order; other names
/// (temporary files of an interrupted write) are ignored.
pub fn batch_ids(dir: &Path) -> Result<Vec<u64>> {
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(SluiceError::io(dir, e)),
    };
    let mut ids = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| SluiceError::io(dir, e))?;
        if let Some(id) = entry.file_name().to_str().and_then(|n| n.parse::<u64>().ok()) {
            ids.push(id);
        }
    }
    ids.sort_unstable();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_damage_is_reported_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("offsets").join("3");
        write_json(&path, &serde_json::json!({"a": 1})).unwrap();
        let v: serde_json::Value = read_json(&path).unwrap();
        assert_eq!(v["a"], 1);
        let full = std::fs::read(&path).unwrap();
        for cut in [0, 1, 3, full.len() - 3, full.len() - 1] {
            std::fs::write(&path, &full[..cut]).unwrap();
            let err = read_json::<serde_json::Value>(&path).unwrap_err().to_string();
            assert!(err.contains(&path.display().to_string()), "cut {cut}: {err}");
        }
        std::fs::write(&path, b"PAR1\x00\x01").unwrap();
        let err = read_json::<serde_json::Value>(&path).unwrap_err().to_string();
        assert!(err.contains("offsets/3"), "{err}");
        std::fs::write(dir.path().join("offsets").join(".4.tmp"), b"x").unwrap();
        assert_eq!(batch_ids(&dir.path().join("offsets")).unwrap(), vec![3]);
    }
}
