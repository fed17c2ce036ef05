//! H.264 sequence parameter set parsing (ITU-T H.264 7.3.2.1.1) and the level limits of
//! Table A-1, so that what a stream claims can be checked against what it needs.

pub use crate::codec::rbsp::{unescape, SpsError};
use crate::codec::rbsp::{vui_start, BitReader, VuiStart};

/// The SPS fields clipfit uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sps {
    /// profile_idc (66 Baseline, 77 Main, 100 High, 110 High 10, ...).
    pub profile_idc: u8,
    /// constraint_set flags byte.
    pub constraint_flags: u8,
    /// level_idc (level × 10; 9 or constraint_set3 with 11 means 1b).
    pub level_idc: u8,
    /// chroma_format_idc (1 = 4:2:0).
    pub chroma_format_idc: u8,
    /// Luma bit depth.
    pub bit_depth_luma: u8,
    /// Chroma bit depth.
    pub bit_depth_chroma: u8,
    /// Width in pixels after cropping.
    pub width: u32,
    /// Height in pixels after cropping.
    pub height: u32,
    /// Width in macroblocks.
    pub width_mbs: u32,
    /// Height in macroblocks (frame, not field).
    pub height_mbs: u32,
    /// True when only progressive frames are coded.
    pub frame_mbs_only: bool,
    /// Sample aspect ratio from the VUI.
    pub sar: Option<(u32, u32)>,
    /// video_full_range_flag from the VUI.
    pub full_range: bool,
    /// colour_primaries, transfer_characteristics, matrix_coefficients from the VUI
    /// (H.273 code points; `None` when the VUI does not describe them).
    pub color: Option<(u8, u8, u8)>,
    /// max_num_reorder_frames / max_dec_frame_buffering hint: true when the stream may
    /// reorder (profiles above Baseline without VUI bitstream restriction saying 0).
    pub may_reorder: bool,
}

fn skip_scaling_list(r: &mut BitReader, size: usize) -> Result<(), SpsError> {
    let mut last = 8i32;
    let mut next = 8i32;
    for _ in 0..size {
        if next != 0 {
            // delta_scale is an se(v) in -128..=127 (7.4.2.1.1.1); anything else is damage,
            // and unchecked it overflows the sum.
            let delta = r.se()?;
            if !(-128..=127).contains(&delta) {
                return Err(SpsError(format!("scaling list delta {delta} is outside -128..127")));
            }
            next = (last + delta + 256) % 256;
        }
        if next != 0 {
            last = next;
        }
    }
    Ok(())
}

/// Names a profile_idc (constraint flags distinguish Constrained Baseline).
pub fn profile_name(profile_idc: u8, constraint_flags: u8) -> &'static str {
    match profile_idc {
        66 if constraint_flags & 0x40 != 0 => "Constrained Baseline",
        66 => "Baseline",
        77 => "Main",
        88 => "Extended",
        100 => "High",
        110 => "High 10",
        122 => "High 4:2:2",
        244 => "High 4:4:4 Predictive",
        44 => "CAVLC 4:4:4 Intra",
        _ => "unknown",
    }
}

