//! Platform rules as data. The built-in profiles live in `src/profile/*.toml` (compiled in),
//! with the source of every number in a comment; users can load their own TOML file with
//! the same fields. Several profiles can be combined into one ([`Profile::intersect`]): the
//! tightest of every limit, so one file can satisfy them all.
//!
//! A field left out of a TOML file is no rule (any container, any size, ...), except `name`,
//! `max_duration` and `max_file_size`, which every profile must give.

pub mod check;
mod intersect;

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

pub use check::{check, Violation};
pub use intersect::Clash;

/// What a platform accepts. Every rule field is a rule `check` enforces; the `preferred_*`
/// fields only steer `conform`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Profile name.
    pub name: String,
    /// One line saying what the profile is (shown by `clipfit profiles`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// Where the numbers come from (shown by `clipfit profiles`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Accepted containers (`mp4`, `mov`, `fmp4`); empty: any.
    #[serde(default)]
    pub containers: Vec<String>,
    /// moov must come before mdat.
    #[serde(default)]
    pub require_faststart: bool,
    /// Accepted video codecs (`h264`, `hevc`, ...); empty: any.
    #[serde(default)]
    pub video_codecs: Vec<String>,
    /// Required luma bit depth.
    #[serde(default)]
    pub bit_depth: Option<u8>,
    /// Required chroma format (`4:2:0`).
    #[serde(default)]
    pub chroma_format: Option<String>,
    /// Required displayed width (with `height`: the one size accepted).
    #[serde(default)]
    pub width: Option<u32>,
    /// Required displayed height.
    #[serde(default)]
    pub height: Option<u32>,
    /// Smallest displayed width.
    #[serde(default)]
    pub min_width: Option<u32>,
    /// Largest displayed width.
    #[serde(default)]
    pub max_width: Option<u32>,
    /// Smallest displayed height.
    #[serde(default)]
    pub min_height: Option<u32>,
    /// Largest displayed height.
    #[serde(default)]
    pub max_height: Option<u32>,
    /// Narrowest displayed shape, `W:H` (e.g. `"1:3"`; square pixels applied).
    #[serde(default)]
    pub min_aspect_ratio: Option<AspectRatio>,
    /// Widest displayed shape, `W:H` (e.g. `"3:1"`).
    #[serde(default)]
    pub max_aspect_ratio: Option<AspectRatio>,
    /// Pixels must be square (SAR 1:1).
    #[serde(default)]
    pub require_square_pixels: bool,
    /// A rotation matrix may be left in the file.
    #[serde(default = "yes")]
    pub allow_rotation: bool,
    /// Required frame rate.
    #[serde(default)]
    pub frame_rate: Option<f64>,
    /// Lowest average frame rate.
    #[serde(default)]
    pub min_frame_rate: Option<f64>,
    /// Highest average frame rate.
    #[serde(default)]
    pub max_frame_rate: Option<f64>,
    /// Frame durations must all be equal.
    #[serde(default)]
    pub require_constant_frame_rate: bool,
    /// Video must be progressive (no interlaced or MBAFF coding).
    #[serde(default)]
    pub require_progressive: bool,
    /// Video must be SDR in BT.709 (or unlabelled, which players show as BT.709): no HLG or
    /// PQ transfer, no BT.2020 gamut, no Dolby Vision. Rule `color`.
    #[serde(default)]
    pub require_sdr: bool,
    /// No open GOP: nothing decoded after a keyframe may be shown before it.
    #[serde(default)]
    pub require_closed_gop: bool,
    /// Longest stretch without a keyframe, in seconds.
    #[serde(default)]
    pub max_keyframe_interval: Option<f64>,
    /// Largest video+audio bits in any 1-second window.
    #[serde(default)]
    pub max_peak_bitrate: Option<u64>,
    /// Shortest duration in seconds.
    #[serde(default)]
    pub min_duration: f64,
    /// Longest duration in seconds.
    pub max_duration: f64,
    /// Audio and video tracks may carry edit lists (`elst`).
    #[serde(default = "yes")]
    pub allow_edit_lists: bool,
    /// The file must have an audio track.
    #[serde(default)]
    pub require_audio: bool,
    /// Accepted audio codecs (`aac_lc`, `aac` = any AAC-LC or plain AAC, `mp3`, ...); empty: any.
    #[serde(default)]
    pub audio_codecs: Vec<String>,
    /// Accepted audio sample rates; empty: any.
    #[serde(default)]
    pub audio_sample_rates: Vec<u32>,
    /// Most audio channels.
    #[serde(default)]
    pub max_audio_channels: Option<u16>,
    /// Highest average audio bitrate in bits per second.
    #[serde(default)]
    pub max_audio_bitrate: Option<u64>,
    /// Largest file in bytes.
    pub max_file_size: u64,
    /// The width `conform` produces when it re-encodes the picture and the profile fixes no
    /// size (without it, the source's shape is kept within the limits).
    #[serde(default)]
    pub preferred_width: Option<u32>,
    /// The height that goes with `preferred_width`.
    #[serde(default)]
    pub preferred_height: Option<u32>,
}

fn yes() -> bool {
    true
}

/// A picture shape, width:height, written `"9:16"` or `"1:2.4"` in TOML.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AspectRatio {
    /// Width part.
    pub width: f64,
    /// Height part.
    pub height: f64,
}

impl AspectRatio {
    /// Width over height.
    pub fn value(self) -> f64 {
        self.width / self.height
    }

    /// Parses `W:H` with positive numbers.
    pub fn parse(s: &str) -> Option<AspectRatio> {
        let (w, h) = s.split_once(':')?;
        let (width, height): (f64, f64) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
        let ok = |v: f64| v.is_finite() && v > 0.0;
        (ok(width) && ok(height)).then_some(AspectRatio { width, height })
    }
}

