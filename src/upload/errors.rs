//! Upload errors, and TikTok's error codes and failure reasons in words a user can act on.
//!
//! No variant ever holds the access token: API messages are scrubbed by the client before
//! they get here, and transport errors are stripped of their URL.

use std::path::PathBuf;

/// Everything that can go wrong while talking to TikTok.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// The file has no bytes.
    #[error("the file is empty: there is nothing to upload")]
    EmptyFile,
    /// The file cannot be cut into at most 1000 allowed chunks.
    #[error("the file is {size} bytes, more than TikTok's chunked upload allows ({max} bytes)")]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The largest size the rules allow.
        max: u64,
    },
    /// Reading the file (or writing a token file) failed.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file changed size while it was being uploaded.
    #[error(
        "{path} changed while uploading (was {expected} bytes, now {actual}): upload it again when it is finished"
    )]
    FileChanged {
        /// The file.
        path: PathBuf,
        /// Size when the upload was planned.
        expected: u64,
        /// Size now.
        actual: u64,
    },
    /// TikTok answered with an error code.
    #[error("TikTok refused the request (HTTP {http_status}, `{code}`): {}{}", hint_for_code(.code, .message), log_suffix(.log_id))]
    Api {
        /// The HTTP status.
        http_status: u16,
        /// TikTok's `error.code`.
        code: String,
        /// TikTok's `error.message` (scrubbed of the token).
        message: String,
        /// TikTok's `error.log_id`, for support requests.
        log_id: String,
    },
    /// The server answered with an HTTP error and no usable TikTok error body.
    #[error("TikTok answered HTTP {status} to {what}: {detail}")]
    Http {
        /// What we were doing.
        what: &'static str,
        /// The HTTP status.
        status: u16,
        /// A short excerpt of the body.
        detail: String,
    },
    /// The connection failed, dropped or timed out.
    #[error("network error during {what}: {detail} (check the connection and try again)")]
    Transport {
        /// What we were doing.
        what: &'static str,
        /// The error, without URL.
        detail: String,
    },
    /// The server's answer did not follow the API's shape.
    #[error("unexpected answer from TikTok to {what}: {detail}")]
    Protocol {
        /// What we were doing.
        what: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// Retrying did not help.
    #[error("gave up on {what} after {attempts} attempts; last error: {last}")]
    RetriesExhausted {
        /// What we were doing.
        what: &'static str,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// The upload URL kept expiring (403) or the task kept vanishing (404).
    #[error(
        "the upload URL expired or the upload task was lost (HTTP {status}) {inits} times: start the upload again"
    )]
    UploadUrlLost {
        /// The last HTTP status (403 or 404).
        status: u16,
        /// How many times we initialised.
        inits: u32,
    },
    /// The request cannot be made as asked (privacy level, duration, title, token...).
    #[error("{0}")]
    Invalid(String),
    /// TikTok accepted the file but failed to publish it.
    #[error("TikTok could not publish the video (`{reason}`): {}", explain_fail_reason(.reason))]
    PublishFailed {
        /// TikTok's `fail_reason`.
        reason: String,
    },
    /// The status did not reach a final state in time.
    #[error("TikTok was still processing the video (last status {last}) after {waited_sec} s: check the app later; the publish_id is still valid")]
    StatusTimeout {
        /// The last status seen.
        last: String,
        /// Seconds waited.
        waited_sec: u64,
    },
}

impl UploadError {
    /// True for a failed publish that TikTok says is worth retrying (`internal`).
    pub fn is_retryable_publish_failure(&self) -> bool {
        matches!(self, UploadError::PublishFailed { reason } if reason == "internal")
    }
}

impl From<UploadError> for crate::Error {
    fn from(e: UploadError) -> Self {
        crate::Error::Upload(e.to_string())
    }
}

fn log_suffix(log_id: &str) -> String {
    if log_id.is_empty() {
        String::new()
    } else {
        format!(" [log_id {log_id}]")
    }
}

