//! The conform plan: a pure function of (probe, profile, options) that says exactly what
//! each stage will do. Stages execute it and decide nothing themselves, so every decision
//! here is unit-testable without media.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::media::{AudioCodec, MediaInfo, VideoCodec};
use crate::profile::{check, Profile, Violation};

/// How to fit a picture of another shape into the profile's frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FitMode {
    /// Fill the frame and centre-crop what overflows.
    #[default]
    Crop,
    /// Fit inside the frame with black bars.
    Pad,
    /// Fit inside the frame over a blurred, darkened copy of itself.
    Blur,
}

/// What to do with input shorter than the profile's minimum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ShortPolicy {
    /// Hold the last frame (and pad audio with silence) up to the minimum.
    #[default]
    Extend,
    /// Refuse the input.
    Error,
}

/// What to do with the audio.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AudioPolicy {
    /// Keep the audio: copy it when compliant, otherwise re-encode; refuse unsupported codecs.
    #[default]
    Auto,
    /// Leave the audio out.
    Drop,
    /// Replace the audio with a silent track.
    Silence,
}

/// The user's conform options.
#[derive(Clone, Debug, Serialize)]
pub struct ConformOptions {
    /// Fit mode.
    pub fit: FitMode,
    /// Upper bound on the output size, in megabytes (10^6 bytes).
    pub max_size_mb: Option<u64>,
    /// Short-input policy.
    pub short: ShortPolicy,
    /// Audio policy.
    pub audio: AudioPolicy,
    /// AAC bitrate for re-encoded audio, bits per second.
    pub audio_bitrate: u32,
    /// Keep only the first this many seconds (for inputs longer than the profile allows).
    pub trim: Option<f64>,
    /// Video segments transcoded at once (each with its own decoder and encoder); `None`
    /// is one per core. Each 4K worker needs about 220 MB, so `Some(1)` is the way to
    /// trade speed for memory.
    pub jobs: Option<usize>,
}

impl Default for ConformOptions {
    fn default() -> Self {
        ConformOptions {
            fit: FitMode::Crop,
            max_size_mb: None,
            short: ShortPolicy::Extend,
            audio: AudioPolicy::Auto,
            audio_bitrate: 128_000,
            trim: None,
            jobs: None,
        }
    }
}

/// What happens to the file as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Already ready: copy the file unchanged.
    Passthrough,
    /// Only the box order is wrong: move moov before mdat, every sample byte unchanged.
    Remux,
    /// Write a new file, copying or re-encoding each stream as `video`/`audio` say.
    Rebuild,
}

/// What happens to the video stream.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum VideoPlan {
    /// Copy the H.264 bitstream unchanged.
    Copy,
    /// Decode, fit, convert the frame rate and encode.
    Transcode {
        /// Output width.
        width: u32,
        /// Output height.
        height: u32,
        /// Output frame rate.
        fps: u32,
        /// Fit mode.
        fit: FitMode,
        /// Target average bitrate for the first attempt.
        bitrate: u32,
        /// Level signalled (and verified).
        level_idc: u8,
        /// Keyframe interval in frames.
        keyframe_interval: u32,
    },
}

/// What happens to the audio stream.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AudioPlan {
    /// The source has no audio (or `--audio drop`): the output has none.
    None,
    /// Copy the AAC-LC stream unchanged.
    Copy,
    /// Decode, downmix, resample and encode AAC-LC.
    Transcode {
        /// Output sample rate.
        sample_rate: u32,
        /// Output channels (1 or 2).
        channels: u16,
        /// AAC bitrate.
        bitrate: u32,
    },
    /// A silent AAC-LC track.
    Silence {
        /// Output sample rate.
        sample_rate: u32,
        /// AAC bitrate.
        bitrate: u32,
    },
}

/// Everything the pipeline will do.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConformPlan {
    /// Whole-file mode.
    pub mode: Mode,
    /// Video stream plan.
    pub video: VideoPlan,
    /// Audio stream plan.
    pub audio: AudioPlan,
    /// Index of the source video track in `MediaInfo::tracks`.
    pub video_track: usize,
    /// Index of the source audio track, if used.
    pub audio_track: Option<usize>,
    /// Output duration in seconds (source duration, extended or trimmed).
    pub duration: f64,
    /// Peak bitrate the output must stay under (video + audio, any 1 s window).
    pub max_peak_bitrate: u64,
    /// Largest output file in bytes.
    pub max_file_size: u64,
    /// The source's violations that made this plan necessary.
    pub reasons: Vec<Violation>,
}

