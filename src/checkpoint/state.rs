//! The first state format, still read so its checkpoints restore: `state/<b>/part-<worker>`,
//! each worker's whole operator state after batch `b`, and `state/<b>/result`, the driver's
//! complete-mode result table. Binary (bincode) after a text header that names the format,
//! the worker and the worker count. New checkpoints use the state store (`store`).

use super::file::bad;
use sluice_core::{Result, SluiceError};
use std::path::{Path, PathBuf};

const MAGIC: &str = "sluice-state v1";

/// The file worker `index` writes its state to in a batch's state directory.
pub fn part_path(dir: &Path, index: usize) -> PathBuf {
    dir.join(format!("part-{index}"))
}

/// Reads one worker's encoded state, checking that it was written for this worker.
pub fn read_part(dir: &Path, index: usize, peers: usize) -> Result<Vec<u8>> {
    let path = part_path(dir, index);
    let bytes = std::fs::read(&path).map_err(|e| SluiceError::io(&path, e))?;
    let payload = check_header(&path, &bytes, &format!("worker={index} workers={peers}"))?;
    Ok(payload.to_vec())
}

/// Reads the driver's result table, if the snapshot has one.
pub fn read_result(dir: &Path) -> Result<Option<Vec<u8>>> {
    let path = dir.join("result");
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some(check_header(&path, &bytes, "result")?.to_vec())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SluiceError::io(&path, e)),
    }
}

fn check_header<'a>(path: &Path, bytes: &'a [u8], expected: &str) -> Result<&'a [u8]> {
    let end = bytes.iter().position(|b| *b == b'\n').ok_or_else(|| bad(path, "is truncated (no header)"))?;
    let header = std::str::from_utf8(&bytes[..end]).map_err(|_| bad(path, "is not a Sluice state file"))?;
    let rest = header
        .strip_prefix(MAGIC)
        .ok_or_else(|| bad(path, "is not a Sluice state file (or of another version)"))?;
    if rest.trim() != expected {
        return Err(bad(
            path,
            format!(
                "was written as '{}', this run needs '{expected}' (restart with the same number of workers)",
                rest.trim()
            ),
        ));
    }
    Ok(&bytes[end + 1..])
}
