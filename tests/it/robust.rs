//! Real-world file classes (issue: real files from real devices), one small fixture each
//! (`scripts/make-robust-fixtures.sh`): every one conforms to a file that passes `check`
//! and decodes in FFmpeg without an error, shows the source's pictures, and says what it
//! worked around.

use std::path::Path;
use std::process::Command;

use crate::helpers::*;

fn robust(name: &str) -> std::path::PathBuf {
    fixture(&format!("robust/{name}"))
}

/// Conforms `input` with `--json`; returns the report.
fn conform_json(input: &Path, out: &Path) -> serde_json::Value {
    let r = clipfit(&["conform", input.to_str().unwrap(), "-o", out.to_str().unwrap(), "--json"]);
    assert_eq!(r.status.code(), Some(0), "{}: {}", input.display(), String::from_utf8_lossy(&r.stdout));
    serde_json::from_slice(&r.stdout).unwrap()
}

fn warning_codes(v: &serde_json::Value) -> Vec<String> {
    v["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap().to_string()).collect()
}

/// Every `step`-th frame of `path`, decoded by FFmpeg as gray 1080x1920 after `filter`.
fn gray_every(path: &Path, filter: &str, step: usize) -> Vec<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-vf", filter, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout.chunks_exact(1080 * 1920).step_by(step).map(|c| c.to_vec()).collect()
}

/// Mean absolute luma difference, per sampled frame, between clipfit's output and FFmpeg's
/// own crop-fit of the source at 30 fps: wrong samples, a wrong start or lost pictures
/// show as large differences.
fn worst_difference_from_ffmpeg(src: &Path, out: &Path) -> f64 {
    let fit = "scale=1080:1920:force_original_aspect_ratio=increase,crop=1080:1920,fps=30";
    let reference = gray_every(src, fit, 10);
    let ours = gray_every(out, "null", 10);
    assert!(!ours.is_empty());
    ours.iter().zip(&reference).map(|(a, b)| mad(a, b)).fold(0.0, f64::max)
}

/// Mean absolute difference of two gray frames.
fn mad(a: &[u8], b: &[u8]) -> f64 {
    a.iter().zip(b).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>() / a.len() as f64
}

fn decodes_cleanly(out: &Path) {
    let d = Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(out).args(["-f", "null", "-"]).output().unwrap();
    assert!(d.stderr.is_empty(), "{}: decode errors: {}", out.display(), String::from_utf8_lossy(&d.stderr));
    let (code, v) = check_json(out);
    assert_eq!(code, 0, "output not ready: {v}");
}

/// Each class: (fixture, a warning code it must report or "", whether the picture must
/// match FFmpeg's decode of the source frame for frame).
const CLASSES: &[(&str, &str, bool)] = &[
    ("frag_multi_trun.mp4", "", true),
    ("frag_multi_trun_implicit.mp4", "", false), // FFmpeg 5.1 misreads it (see testdata/README.md)
    ("frag_tfdt_nonzero.mp4", "", true),
    ("frag_init_plus_segments.mp4", "", true),
    ("frag_base_data_offset.mp4", "", true),
    ("frag_no_default_base.mp4", "", true),
    ("frag_with_captions.mp4", "ignored_track", true),
    ("moov_and_frag.mp4", "", true),
    ("avc3_inband.mp4", "inband_parameter_sets", true),
    ("stsd_two_entries.mp4", "", true),
    ("size_change.mp4", "", true),
    ("first_not_keyframe.mp4", "undecodable_lead_in", false),
    ("trailer_sefd.mp4", "trailing_data", true),
    ("trailer_sefd_box.mp4", "unknown_box", true),
    ("unknown_top_box.mp4", "unknown_box", true),
    ("corrupt_nal_mid.mp4", "concealed_pictures", false),
    ("audio_no_stsd.mp4", "ignored_track", true),
    ("audio_empty_stsd.mp4", "ignored_track", false), // FFmpeg refuses the whole file
    ("slowmo_fullrange_51.mp4", "", false),
    ("svc_prefix_nal.mp4", "", true),
    ("prefix_nal_embedded_annexb.mp4", "", true),
];

#[test]
fn every_real_world_class_conforms_and_says_what_it_worked_around() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for &(name, warning, compare) in CLASSES {
        let input = robust(name);
        let out = dir.path().join(name);
        let report = conform_json(&input, &out);
        decodes_cleanly(&out);
        let codes = warning_codes(&report);
        if warning.is_empty() {
            assert!(
                !codes.iter().any(|c| c == "concealed_pictures" || c == "undecodable_lead_in"),
                "{name}: nothing should be lost: {codes:?}"
            );
        } else {
            assert!(codes.iter().any(|c| c == warning), "{name}: expected warning {warning}, got {codes:?}");
            let (_, v) = check_json(&input);
            if !matches!(warning, "concealed_pictures" | "undecodable_lead_in") {
                assert!(warning_codes(&v).iter().any(|c| c == warning), "{name}: check must list {warning}");
            }
        }
        // The picture is the source's: every sampled frame close to FFmpeg's own fit.
        if compare {
            let diff = worst_difference_from_ffmpeg(&input, &out);
            assert!(diff < 6.0, "{name}: output differs from the source by {diff:.1} per pixel");
        }
        // Audio kept, in step with the video.
        let src_audio = clipfit::demux::probe(&input).unwrap().audio().is_some();
        let out_info = clipfit::demux::probe(&out).unwrap();
        assert_eq!(src_audio, out_info.audio().is_some(), "{name}: audio kept iff present");
    }
}

