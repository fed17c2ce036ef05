//! Malformed, truncated and hostile files: exit 2, quickly, with a message naming the problem.

use std::time::{Duration, Instant};

use crate::helpers::*;

fn expect_unreadable(path: &std::path::Path, needle: &str) {
    let started = Instant::now();
    let out = clipfit(&["check", path.to_str().unwrap()]);
    let elapsed = started.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}: stderr {err}", path.display());
    assert!(err.contains(needle), "{}: expected '{needle}' in: {err}", path.display());
    assert!(err.contains(path.file_name().unwrap().to_str().unwrap()), "message should name the file: {err}");
    assert!(elapsed < Duration::from_secs(5), "{} took {elapsed:?}", path.display());
}

#[test]
fn malformed_inputs_exit_2_with_a_reason() {
    let m = |n: &str| fixture(&format!("malformed/{n}"));
    expect_unreadable(&m("empty.mp4"), "empty");
    expect_unreadable(&m("random.bin"), "not an MP4");
    expect_unreadable(&m("image.jpg"), "JPEG");
    expect_unreadable(&m("truncated.mp4"), "truncated");
    expect_unreadable(&m("no_moov.mp4"), "moov");
    expect_unreadable(&m("huge_box.mp4"), "moov");
    expect_unreadable(&m("bad_stsz.mp4"), "stsz");
    expect_unreadable(&m("zero_size_child.mp4"), "moov");
    expect_unreadable(&fixture("does-not-exist.mp4"), "No such file");
}

#[test]
fn malformed_json_is_still_one_object() {
    let (code, v) = check_json(&fixture("malformed/truncated.mp4"));
    assert_eq!(code, 2);
    assert_eq!(v["ready"], false);
    assert_eq!(v["error"]["kind"], "malformed");
}

/// Every prefix and many byte flips of a real file: never a panic, always exit 0, 1 or 2.
#[test]
fn truncations_and_flips_never_panic() {
    let data = std::fs::read(fixture("compliant.mp4")).unwrap();
    let moov_end = data.windows(4).position(|w| w == b"free").unwrap_or(4000);
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<Vec<u8>> = (0..moov_end).step_by(97).map(|n| data[..n].to_vec()).collect();
    for i in (8..moov_end).step_by(53) {
        let mut d = data[..moov_end.min(data.len())].to_vec();
        d[i] ^= 0xff;
        cases.push(d);
    }
    for (i, c) in cases.iter().enumerate() {
        let p = dir.path().join(format!("case{i}.mp4"));
        std::fs::write(&p, c).unwrap();
        let r = std::panic::catch_unwind(|| clipfit::demux::probe(&p));
        assert!(r.is_ok(), "probe panicked on case {i}");
    }
}
