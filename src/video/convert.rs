//! Decoded pictures in other sample formats brought to the fit's input: 8-bit 4:2:0.
//!
//! High 10 and 4:2:2/4:4:4 sources (camcorders, broadcast exports, VP9 profile 2, HEVC
//! Main 10 in SDR) arrive as [`Picture`]s with `u16` samples or fuller chroma. The fit and
//! the encoder work on 8-bit 4:2:0, so this is the one place that narrows them:
//!
//! - **Bit depth**: ordered (4x4 Bayer) dithering before dropping the low bits. Plain
//!   truncation bands smooth gradients (sky, walls) in 8-bit; a fixed threshold pattern
//!   keeps the output deterministic (tests compare exact bytes) and costs one add per
//!   sample. The code range is kept: limited-range 64..940 becomes 16..235.
//! - **Chroma**: 4:2:2 averages each vertical pair of chroma rows (4:2:0 chroma sits
//!   between the two luma rows it covers); 4:4:4 first filters `[1 2 1]/4` horizontally at
//!   even columns (the MPEG-2/H.264 default 4:2:0 siting is co-sited with the left luma
//!   sample) and then averages row pairs.
//!
//! HDR transfer functions are not handled here: a PQ/HLG picture narrowed this way is
//! still PQ/HLG (the tone map is a separate stage).

use crate::codec::video::{ChromaFormat, Picture, Plane, Planes};
use crate::error::{Error, Result};
use crate::media::{Frame, FrameRef};

/// 4x4 Bayer matrix (thresholds 0..15).
const BAYER4: [[u16; 4]; 4] = [[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]];

/// Narrows pictures to 8-bit 4:2:0 into a frame it owns and reuses.
#[derive(Debug)]
pub struct Converter {
    frame: Frame,
    /// Scratch rows for 4:4:4 → 4:2:2 (horizontal) before the vertical step.
    row_a: Vec<u16>,
    row_b: Vec<u16>,
}

impl Default for Converter {
    fn default() -> Self {
        Converter { frame: Frame::black(2, 2), row_a: Vec::new(), row_b: Vec::new() }
    }
}

impl Converter {
    /// A converter with no frame allocated yet.
    pub fn new() -> Converter {
        Converter::default()
    }

    /// `picture` as 8-bit 4:2:0: borrowed as it is when it already is, otherwise
    /// converted into this converter's frame (valid until the next call).
    pub fn to_i420<'a>(&'a mut self, picture: &Picture<'a>) -> Result<FrameRef<'a>> {
        if let Some(frame) = picture.as_i420() {
            return Ok(frame);
        }
        self.convert(picture)?;
        Ok(self.frame.view())
    }

    fn convert(&mut self, p: &Picture<'_>) -> Result<()> {
        let (w, h) = (p.width as usize, p.height as usize);
        let (cw, ch) = p.chroma.chroma_size(p.width, p.height);
        let (ow, oh) = Frame::chroma_size(p.width, p.height);
        let bad =
            |what: &str| Error::codec("picture conversion", format!("{what} for a {w}x{h} {:?} picture", p.chroma));
        if w == 0 || h == 0 {
            return Err(bad("no samples"));
        }
        let frame = &mut self.frame;
        frame.width = p.width;
        frame.height = p.height;
        frame.pts = p.pts;
        frame.y.resize(w * h, 16);
        frame.u.resize(ow * oh, 128);
        frame.v.resize(ow * oh, 128);
        match p.planes {
            Planes::U8 { y, u, v } => {
                check_plane(&y, w, h).ok_or_else(|| bad("a short luma plane"))?;
                check_plane(&u, cw, ch).ok_or_else(|| bad("a short Cb plane"))?;
                check_plane(&v, cw, ch).ok_or_else(|| bad("a short Cr plane"))?;
                for r in 0..h {
                    frame.y[r * w..][..w].copy_from_slice(&y.data[r * y.stride..][..w]);
                }
                let (u, v) = (Plane8 { data: u.data, stride: u.stride }, Plane8 { data: v.data, stride: v.stride });
                for (src, dst) in [(&u, &mut frame.u), (&v, &mut frame.v)] {
                    narrow_chroma(p.chroma, src, (cw, ch), dst, (ow, oh), 8, &mut self.row_a, &mut self.row_b);
                }
            }
            Planes::U16 { bit_depth, y, u, v } => {
                if !(9..=16).contains(&bit_depth) {
                    return Err(bad(&format!("a bit depth of {bit_depth}")));
                }
                check_plane(&y, w, h).ok_or_else(|| bad("a short luma plane"))?;
                check_plane(&u, cw, ch).ok_or_else(|| bad("a short Cb plane"))?;
                check_plane(&v, cw, ch).ok_or_else(|| bad("a short Cr plane"))?;
                for r in 0..h {
                    dither_row(&y.data[r * y.stride..][..w], &mut frame.y[r * w..][..w], r, bit_depth);
                }
                for (src, dst) in [(&u, &mut frame.u), (&v, &mut frame.v)] {
                    let src = Plane16 { data: src.data, stride: src.stride };
                    narrow_chroma(p.chroma, &src, (cw, ch), dst, (ow, oh), bit_depth, &mut self.row_a, &mut self.row_b);
                }
            }
        }
        Ok(())
    }
}

