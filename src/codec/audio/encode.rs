//! AAC-LC encoding with fdk-aac, raw access units (no ADTS) for an MP4 `esds` track.
//!
//! fdk-aac delays its output by `encoder_delay()` samples (its look-ahead, the priming
//! that an MP4 edit list should skip): decoded AU `k` holds input samples starting at
//! `k × 1024 − encoder_delay()`. `flush` pads with silence until every input sample is
//! inside some access unit.

use fdk_aac::enc::{AudioObjectType, BitRate, ChannelMode, Encoder, EncoderParams, Transport};

use crate::error::{Error, Result};

const STAGE: &str = "AAC encode";
/// Samples per channel in one AAC-LC access unit.
pub const AAC_FRAME: usize = 1024;

/// An AAC-LC encoder producing raw access units.
pub struct AacEncoder {
    enc: Encoder,
    channels: usize,
    sample_rate: u32,
    /// Interleaved i16 input not yet consumed by fdk-aac.
    pending: Vec<i16>,
    out_buf: Vec<u8>,
    asc: Vec<u8>,
    delay: u32,
    in_frames: u64,
    units: u64,
}

impl std::fmt::Debug for AacEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AacEncoder")
            .field("sample_rate", &self.sample_rate)
            .field("channels", &self.channels)
            .field("delay", &self.delay)
            .finish()
    }
}

impl AacEncoder {
    /// An AAC-LC encoder at `sample_rate` Hz, 1 or 2 channels, constant `bitrate` bits/s.
    pub fn new(sample_rate: u32, channels: u16, bitrate: u32) -> Result<Self> {
        let mode = match channels {
            1 => ChannelMode::Mono,
            2 => ChannelMode::Stereo,
            n => return Err(Error::Invalid(format!("AAC encoder takes 1 or 2 channels, not {n}"))),
        };
        let enc = Encoder::new(EncoderParams {
            bit_rate: BitRate::Cbr(bitrate),
            sample_rate,
            transport: Transport::Raw,
            channels: mode,
            audio_object_type: AudioObjectType::Mpeg4LowComplexity,
        })
        .map_err(|e| Error::codec(STAGE, format!("{e} ({sample_rate} Hz, {channels} ch, {bitrate} b/s)")))?;
        let info = enc.info().map_err(|e| Error::codec(STAGE, e))?;
        let conf_len = (info.confSize as usize).min(info.confBuf.len());
        let asc = info.confBuf[..conf_len].to_vec();
        let out_len = (info.maxOutBufBytes as usize).max(768 * usize::from(channels));
        Ok(AacEncoder {
            enc,
            channels: usize::from(channels),
            sample_rate,
            pending: Vec::with_capacity(AAC_FRAME * 4),
            out_buf: vec![0; out_len],
            asc,
            delay: info.nDelay,
            in_frames: 0,
            units: 0,
        })
    }

    /// The AudioSpecificConfig for the `esds` box.
    pub fn audio_specific_config(&self) -> Vec<u8> {
        self.asc.clone()
    }

    /// Priming samples (per channel) at the start of the decoded output.
    pub fn encoder_delay(&self) -> u32 {
        self.delay
    }

    /// The sample rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The channel count.
    pub fn channels(&self) -> u16 {
        self.channels as u16
    }

    /// Input frames accepted so far.
    pub fn input_frames(&self) -> u64 {
        self.in_frames
    }

    /// Access units produced so far.
    pub fn access_units(&self) -> u64 {
        self.units
    }

    /// Encode interleaved samples (any whole number of frames, nominally in [-1, 1]);
    /// returns the access units completed so far, 1024 frames each.
    pub fn encode(&mut self, interleaved: &[f32]) -> Result<Vec<Vec<u8>>> {
        if !interleaved.len().is_multiple_of(self.channels) {
            return Err(Error::codec(STAGE, "input is not a whole number of frames"));
        }
        self.in_frames += (interleaved.len() / self.channels) as u64;
        self.pending.extend(interleaved.iter().map(|&s| {
            // Round and saturate: f32 → i16 with `as` saturates, NaN becomes 0.
            (s * 32767.0).round() as i16
        }));
        self.drain()
    }

    /// Run fdk-aac over every complete frame in `pending`.
    fn drain(&mut self) -> Result<Vec<Vec<u8>>> {
        let frame = AAC_FRAME * self.channels;
        let mut units = Vec::new();
        let mut used = 0;
        while self.pending.len() - used >= frame {
            let info = self
                .enc
                .encode(&self.pending[used..used + frame], &mut self.out_buf)
                .map_err(|e| Error::codec(STAGE, e))?;
            if info.output_size > 0 {
                let n = info.output_size.min(self.out_buf.len());
                units.push(self.out_buf[..n].to_vec());
            }
            if info.input_consumed == 0 && info.output_size == 0 {
                return Err(Error::codec(STAGE, "encoder made no progress"));
            }
            used += info.input_consumed.min(self.pending.len() - used);
        }
        self.pending.drain(..used);
        self.units += units.len() as u64;
        Ok(units)
    }

    /// Pad with silence until every input sample is covered, and return the last units.
    /// After this, `access_units() × 1024 ≥ encoder_delay() + input_frames()`.
    pub fn flush(&mut self) -> Result<Vec<Vec<u8>>> {
        let needed = (u64::from(self.delay) + self.in_frames).div_ceil(AAC_FRAME as u64);
        let mut out = Vec::new();
        // fdk-aac's look-ahead is a few frames; bound the loop so a surprise cannot hang.
        for _ in 0..16 {
            if self.units >= needed {
                break;
            }
            let pad = AAC_FRAME * self.channels - self.pending.len() % (AAC_FRAME * self.channels);
            self.pending.extend(std::iter::repeat_n(0i16, pad));
            out.extend(self.drain()?);
        }
        if self.units < needed {
            return Err(Error::codec(STAGE, "encoder did not drain"));
        }
        self.pending.clear();
        Ok(out)
    }
}
