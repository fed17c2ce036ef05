//! Parametric bit allocation, A/52 section 7.2.

// Index loops mirror the spec pseudo-code (several arrays indexed by band/bin/block).
#![allow(clippy::needless_range_loop)]

use super::tables::{BAND_START_TAB, BIN_TO_BAND, HEARING_THRESHOLD_TAB, LOG_ADD_TAB};
use super::Ac3Error;

/// Frame/block level bit allocation parameters (A/52 section 7.2.2.1).
#[derive(Debug, Clone, Copy, Default)]
pub struct BitAllocParams {
    pub fscod: usize,
    pub sr_shift: u32,
    pub slow_decay: i32,
    pub fast_decay: i32,
    pub slow_gain: i32,
    pub db_per_bit: i32,
    pub floor: i32,
    pub cpl_fast_leak: i32,
    pub cpl_slow_leak: i32,
}

/// Delta bit allocation of one channel (A/52 section 7.2.2.6).
#[derive(Debug, Clone, Copy, Default)]
pub struct Dba {
    /// 0 reuse, 1 new, 2 none.
    pub mode: u8,
    pub nsegs: usize,
    pub offsets: [u8; 8],
    pub lengths: [u8; 8],
    pub values: [u8; 8],
}

/// Exponent to PSD mapping and PSD integration (A/52 sections 7.2.2.2, 7.2.2.3).
/// Requires `start < end <= 253`.
pub fn calc_psd(exp: &[u8; 256], start: usize, end: usize, psd: &mut [i16; 256], band_psd: &mut [i16; 50]) {
    for bin in start..end {
        psd[bin] = 3072 - ((exp[bin] as i16) << 7);
    }
    let mut bin = start;
    let mut band = BIN_TO_BAND[start] as usize;
    loop {
        let mut v = psd[bin] as i32;
        bin += 1;
        let band_end = (BAND_START_TAB[band + 1] as usize).min(end);
        while bin < band_end {
            let p = psd[bin] as i32;
            let max = v.max(p);
            let adr = (max - ((v + p + 1) >> 1)).clamp(0, 255) as usize;
            v = max + LOG_ADD_TAB[adr] as i32;
            bin += 1;
        }
        band_psd[band] = v as i16;
        band += 1;
        if band >= 50 || end <= BAND_START_TAB[band] as usize {
            break;
        }
    }
}

fn lowcomp1(a: i32, b0: i32, b1: i32, c: i32) -> i32 {
    if b0 + 256 == b1 {
        c
    } else if b0 > b1 {
        (a - 64).max(0)
    } else {
        a
    }
}

fn lowcomp(a: i32, b0: i32, b1: i32, band: usize) -> i32 {
    if band < 7 {
        lowcomp1(a, b0, b1, 384)
    } else if band < 20 {
        lowcomp1(a, b0, b1, 320)
    } else {
        (a - 128).max(0)
    }
}

/// Excitation, masking curve and delta bit allocation (A/52 sections 7.2.2.4 - 7.2.2.6).
#[allow(clippy::too_many_arguments)]
pub fn calc_mask(
    p: &BitAllocParams,
    band_psd: &[i16; 50],
    start: usize,
    end: usize,
    fast_gain: i32,
    is_lfe: bool,
    dba: &Dba,
    mask: &mut [i16; 50],
) -> Result<(), Ac3Error> {
    let bp = |b: usize| band_psd[b.min(49)] as i32;
    let mut excite = [0i32; 50];
    let band_start = BIN_TO_BAND[start] as usize;
    let band_end = BIN_TO_BAND[end - 1] as usize + 1;
    let begin;
    let mut fastleak;
    let mut slowleak;
    if band_start == 0 {
        let mut lc = lowcomp1(0, bp(0), bp(1), 384);
        excite[0] = bp(0) - fast_gain - lc;
        lc = lowcomp1(lc, bp(1), bp(2), 384);
        excite[1] = bp(1) - fast_gain - lc;
        let mut b = 7;
        fastleak = 0;
        slowleak = 0;
        for band in 2..7 {
            if !(is_lfe && band == 6) {
                lc = lowcomp1(lc, bp(band), bp(band + 1), 384);
            }
            fastleak = bp(band) - fast_gain;
            slowleak = bp(band) - p.slow_gain;
            excite[band] = fastleak - lc;
            if !(is_lfe && band == 6) && bp(band) <= bp(band + 1) {
                b = band + 1;
                break;
            }
        }
        let end1 = band_end.min(22);
        for band in b..end1 {
            if !(is_lfe && band == 6) {
                lc = lowcomp(lc, bp(band), bp(band + 1), band);
            }
            fastleak = (fastleak - p.fast_decay).max(bp(band) - fast_gain);
            slowleak = (slowleak - p.slow_decay).max(bp(band) - p.slow_gain);
            excite[band] = (fastleak - lc).max(slowleak);
        }
        begin = 22;
    } else {
        begin = band_start;
        fastleak = (p.cpl_fast_leak << 8) + 768;
        slowleak = (p.cpl_slow_leak << 8) + 768;
    }
    for band in begin..band_end {
        fastleak = (fastleak - p.fast_decay).max(bp(band) - fast_gain);
        slowleak = (slowleak - p.slow_decay).max(bp(band) - p.slow_gain);
        excite[band] = fastleak.max(slowleak);
    }
    let mut m = [0i32; 50];
    for band in band_start..band_end {
        let tmp = p.db_per_bit - bp(band);
        if tmp > 0 {
            excite[band] += tmp >> 2;
        }
        let hth = HEARING_THRESHOLD_TAB[(band >> p.sr_shift).min(49)][p.fscod.min(2)] as i32;
        m[band] = hth.max(excite[band]);
    }
    if dba.mode == 0 || dba.mode == 1 {
        if dba.nsegs > 8 {
            return Err(Ac3Error::Invalid("too many delta bit allocation segments".into()));
        }
        let mut band = band_start;
        for seg in 0..dba.nsegs {
            band += dba.offsets[seg] as usize;
            let len = dba.lengths[seg] as usize;
            if band >= 50 || len > 50 - band {
                return Err(Ac3Error::Invalid("delta bit allocation outside of the 50 bands".into()));
            }
            let v = dba.values[seg] as i32;
            let delta = if v >= 4 { (v - 3) << 7 } else { (v - 4) << 7 };
            for mb in &mut m[band..band + len] {
                *mb += delta;
            }
            band += len;
        }
    }
    for band in band_start..band_end {
        mask[band] = m[band].clamp(i16::MIN as i32, i16::MAX as i32) as i16;
    }
    Ok(())
}

/// Bit allocation pointers (A/52 section 7.2.2.7).
#[allow(clippy::too_many_arguments)]
pub fn calc_bap(
    mask: &[i16; 50],
    psd: &[i16; 256],
    start: usize,
    end: usize,
    snr_offset: i32,
    floor: i32,
    bap_tab: &[u8; 64],
    bap: &mut [u8; 256],
) {
    if snr_offset == -960 {
        bap.fill(0);
        return;
    }
    let mut bin = start;
    let mut band = BIN_TO_BAND[start] as usize;
    loop {
        let m = (((mask[band] as i32) - snr_offset - floor).max(0) & 0x1FE0) + floor;
        band += 1;
        let band_end = (BAND_START_TAB[band] as usize).min(end);
        while bin < band_end {
            let address = ((psd[bin] as i32 - m) >> 5).clamp(0, 63) as usize;
            bap[bin] = bap_tab[address];
            bin += 1;
        }
        if band >= 50 || end <= band_end {
            break;
        }
    }
}