/// Rules whose violation means the video must be re-encoded.
const VIDEO_RULES: [&str; 9] = [
    "video_codec",
    "pixel_format",
    "resolution",
    "sar",
    "rotation",
    "level",
    "frame_rate",
    "duration_min",
    "duration_max",
];

/// Output sample rate of re-encoded audio (AAC-LC 44.1 kHz is what TikTok wants).
pub const AUDIO_RATE: u32 = 44_100;
/// Default first-try video bitrate: leaves room under a 10 Mbps peak for rate-control
/// overshoot around keyframes and for the audio.
pub const DEFAULT_VIDEO_BITRATE: u32 = 6_000_000;
/// Keyframe interval in seconds (TikTok recommends ≤ 2 s; 1 s helps seeking and segments).
pub const KEYFRAME_SECONDS: u32 = 1;

/// Refuses inputs clipfit cannot decode, with what to do about it.
pub fn ensure_supported(info: &MediaInfo, opts: &ConformOptions) -> Result<()> {
    let video = info.video().ok_or_else(|| {
        Error::unsupported(
            "a file without a video track",
            "clipfit needs a video; for audio alone, add a picture in an editor first",
        )
    })?;
    let hint = "clipfit decodes 8-bit 4:2:0 H.264 only; re-export the video as H.264 (on iPhone: Settings > Camera > Formats > Most Compatible)";
    match video.codec {
        VideoCodec::H264 => {}
        VideoCodec::Hevc => return Err(Error::unsupported("HEVC (H.265) video", hint)),
        VideoCodec::Vp9 => return Err(Error::unsupported("VP9 video", hint)),
        VideoCodec::Vp8 => return Err(Error::unsupported("VP8 video", hint)),
        VideoCodec::Av1 => return Err(Error::unsupported("AV1 video", hint)),
        VideoCodec::Mpeg4 => return Err(Error::unsupported("MPEG-4 Part 2 video", hint)),
        VideoCodec::ProRes => return Err(Error::unsupported("ProRes video", hint)),
        VideoCodec::Other => return Err(Error::unsupported(format!("'{}' video", video.fourcc), hint)),
    }
    if video.bit_depth != 8 {
        return Err(Error::unsupported(format!("{}-bit H.264 video", video.bit_depth), hint));
    }
    if video.interlaced {
        return Err(Error::unsupported(
            "interlaced H.264 video",
            "clipfit decodes progressive video only; deinterlace it in an editor and export progressive H.264",
        ));
    }
    if video.chroma_format != "4:2:0" {
        return Err(Error::unsupported(format!("H.264 with {} chroma", video.chroma_format), hint));
    }
    if video.width == 0
        || video.height == 0
        || video.width > crate::limits::MAX_DIMENSION
        || video.height > crate::limits::MAX_DIMENSION
    {
        return Err(Error::limit(
            "video",
            format!("picture size {}x{} is outside 1..={}", video.width, video.height, crate::limits::MAX_DIMENSION),
        ));
    }
    if let (Some(audio), AudioPolicy::Auto) = (info.audio(), opts.audio) {
        let name = match audio.codec {
            AudioCodec::Ac3 => Some("AC-3 (Dolby Digital) audio"),
            AudioCodec::Eac3 => Some("E-AC-3 (Dolby Digital Plus) audio"),
            AudioCodec::Dts => Some("DTS audio"),
            AudioCodec::Opus => Some("Opus audio in MP4"),
            AudioCodec::Mp2 => Some("MPEG Layer II audio"),
            AudioCodec::Other => Some("this audio codec"),
            _ => None,
        };
        if let Some(name) = name {
            return Err(Error::unsupported(
                format!("{name} ('{}')", audio.fourcc.trim()),
                "re-run with --audio drop to leave the audio out, or --audio silence for a silent track",
            ));
        }
    }
    Ok(())
}

