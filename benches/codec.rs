//! H.264 throughput: decode of the 640x360 B-frame fixture, encode at 1080x1920.
//!
//! Run with `cargo bench --bench codec`. The fixture's samples are read up front with
//! clipfit's demuxer, so only decoding is timed.

use clipfit::codec::h264::decode::H264Decoder;
use clipfit::codec::h264::encode::{EncoderConfig, H264Encoder};
use clipfit::demux::Mp4Demuxer;
use clipfit::media::{Frame, VideoInfo};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/landscape_bframes.mp4");

/// The fixture's video track description and its samples (decode order) with pts.
fn fixture() -> (VideoInfo, Vec<(Vec<u8>, f64)>) {
    let mut demux = Mp4Demuxer::open(FIXTURE).expect("fixture");
    let index = demux.info().video_index().expect("a video track");
    let info = demux.info().video().cloned().expect("a video track");
    let timescale = f64::from(demux.timescale(index));
    let samples = demux
        .samples(index)
        .to_vec()
        .iter()
        .map(|s| {
            let mut buf = Vec::new();
            demux.read_sample(s, &mut buf).expect("sample");
            (buf, s.pts() as f64 / timescale)
        })
        .collect();
    (info, samples)
}

fn decode(c: &mut Criterion) {
    let (info, samples) = fixture();
    let mut g = c.benchmark_group("h264_decode_640x360");
    g.sample_size(10);
    g.throughput(Throughput::Elements(samples.len() as u64));
    g.bench_function("100_frames", |b| {
        b.iter(|| {
            let mut dec = H264Decoder::new(&info).unwrap();
            let mut n = 0;
            for (s, pts) in &samples {
                n += dec.decode(s, *pts).unwrap().len();
            }
            n += dec.flush().unwrap().len();
            assert_eq!(n, samples.len());
        })
    });
    g.finish();
}

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

criterion_group!(benches, decode, encode);
criterion_main!(benches);
