//! E-AC-3 substream handling: dependent frames following an independent frame in one buffer are
//! skipped; a dependent frame on its own gives `SkippedSubstream`.

use crate::common;
use clipfit::codec::audio::ac3::{Ac3Decoder, Ac3Error, FrameType};

#[test]
fn dependent_frames_are_skipped() {
    let s = "aevalsrc=exprs='0.5*sin(2*PI*440*t)|0.4*sin(2*PI*660*t)':s=48000:d=0.2:c=stereo";
    let p =
        common::ffmpeg_encode("sub.eac3", &["-f", "lavfi", "-i", s], &["-c:a", "eac3", "-b:a", "128k", "-f", "eac3"]);
    let data = std::fs::read(&p).unwrap();
    let frames = common::split_frames(&data);
    // Fake a dependent substream frame by setting strmtyp = 1 (bits 16..18) on a copy.
    let mut dep = frames[1].to_vec();
    dep[2] = (dep[2] & 0x3F) | 0x40;
    assert_eq!(clipfit::codec::audio::ac3::parse_frame_header(&dep).unwrap().frame_type, FrameType::Dependent);

    let mut a = Ac3Decoder::new();
    let mut b = Ac3Decoder::new();
    for f in frames.iter().take(4) {
        let x = a.decode(f).unwrap();
        let mut buf = f.to_vec();
        buf.extend_from_slice(&dep);
        let y = b.decode(&buf).unwrap();
        assert_eq!(x, y);
    }
    let mut c = Ac3Decoder::new();
    assert!(matches!(c.decode(&dep), Err(Ac3Error::SkippedSubstream(_))));
    // Independent substream with id 1 is skipped too.
    let mut sub1 = frames[1].to_vec();
    sub1[2] = (sub1[2] & 0xC7) | (1 << 3);
    assert_eq!(clipfit::codec::audio::ac3::parse_frame_header(&sub1).unwrap().substream_id, 1);
    assert!(matches!(c.decode(&sub1), Err(Ac3Error::SkippedSubstream(_))));
    c.decode(frames[0]).unwrap();
}

#[test]
fn header_parsing() {
    let s = "aevalsrc=exprs='0.5*sin(2*PI*440*t)':s=44100:d=0.2:c=mono";
    let p = common::ffmpeg_encode("hdr.ac3", &["-f", "lavfi", "-i", s], &["-c:a", "ac3", "-b:a", "96k", "-f", "ac3"]);
    let data = std::fs::read(&p).unwrap();
    let h = clipfit::codec::audio::ac3::parse_frame_header(&data).unwrap();
    assert_eq!((h.sample_rate, h.acmod, h.lfeon, h.num_blocks, h.channels, h.bsid), (44100, 1, false, 6, 1, 8));
    assert_eq!(h.bit_rate, 96000);
    assert!(h.frame_size == 416 || h.frame_size == 418, "{}", h.frame_size);
    assert_eq!(h.frame_type, FrameType::Ac3);
    assert!(matches!(clipfit::codec::audio::ac3::parse_frame_header(&[0x0B, 0x77, 0, 0]), Err(Ac3Error::EndOfData)));
    assert!(matches!(
        clipfit::codec::audio::ac3::parse_frame_header(&[0x0B, 0x78, 0, 0, 0, 0, 0]),
        Err(Ac3Error::NoSync)
    ));
    // A truncated frame is an error, not a panic.
    let mut d = Ac3Decoder::new();
    assert!(matches!(d.decode(&data[..100]), Err(Ac3Error::Truncated { .. })));
    // A corrupted frame fails its CRC.
    let mut bad = data[..h.frame_size].to_vec();
    bad[60] ^= 0x10;
    assert!(matches!(d.decode(&bad), Err(Ac3Error::Crc(_))));
    assert_eq!(d.decode(&data[..h.frame_size]).unwrap().samples.len(), 1536);
}
