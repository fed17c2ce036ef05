//! HDR (BT.2100 HLG or PQ, BT.2020) to SDR BT.709, as a per-stream 3D lookup table from
//! the source's Y'CbCr code values to 8-bit limited-range BT.709 Y'CbCr.
//!
//! The table is built once per stream with the standard maths, node by node:
//!
//! ```text
//! Y'CbCr (10-bit, BT.2020 NCL) → R'G'B' → display light in cd/m²
//!     PQ:  SMPTE ST 2084 EOTF
//!     HLG: BT.2100 inverse OETF, then the OOTF (system gamma 1.2 at 1000 cd/m²)
//! → highlight roll-off: BT.2390 EETF in the PQ domain on max(R,G,B), from the source's
//!   peak (mastering display / content light level metadata; 1000 cd/m² for HLG) to SDR
//!   white, hue kept by scaling R, G and B alike
//! → BT.2408 reference white (203 cd/m², HLG 75%) becomes SDR 100%
//! → BT.2020 → BT.709 primaries, BT.1886 inverse (gamma 1/2.4: the conversion is
//!   display-referred), then gamut compression toward the achromatic axis (the ACES
//!   reference gamut compressor's soft knee) instead of clipping to neon
//! → Y'CbCr BT.709, limited range, in fractional 8-bit code values
//! ```
//!
//! Per pixel the table is interpolated trilinearly and the result dithered to 8 bits with
//! an 8x8 ordered (Bayer) pattern: cheap, deterministic, and no banding in skies. Luma is
//! looked up at full resolution with its pixel's chroma; each output chroma sample with
//! the mean of its four luma samples, so 4:2:0 costs 1.25 lookups per pixel.

use rayon::prelude::*;

use crate::codec::video::{ChromaFormat, Picture, Planes};
use crate::error::{Error, Result};
use crate::media::color::{DynamicRange, HdrInfo};
use crate::media::{ColorInfo, Frame};

/// Grid nodes along luma and along each chroma axis. Luma carries the transfer curve's
/// bend, so it gets the finer grid; 65 × 33 × 33 nodes × 3 values = 850 kB of f32.
const NY: usize = 65;
const NC: usize = 33;

/// BT.2408 HDR reference white (and HLG 75 %), in cd/m².
pub const REFERENCE_WHITE: f64 = 203.0;
/// The nominal peak of an HLG display the OOTF is defined for, in cd/m².
pub const HLG_PEAK: f64 = 1000.0;

/// SMPTE ST 2084 (PQ) constants.
const PQ_M1: f64 = 2610.0 / 16384.0;
const PQ_M2: f64 = 2523.0 / 4096.0 * 128.0;
const PQ_C1: f64 = 3424.0 / 4096.0;
const PQ_C2: f64 = 2413.0 / 4096.0 * 32.0;
const PQ_C3: f64 = 2392.0 / 4096.0 * 32.0;

/// BT.2100 HLG OETF constants.
const HLG_A: f64 = 0.178_832_77;
const HLG_B: f64 = 0.284_668_92;
const HLG_C: f64 = 0.559_910_73;

/// PQ EOTF: non-linear signal 0..1 → display light in cd/m² (0..10000).
pub fn pq_eotf(e: f64) -> f64 {
    let p = e.clamp(0.0, 1.0).powf(1.0 / PQ_M2);
    10000.0 * ((p - PQ_C1).max(0.0) / (PQ_C2 - PQ_C3 * p)).powf(1.0 / PQ_M1)
}

/// PQ inverse EOTF: cd/m² → non-linear signal 0..1.
pub fn pq_inverse_eotf(nits: f64) -> f64 {
    let y = (nits / 10000.0).clamp(0.0, 1.0).powf(PQ_M1);
    ((PQ_C1 + PQ_C2 * y) / (1.0 + PQ_C3 * y)).powf(PQ_M2)
}

/// HLG inverse OETF: non-linear signal 0..1 → normalised scene light 0..1.
pub fn hlg_inverse_oetf(e: f64) -> f64 {
    let e = e.clamp(0.0, 1.0);
    if e <= 0.5 {
        e * e / 3.0
    } else {
        (((e - HLG_C) / HLG_A).exp() + HLG_B) / 12.0
    }
}

/// HLG OETF: normalised scene light 0..1 → non-linear signal 0..1.
pub fn hlg_oetf(l: f64) -> f64 {
    let l = l.clamp(0.0, 1.0);
    if l <= 1.0 / 12.0 {
        (3.0 * l).sqrt()
    } else {
        HLG_A * (12.0 * l - HLG_B).ln() + HLG_C
    }
}

/// HLG system gamma for a display of peak `lw` cd/m² (BT.2100 note 5f).
pub fn hlg_system_gamma(lw: f64) -> f64 {
    1.2 + 0.42 * (lw / 1000.0).log10()
}

