//! What is posted and where: the creator's allowed settings, the post's settings checked
//! against them, and the publish status TikTok reports.

use serde::{Deserialize, Serialize};

use super::errors::UploadError;

/// The privacy level used when the user does not pick one (and the only one an unaudited
/// app may use).
pub const DEFAULT_PRIVACY: &str = "SELF_ONLY";

/// Longest title TikTok accepts, in UTF-16 code units.
pub const MAX_TITLE_UTF16: usize = 2200;

/// The creator's posting settings (`/v2/post/publish/creator_info/query/`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct CreatorInfo {
    /// The account's handle.
    #[serde(default)]
    pub creator_username: String,
    /// The account's display name.
    #[serde(default)]
    pub creator_nickname: String,
    /// Privacy levels this account may post with.
    #[serde(default)]
    pub privacy_level_options: Vec<String>,
    /// The creator turned comments off in the app.
    #[serde(default)]
    pub comment_disabled: bool,
    /// The creator turned duets off in the app.
    #[serde(default)]
    pub duet_disabled: bool,
    /// The creator turned stitches off in the app.
    #[serde(default)]
    pub stitch_disabled: bool,
    /// Longest video this account may post, in seconds.
    #[serde(default)]
    pub max_video_post_duration_sec: u64,
}

/// What the user asked for, before it is checked against [`CreatorInfo`].
#[derive(Debug, Clone, Default)]
pub struct PostRequest {
    /// Caption (with hashtags and mentions).
    pub title: String,
    /// Privacy level, or `None` for [`DEFAULT_PRIVACY`].
    pub privacy_level: Option<String>,
    /// Turn comments off.
    pub disable_comment: bool,
    /// Turn duets off.
    pub disable_duet: bool,
    /// Turn stitches off.
    pub disable_stitch: bool,
    /// Cover frame time in milliseconds.
    pub cover_timestamp_ms: Option<u64>,
}

/// Settings of a Direct Post, as sent in `post_info`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PostInfo {
    /// Caption.
    pub title: String,
    /// One of the creator's `privacy_level_options`.
    pub privacy_level: String,
    /// Comments off.
    pub disable_comment: bool,
    /// Duets off.
    pub disable_duet: bool,
    /// Stitches off.
    pub disable_stitch: bool,
    /// Cover frame time in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_cover_timestamp_ms: Option<u64>,
}

impl PostRequest {
    /// Checks the request against the creator's settings and the video's duration (seconds,
    /// when known) and returns the `post_info` to send.
    ///
    /// A setting the creator switched off in the app stays off whatever was asked.
    pub fn resolve(&self, creator: &CreatorInfo, duration_sec: Option<f64>) -> Result<PostInfo, UploadError> {
        let options = &creator.privacy_level_options;
        let privacy_level = match &self.privacy_level {
            Some(p) => {
                let p = p.trim().to_ascii_uppercase();
                if !options.contains(&p) {
                    return Err(UploadError::Invalid(format!(
                        "privacy level {p} is not allowed for this account; it allows: {}",
                        options.join(", ")
                    )));
                }
                p
            }
            None if options.iter().any(|o| o == DEFAULT_PRIVACY) => DEFAULT_PRIVACY.to_string(),
            None => {
                return Err(UploadError::Invalid(format!(
                    "this account does not offer {DEFAULT_PRIVACY}; choose one with --privacy: {}",
                    if options.is_empty() { "(TikTok listed none)".to_string() } else { options.join(", ") }
                )))
            }
        };
        if let Some(d) = duration_sec {
            let max = creator.max_video_post_duration_sec;
            if !d.is_finite() || d <= 0.0 {
                return Err(UploadError::Invalid(format!("the video's duration ({d} s) is not usable")));
            }
            if max > 0 && d > max as f64 {
                return Err(UploadError::Invalid(format!(
                    "the video is {d:.1} s long but this account may post at most {max} s: trim it"
                )));
            }
            if let Some(ms) = self.cover_timestamp_ms {
                if ms as f64 > d * 1000.0 {
                    return Err(UploadError::Invalid(format!(
                        "the cover time {ms} ms is past the end of the {d:.1} s video"
                    )));
                }
            }
        }
        let units = self.title.encode_utf16().count();
        if units > MAX_TITLE_UTF16 {
            return Err(UploadError::Invalid(format!(
                "the title is {units} UTF-16 units long; TikTok allows {MAX_TITLE_UTF16}"
            )));
        }
        Ok(PostInfo {
            title: self.title.clone(),
            privacy_level,
            disable_comment: self.disable_comment || creator.comment_disabled,
            disable_duet: self.disable_duet || creator.duet_disabled,
            disable_stitch: self.disable_stitch || creator.stitch_disabled,
            video_cover_timestamp_ms: self.cover_timestamp_ms,
        })
    }
}

/// Where the video goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostTarget {
    /// Direct Post with these settings (scope `video.publish`).
    Direct(PostInfo),
    /// A draft in the creator's inbox, finished in the app (scope `video.upload`).
    Inbox,
}

/// TikTok's handle for one upload (e.g. `v_pub_file~v2-1.7...`); kept as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PublishId(pub String);

impl std::fmt::Display for PublishId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where TikTok is with a publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishState {
    /// Receiving chunks.
    ProcessingUpload,
    /// Fetching from a URL (PULL_FROM_URL only).
    ProcessingDownload,
    /// Sent to the creator's inbox as a draft (final for `--inbox`).
    SendToUserInbox,
    /// Posted (final for Direct Post).
    PublishComplete,
    /// Failed; see `fail_reason`.
    Failed,
    /// A status this client does not know yet.
    Other(String),
}

