//! `clipfit upload FILE` and `clipfit auth refresh --out PATH`.
//!
//! Credentials come only from the environment or a token file, never from flags (flags end
//! up in shell history and `ps`), and are never printed.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clipfit::upload::{
    read_access_token, refresh_access_token, Client, PostRequest, PostTarget, PublishState, PublishStatus,
    RefreshCredentials, RetryPolicy, Secret, TokenSet, UploadError, DEFAULT_API_BASE,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

/// Environment variable holding the access token.
pub const TOKEN_ENV: &str = "TIKTOK_ACCESS_TOKEN";

/// `clipfit upload` options.
#[derive(Debug, clap::Args)]
pub struct UploadArgs {
    /// The video to upload (run `clipfit conform` on it first).
    #[arg(required_unless_present = "pull_from_url")]
    pub file: Option<PathBuf>,
    /// Instead of uploading a file, have TikTok fetch the video from this https URL
    /// (PULL_FROM_URL; the domain must be verified for your app in TikTok's developer
    /// portal). The URL is checked first through byte ranges, as `clipfit check URL` does.
    #[arg(long, value_name = "URL", conflicts_with = "file")]
    pub pull_from_url: Option<String>,
    /// Send it to the creator's TikTok inbox as a draft instead of posting it.
    #[arg(long)]
    pub inbox: bool,
    /// Privacy level: one the account offers (default SELF_ONLY).
    #[arg(long, value_name = "LEVEL", conflicts_with = "inbox")]
    pub privacy: Option<String>,
    /// Caption, with #hashtags and @mentions.
    #[arg(long, value_name = "T", default_value = "", conflicts_with = "inbox")]
    pub title: String,
    /// Turn comments off.
    #[arg(long, conflicts_with = "inbox")]
    pub disable_comment: bool,
    /// Turn duets off.
    #[arg(long, conflicts_with = "inbox")]
    pub disable_duet: bool,
    /// Turn stitches off.
    #[arg(long, conflicts_with = "inbox")]
    pub disable_stitch: bool,
    /// Cover frame time in milliseconds.
    #[arg(long, value_name = "N", conflicts_with = "inbox")]
    pub cover_ms: Option<u64>,
    /// Return after the upload without waiting for TikTok to process it.
    #[arg(long)]
    pub no_wait: bool,
    /// API base URL (for testing against an emulator).
    #[arg(long, value_name = "URL", default_value = DEFAULT_API_BASE)]
    pub api_base: String,
    /// Print the result as JSON on stdout (and no progress bar).
    #[arg(long)]
    pub json: bool,
    /// Upload even if `check` finds the file not ready.
    #[arg(long)]
    pub force: bool,
    /// Read the access token from this file (from `clipfit auth refresh`, or the bare token)
    /// instead of TIKTOK_ACCESS_TOKEN.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
}

/// What the caller's pre-upload check found.
#[derive(Debug, Clone, Copy)]
pub struct Precheck {
    /// The file passes `check` for TikTok.
    pub ready: bool,
    /// The video's duration in seconds, if it could be probed (checked against the
    /// account's maximum).
    pub duration_sec: Option<f64>,
}

/// `clipfit auth` options.
#[derive(Debug, clap::Args)]
pub struct AuthArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: AuthCommand,
}

/// `clipfit auth` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AuthCommand {
    /// Trade the refresh token for a new access token. Reads TIKTOK_CLIENT_KEY,
    /// TIKTOK_CLIENT_SECRET and TIKTOK_REFRESH_TOKEN (or the refresh token already in --out).
    Refresh(RefreshArgs),
}