/// HLG OOTF on linear BT.2020 scene RGB (0..1): display light in cd/m² for a display of
/// peak `lw` (black level 0).
pub fn hlg_ootf(rgb: [f64; 3], lw: f64) -> [f64; 3] {
    let ys = 0.2627 * rgb[0] + 0.6780 * rgb[1] + 0.0593 * rgb[2];
    let gain = if ys > 0.0 { lw * ys.powf(hlg_system_gamma(lw) - 1.0) } else { 0.0 };
    rgb.map(|c| gain * c)
}

/// BT.2390 EETF: maps display light `nits` from a source whose peak is `src_peak` to a
/// target whose peak is `dst_peak` (both cd/m², black 0), in the PQ domain: identity up
/// to the knee, then a Hermite spline that reaches the target peak at the source peak.
pub fn bt2390_eetf(nits: f64, src_peak: f64, dst_peak: f64) -> f64 {
    if src_peak <= dst_peak {
        return nits.min(dst_peak);
    }
    let src_max = pq_inverse_eotf(src_peak);
    let e1 = pq_inverse_eotf(nits) / src_max;
    let max_lum = pq_inverse_eotf(dst_peak) / src_max;
    let ks = 1.5 * max_lum - 0.5;
    let e2 = if e1 < ks || ks >= 1.0 {
        e1
    } else {
        let t = ((e1 - ks) / (1.0 - ks)).min(1.0);
        let (t2, t3) = (t * t, t * t * t);
        (2.0 * t3 - 3.0 * t2 + 1.0) * ks + (t3 - 2.0 * t2 + t) * (1.0 - ks) + (-2.0 * t3 + 3.0 * t2) * max_lum
    };
    pq_eotf(e2.min(max_lum) * src_max)
}

/// BT.2020 → BT.709 primaries (linear light, D65 both).
const BT2020_TO_709: [[f64; 3]; 3] =
    [[1.660_491, -0.587_641, -0.072_850], [-0.124_550, 1.132_900, -0.008_349], [-0.018_151, -0.100_579, 1.118_730]];
/// Display P3 → BT.709.
const P3_TO_709: [[f64; 3]; 3] =
    [[1.224_940, -0.224_940, 0.0], [-0.042_057, 1.042_057, 0.0], [-0.019_638, -0.078_636, 1.098_274]];

fn mul(m: &[[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|i| m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2])
}

/// Soft gamut compression (after the ACES reference gamut compressor), on BT.709 R'G'B'
/// already gamma-encoded (sign kept for negatives): each channel's distance from the
/// achromatic axis (the largest channel) is left alone below `THRESHOLD` and compressed
/// above it so that the farthest source colour (`LIMITS`, per channel: BT.2020's green,
/// red and blue primaries seen from BT.709) lands exactly on the BT.709 boundary. Hue
/// order is kept; nothing is clipped to a primary. Working after the gamma matters: in
/// linear light, the few per cent a soft knee moves a near-zero channel become a
/// quarter of the signal once encoded, and saturated colours turn pastel.
pub fn compress_gamut(rgb: [f64; 3]) -> [f64; 3] {
    const THRESHOLD: f64 = 0.95;
    const LIMITS: [f64; 3] = [1.76, 1.34, 1.36];
    const POWER: f64 = 1.2;
    let ach = rgb[0].max(rgb[1]).max(rgb[2]);
    if ach <= 0.0 {
        return [0.0; 3];
    }
    let mut out = rgb;
    for (c, lim) in out.iter_mut().zip(LIMITS) {
        let d = (ach - *c) / ach;
        if d <= THRESHOLD {
            continue;
        }
        // Scale so that `lim` maps to 1 (the gamut boundary).
        let s = (lim - THRESHOLD) / (((1.0 - THRESHOLD) / (lim - THRESHOLD)).powf(-POWER) - 1.0).powf(1.0 / POWER);
        let x = (d - THRESHOLD) / s;
        let dc = THRESHOLD + s * x / (1.0 + x.powf(POWER)).powf(1.0 / POWER);
        *c = ach - dc * ach;
    }
    out
}

/// Luma coefficients (Kr, Kb) of a matrix_coefficients code point, falling back to the
/// primaries' own when it is unspecified.
fn luma_coefficients(color: &ColorInfo) -> (f64, f64) {
    match (color.matrix, color.primaries) {
        (9 | 10, _) | (2, 9) => (0.2627, 0.0593),
        (5 | 6, _) => (0.299, 0.114),
        _ => (0.2126, 0.0722),
    }
}

/// The source's transfer to display light, in cd/m².
#[derive(Clone, Copy, Debug, PartialEq)]
enum Transfer {
    Pq,
    Hlg,
    /// SDR gamma (BT.1886) with white at the reference white.
    Sdr,
}

