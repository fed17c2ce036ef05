//! The conform plan: a pure function of (probe, profile, options) that says exactly what
//! each stage will do. Stages execute it and decide nothing themselves, so every decision
//! here is unit-testable without media.

use serde::Serialize;

use crate::codec::h264::sps::{required_level, LEVELS};
use crate::codec::video::DecoderKind;
use crate::error::{Error, Result};
use crate::media::{AudioCodec, MediaInfo, TrackTimeline, VideoCodec, VideoInfo};
use crate::profile::check::{audio_codec_matches, display_aspect};
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
    /// Which decoder decodes H.264 input.
    pub decoder: DecoderKind,
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
            decoder: DecoderKind::default(),
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
    /// The output may carry edit lists (AAC priming, a copied track's start). Without them,
    /// re-encoded audio drops its priming frames instead and is shifted to start in sync.
    pub edit_lists: bool,
    /// The source's violations that made this plan necessary.
    pub reasons: Vec<Violation>,
}

/// Rules whose violation means the video must be re-encoded.
const VIDEO_RULES: [&str; 18] = [
    "color",
    "video_codec",
    "pixel_format",
    "progressive",
    "resolution",
    "resolution_min",
    "resolution_max",
    "aspect_ratio",
    "sar",
    "rotation",
    "level",
    "frame_rate",
    "frame_rate_min",
    "frame_rate_max",
    "closed_gop",
    "keyframe_interval",
    "duration_min",
    "duration_max",
];

/// Rules whose violation means the audio must be re-encoded.
const AUDIO_RULES: [&str; 4] = ["audio_codec", "audio_sample_rate", "audio_channels", "audio_bitrate"];

/// Output sample rate of re-encoded audio (AAC-LC 44.1 kHz is what TikTok wants).
pub const AUDIO_RATE: u32 = 44_100;
/// Default first-try video bitrate: leaves room under a 10 Mbps peak for rate-control
/// overshoot around keyframes and for the audio.
pub const DEFAULT_VIDEO_BITRATE: u32 = 6_000_000;
/// Keyframe interval in seconds (TikTok recommends ≤ 2 s; 1 s helps seeking and segments).
pub const KEYFRAME_SECONDS: u32 = 1;
/// Longest side of a picture whose size is derived from the source (a profile with neither
/// a fixed nor a preferred size): platforms show at most 1080p, and the default bitrate is
/// sized for 1080x1920.
pub const MAX_DERIVED_SIDE: u32 = 1920;
/// Highest frame rate derived from the source when the profile fixes none.
pub const MAX_DERIVED_FPS: u32 = 60;
/// AAC-LC rates the encoder is asked for when 44.1 kHz is not allowed, most preferred first.
const OTHER_AUDIO_RATES: [u32; 8] = [48_000, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000];

/// The picture a re-encode produces: the profile's fixed size, else its preferred size, else
/// the source's shape as shown (square pixels, rotation applied) brought inside the aspect
/// range (cropped or padded per the fit) and scaled to fit the size limits and
/// [`MAX_DERIVED_SIDE`]; even dimensions.
pub fn output_size(video: &VideoInfo, profile: &Profile) -> Result<(u32, u32)> {
    if let Some(size) = profile.width.zip(profile.height) {
        return Ok(size);
    }
    if let Some(size) = profile.preferred_width.zip(profile.preferred_height) {
        return Ok(size);
    }
    let shown_h = f64::from(if video.rotation % 180 == 90 { video.width } else { video.height }).max(2.0);
    let aspect = display_aspect(video).max(1e-3);
    let (mut w, mut h) = (shown_h * aspect, shown_h);
    // Too tall for the range: keep the width; too wide: keep the height.
    if let Some(min) = profile.min_aspect_ratio.filter(|r| aspect < r.value()) {
        h = w / min.value();
    }
    if let Some(max) = profile.max_aspect_ratio.filter(|r| aspect > r.value()) {
        w = h * max.value();
    }
    let limit = |v: Option<u32>| v.map_or(f64::INFINITY, f64::from);
    let mut scale = (f64::from(MAX_DERIVED_SIDE) / w.max(h))
        .min(1.0)
        .min(limit(profile.max_width) / w)
        .min(limit(profile.max_height) / h);
    let up = (f64::from(profile.min_width.unwrap_or(0)) / w).max(f64::from(profile.min_height.unwrap_or(0)) / h);
    if up > scale {
        if w * up > limit(profile.max_width) + 0.5 || h * up > limit(profile.max_height) + 0.5 {
            return Err(Error::Invalid(format!(
                "{} allows no picture of this shape ({:.3} width/height) between its smallest and largest size",
                profile.name,
                w / h
            )));
        }
        scale = up;
    }
    let even = |v: f64, lo: Option<u32>, hi: Option<u32>| {
        let mut e = ((v / 2.0).round() as u32).max(1) * 2;
        if let Some(hi) = hi {
            e = e.min(hi / 2 * 2);
        }
        if let Some(lo) = lo {
            e = e.max(lo.div_ceil(2) * 2);
        }
        e.max(2)
    };
    Ok((even(w * scale, profile.min_width, profile.max_width), even(h * scale, profile.min_height, profile.max_height)))
}

