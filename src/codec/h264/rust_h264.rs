//! H.264 decoding with `rust_h264` (pure Rust), behind [`VideoDecoder`]: the backend for
//! what `rusty_h264` and OpenH264 cannot decode — High 10, High 4:2:2 and interlaced
//! (field pictures and MBAFF) streams, as camcorders, broadcast exports and some phones'
//! HDR modes write them.
//!
//! The crate's `Decoder` works in decode order and finishes a picture only when the next
//! one's first slice arrives (or at the end): the picture it returns belongs to the packet
//! that began the picture before. That pts is kept here (`building`), as the crate's own
//! `OrderedDecoder` does, and presentation order is restored from the samples' pts by
//! [`PtsReorder`], as for the other backends (the crate's reorder buffer would hold up to
//! 16 pictures back; the samples' pts say exactly when each may go). Nothing shown after
//! the picture still being built is released before it. Interlaced pictures come out as frames with both fields woven; the
//! pipeline deinterlaces them.
//!
//! 4:4:4 is not decoded by this crate either (it rejects such streams cleanly).
//!
//! It is young code fed untrusted bytes, so each call runs under `catch_unwind`: a panic
//! becomes a codec error for that packet and the decoder is replaced by a fresh one primed
//! with the parameter sets, which waits for the next IDR picture.

use std::panic::{catch_unwind, AssertUnwindSafe};

use ::rust_h264::decoder::{ChromaFormat as CrateChroma, Decoder, Frame as CrateFrame};
use ::rust_h264::nal::{parse_avcc, NalUnitType};

use super::annexb;
use crate::codec::reorder::{PtsReorder, Timed};
use crate::codec::video::{ChromaFormat, Decoded, Packet, Picture, Plane, Planes, VideoDecoder};
use crate::error::{Error, Result};
use crate::limits::MAX_DIMENSION;
use crate::media::{VideoCodec, VideoInfo};

const STAGE: &str = "H.264 decode";
/// Pictures held waiting for an earlier one (H.264 allows at most 16 in the DPB).
const MAX_HELD: usize = 16;

/// What a packet's NAL units did to the picture being built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slices {
    /// No slice: parameter sets, SEI.
    None,
    /// Slices of the picture already being built.
    Continuing,
    /// The first slice of a new picture.
    Starting,
}

/// Decoded samples of one plane set.
#[derive(Debug)]
enum Samples {
    U8 { y: Vec<u8>, u: Vec<u8>, v: Vec<u8> },
    U16 { y: Vec<u16>, u: Vec<u16>, v: Vec<u16> },
}

/// A decoded picture owned by this backend until it is handed out.
#[derive(Debug)]
struct Decoded10 {
    width: u32,
    height: u32,
    chroma: ChromaFormat,
    bit_depth: u8,
    samples: Samples,
    pts: f64,
}

impl Timed for Decoded10 {
    fn pts(&self) -> f64 {
        self.pts
    }
}

/// Decodes one H.264 track with `rust_h264`.
pub struct RustH264Decoder {
    dec: Box<Decoder>,
    /// The pts of the packet that began the picture the crate is building.
    building: Option<f64>,
    nal_length_size: usize,
    /// Every parameter set sent so far, length-prefixed (4 bytes), to prime a replacement.
    sets: Vec<u8>,
    /// Pictures on their way out in presentation order.
    order: PtsReorder<Decoded10>,
    /// pts of packets already reported lost: a picture of theirs that still comes out
    /// (the crate may finish a damaged picture) is dropped, not shown twice over.
    written_off: Vec<f64>,
    /// pts of packets with slices whose picture has not come out, in sending order. The
    /// crate holds at most the picture it is building, so anything older was dropped
    /// without a word (seen on a Samsung clip that decodes to nothing): it is lost.
    pending: std::collections::VecDeque<f64>,
}

impl RustH264Decoder {
    /// Creates a decoder for the H.264 track described by `info`, fed its `avcC` SPS/PPS.
    pub fn new(info: &VideoInfo) -> Result<Self> {
        if info.codec != VideoCodec::H264 {
            return Err(Error::unsupported(format!("{} video", info.fourcc), "only H.264 input can be decoded"));
        }
        if !matches!(info.bit_depth, 8 | 10) || info.chroma_format == "4:4:4" {
            return Err(Error::unsupported(
                format!("H.264 {}-bit {}", info.bit_depth, info.chroma_format),
                "re-export the video as 8- or 10-bit 4:2:0 or 4:2:2",
            ));
        }
        if info.width > MAX_DIMENSION || info.height > MAX_DIMENSION {
            return Err(Error::unsupported(
                format!("{}x{} video", info.width, info.height),
                format!("scale the video to at most {MAX_DIMENSION} pixels per side first"),
            ));
        }
        if ![1, 2, 4].contains(&info.nal_length_size) {
            return Err(Error::malformed("avcC", format!("NAL length size {}", info.nal_length_size)));
        }
        let mut this = RustH264Decoder {
            dec: Box::default(),
            building: None,
            nal_length_size: usize::from(info.nal_length_size),
            sets: Vec::new(),
            order: PtsReorder::new(MAX_HELD),
            written_off: Vec::new(),
            pending: std::collections::VecDeque::new(),
        };
        this.queue_parameter_sets(&info.sps, &info.pps);
        Ok(this)
    }

