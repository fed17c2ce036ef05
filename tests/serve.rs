//! `clipfit serve` end to end: the binary against the TikTok emulator on 127.0.0.1, sources
//! on a local HTTP server, the queue on SQLite and (when `CLIPFIT_TEST_POSTGRES_URL` is set)
//! PostgreSQL. Waits poll for a state with a generous deadline; nothing asserts timing.

#[path = "support/tiktok_emulator.rs"]
mod tiktok_emulator;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use clipfit::serve::{init_allowed_at, signature, JobRequest, PostMode, Quotas, ServeError, SourceSpec, Store};
use tiktok_emulator::{Emulator, Faults, POST_ID, TOKEN};

const KEY: &str = "test-api-key-0123456789abcdef";
/// Longest any wait here may take before the test fails (a hung service, not a slow one).
const DEADLINE: Duration = Duration::from_secs(180);

// ---------------------------------------------------------------------------------------
// Databases

/// The PostgreSQL server for tests, if configured. In CI (`CI_REQUIRE_POSTGRES=1`) a missing
/// URL fails the test instead of skipping it.
fn postgres_url() -> Option<String> {
    match std::env::var("CLIPFIT_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("CI_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("CI_REQUIRE_POSTGRES=1 but CLIPFIT_TEST_POSTGRES_URL is not set");
            }
            eprintln!(
                "SKIPPED: set CLIPFIT_TEST_POSTGRES_URL (see scripts/test-postgres.sh) to run the PostgreSQL tests"
            );
            None
        }
    }
}

/// A fresh database on the test server (each test gets its own).
async fn fresh_postgres(base: &str) -> String {
    use sqlx::Connection;
    let name = format!("clipfit_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(base).await.expect("connect to the test PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    let (head, _) = base.rsplit_once('/').expect("URL with a database name");
    format!("{head}/{name}")
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("jobs.db").display())
}

// ---------------------------------------------------------------------------------------
// Local servers: sources and webhook receiver

#[derive(Default)]
struct Sources {
    /// Requests for /gated/... wait for a permit here.
    gate: Option<Arc<Semaphore>>,
    hooks: Vec<(HeaderMap, Bytes)>,
}

type SharedSources = Arc<Mutex<Sources>>;

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)
}

async fn source_file(UrlPath(name): UrlPath<String>) -> Response {
    match std::fs::read(testdata(&name)) {
        Ok(b) => ([("content-type", "video/mp4")], b).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "no such fixture").into_response(),
    }
}

async fn gated_file(State(st): State<SharedSources>, UrlPath(name): UrlPath<String>) -> Response {
    let gate = st.lock().unwrap().gate.clone();
    if let Some(g) = gate {
        g.acquire().await.unwrap().forget();
    }
    source_file(UrlPath(name)).await
}

async fn hook(State(st): State<SharedSources>, h: HeaderMap, body: Bytes) -> StatusCode {
    st.lock().unwrap().hooks.push((h, body));
    StatusCode::NO_CONTENT
}

/// Serves testdata/ at /f/NAME (and /gated/NAME, held until released) and records POSTs
/// to /hook. Returns its base URL.
async fn start_sources(st: SharedSources) -> String {
    let app = Router::new()
        .route("/f/{name}", get(source_file))
        .route("/gated/{name}", get(gated_file))
        .route("/hook", post(hook))
        .with_state(st);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

// ---------------------------------------------------------------------------------------
// The service under test

struct Server {
    child: Child,
    base: String,
    log: PathBuf,
    http: reqwest::Client,
}

struct Opts<'a> {
    db: &'a str,
    work: &'a Path,
    tiktok: &'a str,
    allow_private: bool,
    env: Vec<(&'a str, &'a str)>,
    /// Seconds running jobs get on SIGTERM.
    grace: u64,
}

