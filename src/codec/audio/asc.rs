//! MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1): parse what a decoder needs to
//! know up front (HE-AAC signalling above all), build the two-byte AAC-LC form, and
//! frame access units as ADTS (for feeding raw AAC to tools that want a stream).

use crate::error::{Error, Result};

const PLACE: &str = "AudioSpecificConfig";

/// Sampling frequencies by `samplingFrequencyIndex` (13 and 14 are reserved).
const RATES: [u32; 13] = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/// Audio object types with a GASpecificConfig.
const GA_TYPES: [u8; 12] = [1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23];

/// What an AudioSpecificConfig says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AscInfo {
    /// The first signalled audioObjectType (5 = SBR or 29 = PS for explicit
    /// hierarchical HE-AAC signalling; 2 = LC otherwise).
    pub object_type: u8,
    /// The object type of the core codec (2 for HE-AAC over AAC-LC).
    pub core_object_type: u8,
    /// Core sampling rate in Hz.
    pub sample_rate: u32,
    /// `channelConfiguration` (0 = a program_config_element defines the channels).
    pub channel_config: u8,
    /// Core channel count (from `channel_config` or the PCE); 0 if unknown.
    pub channels: u16,
    /// Spectral Band Replication is signalled (explicitly or by the 0x2b7 sync extension).
    pub sbr: bool,
    /// Parametric Stereo is signalled.
    pub ps: bool,
    /// The SBR output rate when SBR is signalled.
    pub extension_sample_rate: Option<u32>,
    /// Samples per core frame: 1024, or 960 when `frameLengthFlag` is set.
    pub frame_length: u32,
}

impl AscInfo {
    /// The rate a full decoder outputs (the SBR rate for HE-AAC).
    pub fn output_sample_rate(&self) -> u32 {
        self.extension_sample_rate.unwrap_or(self.sample_rate)
    }

    /// The channel count a full decoder outputs (PS turns one core channel into two).
    pub fn output_channels(&self) -> u16 {
        if self.ps && self.channels <= 1 {
            2
        } else {
            self.channels
        }
    }

    /// A profile name for reports: `LC`, `HE-AAC`, `HE-AACv2`, `Main`, `LTP`...
    pub fn profile_name(&self) -> String {
        match (self.ps, self.sbr, self.core_object_type) {
            (true, _, _) => "HE-AACv2".into(),
            (false, true, _) => "HE-AAC".into(),
            (_, _, 1) => "Main".into(),
            (_, _, 2) => "LC".into(),
            (_, _, 3) => "SSR".into(),
            (_, _, 4) => "LTP".into(),
            (_, _, 23) => "LD".into(),
            (_, _, 39) => "ELD".into(),
            (_, _, 42) => "USAC".into(),
            (_, _, t) => format!("AOT {t}"),
        }
    }
}

/// MSB-first bit reader over a byte slice; every read is bounds-checked.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Bits { data, pos: 0 }
    }

    fn left(&self) -> usize {
        (self.data.len() * 8).saturating_sub(self.pos)
    }

    fn read(&mut self, n: u32) -> Result<u32> {
        debug_assert!(n <= 32);
        if (n as usize) > self.left() {
            return Err(Error::malformed(PLACE, "truncated"));
        }
        let mut v: u32 = 0;
        for _ in 0..n {
            let byte = self.data[self.pos / 8];
            let bit = (byte >> (7 - (self.pos % 8))) & 1;
            v = (v << 1) | u32::from(bit);
            self.pos += 1;
        }
        Ok(v)
    }

    fn skip(&mut self, n: usize) -> Result<()> {
        if n > self.left() {
            return Err(Error::malformed(PLACE, "truncated"));
        }
        self.pos += n;
        Ok(())
    }

    fn object_type(&mut self) -> Result<u8> {
        let t = self.read(5)?;
        let t = if t == 31 { 32 + self.read(6)? } else { t };
        Ok(t as u8) // at most 95
    }

    fn sample_rate(&mut self) -> Result<u32> {
        let index = self.read(4)?;
        if index == 15 {
            let rate = self.read(24)?;
            if rate == 0 {
                return Err(Error::malformed(PLACE, "explicit sampling frequency of 0"));
            }
            return Ok(rate);
        }
        RATES
            .get(index as usize)
            .copied()
            .ok_or_else(|| Error::malformed(PLACE, format!("reserved sampling frequency index {index}")))
    }
}

/// Channel count for a `channelConfiguration` (0 means "see the PCE").
fn config_channels(config: u8) -> Option<u16> {
    match config {
        0 => Some(0),
        1..=6 => Some(u16::from(config)),
        7 | 12 | 14 => Some(8),
        11 => Some(7),
        13 => Some(24),
        _ => None,
    }
}

