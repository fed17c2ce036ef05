//! What H.264 and H.265 parameter sets share: emulation-prevention removal, an MSB-first
//! Exp-Golomb bit reader, and the start of the VUI (sample aspect ratio, range, colour),
//! whose syntax the two standards define identically (H.264 E.1.1, H.265 E.2.1).
//!
//! The reader fails, never panics, at the end of its data, so a hostile parameter set
//! costs at most one pass over its own bytes.

use std::fmt;

/// Why a parameter set could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpsError(pub String);

impl fmt::Display for SpsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpsError {}

/// Removes emulation-prevention bytes (00 00 03 → 00 00).
pub fn unescape(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

/// MSB-first reader over an unescaped RBSP.
pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
    /// What is being read, for the error at the end of the data ("HEVC SPS").
    what: &'static str,
}

impl<'a> BitReader<'a> {
    pub(crate) fn new(data: &'a [u8], what: &'static str) -> Self {
        BitReader { data, pos: 0, what }
    }

    fn cut_short(&self) -> SpsError {
        SpsError(format!("{} is cut short", self.what))
    }

    pub(crate) fn bit(&mut self) -> Result<u32, SpsError> {
        let byte = self.data.get(self.pos / 8).ok_or_else(|| self.cut_short())?;
        let v = (byte >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        Ok(u32::from(v))
    }

    /// `n` (at most 32) bits as an unsigned number.
    pub(crate) fn bits(&mut self, n: u32) -> Result<u32, SpsError> {
        let mut v = 0u32;
        for _ in 0..n {
            v = (v << 1) | self.bit()?;
        }
        Ok(v)
    }

    pub(crate) fn skip(&mut self, n: usize) -> Result<(), SpsError> {
        let end = self.pos.checked_add(n).filter(|e| e.div_ceil(8) <= self.data.len());
        self.pos = end.ok_or_else(|| self.cut_short())?;
        Ok(())
    }

    pub(crate) fn flag(&mut self) -> Result<bool, SpsError> {
        Ok(self.bit()? == 1)
    }

    /// ue(v), saturated at `u32::MAX` (callers bound what they use).
    pub(crate) fn ue(&mut self) -> Result<u32, SpsError> {
        let mut zeros = 0;
        while self.bit()? == 0 {
            zeros += 1;
            if zeros > 31 {
                return Err(SpsError("Exp-Golomb code longer than 32 bits".into()));
            }
        }
        let rest = u64::from(self.bits(zeros)?);
        Ok(((1u64 << zeros) - 1 + rest).min(u64::from(u32::MAX)) as u32)
    }

    /// ue(v) that must not exceed `max` (the specification's range for the element).
    pub(crate) fn ue_max(&mut self, max: u32, what: &str) -> Result<u32, SpsError> {
        let v = self.ue()?;
        if v > max {
            return Err(SpsError(format!("{what} {v} is above {max}")));
        }
        Ok(v)
    }

    pub(crate) fn se(&mut self) -> Result<i32, SpsError> {
        let k = i64::from(self.ue()?);
        Ok(if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) } as i32)
    }
}

/// SAR of aspect_ratio_idc 1..=16 (H.264 Table E-1, H.265 Table E-1: the same).
const SAR_TABLE: [(u32, u32); 17] = [
    (0, 0),
    (1, 1),
    (12, 11),
    (10, 11),
    (16, 11),
    (40, 33),
    (24, 11),
    (20, 11),
    (32, 11),
    (80, 33),
    (18, 11),
    (15, 11),
    (64, 33),
    (160, 99),
    (4, 3),
    (3, 2),
    (2, 1),
];

/// The part of vui_parameters() the probe reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct VuiStart {
    /// Sample aspect ratio, when given and not "unspecified".
    pub sar: Option<(u32, u32)>,
    /// video_full_range_flag.
    pub full_range: bool,
    /// colour_primaries, transfer_characteristics, matrix_coefficients (H.273 code points).
    pub color: Option<(u8, u8, u8)>,
}

