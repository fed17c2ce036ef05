//! Temporary files removed even when the user presses Ctrl-C (or the process gets
//! SIGTERM): a multi-gigabyte copy of a remote source, or a half-written output, must not
//! be left behind.
//!
//! A signal ends the process without running destructors, so a watcher thread removes what
//! the library registered (`clipfit::tempfiles`), then exits with 128 + the signal number.

/// Starts the watcher. Commands that handle signals themselves do not call this.
pub fn remove_temporaries_on_signal() {
    // Without a watcher temporaries are still removed on every normal exit.
    let _ = std::thread::Builder::new().name("clipfit-signals".into()).spawn(watch);
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
    clipfit::tempfiles::remove_all();
    eprintln!("clipfit: interrupted; temporary files removed");
    std::process::exit(code);
}
