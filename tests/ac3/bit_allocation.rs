//! Bit allocation features FFmpeg's encoder never uses: delta bit allocation (new / reuse /
//! none, A/52 7.2.2.6) and the bsid 9/10 reduced-rate bit allocation (sr_shift).
//!
//! Both change the bit allocation pointers, so the mantissas after them no longer parse. The
//! test rewrites mono AC-3 frames block by block: it inserts the DBA fields (or changes bsid),
//! learns the new bap values from our decoder's trace, and replaces each block's mantissa
//! section by random mantissa codes of the right sizes and grouping (A/52 7.3.5). The frame is
//! enlarged by bumping frmsizecod; CRCs are not recomputed (checking is off on our side,
//! FFmpeg does not check by default). FFmpeg decodes the resulting stream as the oracle.

use crate::common;
use clipfit::codec::audio::ac3::Ac3Decoder;

const QUANT_BITS: [usize; 16] = [0, 3, 5, 7, 11, 15, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u32 {
        (self.next() % n) as u32
    }
}

fn bits_of(data: &[u8]) -> Vec<bool> {
    (0..data.len() * 8).map(|p| (data[p / 8] >> (7 - p % 8)) & 1 != 0).collect()
}

fn bytes_of(bits: &[bool]) -> Vec<u8> {
    bits.chunks(8).map(|c| c.iter().fold(0u8, |a, &b| (a << 1) | b as u8) << (8 - c.len())).collect()
}

fn push(v: &mut Vec<bool>, val: u32, n: usize) {
    for i in (0..n).rev() {
        v.push((val >> i) & 1 != 0);
    }
}

fn field(bits: &[bool], pos: usize, n: usize) -> u32 {
    bits[pos..pos + n].iter().fold(0, |a, &b| (a << 1) | b as u32)
}

fn trace(frame: &[u8]) -> Vec<(&'static str, usize)> {
    let mut d = Ac3Decoder::new();
    d.set_crc_check(false);
    d.set_trace(true);
    let mut buf = frame.to_vec();
    buf.resize(4096, 0); // the header may announce a larger frame than the bits written so far
    let _ = d.decode(&buf);
    d.take_trace()
}

