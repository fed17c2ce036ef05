//! `hvcC`: the HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1) of an `hvc1` /
//! `hev1` sample entry: profile, tier, level, chroma, bit depths, the NAL length size and
//! the VPS/SPS/PPS arrays.

use super::sps::{NAL_PPS, NAL_SPS, NAL_VPS};

/// Parameter sets a record may list, in all (a real one lists one of each, or a few).
const MAX_PARAMETER_SETS: usize = 64;

/// What an `hvcC` box says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hvcc {
    /// general_profile_idc.
    pub profile_idc: u8,
    /// general_tier_flag.
    pub high_tier: bool,
    /// general_level_idc (level × 30).
    pub level_idc: u8,
    /// chroma_format_idc.
    pub chroma_format_idc: u8,
    /// Luma bit depth.
    pub bit_depth_luma: u8,
    /// lengthSizeMinusOne + 1: bytes of each NAL unit's length prefix in the samples.
    pub nal_length_size: u8,
    /// VPS NAL units (with their NAL headers).
    pub vps: Vec<Vec<u8>>,
    /// SPS NAL units.
    pub sps: Vec<Vec<u8>>,
    /// PPS NAL units.
    pub pps: Vec<Vec<u8>>,
}

/// Why an `hvcC` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HvccError {
    /// The record ends before a field it promises.
    #[error("record cut short at byte {0}")]
    Truncated(usize),
    /// lengthSizeMinusOne is 2 (3-byte lengths are not allowed).
    #[error("NAL length size of 3 bytes is not allowed")]
    LengthSize,
    /// More parameter sets than any real stream has.
    #[error("more than {MAX_PARAMETER_SETS} parameter sets")]
    TooMany,
}

impl Hvcc {
    /// Parses the box payload.
    pub fn parse(data: &[u8]) -> Result<Hvcc, HvccError> {
        let byte = |i: usize| data.get(i).copied().ok_or(HvccError::Truncated(i));
        let mut h = Hvcc {
            profile_idc: byte(1)? & 0x1f,
            high_tier: byte(1)? & 0x20 != 0,
            level_idc: byte(12)?,
            chroma_format_idc: byte(16)? & 3,
            bit_depth_luma: (byte(17)? & 7) + 8,
            nal_length_size: (byte(21)? & 3) + 1,
            ..Hvcc::default()
        };
        if h.nal_length_size == 3 {
            return Err(HvccError::LengthSize);
        }
        let arrays = byte(22)?;
        let mut pos = 23usize;
        let mut total = 0usize;
        for _ in 0..arrays {
            let nal_type = byte(pos)? & 0x3f;
            let count = u16::from_be_bytes([byte(pos + 1)?, byte(pos + 2)?]) as usize;
            pos += 3;
            for _ in 0..count {
                let len = u16::from_be_bytes([byte(pos)?, byte(pos + 1)?]) as usize;
                pos += 2;
                let nal = data.get(pos..pos + len).ok_or(HvccError::Truncated(pos + len))?;
                pos += len;
                let list = match nal_type {
                    NAL_VPS => &mut h.vps,
                    NAL_SPS => &mut h.sps,
                    NAL_PPS => &mut h.pps,
                    // SEI arrays (x265 writes its settings there) are not needed to decode.
                    _ => continue,
                };
                total += 1;
                if total > MAX_PARAMETER_SETS {
                    return Err(HvccError::TooMany);
                }
                list.push(nal.to_vec());
            }
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_with_one_of_each_set() {
        let mut rec = vec![1, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 120, 0xf0, 0, 0xfc, 0xfd, 0xfa, 0xfa, 0, 0, 0x0f, 3];
        for (t, nal) in [(32u8, &[0x40u8, 1][..]), (33, &[0x42, 1, 9]), (34, &[0x44, 1])] {
            rec.extend_from_slice(&[0x80 | t, 0, 1, 0, nal.len() as u8]);
            rec.extend_from_slice(nal);
        }
        let h = Hvcc::parse(&rec).unwrap();
        assert_eq!((h.profile_idc, h.high_tier, h.level_idc, h.chroma_format_idc), (2, true, 120, 1));
        assert_eq!((h.bit_depth_luma, h.nal_length_size), (10, 4));
        assert_eq!((h.vps.len(), h.sps[0].as_slice(), h.pps.len()), (1, &[0x42, 1, 9][..], 1));
        for n in 0..rec.len() {
            assert!(Hvcc::parse(&rec[..n]).is_err());
        }
    }
}