/// A per-stream HDR → SDR BT.709 conversion table.
pub struct ToneMap {
    /// Output Y', Cb, Cr (fractional 8-bit code values) per node, index
    /// `(iy * NC + iu) * NC + iv`.
    y: Vec<f32>,
    /// Cb and Cr side by side: the chroma lookups always want both at one position.
    uv: Vec<[f32; 2]>,
    /// The source peak the roll-off starts from, in cd/m² (reported).
    source_peak: f64,
}

impl std::fmt::Debug for ToneMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToneMap").field("source_peak", &self.source_peak).finish_non_exhaustive()
    }
}

/// The source's peak luminance in cd/m²: the content's brightest pixel (MaxCLL) when
/// known, else the mastering display's peak, else 1000 (what HDR10 grades usually
/// target); kept within what PQ can say.
fn source_peak(transfer: Transfer, hdr: Option<&HdrInfo>) -> f64 {
    match transfer {
        Transfer::Hlg => HLG_PEAK,
        Transfer::Sdr => REFERENCE_WHITE,
        Transfer::Pq => {
            let cll = hdr.and_then(|h| h.content_light).map(|c| f64::from(c.max_cll)).filter(|&c| c > 0.0);
            let mastering =
                hdr.and_then(|h| h.mastering).map(|m| f64::from(m.max_luminance) / 10000.0).filter(|&m| m > 0.0);
            let peak = match (cll, mastering) {
                (Some(c), Some(m)) => c.min(m),
                (Some(p), None) | (None, Some(p)) => p,
                (None, None) => 1000.0,
            };
            peak.clamp(REFERENCE_WHITE, 10000.0)
        }
    }
}

impl ToneMap {
    /// The table for a stream with colour `color`, when it is HDR (HLG or PQ); `None`
    /// for SDR, which needs no tone mapping. Limited-range input.
    pub fn for_stream(color: &ColorInfo, hdr: Option<&HdrInfo>) -> Option<ToneMap> {
        match color.dynamic_range() {
            DynamicRange::Sdr => None,
            _ => Some(Self::build(color, hdr, false)),
        }
    }

    /// The table the fit needs for `video`, when its colour is not SDR BT.709: HDR is
    /// tone-mapped, SDR in a wider gamut (BT.2020, P3) only converted.
    pub fn needed_for(video: &crate::media::VideoInfo) -> Option<ToneMap> {
        (!video.color.is_sdr_709_compatible()).then(|| Self::build(&video.color, Some(&video.hdr), video.full_range))
    }

    /// Like [`ToneMap::for_stream`] for full- or limited-range input, and for SDR input
    /// too (then only gamut and bit depth are converted): any source colour to 8-bit
    /// limited BT.709.
    pub fn build(color: &ColorInfo, hdr: Option<&HdrInfo>, full_range: bool) -> ToneMap {
        let transfer = match color.dynamic_range() {
            DynamicRange::Pq => Transfer::Pq,
            DynamicRange::Hlg => Transfer::Hlg,
            DynamicRange::Sdr => Transfer::Sdr,
        };
        let gamut = match color.primaries {
            9 => Some(&BT2020_TO_709),
            12 | 11 => Some(&P3_TO_709),
            2 if matches!(color.matrix, 9 | 10) => Some(&BT2020_TO_709),
            _ => None,
        };
        let (kr, kb) = luma_coefficients(color);
        let kg = 1.0 - kr - kb;
        let peak = source_peak(transfer, hdr);
        let n = NY * NC * NC;
        let (mut ys, mut uvs) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for iy in 0..NY {
            for iu in 0..NC {
                for iv in 0..NC {
                    // Node position as a 10-bit code value (the grid spans 0..=1023).
                    let code = |i: usize, n: usize| i as f64 * 1023.0 / (n - 1) as f64;
                    let (yc, uc, vc) = (code(iy, NY), code(iu, NC), code(iv, NC));
                    let (y, cb, cr) = if full_range {
                        (yc / 1023.0, (uc - 512.0) / 1023.0, (vc - 512.0) / 1023.0)
                    } else {
                        ((yc - 64.0) / 876.0, (uc - 512.0) / 896.0, (vc - 512.0) / 896.0)
                    };
                    let r = y + 2.0 * (1.0 - kr) * cr;
                    let b = y + 2.0 * (1.0 - kb) * cb;
                    let g = (y - kr * r - kb * b) / kg;
                    let out = node(transfer, [r, g, b], peak, gamut);
                    ys.push(out[0]);
                    uvs.push([out[1], out[2]]);
                }
            }
        }
        ToneMap { y: ys, uv: uvs, source_peak: peak }
    }

    /// The peak (cd/m²) the highlight roll-off maps to SDR white.
    pub fn source_peak(&self) -> f64 {
        self.source_peak
    }

    /// Output (Y', Cb, Cr) in fractional 8-bit code values for a source sample given as
    /// positions on the 10-bit code scale (0..=1023).
    pub fn lookup(&self, y: f32, u: f32, v: f32) -> [f32; 3] {
        let at = (position(y, NY), position(u, NC), position(v, NC));
        let [cb, cr] = trilinear(&self.uv, at.0, at.1, at.2);
        [trilinear(&self.y, at.0, at.1, at.2), cb, cr]
    }

