//! Motion JPEG input (zune-jpeg): full-range 4:2:2 in MOV with PCM (a camera's clip),
//! 4:2:0 in Matroska, an `mjpa` sample holding one field of a frame, and `mjpb` refused.

use crate::conform::{assert_tiktok_ready, audio_samples, conform, ffmpeg};
use crate::containers::ssim_vs_cropped_source;
use crate::helpers::*;

#[test]
fn mjpeg_in_mov_and_matroska_conforms() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mkv = dir.path().join("mjpeg420.mkv");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=30:duration=1",
        "-c:v",
        "mjpeg",
        "-q:v",
        "5",
        "-pix_fmt",
        "yuvj420p",
        "-f",
        "matroska",
        mkv.to_str().unwrap(),
    ]);
    for (src, chroma) in [(fixture("mjpeg.mov"), "4:2:2"), (mkv, "4:2:0")] {
        let v = clipfit::demux::probe(&src).unwrap().video().unwrap().clone();
        assert_eq!(
            (v.codec, v.chroma_format.as_str(), v.full_range),
            (clipfit::media::VideoCodec::Mjpeg, chroma, true)
        );
        let out = dir.path().join("out.mp4");
        let run = conform(&src, &out, &[]);
        assert_eq!(run.status.code(), Some(0), "{src:?}: {}", String::from_utf8_lossy(&run.stderr));
        assert_tiktok_ready(&out, 1.0);
        let ssim = ssim_vs_cropped_source(&out, &src, 0.9);
        eprintln!("{chroma} Motion JPEG: SSIM {ssim:.4} vs FFmpeg's fit of the source");
        assert!(ssim >= 0.95, "{src:?}: SSIM {ssim}");
        if chroma == "4:2:2" {
            let audio = audio_samples(&out);
            let loud = audio[..44100].iter().filter(|s| s.abs() > 0.05).count();
            assert!(loud > 20_000, "the PCM tone is missing from the first second ({loud} loud samples)");
        }
    }
}

/// Byte offset of the first video sample entry's width (after its fourcc): the fourcc is
/// followed by 6 reserved bytes, the data reference index and 16 bytes of pre-defined data.
fn sample_entry(bytes: &[u8], fourcc: &[u8; 4]) -> usize {
    bytes.windows(4).position(|w| w == fourcc).expect("sample entry")
}

/// An `mjpa` track whose samples hold one 120-line field of a 240-line frame: decoded and
/// line-doubled to the frame, so the output still fills the picture.
#[test]
fn mjpa_fields_are_line_doubled_to_the_frame() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let half = dir.path().join("half.mov");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x120:rate=30:duration=1",
        "-c:v",
        "mjpeg",
        "-pix_fmt",
        "yuvj422p",
        "-tag:v",
        "mjpa",
        half.to_str().unwrap(),
    ]);
    let mut bytes = std::fs::read(&half).unwrap();
    let at = sample_entry(&bytes, b"mjpa") + 4 + 6 + 2 + 16;
    assert_eq!(&bytes[at..at + 4], &[0x01, 0x40, 0x00, 0x78], "320x120 entry");
    bytes[at + 2..at + 4].copy_from_slice(&240u16.to_be_bytes());
    let src = dir.path().join("fields.mov");
    std::fs::write(&src, &bytes).unwrap();
    let v = clipfit::demux::probe(&src).unwrap().video().unwrap().clone();
    assert_eq!((v.fourcc.as_str(), v.width, v.height), ("mjpa", 320, 240));
    let out = dir.path().join("out.mp4");
    let run = conform(&src, &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert_tiktok_ready(&out, 1.0);
    // Against the field line-doubled to the frame by FFmpeg: the same picture.
    let doubled = dir.path().join("doubled.mov");
    ffmpeg(&[
        "-i",
        half.to_str().unwrap(),
        "-vf",
        "scale=320:240:flags=neighbor",
        "-c:v",
        "mjpeg",
        "-q:v",
        "1",
        doubled.to_str().unwrap(),
    ]);
    let ssim = ssim_vs_cropped_source(&out, &doubled, 0.9);
    eprintln!("mjpa field, line-doubled: SSIM {ssim:.4} vs FFmpeg's fit of the field");
    assert!(ssim >= 0.95, "SSIM {ssim}");
}

#[test]
fn motion_jpeg_format_b_is_refused_by_name() {
    let mut bytes = std::fs::read(fixture("mjpeg.mov")).unwrap();
    let at = sample_entry(&bytes, b"jpeg");
    bytes[at..at + 4].copy_from_slice(b"mjpb");
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("mjpb.mov");
    std::fs::write(&src, &bytes).unwrap();
    let run = conform(&src, &dir.path().join("out.mp4"), &[]);
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("Motion JPEG format B (mjpb)"), "{err}");
}

/// A real `mjpa` sample is both fields, one JPEG after the other: the first is decoded
/// (the second ignored) and line-doubled.
#[test]
fn an_mjpa_sample_with_two_fields_gives_one_frame() {
    use clipfit::codec::mjpeg::MjpegDecoder;
    use clipfit::codec::video::{Packet, Planes, VideoDecoder};
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (top, bottom) = (dir.path().join("top.jpg"), dir.path().join("bottom.jpg"));
    for (path, colour) in [(&top, "white"), (&bottom, "black")] {
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            &format!("color=c={colour}:s=64x16"),
            "-frames:v",
            "1",
            "-pix_fmt",
            "yuvj422p",
            path.to_str().unwrap(),
        ]);
    }
    let mut sample = std::fs::read(&top).unwrap();
    sample.extend(std::fs::read(&bottom).unwrap());
    let info = clipfit::media::VideoInfo::new(clipfit::media::VideoCodec::Mjpeg, "mjpa", 64, 32);
    let mut dec = MjpegDecoder::new(&info).unwrap();
    dec.send_packet(Packet { data: &sample, pts: 0.0, upcoming: None }).unwrap();
    let p = dec.receive_picture().unwrap();
    assert_eq!((p.width, p.height), (64, 32));
    let Planes::U8 { y, .. } = p.planes else { panic!("8-bit") };
    assert!(y.data[..64 * 32].iter().all(|&s| s > 250), "the first (white) field fills the frame");
}
