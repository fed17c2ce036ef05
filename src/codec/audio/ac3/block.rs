//! Audio block decoding (A/52 section 5.4.3 syntax, section 7 semantics; Annex E.1.2.4 for E-AC-3).

// Index loops mirror the spec pseudo-code (several arrays indexed by band/bin/block).
#![allow(clippy::needless_range_loop)]

use super::aht::decode_aht_mantissas;
use super::aht_tables::HEBAP_TAB;
use super::bitalloc::{calc_bap, calc_mask, calc_psd};
use super::bits::BitReader;
use super::exponents::{decode_exponents, EXP_REUSE};
use super::imdct::window_overlap;
use super::mantissa::{decode_mantissas, MantGroups};
use super::tables::{
    BAP_TAB, DB_PER_BIT_TAB, EAC3_DEFAULT_CPL_BAND_STRUCT, EAC3_DEFAULT_SPX_BAND_STRUCT, FAST_DECAY_TAB, FAST_GAIN_TAB,
    FLOOR_TAB, REMATRIX_BAND_TAB, SLOW_DECAY_TAB, SLOW_GAIN_TAB,
};
use super::{eac3, Ac3Error, State, CPL};

/// Dynamic range gain word to linear factor (A/52 section 7.7.1.2).
fn dynrng_gain(code: u32) -> f32 {
    let v = ((code >> 5) as i32) - (((code >> 7) as i32) << 3) - 5;
    2f32.powi(v) * ((code & 0x1F) | 0x20) as f32
}

/// Band structure for coupling / spectral extension (A/52 section 5.4.3.13, E.1.3.3.x).
/// Returns the number of bands and writes band sizes in bins.
pub(super) fn decode_band_structure(
    r: &mut BitReader,
    blk: usize,
    eac3: bool,
    start_subband: usize,
    end_subband: usize,
    default: &[u8],
    sizes: &mut [u8],
) -> Result<Option<usize>, Ac3Error> {
    let n_subbands = end_subband - start_subband;
    let mut coded = [0u8; 22];
    let band_struct: &[u8] = if !eac3 || r.bit()? {
        for c in coded.iter_mut().take(n_subbands - 1) {
            *c = r.bit()? as u8;
        }
        &coded[..]
    } else if blk == 0 {
        &default[(start_subband + 1).min(default.len())..]
    } else {
        return Ok(None);
    };
    let mut n_bands = n_subbands;
    let mut bnd = 0;
    sizes[0] = 12;
    for subbnd in 1..n_subbands {
        if band_struct.get(subbnd - 1).copied().unwrap_or(0) != 0 {
            n_bands -= 1;
            sizes[bnd] += 12;
        } else {
            bnd += 1;
            sizes[bnd] = 12;
        }
    }
    Ok(Some(n_bands))
}

