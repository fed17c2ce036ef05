//! Motion-adaptive deinterlacing (the yadif algorithm) of woven interlaced frames.
//!
//! A camcorder's 1080i frame holds two fields shot 1/50 or 1/60 s apart, woven line by
//! line. Shown as they are, moving edges comb; dropping a field halves the vertical
//! resolution of still parts. This keeps the first field's lines and rebuilds the other
//! field's lines at the first field's time: from the temporal average of that field in the
//! frames before and after where nothing moves, from the lines above and below (along the
//! best-matching edge direction) where something does, the change allowed between the two
//! bounded by how much the neighbourhood moved — yadif's rule, as FFmpeg's `yadif`
//! filter applies it in mode 0 (one frame out per frame in; the constant-rate converter
//! then retimes to 30 fps).
//!
//! Every plane is treated alike (4:2:0 interlaced chroma is coded by field as well).
//!
//! **Field order** is measured, not assumed: MP4 files rarely say it (no `fiel` box) and
//! the H.264 stream says it only in optional SEI messages. Shot top field first, a
//! frame's bottom field lies in time between its own top field and the next frame's, so
//! it matches their average better than the top field matches the average of the two
//! bottom fields around it; bottom field first, the other way round. The first frames
//! with motion decide ([`FieldOrder::TopFirst`] until they do).

use crate::media::{Frame, FrameRef};

/// Which field of a frame was shot first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FieldOrder {
    /// Top field (even lines) first: HD camcorders, x264's default.
    #[default]
    TopFirst,
    /// Bottom field (odd lines) first: DV and some SD sources.
    BottomFirst,
}

/// Deinterlaces a stream of frames with one frame of delay (the next frame is needed to
/// see motion).
#[derive(Debug)]
pub struct Deinterlacer {
    order: FieldOrder,
    /// Evidence for each field order so far: (top first, bottom first) mismatch sums.
    evidence: (u64, u64),
    /// Frame pairs measured; the order is fixed after [`ORDER_PAIRS`].
    measured: usize,
    prev: Option<Frame>,
    cur: Option<Frame>,
    /// The output picture, reused.
    out: Frame,
    /// A spare buffer for the next incoming frame.
    spare: Option<Frame>,
}

impl Deinterlacer {
    /// A deinterlacer for frames whose first field is `order`.
    pub fn new(order: FieldOrder) -> Self {
        Deinterlacer {
            order,
            evidence: (0, 0),
            measured: 0,
            prev: None,
            cur: None,
            out: Frame::black(2, 2),
            spare: None,
        }
    }

    /// The field order in use (measured from the frames so far).
    pub fn order(&self) -> FieldOrder {
        self.order
    }

    /// Takes the next frame in; gives back the previous one deinterlaced (none for the
    /// stream's first frame).
    pub fn push(&mut self, frame: FrameRef<'_>) -> Option<FrameRef<'_>> {
        let mut next = self.spare.take().unwrap_or_else(|| Frame::black(2, 2));
        frame.copy_into(&mut next);
        let Some(cur) = self.cur.take() else {
            self.cur = Some(next);
            return None;
        };
        // A picture size change starts over: the held frame is finished on its own.
        let same_size = (cur.width, cur.height) == (next.width, next.height);
        let prev = self.prev.as_ref().filter(|p| (p.width, p.height) == (cur.width, cur.height)).unwrap_or(&cur);
        let following = if same_size { &next } else { &cur };
        if same_size && self.measured < ORDER_PAIRS {
            let (top, bottom) = field_order_evidence(&cur, &next);
            self.evidence = (self.evidence.0 + top, self.evidence.1 + bottom);
            // Too little motion to tell says nothing; the default stays.
            if self.evidence.0.abs_diff(self.evidence.1) > u64::from(cur.width) * 4 {
                self.order =
                    if self.evidence.0 <= self.evidence.1 { FieldOrder::TopFirst } else { FieldOrder::BottomFirst };
                self.measured += 1;
            }
        }
        weave_out(self.order, prev, &cur, following, &mut self.out);
        self.spare = self.prev.take();
        if same_size {
            self.prev = Some(cur);
        } else {
            self.spare = Some(cur);
        }
        self.cur = Some(next);
        Some(self.out.view())
    }

    /// Ends the stream: the last frame deinterlaced, if one is held. The next frame pushed
    /// starts a new stream.
    pub fn finish(&mut self) -> Option<FrameRef<'_>> {
        let cur = self.cur.take()?;
        let prev = self.prev.take();
        let before = prev.as_ref().filter(|p| (p.width, p.height) == (cur.width, cur.height)).unwrap_or(&cur);
        weave_out(self.order, before, &cur, &cur, &mut self.out);
        self.spare = Some(cur);
        Some(self.out.view())
    }
}

