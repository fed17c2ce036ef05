//! The job database: connection, schema, accounts, and job rows as the API reads them.
//! The worker's statements (claim, lease, progress, finish) are in `queue.rs`.

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

use super::error::ServeError;
use super::job::{ErrorInfo, JobRequest, JobStatus, JobView};

/// Which engine is behind the `Any` pool: the claim statement differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// The job database (SQLite file or PostgreSQL).
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) dialect: Dialect,
}

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Statuses a worker may still act on, as an SQL list.
pub(crate) const OPEN_STATUSES: &str = "('queued','fetching','conforming','uploading','processing')";

const SCHEMA: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS clipfit_accounts (
        id TEXT PRIMARY KEY,
        access_token TEXT NOT NULL,
        refresh_token TEXT NOT NULL,
        access_expires_at BIGINT NOT NULL,
        refresh_lock_until BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS clipfit_jobs (
        id TEXT PRIMARY KEY,
        idempotency_key TEXT UNIQUE,
        request TEXT NOT NULL,
        account_id TEXT,
        post_mode TEXT,
        status TEXT NOT NULL,
        progress BIGINT NOT NULL DEFAULT 0,
        violations TEXT NOT NULL DEFAULT '[]',
        warnings TEXT NOT NULL DEFAULT '[]',
        conformed_size BIGINT,
        publish_id TEXT,
        upload_url TEXT,
        video_size BIGINT,
        inited_at BIGINT,
        upload_done BIGINT NOT NULL DEFAULT 0,
        post_ids TEXT NOT NULL DEFAULT '[]',
        error_code TEXT,
        error_message TEXT,
        error_retryable BIGINT NOT NULL DEFAULT 0,
        attempts BIGINT NOT NULL DEFAULT 0,
        retries BIGINT NOT NULL DEFAULT 0,
        run_after BIGINT NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_until BIGINT NOT NULL DEFAULT 0,
        cancel_requested BIGINT NOT NULL DEFAULT 0,
        output_path TEXT,
        output_expires_at BIGINT,
        webhook_url TEXT,
        webhook_delivered BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        finished_at BIGINT)",
    "CREATE INDEX IF NOT EXISTS clipfit_jobs_claim ON clipfit_jobs (status, run_after)",
    "CREATE INDEX IF NOT EXISTS clipfit_jobs_account ON clipfit_jobs (account_id, inited_at)",
];

/// Arbitrary key for the advisory lock that serialises schema creation when several
/// processes start at once on one PostgreSQL (`CREATE TABLE IF NOT EXISTS` races otherwise).
const SCHEMA_LOCK: i64 = 0x0063_6c69_7066_6974;

const VIEW_COLUMNS: &str = "id, status, progress, violations, warnings, publish_id, post_ids, error_code, \
     error_message, error_retryable, retries, created_at, finished_at";

