//! Adaptive hybrid transform (AHT) oracle test.
//!
//! FFmpeg's E-AC-3 encoder never uses AHT, so this test turns FFmpeg-encoded mono E-AC-3 frames
//! whose exponents are reused in blocks 1..5 into AHT frames: `ahte` and `chahtinu` are set in
//! the audio frame element, the channel's mantissas are removed from blocks 1..5 and block 0
//! gets AHT-coded mantissas (random but syntactically valid VQ indices, GAQ gain codes in all
//! four GAQ modes, GAQ mantissas including large-mantissa escapes) sized from the high
//! efficiency bit allocation. Frame size and CRC are then fixed up. FFmpeg's `eac3` decoder
//! implements AHT and is the oracle.

use crate::common;
use clipfit::codec::audio::ac3::Ac3Decoder;

const BITS_VS_HEBAP: [usize; 20] = [0, 2, 3, 4, 5, 7, 8, 9, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bits(&mut self, n: usize) -> u32 {
        if n == 0 {
            0
        } else {
            (self.next() >> (64 - n)) as u32
        }
    }
}

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

/// Pads to whole 16-bit words, sets frmsiz and appends crc2.
fn finish(mut out: Out) -> Option<Vec<u8>> {
    while !out.0.len().is_multiple_of(16) {
        out.0.push(false);
    }
    let words = out.0.len() / 16 + 1;
    if words > 2048 {
        return None;
    }
    let mut bytes: Vec<u8> = out.0.chunks(8).map(|c| c.iter().fold(0u8, |a, &b| (a << 1) | b as u8)).collect();
    let frmsiz = (words - 1) as u32;
    for i in 0..11 {
        let bit = 21 + i;
        let v = ((frmsiz >> (10 - i)) & 1) as u8;
        bytes[bit / 8] = (bytes[bit / 8] & !(0x80 >> (bit % 8))) | (v << (7 - bit % 8));
    }
    let crc = crc16(&bytes[2..]);
    bytes.extend_from_slice(&crc.to_be_bytes());
    Some(bytes)
}

