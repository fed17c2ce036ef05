//! Comparing a [`MediaInfo`] with a [`Profile`]: one [`Violation`] per broken rule, with
//! the measured value and the limit, so a user sees exactly what to fix.

use serde::Serialize;

use super::Profile;
use crate::codec::h264::sps::{level_at_least, level_name, required_level};
use crate::media::{AudioCodec, MediaInfo, VideoCodec};

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    /// Stable rule identifier (`resolution`, `frame_rate`, `bitrate_peak`, ...).
    pub rule: &'static str,
    /// What the file has.
    pub actual: String,
    /// What the profile allows.
    pub limit: String,
    /// A sentence for people.
    pub message: String,
}

fn v(rule: &'static str, actual: impl ToString, limit: impl ToString, message: impl ToString) -> Violation {
    Violation { rule, actual: actual.to_string(), limit: limit.to_string(), message: message.to_string() }
}

/// Every rule of `profile` that `info` breaks, in a stable order.
pub fn check(info: &MediaInfo, profile: &Profile) -> Vec<Violation> {
    let mut out = Vec::new();
    if !profile.containers.iter().any(|c| c == &info.container) {
        out.push(v(
            "container",
            &info.container,
            profile.containers.join(", "),
            format!("container is {}; {} wants {}", info.container, profile.name, profile.containers.join(" or ")),
        ));
    }
    if profile.require_faststart && !info.moov_before_mdat {
        out.push(v(
            "faststart",
            "moov after mdat",
            "moov before mdat",
            "the index (moov) is at the end of the file; it must come before the media data (faststart)",
        ));
    }
    check_video(info, profile, &mut out);
    check_duration(info, profile, &mut out);
    check_audio(info, profile, &mut out);
    if info.file_size > profile.max_file_size {
        out.push(v(
            "file_size",
            format!("{} bytes", info.file_size),
            format!("{} bytes", profile.max_file_size),
            format!(
                "file is {:.1} MB; the limit is {:.1} MB",
                info.file_size as f64 / 1e6,
                profile.max_file_size as f64 / 1e6
            ),
        ));
    }
    out
}

fn check_video(info: &MediaInfo, profile: &Profile, out: &mut Vec<Violation>) {
    let Some(video) = info.video() else {
        out.push(v("video_codec", "none", profile.video_codecs.join(", "), "the file has no video track"));
        return;
    };
    let codec = format!("{:?}", video.codec).to_lowercase();
    if !profile.video_codecs.contains(&codec) {
        out.push(v(
            "video_codec",
            &codec,
            profile.video_codecs.join(", "),
            format!(
                "video codec is {} ({}); {} needs {}",
                codec,
                video.fourcc,
                profile.name,
                profile.video_codecs.join(" or ")
            ),
        ));
    }
    let pix = format!("{} {}-bit", video.chroma_format, video.bit_depth);
    if video.bit_depth != profile.bit_depth || video.chroma_format != profile.chroma_format {
        out.push(v(
            "pixel_format",
            &pix,
            format!("{} {}-bit", profile.chroma_format, profile.bit_depth),
            format!(
                "pixel format is {pix}; {} needs {} {}-bit",
                profile.name, profile.chroma_format, profile.bit_depth
            ),
        ));
    }
    let (w, h) = (video.display_width, video.display_height);
    if (w, h) != (profile.width, profile.height) {
        out.push(v(
            "resolution",
            format!("{w}x{h}"),
            format!("{}x{}", profile.width, profile.height),
            format!("picture is {w}x{h} as displayed; it must be exactly {}x{}", profile.width, profile.height),
        ));
    }
    if profile.require_square_pixels && video.sar.0 != video.sar.1 {
        out.push(v(
            "sar",
            format!("{}:{}", video.sar.0, video.sar.1),
            "1:1",
            format!("pixels are not square (SAR {}:{}); players will stretch the picture", video.sar.0, video.sar.1),
        ));
    }
    if !profile.allow_rotation && (video.rotation != 0 || video.matrix_unusual) {
        out.push(v(
            "rotation",
            format!("{}°", video.rotation),
            "0°",
            format!(
                "the file asks players to rotate the picture {}° clockwise; the pixels themselves must be upright",
                video.rotation
            ),
        ));
    }
    if video.codec == VideoCodec::H264 {
        let needed = required_level(video.width, video.height, video.fps.max(profile.frame_rate), info.peak_bitrate_1s);
        if let (Some(claimed), Some(needed)) = (video.level_idc, needed) {
            if !level_at_least(claimed, needed) {
                out.push(v(
                    "level",
                    level_name(claimed),
                    format!(">= {}", level_name(needed)),
                    format!(
                        "the stream claims H.264 level {} but {}x{} at {:.2} fps needs level {}",
                        level_name(claimed),
                        video.width,
                        video.height,
                        video.fps,
                        level_name(needed)
                    ),
                ));
            }
        }
    }
    let fps_ok = (video.fps - profile.frame_rate).abs() < 0.01;
    let cfr_ok = !profile.require_constant_frame_rate || video.constant_frame_rate;
    if !fps_ok || !cfr_ok {
        let actual = if video.constant_frame_rate {
            format!("{:.3} fps", video.fps)
        } else {
            format!(
                "{:.3} fps average, variable ({:.2}–{:.2} ms per frame)",
                video.fps,
                video.frame_duration_range.0 * 1000.0,
                video.frame_duration_range.1 * 1000.0
            )
        };
        out.push(v(
            "frame_rate",
            &actual,
            format!("{} fps constant", profile.frame_rate),
            format!("frame rate is {actual}; {} needs {} fps constant", profile.name, profile.frame_rate),
        ));
    }
    if info.peak_bitrate_1s > profile.max_peak_bitrate {
        out.push(v(
            "bitrate_peak",
            format!("{:.2} Mbps", info.peak_bitrate_1s as f64 / 1e6),
            format!("{:.2} Mbps", profile.max_peak_bitrate as f64 / 1e6),
            format!(
                "the busiest 1-second window carries {:.2} Mbps of video+audio; the limit is {:.2} Mbps",
                info.peak_bitrate_1s as f64 / 1e6,
                profile.max_peak_bitrate as f64 / 1e6
            ),
        ));
    }
}

