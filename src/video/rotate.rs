//! Quarter-turn rotation of one 8-bit plane, with an optional per-sample lookup fused in
//! (the copy is paid anyway, so range conversion rides along for free).

use rayon::prelude::*;

/// Side of the square tiles the transposing copy walks, so both the rows read and the rows
/// written stay in L1 cache.
const TILE: usize = 64;

/// Writes `src` (`w`×`h`, tightly packed) turned `rotation` degrees clockwise into `dst`,
/// mapping every sample through `lut` when given. `dst` is resized to `w * h`.
///
/// `rotation` must be 90, 180 or 270; the caller (the geometry plan) guarantees it.
pub(crate) fn rotate_plane(src: &[u8], w: usize, h: usize, rotation: u32, lut: Option<&[u8; 256]>, dst: &mut Vec<u8>) {
    dst.resize(w * h, 0);
    if w == 0 || h == 0 {
        return;
    }
    match lut {
        Some(lut) => rotate_with(src, w, h, rotation, dst, |v| lut[usize::from(v)]),
        None => rotate_with(src, w, h, rotation, dst, |v| v),
    }
}

fn rotate_with(src: &[u8], w: usize, h: usize, rotation: u32, dst: &mut [u8], map: impl Fn(u8) -> u8 + Sync) {
    match rotation {
        180 => {
            // Output row r is input row h-1-r reversed: already sequential in both.
            dst.par_chunks_mut(w.max(1) * 32).enumerate().for_each(|(band, out)| {
                for (i, row) in out.chunks_exact_mut(w).enumerate() {
                    let r = band * 32 + i;
                    let s = &src[(h - 1 - r) * w..(h - r) * w];
                    for (d, &v) in row.iter_mut().zip(s.iter().rev()) {
                        *d = map(v);
                    }
                }
            });
        }
        90 | 270 => {
            // Output is h wide and w tall.
            let (dw, dh) = (h, w);
            dst.par_chunks_mut(dw * TILE).enumerate().for_each(|(band, out)| {
                let r0 = band * TILE;
                let rows = out.len() / dw;
                for c0 in (0..dw).step_by(TILE) {
                    let c1 = (c0 + TILE).min(dw);
                    for i in 0..rows {
                        let r = r0 + i;
                        let drow = &mut out[i * dw + c0..i * dw + c1];
                        if rotation == 90 {
                            // dst(r, c) = src(h-1-c, r)
                            for (k, d) in drow.iter_mut().enumerate() {
                                let c = c0 + k;
                                *d = map(src[(h - 1 - c) * w + r]);
                            }
                        } else {
                            // dst(r, c) = src(c, w-1-r)
                            for (k, d) in drow.iter_mut().enumerate() {
                                let c = c0 + k;
                                *d = map(src[c * w + (w - 1 - r)]);
                            }
                        }
                    }
                }
                debug_assert!(r0 + rows <= dh);
            });
        }
        _ => {
            for (d, &v) in dst.iter_mut().zip(src) {
                *d = map(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(src: &[u8], w: usize, h: usize, rot: u32) -> Vec<u8> {
        let mut out = vec![0; w * h];
        for y in 0..h {
            for x in 0..w {
                let v = src[y * w + x];
                let (nx, ny, nw) = match rot {
                    90 => (h - 1 - y, x, h),
                    180 => (w - 1 - x, h - 1 - y, w),
                    _ => (y, w - 1 - x, h),
                };
                out[ny * nw + nx] = v;
            }
        }
        out
    }

    #[test]
    fn matches_naive_rotation_on_odd_sizes() {
        for (w, h) in [(1, 1), (3, 5), (130, 67), (64, 128), (200, 1)] {
            let src: Vec<u8> = (0..w * h).map(|i| (i * 7 % 251) as u8).collect();
            for rot in [90, 180, 270] {
                let mut dst = Vec::new();
                rotate_plane(&src, w, h, rot, None, &mut dst);
                assert_eq!(dst, naive(&src, w, h, rot), "{w}x{h} rot {rot}");
            }
        }
    }

    #[test]
    fn lut_is_applied() {
        let mut lut = [0u8; 256];
        for (i, v) in lut.iter_mut().enumerate() {
            *v = 255 - i as u8;
        }
        let src = vec![10u8, 20, 30, 40, 50, 60];
        let mut dst = Vec::new();
        rotate_plane(&src, 3, 2, 90, Some(&lut), &mut dst);
        let expect: Vec<u8> = naive(&src, 3, 2, 90).iter().map(|&v| 255 - v).collect();
        assert_eq!(dst, expect);
    }
}
