//! Comparing a [`MediaInfo`] with a [`Profile`]: one [`Violation`] per broken rule, with
//! the measured value and the limit, so a user sees exactly what to fix.

use serde::Serialize;

use super::Profile;
use crate::codec::h264::sps::{level_at_least, level_name, required_level};
use crate::media::{AudioCodec, MediaInfo, TrackKind, VideoCodec, VideoInfo};

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
    if !profile.containers.is_empty() && !profile.containers.iter().any(|c| c == &info.container) {
        out.push(v(
            "container",
            &info.container,
            profile.containers.join(", "),
            format!("container is {}; {} wants {}", info.container, profile.name, profile.containers.join(" or ")),
        ));
    }
    // Faststart is a property of MP4-family files; another container already breaks the
    // `container` rule, and naming a moov it does not have would only confuse.
    let iso_bmff = matches!(info.container.as_str(), "mp4" | "mov" | "fmp4");
    if profile.require_faststart && iso_bmff && !info.moov_before_mdat {
        out.push(v(
            "faststart",
            "moov after mdat",
            "moov before mdat",
            "the index (moov) is at the end of the file; it must come before the media data (faststart)",
        ));
    }
    if !profile.allow_edit_lists {
        check_edit_lists(info, profile, &mut out);
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

/// Relative tolerance of aspect-ratio rules: 1088x1920 still counts as 9:16.
pub const ASPECT_TOLERANCE: f64 = 0.01;

/// True when the shape `aspect` (width / height) lies within the profile's aspect range.
pub fn aspect_allowed(profile: &Profile, aspect: f64) -> bool {
    let lo = profile.min_aspect_ratio.is_none_or(|r| aspect >= r.value() * (1.0 - ASPECT_TOLERANCE));
    let hi = profile.max_aspect_ratio.is_none_or(|r| aspect <= r.value() * (1.0 + ASPECT_TOLERANCE));
    lo && hi
}

/// The profile's aspect range as text (`9:16`, `1:3 to 3:1`, `at most 1:1`).
pub fn aspect_range_text(profile: &Profile) -> String {
    match (profile.min_aspect_ratio, profile.max_aspect_ratio) {
        (Some(a), Some(b)) if a.value() == b.value() => a.to_string(),
        (Some(a), Some(b)) => format!("{a} to {b}"),
        (Some(a), None) => format!("at least {a}"),
        (None, Some(b)) => format!("at most {b}"),
        (None, None) => "any".into(),
    }
}

/// Width over height of the picture as shown: square pixels applied, then the rotation.
pub fn display_aspect(video: &VideoInfo) -> f64 {
    let sar = if video.sar.0 == 0 || video.sar.1 == 0 { (1, 1) } else { video.sar };
    let w = f64::from(video.width) * f64::from(sar.0);
    let h = f64::from(video.height) * f64::from(sar.1);
    let (w, h) = if video.rotation % 180 == 90 { (h, w) } else { (w, h) };
    if h > 0.0 {
        w / h
    } else {
        0.0
    }
}

fn check_edit_lists(info: &MediaInfo, profile: &Profile, out: &mut Vec<Violation>) {
    let with_edits: Vec<&crate::media::TrackInfo> = info
        .tracks
        .iter()
        .filter(|t| matches!(t.kind, TrackKind::Video(_) | TrackKind::Audio(_)) && !t.edits.is_empty())
        .collect();
    if !with_edits.is_empty() {
        let actual: Vec<String> =
            with_edits.iter().map(|t| format!("track {} ({}): {} edit(s)", t.id, t.handler, t.edits.len())).collect();
        let tracks: Vec<String> = with_edits.iter().map(|t| format!("{} ({})", t.id, t.handler)).collect();
        out.push(v(
            "edit_list",
            actual.join(", "),
            "no edit lists",
            format!(
                "track(s) {} carry edit lists (elst); {} wants none: players that ignore them show the tracks out of sync",
                tracks.join(" and "),
                profile.name
            ),
        ));
    }
}

fn check_video(info: &MediaInfo, profile: &Profile, out: &mut Vec<Violation>) {
    let Some(video) = info.video() else {
        out.push(v("video_codec", "none", profile.video_codecs.join(", "), "the file has no video track"));
        return;
    };
    let codec = format!("{:?}", video.codec).to_lowercase();
    if !profile.video_codecs.is_empty() && !profile.video_codecs.contains(&codec) {
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
    let depth_ok = profile.bit_depth.is_none_or(|d| d == video.bit_depth);
    let chroma_ok = profile.chroma_format.as_ref().is_none_or(|c| c == &video.chroma_format);
    if !depth_ok || !chroma_ok {
        let want = format!(
            "{} {}",
            profile.chroma_format.as_deref().unwrap_or("any chroma"),
            profile.bit_depth.map_or("any depth".to_string(), |d| format!("{d}-bit"))
        );
        out.push(v("pixel_format", &pix, &want, format!("pixel format is {pix}; {} needs {want}", profile.name)));
    }
    if profile.require_sdr && (!video.color.is_sdr_709_compatible() || video.hdr.dolby_vision.is_some()) {
        let mut actual = video.color.describe();
        if let Some(dv) = video.hdr.dolby_vision {
            actual.push_str(&format!(" + Dolby Vision {}", dv.name()));
        }
        out.push(v(
            "color",
            &actual,
            "SDR BT.709",
            format!(
                "the video is {actual}; {} wants SDR BT.709 (HDR must be tone-mapped, not relabelled)",
                profile.name
            ),
        ));
    }
    if profile.require_progressive && video.interlaced {
        out.push(v(
            "progressive",
            "interlaced",
            "progressive",
            format!("the video is interlaced (coded as fields); {} needs progressive video", profile.name),
        ));
    }
    let (w, h) = (video.display_width, video.display_height);
    if let (Some(pw), Some(ph)) = (profile.width, profile.height) {
        if (w, h) != (pw, ph) {
            out.push(v(
                "resolution",
                format!("{w}x{h}"),
                format!("{pw}x{ph}"),
                format!("picture is {w}x{h} as displayed; it must be exactly {pw}x{ph}"),
            ));
        }
    }
    let dim = |d: Option<u32>| d.map_or("any".to_string(), |d| d.to_string());
    if profile.min_width.is_some_and(|m| w < m) || profile.min_height.is_some_and(|m| h < m) {
        let limit = format!(">= {}x{}", dim(profile.min_width), dim(profile.min_height));
        out.push(v(
            "resolution_min",
            format!("{w}x{h}"),
            &limit,
            format!("picture is {w}x{h} as displayed; {} needs at least {}", profile.name, &limit[3..]),
        ));
    }
    if profile.max_width.is_some_and(|m| w > m) || profile.max_height.is_some_and(|m| h > m) {
        let limit = format!("<= {}x{}", dim(profile.max_width), dim(profile.max_height));
        out.push(v(
            "resolution_max",
            format!("{w}x{h}"),
            &limit,
            format!("picture is {w}x{h} as displayed; {} allows at most {}", profile.name, &limit[3..]),
        ));
    }
    let aspect = display_aspect(video);
    if !aspect_allowed(profile, aspect) {
        let range = aspect_range_text(profile);
        out.push(v(
            "aspect_ratio",
            format!("{aspect:.3} (width/height)"),
            &range,
            format!("the picture's shape is {aspect:.3} (width/height, as displayed); {} needs {range}", profile.name),
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
        let fps = profile.frame_rate.map_or(video.fps, |f| video.fps.max(f));
        let needed = required_level(video.width, video.height, fps, info.peak_bitrate_1s);
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
    check_frame_rate(video, profile, out);
    if profile.require_closed_gop && video.open_gop {
        out.push(v(
            "closed_gop",
            "open GOP",
            "closed GOP",
            format!(
                "pictures decoded after a keyframe are shown before it (open GOP); {} needs closed GOPs",
                profile.name
            ),
        ));
    }
    if let Some(max) = profile.max_keyframe_interval {
        if video.max_keyframe_interval > max + 1e-3 {
            out.push(v(
                "keyframe_interval",
                format!("{:.2} s", video.max_keyframe_interval),
                format!("<= {max} s"),
                format!(
                    "{:.2} s pass without a keyframe; {} needs one at least every {max} s",
                    video.max_keyframe_interval, profile.name
                ),
            ));
        }
    }
    if let Some(max) = profile.max_peak_bitrate {
        if info.peak_bitrate_1s > max {
            out.push(v(
                "bitrate_peak",
                format!("{:.2} Mbps", info.peak_bitrate_1s as f64 / 1e6),
                format!("{:.2} Mbps", max as f64 / 1e6),
                format!(
                    "the busiest 1-second window carries {:.2} Mbps of video+audio; the limit is {:.2} Mbps",
                    info.peak_bitrate_1s as f64 / 1e6,
                    max as f64 / 1e6
                ),
            ));
        }
    }
}

/// Frame rates compare within this many frames per second (29.999 is 30).
const FPS_TOLERANCE: f64 = 0.01;

fn check_frame_rate(video: &VideoInfo, profile: &Profile, out: &mut Vec<Violation>) {
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
    let fps_ok = profile.frame_rate.is_none_or(|f| (video.fps - f).abs() < FPS_TOLERANCE);
    let cfr_ok = !profile.require_constant_frame_rate || video.constant_frame_rate;
    if !fps_ok || !cfr_ok {
        let want = match (profile.frame_rate, profile.require_constant_frame_rate) {
            (Some(f), true) => format!("{f} fps constant"),
            (Some(f), false) => format!("{f} fps"),
            (None, _) => "constant".to_string(),
        };
        out.push(v("frame_rate", &actual, &want, format!("frame rate is {actual}; {} needs {want}", profile.name)));
    }
    if let Some(min) = profile.min_frame_rate {
        if video.fps < min - FPS_TOLERANCE {
            out.push(v(
                "frame_rate_min",
                &actual,
                format!(">= {min} fps"),
                format!("frame rate is {actual}; {} needs at least {min} fps", profile.name),
            ));
        }
    }
    if let Some(max) = profile.max_frame_rate {
        if video.fps > max + FPS_TOLERANCE {
            out.push(v(
                "frame_rate_max",
                &actual,
                format!("<= {max} fps"),
                format!("frame rate is {actual}; {} allows at most {max} fps", profile.name),
            ));
        }
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
    let Some(audio) = info.audio() else {
        if profile.require_audio {
            out.push(v(
                "audio_required",
                "no audio track",
                "an audio track",
                format!("the file has no sound; {} needs an audio track", profile.name),
            ));
        }
        return;
    };
    let id = audio_codec_id(audio.codec, audio.aac_object_type);
    if !profile.audio_codecs.is_empty() && !profile.audio_codecs.iter().any(|c| audio_codec_matches(c, &id)) {
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
    if !profile.audio_sample_rates.is_empty() && !profile.audio_sample_rates.contains(&audio.sample_rate) {
        let limits: Vec<String> = profile.audio_sample_rates.iter().map(|r| format!("{r} Hz")).collect();
        out.push(v(
            "audio_sample_rate",
            format!("{} Hz", audio.sample_rate),
            limits.join(", "),
            format!("audio is sampled at {} Hz; {} needs {}", audio.sample_rate, profile.name, limits.join(" or ")),
        ));
    }
    if audio.channels == 0 || profile.max_audio_channels.is_some_and(|m| audio.channels > m) {
        let limit = profile.max_audio_channels.map_or("at least 1".to_string(), |m| format!("1..={m}"));
        out.push(v(
            "audio_channels",
            audio.channels,
            &limit,
            match profile.max_audio_channels {
                Some(m) => format!("audio has {} channels; at most {m} are allowed", audio.channels),
                None => format!("audio has {} channels", audio.channels),
            },
        ));
    }
    if let (Some(max), Some(track)) = (profile.max_audio_bitrate, info.audio_index().map(|i| &info.tracks[i])) {
        if track.bitrate > max {
            out.push(v(
                "audio_bitrate",
                format!("{:.1} kbps", track.bitrate as f64 / 1e3),
                format!("<= {:.1} kbps", max as f64 / 1e3),
                format!(
                    "audio averages {:.1} kbps; {} allows at most {:.1} kbps",
                    track.bitrate as f64 / 1e3,
                    profile.name,
                    max as f64 / 1e3
                ),
            ));
        }
    }
}

/// True when the profile's codec entry `accepted` admits the codec id `id` (`aac` admits
/// `aac` and `aac_lc`).
pub fn audio_codec_matches(accepted: &str, id: &str) -> bool {
    accepted == id || (accepted == "aac" && id.starts_with("aac"))
}
