//! Pictures that fail to decode: concealed, counted, and bounded.
//!
//! A good player shows the rest of a stream when one picture is damaged. clipfit does the
//! same: OpenH264's error concealment repairs what it can (counted as repaired), and a
//! sample that never yields a picture (rejected, or a B-frame the library drops after
//! damage) leaves its slot to the last good picture, which the constant-rate converter
//! keeps showing. Lost pictures are counted across all workers; past
//! [`MAX_CONCEALED_SHARE`] of the pictures, or a freeze longer than
//! [`MAX_CONCEALED_RUN_SECS`], the output would no longer be the user's video and the
//! conform fails, saying how much was lost. Pictures lost before the stream's first shown
//! picture (an undecodable lead-in) are dropped, not concealed: the first good picture is
//! held over their slots.

use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::limits::{MAX_CONCEALED_RUN_SECS, MAX_CONCEALED_SHARE};
use crate::media::Warning;

/// How many loss times a warning lists.
const LISTED: usize = 5;

/// Decode outcomes of one transcode, shared by its workers.
#[derive(Default)]
pub(super) struct Concealment {
    totals: Mutex<Totals>,
}

#[derive(Default)]
struct Totals {
    samples: u64,
    /// Decoded with the decoder's concealment (damage in it or in a reference).
    repaired: u64,
    lost: u64,
    lead_in: u64,
    /// Presentation times of the first losses, for the warning.
    first_losses: Vec<f64>,
}

/// One worker's current freeze: the first lost picture since a picture was last shown.
#[derive(Default)]
pub(super) struct Freeze {
    since: Option<f64>,
}

impl Freeze {
    /// A picture was shown: the freeze, if any, is over.
    pub fn shown(&mut self) {
        self.since = None;
    }
}

/// True for errors that mean "this sample's data is damaged", which are concealed;
/// anything else (I/O, the fit, limits) still ends the conform.
/// Every video decoder reports a damaged sample as its own decode stage's codec error (or
/// its sample's malformed error) and the sample's picture through `take_lost`.
pub(super) fn is_damaged_picture(e: &Error) -> bool {
    const DECODE_STAGES: [&str; 6] =
        ["H.264 decode", "HEVC decode", "AV1 decode", "VP8 decode", "VP9 decode", "Motion JPEG decode"];
    const SAMPLES: [&str; 4] = ["H.264 sample", "HEVC sample", "AV1 sample", "VP8 sample"];
    matches!(e, Error::Codec { stage, .. } if DECODE_STAGES.contains(stage))
        || matches!(e, Error::Malformed { place, .. } if SAMPLES.contains(&place.as_str()))
}

