//! Inputs that are not MP4: Matroska, live WebM, MPEG-TS/M2TS and FLV. Each conforms to a file that passes
//! the strict check and decodes cleanly with FFmpeg, shows the source's picture (SSIM
//! against the source fitted the same way by FFmpeg) and keeps its sound in sync.

use std::path::Path;
use std::process::Command;

use crate::conform::{assert_tiktok_ready, audio_samples, conform, ffmpeg, gray_frames, mean};
use crate::helpers::*;

/// FFmpeg's mean SSIM (luma and chroma) of `out`'s first `secs` seconds against `src`
/// scaled to cover 1080x1920 and centre-cropped (clipfit's default crop fit) at 30 fps.
pub(crate) fn ssim_vs_cropped_source(out: &Path, src: &Path, secs: f64) -> f64 {
    let graph = "[1:v]scale=-2:1920:flags=bicubic,crop=1080:1920,fps=30,format=yuv420p[ref];[0:v][ref]ssim";
    let run = Command::new("ffmpeg")
        .args(["-v", "info", "-nostats", "-i"])
        .arg(out)
        .arg("-i")
        .arg(src)
        .args(["-filter_complex", graph, "-t", &secs.to_string(), "-f", "null", "-"])
        .output()
        .expect("ffmpeg");
    let log = String::from_utf8_lossy(&run.stderr);
    let all = log.lines().find_map(|l| l.split(" All:").nth(1)).unwrap_or_else(|| panic!("no SSIM in {log}"));
    all.split_whitespace().next().unwrap().parse().unwrap()
}

fn probe_container(path: &Path) -> String {
    clipfit::demux::probe(path).unwrap().container
}

#[test]
fn check_names_the_matroska_and_webm_containers() {
    for (name, container) in [
        ("h264_aac.mkv", "mkv"),
        ("vp9_opus_live.webm", "webm"),
        ("h264_aac.ts", "mpegts"),
        ("h264_aac.m2ts", "m2ts"),
        ("h264_aac.flv", "flv"),
    ] {
        let (code, v) = check_json(&fixture(name));
        assert_eq!(code, 1, "{name}: {v}");
        let rules = rules(&v);
        assert!(rules.contains(&"container".to_string()), "{name}: {rules:?}");
        // Faststart is an MP4 notion: not reported for another container.
        assert!(!rules.contains(&"faststart".to_string()), "{name}: {rules:?}");
        assert_eq!(probe_container(&fixture(name)), container);
    }
}

#[test]
fn matroska_probe_matches_ffprobe() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    for name in ["h264_aac.mkv", "vp9_opus_live.webm", "h264_aac.ts", "h264_aac.m2ts", "h264_aac.flv"] {
        let path = fixture(name);
        let info = clipfit::demux::probe(&path).unwrap();
        let p = ffprobe(&path);
        for s in p["streams"].as_array().unwrap() {
            let packets: u64 = s["nb_read_packets"].as_str().unwrap().parse().unwrap();
            let kind = s["codec_type"].as_str().unwrap();
            let t = match kind {
                "video" => &info.tracks[info.video_index().unwrap()],
                _ => &info.tracks[info.audio_index().unwrap()],
            };
            assert_eq!(t.sample_count, packets, "{name} {kind} packets");
        }
        let v = info.video().unwrap();
        assert_eq!((v.width, v.height), (640, 360), "{name}");
        assert!((v.fps - 30.0).abs() < 0.1, "{name}: fps {}", v.fps);
        assert!((info.duration - 2.0).abs() < 0.05, "{name}: duration {}", info.duration);
        let a = info.audio().unwrap();
        assert_eq!((a.sample_rate, a.channels), (48000, 2), "{name}");
    }
}

#[test]
fn h264_aac_in_matroska_conforms() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let src = fixture("h264_aac.mkv");
    let run = conform(&src, &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert_tiktok_ready(&out, 2.0);
    let ssim = ssim_vs_cropped_source(&out, &src, 1.9);
    assert!(ssim > 0.9, "SSIM {ssim}");
    let audio = audio_samples(&out);
    let loud = audio[..44100].iter().filter(|s| s.abs() > 0.05).count();
    assert!(loud > 20_000, "the 1 kHz tone is missing from the first second ({loud} loud samples)");
}

