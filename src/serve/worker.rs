//! A worker: claim a job, then fetch → check → conform → (init → upload → status), keeping
//! the lease alive meanwhile; settle the outcome (finish, retry later, or wait out a quota).
//!
//! Never posting twice rests on one rule: TikTok's `publish_id` and `upload_url` are stored
//! (guarded by the lease, and only if none is stored yet) before a single byte is sent, and
//! a job with a stored `publish_id` never calls init again — it resumes the upload at the
//! chunk TikTok asks for, or asks TikTok for the status. A crash *between* init and that
//! write loses an init that no byte was ever sent to; TikTok discards such an upload, so
//! initialising again then cannot make a second post.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::error::Error;
use crate::pipeline::{conform, Progress};
use crate::plan::{ConformOptions, FitMode};
use crate::profile::{check, Profile};
use crate::remote;
use crate::upload::{Client, PostRequest, PostTarget, PublishId, PublishState, UploadError};

use super::error::ServeError;
use super::job::{ErrorInfo, JobStatus, PostMode, PostSpec};
use super::metrics::Metrics;
use super::queue::Claimed;
use super::ratelimit::init_allowed_at;
use super::run::Ctx;
use super::store::now_ms;

/// Why a job stopped short of success.
#[derive(Debug)]
pub(crate) enum Fail {
    /// Give up: the job fails with this error.
    Terminal(ErrorInfo),
    /// Try again later (up to `--max-retries` times).
    Transient(ErrorInfo),
    /// A quota is used up: run again at this Unix ms (not counted as a retry).
    Wait(i64),
    /// A cancel was requested before the job reached TikTok.
    Canceled,
    /// The database failed, or the lease was lost.
    Db(ServeError),
}

impl From<ServeError> for Fail {
    fn from(e: ServeError) -> Self {
        Fail::Db(e)
    }
}

/// How a job ended well.
enum Finished {
    /// Posted, with TikTok's public post ids.
    Published(Vec<String>),
    /// In the creator's inbox.
    SentToInbox,
    /// Conformed; the output is kept at this path.
    Done(PathBuf),
}

/// What the lease keeper and the stages share about a running job.
#[derive(Default)]
struct Running {
    /// Progress of the current stage in thousandths (-1: nothing new to write).
    progress: AtomicI64,
}

impl Running {
    fn set_fraction(&self, done: u64, total: u64) {
        if let Some(p) = (done.min(total) * 1000).checked_div(total) {
            self.progress.store(p as i64, Ordering::Relaxed);
        }
    }
}

/// Conform progress: frames of the current stage.
struct ConformProgress {
    running: Arc<Running>,
    total: AtomicU64,
    done: AtomicU64,
}

impl Progress for ConformProgress {
    fn stage(&self, _name: &str, total: u64) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
    }
    fn advance(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        self.running.set_fraction(done, self.total.load(Ordering::Relaxed));
    }
}

struct FetchProgress(Arc<Running>);

impl remote::TransferProgress for FetchProgress {
    fn transferred(&self, done: u64, total: Option<u64>) {
        if let Some(t) = total {
            self.0.set_fraction(done, t);
        }
    }
}

/// Claims and runs jobs until `stop` turns true.
pub(crate) async fn worker_loop(ctx: Arc<Ctx>, mut stop: watch::Receiver<bool>) {
    let lease_ms = ctx.cfg.lease.as_millis() as i64;
    while !*stop.borrow() {
        match ctx.store.claim(&ctx.owner, lease_ms).await {
            Ok(Some(job)) => run_claimed(&ctx, job).await,
            Ok(None) => {
                tokio::select! {
                    _ = tokio::time::sleep(ctx.cfg.idle_poll) => {}
                    _ = ctx.wake.notified() => {}
                    _ = stop.changed() => {}
                }
            }
            Err(e) => {
                eprintln!("clipfit serve: cannot claim a job: {e}");
                tokio::time::sleep(ctx.cfg.idle_poll).await;
            }
        }
    }
}

