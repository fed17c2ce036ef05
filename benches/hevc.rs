//! HEVC decode throughput (`rusty_h265`, frames/s) and the HDR tone map: building a
//! stream's table, and applying it to a 1080p 10-bit picture.
//!
//! Run with `cargo bench --bench hevc`. Inputs are made by FFmpeg/x265 in a temporary
//! folder at start-up (1080p Main 8-bit, 1080p Main 10 HLG); samples are read up front
//! with clipfit's demuxer, so only decoding is timed.

use std::path::{Path, PathBuf};
use std::process::Command;

use clipfit::codec::video::{open_decoder, ChromaFormat, DecoderKind, Packet, Picture, Plane, Planes};
use clipfit::demux::Mp4Demuxer;
use clipfit::media::{ColorInfo, Frame, VideoInfo};
use clipfit::video::tonemap::ToneMap;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// A track description and its samples (decode order) with pts and the earliest pts
/// still to come after each.
struct Input {
    info: VideoInfo,
    samples: Vec<(Vec<u8>, f64, Option<f64>)>,
}

fn read(path: &Path) -> Input {
    let mut demux = Mp4Demuxer::open(path).expect("input");
    let index = demux.info().video_index().expect("a video track");
    let info = demux.info().video().cloned().expect("a video track");
    let timescale = f64::from(demux.timescale(index));
    let mut samples: Vec<(Vec<u8>, f64, Option<f64>)> = demux
        .samples(index)
        .to_vec()
        .iter()
        .map(|s| {
            let mut buf = Vec::new();
            demux.read_sample(s, &mut buf).expect("sample");
            (buf, s.pts() as f64 / timescale, None)
        })
        .collect();
    let mut earliest: Option<f64> = None;
    for s in samples.iter_mut().rev() {
        s.2 = earliest;
        earliest = Some(earliest.map_or(s.1, |e| e.min(s.1)));
    }
    Input { info, samples }
}

/// Makes a 1080p x265 clip of 30 frames (3 B-frames, phone-like bitrate).
fn make(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(format!("{name}.mp4"));
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30"])
        .args(["-frames:v", "30", "-c:v", "libx265", "-preset", "veryfast", "-b:v", "10M"])
        .args(["-x265-params", "log-level=none:bframes=3", "-tag:v", "hvc1"])
        .args(extra)
        .arg(&out)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg failed to make the {name} input");
    out
}

fn decode(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let inputs = [
        ("1080p_main", read(&make(dir.path(), "main", &["-pix_fmt", "yuv420p"]))),
        (
            "1080p_main10_hlg",
            read(&make(
                dir.path(),
                "hlg",
                &[
                    "-pix_fmt",
                    "yuv420p10le",
                    "-color_primaries",
                    "bt2020",
                    "-color_trc",
                    "arib-std-b67",
                    "-colorspace",
                    "bt2020nc",
                ],
            )),
        ),
    ];
    let mut g = c.benchmark_group("hevc_decode");
    g.sample_size(10);
    for (name, input) in &inputs {
        g.throughput(Throughput::Elements(input.samples.len() as u64));
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                let mut dec = open_decoder(DecoderKind::default(), &input.info).unwrap();
                let mut n = 0;
                for (data, pts, upcoming) in &input.samples {
                    dec.send_packet(Packet { data, pts: *pts, upcoming: *upcoming }).unwrap();
                    while dec.receive_picture().is_some() {
                        n += 1;
                    }
                }
                dec.flush().unwrap();
                while dec.receive_picture().is_some() {
                    n += 1;
                }
                assert_eq!(n, input.samples.len());
            })
        });
    }
    g.finish();
}

fn tone_map(c: &mut Criterion) {
    let hlg = ColorInfo { primaries: 9, transfer: 18, matrix: 9 };
    let mut g = c.benchmark_group("tone_map");
    g.sample_size(10);
    g.bench_function("build_table", |b| b.iter(|| ToneMap::for_stream(&hlg, None).unwrap()));
    let map = ToneMap::for_stream(&hlg, None).unwrap();
    let (w, h) = (1920usize, 1080usize);
    // A ramp over the whole code range, so every part of the table is visited.
    let y: Vec<u16> = (0..w * h).map(|i| ((i % w) * 1023 / w) as u16).collect();
    let u: Vec<u16> = (0..w * h / 4).map(|i| ((i / (w / 2)) * 1023 / (h / 2)) as u16).collect();
    let v: Vec<u16> = u.iter().rev().copied().collect();
    let pic = Picture {
        width: w as u32,
        height: h as u32,
        chroma: ChromaFormat::Yuv420,
        planes: Planes::U16 {
            bit_depth: 10,
            y: Plane { data: &y, stride: w },
            u: Plane { data: &u, stride: w / 2 },
            v: Plane { data: &v, stride: w / 2 },
        },
        pts: 0.0,
    };
    let mut out = Frame::black(2, 2);
    g.throughput(Throughput::Elements(1));
    g.bench_function("apply_1080p_10bit", |b| b.iter(|| map.apply(&pic, &mut out).unwrap()));
    g.finish();
}

criterion_group!(benches, decode, tone_map);
criterion_main!(benches);