impl State {
    /// Parses and decodes audio block `blk`, writing 256 samples per channel to `self.out`.
    pub(super) fn decode_block(&mut self, r: &mut BitReader, blk: usize) -> Result<(), Ac3Error> {
        self.mark("block_start", r.position());
        let fbw = self.fbw;
        let acmod = self.acmod;
        let stereo = acmod == 2;

        // Block switch and dither flags.
        if self.block_switch_syntax {
            for ch in 1..=fbw {
                self.block_switch[ch] = r.bit()?;
            }
        }
        if self.dither_flag_syntax {
            for ch in 1..=fbw {
                self.dither_flag[ch] = r.bit()?;
            }
        }

        // Dynamic range control (A/52 section 7.7.1).
        self.mark("dynrng", r.position());
        for i in 0..if acmod == 0 { 2 } else { 1 } {
            if r.bit()? {
                let range = dynrng_gain(r.read(8)?);
                // Same rule as FFmpeg's drc_scale option: boosts are scaled only up to 1.
                self.dynrng[i] = if range > 1.0 || self.drc_scale <= 1.0 { range.powf(self.drc_scale) } else { range };
            } else if blk == 0 {
                self.dynrng[i] = 1.0;
            }
        }

        // Spectral extension strategy (E-AC-3 only, E.1.3.3.1).
        self.mark("spx_strategy", r.position());
        if self.eac3 && (blk == 0 || r.bit()?) {
            self.spx_in_use = r.bit()?;
            if self.spx_in_use {
                if acmod == 1 {
                    self.channel_uses_spx[1] = true;
                } else {
                    for ch in 1..=fbw {
                        self.channel_uses_spx[ch] = r.bit()?;
                    }
                }
                let dst_start = r.read(2)? as usize;
                let mut start_subband = r.read(3)? as usize + 2;
                if start_subband > 7 {
                    start_subband += start_subband - 7;
                }
                let mut end_subband = r.read(3)? as usize + 5;
                if end_subband > 7 {
                    end_subband += end_subband - 7;
                }
                if start_subband >= end_subband {
                    return Err(Ac3Error::Invalid(format!(
                        "invalid spectral extension range ({start_subband} >= {end_subband})"
                    )));
                }
                let dst_start_freq = dst_start * 12 + 25;
                let src_start_freq = start_subband * 12 + 25;
                if dst_start_freq >= src_start_freq {
                    return Err(Ac3Error::Invalid("invalid spectral extension copy start bin".into()));
                }
                self.spx_dst_start_freq = dst_start_freq;
                self.spx_src_start_freq = src_start_freq;
                self.spx_dst_end_freq = end_subband * 12 + 25;
                if let Some(n) = decode_band_structure(
                    r,
                    blk,
                    true,
                    start_subband,
                    end_subband,
                    &EAC3_DEFAULT_SPX_BAND_STRUCT,
                    &mut self.spx_band_sizes,
                )? {
                    self.num_spx_bands = n;
                } else if self.num_spx_bands == 0 {
                    return Err(Ac3Error::Invalid(
                        "spectral extension band structure reuse without a previous one".into(),
                    ));
                }
            } else {
                for ch in 1..=fbw {
                    self.channel_uses_spx[ch] = false;
                    self.first_spx_coords[ch] = true;
                }
            }
        }

        // Spectral extension coordinates.
        if self.spx_in_use {
            eac3::read_spx_coords(self, r)?;
        }

        // Coupling strategy (A/52 section 5.4.3.11 .. 5.4.3.14).
        let cpl_strategy_exists = if self.eac3 { self.cpl_strategy_exists[blk] } else { r.bit()? };
        if cpl_strategy_exists {
            if !self.eac3 {
                self.cpl_in_use[blk] = r.bit()?;
            }
            if self.cpl_in_use[blk] {
                if acmod < 2 {
                    return Err(Ac3Error::Invalid("coupling not allowed in mono or dual-mono".into()));
                }
                if self.eac3 && r.bit()? {
                    return Err(Ac3Error::Unsupported("E-AC-3 enhanced coupling"));
                }
                if self.eac3 && stereo {
                    self.channel_in_cpl[1] = true;
                    self.channel_in_cpl[2] = true;
                } else {
                    for ch in 1..=fbw {
                        self.channel_in_cpl[ch] = r.bit()?;
                    }
                }
                if stereo {
                    self.phase_flags_in_use = r.bit()?;
                }
                let cpl_start = r.read(4)? as usize;
                self.mark("cplendf", r.position());
                let cpl_end = if self.spx_in_use {
                    (self.spx_src_start_freq.saturating_sub(37)) / 12
                } else {
                    r.read(4)? as usize + 3
                };
                if cpl_start >= cpl_end {
                    return Err(Ac3Error::Invalid(format!("invalid coupling range ({cpl_start} >= {cpl_end})")));
                }
                self.start_freq[CPL] = cpl_start * 12 + 37;
                self.end_freq[CPL] = cpl_end * 12 + 37;
                if let Some(n) = decode_band_structure(
                    r,
                    blk,
                    self.eac3,
                    cpl_start,
                    cpl_end,
                    &EAC3_DEFAULT_CPL_BAND_STRUCT,
                    &mut self.cpl_band_sizes,
                )? {
                    self.num_cpl_bands = n;
                } else if self.num_cpl_bands == 0 {
                    return Err(Ac3Error::Invalid("coupling band structure reuse without a previous one".into()));
                }
            } else {
                for ch in 1..=fbw {
                    self.channel_in_cpl[ch] = false;
                    self.first_cpl_coords[ch] = true;
                }
                self.first_cpl_leak = self.eac3;
                self.phase_flags_in_use = false;
            }
        } else if !self.eac3 {
            if blk == 0 {
                return Err(Ac3Error::Invalid("coupling strategy reuse in block 0".into()));
            }
            self.cpl_in_use[blk] = self.cpl_in_use[blk - 1];
        }
        let cpl_in_use = self.cpl_in_use[blk];

        // Coupling coordinates (A/52 section 7.4.3).
        if cpl_in_use {
            let mut coords_exist = false;
            for ch in 1..=fbw {
                if self.channel_in_cpl[ch] {
                    if (self.eac3 && self.first_cpl_coords[ch]) || r.bit()? {
                        self.first_cpl_coords[ch] = false;
                        coords_exist = true;
                        let master = 3 * r.read(2)?;
                        for bnd in 0..self.num_cpl_bands {
                            let exp = r.read(4)?;
                            let mant = r.read(4)? as i32;
                            let c = if exp == 15 { mant << 22 } else { (mant + 16) << 21 };
                            self.cpl_coords[ch][bnd] = c >> (exp + master);
                        }
                    } else if blk == 0 {
                        return Err(Ac3Error::Invalid("coupling coordinates reuse in block 0".into()));
                    }
                } else {
                    self.first_cpl_coords[ch] = true;
                }
            }
            if stereo && coords_exist {
                for bnd in 0..self.num_cpl_bands {
                    self.phase_flags[bnd] = if self.phase_flags_in_use { r.bit()? } else { false };
                }
            }
        }

        // Rematrixing (A/52 section 7.5).
        self.mark("rematstr", r.position());
        if stereo {
            if (self.eac3 && blk == 0) || r.bit()? {
                self.num_rematrix_bands = 4;
                if cpl_in_use && self.start_freq[CPL] <= 61 {
                    self.num_rematrix_bands -= 1 + (self.start_freq[CPL] == 37) as usize;
                } else if self.spx_in_use && self.spx_src_start_freq <= 61 {
                    self.num_rematrix_bands -= 1;
                }
                for bnd in 0..self.num_rematrix_bands {
                    self.rematrix_flags[bnd] = r.bit()?;
                }
            } else if blk == 0 {
                self.num_rematrix_bands = 0;
            }
        }

        // Exponent strategies.
        let first_ch = if cpl_in_use { CPL } else { 1 };
        let channels = self.channels;
        let lfe_ch = if self.lfeon { self.lfe_ch } else { usize::MAX };
        if !self.eac3 {
            for ch in first_ch..=channels {
                self.exp_strategy[blk][ch] = r.read(if ch == lfe_ch { 1 } else { 2 })? as u8;
            }
        }
        for ch in first_ch..=channels {
            if !self.eac3 && blk == 0 && self.exp_strategy[blk][ch] == EXP_REUSE {
                return Err(Ac3Error::Invalid(format!("exponent strategy reuse in block 0 (channel {ch})")));
            }
        }

        // Channel bandwidth.
        for ch in 1..=fbw {
            self.start_freq[ch] = 0;
            let strat = self.exp_strategy[blk][ch];
            if strat != EXP_REUSE {
                if self.channel_in_cpl[ch] {
                    self.end_freq[ch] = self.start_freq[CPL];
                } else if self.channel_uses_spx[ch] {
                    self.end_freq[ch] = self.spx_src_start_freq;
                } else {
                    self.mark("chbwcod", r.position());
                    let bw = r.read(6)? as usize;
                    if bw > 60 {
                        return Err(Ac3Error::Invalid(format!("bandwidth code {bw} > 60")));
                    }
                    self.end_freq[ch] = bw * 3 + 73;
                }
                let group_size = 3usize << (strat - 1);
                self.num_exp_groups[ch] = (self.end_freq[ch] + group_size - 4) / group_size;
            }
        }
        if cpl_in_use && self.exp_strategy[blk][CPL] != EXP_REUSE {
            self.num_exp_groups[CPL] =
                (self.end_freq[CPL] - self.start_freq[CPL]) / (3usize << (self.exp_strategy[blk][CPL] - 1));
        }

        // Exponents (A/52 section 7.1).
        for ch in first_ch..=channels {
            let strat = self.exp_strategy[blk][ch];
            if strat != EXP_REUSE {
                let absexp = (r.read(4)? as u8) << (ch == CPL) as u8;
                self.dexps[ch][0] = absexp;
                let off = self.start_freq[ch] + (ch != CPL) as usize;
                decode_exponents(r, strat, self.num_exp_groups[ch], absexp, &mut self.dexps[ch][off..])?;
                if ch != CPL && ch != lfe_ch {
                    r.skip(2)?; // gainrng
                }
            }
        }

        // Bit allocation parametric information (A/52 section 5.4.3.30).
        if self.bit_allocation_syntax {
            if r.bit()? {
                let sh = self.ba.sr_shift;
                self.ba.slow_decay = SLOW_DECAY_TAB[r.read(2)? as usize] >> sh;
                self.ba.fast_decay = FAST_DECAY_TAB[r.read(2)? as usize] >> sh;
                self.ba.slow_gain = SLOW_GAIN_TAB[r.read(2)? as usize];
                self.ba.db_per_bit = DB_PER_BIT_TAB[r.read(2)? as usize];
                self.ba.floor = FLOOR_TAB[r.read(3)? as usize];
            } else if blk == 0 {
                return Err(Ac3Error::Invalid("bit allocation parameters reuse in block 0".into()));
            }
        }

        // SNR offsets and fast gains.
        if !self.eac3 || blk == 0 {
            if self.snr_offset_strategy != 0 && r.bit()? {
                let csnr = (r.read(6)? as i32 - 15) << 4;
                let mut snr = 0;
                for ch in first_ch..=channels {
                    if ch == first_ch || self.snr_offset_strategy == 2 {
                        snr = (csnr + r.read(4)? as i32) << 2;
                    }
                    self.snr_offset[ch] = snr;
                    if !self.eac3 {
                        self.fast_gain[ch] = FAST_GAIN_TAB[r.read(3)? as usize];
                    }
                }
            } else if !self.eac3 && blk == 0 {
                return Err(Ac3Error::Invalid("SNR offsets reuse in block 0".into()));
            }
        }
        if self.fast_gain_syntax && r.bit()? {
            for ch in first_ch..=channels {
                self.fast_gain[ch] = FAST_GAIN_TAB[r.read(3)? as usize];
            }
        } else if self.eac3 && blk == 0 {
            for ch in first_ch..=channels {
                self.fast_gain[ch] = FAST_GAIN_TAB[4];
            }
        }
        // E-AC-3 to AC-3 converter SNR offset.
        if self.eac3 && self.independent && r.bit()? {
            r.skip(10)?;
        }

        // Coupling leak.
        if cpl_in_use {
            if self.first_cpl_leak || r.bit()? {
                self.ba.cpl_fast_leak = r.read(3)? as i32;
                self.ba.cpl_slow_leak = r.read(3)? as i32;
            } else if !self.eac3 && blk == 0 {
                return Err(Ac3Error::Invalid("coupling leak reuse in block 0".into()));
            }
            self.first_cpl_leak = false;
        }

        // Delta bit allocation (A/52 section 7.2.2.6).
        self.mark("deltbaie", r.position());
        if self.dba_syntax && r.bit()? {
            for ch in first_ch..=fbw {
                let mode = r.read(2)? as u8;
                if mode == 3 {
                    return Err(Ac3Error::Invalid("reserved delta bit allocation strategy".into()));
                }
                self.dba[ch].mode = mode;
            }
            for ch in first_ch..=fbw {
                if self.dba[ch].mode == 1 {
                    let d = &mut self.dba[ch];
                    d.nsegs = r.read(3)? as usize + 1;
                    for seg in 0..d.nsegs {
                        d.offsets[seg] = r.read(5)? as u8;
                        d.lengths[seg] = r.read(4)? as u8;
                        d.values[seg] = r.read(3)? as u8;
                    }
                }
            }
        } else if blk == 0 {
            for d in self.dba.iter_mut() {
                d.mode = 2;
            }
        }

        // Bit allocation (A/52 section 7.2.2), recomputed for every channel each block.
        for ch in first_ch..=channels {
            let (start, end) = (self.start_freq[ch], self.end_freq[ch]);
            if start >= end || end > 253 {
                return Err(Ac3Error::Invalid(format!("invalid frequency range {start}..{end} for channel {ch}")));
            }
            calc_psd(&self.dexps[ch], start, end, &mut self.psd[ch], &mut self.band_psd[ch]);
            calc_mask(
                &self.ba,
                &self.band_psd[ch],
                start,
                end,
                self.fast_gain[ch],
                ch == lfe_ch,
                &self.dba[ch],
                &mut self.mask[ch],
            )?;
            let tab = if self.channel_uses_aht[ch] { &HEBAP_TAB } else { &BAP_TAB };
            calc_bap(
                &self.mask[ch],
                &self.psd[ch],
                start,
                end,
                self.snr_offset[ch],
                self.ba.floor,
                tab,
                &mut self.bap[ch],
            );
        }

        // Skip field.
        if self.skip_syntax && r.bit()? {
            let skipl = r.read(9)? as usize;
            r.skip(skipl * 8)?;
        }

        // Mantissas, decoupling.
        self.mark("mantissas", r.position());
        self.decode_transform_coeffs(r, blk)?;
        self.mark("block_end", r.position());

        // Rematrixing.
        if stereo {
            let end = self.end_freq[1].min(self.end_freq[2]);
            for bnd in 0..self.num_rematrix_bands {
                if self.rematrix_flags[bnd] {
                    let bend = end.min(REMATRIX_BAND_TAB[bnd + 1]);
                    for i in REMATRIX_BAND_TAB[bnd]..bend {
                        let a = self.fixed[1][i];
                        let b = self.fixed[2][i];
                        self.fixed[1][i] = a.wrapping_add(b);
                        self.fixed[2][i] = a.wrapping_sub(b);
                    }
                }
            }
        }

        // Scale to float (24-bit fixed point, headroom, dynamic range).
        for ch in 1..=channels {
            let dr = if acmod == 0 { self.dynrng[ch.min(2) - 1] } else { self.dynrng[0] };
            let gain = (1.0f32 / 4194304.0) * dr;
            for (o, &f) in self.coeffs[ch].iter_mut().zip(self.fixed[ch].iter()) {
                *o = f as f32 * gain;
            }
        }

        if self.spx_in_use {
            eac3::apply_spectral_extension(self);
        }

        // Feature counters.
        self.stats.coupling_blocks += cpl_in_use as u64;
        self.stats.spx_blocks += self.spx_in_use as u64;
        self.stats.rematrix_blocks +=
            (stereo && self.rematrix_flags[..self.num_rematrix_bands].iter().any(|&f| f)) as u64;
        for ch in 1..=fbw {
            self.stats.short_blocks += self.block_switch[ch] as u64;
            self.stats.dithered_blocks += self.dither_flag[ch] as u64;
        }

        // Inverse transform and overlap-add (A/52 section 7.9).
        let off = blk * 256;
        for ch in 1..=channels {
            let idx = ch - 1;
            let out = &mut self.out[idx][off..off + 256];
            if self.block_switch[ch] {
                let mut x = [0f32; 128];
                let mut tmp = [0f32; 128];
                for (i, v) in x.iter_mut().enumerate() {
                    *v = self.coeffs[ch][2 * i];
                }
                self.imdct256.imdct_half(&x, &mut tmp);
                window_overlap(out, &self.delay[idx], &tmp, &self.window);
                for (i, v) in x.iter_mut().enumerate() {
                    *v = self.coeffs[ch][2 * i + 1];
                }
                self.imdct256.imdct_half(&x, &mut self.delay[idx]);
            } else {
                let mut tmp = [0f32; 256];
                self.imdct512.imdct_half(&self.coeffs[ch], &mut tmp);
                window_overlap(out, &self.delay[idx], &tmp[..128], &self.window);
                self.delay[idx].copy_from_slice(&tmp[128..]);
            }
        }
        Ok(())
    }

