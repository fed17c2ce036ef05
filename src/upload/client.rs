//! The TikTok API client: JSON calls with retries, creator info, init, status polling.
//! The chunk transfer itself is in `transfer.rs`.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};

use super::chunk_plan::ChunkPlan;
use super::errors::UploadError;
use super::post::{CreatorInfo, PostTarget, PublishId, PublishState, PublishStatus, StatusData};
use super::retry::RetryPolicy;
use super::secret::Secret;

/// TikTok's production API.
pub const DEFAULT_API_BASE: &str = "https://open.tiktokapis.com";

/// Largest JSON answer we read; TikTok's are a few hundred bytes.
const MAX_JSON_BODY: usize = 1 << 20;

/// A client for one access token.
#[derive(Clone)]
pub struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) token: Secret,
    pub(crate) policy: RetryPolicy,
    pub(crate) preferred_chunk: u64,
}

impl std::fmt::Debug for Client {
    // Written out so the token (in the default headers) can never be printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("token", &self.token)
            .field("policy", &self.policy)
            .field("preferred_chunk", &self.preferred_chunk)
            .finish_non_exhaustive()
    }
}

/// What `video/init` returned.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct InitData {
    pub(crate) publish_id: PublishId,
    pub(crate) upload_url: String,
}

#[derive(Debug, Deserialize, Default)]
struct ApiErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    log_id: String,
}

#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    error: Option<ApiErrorBody>,
}

/// One failed attempt: whether another try may help, and the error to report if not.
pub(crate) struct Failure {
    pub(crate) retryable: bool,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) error: UploadError,
}