    /// Converts `pic` (8- to 16-bit, 4:2:0, 4:2:2 or 4:4:4) into `out`, an 8-bit 4:2:0
    /// limited-range BT.709 frame of the same size, rows in parallel.
    pub fn apply(&self, pic: &Picture<'_>, out: &mut Frame) -> Result<()> {
        match pic.planes {
            Planes::U8 { y, u, v } => {
                self.apply_planes(pic, out, 8, [y.data, u.data, v.data], [y.stride, u.stride, v.stride])
            }
            Planes::U16 { bit_depth, y, u, v } => {
                self.apply_planes(pic, out, bit_depth, [y.data, u.data, v.data], [y.stride, u.stride, v.stride])
            }
        }
    }

    fn apply_planes<T: Copy + Into<u32> + Sync>(
        &self,
        pic: &Picture<'_>,
        out: &mut Frame,
        bit_depth: u8,
        planes: [&[T]; 3],
        strides: [usize; 3],
    ) -> Result<()> {
        let (w, h) = (pic.width as usize, pic.height as usize);
        let (cw, ch) = pic.chroma.chroma_size(pic.width, pic.height);
        if w == 0 || h == 0 || !(8..=16).contains(&bit_depth) {
            return Err(Error::codec("tone map", format!("{w}x{h} {bit_depth}-bit picture")));
        }
        let need = |stride: usize, cols: usize, rows: usize| {
            (stride >= cols).then(|| stride.checked_mul(rows - 1).and_then(|n| n.checked_add(cols))).flatten()
        };
        let sizes = [(w, h), (cw, ch), (cw, ch)];
        for ((plane, stride), (cols, rows)) in planes.iter().zip(strides).zip(sizes) {
            if need(stride, cols, rows).is_none_or(|n| plane.len() < n) {
                return Err(Error::codec("tone map", format!("a {cols}x{rows} plane does not fit its buffer")));
            }
        }
        let (ocw, och) = Frame::chroma_size(pic.width, pic.height);
        out.width = pic.width;
        out.height = pic.height;
        out.pts = pic.pts;
        out.y.resize(w * h, 0);
        out.u.resize(ocw * och, 0);
        out.v.resize(ocw * och, 0);
        match pic.chroma {
            ChromaFormat::Yuv420 => self.apply_420(out, (w, h), bit_depth, planes, strides),
            chroma => self.apply_general(out, (w, h), chroma, bit_depth, planes, strides),
        }
        Ok(())
    }

    /// The dithered output Cb and Cr of chroma site (`x`, `row`), from the mean of the luma
    /// it covers and its source chroma, all on the 10-bit code scale.
    #[inline]
    fn chroma_site(&self, luma: f32, cb: f32, cr: f32, x: usize, row: usize) -> (u8, u8) {
        let [u, v] = trilinear(&self.uv, position(luma, NY), position(cb, NC), position(cr, NC));
        (dither(u, x, row), dither(v, x + 3, row + 5))
    }

    /// Any chroma layout: luma per pixel, then each output chroma sample from the means of
    /// the luma and source chroma covering it. Sizes are checked by the caller.
    fn apply_general<T: Copy + Into<u32> + Sync>(
        &self,
        out: &mut Frame,
        (w, h): (usize, usize),
        chroma: ChromaFormat,
        bit_depth: u8,
        planes: [&[T]; 3],
        strides: [usize; 3],
    ) {
        let ocw = w.div_ceil(2);
        // Samples to the 10-bit code scale the table is indexed by.
        let scale = 1023.0 / ((1u32 << bit_depth) - 1) as f32;
        let (sx, sy) = match chroma {
            ChromaFormat::Yuv420 => (1, 1),
            ChromaFormat::Yuv422 => (1, 0),
            ChromaFormat::Yuv444 => (0, 0),
        };
        let [py, pu, pv] = planes;
        let [sty, stu, stv] = strides;
        let get = |p: &[T], stride: usize, x: usize, y: usize| p[y * stride + x].into() as f32 * scale;
        let (on_y, on_c) = (positions(NY, bit_depth), positions(NC, bit_depth));
        let max = on_y.len() - 1;
        let code = |p: &[T], stride: usize, x: usize, y: usize| (p[y * stride + x].into() as usize).min(max);
        out.y.par_chunks_mut(w).enumerate().for_each(|(row, line)| {
            let cy = row >> sy;
            let src = &py[row * sty..row * sty + w];
            for (x, (o, &s)) in line.iter_mut().zip(src).enumerate() {
                let cx = x >> sx;
                let (cu, cv) = (on_c[code(pu, stu, cx, cy)], on_c[code(pv, stv, cx, cy)]);
                let val = trilinear(&self.y, on_y[(s.into() as usize).min(max)], cu, cv);
                *o = dither(val, x, row);
            }
        });
        out.u.par_chunks_mut(ocw).zip(out.v.par_chunks_mut(ocw)).enumerate().for_each(|(crow, (lu, lv))| {
            let (y0, y1) = (2 * crow, (2 * crow + 1).min(h - 1));
            for x in 0..ocw {
                let (x0, x1) = (2 * x, (2 * x + 1).min(w - 1));
                let luma =
                    (get(py, sty, x0, y0) + get(py, sty, x1, y0) + get(py, sty, x0, y1) + get(py, sty, x1, y1)) * 0.25;
                // Source chroma for this output sample: the mean of what covers it.
                let (cx0, cx1, cy0, cy1) = (x0 >> sx, x1 >> sx, y0 >> sy, y1 >> sy);
                let c = |p: &[T], s: usize| {
                    (get(p, s, cx0, cy0) + get(p, s, cx1, cy0) + get(p, s, cx0, cy1) + get(p, s, cx1, cy1)) * 0.25
                };
                (lu[x], lv[x]) = self.chroma_site(luma, c(pu, stu), c(pv, stv), x, crow);
            }
        });
    }

