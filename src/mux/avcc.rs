//! Building the AVCDecoderConfigurationRecord (`avcC`) from one SPS and one PPS.

use crate::codec::h264::sps::Sps;
use crate::error::{Error, Result};

/// Builds an avcC payload from an SPS and a PPS NAL unit (each starting with its NAL
/// header byte, without start code or length prefix). Profile, compatibility and level
/// come from SPS bytes 1..4; NAL lengths in samples are 4 bytes. High profiles get the
/// chroma format and bit depth fields ISO/IEC 14496-15 requires for them.
pub fn avcc_from_parameter_sets(sps: &[u8], pps: &[u8]) -> Result<Vec<u8>> {
    if sps.len() < 4 || sps[0] & 0x1F != 7 {
        return Err(Error::Invalid("avcC: first parameter set is not an SPS NAL unit".into()));
    }
    if pps.is_empty() || pps[0] & 0x1F != 8 {
        return Err(Error::Invalid("avcC: second parameter set is not a PPS NAL unit".into()));
    }
    let len16 = |n: &[u8], what: &str| {
        u16::try_from(n.len()).map_err(|_| Error::Invalid(format!("avcC: {what} longer than 65535 bytes")))
    };
    let (sps_len, pps_len) = (len16(sps, "SPS")?, len16(pps, "PPS")?);
    let profile = sps[1];
    let mut v = Vec::with_capacity(16 + sps.len() + pps.len());
    v.extend_from_slice(&[1, profile, sps[2], sps[3], 0xFC | 3, 0xE0 | 1]);
    v.extend_from_slice(&sps_len.to_be_bytes());
    v.extend_from_slice(sps);
    v.push(1);
    v.extend_from_slice(&pps_len.to_be_bytes());
    v.extend_from_slice(pps);
    if matches!(profile, 100 | 110 | 122 | 144) {
        let (chroma, luma8, chroma8) = high_profile_format(sps)?;
        v.extend_from_slice(&[0xFC | chroma, 0xF8 | luma8, 0xF8 | chroma8, 0]);
    }
    Ok(v)
}

/// chroma_format_idc, bit_depth_luma_minus8 and bit_depth_chroma_minus8 of a High-profile SPS.
fn high_profile_format(sps: &[u8]) -> Result<(u8, u8, u8)> {
    let parsed = Sps::parse(sps).map_err(|e| Error::malformed("SPS", e.to_string()))?;
    if parsed.bit_depth_luma > 14 || parsed.bit_depth_chroma > 14 {
        return Err(Error::malformed("SPS", "bit depth out of range"));
    }
    Ok((parsed.chroma_format_idc, parsed.bit_depth_luma - 8, parsed.bit_depth_chroma - 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_record_layout() {
        let sps = [0x67, 66, 0xC0, 30, 0xDA];
        let pps = [0x68, 0xCE, 0x3C, 0x80];
        let v = avcc_from_parameter_sets(&sps, &pps).unwrap();
        assert_eq!(&v[..8], &[1, 66, 0xC0, 30, 0xFF, 0xE1, 0, 5]);
        assert_eq!(&v[8..13], &sps);
        assert_eq!(&v[13..16], &[1, 0, 4]);
        assert_eq!(&v[16..], &pps);
    }

    #[test]
    fn rejects_swapped_or_short_sets() {
        assert!(avcc_from_parameter_sets(&[0x68, 1, 2, 3], &[0x67]).is_err());
        assert!(avcc_from_parameter_sets(&[0x67, 100], &[0x68]).is_err());
        // High profile with an SPS that ends before its chroma format.
        assert!(avcc_from_parameter_sets(&[0x67, 100, 0, 40], &[0x68, 1]).is_err());
    }
}
