//! Splitting a video track into independently decodable segments for parallel transcoding.
//!
//! One H.264 decoder cannot use more than one core, so the transcode runs several
//! segments at once, each with its own decoder and encoder, and joins the encoded
//! segments in order. A segment starts at a *clean* keyframe: a sync sample that every
//! later-decoded sample presents at or after, and every earlier-decoded sample before
//! (an open-GOP I-frame, whose leading B-frames reference the previous GOP, is not one).
//! Decoding a segment from its keyframe then yields exactly the frames whose timestamps
//! lie between its keyframe and the next segment's.
//!
//! Where the codec allows starting at an open-GOP keyframe (an HEVC CRA picture, made for
//! random access), such keyframes are split points too: x265's default, one every second,
//! would otherwise leave a whole clip in one segment and one core idle. The segment before
//! one also decodes the keyframe and its leading pictures (its `lead_out`), keeping only
//! what they show before the keyframe; the segment from it skips those leading pictures,
//! which reference the GOP before.
//!
//! Output slots follow [`crate::video::FrameRateConverter`]'s rule (a frame lands on the
//! slot nearest its timestamp; a slot shows the latest frame landed at or before it), so a
//! segment whose keyframe lands on slot `s` owns every slot from `s` up to the next
//! segment's first slot, and the joined output is identical, frame for frame, to one
//! converter run over the whole track.

use std::ops::Range;

use crate::demux::Sample;
use crate::media::TrackTimeline;
use crate::video::fps::slot_at;

/// Part of a track that decodes on its own, and the output slots it fills.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// Sample indices (decode order) to decode.
    pub samples: Range<usize>,
    /// Output frame slots this segment fills.
    pub slots: Range<u64>,
    /// Samples after `samples` decoded too (the next segment's open-GOP keyframe and its
    /// leading pictures), for the pictures shown before that keyframe; 0 when the next
    /// segment starts clean.
    pub lead_out: usize,
    /// The time of this segment's keyframe when it is an open-GOP one: samples shown
    /// before it (its leading pictures) are skipped, the segment before shows them.
    pub open_start: Option<f64>,
}

/// Most leading pictures an open-GOP keyframe may have to be a split point (a GOP's
/// B-pyramid has a handful; more suggests a stream not worth the risk).
const MAX_LEADING: usize = 32;

/// When each sample of a track is shown, and the earliest of those still to come: computed
/// once per transcode, for the split into segments and for the decoders' reordering.
pub struct PresentedTimes {
    /// Presentation time of each sample (decode order), in seconds.
    pub pts: Vec<f64>,
    /// `earliest_from[i]`: the earliest presentation time among samples `i..`; one entry
    /// more than `pts`, infinite at the end.
    pub earliest_from: Vec<f64>,
}

impl PresentedTimes {
    /// The times of `samples` (one track, decode order, `timescale` ticks per second).
    pub fn new(samples: &[Sample], timescale: u32, timeline: &TrackTimeline) -> PresentedTimes {
        let ts = f64::from(timescale.max(1));
        let pts: Vec<f64> = samples.iter().map(|s| timeline.present(s.pts() as f64 / ts)).collect();
        let mut earliest_from = vec![f64::INFINITY; pts.len() + 1];
        for i in (0..pts.len()).rev() {
            earliest_from[i] = earliest_from[i + 1].min(pts[i]);
        }
        PresentedTimes { pts, earliest_from }
    }
}

