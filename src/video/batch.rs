//! Transforming a batch of frames in parallel.

use rayon::prelude::*;

use super::geometry::GeometryPlan;
use super::transform::Transformer;
use crate::error::Result;
use crate::media::Frame;

/// Transforms `frames` with `plan` on the rayon pool, preserving order.
///
/// Each worker split gets its own [`Transformer`] (scaler state and scratch buffers are not
/// shareable), created once per split rather than per frame.
pub fn transform_batch(plan: &GeometryPlan, frames: &[Frame]) -> Result<Vec<Frame>> {
    frames
        .par_iter()
        .map_init(
            || Transformer::new(plan),
            |t, frame| match t {
                Ok(t) => t.apply(frame),
                Err(e) => Err(crate::Error::Invalid(e.to_string())),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::geometry::Fit;
    use crate::video::transform::{Filter, Simd, TransformOptions};
    use std::time::Instant;

    fn picture(w: u32, h: u32) -> Frame {
        let mut f = Frame::black(w, h);
        for (i, v) in f.y.iter_mut().enumerate() {
            *v = ((i % w as usize) / 8 + (i / w as usize) / 8 + (i.wrapping_mul(2_654_435_761) >> 9) % 32) as u8;
        }
        f
    }

    #[test]
    fn batch_matches_single_and_keeps_order() {
        let plan = GeometryPlan::new(320, 180, 90, (1, 1), true, 1080, 1920, Fit::Blur).unwrap();
        let frames: Vec<Frame> = (0..6)
            .map(|i| {
                let mut f = Frame::filled(320, 180, 20 * i as u8, 128, 128);
                f.pts = f64::from(i) / 30.0;
                f
            })
            .collect();
        let mut single = Transformer::new(&plan).unwrap();
        let expect: Vec<Frame> = frames.iter().map(|f| single.apply(f).unwrap()).collect();
        let got = transform_batch(&plan, &frames).unwrap();
        assert_eq!(got, expect);
    }

    /// Timing report (`cargo test --release --lib video::batch -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn timing_report() {
        let time = |label: &str, plan: &GeometryPlan, opts: TransformOptions, input: &Frame| {
            let mut t = Transformer::with_options(plan, opts).unwrap();
            let mut out = Frame::black(2, 2);
            t.apply_into(input, &mut out).unwrap();
            let n = 10;
            let start = Instant::now();
            for _ in 0..n {
                t.apply_into(input, &mut out).unwrap();
            }
            let ms = start.elapsed().as_secs_f64() * 1000.0 / f64::from(n);
            println!("{label:<40} {ms:7.2} ms/frame");
        };
        for (w, h, rot) in [(3840, 2160, 0), (1280, 720, 0), (3840, 2160, 90), (1920, 1080, 0)] {
            let input = picture(w, h);
            for fit in [Fit::Crop, Fit::Pad, Fit::Blur] {
                let plan = GeometryPlan::new(w, h, rot, (1, 1), false, 1080, 1920, fit).unwrap();
                time(&format!("{w}x{h} rot{rot} {fit:?}"), &plan, TransformOptions::default(), &input);
            }
        }
        let input = picture(3840, 2160);
        for fit in [Fit::Crop, Fit::Pad] {
            let plan = GeometryPlan::new(3840, 2160, 0, (1, 1), false, 1080, 1920, fit).unwrap();
            for filter in [Filter::Bilinear, Filter::CatmullRom, Filter::Lanczos3] {
                for simd in [Simd::Sse41, Simd::Avx2] {
                    let opts = TransformOptions { filter, simd };
                    if Transformer::with_options(&plan, opts).is_ok() {
                        time(&format!("4k {fit:?} {filter:?} {simd:?}"), &plan, opts, &input);
                    }
                }
            }
        }
        let plan = GeometryPlan::new(3840, 2160, 0, (1, 1), false, 1080, 1920, Fit::Crop).unwrap();
        let frames: Vec<Frame> = (0..16).map(|_| input.clone()).collect();
        let start = Instant::now();
        let out = transform_batch(&plan, &frames).unwrap();
        let ms = start.elapsed().as_secs_f64() * 1000.0 / out.len() as f64;
        println!("{:<40} {ms:7.2} ms/frame", "4k Crop batch of 16 (rayon)");
    }
}
