//! Several profiles as one: the tightest of every limit, the codecs and rates all of them
//! accept, the one fixed size and frame rate they share. When they cannot all hold, the
//! error names the profiles that clash and on which rule.

use serde::Serialize;

use super::check::{aspect_allowed, aspect_range_text, audio_codec_matches};
use super::Profile;
use crate::error::{Error, Result};

/// Two profiles (or groups of them) that no file can satisfy at once.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Clash {
    /// The family of rules: `container`, `video_codec`, `pixel_format`, `resolution`,
    /// `aspect_ratio`, `frame_rate`, `duration`, `audio_codec`, `audio_sample_rate`.
    pub rule: &'static str,
    /// The profiles that clash.
    pub profiles: Vec<String>,
    /// A sentence for people: who needs what.
    pub message: String,
}

/// The intersection of `profiles` (see [`Profile::intersect`]).
pub(super) fn all(profiles: &[Profile]) -> Result<Profile> {
    let Some(first) = profiles.first() else {
        return Err(Error::Invalid("no profile given".into()));
    };
    let mut acc = first.clone();
    for p in &profiles[1..] {
        acc = match meet(&acc, p) {
            Ok(m) => m,
            Err(folded) => {
                // Name the pairs that clash by themselves; a clash only the whole group makes
                // (three codec lists with no common entry) is reported as the group's.
                let mut clashes = Vec::new();
                for (i, a) in profiles.iter().enumerate() {
                    for b in &profiles[i + 1..] {
                        clashes.extend(meet(a, b).err().unwrap_or_default());
                    }
                }
                if clashes.is_empty() {
                    clashes = folded;
                }
                let text: Vec<String> = clashes.iter().map(|c| c.message.clone()).collect();
                return Err(Error::Invalid(format!(
                    "no single file can satisfy {}: {}",
                    profiles.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "),
                    text.join("; ")
                )));
            }
        };
    }
    Ok(acc)
}

/// Entries of `a` and `b` both accept (empty: any). `None` when both restrict and share nothing.
fn meet_lists<T: Clone>(a: &[T], b: &[T], common: impl Fn(&T, &T) -> Option<T>) -> Option<Vec<T>> {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => Some(b.to_vec()),
        (_, true) => Some(a.to_vec()),
        _ => {
            let mut out: Vec<T> = Vec::new();
            for x in a {
                out.extend(b.iter().filter_map(|y| common(x, y)));
            }
            (!out.is_empty()).then_some(out)
        }
    }
}

fn same<T: PartialEq + Clone>(x: &T, y: &T) -> Option<T> {
    (x == y).then(|| x.clone())
}

fn tighter<T: PartialOrd + Copy>(a: Option<T>, b: Option<T>, keep_larger: bool) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if (x > y) == keep_larger { x } else { y }),
        (x, y) => x.or(y),
    }
}

fn lowest<T: PartialOrd + Copy>(a: Option<T>, b: Option<T>) -> Option<T> {
    tighter(a, b, false)
}

fn highest<T: PartialOrd + Copy>(a: Option<T>, b: Option<T>) -> Option<T> {
    tighter(a, b, true)
}

/// The one value both fix; on a mismatch, `rule` is noted as failed.
fn one<T: PartialEq>(x: Option<T>, y: Option<T>, rule: &'static str, failed: &mut Vec<&'static str>) -> Option<T> {
    match (x, y) {
        (Some(x), Some(y)) if x != y => {
            failed.push(rule);
            Some(x)
        }
        (x, y) => x.or(y),
    }
}