fn check_duration(info: &MediaInfo, profile: &Profile, out: &mut Vec<Violation>) {
    if info.duration < profile.min_duration {
        out.push(v(
            "duration_min",
            format!("{:.3} s", info.duration),
            format!(">= {} s", profile.min_duration),
            format!("the video lasts {:.2} s; it must last at least {} s", info.duration, profile.min_duration),
        ));
    }
    if info.duration > profile.max_duration {
        out.push(v(
            "duration_max",
            format!("{:.3} s", info.duration),
            format!("<= {} s", profile.max_duration),
            format!("the video lasts {:.1} s; it must last at most {} s", info.duration, profile.max_duration),
        ));
    }
}

/// The profile-facing name of an audio codec (`aac_lc`, `he_aac`, `mp3`, `pcm`, `ac3`, ...).
pub fn audio_codec_id(codec: AudioCodec, aac_object_type: Option<u8>) -> String {
    match (codec, aac_object_type) {
        (AudioCodec::Aac, Some(2)) => "aac_lc".into(),
        (AudioCodec::Aac, Some(5)) => "he_aac".into(),
        (AudioCodec::Aac, Some(29)) => "he_aac_v2".into(),
        (AudioCodec::Aac, _) => "aac".into(),
        (c, _) => {
            let s = serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_string));
            s.unwrap_or_else(|| "other".into())
        }
    }
}

fn check_audio(info: &MediaInfo, profile: &Profile, out: &mut Vec<Violation>) {
    let Some(audio) = info.audio() else { return };
    let id = audio_codec_id(audio.codec, audio.aac_object_type);
    let accepted = profile.audio_codecs.iter().any(|c| c == &id || (c == "aac" && id.starts_with("aac")));
    if !accepted {
        let shown = match &audio.aac_profile {
            Some(p) => format!("AAC {p}"),
            None => format!("{id} ({})", audio.fourcc.trim()),
        };
        out.push(v(
            "audio_codec",
            &id,
            profile.audio_codecs.join(", "),
            format!("audio codec is {shown}; {} needs {}", profile.name, profile.audio_codecs.join(" or ")),
        ));
    }
    if !profile.audio_sample_rates.contains(&audio.sample_rate) {
        let limits: Vec<String> = profile.audio_sample_rates.iter().map(|r| format!("{r} Hz")).collect();
        out.push(v(
            "audio_sample_rate",
            format!("{} Hz", audio.sample_rate),
            limits.join(", "),
            format!("audio is sampled at {} Hz; {} needs {}", audio.sample_rate, profile.name, limits.join(" or ")),
        ));
    }
    if audio.channels == 0 || audio.channels > profile.max_audio_channels {
        out.push(v(
            "audio_channels",
            audio.channels,
            format!("1..={}", profile.max_audio_channels),
            format!("audio has {} channels; at most {} are allowed", audio.channels, profile.max_audio_channels),
        ));
    }
}
