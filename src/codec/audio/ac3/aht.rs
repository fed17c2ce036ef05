//! E-AC-3 adaptive hybrid transform (AHT) mantissa decoding, A/52 Annex E section E.3.4:
//! vector quantization (hebap 1..7), gain adaptive quantization (hebap >= 8) and the
//! 6-point DCT across the blocks of a frame. Fixed point as in the AC-3 path (1 << 24 == 2.0).

use super::aht_tables::{
    BITS_VS_HEBAP, GAQ_REMAP_1, GAQ_REMAP_2_4_A, GAQ_REMAP_2_4_B, VQ_HEBAP1, VQ_HEBAP2, VQ_HEBAP3, VQ_HEBAP4,
    VQ_HEBAP5, VQ_HEBAP6, VQ_HEBAP7,
};
use super::bits::BitReader;
use super::{Ac3Error, State};

fn vq(hebap: usize, idx: usize) -> [i16; 6] {
    let t: &[[i16; 6]] = match hebap {
        1 => &VQ_HEBAP1,
        2 => &VQ_HEBAP2,
        3 => &VQ_HEBAP3,
        4 => &VQ_HEBAP4,
        5 => &VQ_HEBAP5,
        6 => &VQ_HEBAP6,
        _ => &VQ_HEBAP7,
    };
    t.get(idx).copied().unwrap_or([0; 6])
}

// round(sqrt(2) * cos(k * pi / 12) * 2^23) for k = 2, 0, 5.
const COEFF_0: i64 = 10273905;
const COEFF_1: i64 = 11863283;
const COEFF_2: i64 = 3070444;

/// 6-point inverse DCT of the pre-mantissas (A/52 E.3.4.5), 24-bit fixed point.
fn idct6(p: &mut [i32; 6]) {
    let m = p.map(|v| v as i64);
    let odd1 = m[1] - m[3] - m[5];
    let mut even2 = (m[2] * COEFF_0) >> 23;
    let tmp = (m[4] * COEFF_1) >> 23;
    let mut odd0 = ((m[1] + m[5]) * COEFF_2) >> 23;
    let mut even0 = m[0] + (tmp >> 1);
    let even1 = m[0] - tmp;
    let t = even0;
    even0 = t + even2;
    even2 = t - even2;
    let t = odd0;
    odd0 = t + m[1] + m[3];
    let odd2 = t + m[5] - m[3];
    let out = [even0 + odd0, even1 + odd1, even2 + odd2, even2 - odd2, even1 - odd1, even0 - odd0];
    for (d, v) in p.iter_mut().zip(out) {
        *d = v as i32;
    }
}

/// Reads the AHT mantissas of all 6 blocks of channel `ch` (done in block 0).
pub(super) fn decode_aht_mantissas(st: &mut State, r: &mut BitReader, ch: usize) -> Result<(), Ac3Error> {
    let (start, end) = (st.start_freq[ch], st.end_freq[ch].min(256));
    if st.trace.is_some() {
        for bin in start..end {
            let b = st.bap[ch][bin] as usize;
            st.mark("hebap", b);
        }
    }
    let gaq_mode = r.read(2)?;
    let end_bap = if gaq_mode < 2 { 12 } else { 17 };
    let mut gaq_gain = [0u32; 260];
    let mut gs = 0;
    if gaq_mode == 1 || gaq_mode == 2 {
        for bin in start..end {
            let b = st.bap[ch][bin];
            if b > 7 && b < end_bap {
                gaq_gain[gs] = (r.read(1)?) << (gaq_mode - 1);
                gs += 1;
            }
        }
    } else if gaq_mode == 3 {
        let mut gc = 2;
        for bin in start..end {
            let b = st.bap[ch][bin];
            if b > 7 && b < 17 {
                if gc == 2 {
                    let code = r.read(5)?.min(26);
                    gaq_gain[gs] = code / 9;
                    gaq_gain[gs + 1] = (code % 9) / 3;
                    gaq_gain[gs + 2] = code % 3;
                    gs += 3;
                    gc = 0;
                } else {
                    gc += 1;
                }
            }
        }
    }
    let mut gs = 0;
    for bin in start..end {
        let hebap = (st.bap[ch][bin] as usize).min(19);
        let bits = BITS_VS_HEBAP[hebap];
        let mut pre = [0i32; 6];
        if hebap == 0 {
            for p in pre.iter_mut() {
                *p = (st.dither.next() & 0x7F_FFFF) as i32 - 0x40_0000;
            }
        } else if hebap < 8 {
            let v = r.read(bits)? as usize;
            for (p, q) in pre.iter_mut().zip(vq(hebap, v)) {
                *p = (q as i32) << 8;
            }
        } else {
            let log_gain = if gaq_mode != 0 && hebap < end_bap as usize {
                let g = gaq_gain[gs.min(259)];
                gs += 1;
                g
            } else {
                0
            };
            let gbits = bits.saturating_sub(log_gain).max(1);
            for p in pre.iter_mut() {
                let mut mant = r.read_signed(gbits)?;
                if log_gain != 0 && mant == -(1 << (gbits - 1)) {
                    // Large mantissa.
                    let mbits = (bits + log_gain).saturating_sub(2).clamp(1, 24);
                    let m = r.read_signed(mbits)?;
                    mant = (m as u32).wrapping_shl(24 - mbits) as i32;
                    let (gi, hi) = (log_gain as usize - 1, hebap - 8);
                    let b = if mant >= 0 {
                        1i64 << (23 - log_gain)
                    } else {
                        (GAQ_REMAP_2_4_B[hi.min(8)][gi.min(1)] as i64) << 8
                    };
                    let a = GAQ_REMAP_2_4_A[hi.min(8)][gi.min(1)] as i64;
                    mant = (mant as i64 + ((a * mant as i64) >> 15) + b) as i32;
                } else {
                    mant = mant.wrapping_shl(24 - bits);
                    if log_gain == 0 {
                        mant = (mant as i64 + ((GAQ_REMAP_1[(hebap - 8).min(11)] as i64 * mant as i64) >> 15)) as i32;
                    }
                }
                *p = mant;
            }
        }
        idct6(&mut pre);
        st.pre_mantissa[ch][bin] = pre;
    }
    Ok(())
}
