//! E-AC-3 (A/52 Annex E): bit stream information, audio frame element and spectral extension.
//!
//! Supported: independent substream 0 with 1, 2, 3 or 6 blocks, all audfrm syntax
//! (frame/block exponent strategies, SNR offset strategies, per-block coupling strategy,
//! fast gain, DBA and skip syntax flags), standard coupling, spectral extension (SPX)
//! and the adaptive hybrid transform (AHT, see `aht.rs`).
//! Not supported (clear `Unsupported` errors): enhanced coupling, reduced sample rates (fscod 3). Transient pre-noise processing data is parsed and
//! ignored (as FFmpeg does).

// Index loops mirror the spec pseudo-code (several arrays indexed by band/bin/block).
#![allow(clippy::needless_range_loop)]

use super::bits::BitReader;
use super::tables::{DB_PER_BIT_TAB, EAC3_FRM_EXPSTR, FAST_DECAY_TAB, FLOOR_TAB, SLOW_DECAY_TAB, SLOW_GAIN_TAB};
use super::{Ac3Error, FrameHeader, FrameType, State, CPL};

/// Parses the E-AC-3 BSI after `lfeon` (A/52 E.1.2.2) and the audio frame element (E.1.2.3).
pub(super) fn parse_bsi_and_audfrm(st: &mut State, r: &mut BitReader, hdr: &FrameHeader) -> Result<(), Ac3Error> {
    if hdr.sr_shift != 0 {
        return Err(Ac3Error::Unsupported("E-AC-3 reduced sample rate (fscod 3)"));
    }
    let acmod = hdr.acmod;
    let nprog = if acmod == 0 { 2 } else { 1 };
    let num_blocks = hdr.num_blocks;
    r.skip(5)?; // bsid
    for _ in 0..nprog {
        r.skip(5)?; // dialnorm
        if r.bit()? {
            r.skip(8)?; // compr
        }
    }
    if hdr.frame_type == FrameType::Dependent && r.bit()? {
        r.skip(16)?; // chanmap
    }
    // Mixing metadata.
    if r.bit()? {
        if acmod > 2 {
            r.skip(2)?; // dmixmod
            if acmod & 1 != 0 {
                r.skip(6)?; // ltrtcmixlev, lorocmixlev
            }
            if acmod & 4 != 0 {
                r.skip(6)?; // ltrtsurmixlev, lorosurmixlev
            }
        }
        if hdr.lfeon && r.bit()? {
            r.skip(5)?; // lfemixlevcod
        }
        if hdr.frame_type == FrameType::Independent {
            for _ in 0..nprog {
                if r.bit()? {
                    r.skip(6)?; // pgmscl
                }
            }
            if r.bit()? {
                r.skip(6)?; // extpgmscl
            }
            match r.read(2)? {
                1 => r.skip(5)?,
                2 => r.skip(12)?,
                3 => {
                    let mixdeflen = r.read(5)? as usize;
                    r.skip((mixdeflen + 2) * 8)?;
                }
                _ => {}
            }
            if acmod < 2 {
                for _ in 0..nprog {
                    if r.bit()? {
                        r.skip(14)?; // panmean, paninfo
                    }
                }
            }
            if r.bit()? {
                for _ in 0..num_blocks {
                    if num_blocks == 1 || r.bit()? {
                        r.skip(5)?; // blkmixcfginfo
                    }
                }
            }
        }
    }
    // Informational metadata.
    if r.bit()? {
        r.skip(3 + 2)?; // bsmod, copyrightb, origbs
        if acmod == 2 {
            r.skip(4)?; // dsurmod, dheadphonmod
        }
        if acmod >= 6 {
            r.skip(2)?; // dsurexmod
        }
        for _ in 0..nprog {
            if r.bit()? {
                r.skip(8)?; // mixlevel, roomtyp, adconvtyp
            }
        }
        r.skip(1)?; // sourcefscod
    }
    st.mark("convsync_pos", r.position());
    if hdr.frame_type == FrameType::Independent && num_blocks != 6 {
        r.skip(1)?; // convsync
    }
    if hdr.frame_type == FrameType::Ac3Convert && (num_blocks == 6 || r.bit()?) {
        r.skip(6)?; // frmsizecod
    }
    if r.bit()? {
        let addbsil = r.read(6)? as usize;
        r.skip((addbsil + 1) * 8)?;
    }

    // Audio frame element (E.1.2.3).
    st.mark("audfrm", r.position());
    let (ac3_exp_strategy, parse_aht) = if num_blocks == 6 { (r.bit()?, r.bit()?) } else { (true, false) };
    st.mark("ac3_exp_strategy", ac3_exp_strategy as usize);
    st.snr_offset_strategy = r.read(2)? as u8;
    let parse_transient = r.bit()?;
    st.block_switch_syntax = r.bit()?;
    if !st.block_switch_syntax {
        st.block_switch = [false; super::MAXCH];
    }
    st.dither_flag_syntax = r.bit()?;
    if !st.dither_flag_syntax {
        for ch in 1..=st.fbw {
            st.dither_flag[ch] = true;
        }
    }
    st.dither_flag[CPL] = false;
    st.dither_flag[st.lfe_ch] = false;
    st.bit_allocation_syntax = r.bit()?;
    if !st.bit_allocation_syntax {
        // Default bit allocation parameters (E.1.3.2.x).
        st.ba.slow_decay = SLOW_DECAY_TAB[2];
        st.ba.fast_decay = FAST_DECAY_TAB[1];
        st.ba.slow_gain = SLOW_GAIN_TAB[1];
        st.ba.db_per_bit = DB_PER_BIT_TAB[2];
        st.ba.floor = FLOOR_TAB[7];
    }
    st.fast_gain_syntax = r.bit()?;
    st.dba_syntax = r.bit()?;
    st.skip_syntax = r.bit()?;
    st.mark("spx_atten_flag", r.position());
    let parse_spx_atten = r.bit()?;

    // Coupling strategy per block.
    let mut num_cpl_blocks = 0;
    if acmod > 1 {
        for blk in 0..num_blocks {
            st.cpl_strategy_exists[blk] = blk == 0 || r.bit()?;
            st.cpl_in_use[blk] = if st.cpl_strategy_exists[blk] { r.bit()? } else { st.cpl_in_use[blk - 1] };
            num_cpl_blocks += st.cpl_in_use[blk] as usize;
        }
    } else {
        st.cpl_in_use = [false; 6];
        st.cpl_strategy_exists = [false; 6];
        // Mono / dual mono: the block decoder must not read a coupling strategy bit.
        for blk in 0..num_blocks {
            st.cpl_strategy_exists[blk] = false;
        }
    }

    // Exponent strategies.
    st.mark("expstr_start", r.position());
    if ac3_exp_strategy {
        for blk in 0..num_blocks {
            let first = if st.cpl_in_use[blk] { CPL } else { 1 };
            for ch in first..=st.fbw {
                st.exp_strategy[blk][ch] = r.read(2)? as u8;
            }
        }
    } else {
        let first = if acmod > 1 && num_cpl_blocks > 0 { CPL } else { 1 };
        for ch in first..=st.fbw {
            let idx = r.read(5)? as usize;
            for blk in 0..6 {
                st.exp_strategy[blk][ch] = EAC3_FRM_EXPSTR[idx][blk];
            }
        }
    }
    if st.lfeon {
        for blk in 0..num_blocks {
            st.exp_strategy[blk][st.lfe_ch] = r.read(1)? as u8;
        }
    }
    if st.trace.is_some() {
        for blk in 0..num_blocks {
            for ch in 1..=st.fbw {
                let v = st.exp_strategy[blk][ch] as usize;
                st.mark("expstr", v);
            }
        }
    }
    st.mark("convexp_pos", r.position());
    if hdr.frame_type == FrameType::Independent && (num_blocks == 6 || r.bit()?) {
        r.skip(5 * st.fbw)?; // convexpstr
    }

    // AHT flags (E.1.3.2.x): only channels whose exponents (and, for the coupling channel,
    // coupling strategy) are reused in blocks 1..5 may use AHT.
    st.channel_uses_aht = [false; super::MAXCH];
    st.mark("aht_pos", r.position());
    if st.trace.is_some() && num_blocks == 6 {
        for ch in 0..=st.channels {
            if (1..6).all(|b| st.exp_strategy[b][ch] == 0) {
                st.mark("exp_reuse_ok", ch);
            }
        }
    }
    if parse_aht {
        st.mark("aht_flags", r.position());
        for ch in (if num_cpl_blocks != 6 { 1 } else { CPL })..=st.channels {
            let mut possible = true;
            for blk in 1..6 {
                if st.exp_strategy[blk][ch] != 0 || (ch == CPL && st.cpl_strategy_exists[blk]) {
                    possible = false;
                    break;
                }
            }
            st.channel_uses_aht[ch] = possible && r.bit()?;
            st.stats.aht_channels += st.channel_uses_aht[ch] as u64;
        }
    }

    // Frame-level SNR offset.
    if st.snr_offset_strategy == 0 {
        let csnr = (r.read(6)? as i32 - 15) << 4;
        let snr = (csnr + r.read(4)? as i32) << 2;
        for ch in 0..=st.channels {
            st.snr_offset[ch] = snr;
        }
    }

    // Transient pre-noise processing (ignored).
    if parse_transient {
        for _ in 1..=st.fbw {
            if r.bit()? {
                r.skip(10 + 8)?;
            }
        }
    }

    // Spectral extension attenuation.
    st.mark("spx_atten_loop", r.position());
    for ch in 1..=st.fbw {
        st.spx_atten[ch] = if parse_spx_atten && r.bit()? { Some(r.read(5)? as u8) } else { None };
    }

    // Block start information.
    st.mark("blkstrt_pos", r.position());
    if num_blocks > 1 && r.bit()? {
        // nblkstrtbits = (numblks - 1) * (4 + ceil(log2(words_per_frame))) (E.1.3.2.27),
        // computed the way FFmpeg does.
        let bits = (num_blocks - 1) * (4 + ilog2(hdr.frame_size.saturating_sub(2)));
        r.skip(bits)?;
    }

    for ch in 1..=st.fbw {
        st.first_spx_coords[ch] = true;
        st.first_cpl_coords[ch] = true;
    }
    st.first_cpl_leak = true;
    st.mark("audfrm_end", r.position());
    Ok(())
}

