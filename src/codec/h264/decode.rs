//! H.264 decoding with OpenH264, behind [`VideoDecoder`]: MP4 samples in,
//! presentation-ordered pictures out.
//!
//! OpenH264 reorders B-frame streams itself (one picture out per call at most), but it is
//! configured here so that it never flushes mid-stream: its default per-call flush releases
//! pictures before later-decoded, earlier-displayed B-frames arrive. It is drained only by
//! [`VideoDecoder::flush`].
//!
//! Timestamps: every sample that carries slice data is tagged with a sequence number that
//! OpenH264 passes through to the picture it produces (`uiInBsTimeStamp` →
//! `uiOutYuvTimeStamp`), so each frame gets its own sample's pts rather than a guess. As a
//! safety net against the library's POC heuristics getting the order wrong, a frame is only
//! released once no still-undecoded sample has an earlier pts; samples that will never
//! produce a picture (corrupt, dropped) are recognised by counting what the library still
//! holds, and forgotten.
//!
//! A picture that can be shown at once stays in the library's buffer and is lent from
//! there ([`Ready::Library`]); it is copied only when the library must be called again
//! before the caller took it, or when it must wait for an earlier one.

use std::collections::{BTreeMap, VecDeque};

use super::annexb;
use super::ffi::{RawDecoder, DS_DATA_ERROR_CONCEALED};
use crate::codec::video::{Decoded, Packet, Picture, VideoDecoder};
use crate::error::{Error, Result};
use crate::limits::MAX_DIMENSION;
use crate::media::{Frame, FrameRef, VideoCodec, VideoInfo};

/// Pictures OpenH264 may hold for reordering before we pull the oldest out ourselves: H.264
/// allows at most 16 in the DPB and real streams use 1–4; the library drops pictures when its
/// 16-slot queue overflows, so it must never get near that.
const MAX_LIBRARY_BACKLOG: usize = 8;
/// Frames held back waiting for an earlier one before giving up on it.
const MAX_HELD: usize = 16;
/// Returned frames kept for reuse: enough for the frames in flight between decoder and
/// consumer, few enough that a 4K pool stays small.
const MAX_SPARES: usize = 2;
/// Flush calls at end of stream: each releases one picture; the bound only guards against
/// a library that keeps claiming pictures it never hands out.
const MAX_FLUSH_CALLS: usize = 64;

/// Fails with [`Error::Unsupported`] for anything but 8-bit 4:2:0 H.264 no larger than
/// [`MAX_DIMENSION`] (what every backend decodes today), and with [`Error::Malformed`] for
/// an impossible NAL length size.
pub(crate) fn check_track(info: &VideoInfo) -> Result<()> {
    if info.codec != VideoCodec::H264 {
        return Err(Error::unsupported(format!("{} video", info.fourcc), "only H.264 input can be decoded"));
    }
    if info.bit_depth != 8 || info.chroma_format != "4:2:0" {
        return Err(Error::unsupported(
            format!("H.264 {}-bit {}", info.bit_depth, info.chroma_format),
            "re-export the video as 8-bit 4:2:0 (yuv420p)",
        ));
    }
    if info.width > MAX_DIMENSION || info.height > MAX_DIMENSION {
        return Err(Error::unsupported(
            format!("{}x{} video", info.width, info.height),
            format!("scale the video to at most {MAX_DIMENSION} pixels per side first"),
        ));
    }
    if !(1..=4).contains(&info.nal_length_size) {
        return Err(Error::malformed("avcC", format!("NAL length size {}", info.nal_length_size)));
    }
    Ok(())
}

/// Decodes one H.264 track with OpenH264.
pub struct OpenH264Decoder {
    raw: RawDecoder,
    nal_length_size: u8,
    order: Reorder,
    /// Reused Annex-B conversion buffer.
    annexb_buf: Vec<u8>,
    /// Parameter sets (Annex-B) to send ahead of the next sample.
    queued_sets: Vec<u8>,
    /// Pictures ready to hand out, in presentation order.
    ready: VecDeque<Ready>,
    /// The held frame handed out last, recycled by the next call.
    lent: Option<Frame>,
    /// `flush` was called: `receive_picture` drains the library.
    draining: bool,
    /// Flush calls made while draining.
    flush_calls: usize,
}

