//! The file sink's commit log as the file source reads it: `path/_sluice_metadata/<batch>`
//! lists each committed batch's files (Spark's `FileStreamSinkLog`), so a source reading a
//! sink's output sees committed files only. Kept on the file side so that the source
//! never imports the sink (the sink writes the log through [`crate::sink::file`]).

use sluice_core::{Result, SluiceError};
use std::path::{Path, PathBuf};

/// The log directory a file sink keeps under its path.
pub const METADATA_DIR: &str = "_sluice_metadata";

/// The files a file sink committed under `dir`, in batch order, with their sizes; `None`
/// when `dir` has no sink log.
pub fn committed_files(dir: &Path) -> Result<Option<Vec<(PathBuf, u64, u64)>>> {
    let log_dir = dir.join(METADATA_DIR);
    if !log_dir.is_dir() {
        return Ok(None);
    }
    let mut batches: Vec<(u64, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(&log_dir).map_err(|e| SluiceError::io(&log_dir, e))? {
        let entry = entry.map_err(|e| SluiceError::io(&log_dir, e))?;
        if let Some(b) = entry.file_name().to_str().and_then(|n| n.parse::<u64>().ok()) {
            batches.push((b, entry.path()));
        }
    }
    batches.sort();
    let mut files = Vec::new();
    for (batch, log) in batches {
        let text = std::fs::read_to_string(&log).map_err(|e| SluiceError::io(&log, e))?;
        for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
            let bad = |why: &str| SluiceError::Malformed {
                path: log.clone(),
                line: i as u64 + 1,
                reason: why.to_string(),
            };
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(&e.to_string()))?;
            let path = v["path"].as_str().ok_or_else(|| bad("no \"path\" in the sink log entry"))?;
            let size = v["size"].as_u64().ok_or_else(|| bad("no \"size\" in the sink log entry"))?;
            files.push((dir.join(path), size, batch));
        }
    }
    Ok(Some(files))
}