impl PublishState {
    fn parse(s: &str) -> Self {
        match s {
            "PROCESSING_UPLOAD" => PublishState::ProcessingUpload,
            "PROCESSING_DOWNLOAD" => PublishState::ProcessingDownload,
            "SEND_TO_USER_INBOX" => PublishState::SendToUserInbox,
            "PUBLISH_COMPLETE" => PublishState::PublishComplete,
            "FAILED" => PublishState::Failed,
            other => PublishState::Other(other.to_string()),
        }
    }

    /// TikTok's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            PublishState::ProcessingUpload => "PROCESSING_UPLOAD",
            PublishState::ProcessingDownload => "PROCESSING_DOWNLOAD",
            PublishState::SendToUserInbox => "SEND_TO_USER_INBOX",
            PublishState::PublishComplete => "PUBLISH_COMPLETE",
            PublishState::Failed => "FAILED",
            PublishState::Other(s) => s,
        }
    }

    /// True when polling can stop.
    pub fn is_final(&self) -> bool {
        matches!(self, PublishState::SendToUserInbox | PublishState::PublishComplete | PublishState::Failed)
    }
}

/// One answer of `/v2/post/publish/status/fetch/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishStatus {
    /// The state.
    pub state: PublishState,
    /// Why it failed, when `state` is `Failed`.
    pub fail_reason: Option<String>,
    /// Public post ids (19-digit integers, kept as exact decimal text).
    pub post_ids: Vec<String>,
    /// Bytes TikTok has received.
    pub uploaded_bytes: Option<u64>,
}

/// The wire shape of the status data.
#[derive(Debug, Deserialize)]
pub(crate) struct StatusData {
    status: String,
    #[serde(default)]
    fail_reason: Option<String>,
    // TikTok's own spelling.
    #[serde(default)]
    publicaly_available_post_id: Vec<serde_json::Value>,
    #[serde(default)]
    uploaded_bytes: Option<u64>,
}

impl StatusData {
    /// Converts, keeping post ids exact: a JSON integer is read as `u64`, never `f64`.
    pub(crate) fn into_status(self) -> Result<PublishStatus, UploadError> {
        let mut post_ids = Vec::with_capacity(self.publicaly_available_post_id.len());
        for v in &self.publicaly_available_post_id {
            let id = match v {
                serde_json::Value::Number(n) => n.as_u64().map(|n| n.to_string()),
                serde_json::Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                    Some(s.clone())
                }
                _ => None,
            };
            post_ids.push(id.ok_or_else(|| UploadError::Protocol {
                what: "status fetch",
                detail: format!("post id {v} is not a whole number"),
            })?);
        }
        Ok(PublishStatus {
            state: PublishState::parse(&self.status),
            fail_reason: self.fail_reason.filter(|r| !r.is_empty()),
            post_ids,
            uploaded_bytes: self.uploaded_bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creator(options: &[&str]) -> CreatorInfo {
        CreatorInfo {
            privacy_level_options: options.iter().map(|s| s.to_string()).collect(),
            max_video_post_duration_sec: 600,
            ..CreatorInfo::default()
        }
    }

    #[test]
    fn privacy_defaults_to_self_only_and_must_be_offered() {
        let c = creator(&["PUBLIC_TO_EVERYONE", "SELF_ONLY"]);
        assert_eq!(PostRequest::default().resolve(&c, Some(10.0)).unwrap().privacy_level, "SELF_ONLY");
        let r = PostRequest { privacy_level: Some("public_to_everyone".into()), ..Default::default() };
        assert_eq!(r.resolve(&c, None).unwrap().privacy_level, "PUBLIC_TO_EVERYONE");
        let r = PostRequest { privacy_level: Some("FOLLOWER_OF_CREATOR".into()), ..Default::default() };
        let e = r.resolve(&c, None).unwrap_err().to_string();
        assert!(e.contains("SELF_ONLY") && e.contains("FOLLOWER_OF_CREATOR"), "{e}");
        // Never silently picks a public level.
        assert!(PostRequest::default().resolve(&creator(&["PUBLIC_TO_EVERYONE"]), None).is_err());
    }

    #[test]
    fn duration_cover_and_title_are_checked() {
        let c = creator(&["SELF_ONLY"]);
        let e = PostRequest::default().resolve(&c, Some(600.5)).unwrap_err().to_string();
        assert!(e.contains("600"), "{e}");
        assert!(PostRequest::default().resolve(&c, Some(600.0)).is_ok());
        let r = PostRequest { cover_timestamp_ms: Some(5000), ..Default::default() };
        assert!(r.resolve(&c, Some(4.0)).is_err());
        assert!(r.resolve(&c, Some(6.0)).is_ok());
        let r = PostRequest { title: "é".repeat(2201), ..Default::default() };
        assert!(r.resolve(&c, None).is_err());
    }

    #[test]
    fn creator_switches_win() {
        let mut c = creator(&["SELF_ONLY"]);
        c.comment_disabled = true;
        let p = PostRequest::default().resolve(&c, None).unwrap();
        assert!(p.disable_comment && !p.disable_duet);
    }

    #[test]
    fn post_ids_stay_exact() {
        let json = r#"{"status":"PUBLISH_COMPLETE","publicaly_available_post_id":[7345678901234567891, "7345678901234567892"]}"#;
        let d: StatusData = serde_json::from_str(json).unwrap();
        let s = d.into_status().unwrap();
        assert_eq!(s.post_ids, ["7345678901234567891", "7345678901234567892"]);
        assert_eq!(s.state, PublishState::PublishComplete);
        let d: StatusData = serde_json::from_str(r#"{"status":"X","publicaly_available_post_id":[1.5]}"#).unwrap();
        assert!(d.into_status().is_err());
    }
}