impl Store {
    /// Opens `url` (`sqlite:PATH` or `postgres://…`), creating the SQLite file and the
    /// tables when missing.
    pub async fn open(url: &str) -> Result<Store, ServeError> {
        sqlx::any::install_default_drivers();
        let (dialect, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            // sqlx opens an existing file only unless asked to create it.
            let url = if rest.contains('?') { url.to_string() } else { format!("{url}?mode=rwc") };
            (Dialect::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Dialect::Postgres, url.to_string())
        } else {
            return Err(ServeError::Config(format!(
                "--db must be sqlite:PATH or postgres://…, not {:?}",
                url.split('@').next_back().unwrap_or("")
            )));
        };
        let mut options = AnyPoolOptions::new().max_connections(if dialect == Dialect::Sqlite { 4 } else { 8 });
        if dialect == Dialect::Sqlite {
            // WAL lets the API read while a worker writes; the busy timeout makes writers
            // queue for the single write lock instead of failing.
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode=WAL").await?;
                    conn.execute("PRAGMA busy_timeout=10000").await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(&url).await?;
        let store = Store { pool, dialect };
        store.create_schema().await?;
        Ok(store)
    }

    async fn create_schema(&self) -> Result<(), ServeError> {
        let mut conn = self.pool.acquire().await?;
        if self.dialect == Dialect::Postgres {
            // Wrapped: the Any driver cannot decode the `void` these functions return.
            sqlx::query("SELECT 1 AS locked FROM (SELECT pg_advisory_lock($1)) AS l")
                .bind(SCHEMA_LOCK)
                .execute(&mut *conn)
                .await?;
        }
        let mut result = Ok(());
        for statement in SCHEMA {
            if let Err(e) = sqlx::query(statement).execute(&mut *conn).await {
                result = Err(e.into());
                break;
            }
        }
        if self.dialect == Dialect::Postgres {
            sqlx::query("SELECT 1 AS unlocked FROM (SELECT pg_advisory_unlock($1)) AS l")
                .bind(SCHEMA_LOCK)
                .execute(&mut *conn)
                .await?;
        }
        result
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Stores an account's tokens; returns its new id.
    pub async fn add_account(&self, access: &str, refresh: &str, expires_in_sec: u64) -> Result<String, ServeError> {
        let id = format!("acct_{}", uuid::Uuid::new_v4().simple());
        let now = now_ms();
        let expires = now.saturating_add((expires_in_sec.min(i64::MAX as u64 / 2000) * 1000) as i64);
        sqlx::query(
            "INSERT INTO clipfit_accounts (id, access_token, refresh_token, access_expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(access)
        .bind(refresh)
        .bind(expires)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// When the account's access token expires (Unix ms), if the account exists.
    pub async fn account_expiry(&self, id: &str) -> Result<Option<i64>, ServeError> {
        let row = sqlx::query("SELECT access_expires_at FROM clipfit_accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("access_expires_at")?),
            None => None,
        })
    }

    /// True when the account exists.
    pub async fn account_exists(&self, id: &str) -> Result<bool, ServeError> {
        let row =
            sqlx::query("SELECT id FROM clipfit_accounts WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        Ok(row.is_some())
    }

    /// Adds a job, or returns the existing job with the same idempotency key. The bool is
    /// true when the job is new; the stored request is returned so the caller can refuse a
    /// reused key with a different body.
    pub async fn insert_job(
        &self,
        request: &JobRequest,
        idempotency_key: Option<&str>,
    ) -> Result<(String, bool, JobRequest), ServeError> {
        if let Some(key) = idempotency_key {
            if let Some(found) = self.job_by_key(key).await? {
                return Ok((found.0, false, found.1));
            }
        }
        let id = format!("job_{}", uuid::Uuid::new_v4().simple());
        let now = now_ms();
        let text = serde_json::to_string(request).map_err(|e| ServeError::Corrupt(e.to_string()))?;
        let (account, mode) = match &request.post {
            Some(p) => (Some(p.account.clone()), Some(format!("{:?}", p.mode).to_ascii_lowercase())),
            None => (None, None),
        };
        let inserted = sqlx::query(
            "INSERT INTO clipfit_jobs (id, idempotency_key, request, account_id, post_mode, status, webhook_url, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $7)",
        )
        .bind(&id)
        .bind(idempotency_key)
        .bind(&text)
        .bind(account)
        .bind(mode)
        .bind(request.webhook_url.as_deref())
        .bind(now)
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok((id, true, request.clone())),
            // Two submissions with one key at once: the loser's insert breaks the unique
            // index, and it answers with the winner's job.
            Err(e) => match idempotency_key {
                Some(key) => match self.job_by_key(key).await? {
                    Some(found) => Ok((found.0, false, found.1)),
                    None => Err(e.into()),
                },
                None => Err(e.into()),
            },
        }
    }

    async fn job_by_key(&self, key: &str) -> Result<Option<(String, JobRequest)>, ServeError> {
        let row = sqlx::query("SELECT id, request FROM clipfit_jobs WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let text: String = r.try_get("request")?;
                let req = serde_json::from_str(&text).map_err(|e| ServeError::Corrupt(e.to_string()))?;
                Ok(Some((r.try_get("id")?, req)))
            }
        }
    }

    /// One job as the API shows it.
    pub async fn job(&self, id: &str) -> Result<Option<JobView>, ServeError> {
        let sql = format!("SELECT {VIEW_COLUMNS} FROM clipfit_jobs WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| view(&r)).transpose()
    }

    /// Jobs, newest first, optionally only those in `status` (at most `limit`).
    pub async fn jobs(&self, status: Option<JobStatus>, limit: i64) -> Result<Vec<JobView>, ServeError> {
        let rows = match status {
            Some(s) => {
                let sql = format!(
                    "SELECT {VIEW_COLUMNS} FROM clipfit_jobs WHERE status = $1 ORDER BY created_at DESC LIMIT $2"
                );
                sqlx::query(&sql).bind(s.as_str()).bind(limit).fetch_all(&self.pool).await?
            }
            None => {
                let sql = format!("SELECT {VIEW_COLUMNS} FROM clipfit_jobs ORDER BY created_at DESC LIMIT $1");
                sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?
            }
        };
        rows.iter().map(view).collect()
    }

    /// The conform-only output of a finished job, if it is still kept.
    pub async fn output_path(&self, id: &str) -> Result<Option<String>, ServeError> {
        let row = sqlx::query("SELECT output_path FROM clipfit_jobs WHERE id = $1 AND status = 'done'")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => r.try_get::<Option<String>, _>("output_path")?,
            None => None,
        })
    }

    /// Number of jobs in each status (for `/metrics`).
    pub async fn count_by_status(&self) -> Result<Vec<(String, i64)>, ServeError> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) AS n FROM clipfit_jobs GROUP BY status").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("status")?, r.try_get("n")?))).collect()
    }
}

fn view(r: &AnyRow) -> Result<JobView, ServeError> {
    let status: String = r.try_get("status")?;
    let status = JobStatus::parse(&status).ok_or_else(|| ServeError::Corrupt(format!("status {status:?}")))?;
    let json = |col: &str| -> Result<serde_json::Value, ServeError> {
        let text: String = r.try_get(col)?;
        serde_json::from_str(&text).map_err(|e| ServeError::Corrupt(format!("{col}: {e}")))
    };
    let post_ids: Vec<String> = serde_json::from_value(json("post_ids")?).unwrap_or_default();
    let error = match r.try_get::<Option<String>, _>("error_code")? {
        Some(code) => Some(ErrorInfo {
            code,
            message: r.try_get::<Option<String>, _>("error_message")?.unwrap_or_default(),
            retryable: r.try_get::<i64, _>("error_retryable")? != 0,
        }),
        None => None,
    };
    Ok(JobView {
        id: r.try_get("id")?,
        status,
        progress: r.try_get::<i64, _>("progress")? as f64 / 1000.0,
        violations: json("violations")?,
        warnings: json("warnings")?,
        publish_id: r.try_get("publish_id")?,
        post_ids,
        error,
        retries: r.try_get("retries")?,
        created_at: r.try_get("created_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}
