//! HEVC sequence parameter set parsing (ITU-T H.265 7.3.2.2) up to the VUI's colour
//! description: what the probe reports (size after the conformance window, bit depth,
//! chroma, SAR, colour, range) without decoding a picture.
//!
//! Every count read from the stream is bounded by the limit the specification gives it
//! before it drives a loop, and the reader fails (never panics) at the end of the data,
//! so a hostile SPS costs at most one pass over its own bytes.

use crate::codec::rbsp::{unescape, vui_start, BitReader, SpsError, VuiStart};

/// NAL unit types clipfit cares about (H.265 Table 7-1).
pub const NAL_VPS: u8 = 32;
/// Sequence parameter set.
pub const NAL_SPS: u8 = 33;
/// Picture parameter set.
pub const NAL_PPS: u8 = 34;

/// The NAL unit type of an HEVC NAL unit (first header byte, bits 1..7).
pub fn nal_type(nal: &[u8]) -> u8 {
    nal.first().map_or(0xff, |b| (b >> 1) & 0x3f)
}

/// nuh_layer_id: 0 for the base layer; MV-HEVC's second view, SHVC and Dolby Vision's
/// enhancement layer use others.
pub fn layer_id(nal: &[u8]) -> u8 {
    match nal {
        [a, b, ..] => ((a & 1) << 5) | (b >> 3),
        _ => 0,
    }
}

/// The SPS fields clipfit uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sps {
    /// general_profile_idc (1 Main, 2 Main 10, 3 Main Still Picture, 4 range extensions).
    pub profile_idc: u8,
    /// general_tier_flag (false: Main tier).
    pub high_tier: bool,
    /// general_level_idc (level × 30).
    pub level_idc: u8,
    /// chroma_format_idc (0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4).
    pub chroma_format_idc: u8,
    /// Luma bit depth.
    pub bit_depth_luma: u8,
    /// Chroma bit depth.
    pub bit_depth_chroma: u8,
    /// Coded width in luma samples (before the conformance window).
    pub coded_width: u32,
    /// Coded height in luma samples.
    pub coded_height: u32,
    /// Width after the conformance window.
    pub width: u32,
    /// Height after the conformance window.
    pub height: u32,
    /// Sample aspect ratio from the VUI.
    pub sar: Option<(u32, u32)>,
    /// video_full_range_flag from the VUI.
    pub full_range: bool,
    /// colour_primaries, transfer_characteristics, matrix_coefficients (H.273 code points).
    pub color: Option<(u8, u8, u8)>,
}

/// profile_tier_level(1, max_sub_layers_minus1) (7.3.3): the general profile, tier and
/// level; sub-layer entries are skipped.
fn profile_tier_level(r: &mut BitReader, max_sub_layers_minus1: u32) -> Result<(u8, bool, u8), SpsError> {
    r.bits(2)?; // general_profile_space
    let high_tier = r.flag()?;
    let profile_idc = r.bits(5)? as u8;
    let compat = r.bits(32)?;
    r.skip(48)?; // progressive/interlaced/non-packed/frame-only + 44 constraint bits
    let level_idc = r.bits(8)? as u8;
    let mut present = [(false, false); 8];
    for p in present.iter_mut().take(max_sub_layers_minus1 as usize) {
        *p = (r.flag()?, r.flag()?);
    }
    if max_sub_layers_minus1 > 0 {
        r.skip(2 * (8 - max_sub_layers_minus1 as usize))?;
    }
    for &(profile, level) in present.iter().take(max_sub_layers_minus1 as usize) {
        if profile {
            r.skip(88)?;
        }
        if level {
            r.skip(8)?;
        }
    }
    // Encoders that leave profile_idc 0 still set the compatibility flag of the profile.
    let profile_idc =
        if profile_idc == 0 { (1..32).find(|i| compat & (1 << (31 - i)) != 0).unwrap_or(0) as u8 } else { profile_idc };
    Ok((profile_idc, high_tier, level_idc))
}

fn skip_scaling_list_data(r: &mut BitReader) -> Result<(), SpsError> {
    for size_id in 0..4 {
        let step = if size_id == 3 { 3 } else { 1 };
        for _ in (0..6).step_by(step) {
            if !r.flag()? {
                r.ue()?; // scaling_list_pred_matrix_id_delta
            } else {
                let coefs = 64.min(1 << (4 + (size_id << 1)));
                if size_id > 1 {
                    r.se()?; // scaling_list_dc_coef_minus8
                }
                for _ in 0..coefs {
                    r.se()?;
                }
            }
        }
    }
    Ok(())
}