/// Two profiles as one, or every rule family on which they clash.
fn meet(a: &Profile, b: &Profile) -> std::result::Result<Profile, Vec<Clash>> {
    let mut failed: Vec<&'static str> = Vec::new();
    let mut list = |rule: &'static str, r: Option<Vec<String>>| {
        r.unwrap_or_else(|| {
            failed.push(rule);
            Vec::new()
        })
    };
    let containers = list("container", meet_lists(&a.containers, &b.containers, same));
    let video_codecs = list("video_codec", meet_lists(&a.video_codecs, &b.video_codecs, same));
    let aac = |x: &String, y: &String| {
        if audio_codec_matches(x, y) {
            Some(y.clone())
        } else if audio_codec_matches(y, x) {
            Some(x.clone())
        } else {
            None
        }
    };
    let audio_codecs = list("audio_codec", meet_lists(&a.audio_codecs, &b.audio_codecs, aac));
    let audio_sample_rates = meet_lists(&a.audio_sample_rates, &b.audio_sample_rates, same).unwrap_or_else(|| {
        failed.push("audio_sample_rate");
        Vec::new()
    });
    let bit_depth = one(a.bit_depth, b.bit_depth, "pixel_format", &mut failed);
    let chroma_format = one(a.chroma_format.clone(), b.chroma_format.clone(), "pixel_format", &mut failed);
    let size = one(a.width.zip(a.height), b.width.zip(b.height), "resolution", &mut failed);
    let frame_rate = match (a.frame_rate, b.frame_rate) {
        (Some(x), Some(y)) if (x - y).abs() >= 0.01 => {
            failed.push("frame_rate");
            Some(x)
        }
        (x, y) => x.or(y),
    };
    let mut sources = a.sources.clone();
    sources.extend(b.sources.iter().filter(|s| !a.sources.contains(s)).cloned());
    let mut merged = Profile {
        name: format!("{}+{}", a.name, b.name),
        summary: String::new(),
        sources,
        containers,
        require_faststart: a.require_faststart || b.require_faststart,
        video_codecs,
        bit_depth,
        chroma_format,
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
        min_width: highest(a.min_width, b.min_width),
        max_width: lowest(a.max_width, b.max_width),
        min_height: highest(a.min_height, b.min_height),
        max_height: lowest(a.max_height, b.max_height),
        min_aspect_ratio: match (a.min_aspect_ratio, b.min_aspect_ratio) {
            (Some(x), Some(y)) => Some(if x.value() >= y.value() { x } else { y }),
            (x, y) => x.or(y),
        },
        max_aspect_ratio: match (a.max_aspect_ratio, b.max_aspect_ratio) {
            (Some(x), Some(y)) => Some(if x.value() <= y.value() { x } else { y }),
            (x, y) => x.or(y),
        },
        require_square_pixels: a.require_square_pixels || b.require_square_pixels,
        allow_rotation: a.allow_rotation && b.allow_rotation,
        frame_rate,
        min_frame_rate: highest(a.min_frame_rate, b.min_frame_rate),
        max_frame_rate: lowest(a.max_frame_rate, b.max_frame_rate),
        require_constant_frame_rate: a.require_constant_frame_rate || b.require_constant_frame_rate,
        require_progressive: a.require_progressive || b.require_progressive,
        require_sdr: a.require_sdr || b.require_sdr,
        require_closed_gop: a.require_closed_gop || b.require_closed_gop,
        max_keyframe_interval: lowest(a.max_keyframe_interval, b.max_keyframe_interval),
        max_peak_bitrate: lowest(a.max_peak_bitrate, b.max_peak_bitrate),
        min_duration: a.min_duration.max(b.min_duration),
        max_duration: a.max_duration.min(b.max_duration),
        allow_edit_lists: a.allow_edit_lists && b.allow_edit_lists,
        require_audio: a.require_audio || b.require_audio,
        audio_codecs,
        audio_sample_rates,
        max_audio_channels: lowest(a.max_audio_channels, b.max_audio_channels),
        max_audio_bitrate: lowest(a.max_audio_bitrate, b.max_audio_bitrate),
        max_file_size: a.max_file_size.min(b.max_file_size),
        preferred_width: None,
        preferred_height: None,
    };
    // The first preferred size that every rule admits; none when the size is fixed.
    if merged.width.is_none() {
        let fits = |p: &Profile, (w, h): (u32, u32)| size_problem(p, w, h).is_none();
        let preferred =
            [a, b].iter().filter_map(|p| p.preferred_width.zip(p.preferred_height)).find(|&s| fits(&merged, s));
        (merged.preferred_width, merged.preferred_height) = (preferred.map(|s| s.0), preferred.map(|s| s.1));
    }
    failed.extend(problems(&merged).into_iter().map(|(rule, _)| rule));
    let mut rules: Vec<&'static str> = Vec::new();
    for r in failed {
        if !rules.contains(&r) {
            rules.push(r);
        }
    }
    if rules.is_empty() {
        return Ok(merged);
    }
    Err(rules
        .into_iter()
        .map(|rule| Clash {
            rule,
            profiles: vec![a.name.clone(), b.name.clone()],
            message: format!(
                "{} and {} clash on {rule} ({} needs {}; {} needs {})",
                a.name,
                b.name,
                a.name,
                describe(a, rule),
                b.name,
                describe(b, rule)
            ),
        })
        .collect())
}

