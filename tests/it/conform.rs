//! `clipfit conform` end to end: decode the output with FFmpeg (the oracle) and measure it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::*;

pub(crate) fn conform(input: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["conform", input.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    clipfit(&args)
}

pub(crate) fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg").args(["-v", "error", "-y"]).args(args).output().expect("ffmpeg");
    assert!(out.status.success(), "ffmpeg {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Decodes the video to 8-bit gray frames (width x height each).
pub(crate) fn gray_frames(path: &Path) -> Vec<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .unwrap();
    assert!(out.stderr.is_empty(), "decode errors: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout.chunks_exact(1080 * 1920).map(|c| c.to_vec()).collect()
}

/// Decodes the audio to mono f32 at 44.1 kHz.
pub(crate) fn audio_samples(path: &Path) -> Vec<f32> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-ac", "1", "-f", "f32le", "-"])
        .output()
        .unwrap();
    out.stdout.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

pub(crate) fn mean(frame: &[u8], x0: usize, y0: usize, w: usize, h: usize) -> f64 {
    let mut sum = 0u64;
    for y in y0..y0 + h {
        sum += frame[y * 1080 + x0..y * 1080 + x0 + w].iter().map(|&v| v as u64).sum::<u64>();
    }
    sum as f64 / (w * h) as f64
}

/// Asserts the strict TikTok facts on an output, measured by ffprobe and by clipfit's probe.
pub(crate) fn assert_tiktok_ready(out: &Path, source_duration: f64) {
    let (code, v) = check_json(out);
    assert_eq!(code, 0, "output not ready: {v}");
    let p = ffprobe(out);
    let video = p["streams"].as_array().unwrap().iter().find(|s| s["codec_type"] == "video").unwrap();
    assert_eq!(video["codec_name"], "h264");
    assert_eq!((video["width"].as_u64(), video["height"].as_u64()), (Some(1080), Some(1920)));
    assert_eq!(video["pix_fmt"], "yuv420p");
    assert_eq!(video["r_frame_rate"], "30/1");
    assert_eq!(video["avg_frame_rate"], "30/1");
    assert!(video["level"].as_i64().unwrap() >= 40, "level {}", video["level"]);
    assert!(matches!(video["sample_aspect_ratio"].as_str(), None | Some("1:1")));
    let dur: f64 = p["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!((dur - source_duration.max(3.0)).abs() <= 0.1, "duration {dur} vs source {source_duration}");
    let info = clipfit::demux::probe(out).unwrap();
    assert!(info.moov_before_mdat);
    assert!(info.peak_bitrate_1s <= 10_000_000, "peak {}", info.peak_bitrate_1s);
    let frames: u64 = video["nb_frames"].as_str().unwrap().parse().unwrap();
    assert_eq!(frames, (dur * 30.0).round() as u64);
    let decode =
        Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(out).args(["-f", "null", "-"]).output().unwrap();
    assert!(decode.stderr.is_empty(), "decode errors: {}", String::from_utf8_lossy(&decode.stderr));
    for s in p["streams"].as_array().unwrap().iter().filter(|s| s["codec_type"] == "audio") {
        assert_eq!(s["codec_name"], "aac");
        assert_eq!(s["profile"], "LC");
        assert_eq!(s["sample_rate"], "44100");
        assert!(matches!(s["channels"].as_u64(), Some(1 | 2)));
        let adur: f64 = s["duration"].as_str().unwrap().parse().unwrap();
        assert!((adur - dur).abs() <= 0.1, "audio {adur} vs video {dur}");
    }
}

/// Mean SSIM of the first `seconds` of `out` against `reference_filter` applied to the
/// source, scaled to fill 1080x1920 and cropped to its centre as the fit does for a
/// landscape source.
fn ssim_against_source(out: &Path, source: &Path, seconds: f64, reference_filter: &str) -> f64 {
    let graph = format!(
        "[0:v]format=yuv420p[a];[1:v]{reference_filter}scale=-2:1920:flags=bicubic,crop=1080:1920,fps=30,format=yuv420p[b];[a][b]ssim"
    );
    let run = Command::new("ffmpeg")
        .args(["-v", "info", "-t", &seconds.to_string(), "-i"])
        .arg(out)
        .arg("-i")
        .arg(source)
        .args(["-filter_complex", &graph, "-f", "null", "-"])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&run.stderr);
    let all = log.rsplit("All:").next().and_then(|t| t.split_whitespace().next()).unwrap_or("");
    all.parse().unwrap_or_else(|_| panic!("no SSIM in: {log}"))
}

/// High 10, 4:2:2 and interlaced H.264 (camcorders, broadcast and camera exports) come out
/// ready: dithered to 8 bits, chroma brought to 4:2:0, fields rebuilt by the deinterlacer
/// (closer to FFmpeg's yadif than to the woven frames, and no longer combed).
#[test]
fn high_10_422_and_interlaced_h264_conform() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tmp();
    for (name, seconds) in [
        ("h264_10bit.mp4", 1.0),
        ("h264_422_10bit.mp4", 1.0),
        ("h264_interlaced.mp4", 2.0),
        ("h264_interlaced_bff.mp4", 1.0),
    ] {
        let out = dir.path().join(name);
        let run = conform(&fixture(name), &out, &[]);
        assert!(run.status.success(), "{name}: {}", String::from_utf8_lossy(&run.stderr));
        assert_tiktok_ready(&out, seconds);
        let ssim = ssim_against_source(&out, &fixture(name), seconds, "");
        if name.starts_with("h264_interlaced") {
            let deinterlaced = ssim_against_source(&out, &fixture(name), seconds, "yadif=0,");
            assert!(deinterlaced >= 0.98, "{name}: SSIM against yadif {deinterlaced}");
            assert!(deinterlaced > ssim + 0.01, "{name}: yadif {deinterlaced} vs woven {ssim}");
            let idet = Command::new("ffmpeg")
                .args(["-v", "info", "-i"])
                .arg(&out)
                .args(["-vf", "idet", "-f", "null", "-"])
                .output()
                .unwrap();
            let log = String::from_utf8_lossy(&idet.stderr);
            let multi = log.lines().find(|l| l.contains("Multi frame detection")).unwrap_or_default().to_string();
            assert!(multi.contains("TFF:     0 BFF:     0"), "{name}: combed frames in the output: {multi}");
        } else {
            assert!(ssim >= 0.97, "{name}: SSIM {ssim}");
        }
    }
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn landscape_bframes_becomes_ready() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tmp();
    let out = dir.path().join("out.mp4");
    let r = conform(&fixture("landscape_bframes.mp4"), &out, &["--json"]);
    assert_eq!(r.status.code(), Some(0), "{}", String::from_utf8_lossy(&r.stderr));
    let report: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(report["plan"]["mode"], "rebuild");
    assert_eq!(report["plan"]["video"]["action"], "transcode");
    assert_eq!(report["plan"]["audio"]["action"], "transcode");
    assert_tiktok_ready(&out, 4.0);
}

#[test]
fn varied_inputs_become_ready() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tmp();
    for (name, extra) in [
        ("rotated.mp4", &[][..]),
        ("short60_mono22k.mp4", &[][..]),
        ("pcm.mov", &["--fit", "blur"][..]),
        ("vfr_mp3.mp4", &["--fit", "pad"][..]),
        ("fragmented.mp4", &[][..]),
        ("aac51.mp4", &[][..]),
        ("few_px_off.mp4", &[][..]),
        ("nonsquare.mp4", &["--fit", "pad"][..]),
    ] {
        let input = fixture(name);
        let src = clipfit::demux::probe(&input).unwrap();
        let out = dir.path().join(format!("{name}.mp4"));
        let r = conform(&input, &out, extra);
        assert_eq!(r.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&r.stderr));
        assert_tiktok_ready(&out, src.duration);
        let had_audio = src.audio().is_some();
        let has_audio = clipfit::demux::probe(&out).unwrap().audio().is_some();
        assert_eq!(had_audio, has_audio, "{name}: audio must be kept, never dropped silently");
    }
}

