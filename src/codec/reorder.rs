//! Presentation order restored from the samples' own pts, for decoder backends that hand
//! pictures out in decode order (or in an order of their own).
//!
//! A picture is held until no packet still to come is shown before it: the caller says
//! which with [`Packet::upcoming`](crate::codec::video::Packet::upcoming), since an MP4
//! knows every sample's pts, which is a better guide than a decoder's reorder depth. A
//! picture decoded after a later one was already handed out is reported lost instead of
//! going out of order.

use std::collections::VecDeque;

/// Something shown at a time.
pub(crate) trait Timed {
    /// Presentation time in seconds.
    fn pts(&self) -> f64;
}

/// Pictures on their way from a decoder to the caller, in presentation order.
#[derive(Debug)]
pub(crate) struct PtsReorder<F> {
    /// Pictures not ready yet, sorted by pts.
    held: Vec<F>,
    /// Pictures ready to hand out, in presentation order.
    ready: VecDeque<F>,
    /// The picture handed out last (dropped by the next call).
    lent: Option<F>,
    /// pts of the last picture made ready; a later-decoded one shown before it is lost.
    last_pts: Option<f64>,
    /// pts of packets that will never produce a picture.
    lost: Vec<f64>,
    /// Pictures held waiting for an earlier one before giving up on it.
    max_held: usize,
}

impl<F: Timed> PtsReorder<F> {
    /// A reorder holding at most `max_held` pictures back (H.264 and HEVC allow 16 in the
    /// DPB).
    pub(crate) fn new(max_held: usize) -> Self {
        PtsReorder { held: Vec::new(), ready: VecDeque::new(), lent: None, last_pts: None, lost: Vec::new(), max_held }
    }

    /// Adds a decoded picture.
    pub(crate) fn hold(&mut self, frame: F) {
        let pts = frame.pts();
        let at = self.held.partition_point(|f| f.pts() <= pts);
        self.held.insert(at, frame);
    }

    /// Records that the packet shown at `pts` will never produce a picture.
    pub(crate) fn lose(&mut self, pts: f64) {
        self.lost.push(pts);
    }

    /// Drops the picture lent last (the caller has finished with it).
    pub(crate) fn end_loan(&mut self) {
        self.lent = None;
    }

    /// Makes ready the held pictures that nothing still to come precedes (`None`: nothing
    /// comes any more).
    pub(crate) fn release(&mut self, upcoming: Option<f64>) {
        let overflow = self.held.len().saturating_sub(self.max_held);
        let count = self
            .held
            .iter()
            .enumerate()
            .take_while(|(i, f)| *i < overflow || upcoming.is_none_or(|u| f.pts() <= u))
            .count();
        for f in self.held.drain(..count) {
            if self.last_pts.is_some_and(|last| f.pts() < last) {
                self.lost.push(f.pts());
            } else {
                self.last_pts = Some(f.pts());
                self.ready.push_back(f);
            }
        }
    }

    /// The next ready picture, lent until the next call.
    pub(crate) fn next(&mut self) -> Option<&F> {
        let frame = self.ready.pop_front()?;
        Some(self.lent.insert(frame))
    }

    /// The pts of packets found, since the last call, never to produce a picture.
    pub(crate) fn take_lost(&mut self) -> Vec<f64> {
        std::mem::take(&mut self.lost)
    }
}

impl Timed for crate::media::Frame {
    fn pts(&self) -> f64 {
        self.pts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::Frame;

    fn at(pts: f64) -> Frame {
        Frame { pts, ..Frame::black(2, 2) }
    }

    #[test]
    fn pictures_wait_for_earlier_ones_and_late_ones_are_lost() {
        let mut r = PtsReorder::new(16);
        // Decode order I0 P3 B1 B2, then P4 late after 5 was shown.
        r.hold(at(0.0));
        r.release(Some(3.0));
        assert_eq!(r.next().map(|f| f.pts), Some(0.0));
        r.hold(at(3.0));
        r.release(Some(1.0));
        assert!(r.next().is_none());
        r.hold(at(1.0));
        r.release(Some(2.0));
        r.hold(at(2.0));
        r.release(Some(5.0));
        let order: Vec<f64> = std::iter::from_fn(|| r.next().map(|f| f.pts)).collect();
        assert_eq!(order, [1.0, 2.0, 3.0]);
        r.hold(at(5.0));
        r.release(None);
        r.hold(at(4.0));
        r.release(None);
        assert_eq!(r.next().map(|f| f.pts), Some(5.0));
        assert!(r.next().is_none());
        assert_eq!(r.take_lost(), [4.0]);
    }

    #[test]
    fn at_most_max_held_pictures_wait() {
        let mut r = PtsReorder::new(2);
        for p in [3.0, 4.0, 5.0] {
            r.hold(at(p));
            r.release(Some(0.0)); // something earlier is always promised, never comes
        }
        assert_eq!(r.next().map(|f| f.pts), Some(3.0));
        assert!(r.next().is_none());
    }
}