/// A stream cut before its first keyframe: the lead-in is dropped, the first keyframe's
/// picture is held over it, and everything after keeps its time (FFmpeg's decode of the
/// source, which skips the lead-in the same way, matches from the keyframe on).
#[test]
fn undecodable_lead_in_keeps_the_timeline() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let report = conform_json(&robust("first_not_keyframe.mp4"), &out);
    let msg = report["warnings"].to_string();
    assert!(msg.contains("14 video samples") && msg.contains("0.47 s"), "{msg}");
    let frames = gray_every(&out, "null", 1);
    assert_eq!(frames.len(), 90);
    // Slots 0..14 hold the keyframe's picture (shown at 0.467 s = slot 14), up to coding
    // noise; the test pattern moves after it.
    for k in 0..14 {
        let d = mad(&frames[k], &frames[14]);
        assert!(d < 1.5, "slot {k} should show the first keyframe (differs by {d:.2})");
    }
    assert!(mad(&frames[14], &frames[20]) > 3.0, "the picture moves after the keyframe");
}

/// One damaged picture in the middle: the conform succeeds, says how much was concealed,
/// and the pictures after the next keyframe are exact again.
#[test]
fn a_corrupt_picture_is_concealed_and_counted() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let input = robust("corrupt_nal_mid.mp4");
    let report = conform_json(&input, &out);
    let w = report["warnings"].as_array().unwrap();
    let concealed = w.iter().find(|w| w["code"] == "concealed_pictures").expect("concealment warning");
    assert!(concealed["message"].as_str().unwrap().contains("of 90 pictures"), "{concealed}");
    let fit = "scale=1080:1920:force_original_aspect_ratio=increase,crop=1080:1920,fps=30";
    let ours = gray_every(&out, "null", 1);
    let reference = gray_every(&input, fit, 1);
    // Before the damage (1.5 s) and from the next keyframe (2.0 s) on, the pictures match.
    for k in (0..45).chain(60..90) {
        let d = mad(&ours[k], &reference[k]);
        assert!(d < 6.0, "frame {k} differs by {d:.2}");
    }
}

