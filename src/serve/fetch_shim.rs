//! TEMPORARY stand-in for `clipfit::remote` (issue 12), with its exact API, until that
//! module is merged: a plain GET to a file. It checks the first hop's addresses against the
//! same policy and follows no redirects; the real module re-checks after each redirect.
// The full API is kept so that the swap is a one-line change; the shim ignores some fields.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::error::{Error, Result};

use super::ssrf::is_public_address;

/// An http(s) source URL.
#[derive(Clone, Debug)]
pub struct RemoteUrl(reqwest::Url);

impl RemoteUrl {
    /// Parses an http(s) URL.
    pub fn parse(s: &str) -> Result<RemoteUrl> {
        let url = reqwest::Url::parse(s).map_err(|e| Error::Invalid(format!("invalid source URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::Invalid("the source URL must be http(s)://host/…".into()));
        }
        Ok(RemoteUrl(url))
    }

    /// The URL without its query string (which often carries a signature).
    pub fn redacted(&self) -> String {
        let mut u = self.0.clone();
        u.set_query(None);
        u.set_fragment(None);
        let _ = u.set_password(None);
        u.to_string()
    }
}

/// Download limits.
#[derive(Clone, Debug)]
pub struct RemoteOptions {
    /// Largest body accepted.
    pub max_bytes: u64,
    /// Attempts (unused by the shim).
    pub attempts: u32,
    /// Delay before a retry (unused by the shim).
    pub backoff: Duration,
    /// Longest delay (unused by the shim).
    pub max_backoff: Duration,
    /// Redirects followed (the shim follows none).
    pub max_redirects: usize,
    /// Time allowed for the whole download.
    pub timeout: Duration,
    /// Allow loopback, private, link-local and metadata addresses.
    pub allow_private: bool,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        RemoteOptions {
            max_bytes: 4 << 30,
            attempts: 3,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_redirects: 5,
            timeout: Duration::from_secs(600),
            allow_private: false,
        }
    }
}

/// Receives download progress.
pub trait TransferProgress: Sync {
    /// `done` bytes of `total` (when known).
    fn transferred(&self, done: u64, total: Option<u64>);
}

/// What a download did.
#[derive(Clone, Debug)]
pub struct Downloaded {
    /// Bytes written.
    pub bytes: u64,
    /// HTTP requests made.
    pub requests: u32,
}

/// Downloads `url` to `dest`. Blocking: call it from `spawn_blocking`.
pub fn download(
    url: &RemoteUrl,
    dest: &Path,
    opts: &RemoteOptions,
    progress: &dyn TransferProgress,
) -> Result<Downloaded> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io(dest, e))?;
    rt.block_on(fetch(url, dest, opts, progress))
}

async fn fetch(url: &RemoteUrl, dest: &Path, opts: &RemoteOptions, progress: &dyn TransferProgress) -> Result<Downloaded> {
    let shown = url.redacted();
    let input = |what: String| Error::io(shown.clone(), std::io::Error::other(what));
    let host = url.0.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']').to_string();
    let port = url.0.port_or_known_default().unwrap_or(80);
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| input(format!("cannot resolve {host}: {e}")))?
        .collect();
    let addr = *addrs.first().ok_or_else(|| input(format!("{host} has no address")))?;
    if !opts.allow_private && addrs.iter().any(|a| !is_public_address(a.ip())) {
        return Err(Error::Invalid(format!(
            "{shown}: {host} resolves to a private or local address ({}); refused (the operator can allow it with \
             --allow-private-sources)",
            addr.ip()
        )));
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(opts.timeout)
        .resolve(&host, addr)
        .build()
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let mut resp = client.get(url.0.clone()).send().await.map_err(|e| input(e.without_url().to_string()))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(input(format!("the server answered HTTP {}", status.as_u16())));
    }
    let total = resp.content_length();
    if total.is_some_and(|t| t > opts.max_bytes) {
        return Err(Error::limit(shown.clone(), format!("larger than {} bytes", opts.max_bytes)));
    }
    let mut file = std::fs::File::create(dest).map_err(|e| Error::io(dest, e))?;
    let mut done = 0u64;
    while let Some(chunk) = resp.chunk().await.map_err(|e| input(e.without_url().to_string()))? {
        done += chunk.len() as u64;
        if done > opts.max_bytes {
            return Err(Error::limit(shown.clone(), format!("larger than {} bytes", opts.max_bytes)));
        }
        file.write_all(&chunk).map_err(|e| Error::io(dest, e))?;
        progress.transferred(done, total);
    }
    file.sync_all().map_err(|e| Error::io(dest, e))?;
    Ok(Downloaded { bytes: done, requests: 1 })
}