/// A quadrant pattern with a 90° clockwise display matrix: after conform the dark quadrant,
/// top-left in the coded picture, must be top-right on screen (crop fits 9:16 exactly here).
#[test]
fn rotation_and_fit_put_the_pattern_where_expected() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tmp();
    let plain = dir.path().join("plain.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=white:s=640x360:r=30:d=3,drawbox=x=0:y=0:w=320:h=180:color=black:t=fill",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        plain.to_str().unwrap(),
    ]);
    // FFmpeg 5 writes the rotate tag as a display matrix only when stream-copying.
    let coded = dir.path().join("quad.mp4");
    ffmpeg(&["-i", plain.to_str().unwrap(), "-c", "copy", "-metadata:s:v:0", "rotate=270", coded.to_str().unwrap()]);
    assert_eq!(clipfit::demux::probe(&coded).unwrap().video().unwrap().rotation, 90);
    let out = dir.path().join("out.mp4");
    assert_eq!(conform(&coded, &out, &[]).status.code(), Some(0));
    let frames = gray_frames(&out);
    assert_eq!(frames.len(), 90);
    let f = &frames[45];
    let (tl, tr, bl, br) = (
        mean(f, 40, 40, 400, 800),
        mean(f, 640, 40, 400, 800),
        mean(f, 40, 1080, 400, 800),
        mean(f, 640, 1080, 400, 800),
    );
    assert!(tr < 40.0, "top-right should be dark: {tr}");
    assert!(tl > 200.0 && bl > 200.0 && br > 200.0, "others bright: {tl} {bl} {br}");

    // Pad on a landscape source: black bars above and below, picture in the middle band.
    let land = dir.path().join("land.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=white:s=640x360:r=25:d=3",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        land.to_str().unwrap(),
    ]);
    let padded = dir.path().join("pad.mp4");
    assert_eq!(conform(&land, &padded, &["--fit", "pad"]).status.code(), Some(0));
    let f = &gray_frames(&padded)[30];
    // 640x360 scaled to 1080 wide is 608 high, centred: rows 656..1264.
    assert!(mean(f, 0, 0, 1080, 640) < 20.0, "top bar black");
    assert!(mean(f, 0, 1280, 1080, 640) < 20.0, "bottom bar black");
    assert!(mean(f, 0, 700, 1080, 500) > 220.0, "picture white");

    // Blur: the bars are filled with a darkened copy, not black, and the centre is the picture.
    let blurred = dir.path().join("blur.mp4");
    assert_eq!(conform(&land, &blurred, &["--fit", "blur"]).status.code(), Some(0));
    let f = &gray_frames(&blurred)[30];
    let bar = mean(f, 0, 0, 1080, 600);
    assert!(bar > 60.0 && bar < 200.0, "blurred bar is a darkened picture: {bar}");
    assert!(mean(f, 0, 700, 1080, 500) > 220.0);
}

