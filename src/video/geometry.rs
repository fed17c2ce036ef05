//! Pure picture-geometry maths: where the source picture lands in the output frame.
//!
//! Everything here is decided from the source description alone, so it is tested without
//! pixels. Coordinates are in luma pixels of the *rotated* source picture (the picture as it
//! is displayed, before sample-aspect correction) and of the output frame.

use crate::error::{Error, Result};
use crate::limits::MAX_DIMENSION;

/// How a picture whose shape differs from the output is fitted into it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// Scale to fill the output and cut off what overflows, keeping the centre.
    #[default]
    Crop,
    /// Scale to fit inside the output, centred, with black bars.
    Pad,
    /// As `Pad`, but the bars show a blurred, darkened copy of the picture filling the frame.
    Blur,
}

/// A rectangle in the output frame, in luma pixels. Always even-aligned so that the chroma
/// rectangle is exactly half of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

impl Rect {
    /// The chroma-plane rectangle for 4:2:0 (exact because the rect is even-aligned).
    pub fn half(&self) -> Rect {
        Rect { x: self.x / 2, y: self.y / 2, w: self.w / 2, h: self.h / 2 }
    }

    /// True when the rectangle has no pixels.
    pub fn is_empty(&self) -> bool {
        self.w == 0 || self.h == 0
    }
}

/// A sub-pixel source region (the resizer samples it without scaling anything outside it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Region {
    /// Left edge.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

impl Region {
    /// The same region in a plane subsampled by two in both directions.
    pub fn half(&self) -> Region {
        Region { left: self.left / 2.0, top: self.top / 2.0, width: self.width / 2.0, height: self.height / 2.0 }
    }
}

/// Largest sample-aspect distortion accepted (real anamorphic formats stay well below 4:1).
const MAX_SAR_RATIO: f64 = 16.0;

/// Everything the transformer needs, decided from the source description.
#[derive(Clone, Debug, PartialEq)]
pub struct GeometryPlan {
    /// Coded (decoded) source width.
    pub src_width: u32,
    /// Coded (decoded) source height.
    pub src_height: u32,
    /// Degrees clockwise to turn the coded picture for display: 0, 90, 180 or 270.
    pub rotation: u32,
    /// Sample aspect ratio of the coded picture (`(1, 1)` for square pixels).
    pub sar: (u32, u32),
    /// True when the source uses full-range (JPEG, "yuvj") levels.
    pub full_range: bool,
    /// Output width (even).
    pub out_width: u32,
    /// Output height (even).
    pub out_height: u32,
    /// How the picture is fitted.
    pub fit: Fit,
    /// Width of the picture after rotation.
    pub rotated_width: u32,
    /// Height of the picture after rotation.
    pub rotated_height: u32,
    /// Part of the rotated picture that is scaled into `picture_rect`.
    pub picture_src: Region,
    /// Where the picture lands in the output. The whole frame for `Crop`.
    pub picture_rect: Rect,
    /// For `Blur`: the part of the output's picture rect that, scaled to fill the whole
    /// output, makes the background. Expressed in output-frame coordinates so the
    /// background can be made from the already-scaled picture rather than the source.
    pub background_src: Option<Region>,
}

impl GeometryPlan {
    /// True when the fit shrinks the picture at least 2x in both directions, so halving
    /// it first (a 2x2 box, [`crate::video::halve`]) changes little of what the fit keeps.
    pub fn shrinks_at_least_half(&self) -> bool {
        self.picture_src.width >= 2.0 * f64::from(self.picture_rect.w)
            && self.picture_src.height >= 2.0 * f64::from(self.picture_rect.h)
    }

