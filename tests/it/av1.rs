//! AV1 input (rav1d): 8-bit in MP4 with AAC, 10-bit in Matroska, HLG from the sequence
//! header. Each conforms to a file that passes the strict check and shows the source's
//! picture (SSIM against FFmpeg's own fit of the source). Bit-exactness of the decode
//! itself is in `decoders.rs`.

use crate::conform::{assert_tiktok_ready, audio_samples, conform};
use crate::containers::ssim_vs_cropped_source;
use crate::helpers::*;

#[test]
fn av1_in_mp4_and_matroska_conforms() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, secs, depth) in [("av1.mp4", 2.0, 8), ("av1_10bit.mkv", 1.0, 10)] {
        let src = fixture(name);
        let info = clipfit::demux::probe(&src).unwrap();
        let v = info.video().unwrap();
        assert_eq!((v.codec, v.bit_depth, v.chroma_format.as_str()), (clipfit::media::VideoCodec::Av1, depth, "4:2:0"));
        assert_eq!(v.profile.as_deref(), Some("Main"), "{name}");
        let out = dir.path().join(format!("{name}.mp4"));
        let run = conform(&src, &out, &[]);
        assert_eq!(run.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&run.stderr));
        assert_tiktok_ready(&out, secs);
        let ssim = ssim_vs_cropped_source(&out, &src, secs - 0.1);
        eprintln!("{name}: SSIM {ssim:.4} vs FFmpeg's fit of the source");
        assert!(ssim >= 0.95, "{name}: SSIM {ssim}");
        if name == "av1.mp4" {
            let audio = audio_samples(&out);
            let loud = audio[..44100].iter().filter(|s| s.abs() > 0.05).count();
            assert!(loud > 20_000, "the 1 kHz tone is missing from the first second ({loud} loud samples)");
        }
    }
}

/// The sequence header in `av1C`'s configOBUs says HLG BT.2020 even when the container
/// says nothing (`colr` removed), and the conform tone-maps it to SDR BT.709.
#[test]
fn av1_colour_comes_from_the_sequence_header_and_hlg_is_tone_mapped() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("av1_hlg.mp4")).unwrap();
    let at = bytes.windows(4).position(|w| w == b"colr").expect("the fixture has colr");
    let mut stripped = bytes.clone();
    stripped[at..at + 4].copy_from_slice(b"free");
    let src = dir.path().join("no_colr.mp4");
    std::fs::write(&src, &stripped).unwrap();
    for path in [fixture("av1_hlg.mp4"), src.clone()] {
        let v = clipfit::demux::probe(&path).unwrap().video().unwrap().clone();
        assert_eq!((v.color.primaries, v.color.transfer, v.color.matrix, v.bit_depth), (9, 18, 9, 10), "{path:?}");
    }
    let out = dir.path().join("out.mp4");
    let run = conform(&src, &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert_tiktok_ready(&out, 1.0);
    let v = clipfit::demux::probe(&out).unwrap().video().unwrap().clone();
    assert_eq!(v.color.transfer, 1, "the output is SDR BT.709");
}

/// 12-bit (Professional) AV1 is refused by name before any decoding.
#[test]
fn twelve_bit_av1_is_refused_by_name() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("twelve.mkv");
    crate::conform::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x64:rate=30:duration=0.2",
        "-c:v",
        "libaom-av1",
        "-cpu-used",
        "8",
        "-pix_fmt",
        "yuv420p12le",
        "-profile:v",
        "professional",
        "-f",
        "matroska",
        src.to_str().unwrap(),
    ]);
    let run = conform(&src, &dir.path().join("out.mp4"), &[]);
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("12-bit 4:2:0 AV1"), "{err}");
}

/// Monochrome AV1 (libaom's `gray`; dav1d gives no chroma planes) conforms with the
/// source's luma and neutral chroma: a grey picture, not a green or pink one.
#[test]
fn monochrome_av1_conforms_grey() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("av1_mono.mp4");
    assert_eq!(clipfit::demux::probe(&src).unwrap().video().unwrap().chroma_format, "4:0:0");
    let out = dir.path().join("out.mp4");
    let run = conform(&src, &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert_tiktok_ready(&out, 1.0);
    let ssim = ssim_vs_cropped_source(&out, &src, 0.9);
    assert!(ssim >= 0.95, "SSIM {ssim}");
    let raw = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(&out)
        .args(["-frames:v", "1", "-pix_fmt", "yuv420p", "-f", "rawvideo", "-"])
        .output()
        .unwrap()
        .stdout;
    let luma = 1080 * 1920;
    assert_eq!(raw.len(), luma * 3 / 2, "one 1080x1920 4:2:0 picture");
    let worst = raw[luma..].iter().map(|&c| (i32::from(c) - 128).abs()).max().unwrap();
    assert!(worst <= 3, "chroma strays {worst} from neutral");
}
