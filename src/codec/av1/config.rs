//! The AV1 codec configuration record (`av1C`, AV1-ISOBMFF §2.3), which MP4's `av01`
//! sample entry and Matroska's `V_AV1` CodecPrivate both carry: profile, level, tier, bit
//! depth and chroma subsampling in four bytes, then `configOBUs` (the sequence header,
//! whose color_config says the colour and range a decoder will use).

use crate::media::{ColorInfo, VideoInfo};

/// What the four fixed bytes of an `av1C` say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Av1Config {
    /// seq_profile: 0 Main, 1 High, 2 Professional.
    pub profile: u8,
    /// seq_level_idx_0 (level X.Y is 2 + idx / 4 . idx % 4; 31 means unconstrained).
    pub level_idx: u8,
    /// seq_tier_0: the High tier.
    pub high_tier: bool,
    /// 8, 10 or 12.
    pub bit_depth: u8,
    /// `4:0:0`, `4:2:0`, `4:2:2` or `4:4:4`.
    pub chroma_format: &'static str,
}

impl Av1Config {
    /// Parses the fixed part of `av1C`; `None` when it is short or its marker bit is clear
    /// (then nothing in it can be trusted).
    pub fn parse(record: &[u8]) -> Option<Av1Config> {
        let [b0, b1, b2, ..] = *record else { return None };
        if b0 & 0x80 == 0 {
            return None;
        }
        let profile = b1 >> 5;
        let (high, twelve) = (b2 & 0x40 != 0, b2 & 0x20 != 0);
        let bit_depth = match (high, twelve) {
            // twelve_bit is only meaningful in the Professional profile (§5.5.2).
            (true, true) if profile == 2 => 12,
            (true, _) => 10,
            _ => 8,
        };
        let chroma_format = match (b2 & 0x10 != 0, b2 & 0x08 != 0, b2 & 0x04 != 0) {
            (true, _, _) => "4:0:0",
            (_, true, true) => "4:2:0",
            (_, true, false) => "4:2:2",
            _ => "4:4:4",
        };
        Some(Av1Config { profile, level_idx: b1 & 0x1f, high_tier: b2 & 0x80 != 0, bit_depth, chroma_format })
    }

    /// The profile's name in the specification (Annex A).
    pub fn profile_name(&self) -> &'static str {
        match self.profile {
            0 => "Main",
            1 => "High",
            2 => "Professional",
            _ => "reserved",
        }
    }

    /// The level times ten (5.1 → 51), as clipfit reports H.264 and HEVC levels; `None`
    /// for the unconstrained level 31 and reserved values.
    pub fn level_x10(&self) -> Option<u8> {
        (self.level_idx < 24).then(|| (2 + self.level_idx / 4) * 10 + self.level_idx % 4)
    }
}

/// Fills `v` from an `av1C` record: the fixed fields, then what the sequence header in
/// its configOBUs says about colour and range. The sequence header is what the decoder
/// honours, so its colour description overrides a `colr` read before it. A record too
/// short or damaged to read leaves `v` as it was (the stream's own headers still decode).
pub fn apply_av1c(record: &[u8], v: &mut VideoInfo) {
    let Some(c) = Av1Config::parse(record) else { return };
    v.profile = Some(c.profile_name().into());
    v.level_idc = c.level_x10();
    v.bit_depth = c.bit_depth;
    v.chroma_format = c.chroma_format.into();
    if let Some(seq) = record.get(4..).and_then(super::sequence_header) {
        apply_sequence_header(&seq, v);
    }
}

/// Fills `v` from a sequence header (configOBUs, or the first keyframe of a track whose
/// container said nothing).
pub fn apply_sequence_header(seq: &super::SequenceInfo, v: &mut VideoInfo) {
    v.bit_depth = seq.bit_depth;
    v.chroma_format = seq.chroma_format.into();
    if let Some(color) = seq.color {
        v.color = ColorInfo { primaries: color.primaries, transfer: color.transfer, matrix: color.matrix };
    }
    v.full_range = seq.full_range;
    if seq.max_width > 0 && seq.max_height > 0 && (v.width == 0 || v.height == 0) {
        (v.width, v.height) = (seq.max_width, seq.max_height);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::VideoCodec;

    #[test]
    fn the_fixed_fields_give_profile_level_depth_and_chroma() {
        // Main, level 4.0 (idx 8), 10-bit 4:2:0.
        let c = Av1Config::parse(&[0x81, 0x08, 0x4C, 0x00]).unwrap();
        assert_eq!((c.profile_name(), c.level_x10(), c.bit_depth, c.chroma_format), ("Main", Some(40), 10, "4:2:0"));
        // Professional 12-bit 4:2:2 at level 5.1 (idx 13), High tier.
        let c = Av1Config::parse(&[0x81, 0x4D, 0xE8, 0x00]).unwrap();
        assert_eq!(
            (c.profile, c.level_x10(), c.high_tier, c.bit_depth, c.chroma_format),
            (2, Some(51), true, 12, "4:2:2")
        );
        // High (4:4:4) 8-bit, unconstrained level; monochrome.
        let c = Av1Config::parse(&[0x81, 0x3F, 0x00, 0x00]).unwrap();
        assert_eq!((c.profile_name(), c.level_x10(), c.chroma_format), ("High", None, "4:4:4"));
        assert_eq!(Av1Config::parse(&[0x81, 0x00, 0x1C]).unwrap().chroma_format, "4:0:0");
        // No marker bit, or too short: nothing.
        assert_eq!(Av1Config::parse(&[0x01, 0x08, 0x4C, 0x00]), None);
        assert_eq!(Av1Config::parse(&[0x81, 0x08]), None);
    }

    #[test]
    fn a_record_without_config_obus_keeps_the_container_colour() {
        let mut v = VideoInfo::new(VideoCodec::Av1, "av01", 64, 64);
        v.color = ColorInfo { primaries: 9, transfer: 16, matrix: 9 };
        apply_av1c(&[0x81, 0x08, 0x4C, 0x00], &mut v);
        assert_eq!((v.bit_depth, v.color.transfer, v.profile.as_deref()), (10, 16, Some("Main")));
        // Garbage after the fixed bytes is not a sequence header: ignored.
        apply_av1c(&[0x81, 0x08, 0x0C, 0x00, 0xff, 0xff, 0xff], &mut v);
        assert_eq!((v.bit_depth, v.color.transfer), (8, 16));
    }
}