/// Reads vui_parameters() up to the colour description (aspect ratio, overscan, video
/// signal type) into `vui`, which keeps what was read before an error; the reader is left
/// just after it.
pub(crate) fn vui_start(r: &mut BitReader, vui: &mut VuiStart) -> Result<(), SpsError> {
    if r.flag()? {
        let idc = r.bits(8)?;
        if idc == 255 {
            let (w, h) = (r.bits(16)?, r.bits(16)?);
            if w > 0 && h > 0 {
                vui.sar = Some((w, h));
            }
        } else if let Some(&s) = SAR_TABLE.get(idc as usize).filter(|s| s.0 > 0) {
            vui.sar = Some(s);
        }
    }
    if r.flag()? {
        r.flag()?; // overscan_appropriate_flag
    }
    if r.flag()? {
        r.bits(3)?; // video_format
        vui.full_range = r.flag()?;
        if r.flag()? {
            vui.color = Some((r.bits(8)? as u8, r.bits(8)? as u8, r.bits(8)? as u8));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_golomb_and_the_end_of_the_data() {
        // 1 → 0, 010 → 1, 011 → 2, 00100 → 3 (se: -1 at ue 2); then the data runs out.
        let data = [0b1010_0110, 0b0100_0000];
        let mut r = BitReader::new(&data, "test SPS");
        assert_eq!(r.ue().unwrap(), 0);
        assert_eq!(r.ue().unwrap(), 1);
        assert_eq!(r.se().unwrap(), -1);
        assert_eq!(r.ue().unwrap(), 3);
        assert_eq!(r.skip(6), Err(SpsError("test SPS is cut short".into())));
        assert_eq!(r.ue_max(0, "x"), Err(SpsError("test SPS is cut short".into())));
    }

    #[test]
    fn unescape_drops_only_emulation_prevention_bytes() {
        assert_eq!(unescape(&[0, 0, 3, 1, 0, 3, 0, 0, 3]), vec![0, 0, 1, 0, 3, 0, 0]);
    }

    #[test]
    fn vui_reads_table_and_explicit_sar_and_the_colour() {
        // aspect_ratio_info_present 1, idc 14 (4:3); no overscan; signal type: format 5,
        // full range, colour description 9/18/9 (BT.2020 HLG).
        let bits = "1 00001110 0 1 101 1 1 00001001 00010010 00001001";
        let bytes = pack(bits);
        let vui = read_vui(&bytes).unwrap();
        assert_eq!(vui, VuiStart { sar: Some((4, 3)), full_range: true, color: Some((9, 18, 9)) });
        // Extended SAR 64:45, nothing else.
        let bytes = pack("1 11111111 0000000001000000 0000000000101101 0 0");
        assert_eq!(read_vui(&bytes).unwrap().sar, Some((64, 45)));
        // Reserved idc 17 is no SAR.
        let bytes = pack("1 00010001 0 0");
        assert_eq!(read_vui(&bytes).unwrap().sar, None);
    }

    #[test]
    fn a_cut_off_vui_keeps_what_came_before_the_cut() {
        let bytes = pack("1 00000010 0 1 100 0 1"); // the colour description is cut
        let mut vui = VuiStart::default();
        assert!(vui_start(&mut BitReader::new(&bytes[..1], "t"), &mut vui).is_err());
        assert_eq!(vui.sar, None, "the idc itself was cut");
        assert!(vui_start(&mut BitReader::new(&bytes, "t"), &mut vui).is_err());
        assert_eq!(vui.sar, Some((12, 11)));
    }

    fn read_vui(bytes: &[u8]) -> Result<VuiStart, SpsError> {
        let mut vui = VuiStart::default();
        vui_start(&mut BitReader::new(bytes, "t"), &mut vui).map(|()| vui)
    }

    fn pack(bits: &str) -> Vec<u8> {
        let bits: Vec<u8> = bits.bytes().filter(|b| !b.is_ascii_whitespace()).map(|b| b - b'0').collect();
        bits.chunks(8).map(|c| c.iter().enumerate().fold(0u8, |acc, (i, &b)| acc | (b << (7 - i)))).collect()
    }
}
