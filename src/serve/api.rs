//! The HTTP API (axum). Every `/v1` route needs `Authorization: Bearer $CLIPFIT_API_KEY`;
//! errors are JSON `{"error": {"code", "message"}}`.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::profile::Profile;
use crate::upload::Secret;

use super::job::{JobRequest, JobStatus};
use super::queue::CancelOutcome;
use super::run::Ctx;
use super::worker::parse_fit;
use crate::remote::RemoteUrl;

/// Longest `Idempotency-Key` accepted.
const MAX_IDEMPOTENCY_KEY: usize = 255;

pub(crate) fn router(ctx: Arc<Ctx>) -> Router {
    let v1 = Router::new()
        .route("/v1/accounts", post(create_account))
        .route("/v1/accounts/{id}", get(get_account))
        .route("/v1/jobs", post(create_job).get(list_jobs))
        .route("/v1/jobs/{id}", get(get_job))
        .route("/v1/jobs/{id}/cancel", post(cancel_job))
        .route("/v1/jobs/{id}/output", get(job_output))
        .route_layer(middleware::from_fn_with_state(ctx.clone(), require_key));
    Router::new().route("/healthz", get(healthz)).route("/metrics", get(metrics)).merge(v1).with_state(ctx)
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": {"code": code, "message": message.into()}}))).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    eprintln!("clipfit serve: API: {e}");
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the job database failed; see the server's log")
}

/// Equal-length comparison that takes the same time wherever the first difference is.
fn same_key(given: &[u8], key: &[u8]) -> bool {
    given.len() == key.len() && given.iter().zip(key).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

async fn require_key(State(ctx): State<Arc<Ctx>>, req: Request, next: Next) -> Response {
    let given =
        req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if !given.is_some_and(|k| same_key(k.trim().as_bytes(), ctx.cfg.api_key.expose().as_bytes())) {
        let mut resp = error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send Authorization: Bearer <the server's CLIPFIT_API_KEY>",
        );
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        return resp;
    }
    next.run(req).await
}

async fn healthz(State(ctx): State<Arc<Ctx>>) -> Response {
    if ctx.store.ping().await {
        "ok\n".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "the job database does not answer\n").into_response()
    }
}

async fn metrics(State(ctx): State<Arc<Ctx>>) -> Response {
    match ctx.store.count_by_status().await {
        Ok(counts) => {
            ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], ctx.metrics.render(&counts)).into_response()
        }
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccount {
    access_token: String,
    refresh_token: String,
    #[serde(default = "one_day")]
    expires_in: u64,
}

fn one_day() -> u64 {
    86_400
}

/// The body as `T`, or the 400 answer (boxed: a `Response` is large).
fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        // serde's message names the field and type at fault; a job body holds no secret.
        Box::new(error(StatusCode::BAD_REQUEST, "bad_request", format!("the body is not the expected JSON: {e}")))
    })
}

async fn create_account(State(ctx): State<Arc<Ctx>>, body: Bytes) -> Response {
    let Ok(new) = serde_json::from_slice::<NewAccount>(&body) else {
        // Not serde's message: it could quote a token.
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "expected {\"access_token\": string, \"refresh_token\": string, \"expires_in\": seconds}",
        );
    };
    let (access, refresh) =
        match (Secret::new(new.access_token, "access token"), Secret::new(new.refresh_token, "refresh token")) {
            (Ok(a), Ok(r)) => (a, r),
            (Err(e), _) | (_, Err(e)) => return error(StatusCode::UNPROCESSABLE_ENTITY, "bad_token", e.to_string()),
        };
    match ctx.store.add_account(access.expose(), refresh.expose(), new.expires_in).await {
        Ok(id) => (StatusCode::CREATED, Json(json!({"id": id}))).into_response(),
        Err(e) => internal(e),
    }
}

async fn get_account(State(ctx): State<Arc<Ctx>>, Path(id): Path<String>) -> Response {
    match ctx.store.account_expiry(&id).await {
        Ok(Some(expires)) => Json(json!({"id": id, "access_expires_at": expires})).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "not_found", format!("no account {id}")),
        Err(e) => internal(e),
    }
}