/// The frame rate a re-encode produces: the profile's fixed rate, else the source's (rounded,
/// at most [`MAX_DERIVED_FPS`]) brought inside the profile's range.
pub fn output_fps(video: &VideoInfo, profile: &Profile) -> u32 {
    if let Some(f) = profile.frame_rate {
        return f.round().max(1.0) as u32;
    }
    let source = if video.fps.is_finite() && video.fps >= 1.0 { video.fps.round() as u32 } else { 30 };
    let mut fps = source.min(MAX_DERIVED_FPS);
    if let Some(max) = profile.max_frame_rate {
        fps = fps.min(max.floor() as u32);
    }
    if let Some(min) = profile.min_frame_rate {
        fps = fps.max(min.ceil() as u32);
    }
    fps.max(1)
}

/// The sample rate re-encoded audio gets: 44.1 kHz when the profile allows it, else the
/// first allowed AAC-LC rate of 48, 32, 24... kHz.
pub fn output_audio_rate(profile: &Profile) -> Result<u32> {
    let rates = &profile.audio_sample_rates;
    if rates.is_empty() || rates.contains(&AUDIO_RATE) {
        return Ok(AUDIO_RATE);
    }
    OTHER_AUDIO_RATES.iter().copied().find(|r| rates.contains(r)).ok_or_else(|| {
        Error::Invalid(format!("{} allows no audio sample rate clipfit can encode (AAC-LC 8-48 kHz)", profile.name))
    })
}

/// Refuses profiles whose rules exclude what conform writes: H.264 8-bit 4:2:0 and AAC-LC
/// in MP4.
fn ensure_producible(profile: &Profile) -> Result<()> {
    let refuse = |what: &str| {
        Err(Error::Invalid(format!("{} does not accept {what}, the only output clipfit writes", profile.name)))
    };
    if !profile.containers.is_empty() && !profile.containers.iter().any(|c| c == "mp4") {
        return refuse("MP4");
    }
    if !profile.video_codecs.is_empty() && !profile.video_codecs.iter().any(|c| c == "h264") {
        return refuse("H.264 video");
    }
    if profile.bit_depth.is_some_and(|d| d != 8) || profile.chroma_format.as_ref().is_some_and(|c| c != "4:2:0") {
        return refuse("8-bit 4:2:0 video");
    }
    if !profile.audio_codecs.is_empty() && !profile.audio_codecs.iter().any(|c| audio_codec_matches(c, "aac_lc")) {
        return refuse("AAC-LC audio");
    }
    Ok(())
}

/// True when a copy of track `index` needs an edit list: it skips media (priming, media
/// before its edit) or starts late. The copy stages write one exactly then.
fn copy_needs_edit(info: &MediaInfo, index: usize) -> bool {
    let (skip, lead) = TrackTimeline::for_track(&info.tracks[index], info.start_time).start_offsets();
    skip != 0.0 || lead != 0.0
}