/// Why a `w`x`h` picture breaks the profile's size or shape rules, if it does.
pub(super) fn size_problem(p: &Profile, w: u32, h: u32) -> Option<(&'static str, String)> {
    let below = p.min_width.is_some_and(|m| w < m) || p.min_height.is_some_and(|m| h < m);
    let above = p.max_width.is_some_and(|m| w > m) || p.max_height.is_some_and(|m| h > m);
    if below || above {
        return Some(("resolution", format!("{w}x{h} is outside {}", describe(p, "resolution_range"))));
    }
    if h == 0 || !aspect_allowed(p, f64::from(w) / f64::from(h)) {
        return Some(("aspect_ratio", format!("{w}x{h} is not {}", aspect_range_text(p))));
    }
    None
}

/// Rules of one profile that contradict each other: (rule family, what is wrong).
pub(super) fn problems(p: &Profile) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let bad_range = |lo: Option<f64>, hi: Option<f64>| lo.zip(hi).is_some_and(|(lo, hi)| lo > hi);
    let f = |v: Option<u32>| v.map(f64::from);
    if bad_range(f(p.min_width), f(p.max_width)) || bad_range(f(p.min_height), f(p.max_height)) {
        out.push(("resolution", format!("no size is {}", describe(p, "resolution_range"))));
    }
    if bad_range(p.min_aspect_ratio.map(|r| r.value()), p.max_aspect_ratio.map(|r| r.value())) {
        out.push(("aspect_ratio", format!("no shape is {}", aspect_range_text(p))));
    }
    for size in [p.width.zip(p.height), p.preferred_width.zip(p.preferred_height)].into_iter().flatten() {
        out.extend(size_problem(p, size.0, size.1));
    }
    if bad_range(p.min_frame_rate, p.max_frame_rate) {
        out.push(("frame_rate", format!("no frame rate is {}", describe(p, "frame_rate"))));
    }
    if let Some(fps) = p.frame_rate {
        if p.min_frame_rate.is_some_and(|m| fps < m - 0.01) || p.max_frame_rate.is_some_and(|m| fps > m + 0.01) {
            out.push(("frame_rate", format!("{fps} fps is outside {}", describe(p, "frame_rate"))));
        }
    }
    if p.min_duration > p.max_duration {
        out.push(("duration", format!("no duration is {}", describe(p, "duration"))));
    }
    out
}

/// The profile's own rule in the family `rule`, for people.
fn describe(p: &Profile, rule: &str) -> String {
    let list = |v: &[String]| if v.is_empty() { "any".to_string() } else { v.join(" or ") };
    let num = |v: Option<f64>| v.map(|v| v.to_string());
    let range = |lo: Option<String>, hi: Option<String>, unit: &str| match (lo, hi) {
        (Some(lo), Some(hi)) if lo == hi => format!("exactly {lo}{unit}"),
        (Some(lo), Some(hi)) => format!("{lo}{unit} to {hi}{unit}"),
        (Some(lo), None) => format!("at least {lo}{unit}"),
        (None, Some(hi)) => format!("at most {hi}{unit}"),
        (None, None) => "any".to_string(),
    };
    match rule {
        "container" => list(&p.containers),
        "video_codec" => list(&p.video_codecs),
        "audio_codec" => list(&p.audio_codecs),
        "audio_sample_rate" => {
            let rates: Vec<String> = p.audio_sample_rates.iter().map(|r| format!("{r} Hz")).collect();
            list(&rates)
        }
        "pixel_format" => format!(
            "{} {}",
            p.chroma_format.as_deref().unwrap_or("any chroma"),
            p.bit_depth.map_or("any depth".into(), |d| format!("{d}-bit"))
        ),
        "resolution" | "aspect_ratio" => match p.width.zip(p.height) {
            Some((w, h)) => format!("exactly {w}x{h}"),
            None if rule == "resolution" => describe(p, "resolution_range"),
            None => format!("aspect {}", aspect_range_text(p)),
        },
        "resolution_range" => {
            let d = |v: Option<u32>| v.map_or("any".to_string(), |v| v.to_string());
            match (p.min_width.or(p.min_height), p.max_width.or(p.max_height)) {
                (None, None) => "any size".into(),
                (lo, hi) => {
                    let lo = lo.map(|_| format!("at least {}x{}", d(p.min_width), d(p.min_height)));
                    let hi = hi.map(|_| format!("at most {}x{}", d(p.max_width), d(p.max_height)));
                    lo.into_iter().chain(hi).collect::<Vec<_>>().join(" and ")
                }
            }
        }
        "frame_rate" => match p.frame_rate {
            Some(f) => format!("exactly {f} fps"),
            None => range(num(p.min_frame_rate), num(p.max_frame_rate), " fps"),
        },
        "duration" => range(Some(p.min_duration.to_string()), Some(p.max_duration.to_string()), " s"),
        _ => String::new(),
    }
}
