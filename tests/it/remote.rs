//! Remote input: `check` and `conform` straight from http:// URLs served by a local server
//! that can refuse ranges, fail with 503, cut connections, redirect and 404.

use std::path::Path;
use std::process::{Command, Output};

use crate::helpers::{check_json, fixture, have_ffmpeg, rules};
use crate::http_server::{Faults, FileServer};

fn serve(name: &str, faults: Faults) -> (FileServer, u64) {
    let data = std::fs::read(fixture(name)).unwrap();
    let len = data.len() as u64;
    (FileServer::start(data, faults), len)
}

/// Runs clipfit with its temporary folder set to `tmp`, so tests can see what it leaves.
fn clipfit_in(tmp: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clipfit")).args(args).env("TMPDIR", tmp).output().expect("run clipfit")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), stderr(out)))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

#[test]
fn check_reads_only_the_boxes_it_needs_through_ranges() {
    // moov at the end: a downloader would fetch all 460 kB; ranges need the first block and
    // the moov (4 kB) with its block.
    let (server, len) = serve("moov_end.mp4", Faults::default());
    let tmp = tempfile::tempdir().unwrap();
    let out = clipfit_in(tmp.path(), &["check", &server.url("/clip.mp4?X-Amz-Signature=secret"), "--json"]);
    let remote = json(&out);
    let (code, local) = check_json(&fixture("moov_end.mp4"));
    assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
    assert_eq!(rules(&remote), rules(&local));
    assert_eq!(remote["info"]["duration"], local["info"]["duration"]);
    assert_eq!(remote["transfer"]["ranged"], true);
    let sent = server.body_bytes();
    assert!(sent <= 4_086 + 3 * 16_384, "check read {sent} of {len} bytes");
    assert_eq!(remote["transfer"]["bytes"].as_u64(), Some(sent));
    assert!(!out.stdout.windows(6).any(|w| w == b"secret"), "the query string leaked");
    assert!(leftovers(tmp.path()).is_empty());
}

/// Containers other than MP4 are told by their first bytes through ranges too (the test
/// server calls every file `clip.mp4`: the name decides nothing), and read the same as the
/// local file.
#[test]
fn check_reads_matroska_ts_and_flv_through_ranges() {
    for name in ["h264_aac.mkv", "h264_aac.ts", "h264_aac.flv"] {
        let (server, _) = serve(name, Faults::default());
        let tmp = tempfile::tempdir().unwrap();
        let out = clipfit_in(tmp.path(), &["check", &server.url("/clip.mp4"), "--json"]);
        let remote = json(&out);
        let (code, local) = check_json(&fixture(name));
        assert_eq!(out.status.code(), Some(code), "{name}: {remote}");
        assert_eq!(rules(&remote), rules(&local), "{name}");
        assert_eq!(remote["info"]["container"], local["info"]["container"], "{name}");
        assert_eq!(remote["info"]["duration"], local["info"]["duration"], "{name}");
        assert_eq!(remote["transfer"]["ranged"], true, "{name}");
        assert!(leftovers(tmp.path()).is_empty(), "{name}");
    }
}

#[test]
fn check_works_when_the_server_ignores_ranges() {
    let (server, len) = serve("moov_end.mp4", Faults { no_ranges: true, ..Faults::default() });
    let tmp = tempfile::tempdir().unwrap();
    let out = clipfit_in(tmp.path(), &["check", &server.url("/clip.mp4"), "--json"]);
    let v = json(&out);
    assert_eq!(v["transfer"]["ranged"], false);
    assert_eq!(v["transfer"]["bytes"].as_u64(), Some(len));
    assert_eq!(rules(&v), rules(&check_json(&fixture("moov_end.mp4")).1));
    assert!(leftovers(tmp.path()).is_empty(), "temporary copy left: {:?}", leftovers(tmp.path()));
}

#[test]
fn a_missing_file_exits_2_naming_the_status_without_the_query_string() {
    let (server, _) = serve("moov_end.mp4", Faults::default());
    let url = server.url("/missing.mp4?X-Amz-Signature=secret");
    for cmd in [vec!["check", &url], vec!["conform", &url, "-o", "/nonexistent/out.mp4"]] {
        let out = clipfit_in(Path::new("/tmp"), &cmd);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("404 Not Found"), "{err}");
        assert!(err.contains(&server.url("/missing.mp4")), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }
    let out = clipfit_in(Path::new("/tmp"), &["check", &url, "--json"]);
    assert_eq!(json(&out)["error"]["status"], 404);
}

#[test]
fn transient_503s_are_retried() {
    let (server, _) = serve("moov_end.mp4", Faults { fail_first: 2, ..Faults::default() });
    let out = clipfit_in(Path::new("/tmp"), &["check", &server.url("/clip.mp4"), "--json"]);
    assert_eq!(rules(&json(&out)), ["faststart"], "{}", stderr(&out));
    assert!(server.requests() >= 3);
}

#[test]
fn redirects_are_followed_but_not_forever() {
    let (server, _) = serve("moov_end.mp4", Faults::default());
    let out = clipfit_in(Path::new("/tmp"), &["check", &server.url("/moved.mp4"), "--json"]);
    assert_eq!(rules(&json(&out)), ["faststart"], "{}", stderr(&out));
    let out = clipfit_in(Path::new("/tmp"), &["check", &server.url("/loop.mp4")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("redirect"), "{}", stderr(&out));
    assert!(server.requests() < 20, "{} requests", server.requests());
}

#[test]
fn max_input_mb_protects_the_disk() {
    let (server, _) = serve("landscape_bframes.mp4", Faults { no_ranges: true, ..Faults::default() });
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.mp4");
    let out = clipfit_in(
        dir.path(),
        &["conform", &server.url("/clip.mp4"), "-o", output.to_str().unwrap(), "--max-input-mb", "0"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--max-input-mb"), "{}", stderr(&out));
    assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));
}

/// Conforms from `server` and checks the output is TikTok-ready and decodes; nothing may be
/// left in the temporary folder.
fn conform_remote(server: &FileServer) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.mp4");
    let out = clipfit_in(tmp.path(), &["conform", &server.url("/clip.mp4?sig=secret"), "-o", output.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("secret"));
    let (code, v) = check_json(&output);
    assert_eq!(code, 0, "{v}");
    assert!(leftovers(tmp.path()).is_empty(), "left behind: {:?}", leftovers(tmp.path()));
    if have_ffmpeg() {
        let decoded =
            Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(&output).args(["-f", "null", "-"]).output();
        let decoded = decoded.unwrap();
        assert!(decoded.status.success() && decoded.stderr.is_empty(), "{}", String::from_utf8_lossy(&decoded.stderr));
    }
}

#[test]
fn conform_resumes_a_cut_download_with_a_range() {
    let (server, len) = serve("landscape_bframes.mp4", Faults { cut_first: 2, cut_at: 100_000, ..Faults::default() });
    conform_remote(&server);
    assert_eq!(server.cuts(), 2);
    let log = server.log();
    assert!(log.iter().any(|l| l.ends_with("bytes=100000-")), "{log:?}");
    // Resumed, not restarted: about the file once, not three times.
    assert!(server.body_bytes() < len + 1000, "{} bytes sent for {len}: {log:?}", server.body_bytes());
}

#[test]
fn conform_restarts_a_cut_download_when_ranges_are_refused() {
    let faults = Faults { no_ranges: true, cut_first: 1, cut_at: 50_000, fail_first: 1, ..Faults::default() };
    let (server, len) = serve("landscape_bframes.mp4", faults);
    conform_remote(&server);
    assert_eq!(server.body_bytes(), len + 50_000);
}

#[test]
fn private_addresses_are_refused_when_the_caller_says_so() {
    let (server, _) = serve("moov_end.mp4", Faults::default());
    let opts = clipfit::remote::RemoteOptions { allow_private: false, ..Default::default() };
    for url in [server.url("/clip.mp4"), "http://169.254.169.254/latest/meta-data/".to_string()] {
        let url = clipfit::remote::RemoteUrl::parse(&url).unwrap();
        let err = clipfit::remote::probe(&url, &opts, &clipfit::remote::NoProgress).unwrap_err();
        assert!(err.to_string().contains("private"), "{err}");
    }
    assert_eq!(server.requests(), 0);
}

#[test]
fn an_interrupted_download_leaves_nothing_behind() {
    // 444 kB at 16 kB per 100 ms: the download takes ~3 s, and is interrupted in the middle.
    let (server, _) = serve("landscape_bframes.mp4", Faults { throttle_ms: 100, ..Faults::default() });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.mp4");
    let mut child = Command::new(env!("CARGO_BIN_EXE_clipfit"))
        .args(["conform", &server.url("/clip.mp4"), "-o", output.to_str().unwrap()])
        .env("TMPDIR", tmp.path())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the copy is under way (some bytes on disk), then press Ctrl-C.
    let copying = || {
        std::fs::read_dir(tmp.path()).unwrap().flatten().any(|d| {
            std::fs::read_dir(d.path()).is_ok_and(|mut f| f.any(|f| f.is_ok_and(|f| f.metadata().unwrap().len() > 0)))
        })
    };
    let mut waited = 0;
    while !copying() {
        assert!(waited < 200, "the download never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += 1;
    }
    let killed = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(leftovers(tmp.path()).is_empty(), "left in TMPDIR: {:?}", leftovers(tmp.path()));
    assert!(leftovers(dir.path()).is_empty(), "left beside the output: {:?}", leftovers(dir.path()));
}
