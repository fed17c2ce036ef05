//! A local TikTok Content Posting API emulator (axum on 127.0.0.1:0), shared by the upload
//! client's tests and the `clipfit serve` tests.
//!
//! It enforces the API's rules — exact bearer token, JSON content type, chunk plan rules in
//! `init`, in-order `Content-Range`, `Content-Type`, `Content-Length` equal to the body,
//! totals matching `video_size` — and injects faults: 429 on init, 503 on a chunk, a
//! connection dropped mid-chunk, a connection dropped after the chunk was stored (so the
//! client must resynchronise from a 416), expired URLs, and a chunk stored but never
//! answered (the client hangs, as when its process is killed mid-upload).
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::io::{Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Once};

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::{Json, Router};
use futures_util::StreamExt;
use serde_json::{json, Value};

use clipfit::upload::{Client, RetryPolicy, Secret};
use std::time::Duration;

pub const TOKEN: &str = "act.EmulatorToken-4f9a1c77e2b0";
pub const POST_ID: &str = "7345678901234567891"; // > 2^53: an f64 would change it
pub const MIB5: u64 = 5 * 1024 * 1024;
pub const DROP_MARKER: &str = "emulator: dropping the connection";

/// Faults to inject, by 1-based count of requests of that kind.
#[derive(Default, Clone)]
pub struct Faults {
    pub init_429: HashSet<u32>,
    pub put_503: HashSet<u32>,
    /// Read half the chunk, then drop the connection (nothing stored).
    pub put_drop_mid: HashSet<u32>,
    /// Store the whole chunk, then drop the connection before answering.
    pub put_drop_after_store: HashSet<u32>,
    /// Answer 403 and expire the URL.
    pub put_expire: HashSet<u32>,
    /// Every PUT answers 403.
    pub always_expire: bool,
    /// Every PUT answers 503.
    pub always_503: bool,
    /// Store the whole chunk, then never answer (the client waits until killed).
    pub put_hang: HashSet<u32>,
    /// A token refresh revokes the access token in use (the service must use the new one).
    pub revoke_on_refresh: bool,
    /// `init` answers this error code (HTTP status, code).
    pub init_error: Option<(u16, &'static str)>,
    /// The final status's fail_reason (status FAILED) instead of success.
    pub fail_reason: Option<&'static str>,
}

pub struct Upload {
    pub video_size: u64,
    pub chunk_size: u64,
    pub count: u64,
    pub received: u64,
    pub expired: bool,
    pub inbox: bool,
    pub file: PathBuf,
    pub polls: u32,
}

#[derive(Default)]
pub struct Emu {
    pub faults: Faults,
    pub base: String,
    pub dir: PathBuf,
    pub uploads: HashMap<String, Upload>,
    pub inits: u32,
    pub puts: u32,
    pub events: Vec<String>,
    pub last_init: Option<Value>,
    pub refresh_token: String,
    /// The access token the API accepts (TOKEN until a refresh with `revoke_on_refresh`).
    pub access_token: String,
    pub refreshes: u32,
    /// Set by the PUT handler: `put_route` must not answer this PUT.
    pub hang_now: bool,
    pub status_fetches: u32,
}

pub type Shared = Arc<Mutex<Emu>>;

pub fn api_error(status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(json!({"data": {}, "error": {"code": code, "message": message, "log_id": "emu-log-1"}})))
        .into_response()
}

pub fn ok(data: Value) -> Response {
    Json(json!({"data": data, "error": {"code": "ok", "message": "", "log_id": "emu-log-0"}})).into_response()
}

/// The API's auth and content-type rules: `Some` is the refusal to send.
pub fn check_api_headers(h: &HeaderMap, token: &str) -> Option<Response> {
    let auth = h.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    if auth != format!("Bearer {token}") {
        // Echo what was sent, as careless servers do: the client must scrub it.
        return Some(api_error(401, "access_token_invalid", &format!("token {auth} is not valid")));
    }
    if h.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/json; charset=UTF-8") {
        return Some(api_error(400, "invalid_params", "Content-Type must be application/json; charset=UTF-8"));
    }
    None
}

/// The chunk rules, written independently of the library's planner.
pub fn plan_is_valid(size: u64, chunk: u64, count: u64) -> bool {
    if size == 0 || chunk == 0 || count == 0 {
        return false;
    }
    if size < MIB5 {
        return chunk == size && count == 1;
    }
    let last = size - (count - 1) * chunk;
    (MIB5..=64_000_000).contains(&chunk) && count == size / chunk && count <= 1000 && last <= 128_000_000
}

