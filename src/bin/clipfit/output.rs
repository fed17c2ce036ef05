//! Printing errors and mapping them to exit codes.

use std::process::ExitCode;

use clipfit::Error;

/// Exit code for a file that cannot be read or is unsupported.
pub const EXIT_UNREADABLE: u8 = 2;

/// Restores the default SIGPIPE action so `clipfit check x | head` exits quietly.
pub fn reset_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal disposition to SIG_DFL at start-up, before any threads exist.
    unsafe {
        libc_sigpipe();
    }
}

#[cfg(unix)]
unsafe fn libc_sigpipe() {
    extern "C" {
        fn signal(sig: i32, handler: usize) -> usize;
    }
    const SIGPIPE: i32 = 13;
    const SIG_DFL: usize = 0;
    signal(SIGPIPE, SIG_DFL);
}

/// Prints `err` and its causes to stderr; returns the exit code it maps to.
pub fn report_error(err: &anyhow::Error) -> ExitCode {
    eprintln!("clipfit: error: {err}");
    for cause in err.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    ExitCode::from(exit_code_for(err))
}

/// 2 for input problems (unreadable, malformed, unsupported), 1 otherwise.
pub fn exit_code_for(err: &anyhow::Error) -> u8 {
    match err.downcast_ref::<Error>() {
        Some(e) if e.is_input_error() => EXIT_UNREADABLE,
        Some(Error::Invalid(_)) => EXIT_UNREADABLE,
        _ => 1,
    }
}

/// A machine-readable error object for `--json` modes.
pub fn json_error(file: &str, err: &anyhow::Error) -> serde_json::Value {
    let kind = match err.downcast_ref::<Error>() {
        Some(Error::Io { .. }) => "io",
        Some(Error::Malformed { .. }) => "malformed",
        Some(Error::Unsupported { .. }) => "unsupported",
        Some(Error::Limit { .. }) => "limit",
        Some(Error::Codec { .. }) => "codec",
        Some(Error::Upload(_)) => "upload",
        Some(Error::Remote { .. }) => "remote",
        _ => "error",
    };
    let mut error = serde_json::json!({ "kind": kind, "message": format!("{err:#}") });
    if let Some(Error::Remote { status: Some(status), .. }) = err.downcast_ref::<Error>() {
        error["status"] = (*status).into();
    }
    serde_json::json!({ "file": file, "ready": false, "error": error })
}
