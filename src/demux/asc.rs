//! Just enough of the AAC AudioSpecificConfig to name the profile and the real output rate
//! (HE-AAC signals a core rate half of what it plays at).

/// What a probe needs from an AudioSpecificConfig.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AscSummary {
    /// audioObjectType (2 = LC, 5 = SBR, 29 = PS, ...).
    pub object_type: u8,
    /// Core sample rate.
    pub sample_rate: u32,
    /// SBR output rate, when signalled.
    pub sbr_rate: Option<u32>,
    /// Channel count from channelConfiguration (0 when it is in a program config element).
    pub channels: u16,
}

impl AscSummary {
    /// `LC`, `HE-AAC`, `HE-AACv2`, ...
    pub fn profile_name(&self) -> &'static str {
        match self.object_type {
            1 => "Main",
            2 => "LC",
            3 => "SSR",
            4 => "LTP",
            5 => "HE-AAC",
            29 => "HE-AACv2",
            23 => "LD",
            39 => "ELD",
            _ => "other",
        }
    }

    /// The rate a decoder plays at.
    pub fn output_rate(&self) -> u32 {
        self.sbr_rate.unwrap_or(self.sample_rate)
    }
}

const RATES: [u32; 13] = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn read(&mut self, n: usize) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = self.data.get(self.pos / 8).ok_or("AudioSpecificConfig is cut short")?;
            v = (v << 1) | ((byte >> (7 - self.pos % 8)) & 1) as u32;
            self.pos += 1;
        }
        Ok(v)
    }
    fn left(&self) -> usize {
        (self.data.len() * 8).saturating_sub(self.pos)
    }
    fn object_type(&mut self) -> Result<u8, String> {
        let t = self.read(5)?;
        Ok(if t == 31 { 32 + self.read(6)? } else { t } as u8)
    }
    fn rate(&mut self) -> Result<u32, String> {
        let idx = self.read(4)?;
        if idx == 15 {
            return self.read(24);
        }
        RATES.get(idx as usize).copied().ok_or_else(|| format!("reserved sampling frequency index {idx}"))
    }
}

/// Parses an AudioSpecificConfig (ISO 14496-3 1.6.2.1), including explicit SBR/PS
/// signalling (hierarchical and the backward-compatible 0x2b7 extension).
pub fn parse(asc: &[u8]) -> Result<AscSummary, String> {
    let mut b = Bits { data: asc, pos: 0 };
    let mut object_type = b.object_type()?;
    let sample_rate = b.rate()?;
    let channel_config = b.read(4)?;
    let mut sbr_rate = None;
    if object_type == 5 || object_type == 29 {
        sbr_rate = Some(b.rate()?);
        let core = b.object_type()?;
        // Keep the SBR type as the profile: it is what decides how the stream decodes.
        let _ = core;
    } else if matches!(object_type, 1..=4 | 6 | 7 | 17 | 19..=23) && b.left() >= 3 {
        // GASpecificConfig: frameLengthFlag, dependsOnCoreCoder, extensionFlag.
        b.read(1)?;
        if b.read(1)? == 1 {
            b.read(14)?;
        }
        b.read(1)?;
        // Backward-compatible SBR signalling after the core config.
        if b.left() >= 16 && b.read(11)? == 0x2b7 {
            let ext = b.object_type()?;
            if ext == 5 && b.left() >= 1 && b.read(1)? == 1 {
                object_type = 5;
                sbr_rate = Some(b.rate()?);
                if b.left() >= 12 && b.read(11)? == 0x548 && b.read(1)? == 1 {
                    object_type = 29;
                }
            }
        }
    }
    let channels = match channel_config {
        1..=6 => channel_config as u16,
        7 => 8,
        _ => 0,
    };
    Ok(AscSummary {
        object_type,
        sample_rate,
        sbr_rate,
        channels: if object_type == 29 && channels == 1 { 2 } else { channels },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lc_44k_stereo() {
        let a = parse(&[0x12, 0x10]).unwrap();
        assert_eq!((a.object_type, a.sample_rate, a.channels, a.output_rate()), (2, 44100, 2, 44100));
    }

    #[test]
    fn he_aac_explicit_doubles_rate() {
        // object type 5, 24 kHz core, stereo, extension rate 48 kHz, core LC.
        let a = parse(&[0x2B, 0x11, 0x88, 0x00]).unwrap();
        assert_eq!(a.profile_name(), "HE-AAC");
        assert_eq!(a.output_rate(), 48000);
    }

    #[test]
    fn truncated_is_an_error() {
        assert!(parse(&[0x12]).is_err());
    }
}
