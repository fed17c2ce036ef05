//! `clipfit check` verdicts and rule names on fixtures.

use crate::helpers::*;

fn expect_rules(name: &str, want: &[&str]) -> serde_json::Value {
    let (code, v) = check_json(&fixture(name));
    let got = rules(&v);
    for w in want {
        assert!(got.iter().any(|g| g == w), "{name}: expected rule {w}, got {got:?}");
    }
    assert_eq!(code, if want.is_empty() { 0 } else { 1 }, "{name}: exit code, rules {got:?}");
    assert_eq!(v["ready"], want.is_empty(), "{name}");
    v
}

#[test]
fn compliant_file_is_ready() {
    let v = expect_rules("compliant.mp4", &[]);
    assert!(rules(&v).is_empty());
    assert_eq!(v["info"]["moov_before_mdat"], true);
}

#[test]
fn moov_at_end_breaks_only_faststart() {
    let v = expect_rules("moov_end.mp4", &["faststart"]);
    assert_eq!(rules(&v), vec!["faststart"]);
}

#[test]
fn landscape_25fps_48k() {
    let v = expect_rules("landscape_bframes.mp4", &["resolution", "frame_rate", "audio_sample_rate"]);
    let video = &v["info"]["tracks"][0];
    assert_eq!(video["type"], "video");
    assert_eq!(video["profile"], "High");
    assert_eq!(video["has_reordering"], true);
}

#[test]
fn phone_rotation_is_reported_as_displayed() {
    let v = expect_rules("rotated_cw.mp4", &["rotation", "resolution"]);
    let video = &v["info"]["tracks"][0];
    assert_eq!(video["rotation"], 90);
    assert_eq!((video["display_width"].as_u64(), video["display_height"].as_u64()), (Some(360), Some(640)));
    let v = expect_rules("rotated.mp4", &["rotation"]);
    assert_eq!(v["info"]["tracks"][0]["rotation"], 270);
}

#[test]
fn non_square_pixels() {
    let v = expect_rules("nonsquare.mp4", &["sar", "resolution"]);
    assert_eq!(v["info"]["tracks"][0]["sar"], serde_json::json!([4, 3]));
}

#[test]
fn codecs_and_audio_rules() {
    expect_rules("hevc.mp4", &["video_codec", "duration_min"]);
    expect_rules("h264_10bit.mp4", &["pixel_format"]);
    expect_rules("ac3.mp4", &["audio_codec"]);
    expect_rules("aac51.mp4", &["audio_channels", "audio_sample_rate"]);
    expect_rules("vfr_mp3.mp4", &["frame_rate", "audio_codec"]);
    let v = expect_rules("pcm.mov", &["container", "audio_codec"]);
    assert_eq!(v["info"]["container"], "mov");
    expect_rules("fragmented.mp4", &["container"]);
    expect_rules("short60_mono22k.mp4", &["duration_min", "frame_rate", "audio_sample_rate"]);
    expect_rules("few_px_off.mp4", &["resolution"]);
}

#[test]
fn human_output_names_rules() {
    let out = clipfit(&["check", fixture("landscape_bframes.mp4").to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("FAIL resolution"), "{text}");
    assert!(text.contains("NOT READY"), "{text}");
}

#[test]
fn user_profile_from_toml() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/profile/tiktok.toml"))
        .unwrap()
        .replace("width = 1080", "width = 640")
        .replace("height = 1920", "height = 360");
    let path = dir.path().join("landscape.toml");
    std::fs::write(&path, text).unwrap();
    let out = clipfit(&[
        "check",
        fixture("landscape_bframes.mp4").to_str().unwrap(),
        "--profile",
        path.to_str().unwrap(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!rules(&v).contains(&"resolution".to_string()), "{v}");
}

#[test]
fn max_size_option_lowers_the_limit() {
    let out = clipfit(&["check", fixture("compliant.mp4").to_str().unwrap(), "--max-size-mb", "0", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rules(&v), vec!["file_size"]);
}

#[test]
fn hdr_is_named_and_breaks_color() {
    let v = expect_rules("h264_hlg.mp4", &["color"]);
    assert_eq!(v["info"]["tracks"][0]["color"], serde_json::json!({ "primaries": 9, "transfer": 18, "matrix": 9 }));
    let color = v["violations"].as_array().unwrap().iter().find(|x| x["rule"] == "color").unwrap().clone();
    assert_eq!(color["actual"], "HLG BT.2020");
    let v = expect_rules("hevc_pq.mov", &["color", "video_codec"]);
    assert_eq!(v["info"]["tracks"][0]["color"]["transfer"], 16);
    // SDR files (labelled BT.709 or not at all) pass.
    for name in ["compliant.mp4", "landscape_bframes.mp4"] {
        let (_, v) = check_json(&fixture(name));
        assert!(!rules(&v).contains(&"color".to_string()), "{name}");
    }
}

#[test]
fn hdr_conform_is_tone_mapped_and_passes_the_color_rule() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let run = clipfit(&["conform", fixture("h264_hlg.mp4").to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let (code, v) = check_json(&out);
    assert_eq!((code, rules(&v)), (0, Vec::<String>::new()), "{v}");
    assert_eq!(v["info"]["tracks"][0]["color"], serde_json::json!({ "primaries": 1, "transfer": 1, "matrix": 1 }));
}