#[test]
fn h264_aac_in_mpegts_m2ts_and_flv_conforms() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    for name in ["h264_aac.ts", "h264_aac.m2ts", "h264_aac.flv"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.mp4");
        let src = fixture(name);
        let run = conform(&src, &out, &[]);
        assert_eq!(run.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&run.stderr));
        assert_tiktok_ready(&out, 2.0);
        let ssim = ssim_vs_cropped_source(&out, &src, 1.9);
        assert!(ssim > 0.9, "{name}: SSIM {ssim}");
        let audio = audio_samples(&out);
        let loud = audio[..44100].iter().filter(|s| s.abs() > 0.05).count();
        assert!(loud > 20_000, "{name}: the tone is missing from the first second ({loud} loud samples)");
    }
}

#[test]
fn live_webm_vp9_opus_conforms() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let src = fixture("vp9_opus_live.webm");
    let run = conform(&src, &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert_tiktok_ready(&out, 2.0);
    let ssim = ssim_vs_cropped_source(&out, &src, 1.9);
    assert!(ssim > 0.9, "SSIM {ssim}");
    let audio = audio_samples(&out);
    let loud = audio[..44100].iter().filter(|s| s.abs() > 0.05).count();
    assert!(loud > 20_000, "the 1 kHz tone is missing from the first second ({loud} loud samples)");
}

/// VP8 + Opus in a live WebM (what older browsers' MediaRecorder writes), decoded by libvpx.
#[test]
fn live_webm_vp8_opus_conforms() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let src = fixture("vp8_opus.webm");
    assert_eq!(clipfit::demux::probe(&src).unwrap().video().unwrap().codec, clipfit::media::VideoCodec::Vp8);
    let run = conform(&src, &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert_tiktok_ready(&out, 2.0);
    let ssim = ssim_vs_cropped_source(&out, &src, 1.9);
    eprintln!("vp8_opus.webm: SSIM {ssim:.4} vs FFmpeg's fit of the source");
    assert!(ssim >= 0.95, "SSIM {ssim}");
    let audio = audio_samples(&out);
    let loud = audio[..44100].iter().filter(|s| s.abs() > 0.05).count();
    assert!(loud > 20_000, "the 1 kHz tone is missing from the first second ({loud} loud samples)");
}

/// A live WebM (VP9 + Opus, as a browser records) with a white flash and a beep at each
/// whole second: every beep lands within 45 ms of its flash in the output.
#[test]
fn live_webm_keeps_audio_in_sync() {
    keeps_audio_in_sync("sync.webm", &[VP9, &["-c:a", "libopus", "-f", "webm", "-live", "1"]].concat());
}

/// The same with Vorbis, whose first packet decodes to nothing (no previous window to
/// overlap) and whose blocks change size.
#[test]
fn vorbis_webm_keeps_audio_in_sync() {
    keeps_audio_in_sync("sync.webm", &[VP9, &["-c:a", "libvorbis", "-q:a", "3", "-f", "webm"]].concat());
}

/// FLV as an RTMP capture holds it: H.264 with B-frames (composition times in the tags)
/// and MP3, timestamps in whole milliseconds.
#[test]
fn flv_keeps_audio_in_sync() {
    let codecs = ["-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-c:a", "libmp3lame", "-ar", "44100"];
    keeps_audio_in_sync("sync.flv", &[&codecs[..], &["-f", "flv"]].concat());
}

/// A 5.1 source's sound decoded by FFmpeg and mixed to mono at 44.1 kHz with clipfit's
/// stereo downmix (FL/FR 1, FC and surrounds -3 dB, LFE out, normalised by 1 + 2·0.707),
/// then (L+R)·0.707 as FFmpeg's `-ac 1` in `audio_samples` mixes the output.
fn source_audio_51(src: &Path) -> Vec<f32> {
    let mix = "pan=mono|c0=0.2929*c0+0.2929*c1+0.4142*c2+0.2071*c4+0.2071*c5";
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(src)
        .args(["-af", mix, "-ar", "44100", "-f", "f32le", "-"])
        .output()
        .unwrap();
    out.stdout.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

fn rms(s: &[f32]) -> f64 {
    (s.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / s.len().max(1) as f64).sqrt()
}

/// AC-3 5.1 in MP4 and E-AC-3 5.1 in MP4 conform; the sound's level matches FFmpeg's
/// decode of the source, mixed the same way, within 0.5 dB over the middle of the clip.
#[test]
fn ac3_and_eac3_surround_conform_with_their_sound() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let eac3 = dir.path().join("eac3.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=30:duration=3",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=3",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "eac3",
        "-ac",
        "6",
        "-b:a",
        "384k",
        eac3.to_str().unwrap(),
    ]);
    for src in [fixture("ac3.mp4"), eac3] {
        let out = dir.path().join("out.mp4");
        let run = conform(&src, &out, &[]);
        assert_eq!(run.status.code(), Some(0), "{}: {}", src.display(), String::from_utf8_lossy(&run.stderr));
        assert_tiktok_ready(&out, 3.0);
        let (ours, theirs) = (audio_samples(&out), source_audio_51(&src));
        let (a, b) = (rms(&ours[22050..110250]), rms(&theirs[22050..110250]));
        let db = 20.0 * (a / b).log10();
        assert!(a > 0.01 && db.abs() < 0.5, "{}: RMS {a:.4} against FFmpeg's {b:.4} ({db:+.2} dB)", src.display());
    }
}

