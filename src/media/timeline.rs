//! Mapping a track's media time to the presentation timeline through its edit list.

use crate::media::{Edit, TrackInfo};

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
    /// Media time of the track's first sample, in seconds (non-zero after a `tfdt`).
    pub origin: f64,
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
                        origin: 0.0,
                    }
                }
            }
        }
        TrackTimeline { delay, media_start: 0.0, duration: None, origin: 0.0 }
    }

    /// The timeline of `track` in a file whose presentation starts at `file_start`
    /// ([`crate::media::MediaInfo::start_time`]): the output's time 0.
    pub fn for_track(track: &TrackInfo, file_start: f64) -> TrackTimeline {
        let mut t = TrackTimeline::from_edits(&track.edits);
        t.delay -= file_start;
        t.origin = track.first_dts;
        t
    }

    /// Where a decoder's output begins to be shown, for a stream decoded from its first
    /// sample: `(skip, lead)` = seconds of decoded media to drop (priming, media before the
    /// edit or before the file's start), then seconds of silence or hold to put before it
    /// (a track that starts late).
    pub fn start_offsets(&self) -> (f64, f64) {
        // Media earlier than the edit's start, or presented before time 0, is never shown.
        let first_shown = self.media_start.max(self.media_start - self.delay);
        let skip = (first_shown - self.origin).max(0.0);
        let lead = self.present(self.origin.max(first_shown)).max(0.0);
        (skip, lead)
    }

    /// Presentation time at which the track starts, before any file-wide shift: the
    /// first shown sample's time, or the edit's start when that is later.
    pub fn start_of(&self, min_pts: f64) -> f64 {
        self.delay.max(self.present(min_pts))
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
        assert_eq!(t.start_offsets(), (1024.0 / 44100.0, 0.48));
    }

    #[test]
    fn live_stream_starts_are_shifted_to_zero() {
        // An HLS segment: media starts 29.0 s in (tfdt), a 0.9 s empty edit, file start 29.9.
        let track = |first_dts: f64, delay: f64| TrackInfo {
            id: 1,
            handler: "vide".into(),
            enabled: true,
            timescale: 1000,
            sample_count: 1,
            duration: 1.0,
            total_bytes: 1,
            bitrate: 8,
            edits: vec![
                Edit { duration: delay, media_time: None, rate: 1.0 },
                Edit { duration: 0.0, media_time: Some(0.0), rate: 1.0 },
            ],
            first_dts,
            start: first_dts + delay,
            kind: crate::media::TrackKind::Other,
        };
        let v = TrackTimeline::for_track(&track(29.0, 0.9), 29.9);
        assert!((v.present(29.0)).abs() < 1e-9);
        let (skip, lead) = v.start_offsets();
        assert!(skip.abs() < 1e-9 && lead.abs() < 1e-9, "{skip} {lead}");
        // Audio that starts 0.1 s later than the video.
        let a = TrackTimeline::for_track(&track(29.1, 0.9), 29.9);
        let (skip, lead) = a.start_offsets();
        assert!(skip.abs() < 1e-9 && (lead - 0.1).abs() < 1e-9, "{skip} {lead}");
        // Audio that starts 0.2 s earlier: its first 0.2 s are before the file's start.
        let a = TrackTimeline::for_track(&track(28.8, 0.9), 29.9);
        let (skip, lead) = a.start_offsets();
        assert!((skip - 0.2).abs() < 1e-9 && lead.abs() < 1e-9, "{skip} {lead}");
    }
}
