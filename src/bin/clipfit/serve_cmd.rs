//! `clipfit serve`: flags and environment to a [`ServeConfig`], then run until SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clipfit::serve::{serve, AppCredentials, ServeConfig};
use clipfit::upload::{Secret, DEFAULT_API_BASE};

/// `clipfit serve` options. The API key comes from CLIPFIT_API_KEY (never a flag: flags
/// show in `ps`); TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET, when set, let the service
/// refresh accounts' tokens.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Job database: sqlite:PATH (one process) or postgres://… (any number of processes).
    #[arg(long, value_name = "URL", default_value = "sqlite:clipfit-jobs.db")]
    pub db: String,
    /// Folder for each job's files (removed when the job ends).
    #[arg(long, value_name = "DIR", default_value = "clipfit-work")]
    pub work_dir: PathBuf,
    /// Jobs this process runs at once.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub workers: usize,
    /// TikTok's API base URL (for testing against an emulator).
    #[arg(long, value_name = "URL", default_value = DEFAULT_API_BASE)]
    pub tiktok_api_base: String,
    /// Fetch sources from (and deliver webhooks to) loopback, private, link-local and
    /// metadata addresses too. Only for trusted callers on a trusted network.
    #[arg(long)]
    pub allow_private_sources: bool,
    /// Seconds a claimed job stays claimed without renewal: a dead worker's job returns to
    /// the queue after this.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub lease_secs: u64,
    /// Hours a conform-only job's output is kept for GET /v1/jobs/{id}/output.
    #[arg(long, value_name = "HOURS", default_value_t = 24)]
    pub output_retention_hours: u64,
    /// Seconds running jobs get to finish on SIGTERM before they are handed back.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub shutdown_grace_secs: u64,
    /// Milliseconds between TikTok status polls (tests use less; TikTok allows 30 a minute).
    #[arg(long, value_name = "MS", default_value_t = 3000, hide = true)]
    pub status_poll_ms: u64,
    /// Milliseconds an idle worker waits before looking for jobs again.
    #[arg(long, value_name = "MS", default_value_t = 2000, hide = true)]
    pub idle_poll_ms: u64,
    /// Milliseconds before the first retry of a job or a webhook.
    #[arg(long, value_name = "MS", default_value_t = 5000, hide = true)]
    pub retry_base_ms: u64,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let key = std::env::var("CLIPFIT_API_KEY").unwrap_or_default();
    let api_key = Secret::new(key, "CLIPFIT_API_KEY").context("set CLIPFIT_API_KEY to the key clients must send")?;
    if api_key.expose().len() < 16 {
        anyhow::bail!("CLIPFIT_API_KEY is too short: use at least 16 random characters");
    }
    let app = match (std::env::var("TIKTOK_CLIENT_KEY"), std::env::var("TIKTOK_CLIENT_SECRET")) {
        (Ok(k), Ok(s)) if !k.trim().is_empty() => Some(AppCredentials {
            client_key: k.trim().to_string(),
            client_secret: Secret::new(s, "TIKTOK_CLIENT_SECRET")?,
        }),
        _ => {
            eprintln!(
                "clipfit serve: TIKTOK_CLIENT_KEY/TIKTOK_CLIENT_SECRET not set: access tokens are used until they \
                 expire, never refreshed"
            );
            None
        }
    };
    let mut cfg = ServeConfig::new(api_key);
    cfg.listen = args.listen;
    cfg.db = args.db;
    cfg.work_dir = args.work_dir;
    cfg.workers = args.workers;
    cfg.api_base = args.tiktok_api_base;
    cfg.allow_private_sources = args.allow_private_sources;
    cfg.app = app;
    cfg.lease = Duration::from_secs(args.lease_secs.max(1));
    cfg.output_retention = Duration::from_secs(args.output_retention_hours.saturating_mul(3600));
    cfg.shutdown_grace = Duration::from_secs(args.shutdown_grace_secs);
    cfg.tiktok.poll_interval = Duration::from_millis(args.status_poll_ms);
    cfg.idle_poll = Duration::from_millis(args.idle_poll_ms.max(10));
    cfg.retry_base = Duration::from_millis(args.retry_base_ms);
    cfg.tiktok.base_delay = cfg.tiktok.base_delay.min(cfg.retry_base);
    cfg.webhook.backoff = cfg.retry_base;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let result = runtime.block_on(async {
        let db_kind = if cfg.db.starts_with("sqlite:") { "SQLite" } else { "PostgreSQL" };
        let announce = move |addr| {
            // The first line on stdout: scripts (and the tests) read the address from it.
            println!("clipfit serve: listening on http://{addr} ({db_kind})");
        };
        serve(cfg, announce, shutdown_signal()).await
    });
    // A job handed back may still have a conform running on a blocking thread: its result
    // is no longer wanted, so do not wait for it.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
