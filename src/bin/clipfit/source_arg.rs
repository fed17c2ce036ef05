//! The input argument of `check`, `conform` and `post`: a path or an http(s) URL.

use clap::Args;
use clipfit::remote::{Fetched, Input, RemoteOptions, RemoteUrl, TransferProgress};

/// How remote input is fetched.
#[derive(Args, Clone, Debug)]
pub struct RemoteFlags {
    /// Refuse a remote input larger than this many megabytes (10^6 bytes) [default: 16000].
    #[arg(long, value_name = "MB")]
    pub max_input_mb: Option<u64>,
}

impl RemoteFlags {
    /// The library options these flags describe.
    pub fn options(&self) -> RemoteOptions {
        let mut opts = RemoteOptions::default();
        if let Some(mb) = self.max_input_mb {
            opts.max_bytes = mb.saturating_mul(1_000_000);
        }
        opts
    }
}

/// Parses a command-line input: `http://` and `https://` are URLs, anything else a path.
pub fn parse_input(s: &str) -> Result<Input, String> {
    Input::parse(s).map_err(|e| e.to_string())
}

/// A local file to work on: the input itself, or a temporary copy of a remote one that is
/// removed when this is dropped.
pub enum LocalSource {
    /// The user's own file.
    Own(std::path::PathBuf),
    /// A copy of a remote file.
    Copy(Fetched),
}

impl LocalSource {
    /// Makes `input` local, downloading it when it is remote.
    pub fn get(input: &Input, flags: &RemoteFlags, progress: &dyn TransferProgress) -> clipfit::Result<LocalSource> {
        match input {
            Input::Local(path) => Ok(LocalSource::Own(path.clone())),
            Input::Remote(url) => fetch(url, flags, progress).map(LocalSource::Copy),
        }
    }

    /// Where the file is.
    pub fn path(&self) -> &std::path::Path {
        match self {
            LocalSource::Own(p) => p,
            LocalSource::Copy(f) => f.path(),
        }
    }
}

fn fetch(url: &RemoteUrl, flags: &RemoteFlags, progress: &dyn TransferProgress) -> clipfit::Result<Fetched> {
    clipfit::remote::fetch_to_temp(url, None, &flags.options(), progress)
}