async fn run_claimed(ctx: &Arc<Ctx>, job: Claimed) {
    eprintln!("clipfit serve: {} claimed (attempt {}, status {})", job.id, job.attempts, job.status.as_str());
    let running = Arc::new(Running { progress: AtomicI64::new(-1) });
    let (lost_tx, mut lost_rx) = tokio::sync::oneshot::channel::<()>();
    let keeper = tokio::spawn(keep_lease(ctx.clone(), job.id.clone(), running.clone(), lost_tx));
    let started = Instant::now();
    let result = tokio::select! {
        r = process(ctx, &job, &running) => r,
        _ = &mut lost_rx => Err(Fail::Db(ServeError::LeaseLost(job.id.clone()))),
    };
    keeper.abort();
    settle(ctx, &job, result, started).await;
}

/// Renews the lease a few times per lease period and writes progress.
/// Signals `lost` when the lease is gone, or when the database has been unreachable for so
/// long that the lease must have run out.
async fn keep_lease(ctx: Arc<Ctx>, id: String, running: Arc<Running>, lost: tokio::sync::oneshot::Sender<()>) {
    let lease = ctx.cfg.lease;
    let tick = (lease / 4).min(Duration::from_secs(2)).max(Duration::from_millis(50));
    let mut last_ok = Instant::now();
    loop {
        tokio::time::sleep(tick).await;
        match ctx.store.renew(&id, &ctx.owner, lease.as_millis() as i64).await {
            Ok(_) => last_ok = Instant::now(),
            Err(ServeError::LeaseLost(_)) => break,
            Err(e) => {
                eprintln!("clipfit serve: {id}: cannot renew the lease: {e}");
                if last_ok.elapsed() >= lease {
                    break;
                }
            }
        }
        let p = running.progress.swap(-1, Ordering::Relaxed);
        if p >= 0 {
            let _ = ctx.store.set_progress(&id, &ctx.owner, p).await;
        }
    }
    let _ = lost.send(());
}

async fn process(ctx: &Ctx, job: &Claimed, running: &Arc<Running>) -> Result<Finished, Fail> {
    let dir = ctx.cfg.work_dir.join(&job.id);
    tokio::fs::create_dir_all(&dir).await.map_err(|e| io_fail(&dir, e))?;
    let out = dir.join("out.mp4");
    let req = &job.request;
    let (post, client, publish_id, upload_url, size) = match &job.publish_id {
        None => {
            check_cancel(ctx, job).await?;
            let size = ensure_output(ctx, job, running, &dir, &out, true).await?;
            let Some(post) = &req.post else {
                return Ok(Finished::Done(out));
            };
            check_cancel(ctx, job).await?;
            let client = client_for(ctx, post).await?;
            let target = target(&client, post, &out).await?;
            if let Some(at) = init_allowed_at(&ctx.store, &post.account, post.mode, &ctx.cfg.quotas, now_ms()).await? {
                eprintln!("clipfit serve: {}: account quota reached; waiting {} s", job.id, (at - now_ms()) / 1000);
                return Err(Fail::Wait(at));
            }
            check_cancel(ctx, job).await?;
            let plan = client.plan_for(size).map_err(upload_fail)?;
            let init = client.init(&target, &plan).await.map_err(upload_fail)?;
            ctx.store.set_initialised(&job.id, &ctx.owner, &init.publish_id.0, &init.upload_url, size).await?;
            eprintln!("clipfit serve: {}: TikTok publish id {}", job.id, init.publish_id);
            (post, client, init.publish_id, init.upload_url, size)
        }
        Some(id) => {
            let post = req.post.as_ref().ok_or_else(|| ServeError::Corrupt("publish_id without post".into()))?;
            let client = client_for(ctx, post).await?;
            let size = job.video_size.unwrap_or(0).max(0) as u64;
            (post, client, PublishId(id.clone()), job.upload_url.clone().unwrap_or_default(), size)
        }
    };
    if !job.upload_done {
        ctx.store.set_stage(&job.id, &ctx.owner, JobStatus::Uploading, 0).await?;
        // After a restart elsewhere the output may be missing: the conform is
        // deterministic, so it is rebuilt and must come out the same size as announced.
        if file_len(&out) != Some(size) {
            ensure_output(ctx, job, running, &dir, &out, false).await?;
            ctx.store.set_stage(&job.id, &ctx.owner, JobStatus::Uploading, 0).await?;
        }
        let sent = if file_len(&out) == Some(size) {
            let plan = client.plan_for(size).map_err(upload_fail)?;
            let r = running.clone();
            let progress = move |done: u64, total: u64| r.set_fraction(done, total);
            client.resume_transfer(&out, &upload_url, &plan, &progress).await
        } else {
            Err(UploadError::Invalid("the rebuilt output differs from the one TikTok was told about".into()))
        };
        if let Err(e) = sent {
            // TikTok may hold everything already (the final answer was lost), or may have
            // finished: ask before giving up. Never init again.
            if !upload_complete(ctx, &client, post, &publish_id, size).await {
                return Err(match e {
                    UploadError::UploadUrlLost { .. } | UploadError::Invalid(_) => Fail::Terminal(ErrorInfo::terminal(
                        "upload_interrupted",
                        format!(
                            "the upload could not be finished ({e}); TikTok discards unfinished uploads, so \
                             nothing was posted: submit the job again"
                        ),
                    )),
                    other => upload_fail(other),
                });
            }
        }
        Metrics::add(&ctx.metrics.uploaded_bytes, size);
        ctx.store.set_upload_done(&job.id, &ctx.owner).await?;
    }
    wait_for_final(ctx, &client, post, &publish_id).await
}