/// A picture ready to hand out.
enum Ready {
    /// The library's last picture, still in its buffer, shown at this pts.
    Library(f64),
    /// A copy.
    Owned(Frame),
}

/// Where each decoded picture goes in presentation order.
struct Reorder {
    next_tag: u64,
    /// pts of each tagged sample whose picture has not come out yet, by tag.
    pending: BTreeMap<u64, f64>,
    /// Decoded frames not yet ready, sorted by pts.
    held: Vec<Frame>,
    /// pts of the last frame made ready; later frames with a smaller pts are dropped.
    last_pts: Option<f64>,
    /// Frame buffers for the pictures that must be held.
    spares: Vec<Frame>,
    /// The earliest pts among samples the caller has not sent yet, when it says.
    upcoming: Option<f64>,
    /// pts of samples found never to produce a picture, until the caller takes them.
    lost: Vec<f64>,
}

impl OpenH264Decoder {
    /// Creates a decoder for the track described by `info` and feeds it the SPS/PPS from
    /// the `avcC` box. Fails as [`check_track`] says.
    pub fn new(info: &VideoInfo) -> Result<Self> {
        check_track(info)?;
        let mut dec = OpenH264Decoder {
            raw: RawDecoder::new()?,
            nal_length_size: info.nal_length_size,
            order: Reorder {
                next_tag: 0,
                pending: BTreeMap::new(),
                held: Vec::new(),
                last_pts: None,
                spares: Vec::new(),
                upcoming: None,
                lost: Vec::new(),
            },
            annexb_buf: Vec::new(),
            queued_sets: Vec::new(),
            ready: VecDeque::new(),
            lent: None,
            draining: false,
            flush_calls: 0,
        };
        dec.use_parameter_sets(&info.sps, &info.pps)?;
        Ok(dec)
    }

    fn use_parameter_sets(&mut self, sps: &[Vec<u8>], pps: &[Vec<u8>]) -> Result<()> {
        self.queue_parameter_sets(sps, pps);
        let buf = std::mem::take(&mut self.queued_sets);
        if !buf.is_empty() {
            let (state, pic) = self.raw.decode(&buf, 0)?;
            if state != 0 || pic.is_some() {
                return Err(Error::codec("H.264 decode", format!("avcC parameter sets rejected (state {state:#x})")));
            }
        }
        Ok(())
    }

    /// Like [`VideoDecoder::send_packet`] for one access unit already in Annex-B form
    /// (start codes), e.g. from a raw `.h264` stream. Parameter sets may be in-band.
    pub fn send_annexb(&mut self, access_unit: &[u8], pts: f64, upcoming: Option<f64>) -> Result<Decoded> {
        self.order.upcoming = upcoming;
        let has_vcl = annexb::annexb_nals(access_unit).iter().any(|n| annexb::is_vcl(n));
        self.decode_annexb(access_unit, pts, has_vcl)
    }

    /// Copies the library's picture out of its buffer if the caller has not taken it yet:
    /// the next library call reuses that buffer.
    fn settle(&mut self) {
        for r in &mut self.ready {
            if let Ready::Library(pts) = *r {
                let mut frame = self.order.spares.pop().unwrap_or_else(|| Frame::black(2, 2));
                match self.raw.picture() {
                    Some(pic) => FrameRef { pts, ..pic }.copy_into(&mut frame),
                    None => {
                        self.order.lost.push(pts);
                        continue;
                    }
                }
                *r = Ready::Owned(frame);
            }
        }
        self.ready.retain(|r| matches!(r, Ready::Owned(_)));
    }

    /// Takes the picture of the last library call, if it returned one.
    fn take_library_picture(&mut self, tag: Option<u64>) {
        if let (Some(tag), Some(pic)) = (tag, self.raw.picture()) {
            self.order.take(pic, tag, &mut self.ready);
        }
    }