/// The delta POCs of each short-term reference picture set read so far: inter-predicted
/// sets are defined relative to the previous one (7.4.8), so their length depends on it.
fn st_ref_pic_set(r: &mut BitReader, idx: usize, sets: &[Vec<i32>]) -> Result<Vec<i32>, SpsError> {
    if idx != 0 && r.flag()? {
        // inter_ref_pic_set_prediction_flag: in an SPS the reference is the previous set.
        let negative = r.flag()?;
        let abs = r.ue_max(1 << 15, "abs_delta_rps_minus1")? as i32 + 1;
        let delta_rps = if negative { -abs } else { abs };
        let reference = &sets[idx - 1];
        let mut out = Vec::new();
        for j in 0..=reference.len() {
            let used = r.flag()?;
            let use_delta = used || r.flag()?;
            let d = reference.get(j).copied().unwrap_or(0) + delta_rps;
            if use_delta && d != 0 {
                out.push(d);
            }
        }
        if out.len() > 32 {
            return Err(SpsError(format!("short-term RPS {idx} has {} pictures", out.len())));
        }
        return Ok(out);
    }
    let negatives = r.ue_max(16, "num_negative_pics")?;
    let positives = r.ue_max(16, "num_positive_pics")?;
    let mut out = Vec::new();
    let mut poc = 0i32;
    for _ in 0..negatives {
        poc -= r.ue_max(1 << 15, "delta_poc_s0_minus1")? as i32 + 1;
        r.flag()?;
        out.push(poc);
    }
    poc = 0;
    for _ in 0..positives {
        poc += r.ue_max(1 << 15, "delta_poc_s1_minus1")? as i32 + 1;
        r.flag()?;
        out.push(poc);
    }
    Ok(out)
}

/// Names a general_profile_idc.
pub fn profile_name(profile_idc: u8) -> String {
    match profile_idc {
        1 => "Main".into(),
        2 => "Main 10".into(),
        3 => "Main Still Picture".into(),
        4 => "Range Extensions".into(),
        p => format!("profile {p}"),
    }
}

impl Sps {
    /// Parses an SPS NAL unit (with its two-byte NAL header, as stored in `hvcC`).
    pub fn parse(nal: &[u8]) -> Result<Sps, SpsError> {
        let data = unescape(nal);
        if data.len() < 4 {
            return Err(SpsError("HEVC SPS shorter than 4 bytes".into()));
        }
        if nal_type(&data) != NAL_SPS {
            return Err(SpsError(format!("NAL type {} is not an HEVC SPS", nal_type(&data))));
        }
        let mut r = BitReader::new(&data[2..], "HEVC SPS");
        r.bits(4)?; // sps_video_parameter_set_id
        let max_sub_layers_minus1 = r.bits(3)?;
        if max_sub_layers_minus1 > 6 {
            return Err(SpsError(format!("sps_max_sub_layers_minus1 {max_sub_layers_minus1} is above 6")));
        }
        r.flag()?; // sps_temporal_id_nesting_flag
        let (profile_idc, high_tier, level_idc) = profile_tier_level(&mut r, max_sub_layers_minus1)?;
        r.ue_max(15, "sps_seq_parameter_set_id")?;
        let chroma_format_idc = r.ue_max(3, "chroma_format_idc")?;
        let separate_colour_plane = chroma_format_idc == 3 && r.flag()?;
        let coded_width = r.ue()?;
        let coded_height = r.ue()?;
        if coded_width == 0 || coded_height == 0 || coded_width > 65536 || coded_height > 65536 {
            return Err(SpsError(format!("impossible coded size {coded_width}x{coded_height}")));
        }
        // Conformance window offsets are in chroma sample units (7.4.3.2.1).
        let (sub_w, sub_h) = match (chroma_format_idc, separate_colour_plane) {
            (1, _) => (2u64, 2u64),
            (2, _) => (2, 1),
            _ => (1, 1),
        };
        let (mut crop_w, mut crop_h) = (0u64, 0u64);
        if r.flag()? {
            let (left, right, top, bottom) = (r.ue()?, r.ue()?, r.ue()?, r.ue()?);
            crop_w = (left as u64 + right as u64) * sub_w;
            crop_h = (top as u64 + bottom as u64) * sub_h;
        }
        if crop_w >= coded_width as u64 || crop_h >= coded_height as u64 {
            return Err(SpsError(format!(
                "conformance window {crop_w}x{crop_h} leaves nothing of {coded_width}x{coded_height}"
            )));
        }
        let bit_depth_luma = r.ue_max(8, "bit_depth_luma_minus8")? + 8;
        let bit_depth_chroma = r.ue_max(8, "bit_depth_chroma_minus8")? + 8;
        let mut sps = Sps {
            profile_idc,
            high_tier,
            level_idc,
            chroma_format_idc: chroma_format_idc as u8,
            bit_depth_luma: bit_depth_luma as u8,
            bit_depth_chroma: bit_depth_chroma as u8,
            coded_width,
            coded_height,
            width: coded_width - crop_w as u32,
            height: coded_height - crop_h as u32,
            sar: None,
            full_range: false,
            color: None,
        };
        // Everything past here only leads to the VUI; a stream cut short in it still
        // gave the size, which is what matters most.
        let _ = sps.parse_tail(&mut r, max_sub_layers_minus1);
        Ok(sps)
    }

