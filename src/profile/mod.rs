//! Platform rules as data. The built-in `tiktok` profile lives in `src/profile/tiktok.toml`
//! (compiled in), with the source of every number in a comment; users can load their own
//! TOML file with the same fields.

pub mod check;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use check::{check, Violation};

/// What a platform accepts. Every field is a rule `check` enforces.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Profile name.
    pub name: String,
    /// Accepted containers (`mp4`, `mov`, `fmp4`).
    pub containers: Vec<String>,
    /// moov must come before mdat.
    pub require_faststart: bool,
    /// Accepted video codecs (`h264`, `hevc`, ...).
    pub video_codecs: Vec<String>,
    /// Required luma bit depth.
    pub bit_depth: u8,
    /// Required chroma format (`4:2:0`).
    pub chroma_format: String,
    /// Required displayed width.
    pub width: u32,
    /// Required displayed height.
    pub height: u32,
    /// Pixels must be square (SAR 1:1).
    pub require_square_pixels: bool,
    /// A rotation matrix may be left in the file.
    pub allow_rotation: bool,
    /// Required frame rate.
    pub frame_rate: f64,
    /// Frame durations must all be equal.
    pub require_constant_frame_rate: bool,
    /// Largest video+audio bits in any 1-second window.
    pub max_peak_bitrate: u64,
    /// Shortest duration in seconds.
    pub min_duration: f64,
    /// Longest duration in seconds.
    pub max_duration: f64,
    /// Accepted audio codecs (`aac_lc`, `aac`, `mp3`, `opus`...).
    pub audio_codecs: Vec<String>,
    /// Accepted audio sample rates.
    pub audio_sample_rates: Vec<u32>,
    /// Most audio channels.
    pub max_audio_channels: u16,
    /// Largest file in bytes.
    pub max_file_size: u64,
}

const TIKTOK: &str = include_str!("tiktok.toml");

impl Profile {
    /// The built-in `tiktok` profile.
    pub fn tiktok() -> Profile {
        // The built-in TOML is part of the source and covered by a test.
        toml::from_str(TIKTOK).unwrap_or_else(|e| unreachable!("built-in profile is invalid: {e}"))
    }

    /// A built-in profile by name, or a TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Profile> {
        match name_or_path {
            "tiktok" => Ok(Profile::tiktok()),
            other => {
                let path = Path::new(other);
                if !path.exists() {
                    return Err(Error::Invalid(format!(
                        "unknown profile '{other}': use a built-in name (tiktok) or the path of a TOML profile"
                    )));
                }
                let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
                let p: Profile =
                    toml::from_str(&text).map_err(|e| Error::Invalid(format!("profile {}: {e}", path.display())))?;
                p.validate()?;
                Ok(p)
            }
        }
    }

    /// Checks the profile's own values make sense.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::Invalid(format!("profile {}: {what}", self.name)));
        if self.width == 0 || self.height == 0 || self.width % 2 == 1 || self.height % 2 == 1 {
            return bad("width and height must be even and non-zero");
        }
        if !(1.0..=240.0).contains(&self.frame_rate) {
            return bad("frame_rate must be within 1..=240");
        }
        if self.min_duration < 0.0 || self.max_duration < self.min_duration {
            return bad("need 0 <= min_duration <= max_duration");
        }
        if self.max_peak_bitrate < 100_000 {
            return bad("max_peak_bitrate must be at least 100000");
        }
        Ok(())
    }

    /// Lowers the size limit to `mb` megabytes (10^6 bytes).
    pub fn with_max_size_mb(mut self, mb: Option<u64>) -> Profile {
        if let Some(mb) = mb {
            self.max_file_size = self.max_file_size.min(mb.saturating_mul(1_000_000));
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tiktok_parses_and_validates() {
        let p = Profile::tiktok();
        p.validate().unwrap();
        assert_eq!((p.width, p.height, p.max_peak_bitrate), (1080, 1920, 10_000_000));
    }
}
