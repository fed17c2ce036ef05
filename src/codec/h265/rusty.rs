//! HEVC decoding with `rusty_h265` (pure Rust; Main, Main 10), behind [`VideoDecoder`].
//!
//! The crate takes NAL units and keeps its own decoded picture buffer, releasing pictures
//! in output (POC) order once the stream's reorder depth allows, each tagged with the pts
//! its access unit was pushed with. A picture is complete only when the next one starts,
//! so its output lags its packet by at least one call; presentation order is then also
//! checked here against the samples' own pts, as for H.264 (see [`Packet::upcoming`]).
//!
//! Only the base layer is decoded: NAL units with nuh_layer_id > 0 (MV-HEVC's second
//! view in Apple spatial video, a Dolby Vision profile 7 enhancement layer) and Dolby
//! Vision's RPU / EL NAL types (62, 63) are dropped before the crate sees them, which is
//! also what makes Dolby Vision 8.x decode as its HDR10/HLG base layer.
//!
//! Young code fed untrusted bytes: every call runs under `catch_unwind`; a panic becomes a
//! codec error and a fresh decoder (primed with every parameter set seen) that resumes at
//! the next IRAP picture.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use rusty_h265::Decoder;

use super::sps::{layer_id, nal_type, NAL_PPS, NAL_SPS, NAL_VPS};
use crate::codec::reorder::{PtsReorder, Timed};
use crate::codec::video::{ChromaFormat, Decoded, Packet, Picture, Plane, Planes, VideoDecoder};
use crate::error::{Error, Result};
use crate::limits::MAX_DIMENSION;
use crate::media::{Frame, VideoCodec, VideoInfo};

/// Pictures held waiting for an earlier one before giving up on it (HEVC's DPB holds at
/// most 16).
const MAX_HELD: usize = 16;
/// The stage named in decode errors (the concealment recognises it).
pub const STAGE: &str = "HEVC decode";
/// Where malformed sample framing is reported.
pub const SAMPLE_PLACE: &str = "HEVC sample";

/// Dolby Vision RPU (dynamic metadata) and enhancement-layer NAL unit types, carried in
/// the unspecified range (62, 63) of a Dolby Vision profile 7/8 stream.
const NAL_DOVI_RPU: u8 = 62;
const NAL_DOVI_EL: u8 = 63;

/// A decoded picture held by us, in its final layout.
enum Held {
    /// 8-bit streams: narrowed and cropped into an I420 frame.
    Eight(Frame),
    /// Deeper streams: the crate's picture, shared (no copy), with its crop window.
    Deep { pic: Arc<rusty_h265::Picture>, crop: (usize, usize, usize, usize), pts: f64 },
}

impl Timed for Held {
    fn pts(&self) -> f64 {
        match self {
            Held::Eight(f) => f.pts,
            Held::Deep { pts, .. } => *pts,
        }
    }
}

impl Held {
    fn picture(&self) -> Picture<'_> {
        match self {
            Held::Eight(f) => Picture::from_i420(f.view()),
            Held::Deep { pic, crop: (cx, cy, cw, ch), pts } => {
                let plane = |i: usize, x: usize, y: usize| {
                    let p = &pic.planes[i];
                    Plane { data: &p.data[y * p.stride + x..], stride: p.stride }
                };
                Picture {
                    // Both were bounded by MAX_DIMENSION when the picture was taken.
                    width: *cw as u32,
                    height: *ch as u32,
                    chroma: ChromaFormat::Yuv420,
                    planes: Planes::U16 {
                        bit_depth: pic.bit_depth_luma,
                        y: plane(0, *cx, *cy),
                        u: plane(1, cx / 2, cy / 2),
                        v: plane(2, cx / 2, cy / 2),
                    },
                    pts: *pts,
                }
            }
        }
    }
}

/// Decodes one HEVC track with `rusty_h265`.
pub struct RustyH265Decoder {
    dec: Box<Decoder>,
    nal_length_size: u8,
    /// Every parameter set NAL unit seen so far, to prime a replacement decoder.
    sets: Vec<Vec<u8>>,
    /// Parameter sets to push ahead of the next packet.
    queued: Vec<Vec<u8>>,
    /// pts of packets with slice data whose picture has not come out yet, in send order.
    pending: Vec<f64>,
    /// Decoded pictures on their way out in presentation order.
    order: PtsReorder<Held>,
}