/// The conformed output, from an earlier attempt when `reuse` allows and it is intact, or
/// fetched and conformed now. Returns its size.
async fn ensure_output(
    ctx: &Ctx,
    job: &Claimed,
    running: &Arc<Running>,
    dir: &Path,
    out: &Path,
    reuse: bool,
) -> Result<u64, Fail> {
    if let (true, Some(size)) = (reuse, job.conformed_size) {
        if file_len(out) == Some(size as u64) {
            return Ok(size as u64);
        }
    }
    ctx.store.set_stage(&job.id, &ctx.owner, JobStatus::Fetching, 0).await?;
    let url = remote::RemoteUrl::parse(&job.request.source.url)
        .map_err(|e| Fail::Terminal(ErrorInfo::terminal("source_invalid", e.to_string())))?;
    let src = dir.join("source");
    let opts = remote::RemoteOptions {
        allow_private: ctx.cfg.allow_private_sources,
        max_bytes: ctx.cfg.max_source_bytes,
        ..remote::RemoteOptions::default()
    };
    let (src2, progress) = (src.clone(), FetchProgress(running.clone()));
    eprintln!("clipfit serve: {}: fetching {}", job.id, url.redacted());
    let got = tokio::task::spawn_blocking(move || remote::download(&url, &src2, &opts, &progress))
        .await
        .map_err(|e| Fail::Transient(ErrorInfo::transient("internal", e.to_string())))?
        .map_err(source_fail)?;
    Metrics::add(&ctx.metrics.fetched_bytes, got.bytes);
    check_cancel(ctx, job).await?;
    ctx.store.set_stage(&job.id, &ctx.owner, JobStatus::Conforming, 0).await?;
    let spec = job.request.profile.clone().unwrap_or_else(|| "tiktok".into());
    let fit =
        parse_fit(job.request.fit.as_deref()).map_err(|m| Fail::Terminal(ErrorInfo::terminal("bad_request", m)))?;
    let progress = ConformProgress { running: running.clone(), total: AtomicU64::new(0), done: AtomicU64::new(0) };
    let (src2, out2) = (src.clone(), out.to_path_buf());
    let started = Instant::now();
    let (violations, report) = tokio::task::spawn_blocking(move || -> crate::Result<_> {
        let profile = Profile::intersect(&Profile::load_list(&spec)?)?;
        let violations = check(&crate::demux::probe(&src2)?, &profile);
        let opts = ConformOptions { fit, ..ConformOptions::default() };
        let report = conform(&src2, &out2, &profile, &opts, &progress)?;
        Ok((violations, report))
    })
    .await
    .map_err(|e| Fail::Transient(ErrorInfo::transient("internal", e.to_string())))?
    .map_err(conform_fail)?;
    let _ = std::fs::remove_file(&src);
    Metrics::add(&ctx.metrics.conforms, 1);
    Metrics::add(&ctx.metrics.conform_ms, started.elapsed().as_millis() as u64);
    if !report.output_violations.is_empty() {
        let rules: Vec<String> =
            report.output_violations.iter().map(|v| format!("{}: {}", v.rule, v.message)).collect();
        return Err(Fail::Terminal(ErrorInfo::terminal(
            "not_ready",
            format!("the converted file still breaks the profile: {}", rules.join("; ")),
        )));
    }
    let size = report.output_info.file_size;
    let json = |v: serde_json::Result<serde_json::Value>| v.unwrap_or(serde_json::Value::Array(Vec::new()));
    let violations = json(serde_json::to_value(&violations));
    let warnings = json(serde_json::to_value(&report.warnings));
    ctx.store.set_conformed(&job.id, &ctx.owner, &violations, &warnings, size).await?;
    Ok(size)
}