    /// [`ToneMap::apply_planes`] for 4:2:0, the layout of nearly all HDR video, in one
    /// pass over chroma sites: each reads its 2x2 luma block and its Cb/Cr pair once, and
    /// its four luma lookups share the site's chroma interpolation (the bilinear step of
    /// `trilinear`, done once per luma node the block needs). Same arithmetic, same output
    /// as the general path (a unit test holds them equal); with the interleaved Cb/Cr
    /// table, the 1080p bench went from 15.6 to 11.3 ms. Sizes are checked by the caller.
    fn apply_420<T: Copy + Into<u32> + Sync>(
        &self,
        out: &mut Frame,
        (w, h): (usize, usize),
        bit_depth: u8,
        [py, pu, pv]: [&[T]; 3],
        [sty, stu, stv]: [usize; 3],
    ) {
        let ocw = w.div_ceil(2);
        let scale = 1023.0 / ((1u32 << bit_depth) - 1) as f32;
        let (on_y, on_c) = (positions(NY, bit_depth), positions(NC, bit_depth));
        let max = on_y.len() - 1;
        let code = |s: T| (s.into() as usize).min(max);
        let rows = out.y.par_chunks_mut(2 * w).zip(out.u.par_chunks_mut(ocw)).zip(out.v.par_chunks_mut(ocw));
        rows.enumerate().for_each(|(crow, ((luma, lu), lv))| {
            let (y0, y1) = (2 * crow, (2 * crow + 1).min(h - 1));
            let (r0, r1) = (&py[y0 * sty..][..w], &py[y1 * sty..][..w]);
            let (ru, rv) = (&pu[crow * stu..][..ocw], &pv[crow * stv..][..ocw]);
            // The last chunk holds one row when the height is odd.
            let (out0, out1) = luma.split_at_mut(w);
            for x in 0..ocw {
                let (x0, x1) = (2 * x, (2 * x + 1).min(w - 1));
                let (cu, cv) = (ru[x], rv[x]);
                let ((iu, fu), (iv, fv)) = (on_c[code(cu)], on_c[code(cv)]);
                let mut node = NodeCache::new(&self.y, iu, fu, iv, fv);
                for (row, src, dst) in [(y0, r0, &mut *out0), (y1, r1, &mut *out1)] {
                    for xx in [x0, x1] {
                        if let Some(o) = dst.get_mut(xx) {
                            let (iy, fy) = on_y[code(src[xx])];
                            *o = dither(node.at(iy, fy), xx, row);
                        }
                    }
                }
                // Output chroma from the mean of the block's luma, as the general path.
                let get = |s: T| s.into() as f32 * scale;
                let mean = (get(r0[x0]) + get(r0[x1]) + get(r1[x0]) + get(r1[x1])) * 0.25;
                (lu[x], lv[x]) = self.chroma_site(mean, get(cu), get(cv), x, crow);
            }
        });
    }
}

/// One table's values at a fixed chroma position, per luma node, interpolated over the
/// chroma axes and kept for the last two nodes asked for (a 2x2 block's luma samples
/// almost always fall between the same two nodes).
struct NodeCache<'a> {
    table: &'a [f32],
    iu: usize,
    fu: f32,
    iv: usize,
    fv: f32,
    /// `(node, value)` for the lower and upper node of the last lookup.
    lo: (usize, f32),
    hi: (usize, f32),
}

impl<'a> NodeCache<'a> {
    fn new(table: &'a [f32], iu: usize, fu: f32, iv: usize, fv: f32) -> Self {
        NodeCache { table, iu, fu, iv, fv, lo: (usize::MAX, 0.0), hi: (usize::MAX, 0.0) }
    }