/// Parse an AudioSpecificConfig (the `esds` DecoderSpecificInfo payload).
pub fn parse_asc(asc: &[u8]) -> Result<AscInfo> {
    let mut b = Bits::new(asc);
    let object_type = b.object_type()?;
    if object_type == 0 {
        return Err(Error::malformed(PLACE, "audio object type 0"));
    }
    let sample_rate = b.sample_rate()?;
    let channel_config = b.read(4)? as u8;
    let mut channels = config_channels(channel_config)
        .ok_or_else(|| Error::malformed(PLACE, format!("reserved channel configuration {channel_config}")))?;

    let mut info = AscInfo {
        object_type,
        core_object_type: object_type,
        sample_rate,
        channel_config,
        channels,
        sbr: false,
        ps: false,
        extension_sample_rate: None,
        frame_length: 1024,
    };

    // Explicit hierarchical signalling: SBR/PS object type, then the SBR rate, then the core.
    if object_type == 5 || object_type == 29 {
        info.sbr = true;
        info.ps = object_type == 29;
        info.extension_sample_rate = Some(b.sample_rate()?);
        info.core_object_type = b.object_type()?;
        if info.core_object_type == 22 {
            b.skip(4)?; // extensionChannelConfiguration
        }
    }

    if GA_TYPES.contains(&info.core_object_type) {
        if b.read(1)? == 1 {
            info.frame_length = 960;
        }
        if b.read(1)? == 1 {
            b.skip(14)?; // coreCoderDelay
        }
        let extension_flag = b.read(1)?;
        if channel_config == 0 {
            channels = parse_pce_channels(&mut b)?;
            info.channels = channels;
        }
        if matches!(info.core_object_type, 6 | 20) {
            b.skip(3)?; // layerNr
        }
        if extension_flag == 1 {
            if info.core_object_type == 22 {
                b.skip(16)?; // numOfSubFrame, layer_length
            }
            if matches!(info.core_object_type, 17 | 19 | 20 | 23) {
                b.skip(3)?; // resilience flags
            }
            b.skip(1)?; // extensionFlag3
        }
    } else {
        // Other object types (CELP, HVXC, ELD, USAC...): nothing more a caller needs from
        // here, and no backward-compatible SBR signalling follows a config we did not parse.
        return Ok(info);
    }
    if matches!(info.core_object_type, 17 | 19..=27) {
        b.skip(2)?; // epConfig
    }

    // Backward-compatible signalling: a sync extension after the core config.
    if object_type != 5 && object_type != 29 && b.left() >= 16 && b.read(11)? == 0x2b7 {
        let ext_type = b.object_type()?;
        if ext_type == 5 {
            if b.read(1)? == 1 {
                info.sbr = true;
                info.extension_sample_rate = Some(b.sample_rate()?);
                if b.left() >= 12 && b.read(11)? == 0x548 && b.read(1)? == 1 {
                    info.ps = true;
                }
            }
        } else if ext_type == 22 && b.read(1)? == 1 {
            info.extension_sample_rate = Some(b.sample_rate()?);
        }
    }
    Ok(info)
}

/// Count the channels a program_config_element describes.
fn parse_pce_channels(b: &mut Bits<'_>) -> Result<u16> {
    b.skip(4 + 2 + 4)?; // element_instance_tag, object_type, sampling_frequency_index
    let front = b.read(4)?;
    let side = b.read(4)?;
    let back = b.read(4)?;
    let lfe = b.read(2)?;
    let assoc = b.read(3)?;
    let cc = b.read(4)?;
    // mono_mixdown and stereo_mixdown carry a 4-bit element number, matrix_mixdown 3 bits.
    for extra in [4, 4, 3] {
        if b.read(1)? == 1 {
            b.skip(extra)?;
        }
    }
    let mut channels: u32 = 0;
    for _ in 0..(front + side + back) {
        let is_cpe = b.read(1)?;
        b.skip(4)?;
        channels += 1 + is_cpe;
    }
    channels += lfe;
    b.skip(4 * lfe as usize + 4 * assoc as usize + 5 * cc as usize)?;
    // byte_alignment() relative to the start of the AudioSpecificConfig.
    let misalign = b.pos % 8;
    if misalign != 0 {
        b.skip(8 - misalign)?;
    }
    let comment = b.read(8)? as usize;
    b.skip(comment * 8)?;
    if channels == 0 {
        return Err(Error::malformed(PLACE, "program config element with no channels"));
    }
    Ok(channels as u16) // at most 3 * 15 * 2 + 3
}

