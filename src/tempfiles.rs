//! Temporary files and folders, created where they belong and known by path, so that a
//! process ended by a signal (which runs no destructors) can still remove them.
//!
//! Normal exits and errors remove them by dropping the `tempfile` handles; a rename into
//! place (temp file + rename, so nothing the user owned is ever half-written) makes the
//! registered path vanish. [`remove_all`] is what a signal handler calls.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tempfile::{NamedTempFile, TempDir};

use crate::error::{Error, Result};

static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn register(path: &Path) {
    if let Ok(mut live) = LIVE.lock() {
        // Entries whose files were renamed or dropped are gone: forget them, so a
        // long-running process does not accumulate paths.
        live.retain(|p| p.exists());
        live.push(path.to_path_buf());
    }
}

/// A temporary file in the folder of `path` (so the final rename stays on one file system
/// and is atomic), named `.clipfit-*.tmp`.
pub fn beside(path: &Path) -> Result<NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file =
        tempfile::Builder::new().prefix(".clipfit-").suffix(".tmp").tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    register(file.path());
    Ok(file)
}

/// A new temporary folder named `clipfit-<purpose>-*` under `parent` (the system's
/// temporary folder, `$TMPDIR`, when None).
pub fn folder(purpose: &str, parent: Option<&Path>) -> Result<TempDir> {
    let prefix = format!("clipfit-{purpose}-");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    let dir = match parent {
        Some(p) => builder.tempdir_in(p).map_err(|e| Error::io(p, e))?,
        None => builder.tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?,
    };
    register(dir.path());
    Ok(dir)
}

/// Removes every temporary file and folder still registered. For signal handlers: the
/// process is about to exit without running destructors.
pub fn remove_all() {
    let Ok(live) = LIVE.lock() else { return };
    for path in live.iter() {
        if path.is_dir() {
            let _ = std::fs::remove_dir_all(path);
        } else {
            let _ = std::fs::remove_file(path);
        }
    }
}