    /// For a crop of an upright (0° or 180°) picture that drops a good part of it: the
    /// window of the coded picture worth converting before the fit, as (x, y, width,
    /// height). It is centred as the crop is (so the same fit, planned for the window's
    /// size, crops the same pixels), even-aligned, with a few pixels' margin for the
    /// scaler's filter. The HDR fit tone-maps only this window: a 4K landscape clip
    /// cropped to portrait shows a third of each row.
    pub fn source_window(&self) -> Option<(u32, u32, u32, u32)> {
        /// Source pixels kept beyond the crop on each side (the scaler's reach).
        const MARGIN: f64 = 4.0;
        if self.fit != Fit::Crop || !matches!(self.rotation, 0 | 180) {
            return None;
        }
        let span = |full: u32, used: f64| {
            let half = ((used / 2.0 + MARGIN) / 2.0).ceil() as u32 * 2;
            (2 * half < full * 9 / 10 && full.is_multiple_of(4)).then(|| (full / 2 - half, 2 * half))
        };
        let (x, w) = span(self.src_width, self.picture_src.width).unwrap_or((0, self.src_width));
        let (y, h) = span(self.src_height, self.picture_src.height).unwrap_or((0, self.src_height));
        ((w, h) != (self.src_width, self.src_height)).then_some((x, y, w, h))
    }

    /// The same fit for a source picture of another size (a stream whose resolution
    /// changes mid-way: concatenated renditions, a new SPS).
    pub fn for_source_size(&self, src_w: u32, src_h: u32) -> Result<GeometryPlan> {
        GeometryPlan::new(
            src_w,
            src_h,
            self.rotation,
            self.sar,
            self.full_range,
            self.out_width,
            self.out_height,
            self.fit,
        )
    }

    /// Plans the geometry of one video track.
    ///
    /// `sar` components of zero mean "unknown" and are treated as square pixels.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        src_w: u32,
        src_h: u32,
        rotation: u32,
        sar: (u32, u32),
        full_range: bool,
        out_w: u32,
        out_h: u32,
        fit: Fit,
    ) -> Result<GeometryPlan> {
        for (what, v) in [("source width", src_w), ("source height", src_h)] {
            if v == 0 || v > MAX_DIMENSION {
                return Err(Error::limit("video geometry", format!("{what} {v} not in 1..={MAX_DIMENSION}")));
            }
        }
        for (what, v) in [("output width", out_w), ("output height", out_h)] {
            if v == 0 || v % 2 != 0 || v > MAX_DIMENSION {
                return Err(Error::Invalid(format!("{what} {v} must be even and in 2..={MAX_DIMENSION}")));
            }
        }
        let rotation = match rotation % 360 {
            r @ (0 | 90 | 180 | 270) => r,
            r => {
                return Err(Error::unsupported(
                    format!("rotation of {r} degrees"),
                    "only quarter turns are supported; re-export the video upright",
                ))
            }
        };
        let sar = if sar.0 == 0 || sar.1 == 0 { (1, 1) } else { sar };
        let sar_ratio = f64::from(sar.0) / f64::from(sar.1);
        if !(1.0 / MAX_SAR_RATIO..=MAX_SAR_RATIO).contains(&sar_ratio) {
            return Err(Error::limit(
                "video sample aspect ratio",
                format!("{}:{} is beyond {MAX_SAR_RATIO}:1", sar.0, sar.1),
            ));
        }

        let quarter = rotation == 90 || rotation == 270;
        let (rw, rh) = if quarter { (src_h, src_w) } else { (src_w, src_h) };
        // A quarter turn swaps which axis the pixel stretch applies to.
        let (sx, sy) = if quarter { (sar.1, sar.0) } else { (sar.0, sar.1) };
        let (sx, sy) = (f64::from(sx), f64::from(sy));
        let (rwf, rhf) = (f64::from(rw), f64::from(rh));
        let (owf, ohf) = (f64::from(out_w), f64::from(out_h));
        let picture_aspect = rwf * sx / (rhf * sy);
        let out_aspect = owf / ohf;

        let whole = Region { left: 0.0, top: 0.0, width: rwf, height: rhf };
        let full = Rect { x: 0, y: 0, w: out_w, h: out_h };
        let fitted = fit_rect(picture_aspect, out_w, out_h);

        let (picture_src, picture_rect, background_src) = match fit {
            Fit::Crop => (fill_region(rwf, rhf, picture_aspect, out_aspect), full, None),
            Fit::Pad => (whole, fitted, None),
            Fit::Blur => {
                // The fitted rect has the picture's display shape, so the fill region of the
                // picture, mapped into it, is the centred part with the output's shape.
                let (fw, fh) = (f64::from(fitted.w), f64::from(fitted.h));
                let inner = fill_region(fw, fh, fw / fh, out_aspect);
                let bg = Region {
                    left: inner.left + f64::from(fitted.x),
                    top: inner.top + f64::from(fitted.y),
                    width: inner.width,
                    height: inner.height,
                };
                let bg = if fitted == full { None } else { Some(bg) };
                (whole, fitted, bg)
            }
        };

        Ok(GeometryPlan {
            src_width: src_w,
            src_height: src_h,
            rotation,
            sar,
            full_range,
            out_width: out_w,
            out_height: out_h,
            fit,
            rotated_width: rw,
            rotated_height: rh,
            picture_src,
            picture_rect,
            background_src,
        })
    }

    /// True when the output is the input unchanged (same size, upright, square pixels,
    /// limited range): the transformer then just copies.
    pub fn is_identity(&self) -> bool {
        self.src_width == self.out_width
            && self.src_height == self.out_height
            && self.rotation == 0
            && self.sar.0 == self.sar.1
            && !self.full_range
    }

    /// The output bands not covered by the picture (empty for `Crop` or exact fits).
    pub fn bars(&self) -> Vec<Rect> {
        let r = self.picture_rect;
        let (ow, oh) = (self.out_width, self.out_height);
        let candidates = [
            Rect { x: 0, y: 0, w: ow, h: r.y },
            Rect { x: 0, y: r.y + r.h, w: ow, h: oh - r.y - r.h },
            Rect { x: 0, y: r.y, w: r.x, h: r.h },
            Rect { x: r.x + r.w, y: r.y, w: ow - r.x - r.w, h: r.h },
        ];
        candidates.into_iter().filter(|b| !b.is_empty()).collect()
    }
}