/// A camcorder's AVCHD file: interlaced (MBAFF, top field first) H.264 and AC-3 in M2TS.
/// The output is ready, no longer combed (FFmpeg's `idet`), and keeps the 1 kHz tone.
#[test]
fn avchd_interlaced_h264_and_ac3_in_m2ts_conforms() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("00001.mts");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=50:duration=2",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=1000:sample_rate=48000:duration=2",
        "-vf",
        "tinterlace=mode=interleave_top,setfield=tff",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-flags",
        "+ildct+ilme",
        "-x264-params",
        "tff=1",
        "-pix_fmt",
        "yuv420p",
        "-b:v",
        "1500k",
        "-c:a",
        "ac3",
        "-b:a",
        "192k",
        "-f",
        "mpegts",
        "-mpegts_m2ts_mode",
        "1",
        src.to_str().unwrap(),
    ]);
    let info = clipfit::demux::probe(&src).unwrap();
    assert_eq!(info.container, "m2ts");
    assert!(info.video().unwrap().interlaced, "the stream's field coding is not seen");
    let out = dir.path().join("out.mp4");
    let run = conform(&src, &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert_tiktok_ready(&out, 2.0);
    let idet =
        Command::new("ffmpeg").args(["-v", "info", "-i"]).arg(&out).args(["-vf", "idet", "-f", "null", "-"]).output();
    let log = String::from_utf8_lossy(&idet.unwrap().stderr).to_string();
    let multi = log.lines().find(|l| l.contains("Multi frame detection")).unwrap_or_default().to_string();
    assert!(multi.contains("TFF:     0 BFF:     0"), "combed frames in the output: {multi}");
    let audio = audio_samples(&out);
    let loud = audio[4410..44100].iter().filter(|s| s.abs() > 0.05).count();
    assert!(loud > 18_000, "the 1 kHz tone is missing from the first second ({loud} loud samples)");
}

/// AC-3 in MPEG-TS, as broadcast captures and AVCHD cameras carry it: several syncframes
/// per PES, each decoded.
#[test]
fn ac3_in_mpegts_keeps_audio_in_sync() {
    let codecs = ["-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-c:a", "ac3", "-b:a", "192k"];
    keeps_audio_in_sync("sync.ts", &[&codecs[..], &["-f", "mpegts"]].concat());
}

/// E-AC-3 in Matroska (streaming-service downloads).
#[test]
fn eac3_in_matroska_keeps_audio_in_sync() {
    let codecs = ["-c:v", "libx264", "-preset", "veryfast", "-c:a", "eac3", "-b:a", "192k"];
    keeps_audio_in_sync("sync.mkv", &[&codecs[..], &["-f", "matroska"]].concat());
}

const VP9: &[&str] = &["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k"];

