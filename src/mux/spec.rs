//! What the caller tells the writer about each track, and what it reports back.

use crate::error::{Error, Result};

/// Identifies a track added to an [`Mp4Writer`](super::Mp4Writer) (the MP4 track ID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrackId(pub u32);

/// An edit list entry: which part of the media timeline is presented.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EditSpec {
    /// Ticks (media timescale) skipped at the start, e.g. AAC encoder delay or the first
    /// composition offset of a B-frame stream. Must be ≥ 0.
    pub media_time: i64,
    /// Presentation duration in seconds.
    pub duration_secs: f64,
}

/// An H.264 video track.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoTrackSpec {
    /// Coded width in pixels.
    pub width: u32,
    /// Coded height in pixels.
    pub height: u32,
    /// Ticks per second of the sample durations.
    pub timescale: u32,
    /// The avcC payload (AVCDecoderConfigurationRecord), e.g. from
    /// [`avcc_from_parameter_sets`](super::avcc_from_parameter_sets).
    pub avcc: Vec<u8>,
    /// Sample aspect ratio written to `pasp` (horizontal, vertical spacing).
    pub sar: (u32, u32),
    /// Write `colr` nclx BT.709 primaries/transfer/matrix, limited range.
    pub bt709: bool,
    /// Optional edit list.
    pub edit: Option<EditSpec>,
}

/// An AAC audio track.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioTrackSpec {
    /// Sampling rate in Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: u16,
    /// Ticks per second of the sample durations (normally the sample rate).
    pub timescale: u32,
    /// The AudioSpecificConfig carried in `esds`.
    pub asc: Vec<u8>,
    /// Average bitrate in bits/s for `esds` (0: computed from the samples).
    pub avg_bitrate: u32,
    /// Optional edit list.
    pub edit: Option<EditSpec>,
}

/// Per-track facts about a finished file.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackSummary {
    /// The track.
    pub id: TrackId,
    /// Samples written.
    pub sample_count: u32,
    /// Sum of sample durations, in `timescale` ticks.
    pub duration_ticks: u64,
    /// The track's media timescale.
    pub timescale: u32,
    /// Sample bytes written.
    pub bytes: u64,
}

/// What [`Mp4Writer::finish`](super::Mp4Writer::finish) produced.
#[derive(Debug, Clone, PartialEq)]
pub struct MuxSummary {
    /// Size of the final file in bytes.
    pub file_size: u64,
    /// One entry per track, in the order they were added.
    pub tracks: Vec<TrackSummary>,
}

impl EditSpec {
    pub(crate) fn validate(&self) -> Result<()> {
        if self.media_time < 0 {
            return Err(Error::Invalid(format!("edit list media_time must be >= 0, got {}", self.media_time)));
        }
        if !self.duration_secs.is_finite() || !(0.0..=1e9).contains(&self.duration_secs) {
            return Err(Error::Invalid(format!(
                "edit list duration must be between 0 and 1e9 s, got {}",
                self.duration_secs
            )));
        }
        Ok(())
    }

    /// The segment duration in ticks of `timescale`, rounded.
    pub(crate) fn duration_ticks(&self, timescale: u32) -> u64 {
        // Bounded by validate(): at most 1e9 s × 2^32 ticks/s < 2^63.
        (self.duration_secs * f64::from(timescale)).round() as u64
    }
}

impl VideoTrackSpec {
    pub(crate) fn validate(&self) -> Result<()> {
        let dims = 1..=u32::from(u16::MAX);
        if !dims.contains(&self.width) || !dims.contains(&self.height) {
            return Err(Error::Invalid(format!(
                "video size {}x{} must be between 1 and 65535",
                self.width, self.height
            )));
        }
        if self.timescale == 0 {
            return Err(Error::Invalid("video timescale must be > 0".into()));
        }
        if self.avcc.len() < 7 || self.avcc[0] != 1 {
            return Err(Error::Invalid("avcC must be an AVCDecoderConfigurationRecord (version 1)".into()));
        }
        if self.sar.0 == 0 || self.sar.1 == 0 {
            return Err(Error::Invalid(format!("SAR {}:{} must be non-zero", self.sar.0, self.sar.1)));
        }
        self.edit.as_ref().map_or(Ok(()), EditSpec::validate)
    }
}

impl AudioTrackSpec {
    pub(crate) fn validate(&self) -> Result<()> {
        if self.sample_rate == 0 || self.channels == 0 || self.timescale == 0 {
            return Err(Error::Invalid(format!(
                "audio needs a non-zero rate, channel count and timescale (got {} Hz, {} ch, timescale {})",
                self.sample_rate, self.channels, self.timescale
            )));
        }
        // Keeps every esds descriptor length within one byte (and the ASC is 2–5 bytes in practice).
        if self.asc.len() < 2 || self.asc.len() > 64 {
            return Err(Error::Invalid(format!("AudioSpecificConfig must be 2 to 64 bytes, got {}", self.asc.len())));
        }
        self.edit.as_ref().map_or(Ok(()), EditSpec::validate)
    }
}
