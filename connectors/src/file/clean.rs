//! Spark's `cleanSource`: a stream's files leave the source directory once the batch that
//! read them is committed — deleted, or moved under `sourceArchiveDir` keeping their full
//! path (`/a/b/f.json` goes to `<archive>/a/b/f.json`). A file already gone (archived
//! before a crash, then replayed as committed) is no error; any other failure is a warning,
//! as in Spark, since the batch is committed either way.

use sluice_core::{Options, Result, SluiceError};
use std::path::{Component, Path, PathBuf};

/// Spark's `cleanSource`: what happens to a stream's files once their batch is committed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CleanSource {
    /// Files stay (the default).
    #[default]
    Off,
    /// Files are deleted.
    Delete,
    /// Files move under this directory, keeping their full path (`sourceArchiveDir`).
    Archive(PathBuf),
}

impl CleanSource {
    pub(crate) fn from_options(options: &Options, source: &Path) -> Result<CleanSource> {
        let mode = options.get("cleanSource").unwrap_or("off");
        match mode.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(CleanSource::Off),
            "delete" => Ok(CleanSource::Delete),
            "archive" => {
                let dir = options.get("sourceArchiveDir").ok_or_else(|| {
                    SluiceError::option(
                        "sourceArchiveDir",
                        "Archive directory to store completed files should be set if cleanSource is archive",
                    )
                })?;
                let dir = absolute(Path::new(dir));
                let src = absolute(source);
                if dir.starts_with(&src) {
                    return Err(SluiceError::option(
                        "sourceArchiveDir",
                        format!(
                            "the archive directory {} is under the source path {}: archived files would be \
                             read again; choose a directory outside the source path",
                            dir.display(),
                            src.display()
                        ),
                    ));
                }
                Ok(CleanSource::Archive(dir))
            }
            _ => Err(SluiceError::option(
                "cleanSource",
                format!("Invalid mode for clean source option {mode}. Must be one of ARCHIVE, DELETE, OFF"),
            )),
        }
    }
}

/// `p` made absolute and, as far as it exists, canonical (symbolic links resolved).
fn absolute(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name().map(|n| n.to_os_string()), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return abs,
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    out.extend(rest.into_iter().rev());
    out
}

/// Where `file` goes under the archive directory `archive`.
pub fn archive_path(archive: &Path, file: &Path) -> PathBuf {
    let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let mut out = archive.to_path_buf();
    out.extend(absolute.components().filter(|c| matches!(c, Component::Normal(_))));
    out
}

/// Deletes or archives one committed file as `mode` says.
pub fn clean_file(mode: &CleanSource, file: &Path) {
    let result = match mode {
        CleanSource::Off => Ok(()),
        CleanSource::Delete => std::fs::remove_file(file),
        CleanSource::Archive(dir) => move_file(file, &archive_path(dir, file)),
    };
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            eprintln!("WARN FileStreamSource: cannot clean up {} (cleanSource): {e}", file.display())
        }
        _ => {}
    }
}

/// Renames `from` to `to` (creating its directory); across file systems, copies then deletes.
fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    if !from.exists() {
        return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
    }
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            let tmp = to.with_extension("sluice-archiving");
            std::fs::copy(from, &tmp)?;
            std::fs::rename(&tmp, to)?;
            std::fs::remove_file(from)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_keeps_the_full_path_and_delete_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("in");
        std::fs::create_dir(&src).unwrap();
        let f = src.join("a.json");
        std::fs::write(&f, "{}\n").unwrap();
        let archive = dir.path().join("archive");
        let mode = CleanSource::Archive(archive.clone());
        clean_file(&mode, &f);
        let moved = archive_path(&archive, &f);
        assert!(moved.starts_with(&archive) && moved.ends_with("in/a.json"), "{}", moved.display());
        assert!(!f.exists() && std::fs::read_to_string(&moved).unwrap() == "{}\n");
        clean_file(&mode, &f); // already archived: nothing to do, no error
        std::fs::write(&f, "x").unwrap();
        clean_file(&CleanSource::Delete, &f);
        assert!(!f.exists());
    }
}
