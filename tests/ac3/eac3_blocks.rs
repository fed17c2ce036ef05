//! E-AC-3 frames with 1, 2 and 3 audio blocks.
//!
//! FFmpeg's encoder always writes 6-block frames, so this test splits FFmpeg's mono 6-block
//! frames into frames of 1, 2 or 3 blocks: `numblkscod` and `frmsiz` are rewritten, `convsync`
//! is added, the audio frame element is rebuilt in its fewer-than-6-blocks form (per-block
//! exponent strategies, `convexpstre`, no AHT flags, block start flag only for n > 1) and the
//! audio blocks are copied unchanged. FFmpeg's `eac3` decoder is the oracle; the result must
//! also match our decode of the original 6-block stream.

use crate::common;
use clipfit::codec::audio::ac3::Ac3Decoder;

fn get_bit(data: &[u8], pos: usize) -> bool {
    (data[pos / 8] >> (7 - pos % 8)) & 1 != 0
}

struct Out(Vec<bool>);
impl Out {
    fn push(&mut self, v: u32, n: usize) {
        for i in (0..n).rev() {
            self.0.push((v >> i) & 1 != 0);
        }
    }
    fn copy(&mut self, src: &[u8], from: usize, to: usize) {
        for p in from..to {
            self.0.push(get_bit(src, p));
        }
    }
}

fn crc16(data: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in data {
        crc ^= (b as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x8005 } else { crc << 1 };
        }
    }
    crc
}

fn finish(mut out: Out) -> Vec<u8> {
    while !out.0.len().is_multiple_of(16) {
        out.0.push(false);
    }
    let words = out.0.len() / 16 + 1;
    assert!(words <= 2048);
    let mut bytes: Vec<u8> = out.0.chunks(8).map(|c| c.iter().fold(0u8, |a, &b| (a << 1) | b as u8)).collect();
    let frmsiz = (words - 1) as u32;
    for i in 0..11 {
        let bit = 21 + i;
        let v = ((frmsiz >> (10 - i)) & 1) as u8;
        bytes[bit / 8] = (bytes[bit / 8] & !(0x80 >> (bit % 8))) | (v << (7 - bit % 8));
    }
    let crc = crc16(&bytes[2..]);
    bytes.extend_from_slice(&crc.to_be_bytes());
    bytes
}

fn pos_of(tr: &[(&'static str, usize)], name: &str) -> Vec<usize> {
    tr.iter().filter(|t| t.0 == name).map(|t| t.1).collect()
}

fn split_frame(f: &[u8], tr: &[(&'static str, usize)], n: usize) -> Vec<Vec<u8>> {
    let one = |name: &str| pos_of(tr, name)[0];
    let (convsync, audfrm, expstr_start, convexp, blkstrt, audfrm_end) = (
        one("convsync_pos"),
        one("audfrm"),
        one("expstr_start"),
        one("convexp_pos"),
        one("blkstrt_pos"),
        one("audfrm_end"),
    );
    let expstr = pos_of(tr, "expstr");
    let starts = pos_of(tr, "block_start");
    let ends = pos_of(tr, "block_end");
    assert_eq!((expstr.len(), starts.len(), ends.len()), (6, 6, 6));
    assert!(!get_bit(f, audfrm + 1), "AHT in source");
    assert!(!get_bit(f, blkstrt), "block start info in source");
    assert_eq!(blkstrt + 1, audfrm_end);
    let numblkscod = match n {
        1 => 0,
        2 => 1,
        3 => 2,
        _ => unreachable!(),
    };
    let mut frames = Vec::new();
    for k in (0..6).step_by(n) {
        let mut o = Out(Vec::new());
        o.copy(f, 0, 34);
        o.push(numblkscod, 2); // numblkscod (fscod != 3)
        o.copy(f, 36, convsync);
        o.push((k == 0) as u32, 1); // convsync
        o.copy(f, convsync, audfrm);
        o.copy(f, audfrm + 2, expstr_start); // drop expstre, ahte
        for &e in &expstr[k..k + n] {
            o.push(e as u32, 2); // chexpstr[blk][1]
        }
        o.push(0, 1); // convexpstre
        o.copy(f, convexp + 5, blkstrt); // drop convexpstr[1]
        if n > 1 {
            o.push(0, 1); // blkstrte
        }
        for b in k..k + n {
            o.copy(f, starts[b], ends[b]);
        }
        frames.push(finish(o));
    }
    frames
}

#[test]
fn one_two_and_three_block_frames() {
    let s = "aevalsrc=exprs='0.4*sin(2*PI*440*t)+0.1*random(0)+0.2*sin(2*PI*3000*t)':s=48000:d=1:c=mono";
    let p = common::ffmpeg_encode(
        "blk-src.eac3",
        &["-f", "lavfi", "-i", s],
        &["-c:a", "eac3", "-b:a", "96k", "-f", "eac3"],
    );
    let data = std::fs::read(&p).unwrap();
    let frames = common::split_frames(&data);
    let original = common::decode_all(&data).samples;
    for n in [1usize, 2, 3] {
        let mut out = Vec::new();
        for f in &frames {
            let mut tracer = Ac3Decoder::new();
            tracer.set_trace(true);
            tracer.decode(f).unwrap();
            let tr = tracer.take_trace();
            for nf in split_frame(f, &tr, n) {
                out.extend_from_slice(&nf);
            }
        }
        let path = common::tmpdir().join(format!("blk{n}.eac3"));
        std::fs::write(&path, &out).unwrap();
        let mut dec = Ac3Decoder::new();
        let mut ours = Vec::new();
        for f in common::split_frames(&out) {
            let h = clipfit::codec::audio::ac3::parse_frame_header(f).unwrap();
            assert_eq!(h.num_blocks, n);
            let a = dec.decode(f).unwrap();
            assert_eq!(a.samples.len(), 256 * n);
            ours.extend_from_slice(&a.samples);
        }
        let reference = common::ffmpeg_decode(&path, &[]);
        let (snr, max) = common::compare(&ours, &reference);
        let (snr_orig, _) = common::compare(&ours, &original);
        println!("ORACLE blk{n}.eac3 ({n}-block frames): SNR {snr:.1} dB, max abs err {max:.3e}; vs 6-block original {snr_orig:.1} dB");
        assert!(snr > 90.0, "{n}-block SNR {snr:.1}");
        assert!(snr_orig > 90.0, "{n}-block frames decode differently from the 6-block original: {snr_orig:.1}");
    }
}
