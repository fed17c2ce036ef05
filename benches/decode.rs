//! H.264 decode throughput per decoder backend at 640x360, 1080p and 4K (frames/s).
//!
//! Run with `cargo bench --bench decode`. The 640x360 input is the bundled B-frame fixture;
//! the 1080p and 4K inputs are made by FFmpeg (x264 High, CABAC, 3 B-frames, phone-like
//! bitrates) in a temporary folder at start-up. Samples are read up front with clipfit's
//! demuxer, so only decoding is timed.

use std::path::{Path, PathBuf};
use std::process::Command;

use clipfit::codec::video::{open_decoder, DecoderKind, Packet};
use clipfit::demux::Mp4Demuxer;
use clipfit::media::VideoInfo;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/landscape_bframes.mp4");

/// One input: its track description and its samples (decode order) with pts and the
/// earliest pts still to come after each.
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

/// Makes an x264 High clip of `frames` frames at `size` with FFmpeg.
fn make(dir: &Path, size: &str, frames: u32, bitrate: &str) -> PathBuf {
    let out = dir.join(format!("{size}.mp4"));
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", &format!("testsrc2=size={size}:rate=30")])
        .args(["-frames:v", &frames.to_string(), "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high"])
        .args(["-bf", "3", "-b:v", bitrate, "-pix_fmt", "yuv420p"])
        .arg(&out)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg failed to make the {size} input");
    out
}

fn decode(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let inputs = [
        ("640x360", read(Path::new(FIXTURE))),
        ("1920x1080", read(&make(dir.path(), "1920x1080", 30, "8M"))),
        ("3840x2160", read(&make(dir.path(), "3840x2160", 15, "45M"))),
    ];
    for (name, input) in &inputs {
        let mut g = c.benchmark_group(format!("h264_decode_{name}"));
        g.sample_size(10);
        g.throughput(Throughput::Elements(input.samples.len() as u64));
        for kind in [DecoderKind::OpenH264, DecoderKind::Rusty, DecoderKind::RustH264] {
            g.bench_function(BenchmarkId::from_parameter(kind), |b| {
                b.iter(|| {
                    let mut dec = open_decoder(kind, &input.info).unwrap();
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
}

criterion_group!(benches, decode);
criterion_main!(benches);
