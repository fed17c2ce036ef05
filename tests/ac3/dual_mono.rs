//! AC-3 1+1 dual mono (acmod 0): two independent programs with their own BSI fields and
//! `dynrng2`. FFmpeg cannot encode dual mono, so stereo frames (no coupling, no rematrixing)
//! are rewritten: acmod 2 -> 0, `dsurmod` removed, the second program's BSI fields
//! (dialnorm2, compr2e, langcod2e, audprodi2e) inserted, and per block `dynrng2e`/`dynrng2`
//! inserted and the stereo-only rematrixing fields removed. To make room, `frmsizecod` is
//! bumped to the next bit rate (a larger frame). crc1 is not recomputed, so CRC checking is disabled on our side (FFmpeg does not
//! check CRCs by default).

use crate::common;
use clipfit::codec::audio::ac3::{Ac3Decoder, Channel};

fn get_bits(data: &[u8], pos: usize, n: usize) -> u32 {
    (0..n).fold(0, |acc, i| (acc << 1) | ((data[(pos + i) / 8] >> (7 - (pos + i) % 8)) & 1) as u32)
}

#[test]
fn dual_mono_against_ffmpeg() {
    let s = "aevalsrc=exprs='0.5*sin(2*PI*440*t)|0.3*sin(2*PI*1300*t)+0.05*random(0)':s=48000:d=1:c=stereo";
    let p = common::ffmpeg_encode(
        "dm-src.ac3",
        &["-f", "lavfi", "-i", s],
        &["-c:a", "ac3", "-b:a", "320k", "-channel_coupling", "0", "-stereo_rematrixing", "0", "-f", "ac3"],
    );
    let data = std::fs::read(&p).unwrap();
    let mut out = Vec::new();
    let mut n = 0u32;
    for f in common::split_frames(&data) {
        assert_eq!(get_bits(f, 48, 3), 2, "acmod");
        // After acmod(3) at bit 48: dsurmod(2), lfeon(1), dialnorm(5), compre, langcode, audprodie.
        let mut pos = 51; // dsurmod
        let lfe_at = 53;
        let mut p1 = lfe_at + 1 + 5;
        for extra in [8usize, 8, 7] {
            let flag = get_bits(f, p1, 1) == 1;
            p1 += 1 + if flag { extra } else { 0 };
        }
        let mut tracer = Ac3Decoder::new();
        tracer.set_trace(true);
        tracer.decode(f).unwrap();
        let tr = tracer.take_trace();
        let dyn_pos: Vec<usize> = tr.iter().filter(|t| t.0 == "dynrng").map(|t| t.1).collect();
        let remat_pos: Vec<usize> = tr.iter().filter(|t| t.0 == "rematstr").map(|t| t.1).collect();
        let ends: Vec<usize> = tr.iter().filter(|t| t.0 == "block_end").map(|t| t.1).collect();
        let last_bit = ends[5];
        let mut bits: Vec<bool> = Vec::new();
        let copy = |bits: &mut Vec<bool>, from: usize, to: usize| {
            for q in from..to {
                bits.push(get_bits(f, q, 1) == 1);
            }
        };
        let push = |bits: &mut Vec<bool>, v: u32, k: usize| {
            for i in (0..k).rev() {
                bits.push((v >> i) & 1 == 1);
            }
        };
        copy(&mut bits, 0, 48);
        push(&mut bits, 0, 3); // acmod 0
        pos += 2; // drop dsurmod
        copy(&mut bits, pos, p1);
        push(&mut bits, 27, 5); // dialnorm2 = -27 dB
        push(&mut bits, 0, 3); // compr2e, langcod2e, audprodi2e
        let mut cur = p1;
        for blk in 0..6 {
            // dynrnge (+ dynrng) of program 1 is kept; insert dynrng2e/dynrng2 after it.
            let d = dyn_pos[blk];
            copy(&mut bits, cur, d);
            let has1 = get_bits(f, d, 1) == 1;
            let after1 = d + 1 + if has1 { 8 } else { 0 };
            n += 1;
            // Program 1 and 2 get different gains; some blocks keep the previous value.
            push(&mut bits, 1, 1);
            push(&mut bits, n * 29 % 256, 8);
            if !n.is_multiple_of(3) {
                push(&mut bits, 1, 1);
                push(&mut bits, n * 53 % 256, 8);
            } else {
                push(&mut bits, 0, 1);
            }
            // Drop program 1's original dynrng fields (we wrote a new one) and rematstr.
            let r = remat_pos[blk];
            copy(&mut bits, after1, r);
            // rematstr, plus 4 rematflg bits when set (no coupling: 4 rematrixing bands).
            cur = r + 1 + if get_bits(f, r, 1) == 1 { 4 } else { 0 };
        }
        copy(&mut bits, cur, last_bit);
        // Make room: bump frmsizecod (bits 34..40) to the next bit rate, i.e. a larger frame.
        let frmsizecod = get_bits(f, 34, 6) + 2;
        for i in 0..6 {
            bits[34 + i] = (frmsizecod >> (5 - i)) & 1 == 1;
        }
        let mut head: Vec<u8> = bits[..64].chunks(8).map(|c| c.iter().fold(0u8, |a, &b| (a << 1) | b as u8)).collect();
        head.resize(16, 0);
        let new_size = clipfit::codec::audio::ac3::parse_frame_header(&head).unwrap().frame_size;
        assert!(bits.len() + 18 <= new_size * 8, "no room for the dual mono fields in this frame");
        bits.resize(new_size * 8, false);
        let bytes: Vec<u8> = bits.chunks(8).map(|c| c.iter().fold(0u8, |a, &b| (a << 1) | b as u8)).collect();
        out.extend_from_slice(&bytes);
    }
    let path = common::tmpdir().join("dualmono.ac3");
    std::fs::write(&path, &out).unwrap();
    let mut dec = Ac3Decoder::new();
    dec.set_crc_check(false);
    let mut ours = Vec::new();
    for f in common::split_frames(&out) {
        let a = dec.decode(f).unwrap();
        assert_eq!(a.layout, vec![Channel::Left, Channel::Right]);
        ours.extend_from_slice(&a.samples);
    }
    let reference = common::ffmpeg_decode(&path, &[]);
    let (snr, max) = common::compare(&ours, &reference);
    println!("ORACLE dualmono.ac3 (acmod 0, dynrng + dynrng2): SNR {snr:.1} dB, max abs err {max:.3e}");
    assert!(snr > 90.0, "dual mono SNR {snr:.1}");
}