    /// Feeds `data` (NAL units length-prefixed with `length_size` bytes) as the packet
    /// shown at `pts`; returns the pictures finished on the way with their packets' pts and
    /// what the packet held, or the crate's complaint if it had one. A panic replaces the
    /// decoder.
    fn call(&mut self, data: &[u8], length_size: usize, pts: f64) -> (Vec<(CrateFrame, f64)>, Slices, Option<String>) {
        let (dec, building) = (&mut self.dec, &mut self.building);
        let run = catch_unwind(AssertUnwindSafe(|| {
            let mut out = Vec::new();
            let mut slices = Slices::None;
            let mut complaint = None;
            for nal in parse_avcc(data, length_size) {
                let is_slice = matches!(nal.nal_unit_type, NalUnitType::Slice | NalUnitType::SliceIdr);
                if is_slice && slices == Slices::None {
                    slices = Slices::Continuing;
                }
                let finished = match dec.decode_nal(&nal) {
                    Ok(Some(frame)) => {
                        // A picture of no known packet (the first after a reset) is shown
                        // at this packet's time rather than dropped.
                        out.push((frame, building.take().unwrap_or(pts)));
                        true
                    }
                    Ok(None) => false,
                    Err(e) => {
                        complaint = Some(e.to_string());
                        false
                    }
                };
                if is_slice && (finished || building.is_none()) {
                    *building = Some(pts);
                    slices = Slices::Starting;
                }
            }
            (out, slices, complaint)
        }));
        match run {
            Ok(r) => r,
            Err(_) => {
                *self.dec = Decoder::new();
                self.building = None;
                let sets = std::mem::take(&mut self.sets);
                let dec = &mut self.dec;
                let _ = catch_unwind(AssertUnwindSafe(|| {
                    for nal in parse_avcc(&sets, 4) {
                        let _ = dec.decode_nal(&nal);
                    }
                }));
                self.sets = sets;
                (Vec::new(), Slices::Starting, Some("the decoder panicked (replaced by a fresh one)".into()))
            }
        }
    }

    /// Makes ready what nothing still to come precedes, counting the picture still being
    /// built (shown at `building`) among what is to come.
    fn release(&mut self, upcoming: Option<f64>) {
        let limit = match (upcoming, self.building) {
            (Some(u), Some(b)) => Some(u.min(b)),
            (u, b) => u.or(b),
        };
        self.order.release(limit);
    }

    /// Takes the crate's pictures in, dropping those of packets already written off.
    fn hold(&mut self, frames: Vec<(CrateFrame, f64)>) -> Result<()> {
        let mut bad = None;
        for (frame, pts) in frames {
            if let Some(i) = self.pending.iter().position(|&p| p == pts) {
                self.pending.remove(i);
            }
            if let Some(i) = self.written_off.iter().position(|&p| p == pts) {
                self.written_off.swap_remove(i);
                continue;
            }
            match to_picture(frame, pts) {
                Ok(p) => self.order.hold(p),
                Err(e) => {
                    self.order.lose(pts);
                    bad = Some(e);
                }
            }
        }
        bad.map_or(Ok(()), Err)
    }
}