fn pos_of(tr: &[(&'static str, usize)], name: &str) -> Vec<usize> {
    tr.iter().filter(|t| t.0 == name).map(|t| t.1).collect()
}

/// Writes AHT mantissas for the given hebap values (A/52 E.1.3.4 syntax).
fn aht_data(out: &mut Out, hebap: &[usize], gaq_mode: u32, rng: &mut Rng) {
    out.push(gaq_mode, 2);
    let end_bap = if gaq_mode < 2 { 12 } else { 17 };
    let mut gains = Vec::new();
    if gaq_mode == 1 || gaq_mode == 2 {
        for &h in hebap {
            if h > 7 && h < end_bap {
                let g = rng.bits(1);
                out.push(g, 1);
                gains.push(g << (gaq_mode - 1));
            }
        }
    } else if gaq_mode == 3 {
        let mut gc = 2;
        for &h in hebap {
            if h > 7 && h < 17 {
                if gc == 2 {
                    let code = (rng.next() % 27) as u32;
                    out.push(code, 5);
                    gains.extend_from_slice(&[code / 9, (code % 9) / 3, code % 3]);
                    gc = 0;
                } else {
                    gc += 1;
                }
            }
        }
    }
    let mut gs = 0;
    for &h in hebap {
        let bits = BITS_VS_HEBAP[h];
        if h == 0 {
            continue;
        } else if h < 8 {
            out.push(rng.bits(bits), bits);
        } else {
            let log_gain = if gaq_mode != 0 && h < end_bap {
                gs += 1;
                gains[gs - 1] as usize
            } else {
                0
            };
            let gbits = bits - log_gain;
            for _ in 0..6 {
                if log_gain != 0 && rng.next().is_multiple_of(5) {
                    // Large mantissa escape followed by the mantissa itself.
                    out.push(1 << (gbits - 1), gbits);
                    let mbits = bits + log_gain - 2;
                    out.push(rng.bits(mbits), mbits);
                } else {
                    let mut v = rng.bits(gbits);
                    if log_gain != 0 && v == 1 << (gbits - 1) {
                        v ^= 1;
                    }
                    // Keep values moderate so the output stays in a sensible range.
                    out.push(v, gbits);
                }
            }
        }
    }
}

#[test]
fn adaptive_hybrid_transform_against_ffmpeg() {
    let hist_lo = run("96k");
    assert!(hist_lo[1..8].iter().all(|&n| n > 0), "not every VQ codebook exercised: {hist_lo:?}");
    let hist_hi = run("256k");
    assert!(hist_hi[14..].iter().sum::<usize>() > 0, "no high-precision GAQ mantissas exercised: {hist_hi:?}");
}

fn run(bitrate: &str) -> [usize; 20] {
    let s = "aevalsrc=exprs='0.3*sin(2*PI*440*t)+0.2*sin(2*PI*1250*t)+0.01*random(0)':s=48000:d=2:c=mono";
    let name = format!("aht-src-{bitrate}.eac3");
    let p = common::ffmpeg_encode(&name, &["-f", "lavfi", "-i", s], &["-c:a", "eac3", "-b:a", bitrate, "-f", "eac3"]);
    let data = std::fs::read(&p).unwrap();
    let frames = common::split_frames(&data);
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let mut out_stream = Vec::new();
    let mut rewritten = 0;
    let mut modes = [0usize; 4];
    let mut hist = [0usize; 20];
    for f in &frames {
        let mut tracer = Ac3Decoder::new();
        tracer.set_trace(true);
        tracer.decode(f).unwrap();
        let tr = tracer.take_trace();
        let eligible = tr.iter().any(|t| t.0 == "exp_reuse_ok" && t.1 == 1);
        let audfrm = pos_of(&tr, "audfrm")[0];
        let aht_pos = pos_of(&tr, "aht_pos")[0];
        let mants = pos_of(&tr, "mantissas");
        let ends = pos_of(&tr, "block_end");
        let total = f.len() * 8 - 16;
        if !eligible || get_bit(f, audfrm + 1) || mants.len() != 6 {
            out_stream.extend_from_slice(f);
            continue;
        }
        // Pass 1: only the audio frame flags, to learn the high-efficiency bit allocation.
        let mut o = Out(Vec::new());
        o.copy(f, 0, audfrm + 1);
        o.push(1, 1); // ahte
        o.copy(f, audfrm + 2, aht_pos);
        o.push(1, 1); // chahtinu[1]
        o.copy(f, aht_pos, total);
        let f1 = finish(o).unwrap();
        let mut t2 = Ac3Decoder::new();
        t2.set_crc_check(false);
        t2.set_trace(true);
        let _ = t2.decode(&f1);
        let hebap = pos_of(&t2.take_trace(), "hebap");
        assert!(!hebap.is_empty());
        for &h in &hebap {
            hist[h] += 1;
        }
        // Pass 2: the real AHT frame.
        let gaq_mode = (rewritten % 4) as u32;
        modes[gaq_mode as usize] += 1;
        let mut o = Out(Vec::new());
        o.copy(f, 0, audfrm + 1);
        o.push(1, 1);
        o.copy(f, audfrm + 2, aht_pos);
        o.push(1, 1);
        o.copy(f, aht_pos, mants[0]);
        aht_data(&mut o, &hebap, gaq_mode, &mut rng);
        for k in 1..6 {
            o.copy(f, ends[k - 1], mants[k]);
        }
        o.copy(f, ends[5], total);
        match finish(o) {
            Some(nf) => {
                out_stream.extend_from_slice(&nf);
                rewritten += 1;
            }
            None => out_stream.extend_from_slice(f),
        }
    }
    println!(
        "AHT: {rewritten} of {} frames rewritten, GAQ modes used {modes:?}, hebap histogram {hist:?}",
        frames.len()
    );
    assert!(rewritten > frames.len() / 2, "only {rewritten} of {} frames eligible for AHT", frames.len());
    let p2 = common::tmpdir().join(format!("aht-{bitrate}.eac3"));
    std::fs::write(&p2, &out_stream).unwrap();

    let mut dec = Ac3Decoder::new();
    let mut ours = Vec::new();
    for f in common::split_frames(&out_stream) {
        ours.extend_from_slice(&dec.decode(f).unwrap().samples);
    }
    assert_eq!(dec.stats().aht_channels, rewritten as u64);
    let reference = common::ffmpeg_decode(&p2, &[]);
    let (snr, max) = common::compare(&ours, &reference);
    println!("ORACLE aht-{bitrate}.eac3 ({rewritten} AHT frames): SNR {snr:.1} dB, max abs err {max:.3e}");
    assert!(snr > 90.0, "AHT SNR {snr:.1} dB (max err {max:.3e})");
    let rms = (ours.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / ours.len() as f64).sqrt();
    let (snr_orig, _) = common::compare(&ours, &common::ffmpeg_decode(&p, &[]));
    println!("AHT output rms {rms:.4}, SNR vs the unmodified stream {snr_orig:.1} dB");
    assert!(rms > 0.01 && snr_orig < 30.0, "AHT output looks like the unmodified stream or silence");
    hist
}
