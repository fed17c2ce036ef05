//! Dynamic range control words (`dynrng`, A/52 7.7.1) against FFmpeg's default `drc_scale=1`.
//!
//! FFmpeg's encoders never write dynrng, so this test inserts `dynrnge = 1` plus an 8-bit gain
//! word (cuts and boosts, changing every block, and "no new value" blocks that keep the previous
//! one) into FFmpeg E-AC-3 frames (whose size is flexible), fixes frmsiz/CRC, and compares.

use crate::common;
use clipfit::codec::audio::ac3::Ac3Decoder;

fn get_bit(data: &[u8], pos: usize) -> bool {
    (data[pos / 8] >> (7 - pos % 8)) & 1 != 0
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

fn rewrite(f: &[u8], positions: &[usize], codes: &mut impl FnMut() -> Option<u8>) -> Vec<u8> {
    let total = f.len() * 8 - 16;
    let mut bits = Vec::with_capacity(total + 64);
    let mut pos = 0;
    for &at in positions {
        while pos < at {
            bits.push(get_bit(f, pos));
            pos += 1;
        }
        assert!(!get_bit(f, at), "source already has dynrng");
        pos += 1;
        match codes() {
            Some(c) => {
                bits.push(true);
                for i in (0..8).rev() {
                    bits.push((c >> i) & 1 != 0);
                }
            }
            None => bits.push(false),
        }
    }
    while pos < total {
        bits.push(get_bit(f, pos));
        pos += 1;
    }
    while !bits.len().is_multiple_of(16) {
        bits.push(false);
    }
    let words = bits.len() / 16 + 1;
    let mut bytes: Vec<u8> = bits.chunks(8).map(|c| c.iter().fold(0u8, |a, &b| (a << 1) | b as u8)).collect();
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

#[test]
fn dynamic_range_words_match_ffmpeg() {
    for (name, layout, exprs) in [
        ("drc2.eac3", "stereo", "0.5*sin(2*PI*440*t)|0.4*sin(2*PI*660*t)+0.05*random(0)"),
        (
            "drc6.eac3",
            "5.1",
            "0.5*sin(2*PI*440*t)|0.4*sin(2*PI*554*t)|0.3*sin(2*PI*1000*t)|0.2*random(1)|0.3*sin(2*PI*3000*t)|0.5*sin(2*PI*60*t)",
        ),
    ] {
        let s = format!("aevalsrc=exprs='{exprs}':s=48000:d=1:c={layout}");
        let p = common::ffmpeg_encode(name, &["-f", "lavfi", "-i", &s], &["-c:a", "eac3", "-b:a", "256k", "-f", "eac3"]);
        let data = std::fs::read(&p).unwrap();
        let mut n = 0u32;
        // Cycle through boosts (codes < 0x80 with high exponent bits) and cuts; every 5th block keeps the old value.
        let mut codes = || {
            n += 1;
            if n.is_multiple_of(5) {
                None
            } else {
                Some(((n * 37) % 256) as u8)
            }
        };
        let mut out = Vec::new();
        for f in common::split_frames(&data) {
            let mut tracer = Ac3Decoder::new();
            tracer.set_trace(true);
            tracer.decode(f).unwrap();
            let positions: Vec<usize> = tracer.take_trace().iter().filter(|t| t.0 == "dynrng").map(|t| t.1).collect();
            assert_eq!(positions.len(), 6);
            out.extend_from_slice(&rewrite(f, &positions, &mut codes));
        }
        let path = common::tmpdir().join(format!("mod-{name}"));
        std::fs::write(&path, &out).unwrap();
        let ours = common::decode_all(&out).samples;
        let reference = common::ffmpeg_decode(&path, &[]);
        let (snr, max) = common::compare(&ours, &reference);
        let (snr_plain, _) = common::compare(&ours, &common::ffmpeg_decode(&p, &[]));
        println!("ORACLE dynrng {name}: SNR {snr:.1} dB, max abs err {max:.3e} (vs stream without dynrng {snr_plain:.1} dB)");
        assert!(snr > 90.0, "dynrng SNR {snr:.1}");
        assert!(snr_plain < 40.0, "dynrng had no effect");
        // drc_scale 0 (no dynamic range control) against `ffmpeg -drc_scale 0`.
        let mut dec = Ac3Decoder::new();
        dec.set_drc_scale(0.0);
        let mut ours0 = Vec::new();
        for f in common::split_frames(&out) {
            ours0.extend_from_slice(&dec.decode(f).unwrap().samples);
        }
        let (snr0, max0) = common::compare(&ours0, &common::ffmpeg_decode(&path, &["-drc_scale", "0"]));
        println!("ORACLE dynrng {name} with drc_scale 0: SNR {snr0:.1} dB, max abs err {max0:.3e}");
        assert!(snr0 > 90.0, "drc_scale 0 SNR {snr0:.1}");
    }
}