/// `Some` when `plane` holds `rows` rows of `cols` samples.
fn check_plane<T>(plane: &Plane<'_, T>, cols: usize, rows: usize) -> Option<()> {
    if rows == 0 || cols == 0 {
        return Some(());
    }
    let need = plane.stride.checked_mul(rows - 1)?.checked_add(cols)?;
    (plane.stride >= cols && plane.data.len() >= need).then_some(())
}

/// Drops `bits - 8` low bits from each sample, adding a Bayer threshold first.
fn dither_row(src: &[u16], dst: &mut [u8], row: usize, bits: u8) {
    let shift = u32::from(bits - 8);
    let pattern = &BAYER4[row & 3];
    for (x, (d, &s)) in dst.iter_mut().zip(src).enumerate() {
        // Thresholds 0..15 scaled to 0..2^shift-1.
        let t = (u32::from(pattern[x & 3]) << shift) >> 4;
        *d = ((u32::from(s) + t) >> shift).min(255) as u8;
    }
}

/// Rows of samples of one width, read as `u16` whatever they are stored as.
trait Rows {
    fn at(&self, row: usize, col: usize) -> u16;
}

struct Plane8<'a> {
    data: &'a [u8],
    stride: usize,
}

struct Plane16<'a> {
    data: &'a [u16],
    stride: usize,
}

impl Rows for Plane8<'_> {
    fn at(&self, row: usize, col: usize) -> u16 {
        u16::from(self.data[row * self.stride + col])
    }
}

impl Rows for Plane16<'_> {
    fn at(&self, row: usize, col: usize) -> u16 {
        self.data[row * self.stride + col]
    }
}

