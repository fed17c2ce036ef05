//! The default H.264 decoder against FFmpeg's: every picture of every 8-bit 4:2:0 H.264
//! fixture, byte for byte (a frame-md5 comparison without the hashing), in presentation
//! order.

use std::path::Path;
use std::process::Command;

use clipfit::codec::video::DecoderKind;
use clipfit::media::Frame;
use clipfit::pipeline::decode_track;

use crate::helpers::{fixture, have_ffmpeg};

/// FFmpeg's decode of the first video track: every picture (no edit list, no rotation, no
/// frame-rate change) in its own pixel format, which for these files is 8-bit 4:2:0.
fn ffmpeg_frames(path: &Path) -> Vec<u8> {
    ffmpeg_frames_with(path, None)
}

/// [`ffmpeg_frames`] with FFmpeg's decoder `decoder` (e.g. `libvpx`) instead of its default.
fn ffmpeg_frames_with(path: &Path, decoder: Option<&str>) -> Vec<u8> {
    // The edit list option exists only in FFmpeg's MP4/MOV demuxer.
    let is_mp4 = path.extension().is_some_and(|e| e == "mp4" || e == "mov");
    let edits: &[&str] = if is_mp4 { &["-ignore_editlist", "1"] } else { &[] };
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-noautorotate"])
        .args(edits)
        .args(decoder.map(|d| ["-c:v", d]).iter().flatten())
        .arg("-i")
        .arg(path)
        .args(["-map", "0:v:0", "-fps_mode", "passthrough", "-f", "rawvideo", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(out.status.success(), "ffmpeg: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// Decodes `path` with `kind` and returns (pictures, index of the first picture that
/// differs from FFmpeg's, FFmpeg's picture count).
fn compare(path: &Path, kind: DecoderKind) -> (usize, Option<usize>, usize) {
    let reference = ffmpeg_frames(path);
    let mut frame = Frame::black(2, 2);
    let (mut n, mut first_diff, mut size) = (0, None, 0);
    let summary = decode_track(path, kind, |f| {
        f.copy_into(&mut frame);
        size = frame.y.len() + frame.u.len() + frame.v.len();
        let r = reference.get(n * size..(n + 1) * size);
        let same = r.is_some_and(|r| {
            let (y, rest) = r.split_at(frame.y.len());
            let (u, v) = rest.split_at(frame.u.len());
            y == frame.y && u == frame.u && v == frame.v
        });
        if !same && first_diff.is_none() {
            first_diff = Some(n);
        }
        n += 1;
    })
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(summary.errors + summary.lost, 0, "{}: {summary:?}", path.display());
    (n, first_diff, reference.len() / size.max(1))
}

const FIXTURES: [&str; 10] = [
    "compliant.mp4",
    "landscape_bframes.mp4",
    "rotated.mp4",
    "short60_mono22k.mp4",
    "pcm.mov",
    "vfr_mp3.mp4",
    "fragmented.mp4",
    "nonsquare.mp4",
    "few_px_off.mp4",
    "aac51.mp4",
];

#[test]
fn the_default_decoder_is_bit_exact_with_ffmpeg_on_every_h264_fixture() {
    if !have_ffmpeg() {
        eprintln!("skipped: needs ffmpeg");
        return;
    }
    for name in FIXTURES {
        let (n, first_diff, expected) = compare(&fixture(name), DecoderKind::default());
        assert_eq!(n, expected, "{name}: {n} pictures, FFmpeg {expected}");
        assert_eq!(first_diff, None, "{name}: picture {first_diff:?} differs from FFmpeg's");
    }
}

/// OpenH264 stays selectable: same pictures, in the same order, close to FFmpeg's (it
/// drifts slightly on B-frame streams, so only the count and order are held exact).
#[test]
fn openh264_decodes_every_h264_fixture_completely() {
    if !have_ffmpeg() {
        eprintln!("skipped: needs ffmpeg");
        return;
    }
    for name in FIXTURES {
        let (n, first_diff, expected) = compare(&fixture(name), DecoderKind::OpenH264);
        assert_eq!(n, expected, "{name}: {n} pictures, FFmpeg {expected}");
        eprintln!("openh264 {name}: first picture differing from FFmpeg: {first_diff:?}");
    }
}

/// FFmpeg's decode of `path` in its native pixel format, as little-endian samples (two
/// bytes each above 8 bits), and that format's name.
fn ffmpeg_native(path: &Path, decoder: Option<&str>) -> (Vec<u8>, String) {
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=pix_fmt", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("run ffprobe");
    let pix_fmt = String::from_utf8_lossy(&probe.stdout).trim().to_string();
    (ffmpeg_frames_with(path, decoder), pix_fmt)
}

/// Decodes `name` with `kind` and asserts that every picture has `chroma` and `depth` and
/// is FFmpeg's (in `pix_fmt`), sample for sample, before any conversion.
fn assert_native_bit_exact(
    name: &str,
    kind: DecoderKind,
    pix_fmt: &str,
    chroma: clipfit::codec::video::ChromaFormat,
    depth: u8,
    ffmpeg_decoder: Option<&str>,
) {
    use clipfit::codec::video::Planes;
    use clipfit::pipeline::decode_pictures;
    let path = fixture(name);
    let (reference, fmt) = ffmpeg_native(&path, ffmpeg_decoder);
    assert_eq!(fmt, pix_fmt, "{name}");
    let (mut n, mut offset, mut first_diff) = (0usize, 0usize, None);
    let summary = decode_pictures(&path, kind, |p| {
        assert_eq!((p.chroma, p.bit_depth()), (chroma, depth), "{name}");
        let mut ours = Vec::new();
        let (cw, ch) = p.chroma.chroma_size(p.width, p.height);
        let sizes = [(p.width as usize, p.height as usize), (cw, ch), (cw, ch)];
        match p.planes {
            Planes::U8 { y, u, v } => {
                for (plane, (w, h)) in [y, u, v].into_iter().zip(sizes) {
                    (0..h).for_each(|r| ours.extend_from_slice(&plane.data[r * plane.stride..][..w]));
                }
            }
            Planes::U16 { y, u, v, .. } => {
                for (plane, (w, h)) in [y, u, v].into_iter().zip(sizes) {
                    for r in 0..h {
                        ours.extend(plane.data[r * plane.stride..][..w].iter().flat_map(|s| s.to_le_bytes()));
                    }
                }
            }
        }
        if reference.get(offset..offset + ours.len()) != Some(&ours[..]) && first_diff.is_none() {
            first_diff = Some(n);
        }
        offset += ours.len();
        n += 1;
    })
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(summary.errors + summary.lost, 0, "{name}: {summary:?}");
    assert_eq!(offset, reference.len(), "{name}: {n} pictures, not FFmpeg's count");
    assert_eq!(first_diff, None, "{name} ({kind}): picture {first_diff:?} differs from FFmpeg's");
}

/// rust_h264 takes what the other backends cannot (High 10, 4:2:2, interlaced), whatever
/// `--decoder` says, and its pictures are FFmpeg's, sample for sample, before any
/// conversion (10-bit stays 10-bit, 4:2:2 stays 4:2:2, fields stay woven).
#[test]
fn high_10_422_and_interlaced_h264_decode_bit_exact_with_ffmpeg() {
    use clipfit::codec::video::ChromaFormat;
    if !have_ffmpeg() {
        eprintln!("skipped: needs ffmpeg");
        return;
    }
    for (name, pix_fmt, chroma, depth) in [
        ("h264_10bit.mp4", "yuv420p10le", ChromaFormat::Yuv420, 10),
        ("h264_422_10bit.mp4", "yuv422p10le", ChromaFormat::Yuv422, 10),
        ("h264_interlaced.mp4", "yuv420p", ChromaFormat::Yuv420, 8),
    ] {
        for kind in [DecoderKind::Rusty, DecoderKind::OpenH264] {
            assert_native_bit_exact(name, kind, pix_fmt, chroma, depth, None);
        }
    }
}

/// rav1d (AV1, in MP4 and Matroska, 8- and 10-bit) against FFmpeg's libdav1d: the same
/// pictures, sample for sample, in the stream's own format.
#[test]
fn av1_decodes_bit_exact_with_ffmpeg() {
    use clipfit::codec::video::ChromaFormat;
    if !have_ffmpeg() {
        eprintln!("skipped: needs ffmpeg");
        return;
    }
    let kind = DecoderKind::default();
    assert_native_bit_exact("av1.mp4", kind, "yuv420p", ChromaFormat::Yuv420, 8, Some("libdav1d"));
    assert_native_bit_exact("av1_10bit.mkv", kind, "yuv420p10le", ChromaFormat::Yuv420, 10, Some("libdav1d"));
}

/// libvpx (VP8, live WebM) against FFmpeg's own libvpx decode and its native VP8 decoder.
#[test]
fn vp8_decodes_bit_exact_with_ffmpeg() {
    use clipfit::codec::video::ChromaFormat;
    if !have_ffmpeg() {
        eprintln!("skipped: needs ffmpeg");
        return;
    }
    for decoder in ["libvpx", "vp8"] {
        assert_native_bit_exact(
            "vp8_opus.webm",
            DecoderKind::default(),
            "yuv420p",
            ChromaFormat::Yuv420,
            8,
            Some(decoder),
        );
    }
}
