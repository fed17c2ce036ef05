//! Refreshing the access token (`POST /v2/oauth/token/`) and the token file.
//!
//! TikTok rotates refresh tokens: each refresh may return a new one, which must replace the
//! old. The token file is JSON, created with mode 0600 and replaced atomically (temp file
//! in the same directory, then rename), so a crash never leaves a half-written file.

use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

use super::client::{build_http, read_limited, retry_after, snippet, transport};
use super::errors::UploadError;
use super::retry::RetryPolicy;
use super::secret::Secret;

/// The app credentials and the refresh token to trade in.
#[derive(Debug, Clone)]
pub struct RefreshCredentials {
    /// The app's client key (not secret, but not printed either).
    pub client_key: String,
    /// The app's client secret.
    pub client_secret: Secret,
    /// The current refresh token.
    pub refresh_token: Secret,
}

/// A fresh set of tokens.
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// The access token.
    pub access_token: Secret,
    /// Seconds the access token lives, counted from `obtained_at`.
    pub expires_in: u64,
    /// The (possibly new) refresh token.
    pub refresh_token: Secret,
    /// Seconds the refresh token lives.
    pub refresh_expires_in: u64,
    /// The user's id for this app.
    pub open_id: String,
    /// Granted scopes, comma-separated.
    pub scope: String,
    /// Usually `Bearer`.
    pub token_type: String,
    /// Unix time (seconds) when the tokens were issued.
    pub obtained_at: u64,
}

impl TokenSet {
    /// Unix time when the access token expires.
    pub fn access_expires_at(&self) -> u64 {
        self.obtained_at.saturating_add(self.expires_in)
    }

    /// Unix time when the refresh token expires.
    pub fn refresh_expires_at(&self) -> u64 {
        self.obtained_at.saturating_add(self.refresh_expires_in)
    }

    /// Writes the tokens as JSON to `path`: mode 0600, via a temp file and a rename.
    pub fn save(&self, path: &Path) -> Result<(), UploadError> {
        let file = TokenFile {
            access_token: self.access_token.expose().to_string(),
            expires_in: self.expires_in,
            refresh_token: self.refresh_token.expose().to_string(),
            refresh_expires_in: self.refresh_expires_in,
            open_id: self.open_id.clone(),
            scope: self.scope.clone(),
            token_type: self.token_type.clone(),
            obtained_at: self.obtained_at,
            access_expires_at: self.access_expires_at(),
            refresh_expires_at: self.refresh_expires_at(),
        };
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|e| UploadError::Invalid(format!("cannot encode the token file: {e}")))?;
        let io_err = |source| UploadError::Io { path: path.into(), source };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        // tempfile creates the file with mode 0600 on Unix before anything is written.
        let mut tmp = tempfile::Builder::new().prefix(".clipfit-token-").tempfile_in(dir).map_err(io_err)?;
        restrict(tmp.as_file()).map_err(io_err)?;
        tmp.write_all(&json).map_err(io_err)?;
        tmp.as_file().sync_all().map_err(io_err)?;
        tmp.persist(path).map_err(|e| io_err(e.error))?;
        Ok(())
    }

    /// Reads a token file written by [`TokenSet::save`].
    pub fn load(path: &Path) -> Result<Self, UploadError> {
        let text = read_small(path)?;
        let f: TokenFile = serde_json::from_slice(&text).map_err(|e| {
            UploadError::Invalid(format!("{} is not a clipfit token file: {}", path.display(), e.classify_str()))
        })?;
        Ok(TokenSet {
            access_token: Secret::new(f.access_token, "access token")?,
            expires_in: f.expires_in,
            refresh_token: Secret::new(f.refresh_token, "refresh token")?,
            refresh_expires_in: f.refresh_expires_in,
            open_id: f.open_id,
            scope: f.scope,
            token_type: f.token_type,
            obtained_at: f.obtained_at,
        })
    }
}

/// Reads an access token from `path`: a clipfit token file, or a file holding just the token.
pub fn read_access_token(path: &Path) -> Result<Secret, UploadError> {
    let text = read_small(path)?;
    if text.trim_ascii_start().starts_with(b"{") {
        return Ok(TokenSet::load(path)?.access_token);
    }
    let text = String::from_utf8(text)
        .map_err(|_| UploadError::Invalid(format!("{} does not hold a text token", path.display())))?;
    Secret::new(text, "access token")
}

trait ClassifyStr {
    fn classify_str(&self) -> &'static str;
}

impl ClassifyStr for serde_json::Error {
    // The error's Display can quote file content (a token); only say what kind it was.
    fn classify_str(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "invalid JSON",
            serde_json::error::Category::Data => "missing or mistyped fields",
            serde_json::error::Category::Eof => "truncated JSON",
        }
    }
}

fn read_small(path: &Path) -> Result<Vec<u8>, UploadError> {
    let io_err = |source| UploadError::Io { path: path.into(), source };
    let meta = std::fs::metadata(path).map_err(io_err)?;
    if meta.len() > 64 * 1024 {
        return Err(UploadError::Invalid(format!("{} is too large to be a token file", path.display())));
    }
    std::fs::read(path).map_err(io_err)
}

