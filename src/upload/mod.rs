//! Uploading to TikTok's Content Posting API (`FILE_UPLOAD`).
//!
//! ```text
//! creator_info ─► PostRequest::resolve ─► init (ChunkPlan) ─► PUT chunks in order ─► status
//! ```
//!
//! Usable without the CLI:
//!
//! ```no_run
//! # async fn demo() -> Result<(), clipfit::upload::UploadError> {
//! use clipfit::upload::{Client, PostRequest, PostTarget, RetryPolicy, Secret, DEFAULT_API_BASE};
//! let token = Secret::new(std::env::var("TIKTOK_ACCESS_TOKEN").unwrap_or_default(), "access token")?;
//! let client = Client::new(DEFAULT_API_BASE, token, RetryPolicy::default())?;
//! let creator = client.creator_info().await?;
//! let post = PostRequest { title: "hello".into(), ..Default::default() }.resolve(&creator, Some(12.0))?;
//! let id = client.upload_file("out.mp4".as_ref(), &PostTarget::Direct(post), &|_sent, _total| {}).await?;
//! let status = client.wait_for_status(&id, &|_s| {}).await?;
//! # let _ = status; Ok(()) }
//! ```
//!
//! The access token lives in a [`Secret`], whose `Debug`/`Display` are redacted; error
//! messages never contain it.

mod chunk_plan;
mod client;
mod errors;
mod oauth;
mod post;
mod retry;
mod secret;
mod transfer;

pub use chunk_plan::{Chunk, ChunkPlan, MAX_CHUNK, MAX_CHUNKS, MAX_FINAL_CHUNK, MIN_CHUNK};
pub use client::{Client, DEFAULT_API_BASE};
pub use errors::{explain_fail_reason, hint_for_code, UploadError};
pub use oauth::{read_access_token, refresh_access_token, RefreshCredentials, TokenSet};
pub use post::{
    CreatorInfo, PostInfo, PostRequest, PostTarget, PublishId, PublishState, PublishStatus, DEFAULT_PRIVACY,
    MAX_TITLE_UTF16,
};
pub use retry::RetryPolicy;
pub use secret::Secret;