/// Checks what the worker would otherwise find out later.
async fn validate(ctx: &Ctx, req: &JobRequest) -> Result<(), Response> {
    let bad = |code: &str, m: String| error(StatusCode::UNPROCESSABLE_ENTITY, code, m);
    RemoteUrl::parse(&req.source.url).map_err(|e| bad("source_invalid", e.to_string()))?;
    if let Some(spec) = &req.profile {
        // Built-in names only: a path would let callers read the server's files.
        for name in spec.split(',').map(str::trim) {
            if name != "all" && Profile::builtin(name).is_none() {
                return Err(bad("profile_unknown", format!("unknown profile {name:?}: use built-in names")));
            }
        }
    }
    parse_fit(req.fit.as_deref()).map_err(|m| bad("bad_request", m))?;
    if let Some(url) = &req.webhook_url {
        let ok = reqwest::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !ok {
            return Err(bad("webhook_invalid", "webhook_url must be an http(s) URL".into()));
        }
    }
    if let Some(post) = &req.post {
        match ctx.store.account_exists(&post.account).await {
            Ok(true) => {}
            Ok(false) => return Err(bad("account_unknown", format!("no account {}", post.account))),
            Err(e) => return Err(internal(e)),
        }
    }
    Ok(())
}

async fn create_job(State(ctx): State<Arc<Ctx>>, headers: HeaderMap, body: Bytes) -> Response {
    let req: JobRequest = match parse_body(&body) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };
    let key = match headers.get("idempotency-key").map(|v| v.to_str()) {
        None => None,
        Some(Ok(k)) if !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY => Some(k.to_string()),
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"),
            )
        }
    };
    if let Err(resp) = validate(&ctx, &req).await {
        return resp;
    }
    let (id, new, stored) = match ctx.store.insert_job(&req, key.as_deref()).await {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    if !new && stored != req {
        return error(
            StatusCode::CONFLICT,
            "idempotency_key_reused",
            format!("this Idempotency-Key was used for job {id} with a different body"),
        );
    }
    if new {
        ctx.wake.notify_one();
    }
    let status = match ctx.store.job(&id).await {
        Ok(Some(j)) => j.status,
        Ok(None) => JobStatus::Queued,
        Err(e) => return internal(e),
    };
    (StatusCode::ACCEPTED, Json(json!({"id": id, "status": status}))).into_response()
}

async fn get_job(State(ctx): State<Arc<Ctx>>, Path(id): Path<String>) -> Response {
    match ctx.store.job(&id).await {
        Ok(Some(j)) => Json(j).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "not_found", format!("no job {id}")),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    limit: Option<i64>,
}

async fn list_jobs(State(ctx): State<Arc<Ctx>>, Query(q): Query<ListQuery>) -> Response {
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => match JobStatus::parse(s) {
            Some(s) => Some(s),
            None => return error(StatusCode::BAD_REQUEST, "bad_request", format!("unknown status {s:?}")),
        },
    };
    match ctx.store.jobs(status, q.limit.unwrap_or(100).clamp(1, 1000)).await {
        Ok(jobs) => Json(json!({"jobs": jobs})).into_response(),
        Err(e) => internal(e),
    }
}

async fn cancel_job(State(ctx): State<Arc<Ctx>>, Path(id): Path<String>) -> Response {
    match ctx.store.cancel(&id).await {
        Ok(CancelOutcome::Canceled) => Json(json!({"id": id, "status": JobStatus::Canceled})).into_response(),
        Ok(CancelOutcome::Requested) => {
            (StatusCode::ACCEPTED, Json(json!({"id": id, "cancel_requested": true}))).into_response()
        }
        Ok(CancelOutcome::TooLate(status)) => error(
            StatusCode::CONFLICT,
            "too_late",
            format!("job {id} is {}: it has reached TikTok or finished and cannot be canceled", status.as_str()),
        ),
        Ok(CancelOutcome::NotFound) => error(StatusCode::NOT_FOUND, "not_found", format!("no job {id}")),
        Err(e) => internal(e),
    }
}

async fn job_output(State(ctx): State<Arc<Ctx>>, Path(id): Path<String>) -> Response {
    let path = match ctx.store.output_path(&id).await {
        Ok(p) => p,
        Err(e) => return internal(e),
    };
    let gone = || {
        error(
            StatusCode::NOT_FOUND,
            "no_output",
            "no output: the job is not a finished conform-only job, its retention time passed, or it ran on \
             another machine",
        )
    };
    let Some(path) = path else { return gone() };
    let Ok(file) = tokio::fs::File::open(&path).await else { return gone() };
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    ([(header::CONTENT_TYPE, "video/mp4".to_string()), (header::CONTENT_LENGTH, len.to_string())], body).into_response()
}