/// The crate's frame as a picture, after checking its layout (10-bit samples arrive as
/// little-endian byte pairs).
fn to_picture(f: CrateFrame, pts: f64) -> Result<Decoded10> {
    let (w, h) = (f.width as usize, f.height as usize);
    if w == 0 || h == 0 || f.width > MAX_DIMENSION || f.height > MAX_DIMENSION {
        return Err(Error::codec(STAGE, format!("decoder returned a {w}x{h} picture")));
    }
    let chroma = match f.chroma_format {
        CrateChroma::Yuv420 => ChromaFormat::Yuv420,
        CrateChroma::Yuv422 => ChromaFormat::Yuv422,
    };
    let (cw, ch) = chroma.chroma_size(f.width, f.height);
    let bytes = f.bytes_per_sample();
    if f.y.len() != w * h * bytes || f.u.len() != cw * ch * bytes || f.v.len() != cw * ch * bytes {
        return Err(Error::codec(STAGE, format!("decoder returned a bad {w}x{h} picture layout")));
    }
    let samples = match f.bit_depth {
        8 => Samples::U8 { y: f.y, u: f.u, v: f.v },
        9..=16 => {
            let wide = |b: &[u8]| b.chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])).collect::<Vec<u16>>();
            Samples::U16 { y: wide(&f.y), u: wide(&f.u), v: wide(&f.v) }
        }
        d => return Err(Error::codec(STAGE, format!("decoder returned {d}-bit samples"))),
    };
    Ok(Decoded10 { width: f.width, height: f.height, chroma, bit_depth: f.bit_depth, samples, pts })
}

impl VideoDecoder for RustH264Decoder {
    fn queue_parameter_sets(&mut self, sps: &[Vec<u8>], pps: &[Vec<u8>]) {
        let mut sets = Vec::new();
        for nal in sps.iter().chain(pps).filter(|n| !n.is_empty()) {
            let Ok(len) = u32::try_from(nal.len()) else { continue };
            sets.extend_from_slice(&len.to_be_bytes());
            sets.extend_from_slice(nal);
        }
        // Parameter sets produce no pictures; complaints about them show on the slices.
        let _ = self.call(&sets, 4, 0.0);
        self.sets.extend_from_slice(&sets);
    }

    fn send_packet(&mut self, packet: Packet<'_>) -> Result<Decoded> {
        self.order.end_loan();
        let pts = packet.pts;
        if !pts.is_finite() {
            return Err(Error::Invalid(format!("H.264 sample pts {pts} is not finite")));
        }
        // The crate stops quietly at bad framing; it is this packet's error (and loss).
        if let Err(e) = annexb::avcc_nals(packet.data, self.nal_length_size as u8) {
            self.order.lose(pts);
            self.release(packet.upcoming);
            return Err(e);
        }
        let (frames, slices, complaint) = self.call(packet.data, self.nal_length_size, pts);
        let has_vcl = slices != Slices::None;
        // A packet that only continues the picture being built (the second field of a
        // pair stored as its own sample) has no picture of its own to wait for.
        if slices == Slices::Starting {
            self.pending.push_back(pts);
        }
        let held = self.hold(frames);
        // This packet's picture and the one before may still be inside the crate.
        while self.pending.len() > 2 {
            if let Some(stale) = self.pending.pop_front() {
                self.order.lose(stale);
                self.written_off.push(stale);
            }
        }
        let result = match complaint {
            Some(e) if has_vcl => {
                self.order.lose(pts);
                self.written_off.push(pts);
                self.pending.retain(|&p| p != pts);
                Err(Error::codec(STAGE, format!("corrupt or unsupported data at pts {pts:.3} s: {e}")))
            }
            _ => held.map(|()| Decoded::Clean),
        };
        self.release(packet.upcoming);
        result
    }

    fn receive_picture(&mut self) -> Option<Picture<'_>> {
        let p = self.order.next()?;
        // Planes are tightly packed: strides are the plane widths.
        let (luma, chroma) = (p.width as usize, p.chroma.chroma_size(p.width, p.height).0);
        let planes = match &p.samples {
            Samples::U8 { y, u, v } => Planes::U8 {
                y: Plane { data: y, stride: luma },
                u: Plane { data: u, stride: chroma },
                v: Plane { data: v, stride: chroma },
            },
            Samples::U16 { y, u, v } => Planes::U16 {
                bit_depth: p.bit_depth,
                y: Plane { data: y, stride: luma },
                u: Plane { data: u, stride: chroma },
                v: Plane { data: v, stride: chroma },
            },
        };
        Some(Picture { width: p.width, height: p.height, chroma: p.chroma, planes, pts: p.pts })
    }

    fn flush(&mut self) -> Result<()> {
        self.order.end_loan();
        let (dec, building) = (&mut self.dec, self.building.take());
        let last = catch_unwind(AssertUnwindSafe(|| dec.flush())).ok().flatten();
        let frames = match (last, building) {
            (Some(frame), Some(pts)) => vec![(frame, pts)],
            _ => Vec::new(),
        };
        let held = self.hold(frames);
        for stale in self.pending.drain(..) {
            self.order.lose(stale);
        }
        self.order.release(None);
        held
    }

    fn take_lost(&mut self) -> Vec<f64> {
        self.order.take_lost()
    }
}