/// Trace entries that belong to block `k` (between its "block_start" and the next one).
fn block_trace(tr: &[(&'static str, usize)], k: usize) -> Vec<(&'static str, usize)> {
    let mut blk = usize::MAX;
    let mut v = Vec::new();
    for &t in tr {
        if t.0 == "block_start" {
            blk = blk.wrapping_add(1);
        }
        if blk == k {
            v.push(t);
        }
    }
    v
}

/// Random mantissas for the given baps (one channel, A/52 7.3.5 grouping).
fn mantissas(baps: &[usize], rng: &mut Rng) -> Vec<bool> {
    let mut v = Vec::new();
    let (mut n1, mut n2, mut n4) = (0, 0, 0);
    for &b in baps {
        match b {
            0 => {}
            1 => {
                if n1 == 0 {
                    push(&mut v, rng.below(27), 5);
                    n1 = 2;
                } else {
                    n1 -= 1;
                }
            }
            2 => {
                if n2 == 0 {
                    push(&mut v, rng.below(125), 7);
                    n2 = 2;
                } else {
                    n2 -= 1;
                }
            }
            3 => push(&mut v, rng.below(7), 3),
            4 => {
                if n4 == 0 {
                    push(&mut v, rng.below(121), 7);
                    n4 = 1;
                } else {
                    n4 = 0;
                }
            }
            5 => push(&mut v, rng.below(15), 4),
            _ => {
                let n = QUANT_BITS[b];
                push(&mut v, rng.below(1 << n), n);
            }
        }
    }
    v
}

/// DBA fields written at block k's `deltbaie` position (the source has deltbaie = 0).
fn dba_fields(k: usize) -> Option<Vec<bool>> {
    let mut v = Vec::new();
    match k {
        0 => {
            push(&mut v, 1, 1); // deltbaie
            push(&mut v, 1, 2); // deltbae[1] = new
            push(&mut v, 1, 3); // 2 segments
            for (off, len, ba) in [(3, 5, 6), (4, 3, 1)] {
                push(&mut v, off, 5);
                push(&mut v, len, 4);
                push(&mut v, ba, 3);
            }
        }
        2 => {
            push(&mut v, 1, 1);
            push(&mut v, 0, 2); // reuse
        }
        3 => {
            push(&mut v, 1, 1);
            push(&mut v, 1, 2); // new, 1 segment
            push(&mut v, 0, 3);
            push(&mut v, 10, 5);
            push(&mut v, 12, 4);
            push(&mut v, 7, 3);
        }
        4 => {
            push(&mut v, 1, 1);
            push(&mut v, 2, 2); // none
        }
        _ => return None, // blocks 1 and 5: no new DBA info (previous mode persists)
    }
    Some(v)
}

#[allow(clippy::needless_range_loop)]
fn rewrite_stream(data: &[u8], bsid: Option<u8>, with_dba: bool, rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for f in common::split_frames(data) {
        let orig_tr = trace(f);
        let orig_len: Vec<usize> = {
            let m: Vec<usize> = orig_tr.iter().filter(|t| t.0 == "mantissas").map(|t| t.1).collect();
            let e: Vec<usize> = orig_tr.iter().filter(|t| t.0 == "block_end").map(|t| t.1).collect();
            m.iter().zip(&e).map(|(a, b)| b - a).collect()
        };
        let mut bits = bits_of(f);
        bits.truncate(orig_tr.iter().filter(|t| t.0 == "block_end").map(|t| t.1).next_back().unwrap());
        // Header changes: bigger frame (frmsizecod + 2), optional bsid.
        let fsc = field(&bits, 34, 6) + 2;
        for i in 0..6 {
            bits[34 + i] = (fsc >> (5 - i)) & 1 != 0;
        }
        if let Some(b) = bsid {
            for i in 0..5 {
                bits[40 + i] = (b >> (4 - i)) & 1 != 0;
            }
        }
        for k in 0..6 {
            if with_dba {
                let bt = block_trace(&trace(&bytes_of(&bits)), k);
                let at = bt.iter().find(|t| t.0 == "deltbaie").unwrap().1;
                assert!(!bits[at], "source uses DBA");
                if let Some(fields) = dba_fields(k) {
                    bits.splice(at..at + 1, fields);
                }
            }
            let bt = block_trace(&trace(&bytes_of(&bits)), k);
            let at = bt.iter().find(|t| t.0 == "mantissas").unwrap().1;
            let baps: Vec<usize> = bt.iter().filter(|t| t.0 == "bap").map(|t| t.1).collect();
            let new = mantissas(&baps, rng);
            bits.splice(at..at + orig_len[k], new);
        }
        let mut head = bytes_of(&bits[..64]);
        head.resize(16, 0);
        let size = clipfit::codec::audio::ac3::parse_frame_header(&head).unwrap().frame_size;
        assert!(bits.len() + 18 <= size * 8, "rewritten frame does not fit");
        bits.resize(size * 8, false);
        out.extend_from_slice(&bytes_of(&bits));
    }
    out
}

fn check(name: &str, data: &[u8]) {
    let path = common::tmpdir().join(name);
    std::fs::write(&path, data).unwrap();
    let mut dec = Ac3Decoder::new();
    dec.set_crc_check(false);
    let mut ours = Vec::new();
    for f in common::split_frames(data) {
        ours.extend_from_slice(&dec.decode(f).unwrap().samples);
    }
    let reference = common::ffmpeg_decode(&path, &[]);
    let (snr, max) = common::compare(&ours, &reference);
    println!("ORACLE {name}: SNR {snr:.1} dB, max abs err {max:.3e}");
    assert!(snr > 90.0, "{name}: SNR {snr:.1}");
}

#[test]
fn delta_bit_allocation_and_reduced_rate_bit_allocation() {
    let s = "aevalsrc=exprs='0.4*sin(2*PI*440*t)+0.1*random(0)+0.2*sin(2*PI*3000*t)':s=48000:d=0.5:c=mono";
    let p =
        common::ffmpeg_encode("ba-src.ac3", &["-f", "lavfi", "-i", s], &["-c:a", "ac3", "-b:a", "128k", "-f", "ac3"]);
    let data = std::fs::read(&p).unwrap();
    let mut rng = Rng(0xDEAD_BEEF_1234_5678);
    let dba = rewrite_stream(&data, None, true, &mut rng);
    check("dba.ac3", &dba);
    // The DBA segments must actually change the allocation (block 0 of the first frame).
    let baps = |frame: &[u8]| -> Vec<usize> {
        block_trace(&trace(frame), 0).iter().filter(|t| t.0 == "bap").map(|t| t.1).collect()
    };
    let (a, b) = (baps(common::split_frames(&data)[0]), baps(common::split_frames(&dba)[0]));
    let changed = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    println!("DBA changed {changed} of {} bap values in block 0", a.len());
    assert!(changed > 0);
    for bsid in [9u8, 10] {
        let d = rewrite_stream(&data, Some(bsid), false, &mut rng);
        assert_eq!(clipfit::codec::audio::ac3::parse_frame_header(&d).unwrap().sample_rate, 48000 >> (bsid - 8));
        check(&format!("bsid{bsid}.ac3"), &d);
    }
}