/// Refuses tracks this backend cannot decode, before any sample is read.
fn check_track(info: &VideoInfo) -> Result<()> {
    if info.codec != VideoCodec::Hevc {
        return Err(Error::unsupported(format!("{} video", info.fourcc), "this decoder takes HEVC only"));
    }
    if info.bit_depth > 10 || info.chroma_format != "4:2:0" {
        return Err(Error::unsupported(
            format!("HEVC {}-bit {} ({})", info.bit_depth, info.chroma_format, info.profile.as_deref().unwrap_or("?")),
            "clipfit decodes HEVC Main and Main 10 (8/10-bit 4:2:0); re-export the video in one of those",
        ));
    }
    if info.width > MAX_DIMENSION || info.height > MAX_DIMENSION {
        return Err(Error::unsupported(
            format!("{}x{} video", info.width, info.height),
            format!("scale the video to at most {MAX_DIMENSION} pixels per side first"),
        ));
    }
    if !matches!(info.nal_length_size, 1 | 2 | 4) {
        return Err(Error::malformed("hvcC", format!("NAL length size {}", info.nal_length_size)));
    }
    Ok(())
}

/// Splits a length-prefixed sample into NAL units; `None` when a length overruns it.
fn sample_nals(sample: &[u8], length_size: u8) -> Option<Vec<&[u8]>> {
    let n = usize::from(length_size);
    let mut out = Vec::new();
    let mut rest = sample;
    while !rest.is_empty() {
        let (len_bytes, tail) = rest.split_at_checked(n)?;
        let len = len_bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        let (nal, tail) = tail.split_at_checked(len)?;
        if nal.len() >= 2 {
            out.push(nal);
        }
        rest = tail;
    }
    Some(out)
}

/// True when a length-prefixed sample holds an IDR picture (NAL types 19, 20) of the base
/// layer: a decoder may go on into it, nothing before it is referenced.
pub fn is_hevc_idr_sample(sample: &[u8], length_size: u8) -> bool {
    sample_nals(sample, length_size)
        .is_some_and(|nals| nals.iter().any(|n| layer_id(n) == 0 && matches!(nal_type(n), 19 | 20)))
}

/// True when `sample` holds a base-layer IRAP picture (BLA, IDR or CRA: NAL types
/// 16..=21), where a decoder can start, skipping the leading pictures that follow it.
pub fn is_hevc_irap_sample(sample: &[u8], length_size: u8) -> bool {
    sample_nals(sample, length_size)
        .is_some_and(|nals| nals.iter().any(|n| layer_id(n) == 0 && (16..=21).contains(&nal_type(n))))
}

/// True for the NAL units the base-layer decode needs.
fn is_base_layer(nal: &[u8]) -> bool {
    layer_id(nal) == 0 && !matches!(nal_type(nal), NAL_DOVI_RPU | NAL_DOVI_EL)
}

/// Slice segment NAL types (0..=31 are VCL; 22..=31 reserved).
fn is_vcl(nal: &[u8]) -> bool {
    nal_type(nal) < 22
}

/// The crate carries an `i64` per access unit; the pts travels as its bit pattern.
fn pts_tag(pts: f64) -> i64 {
    pts.to_bits() as i64
}

impl RustyH265Decoder {
    /// Creates a decoder for the track `info` describes and feeds it the `hvcC`
    /// parameter sets.
    pub fn new(info: &VideoInfo) -> Result<Self> {
        check_track(info)?;
        let mut this = RustyH265Decoder {
            dec: Box::default(),
            nal_length_size: info.nal_length_size,
            sets: Vec::new(),
            queued: Vec::new(),
            pending: Vec::new(),
            order: PtsReorder::new(MAX_HELD),
        };
        let leading: Vec<Vec<u8>> = info.vps.iter().chain(&info.sps).cloned().collect();
        this.queue_parameter_sets(&leading, &info.pps);
        for nal in std::mem::take(&mut this.queued) {
            this.push(&nal, None).map_err(|e| Error::codec(STAGE, format!("hvcC parameter sets rejected: {e}")))?;
        }
        Ok(this)
    }

    /// One NAL unit into the crate; a panic replaces the decoder (see the module comment).
    fn push(&mut self, nal: &[u8], pts: Option<f64>) -> std::result::Result<(), String> {
        match catch_unwind(AssertUnwindSafe(|| self.dec.push_nal(nal, pts.map(pts_tag)))) {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => {
                self.restart();
                Err("the decoder panicked (replaced by a fresh one)".into())
            }
        }
    }

