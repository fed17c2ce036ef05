//! Muxing throughput: 300 encoded 1080x1920 pictures (10 s at 30 fps, about 6 Mbps) written
//! with `Mp4Writer` as a faststart file, including the final moov-first assembly.
//! Run: `cargo bench --bench mux`.

use clipfit::codec::h264::encode::{EncoderConfig, H264Encoder};
use clipfit::media::Frame;
use clipfit::mux::{avcc_from_parameter_sets, Mp4Writer, VideoTrackSpec};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const FRAMES: u64 = 300;
/// Bytes per picture for 6 Mbps at 30 fps.
const PICTURE_BYTES: usize = 25_000;

fn mux(c: &mut Criterion) {
    let cfg = EncoderConfig {
        width: 1080,
        height: 1920,
        fps: 30,
        bitrate_bps: 6_000_000,
        max_bitrate_bps: 6_750_000,
        keyframe_interval: 30,
        level_idc: 40,
    };
    // Real parameter sets, so the avcC is what conform writes.
    let mut enc = H264Encoder::with_threads(cfg, 1).expect("encoder");
    enc.encode(&Frame::black(1080, 1920)).expect("encode");
    let avcc = avcc_from_parameter_sets(enc.sps(), enc.pps()).expect("avcC");
    let mut picture = vec![0u8; PICTURE_BYTES];
    picture[..4].copy_from_slice(&(PICTURE_BYTES as u32 - 4).to_be_bytes());
    picture[4] = 0x41; // a non-IDR slice NAL header
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out.mp4");

    let mut g = c.benchmark_group("mux_1080x1920_10s");
    g.sample_size(20);
    g.throughput(Throughput::Elements(FRAMES));
    g.bench_function("faststart_300_pictures", |b| {
        b.iter(|| {
            let mut w = Mp4Writer::create(&out).expect("writer");
            let track = w
                .add_video(VideoTrackSpec {
                    width: 1080,
                    height: 1920,
                    timescale: 15360,
                    avcc: avcc.clone(),
                    sar: (1, 1),
                    bt709: true,
                    edit: None,
                })
                .expect("track");
            for n in 0..FRAMES {
                w.write_sample(track, &picture, 512, n % 30 == 0, 0).expect("sample");
            }
            w.finish().expect("finish")
        })
    });
    g.finish();
}

criterion_group!(benches, mux);
criterion_main!(benches);