#[cfg(unix)]
fn restrict(f: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_f: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

#[derive(Serialize, Deserialize)]
struct TokenFile {
    access_token: String,
    expires_in: u64,
    refresh_token: String,
    refresh_expires_in: u64,
    #[serde(default)]
    open_id: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    token_type: String,
    #[serde(default)]
    obtained_at: u64,
    #[serde(default)]
    access_expires_at: u64,
    #[serde(default)]
    refresh_expires_at: u64,
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: u64,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    refresh_expires_in: u64,
    #[serde(default)]
    open_id: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    token_type: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    log_id: Option<String>,
}

/// Trades the refresh token for new tokens at `api_base` (e.g. `https://open.tiktokapis.com`).
/// Retries 5xx, 429 and network errors per `policy`.
pub async fn refresh_access_token(
    api_base: &str,
    creds: &RefreshCredentials,
    policy: &RetryPolicy,
) -> Result<TokenSet, UploadError> {
    let what = "token refresh";
    let url = format!("{}/v2/oauth/token/", api_base.trim_end_matches('/'));
    let http = build_http(policy, HeaderMap::new())?;
    let form = [
        ("client_key", creds.client_key.as_str()),
        ("client_secret", creds.client_secret.expose()),
        ("grant_type", "refresh_token"),
        ("refresh_token", creds.refresh_token.expose()),
    ];
    let scrub = |s: &str| creds.refresh_token.scrub(&creds.client_secret.scrub(s));
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let (error, ra) = match http.post(&url).timeout(policy.request_timeout).form(&form).send().await {
            Err(e) => (transport(what, e), None),
            Ok(resp) => {
                let status = resp.status();
                let ra = retry_after(resp.headers());
                let body = read_limited(resp, 1 << 20).await.map_err(|e| transport(what, e))?;
                let answer: Option<TokenAnswer> = serde_json::from_slice(&body).ok();
                match answer {
                    Some(a) if status.is_success() && a.error.as_deref().is_none_or(|e| e.is_empty() || e == "ok") => {
                        let (Some(access), Some(refresh)) = (a.access_token, a.refresh_token) else {
                            return Err(UploadError::Protocol { what, detail: "the answer has no tokens".into() });
                        };
                        let obtained_at =
                            SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
                        return Ok(TokenSet {
                            access_token: Secret::new(access, "access token")?,
                            expires_in: a.expires_in,
                            refresh_token: Secret::new(refresh, "refresh token")?,
                            refresh_expires_in: a.refresh_expires_in,
                            open_id: a.open_id,
                            scope: a.scope,
                            token_type: a.token_type,
                            obtained_at,
                        });
                    }
                    Some(a) if !(status.is_server_error() || status.as_u16() == 429) => {
                        let code = a.error.unwrap_or_else(|| "unknown".into());
                        let hint = match code.as_str() {
                            "invalid_grant" => {
                                "the refresh token is invalid or expired: authorize the app again to get a new one"
                            }
                            "invalid_client" => "TIKTOK_CLIENT_KEY or TIKTOK_CLIENT_SECRET is wrong",
                            _ => "check the app credentials and refresh token",
                        };
                        return Err(UploadError::Invalid(format!(
                            "TikTok refused the token refresh (HTTP {}, `{}`: {}): {hint}{}",
                            status.as_u16(),
                            scrub(&code),
                            scrub(a.error_description.as_deref().unwrap_or("")),
                            a.log_id.map(|l| format!(" [log_id {}]", scrub(&l))).unwrap_or_default()
                        )));
                    }
                    _ => {
                        let err = UploadError::Http {
                            what,
                            status: status.as_u16(),
                            detail: scrub(&snippet(&creds.client_secret, &body)),
                        };
                        if !(status.is_server_error() || status.as_u16() == 429) {
                            return Err(err);
                        }
                        (err, ra)
                    }
                }
            }
        };
        if attempt >= policy.max_attempts {
            return Err(UploadError::RetriesExhausted { what, attempts: attempt, last: error.to_string() });
        }
        tokio::time::sleep(policy.backoff(attempt - 1, ra)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TokenSet {
        TokenSet {
            access_token: Secret::new("act.AAA", "t").unwrap(),
            expires_in: 86400,
            refresh_token: Secret::new("rft.BBB", "t").unwrap(),
            refresh_expires_in: 31536000,
            open_id: "o1".into(),
            scope: "video.upload".into(),
            token_type: "Bearer".into(),
            obtained_at: 1_700_000_000,
        }
    }

    #[test]
    fn token_file_round_trips_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        std::fs::write(&path, "old").unwrap();
        sample().save(&path).unwrap();
        let back = TokenSet::load(&path).unwrap();
        assert_eq!(back.access_token.expose(), "act.AAA");
        assert_eq!(back.refresh_token.expose(), "rft.BBB");
        assert_eq!(back.access_expires_at(), 1_700_086_400);
        assert_eq!(read_access_token(&path).unwrap().expose(), "act.AAA");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // No temp files left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "act.CCC\n").unwrap();
        assert_eq!(read_access_token(&plain).unwrap().expose(), "act.CCC");
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\"access_token\": \"act.SECRET\"").unwrap();
        let e = read_access_token(&bad).unwrap_err().to_string();
        assert!(!e.contains("SECRET"), "{e}");
    }
}
