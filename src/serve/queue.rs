//! The queue: claiming a job with a lease, renewing it, recording progress, and finishing.
//!
//! Every write a worker makes is guarded by `lease_owner = me`: a worker whose lease ran out
//! (it was paused, or its machine was cut off) and was taken over finds its writes refused
//! ([`ServeError::LeaseLost`]) and stops, so two workers never both act on one job.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::error::ServeError;
use super::job::{ErrorInfo, JobRequest, JobStatus};
use super::store::{now_ms, Dialect, Store, OPEN_STATUSES};

/// A job a worker holds the lease on, with what earlier attempts persisted.
#[derive(Clone, Debug)]
pub struct Claimed {
    /// The job id.
    pub id: String,
    /// What was asked.
    pub request: JobRequest,
    /// The status when claimed (not `queued` when resuming after a crash).
    pub status: JobStatus,
    /// Claims so far, this one included.
    pub attempts: i64,
    /// Retries after transient failures so far.
    pub retries: i64,
    /// Size of the conformed output, once a conform finished.
    pub conformed_size: Option<i64>,
    /// TikTok's publish id, once init succeeded: from here on the job never inits again.
    pub publish_id: Option<String>,
    /// Where the chunks go (lives an hour after init).
    pub upload_url: Option<String>,
    /// The size announced at init.
    pub video_size: Option<i64>,
    /// Every chunk was accepted.
    pub upload_done: bool,
}

/// What happened to a cancel request.
#[derive(Debug, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The job was not running and is now canceled.
    Canceled,
    /// A worker has it; it stops before reaching TikTok.
    Requested,
    /// It has reached TikTok (or finished): too late.
    TooLate(JobStatus),
    /// No such job.
    NotFound,
}

/// Columns of a claimed job.
const CLAIM_COLUMNS: &str =
    "id, request, status, attempts, retries, conformed_size, publish_id, upload_url, video_size, upload_done";