    /// A fresh decoder primed with the sets seen so far; every picture the old one held
    /// is lost.
    fn restart(&mut self) {
        *self.dec = Decoder::new();
        for nal in &self.sets {
            // Sets the old decoder accepted are accepted again; if not, the next packets
            // fail as they would have.
            let _ = catch_unwind(AssertUnwindSafe(|| self.dec.push_nal(nal, None)));
        }
        for p in self.pending.drain(..) {
            self.order.lose(p);
        }
    }

    /// Moves the crate's finished pictures into the reorder.
    fn collect(&mut self) -> Result<()> {
        let mut result = Ok(());
        loop {
            let frame = match catch_unwind(AssertUnwindSafe(|| self.dec.next_frame())) {
                Ok(Ok(frame)) => frame,
                Ok(Err(_)) => break,
                Err(_) => {
                    self.restart();
                    break;
                }
            };
            let Some(pts) = frame.pts.map(|t| f64::from_bits(t as u64)).filter(|p| p.is_finite()) else {
                continue;
            };
            // Output is in POC order, which is presentation order: a packet sent before
            // and shown earlier that has not come out never will.
            let order = &mut self.order;
            self.pending.retain(|&p| {
                if p < pts {
                    order.lose(p);
                }
                p > pts
            });
            match to_held(frame, pts) {
                Ok(h) => self.order.hold(h),
                Err(e) => {
                    self.order.lose(pts);
                    result = Err(e);
                }
            }
        }
        result
    }
}

/// The crate's frame in our layout, after checking it.
fn to_held(frame: rusty_h265::Frame, pts: f64) -> Result<Held> {
    let pic = frame.picture;
    let (cx, cy, cw, ch) = pic.crop;
    if cw == 0 || ch == 0 || cw > MAX_DIMENSION as usize || ch > MAX_DIMENSION as usize {
        return Err(Error::codec(STAGE, format!("decoder returned a {cw}x{ch} picture")));
    }
    if pic.chroma_format_idc != 1 {
        return Err(Error::codec(STAGE, format!("decoder returned chroma format {}", pic.chroma_format_idc)));
    }
    let fits = |i: usize, x: usize, y: usize, w: usize, h: usize| {
        let p = &pic.planes[i];
        x + w <= p.width && y + h <= p.height && p.stride >= p.width && p.data.len() >= p.stride * p.height
    };
    let (ccx, ccy, ccw, cch) = (cx / 2, cy / 2, cw.div_ceil(2), ch.div_ceil(2));
    if !fits(0, cx, cy, cw, ch) || !fits(1, ccx, ccy, ccw, cch) || !fits(2, ccx, ccy, ccw, cch) {
        return Err(Error::codec(STAGE, format!("decoder returned a bad {cw}x{ch} picture layout")));
    }
    if pic.bit_depth_luma > 8 || pic.bit_depth_chroma > 8 {
        if pic.bit_depth_luma != pic.bit_depth_chroma || pic.bit_depth_luma > 16 {
            return Err(Error::codec(STAGE, "luma and chroma bit depths differ"));
        }
        return Ok(Held::Deep { pic, crop: (cx, cy, cw, ch), pts });
    }
    // 8-bit samples arrive in u16; the fit wants u8.
    let narrow = |i: usize, x: usize, y: usize, w: usize, h: usize| {
        let p = &pic.planes[i];
        let mut out = Vec::with_capacity(w * h);
        for row in y..y + h {
            out.extend(p.data[row * p.stride + x..row * p.stride + x + w].iter().map(|&v| v.min(255) as u8));
        }
        out
    };
    Ok(Held::Eight(Frame {
        width: cw as u32,
        height: ch as u32,
        y: narrow(0, cx, cy, cw, ch),
        u: narrow(1, ccx, ccy, ccw, cch),
        v: narrow(2, ccx, ccy, ccw, cch),
        pts,
    }))
}

impl VideoDecoder for RustyH265Decoder {
    /// For HEVC the first list carries the VPS NAL units as well (see
    /// [`crate::media::ParameterSets::leading`]); NAL headers tell them apart.
    fn queue_parameter_sets(&mut self, sps: &[Vec<u8>], pps: &[Vec<u8>]) {
        for nal in sps.iter().chain(pps).filter(|n| n.len() >= 2) {
            self.queued.push(nal.clone());
            if !self.sets.contains(nal) {
                self.sets.push(nal.clone());
            }
        }
    }