fn ilog2(v: usize) -> usize {
    if v == 0 {
        0
    } else {
        (usize::BITS - 1 - v.leading_zeros()) as usize
    }
}

/// Spectral extension coordinates (E.1.3.3.x) and blending factors (E.3.3.x).
pub(super) fn read_spx_coords(st: &mut State, r: &mut BitReader) -> Result<(), Ac3Error> {
    for ch in 1..=st.fbw {
        if !st.channel_uses_spx[ch] {
            st.first_spx_coords[ch] = true;
            continue;
        }
        if st.first_spx_coords[ch] || r.bit()? {
            st.first_spx_coords[ch] = false;
            let blend = r.read(5)? as f32 * (1.0 / 32.0);
            let master = r.read(2)? * 3;
            let mut bin = st.spx_src_start_freq;
            for bnd in 0..st.num_spx_bands.min(18) {
                let bandsize = st.spx_band_sizes[bnd] as usize;
                let nratio = ((bin + (bandsize >> 1)) as f32 / st.spx_dst_end_freq as f32 - blend).clamp(0.0, 1.0);
                let nblend = (3.0 * nratio).sqrt();
                let sblend = (1.0 - nratio).sqrt();
                bin += bandsize;
                let exp = r.read(4)?;
                let mut mant = r.read(2)? as i32;
                if exp == 15 {
                    mant <<= 1;
                } else {
                    mant += 4;
                }
                let mant = mant << (25 - exp - master);
                let coord = mant as f32 * (1.0 / (1 << 23) as f32);
                st.spx_noise_blend[ch][bnd] = nblend * coord;
                st.spx_signal_blend[ch][bnd] = sblend * coord;
            }
        }
    }
    Ok(())
}