    fn decode_annexb(&mut self, data: &[u8], pts: f64, has_vcl: bool) -> Result<Decoded> {
        if !pts.is_finite() {
            return Err(Error::Invalid(format!("H.264 sample pts {pts} is not finite")));
        }
        if data.is_empty() {
            // An empty call means "end of stream" to the library; never send one.
            self.order.release(&mut self.ready);
            return Ok(Decoded::Clean);
        }
        let tag = if has_vcl {
            self.order.next_tag += 1;
            self.order.pending.insert(self.order.next_tag, pts);
            self.order.next_tag
        } else {
            0
        };
        self.settle();
        let (state, got) = self.raw.decode(data, tag)?;
        self.take_library_picture(got);
        // Keep the library's reorder queue short (see MAX_LIBRARY_BACKLOG). Its oldest
        // picture is the next to show once this many are queued.
        while self.raw.buffered() > MAX_LIBRARY_BACKLOG {
            self.settle();
            let Some(tag) = self.raw.flush()? else { break };
            self.take_library_picture(Some(tag));
        }
        let in_library = self.raw.buffered();
        self.order.forget_lost_samples(in_library);
        self.order.release(&mut self.ready);
        match state {
            0 => Ok(Decoded::Clean),
            // The concealment bit: whatever else went wrong, the decoder made a picture.
            s if s & i64::from(DS_DATA_ERROR_CONCEALED) != 0 => Ok(Decoded::Concealed),
            _ => Err(Error::codec(
                "H.264 decode",
                format!("corrupt or unsupported data at pts {pts:.3} s (decoder state {state:#x})"),
            )),
        }
    }

    /// One step of the end-of-stream drain: pulls pictures from the library until one is
    /// ready or the library is empty, then hands out what is still held.
    fn drain_step(&mut self) {
        while self.ready.is_empty() && self.draining {
            self.flush_calls += 1;
            let tag = if self.flush_calls > MAX_FLUSH_CALLS { Ok(None) } else { self.raw.flush() };
            match tag {
                Ok(Some(tag)) => self.take_library_picture(Some(tag)),
                // A failing flush ends the drain like an empty library: what it still
                // owes is lost.
                Ok(None) | Err(_) => {
                    self.draining = false;
                    let owed: Vec<f64> = self.order.pending.values().copied().collect();
                    self.order.lost.extend(owed);
                    self.order.pending.clear();
                    self.order.upcoming = None;
                    self.order.release(&mut self.ready);
                }
            }
        }
    }
}

impl VideoDecoder for OpenH264Decoder {
    fn queue_parameter_sets(&mut self, sps: &[Vec<u8>], pps: &[Vec<u8>]) {
        let sets = sps.iter().chain(pps).map(Vec::as_slice).filter(|n| !n.is_empty());
        annexb::write_annexb(sets, &mut self.queued_sets);
    }

    /// OpenH264 normally holds a picture until the B-frames shown before it are decoded,
    /// but after a damaged picture, with concealment on, it hands pictures out as soon as
    /// they are decoded; knowing what is still to come (`packet.upcoming`), the decoder
    /// holds such a picture back instead of dropping the B-frames that arrive after it.
    /// A sample the library rejects without making a picture is an error; one it could
    /// conceal returns [`Decoded::Concealed`].
    fn send_packet(&mut self, packet: Packet<'_>) -> Result<Decoded> {
        self.order.upcoming = packet.upcoming;
        let mut buf = std::mem::take(&mut self.annexb_buf);
        let has_vcl = match annexb::sample_to_annexb(packet.data, self.nal_length_size, &mut self.queued_sets, &mut buf)
        {
            Ok(has_vcl) => has_vcl,
            Err(e) => {
                // Unreadable framing never reaches the library: its picture is lost here.
                self.annexb_buf = buf;
                self.order.lost.push(packet.pts);
                return Err(e);
            }
        };
        let result = self.decode_annexb(&buf, packet.pts, has_vcl);
        self.annexb_buf = buf;
        result
    }

