//! Access tokens per account, refreshed ahead of expiry.
//!
//! TikTok's access tokens live 24 hours; refresh tokens rotate and break if used twice. So
//! one process at a time may refresh an account (a short lock in the account's row, taken
//! with a conditional update), and the rotated refresh token is written to the database
//! before the new access token is used.

use std::time::Duration;

use sqlx::Row;

use crate::upload::{refresh_access_token, RefreshCredentials, RetryPolicy, Secret};

use super::error::ServeError;
use super::job::ErrorInfo;
use super::store::{now_ms, Store};
use super::worker::Fail;

/// Refresh when the access token has less than this left.
const REFRESH_AHEAD_MS: i64 = 10 * 60 * 1000;
/// How long one process may hold an account's refresh lock.
const REFRESH_LOCK_MS: i64 = 60 * 1000;

/// The app's credentials, needed to refresh.
#[derive(Clone, Debug)]
pub struct AppCredentials {
    /// `TIKTOK_CLIENT_KEY`.
    pub client_key: String,
    /// `TIKTOK_CLIENT_SECRET`.
    pub client_secret: Secret,
}

/// Hands out access tokens.
#[derive(Clone, Debug)]
pub(crate) struct Tokens {
    pub(crate) store: Store,
    pub(crate) api_base: String,
    pub(crate) app: Option<AppCredentials>,
    pub(crate) policy: RetryPolicy,
}

impl Tokens {
    /// A usable access token for `account`.
    pub(crate) async fn access_token(&self, account: &str) -> Result<Secret, Fail> {
        for _ in 0..30 {
            let row = sqlx::query(
                "SELECT access_token, refresh_token, access_expires_at FROM clipfit_accounts WHERE id = $1",
            )
            .bind(account)
            .fetch_optional(&self.store.pool)
            .await
            .map_err(db)?;
            let Some(row) = row else {
                return Err(Fail::Terminal(ErrorInfo::terminal(
                    "account_unknown",
                    format!("account {account} does not exist (it was never added, or was removed)"),
                )));
            };
            let access: String = row.try_get("access_token").map_err(db)?;
            let refresh: String = row.try_get("refresh_token").map_err(db)?;
            let expires: i64 = row.try_get("access_expires_at").map_err(db)?;
            let now = now_ms();
            let secret = |s: String, what| Secret::new(s, what).map_err(|e| Fail::Terminal(invalid(e.to_string())));
            let Some(app) = self.app.as_ref().filter(|_| expires - now < REFRESH_AHEAD_MS) else {
                // Fresh enough, or no app credentials to refresh with: use it while it lasts
                // (TikTok's answer says so when it has expired).
                return secret(access, "access token");
            };
            let locked = sqlx::query(
                "UPDATE clipfit_accounts SET refresh_lock_until = $1 WHERE id = $2 AND refresh_lock_until < $3",
            )
            .bind(now + REFRESH_LOCK_MS)
            .bind(account)
            .bind(now)
            .execute(&self.store.pool)
            .await
            .map_err(db)?;
            if locked.rows_affected() == 0 {
                // Another worker is refreshing it: read its result shortly.
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
            let creds = RefreshCredentials {
                client_key: app.client_key.clone(),
                client_secret: app.client_secret.clone(),
                refresh_token: secret(refresh, "refresh token")?,
            };
            let fresh = match refresh_access_token(&self.api_base, &creds, &self.policy).await {
                Ok(t) => t,
                Err(e) => {
                    let _ = sqlx::query("UPDATE clipfit_accounts SET refresh_lock_until = 0 WHERE id = $1")
                        .bind(account)
                        .execute(&self.store.pool)
                        .await;
                    return Err(Fail::Terminal(ErrorInfo::terminal("token_refresh_failed", e.to_string())));
                }
            };
            let expires_at = now_ms().saturating_add((fresh.expires_in.min(10 * 365 * 86400) * 1000) as i64);
            sqlx::query(
                "UPDATE clipfit_accounts SET access_token = $1, refresh_token = $2, access_expires_at = $3, \
                 refresh_lock_until = 0 WHERE id = $4",
            )
            .bind(fresh.access_token.expose())
            .bind(fresh.refresh_token.expose())
            .bind(expires_at)
            .bind(account)
            .execute(&self.store.pool)
            .await
            .map_err(db)?;
            eprintln!("clipfit serve: refreshed the access token of account {account}");
            return Ok(fresh.access_token);
        }
        Err(Fail::Transient(ErrorInfo::transient(
            "token_refresh_busy",
            format!("another process kept refreshing account {account}'s token"),
        )))
    }
}

fn db(e: sqlx::Error) -> Fail {
    Fail::Db(ServeError::Db(e))
}

fn invalid(message: String) -> ErrorInfo {
    ErrorInfo::terminal("account_token_invalid", message)
}