impl Client {
    /// A client for `api_base` (e.g. [`DEFAULT_API_BASE`]) acting with `token`.
    pub fn new(api_base: &str, token: Secret, policy: RetryPolicy) -> Result<Self, UploadError> {
        let base = api_base.trim_end_matches('/').to_string();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(UploadError::Invalid(format!("the API base {base:?} is not an http(s) URL")));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| UploadError::Invalid("the access token cannot be sent in a header".into()))?;
        // Keeps it out of hyper's debug output and HPACK tables.
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        let http = build_http(&policy, headers)?;
        Ok(Client { http, base, token, policy, preferred_chunk: super::chunk_plan::MAX_CHUNK })
    }

    /// Uses chunks near `bytes` (clamped to TikTok's rules) instead of the largest allowed.
    pub fn with_preferred_chunk_size(mut self, bytes: u64) -> Self {
        self.preferred_chunk = bytes;
        self
    }

    /// The retry policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// The creator's posting settings (privacy options, duration cap, switches).
    pub async fn creator_info(&self) -> Result<CreatorInfo, UploadError> {
        let data = self.post_json("/v2/post/publish/creator_info/query/", &json!({}), "creator info").await?;
        serde_json::from_value(data).map_err(|e| UploadError::Protocol { what: "creator info", detail: e.to_string() })
    }

    /// Starts an upload: returns the publish id and where to PUT the chunks.
    pub(crate) async fn init(&self, target: &PostTarget, plan: &ChunkPlan) -> Result<InitData, UploadError> {
        let source_info = json!({
            "source": "FILE_UPLOAD",
            "video_size": plan.video_size(),
            "chunk_size": plan.chunk_size(),
            "total_chunk_count": plan.chunk_count(),
        });
        let (path, body) = match target {
            PostTarget::Direct(info) => {
                ("/v2/post/publish/video/init/", json!({ "post_info": info, "source_info": source_info }))
            }
            PostTarget::Inbox => ("/v2/post/publish/inbox/video/init/", json!({ "source_info": source_info })),
        };
        let data = self.post_json(path, &body, "upload init").await?;
        let init: InitData = serde_json::from_value(data)
            .map_err(|e| UploadError::Protocol { what: "upload init", detail: e.to_string() })?;
        if !(init.upload_url.starts_with("https://") || init.upload_url.starts_with("http://")) {
            return Err(UploadError::Protocol {
                what: "upload init",
                detail: "upload_url is not an http(s) URL".into(),
            });
        }
        Ok(init)
    }

    /// Asks TikTok to fetch the video itself from `video_url` (`PULL_FROM_URL`: the URL's
    /// domain or prefix must be verified for the app, else `url_ownership_unverified`).
    /// Nothing is uploaded from here; the returned id is polled like an upload's.
    pub async fn init_pull(&self, target: &PostTarget, video_url: &str) -> Result<PublishId, UploadError> {
        let source_info = json!({ "source": "PULL_FROM_URL", "video_url": video_url });
        let (path, body) = match target {
            PostTarget::Direct(info) => {
                ("/v2/post/publish/video/init/", json!({ "post_info": info, "source_info": source_info }))
            }
            PostTarget::Inbox => ("/v2/post/publish/inbox/video/init/", json!({ "source_info": source_info })),
        };
        #[derive(Deserialize)]
        struct PullData {
            publish_id: PublishId,
        }
        let data = self.post_json(path, &body, "pull init").await?;
        let init: PullData = serde_json::from_value(data)
            .map_err(|e| UploadError::Protocol { what: "pull init", detail: e.to_string() })?;
        Ok(init.publish_id)
    }

    /// One status query.
    pub async fn fetch_status(&self, id: &PublishId) -> Result<PublishStatus, UploadError> {
        let data =
            self.post_json("/v2/post/publish/status/fetch/", &json!({ "publish_id": id }), "status fetch").await?;
        let data: StatusData = serde_json::from_value(data)
            .map_err(|e| UploadError::Protocol { what: "status fetch", detail: e.to_string() })?;
        data.into_status()
    }

    /// Polls every `poll_interval` until the publish reaches `PUBLISH_COMPLETE` or
    /// `SEND_TO_USER_INBOX` (returned) or `FAILED` (an error explaining `fail_reason`).
    /// `on_change` sees each new state.
    pub async fn wait_for_status(
        &self,
        id: &PublishId,
        on_change: &(dyn Fn(&PublishStatus) + Send + Sync),
    ) -> Result<PublishStatus, UploadError> {
        let start = Instant::now();
        let mut last: Option<PublishState> = None;
        loop {
            let status = self.fetch_status(id).await?;
            if last.as_ref() != Some(&status.state) {
                on_change(&status);
                last = Some(status.state.clone());
            }
            match status.state {
                PublishState::PublishComplete | PublishState::SendToUserInbox => return Ok(status),
                PublishState::Failed => {
                    return Err(UploadError::PublishFailed {
                        reason: status.fail_reason.unwrap_or_else(|| "unknown".to_string()),
                    })
                }
                _ => {}
            }
            if start.elapsed() + self.policy.poll_interval > self.policy.poll_timeout {
                return Err(UploadError::StatusTimeout {
                    last: status.state.as_str().to_string(),
                    waited_sec: start.elapsed().as_secs(),
                });
            }
            tokio::time::sleep(self.policy.poll_interval).await;
        }
    }

    /// POSTs JSON to an API path, retrying 5xx, 429 and network errors; returns `data`.
    async fn post_json(&self, path: &str, body: &Value, what: &'static str) -> Result<Value, UploadError> {
        let url = format!("{}{}", self.base, path);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let request = self
                .http
                .post(&url)
                .header(CONTENT_TYPE, "application/json; charset=UTF-8")
                .timeout(self.policy.request_timeout)
                .body(body.to_string());
            let failure = match request.send().await {
                Ok(resp) => match self.read_envelope(resp, what).await {
                    Ok(data) => return Ok(data),
                    Err(f) => f,
                },
                Err(e) => Failure { retryable: true, retry_after: None, error: transport(what, e) },
            };
            if !failure.retryable {
                return Err(failure.error);
            }
            if attempt >= self.policy.max_attempts {
                return Err(UploadError::RetriesExhausted { what, attempts: attempt, last: failure.error.to_string() });
            }
            tokio::time::sleep(self.policy.backoff(attempt - 1, failure.retry_after)).await;
        }
    }

    async fn read_envelope(&self, resp: reqwest::Response, what: &'static str) -> Result<Value, Failure> {
        let status = resp.status();
        let retry_after = retry_after(resp.headers());
        let retryable_status = status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS;
        let text = match read_limited(resp, MAX_JSON_BODY).await {
            Ok(t) => t,
            Err(e) => return Err(Failure { retryable: true, retry_after, error: transport(what, e) }),
        };
        let envelope: Option<Envelope> = serde_json::from_slice(&text).ok();
        let (data, err) = match envelope {
            Some(env) => (env.data, env.error.unwrap_or_default()),
            None => {
                return Err(Failure {
                    retryable: retryable_status,
                    retry_after,
                    error: UploadError::Http { what, status: status.as_u16(), detail: snippet(&self.token, &text) },
                })
            }
        };
        let ok_code = err.code.is_empty() || err.code == "ok";
        if status.is_success() && ok_code {
            return data.ok_or_else(|| Failure {
                retryable: false,
                retry_after: None,
                error: UploadError::Protocol { what, detail: "the answer has no `data`".into() },
            });
        }
        if ok_code {
            return Err(Failure {
                retryable: retryable_status,
                retry_after,
                error: UploadError::Http { what, status: status.as_u16(), detail: snippet(&self.token, &text) },
            });
        }
        let retryable = retryable_status || matches!(err.code.as_str(), "rate_limit_exceeded" | "internal_error");
        Err(Failure {
            retryable,
            retry_after,
            error: UploadError::Api {
                http_status: status.as_u16(),
                code: self.token.scrub(&err.code),
                message: self.token.scrub(&err.message),
                log_id: self.token.scrub(&err.log_id),
            },
        })
    }
}

/// The reqwest client: rustls, hickory DNS (works without NSS in a static binary).
pub(crate) fn build_http(policy: &RetryPolicy, headers: HeaderMap) -> Result<reqwest::Client, UploadError> {
    reqwest::Client::builder()
        .hickory_dns(true)
        .connect_timeout(policy.connect_timeout)
        .default_headers(headers)
        .user_agent(concat!("clipfit/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| UploadError::Invalid(format!("cannot set up the HTTP client: {}", e.without_url())))
}

/// A network error in words, without the URL (upload URLs carry signatures).
pub(crate) fn transport(what: &'static str, e: reqwest::Error) -> UploadError {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_request() {
        "the connection dropped"
    } else {
        "request failed"
    };
    let mut detail = kind.to_string();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    // The innermost cause is the informative one ("connection reset by peer", ...).
    while let Some(s) = source {
        detail = format!("{kind}: {s}");
        source = s.source();
    }
    UploadError::Transport { what, detail }
}

/// The `Retry-After` header in seconds, if present.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Reads a response body, refusing more than `limit` bytes.
pub(crate) async fn read_limited(mut resp: reqwest::Response, limit: usize) -> Result<Vec<u8>, reqwest::Error> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = limit.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

/// The start of a body for an error message, scrubbed of the token.
pub(crate) fn snippet(token: &Secret, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(300)]);
    let text = token.scrub(text.trim());
    if text.is_empty() {
        "(empty body)".to_string()
    } else {
        text
    }
}