/// `clipfit auth refresh` options.
#[derive(Debug, clap::Args)]
pub struct RefreshArgs {
    /// Where to store the new tokens (JSON, mode 0600; replaced atomically).
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// API base URL (for testing against an emulator).
    #[arg(long, value_name = "URL", default_value = DEFAULT_API_BASE)]
    pub api_base: String,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The check `clipfit upload` runs by default: probe the file and compare it with the
/// built-in TikTok profile, listing broken rules on stderr.
pub fn tiktok_precheck(path: &Path) -> anyhow::Result<Precheck> {
    let info = clipfit::demux::probe(path).with_context(|| format!("cannot read {}", path.display()))?;
    verdict(&info)
}

/// The TikTok profile's verdict on `info`, with broken rules listed on stderr.
fn verdict(info: &clipfit::media::MediaInfo) -> anyhow::Result<Precheck> {
    let profile = clipfit::profile::Profile::load("tiktok")?;
    let violations = clipfit::profile::check(info, &profile);
    for v in &violations {
        eprintln!("  FAIL {:<18} {} (limit {}): {}", v.rule, v.actual, v.limit, v.message);
    }
    Ok(Precheck { ready: violations.is_empty(), duration_sec: Some(info.duration) })
}

/// Runs `clipfit upload`. `precheck` checks the file (normally [`tiktok_precheck`]); a file
/// that is not ready is refused with exit status 1 unless `--force`. Errors map to 1, or 2
/// when the file cannot be read.
pub fn run_upload(
    args: &UploadArgs,
    precheck: impl FnOnce(&Path) -> anyhow::Result<Precheck>,
) -> anyhow::Result<ExitCode> {
    let token = load_token(args.token_file.as_deref())?;
    let (source, pre) = match (&args.file, &args.pull_from_url) {
        (_, Some(url)) => {
            let url = clipfit::remote::RemoteUrl::parse(url)?;
            let pre = remote_precheck(&url, args.api_base != DEFAULT_API_BASE)?;
            (Source::Pull(url), pre)
        }
        (Some(file), None) => (Source::File(file.clone()), precheck(file)?),
        (None, None) => bail!("give a FILE to upload or --pull-from-url URL"),
    };
    if !pre.ready {
        if !args.force {
            eprintln!(
                "clipfit: {} is not ready for TikTok (see above): run `clipfit conform` on it first, or pass \
                 --force to upload it anyway",
                source.name()
            );
            return Ok(ExitCode::from(1));
        }
        eprintln!("warning: uploading a file that does not pass the check (--force)");
    }
    let client = Client::new(&args.api_base, token, RetryPolicy::default())?;
    runtime()?.block_on(upload(args, &client, &source, pre))?;
    Ok(ExitCode::SUCCESS)
}

/// What is posted: a local file sent in chunks, or a URL TikTok fetches itself.
enum Source {
    File(PathBuf),
    Pull(clipfit::remote::RemoteUrl),
}

impl Source {
    fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Pull(u) => u.redacted(),
        }
    }
}

/// The TikTok check of a URL TikTok will pull, read through byte ranges. TikTok pulls only
/// https URLs; an emulator (`--api-base`) may be given http ones.
fn remote_precheck(url: &clipfit::remote::RemoteUrl, emulated: bool) -> anyhow::Result<Precheck> {
    if !url.is_https() && !emulated {
        bail!("TikTok pulls only https:// URLs ({})", url.redacted());
    }
    let (info, _) = clipfit::remote::probe(url, &Default::default(), &clipfit::remote::NoProgress)
        .with_context(|| format!("cannot read {}", url.redacted()))?;
    verdict(&info)
}

async fn upload(args: &UploadArgs, client: &Client, source: &Source, pre: Precheck) -> anyhow::Result<()> {
    let target = if args.inbox {
        PostTarget::Inbox
    } else {
        let creator = client.creator_info().await?;
        let request = PostRequest {
            title: args.title.clone(),
            privacy_level: args.privacy.clone(),
            disable_comment: args.disable_comment,
            disable_duet: args.disable_duet,
            disable_stitch: args.disable_stitch,
            cover_timestamp_ms: args.cover_ms,
        };
        PostTarget::Direct(request.resolve(&creator, pre.duration_sec)?)
    };
    let id = match source {
        Source::Pull(url) => client.init_pull(&target, url.full()).await?,
        Source::File(file) => {
            let bar = progress_bar(args.json);
            let id = client
                .upload_file(file, &target, &|sent, total| {
                    bar.set_length(total);
                    bar.set_position(sent);
                })
                .await;
            bar.finish_and_clear();
            id?
        }
    };
    if args.no_wait {
        if args.json {
            println!("{}", json!({ "publish_id": id.0 }));
        } else {
            println!("publish_id: {id}");
        }
        return Ok(());
    }
    if !args.json {
        eprintln!("uploaded; publish_id {id}; waiting for TikTok to process it");
    }
    let quiet = args.json;
    let result = client
        .wait_for_status(&id, &|s: &PublishStatus| {
            if !quiet {
                eprintln!("status: {}", s.state.as_str());
            }
        })
        .await;
    match result {
        Ok(status) => {
            if args.json {
                println!(
                    "{}",
                    json!({ "publish_id": id.0, "status": status.state.as_str(), "post_ids": status.post_ids })
                );
            } else {
                println!("publish_id: {id}");
                match status.state {
                    PublishState::SendToUserInbox => {
                        println!("sent to the TikTok inbox: finish the post in the app")
                    }
                    _ => println!("published{}", post_ids_text(&status.post_ids)),
                }
            }
            Ok(())
        }
        Err(e) => {
            if args.json {
                let reason = match &e {
                    UploadError::PublishFailed { reason } => Some(reason.clone()),
                    _ => None,
                };
                println!(
                    "{}",
                    json!({ "publish_id": id.0, "status": "FAILED", "fail_reason": reason, "error": e.to_string() })
                );
            } else {
                println!("publish_id: {id}");
            }
            Err(e.into())
        }
    }
}

fn post_ids_text(ids: &[String]) -> String {
    if ids.is_empty() {
        String::new()
    } else {
        format!(": post id {}", ids.join(", "))
    }
}

