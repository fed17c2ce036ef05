//! Starting and stopping the service: the configuration, the shared context, the HTTP
//! listener, the workers, the output sweeper, and a graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};

use crate::upload::{RetryPolicy, Secret};

use super::error::ServeError;
use super::job::JobView;
use super::metrics::Metrics;
use super::ratelimit::{Quotas, SlidingWindow};
use super::store::Store;
use super::tokens::{AppCredentials, Tokens};
use super::webhook::{self, WebhookPolicy};

/// Everything `clipfit serve` is told.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: String,
    /// `sqlite:PATH` or `postgres://…`.
    pub db: String,
    /// Each job's files live in a folder here.
    pub work_dir: PathBuf,
    /// Jobs run at once by this process.
    pub workers: usize,
    /// TikTok's API base.
    pub api_base: String,
    /// Fetch sources (and deliver webhooks) from loopback and private addresses too.
    pub allow_private_sources: bool,
    /// `CLIPFIT_API_KEY`: the bearer key of `/v1`, and the webhook signing key.
    pub api_key: Secret,
    /// App credentials for refreshing tokens (`TIKTOK_CLIENT_KEY`/`TIKTOK_CLIENT_SECRET`).
    pub app: Option<AppCredentials>,
    /// How long a claim lasts without renewal (a dead worker's job returns after this).
    pub lease: Duration,
    /// How often an idle worker looks for jobs submitted to other processes.
    pub idle_poll: Duration,
    /// TikTok client timings (status poll interval among them).
    pub tiktok: RetryPolicy,
    /// TikTok's per-account quotas.
    pub quotas: Quotas,
    /// How long a conform-only job's output is kept.
    pub output_retention: Duration,
    /// Largest source accepted.
    pub max_source_bytes: u64,
    /// Retries of a job after transient failures before it fails.
    pub max_retries: u32,
    /// Delay before the first retry (doubles each time).
    pub retry_base: Duration,
    /// Webhook delivery attempts and delays.
    pub webhook: WebhookPolicy,
    /// On SIGTERM, how long running jobs may take to finish before they are handed back.
    pub shutdown_grace: Duration,
}

impl ServeConfig {
    /// The defaults, with the given API key.
    pub fn new(api_key: Secret) -> Self {
        ServeConfig {
            listen: "127.0.0.1:8080".into(),
            db: "sqlite:clipfit-jobs.db".into(),
            work_dir: PathBuf::from("clipfit-work"),
            workers: 2,
            api_base: crate::upload::DEFAULT_API_BASE.into(),
            allow_private_sources: false,
            api_key,
            app: None,
            lease: Duration::from_secs(60),
            idle_poll: Duration::from_secs(2),
            tiktok: RetryPolicy::default(),
            quotas: Quotas::default(),
            output_retention: Duration::from_secs(24 * 3600),
            max_source_bytes: 4 << 30,
            max_retries: 5,
            retry_base: Duration::from_secs(5),
            webhook: WebhookPolicy {
                attempts: 6,
                backoff: Duration::from_secs(2),
                timeout: Duration::from_secs(15),
                allow_private: false,
            },
            shutdown_grace: Duration::from_secs(60),
        }
    }
}

/// What the API handlers and the workers share.
pub(crate) struct Ctx {
    pub(crate) store: Store,
    pub(crate) cfg: ServeConfig,
    pub(crate) metrics: Metrics,
    pub(crate) tokens: Tokens,
    /// This process's name in `lease_owner`.
    pub(crate) owner: String,
    pub(crate) status_limit: SlidingWindow,
    /// Wakes an idle worker when this process accepts a job.
    pub(crate) wake: Notify,
}

