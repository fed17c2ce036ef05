//! # clipfit
//!
//! Turns any video into a file that TikTok's Content Posting API accepts first time, and
//! uploads it — in pure Rust, without FFmpeg.
//!
//! The data flows one way (see `ARCHITECTURE.md` in the repository):
//!
//! ```text
//! probe ─► check (Profile → Violations) ─► plan (ConformPlan) ─► pipeline
//!   demux ─► decode ─► geometry ─► frame rate ─► encode ─► mux (faststart) ─► upload
//! ```
#![deny(missing_docs)]

pub mod codec;
pub mod demux;
pub mod error;
pub mod limits;
pub mod media;
pub mod mux;
pub mod pipeline;
pub mod plan;
pub mod profile;
pub mod remote;
pub mod serve;
pub mod tempfiles;
pub mod upload;
pub mod video;

pub use error::{Error, Result};