/// Too much damage is refused (exit 1) with how much was lost, and leaves no output.
#[test]
fn heavy_damage_fails_saying_how_much() {
    let data = std::fs::read(robust("corrupt_nal_mid.mp4")).unwrap();
    let info = clipfit::demux::Mp4Demuxer::open(robust("corrupt_nal_mid.mp4")).unwrap();
    let v = info.info().video_index().unwrap();
    let mut broken = data.clone();
    // Overwrite the slice data of every other picture (keep length prefix and NAL header).
    for (i, s) in info.samples(v).iter().enumerate().filter(|(i, _)| i % 2 == 1) {
        let start = s.offset as usize + 6;
        let end = (s.offset + u64::from(s.size)) as usize;
        for (k, b) in broken[start..end].iter_mut().enumerate() {
            *b = (k * 131 + i * 7) as u8 | 1;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.mp4");
    std::fs::write(&input, broken).unwrap();
    let out = dir.path().join("out.mp4");
    let r = clipfit(&["conform", input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(err.contains("could not be decoded"), "{err}");
    assert!(!out.exists(), "a failed conform must leave no output");
}

/// Data after the last box that is not a box: ignored with a warning when every sample is
/// before it, but a file whose moov lies past it is still refused with the reason.
#[test]
fn trailing_data_is_tolerated_only_when_nothing_needed_is_in_it() {
    let (code, v) = check_json(&robust("trailer_sefd.mp4"));
    assert_ne!(code, 2, "{v}");
    assert!(warning_codes(&v).contains(&"trailing_data".to_string()), "{v}");
    // Garbage between ftyp and moov: moov is never reached.
    let data = std::fs::read(fixture("compliant.mp4")).unwrap();
    let mut broken = data[..32].to_vec();
    broken.extend_from_slice(&[0, 0, 0, 3, b'f', b'r', b'e', b'e']);
    broken.extend_from_slice(&data[32..]);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad_free.mp4");
    std::fs::write(&p, broken).unwrap();
    let out = clipfit(&["check", p.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("moov") && err.contains("impossible size"), "{err}");
}

/// `ipcm` 24-bit little-endian, its sample size only in `pcmC`: the output carries the
/// 1 kHz tone (FFmpeg's `sine`, amplitude 1/8: RMS −21 dBFS), not noise read as 16-bit.
#[test]
fn iso_pcm_takes_its_format_from_pcmc() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    conform_json(&robust("ipcm_24le_pcmc.mov"), &out);
    let pcm = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&out)
        .args(["-ss", "0.2", "-t", "1.5", "-ac", "1", "-f", "f32le", "-"])
        .output()
        .unwrap()
        .stdout;
    let x: Vec<f32> = pcm.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    assert!(x.len() > 44_100, "{} samples", x.len());
    let rms = (x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
    let db = 20.0 * rms.log10();
    assert!((db + 21.0).abs() < 1.5, "RMS {db:.1} dBFS, expected about -21 (a 1 kHz sine at 1/8)");
    let crossings = x.windows(2).filter(|w| (w[0] < 0.0) != (w[1] < 0.0)).count() as f64;
    let hz = crossings / 2.0 / (x.len() as f64 / 44_100.0);
    assert!((hz - 1000.0).abs() < 20.0, "dominant frequency {hz:.0} Hz, expected 1000");
}

/// Three damaged AAC packets in the middle: replaced by silence of their length (the tone
/// is silent there and the audio still lasts as long as the video), said in a warning.
#[test]
fn damaged_audio_packets_become_silence() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let src = fixture("landscape_bframes.mp4");
    let mut data = std::fs::read(&src).unwrap();
    let demux = clipfit::demux::Mp4Demuxer::open(&src).unwrap();
    let a = demux.info().audio_index().unwrap();
    let packets = demux.samples(a)[60..63].to_vec();
    for s in &packets {
        data[s.offset as usize..(s.offset + u64::from(s.size)) as usize].fill(0xff);
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad_aac.mp4");
    std::fs::write(&input, data).unwrap();
    let out = dir.path().join("out.mp4");
    let report = conform_json(&input, &out);
    let w = report["warnings"].to_string();
    assert!(w.contains("concealed_audio") && w.contains("3 of"), "{w}");
    decodes_cleanly(&out);
    let pcm = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&out)
        .args(["-ac", "1", "-f", "f32le", "-"])
        .output()
        .unwrap()
        .stdout;
    let x: Vec<f32> = pcm.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let rms = |from: f64, to: f64| {
        let part = &x[(from * 44_100.0) as usize..(to * 44_100.0) as usize];
        (part.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / part.len() as f64).sqrt()
    };
    // Packets 60..63 of 1024 samples at 48 kHz: 1.28 s to 1.344 s of media, shown 21 ms
    // earlier (the priming edit); the codecs' overlap smears the edges, so look for the
    // quietest 10 ms around there.
    let quietest = (0..20).map(|k| rms(1.2 + k as f64 * 0.01, 1.21 + k as f64 * 0.01)).fold(1.0, f64::min);
    assert!(quietest < 0.01, "damaged packets should be silent, quietest RMS {quietest}");
    assert!(rms(0.5, 1.0) > 0.05 && rms(2.0, 3.0) > 0.05, "the tone (RMS 0.088) is there before and after");
    assert!((x.len() as f64 / 44_100.0 - 4.0).abs() < 0.05, "audio lasts {} s", x.len() as f64 / 44_100.0);
}

/// A `trun` without `data_offset` continues after the previous run (14496-12 8.8.8.1):
/// FFmpeg 5.1 reads it as offset 0, so the oracle is the same samples with explicit
/// offsets, which must give the same pictures.
#[test]
fn implicit_trun_offsets_read_the_same_samples() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("explicit.mp4");
    let b = dir.path().join("implicit.mp4");
    conform_json(&robust("frag_multi_trun.mp4"), &a);
    conform_json(&robust("frag_multi_trun_implicit.mp4"), &b);
    let (fa, fb) = (gray_every(&a, "null", 1), gray_every(&b, "null", 1));
    assert_eq!(fa.len(), fb.len());
    for (k, (x, y)) in fa.iter().zip(&fb).enumerate() {
        assert!(mad(x, y) < 0.01, "frame {k} differs");
    }
}

/// An init segment on its own (ftyp + moov, no samples): exit 2 saying so and what to do,
/// not "no picture could be decoded".
#[test]
fn an_init_segment_alone_is_named() {
    let data = std::fs::read(robust("frag_init_plus_segments.mp4")).unwrap();
    let styp = data.windows(4).position(|w| w == b"styp").unwrap() - 4;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("init.mp4");
    std::fs::write(&input, &data[..styp]).unwrap();
    let out = dir.path().join("out.mp4");
    let r = clipfit(&["conform", input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{err}");
    assert!(err.contains("no samples") && err.contains("init segment"), "{err}");
    assert!(!out.exists());
}