/// Splits `samples` (one track, decode order, shown at `times`) into segments of at least
/// `min_slots` output slots each, covering slots `0..total` at `fps`. `can_start_open(i)`:
/// a decoder can start at sample `i`, an open-GOP keyframe (HEVC's CRA pictures).
///
/// Returns one segment holding everything when the track has no usable split point.
pub fn plan_segments(
    samples: &[Sample],
    times: &PresentedTimes,
    fps: u32,
    total: u64,
    min_slots: u64,
    can_start_open: &mut dyn FnMut(usize) -> bool,
) -> Vec<Segment> {
    let (pts, suffix_min) = (&times.pts, &times.earliest_from);
    let mut segments = Vec::new();
    let (mut first_sample, mut first_slot, mut first_open) = (0usize, 0u64, None);
    let mut prefix_max = f64::NEG_INFINITY;
    for (i, (s, &p)) in samples.iter().zip(pts).enumerate() {
        // Every earlier-decoded sample is shown before this keyframe...
        let keyframe = i > 0 && s.sync && prefix_max < p;
        prefix_max = prefix_max.max(p);
        if !keyframe {
            continue;
        }
        // ...and every later one at or after it (clean), or all but its leading pictures.
        let lead = if suffix_min[i] >= p {
            0
        } else if let Some(end) = (i + 1..=(i + MAX_LEADING).min(pts.len())).find(|&e| suffix_min[e] >= p) {
            if !can_start_open(i) {
                continue;
            }
            end - i
        } else {
            continue;
        };
        let open = (lead > 0).then_some(p);
        let slot = slot_at(p, 0.0, fps).min(total);
        if slot == first_slot {
            // Everything decoded before this keyframe lands on this slot too and is replaced
            // by it (a trimmed start, say): start decoding here instead.
            (first_sample, first_open) = (i, open);
        } else if slot >= first_slot + min_slots && slot + min_slots <= total {
            segments.push(Segment {
                samples: first_sample..i,
                slots: first_slot..slot,
                lead_out: lead,
                open_start: first_open,
            });
            (first_sample, first_slot, first_open) = (i, slot, open);
        }
    }
    segments.push(Segment {
        samples: first_sample..samples.len(),
        slots: first_slot..total,
        lead_out: 0,
        open_start: first_open,
    });
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 30 fps samples in a 30 000 timescale; `sync(i)` marks keyframes; `bframes` reorders
    /// each P,B,B group as H.264 with two B-frames does (decode I P B B P B B …).
    fn track(n: usize, sync: impl Fn(usize) -> bool, bframes: bool) -> Vec<Sample> {
        (0..n)
            .map(|i| {
                // Presentation index of decode index i.
                let shown = if bframes && i % 3 != 0 {
                    if i % 3 == 1 {
                        i + 1
                    } else {
                        i - 1
                    }
                } else {
                    i
                };
                let shown = shown.min(n - 1);
                Sample {
                    offset: 0,
                    size: 1,
                    dts: i as i64 * 1000,
                    cts_offset: ((shown as i64 - i as i64) * 1000 + 2000) as i32,
                    duration: 1000,
                    sync: sync(i),
                    desc: 0,
                }
            })
            .collect()
    }

    fn plan(samples: &[Sample], timeline: &TrackTimeline, total: u64) -> Vec<Segment> {
        plan_segments(samples, &PresentedTimes::new(samples, 30000, timeline), 30, total, 30, &mut |_| false)
    }

    /// The edit list a muxer writes for a B-frame shift of two frames.
    fn no_edit() -> TrackTimeline {
        TrackTimeline { delay: 0.0, media_start: 2000.0 / 30000.0, duration: None, origin: 0.0 }
    }

    #[test]
    fn splits_at_every_keyframe_when_long_enough() {
        let samples = track(300, |i| i % 30 == 0, true);
        let segs = plan(&samples, &no_edit(), 300);
        assert_eq!(segs.len(), 10);
        for (k, s) in segs.iter().enumerate() {
            let k = k as u64;
            assert_eq!(s.slots, k * 30..k * 30 + 30);
            assert_eq!(s.samples, (k * 30) as usize..(k * 30 + 30) as usize);
        }
    }

    #[test]
    fn merges_short_gops_and_keeps_the_tail_long_enough() {
        let samples = track(100, |i| i % 12 == 0, false);
        let segs = plan(&samples, &no_edit(), 100);
        let starts: Vec<u64> = segs.iter().map(|s| s.slots.start).collect();
        assert_eq!(starts, [0, 36]);
        assert!(segs.iter().all(|s| s.slots.end - s.slots.start >= 28));
        assert_eq!(segs.last().unwrap().slots.end, 100);
        // Contiguous.
        for w in segs.windows(2) {
            assert_eq!(w[0].slots.end, w[1].slots.start);
            assert_eq!(w[0].samples.end, w[1].samples.start);
        }
    }

    #[test]
    fn open_gop_keyframes_are_not_split_points() {
        // Keyframe at decode index 30 followed by B-frames shown before it.
        let mut samples = track(90, |i| i % 30 == 0, false);
        samples[31].cts_offset -= 3000; // shown before the keyframe
        let segs = plan(&samples, &no_edit(), 90);
        assert_eq!(segs.iter().map(|s| s.slots.start).collect::<Vec<_>>(), [0, 60]);
    }

    #[test]
    fn open_gop_keyframes_split_where_the_decoder_can_start_there() {
        // Keyframes at decode index 30 and 60, each followed by two leading B-frames.
        let mut samples = track(90, |i| i % 30 == 0, false);
        for k in [30, 60] {
            samples[k].cts_offset += 2000; // shown after its two leading pictures
            samples[k + 1].cts_offset -= 1000;
            samples[k + 2].cts_offset -= 1000;
        }
        let times = PresentedTimes::new(&samples, 30000, &no_edit());
        let segs = plan_segments(&samples, &times, 30, 92, 30, &mut |_| true);
        assert_eq!(segs.iter().map(|s| s.slots.start).collect::<Vec<_>>(), [0, 32, 62]);
        assert_eq!(segs.iter().map(|s| s.samples.clone()).collect::<Vec<_>>(), [0..30, 30..60, 60..90]);
        // Each segment but the last decodes the next keyframe and its two leading pictures.
        assert_eq!(segs.iter().map(|s| s.lead_out).collect::<Vec<_>>(), [3, 3, 0]);
        assert_eq!(segs[0].open_start, None);
        assert_eq!(segs[1].open_start, Some(times.pts[30]));
        assert_eq!(segs[2].open_start, Some(times.pts[60]));
        // Without the decoder's say-so (not IRAP pictures, or H.264) they are no split points.
        assert_eq!(plan_segments(&samples, &times, 30, 92, 30, &mut |_| false).len(), 1);
        assert_eq!(plan_segments(&samples, &times, 30, 92, 30, &mut |i| i == 60).len(), 2);
    }

    #[test]
    fn one_segment_without_keyframes_or_samples() {
        let samples = track(90, |i| i == 0, false);
        assert_eq!(plan(&samples, &no_edit(), 90).len(), 1);
        assert_eq!(
            plan(&[], &no_edit(), 90),
            vec![Segment { samples: 0..0, slots: 0..90, lead_out: 0, open_start: None }]
        );
    }

    #[test]
    fn trimmed_start_and_end() {
        // Presentation starts 1 s into the media; output is 2 s long.
        let samples = track(150, |i| i % 30 == 0, false);
        let t = TrackTimeline { delay: 0.0, media_start: 2000.0 / 30000.0 + 1.0, duration: None, origin: 0.0 };
        let segs = plan(&samples, &t, 60);
        assert_eq!(segs.iter().map(|s| s.slots.clone()).collect::<Vec<_>>(), [0..30, 30..60]);
        // The second before the trim point is not decoded at all.
        assert_eq!(segs[0].samples, 30..60);
        assert_eq!(segs[1].samples, 60..150);
    }
}
