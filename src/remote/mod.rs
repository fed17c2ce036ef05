//! Input straight from an `http://` or `https://` URL (presigned S3/GCS/Azure URLs too).
//!
//! Two ways in, chosen by what the job needs:
//! - [`RangeSource`]: a `Read + Seek` over HTTP Range requests with a small block cache, for
//!   `check` and probing — a 24 MB file with `moov` at the end is checked after reading only
//!   its box headers and its `moov`.
//! - [`download`]: the whole file streamed once to disk (resumed with `Range` after a cut
//!   connection when the server allows it), for `conform`, whose segment-parallel pipeline
//!   reads the source many times over: reading it over the network each time would cost more
//!   than the one copy.
//!
//! Every request is retried on transient failures (5xx, 429, resets, short reads) with
//! capped exponential backoff; redirects are followed a few times; a URL shown to the user
//! never carries its query string (presigned URLs carry their signature there).

mod body;
mod download;
mod http;
pub mod policy;
mod range_source;
mod url;

pub use self::range_source::RangeSource;
pub use self::url::{Input, RemoteUrl};

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::media::MediaInfo;
use http::Http;
use range_source::Opened;

/// How remote input is fetched.
#[derive(Clone, Debug)]
pub struct RemoteOptions {
    /// Refuse sources larger than this many bytes (from `Content-Length`, and counted while
    /// reading when the server does not say).
    pub max_bytes: u64,
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// First backoff; doubled per retry up to `max_backoff`.
    pub backoff: Duration,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Connect and read timeout of one request.
    pub timeout: Duration,
    /// Allow loopback, private, link-local and cloud-metadata addresses. The CLI allows them
    /// (the user fetches their own files); `clipfit serve` does not unless told to, so that
    /// a URL given to the service is not a way into the network it runs in.
    pub allow_private: bool,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        RemoteOptions {
            max_bytes: crate::limits::MAX_REMOTE_INPUT_BYTES,
            attempts: 6,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_redirects: 5,
            timeout: Duration::from_secs(30),
            allow_private: true,
        }
    }
}

/// Progress of a transfer: bytes so far and the total when the server said it.
pub trait TransferProgress: Sync {
    /// Called as bytes arrive.
    fn transferred(&self, done: u64, total: Option<u64>);
}

/// No progress reporting.
pub struct NoProgress;
impl TransferProgress for NoProgress {
    fn transferred(&self, _: u64, _: Option<u64>) {}
}

/// What a finished download fetched.
#[derive(Clone, Debug)]
pub struct Downloaded {
    /// Bytes written to the destination.
    pub bytes: u64,
    /// Requests made (retries and resumptions included).
    pub requests: u32,
}

/// What reading a remote input cost: for the user, and for tests that count it.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Transfer {
    /// Body bytes received.
    pub bytes: u64,
    /// HTTP requests made, retries included.
    pub requests: u32,
    /// Read through byte ranges (false: the server sent the whole file).
    pub ranged: bool,
}

/// Streams `url` into `dest` (created or truncated), retrying and resuming. Blocking: call
/// it from a thread that may block (`spawn_blocking` in async code).
pub fn download(
    url: &RemoteUrl,
    dest: &Path,
    opts: &RemoteOptions,
    progress: &dyn TransferProgress,
) -> Result<Downloaded> {
    let http = Http::new(url, opts)?;
    download::download_into(&http, None, dest, progress)
}

/// Probes a remote file like [`crate::demux::probe`], reading only what the demuxer needs
/// through byte ranges. A server without range support sends the whole file: it is
/// streamed to a temporary file, probed there, and removed.
pub fn probe(url: &RemoteUrl, opts: &RemoteOptions, progress: &dyn TransferProgress) -> Result<(MediaInfo, Transfer)> {
    let http = Arc::new(Http::new(url, opts)?);
    match RangeSource::open(Arc::clone(&http))? {
        Opened::Ranges(mut source) => {
            let len = source.len();
            // The first bytes pick the demuxer, as for a local file. MP4 reads only its
            // boxes' headers and `moov`; Matroska, MPEG-TS and FLV scan every block header,
            // which through ranges means reading most of the file.
            let mut head = Vec::with_capacity(600);
            (&mut source).take(600).read_to_end(&mut head).map_err(|e| Error::io(PathBuf::from(url.redacted()), e))?;
            source.rewind().map_err(|e| Error::io(PathBuf::from(url.redacted()), e))?;
            let demux = crate::demux::from_source(Box::new(source), len, &head, PathBuf::from(url.redacted()))?;
            let info = demux.info().clone();
            Ok((info, Transfer { bytes: http.bytes(), requests: http.requests(), ranged: true }))
        }
        Opened::Whole(reply) => {
            let dir = crate::tempfiles::folder("source", None)?;
            let path = dir.path().join(temp_name(url));
            download::download_into(&http, reply, &path, progress)?;
            let info = crate::demux::probe(&path).map_err(|e| rename_source(e, &path, url))?;
            Ok((info, Transfer { bytes: http.bytes(), requests: http.requests(), ranged: false }))
        }
    }
}

/// A remote input copied to a temporary folder, removed with this value.
pub struct Fetched {
    dir: tempfile::TempDir,
    path: PathBuf,
    /// What the copy cost.
    pub transfer: Transfer,
}

impl Fetched {
    /// The local copy.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary folder holding it.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// Copies `url` into a new temporary folder under `parent` (the system's when None).
pub fn fetch_to_temp(
    url: &RemoteUrl,
    parent: Option<&Path>,
    opts: &RemoteOptions,
    progress: &dyn TransferProgress,
) -> Result<Fetched> {
    let http = Http::new(url, opts)?;
    let dir = crate::tempfiles::folder("source", parent)?;
    let path = dir.path().join(temp_name(url));
    let done = download::download_into(&http, None, &path, progress)?;
    let transfer = Transfer { bytes: done.bytes, requests: done.requests, ranged: false };
    Ok(Fetched { dir, path, transfer })
}

/// `source` plus the URL's extension, so that messages about the copy read naturally.
fn temp_name(url: &RemoteUrl) -> String {
    let ext = url
        .file_name()
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e)
        .filter(|e| e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric()));
    match ext {
        Some(e) => format!("source.{e}"),
        None => "source".into(),
    }
}

/// Errors about the temporary copy name the URL instead.
fn rename_source(err: Error, copy: &Path, url: &RemoteUrl) -> Error {
    match err {
        Error::Io { path, source } if path == copy => Error::io(url.redacted(), source),
        other => other,
    }
}