/// Frame pairs whose motion decides the field order.
const ORDER_PAIRS: usize = 8;

/// How badly each field order explains `cur` followed by `next` (luma; lower is better).
/// Top first, the fields run T0 B0 T1 B1: `cur`'s bottom field is half a frame from
/// `next`'s top field, while `cur`'s top field is a frame and a half from `next`'s bottom
/// field. Bottom first, the other way round. Each mismatch compares a field's lines with
/// the other frame's lines of the other field just above and below.
fn field_order_evidence(cur: &Frame, next: &Frame) -> (u64, u64) {
    let (w, h) = (cur.width as usize, cur.height as usize);
    let mut mismatch = [0u64; 2];
    for y in 1..h.saturating_sub(1) {
        let mut sum = 0u64;
        for x in 0..w {
            let around = u32::from(next.y[(y - 1) * w + x]) + u32::from(next.y[(y + 1) * w + x]);
            sum += u64::from((2 * u32::from(cur.y[y * w + x])).abs_diff(around));
        }
        // Odd lines are the bottom field: close to the next top field under top-first.
        mismatch[1 - y % 2] += sum;
    }
    (mismatch[0], mismatch[1])
}

/// Deinterlaces `cur` (with `prev` and `next` around it) into `out`.
fn weave_out(order: FieldOrder, prev: &Frame, cur: &Frame, next: &Frame, out: &mut Frame) {
    let (cw, ch) = Frame::chroma_size(cur.width, cur.height);
    let (w, h) = (cur.width as usize, cur.height as usize);
    out.width = cur.width;
    out.height = cur.height;
    out.pts = cur.pts;
    out.y.resize(w * h, 0);
    out.u.resize(cw * ch, 0);
    out.v.resize(cw * ch, 0);
    let keep_parity = usize::from(order == FieldOrder::BottomFirst);
    plane(&prev.y, &cur.y, &next.y, &mut out.y, w, h, keep_parity);
    plane(&prev.u, &cur.u, &next.u, &mut out.u, cw, ch, keep_parity);
    plane(&prev.v, &cur.v, &next.v, &mut out.v, cw, ch, keep_parity);
}

/// One plane of `w` x `h` samples: lines of parity `keep` are copied from `cur`, the others
/// rebuilt.
fn plane(prev: &[u8], cur: &[u8], next: &[u8], out: &mut [u8], w: usize, h: usize, keep: usize) {
    if h < 3 {
        out.copy_from_slice(&cur[..w * h]);
        return;
    }
    fn row(p: &[u8], w: usize, y: usize) -> &[u8] {
        &p[y * w..][..w]
    }
    for y in 0..h {
        if y % 2 == keep {
            out[y * w..][..w].copy_from_slice(row(cur, w, y));
            continue;
        }
        // Neighbouring lines of the kept field (mirrored at the picture's edges).
        let up = if y >= 1 { y - 1 } else { y + 1 };
        let down = if y + 1 < h { y + 1 } else { y - 1 };
        // Lines of the rebuilt field two away (for the spatial-consistency check).
        let up2 = if y >= 2 { y - 2 } else { y };
        let down2 = if y + 2 < h { y + 2 } else { y };
        line(
            Rows {
                c: row(cur, w, up),
                e: row(cur, w, down),
                // The missing field exists in the previous frame (before the kept field) and
                // in this frame (after it).
                before: row(prev, w, y),
                after: row(cur, w, y),
                before_up2: row(prev, w, up2),
                after_up2: row(cur, w, up2),
                before_down2: row(prev, w, down2),
                after_down2: row(cur, w, down2),
                // The kept field one frame earlier and later, for its motion.
                prev_c: row(prev, w, up),
                prev_e: row(prev, w, down),
                next_c: row(next, w, up),
                next_e: row(next, w, down),
            },
            &mut out[y * w..][..w],
        );
    }
}