impl Sps {
    /// Parses an SPS NAL unit (with its one-byte NAL header, as stored in avcC).
    pub fn parse(nal: &[u8]) -> Result<Sps, SpsError> {
        let data = unescape(nal);
        if data.len() < 4 {
            return Err(SpsError("SPS shorter than 4 bytes".into()));
        }
        if data[0] & 0x1f != 7 {
            return Err(SpsError(format!("NAL type {} is not an SPS", data[0] & 0x1f)));
        }
        let mut r = BitReader::new(&data[1..], "SPS");
        let profile_idc = r.bits(8)? as u8;
        let constraint_flags = r.bits(8)? as u8;
        let level_idc = r.bits(8)? as u8;
        r.ue()?; // seq_parameter_set_id
        let mut chroma_format_idc = 1;
        let mut bit_depth_luma = 8;
        let mut bit_depth_chroma = 8;
        let mut separate_colour_plane = false;
        if matches!(profile_idc, 100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135) {
            chroma_format_idc = r.ue()?;
            if chroma_format_idc > 3 {
                return Err(SpsError(format!("chroma_format_idc {chroma_format_idc} is invalid")));
            }
            if chroma_format_idc == 3 {
                separate_colour_plane = r.flag()?;
            }
            bit_depth_luma = r.ue()?.saturating_add(8);
            bit_depth_chroma = r.ue()?.saturating_add(8);
            if bit_depth_luma > 14 || bit_depth_chroma > 14 {
                return Err(SpsError("bit depth above 14".into()));
            }
            r.flag()?; // qpprime_y_zero_transform_bypass_flag
            if r.flag()? {
                let lists = if chroma_format_idc == 3 { 12 } else { 8 };
                for i in 0..lists {
                    if r.flag()? {
                        skip_scaling_list(&mut r, if i < 6 { 16 } else { 64 })?;
                    }
                }
            }
        }
        r.ue()?; // log2_max_frame_num_minus4
        let poc_type = r.ue()?;
        match poc_type {
            0 => {
                r.ue()?;
            }
            1 => {
                r.flag()?;
                r.se()?;
                r.se()?;
                let n = r.ue()?;
                if n > 255 {
                    return Err(SpsError("too many ref frames in POC cycle".into()));
                }
                for _ in 0..n {
                    r.se()?;
                }
            }
            2 => {}
            _ => return Err(SpsError(format!("pic_order_cnt_type {poc_type} is invalid"))),
        }
        let max_refs = r.ue()?;
        r.flag()?; // gaps_in_frame_num_value_allowed_flag
        let width_mbs = r.ue()?.saturating_add(1);
        let height_map_units = r.ue()?.saturating_add(1);
        let frame_mbs_only = r.flag()?;
        if !frame_mbs_only {
            r.flag()?; // mb_adaptive_frame_field_flag
        }
        r.flag()?; // direct_8x8_inference_flag
        let height_mbs = height_map_units.saturating_mul(if frame_mbs_only { 1 } else { 2 });
        let (mut crop_l, mut crop_r, mut crop_t, mut crop_b) = (0, 0, 0, 0);
        if r.flag()? {
            crop_l = r.ue()?;
            crop_r = r.ue()?;
            crop_t = r.ue()?;
            crop_b = r.ue()?;
        }
        let chroma_array_type = if separate_colour_plane { 0 } else { chroma_format_idc };
        let (sub_w, sub_h) = match chroma_array_type {
            1 => (2, 2),
            2 => (2, 1),
            _ => (1, 1),
        };
        let crop_unit_x = if chroma_array_type == 0 { 1 } else { sub_w };
        let crop_unit_y = (if chroma_array_type == 0 { 1 } else { sub_h }) * if frame_mbs_only { 1 } else { 2 };
        let full_w = width_mbs as u64 * 16;
        let full_h = height_mbs as u64 * 16;
        let cw = (crop_l as u64 + crop_r as u64) * crop_unit_x;
        let ch = (crop_t as u64 + crop_b as u64) * crop_unit_y;
        if cw >= full_w || ch >= full_h || full_w > 65536 || full_h > 65536 {
            return Err(SpsError(format!("impossible picture size {full_w}x{full_h} with cropping {cw}x{ch}")));
        }
        let mut sps = Sps {
            profile_idc,
            constraint_flags,
            level_idc,
            chroma_format_idc: chroma_format_idc as u8,
            bit_depth_luma: bit_depth_luma as u8,
            bit_depth_chroma: bit_depth_chroma as u8,
            width: (full_w - cw) as u32,
            height: (full_h - ch) as u32,
            width_mbs,
            height_mbs,
            frame_mbs_only,
            sar: None,
            full_range: false,
            color: None,
            may_reorder: profile_idc != 66 && max_refs > 1,
        };
        // The VUI is optional and sometimes truncated by muxers; what it yields is a bonus.
        if r.flag().unwrap_or(false) {
            let _ = sps.parse_vui(&mut r);
        }
        Ok(sps)
    }

    fn parse_vui(&mut self, r: &mut BitReader) -> Result<(), SpsError> {
        // What was read before a truncation is kept (a cut-off VUI still gives its SAR).
        let mut vui = VuiStart::default();
        let read = vui_start(r, &mut vui);
        (self.sar, self.full_range, self.color) = (vui.sar, vui.full_range, vui.color);
        read
    }

    /// Profile name.
    pub fn profile_name(&self) -> &'static str {
        profile_name(self.profile_idc, self.constraint_flags)
    }

    /// `4:2:0` and friends.
    pub fn chroma_format_name(&self) -> &'static str {
        match self.chroma_format_idc {
            0 => "4:0:0",
            1 => "4:2:0",
            2 => "4:2:2",
            _ => "4:4:4",
        }
    }
}

/// One row of H.264 Table A-1.
#[derive(Clone, Copy, Debug)]
pub struct LevelLimits {
    /// level_idc (level × 10; 9 stands for 1b).
    pub level_idc: u8,
    /// Max macroblocks per second.
    pub max_mbps: u64,
    /// Max frame size in macroblocks.
    pub max_fs: u64,
    /// Max video bitrate in kbit/s for Baseline/Main/Extended (High: × 1.25).
    pub max_br_kbps: u64,
}

