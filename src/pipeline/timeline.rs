//! Mapping a track's media time to the presentation timeline through its edit list.

use crate::media::Edit;

/// The part of an edit list clipfit honours: leading empty edits (a delay), then one media
/// edit (where presentation starts in the media and for how long).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrackTimeline {
    /// Seconds of nothing before the track's first presented sample.
    pub delay: f64,
    /// Media time, in seconds, shown at presentation time `delay`.
    pub media_start: f64,
    /// How long the media edit lasts, when the edit list says.
    pub duration: Option<f64>,
}

impl TrackTimeline {
    /// Reads an edit list (empty list: media time is presentation time).
    pub fn from_edits(edits: &[Edit]) -> TrackTimeline {
        let mut delay = 0.0;
        for e in edits {
            match e.media_time {
                None => delay += e.duration,
                Some(start) => {
                    return TrackTimeline {
                        delay,
                        media_start: start,
                        duration: (e.duration > 0.0).then_some(e.duration),
                    }
                }
            }
        }
        TrackTimeline { delay, media_start: 0.0, duration: None }
    }

    /// Presentation time of a media time, in seconds.
    pub fn present(&self, media_secs: f64) -> f64 {
        media_secs - self.media_start + self.delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_then_trim() {
        let t = TrackTimeline::from_edits(&[
            Edit { duration: 0.48, media_time: None, rate: 1.0 },
            Edit { duration: 3.0, media_time: Some(1024.0 / 44100.0), rate: 1.0 },
        ]);
        assert!((t.present(1024.0 / 44100.0) - 0.48).abs() < 1e-9);
        assert_eq!(t.duration, Some(3.0));
    }
}
