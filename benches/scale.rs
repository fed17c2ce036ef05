//! Frame throughput of the geometry stage: each fit mode for 4K and 720p landscape sources
//! into 1080x1920, plus the filter and SIMD comparisons behind the defaults.
//!
//! `cargo bench --bench scale` (criterion reports time per frame; frames/s = 1000 / ms).

use clipfit::media::Frame;
use clipfit::video::{transform_batch, Filter, Fit, GeometryPlan, Simd, TransformOptions, Transformer};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;

/// A busy synthetic picture (gradients plus a hash pattern) so no path gets flat-input luck.
fn picture(w: u32, h: u32) -> Frame {
    let mut f = Frame::black(w, h);
    for y in 0..h as usize {
        for x in 0..w as usize {
            let hash = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) >> 7;
            f.y[y * w as usize + x] = ((x + y) / 8 + (hash & 31)) as u8;
        }
    }
    let (cw, ch) = Frame::chroma_size(w, h);
    for y in 0..ch {
        for x in 0..cw {
            f.u[y * cw + x] = (64 + x % 128) as u8;
            f.v[y * cw + x] = (64 + y % 128) as u8;
        }
    }
    f
}

fn plan(w: u32, h: u32, rot: u32, fit: Fit) -> GeometryPlan {
    GeometryPlan::new(w, h, rot, (1, 1), false, 1080, 1920, fit).expect("valid plan")
}

fn fits(c: &mut Criterion) {
    let mut g = c.benchmark_group("fit");
    g.sample_size(10).measurement_time(Duration::from_secs(4)).throughput(Throughput::Elements(1));
    for (w, h, rot) in [(3840, 2160, 0), (1280, 720, 0), (3840, 2160, 90)] {
        let input = picture(w, h);
        for fit in [Fit::Crop, Fit::Pad, Fit::Blur] {
            let mut t = Transformer::new(&plan(w, h, rot, fit)).expect("transformer");
            let mut out = Frame::black(2, 2);
            g.bench_function(format!("{w}x{h}_rot{rot}_{fit:?}"), |b| {
                b.iter(|| t.apply_into(&input, &mut out).expect("apply"))
            });
        }
    }
    g.finish();
}

fn filters_and_simd(c: &mut Criterion) {
    let mut g = c.benchmark_group("filter");
    g.sample_size(10).measurement_time(Duration::from_secs(3)).throughput(Throughput::Elements(1));
    let input = picture(3840, 2160);
    let p = plan(3840, 2160, 0, Fit::Crop);
    for filter in [Filter::Bilinear, Filter::CatmullRom, Filter::Lanczos3] {
        for simd in [Simd::Sse41, Simd::Avx2] {
            let Ok(mut t) = Transformer::with_options(&p, TransformOptions { filter, simd }) else {
                continue;
            };
            let mut out = Frame::black(2, 2);
            g.bench_function(format!("4k_crop_{filter:?}_{simd:?}"), |b| {
                b.iter(|| t.apply_into(&input, &mut out).expect("apply"))
            });
        }
    }
    g.finish();
}

fn batch(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch");
    g.sample_size(10).measurement_time(Duration::from_secs(6)).throughput(Throughput::Elements(8));
    let input = picture(3840, 2160);
    let p = plan(3840, 2160, 0, Fit::Crop);
    let frames: Vec<Frame> = (0..8).map(|_| input.clone()).collect();
    g.bench_function("4k_crop_8_frames", |b| {
        b.iter_batched(
            || frames.clone(),
            |fs| transform_batch(&p, &fs).expect("batch"),
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, fits, filters_and_simd, batch);
criterion_main!(benches);
