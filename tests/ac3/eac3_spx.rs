//! Spectral extension (SPX) oracle test.
//!
//! FFmpeg's E-AC-3 encoder never uses SPX, so this test rewrites FFmpeg-encoded stereo E-AC-3
//! frames (coupling in every block) into valid SPX frames: in block 0 `spxinu` is set with both
//! channels in SPX, an SPX range starting exactly at the coupling end frequency and explicit
//! SPX coordinates; `cplendf` is removed (with SPX in use the coupling end is implied by
//! `spxbegf`), later blocks get `spxcoe = 0` (reuse) flags, SPX attenuation codes are added to
//! the audio frame element, and frame size and CRC are updated. The rest of the frame is bit-for-bit
//! unchanged, so it still parses. FFmpeg's `eac3` decoder (which implements SPX) then serves as
//! the oracle for the rewritten stream.

use crate::common;
use clipfit::codec::audio::ac3::Ac3Decoder;

const DEFAULT_SPX_BAND_STRUCT: [u8; 17] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1];

struct Bits(Vec<bool>);
impl Bits {
    fn push(&mut self, v: u32, n: usize) {
        for i in (0..n).rev() {
            self.0.push((v >> i) & 1 != 0);
        }
    }
}

fn get_bits(data: &[u8], pos: usize, n: usize) -> u32 {
    (0..n).fold(0, |acc, i| (acc << 1) | ((data[(pos + i) / 8] >> (7 - (pos + i) % 8)) & 1) as u32)
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

/// Returns the rewritten frame, or None if the frame does not fit the scheme.
fn rewrite(frame: &[u8], trace: &[(&'static str, usize)], spx_start_code: u32, spx_end_code: u32) -> Option<Vec<u8>> {
    if trace.iter().any(|t| t.0 == "chbwcod") {
        return None;
    }
    let start_subband = {
        let s = spx_start_code + 2;
        if s > 7 {
            s + s - 7
        } else {
            s
        }
    } as usize;
    let end_subband = {
        let s = spx_end_code + 5;
        if s > 7 {
            s + s - 7
        } else {
            s
        }
    } as usize;
    let n_sub = end_subband - start_subband;
    let nbands = n_sub - (0..n_sub - 1).map(|k| DEFAULT_SPX_BAND_STRUCT[start_subband + 1 + k] as usize).sum::<usize>();

    let total = frame.len() * 8 - 16; // without crc2
    let mut out = Bits(Vec::with_capacity(total + 256));
    let mut pos = 0;
    let copy_to = |out: &mut Bits, pos: &mut usize, to: usize| {
        while *pos < to {
            out.0.push(get_bits(frame, *pos, 1) != 0);
            *pos += 1;
        }
    };
    let mut blk = 0;
    for &(name, at) in trace {
        match name {
            "spx_atten_flag" => {
                copy_to(&mut out, &mut pos, at);
                out.push(1, 1);
                pos += 1;
            }
            "spx_atten_loop" => {
                copy_to(&mut out, &mut pos, at);
                out.push(1, 1); // ch1: attenuation code 10
                out.push(10, 5);
                out.push(0, 1); // ch2: none
            }
            "spx_strategy" => {
                copy_to(&mut out, &mut pos, at);
                if get_bits(frame, at, 1) != 0 {
                    return None;
                }
                pos += 1;
                if blk == 0 {
                    out.push(1, 1); // spxinu
                    out.push(0b11, 2); // chinspx[1], chinspx[2]
                    out.push(1, 2); // spxstrtf -> copy from bin 37
                    out.push(spx_start_code, 3);
                    out.push(spx_end_code, 3);
                    out.push(0, 1); // spxbndstrce: default band structure
                    for ch in 0..2 {
                        out.push(12 + ch * 8, 5); // spxblnd
                        out.push(1, 2); // mstrspxco
                        for b in 0..nbands as u32 {
                            out.push(1 + (b + ch) % 3, 4); // spxcoexp
                            out.push((b + 2 * ch) % 4, 2); // spxcomant
                        }
                    }
                } else {
                    out.push(0, 1); // spxstre = 0 (reuse)
                    out.push(0, 2); // spxcoe[1], spxcoe[2] = 0 (reuse)
                }
                blk += 1;
            }
            "cplendf" => {
                copy_to(&mut out, &mut pos, at);
                let cplendf = get_bits(frame, at, 4) as usize;
                if cplendf + 4 != start_subband {
                    return None;
                }
                pos += 4; // drop cplendf
            }
            _ => {}
        }
    }
    copy_to(&mut out, &mut pos, total);
    while !out.0.len().is_multiple_of(16) {
        out.0.push(false);
    }
    let words = (out.0.len() + 16) / 16;
    if words > 2048 {
        return None;
    }
    let mut bytes: Vec<u8> = out.0.chunks(8).map(|c| c.iter().fold(0u8, |a, &b| (a << 1) | b as u8)).collect();
    // frmsiz (11 bits at bit 21).
    let frmsiz = (words - 1) as u32;
    for i in 0..11 {
        let bit = 21 + i;
        let v = (frmsiz >> (10 - i)) & 1;
        bytes[bit / 8] = (bytes[bit / 8] & !(0x80 >> (bit % 8))) | ((v as u8) << (7 - bit % 8));
    }
    let crc = crc16(&bytes[2..]);
    bytes.extend_from_slice(&crc.to_be_bytes());
    Some(bytes)
}

#[test]
fn spectral_extension_against_ffmpeg() {
    let s = "aevalsrc=exprs='0.3*sin(2*PI*440*t)+0.2*random(0)+0.2*sin(2*PI*3000*t)|0.3*sin(2*PI*440*t+0.3)+0.2*random(1)':s=48000:d=2:c=stereo";
    let p = common::ffmpeg_encode(
        "spx-src.eac3",
        &["-f", "lavfi", "-i", s],
        &["-c:a", "eac3", "-b:a", "96k", "-channel_coupling", "1", "-cutoff", "7000", "-f", "eac3"],
    );
    let data = std::fs::read(&p).unwrap();
    let frames = common::split_frames(&data);
    // Find the coupling end used by the encoder.
    let mut tracer = Ac3Decoder::new();
    tracer.set_trace(true);
    tracer.decode(frames[0]).unwrap();
    let tr = tracer.take_trace();
    let at = tr.iter().find(|t| t.0 == "cplendf").expect("coupling in block 0").1;
    let cplendf = get_bits(frames[0], at, 4);
    let start_subband = cplendf + 4;
    let start_code = match start_subband {
        2..=7 => start_subband - 2,
        9 => 6,
        11 => 7,
        _ => panic!("coupling end subband {cplendf} cannot be expressed as an SPX begin frequency"),
    };
    let end_code = 7; // end subband 17 -> bin 229
    let mut out = Vec::new();
    let mut rewritten = 0;
    let mut tracer = Ac3Decoder::new();
    tracer.set_trace(true);
    for f in &frames {
        tracer.decode(f).unwrap();
        let tr = tracer.take_trace();
        match rewrite(f, &tr, start_code, end_code) {
            Some(nf) => {
                out.extend_from_slice(&nf);
                rewritten += 1;
            }
            None => out.extend_from_slice(f),
        }
    }
    assert!(rewritten > frames.len() / 2, "only {rewritten} of {} frames rewritten", frames.len());
    let p2 = common::tmpdir().join("spx.eac3");
    std::fs::write(&p2, &out).unwrap();

    let mut dec = Ac3Decoder::new();
    let mut ours = Vec::new();
    for f in common::split_frames(&out) {
        ours.extend_from_slice(&dec.decode(f).unwrap().samples);
    }
    assert!(dec.stats().spx_blocks >= 6 * rewritten as u64);
    let reference = common::ffmpeg_decode(&p2, &[]);
    let (snr, max) = common::compare(&ours, &reference);
    println!("ORACLE spx.eac3 ({rewritten} SPX frames, coupling end subband {start_subband}): SNR {snr:.1} dB, max abs err {max:.3e}");
    assert!(snr > 90.0, "SPX SNR {snr:.1} dB");
    // SPX must actually have put energy above the coupling range.
    let orig = common::ffmpeg_decode(&p, &[]);
    let (snr_vs_orig, _) = common::compare(&ours, &orig);
    assert!(snr_vs_orig < 60.0, "SPX output suspiciously identical to the non-SPX stream");
}
