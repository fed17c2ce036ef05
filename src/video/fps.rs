//! Constant-frame-rate conversion by timestamp (drop or duplicate, never blend).
//!
//! Output frame `n` has pts exactly `n / fps`. Each source frame is placed at the output slot
//! nearest its timestamp (`round((pts - start) * fps)`, halves going to the later slot); a
//! slot shows the latest source frame placed at or before it, and slots before the first
//! frame show the first frame. Equivalently, slot `n` shows the source frame on screen at
//! the middle of the slot. Rounding to the nearest slot, rather than sampling at the slot's
//! start, keeps a same-rate source whose timestamps were quantised by its container (30 fps
//! in a millisecond timescale: 0, 33, 67, 100 ms) from stuttering. Slot indices are integers
//! computed from each timestamp afresh, so nothing drifts over long inputs.

use crate::limits::MAX_DURATION_SECS;
use crate::media::Frame;

/// Slack for timestamps that land a hair below a half slot through float rounding.
const TIE_SLACK: f64 = 1e-6;

/// The output slot a source frame at `pts` lands on, for output time 0 at source time
/// `start` (nearest slot, halves to the later one; 0 for anything earlier or not finite).
pub fn slot_at(pts: f64, start: f64, fps: u32) -> u64 {
    let x = (pts - start) * f64::from(fps.max(1));
    if !x.is_finite() {
        return 0;
    }
    // Clamped to 2^52 first, so the cast is exact; callers clamp to their own range.
    (x + 0.5 + TIE_SLACK).floor().clamp(0.0, (1u64 << 52) as f64) as u64
}

/// One source frame repeated over a run of consecutive output slots.
#[derive(Clone, Debug)]
pub struct Repeat {
    /// The picture (its `pts` is the source's; [`Repeat::frames`] sets output pts).
    pub frame: Frame,
    /// First output slot.
    pub first: u64,
    /// Number of slots (at least 1).
    pub count: u64,
    fps: u32,
}

impl Repeat {
    /// The output slots this run fills.
    pub fn slots(&self) -> std::ops::Range<u64> {
        self.first..self.first + self.count
    }

    /// Output pts of slot `n`.
    pub fn pts(&self, n: u64) -> f64 {
        n as f64 / f64::from(self.fps)
    }

    /// The output frames, cloned lazily so that a long gap does not hold many copies.
    pub fn frames(&self) -> impl Iterator<Item = Frame> + '_ {
        self.slots().map(|n| {
            let mut f = self.frame.clone();
            f.pts = self.pts(n);
            f
        })
    }
}

/// Converts a stream of timestamped frames to constant frame rate.
#[derive(Debug)]
pub struct FrameRateConverter {
    fps: u32,
    start: f64,
    /// Next output slot to emit.
    next: u64,
    /// The latest source frame, waiting for its successor to end its run.
    pending: Option<Frame>,
    /// No slot beyond this is ever emitted (the longest input accepted at this rate).
    max_slots: u64,
}

impl FrameRateConverter {
    /// A converter to `fps` (clamped to at least 1) whose output time 0 is source time
    /// `start`.
    pub fn new(fps: u32, start: f64) -> Self {
        let fps = fps.max(1);
        FrameRateConverter {
            fps,
            start: if start.is_finite() { start } else { 0.0 },
            next: 0,
            pending: None,
            // Bounded (6 h × fps < 2^53), so the float-to-int casts below are exact.
            max_slots: (MAX_DURATION_SECS * f64::from(fps)).ceil() as u64,
        }
    }

    /// The output frame rate.
    pub fn fps(&self) -> u32 {
        self.fps
    }

    /// Number of output frames emitted so far.
    pub fn emitted(&self) -> u64 {
        self.next
    }

    /// The slot a source timestamp is placed at (clamped to the converter's range).
    fn slot_of(&self, pts: f64) -> u64 {
        if !pts.is_finite() {
            // A broken timestamp: treat the frame as following the previous one directly.
            return self.next;
        }
        slot_at(pts, self.start, self.fps).min(self.max_slots)
    }