    fn receive_picture(&mut self) -> Option<Picture<'_>> {
        if let Some(f) = self.lent.take() {
            self.order.recycle(f);
        }
        if self.ready.is_empty() {
            self.drain_step();
        }
        match self.ready.pop_front()? {
            Ready::Library(pts) => self.raw.picture().map(|pic| Picture::from_i420(FrameRef { pts, ..pic })),
            Ready::Owned(frame) => Some(Picture::from_i420(self.lent.insert(frame).view())),
        }
    }

    fn flush(&mut self) -> Result<()> {
        self.draining = true;
        Ok(())
    }

    /// Rejected by the library, or dropped by it after damage (OpenH264 does not output
    /// the B-frames it cannot decode).
    fn take_lost(&mut self) -> Vec<f64> {
        std::mem::take(&mut self.order.lost)
    }
}

impl Reorder {
    /// The earliest pts a picture still to come may have: of the samples sent whose
    /// picture has not come out, and of those not sent yet.
    fn earliest_outstanding(&self) -> Option<f64> {
        let pending = self.pending.values().copied().min_by(f64::total_cmp);
        match (pending, self.upcoming) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn recycle(&mut self, frame: Frame) {
        if self.spares.len() < MAX_SPARES {
            self.spares.push(frame);
        }
    }

    /// Takes a picture from the library: ready at once, left in the library's buffer,
    /// when nothing can come before it (the usual case), otherwise copied and held.
    fn take(&mut self, pic: FrameRef<'_>, tag: u64, ready: &mut VecDeque<Ready>) {
        let Some(pts) = self.pts_of(tag) else { return };
        let earliest_pending = self.earliest_outstanding();
        if self.held.is_empty() && earliest_pending.is_none_or(|p| pts <= p) {
            if self.may_show(pts) {
                ready.push_back(Ready::Library(pts));
            }
            return;
        }
        let mut frame = self.spares.pop().unwrap_or_else(|| Frame::black(2, 2));
        FrameRef { pts, ..pic }.copy_into(&mut frame);
        let at = self.held.partition_point(|f| f.pts <= pts);
        self.held.insert(at, frame);
    }

    /// The pts of the sample a picture came from, forgetting the sample.
    fn pts_of(&mut self, tag: u64) -> Option<f64> {
        if let Some(p) = self.pending.remove(&tag) {
            return Some(p);
        }
        // Untagged (should not happen): the earliest outstanding pts is the best guess,
        // since pictures come out in presentation order.
        let (t, p) = self.pending.iter().min_by(|a, b| a.1.total_cmp(b.1)).map(|(&t, &p)| (t, p))?;
        self.pending.remove(&t);
        Some(p)
    }

    /// Samples not yet output that the library is not holding either will never produce a
    /// picture. Pictures still queued for display are the later ones, so the earliest
    /// outstanding pts values are the lost ones.
    fn forget_lost_samples(&mut self, in_library: usize) {
        let lost = self.pending.len().saturating_sub(in_library);
        if lost == 0 {
            return;
        }
        let mut by_pts: Vec<(u64, f64)> = self.pending.iter().map(|(&t, &p)| (t, p)).collect();
        by_pts.sort_by(|a, b| a.1.total_cmp(&b.1));
        for (t, p) in by_pts.into_iter().take(lost) {
            self.pending.remove(&t);
            self.lost.push(p);
        }
    }

    /// Makes held frames that no outstanding sample can precede ready.
    fn release(&mut self, ready: &mut VecDeque<Ready>) {
        let earliest_pending = self.earliest_outstanding();
        let mut count = 0;
        for (i, f) in self.held.iter().enumerate() {
            let overflow = self.held.len() - i > MAX_HELD;
            if overflow || earliest_pending.is_none_or(|p| f.pts <= p) {
                count = i + 1;
            } else {
                break;
            }
        }
        if count > 0 && self.held.len() > MAX_HELD {
            // We gave up waiting: the samples before the released frames are treated as lost.
            let cut = self.held[count - 1].pts;
            let lost = &mut self.lost;
            self.pending.retain(|_, p| {
                let keep = *p > cut;
                if !keep {
                    lost.push(*p);
                }
                keep
            });
        }
        let frames: Vec<Frame> = self.held.drain(..count).collect();
        for f in frames {
            if self.may_show(f.pts) {
                ready.push_back(Ready::Owned(f));
            } else {
                self.recycle(f);
            }
        }
    }

    /// Whether a frame at `pts` may still be shown (no later frame was made ready), noting
    /// it as the latest if so.
    fn may_show(&mut self, pts: f64) -> bool {
        if self.last_pts.is_some_and(|last| pts < last) {
            // Arrived after a later frame was already made ready: it cannot be shown.
            self.lost.push(pts);
            return false;
        }
        self.last_pts = Some(pts);
        true
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::codec::h264::annexb::{NAL_PPS, NAL_SPS};
    use crate::codec::h264::rusty::RustyDecoder;
    use crate::codec::video::{decode_frames, flush_frames, open_decoder, DecoderKind};
    use std::process::Command;

    const KINDS: [DecoderKind; 3] = [DecoderKind::OpenH264, DecoderKind::Rusty, DecoderKind::RustH264];

    /// The earliest pts among `samples` (what a decoder is told is still to come).
    pub(crate) fn earliest(samples: &[(Vec<u8>, f64)]) -> Option<f64> {
        samples.iter().map(|(_, p)| *p).min_by(f64::total_cmp)
    }

    /// Sends sample `i` of `samples` at `pts + offset`, telling the decoder what follows.
    fn send(
        dec: &mut dyn VideoDecoder,
        samples: &[(Vec<u8>, f64)],
        i: usize,
        data: &[u8],
        offset: f64,
    ) -> Result<Decoded> {
        let upcoming = earliest(&samples[i + 1..]).map(|p| p + offset);
        dec.send_packet(Packet { data, pts: samples[i].1 + offset, upcoming })
    }

    /// A `VideoInfo` for an H.264 track with the given parameter sets.
    pub(crate) fn h264_info(width: u32, height: u32, sps: Vec<Vec<u8>>, pps: Vec<Vec<u8>>) -> VideoInfo {
        VideoInfo {
            fps: 25.0,
            frame_duration_range: (0.04, 0.04),
            has_reordering: true,
            keyframes: 1,
            sps,
            pps,
            ..VideoInfo::new(VideoCodec::H264, "avc1", width, height)
        }
    }

    fn run(cmd: &mut Command) -> Vec<u8> {
        let out = cmd.output().expect("run ffmpeg/ffprobe");
        assert!(out.status.success(), "{:?}: {}", cmd, String::from_utf8_lossy(&out.stderr));
        out.stdout
    }

    /// The video samples of an MP4 (decode order, AVCC) with their pts, and the track's
    /// parameter sets, obtained from ffmpeg so this test does not depend on our demuxer.
    /// Samples with pts, then the SPS and PPS lists.
    pub(crate) type Track = (Vec<(Vec<u8>, f64)>, Vec<Vec<u8>>, Vec<Vec<u8>>);

    pub(crate) fn mp4_samples(path: &str) -> Track {
        let csv = run(Command::new("ffprobe").args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "packet=pts_time,size",
            "-of",
            "csv=p=0",
            path,
        ]));
        let data =
            run(Command::new("ffmpeg")
                .args(["-v", "error", "-i", path, "-map", "0:v:0", "-c", "copy", "-f", "data", "-"]));
        let mut samples = Vec::new();
        let mut at = 0;
        for line in String::from_utf8(csv).unwrap().lines() {
            let mut parts = line.split(',');
            let pts: f64 = parts.next().unwrap().parse().unwrap();
            let size: usize = parts.next().unwrap().trim().parse().unwrap();
            samples.push((data[at..at + size].to_vec(), pts));
            at += size;
        }
        assert_eq!(at, data.len());
        let annexb = run(Command::new("ffmpeg").args([
            "-v",
            "error",
            "-i",
            path,
            "-map",
            "0:v:0",
            "-c",
            "copy",
            "-frames:v",
            "1",
            "-bsf:v",
            "h264_mp4toannexb",
            "-f",
            "h264",
            "-",
        ]));
        let nals = annexb::annexb_nals(&annexb);
        let pick = |t| nals.iter().filter(|n| annexb::nal_type(n) == t).map(|n| n.to_vec()).collect::<Vec<_>>();
        (samples, pick(NAL_SPS), pick(NAL_PPS))
    }