/// The centred part of a `w`×`h` picture (display aspect `aspect`) that has display aspect
/// `target`.
fn fill_region(w: f64, h: f64, aspect: f64, target: f64) -> Region {
    if aspect > target {
        let width = w * target / aspect;
        Region { left: (w - width) / 2.0, top: 0.0, width, height: h }
    } else {
        let height = h * aspect / target;
        Region { left: 0.0, top: (h - height) / 2.0, width: w, height }
    }
}

/// The largest centred, even-aligned rect of display aspect `aspect` inside `ow`×`oh`.
fn fit_rect(aspect: f64, ow: u32, oh: u32) -> Rect {
    let (owf, ohf) = (f64::from(ow), f64::from(oh));
    let (w, h) = if aspect > owf / ohf {
        (ow, even_at_least_2(owf / aspect, oh))
    } else {
        (even_at_least_2(ohf * aspect, ow), oh)
    };
    // Offsets are rounded down to even so chroma lines up; the far bar takes the odd pair.
    let x = ((ow - w) / 2) & !1;
    let y = ((oh - h) / 2) & !1;
    Rect { x, y, w, h }
}

/// `v` rounded to the nearest even integer, clamped to `2..=max` (`max` is even).
fn even_at_least_2(v: f64, max: u32) -> u32 {
    let half = (v / 2.0).round();
    // `half` is finite and non-negative here; the clamp bounds the cast.
    let half = half.clamp(1.0, f64::from(max / 2)) as u32;
    half * 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(w: u32, h: u32, rot: u32, sar: (u32, u32), fit: Fit) -> GeometryPlan {
        GeometryPlan::new(w, h, rot, sar, false, 1080, 1920, fit).unwrap()
    }

    #[test]
    fn landscape_pad_is_full_width_centred() {
        let p = plan(1920, 1080, 0, (1, 1), Fit::Pad);
        // 1080 wide at 16:9 is 607.5 tall: rounded to even 608, centred on an even line.
        assert_eq!(p.picture_rect, Rect { x: 0, y: 656, w: 1080, h: 608 });
        let bars = p.bars();
        assert_eq!(bars.len(), 2);
        let covered: u32 = bars.iter().map(|b| b.w * b.h).sum::<u32>() + 1080 * 608;
        assert_eq!(covered, 1080 * 1920);
    }

    #[test]
    fn landscape_crop_takes_centre_columns() {
        let p = plan(1920, 1080, 0, (1, 1), Fit::Crop);
        assert_eq!(p.picture_rect, Rect { x: 0, y: 0, w: 1080, h: 1920 });
        let r = p.picture_src;
        assert!((r.width - 1080.0 * 1080.0 / 1920.0).abs() < 1e-9);
        assert!((r.left + r.width / 2.0 - 960.0).abs() < 1e-9);
        assert_eq!(r.height, 1080.0);
    }

    #[test]
    fn quarter_turn_swaps_dimensions_and_sar() {
        let p = plan(640, 360, 90, (1, 1), Fit::Pad);
        assert_eq!((p.rotated_width, p.rotated_height), (360, 640));
        // 360x640 has the output's shape exactly: no bars.
        assert_eq!(p.picture_rect, Rect { x: 0, y: 0, w: 1080, h: 1920 });
        // A 2:1 stretched coded picture turned a quarter is stretched vertically.
        let p = plan(480, 480, 270, (2, 1), Fit::Pad);
        assert_eq!(p.picture_rect, Rect { x: 60, y: 0, w: 960, h: 1920 });
    }

    #[test]
    fn sar_shapes_the_pad() {
        // 480x480 coded with 4:3 pixels is a 640x480 picture.
        let p = plan(480, 480, 0, (4, 3), Fit::Pad);
        assert_eq!(p.picture_rect, Rect { x: 0, y: 554, w: 1080, h: 810 });
    }

    #[test]
    fn blur_background_is_centre_of_picture_rect() {
        let p = plan(1920, 1080, 0, (1, 1), Fit::Blur);
        let bg = p.background_src.unwrap();
        assert!((bg.height - 608.0).abs() < 1e-9);
        assert!((bg.width / bg.height - 1080.0 / 1920.0).abs() < 1e-9);
        assert!((bg.left + bg.width / 2.0 - 540.0).abs() < 1e-9);
        assert!((bg.top - 656.0).abs() < 1e-9);
        // Same shape as the output: nothing to blur.
        assert!(plan(540, 960, 0, (1, 1), Fit::Blur).background_src.is_none());
    }

    #[test]
    fn identity_and_rejections() {
        assert!(plan(1080, 1920, 0, (1, 1), Fit::Crop).is_identity());
        assert!(plan(1080, 1920, 0, (0, 0), Fit::Crop).is_identity());
        assert!(!plan(1080, 1920, 180, (1, 1), Fit::Crop).is_identity());
        assert!(!GeometryPlan::new(1080, 1920, 0, (1, 1), true, 1080, 1920, Fit::Crop).unwrap().is_identity());
        assert!(GeometryPlan::new(0, 10, 0, (1, 1), false, 1080, 1920, Fit::Crop).is_err());
        assert!(GeometryPlan::new(10, 10, 45, (1, 1), false, 1080, 1920, Fit::Crop).is_err());
        assert!(GeometryPlan::new(10, 10, 0, (1000, 1), false, 1080, 1920, Fit::Crop).is_err());
        assert!(GeometryPlan::new(10, 10, 0, (1, 1), false, 1081, 1920, Fit::Crop).is_err());
        assert!(GeometryPlan::new(9000, 10, 0, (1, 1), false, 1080, 1920, Fit::Crop).is_err());
    }

    #[test]
    fn extreme_shapes_stay_inside() {
        for (w, h) in [(8192, 2), (2, 8192), (1, 1), (8191, 8191)] {
            for fit in [Fit::Crop, Fit::Pad, Fit::Blur] {
                let p = plan(w, h, 0, (1, 1), fit);
                let r = p.picture_rect;
                assert!(r.w >= 2 && r.h >= 2 && r.x + r.w <= 1080 && r.y + r.h <= 1920);
                assert!(
                    r.x.is_multiple_of(2) && r.y.is_multiple_of(2) && r.w.is_multiple_of(2) && r.h.is_multiple_of(2)
                );
                let s = p.picture_src;
                assert!(s.width > 0.0 && s.left >= 0.0 && s.left + s.width <= f64::from(w) + 1e-9);
                assert!(s.height > 0.0 && s.top >= 0.0 && s.top + s.height <= f64::from(h) + 1e-9);
            }
        }
    }
}