impl Concealment {
    fn totals(&self) -> Result<std::sync::MutexGuard<'_, Totals>> {
        self.totals.lock().map_err(|_| Error::codec("video", "decode statistics poisoned"))
    }

    /// One sample was sent to a decoder; `repaired` when the decoder concealed damage.
    pub fn sample(&self, repaired: bool) -> Result<()> {
        let mut t = self.totals()?;
        t.samples += 1;
        t.repaired += u64::from(repaired);
        Ok(())
    }

    /// The picture of the sample presented at `pts` will never come; `lead_in` when no
    /// picture of the stream has been shown yet. Fails when the freeze grows past the limit.
    pub fn lost(&self, freeze: &mut Freeze, pts: f64, lead_in: bool) -> Result<()> {
        let mut t = self.totals()?;
        if lead_in {
            t.lead_in += 1;
            return Ok(());
        }
        t.lost += 1;
        if t.first_losses.len() < LISTED {
            t.first_losses.push(pts);
        }
        let since = *freeze.since.get_or_insert(pts);
        if pts - since > MAX_CONCEALED_RUN_SECS {
            return Err(Error::codec(
                "H.264 decode",
                format!(
                    "no picture from {since:.2} s to {pts:.2} s could be decoded (more than {MAX_CONCEALED_RUN_SECS} s in a row): the video is too damaged to convert"
                ),
            ));
        }
        Ok(())
    }

    /// After the last segment: fails when too large a share was lost, otherwise says what
    /// was worked around.
    pub fn finish(&self) -> Result<Vec<Warning>> {
        let t = self.totals()?;
        let mut warnings = Vec::new();
        if t.lead_in > 0 {
            warnings.push(Warning::new(
                "undecodable_lead_in",
                format!(
                    "{} picture(s) at the start could not be decoded (they depend on pictures the file does not hold): dropped, the first good picture is shown over their time",
                    t.lead_in
                ),
            ));
        }
        if t.lost == 0 && t.repaired == 0 {
            return Ok(warnings);
        }
        let total = t.samples.max(t.lost);
        let share = t.lost as f64 / total.max(1) as f64;
        let at: Vec<String> = t.first_losses.iter().map(|p| format!("{p:.2} s")).collect();
        let more = if t.lost as usize > at.len() { ", …" } else { "" };
        let what = if t.lost > 0 {
            format!(
                "{} of {total} pictures ({:.1}%) could not be decoded (at {}{more})",
                t.lost,
                share * 100.0,
                at.join(", ")
            )
        } else {
            format!("the video has damaged data (0 of {total} pictures lost)")
        };
        if share > MAX_CONCEALED_SHARE {
            return Err(Error::codec(
                "H.264 decode",
                format!("{what}: more than {:.0}% of the video is damaged", MAX_CONCEALED_SHARE * 100.0),
            ));
        }
        let repaired = if t.repaired > 0 {
            format!("; {} pictures were repaired by the decoder's concealment", t.repaired)
        } else {
            String::new()
        };
        let lost = if t.lost > 0 { ": each lost one was concealed by showing the previous picture again" } else { "" };
        warnings.push(Warning::new("concealed_pictures", format!("{what}{lost}{repaired}")));
        Ok(warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_lost_pictures_are_concealed_and_reported() {
        let c = Concealment::default();
        let mut f = Freeze::default();
        for i in 0..100 {
            c.sample(i > 50).unwrap();
            if i == 50 {
                c.lost(&mut f, 1.5, false).unwrap();
            }
        }
        let w = c.finish().unwrap();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].code, "concealed_pictures");
        let m = &w[0].message;
        assert!(
            m.contains("1 of 100 pictures") && m.contains("1.50 s") && m.contains("49 pictures were repaired"),
            "{m}"
        );
    }

    #[test]
    fn too_much_loss_fails() {
        let c = Concealment::default();
        let mut f = Freeze::default();
        for i in 0..100 {
            c.sample(false).unwrap();
            if i % 10 == 0 {
                c.lost(&mut f, f64::from(i) / 30.0, false).unwrap();
                f.shown();
            }
        }
        let e = c.finish().unwrap_err();
        assert!(e.to_string().contains("10 of 100"), "{e}");
    }

    #[test]
    fn a_long_freeze_fails_at_once() {
        let c = Concealment::default();
        let mut f = Freeze::default();
        let mut result = Ok(());
        for i in 0..40 {
            result = result.and(c.lost(&mut f, f64::from(i) / 30.0, false));
        }
        assert!(result.unwrap_err().to_string().contains("in a row"));
        // A picture shown in between ends the freeze.
        let mut f = Freeze::default();
        for i in 0..40 {
            c.lost(&mut f, f64::from(i) / 30.0, false).unwrap();
            f.shown();
        }
    }

    #[test]
    fn lead_in_is_dropped_not_concealed() {
        let c = Concealment::default();
        let mut f = Freeze::default();
        for i in 0..14 {
            c.sample(false).unwrap();
            c.lost(&mut f, f64::from(i) / 30.0, true).unwrap();
        }
        c.sample(false).unwrap();
        let w = c.finish().unwrap();
        assert_eq!(w.iter().map(|w| w.code).collect::<Vec<_>>(), ["undecodable_lead_in"]);
    }

    #[test]
    fn only_picture_damage_is_concealed() {
        assert!(is_damaged_picture(&Error::codec("H.264 decode", "corrupt")));
        assert!(is_damaged_picture(&Error::malformed("H.264 sample", "truncated NAL length prefix")));
        assert!(!is_damaged_picture(&Error::malformed("mdat", "truncated")));
        assert!(!is_damaged_picture(&Error::codec("H.264 encode", "x")));
    }
}