/// The rows one rebuilt line is made from.
struct Rows<'a> {
    c: &'a [u8],
    e: &'a [u8],
    before: &'a [u8],
    after: &'a [u8],
    before_up2: &'a [u8],
    after_up2: &'a [u8],
    before_down2: &'a [u8],
    after_down2: &'a [u8],
    prev_c: &'a [u8],
    prev_e: &'a [u8],
    next_c: &'a [u8],
    next_e: &'a [u8],
}

fn line(r: Rows<'_>, out: &mut [u8]) {
    let w = out.len();
    let at = |p: &[u8], x: isize| -> i32 { i32::from(p[x.clamp(0, w as isize - 1) as usize]) };
    for (x, o) in out.iter_mut().enumerate() {
        let xi = x as isize;
        let c = i32::from(r.c[x]);
        let e = i32::from(r.e[x]);
        let d = (i32::from(r.before[x]) + i32::from(r.after[x])) >> 1;
        let td0 = (i32::from(r.before[x]) - i32::from(r.after[x])).abs();
        let td1 = ((i32::from(r.prev_c[x]) - c).abs() + (i32::from(r.prev_e[x]) - e).abs()) >> 1;
        let td2 = ((i32::from(r.next_c[x]) - c).abs() + (i32::from(r.next_e[x]) - e).abs()) >> 1;
        let mut diff = (td0 >> 1).max(td1).max(td2);
        // Edge-directed spatial prediction: the direction (up to two samples either way)
        // along which the lines above and below match best.
        let score = |k: isize| -> i32 {
            (at(r.c, xi - 1 + k) - at(r.e, xi - 1 - k)).abs()
                + (at(r.c, xi + k) - at(r.e, xi - k)).abs()
                + (at(r.c, xi + 1 + k) - at(r.e, xi + 1 - k)).abs()
        };
        let mut best = score(0);
        let mut spatial = (c + e) >> 1;
        for dir in [-1isize, 1] {
            for k in [dir, 2 * dir] {
                let s = score(k);
                if s >= best {
                    break;
                }
                best = s;
                spatial = (at(r.c, xi + k) + at(r.e, xi - k)) >> 1;
            }
        }
        // The rebuilt field's own lines two above and below must not contradict it.
        let b = (i32::from(r.before_up2[x]) + i32::from(r.after_up2[x])) >> 1;
        let f = (i32::from(r.before_down2[x]) + i32::from(r.after_down2[x])) >> 1;
        let hi = (d - e).max(d - c).max((b - c).min(f - e));
        let lo = (d - e).min(d - c).min((b - c).max(f - e));
        diff = diff.max(lo).max(-hi);
        *o = spatial.clamp(d - diff, d + diff).clamp(0, 255) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame whose top field shows a bar at `top_x` and bottom field at `bottom_x`.
    fn woven(w: u32, h: u32, top_x: usize, bottom_x: usize, pts: f64) -> Frame {
        let mut f = Frame::black(w, h);
        for y in 0..h as usize {
            let x0 = if y % 2 == 0 { top_x } else { bottom_x };
            for x in x0..x0 + 4 {
                f.y[y * w as usize + x] = 235;
            }
        }
        f.pts = pts;
        f
    }

    fn combing(f: FrameRef<'_>) -> u64 {
        // Sum of |line - average of its neighbours| over the inner picture.
        let w = f.width as usize;
        let mut sum = 0u64;
        for y in 1..f.height as usize - 1 {
            for x in 0..w {
                let (a, b, c) = (f.y[(y - 1) * w + x], f.y[y * w + x], f.y[(y + 1) * w + x]);
                sum += (i32::from(b) - (i32::from(a) + i32::from(c)) / 2).unsigned_abs() as u64;
            }
        }
        sum
    }

    #[test]
    fn a_still_picture_passes_unchanged() {
        let mut d = Deinterlacer::new(FieldOrder::TopFirst);
        let still = woven(32, 16, 10, 10, 0.0);
        assert!(d.push(still.view()).is_none());
        let out = d.push(still.view()).unwrap().y.to_vec();
        assert_eq!(out, still.y);
        assert_eq!(d.finish().unwrap().y, &still.y[..]);
        assert!(d.finish().is_none());
    }

    #[test]
    fn moving_edges_stop_combing() {
        // The bar moves 6 pixels per field: woven frames comb badly.
        let mut d = Deinterlacer::new(FieldOrder::TopFirst);
        let frames: Vec<Frame> = (0..4).map(|i| woven(64, 32, 4 + 12 * i, 10 + 12 * i, i as f64)).collect();
        let before = combing(frames[1].view());
        assert!(d.push(frames[0].view()).is_none());
        let first = d.push(frames[1].view()).unwrap();
        assert_eq!(first.pts, 0.0);
        let out = d.push(frames[2].view()).unwrap();
        assert_eq!(out.pts, 1.0);
        let after = combing(out);
        assert!(after * 4 < before, "combing {before} → {after}");
        // The kept (top) field is untouched.
        for y in (0..32).step_by(2) {
            assert_eq!(&out.y[y * 64..][..64], &frames[1].y[y * 64..][..64]);
        }
    }

    #[test]
    fn the_field_order_is_measured_from_motion() {
        for (bottom_first, want) in [(false, FieldOrder::TopFirst), (true, FieldOrder::BottomFirst)] {
            // A 16-pixel bar moving 6 pixels a field: the earlier field of each frame is 6
            // pixels behind.
            let frames: Vec<Frame> = (0..4)
                .map(|i| {
                    let mut f = Frame::black(64, 32);
                    for y in 0..32 {
                        let early_field = (y % 2 == 1) == bottom_first;
                        let x0 = 4 + 12 * i + if early_field { 0 } else { 6 };
                        f.y[y * 64 + x0..][..16].fill(235);
                    }
                    f.pts = i as f64;
                    f
                })
                .collect();
            // Told the wrong order, it finds the right one from the first pair.
            let wrong = if bottom_first { FieldOrder::TopFirst } else { FieldOrder::BottomFirst };
            let mut d = Deinterlacer::new(wrong);
            d.push(frames[0].view());
            let out = d.push(frames[1].view()).unwrap();
            let keep = usize::from(bottom_first);
            for y in (keep..32).step_by(2) {
                assert_eq!(&out.y[y * 64..][..64], &frames[0].y[y * 64..][..64], "{want:?} line {y}");
            }
            assert_eq!(d.order(), want);
        }
    }

    #[test]
    fn bottom_first_keeps_odd_lines_and_sizes_may_change() {
        let mut d = Deinterlacer::new(FieldOrder::BottomFirst);
        let a = woven(16, 8, 2, 8, 0.0);
        let b = woven(32, 16, 2, 8, 1.0);
        assert!(d.push(a.view()).is_none());
        let out = d.push(b.view()).unwrap();
        assert_eq!((out.width, out.height), (16, 8));
        for y in (1..8).step_by(2) {
            assert_eq!(&out.y[y * 16..][..16], &a.y[y * 16..][..16]);
        }
        let last = d.finish().unwrap();
        assert_eq!((last.width, last.height, last.pts), (32, 16, 1.0));
        // Tiny pictures are copied.
        let tiny = Frame::filled(2, 2, 50, 128, 128);
        d.push(tiny.view());
        assert_eq!(d.finish().unwrap().y, &tiny.y[..]);
    }
}