    /// A converter that fills slots from `first` on: the part of a longer stream after a
    /// split point (see `pipeline::segments`). Frames landing before `first` are dropped.
    pub fn starting_at_slot(fps: u32, start: f64, first: u64) -> Self {
        let mut c = Self::new(fps, start);
        c.next = first.min(c.max_slots);
        c
    }

    /// Ends the stream at output slot `end` (exclusive): the last frame fills the slots up
    /// to it.
    pub fn finish_at_slot(&mut self, end: u64) -> Option<Repeat> {
        let last = self.pending.take()?;
        self.run_until(last, end.min(self.max_slots))
    }

    /// Feeds one source frame; returns the run of output slots the *previous* frame fills
    /// (decided now that its successor's timestamp is known), if any.
    pub fn push_run(&mut self, frame: Frame) -> Option<Repeat> {
        let slot = self.slot_of(frame.pts);
        let previous = self.pending.replace(frame);
        let previous = previous?;
        self.run_until(previous, slot)
    }

    /// Ends the stream at source time `end` (the last frame's pts plus its duration),
    /// filling output slots up to `round((end - start) * fps)` in total with the last frame.
    pub fn finish_run(&mut self, end: f64) -> Option<Repeat> {
        let total = (end - self.start) * f64::from(self.fps);
        let total = if total.is_finite() { total.round().clamp(0.0, self.max_slots as f64) as u64 } else { self.next };
        self.finish_at_slot(total)
    }

    /// Emits `frame` for slots `next..until`.
    fn run_until(&mut self, frame: Frame, until: u64) -> Option<Repeat> {
        if until <= self.next {
            // Replaced before it reached a slot of its own: dropped.
            return None;
        }
        let run = Repeat { frame, first: self.next, count: until - self.next, fps: self.fps };
        self.next = until;
        Some(run)
    }

    /// Feeds one source frame; returns the output frames whose slot is now decided.
    ///
    /// A gap of `g` seconds in the source yields `g × fps` copies at once: pipelines should
    /// prefer [`FrameRateConverter::push_run`], which repeats lazily.
    pub fn push(&mut self, frame: Frame) -> Vec<Frame> {
        self.push_run(frame).map(|r| r.frames().collect()).unwrap_or_default()
    }