/// What a TikTok `error.code` means for the user, and what to do about it.
pub fn hint_for_code(code: &str, message: &str) -> String {
    let hint = match code {
        "access_token_invalid" => {
            "the access token is invalid or has expired: run `clipfit auth refresh --out FILE` and \
             pass --token-file FILE, or set a fresh TIKTOK_ACCESS_TOKEN"
        }
        "scope_not_authorized" => {
            "the access token lacks the needed scope (Direct Post needs `video.publish`, --inbox \
             needs `video.upload`): authorize the app again with that scope"
        }
        "spam_risk_too_many_posts" => "this account has reached TikTok's daily posting limit: try again tomorrow",
        "spam_risk_user_banned_from_posting" => "this account is banned from posting: check it in the TikTok app",
        "reached_active_user_cap" => {
            "the app's daily quota of active posting users is used up: try again tomorrow, or ask \
             TikTok for a higher quota"
        }
        "unaudited_client_can_only_post_to_private_accounts" => {
            "this app has not passed TikTok's audit, so it may only post to a private account with \
             --privacy SELF_ONLY: make the account private and use SELF_ONLY, or use --inbox"
        }
        "url_ownership_unverified" => {
            "the video URL's domain is not verified for this app: verify the domain in the TikTok \
             developer portal, or upload the file instead"
        }
        "privacy_level_option_mismatch" => {
            "the privacy level is not one this account allows: leave out --privacy (SELF_ONLY is \
             used) or pick one of the creator's privacy_level_options"
        }
        "invalid_param" | "invalid_params" => {
            return format!(
                "TikTok rejected a request parameter ({}): check the title, cover time and file",
                if message.is_empty() { "no detail given" } else { message }
            )
        }
        "rate_limit_exceeded" => "too many requests to TikTok: wait a minute and try again",
        "spam_risk_too_many_pending_share" => {
            "too many drafts are waiting in the TikTok inbox (at most 5 in 24 hours): post or \
             delete them in the app, then try again"
        }
        "internal_error" => "TikTok had an internal error: try again later",
        _ => return if message.is_empty() { "no explanation given".to_string() } else { message.to_string() },
    };
    hint.to_string()
}

/// What a `fail_reason` from the status endpoint means, and what to do about it.
pub fn explain_fail_reason(reason: &str) -> &'static str {
    match reason {
        "file_format_check_failed" => {
            "TikTok could not accept the file's format: run `clipfit conform` on it (MP4, H.264, \
             AAC) and upload the result"
        }
        "duration_check_failed" => {
            "the video is longer than this account may post (or too short): trim it and try again"
        }
        "frame_rate_check_failed" => "the frame rate is outside what TikTok accepts: run `clipfit conform` (30 fps)",
        "picture_size_check_failed" => {
            "the picture size is outside what TikTok accepts: run `clipfit conform` (1080x1920)"
        }
        "internal" => "TikTok had an internal error; this is retryable: upload again",
        "video_pull_failed" => "TikTok could not fetch the video: upload it again",
        "publish_cancelled" => "the post was cancelled",
        "auth_removed" => "the user removed the app's access: authorize it again",
        "spam_risk_too_many_posts" => "the account reached its daily posting limit: try tomorrow",
        "spam_risk_user_banned_from_posting" => "the account is banned from posting",
        "spam_risk_text" => "TikTok flagged the title as spam: change it",
        "spam_risk" => "TikTok flagged the post as spam risk",
        _ => "no explanation known for this reason: check the TikTok app",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_code_has_an_actionable_hint() {
        for code in [
            "access_token_invalid",
            "scope_not_authorized",
            "spam_risk_too_many_posts",
            "spam_risk_user_banned_from_posting",
            "reached_active_user_cap",
            "unaudited_client_can_only_post_to_private_accounts",
            "url_ownership_unverified",
            "privacy_level_option_mismatch",
            "invalid_param",
            "invalid_params",
            "rate_limit_exceeded",
            "spam_risk_too_many_pending_share",
        ] {
            let hint = hint_for_code(code, "");
            assert!(hint.contains(':'), "{code}: {hint}");
            assert_ne!(hint, "no explanation given", "{code}");
        }
        let e = UploadError::Api {
            http_status: 401,
            code: "access_token_invalid".into(),
            message: "x".into(),
            log_id: "L1".into(),
        };
        let s = e.to_string();
        assert!(s.contains("access token") && s.contains("L1") && s.contains("401"), "{s}");
    }

    #[test]
    fn fail_reasons_are_explained() {
        for r in [
            "file_format_check_failed",
            "duration_check_failed",
            "frame_rate_check_failed",
            "picture_size_check_failed",
            "internal",
        ] {
            assert!(!explain_fail_reason(r).starts_with("no explanation"), "{r}");
        }
        assert!(UploadError::PublishFailed { reason: "internal".into() }.is_retryable_publish_failure());
    }
}
