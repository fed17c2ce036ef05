//! The whole audio chain for the pipeline: source packets in, AAC-LC 44.1 kHz out.

use super::decode::AudioDecoder;
use super::downmix::{downmix_layout, Speaker};
use super::encode::AacEncoder;
use super::resample::Resampler;
use crate::error::{Error, Result};
use crate::media::AudioInfo;

/// The output sample rate every profile requires.
pub const OUTPUT_RATE: u32 = 44100;

/// Source packets → AAC-LC 44.1 kHz access units.
///
/// Timing contract: decoded source frames are counted at the source rate
/// ([`input_frames`](Self::input_frames)); after the optional trim, each kept source frame
/// `n` lands at output frame `round(n × 44100 / rate)` — the resampler's delay is
/// compensated — and the encoder's priming ([`encoder_delay`](Self::encoder_delay)) is the
/// only offset in the produced access units, for the muxer's edit list to remove.
#[derive(Debug)]
pub struct AudioTranscoder {
    decoder: Option<AudioDecoder>,
    resampler: Option<Resampler>,
    encoder: AacEncoder,
    out_channels: u16,
    /// Source rate the resampler was built for (fixed at the first decoded packet).
    src_rate: u32,
    skip: u64,
    keep: Option<u64>,
    input_frames: u64,
    kept_frames: u64,
    output_frames: u64,
}

impl AudioTranscoder {
    /// A transcoder for `info`'s track, producing `out_channels` (1 or 2) channels at
    /// `bitrate` bits/s. Mono sources are duplicated to stereo when `out_channels` is 2.
    pub fn new(info: &AudioInfo, out_channels: u16, bitrate: u32) -> Result<Self> {
        let decoder = AudioDecoder::new(info)?;
        let mut t = Self::silent(out_channels, bitrate)?;
        t.src_rate = 0; // known after the first packet
        t.decoder = Some(decoder);
        t.resampler = None;
        Ok(t)
    }

    /// A transcoder with no source: feed it only [`push_silence`](Self::push_silence)
    /// (for `--audio silence`). The source rate is 44.1 kHz.
    pub fn silent(out_channels: u16, bitrate: u32) -> Result<Self> {
        let out_channels = out_channels.clamp(1, 2);
        Ok(AudioTranscoder {
            decoder: None,
            resampler: Some(Resampler::new(OUTPUT_RATE, OUTPUT_RATE, out_channels)?),
            encoder: AacEncoder::new(OUTPUT_RATE, out_channels, bitrate)?,
            out_channels,
            src_rate: OUTPUT_RATE,
            skip: 0,
            keep: None,
            input_frames: 0,
            kept_frames: 0,
            output_frames: 0,
        })
    }

    /// Drop the first `skip` decoded source frames (edit-list start, priming) and keep at
    /// most `keep` after them (edit-list duration). Call before the first packet.
    pub fn set_trim(&mut self, skip: u64, keep: Option<u64>) {
        self.skip = skip;
        self.keep = keep;
    }

    /// The source sample rate: the decoder's (exact after the first packet), or 44.1 kHz
    /// for a silent transcoder.
    pub fn source_rate(&self) -> u32 {
        match &self.decoder {
            Some(d) if self.src_rate == 0 => d.sample_rate(),
            _ => self.src_rate,
        }
    }

    /// Decode one source packet and encode what it yields.
    pub fn push_packet(&mut self, packet: &[u8]) -> Result<Vec<Vec<u8>>> {
        let Some(dec) = self.decoder.as_mut() else {
            return Err(Error::Invalid("push_packet on a silent audio transcoder".into()));
        };
        let pcm = dec.decode(packet)?;
        let channels = dec.channels();
        let layout = dec.layout().to_vec();
        let rate = dec.sample_rate();
        self.push_decoded(&pcm, channels, &layout, rate)
    }

    /// Feed `frames` frames of silence at the source rate (gaps, padding to video length).
    /// Silence is not subject to the trim.
    pub fn push_silence(&mut self, frames: u64) -> Result<Vec<Vec<u8>>> {
        let rate = self.source_rate();
        self.ensure_resampler(rate)?;
        let mut out = Vec::new();
        let mut left = frames;
        while left > 0 {
            let n = left.min(8192);
            let zeros = vec![0.0f32; n as usize * usize::from(self.out_channels)];
            out.extend(self.resample_encode(&zeros)?);
            left -= n;
        }
        Ok(out)
    }

