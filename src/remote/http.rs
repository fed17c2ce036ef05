//! One HTTP connection pool per remote input, and requests retried the same way everywhere.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use reqwest::blocking::{Client, Response};
use reqwest::header::{self, HeaderMap};
use reqwest::redirect;
use reqwest::StatusCode;

use super::policy::{self, PublicOnly, RefusedAddress};
use super::url::redact;
use super::{RemoteOptions, RemoteUrl};
use crate::error::{Error, Result};

/// Why one attempt failed.
pub(crate) enum Failure {
    /// Worth another attempt: 5xx, 429, a reset, a timeout, a short body. Carries the
    /// server's `Retry-After` when it gave one.
    Transient(String, Option<Duration>),
    /// Transient, but the attempt moved the transfer forward (a cut connection after some
    /// bytes): the next attempt resumes at once and the attempt count starts again.
    Progressed(String),
    /// Not worth another attempt.
    Fatal(Error),
}

/// A client bound to one URL, counting what it transfers.
pub(crate) struct Http {
    client: Client,
    url: RemoteUrl,
    pub(crate) opts: RemoteOptions,
    requests: AtomicU32,
    bytes: AtomicU64,
}

/// What the server told about the resource on a successful GET.
pub(crate) struct Reply {
    pub(crate) response: Response,
    /// 206: the body starts at the requested offset.
    pub(crate) partial: bool,
    /// The resource's whole length, from `Content-Range` or (on a 200) `Content-Length`.
    pub(crate) total: Option<u64>,
    /// A validator for `If-Range` (an `ETag` if strong, else `Last-Modified`).
    pub(crate) validator: Option<String>,
    /// The server said `Accept-Ranges: bytes` (or answered a range with 206).
    pub(crate) ranges: bool,
}

impl Http {
    pub(crate) fn new(url: &RemoteUrl, opts: &RemoteOptions) -> Result<Http> {
        if !opts.allow_private {
            if let Some(why) = policy::refuse_literal(url.as_url()) {
                return Err(refused(url, &why));
            }
        }
        let max_redirects = opts.max_redirects;
        let allow_private = opts.allow_private;
        let policy = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                let err = format!("more than {max_redirects} redirects");
                return attempt.error(err);
            }
            if !allow_private {
                if let Some(why) = policy::refuse_literal(attempt.url()) {
                    let err = format!("redirected to {} ({why}), which is refused", redact(attempt.url()));
                    return attempt.error(err);
                }
            }
            attempt.follow()
        });
        let mut builder = Client::builder()
            .user_agent(concat!("clipfit/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(opts.timeout)
            // Per read, not for the whole transfer (the blocking client applies it to each read).
            .timeout(opts.timeout)
            .redirect(policy)
            // Byte ranges must be byte ranges of the file, not of a compressed transfer.
            .no_gzip()
            .no_brotli()
            .no_deflate();
        if !allow_private {
            builder = builder.dns_resolver(PublicOnly::shared());
        }
        let client = builder.build().map_err(|e| Error::Invalid(format!("cannot start an HTTP client: {e}")))?;
        Ok(Http { client, url: url.clone(), opts: opts.clone(), requests: AtomicU32::new(0), bytes: AtomicU64::new(0) })
    }

    pub(crate) fn url(&self) -> &RemoteUrl {
        &self.url
    }

    /// Requests made so far, retries included.
    pub(crate) fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Body bytes received so far.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    pub(crate) fn count_bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
    }

    /// One GET, from `start` to `end` inclusive (`end` None: to the end of the file), with
    /// `If-Range` when resuming. A server may answer a range request with the whole file
    /// (200): the caller looks at [`Reply::partial`].
    pub(crate) fn get(&self, range: Option<(u64, Option<u64>)>, if_range: Option<&str>) -> Result<Reply, Failure> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut request = self.client.get(self.url.as_url().clone());
        if let Some((start, end)) = range {
            let spec = match end {
                Some(end) => format!("bytes={start}-{end}"),
                None => format!("bytes={start}-"),
            };
            request = request.header(header::RANGE, spec);
            if let Some(v) = if_range {
                request = request.header(header::IF_RANGE, v);
            }
        }
        let response = request.send().map_err(|e| self.send_failure(e))?;
        let status = response.status();
        if status == StatusCode::PARTIAL_CONTENT {
            let total = content_range_total(response.headers());
            let validator = validator(response.headers());
            if let (Some((start, _)), Some(got)) = (range, content_range_start(response.headers())) {
                if got != start {
                    return Err(Failure::Fatal(
                        self.error(format!("asked for bytes from {start}, the server sent them from {got}")),
                    ));
                }
            }
            return Ok(Reply { response, partial: true, total, validator, ranges: true });
        }
        if status.is_success() {
            let total = response.content_length();
            let validator = validator(response.headers());
            let ranges = response
                .headers()
                .get(header::ACCEPT_RANGES)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("bytes"));
            return Ok(Reply { response, partial: false, total, validator, ranges });
        }
        let why = format!("HTTP {}", status_text(status));
        if is_transient(status) {
            return Err(Failure::Transient(why, retry_after(response.headers())));
        }
        Err(Failure::Fatal(Error::Remote {
            url: self.url.redacted(),
            what: format!("{why}: the server refused the request"),
            status: Some(status.as_u16()),
            retryable: false,
        }))
    }

    /// Runs `attempt` until it succeeds, fails fatally, or the attempts run out, waiting
    /// with capped exponential backoff in between.
    pub(crate) fn retrying<T>(&self, mut attempt: impl FnMut() -> Result<T, Failure>) -> Result<T> {
        let mut wait = self.opts.backoff;
        let mut last = String::new();
        let mut n = 0;
        while n < self.opts.attempts.max(1) {
            if n > 0 {
                std::thread::sleep(wait);
                wait = (wait * 2).min(self.opts.max_backoff);
            }
            n += 1;
            match attempt() {
                Ok(v) => return Ok(v),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Progressed(why)) => {
                    last = why;
                    n = 0;
                    wait = self.opts.backoff;
                    continue;
                }
                Err(Failure::Transient(why, after)) => {
                    if let Some(after) = after {
                        wait = after.min(self.opts.max_backoff);
                    }
                    last = why;
                }
            }
        }
        Err(Error::Remote {
            url: self.url.redacted(),
            what: format!("gave up after {} attempts: {last}", self.opts.attempts.max(1)),
            status: None,
            retryable: true,
        })
    }

    /// An error about this URL that retrying will not fix.
    pub(crate) fn error(&self, what: impl Into<String>) -> Error {
        Error::Remote { url: self.url.redacted(), what: what.into(), status: None, retryable: false }
    }

    fn send_failure(&self, e: reqwest::Error) -> Failure {
        if let Some(refusal) = find_cause::<RefusedAddress>(&e) {
            return Failure::Fatal(refused(&self.url, &refusal.0));
        }
        let fatal = e.is_redirect() || e.is_builder();
        let why = describe(e);
        if fatal {
            Failure::Fatal(self.error(why))
        } else {
            Failure::Transient(why, None)
        }
    }
}

