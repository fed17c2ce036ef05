//! `clipfit serve`: a self-hosted posting service with a durable job queue.
//!
//! ```text
//! POST /v1/jobs ─► jobs table ─► worker claims (lease) ─► fetch ─► check ─► conform
//!                                   ▲ renews lease          ─► TikTok init (publish_id persisted)
//!                                   │                       ─► chunked PUT ─► status ─► webhook
//! ```
//!
//! # Queue layer: our own, over `sqlx`
//!
//! apalis was the candidate job library. We use a thin layer of our own instead because the
//! job's *state machine* is the hard part, not the queue: a job that is past TikTok's init
//! must resume its upload or reconcile by status, and never init again; that needs
//! `publish_id` and `upload_url` written in the same row the lease guards, in the same
//! statement that checks the lease. apalis 1.0 keeps its own task table and had neither
//! retries nor cancel wired to its SQL backends, so we would have written those anyway.
//! Our layer is one table and five statements ([`queue`]).
//!
//! # One schema for SQLite and PostgreSQL: sqlx's `Any` driver
//!
//! Both engines take the same SQL here: `$N` placeholders, `TEXT`/`BIGINT` columns,
//! `UPDATE … RETURNING`. Going through `Any` keeps one set of queries, tested on both
//! engines; the only difference is the claim, where PostgreSQL adds `FOR UPDATE SKIP LOCKED`
//! so that concurrent workers on many machines skip each other's rows instead of waiting.
//! SQLite is one process (its single writer serialises claims).
//!
//! Times are Unix milliseconds computed by the processes, not the database: machines that
//! share a PostgreSQL must keep their clocks in sync (NTP); leases are tens of seconds.

mod api;
mod error;
mod job;
mod metrics;
mod queue;
mod ratelimit;
mod run;
mod store;
mod tokens;
mod webhook;
mod worker;

pub use error::ServeError;
pub use job::{ErrorInfo, JobRequest, JobStatus, JobView, PostMode, PostSpec, SourceSpec};
pub use queue::{CancelOutcome, Claimed};
pub use ratelimit::{init_allowed_at, Quotas, SlidingWindow};
pub use run::{serve, ServeConfig};
pub use store::{now_ms, Store};
pub use tokens::AppCredentials;
pub use webhook::{event_id, signature, WebhookPolicy, EVENT_ID_HEADER, SIGNATURE_HEADER};