/// `crop` (default), `pad` or `blur`.
pub(crate) fn parse_fit(fit: Option<&str>) -> Result<FitMode, String> {
    match fit {
        None => Ok(FitMode::default()),
        Some(s) => <FitMode as clap::ValueEnum>::from_str(s, true)
            .map_err(|_| format!("fit must be crop, pad or blur, not {s:?}")),
    }
}

async fn client_for(ctx: &Ctx, post: &PostSpec) -> Result<Client, Fail> {
    let token = ctx.tokens.access_token(&post.account).await?;
    Client::new(&ctx.cfg.api_base, token, ctx.cfg.tiktok.clone()).map_err(upload_fail)
}

async fn target(client: &Client, post: &PostSpec, out: &Path) -> Result<PostTarget, Fail> {
    if post.mode == PostMode::Inbox {
        return Ok(PostTarget::Inbox);
    }
    let creator = client.creator_info().await.map_err(upload_fail)?;
    let duration = crate::demux::probe(out).ok().map(|i| i.duration);
    let request = PostRequest {
        title: post.title.clone(),
        privacy_level: post.privacy_level.clone(),
        disable_comment: post.disable_comment,
        disable_duet: post.disable_duet,
        disable_stitch: post.disable_stitch,
        cover_timestamp_ms: post.cover_timestamp_ms,
    };
    Ok(PostTarget::Direct(request.resolve(&creator, duration).map_err(upload_fail)?))
}

/// True when TikTok says it holds every byte or is past receiving them.
async fn upload_complete(ctx: &Ctx, client: &Client, post: &PostSpec, id: &PublishId, size: u64) -> bool {
    ctx.status_limit.take(&post.account).await;
    match client.fetch_status(id).await {
        Ok(s) => s.state.is_final() || (size > 0 && s.uploaded_bytes == Some(size)),
        Err(_) => false,
    }
}

/// Polls the status (within the account's status quota) until it is final.
async fn wait_for_final(ctx: &Ctx, client: &Client, post: &PostSpec, id: &PublishId) -> Result<Finished, Fail> {
    let started = Instant::now();
    loop {
        ctx.status_limit.take(&post.account).await;
        let status = client.fetch_status(id).await.map_err(upload_fail)?;
        match status.state {
            PublishState::PublishComplete => return Ok(Finished::Published(status.post_ids)),
            PublishState::SendToUserInbox => return Ok(Finished::SentToInbox),
            PublishState::Failed => {
                let reason = status.fail_reason.unwrap_or_else(|| "unknown".into());
                return Err(upload_fail(UploadError::PublishFailed { reason }));
            }
            _ => {}
        }
        if started.elapsed() > ctx.cfg.tiktok.poll_timeout {
            return Err(Fail::Transient(ErrorInfo::transient(
                "status_timeout",
                format!(
                    "TikTok was still at {} after {} s; will check again",
                    status.state.as_str(),
                    started.elapsed().as_secs()
                ),
            )));
        }
        tokio::time::sleep(ctx.cfg.tiktok.poll_interval).await;
    }
}

