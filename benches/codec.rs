//! H.264 throughput: decode of the 640x360 B-frame fixture, encode at 1080x1920.
//!
//! Run with `cargo bench --bench codec`; needs ffmpeg/ffprobe to extract the fixture's
//! samples (so the bench does not depend on clipfit's demuxer).

use clipfit::codec::h264::annexb;
use clipfit::codec::h264::decode::H264Decoder;
use clipfit::codec::h264::encode::{EncoderConfig, H264Encoder};
use clipfit::media::{Frame, VideoCodec, VideoInfo};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::process::Command;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/landscape_bframes.mp4");

fn run(args: &[&str], program: &str) -> Vec<u8> {
    let out = Command::new(program).args(args).output().expect("ffmpeg/ffprobe installed");
    assert!(out.status.success(), "{program} {args:?} failed");
    out.stdout
}

/// (samples with pts, SPS list, PPS list) of the fixture's video track.
type Track = (Vec<(Vec<u8>, f64)>, Vec<Vec<u8>>, Vec<Vec<u8>>);

fn fixture() -> Track {
    let csv = run(
        &["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,size", "-of", "csv=p=0", FIXTURE],
        "ffprobe",
    );
    let data = run(&["-v", "error", "-i", FIXTURE, "-map", "0:v:0", "-c", "copy", "-f", "data", "-"], "ffmpeg");
    let mut samples = Vec::new();
    let mut at = 0;
    for line in String::from_utf8(csv).unwrap().lines() {
        let (pts, size) = line.split_once(',').unwrap();
        let size: usize = size.trim().parse().unwrap();
        samples.push((data[at..at + size].to_vec(), pts.parse().unwrap()));
        at += size;
    }
    let stream = run(
        &[
            "-v",
            "error",
            "-i",
            FIXTURE,
            "-map",
            "0:v:0",
            "-c",
            "copy",
            "-frames:v",
            "1",
            "-bsf:v",
            "h264_mp4toannexb",
            "-f",
            "h264",
            "-",
        ],
        "ffmpeg",
    );
    let nals = annexb::annexb_nals(&stream);
    let pick = |t| nals.iter().filter(|n| annexb::nal_type(n) == t).map(|n| n.to_vec()).collect();
    (samples, pick(annexb::NAL_SPS), pick(annexb::NAL_PPS))
}

fn info(sps: Vec<Vec<u8>>, pps: Vec<Vec<u8>>) -> VideoInfo {
    VideoInfo { fps: 25.0, has_reordering: true, sps, pps, ..VideoInfo::new(VideoCodec::H264, "avc1", 640, 360) }
}

fn decode(c: &mut Criterion) {
    let (samples, sps, pps) = fixture();
    let info = info(sps, pps);
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
