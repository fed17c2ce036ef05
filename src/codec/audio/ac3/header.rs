//! Syncinfo and bit stream information (A/52 sections 5.3.1, 5.3.2; Annex D; Annex E.1.2.2).

use super::bits::BitReader;
use super::tables::{BITRATE_TAB, CHANNELS_TAB, EAC3_BLOCKS, FRAME_SIZE_TAB, SAMPLE_RATE_TAB};
use super::Ac3Error;

/// Kind of syncframe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameType {
    /// Plain AC-3 (bsid <= 10).
    Ac3,
    /// E-AC-3 independent substream (strmtyp 0).
    Independent,
    /// E-AC-3 dependent substream (strmtyp 1).
    Dependent,
    /// E-AC-3 independent substream converted from AC-3 (strmtyp 2).
    Ac3Convert,
}

/// The fixed part of a syncframe header: enough to split a stream into frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameHeader {
    /// Bit stream identification (<= 10 AC-3, 11..=16 E-AC-3).
    pub bsid: u8,
    /// Whether this is AC-3 or which kind of E-AC-3 substream.
    pub frame_type: FrameType,
    /// E-AC-3 substream id (0 for AC-3).
    pub substream_id: u8,
    /// Frame length in bytes, including the sync word.
    pub frame_size: usize,
    /// Samples per second.
    pub sample_rate: u32,
    /// Sample rate code (for E-AC-3 reduced rates, the fscod2 value).
    pub fscod: u8,
    /// 1 for half sample rate streams (AC-3 bsid 9, E-AC-3 fscod 3), 2 for bsid 10.
    pub sr_shift: u8,
    /// Audio coding mode (A/52 Table 5.8).
    pub acmod: u8,
    /// True when a low-frequency effects channel is present.
    pub lfeon: bool,
    /// Number of 256-sample audio blocks: 6 for AC-3; 1, 2, 3 or 6 for E-AC-3.
    pub num_blocks: usize,
    /// Channels including LFE.
    pub channels: u16,
    /// Bit rate in bit/s.
    pub bit_rate: u32,
    /// Bit stream mode (AC-3 only; 0 for E-AC-3 where it is in a later field).
    pub bsmod: u8,
}

/// Parses the frame header at the start of `data` (which must start with 0x0B77).
/// Needs at least 7 bytes; does not require the whole frame.
pub fn parse_frame_header(data: &[u8]) -> Result<FrameHeader, Ac3Error> {
    let mut r = BitReader::new(data);
    parse_sync(&mut r)
}

/// Reads syncinfo and the BSI up to and including `lfeon`.
pub(super) fn parse_sync(r: &mut BitReader) -> Result<FrameHeader, Ac3Error> {
    if r.read(16)? != 0x0B77 {
        return Err(Ac3Error::NoSync);
    }
    // bsid sits at bit 40 in both AC-3 and E-AC-3 headers.
    let bsid = {
        let mut peek = r.clone();
        peek.skip(24)?;
        peek.read(5)? as u8
    };
    if bsid > 16 {
        return Err(Ac3Error::UnsupportedBsid(bsid));
    }
    if bsid <= 10 {
        let _crc1 = r.read(16)?;
        let fscod = r.read(2)? as u8;
        if fscod == 3 {
            return Err(Ac3Error::Invalid("reserved sample rate code fscod=3".into()));
        }
        let frmsizecod = r.read(6)? as usize;
        if frmsizecod > 37 {
            return Err(Ac3Error::Invalid(format!("invalid frame size code {frmsizecod}")));
        }
        r.skip(5)?; // bsid
        let bsmod = r.read(3)? as u8;
        let acmod = r.read(3)? as u8;
        if acmod & 1 != 0 && acmod != 1 {
            r.skip(2)?; // cmixlev
        }
        if acmod & 4 != 0 {
            r.skip(2)?; // surmixlev
        }
        if acmod == 2 {
            r.skip(2)?; // dsurmod
        }
        let lfeon = r.bit()?;
        let sr_shift = bsid.max(8) - 8;
        Ok(FrameHeader {
            bsid,
            frame_type: FrameType::Ac3,
            substream_id: 0,
            frame_size: FRAME_SIZE_TAB[frmsizecod][fscod as usize] as usize * 2,
            sample_rate: SAMPLE_RATE_TAB[fscod as usize] >> sr_shift,
            fscod,
            sr_shift,
            acmod,
            lfeon,
            num_blocks: 6,
            channels: (CHANNELS_TAB[acmod as usize] + lfeon as usize) as u16,
            bit_rate: (BITRATE_TAB[frmsizecod >> 1] as u32 * 1000) >> sr_shift,
            bsmod,
        })
    } else {
        let strmtyp = r.read(2)?;
        let frame_type = match strmtyp {
            0 => FrameType::Independent,
            1 => FrameType::Dependent,
            2 => FrameType::Ac3Convert,
            _ => return Err(Ac3Error::Invalid("reserved E-AC-3 stream type 3".into())),
        };
        let substream_id = r.read(3)? as u8;
        let frame_size = (r.read(11)? as usize + 1) * 2;
        if frame_size < 7 {
            return Err(Ac3Error::Invalid(format!("E-AC-3 frame size {frame_size} too small")));
        }
        let fscod = r.read(2)? as u8;
        let (fscod, sr_shift, num_blocks) = if fscod == 3 {
            let fscod2 = r.read(2)? as u8;
            if fscod2 == 3 {
                return Err(Ac3Error::Invalid("reserved E-AC-3 sample rate code fscod2=3".into()));
            }
            (fscod2, 1u8, 6usize)
        } else {
            (fscod, 0, EAC3_BLOCKS[r.read(2)? as usize])
        };
        let acmod = r.read(3)? as u8;
        let lfeon = r.bit()?;
        let sample_rate = SAMPLE_RATE_TAB[fscod as usize] >> sr_shift;
        let bit_rate = (8 * frame_size as u64 * sample_rate as u64 / (num_blocks as u64 * 256)) as u32;
        Ok(FrameHeader {
            bsid,
            frame_type,
            substream_id,
            frame_size,
            sample_rate,
            fscod,
            sr_shift,
            acmod,
            lfeon,
            num_blocks,
            channels: (CHANNELS_TAB[acmod as usize] + lfeon as usize) as u16,
            bit_rate,
            bsmod: 0,
        })
    }
}

/// Reads the rest of the AC-3 BSI after `lfeon` (A/52 section 5.3.2 and Annex D for bsid 6).
/// Returns dialnorm of the first program.
pub(super) fn parse_ac3_bsi_rest(r: &mut BitReader, hdr: &FrameHeader) -> Result<u8, Ac3Error> {
    let mut dialnorm = 0;
    for i in 0..if hdr.acmod == 0 { 2 } else { 1 } {
        let d = r.read(5)? as u8;
        if i == 0 {
            dialnorm = d;
        }
        if r.bit()? {
            r.skip(8)?; // compr
        }
        if r.bit()? {
            r.skip(8)?; // langcod
        }
        if r.bit()? {
            r.skip(7)?; // mixlevel, roomtyp
        }
    }
    r.skip(2)?; // copyrightb, origbs
                // bsid 6 alternate syntax (Annex D): xbsi1 / xbsi2 have the same size as the timecodes.
    if r.bit()? {
        r.skip(14)?; // timecod1 or dmixmod..lorosurmixlev
    }
    if r.bit()? {
        r.skip(14)?; // timecod2 or dsurexmod..encinfo
    }
    if r.bit()? {
        let addbsil = r.read(6)? as usize;
        r.skip((addbsil + 1) * 8)?;
    }
    Ok(dialnorm)
}