/// Records the outcome; removes the job's files unless it kept an output.
async fn settle(ctx: &Arc<Ctx>, job: &Claimed, result: Result<Finished, Fail>, started: Instant) {
    let owner = &ctx.owner;
    let dir = ctx.cfg.work_dir.join(&job.id);
    let finished = match result {
        Ok(Finished::Published(ids)) => ctx.store.finish(&job.id, owner, JobStatus::Published, None, &ids, None).await,
        Ok(Finished::SentToInbox) => ctx.store.finish(&job.id, owner, JobStatus::SentToInbox, None, &[], None).await,
        Ok(Finished::Done(path)) => {
            let expires = now_ms() + ctx.cfg.output_retention.as_millis() as i64;
            let path = path.to_string_lossy().into_owned();
            ctx.store.finish(&job.id, owner, JobStatus::Done, None, &[], Some((&path, expires))).await
        }
        Err(Fail::Terminal(e)) => ctx.store.finish(&job.id, owner, JobStatus::Failed, Some(&e), &[], None).await,
        Err(Fail::Canceled) => {
            let e = ErrorInfo::terminal("canceled", "canceled by request");
            ctx.store.finish(&job.id, owner, JobStatus::Canceled, Some(&e), &[], None).await
        }
        Err(Fail::Transient(e)) if job.retries >= i64::from(ctx.cfg.max_retries) => {
            let e = ErrorInfo { message: format!("{} (gave up after {} retries)", e.message, job.retries), ..e };
            ctx.store.finish(&job.id, owner, JobStatus::Failed, Some(&e), &[], None).await
        }
        Err(Fail::Transient(e)) => {
            Metrics::add(&ctx.metrics.retries, 1);
            let delay = ctx.cfg.retry_base.saturating_mul(1 << job.retries.clamp(0, 8)).min(Duration::from_secs(600));
            eprintln!("clipfit serve: {}: {} ({}); retrying in {} s", job.id, e.message, e.code, delay.as_secs());
            let _ = ctx.store.requeue(&job.id, owner, now_ms() + delay.as_millis() as i64, Some(&e)).await;
            return;
        }
        Err(Fail::Wait(at)) => {
            let _ = ctx.store.requeue(&job.id, owner, at, None).await;
            return;
        }
        Err(Fail::Db(ServeError::LeaseLost(_))) => {
            // Someone else holds it now: their files, their job.
            eprintln!("clipfit serve: {}: lease lost; another worker continues it", job.id);
            return;
        }
        Err(Fail::Db(e)) => {
            eprintln!("clipfit serve: {}: {e}; handing it back", job.id);
            let e = ErrorInfo::transient("database", e.to_string());
            let _ = ctx.store.requeue(&job.id, owner, now_ms() + ctx.cfg.retry_base.as_millis() as i64, Some(&e)).await;
            return;
        }
    };
    if let Err(e) = finished {
        eprintln!("clipfit serve: {}: cannot record the outcome: {e}", job.id);
        return;
    }
    Metrics::add(&ctx.metrics.finished, 1);
    Metrics::add(&ctx.metrics.job_ms, started.elapsed().as_millis() as u64);
    match ctx.store.job(&job.id).await {
        Ok(Some(view)) => {
            eprintln!("clipfit serve: {}: {}", job.id, view.status.as_str());
            if view.status != JobStatus::Done {
                let _ = tokio::fs::remove_dir_all(&dir).await;
            }
            if let Some(url) = job.request.webhook_url.clone() {
                super::run::spawn_webhook(ctx, url, view);
            }
        }
        Ok(None) => {}
        Err(e) => eprintln!("clipfit serve: {}: {e}", job.id),
    }
}