    pub(crate) fn ffmpeg_yuv(path: &str) -> Vec<u8> {
        run(Command::new("ffmpeg").args([
            "-v",
            "error",
            "-i",
            path,
            "-map",
            "0:v:0",
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            "-",
        ]))
    }

    const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/landscape_bframes.mp4");

    fn mad(a: &[u8], b: &[u8]) -> f64 {
        a.iter().zip(b).map(|(x, y)| u64::from(x.abs_diff(*y))).sum::<u64>() as f64 / a.len() as f64
    }

    /// Every backend decodes the B-frame fixture in presentation order with each sample's
    /// pts; OpenH264 comes within a mean difference of 1 of FFmpeg's decode (it drifts on
    /// B-frames), rusty_h264 is bit-exact.
    #[test]
    fn decodes_bframe_fixture_in_presentation_order_matching_ffmpeg() {
        let (samples, sps, pps) = mp4_samples(FIXTURE);
        assert_eq!(samples.len(), 100);
        let reference = ffmpeg_yuv(FIXTURE);
        let size = 640 * 360 * 3 / 2;
        assert_eq!(reference.len(), size * 100);
        for kind in KINDS {
            let mut dec = open_decoder(kind, &h264_info(640, 360, sps.clone(), pps.clone())).unwrap();
            let mut frames = Vec::new();
            let mut max_latency = 0;
            for (i, (s, _)) in samples.iter().enumerate() {
                dec.send_packet(Packet { data: s, pts: samples[i].1, upcoming: earliest(&samples[i + 1..]) }).unwrap();
                while let Some(p) = dec.receive_picture() {
                    let mut f = Frame::black(2, 2);
                    p.as_i420().unwrap().copy_into(&mut f);
                    frames.push(f);
                }
                max_latency = max_latency.max(i + 1 - frames.len());
            }
            frames.extend(flush_frames(dec.as_mut()).unwrap());
            assert!(dec.take_lost().is_empty());
            assert_eq!(frames.len(), 100, "{kind}");
            assert!(max_latency <= 4, "{kind} held {max_latency} frames");
            let (ys, cs) = (640 * 360, 320 * 180);
            let mut worst = (0.0f64, 0.0f64);
            for (i, f) in frames.iter().enumerate() {
                assert_eq!((f.width, f.height, f.u.len()), (640, 360, cs));
                assert!((f.pts - i as f64 * 0.04).abs() < 1e-6, "{kind} frame {i} pts {}", f.pts);
                // Every frame against ffmpeg's decode: a wrong order or pts would show here.
                let r = &reference[i * size..(i + 1) * size];
                let (y, u, v) = (mad(&f.y, &r[..ys]), mad(&f.u, &r[ys..ys + cs]), mad(&f.v, &r[ys + cs..]));
                assert!(y < 1.0 && u < 1.0 && v < 1.0, "{kind} frame {i}: mean abs diff Y {y} U {u} V {v}");
                worst = (worst.0.max(y), worst.1.max(u.max(v)));
            }
            eprintln!("{kind}: worst mean abs diff vs ffmpeg: luma {:.4}, chroma {:.4}", worst.0, worst.1);
            if kind != DecoderKind::OpenH264 {
                assert_eq!(worst, (0.0, 0.0), "{kind} is bit-exact with FFmpeg");
            }
        }
    }