    /// From log2_max_pic_order_cnt_lsb_minus4 to the VUI's colour description.
    fn parse_tail(&mut self, r: &mut BitReader, max_sub_layers_minus1: u32) -> Result<(), SpsError> {
        let log2_max_poc_lsb = r.ue_max(12, "log2_max_pic_order_cnt_lsb_minus4")? + 4;
        let all_sub_layers = r.flag()?;
        let first = if all_sub_layers { 0 } else { max_sub_layers_minus1 };
        for _ in first..=max_sub_layers_minus1 {
            r.ue()?;
            r.ue()?;
            r.ue()?;
        }
        for _ in 0..6 {
            r.ue()?; // coding block, transform block sizes and hierarchy depths
        }
        if r.flag()? && r.flag()? {
            skip_scaling_list_data(r)?;
        }
        r.flag()?; // amp_enabled_flag
        r.flag()?; // sample_adaptive_offset_enabled_flag
        if r.flag()? {
            // pcm_enabled_flag: two bit depths, two sizes, the loop filter flag.
            r.bits(8)?;
            r.ue()?;
            r.ue()?;
            r.flag()?;
        }
        let sets_count = r.ue_max(64, "num_short_term_ref_pic_sets")? as usize;
        let mut sets: Vec<Vec<i32>> = Vec::with_capacity(sets_count);
        for i in 0..sets_count {
            let set = st_ref_pic_set(r, i, &sets)?;
            sets.push(set);
        }
        if r.flag()? {
            let n = r.ue_max(32, "num_long_term_ref_pics_sps")?;
            for _ in 0..n {
                r.bits(log2_max_poc_lsb)?;
                r.flag()?;
            }
        }
        r.flag()?; // sps_temporal_mvp_enabled_flag
        r.flag()?; // strong_intra_smoothing_enabled_flag
        if r.flag()? {
            self.parse_vui(r)?;
        }
        Ok(())
    }

    /// The start of vui_parameters() (E.2.1): SAR, range and colour description.
    fn parse_vui(&mut self, r: &mut BitReader) -> Result<(), SpsError> {
        // What was read before a truncation is kept (a cut-off VUI still gives its SAR).
        let mut vui = VuiStart::default();
        let read = vui_start(r, &mut vui);
        (self.sar, self.full_range, self.color) = (vui.sar, vui.full_range, vui.color);
        read
    }

    /// Profile name (`Main`, `Main 10`...).
    pub fn profile_name(&self) -> String {
        profile_name(self.profile_idc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SPS of `testdata/hevc_hlg.mp4` (x265, 320x240 Main 10, BT.2020 HLG, limited range).
    const MAIN10_HLG: &[u8] = &[
        0x42, 0x01, 0x01, 0x02, 0x20, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3c,
        0xa0, 0x0a, 0x08, 0x0f, 0x13, 0x65, 0x95, 0x95, 0x29, 0x30, 0xbc, 0x05, 0xa8, 0x48, 0x90, 0x48, 0x20, 0x00,
        0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x03, 0x03, 0xc1,
    ];

    #[test]
    fn x265_main10_hlg_sps() {
        let sps = Sps::parse(MAIN10_HLG).unwrap();
        assert_eq!((sps.profile_name().as_str(), sps.level_idc, sps.high_tier), ("Main 10", 60, false));
        assert_eq!((sps.width, sps.height, sps.bit_depth_luma, sps.chroma_format_idc), (320, 240, 10, 1));
        assert_eq!((sps.color, sps.full_range), (Some((9, 18, 9)), false));
    }

    #[test]
    fn nal_header_fields() {
        assert_eq!(nal_type(&[0x40, 0x01]), NAL_VPS);
        assert_eq!(nal_type(&[0x42, 0x01]), NAL_SPS);
        assert_eq!(layer_id(&[0x40, 0x01]), 0);
        // MV-HEVC second view: nuh_layer_id 1.
        assert_eq!(layer_id(&[0x02, 0x09]), 1);
        // Dolby Vision RPU: type 62, layer 0.
        assert_eq!(nal_type(&[0x7c, 0x01]), 62);
    }

    #[test]
    fn garbage_and_truncation_are_errors_not_panics() {
        assert!(Sps::parse(&[]).is_err());
        assert!(Sps::parse(&[0x42, 0x01, 0xff, 0xff, 0xff]).is_err());
        assert!(Sps::parse(&[0x40, 0x01, 0, 0, 0, 0]).is_err());
        for n in 0..MAIN10_HLG.len() {
            let _ = Sps::parse(&MAIN10_HLG[..n]);
        }
        let mut x = MAIN10_HLG.to_vec();
        for i in 2..x.len() {
            x[i] ^= 0xa5;
            let _ = Sps::parse(&x);
        }
    }
}