    /// The table's value at luma node `iy` (chroma interpolated), as `trilinear` computes it.
    fn node(&self, iy: usize) -> f32 {
        bilinear(self.table, iy, (self.iu, self.fu), (self.iv, self.fv))
    }

    fn get(&mut self, iy: usize) -> f32 {
        for (n, v) in [self.lo, self.hi] {
            if n == iy {
                return v;
            }
        }
        self.node(iy)
    }

    /// The trilinear value between luma nodes `iy` and `iy + 1` at fraction `fy`.
    fn at(&mut self, iy: usize, fy: f32) -> f32 {
        let (a, b) = (self.get(iy), self.get(iy + 1));
        (self.lo, self.hi) = ((iy, a), (iy + 1, b));
        a.lerp(b, fy)
    }
}

/// Lower node and fraction of a position `c` on the 10-bit code scale, on an axis of `n`
/// nodes spanning 0..=1023.
fn position(c: f32, n: usize) -> (usize, f32) {
    let p = (c * ((n - 1) as f32 / 1023.0)).clamp(0.0, (n - 1) as f32);
    let i = (p as usize).min(n - 2);
    (i, p - i as f32)
}

/// [`position`] of every code value a `bit_depth` sample can hold, so the per-pixel work
/// is a lookup: a 4K frame has 8.3 million luma samples but only 1024 distinct 10-bit values.
fn positions(n: usize, bit_depth: u8) -> Vec<(usize, f32)> {
    let max = (1u32 << bit_depth) - 1;
    (0..=max).map(|c| position(c as f32 * 1023.0 / max as f32, n)).collect()
}

/// A table entry: one value (luma) or a Cb/Cr pair, interpolated alike.
trait Lerp: Copy {
    fn lerp(self, to: Self, f: f32) -> Self;
}

impl Lerp for f32 {
    #[inline]
    fn lerp(self, to: f32, f: f32) -> f32 {
        self + (to - self) * f
    }
}

impl Lerp for [f32; 2] {
    #[inline]
    fn lerp(self, to: [f32; 2], f: f32) -> [f32; 2] {
        [self[0].lerp(to[0], f), self[1].lerp(to[1], f)]
    }
}

/// Trilinear interpolation of table `t` between the nodes at and after each position.
#[inline]
fn trilinear<T: Lerp>(t: &[T], (iy, fy): (usize, f32), u: (usize, f32), v: (usize, f32)) -> T {
    bilinear(t, iy, u, v).lerp(bilinear(t, iy + 1, u, v), fy)
}

/// Table `t` at luma node `iy`, interpolated between the chroma nodes at and after each
/// chroma position.
#[inline]
fn bilinear<T: Lerp>(t: &[T], iy: usize, (iu, fu): (usize, f32), (iv, fv): (usize, f32)) -> T {
    let base = (iy * NC + iu) * NC + iv;
    let cell = &t[base..base + NC + 2];
    cell[0].lerp(cell[1], fv).lerp(cell[NC].lerp(cell[NC + 1], fv), fu)
}

/// One table node: normalised source R'G'B' → output (Y', Cb, Cr) 8-bit code values.
fn node(transfer: Transfer, rgb: [f64; 3], src_peak: f64, gamut: Option<&[[f64; 3]; 3]>) -> [f32; 3] {
    // Display light, cd/m².
    let light = match transfer {
        Transfer::Pq => rgb.map(pq_eotf),
        Transfer::Hlg => hlg_ootf(rgb.map(hlg_inverse_oetf), HLG_PEAK),
        Transfer::Sdr => rgb.map(|c| REFERENCE_WHITE * c.clamp(0.0, 1.0).powf(2.4)),
    };
    // Roll-off on the largest channel, applied to all three alike: hue and saturation are
    // kept and no channel passes SDR white.
    let m = light[0].max(light[1]).max(light[2]);
    let gain = if m > 0.0 { bt2390_eetf(m, src_peak, REFERENCE_WHITE) / m } else { 0.0 };
    let rel = light.map(|c| (c * gain / REFERENCE_WHITE).max(0.0));
    // BT.1886 inverse with black at 0: display-referred to the SDR signal.
    let [r, g, b] = match gamut {
        Some(matrix) => compress_gamut(encode(mul(matrix, rel))),
        None => encode(rel),
    }
    .map(|c| c.clamp(0.0, 1.0));
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let cb = (b - y) / 1.8556;
    let cr = (r - y) / 1.5748;
    [(16.0 + 219.0 * y) as f32, (128.0 + 224.0 * cb) as f32, (128.0 + 224.0 * cr) as f32]
}

/// BT.1886 inverse (gamma 1/2.4, black 0), sign kept so that out-of-gamut negatives stay
/// measurable for the gamut compression.
fn encode(rgb: [f64; 3]) -> [f64; 3] {
    rgb.map(|c| c.signum() * c.abs().powf(1.0 / 2.4))
}