    #[test]
    fn decodes_annexb_access_units() {
        let (samples, sps, pps) = mp4_samples(FIXTURE);
        let info = h264_info(640, 360, Vec::new(), Vec::new());
        for kind in KINDS {
            let mut o = OpenH264Decoder::new(&info).unwrap();
            let mut r = RustyDecoder::new(&info).unwrap();
            let mut frames = Vec::new();
            let first = &samples[..20];
            for (i, (s, pts)) in first.iter().enumerate() {
                let mut au = Vec::new();
                if i == 0 {
                    annexb::write_annexb(sps.iter().chain(&pps).map(Vec::as_slice), &mut au);
                }
                annexb::avcc_to_annexb(s, 4, &mut au).unwrap();
                let up = earliest(&first[i + 1..]);
                let dec: &mut dyn VideoDecoder = match kind {
                    DecoderKind::OpenH264 => {
                        o.send_annexb(&au, *pts, up).unwrap();
                        &mut o
                    }
                    DecoderKind::Rusty => {
                        r.send_annexb(&au, *pts, up).unwrap();
                        &mut r
                    }
                    // Takes MP4 samples only.
                    DecoderKind::RustH264 => break,
                };
                while let Some(p) = dec.receive_picture() {
                    frames.push(p.pts);
                }
            }
            if kind == DecoderKind::RustH264 {
                continue;
            }
            let dec: &mut dyn VideoDecoder = if kind == DecoderKind::Rusty { &mut r } else { &mut o };
            frames.extend(flush_frames(dec).unwrap().iter().map(|f| f.pts));
            let expected: Vec<f64> = (0..20).map(|i| i as f64 * 0.04).collect();
            assert_eq!(frames.len(), 20, "{kind}");
            assert!(frames.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-6), "{kind} {frames:?}");
        }
    }

    #[test]
    fn garbage_gives_errors_not_panics() {
        let (samples, sps, pps) = mp4_samples(FIXTURE);
        for kind in KINDS {
            let mut dec = open_decoder(kind, &h264_info(640, 360, sps.clone(), pps.clone())).unwrap();
            // Deterministic pseudo-random bytes (xorshift), framed as plausible NAL units.
            let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
            let mut rnd = move || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            let mut errors = 0;
            for i in 0..200u32 {
                let len = 8 + (rnd() % 3000) as usize;
                let mut nal: Vec<u8> = (0..len).map(|_| rnd() as u8).collect();
                // Alternate slice, IDR, SPS and PPS headers so the parser goes deep.
                nal[0] = [0x41, 0x65, 0x67, 0x68, 0x01][i as usize % 5];
                let mut sample = Vec::new();
                annexb::write_avcc([nal.as_slice()], &mut sample).unwrap();
                let pts = f64::from(i) * 0.04;
                errors +=
                    usize::from(decode_frames(dec.as_mut(), Packet { data: &sample, pts, upcoming: None }).0.is_err());
            }
            // Bad framing is an error too, not a panic, and its picture is lost.
            let _ = dec.take_lost();
            let (r, _) = decode_frames(dec.as_mut(), Packet { data: &[0, 0, 0, 200, 1, 2], pts: 9.0, upcoming: None });
            assert!(r.is_err());
            assert_eq!(dec.take_lost(), [9.0]);
            assert!(errors > 0, "{kind}: 200 garbage samples raised no error");
            // A fresh decoder of the same kind after the garbage decodes the whole stream:
            // the garbage left nothing process-wide behind.
            drop(dec);
            let mut dec = open_decoder(kind, &h264_info(640, 360, sps.clone(), pps.clone())).unwrap();
            let mut good = Vec::new();
            for (i, (s, _)) in samples.iter().enumerate() {
                let _ = send(dec.as_mut(), &samples, i, s, 100.0);
                while let Some(p) = dec.receive_picture() {
                    good.push(p.pts);
                }
            }
            good.extend(flush_frames(dec.as_mut()).unwrap().iter().map(|f| f.pts));
            assert_eq!(good.len(), 100, "{kind}");
            assert!(good.windows(2).all(|w| w[0] < w[1]), "{kind}: presentation order");
        }
    }

    #[test]
    fn openh264_recovers_from_garbage_at_new_parameter_sets() {
        let (samples, sps, pps) = mp4_samples(FIXTURE);
        let mut dec = OpenH264Decoder::new(&h264_info(640, 360, sps.clone(), pps.clone())).unwrap();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for i in 0..100u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let nal: Vec<u8> =
                [0x65].into_iter().chain((0..(x % 2000) as usize).map(|k| (x >> (k % 56)) as u8)).collect();
            let mut sample = Vec::new();
            annexb::write_avcc([nal.as_slice()], &mut sample).unwrap();
            let _ = decode_frames(&mut dec, Packet { data: &sample, pts: f64::from(i) * 0.04, upcoming: None });
        }
        let mut sets = Vec::new();
        annexb::write_annexb(sps.iter().chain(&pps).map(Vec::as_slice), &mut sets);
        let _ = dec.send_annexb(&sets, 100.0, None);
        let mut good = Vec::new();
        // After damage OpenH264 hands pictures out as soon as they are decoded: told what
        // is still to come, the decoder keeps every B-frame.
        for (i, (s, _)) in samples.iter().enumerate() {
            let _ = send(&mut dec, &samples, i, s, 100.0);
            while let Some(p) = dec.receive_picture() {
                good.push(p.pts);
            }
        }
        good.extend(flush_frames(&mut dec).unwrap().iter().map(|f| f.pts));
        assert_eq!(good.len(), 100);
        assert!(good.windows(2).all(|w| w[0] < w[1]), "presentation order");
    }

    /// One damaged picture in a B-frame stream: the pictures that come out are in
    /// presentation order, and every sample is either shown or reported lost. OpenH264
    /// conceals; rusty_h264 loses pictures instead.
    #[test]
    fn damage_in_a_bframe_stream_is_concealed_or_lost_without_disorder() {
        let (samples, sps, pps) = mp4_samples(FIXTURE);
        for kind in KINDS {
            let mut dec = open_decoder(kind, &h264_info(640, 360, sps.clone(), pps.clone())).unwrap();
            let (mut frames, mut failed, mut concealed) = (Vec::new(), 0, 0);
            for (i, (s, _)) in samples.iter().enumerate() {
                let mut s = s.clone();
                if i == 40 {
                    s[8..].iter_mut().for_each(|b| *b ^= 0x5a);
                }
                match send(dec.as_mut(), &samples, i, &s, 0.0) {
                    Ok(Decoded::Clean) => {}
                    Ok(Decoded::Concealed) => concealed += 1,
                    Err(_) => failed += 1,
                }
                while let Some(p) = dec.receive_picture() {
                    frames.push(p.pts);
                }
            }
            frames.extend(flush_frames(dec.as_mut()).unwrap().iter().map(|f| f.pts));
            let lost = dec.take_lost();
            eprintln!("{kind}: {} shown, {} lost, {failed} failed, {concealed} concealed", frames.len(), lost.len());
            assert_eq!(frames.len() + lost.len(), 100, "{kind}: {} shown, {} lost", frames.len(), lost.len());
            assert!(lost.iter().all(|&p| p > 1.5), "{kind}: only pictures after the damage are lost: {lost:?}");
            assert!(frames.windows(2).all(|w| w[0] < w[1]), "{kind}: presentation order");
            match kind {
                DecoderKind::OpenH264 => {
                    assert!(failed <= 2 && concealed > 0, "{failed} failed, {concealed} concealed")
                }
                DecoderKind::Rusty => assert!(failed >= 1 && concealed == 0),
                // No concealment either; it may take damage for picture data.
                DecoderKind::RustH264 => assert_eq!(concealed, 0),
            }
        }
    }

    #[test]
    fn rejects_unsupported_tracks() {
        for kind in KINDS {
            // 10-bit and 4:2:2 go to rust_h264 whatever was chosen; 4:4:4 and 12-bit nowhere.
            let mut info = h264_info(640, 360, Vec::new(), Vec::new());
            info.bit_depth = 10;
            assert!(open_decoder(kind, &info).is_ok());
            info.bit_depth = 12;
            assert!(matches!(open_decoder(kind, &info), Err(Error::Unsupported { .. })));
            let mut info = h264_info(640, 360, Vec::new(), Vec::new());
            info.chroma_format = "4:2:2".into();
            assert!(open_decoder(kind, &info).is_ok());
            info.chroma_format = "4:4:4".into();
            assert!(matches!(open_decoder(kind, &info), Err(Error::Unsupported { .. })));
            let info = h264_info(MAX_DIMENSION + 2, 360, Vec::new(), Vec::new());
            assert!(matches!(open_decoder(kind, &info), Err(Error::Unsupported { .. })));
        }
    }
}