/// Flash/beep clip whose audio starts 0.48 s after the video (an empty edit): every beep
/// must land within 45 ms of its flash in the output.
#[test]
fn audio_stays_in_sync_with_video() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tmp();
    let src = dir.path().join("sync.mp4");
    // White flash for one frame at t = 1, 2, 3 s (60 fps); beeps at the same instants.
    ffmpeg(&[
        "-f", "lavfi", "-i", "color=c=black:s=320x240:r=60:d=4.5,geq=lum='if(lt(mod(T+0.001\\,1)\\,0.016)*gte(T\\,0.9)\\,235\\,16)':cb=128:cr=128",
        "-f", "lavfi", "-i", "sine=f=1000:r=48000:d=4.0,volume='if(lt(mod(t+0.48\\,1)\\,0.05)\\,1\\,0)':eval=frame",
        "-itsoffset", "0.48", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono:d=0.01",
        "-map", "0:v", "-map", "1:a",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        src.to_str().unwrap(),
    ]);
    // Shift the audio by 0.48 s through the container (an empty edit), not the samples.
    let delayed = dir.path().join("delayed.mp4");
    ffmpeg(&[
        "-i",
        src.to_str().unwrap(),
        "-itsoffset",
        "0.48",
        "-i",
        src.to_str().unwrap(),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c",
        "copy",
        delayed.to_str().unwrap(),
    ]);
    let info = clipfit::demux::probe(&delayed).unwrap();
    let audio_edits = &info.tracks[info.audio_index().unwrap()].edits;
    assert!(
        audio_edits.first().is_some_and(|e| e.media_time.is_none() && (e.duration - 0.48).abs() < 0.03),
        "{audio_edits:?}"
    );
    let out = dir.path().join("out.mp4");
    assert_eq!(conform(&delayed, &out, &[]).status.code(), Some(0));
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