    fn decode_channel_mantissas(
        &mut self,
        r: &mut BitReader,
        blk: usize,
        ch: usize,
        m: &mut MantGroups,
    ) -> Result<(), Ac3Error> {
        if self.channel_uses_aht[ch] {
            // AHT: all six blocks' mantissas are in block 0 (A/52 E.3.4).
            if blk == 0 {
                self.mark("aht_mantissas", r.position());
                decode_aht_mantissas(self, r, ch)?;
            }
            let b = blk.min(5);
            for bin in self.start_freq[ch]..self.end_freq[ch].min(256) {
                self.fixed[ch][bin] = self.pre_mantissa[ch][bin][b] >> self.dexps[ch][bin].min(31);
            }
            return Ok(());
        }
        if self.trace.is_some() {
            for bin in self.start_freq[ch]..self.end_freq[ch].min(256) {
                let b = self.bap[ch][bin] as usize;
                self.mark("bap", b);
            }
        }
        let dither = if ch == CPL || self.dither_flag[ch] { Some(&mut self.dither) } else { None };
        decode_mantissas(
            r,
            &self.bap[ch],
            &self.dexps[ch],
            self.start_freq[ch],
            self.end_freq[ch],
            dither,
            m,
            &mut self.fixed[ch],
        )
    }