/// One chroma plane of `format` (`size` samples) to 4:2:0 (`out_size`), narrowed from
/// `bits` to 8 bits.
#[allow(clippy::too_many_arguments)]
fn narrow_chroma<R: Rows>(
    format: ChromaFormat,
    src: &R,
    size: (usize, usize),
    dst: &mut [u8],
    out_size: (usize, usize),
    bits: u8,
    row_a: &mut Vec<u16>,
    row_b: &mut Vec<u16>,
) {
    let (cw, ch) = size;
    let (ow, oh) = out_size;
    // Fills `row` with output row `r`'s horizontal samples from source row `sr` at 4:2:0
    // chroma width, still at full precision.
    let horizontal = |sr: usize, row: &mut Vec<u16>| {
        row.clear();
        match format {
            ChromaFormat::Yuv444 => row.extend((0..ow).map(|x| {
                let c = 2 * x;
                let left = src.at(sr, c.saturating_sub(1));
                let right = src.at(sr, (c + 1).min(cw - 1));
                // [1 2 1]/4 around the co-sited sample, rounded.
                ((u32::from(left) + 2 * u32::from(src.at(sr, c)) + u32::from(right) + 2) >> 2) as u16
            })),
            _ => row.extend((0..ow).map(|x| src.at(sr, x.min(cw - 1)))),
        }
    };
    for r in 0..oh {
        let (top, bottom) = match format {
            ChromaFormat::Yuv420 => (r.min(ch - 1), r.min(ch - 1)),
            _ => ((2 * r).min(ch - 1), (2 * r + 1).min(ch - 1)),
        };
        horizontal(top, row_a);
        horizontal(bottom, row_b);
        let out = &mut dst[r * ow..][..ow];
        let shift = u32::from(bits - 8);
        let pattern = &BAYER4[r & 3];
        for (x, d) in out.iter_mut().enumerate() {
            let sum = u32::from(row_a[x]) + u32::from(row_b[x]);
            // Average the pair (one more bit), then dither down to 8 bits.
            let t = (u32::from(pattern[x & 3]) << (shift + 1)) >> 4;
            *d = ((sum + t) >> (shift + 1)).min(255) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture<'a>(w: u32, h: u32, chroma: ChromaFormat, planes: Planes<'a>) -> Picture<'a> {
        Picture { width: w, height: h, chroma, planes, pts: 0.25 }
    }

    #[test]
    fn eight_bit_420_is_borrowed_not_copied() {
        let frame = Frame::filled(4, 4, 50, 60, 70);
        let pic = Picture::from_i420(frame.view());
        let mut conv = Converter::new();
        let out = conv.to_i420(&pic).unwrap();
        assert!(std::ptr::eq(out.y.as_ptr(), frame.y.as_ptr()));
    }

    #[test]
    fn ten_bit_limited_range_keeps_its_range_and_its_mean() {
        // 64 (black), 940 (white) and 502 (a value between two 8-bit codes: 125.5).
        let (w, h) = (8usize, 8usize);
        for (ten, eight_mean) in [(64u16, 16.0), (940, 235.0), (502, 125.5)] {
            let y = vec![ten; w * h];
            let c = vec![512u16; (w / 2) * (h / 2)];
            let (luma, chroma) = (Plane { data: &y[..], stride: w }, Plane { data: &c[..], stride: w / 2 });
            let planes = Planes::U16 { bit_depth: 10, y: luma, u: chroma, v: chroma };
            let pic = picture(w as u32, h as u32, ChromaFormat::Yuv420, planes);
            let mut conv = Converter::new();
            let out = conv.to_i420(&pic).unwrap();
            let mean = out.y.iter().map(|&v| f64::from(v)).sum::<f64>() / out.y.len() as f64;
            assert!((mean - eight_mean).abs() < 0.01, "{ten}: mean {mean}");
            assert!(out.u.iter().all(|&v| v == 128));
            assert_eq!(out.pts, 0.25);
        }
    }

    #[test]
    fn a_ten_bit_ramp_is_dithered_not_banded() {
        // A slow ramp: 4 ten-bit codes per 8-bit code. Truncation would give runs of 4
        // equal values; dithering mixes neighbouring codes so column means follow the ramp.
        let (w, h) = (64usize, 16usize);
        let y: Vec<u16> = (0..h).flat_map(|_| (0..w).map(|x| 256 + x as u16)).collect();
        let c = vec![512u16; w / 2 * h / 2];
        let pic = picture(
            w as u32,
            h as u32,
            ChromaFormat::Yuv420,
            Planes::U16 {
                bit_depth: 10,
                y: Plane { data: &y, stride: w },
                u: Plane { data: &c, stride: w / 2 },
                v: Plane { data: &c, stride: w / 2 },
            },
        );
        let mut conv = Converter::new();
        let out = conv.to_i420(&pic).unwrap();
        for x in 0..w {
            let mean = (0..h).map(|r| f64::from(out.y[r * w + x])).sum::<f64>() / h as f64;
            let want = (256 + x) as f64 / 4.0;
            assert!((mean - want).abs() <= 0.26, "column {x}: {mean} vs {want}");
        }
    }

    #[test]
    fn chroma_422_and_444_are_averaged_onto_420_sites() {
        let (w, h) = (4usize, 4usize);
        let y = vec![100u8; w * h];
        // 4:2:2: chroma rows alternate 100 and 200 → every 4:2:0 row is 150.
        let c422: Vec<u8> = (0..h).flat_map(|r| vec![if r % 2 == 0 { 100 } else { 200 }; w / 2]).collect();
        let pic = picture(
            w as u32,
            h as u32,
            ChromaFormat::Yuv422,
            Planes::U8 {
                y: Plane { data: &y, stride: w },
                u: Plane { data: &c422, stride: w / 2 },
                v: Plane { data: &c422, stride: w / 2 },
            },
        );
        let mut conv = Converter::new();
        let out = conv.to_i420(&pic).unwrap();
        assert_eq!(out.u, &[150, 150, 150, 150]);
        // 4:4:4: a vertical edge at column 2 (0 | 240): [1 2 1] at columns 0 and 2.
        let c444: Vec<u8> = (0..h).flat_map(|_| [0u8, 0, 240, 240]).collect();
        let pic = picture(
            w as u32,
            h as u32,
            ChromaFormat::Yuv444,
            Planes::U8 {
                y: Plane { data: &y, stride: w },
                u: Plane { data: &c444, stride: w },
                v: Plane { data: &c444, stride: w },
            },
        );
        let out = conv.to_i420(&pic).unwrap();
        assert_eq!(out.v, &[0, 180, 0, 180]);
        assert_eq!(out.y, &y[..]);
    }

    #[test]
    fn short_planes_are_an_error_not_a_panic() {
        let y = [0u16; 10];
        let p = Plane { data: &y[..], stride: 4 };
        let pic = picture(4, 4, ChromaFormat::Yuv420, Planes::U16 { bit_depth: 10, y: p, u: p, v: p });
        assert!(Converter::new().to_i420(&pic).is_err());
        let pic = picture(4, 4, ChromaFormat::Yuv420, Planes::U16 { bit_depth: 7, y: p, u: p, v: p });
        assert!(Converter::new().to_i420(&pic).is_err());
    }
}
