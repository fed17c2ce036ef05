//! H.264 decoding with OpenH264: MP4 samples in, presentation-ordered [`Frame`]s out.
//!
//! OpenH264 reorders B-frame streams itself (one picture out per call at most), but it is
//! configured here so that it never flushes mid-stream: its default per-call flush releases
//! pictures before later-decoded, earlier-displayed B-frames arrive. It is drained only by
//! [`H264Decoder::flush`].
//!
//! Timestamps: every sample that carries slice data is tagged with a sequence number that
//! OpenH264 passes through to the picture it produces (`uiInBsTimeStamp` →
//! `uiOutYuvTimeStamp`), so each frame gets its own sample's pts rather than a guess. As a
//! safety net against the library's POC heuristics getting the order wrong, a frame is only
//! released once no still-undecoded sample has an earlier pts; samples that will never
//! produce a picture (corrupt, dropped) are recognised by counting what the library still
//! holds, and forgotten.

use super::annexb;
use super::ffi::{DecodedPicture, RawDecoder, DS_DATA_ERROR_CONCEALED};
use crate::error::{Error, Result};
use crate::limits::MAX_DIMENSION;
use crate::media::{Frame, FrameRef, VideoCodec, VideoInfo};
use std::collections::BTreeMap;

/// Pictures OpenH264 may hold for reordering before we pull the oldest out ourselves: H.264
/// allows at most 16 in the DPB and real streams use 1–4; the library drops pictures when its
/// 16-slot queue overflows, so it must never get near that.
const MAX_LIBRARY_BACKLOG: usize = 8;
/// Frames held back waiting for an earlier one before giving up on it.
const MAX_HELD: usize = 16;
/// Returned frames kept for reuse: enough for the frames in flight between decoder and
/// consumer, few enough that a 4K pool stays small.
const MAX_SPARES: usize = 2;

/// Decodes one H.264 track.
pub struct H264Decoder {
    raw: RawDecoder,
    nal_length_size: u8,
    order: Reorder,
    /// Reused Annex-B conversion buffer.
    annexb_buf: Vec<u8>,
    /// Frames collected by a call that then failed, returned by the next one.
    undelivered: Vec<Frame>,
    /// Parameter sets (Annex-B) to send ahead of the next sample.
    queued_sets: Vec<u8>,
}

/// Where each decoded picture goes in presentation order.
struct Reorder {
    next_tag: u64,
    /// pts of each tagged sample whose picture has not come out yet, by tag.
    pending: BTreeMap<u64, f64>,
    /// Decoded frames not yet handed out, sorted by pts.
    held: Vec<Frame>,
    /// pts of the last frame handed out; later frames with a smaller pts are dropped.
    last_pts: Option<f64>,
    /// Frame buffers for the pictures that must be held.
    spares: Vec<Frame>,
    /// The earliest pts among samples the caller has not sent yet, when it says.
    upcoming: Option<f64>,
    /// pts of samples found never to produce a picture, until the caller takes them.
    lost: Vec<f64>,
}

/// Receives each frame, in presentation order, while it is borrowed from the decoder.
pub type FrameSink<'s> = dyn FnMut(FrameRef<'_>) -> Result<()> + 's;

/// How a sample decoded, when it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// Without a complaint.
    Clean,
    /// It or one of its references was damaged: the decoder concealed that (copying from
    /// earlier pictures) and made a picture.
    Concealed,
}

impl H264Decoder {
    /// Creates a decoder for the track described by `info` and feeds it the SPS/PPS from
    /// the `avcC` box.
    ///
    /// Fails with [`Error::Unsupported`] for anything but 8-bit 4:2:0 H.264 no larger than
    /// [`MAX_DIMENSION`].
    pub fn new(info: &VideoInfo) -> Result<Self> {
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
        let mut dec = H264Decoder {
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
            undelivered: Vec::new(),
            queued_sets: Vec::new(),
        };
        dec.use_parameter_sets(&info.sps, &info.pps)?;
        Ok(dec)
    }