impl Server {
    fn start(o: &Opts) -> Server {
        let log = o.work.join(format!("serve-{}.log", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(o.work).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_clipfit"));
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--db", o.db, "--tiktok-api-base", o.tiktok])
            .arg("--work-dir")
            .arg(o.work.join("work"))
            .args(["--workers", "2", "--lease-secs", "2", "--status-poll-ms", "20"])
            .args(["--idle-poll-ms", "50", "--retry-base-ms", "50"])
            .args(["--shutdown-grace-secs", &o.grace.to_string()])
            .env("CLIPFIT_API_KEY", KEY)
            .env_remove("TIKTOK_CLIENT_KEY")
            .env_remove("TIKTOK_CLIENT_SECRET")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        if o.allow_private {
            cmd.arg("--allow-private-sources");
        }
        for (k, v) in &o.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start clipfit serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let Some(addr) = line.split("http://").nth(1).and_then(|r| r.split_whitespace().next()) else {
            panic!("no address in {line:?}; log:\n{}", std::fs::read_to_string(&log).unwrap_or_default());
        };
        Server { child, base: format!("http://{addr}"), log, http: reqwest::Client::new() }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn call(&self, method: reqwest::Method, path: &str, key: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, Some(KEY), None).await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(KEY), Some(body)).await
    }

    async fn add_account(&self) -> String {
        let (s, v) = self
            .post("/v1/accounts", json!({"access_token": TOKEN, "refresh_token": "rft.original", "expires_in": 86400}))
            .await;
        assert_eq!(s, 201, "{v}");
        v["id"].as_str().unwrap().to_string()
    }

    async fn submit(&self, body: Value) -> String {
        let (s, v) = self.post("/v1/jobs", body).await;
        assert_eq!(s, 202, "{v}");
        v["id"].as_str().unwrap().to_string()
    }

    /// Polls the job until `done` holds for it.
    async fn wait_for(&self, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let (s, v) = self.get(&format!("/v1/jobs/{id}")).await;
            assert_eq!(s, 200, "{v}");
            if done(&v) {
                return v;
            }
            if start.elapsed() > DEADLINE {
                panic!("job {id} never became {what}: {v}\nlog:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn wait_final(&self, id: &str) -> Value {
        let terminal = ["published", "sent_to_inbox", "done", "failed", "canceled"];
        self.wait_for(id, "final", |v| terminal.contains(&v["status"].as_str().unwrap_or(""))).await
    }

    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn job_body(sources: &str, fixture: &str, account: &str) -> Value {
    json!({
        "source": {"url": format!("{sources}/f/{fixture}")},
        "profile": "tiktok",
        "post": {"account": account, "mode": "direct", "privacy_level": "SELF_ONLY", "title": "from serve #test"},
    })
}

struct World {
    emu: Emulator,
    sources: String,
    shared: SharedSources,
    dir: tempfile::TempDir,
}

async fn world(faults: Faults) -> World {
    let shared = SharedSources::default();
    World {
        emu: Emulator::start(faults).await,
        sources: start_sources(shared.clone()).await,
        shared,
        dir: tempfile::tempdir().unwrap(),
    }
}

impl World {
    fn opts<'a>(&'a self, db: &'a str) -> Opts<'a> {
        Opts { db, work: self.dir.path(), tiktok: &self.emu.base, allow_private: true, env: Vec::new(), grace: 5 }
    }

    fn inits(&self) -> u32 {
        self.emu.state.lock().unwrap().inits
    }
}

// ---------------------------------------------------------------------------------------
// API

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_needs_the_key_and_never_returns_tokens() {
    let w = world(Faults::default()).await;
    let db = sqlite_url(w.dir.path());
    let s = Server::start(&w.opts(&db));
    let get = reqwest::Method::GET;
    assert_eq!(s.call(get.clone(), "/v1/jobs", None, None).await.0, 401);
    assert_eq!(s.call(get.clone(), "/v1/jobs", Some("wrong-key-0123456789abcdef"), None).await.0, 401);
    let (status, v) = s
        .call(reqwest::Method::POST, "/v1/accounts", None, Some(json!({"access_token": "a", "refresh_token": "b"})))
        .await;
    assert_eq!(status, 401, "{v}");
    assert_eq!(v["error"]["code"], "unauthorized");
    // Health and metrics are for load balancers and scrapers: no key.
    assert_eq!(s.call(get.clone(), "/healthz", None, None).await.0, 200);

    let (status, v) = s
        .post("/v1/accounts", json!({"access_token": TOKEN, "refresh_token": "rft.secret-refresh", "expires_in": 3600}))
        .await;
    assert_eq!(status, 201);
    let id = v["id"].as_str().unwrap();
    let (status, acct) = s.get(&format!("/v1/accounts/{id}")).await;
    assert_eq!(status, 200);
    for text in [v.to_string(), acct.to_string(), s.log()] {
        assert!(!text.contains(TOKEN) && !text.contains("rft.secret-refresh"), "a token leaked: {text}");
    }
    // A malformed token body is refused without echoing it.
    let (status, v) = s.post("/v1/accounts", json!({"access_token": "has space", "refresh_token": 5})).await;
    assert_eq!(status, 400);
    assert!(!v.to_string().contains("has space"), "{v}");

    // Job validation happens at submission.
    let (status, v) = s.post("/v1/jobs", json!({"source": {"url": "ftp://x/y"}})).await;
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("source_invalid")), "{v}");
    let (status, v) = s.post("/v1/jobs", json!({"source": {"url": "http://x/y"}, "profile": "/etc/passwd"})).await;
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("profile_unknown")), "{v}");
    let (status, v) =
        s.post("/v1/jobs", json!({"source": {"url": "http://x/y"}, "post": {"account": "acct_nope"}})).await;
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("account_unknown")), "{v}");
    let (status, _) = s.post("/v1/jobs", json!({"source": {"url": "http://x/y"}, "sauce": 1})).await;
    assert_eq!(status, 400);
    assert_eq!(s.get("/v1/jobs/job_nope").await.0, 404);
    assert_eq!(s.get("/v1/jobs?status=bogus").await.0, 400);
}

