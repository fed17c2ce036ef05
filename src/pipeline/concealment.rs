//! Pictures that fail to decode: concealed, counted, and bounded.
//!
//! A good player shows the rest of a stream when one picture is damaged. clipfit does the
//! same: a sample the decoder rejects produces no picture, so the constant-rate converter
//! keeps showing the last good one over its slot, and the pictures that refer to it are
//! repaired by the decoder's own concealment (counted, but not as losses). The damage is counted across all
//! workers; past [`MAX_CONCEALED_SHARE`] of the pictures, or a run longer than
//! [`MAX_CONCEALED_RUN_SECS`], the output would no longer be the user's video and the
//! conform fails, saying how much was lost. Samples that fail before a segment's first
//! picture of the whole stream (an undecodable lead-in) are dropped, not concealed: the
//! first good picture is held over their slots.

use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::limits::{MAX_CONCEALED_RUN_SECS, MAX_CONCEALED_SHARE};
use crate::media::Warning;

/// How many failure times a warning lists.
const LISTED: usize = 5;

/// Decode outcomes of one transcode, shared by its workers.
#[derive(Default)]
pub(super) struct Concealment {
    totals: Mutex<Totals>,
}

#[derive(Default)]
struct Totals {
    decoded: u64,
    /// Decoded, but from a damaged reference that the decoder concealed.
    repaired: u64,
    failed: u64,
    lead_in: u64,
    /// Presentation times of the first failures, for the warning.
    first_failures: Vec<f64>,
}

/// One worker's current run of failed pictures.
#[derive(Default)]
pub(super) struct FailureRun {
    since: Option<f64>,
}

/// True for errors that mean "this sample's picture is damaged", which are concealed;
/// anything else (I/O, the fit, limits) still ends the conform.
pub(super) fn is_damaged_picture(e: &Error) -> bool {
    matches!(e, Error::Codec { stage: "H.264 decode", .. })
        || matches!(e, Error::Malformed { place, .. } if place == "H.264 sample")
}

impl Concealment {
    fn totals(&self) -> Result<std::sync::MutexGuard<'_, Totals>> {
        self.totals.lock().map_err(|_| Error::codec("video", "decode statistics poisoned"))
    }

    /// A sample decoded: cleanly, or `repaired` from a damaged reference by the decoder's
    /// concealment (it still shows a picture, so it ends a run of failures).
    pub fn decoded(&self, run: &mut FailureRun, repaired: bool) -> Result<()> {
        run.since = None;
        let mut t = self.totals()?;
        t.decoded += 1;
        t.repaired += u64::from(repaired);
        Ok(())
    }

    /// A sample presented at `pts` failed; `lead_in` when no picture of the stream has been
    /// shown yet. Fails when the run of failures grows past the limit.
    pub fn failed(&self, run: &mut FailureRun, pts: f64, lead_in: bool, error: &Error) -> Result<()> {
        let mut t = self.totals()?;
        if lead_in {
            t.lead_in += 1;
            return Ok(());
        }
        t.failed += 1;
        if t.first_failures.len() < LISTED {
            t.first_failures.push(pts);
        }
        let since = *run.since.get_or_insert(pts);
        if pts - since > MAX_CONCEALED_RUN_SECS {
            return Err(Error::codec(
                "H.264 decode",
                format!(
                    "the pictures from {since:.2} s to {pts:.2} s could not be decoded (more than {MAX_CONCEALED_RUN_SECS} s in a row; last error: {error}): the video is too damaged to convert"
                ),
            ));
        }
        Ok(())
    }

    /// After the last segment: fails when too large a share was concealed, otherwise says
    /// what was worked around.
    pub fn finish(&self) -> Result<Vec<Warning>> {
        let t = self.totals()?;
        let mut warnings = Vec::new();
        if t.lead_in > 0 {
            warnings.push(Warning::new(
                "undecodable_lead_in",
                format!(
                    "{} sample(s) at the start could not be decoded (they depend on pictures the file does not hold): dropped, the first good picture is shown over their time",
                    t.lead_in
                ),
            ));
        }
        if t.failed == 0 {
            return Ok(warnings);
        }
        let total = t.decoded + t.failed;
        let share = t.failed as f64 / total.max(1) as f64;
        let at: Vec<String> = t.first_failures.iter().map(|p| format!("{p:.2} s")).collect();
        let more = if t.failed as usize > at.len() { ", …" } else { "" };
        let what = format!(
            "{} of {total} pictures ({:.1}%) could not be decoded (at {}{more})",
            t.failed,
            share * 100.0,
            at.join(", ")
        );
        if share > MAX_CONCEALED_SHARE {
            return Err(Error::codec(
                "H.264 decode",
                format!("{what}: more than {:.0}% of the video is damaged", MAX_CONCEALED_SHARE * 100.0),
            ));
        }
        let repaired = if t.repaired > 0 {
            format!("; {} later pictures that refer to them were repaired by the decoder's concealment", t.repaired)
        } else {
            String::new()
        };
        warnings.push(Warning::new(
            "concealed_pictures",
            format!("{what}: each was concealed by showing the previous picture again{repaired}"),
        ));
        Ok(warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn damage() -> Error {
        Error::codec("H.264 decode", "corrupt")
    }

    #[test]
    fn a_few_damaged_pictures_are_concealed_and_reported() {
        let c = Concealment::default();
        let mut run = FailureRun::default();
        for i in 0..99 {
            c.decoded(&mut run, false).unwrap();
            if i == 50 {
                c.failed(&mut run, 1.5, false, &damage()).unwrap();
            }
        }
        let w = c.finish().unwrap();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].code, "concealed_pictures");
        assert!(w[0].message.contains("1 of 100 pictures") && w[0].message.contains("1.50 s"), "{}", w[0].message);
    }

    #[test]
    fn too_much_damage_fails() {
        let c = Concealment::default();
        let mut run = FailureRun::default();
        for i in 0..100 {
            if i % 10 == 0 {
                c.failed(&mut run, f64::from(i) / 30.0, false, &damage()).unwrap();
            } else {
                c.decoded(&mut run, false).unwrap();
            }
        }
        let e = c.finish().unwrap_err();
        assert!(e.to_string().contains("10 of 100"), "{e}");
    }

    #[test]
    fn a_long_run_fails_at_once() {
        let c = Concealment::default();
        let mut run = FailureRun::default();
        let mut result = Ok(());
        for i in 0..40 {
            result = result.and(c.failed(&mut run, f64::from(i) / 30.0, false, &damage()));
        }
        assert!(result.unwrap_err().to_string().contains("in a row"));
    }

    #[test]
    fn lead_in_is_dropped_not_concealed() {
        let c = Concealment::default();
        let mut run = FailureRun::default();
        for i in 0..14 {
            c.failed(&mut run, f64::from(i) / 30.0, true, &damage()).unwrap();
        }
        c.decoded(&mut run, false).unwrap();
        let w = c.finish().unwrap();
        assert_eq!(w.iter().map(|w| w.code).collect::<Vec<_>>(), ["undecodable_lead_in"]);
    }

    #[test]
    fn only_picture_damage_is_concealed() {
        assert!(is_damaged_picture(&damage()));
        assert!(is_damaged_picture(&Error::malformed("H.264 sample", "truncated NAL length prefix")));
        assert!(!is_damaged_picture(&Error::malformed("mdat", "truncated")));
        assert!(!is_damaged_picture(&Error::codec("H.264 encode", "x")));
    }
}