/// Spectral extension: copy low bands up, notch at wrap points, blend with noise (E.3.3).
pub(super) fn apply_spectral_extension(st: &mut State) {
    let nb = st.num_spx_bands.min(18);
    let dst = st.spx_dst_start_freq;
    let src = st.spx_src_start_freq;
    if dst >= src || nb == 0 {
        return;
    }
    let mut wrapflag = [false; 18];
    wrapflag[0] = true;
    let mut copy_sizes = [0usize; 40];
    let mut ncopy = 0;
    let mut bin = dst;
    for (bnd, wf) in wrapflag.iter_mut().enumerate().take(nb) {
        let bandsize = st.spx_band_sizes[bnd] as usize;
        if bin + bandsize > src {
            copy_sizes[ncopy] = bin - dst;
            ncopy += 1;
            bin = dst;
            *wf = true;
        }
        let mut i = 0;
        while i < bandsize {
            if bin == src {
                copy_sizes[ncopy] = bin - dst;
                ncopy += 1;
                bin = dst;
            }
            let copysize = (bandsize - i).min(src - bin);
            bin += copysize;
            i += copysize;
            if ncopy >= copy_sizes.len() - 1 {
                return;
            }
        }
    }
    copy_sizes[ncopy] = bin - dst;
    ncopy += 1;

    let atten_tab = |code: u8, j: usize| -> f32 { 2f64.powf(-(((j + 1) * (code as usize + 1)) as f64) / 15.0) as f32 };
    for ch in 1..=st.fbw {
        if !st.channel_uses_spx[ch] {
            continue;
        }
        let coeffs = &mut st.coeffs[ch];
        let mut bin = src;
        for &size in &copy_sizes[..ncopy] {
            if bin + size > 256 {
                break;
            }
            coeffs.copy_within(dst..dst + size, bin);
            bin += size;
        }
        let mut rms = [0f32; 18];
        let mut bin = src;
        for (bnd, rm) in rms.iter_mut().enumerate().take(nb) {
            let bandsize = st.spx_band_sizes[bnd] as usize;
            let mut acc = 0f32;
            for i in 0..bandsize {
                let c = coeffs.get(bin + i).copied().unwrap_or(0.0);
                acc += c * c;
            }
            bin += bandsize;
            *rm = if bandsize > 0 { (acc / bandsize as f32).sqrt() } else { 0.0 };
        }
        if let Some(code) = st.spx_atten[ch] {
            let code = code.min(31);
            let a = [atten_tab(code, 0), atten_tab(code, 1), atten_tab(code, 2)];
            let mut bin = src - 2;
            for (bnd, &wf) in wrapflag.iter().enumerate().take(nb) {
                if wf && bin + 5 <= 256 {
                    coeffs[bin] *= a[0];
                    coeffs[bin + 1] *= a[1];
                    coeffs[bin + 2] *= a[2];
                    coeffs[bin + 3] *= a[1];
                    coeffs[bin + 4] *= a[0];
                }
                bin += st.spx_band_sizes[bnd] as usize;
            }
        }
        let mut bin = src;
        for (bnd, &rm) in rms.iter().enumerate().take(nb) {
            let nscale = st.spx_noise_blend[ch][bnd] * rm * (1.0 / i32::MIN as f32);
            let sscale = st.spx_signal_blend[ch][bnd];
            for _ in 0..st.spx_band_sizes[bnd] {
                let noise = nscale * (st.dither.next() as i32) as f32;
                if bin < 256 {
                    coeffs[bin] = coeffs[bin] * sscale + noise;
                }
                bin += 1;
            }
        }
    }
}