// ---------------------------------------------------------------------------------------
// Publishing, idempotency, webhooks

async fn publishes_exactly_once(db: &str, w: &World) {
    let s = Server::start(&w.opts(db));
    let account = s.add_account().await;
    let mut body = job_body(&w.sources, "compliant.mp4", &account);
    body["webhook_url"] = json!(format!("{}/hook", w.sources));
    let send = |key: &'static str, body: Value| {
        let req =
            s.http.post(format!("{}/v1/jobs", s.base)).bearer_auth(KEY).header("idempotency-key", key).json(&body);
        async move {
            let resp = req.send().await.unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        }
    };
    let (status, first) = send("order-42", body.clone()).await;
    assert_eq!(status, 202, "{first}");
    let id = first["id"].as_str().unwrap().to_string();
    // The same key again: the same job, not a second one.
    let (status, again) = send("order-42", body.clone()).await;
    assert_eq!((status, again["id"].as_str()), (202, Some(id.as_str())), "{again}");
    // The same key with another body is a client bug, refused.
    let mut other = body.clone();
    other["post"]["title"] = json!("something else");
    let (status, v) = send("order-42", other).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("idempotency_key_reused")), "{v}");

    let done = s.wait_final(&id).await;
    assert_eq!(done["status"], "published", "{done}\n{}", s.log());
    assert_eq!(done["post_ids"], json!([POST_ID]));
    assert!(done["publish_id"].as_str().is_some_and(|p| p.starts_with("v_pub_file~")), "{done}");
    assert_eq!(w.inits(), 1, "one job, one init");
    let (_, list) = s.get("/v1/jobs?status=published").await;
    assert_eq!(list["jobs"].as_array().map(Vec::len), Some(1), "{list}");
    // Too late to cancel.
    let (status, v) = s.post(&format!("/v1/jobs/{id}/cancel"), json!({})).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("too_late")), "{v}");

    // The webhook arrives signed with the API key, with an event id.
    let start = Instant::now();
    let (headers, hook_body) = loop {
        if let Some(h) = w.shared.lock().unwrap().hooks.first().cloned() {
            break h;
        }
        assert!(start.elapsed() < DEADLINE, "no webhook\n{}", s.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let sig = headers.get("x-clipfit-signature").and_then(|v| v.to_str().ok()).unwrap();
    assert_eq!(sig, signature(KEY.as_bytes(), &hook_body));
    assert_ne!(sig, signature(b"another key", &hook_body));
    let event: Value = serde_json::from_slice(&hook_body).unwrap();
    assert_eq!(event["type"], "job.published");
    assert_eq!(event["job"]["id"], json!(id));
    assert_eq!(headers.get("x-clipfit-event-id").and_then(|v| v.to_str().ok()), event["event_id"].as_str());

    let metrics = s.http.get(format!("{}/metrics", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("clipfit_jobs{status=\"published\"} 1"), "{metrics}");
    // The job's files are gone once it is published.
    assert!(!w.dir.path().join("work").join(&id).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_job_is_published_exactly_once() {
    let w = world(Faults::default()).await;
    publishes_exactly_once(&sqlite_url(w.dir.path()), &w).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_job_is_published_exactly_once() {
    let Some(base) = postgres_url() else { return };
    let w = world(Faults::default()).await;
    publishes_exactly_once(&fresh_postgres(&base).await, &w).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conform_only_job_serves_its_output_and_bad_sources_fail_clearly() {
    let w = world(Faults::default()).await;
    let db = sqlite_url(w.dir.path());
    let s = Server::start(&w.opts(&db));
    let id = s.submit(json!({"source": {"url": format!("{}/f/landscape_bframes.mp4", w.sources)}, "fit": "pad"})).await;
    let missing = s.submit(json!({"source": {"url": format!("{}/f/no-such-file.mp4", w.sources)}})).await;
    let not_video = s.submit(json!({"source": {"url": format!("{}/f/README.md", w.sources)}})).await;

    let done = s.wait_final(&id).await;
    assert_eq!(done["status"], "done", "{done}\n{}", s.log());
    // The source was landscape: the aspect violation was found and fixed.
    assert!(done["violations"].as_array().is_some_and(|v| !v.is_empty()), "{done}");
    let resp = s.http.get(format!("{}/v1/jobs/{id}/output", s.base)).bearer_auth(KEY).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let bytes = resp.bytes().await.unwrap();
    let out = w.dir.path().join("out.mp4");
    std::fs::write(&out, &bytes).unwrap();
    let info = clipfit::demux::probe(&out).unwrap();
    let profile = clipfit::profile::Profile::load("tiktok").unwrap();
    assert!(clipfit::profile::check(&info, &profile).is_empty(), "the served output is TikTok-ready");
    assert_eq!(w.inits(), 0, "a conform-only job never talks to TikTok");

    let failed = s.wait_final(&missing).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"]["code"], "source_failed", "{failed}");
    assert!(failed["error"]["message"].as_str().unwrap().contains("404"), "{failed}");
    let failed = s.wait_final(&not_video).await;
    assert_eq!(failed["status"], "failed");
    assert!(failed["error"]["code"].as_str().unwrap().starts_with("input_"), "{failed}");
    assert_eq!(failed["error"]["retryable"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_and_metadata_sources_are_refused_without_the_flag() {
    let w = world(Faults::default()).await;
    let db = sqlite_url(w.dir.path());
    let s = Server::start(&Opts { allow_private: false, ..w.opts(&db) });
    let local = s.submit(json!({"source": {"url": format!("{}/f/compliant.mp4", w.sources)}})).await;
    let metadata = s.submit(json!({"source": {"url": "http://169.254.169.254/latest/meta-data/iam"}})).await;
    for id in [local, metadata] {
        let v = s.wait_final(&id).await;
        assert_eq!(v["status"], "failed", "{v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains("private") && message.contains("--allow-private-sources"), "{v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_a_job_before_it_reaches_tiktok() {
    let w = world(Faults::default()).await;
    let gate = Arc::new(Semaphore::new(0));
    w.shared.lock().unwrap().gate = Some(gate.clone());
    let db = sqlite_url(w.dir.path());
    let s = Server::start(&w.opts(&db));
    let account = s.add_account().await;
    let mut body = job_body(&w.sources, "compliant.mp4", &account);
    body["source"]["url"] = json!(format!("{}/gated/compliant.mp4", w.sources));
    let id = s.submit(body).await;
    s.wait_for(&id, "fetching", |v| v["status"] == "fetching").await;
    let (status, v) = s.post(&format!("/v1/jobs/{id}/cancel"), json!({})).await;
    assert_eq!(status, 202, "{v}");
    gate.add_permits(10);
    let v = s.wait_final(&id).await;
    assert_eq!(v["status"], "canceled", "{v}");
    assert_eq!(w.inits(), 0);
}

// ---------------------------------------------------------------------------------------
// Crash recovery

/// `kill -9` while the first chunk is in flight (TikTok stored it, the answer never came),
/// then a restart: the job resumes its upload from the persisted URL and never inits again.
async fn crash_mid_upload_resumes(db: &str, w: &World) {
    let mut a = Server::start(&w.opts(db));
    let account = a.add_account().await;
    let id = a.submit(job_body(&w.sources, "compliant.mp4", &account)).await;
    let v = a.wait_for(&id, "uploading", |v| v["status"] == "uploading").await;
    assert!(v["publish_id"].is_string(), "the publish id is stored before the upload: {v}");
    let start = Instant::now();
    while !w.emu.events().iter().any(|e| e.ends_with("hang")) {
        assert!(start.elapsed() < DEADLINE, "no chunk arrived\n{}", a.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.kill9();
    let b = Server::start(&w.opts(db));
    let v = b.wait_final(&id).await;
    assert_eq!(v["status"], "published", "{v}\n{}", b.log());
    assert_eq!(w.inits(), 1, "resumed without a second init: {:?}", w.emu.events());
    // The restarted worker asked where TikTok stood (416) instead of starting over.
    assert!(w.emu.events().iter().any(|e| e.ends_with("416")), "{:?}", w.emu.events());
}

fn hang_first_put() -> Faults {
    Faults { put_hang: [1].into(), ..Faults::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_kill_9_mid_upload_resumes_without_a_second_init() {
    let w = world(hang_first_put()).await;
    crash_mid_upload_resumes(&sqlite_url(w.dir.path()), &w).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_kill_9_mid_upload_resumes_without_a_second_init() {
    let Some(base) = postgres_url() else { return };
    let w = world(hang_first_put()).await;
    crash_mid_upload_resumes(&fresh_postgres(&base).await, &w).await;
}

/// `kill -9` while the job is conforming: the restarted service fetches and conforms again
/// (nothing reached TikTok) and posts once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_kill_9_while_conforming_restarts_and_posts_once() {
    let w = world(Faults::default()).await;
    let db = sqlite_url(w.dir.path());
    let mut a = Server::start(&w.opts(&db));
    let account = a.add_account().await;
    // A transcode (landscape to portrait) takes long enough to be caught in the act.
    let id = a.submit(job_body(&w.sources, "landscape_bframes.mp4", &account)).await;
    a.wait_for(&id, "conforming", |v| v["status"] == "conforming").await;
    a.kill9();
    let b = Server::start(&w.opts(&db));
    let v = b.wait_final(&id).await;
    assert_eq!(v["status"], "published", "{v}\n{}", b.log());
    assert!(b.log().contains("(attempt 2, status conforming)"), "resumed from the conform:\n{}", b.log());
    assert_eq!(w.inits(), 1, "{:?}", w.emu.events());
}

/// SIGTERM while a job is stuck mid-upload: the service stops taking jobs, waits its grace
/// time, hands the job back and exits 0; the next process finishes it without a new init.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_hands_running_jobs_back() {
    let w = world(hang_first_put()).await;
    let db = sqlite_url(w.dir.path());
    let mut a = Server::start(&Opts { grace: 1, ..w.opts(&db) });
    let account = a.add_account().await;
    let id = a.submit(job_body(&w.sources, "compliant.mp4", &account)).await;
    let start = Instant::now();
    while !w.emu.events().iter().any(|e| e.ends_with("hang")) {
        assert!(start.elapsed() < DEADLINE, "no chunk arrived\n{}", a.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let term = Command::new("kill").args(["-TERM", &a.child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let status = a.child.wait().unwrap();
    assert!(status.success(), "{status:?}\n{}", a.log());
    assert!(a.log().contains("handed 1 job(s) back"), "{}", a.log());
    let b = Server::start(&w.opts(&db));
    let v = b.wait_final(&id).await;
    assert_eq!(v["status"], "published", "{v}\n{}", b.log());
    assert_eq!(w.inits(), 1);
}

/// Two `clipfit serve` processes on one PostgreSQL share four jobs: each posted once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_servers_share_four_jobs_each_posted_once() {
    let Some(base) = postgres_url() else { return };
    let w = world(Faults::default()).await;
    let db = fresh_postgres(&base).await;
    let a = Server::start(&w.opts(&db));
    let b = Server::start(&w.opts(&db));
    let account = a.add_account().await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let s = if i % 2 == 0 { &a } else { &b };
        ids.push(s.submit(job_body(&w.sources, "compliant.mp4", &account)).await);
    }
    let mut publish_ids = std::collections::HashSet::new();
    for id in &ids {
        let v = a.wait_final(id).await;
        assert_eq!(v["status"], "published", "{v}\n{}\n{}", a.log(), b.log());
        publish_ids.insert(v["publish_id"].as_str().unwrap().to_string());
    }
    assert_eq!(publish_ids.len(), 4);
    assert_eq!(w.inits(), 4, "{:?}", w.emu.events());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiring_token_is_refreshed_and_the_rotated_one_used() {
    let w = world(Faults { revoke_on_refresh: true, ..Faults::default() }).await;
    let db = sqlite_url(w.dir.path());
    let opts = Opts { env: vec![("TIKTOK_CLIENT_KEY", "ck-1"), ("TIKTOK_CLIENT_SECRET", "cs-SECRET")], ..w.opts(&db) };
    let s = Server::start(&opts);
    // Expires in a minute: inside the refresh margin.
    let (status, v) =
        s.post("/v1/accounts", json!({"access_token": TOKEN, "refresh_token": "rft.original", "expires_in": 60})).await;
    assert_eq!(status, 201);
    let account = v["id"].as_str().unwrap().to_string();
    for _ in 0..2 {
        let id = s.submit(job_body(&w.sources, "compliant.mp4", &account)).await;
        let v = s.wait_final(&id).await;
        assert_eq!(v["status"], "published", "{v}\n{}", s.log());
    }
    // One refresh for both jobs: the second found a fresh token stored.
    assert_eq!(w.emu.state.lock().unwrap().refreshes, 1);
    assert!(!s.log().contains("act.NEW-access") && !s.log().contains("rft.rotated"), "{}", s.log());
}

// ---------------------------------------------------------------------------------------
// The queue itself, on both engines

fn request(n: usize, account: Option<&str>, mode: PostMode) -> JobRequest {
    JobRequest {
        source: SourceSpec { url: format!("http://example.invalid/{n}.mp4") },
        profile: None,
        fit: None,
        post: account.map(|a| clipfit::serve::PostSpec {
            account: a.into(),
            mode,
            privacy_level: None,
            title: String::new(),
            disable_comment: false,
            disable_duet: false,
            disable_stitch: false,
            cover_timestamp_ms: None,
        }),
        webhook_url: None,
    }
}

async fn queue_properties(url: &str) {
    let store = Store::open(url).await.unwrap();
    // A second open of the same database is fine (schema creation is idempotent).
    let other = Store::open(url).await.unwrap();
    for n in 0..6 {
        store.insert_job(&request(n, None, PostMode::Direct), None).await.unwrap();
    }
    // Two claimers racing: every job is claimed exactly once.
    let claim_all = |s: Store, owner: &'static str| async move {
        let mut got = Vec::new();
        while let Some(j) = s.claim(owner, 60_000).await.unwrap() {
            got.push(j.id);
        }
        got
    };
    let (x, y) = tokio::join!(claim_all(store.clone(), "w1"), claim_all(other.clone(), "w2"));
    let mut all: Vec<_> = x.iter().chain(&y).cloned().collect();
    all.sort();
    all.dedup();
    assert_eq!((all.len(), x.len() + y.len()), (6, 6), "{x:?} {y:?}");
    // Only the holder may renew or write.
    let id = &x.first().or(y.first()).unwrap().clone();
    let holder = if x.contains(id) { "w1" } else { "w2" };
    assert!(matches!(store.renew(id, "intruder", 60_000).await, Err(ServeError::LeaseLost(_))));
    assert!(!store.renew(id, holder, 60_000).await.unwrap(), "no cancel was requested");
    // Only one publish id is ever stored for a job.
    store.set_initialised(id, holder, "v_pub_1", "http://u/1", 10).await.unwrap();
    assert!(store.set_initialised(id, holder, "v_pub_2", "http://u/2", 10).await.is_err());
    // A lease that ran out (renewed into the past) returns the job, with what was stored.
    store.renew(id, holder, -1).await.unwrap();
    let back = store.claim("w3", 60_000).await.unwrap().expect("the expired job is claimable");
    assert_eq!((back.id.as_str(), back.publish_id.as_deref(), back.attempts), (id.as_str(), Some("v_pub_1"), 2));
    assert!(matches!(store.renew(id, holder, 60_000).await, Err(ServeError::LeaseLost(_))), "the old holder lost it");
    assert!(store.claim("w4", 60_000).await.unwrap().is_none());
    // Cancel: too late once TikTok has the job.
    assert!(matches!(store.cancel(id).await.unwrap(), clipfit::serve::CancelOutcome::TooLate(_)));

    // Rate limits: 6 inits a minute per account, 5 inbox shares a day.
    let q = Quotas::default();
    let now = clipfit::serve::now_ms();
    for (account, mode, inits) in [("a6", PostMode::Direct, 6), ("a5", PostMode::Direct, 5), ("i5", PostMode::Inbox, 5)]
    {
        for n in 0..inits {
            store.insert_job(&request(100 + n, Some(account), mode), None).await.unwrap();
            let j = store.claim("rl", 60_000).await.unwrap().unwrap();
            store.set_initialised(&j.id, "rl", &format!("p{account}{n}"), "http://u", 1).await.unwrap();
        }
    }
    let wait = init_allowed_at(&store, "a6", PostMode::Direct, &q, now).await.unwrap();
    assert!(wait.is_some_and(|t| t > now && t <= now + 61_000), "{wait:?}");
    assert_eq!(init_allowed_at(&store, "a5", PostMode::Direct, &q, now).await.unwrap(), None);
    assert_eq!(init_allowed_at(&store, "a5", PostMode::Inbox, &q, now).await.unwrap(), None);
    let later = now + 120_000; // past the minute window, inside the day
    assert!(init_allowed_at(&store, "i5", PostMode::Inbox, &q, later).await.unwrap().is_some_and(|t| t > later));
    assert_eq!(init_allowed_at(&store, "i5", PostMode::Direct, &q, later).await.unwrap(), None);
}

#[tokio::test]
async fn sqlite_queue_claims_once_and_leases_expire() {
    let dir = tempfile::tempdir().unwrap();
    queue_properties(&sqlite_url(dir.path())).await;
}

#[tokio::test]
async fn postgres_queue_claims_once_and_leases_expire() {
    let Some(base) = postgres_url() else { return };
    queue_properties(&fresh_postgres(&base).await).await;
}

/// TikTok refuses the init: the job fails at once with TikTok's code kept and explained.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiktok_refusal_fails_with_its_code_explained() {
    let w = world(Faults { init_error: Some((403, "spam_risk_too_many_pending_share")), ..Faults::default() }).await;
    let db = sqlite_url(w.dir.path());
    let s = Server::start(&w.opts(&db));
    let account = s.add_account().await;
    let id = s.submit(job_body(&w.sources, "compliant.mp4", &account)).await;
    let v = s.wait_final(&id).await;
    assert_eq!(v["status"], "failed", "{v}");
    assert_eq!(v["error"]["code"], "tiktok_spam_risk_too_many_pending_share", "{v}");
    assert_eq!(v["error"]["retryable"], false);
    // Explained from issue 5's table, not just the code.
    assert!(v["error"]["message"].as_str().unwrap().contains("drafts are waiting in the TikTok inbox"), "{v}");
    assert_eq!(v["publish_id"], Value::Null);
}
