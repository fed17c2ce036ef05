//! Temporary folders removed even when the user presses Ctrl-C (or the process gets
//! SIGTERM): a multi-gigabyte copy of a remote source must not be left behind in /tmp.
//!
//! Normal exits remove them by dropping their `TempDir`; a signal would end the process
//! without running destructors, so a watcher thread removes what is registered, then exits
//! with the conventional 128 + signal number.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

static FOLDERS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static WATCH: Once = Once::new();

/// Removes `dir` if the process is interrupted.
pub fn register(dir: &Path) {
    if let Ok(mut folders) = FOLDERS.lock() {
        folders.push(dir.to_path_buf());
    }
    WATCH.call_once(|| {
        // Without a watcher the folder is still removed on every normal exit.
        let _ = std::thread::Builder::new().name("clipfit-signals".into()).spawn(watch);
    });
}

fn watch() {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
    let code = rt.block_on(async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
                return None;
            };
            tokio::select! {
                _ = int.recv() => Some(130),
                _ = term.recv() => Some(143),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.ok().map(|()| 130)
        }
    });
    let Some(code) = code else { return };
    if let Ok(folders) = FOLDERS.lock() {
        for dir in folders.iter() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    eprintln!("clipfit: interrupted; temporary files removed");
    std::process::exit(code);
}