/// Build the AudioSpecificConfig of a plain stream (AAC-LC is object type 2).
pub fn build_asc(object_type: u8, sample_rate: u32, channels: u16) -> Result<Vec<u8>> {
    let channel_config = match channels {
        1..=6 => channels as u32,
        8 => 7,
        _ => return Err(Error::Invalid(format!("no AAC channel configuration for {channels} channels"))),
    };
    if !(1..31).contains(&object_type) {
        return Err(Error::Invalid(format!("object type {object_type} needs the escape form")));
    }
    let mut w = BitWriter::default();
    w.put(u32::from(object_type), 5);
    match RATES.iter().position(|&r| r == sample_rate) {
        Some(i) => w.put(i as u32, 4),
        None => {
            if sample_rate == 0 || sample_rate >= 1 << 24 {
                return Err(Error::Invalid(format!("sample rate {sample_rate} Hz")));
            }
            w.put(15, 4);
            w.put(sample_rate, 24);
        }
    }
    w.put(channel_config, 4);
    w.put(0, 3); // frameLengthFlag, dependsOnCoreCoder, extensionFlag
    Ok(w.finish())
}

#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    fn put(&mut self, v: u32, bits: u32) {
        self.acc = (self.acc << bits) | u64::from(v & ((1u64 << bits) - 1) as u32);
        self.n += bits;
        while self.n >= 8 {
            self.n -= 8;
            self.out.push((self.acc >> self.n) as u8);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            let pad = 8 - self.n;
            self.put(0, pad);
        }
        self.out
    }
}

/// A 7-byte ADTS header (no CRC) for one raw access unit of `payload_len` bytes.
/// Only for object types 1–4 (ADTS cannot carry others) and the 13 table rates.
pub fn adts_header(info: &AscInfo, payload_len: usize) -> Result<[u8; 7]> {
    let rate_index = RATES
        .iter()
        .position(|&r| r == info.sample_rate)
        .ok_or_else(|| Error::Invalid(format!("ADTS cannot signal {} Hz", info.sample_rate)))?;
    if !(1..=4).contains(&info.core_object_type) || info.channel_config > 7 {
        return Err(Error::Invalid("ADTS cannot carry this AAC configuration".into()));
    }
    let frame_len = payload_len
        .checked_add(7)
        .filter(|&l| l < 1 << 13)
        .ok_or_else(|| Error::Invalid(format!("access unit of {payload_len} bytes is too big for ADTS")))?;
    let mut w = BitWriter::default();
    w.put(0xfff, 12); // syncword
    w.put(0, 1); // MPEG-4
    w.put(0, 2); // layer
    w.put(1, 1); // protection_absent
    w.put(u32::from(info.core_object_type) - 1, 2);
    w.put(rate_index as u32, 4);
    w.put(0, 1); // private
    w.put(u32::from(info.channel_config), 3);
    w.put(0, 4); // original/copy, home, copyright id bit/start
    w.put(frame_len as u32, 13);
    w.put(0x7ff, 11); // buffer fullness: VBR
    w.put(0, 2); // one raw data block
    let v = w.finish();
    let mut h = [0u8; 7];
    h.copy_from_slice(&v);
    Ok(h)
}