    fn decode_transform_coeffs(&mut self, r: &mut BitReader, blk: usize) -> Result<(), Ac3Error> {
        let mut m = MantGroups::default();
        let mut got_cpl = false;
        let cpl_in_use = self.cpl_in_use[blk];
        for ch in 1..=self.channels {
            self.decode_channel_mantissas(r, blk, ch, &mut m)?;
            let end = if cpl_in_use && self.channel_in_cpl[ch] {
                if !got_cpl {
                    self.decode_channel_mantissas(r, blk, CPL, &mut m)?;
                    self.decouple();
                    got_cpl = true;
                }
                self.end_freq[CPL]
            } else {
                self.end_freq[ch]
            };
            self.fixed[ch][end.min(256)..].fill(0);
        }
        // Remove dither from coupled channels that do not use it (A/52 section 7.3.4).
        if cpl_in_use {
            for ch in 1..=self.fbw {
                if !self.dither_flag[ch] && self.channel_in_cpl[ch] {
                    for i in self.start_freq[CPL]..self.end_freq[CPL] {
                        if self.bap[CPL][i] == 0 {
                            self.fixed[ch][i] = 0;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Coupled channel reconstruction (A/52 section 7.4.3).
    fn decouple(&mut self) {
        let mut bin = self.start_freq[CPL];
        for band in 0..self.num_cpl_bands {
            let band_start = bin;
            let band_end = (bin + self.cpl_band_sizes[band] as usize).min(256);
            for ch in 1..=self.fbw {
                if self.channel_in_cpl[ch] {
                    let coord = (self.cpl_coords[ch][band] as i64) << 5;
                    let neg = ch == 2 && self.phase_flags[band];
                    for b in band_start..band_end {
                        let v = (((self.fixed[CPL][b] as i64) << 4) * coord) >> 32;
                        self.fixed[ch][b] = if neg { -(v as i32) } else { v as i32 };
                    }
                }
            }
            bin = band_end;
        }
    }
}