/// A source made with `codec_args` (codecs and container) from a white flash and a beep at
/// each whole second from 0.9 s on: every beep lands within 45 ms of its flash.
fn keeps_audio_in_sync(name: &str, codec_args: &[&str]) {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join(name);
    ffmpeg(&[
        "-f", "lavfi", "-i", "color=c=black:s=320x240:r=30:d=3.5,geq=lum='if(lt(mod(T+0.001\\,1)\\,0.033)*gte(T\\,0.9)\\,235\\,16)':cb=128:cr=128",
        "-f", "lavfi", "-i", "sine=f=1000:r=48000:d=3.5,volume='if(lt(mod(t\\,1)\\,0.05)*gte(t\\,0.9)\\,1\\,0)':eval=frame",
    ]
    .into_iter()
    .chain(codec_args.iter().copied())
    .chain([src.to_str().unwrap()])
    .collect::<Vec<_>>());
    let out = dir.path().join("out.mp4");
    let run = conform(&src, &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let frames = gray_frames(&out);
    let flashes: Vec<f64> = frames
        .iter()
        .enumerate()
        .filter(|(_, f)| mean(f, 0, 0, 1080, 1920) > 128.0)
        .map(|(i, _)| i as f64 / 30.0)
        .collect();
    let audio = audio_samples(&out);
    let mut beeps = Vec::new();
    let mut i = 0;
    while i < audio.len() {
        if audio[i].abs() > 0.05 {
            beeps.push(i as f64 / 44100.0);
            i += 44100 / 2;
        } else {
            i += 1;
        }
    }
    assert!(flashes.len() >= 2 && beeps.len() >= 2, "flashes {flashes:?} beeps {beeps:?}");
    for b in &beeps {
        let nearest = flashes.iter().map(|f| (f - b).abs()).fold(f64::INFINITY, f64::min);
        assert!(nearest <= 0.045, "beep at {b:.3} s is {nearest:.3} s from the nearest flash; flashes {flashes:?}");
    }
}

/// VP9 + Vorbis WebM: the Vorbis headers come from the Xiph-laced CodecPrivate and the
/// 1 kHz tone survives decoding, resampling to 44.1 kHz and AAC.
#[test]
fn vorbis_webm_conforms() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let src = fixture("vp9_vorbis.webm");
    let run = conform(&src, &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert_tiktok_ready(&out, 2.0);
    let audio = audio_samples(&out);
    assert!(audio.len() > 44100 * 19 / 10, "{} samples: audio is short", audio.len());
    let loud = audio[4410..44100].iter().filter(|s| s.abs() > 0.05).count();
    assert!(loud > 18_000, "the 1 kHz tone is missing from the first second ({loud} loud samples)");
}

/// VP9 profile 2 (10-bit) comes out of the decoder as 16-bit planes and is converted to
/// 8-bit 4:2:0 by the fit.
#[test]
fn ten_bit_vp9_conforms() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let src = fixture("vp9_10bit.webm");
    assert_eq!(clipfit::demux::probe(&src).unwrap().video().unwrap().bit_depth, 10);
    let run = conform(&src, &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert_tiktok_ready(&out, 1.0);
    let ssim = ssim_vs_cropped_source(&out, &src, 0.9);
    assert!(ssim > 0.9, "SSIM {ssim}");
}

/// A recording cut off mid-cluster (a crashed browser tab) is read up to the cut.
#[test]
fn truncated_live_webm_is_read_up_to_the_cut() {
    let data = std::fs::read(fixture("vp9_opus_live.webm")).unwrap();
    let cut = &data[..data.len() / 2];
    let info = clipfit::demux::probe_bytes(cut).unwrap();
    assert!(info.warnings.iter().any(|w| w.code == "truncated"), "{:?}", info.warnings);
    assert!(info.duration > 0.5 && info.duration < 1.6, "duration {}", info.duration);
    // Damage right after the EBML header is malformed input, not a panic.
    let mut bad = data[..64].to_vec();
    bad.extend(std::iter::repeat_n(0u8, 64));
    let err = clipfit::demux::probe_bytes(&bad).unwrap_err();
    assert!(err.is_input_error(), "{err}");
}

/// A private-data stream (stream_type 6 without a descriptor clipfit knows: FFmpeg 5 writes
/// AV1 so, DVB writes subtitles so) listed before the audio in the PMT must not take the
/// audio's place: the AAC track is the file's audio.
#[test]
fn a_private_stream_listed_first_does_not_hide_the_ts_audio() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ts = dir.path().join("private_first.ts");
    crate::conform::ffmpeg(&[
        "-i",
        fixture("av1.mp4").to_str().unwrap(),
        "-c",
        "copy",
        "-f",
        "mpegts",
        ts.to_str().unwrap(),
    ]);
    let info = clipfit::demux::probe(&ts).unwrap();
    let audio = info.audio().expect("the AAC stream is the audio");
    assert_eq!(audio.codec, clipfit::media::AudioCodec::Aac, "{info:?}");
    assert!(info.video().is_none(), "an unidentified private stream is not video");
}