/// Runs `clipfit auth ...`. Any error means exit status 1.
pub fn run_auth(args: &AuthArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        AuthCommand::Refresh(r) => run_refresh(r)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn run_refresh(args: &RefreshArgs) -> anyhow::Result<()> {
    let client_key = env_required("TIKTOK_CLIENT_KEY")?;
    let client_secret = Secret::new(env_required("TIKTOK_CLIENT_SECRET")?, "client secret (TIKTOK_CLIENT_SECRET)")?;
    // Refresh tokens rotate, so the one saved by the previous refresh is the current one.
    let refresh_token = match std::env::var("TIKTOK_REFRESH_TOKEN") {
        Ok(v) if !v.trim().is_empty() => Secret::new(v, "refresh token (TIKTOK_REFRESH_TOKEN)")?,
        _ if args.out.exists() => {
            TokenSet::load(&args.out)
                .with_context(|| "TIKTOK_REFRESH_TOKEN is not set and the existing --out file has no refresh token")?
                .refresh_token
        }
        _ => bail!("set TIKTOK_REFRESH_TOKEN (or point --out at a token file from an earlier refresh)"),
    };
    let creds = RefreshCredentials { client_key, client_secret, refresh_token };
    let tokens = runtime()?.block_on(refresh_access_token(&args.api_base, &creds, &RetryPolicy::default()))?;
    tokens.save(&args.out)?;
    if args.json {
        println!(
            "{}",
            json!({
                "out": args.out.display().to_string(),
                "expires_in": tokens.expires_in,
                "access_expires_at": tokens.access_expires_at(),
                "refresh_expires_in": tokens.refresh_expires_in,
                "refresh_expires_at": tokens.refresh_expires_at(),
                "scope": tokens.scope,
                "open_id": tokens.open_id,
            })
        );
    } else {
        println!("saved new tokens to {} (mode 0600)", args.out.display());
        println!(
            "access token expires {} (in {})",
            utc_text(tokens.access_expires_at()),
            duration_text(tokens.expires_in)
        );
        println!(
            "refresh token expires {} (in {}); it has been rotated: keep only the new file",
            utc_text(tokens.refresh_expires_at()),
            duration_text(tokens.refresh_expires_in)
        );
        if !tokens.scope.is_empty() {
            println!("scopes: {}", tokens.scope);
        }
    }
    Ok(())
}

fn env_required(name: &str) -> anyhow::Result<String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v),
        _ => bail!("{name} is not set"),
    }
}

/// The access token: `--token-file` if given, else TIKTOK_ACCESS_TOKEN.
fn load_token(token_file: Option<&Path>) -> anyhow::Result<Secret> {
    if let Some(path) = token_file {
        return Ok(read_access_token(path)?);
    }
    match std::env::var(TOKEN_ENV) {
        Ok(v) if !v.trim().is_empty() => Ok(Secret::new(v, "access token (TIKTOK_ACCESS_TOKEN)")?),
        _ => bail!(
            "no access token: set {TOKEN_ENV} or pass --token-file PATH (made by `clipfit auth refresh --out PATH`)"
        ),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the async runtime")
}

/// Bytes and rate on a terminal; nothing with `--json` or when stderr is not a terminal.
fn progress_bar(json: bool) -> ProgressBar {
    if json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} uploading [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn duration_text(secs: u64) -> String {
    match secs {
        s if s >= 2 * 86400 => format!("{} days", s / 86400),
        s if s >= 3600 => format!("{:.1} h", s as f64 / 3600.0),
        s => format!("{} min", s / 60),
    }
}

/// `YYYY-MM-DD HH:MM UTC` from Unix seconds (civil-from-days, H. Hinnant).
fn utc_text(unix: u64) -> String {
    let days = (unix / 86400) as i64;
    let rem = unix % 86400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_durations_read_well() {
        assert_eq!(utc_text(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_text(1_700_086_400), "2023-11-15 22:13 UTC");
        assert_eq!(utc_text(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(duration_text(86400), "24.0 h");
        assert_eq!(duration_text(31_536_000), "365 days");
    }

    #[test]
    fn unready_file_is_refused_without_force() {
        std::env::set_var(TOKEN_ENV, "act.test");
        let args = UploadArgs {
            file: Some("x.mp4".into()),
            pull_from_url: None,
            inbox: true,
            privacy: None,
            title: String::new(),
            disable_comment: false,
            disable_duet: false,
            disable_stitch: false,
            cover_ms: None,
            no_wait: true,
            api_base: "http://127.0.0.1:9".into(),
            json: true,
            force: false,
            token_file: None,
        };
        let code = run_upload(&args, |_| Ok(Precheck { ready: false, duration_sec: Some(3.0) })).unwrap();
        assert_eq!(code, ExitCode::from(1));
        // With --force it goes on to the network (nothing listens on port 9).
        let forced = UploadArgs { force: true, ..args };
        let err = run_upload(&forced, |_| Ok(Precheck { ready: false, duration_sec: Some(3.0) })).unwrap_err();
        assert!(!format!("{err:#}").contains("act.test"), "{err:#}");
    }
}