    fn send_packet(&mut self, packet: Packet<'_>) -> Result<Decoded> {
        self.order.end_loan();
        let pts = packet.pts;
        if !pts.is_finite() {
            return Err(Error::Invalid(format!("HEVC sample pts {pts} is not finite")));
        }
        let Some(nals) = sample_nals(packet.data, self.nal_length_size) else {
            self.order.lose(pts);
            self.order.release(packet.upcoming);
            return Err(Error::malformed(SAMPLE_PLACE, format!("a NAL length overruns the sample at pts {pts:.3} s")));
        };
        let mut first_err = None;
        for nal in std::mem::take(&mut self.queued) {
            if let Err(e) = self.push(&nal, None) {
                first_err.get_or_insert(e);
            }
        }
        let mut has_vcl = false;
        for nal in nals.into_iter().filter(|n| is_base_layer(n)) {
            if matches!(nal_type(nal), NAL_VPS | NAL_SPS | NAL_PPS) && !self.sets.iter().any(|s| s == nal) {
                // In-band sets (hev1): kept to prime a replacement decoder. Bounded: a
                // stream can only define 16 VPS, 16 SPS and 64 PPS ids at a time.
                if self.sets.len() >= 96 {
                    self.sets.remove(0);
                }
                self.sets.push(nal.to_vec());
            }
            let vcl = is_vcl(nal);
            // The pts goes with the picture's first slice.
            if let Err(e) = self.push(nal, (vcl && !has_vcl).then_some(pts)) {
                first_err.get_or_insert(e);
            }
            has_vcl |= vcl;
        }
        if has_vcl {
            self.pending.push(pts);
        }
        let collected = self.collect();
        self.order.release(packet.upcoming);
        match (first_err, collected) {
            (Some(e), _) => Err(Error::codec(STAGE, format!("corrupt or unsupported data at pts {pts:.3} s: {e}"))),
            (None, Err(e)) => Err(e),
            (None, Ok(())) => Ok(Decoded::Clean),
        }
    }

    fn receive_picture(&mut self) -> Option<Picture<'_>> {
        self.order.next().map(Held::picture)
    }

    fn flush(&mut self) -> Result<()> {
        self.order.end_loan();
        if catch_unwind(AssertUnwindSafe(|| self.dec.flush())).is_err() {
            self.restart();
        }
        let collected = self.collect();
        for p in self.pending.drain(..) {
            self.order.lose(p);
        }
        self.order.release(None);
        collected
    }

    fn take_lost(&mut self) -> Vec<f64> {
        self.order.take_lost()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enhancement_layers_and_dolby_vision_nal_units_are_dropped() {
        assert!(is_base_layer(&[0x26, 0x01])); // IDR_W_RADL, layer 0
        assert!(!is_base_layer(&[0x26, 0x09])); // the same in layer 1 (MV-HEVC)
        assert!(!is_base_layer(&[0x7c, 0x01])); // type 62: Dolby Vision RPU
        assert!(!is_base_layer(&[0x7e, 0x01])); // type 63: Dolby Vision EL
        assert!(is_vcl(&[0x02, 0x01]) && !is_vcl(&[0x40, 0x01]));
    }

    #[test]
    fn sample_framing_is_checked() {
        assert_eq!(sample_nals(&[0, 0, 0, 2, 0x40, 1, 0, 0, 0, 1, 9], 4).unwrap(), vec![&[0x40, 1][..]]);
        assert!(sample_nals(&[0, 0, 0, 9, 1], 4).is_none());
        assert!(sample_nals(&[0, 0], 4).is_none());
    }

    #[test]
    fn garbage_never_panics() {
        let mut info = VideoInfo::new(VideoCodec::Hevc, "hvc1", 64, 64);
        info.nal_length_size = 4;
        let mut dec = RustyH265Decoder::new(&info).unwrap();
        let junk: Vec<u8> = (0..4000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
        for (i, chunk) in junk.chunks(200).enumerate() {
            let mut s = (chunk.len() as u32).to_be_bytes().to_vec();
            s.extend_from_slice(chunk);
            s[4] = [0x40, 0x42, 0x44, 0x26, 0x02][i % 5];
            s[5] = 1;
            let _ = dec.send_packet(Packet { data: &s, pts: i as f64, upcoming: None });
            while dec.receive_picture().is_some() {}
        }
        dec.flush().unwrap();
    }
}