pub async fn creator_info(State(st): State<Shared>, h: HeaderMap) -> Response {
    let token = st.lock().unwrap().access_token.clone();
    if let Some(r) = check_api_headers(&h, &token) {
        return r;
    }
    ok(json!({
        "creator_avatar_url": "https://example.invalid/a.jpg",
        "creator_username": "emu", "creator_nickname": "Emulator",
        "privacy_level_options": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
        "comment_disabled": false, "duet_disabled": true, "stitch_disabled": false,
        "max_video_post_duration_sec": 600
    }))
}

pub async fn init(st: Shared, h: HeaderMap, body: String, inbox: bool) -> Response {
    let mut emu = st.lock().unwrap();
    if let Some(r) = check_api_headers(&h, &emu.access_token) {
        return r;
    }
    emu.inits += 1;
    let n = emu.inits;
    if emu.faults.init_429.contains(&n) {
        emu.events.push("init 429".into());
        return api_error(429, "rate_limit_exceeded", "slow down");
    }
    if let Some((status, code)) = emu.faults.init_error {
        return api_error(status, code, "emulated");
    }
    let Ok(v) = serde_json::from_str::<Value>(&body) else {
        return api_error(400, "invalid_params", "body is not JSON");
    };
    let si = &v["source_info"];
    if si["source"] != "FILE_UPLOAD" {
        return api_error(400, "invalid_params", "source must be FILE_UPLOAD");
    }
    let (Some(size), Some(chunk), Some(count)) =
        (si["video_size"].as_u64(), si["chunk_size"].as_u64(), si["total_chunk_count"].as_u64())
    else {
        return api_error(400, "invalid_params", "source_info numbers missing");
    };
    if !plan_is_valid(size, chunk, count) {
        return api_error(400, "invalid_params", "chunk plan breaks the rules");
    }
    if inbox {
        if v.get("post_info").is_some() {
            return api_error(400, "invalid_params", "inbox init takes no post_info");
        }
    } else {
        let pi = &v["post_info"];
        let allowed = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"];
        if !pi["privacy_level"].as_str().is_some_and(|p| allowed.contains(&p)) {
            return api_error(403, "privacy_level_option_mismatch", "bad privacy");
        }
        if !pi["title"].is_string()
            || !pi["disable_comment"].is_boolean()
            || !pi["disable_duet"].is_boolean()
            || !pi["disable_stitch"].is_boolean()
        {
            return api_error(400, "invalid_params", "post_info fields missing");
        }
    }
    let id = format!("v_pub_file~v2-1.{}", 7_000_000_000_000_000_000u64 + u64::from(n));
    let file = emu.dir.join(format!("upload-{n}.bin"));
    let upload_url = format!("{}/upload/{n}?sig=abc", emu.base);
    emu.uploads.insert(
        n.to_string(),
        Upload { video_size: size, chunk_size: chunk, count, received: 0, expired: false, inbox, file, polls: 0 },
    );
    emu.last_init = Some(v);
    emu.events.push(format!("init {n}"));
    ok(json!({"publish_id": id, "upload_url": upload_url}))
}

pub fn range_header(received: u64, total: u64) -> String {
    if received == 0 {
        format!("bytes */{total}")
    } else {
        format!("bytes 0-{}/{total}", received - 1)
    }
}

pub fn drop_connection() -> ! {
    // Panicking inside the handler ends the connection's task: the socket closes with no
    // response, as when a network path dies.
    panic!("{DROP_MARKER}");
}

/// An accepted PUT: sequence number, first byte, length, total, stored file, expected length.
pub type Admitted = (u32, u64, u64, u64, PathBuf, u64);

