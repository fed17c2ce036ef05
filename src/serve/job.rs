//! A job as submitted, as stored, and as shown by `GET /v1/jobs/{id}`.

use serde::{Deserialize, Serialize};

/// Where a job is. The first five move forward; the last five are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for a worker (also while waiting out a retry delay or a rate limit).
    Queued,
    /// Downloading the source.
    Fetching,
    /// Checking and converting.
    Conforming,
    /// Sending chunks to TikTok (the publish id is known from here on).
    Uploading,
    /// TikTok is processing the upload.
    Processing,
    /// Posted (Direct Post).
    Published,
    /// Delivered to the creator's inbox.
    SentToInbox,
    /// Conform-only job finished: the output can be downloaded.
    Done,
    /// Gave up; see the job's `error`.
    Failed,
    /// Canceled before it reached TikTok.
    Canceled,
}

impl JobStatus {
    /// Every status, in order.
    pub const ALL: [JobStatus; 10] = [
        JobStatus::Queued,
        JobStatus::Fetching,
        JobStatus::Conforming,
        JobStatus::Uploading,
        JobStatus::Processing,
        JobStatus::Published,
        JobStatus::SentToInbox,
        JobStatus::Done,
        JobStatus::Failed,
        JobStatus::Canceled,
    ];

    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Fetching => "fetching",
            JobStatus::Conforming => "conforming",
            JobStatus::Uploading => "uploading",
            JobStatus::Processing => "processing",
            JobStatus::Published => "published",
            JobStatus::SentToInbox => "sent_to_inbox",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
            JobStatus::Canceled => "canceled",
        }
    }

    /// The status named `s`.
    pub fn parse(s: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|j| j.as_str() == s)
    }

    /// True for the five states a job never leaves.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Published | JobStatus::SentToInbox | JobStatus::Done | JobStatus::Failed | JobStatus::Canceled
        )
    }
}

/// The body of `POST /v1/jobs`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    /// Where the video comes from.
    pub source: SourceSpec,
    /// Built-in profile names, comma-separated (default `tiktok`). Paths are refused: a
    /// service must not read files its callers name.
    #[serde(default)]
    pub profile: Option<String>,
    /// `crop` (default), `pad` or `blur`.
    #[serde(default)]
    pub fit: Option<String>,
    /// Where to post; without it the job only conforms.
    #[serde(default)]
    pub post: Option<PostSpec>,
    /// Called on every terminal state.
    #[serde(default)]
    pub webhook_url: Option<String>,
}

/// The source of a job.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// An http(s) URL.
    pub url: String,
}

/// Direct Post or inbox draft.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PostMode {
    /// Post it (scope `video.publish`).
    #[default]
    Direct,
    /// Send it to the creator's inbox (scope `video.upload`).
    Inbox,
}

/// Where and how to post.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PostSpec {
    /// An account id from `POST /v1/accounts`.
    pub account: String,
    /// `direct` (default) or `inbox`.
    #[serde(default)]
    pub mode: PostMode,
    /// One of the creator's privacy levels (default `SELF_ONLY`).
    #[serde(default)]
    pub privacy_level: Option<String>,
    /// Caption.
    #[serde(default)]
    pub title: String,
    /// Turn comments off.
    #[serde(default)]
    pub disable_comment: bool,
    /// Turn duets off.
    #[serde(default)]
    pub disable_duet: bool,
    /// Turn stitches off.
    #[serde(default)]
    pub disable_stitch: bool,
    /// Cover frame time in milliseconds.
    #[serde(default)]
    pub cover_timestamp_ms: Option<u64>,
}

/// Why a job failed (or, while it waits for a retry, the last transient failure).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorInfo {
    /// Stable identifier: `source_failed`, `input_malformed`, `not_ready`,
    /// `tiktok_<TikTok's code>`, `publish_failed`, `upload_interrupted`, ...
    pub code: String,
    /// What happened and what to do, in words.
    pub message: String,
    /// Whether submitting the job again may succeed.
    pub retryable: bool,
}

impl ErrorInfo {
    /// A failure that will not go away by retrying.
    pub fn terminal(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorInfo { code: code.into(), message: message.into(), retryable: false }
    }

    /// A failure that may go away.
    pub fn transient(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorInfo { code: code.into(), message: message.into(), retryable: true }
    }
}

/// A job as `GET /v1/jobs/{id}` shows it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct JobView {
    /// The job id.
    pub id: String,
    /// Where it is.
    pub status: JobStatus,
    /// Progress of the current stage, 0 to 1.
    pub progress: f64,
    /// What the source broke (fixed by the conform).
    pub violations: serde_json::Value,
    /// What clipfit worked around.
    pub warnings: serde_json::Value,
    /// TikTok's publish id, once the upload started.
    pub publish_id: Option<String>,
    /// Public post ids, once published.
    pub post_ids: Vec<String>,
    /// Why it failed, or the last transient failure while it waits for a retry.
    pub error: Option<ErrorInfo>,
    /// Times the job was retried after a transient failure.
    pub retries: i64,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds, for final states.
    pub finished_at: Option<i64>,
}