impl fmt::Display for AspectRatio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.width, self.height)
    }
}

impl Serialize for AspectRatio {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AspectRatio {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AspectRatio::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("aspect ratio '{s}' must be W:H with positive numbers")))
    }
}

/// The built-in profiles, in the order `clipfit profiles` lists them: (name, TOML).
const BUILTIN: [(&str, &str); 8] = [
    ("tiktok", include_str!("tiktok.toml")),
    ("reels", include_str!("reels.toml")),
    ("facebook-reels", include_str!("facebook-reels.toml")),
    ("shorts", include_str!("shorts.toml")),
    ("x", include_str!("x.toml")),
    ("linkedin", include_str!("linkedin.toml")),
    ("snapchat", include_str!("snapchat.toml")),
    ("threads", include_str!("threads.toml")),
];

/// Names of the built-in profiles.
pub const BUILTIN_NAMES: [&str; 8] = {
    let mut names = [""; 8];
    let mut i = 0;
    while i < BUILTIN.len() {
        names[i] = BUILTIN[i].0;
        i += 1;
    }
    names
};

fn parse_builtin(text: &str) -> Profile {
    // The built-in TOML is part of the source and covered by a test.
    toml::from_str(text).unwrap_or_else(|e| unreachable!("built-in profile is invalid: {e}"))
}

impl Profile {
    /// The built-in `tiktok` profile.
    pub fn tiktok() -> Profile {
        parse_builtin(BUILTIN[0].1)
    }

    /// A built-in profile by name.
    pub fn builtin(name: &str) -> Option<Profile> {
        BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, text)| parse_builtin(text))
    }

    /// Every built-in profile, in listing order.
    pub fn builtins() -> Vec<Profile> {
        BUILTIN.iter().map(|(_, text)| parse_builtin(text)).collect()
    }

    /// A built-in profile by name, or a TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Profile> {
        if let Some(p) = Profile::builtin(name_or_path) {
            return Ok(p);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            return Err(Error::Invalid(format!(
                "unknown profile '{name_or_path}': use a built-in name ({}), all, or the path of a TOML profile",
                BUILTIN_NAMES.join(", ")
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let p: Profile =
            toml::from_str(&text).map_err(|e| Error::Invalid(format!("profile {}: {e}", path.display())))?;
        p.validate()?;
        Ok(p)
    }

    /// The profiles `spec` names: one name or path, a comma-separated list of them
    /// (`tiktok,reels,shorts`), or `all` (every built-in profile). Repeats are dropped.
    pub fn load_list(spec: &str) -> Result<Vec<Profile>> {
        if spec == "all" {
            return Ok(Profile::builtins());
        }
        if Profile::builtin(spec).is_some() || Path::new(spec).exists() {
            return Ok(vec![Profile::load(spec)?]);
        }
        let mut out: Vec<Profile> = Vec::new();
        for part in spec.split(',').map(str::trim) {
            if part.is_empty() {
                return Err(Error::Invalid(format!("profile list '{spec}' has an empty entry")));
            }
            let list = if part == "all" { Profile::builtins() } else { vec![Profile::load(part)?] };
            for p in list {
                if !out.iter().any(|q| q.name == p.name) {
                    out.push(p);
                }
            }
        }
        Ok(out)
    }

    /// Checks the profile's own values make sense.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::Invalid(format!("profile {}: {what}", self.name)));
        let even = |v: Option<u32>| v.is_none_or(|v| v > 0 && v % 2 == 0);
        if self.width.is_some() != self.height.is_some() || !even(self.width) || !even(self.height) {
            return bad("width and height must be given together, even and non-zero");
        }
        if self.preferred_width.is_some() != self.preferred_height.is_some()
            || !even(self.preferred_width)
            || !even(self.preferred_height)
        {
            return bad("preferred_width and preferred_height must be given together, even and non-zero");
        }
        let fps_ok = |f: Option<f64>| f.is_none_or(|f| (1.0..=240.0).contains(&f));
        if !fps_ok(self.frame_rate) || !fps_ok(self.min_frame_rate) || !fps_ok(self.max_frame_rate) {
            return bad("frame rates must be within 1..=240");
        }
        if !(self.min_duration >= 0.0 && self.max_duration >= self.min_duration) {
            return bad("need 0 <= min_duration <= max_duration");
        }
        if self.max_peak_bitrate.is_some_and(|b| b < 100_000) {
            return bad("max_peak_bitrate must be at least 100000");
        }
        if self.max_keyframe_interval.is_some_and(|k| k.is_nan() || k <= 0.0) {
            return bad("max_keyframe_interval must be positive");
        }
        if self.max_audio_channels == Some(0) || self.max_audio_bitrate.is_some_and(|b| b < 8_000) {
            return bad("max_audio_channels must be at least 1 and max_audio_bitrate at least 8000");
        }
        // Ranges must hold on their own; the fixed and preferred sizes must satisfy them.
        match intersect::problems(self).into_iter().next() {
            Some((_, what)) => bad(&what),
            None => Ok(()),
        }
    }

    /// Lowers the size limit to `mb` megabytes (10^6 bytes).
    pub fn with_max_size_mb(mut self, mb: Option<u64>) -> Profile {
        if let Some(mb) = mb {
            self.max_file_size = self.max_file_size.min(mb.saturating_mul(1_000_000));
        }
        self
    }

    /// One profile that holds exactly when every one of `profiles` holds: the tightest of
    /// each limit, the fixed size, frame rate and codecs they all accept. When they cannot
    /// all hold, the error names the profiles that clash and the rule.
    pub fn intersect(profiles: &[Profile]) -> Result<Profile> {
        intersect::all(profiles)
    }
}

#[cfg(test)]
pub(crate) mod tests;