pub async fn put_chunk(State(st): State<Shared>, UrlPath(n): UrlPath<String>, h: HeaderMap, body: Body) -> Response {
    // Refusals are decided before reading the body, but the body is drained before they are
    // sent: answering early makes the socket close under the client's upload and turns the
    // answer into a reset at random.
    let admitted = (|| -> Result<Admitted, Box<Response>> {
        let mut emu = st.lock().unwrap();
        emu.puts += 1;
        let seq = emu.puts;
        let faults = emu.faults.clone();
        let Some(up) = emu.uploads.get_mut(&n) else {
            return Err(Box::new(StatusCode::NOT_FOUND.into_response()));
        };
        if up.expired || faults.always_expire || faults.put_expire.contains(&seq) {
            up.expired = true;
            emu.events.push(format!("put {seq} 403"));
            return Err(Box::new(StatusCode::FORBIDDEN.into_response()));
        }
        let ct = h.get("content-type").and_then(|v| v.to_str().ok());
        if ct != Some("video/mp4") {
            return Err(Box::new((StatusCode::BAD_REQUEST, "Content-Type must be video/mp4").into_response()));
        }
        if h.contains_key("transfer-encoding") {
            return Err(Box::new((StatusCode::BAD_REQUEST, "chunks need a fixed Content-Length").into_response()));
        }
        let range = h.get("content-range").and_then(|v| v.to_str().ok()).unwrap_or("");
        let Some((first, last, total)) = parse_range(range) else {
            return Err(Box::new((StatusCode::BAD_REQUEST, "bad Content-Range").into_response()));
        };
        let declared = h.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if total != up.video_size || last < first || declared != Some(last - first + 1) {
            return Err(Box::new(
                (StatusCode::BAD_REQUEST, "Content-Length/Content-Range/total mismatch").into_response(),
            ));
        }
        let index = up.received / up.chunk_size;
        let expected_len = if index + 1 == up.count { up.video_size - index * up.chunk_size } else { up.chunk_size };
        if first != up.received || last - first + 1 != expected_len {
            let hdr = range_header(up.received, up.video_size);
            emu.events.push(format!("put {seq} 416"));
            return Err(Box::new((StatusCode::RANGE_NOT_SATISFIABLE, [("content-range", hdr)]).into_response()));
        }
        Ok((seq, first, last - first + 1, total, up.file.clone(), expected_len))
    })();
    let (seq, first, len, total, file, expected_len) = match admitted {
        Ok(a) => a,
        Err(refusal) => {
            let mut stream = body.into_data_stream();
            while let Some(Ok(_)) = stream.next().await {}
            return *refusal;
        }
    };
    let faults = st.lock().unwrap().faults.clone();
    let mut stream = body.into_data_stream();
    let mut out = std::fs::OpenOptions::new().create(true).write(true).truncate(false).open(&file).unwrap();
    out.seek(SeekFrom::Start(first)).unwrap();
    let mut got = 0u64;
    while let Some(frame) = stream.next().await {
        let Ok(bytes) = frame else {
            return (StatusCode::BAD_REQUEST, "body ended early").into_response();
        };
        got += bytes.len() as u64;
        if got > len {
            return (StatusCode::BAD_REQUEST, "body longer than Content-Length").into_response();
        }
        out.write_all(&bytes).unwrap();
        if faults.put_drop_mid.contains(&seq) && got >= len / 2 {
            st.lock().unwrap().events.push(format!("put {seq} drop-mid"));
            drop_connection();
        }
    }
    if got != expected_len {
        return (StatusCode::BAD_REQUEST, "body length differs from Content-Length").into_response();
    }
    let mut emu = st.lock().unwrap();
    if faults.always_503 || faults.put_503.contains(&seq) {
        emu.events.push(format!("put {seq} 503"));
        return (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "0")], "busy").into_response();
    }
    let Some(up) = emu.uploads.get_mut(&n) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    up.received = first + got;
    let received = up.received;
    emu.events.push(format!("put {seq} stored {first}+{got}"));
    if faults.put_hang.contains(&seq) {
        emu.events.push(format!("put {seq} hang"));
        emu.hang_now = true;
    }
    if faults.put_drop_after_store.contains(&seq) {
        emu.events.push(format!("put {seq} drop-after-store"));
        drop(emu);
        drop_connection();
    }
    let status = if received == total { StatusCode::CREATED } else { StatusCode::PARTIAL_CONTENT };
    (status, [("content-range", range_header(received, total))]).into_response()
}

/// `put_chunk`, then never answering when it asked to hang (the lock guard cannot be held
/// across the wait, so the wait happens here).
pub async fn put_route(st: State<Shared>, n: UrlPath<String>, h: HeaderMap, body: Body) -> Response {
    let shared = st.0.clone();
    let resp = put_chunk(st, n, h, body).await;
    let hang = std::mem::take(&mut shared.lock().unwrap().hang_now);
    if hang {
        std::future::pending::<()>().await;
    }
    resp
}

pub fn parse_range(v: &str) -> Option<(u64, u64, u64)> {
    let rest = v.strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?, total.parse().ok()?))
}

