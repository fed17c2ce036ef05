//! Truncated and bit-flipped frames must never panic, and the decoder must keep working.

use crate::common;
use clipfit::codec::audio::ac3::Ac3Decoder;

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn streams(tag: &str) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    let six = "aevalsrc=exprs='0.5*sin(2*PI*440*t)|0.4*random(0)|0.3*sin(2*PI*1000*t)|0.2*random(1)|0.3*sin(2*PI*3000*t)|0.5*sin(2*PI*60*t)':s=48000:d=0.3:c=5.1";
    let two =
        "aevalsrc=exprs='0.5*sin(2*PI*440*t)+0.2*random(0)|0.4*sin(2*PI*440*t)+0.2*random(1)':s=48000:d=0.3:c=stereo";
    for (name, s, args) in [
        ("fz1.ac3", six, vec!["-c:a", "ac3", "-b:a", "448k", "-f", "ac3"]),
        ("fz2.ac3", two, vec!["-c:a", "ac3", "-b:a", "96k", "-channel_coupling", "1", "-f", "ac3"]),
        ("fz3.eac3", six, vec!["-c:a", "eac3", "-b:a", "384k", "-f", "eac3"]),
        ("fz4.eac3", two, vec!["-c:a", "eac3", "-b:a", "96k", "-f", "eac3"]),
    ] {
        let p = common::ffmpeg_encode(&format!("{tag}-{name}"), &["-f", "lavfi", "-i", s], &args);
        v.push(std::fs::read(p).unwrap());
    }
    v
}

#[test]
fn mutated_frames_do_not_panic() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut errors = 0usize;
    let mut oks = 0usize;
    let mut total = 0usize;
    let (mut spx, mut aht, mut short) = (0u64, 0u64, 0u64);
    for data in streams("mut") {
        let frames: Vec<Vec<u8>> = common::split_frames(&data).into_iter().map(|f| f.to_vec()).collect();
        let good = frames[frames.len() / 2].clone();
        let mut dec = Ac3Decoder::new();
        let reference = dec.decode(&good).expect("valid frame decodes");
        for crc in [false, true] {
            let mut dec = Ac3Decoder::new();
            dec.set_crc_check(crc);
            let iters: usize = std::env::var("AC3_FUZZ_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1500);
            for iter in 0..iters {
                let mut f = frames[rng.below(frames.len())].clone();
                match rng.below(5) {
                    0 => {
                        let n = rng.below(f.len());
                        f.truncate(n);
                    }
                    1 => {
                        for _ in 0..1 + rng.below(8) {
                            let bit = rng.below(f.len() * 8);
                            f[bit / 8] ^= 0x80 >> (bit % 8);
                        }
                    }
                    2 => {
                        // Flip bits only after the sync word and header so the frame still parses.
                        for _ in 0..1 + rng.below(3) {
                            let bit = 40 + rng.below(f.len() * 8 - 40);
                            f[bit / 8] ^= 0x80 >> (bit % 8);
                        }
                    }
                    3 => {
                        // Flip one bit in the header / audio frame / first block region, which
                        // toggles syntax flags (AHT, SPX, coupling, strategies) in E-AC-3.
                        let bit = 40 + rng.below(160.min(f.len() * 8 - 40));
                        f[bit / 8] ^= 0x80 >> (bit % 8);
                    }
                    _ => {
                        for b in f.iter_mut().skip(5 + rng.below(20)) {
                            if rng.below(10) == 0 {
                                *b = rng.next() as u8;
                            }
                        }
                    }
                }
                total += 1;
                match dec.decode(&f) {
                    Ok(a) => {
                        oks += 1;
                        assert!(a.samples.iter().all(|s| s.is_finite()), "non-finite output at iter {iter}");
                    }
                    Err(e) => {
                        errors += 1;
                        assert!(!e.to_string().is_empty());
                    }
                }
                if iter + 1 == iters {
                    let st = dec.stats();
                    spx += st.spx_blocks;
                    aht += st.aht_channels;
                    short += st.short_blocks;
                }
                if iter % 100 == 99 {
                    // A valid frame still decodes after garbage.
                    let a = dec.decode(&good).expect("valid frame after mutations");
                    assert_eq!(a.samples.len(), reference.samples.len());
                }
            }
        }
    }
    println!(
        "mutation test: {total} mutated frames, {oks} decoded, {errors} rejected with an error \
         (decoded with SPX blocks: {spx}, AHT channels: {aht}, short blocks: {short})"
    );
    assert!(errors > 0 && oks > 0);
}

#[test]
fn decoder_recovers_after_garbage() {
    // After garbage, decoding the same sequence of valid frames again gives the same output
    // (once the overlap state is refreshed by one frame).
    let data = &streams("rec")[0];
    let frames = common::split_frames(data);
    let mut a = Ac3Decoder::new();
    let mut b = Ac3Decoder::new();
    let _ = b.decode(&frames[0][..frames[0].len() / 2]);
    let mut junk = frames[1].to_vec();
    for x in junk.iter_mut().skip(10) {
        *x = x.wrapping_mul(31).wrapping_add(7);
    }
    let _ = b.decode(&junk);
    assert!(b.decode(&[0x0B, 0x77]).is_err());
    assert!(b.decode(&[]).is_err());
    for (i, f) in frames.iter().enumerate().take(4) {
        let x = a.decode(f).unwrap();
        let y = b.decode(f).unwrap();
        if i >= 1 {
            assert_eq!(x.layout, y.layout);
            let (snr, _) = common::compare(&y.samples, &x.samples);
            assert!(snr > 60.0, "frame {i} differs after recovery: {snr}");
        }
    }
}