/// Runs the service until `shutdown` completes; `on_listening` learns the bound address.
pub async fn serve(
    cfg: ServeConfig,
    on_listening: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    if cfg.workers == 0 {
        return Err(ServeError::Config("--workers must be at least 1".into()));
    }
    std::fs::create_dir_all(&cfg.work_dir)
        .map_err(|e| ServeError::io(format!("cannot create {}", cfg.work_dir.display()), e))?;
    let store = Store::open(&cfg.db).await?;
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .map_err(|e| ServeError::io(format!("cannot listen on {}", cfg.listen), e))?;
    let addr = listener.local_addr().map_err(|e| ServeError::io("listener", e))?;
    let host = std::env::var("HOSTNAME").ok().or_else(|| std::fs::read_to_string("/etc/hostname").ok());
    let owner = format!(
        "{}-{}-{}",
        host.as_deref().map(str::trim).filter(|h| !h.is_empty()).unwrap_or("host"),
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let tokens = Tokens {
        store: store.clone(),
        api_base: cfg.api_base.clone(),
        app: cfg.app.clone(),
        policy: cfg.tiktok.clone(),
    };
    let status_limit = SlidingWindow::new(cfg.quotas.status_per_minute, Duration::from_secs(60));
    let ctx =
        Arc::new(Ctx { store, cfg, metrics: Metrics::default(), tokens, owner, status_limit, wake: Notify::new() });

    let (stop_tx, stop_rx) = watch::channel(false);
    let workers: Vec<_> =
        (0..ctx.cfg.workers).map(|_| tokio::spawn(super::worker::worker_loop(ctx.clone(), stop_rx.clone()))).collect();
    let sweeper = tokio::spawn(sweep_outputs(ctx.clone()));
    on_listening(addr);

    let app = super::api::router(ctx.clone());
    let (done_tx, done_rx) = watch::channel(false);
    let stop_http = {
        let mut done_rx = done_rx.clone();
        async move {
            let _ = done_rx.wait_for(|d| *d).await;
        }
    };
    let http = tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(stop_http).await });
    shutdown.await;
    eprintln!("clipfit serve: stopping: no new jobs; waiting for running ones");
    let _ = stop_tx.send(true);
    let grace = ctx.cfg.shutdown_grace;
    let all = futures_util::future::join_all(workers);
    if tokio::time::timeout(grace, all).await.is_err() {
        eprintln!("clipfit serve: running jobs did not finish in {} s; handing them back", grace.as_secs());
    }
    let released = ctx.store.release_all(&ctx.owner).await?;
    if released > 0 {
        eprintln!("clipfit serve: handed {released} job(s) back to the queue");
    }
    sweeper.abort();
    let _ = done_tx.send(true);
    let _ = http.await;
    Ok(())
}

/// Delivers `job`'s webhook in the background and records the delivery.
pub(crate) fn spawn_webhook(ctx: &Arc<Ctx>, url: String, job: JobView) {
    let ctx = ctx.clone();
    tokio::spawn(async move {
        let policy = WebhookPolicy { allow_private: ctx.cfg.allow_private_sources, ..ctx.cfg.webhook.clone() };
        match webhook::deliver(&url, &job, ctx.cfg.api_key.expose().as_bytes(), &policy).await {
            Ok(()) => {
                let _ = ctx.store.mark_webhook_delivered(&job.id).await;
            }
            Err(e) => {
                Metrics::add(&ctx.metrics.webhook_failures, 1);
                eprintln!("clipfit serve: {}: webhook not delivered: {e}", job.id);
            }
        }
    });
}

/// Deletes conform-only outputs past their retention time, once a minute.
async fn sweep_outputs(ctx: Arc<Ctx>) {
    loop {
        match ctx.store.take_expired_outputs().await {
            Ok(expired) => {
                for (id, path) in expired {
                    let dir = PathBuf::from(&path).parent().map(PathBuf::from);
                    if let Some(dir) = dir.filter(|d| d.starts_with(&ctx.cfg.work_dir)) {
                        let _ = tokio::fs::remove_dir_all(&dir).await;
                    }
                    eprintln!("clipfit serve: {id}: output removed after its retention time");
                }
            }
            Err(e) => eprintln!("clipfit serve: output sweep: {e}"),
        }
        tokio::time::sleep(Duration::from_secs(60).min(ctx.cfg.output_retention.max(Duration::from_secs(1)))).await;
    }
}