    fn ensure_resampler(&mut self, rate: u32) -> Result<()> {
        if self.resampler.is_none() {
            if rate == 0 {
                return Err(Error::codec("audio decode", "unknown source sample rate"));
            }
            self.resampler = Some(Resampler::new(rate, OUTPUT_RATE, self.out_channels)?);
            self.src_rate = rate;
        } else if rate != self.src_rate {
            return Err(Error::unsupported(
                format!("audio whose sample rate changes mid-stream ({} → {rate} Hz)", self.src_rate),
                "re-run with --audio drop to omit the audio",
            ));
        }
        Ok(())
    }

    fn push_decoded(&mut self, pcm: &[f32], channels: u16, layout: &[Speaker], rate: u32) -> Result<Vec<Vec<u8>>> {
        let ch = usize::from(channels.max(1));
        let frames = (pcm.len() / ch) as u64;
        if frames == 0 {
            return Ok(Vec::new());
        }
        self.ensure_resampler(rate)?;
        let start = self.input_frames;
        self.input_frames += frames;
        // Trim window in source frames: [skip, skip + keep).
        let lo = self.skip.clamp(start, start + frames) - start;
        let hi = match self.keep {
            Some(k) => self.skip.saturating_add(k).clamp(start, start + frames) - start,
            None => frames,
        };
        if hi <= lo {
            return Ok(Vec::new());
        }
        let slice = &pcm[lo as usize * ch..hi as usize * ch];
        self.kept_frames += hi - lo;
        let shaped = self.to_out_channels(slice, channels, layout);
        self.resample_encode(&shaped)
    }

    fn to_out_channels(&self, pcm: &[f32], channels: u16, layout: &[Speaker]) -> Vec<f32> {
        match (channels, self.out_channels) {
            (1, 1) | (2, 2) => pcm.to_vec(),
            (1, _) => pcm.iter().flat_map(|&s| [s, s]).collect(),
            (_, out) => {
                let stereo = if channels == 2 { pcm.to_vec() } else { downmix_layout(pcm, layout) };
                if out == 1 {
                    stereo.chunks_exact(2).map(|f| 0.5 * (f[0] + f[1])).collect()
                } else {
                    stereo
                }
            }
        }
    }

    fn resample_encode(&mut self, pcm: &[f32]) -> Result<Vec<Vec<u8>>> {
        let Some(rs) = self.resampler.as_mut() else {
            return Err(Error::codec("audio resample", "no resampler"));
        };
        let resampled = rs.process(pcm)?;
        self.output_frames += (resampled.len() / usize::from(self.out_channels)) as u64;
        self.encoder.encode(&resampled)
    }

    /// Flush the resampler and encoder; returns the last access units.
    pub fn finish(&mut self) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        if let Some(dec) = self.decoder.as_mut() {
            let tail = dec.flush()?;
            if !tail.is_empty() {
                let (c, l, r) = (dec.channels(), dec.layout().to_vec(), dec.sample_rate());
                out.extend(self.push_decoded(&tail, c, &l, r)?);
            }
        }
        if let Some(rs) = self.resampler.as_mut() {
            let rest = rs.flush()?;
            self.output_frames += (rest.len() / usize::from(self.out_channels)) as u64;
            out.extend(self.encoder.encode(&rest)?);
        }
        out.extend(self.encoder.flush()?);
        Ok(out)
    }

    /// Source frames decoded so far (before the trim), at [`source_rate`](Self::source_rate).
    pub fn input_frames(&self) -> u64 {
        self.input_frames
    }

    /// Source frames kept after the trim.
    pub fn kept_frames(&self) -> u64 {
        self.kept_frames
    }

    /// Frames at 44.1 kHz fed to the encoder (real audio, without priming or padding).
    pub fn output_frames(&self) -> u64 {
        self.output_frames
    }

    /// The encoder's priming samples at the start of the access units.
    pub fn encoder_delay(&self) -> u32 {
        self.encoder.encoder_delay()
    }

    /// The AudioSpecificConfig for the output `esds`.
    pub fn audio_specific_config(&self) -> Vec<u8> {
        self.encoder.audio_specific_config()
    }

    /// Output channel count.
    pub fn channels(&self) -> u16 {
        self.out_channels
    }
}