/// 8x8 Bayer thresholds, 0..64.
const BAYER: [[u8; 8]; 8] = [
    [0, 32, 8, 40, 2, 34, 10, 42],
    [48, 16, 56, 24, 50, 18, 58, 26],
    [12, 44, 4, 36, 14, 46, 6, 38],
    [60, 28, 52, 20, 62, 30, 54, 22],
    [3, 35, 11, 43, 1, 33, 9, 41],
    [51, 19, 59, 27, 49, 17, 57, 25],
    [15, 47, 7, 39, 13, 45, 5, 37],
    [63, 31, 55, 23, 61, 29, 53, 21],
];

/// [`BAYER`] as the fractions added before truncating: `(threshold + 0.5) / 64`.
const THRESHOLDS: [[f32; 8]; 8] = {
    let mut t = [[0.0; 8]; 8];
    let mut i = 0;
    while i < 64 {
        t[i / 8][i % 8] = (BAYER[i / 8][i % 8] as f32 + 0.5) / 64.0;
        i += 1;
    }
    t
};

/// Rounds a fractional code value to 8 bits with an ordered dither.
#[inline]
fn dither(v: f32, x: usize, y: usize) -> u8 {
    // Truncation after the clamp is the floor (no libm call per sample).
    (v + THRESHOLDS[y & 7][x & 7]).clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::video::Plane;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn pq_known_values() {
        assert!(close(pq_eotf(1.0), 10000.0, 1e-6));
        assert_eq!(pq_eotf(0.0), 0.0);
        // 100 cd/m² is PQ 0.5081, 1000 cd/m² 0.7518 (BT.2100 / BT.2408 tables).
        assert!(close(pq_inverse_eotf(100.0), 0.5081, 1e-4));
        assert!(close(pq_inverse_eotf(1000.0), 0.7518, 1e-4));
        assert!(close(pq_eotf(pq_inverse_eotf(203.0)), 203.0, 1e-6));
    }

    #[test]
    fn hlg_known_values() {
        assert!(close(hlg_inverse_oetf(0.5), 1.0 / 12.0, 1e-12));
        assert!(close(hlg_oetf(1.0 / 12.0), 0.5, 1e-12));
        assert!(close(hlg_inverse_oetf(1.0), 1.0, 1e-6));
        assert!(close(hlg_oetf(hlg_inverse_oetf(0.8)), 0.8, 1e-9));
        assert!(close(hlg_system_gamma(1000.0), 1.2, 1e-12));
        // BT.2408: HLG 75 % grey is the 203 cd/m² reference white on a 1000 cd/m² display.
        let e = hlg_inverse_oetf(0.75);
        let d = hlg_ootf([e; 3], 1000.0);
        assert!(close(d[1], 203.0, 1.0), "{d:?}");
        // Peak white is the display peak.
        assert!(close(hlg_ootf([1.0; 3], 1000.0)[0], 1000.0, 1e-9));
    }

    #[test]
    fn the_eetf_is_identity_below_the_knee_and_reaches_the_target_peak() {
        assert!(close(bt2390_eetf(20.0, 1000.0, 203.0), 20.0, 1e-6));
        assert!(close(bt2390_eetf(1000.0, 1000.0, 203.0), 203.0, 0.5));
        assert!(bt2390_eetf(400.0, 1000.0, 203.0) < 203.0);
        let mut last = 0.0;
        for n in (0..=1000).step_by(10) {
            let v = bt2390_eetf(n as f64, 1000.0, 203.0);
            assert!(v >= last - 1e-9, "monotonic at {n}");
            last = v;
        }
        // A source no brighter than the target needs no roll-off.
        assert_eq!(bt2390_eetf(90.0, 100.0, 203.0), 90.0);
    }

    #[test]
    fn gamut_compression_keeps_in_gamut_colours_and_lands_primaries_inside() {
        assert_eq!(compress_gamut([0.5, 0.4, 0.3]), [0.5, 0.4, 0.3]);
        // BT.709's own primaries move by a hair only.
        assert!(compress_gamut([1.0, 0.0, 0.0]).iter().all(|&c| c < 0.03 || c == 1.0));
        for p in [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]] {
            let c = compress_gamut(encode(mul(&BT2020_TO_709, p)));
            assert!(c.iter().all(|&v| v >= -1e-3), "{p:?} → {c:?}");
        }
        // Compression, not clipping: a slightly out-of-gamut green keeps some red/blue
        // difference from a more out-of-gamut one.
        let a = compress_gamut(encode(mul(&BT2020_TO_709, [0.15, 1.0, 0.15])));
        let b = compress_gamut(encode(mul(&BT2020_TO_709, [0.0, 1.0, 0.0])));
        assert!(a[0] + a[2] > b[0] + b[2] + 0.01, "{a:?} {b:?}");
    }

    fn hlg() -> ColorInfo {
        ColorInfo { primaries: 9, transfer: 18, matrix: 9 }
    }

    #[test]
    fn sdr_gets_no_tone_map_and_hdr_does() {
        assert!(ToneMap::for_stream(&ColorInfo::default(), None).is_none());
        assert!(ToneMap::for_stream(&hlg(), None).is_some());
        let pq = ColorInfo { primaries: 9, transfer: 16, matrix: 9 };
        let hdr = HdrInfo {
            content_light: Some(crate::media::color::ContentLight { max_cll: 600, max_fall: 200 }),
            ..HdrInfo::default()
        };
        assert_eq!(ToneMap::for_stream(&pq, Some(&hdr)).unwrap().source_peak(), 600.0);
        assert_eq!(ToneMap::for_stream(&pq, None).unwrap().source_peak(), 1000.0);
    }

    #[test]
    fn hlg_reference_points_land_where_bt2408_puts_them() {
        let t = ToneMap::for_stream(&hlg(), None).unwrap();
        // 10-bit limited-range neutral: Y = 64 + 876·E', chroma 512.
        let luma = |e: f32| t.lookup(64.0 + 876.0 * e, 512.0, 512.0);
        let black = luma(0.0);
        assert!(close(black[0] as f64, 16.0, 0.5) && close(black[1] as f64, 128.0, 0.5), "{black:?}");
        // Reference white (HLG 75 %) near SDR white, below it (the knee keeps headroom for
        // highlights); HLG 100 % reaches SDR 100 %.
        let white = luma(0.75)[0];
        assert!((205.0..=235.5).contains(&white), "75% → {white}");
        assert!(close(luma(1.0)[0] as f64, 235.0, 1.0));
        // Neutral stays neutral.
        assert!(close(luma(0.5)[1] as f64, 128.0, 0.3) && close(luma(0.5)[2] as f64, 128.0, 0.3));
        let mut last = 0.0;
        for i in 0..=20 {
            let y = luma(i as f32 / 20.0)[0];
            assert!(y >= last, "monotonic");
            last = y;
        }
    }

    /// The 4:2:0 fast path gives what the general path gives, sample for sample, on
    /// noise at 10 and 12 bits (the halved pictures' depth) and at odd sizes.
    #[test]
    fn the_420_path_matches_the_general_one() {
        let t = ToneMap::for_stream(&hlg(), None).unwrap();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |bits: u8| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % (1 << bits)) as u16
        };
        for (w, h, bits) in [(64usize, 48usize, 10u8), (33, 17, 12), (7, 5, 10)] {
            let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
            // Strides wider than the rows, as decoders lend them.
            let y: Vec<u16> = (0..(w + 3) * h).map(|_| next(bits)).collect();
            let u: Vec<u16> = (0..(cw + 1) * ch).map(|_| next(bits)).collect();
            let v: Vec<u16> = (0..(cw + 1) * ch).map(|_| next(bits)).collect();
            let planes = [&y[..], &u[..], &v[..]];
            let strides = [w + 3, cw + 1, cw + 1];
            let (mut fast, mut general) = (Frame::black(w as u32, h as u32), Frame::black(w as u32, h as u32));
            t.apply_420(&mut fast, (w, h), bits, planes, strides);
            t.apply_general(&mut general, (w, h), ChromaFormat::Yuv420, bits, planes, strides);
            assert_eq!((fast.y, fast.u, fast.v), (general.y, general.u, general.v), "{w}x{h} {bits}-bit");
        }
    }

    #[test]
    fn apply_makes_a_dithered_420_frame() {
        let t = ToneMap::for_stream(&hlg(), None).unwrap();
        let (w, h) = (6u32, 4u32);
        // Mid-grey HLG 50 %, 10-bit limited range.
        let yv = vec![64 + 438u16; 6 * 4];
        let cv = vec![512u16; 3 * 2];
        let pic = Picture::packed_u16_420(w, h, 10, [&yv, &cv, &cv], 2.5);
        let mut out = Frame::black(2, 2);
        t.apply(&pic, &mut out).unwrap();
        assert_eq!((out.width, out.height, out.pts, out.y.len(), out.u.len()), (6, 4, 2.5, 24, 6));
        let expect = t.lookup(502.0, 512.0, 512.0)[0];
        assert!(out.y.iter().all(|&v| (v as f32 - expect).abs() <= 1.0), "{:?} vs {expect}", out.y);
        assert!(out.u.iter().chain(&out.v).all(|&v| (127..=129).contains(&v)));
        // Too-small buffers are an error, not a panic.
        let short = Picture {
            planes: Planes::U16 {
                bit_depth: 10,
                y: Plane { data: &yv[..10], stride: 6 },
                u: Plane { data: &cv, stride: 3 },
                v: Plane { data: &cv, stride: 3 },
            },
            ..pic
        };
        assert!(t.apply(&short, &mut out).is_err());
    }
}