/// Refuses inputs clipfit cannot decode, with what to do about it.
pub fn ensure_supported(info: &MediaInfo, opts: &ConformOptions) -> Result<()> {
    let video = info.video().ok_or_else(|| {
        Error::unsupported(
            "a file without a video track",
            "clipfit needs a video; for audio alone, add a picture in an editor first",
        )
    })?;
    let hint = "clipfit decodes H.264 (8- and 10-bit 4:2:0/4:2:2), HEVC (Main, Main 10), VP8, VP9 and AV1 (8- and 10-bit), Motion JPEG; re-export the video as H.264 (on iPhone: Settings > Camera > Formats > Most Compatible)";
    match video.codec {
        VideoCodec::H264 => {
            // rust_h264 decodes 8- and 10-bit, 4:0:0/4:2:0/4:2:2, progressive or interlaced.
            if !matches!(video.bit_depth, 8 | 10) {
                return Err(Error::unsupported(format!("{}-bit H.264 video", video.bit_depth), hint));
            }
        }
        VideoCodec::Hevc => {
            if video.bit_depth > 10 || video.chroma_format != "4:2:0" {
                return Err(Error::unsupported(
                    format!(
                        "HEVC {} ({}-bit {})",
                        video.profile.as_deref().unwrap_or("range extensions"),
                        video.bit_depth,
                        video.chroma_format
                    ),
                    hint,
                ));
            }
        }
        // rusty_vp9 decodes every profile; the fit converts 10-bit and 4:2:2/4:4:4 to
        // 8-bit 4:2:0. 12-bit (profile 2/3 at 12 bits) is not converted.
        VideoCodec::Vp9 if matches!(video.bit_depth, 8 | 10) => {}
        VideoCodec::Vp9 => {
            return Err(Error::unsupported(
                format!("{}-bit VP9 video", video.bit_depth),
                "clipfit converts 8- and 10-bit VP9 only; re-export as H.264 or 8-bit VP9",
            ))
        }
        // libvpx decodes every VP8 stream (8-bit 4:2:0 is all VP8 has).
        VideoCodec::Vp8 => {}
        // rav1d decodes every profile; the fit converts 10-bit, monochrome and 4:2:2/4:4:4
        // to 8-bit 4:2:0. 12-bit (Professional) is not converted.
        VideoCodec::Av1 if matches!(video.bit_depth, 8 | 10) => {}
        VideoCodec::Av1 => {
            return Err(Error::unsupported(
                format!("{}-bit {} AV1 video", video.bit_depth, video.chroma_format),
                "clipfit converts 8- and 10-bit AV1 only; re-export as H.264 or 8/10-bit AV1",
            ))
        }
        // Format B has no JPEG markers (its own header of offsets instead), which no JPEG
        // decoder reads.
        VideoCodec::Mjpeg if video.fourcc == "mjpb" => {
            return Err(Error::unsupported(
                "Motion JPEG format B (mjpb) video",
                "re-export the video as H.264, or as Motion JPEG format A (mjpa) or Photo-JPEG (jpeg)",
            ))
        }
        // zune-jpeg decodes baseline and progressive 8-bit JPEG, upsampling any chroma
        // layout (4:1:1 and 4:4:0 too) to 4:4:4; 12-bit (lossless or extended) it does not.
        VideoCodec::Mjpeg if video.bit_depth == 8 => {}
        VideoCodec::Mjpeg => {
            return Err(Error::unsupported(
                format!("{}-bit Motion JPEG video", video.bit_depth),
                "re-export the video as H.264 or 8-bit Motion JPEG",
            ))
        }
        VideoCodec::Mpeg4 => return Err(Error::unsupported("MPEG-4 Part 2 video", hint)),
        VideoCodec::ProRes => return Err(Error::unsupported("ProRes video", hint)),
        VideoCodec::Other => return Err(Error::unsupported(format!("'{}' video", video.fourcc), hint)),
    }
    // HLG and PQ are tone-mapped to SDR BT.709 (video::tonemap). Dolby Vision decodes as
    // its base layer where it has one: 8.4 is HLG, 8.1 and 7 are HDR10 (the RPU and the
    // enhancement layer are dropped), 8.2 is SDR. Profile 5's base layer is in Dolby's
    // own IPTPQc2 colour space, which nothing but a Dolby Vision decoder can show.
    if let Some(dv) = video.hdr.dolby_vision {
        if dv.profile == 5 || (dv.profile != 7 && dv.base_layer_compatibility == 0) {
            return Err(Error::unsupported(
                format!("Dolby Vision profile {} video (no HDR10, HLG or SDR base layer)", dv.name()),
                "export it again as HDR10, HLG or SDR (e.g. share it from the Photos app with \"Most Compatible\", \
                 or transcode it in an editor that reads Dolby Vision)",
            ));
        }
    }
    if video.color.transfer == 16 || video.color.transfer == 18 {
        // Tone mapping starts from BT.2020 or P3 pictures; HDR transfers over other
        // primaries are not made by any camera.
        if !matches!(video.color.primaries, 1 | 2 | 9 | 11 | 12) {
            return Err(Error::unsupported(
                format!("{} (HDR with unusual primaries) video", video.color.describe()),
                "export SDR from the camera app or an editor",
            ));
        }
    }
    if video.codec == VideoCodec::H264 && video.chroma_format == "4:4:4" {
        return Err(Error::unsupported(
            "H.264 High 4:4:4 video",
            "no decoder clipfit uses reads 4:4:4 H.264 yet; re-export the video as 4:2:0 (yuv420p)",
        ));
    }
    if video.codec != VideoCodec::Mjpeg
        && !matches!(video.chroma_format.as_str(), "4:2:0" | "4:2:2" | "4:0:0" | "4:4:4")
    {
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
            AudioCodec::Dts => Some("DTS audio"),
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
    ensure_producible(profile)?;
    let video_track = info.video_index().ok_or_else(|| Error::Invalid("no video track".into()))?;
    let source_video = info.video().ok_or_else(|| Error::Invalid("no video track".into()))?;
    if info.tracks[video_track].sample_count == 0 {
        return Err(Error::malformed(
            "video",
            "the video track holds no samples (an init segment without its media segments? join them: cat init.mp4 seg*.m4s)",
        ));
    }
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
    if profile.require_audio && opts.audio == AudioPolicy::Drop {
        return Err(Error::Invalid(format!(
            "{} needs sound, and --audio drop would leave none: use --audio auto or --audio silence",
            profile.name
        )));
    }
    let trimmed = duration + 1e-6 < info.duration;
    let has = |rule: &str| reasons.iter().any(|v| v.rule == rule);
    let audio_track = match opts.audio {
        AudioPolicy::Drop | AudioPolicy::Silence => None,
        AudioPolicy::Auto => info.audio_index(),
    };
    let audio_ok = !AUDIO_RULES.iter().any(|r| has(r));
    let edit_lists = profile.allow_edit_lists;
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
    let audio_rate = output_audio_rate(profile)?;
    // fdk-aac's constant rate lands a few tenths of a percent over its target on short
    // clips: aim 5% under an audio bitrate ceiling.
    let audio_bitrate = match profile.max_audio_bitrate {
        Some(max) => opts.audio_bitrate.min((max as f64 * 0.95).min(f64::from(u32::MAX)) as u32),
        None => opts.audio_bitrate,
    };
    let audio = match (opts.audio, audio_track) {
        (AudioPolicy::Silence, _) => AudioPlan::Silence { sample_rate: audio_rate, bitrate: audio_bitrate },
        (_, None) if profile.require_audio => AudioPlan::Silence { sample_rate: audio_rate, bitrate: audio_bitrate },
        (_, None) => AudioPlan::None,
        (_, Some(i)) if audio_ok && !trimmed && !has("duration_min") && (edit_lists || !copy_needs_edit(info, i)) => {
            AudioPlan::Copy
        }
        (_, Some(i)) => {
            let channels = match &info.tracks[i].kind {
                crate::media::TrackKind::Audio(a) => a.channels.clamp(1, 2),
                _ => 2,
            };
            let channels = channels.min(profile.max_audio_channels.unwrap_or(2).max(1));
            AudioPlan::Transcode { sample_rate: audio_rate, channels, bitrate: audio_bitrate }
        }
    };
    let video_needs_edit = !edit_lists && copy_needs_edit(info, video_track);
    let mut level_peak = None;
    let video = if video_rules_broken || peak_broken || size_broken || video_needs_edit {
        let (width, height) = output_size(source_video, profile)?;
        let fps = output_fps(source_video, profile);
        // DEFAULT_VIDEO_BITRATE is for 1080x1920 at 30 fps; other pictures scale with their
        // pixel rate, and a peak limit keeps it at 60% of the limit (6 of TikTok's 10 Mbps).
        let pixel_rate = f64::from(width) * f64::from(height) * f64::from(fps) / (1080.0 * 1920.0 * 30.0);
        let mut bitrate = (f64::from(DEFAULT_VIDEO_BITRATE) * pixel_rate.clamp(0.25, 2.0)) as u32;
        if let Some(peak) = profile.max_peak_bitrate {
            bitrate = bitrate.min((peak as f64 * 0.6).min(f64::from(u32::MAX)) as u32);
        }
        let audio_bps = match audio {
            AudioPlan::None => 0,
            AudioPlan::Copy => info.audio().map_or(0, |_| 320_000),
            _ => audio_bitrate,
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
        // The level must hold the peak the output may reach: the profile's limit, or twice
        // the target without one.
        let peak = profile.max_peak_bitrate.unwrap_or(u64::from(bitrate) * 2);
        let level_idc = required_level(width, height, f64::from(fps), peak).unwrap_or(40);
        level_peak = LEVELS.iter().find(|l| l.level_idc == level_idc).map(|l| l.max_br_kbps * 1250);
        let keyframe_interval = match profile.max_keyframe_interval {
            Some(max) => (fps * KEYFRAME_SECONDS).min((max * f64::from(fps)).floor() as u32),
            None => fps * KEYFRAME_SECONDS,
        }
        .max(1);
        VideoPlan::Transcode { width, height, fps, fit: opts.fit, bitrate, level_idc, keyframe_interval }
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
        // Without a profile limit, the peak the chosen level allows (a copy keeps its own).
        max_peak_bitrate: profile.max_peak_bitrate.or(level_peak).unwrap_or(u64::MAX),
        max_file_size,
        edit_lists,
        reasons,
    })
}

#[cfg(test)]
mod tests;