    /// Sends a sample description's SPS and PPS ahead of the next sample: where a track
    /// switches to another description, its parameter sets change at that sample.
    pub fn queue_parameter_sets(&mut self, sps: &[Vec<u8>], pps: &[Vec<u8>]) {
        let sets = sps.iter().chain(pps).map(Vec::as_slice).filter(|n| !n.is_empty());
        annexb::write_annexb(sets, &mut self.queued_sets);
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

    /// Decodes one MP4 sample (length-prefixed NAL units) presented at `pts` seconds.
    ///
    /// Returns the frames that became ready, in presentation order, each with its own
    /// sample's pts. One sample in is not one frame out: B-frame streams return nothing at
    /// first and catch up later; call [`H264Decoder::flush`] at the end. A corrupt sample
    /// gives an error; the decoder stays usable and frames decoded before the error are
    /// returned by the next call.
    pub fn decode(&mut self, sample: &[u8], pts: f64) -> Result<Vec<Frame>> {
        self.collect(|dec, sink| dec.decode_with(sample, pts, sink).map(drop))
    }

    /// Like [`H264Decoder::decode`], but hands each ready frame to `sink` while it is
    /// still in the decoder's own buffer, so the usual case copies nothing. Frames decoded
    /// before an error have already been handed out when the error is returned.
    ///
    /// A sample the decoder rejects without making a picture is an error; one it could
    /// conceal returns [`Decoded::Concealed`].
    pub fn decode_with(&mut self, sample: &[u8], pts: f64, sink: &mut FrameSink<'_>) -> Result<Decoded> {
        let nals = annexb::avcc_nals(sample, self.nal_length_size)?;
        let has_vcl = nals.iter().any(|n| annexb::is_vcl(n));
        let mut buf = std::mem::take(&mut self.annexb_buf);
        buf.clear();
        buf.append(&mut self.queued_sets);
        annexb::write_annexb(nals.into_iter().filter(|n| !annexb::is_extension_layer(n)), &mut buf);
        let result = self.decode_annexb_inner(&buf, pts, has_vcl, sink);
        self.annexb_buf = buf;
        result
    }

    /// Like [`H264Decoder::decode`] for one access unit already in Annex-B form (start
    /// codes), e.g. from a raw `.h264` stream. Parameter sets may be in-band.
    pub fn decode_annexb(&mut self, access_unit: &[u8], pts: f64) -> Result<Vec<Frame>> {
        let has_vcl = annexb::annexb_nals(access_unit).iter().any(|n| annexb::is_vcl(n));
        self.collect(|dec, sink| dec.decode_annexb_inner(access_unit, pts, has_vcl, sink).map(drop))
    }

    /// Tells the decoder the earliest pts among the samples that will follow the next one
    /// (`None` at the end of the stream). OpenH264 normally holds a picture until the
    /// B-frames shown before it are decoded, but after a damaged picture, with concealment
    /// on, it hands pictures out as soon as they are decoded; knowing what is still to come,
    /// the decoder holds such a picture back instead of dropping the B-frames that arrive
    /// after it.
    pub fn announce_upcoming(&mut self, earliest_pts: Option<f64>) {
        self.order.upcoming = earliest_pts;
    }

    /// The pts of samples found, since the last call, never to produce a picture: rejected
    /// by the library, or dropped by it after damage (OpenH264 does not output the B-frames
    /// it cannot decode). Their slots show the previous picture.
    pub fn take_lost(&mut self) -> Vec<f64> {
        std::mem::take(&mut self.order.lost)
    }

    /// Hands back a frame this decoder returned, so that a later picture reuses its buffers
    /// instead of allocating (a 4K frame is 12 MB).
    pub fn recycle(&mut self, frame: Frame) {
        self.order.recycle(frame);
    }

    /// Drains every buffered picture at end of stream.
    pub fn flush(&mut self) -> Result<Vec<Frame>> {
        self.collect(|dec, sink| dec.flush_with(sink))
    }

    /// Like [`H264Decoder::flush`], handing each frame to `sink` (see
    /// [`H264Decoder::decode_with`]).
    pub fn flush_with(&mut self, sink: &mut FrameSink<'_>) -> Result<()> {
        // Each call releases one picture; the bound only guards against a library that
        // keeps claiming pictures it never hands out.
        for _ in 0..64 {
            let Some(pic) = self.raw.flush()? else { break };
            self.order.take(&pic, sink)?;
        }
        // What the library still owes after a full drain never comes.
        let owed: Vec<f64> = self.order.pending.values().copied().collect();
        self.order.lost.extend(owed);
        self.order.pending.clear();
        self.order.upcoming = None;
        self.order.release(sink)
    }

    /// Runs a `*_with` call, collecting its frames as owned copies in recycled buffers.
    fn collect(&mut self, call: impl FnOnce(&mut Self, &mut FrameSink<'_>) -> Result<()>) -> Result<Vec<Frame>> {
        let mut pool = std::mem::take(&mut self.order.spares);
        let mut frames = std::mem::take(&mut self.undelivered);
        let result = call(self, &mut |f: FrameRef<'_>| {
            let mut frame = pool.pop().unwrap_or_else(|| Frame::black(2, 2));
            f.copy_into(&mut frame);
            frames.push(frame);
            Ok(())
        });
        for spare in pool {
            self.order.recycle(spare);
        }
        match result {
            Ok(()) => Ok(frames),
            Err(e) => {
                self.undelivered = frames;
                Err(e)
            }
        }
    }

    fn decode_annexb_inner(
        &mut self,
        data: &[u8],
        pts: f64,
        has_vcl: bool,
        sink: &mut FrameSink<'_>,
    ) -> Result<Decoded> {
        if !pts.is_finite() {
            return Err(Error::Invalid(format!("H.264 sample pts {pts} is not finite")));
        }
        if data.is_empty() {
            // An empty call means "end of stream" to the library; never send one.
            self.order.release(sink)?;
            return Ok(Decoded::Clean);
        }
        let tag = if has_vcl {
            self.order.next_tag += 1;
            self.order.pending.insert(self.order.next_tag, pts);
            self.order.next_tag
        } else {
            0
        };
        let (state, pic) = self.raw.decode(data, tag)?;
        if let Some(pic) = pic {
            self.order.take(&pic, sink)?;
        }
        // Keep the library's reorder queue short (see MAX_LIBRARY_BACKLOG). Its oldest
        // picture is the next to show once this many are queued.
        while self.raw.buffered() > MAX_LIBRARY_BACKLOG {
            let Some(pic) = self.raw.flush()? else { break };
            self.order.take(&pic, sink)?;
        }
        let in_library = self.raw.buffered();
        self.order.forget_lost_samples(in_library);
        let outcome = match state {
            0 => Decoded::Clean,
            // The concealment bit: whatever else went wrong, the decoder made a picture.
            s if s & i64::from(DS_DATA_ERROR_CONCEALED) != 0 => Decoded::Concealed,
            _ => {
                return Err(Error::codec(
                    "H.264 decode",
                    format!("corrupt or unsupported data at pts {pts:.3} s (decoder state {state:#x})"),
                ))
            }
        };
        self.order.release(sink)?;
        Ok(outcome)
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

    /// Takes a picture from the library: straight to `sink` when nothing can come before
    /// it (the usual case), otherwise copied and held.
    fn take(&mut self, pic: &DecodedPicture<'_>, sink: &mut FrameSink<'_>) -> Result<()> {
        let Some(pts) = self.pts_of(pic.tag) else { return Ok(()) };
        let earliest_pending = self.earliest_outstanding();
        if self.held.is_empty() && earliest_pending.is_none_or(|p| pts <= p) {
            return self.show(view(pic, pts), sink);
        }
        let mut frame = self.spares.pop().unwrap_or_else(|| Frame::black(2, 2));
        view(pic, pts).copy_into(&mut frame);
        let at = self.held.partition_point(|f| f.pts <= pts);
        self.held.insert(at, frame);
        Ok(())
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

    /// Hands out held frames that no outstanding sample can precede.
    fn release(&mut self, sink: &mut FrameSink<'_>) -> Result<()> {
        let earliest_pending = self.earliest_outstanding();
        let mut ready = 0;
        for (i, f) in self.held.iter().enumerate() {
            let overflow = self.held.len() - i > MAX_HELD;
            if overflow || earliest_pending.is_none_or(|p| f.pts <= p) {
                ready = i + 1;
            } else {
                break;
            }
        }
        if ready > 0 && self.held.len() > MAX_HELD {
            // We gave up waiting: the samples before the released frames are treated as lost.
            let cut = self.held[ready - 1].pts;
            let lost = &mut self.lost;
            self.pending.retain(|_, p| {
                let keep = *p > cut;
                if !keep {
                    lost.push(*p);
                }
                keep
            });
        }
        let frames: Vec<Frame> = self.held.drain(..ready).collect();
        for f in frames {
            let shown = self.show(f.view(), sink);
            self.recycle(f);
            shown?;
        }
        Ok(())
    }

    /// Hands `frame` to `sink` unless a later frame was already handed out.
    fn show(&mut self, frame: FrameRef<'_>, sink: &mut FrameSink<'_>) -> Result<()> {
        if self.last_pts.is_some_and(|last| frame.pts < last) {
            // Arrived after a later frame was already handed out: it cannot be shown.
            self.lost.push(frame.pts);
            return Ok(());
        }
        self.last_pts = Some(frame.pts);
        sink(frame)
    }
}

/// A library picture as a borrowed frame presented at `pts`.
fn view<'a>(pic: &DecodedPicture<'a>, pts: f64) -> FrameRef<'a> {
    FrameRef { pts, ..pic.frame }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::codec::h264::annexb::{NAL_PPS, NAL_SPS};
    use std::process::Command;

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

    fn ffmpeg_yuv(path: &str) -> Vec<u8> {
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

    #[test]
    fn decodes_bframe_fixture_in_presentation_order_matching_ffmpeg() {
        let (samples, sps, pps) = mp4_samples(FIXTURE);
        assert_eq!(samples.len(), 100);
        let mut dec = H264Decoder::new(&h264_info(640, 360, sps, pps)).unwrap();
        let mut frames = Vec::new();
        let mut max_latency = 0;
        for (i, (s, pts)) in samples.iter().enumerate() {
            frames.extend(dec.decode(s, *pts).unwrap());
            max_latency = max_latency.max(i + 1 - frames.len());
        }
        frames.extend(dec.flush().unwrap());
        assert_eq!(frames.len(), 100);
        assert!(max_latency <= 4, "decoder held {max_latency} frames");
        for (i, f) in frames.iter().enumerate() {
            assert_eq!((f.width, f.height), (640, 360));
            assert_eq!(f.u.len(), 320 * 180);
            assert!((f.pts - i as f64 * 0.04).abs() < 1e-6, "frame {i} pts {}", f.pts);
        }
        // Every frame against ffmpeg's decode: a wrong order or pts would show here.
        let reference = ffmpeg_yuv(FIXTURE);
        let size = 640 * 360 * 3 / 2;
        assert_eq!(reference.len(), size * 100);
        let mad = |a: &[u8], b: &[u8]| {
            a.iter().zip(b).map(|(x, y)| u64::from(x.abs_diff(*y))).sum::<u64>() as f64 / a.len() as f64
        };
        let (ys, cs) = (640 * 360, 320 * 180);
        let mut worst = (0.0f64, 0.0f64);
        for (i, f) in frames.iter().enumerate() {
            let r = &reference[i * size..(i + 1) * size];
            let (y, u, v) = (mad(&f.y, &r[..ys]), mad(&f.u, &r[ys..ys + cs]), mad(&f.v, &r[ys + cs..]));
            assert!(y < 1.0 && u < 1.0 && v < 1.0, "frame {i}: mean abs diff Y {y} U {u} V {v}");
            worst = (worst.0.max(y), worst.1.max(u.max(v)));
        }
        eprintln!("worst mean abs diff vs ffmpeg: luma {:.4}, chroma {:.4}", worst.0, worst.1);
    }

    #[test]
    fn decodes_annexb_access_units() {
        let (samples, sps, pps) = mp4_samples(FIXTURE);
        let mut dec = H264Decoder::new(&h264_info(640, 360, Vec::new(), Vec::new())).unwrap();
        let mut frames = Vec::new();
        for (i, (s, pts)) in samples.iter().take(20).enumerate() {
            let mut au = Vec::new();
            if i == 0 {
                annexb::write_annexb(sps.iter().chain(&pps).map(Vec::as_slice), &mut au);
            }
            annexb::avcc_to_annexb(s, 4, &mut au).unwrap();
            frames.extend(dec.decode_annexb(&au, *pts).unwrap());
        }
        frames.extend(dec.flush().unwrap());
        let pts: Vec<f64> = frames.iter().map(|f| f.pts).collect();
        let expected: Vec<f64> = (0..20).map(|i| i as f64 * 0.04).collect();
        assert_eq!(pts.len(), 20);
        assert!(pts.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-6), "{pts:?}");
    }

    #[test]
    fn garbage_gives_errors_not_panics() {
        let (samples, sps, pps) = mp4_samples(FIXTURE);
        let mut dec = H264Decoder::new(&h264_info(640, 360, sps.clone(), pps.clone())).unwrap();
        // Deterministic pseudo-random bytes (xorshift), framed as plausible NAL units.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut errors = 0;
        let mut frames = 0;
        for i in 0..200u32 {
            let len = 8 + (rnd() % 3000) as usize;
            let mut nal: Vec<u8> = (0..len).map(|_| rnd() as u8).collect();
            // Alternate slice, IDR, SPS and PPS headers so the parser goes deep.
            nal[0] = [0x41, 0x65, 0x67, 0x68, 0x01][i as usize % 5];
            let mut sample = Vec::new();
            annexb::write_avcc([nal.as_slice()], &mut sample).unwrap();
            match dec.decode(&sample, f64::from(i) * 0.04) {
                Ok(f) => frames += f.len(),
                Err(_) => errors += 1,
            }
        }
        // Bad framing is an error too, not a panic.
        assert!(dec.decode(&[0, 0, 0, 200, 1, 2], 9.0).is_err());
        let _ = dec.flush();
        assert!(errors > 0, "200 garbage samples raised no error ({frames} frames)");
        // The same decoder recovers at the next IDR once it gets good parameter sets again.
        let mut sets = Vec::new();
        annexb::write_annexb(sps.iter().chain(&pps).map(Vec::as_slice), &mut sets);
        let _ = dec.decode_annexb(&sets, 100.0);
        let mut good = Vec::new();
        // After damage OpenH264 hands pictures out as soon as they are decoded: told what
        // is still to come, the decoder keeps every B-frame.
        for (i, (s, pts)) in samples.iter().enumerate() {
            let upcoming = samples[i + 1..].iter().map(|(_, p)| 100.0 + p).min_by(f64::total_cmp);
            dec.announce_upcoming(upcoming);
            if let Ok(f) = dec.decode(s, 100.0 + pts) {
                good.extend(f);
            }
        }
        good.extend(dec.flush().unwrap());
        assert_eq!(good.len(), 100);
        assert!(good.windows(2).all(|w| w[0].pts < w[1].pts), "presentation order");
    }

    /// One damaged picture in a B-frame stream: the pictures that come out are in
    /// presentation order, and every sample is either shown or reported lost.
    #[test]
    fn damage_in_a_bframe_stream_is_concealed_without_dropping_frames() {
        let (samples, sps, pps) = mp4_samples(FIXTURE);
        let mut dec = H264Decoder::new(&h264_info(640, 360, sps, pps)).unwrap();
        let (mut frames, mut failed, mut concealed) = (Vec::new(), 0, 0);
        for (i, (s, pts)) in samples.iter().enumerate() {
            let mut s = s.clone();
            if i == 40 {
                s[8..].iter_mut().for_each(|b| *b ^= 0x5a);
            }
            dec.announce_upcoming(samples[i + 1..].iter().map(|(_, p)| *p).min_by(f64::total_cmp));
            match dec.decode_with(&s, *pts, &mut |f| {
                frames.push(f.pts);
                Ok(())
            }) {
                Ok(Decoded::Clean) => {}
                Ok(Decoded::Concealed) => concealed += 1,
                Err(_) => failed += 1,
            }
        }
        dec.flush_with(&mut |f| {
            frames.push(f.pts);
            Ok(())
        })
        .unwrap();
        let lost = dec.take_lost();
        assert!(failed <= 2, "{failed} samples failed");
        assert!(concealed > 0);
        // OpenH264 outputs no picture for the B-frames after the damage (until the stream's
        // end here: it has one IDR); every sample is either shown or reported lost.
        assert_eq!(frames.len() + lost.len(), 100, "{} shown, {} lost", frames.len(), lost.len());
        assert!(lost.iter().all(|&p| p > 1.5), "only pictures after the damage are lost: {lost:?}");
        assert!(frames.windows(2).all(|w| w[0] < w[1]), "presentation order");
    }

    #[test]
    fn rejects_unsupported_tracks() {
        let mut info = h264_info(640, 360, Vec::new(), Vec::new());
        info.bit_depth = 10;
        assert!(matches!(H264Decoder::new(&info), Err(Error::Unsupported { .. })));
        let mut info = h264_info(640, 360, Vec::new(), Vec::new());
        info.chroma_format = "4:2:2".into();
        assert!(matches!(H264Decoder::new(&info), Err(Error::Unsupported { .. })));
        let info = h264_info(MAX_DIMENSION + 2, 360, Vec::new(), Vec::new());
        assert!(matches!(H264Decoder::new(&info), Err(Error::Unsupported { .. })));
    }
}