/// Asks the database (renewing the lease) whether a cancel was requested: checked before
/// each stage and right before init, never after it.
async fn check_cancel(ctx: &Ctx, job: &Claimed) -> Result<(), Fail> {
    if ctx.store.renew(&job.id, &ctx.owner, ctx.cfg.lease.as_millis() as i64).await? {
        return Err(Fail::Canceled);
    }
    Ok(())
}

fn file_len(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().filter(|m| m.is_file()).map(|m| m.len())
}

fn io_fail(path: &Path, e: std::io::Error) -> Fail {
    Fail::Transient(ErrorInfo::transient("io_error", format!("{}: {e}", path.display())))
}

/// A failed download: retried later when the remote module ran out of attempts on
/// transient failures (the server may come back), final otherwise (a 4xx, a refused
/// address, too large).
fn source_fail(e: Error) -> Fail {
    let message = format!("cannot fetch the source: {e}");
    match e {
        Error::Remote { retryable: true, .. } => Fail::Transient(ErrorInfo::transient("source_failed", message)),
        Error::Limit { .. } => Fail::Terminal(ErrorInfo::terminal("source_too_large", message)),
        _ => Fail::Terminal(ErrorInfo::terminal("source_failed", message)),
    }
}

fn conform_fail(e: Error) -> Fail {
    let code = match &e {
        Error::Malformed { .. } => "input_malformed",
        Error::Unsupported { .. } => "input_unsupported",
        Error::Limit { .. } => "input_limit",
        Error::Io { .. } => {
            return Fail::Transient(ErrorInfo::transient("io_error", e.to_string()));
        }
        Error::Codec { .. } => "conform_failed",
        Error::Invalid(_) => "conform_invalid",
        Error::Upload(_) => "upload_failed",
        Error::Remote { .. } => "source_failed",
    };
    Fail::Terminal(ErrorInfo::terminal(code, e.to_string()))
}

/// TikTok's failures as job errors: TikTok's own code kept (`tiktok_<code>`), the message
/// explained by issue 5's table (the error's `Display`).
pub(crate) fn upload_fail(e: UploadError) -> Fail {
    let message = e.to_string();
    match &e {
        UploadError::Api { code, .. } => {
            let code_name = format!("tiktok_{code}");
            if matches!(code.as_str(), "rate_limit_exceeded" | "internal_error") {
                Fail::Transient(ErrorInfo::transient(code_name, message))
            } else {
                Fail::Terminal(ErrorInfo::terminal(code_name, message))
            }
        }
        UploadError::Http { status, .. } if *status >= 500 || *status == 429 => {
            Fail::Transient(ErrorInfo::transient("tiktok_unavailable", message))
        }
        UploadError::Http { .. } => Fail::Terminal(ErrorInfo::terminal("tiktok_http", message)),
        UploadError::Transport { .. } | UploadError::RetriesExhausted { .. } => {
            Fail::Transient(ErrorInfo::transient("tiktok_unavailable", message))
        }
        UploadError::StatusTimeout { .. } => Fail::Transient(ErrorInfo::transient("status_timeout", message)),
        UploadError::Io { .. } | UploadError::FileChanged { .. } => {
            Fail::Transient(ErrorInfo::transient("io_error", message))
        }
        UploadError::PublishFailed { .. } => Fail::Terminal(ErrorInfo {
            code: "publish_failed".into(),
            retryable: e.is_retryable_publish_failure(),
            message,
        }),
        UploadError::UploadUrlLost { .. } => Fail::Terminal(ErrorInfo::terminal("upload_interrupted", message)),
        UploadError::Invalid(_) => Fail::Terminal(ErrorInfo::terminal("post_invalid", message)),
        UploadError::Protocol { .. } => Fail::Terminal(ErrorInfo::terminal("tiktok_protocol", message)),
        UploadError::EmptyFile | UploadError::TooLarge { .. } => {
            Fail::Terminal(ErrorInfo::terminal("output_unusable", message))
        }
    }
}
