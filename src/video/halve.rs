//! Halves a 4:2:0 picture in both directions by summing 2x2 blocks of samples.
//!
//! The sums keep every bit: the half-size picture is two bits deeper than its source
//! (10-bit in, 12-bit out), so nothing is rounded before the tone map. The HDR fit runs
//! its tone map — the costliest per-sample step, a trilinear lookup per sample — on the
//! half-size picture whenever the fit shrinks the picture at least 2x anyway: a quarter
//! of the lookups for a 4K phone clip fitted to 1080x1920 (where the scaler is then left
//! with a 1:1 copy). A 2x2 box is what a 2x bilinear downscale nearly is; it is applied
//! in the source's Y'CbCr, as every scaler of non-linear video does.

use rayon::prelude::*;

use crate::codec::video::{ChromaFormat, Picture, Plane, Planes};

/// The half-size picture's planes, reused from picture to picture.
#[derive(Default)]
pub struct Halver {
    y: Vec<u16>,
    u: Vec<u16>,
    v: Vec<u16>,
}

impl Halver {
    /// `pic` at half its width and height, or `None` when it cannot be halved exactly:
    /// not 4:2:0, odd sizes, deeper than 14 bits, or planes that do not fit their sizes.
    pub fn halve(&mut self, pic: &Picture<'_>) -> Option<Picture<'_>> {
        if pic.chroma != ChromaFormat::Yuv420
            || !pic.width.is_multiple_of(2)
            || !pic.height.is_multiple_of(2)
            || pic.width < 2
        {
            return None;
        }
        let depth = pic.bit_depth();
        if depth > 14 {
            return None;
        }
        let (w, h) = (pic.width / 2, pic.height / 2);
        match pic.planes {
            Planes::U8 { y, u, v } => self.sum_planes(pic, [y, u, v])?,
            Planes::U16 { y, u, v, .. } => self.sum_planes(pic, [y, u, v])?,
        }
        let (cw, _) = ChromaFormat::Yuv420.chroma_size(w, h);
        Some(Picture {
            width: w,
            height: h,
            chroma: ChromaFormat::Yuv420,
            planes: Planes::U16 {
                bit_depth: depth + 2,
                y: Plane { data: &self.y, stride: w as usize },
                u: Plane { data: &self.u, stride: cw },
                v: Plane { data: &self.v, stride: cw },
            },
            pts: pic.pts,
        })
    }

    fn sum_planes<T: Copy + Into<u16> + Sync>(
        &mut self,
        pic: &Picture<'_>,
        [y, u, v]: [Plane<'_, T>; 3],
    ) -> Option<()> {
        let (w, h) = (pic.width as usize, pic.height as usize);
        let (cw, ch) = ChromaFormat::Yuv420.chroma_size(pic.width, pic.height);
        sum_2x2(y, w, h, &mut self.y)?;
        sum_2x2(u, cw, ch, &mut self.u)?;
        sum_2x2(v, cw, ch, &mut self.v)
    }
}

/// Sums each 2x2 block of the `cols` x `rows` plane `src` into `out`, which becomes
/// `ceil(cols / 2)` x `ceil(rows / 2)`; an odd last column or row is counted twice, so
/// every sum is of four samples. `None` when the plane does not hold its size.
fn sum_2x2<T: Copy + Into<u16> + Sync>(src: Plane<'_, T>, cols: usize, rows: usize, out: &mut Vec<u16>) -> Option<()> {
    let (ow, oh) = (cols.div_ceil(2), rows.div_ceil(2));
    let needed = src.stride.checked_mul(rows.checked_sub(1)?)?.checked_add(cols)?;
    if cols == 0 || src.stride < cols || src.data.len() < needed {
        return None;
    }
    out.resize(ow * oh, 0);
    out.par_chunks_mut(ow).enumerate().for_each(|(oy, line)| {
        let r0 = &src.data[2 * oy * src.stride..][..cols];
        let r1 = &src.data[(2 * oy + 1).min(rows - 1) * src.stride..][..cols];
        for (ox, o) in line.iter_mut().enumerate() {
            let (x0, x1) = (2 * ox, (2 * ox + 1).min(cols - 1));
            // At most 4 x (2^14 - 1): fits 16 bits.
            *o = r0[x0].into() + r0[x1].into() + r1[x0].into() + r1[x1].into();
        }
    });
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_blocks_into_a_deeper_half_size_picture() {
        // 4x2 luma, 2x1 chroma (10-bit).
        let y = [1u16, 2, 3, 4, 5, 6, 7, 1023];
        let (u, v) = ([100u16, 200], [512u16, 513]);
        let pic = Picture::packed_u16_420(4, 2, 10, [&y, &u, &v], 1.5);
        let mut halver = Halver::default();
        let half = halver.halve(&pic).unwrap();
        assert_eq!((half.width, half.height, half.pts, half.bit_depth()), (2, 1, 1.5, 12));
        let Planes::U16 { y, u, v, .. } = half.planes else { panic!("16-bit planes") };
        assert_eq!(y.data, [1 + 2 + 5 + 6, 3 + 4 + 7 + 1023]);
        // One chroma sample: the 1x1 block of a 2x1 plane, its odd row and column doubled.
        assert_eq!((u.data, v.data), (&[2 * (100 + 200)][..], &[2 * (512 + 513)][..]));
    }

    #[test]
    fn refuses_what_it_cannot_halve_exactly() {
        let y = [0u8; 9];
        let c = [128u8; 4];
        let plane = |d: &'static [u8], s| Plane { data: d, stride: s };
        let odd = Picture::from_i420(crate::media::FrameRef {
            width: 3,
            height: 3,
            y: &y,
            u: &c,
            v: &c,
            y_stride: 3,
            c_stride: 2,
            pts: 0.0,
        });
        assert!(Halver::default().halve(&odd).is_none());
        let short = Picture {
            width: 4,
            height: 4,
            chroma: ChromaFormat::Yuv420,
            planes: Planes::U8 { y: plane(&[0; 9], 4), u: plane(&[0; 4], 2), v: plane(&[0; 4], 2) },
            pts: 0.0,
        };
        assert!(Halver::default().halve(&short).is_none(), "a 4x4 picture with 9 luma samples");
    }
}