fn find_cause<'a, E: std::error::Error + 'static>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a E> {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(found) = c.downcast_ref::<E>() {
            return Some(found);
        }
        cause = c.source();
    }
    None
}

fn refused(url: &RemoteUrl, why: &str) -> Error {
    Error::Remote {
        url: url.redacted(),
        what: format!("{why}: private sources are refused (clipfit serve --allow-private-sources allows them)"),
        status: None,
        retryable: false,
    }
}

/// The error and its causes, without the URL reqwest puts in its message (it would carry
/// a presigned URL's signature).
pub(crate) fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

fn is_transient(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.as_u16() == 425
}

fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let secs: u64 = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs))
}

/// `Content-Range: bytes START-END/TOTAL` → TOTAL (None for `*`).
fn content_range_total(headers: &HeaderMap) -> Option<u64> {
    let v = headers.get(header::CONTENT_RANGE)?.to_str().ok()?;
    v.rsplit_once('/')?.1.trim().parse().ok()
}

fn content_range_start(headers: &HeaderMap) -> Option<u64> {
    let v = headers.get(header::CONTENT_RANGE)?.to_str().ok()?;
    let range = v.trim().strip_prefix("bytes")?.trim();
    range.split_once('-')?.0.trim().parse().ok()
}

/// A strong `ETag`, or else `Last-Modified`: what `If-Range` may carry (RFC 9110 13.1.5).
fn validator(headers: &HeaderMap) -> Option<String> {
    let text = |h| headers.get(h).and_then(|v: &header::HeaderValue| v.to_str().ok()).map(str::to_string);
    text(header::ETAG).filter(|e| !e.starts_with("W/")).or_else(|| text(header::LAST_MODIFIED))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_is_read() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_RANGE, "bytes 100-199/24000000".parse().unwrap());
        assert_eq!(content_range_total(&h), Some(24_000_000));
        assert_eq!(content_range_start(&h), Some(100));
        h.insert(header::CONTENT_RANGE, "bytes 0-9/*".parse().unwrap());
        assert_eq!(content_range_total(&h), None);
    }
}