impl Store {
    /// Takes the oldest runnable job (open, lease expired or never taken, retry delay
    /// passed) for `owner` until `now + lease_ms`. `None` when there is nothing to do.
    pub async fn claim(&self, owner: &str, lease_ms: i64) -> Result<Option<Claimed>, ServeError> {
        let now = now_ms();
        // PostgreSQL: rows another claimer has locked are skipped, not waited for, so
        // workers on many machines never serialise on the queue's head. SQLite has one
        // writer at a time; the subquery and update run as one atomic statement.
        let lock = match self.dialect {
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let sql = format!(
            "UPDATE clipfit_jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3 \
             WHERE id = (SELECT id FROM clipfit_jobs WHERE status IN {OPEN_STATUSES} AND lease_until < $3 \
             AND run_after <= $3 ORDER BY created_at LIMIT 1 {lock}) \
             AND status IN {OPEN_STATUSES} AND lease_until < $3 RETURNING {CLAIM_COLUMNS}"
        );
        let row = sqlx::query(&sql).bind(owner).bind(now + lease_ms).bind(now).fetch_optional(&self.pool).await?;
        row.map(|r| claimed(&r)).transpose()
    }

    /// Extends the lease. Returns whether a cancel was requested; `LeaseLost` when the job
    /// is no longer ours (or already final).
    pub async fn renew(&self, id: &str, owner: &str, lease_ms: i64) -> Result<bool, ServeError> {
        let now = now_ms();
        let sql = format!(
            "UPDATE clipfit_jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND status IN {OPEN_STATUSES} \
             RETURNING cancel_requested"
        );
        let row = sqlx::query(&sql).bind(now + lease_ms).bind(id).bind(owner).fetch_optional(&self.pool).await?;
        match row {
            Some(r) => Ok(r.try_get::<i64, _>("cancel_requested")? != 0),
            None => Err(ServeError::LeaseLost(id.to_string())),
        }
    }

    /// Moves the job to `status` with `progress` (0..=1000).
    pub async fn set_stage(&self, id: &str, owner: &str, status: JobStatus, progress: i64) -> Result<(), ServeError> {
        let q = sqlx::query(
            "UPDATE clipfit_jobs SET status = $1, progress = $2, updated_at = $3 WHERE id = $4 AND lease_owner = $5",
        )
        .bind(status.as_str())
        .bind(progress)
        .bind(now_ms())
        .bind(id)
        .bind(owner);
        expect_one(q.execute(&self.pool).await?.rows_affected(), id)
    }

    /// Records progress (0..=1000) of the current stage.
    pub async fn set_progress(&self, id: &str, owner: &str, progress: i64) -> Result<(), ServeError> {
        let q = sqlx::query("UPDATE clipfit_jobs SET progress = $1 WHERE id = $2 AND lease_owner = $3")
            .bind(progress)
            .bind(id)
            .bind(owner);
        expect_one(q.execute(&self.pool).await?.rows_affected(), id)
    }

    /// Records a finished conform: what the source broke, what was worked around, and the
    /// output's size (which lets a resumed job reuse the output).
    pub async fn set_conformed(
        &self,
        id: &str,
        owner: &str,
        violations: &serde_json::Value,
        warnings: &serde_json::Value,
        size: u64,
    ) -> Result<(), ServeError> {
        let q = sqlx::query(
            "UPDATE clipfit_jobs SET violations = $1, warnings = $2, conformed_size = $3 \
             WHERE id = $4 AND lease_owner = $5",
        )
        .bind(violations.to_string())
        .bind(warnings.to_string())
        .bind(size as i64)
        .bind(id)
        .bind(owner);
        expect_one(q.execute(&self.pool).await?.rows_affected(), id)
    }

    /// Persists TikTok's answer to init, before a single byte is sent. Refused (LeaseLost)
    /// when another worker already stored one: only the job's first init is ever uploaded.
    pub async fn set_initialised(
        &self,
        id: &str,
        owner: &str,
        publish_id: &str,
        upload_url: &str,
        video_size: u64,
    ) -> Result<(), ServeError> {
        let q = sqlx::query(
            "UPDATE clipfit_jobs SET publish_id = $1, upload_url = $2, video_size = $3, inited_at = $4, \
             status = 'uploading', progress = 0, updated_at = $4 \
             WHERE id = $5 AND lease_owner = $6 AND publish_id IS NULL",
        )
        .bind(publish_id)
        .bind(upload_url)
        .bind(video_size as i64)
        .bind(now_ms())
        .bind(id)
        .bind(owner);
        expect_one(q.execute(&self.pool).await?.rows_affected(), id)
    }

    /// Records that TikTok holds every byte (a resumed job then only polls the status).
    pub async fn set_upload_done(&self, id: &str, owner: &str) -> Result<(), ServeError> {
        let q = sqlx::query(
            "UPDATE clipfit_jobs SET upload_done = 1, status = 'processing', progress = 0, updated_at = $1 \
             WHERE id = $2 AND lease_owner = $3",
        )
        .bind(now_ms())
        .bind(id)
        .bind(owner);
        expect_one(q.execute(&self.pool).await?.rows_affected(), id)
    }

    /// Ends the job in a final `status` and gives up the lease. `output` is the kept output
    /// of a conform-only job and when it is deleted.
    pub async fn finish(
        &self,
        id: &str,
        owner: &str,
        status: JobStatus,
        error: Option<&ErrorInfo>,
        post_ids: &[String],
        output: Option<(&str, i64)>,
    ) -> Result<(), ServeError> {
        debug_assert!(status.is_terminal());
        let now = now_ms();
        let q = sqlx::query(
            "UPDATE clipfit_jobs SET status = $1, error_code = $2, error_message = $3, error_retryable = $4, \
             post_ids = $5, output_path = $6, output_expires_at = $7, progress = $8, finished_at = $9, \
             updated_at = $9, lease_owner = NULL, lease_until = 0 WHERE id = $10 AND lease_owner = $11",
        )
        .bind(status.as_str())
        .bind(error.map(|e| e.code.clone()))
        .bind(error.map(|e| e.message.clone()))
        .bind(error.is_some_and(|e| e.retryable) as i64)
        .bind(serde_json::to_string(post_ids).unwrap_or_else(|_| "[]".into()))
        .bind(output.map(|o| o.0.to_string()))
        .bind(output.map(|o| o.1))
        .bind(if status == JobStatus::Failed || status == JobStatus::Canceled { 0 } else { 1000 })
        .bind(now)
        .bind(id)
        .bind(owner);
        expect_one(q.execute(&self.pool).await?.rows_affected(), id)
    }

    /// Hands the job back to the queue until `run_after` (Unix ms). `error` is the transient
    /// failure to show meanwhile (and counts as a retry); `None` for a rate-limit wait.
    /// A job that has not reached TikTok shows as `queued` again; one that has keeps its
    /// status, since it resumes there.
    pub async fn requeue(
        &self,
        id: &str,
        owner: &str,
        run_after: i64,
        error: Option<&ErrorInfo>,
    ) -> Result<(), ServeError> {
        let q = sqlx::query(
            "UPDATE clipfit_jobs SET lease_owner = NULL, lease_until = 0, run_after = $1, \
             retries = retries + $2, error_code = $3, error_message = $4, error_retryable = $5, \
             status = CASE WHEN publish_id IS NULL THEN 'queued' ELSE status END, updated_at = $6 \
             WHERE id = $7 AND lease_owner = $8",
        )
        .bind(run_after)
        .bind(error.is_some() as i64)
        .bind(error.map(|e| e.code.clone()))
        .bind(error.map(|e| e.message.clone()))
        .bind(error.is_some() as i64)
        .bind(now_ms())
        .bind(id)
        .bind(owner);
        expect_one(q.execute(&self.pool).await?.rows_affected(), id)
    }

    /// Gives back every lease `owner` holds (graceful shutdown): the jobs resume elsewhere
    /// at once instead of after the lease runs out.
    pub async fn release_all(&self, owner: &str) -> Result<u64, ServeError> {
        let sql = format!(
            "UPDATE clipfit_jobs SET lease_owner = NULL, lease_until = 0 WHERE lease_owner = $1 AND status IN {OPEN_STATUSES}"
        );
        Ok(sqlx::query(&sql).bind(owner).execute(&self.pool).await?.rows_affected())
    }

    /// Cancels a job that has not reached TikTok.
    pub async fn cancel(&self, id: &str) -> Result<CancelOutcome, ServeError> {
        let now = now_ms();
        // Not held by a live worker: cancel it here.
        let sql = format!(
            "UPDATE clipfit_jobs SET status = 'canceled', error_code = 'canceled', error_message = 'canceled by request', \
             finished_at = $1, updated_at = $1, lease_owner = NULL, lease_until = 0 \
             WHERE id = $2 AND publish_id IS NULL AND lease_until < $1 AND status IN {OPEN_STATUSES}"
        );
        if sqlx::query(&sql).bind(now).bind(id).execute(&self.pool).await?.rows_affected() == 1 {
            return Ok(CancelOutcome::Canceled);
        }
        // Held by a worker: ask it to stop (it checks before each stage and before init).
        let sql = format!(
            "UPDATE clipfit_jobs SET cancel_requested = 1 WHERE id = $1 AND publish_id IS NULL AND status IN {OPEN_STATUSES}"
        );
        if sqlx::query(&sql).bind(id).execute(&self.pool).await?.rows_affected() == 1 {
            return Ok(CancelOutcome::Requested);
        }
        Ok(match self.job(id).await? {
            Some(j) => CancelOutcome::TooLate(j.status),
            None => CancelOutcome::NotFound,
        })
    }

    /// Records that the job's webhook was acknowledged.
    pub(crate) async fn mark_webhook_delivered(&self, id: &str) -> Result<(), ServeError> {
        sqlx::query("UPDATE clipfit_jobs SET webhook_delivered = 1 WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Conform-only outputs past their retention time: (job id, path). Their rows are
    /// updated to say the output is gone.
    pub(crate) async fn take_expired_outputs(&self) -> Result<Vec<(String, String)>, ServeError> {
        let now = now_ms();
        let rows = sqlx::query(
            "SELECT id, output_path FROM clipfit_jobs WHERE output_path IS NOT NULL AND output_expires_at < $1",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let id: String = r.try_get("id")?;
            let path: String = r.try_get("output_path")?;
            let taken =
                sqlx::query("UPDATE clipfit_jobs SET output_path = NULL WHERE id = $1 AND output_path IS NOT NULL")
                    .bind(&id)
                    .execute(&self.pool)
                    .await?;
            if taken.rows_affected() == 1 {
                out.push((id, path));
            }
        }
        Ok(out)
    }

    /// Inits `account` made after `since` (Unix ms), of inbox posts only if `inbox_only`:
    /// their number and the time of the oldest. Counted in the database so that every
    /// process sharing it sees the same quota.
    pub async fn inits_since(&self, account: &str, since: i64, inbox_only: bool) -> Result<(i64, i64), ServeError> {
        let filter = if inbox_only { "AND post_mode = 'inbox'" } else { "" };
        let sql = format!(
            "SELECT COUNT(*) AS n, MIN(inited_at) AS oldest FROM clipfit_jobs \
             WHERE account_id = $1 AND inited_at > $2 {filter}"
        );
        let row = sqlx::query(&sql).bind(account).bind(since).fetch_one(&self.pool).await?;
        Ok((row.try_get("n")?, row.try_get::<Option<i64>, _>("oldest")?.unwrap_or(0)))
    }
}

fn expect_one(rows: u64, id: &str) -> Result<(), ServeError> {
    if rows == 1 {
        Ok(())
    } else {
        Err(ServeError::LeaseLost(id.to_string()))
    }
}

fn claimed(r: &AnyRow) -> Result<Claimed, ServeError> {
    let text: String = r.try_get("request")?;
    let status: String = r.try_get("status")?;
    Ok(Claimed {
        id: r.try_get("id")?,
        request: serde_json::from_str(&text).map_err(|e| ServeError::Corrupt(format!("request: {e}")))?,
        status: JobStatus::parse(&status).ok_or_else(|| ServeError::Corrupt(format!("status {status:?}")))?,
        attempts: r.try_get("attempts")?,
        retries: r.try_get("retries")?,
        conformed_size: r.try_get("conformed_size")?,
        publish_id: r.try_get("publish_id")?,
        upload_url: r.try_get("upload_url")?,
        video_size: r.try_get("video_size")?,
        upload_done: r.try_get::<i64, _>("upload_done")? != 0,
    })
}
