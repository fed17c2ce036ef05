//! Colour description of a video: ITU-T H.273 code points (as in H.264/HEVC VUI and the
//! ISO-BMFF `colr` box), HDR mastering metadata and Dolby Vision configuration.
//!
//! It decides whether a picture is SDR BT.709 — what the strict profile wants — or HDR
//! (HLG or PQ transfer, BT.2020 primaries) that must be tone-mapped, not merely relabelled:
//! HLG shown as BT.709 looks grey and flat.

use serde::Serialize;

/// H.273 code points. 2 means unspecified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ColorInfo {
    /// colour_primaries (1 BT.709, 9 BT.2020, 12 P3-D65, 5/6 BT.601).
    pub primaries: u8,
    /// transfer_characteristics (1/6/14/15 SDR gamma, 16 PQ, 18 HLG).
    pub transfer: u8,
    /// matrix_coefficients (1 BT.709, 5/6 BT.601, 9 BT.2020 NCL, 10 BT.2020 CL).
    pub matrix: u8,
}

const UNSPECIFIED: u8 = 2;

impl Default for ColorInfo {
    fn default() -> Self {
        ColorInfo { primaries: UNSPECIFIED, transfer: UNSPECIFIED, matrix: UNSPECIFIED }
    }
}

/// How bright the picture is meant to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DynamicRange {
    /// A gamma transfer (or none said: players assume SDR).
    Sdr,
    /// Hybrid Log-Gamma (ARIB STD-B67, BT.2100), what iPhones record.
    Hlg,
    /// Perceptual Quantizer (SMPTE ST 2084, BT.2100): HDR10, Dolby Vision.
    Pq,
}

impl ColorInfo {
    /// Fills the fields still unspecified from `other` (the first source that says wins:
    /// the bitstream's VUI is read before the container's `colr`).
    pub fn fill_from(&mut self, other: ColorInfo) {
        for (mine, theirs) in [
            (&mut self.primaries, other.primaries),
            (&mut self.transfer, other.transfer),
            (&mut self.matrix, other.matrix),
        ] {
            if *mine == UNSPECIFIED || *mine == 0 {
                *mine = theirs;
            }
        }
    }

    /// SDR, HLG or PQ, from the transfer.
    pub fn dynamic_range(&self) -> DynamicRange {
        match self.transfer {
            16 => DynamicRange::Pq,
            18 => DynamicRange::Hlg,
            _ => DynamicRange::Sdr,
        }
    }

    /// Wide-gamut BT.2020 primaries or matrix.
    pub fn is_bt2020(&self) -> bool {
        self.primaries == 9 || matches!(self.matrix, 9 | 10)
    }

    /// True when the picture can be shown as SDR BT.709 without conversion of transfer or
    /// gamut: SDR transfer and not BT.2020 (an unspecified field counts as BT.709, as
    /// players treat it for HD).
    pub fn is_sdr_709_compatible(&self) -> bool {
        self.dynamic_range() == DynamicRange::Sdr && !self.is_bt2020()
    }

    /// "SDR BT.709", "HLG BT.2020", "PQ BT.2020", "SDR (unspecified)", ...
    pub fn describe(&self) -> String {
        let range = match self.dynamic_range() {
            DynamicRange::Sdr => "SDR",
            DynamicRange::Hlg => "HLG",
            DynamicRange::Pq => "PQ",
        };
        match primaries_name(self.primaries) {
            Some(p) => format!("{range} {p}"),
            None => format!("{range} (primaries unspecified)"),
        }
    }
}

/// The name of a colour_primaries code point.
pub fn primaries_name(code: u8) -> Option<&'static str> {
    Some(match code {
        1 => "BT.709",
        4 => "BT.470M",
        5 => "BT.601-625",
        6 | 7 => "BT.601-525",
        9 => "BT.2020",
        11 => "DCI-P3",
        12 => "Display P3",
        _ => return None,
    })
}

/// SMPTE ST 2086 mastering display colour volume (`mdcv` box or SEI).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MasteringDisplay {
    /// Display primaries G, B, R as (x, y) in units of 0.00002.
    pub primaries: [(u16, u16); 3],
    /// White point (x, y) in units of 0.00002.
    pub white_point: (u16, u16),
    /// Peak luminance in units of 0.0001 cd/m².
    pub max_luminance: u32,
    /// Black level in units of 0.0001 cd/m².
    pub min_luminance: u32,
}

/// CTA-861.3 content light level (`clli` box or SEI), in cd/m².
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ContentLight {
    /// MaxCLL: brightest pixel.
    pub max_cll: u16,
    /// MaxFALL: brightest frame average.
    pub max_fall: u16,
}

/// Dolby Vision configuration (`dvcC`, `dvvC`, `dvwC`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DolbyVision {
    /// Profile (5 no compatible base layer, 7 dual layer, 8 single layer with a base layer).
    pub profile: u8,
    /// Level.
    pub level: u8,
    /// bl_signal_compatibility_id: 1 HDR10, 2 SDR, 4 HLG (profile 8.1, 8.2, 8.4), 0 none.
    pub base_layer_compatibility: u8,
    /// The stream carries RPU (dynamic metadata) NAL units.
    pub rpu: bool,
    /// The stream carries an enhancement layer.
    pub enhancement_layer: bool,
}

impl DolbyVision {
    /// "8.4", "5", "7.6"...
    pub fn name(&self) -> String {
        match self.profile {
            8 | 7 | 10 => format!("{}.{}", self.profile, self.base_layer_compatibility),
            p => p.to_string(),
        }
    }
}

/// HDR side information of a video track.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HdrInfo {
    /// Mastering display, when given.
    pub mastering: Option<MasteringDisplay>,
    /// Content light level, when given.
    pub content_light: Option<ContentLight>,
    /// Dolby Vision configuration, when the track has one.
    pub dolby_vision: Option<DolbyVision>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iphone_hlg_is_not_sdr() {
        let hlg = ColorInfo { primaries: 9, transfer: 18, matrix: 9 };
        assert_eq!(hlg.dynamic_range(), DynamicRange::Hlg);
        assert!(!hlg.is_sdr_709_compatible());
        assert_eq!(hlg.describe(), "HLG BT.2020");
        assert!(ColorInfo::default().is_sdr_709_compatible());
        assert!(ColorInfo { primaries: 1, transfer: 1, matrix: 1 }.is_sdr_709_compatible());
    }

    #[test]
    fn the_first_source_that_says_wins() {
        let mut c = ColorInfo { primaries: 9, transfer: 2, matrix: 2 };
        c.fill_from(ColorInfo { primaries: 1, transfer: 18, matrix: 9 });
        assert_eq!(c, ColorInfo { primaries: 9, transfer: 18, matrix: 9 });
    }
}