/// H.264 Table A-1, in ascending order.
pub const LEVELS: [LevelLimits; 20] = [
    LevelLimits { level_idc: 10, max_mbps: 1485, max_fs: 99, max_br_kbps: 64 },
    LevelLimits { level_idc: 9, max_mbps: 1485, max_fs: 99, max_br_kbps: 128 },
    LevelLimits { level_idc: 11, max_mbps: 3000, max_fs: 396, max_br_kbps: 192 },
    LevelLimits { level_idc: 12, max_mbps: 6000, max_fs: 396, max_br_kbps: 384 },
    LevelLimits { level_idc: 13, max_mbps: 11880, max_fs: 396, max_br_kbps: 768 },
    LevelLimits { level_idc: 20, max_mbps: 11880, max_fs: 396, max_br_kbps: 2000 },
    LevelLimits { level_idc: 21, max_mbps: 19800, max_fs: 792, max_br_kbps: 4000 },
    LevelLimits { level_idc: 22, max_mbps: 20250, max_fs: 1620, max_br_kbps: 4000 },
    LevelLimits { level_idc: 30, max_mbps: 40500, max_fs: 1620, max_br_kbps: 10000 },
    LevelLimits { level_idc: 31, max_mbps: 108000, max_fs: 3600, max_br_kbps: 14000 },
    LevelLimits { level_idc: 32, max_mbps: 216000, max_fs: 5120, max_br_kbps: 20000 },
    LevelLimits { level_idc: 40, max_mbps: 245760, max_fs: 8192, max_br_kbps: 20000 },
    LevelLimits { level_idc: 41, max_mbps: 245760, max_fs: 8192, max_br_kbps: 50000 },
    LevelLimits { level_idc: 42, max_mbps: 522240, max_fs: 8704, max_br_kbps: 50000 },
    LevelLimits { level_idc: 50, max_mbps: 589824, max_fs: 22080, max_br_kbps: 135000 },
    LevelLimits { level_idc: 51, max_mbps: 983040, max_fs: 36864, max_br_kbps: 240000 },
    LevelLimits { level_idc: 52, max_mbps: 2073600, max_fs: 36864, max_br_kbps: 240000 },
    LevelLimits { level_idc: 60, max_mbps: 4177920, max_fs: 139264, max_br_kbps: 240000 },
    LevelLimits { level_idc: 61, max_mbps: 8355840, max_fs: 139264, max_br_kbps: 480000 },
    LevelLimits { level_idc: 62, max_mbps: 16711680, max_fs: 139264, max_br_kbps: 800000 },
];

/// Position of a level in Table A-1 (so 1b sorts between 1 and 1.1).
fn rank(level_idc: u8) -> Option<usize> {
    LEVELS.iter().position(|l| l.level_idc == level_idc)
}

/// The lowest level whose frame size, macroblock rate and (High-profile) bitrate limits
/// hold a `width`x`height` stream at `fps` with `bitrate_bps` peak.
pub fn required_level(width: u32, height: u32, fps: f64, bitrate_bps: u64) -> Option<u8> {
    let w_mbs = width.div_ceil(16) as u64;
    let h_mbs = height.div_ceil(16) as u64;
    let fs = w_mbs * h_mbs;
    let mbps = (fs as f64 * fps).ceil() as u64;
    LEVELS
        .iter()
        .filter(|l| l.level_idc != 9)
        .find(|l| {
            let side = ((8 * l.max_fs) as f64).sqrt() as u64;
            fs <= l.max_fs
                && w_mbs <= side
                && h_mbs <= side
                && mbps <= l.max_mbps
                && bitrate_bps <= l.max_br_kbps * 1250
        })
        .map(|l| l.level_idc)
}

/// True when `claimed` is at least `needed` in Table A-1 order.
pub fn level_at_least(claimed: u8, needed: u8) -> bool {
    match (rank(claimed), rank(needed)) {
        (Some(c), Some(n)) => c >= n,
        _ => false,
    }
}

/// `4.0`-style text for a level_idc.
pub fn level_name(level_idc: u8) -> String {
    if level_idc == 9 {
        "1b".into()
    } else {
        format!("{}.{}", level_idc / 10, level_idc % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiktok_size_needs_level_4() {
        assert_eq!(required_level(1080, 1920, 30.0, 10_000_000), Some(40));
        assert_eq!(required_level(1080, 1920, 60.0, 10_000_000), Some(42));
        assert!(!level_at_least(31, 40));
        assert!(level_at_least(41, 40));
        assert!(level_at_least(9, 10));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for len in 0..40 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 37 + 0x67) as u8).collect();
            let _ = Sps::parse(&junk);
        }
        assert!(Sps::parse(&[0x67, 0x64]).is_err());
    }
}
