//! Shared test helpers: fixture paths, running the CLI, FFmpeg as an oracle.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path of a fixture in testdata/.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)
}

/// Runs the clipfit binary.
pub fn clipfit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clipfit")).args(args).output().expect("run clipfit")
}

/// Runs `clipfit check FILE --json` and parses the JSON.
pub fn check_json(path: &Path) -> (i32, serde_json::Value) {
    let out = clipfit(&["check", path.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("bad JSON from check {}: {e}\n{}", path.display(), String::from_utf8_lossy(&out.stdout))
    });
    (out.status.code().unwrap_or(-1), v)
}

/// The rule names in a check JSON object.
pub fn rules(v: &serde_json::Value) -> Vec<String> {
    v["violations"]
        .as_array()
        .map_or(Vec::new(), |a| a.iter().map(|x| x["rule"].as_str().unwrap().to_string()).collect())
}

/// True when the FFmpeg tools are on PATH (CI installs them; tests that need them say so).
pub fn have_ffmpeg() -> bool {
    Command::new("ffprobe").arg("-version").output().is_ok_and(|o| o.status.success())
}

/// ffprobe's JSON for a file (streams, format).
pub fn ffprobe(path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_streams", "-show_format", "-count_packets", "-of", "json"])
        .arg(path)
        .output()
        .expect("ffprobe");
    serde_json::from_slice(&out.stdout).expect("ffprobe JSON")
}