#[test]
fn compliant_input_passes_through_byte_for_byte() {
    let dir = tmp();
    let out = dir.path().join("out.mp4");
    assert_eq!(conform(&fixture("compliant.mp4"), &out, &[]).status.code(), Some(0));
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(fixture("compliant.mp4")).unwrap());
}

#[test]
fn moov_at_end_is_remuxed_keeping_the_bitstream() {
    let dir = tmp();
    let out = dir.path().join("out.mp4");
    assert_eq!(conform(&fixture("moov_end.mp4"), &out, &[]).status.code(), Some(0));
    let a = clipfit::demux::Mp4Demuxer::open(fixture("moov_end.mp4")).unwrap();
    let b = clipfit::demux::Mp4Demuxer::open(&out).unwrap();
    assert!(b.info().moov_before_mdat);
    assert_eq!(samples_of(a, 0), samples_of(b, 0), "video bitstream must be unchanged");
}

fn samples_of(mut d: clipfit::demux::Mp4Demuxer, track: usize) -> Vec<Vec<u8>> {
    let samples = d.samples(track).to_vec();
    samples
        .iter()
        .map(|s| {
            let mut buf = Vec::new();
            d.read_sample(s, &mut buf).unwrap();
            buf
        })
        .collect()
}

fn no_output_after_failure(input: PathBuf, extra: &[&str], needle: &str) {
    let dir = tmp();
    let out = dir.path().join("out.mp4");
    let r = conform(&input, &out, extra);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{}: {err}", input.display());
    assert!(err.contains(needle), "expected '{needle}' in {err}");
    assert!(!out.exists(), "a failed run must leave no output");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no temporary files left behind");
}

#[test]
fn unsupported_and_malformed_inputs_leave_no_output() {
    no_output_after_failure(fixture("h264_444.mp4"), &[], "4:4:4");
    no_output_after_failure(fixture("dts.mkv"), &[], "DTS");
    no_output_after_failure(fixture("malformed/truncated.mp4"), &[], "truncated");
    no_output_after_failure(fixture("malformed/random.bin"), &[], "not an MP4");
    no_output_after_failure(fixture("short60_mono22k.mp4"), &["--short", "error"], "at least 3 s");
}

#[test]
fn undecodable_audio_can_be_dropped_or_silenced_on_request() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tmp();
    let dropped = dir.path().join("dropped.mp4");
    assert_eq!(conform(&fixture("dts.mkv"), &dropped, &["--audio", "drop"]).status.code(), Some(0));
    assert!(clipfit::demux::probe(&dropped).unwrap().audio().is_none());
    let silent = dir.path().join("silent.mp4");
    assert_eq!(conform(&fixture("dts.mkv"), &silent, &["--audio", "silence"]).status.code(), Some(0));
    assert_tiktok_ready(&silent, 3.0);
    assert!(audio_samples(&silent).iter().all(|s| s.abs() < 1e-3));
}

