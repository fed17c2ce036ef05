//! Sending the file: init, then one PUT per chunk in order, streamed from disk, with
//! retries, resynchronisation from the server's `Content-Range`, and re-init when the upload
//! URL is lost.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use super::chunk_plan::{Chunk, ChunkPlan};
use super::client::{read_limited, retry_after, snippet, transport, Client};
use super::errors::UploadError;
use super::post::{PostTarget, PublishId};

/// Read size when streaming a chunk: large enough for few syscalls, small enough that the
/// memory held per upload stays well under a megabyte.
const READ_BUF: usize = 256 * 1024;

/// How often the progress callback runs while a chunk is in flight.
const PROGRESS_TICK: Duration = Duration::from_millis(100);

/// 416 answers in a row that do not move us forward before we give up.
const MAX_STALLED_RESYNCS: u32 = 3;

/// Why a transfer stopped.
enum TransferEnd {
    /// The URL expired (403) or the task vanished (404): a new init may help.
    UrlLost(u16),
    /// Anything else.
    Failed(UploadError),
}

impl From<UploadError> for TransferEnd {
    fn from(e: UploadError) -> Self {
        TransferEnd::Failed(e)
    }
}

impl Client {
    /// Uploads the file at `path` to `target` and returns the publish id.
    ///
    /// `progress(sent, total)` is called as bytes go out; `sent` can move back if the upload
    /// has to restart with a new upload URL. Chunks are streamed from disk: memory use does
    /// not grow with the file.
    pub async fn upload_file(
        &self,
        path: &Path,
        target: &PostTarget,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<PublishId, UploadError> {
        let size = file_size(path).await?;
        let plan = ChunkPlan::with_preferred(size, self.preferred_chunk)?;
        let mut inits = 0u32;
        loop {
            inits += 1;
            let init = self.init(target, &plan).await?;
            progress(0, size);
            match self.transfer(path, &init.upload_url, &plan, progress).await {
                Ok(()) => {
                    progress(size, size);
                    return Ok(init.publish_id);
                }
                Err(TransferEnd::UrlLost(status)) => {
                    if inits > self.policy.max_reinits {
                        return Err(UploadError::UploadUrlLost { status, inits });
                    }
                }
                Err(TransferEnd::Failed(e)) => return Err(e),
            }
        }
    }

    /// Sends the file to an upload URL from an earlier [`Client::init`], without ever starting
    /// a new upload: the service persists the publish id and URL first, so a crash between
    /// chunks resumes here (the server's `416` + `Content-Range` tells where it stands).
    /// A lost URL is reported as [`UploadError::UploadUrlLost`] for the caller to reconcile.
    pub(crate) async fn resume_transfer(
        &self,
        path: &Path,
        url: &str,
        plan: &ChunkPlan,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<(), UploadError> {
        match self.transfer(path, url, plan, progress).await {
            Ok(()) => Ok(()),
            Err(TransferEnd::UrlLost(status)) => Err(UploadError::UploadUrlLost { status, inits: 1 }),
            Err(TransferEnd::Failed(e)) => Err(e),
        }
    }

    /// The chunk plan this client uses for a file of `size` bytes (deterministic, so a resumed
    /// upload sends the same chunks as the first attempt).
    pub(crate) fn plan_for(&self, size: u64) -> Result<ChunkPlan, UploadError> {
        ChunkPlan::with_preferred(size, self.preferred_chunk)
    }

    /// PUTs every chunk in order to `url`.
    async fn transfer(
        &self,
        path: &Path,
        url: &str,
        plan: &ChunkPlan,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<(), TransferEnd> {
        let total = plan.video_size();
        let mut next = plan.chunk(0);
        let mut failures = 0u32;
        let mut stalled_resyncs = 0u32;
        while let Some(chunk) = next {
            let sent = Arc::new(AtomicU64::new(0));
            let body = chunk_body(path, chunk, total, sent.clone()).await?;
            let request = self
                .http
                .put(url)
                .header(CONTENT_TYPE, "video/mp4")
                .header(CONTENT_LENGTH, chunk.len)
                .header(CONTENT_RANGE, format!("bytes {}-{}/{}", chunk.first, chunk.last(), total))
                .timeout(self.policy.chunk_timeout)
                .body(body)
                .send();
            tokio::pin!(request);
            let mut tick = tokio::time::interval(PROGRESS_TICK);
            let result = loop {
                tokio::select! {
                    r = &mut request => break r,
                    _ = tick.tick() => progress(chunk.first + sent.load(Ordering::Relaxed), total),
                }
            };
            let (retryable, retry_after_hint, error) = match result {
                Err(e) => (true, None, transport("chunk upload", e)),
                Ok(resp) => {
                    let status = resp.status();
                    let server_range =
                        resp.headers().get(CONTENT_RANGE).and_then(|v| v.to_str().ok()).and_then(parse_received);
                    match status {
                        StatusCode::CREATED => {
                            if chunk.index + 1 == plan.chunk_count() || server_range == Some(total) {
                                return Ok(());
                            }
                            return Err(UploadError::Protocol {
                                what: "chunk upload",
                                detail: format!(
                                    "TikTok reported the upload complete after chunk {} of {}",
                                    chunk.index + 1,
                                    plan.chunk_count()
                                ),
                            }
                            .into());
                        }
                        StatusCode::PARTIAL_CONTENT => {
                            failures = 0;
                            stalled_resyncs = 0;
                            progress(chunk.end(), total);
                            // Trust the server's count when it gives one.
                            let received = server_range.unwrap_or(chunk.end());
                            next = resume_point(plan, received)?;
                            continue;
                        }
                        StatusCode::RANGE_NOT_SATISFIABLE => {
                            // The server holds a different amount than we assumed (typically
                            // after a dropped connection whose chunk did arrive).
                            let received = server_range.unwrap_or(0);
                            let resumed = resume_point(plan, received)?;
                            let moved = match (resumed, next) {
                                (Some(a), Some(b)) => a.index > b.index,
                                (None, _) => true,
                                _ => false,
                            };
                            if moved {
                                stalled_resyncs = 0;
                            } else {
                                stalled_resyncs += 1;
                                if stalled_resyncs > MAX_STALLED_RESYNCS {
                                    return Err(UploadError::Protocol {
                                        what: "chunk upload",
                                        detail: format!(
                                            "TikTok keeps refusing chunk {} (HTTP 416, it holds {received} of {total} bytes)",
                                            chunk.index + 1
                                        ),
                                    }
                                    .into());
                                }
                            }
                            next = resumed;
                            if next.is_none() {
                                // Everything arrived; the 201 was lost with the connection.
                                return Ok(());
                            }
                            continue;
                        }
                        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND => {
                            return Err(TransferEnd::UrlLost(status.as_u16()));
                        }
                        s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS => {
                            let ra = retry_after(resp.headers());
                            let body = read_limited(resp, 4096).await.unwrap_or_default();
                            (
                                true,
                                ra,
                                UploadError::Http {
                                    what: "chunk upload",
                                    status: s.as_u16(),
                                    detail: snippet(&self.token, &body),
                                },
                            )
                        }
                        s => {
                            let body = read_limited(resp, 4096).await.unwrap_or_default();
                            return Err(UploadError::Http {
                                what: "chunk upload",
                                status: s.as_u16(),
                                detail: snippet(&self.token, &body),
                            }
                            .into());
                        }
                    }
                }
            };
            failures += 1;
            if failures >= self.policy.max_attempts || !retryable {
                return Err(UploadError::RetriesExhausted {
                    what: "chunk upload",
                    attempts: failures,
                    last: error.to_string(),
                }
                .into());
            }
            progress(chunk.first, total);
            tokio::time::sleep(self.policy.backoff(failures - 1, retry_after_hint)).await;
            // `next` is unchanged: the same chunk goes again; a 416 will tell us if it had
            // arrived after all.
        }
        Ok(())
    }
}

/// The chunk to send after the server holds `received` bytes (`None` when it holds all).
fn resume_point(plan: &ChunkPlan, received: u64) -> Result<Option<Chunk>, TransferEnd> {
    if received > plan.video_size() {
        return Err(UploadError::Protocol {
            what: "chunk upload",
            detail: format!("TikTok claims {received} bytes of a {} byte file", plan.video_size()),
        }
        .into());
    }
    // TikTok only accepts the plan's chunk boundaries, so resume at the chunk holding the
    // first missing byte.
    Ok(plan.chunk_containing(received))
}

/// How many bytes the server holds, from `Content-Range: bytes 0-N/TOTAL` (N + 1).
fn parse_received(value: &str) -> Option<u64> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, _total) = rest.split_once('/')?;
    let (first, last) = range.split_once('-')?;
    if first.trim() != "0" {
        return None;
    }
    last.trim().parse::<u64>().ok()?.checked_add(1)
}

async fn file_size(path: &Path) -> Result<u64, UploadError> {
    let meta = tokio::fs::metadata(path).await.map_err(|source| UploadError::Io { path: path.into(), source })?;
    if !meta.is_file() {
        return Err(UploadError::Invalid(format!("{} is not a regular file", path.display())));
    }
    Ok(meta.len())
}

/// A streaming body of exactly `chunk.len` bytes read from disk, counting bytes into `sent`.
async fn chunk_body(path: &Path, chunk: Chunk, total: u64, sent: Arc<AtomicU64>) -> Result<reqwest::Body, TransferEnd> {
    let io_err = |source| UploadError::Io { path: path.into(), source };
    let mut file = tokio::fs::File::open(path).await.map_err(io_err)?;
    let actual = file.metadata().await.map_err(io_err)?.len();
    if actual != total {
        return Err(UploadError::FileChanged { path: path.into(), expected: total, actual }.into());
    }
    file.seek(std::io::SeekFrom::Start(chunk.first)).await.map_err(io_err)?;
    let stream = ReaderStream::with_capacity(file.take(chunk.len), READ_BUF).inspect_ok(move |bytes| {
        sent.fetch_add(bytes.len() as u64, Ordering::Relaxed);
    });
    Ok(reqwest::Body::wrap_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_parsing() {
        assert_eq!(parse_received("bytes 0-999/5000"), Some(1000));
        assert_eq!(parse_received("bytes  0-0/1"), Some(1));
        assert_eq!(parse_received("bytes */5000"), None);
        assert_eq!(parse_received("bytes 5-9/10"), None);
        assert_eq!(parse_received("bytes 0-18446744073709551615/1"), None);
        assert_eq!(parse_received("items 0-1/2"), None);
    }

    #[test]
    fn resume_lands_on_plan_boundaries() {
        let plan = ChunkPlan::with_preferred(30_000_000, 6_000_000).unwrap();
        let at = |n| match resume_point(&plan, n) {
            Ok(c) => c.map(|c| c.index),
            Err(_) => Some(u64::MAX),
        };
        assert_eq!(at(0), Some(0));
        assert_eq!(at(6_000_000), Some(1));
        assert_eq!(at(6_000_001), Some(1));
        assert_eq!(at(30_000_000), None);
        assert_eq!(at(30_000_001), Some(u64::MAX));
    }
}