/// Decides what conform will do. Pure: reads nothing but its arguments.
pub fn plan(info: &MediaInfo, profile: &Profile, opts: &ConformOptions) -> Result<ConformPlan> {
    ensure_supported(info, opts)?;
    let video_track = info.video_index().ok_or_else(|| Error::Invalid("no video track".into()))?;
    let reasons = check(info, profile);
    let mut duration = info.duration;
    if let Some(t) = opts.trim {
        if t <= 0.0 {
            return Err(Error::Invalid("--trim must be a positive number of seconds".into()));
        }
        duration = duration.min(t);
    }
    if duration > profile.max_duration {
        return Err(Error::Invalid(format!(
            "the video lasts {:.1} s but {} allows at most {} s; shorten it, or pass --trim {} to keep the first {} s",
            duration, profile.name, profile.max_duration, profile.max_duration, profile.max_duration
        )));
    }
    if duration < profile.min_duration {
        if opts.short == ShortPolicy::Error {
            return Err(Error::Invalid(format!(
                "the video lasts {:.2} s but {} needs at least {} s (use --short extend to hold the last frame)",
                duration, profile.name, profile.min_duration
            )));
        }
        duration = profile.min_duration;
    }
    let trimmed = duration + 1e-6 < info.duration;
    let has = |rule: &str| reasons.iter().any(|v| v.rule == rule);
    let audio_track = match opts.audio {
        AudioPolicy::Drop | AudioPolicy::Silence => None,
        AudioPolicy::Auto => info.audio_index(),
    };
    let audio_ok = !has("audio_codec") && !has("audio_sample_rate") && !has("audio_channels");
    let max_file_size = match opts.max_size_mb {
        Some(mb) => profile.max_file_size.min(mb.saturating_mul(1_000_000)),
        None => profile.max_file_size,
    };
    // A copied bitstream keeps one avcC: a stream whose parameter sets change between
    // sample descriptions can only be rebuilt.
    let several_descriptions = info.video().is_some_and(|v| !v.more_parameter_sets.is_empty());
    let video_rules_broken = VIDEO_RULES.iter().any(|r| has(r)) || trimmed || several_descriptions;
    // The peak rule counts audio too: a copied video must leave room for new audio.
    let peak_broken = has("bitrate_peak");
    let size_broken = has("file_size");
    let audio = match (opts.audio, audio_track) {
        (AudioPolicy::Silence, _) => AudioPlan::Silence { sample_rate: AUDIO_RATE, bitrate: opts.audio_bitrate },
        (_, None) => AudioPlan::None,
        (_, Some(_)) if audio_ok && !trimmed && !has("duration_min") => AudioPlan::Copy,
        (_, Some(i)) => {
            let channels = match &info.tracks[i].kind {
                crate::media::TrackKind::Audio(a) => a.channels.clamp(1, 2),
                _ => 2,
            };
            AudioPlan::Transcode { sample_rate: AUDIO_RATE, channels, bitrate: opts.audio_bitrate }
        }
    };
    let video = if video_rules_broken || peak_broken || size_broken {
        let mut bitrate = DEFAULT_VIDEO_BITRATE;
        let audio_bps = match audio {
            AudioPlan::None => 0,
            AudioPlan::Copy => info.audio().map_or(0, |_| 320_000),
            _ => opts.audio_bitrate,
        };
        // Leave 3% for the container and rate-control error.
        let budget_bps = (max_file_size as f64 * 8.0 * 0.97 / duration.max(0.1)) as u64;
        let video_budget = budget_bps.saturating_sub(audio_bps as u64);
        if video_budget < 200_000 {
            return Err(Error::Invalid(format!(
                "a {:.0} s video cannot fit in {:.1} MB at a watchable quality; raise --max-size-mb",
                duration,
                max_file_size as f64 / 1e6
            )));
        }
        bitrate = bitrate.min(video_budget.min(u32::MAX as u64) as u32);
        VideoPlan::Transcode {
            width: profile.width,
            height: profile.height,
            fps: profile.frame_rate.round() as u32,
            fit: opts.fit,
            bitrate,
            level_idc: crate::codec::h264::sps::required_level(
                profile.width,
                profile.height,
                profile.frame_rate,
                profile.max_peak_bitrate,
            )
            .unwrap_or(40),
            keyframe_interval: profile.frame_rate.round() as u32 * KEYFRAME_SECONDS,
        }
    } else {
        VideoPlan::Copy
    };
    let mode = if reasons.is_empty() && audio == AudioPlan::Copy
        || reasons.is_empty() && audio == AudioPlan::None && info.audio().is_none()
    {
        Mode::Passthrough
    } else if video == VideoPlan::Copy
        && (audio == AudioPlan::Copy || audio == AudioPlan::None && info.audio().is_none())
        && reasons.iter().all(|v| v.rule == "faststart")
    {
        Mode::Remux
    } else {
        Mode::Rebuild
    };
    Ok(ConformPlan {
        mode,
        video,
        audio,
        video_track,
        audio_track,
        duration,
        max_peak_bitrate: profile.max_peak_bitrate,
        max_file_size,
        reasons,
    })
}