/// Split an ADTS stream into (AudioSpecificConfig of the first frame, raw access units).
/// Frames with a CRC have it dropped; multi-block frames are refused.
pub fn split_adts(stream: &[u8]) -> Result<(Vec<u8>, Vec<Vec<u8>>)> {
    const P: &str = "ADTS";
    let mut pos = 0usize;
    let mut asc = None;
    let mut units = Vec::new();
    while pos < stream.len() {
        let h = stream.get(pos..pos + 7).ok_or_else(|| Error::malformed(P, "truncated header"))?;
        if h[0] != 0xff || h[1] & 0xf0 != 0xf0 {
            return Err(Error::malformed(P, format!("no syncword at byte {pos}")));
        }
        let protection_absent = h[1] & 1 == 1;
        let profile = (h[2] >> 6) + 1;
        let rate_index = (h[2] >> 2) & 0xf;
        let channel_config = ((h[2] & 1) << 2) | (h[3] >> 6);
        let frame_len = (usize::from(h[3] & 3) << 11) | (usize::from(h[4]) << 3) | usize::from(h[5] >> 5);
        let blocks = h[6] & 3;
        if blocks != 0 {
            return Err(Error::unsupported("ADTS frames with several raw data blocks", "re-encode"));
        }
        let header_len = if protection_absent { 7 } else { 9 };
        if frame_len < header_len {
            return Err(Error::malformed(P, "frame shorter than its header"));
        }
        let end = pos
            .checked_add(frame_len)
            .filter(|&e| e <= stream.len())
            .ok_or_else(|| Error::malformed(P, "truncated frame"))?;
        if asc.is_none() {
            let rate = *RATES
                .get(usize::from(rate_index))
                .ok_or_else(|| Error::malformed(P, "reserved sampling frequency index"))?;
            asc = Some(build_asc(profile, rate, u16::from(channel_config).max(1)).map(|mut a| {
                // Keep the signalled channel configuration even when it is 0 or 7.
                a[1] = (a[1] & 0x87) | (channel_config << 3);
                a
            })?);
        }
        units.push(stream[pos + header_len..end].to_vec());
        pos = end;
    }
    let asc = asc.ok_or_else(|| Error::malformed(P, "empty stream"))?;
    Ok((asc, units))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lc_48k_stereo() {
        let i = parse_asc(&[0x11, 0x90]).unwrap();
        assert_eq!((i.object_type, i.sample_rate, i.channels, i.sbr), (2, 48000, 2, false));
        assert_eq!(i.output_sample_rate(), 48000);
        assert_eq!(build_asc(2, 48000, 2).unwrap(), vec![0x11, 0x90]);
        assert_eq!(build_asc(2, 44100, 2).unwrap(), vec![0x12, 0x10]);
    }

    #[test]
    fn explicit_he_aac() {
        // AOT 5, 24 kHz core (index 6), stereo, SBR at 48 kHz (index 3), core AOT 2.
        let mut w = BitWriter::default();
        for (v, n) in [(5, 5), (6, 4), (2, 4), (3, 4), (2, 5), (0, 3)] {
            w.put(v, n);
        }
        let i = parse_asc(&w.finish()).unwrap();
        assert!(i.sbr && !i.ps);
        assert_eq!((i.core_object_type, i.sample_rate, i.output_sample_rate()), (2, 24000, 48000));
        assert_eq!(i.profile_name(), "HE-AAC");
    }

    #[test]
    fn explicit_ps_and_escape() {
        let mut w = BitWriter::default();
        for (v, n) in [(29, 5), (6, 4), (1, 4), (3, 4), (2, 5), (0, 3)] {
            w.put(v, n);
        }
        let i = parse_asc(&w.finish()).unwrap();
        assert!(i.sbr && i.ps);
        assert_eq!((i.channels, i.output_channels()), (1, 2));
        // Escape: AOT 31 + 6 bits (42 = USAC), explicit rate 12345.
        let mut w = BitWriter::default();
        for (v, n) in [(31, 5), (10, 6), (15, 4), (12345, 24), (2, 4)] {
            w.put(v, n);
        }
        let i = parse_asc(&w.finish()).unwrap();
        assert_eq!((i.object_type, i.sample_rate, i.channels), (42, 12345, 2));
    }

    #[test]
    fn backward_compatible_sbr_ps() {
        // LC 22.05 kHz mono + 0x2b7 ext AOT 5, sbr 1, 44.1 kHz, 0x548 ps 1.
        let mut w = BitWriter::default();
        for (v, n) in [(2, 5), (7, 4), (1, 4), (0, 3), (0x2b7, 11), (5, 5), (1, 1), (4, 4), (0x548, 11), (1, 1)] {
            w.put(v, n);
        }
        let i = parse_asc(&w.finish()).unwrap();
        assert!(i.sbr && i.ps);
        assert_eq!((i.object_type, i.output_sample_rate(), i.output_channels()), (2, 44100, 2));
        assert_eq!(i.profile_name(), "HE-AACv2");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_asc(&[]).is_err());
        assert!(parse_asc(&[0x17]).is_err());
        assert!(parse_asc(&[0x16, 0x80]).is_err()); // reserved rate index 13
        for a in 0..=255u8 {
            for b in [0u8, 0x10, 0x90, 0xff] {
                let _ = parse_asc(&[a, b, 0xff, 0x00, 0xaa]);
            }
        }
    }

    #[test]
    fn adts_round_trip() {
        let info = parse_asc(&[0x11, 0x90]).unwrap();
        let mut s = Vec::new();
        for len in [10usize, 300, 1] {
            s.extend_from_slice(&adts_header(&info, len).unwrap());
            s.extend(std::iter::repeat_n(0xabu8, len));
        }
        let (asc, units) = split_adts(&s).unwrap();
        assert_eq!(asc, vec![0x11, 0x90]);
        assert_eq!(units.iter().map(Vec::len).collect::<Vec<_>>(), vec![10, 300, 1]);
        assert!(split_adts(&s[..s.len() - 1]).is_err());
    }
}
