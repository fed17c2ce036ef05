//! Built-in profiles and several profiles at once: `check --profile all`, a
//! `tiktok,reels,shorts` conform checked against each profile, X, clashes.

use std::path::Path;

use crate::helpers::*;

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON: {e}\n{}", String::from_utf8_lossy(&out.stdout)))
}

/// `clipfit check FILE --profile SPEC --json`: (exit code, JSON).
fn check_with(path: &Path, spec: &str) -> (i32, serde_json::Value) {
    let out = clipfit(&["check", path.to_str().unwrap(), "--profile", spec, "--json"]);
    (out.status.code().unwrap_or(-1), json(&out))
}

fn keys(v: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[test]
fn check_all_gives_a_verdict_per_profile() {
    let (code, v) = check_with(&fixture("landscape_bframes.mp4"), "all");
    assert_eq!(code, 1, "{v}");
    assert_eq!(keys(&v), ["file", "info", "profiles", "ready", "warnings"]);
    assert_eq!(v["ready"], false);
    assert!(v["warnings"].is_array() && v["info"]["tracks"].is_array());
    let profiles = v["profiles"].as_array().unwrap();
    let verdict: Vec<(&str, bool, Vec<String>)> = profiles
        .iter()
        .map(|p| {
            assert_eq!(keys(p), ["profile", "ready", "violations"]);
            (p["profile"].as_str().unwrap(), p["ready"].as_bool().unwrap(), rules(p))
        })
        .collect();
    let want: [(&str, &[&str]); 8] = [
        ("tiktok", &["faststart", "resolution", "frame_rate", "audio_sample_rate"]),
        ("reels", &["faststart", "edit_list"]),
        ("facebook-reels", &["resolution_min"]),
        ("shorts", &["aspect_ratio"]),
        ("x", &[]),
        ("linkedin", &[]),
        ("snapchat", &["resolution_min", "aspect_ratio", "duration_min"]),
        ("threads", &["faststart", "edit_list"]),
    ];
    for ((name, ready, got), (want_name, want_rules)) in verdict.iter().zip(want) {
        assert_eq!(
            (*name, got.as_slice()),
            (want_name, want_rules.iter().map(|s| s.to_string()).collect::<Vec<_>>().as_slice())
        );
        assert_eq!(*ready, want_rules.is_empty(), "{name}");
    }
    assert_eq!(verdict.len(), 8);
    // A list of one is the one-profile shape, exactly as before.
    let (_, one) = check_with(&fixture("landscape_bframes.mp4"), "tiktok");
    assert_eq!(keys(&one), ["file", "info", "profile", "ready", "violations", "warnings"]);
    assert_eq!(one["violations"], profiles[0]["violations"]);
    // Ready only when every profile is.
    let (code, v) = check_with(&fixture("landscape_bframes.mp4"), "x,linkedin");
    assert_eq!((code, &v["ready"]), (0, &serde_json::json!(true)), "{v}");
}

#[test]
fn human_check_lists_each_profile() {
    let out = clipfit(&["check", fixture("landscape_bframes.mp4").to_str().unwrap(), "--profile", "x,shorts"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("x: READY") && text.contains("shorts: NOT READY: 1 rule(s) broken"), "{text}");
    assert!(text.contains("FAIL aspect_ratio") && text.contains("NOT READY for 1 of 2 profiles"), "{text}");
}

#[test]
fn x_profile_check() {
    let x_rules = |name: &str| {
        let (code, v) = check_with(&fixture(name), "x");
        assert_eq!(v["profile"], "x");
        assert_eq!(code, if rules(&v).is_empty() { 0 } else { 1 });
        rules(&v)
    };
    // 640x360 25 fps H.264 High, AAC-LC 48 kHz stereo, moov last: X has no faststart or rate rule.
    assert!(x_rules("landscape_bframes.mp4").is_empty());
    assert_eq!(x_rules("compliant.mp4"), ["resolution_max"], "1920 rows are over X's 1024");
    assert_eq!(x_rules("nonsquare.mp4"), ["sar"]);
    // 320x240 level 1.3, whose 768 kbps cannot carry its 0.97 Mbps peak; AAC 5.1.
    assert_eq!(x_rules("aac51.mp4"), ["level", "audio_channels"]);
    assert_eq!(x_rules("fragmented.mp4"), ["container"]);
    assert_eq!(x_rules("hevc.mp4"), ["video_codec"]);
    // MOV is fine for X, PCM is not (and its 1.5 Mbps peak is over level 1.3).
    assert_eq!(x_rules("pcm.mov"), ["level", "audio_codec"]);
    assert_eq!(x_rules("short60_mono22k.mp4"), Vec::<String>::new(), "60 fps is X's limit, not over it");
}

#[test]
fn one_conform_for_tiktok_reels_and_shorts() {
    if !have_ffmpeg() {
        eprintln!("skipped: ffprobe not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("all3.mp4");
    let run = clipfit(&[
        "conform",
        fixture("landscape_bframes.mp4").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--profile",
        "tiktok,reels,shorts",
        "--json",
    ]);
    let report = json(&run);
    assert_eq!(run.status.code(), Some(0), "{report}\n{}", String::from_utf8_lossy(&run.stderr));
    let names: Vec<&str> =
        report["profiles"].as_array().unwrap().iter().map(|p| p["profile"].as_str().unwrap()).collect();
    assert_eq!(names, ["tiktok", "reels", "shorts"]);
    assert!(report["profiles"].as_array().unwrap().iter().all(|p| p["ready"] == true), "{report}");
    assert_eq!(report["plan"]["edit_lists"], false);
    // Our checker, profile by profile.
    for profile in ["tiktok", "reels", "shorts"] {
        let (code, v) = check_with(&out, profile);
        assert_eq!(code, 0, "{profile}: {v}");
    }
    // FFmpeg's view: 1080x1920 30 fps H.264, AAC-LC 44.1 kHz, as long as the source.
    let p = ffprobe(&out);
    let streams = p["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video").unwrap();
    assert_eq!(
        (video["codec_name"].as_str(), video["width"].as_u64(), video["height"].as_u64()),
        (Some("h264"), Some(1080), Some(1920))
    );
    assert_eq!((video["r_frame_rate"].as_str(), video["avg_frame_rate"].as_str()), (Some("30/1"), Some("30/1")));
    let audio = streams.iter().find(|s| s["codec_type"] == "audio").unwrap();
    assert_eq!((audio["codec_name"].as_str(), audio["profile"].as_str()), (Some("aac"), Some("LC")));
    assert_eq!(audio["sample_rate"], "44100");
    for s in streams {
        assert_eq!(s["start_time"], "0.000000", "no edit list shifts a track: {s}");
    }
    let dur: f64 = p["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!((dur - 4.0).abs() < 0.05, "duration {dur}");
    // No edit list anywhere (Reels), and clipfit's probe agrees.
    let info = clipfit::demux::probe(&out).unwrap();
    assert!(info.tracks.iter().all(|t| t.edits.is_empty()), "{:?}", info.tracks);
    assert!(!std::fs::read(&out).unwrap().windows(4).any(|w| w == b"edts"));
}

#[test]
fn audio_without_an_edit_list_starts_in_sync() {
    if !have_ffmpeg() {
        eprintln!("skipped: ffmpeg not installed");
        return;
    }
    // A click 1 s in: FFmpeg (which applies no priming skip without an edit list) must hear
    // it at the same sample in the Reels output as in the source.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("click.mp4");
    let made = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=4", "-f", "lavfi", "-i"])
        .arg("aevalsrc='if(between(t,1,1.05),sin(2*PI*1000*t),0)':s=48000:d=4")
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"])
        .arg(&src)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let out = dir.path().join("reels.mp4");
    let run = clipfit(&["conform", src.to_str().unwrap(), "-o", out.to_str().unwrap(), "--profile", "reels"]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let onset = |path: &Path| {
        let pcm = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(path)
            .args(["-ac", "1", "-ar", "44100", "-f", "f32le", "-"])
            .output()
            .unwrap()
            .stdout;
        pcm.chunks_exact(4).position(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]).abs() > 0.05).unwrap()
    };
    let (a, b) = (onset(&src), onset(&out));
    assert!(a.abs_diff(44_100) <= 2 && b.abs_diff(a) <= 2, "source click at sample {a}, output at {b}");
}

#[test]
fn x_conform_keeps_x_limits() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mp4");
    let run = clipfit(&[
        "conform",
        fixture("compliant.mp4").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--profile",
        "x",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let (code, v) = check_with(&out, "x");
    assert_eq!(code, 0, "{v}");
    let video = &v["info"]["tracks"][0];
    assert_eq!(
        (video["display_width"].as_u64(), video["display_height"].as_u64()),
        (Some(576), Some(1024)),
        "9:16 inside 1280x1024"
    );
}

#[test]
fn snapchat_conform_adds_sound_and_length() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap.mp4");
    // 1076x1916, 3 s, no audio: Spotlight wants 9:16, at least 5 s and sound.
    let run = clipfit(&[
        "conform",
        fixture("few_px_off.mp4").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--profile",
        "snapchat",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let (code, v) = check_with(&out, "snapchat");
    assert_eq!(code, 0, "{v}");
    assert!((v["info"]["duration"].as_f64().unwrap() - 5.0).abs() < 0.05, "{}", v["info"]["duration"]);
    assert!(v["info"]["tracks"].as_array().unwrap().iter().any(|t| t["type"] == "audio"));
}

#[test]
fn clashing_profiles_exit_2_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never.mp4");
    let input = fixture("landscape_bframes.mp4");
    for json_flag in [false, true] {
        let mut args = vec!["conform", input.to_str().unwrap(), "-o", out.to_str().unwrap()];
        args.extend(["--profile", "tiktok,reels,x"]);
        if json_flag {
            args.push("--json");
        }
        let run = clipfit(&args);
        assert_eq!(run.status.code(), Some(2));
        let text = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
        assert!(text.contains("tiktok and x clash on resolution"), "{text}");
        assert!(!out.exists());
    }
    let run = clipfit(&["check", fixture("compliant.mp4").to_str().unwrap(), "--profile", "tiktok,vine"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("unknown profile 'vine'"));
}

#[test]
fn profiles_command_lists_names_summaries_and_sources() {
    let out = clipfit(&["profiles", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let list = v.as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["tiktok", "reels", "facebook-reels", "shorts", "x", "linkedin", "snapchat", "threads"]);
    for p in list {
        assert!(!p["summary"].as_str().unwrap().is_empty() && !p["sources"].as_array().unwrap().is_empty(), "{p}");
    }
    let text = clipfit(&["profiles"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("facebook-reels") && text.contains("source: PLATFORM_RULES.md"), "{text}");
}