#[test]
fn never_overwrites_the_input() {
    let dir = tmp();
    let input = dir.path().join("in.mp4");
    std::fs::copy(fixture("landscape_bframes.mp4"), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let r = conform(&input, &input, &[]);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn max_size_lowers_the_bitrate_to_fit() {
    let dir = tmp();
    let out = dir.path().join("out.mp4");
    let r = conform(&fixture("landscape_bframes.mp4"), &out, &["--max-size-mb", "1"]);
    assert_eq!(r.status.code(), Some(0), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(std::fs::metadata(&out).unwrap().len() <= 1_000_000);
}

/// Each source frame of the numbered clips shows its index in binary as seven black or
/// white horizontal bands (24 fps, a keyframe each second).
const NUMBERED: &str =
    "color=black:s=320x182:r=24:d=4,format=yuv420p,geq=lum='if(mod(floor(N/pow(2\\,floor(Y*7/H)))\\,2)\\,235\\,16)':cb=128:cr=128";

/// Conforms the numbered clip `src` with 1, 2 and 3 workers and checks that every output
/// frame is the source frame the constant-rate rule picks, across every join.
fn assert_joins_show_the_right_frames(src: &Path) {
    // Source frame k lands on the nearest slot, k × 30/24 (halves to the later slot); a slot
    // shows the latest frame landed at or before it.
    let landed: Vec<usize> = (0..96).map(|k| (k * 30 + 12) / 24).collect();
    let expected: Vec<usize> = (0..120).map(|n| landed.iter().rposition(|&s| s <= n).unwrap()).collect();
    let band = 1920 / 7;
    // One worker decodes every segment with one decoder; two alternate, each going on from
    // its last segment into a later one; three drain their decoders and wait.
    for jobs in ["1", "2", "3"] {
        let out = src.with_file_name(format!("out{jobs}.mp4"));
        let r = conform(src, &out, &["--jobs", jobs]);
        assert_eq!(r.status.code(), Some(0), "{}", String::from_utf8_lossy(&r.stderr));
        let shown: Vec<usize> = gray_frames(&out)
            .iter()
            .map(|f| (0..7).filter(|&k| mean(f, 440, k * band + band / 3, 200, band / 3) > 128.0).map(|k| 1 << k).sum())
            .collect();
        assert_eq!(shown, expected, "{}: --jobs {jobs}", src.display());
    }
}

/// Every output frame of a segment-parallel transcode is the source frame the constant-rate
/// rule picks (H.264 with B-frames, closed GOPs).
#[test]
fn segment_joins_show_the_right_frames() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tmp();
    let src = dir.path().join("numbered.mp4");
    ffmpeg(
        &["-f", "lavfi", "-i", NUMBERED, "-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-g", "24"]
            .into_iter()
            .chain(["-keyint_min", "24", "-sc_threshold", "0", src.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    assert_joins_show_the_right_frames(&src);
}

/// The same across HEVC open-GOP joins (x265's default: CRA keyframes whose leading
/// B-frames reference the GOP before), where the segment before each keyframe also decodes
/// it and its leading pictures, and the segment from it skips them.
#[test]
fn open_gop_hevc_segment_joins_show_the_right_frames() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tmp();
    let src = dir.path().join("numbered_hevc.mp4");
    let params = "log-level=none:keyint=24:min-keyint=24:scenecut=0:bframes=3:open-gop=1";
    ffmpeg(
        &["-f", "lavfi", "-i", NUMBERED, "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", params]
            .into_iter()
            .chain(["-tag:v", "hvc1", src.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    // The test means something only if keyframes after the first have leading pictures:
    // the sample decoded next is shown before the keyframe.
    let probe = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v", "-show_entries", "packet=pts,flags", "-of", "csv=p=0"])
        .arg(&src)
        .output()
        .unwrap();
    let packets: Vec<(i64, bool)> = String::from_utf8_lossy(&probe.stdout)
        .lines()
        .filter_map(|l| l.split_once(',').map(|(p, f)| (p.parse().unwrap_or(0), f.starts_with('K'))))
        .collect();
    let open = (1..packets.len() - 1).filter(|&i| packets[i].1 && packets[i + 1].0 < packets[i].0).count();
    assert!(open >= 2, "expected open-GOP keyframes with leading pictures: {packets:?}");
    assert_joins_show_the_right_frames(&src);
}