    /// Ends the stream (see [`FrameRateConverter::finish_run`]); returns the remaining frames.
    pub fn finish(&mut self, end: f64) -> Vec<Frame> {
        self.finish_run(end).map(|r| r.frames().collect()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny frame tagged by its luma values (index in two little-endian samples).
    fn tagged(i: usize, pts: f64) -> Frame {
        let mut f = Frame::filled(2, 2, 0, 128, 128);
        let [lo, hi] = u16::try_from(i).unwrap().to_le_bytes();
        f.y[0] = lo;
        f.y[1] = hi;
        f.pts = pts;
        f
    }

    fn tag(f: &Frame) -> usize {
        usize::from(u16::from_le_bytes([f.y[0], f.y[1]]))
    }

    /// Runs `pts` (source timestamps, frame i tagged i) through a converter; returns the
    /// output frames' tags, after checking their pts.
    fn convert(fps: u32, start: f64, pts: &[f64], end: f64) -> Vec<usize> {
        let mut c = FrameRateConverter::new(fps, start);
        let mut out = Vec::new();
        for (i, &p) in pts.iter().enumerate() {
            out.extend(c.push(tagged(i, p)));
        }
        out.extend(c.finish(end));
        for (n, f) in out.iter().enumerate() {
            assert_eq!(f.pts, n as f64 / f64::from(fps), "pts of output {n}");
        }
        out.iter().map(tag).collect()
    }

    fn cfr(rate: f64, n: usize) -> Vec<f64> {
        (0..n).map(|i| i as f64 / rate).collect()
    }

    #[test]
    fn same_rate_is_one_to_one_even_with_millisecond_timestamps() {
        let ms: Vec<f64> = (0..90).map(|i| (i as f64 * 1000.0 / 30.0).round() / 1000.0).collect();
        let tags = convert(30, 0.0, &ms, 3.0);
        assert_eq!(tags, (0..90).collect::<Vec<_>>());
    }

    #[test]
    fn up_from_25_duplicates_one_in_five() {
        let tags = convert(30, 0.0, &cfr(25.0, 50), 2.0);
        assert_eq!(tags.len(), 60);
        // Slot n shows the frame on screen mid-slot: floor((n + 0.5) * 25 / 30), ties later.
        let expect: Vec<usize> = (0..60).map(|n| ((2 * n + 1) * 25 / 60).min(49)).collect();
        assert_eq!(tags, expect);
        assert_eq!(&tags[..7], &[0, 1, 2, 2, 3, 4, 5]);
    }

    #[test]
    fn down_from_60_keeps_even_frames() {
        let tags = convert(30, 0.0, &cfr(60.0, 600), 10.0);
        assert_eq!(tags, (0..300).map(|n| 2 * n).collect::<Vec<_>>());
    }

    #[test]
    fn up_from_15_doubles_every_frame() {
        let tags = convert(30, 0.0, &cfr(15.0, 45), 3.0);
        assert_eq!(tags, (0..90).map(|n| n / 2).collect::<Vec<_>>());
    }

    #[test]
    fn other_rates_count_round_of_duration() {
        for fps in [15u32, 24, 25, 30, 60] {
            let pts = cfr(29.97, 300);
            let end = 300.0 / 29.97;
            let tags = convert(fps, 0.0, &pts, end);
            assert_eq!(tags.len() as f64, (end * f64::from(fps)).round(), "{fps} fps");
            assert!(tags.windows(2).all(|w| w[0] <= w[1]), "order at {fps} fps");
        }
    }

    #[test]
    fn variable_rate_holds_through_gaps() {
        // Frames at 0, 0.1, 0.5 (a stall), 0.51, 1.0; ends at 1.2 → 36 slots.
        let pts = [0.0, 0.1, 0.5, 0.51, 1.0];
        let tags = convert(30, 0.0, &pts, 1.2);
        assert_eq!(tags.len(), 36);
        let expect: Vec<usize> = (0..36)
            .map(|n| {
                let mid = (n as f64 + 0.5) / 30.0;
                pts.iter().rposition(|&p| p <= mid).unwrap_or(0)
            })
            .collect();
        assert_eq!(tags, expect);
        // Frame 2 (0.5 s) is dropped: frame 3 arrives before another slot centre.
        assert!(!tags.contains(&2) && tags.contains(&3));
    }

    #[test]
    fn start_offset_and_early_frames() {
        // Source starts at 10 s; output t=0 is source 10 s. A frame before start maps to slot 0.
        let pts = [9.9, 10.0, 10.5];
        let tags = convert(30, 10.0, &pts, 11.0);
        assert_eq!(tags.len(), 30);
        assert_eq!(tags[0], 1);
        assert_eq!(tags[15], 2);
    }

    #[test]
    fn long_input_does_not_drift() {
        // One hour of 29.97 fps timestamps computed exactly from integer ticks.
        let mut c = FrameRateConverter::new(30, 0.0);
        let mut count = 0u64;
        let frames = 107_892usize; // 3600 s × 29.97
        let tiny = Frame::filled(2, 2, 0, 128, 128);
        for i in 0..frames {
            let mut f = tiny.clone();
            f.pts = (i as u64 * 1001) as f64 / 30000.0;
            if let Some(r) = c.push_run(f) {
                assert_eq!(r.first, count);
                count += r.count;
            }
        }
        let end = (frames as u64 * 1001) as f64 / 30000.0;
        count += c.finish_run(end).map_or(0, |r| r.count);
        assert_eq!(count as f64, (end * 30.0).round());
    }

    #[test]
    fn hostile_timestamps_are_bounded() {
        let mut c = FrameRateConverter::new(30, 0.0);
        assert!(c.push(tagged(0, 0.0)).is_empty());
        assert!(c.push(tagged(1, f64::NAN)).is_empty());
        // A timestamp far in the future is clamped to the longest accepted input.
        let run = c.push_run(tagged(2, 1e300)).unwrap();
        assert!(run.count <= (MAX_DURATION_SECS * 30.0) as u64 + 1);
        assert!(c.finish(f64::INFINITY).len() <= 1);
        let mut c = FrameRateConverter::new(0, f64::NAN);
        assert_eq!(c.fps(), 1);
        assert!(c.finish(5.0).is_empty());
    }
}
