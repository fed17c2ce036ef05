//! H.264 encode throughput at 1080x1920 (decoding: `benches/decode.rs`).
//!
//! Run with `cargo bench --bench codec`.

use clipfit::codec::h264::encode::{EncoderConfig, H264Encoder};
use clipfit::media::Frame;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// A sliding gradient with some texture, so the encoder has real work to do.
fn frames(n: u32) -> Vec<Frame> {
    (0..n)
        .map(|t| {
            let mut f = Frame::black(1080, 1920);
            for y in 0..1920usize {
                for x in 0..1080usize {
                    let v = (x + y + 6 * t as usize) % 440;
                    let noise = (x * 7919 + y * 104_729 + t as usize * 31) % 13;
                    f.y[y * 1080 + x] = (16 + (if v < 220 { v } else { 440 - v }) + noise).min(235) as u8;
                }
            }
            f
        })
        .collect()
}

fn encode(c: &mut Criterion) {
    let input = frames(30);
    let cfg = EncoderConfig {
        width: 1080,
        height: 1920,
        fps: 30,
        bitrate_bps: 6_000_000,
        max_bitrate_bps: 8_000_000,
        keyframe_interval: 60,
        level_idc: 40,
    };
    let mut g = c.benchmark_group("h264_encode_1080x1920");
    g.sample_size(10);
    g.throughput(Throughput::Elements(input.len() as u64));
    for threads in [1, 2] {
        g.bench_function(format!("30_frames_{threads}_threads"), |b| {
            b.iter(|| {
                let mut enc = H264Encoder::with_threads(cfg, threads).unwrap();
                for f in &input {
                    enc.encode(f).unwrap();
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, encode);
criterion_main!(benches);