pub async fn status(State(st): State<Shared>, h: HeaderMap, body: String) -> Response {
    {
        let mut emu = st.lock().unwrap();
        emu.status_fetches += 1;
        if let Some(r) = check_api_headers(&h, &emu.access_token) {
            return r;
        }
    }
    let Ok(v) = serde_json::from_str::<Value>(&body) else {
        return api_error(400, "invalid_params", "body is not JSON");
    };
    let Some(id) = v["publish_id"].as_str() else {
        return api_error(400, "invalid_params", "publish_id missing");
    };
    let mut emu = st.lock().unwrap();
    let fail = emu.faults.fail_reason;
    let Some(n) = id.rsplit('.').next().and_then(|s| s.parse::<u64>().ok()).map(|x| x - 7_000_000_000_000_000_000)
    else {
        return api_error(400, "invalid_params", "unknown publish_id");
    };
    let (done, inbox, polls) = {
        let Some(up) = emu.uploads.get_mut(&n.to_string()) else {
            return api_error(400, "invalid_params", "unknown publish_id");
        };
        up.polls += 1;
        (up.received == up.video_size, up.inbox, up.polls)
    };
    if !done || polls < 2 {
        return ok(json!({"status": "PROCESSING_UPLOAD", "uploaded_bytes": 0}));
    }
    if let Some(reason) = fail {
        return ok(json!({"status": "FAILED", "fail_reason": reason}));
    }
    if inbox {
        return ok(json!({"status": "SEND_TO_USER_INBOX"}));
    }
    // The post id as a bare JSON integer, as TikTok sends it.
    let text = format!(
        r#"{{"data":{{"status":"PUBLISH_COMPLETE","publicaly_available_post_id":[{POST_ID}]}},"error":{{"code":"ok","message":"","log_id":"x"}}}}"#
    );
    ([("content-type", "application/json")], text).into_response()
}

pub async fn oauth(State(st): State<Shared>, h: HeaderMap, body: String) -> Response {
    if h.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/x-www-form-urlencoded") {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_request"}))).into_response();
    }
    let form: HashMap<String, String> = url_decode_form(&body);
    let mut emu = st.lock().unwrap();
    let good = form.get("client_key").map(String::as_str) == Some("ck-1")
        && form.get("client_secret").map(String::as_str) == Some("cs-SECRET")
        && form.get("grant_type").map(String::as_str) == Some("refresh_token")
        && form.get("refresh_token") == Some(&emu.refresh_token);
    if !good {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": "Refresh token is invalid or expired.", "log_id": "L"})),
        )
            .into_response();
    }
    // Refresh tokens rotate.
    let next = format!("rft.rotated-{}", emu.refresh_token.len());
    emu.refresh_token = next.clone();
    emu.refreshes += 1;
    if emu.faults.revoke_on_refresh {
        emu.access_token = "act.NEW-access".into();
    }
    Json(json!({
        "access_token": "act.NEW-access", "expires_in": 86400, "open_id": "open-1",
        "refresh_expires_in": 31536000, "refresh_token": next, "scope": "video.upload,video.publish",
        "token_type": "Bearer"
    }))
    .into_response()
}

pub fn url_decode_form(body: &str) -> HashMap<String, String> {
    let dec = |s: &str| -> String {
        let s = s.replace('+', " ");
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                if let Ok(b) = u8::from_str_radix(hex, 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (dec(k), dec(v))).collect()
}

pub struct Emulator {
    pub base: String,
    pub state: Shared,
    pub _dir: tempfile::TempDir,
}

impl Emulator {
    pub async fn start(faults: Faults) -> Emulator {
        quiet_drop_panics();
        let dir = tempfile::tempdir().unwrap();
        let state: Shared = Arc::new(Mutex::new(Emu {
            faults,
            dir: dir.path().to_path_buf(),
            refresh_token: "rft.original".into(),
            access_token: TOKEN.into(),
            ..Emu::default()
        }));
        let app = Router::new()
            .route("/v2/post/publish/creator_info/query/", post(creator_info))
            .route(
                "/v2/post/publish/video/init/",
                post(|State(st): State<Shared>, h: HeaderMap, b: String| init(st, h, b, false)),
            )
            .route(
                "/v2/post/publish/inbox/video/init/",
                post(|State(st): State<Shared>, h: HeaderMap, b: String| init(st, h, b, true)),
            )
            .route("/v2/post/publish/status/fetch/", post(status))
            .route("/v2/oauth/token/", post(oauth))
            .route("/upload/{n}", put(put_route))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        state.lock().unwrap().base = base.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Emulator { base, state, _dir: dir }
    }

    pub fn events(&self) -> Vec<String> {
        self.state.lock().unwrap().events.clone()
    }

    /// The stored file of the upload started by init number `n`.
    pub fn stored(&self, n: u32) -> PathBuf {
        self.state.lock().unwrap().dir.join(format!("upload-{n}.bin"))
    }

    pub fn client(&self, token: &str) -> Client {
        Client::new(&self.base, Secret::new(token, "access token").unwrap(), fast_policy()).unwrap()
    }
}

pub fn quiet_drop_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info.payload().downcast_ref::<String>().map(String::as_str).unwrap_or("");
            if !msg.contains(DROP_MARKER) {
                default(info);
            }
        }));
    });
}

/// Retry timings short enough for tests.
pub fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
        chunk_timeout: Duration::from_secs(30),
        max_reinits: 2,
        poll_interval: Duration::from_millis(10),
        poll_timeout: Duration::from_secs(5),
    }
}
