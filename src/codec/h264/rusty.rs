//! H.264 decoding with `rusty_h264` (pure Rust), behind [`VideoDecoder`].
//!
//! The crate decodes one access unit per call and returns its picture at once, in decode
//! order, as an owned frame; it holds no pictures back. Presentation order is restored
//! from the samples' own pts by [`PtsReorder`].
//!
//! The crate has no error concealment: a damaged picture is lost (the previous one is
//! frozen over its slot by the pipeline) and so, often, are the pictures that reference it
//! until the next IDR. It is young code fed untrusted bytes, so each call runs under
//! `catch_unwind`: a panic becomes a codec error for that packet and the decoder is
//! replaced by a fresh one (which waits for the next IDR picture), never a crashed conform.

use std::panic::{catch_unwind, AssertUnwindSafe};

use rusty_h264::{Decoder, YuvFrame};

use super::annexb;
use super::decode::check_track;
use crate::codec::reorder::PtsReorder;
use crate::codec::video::{Decoded, Packet, Picture, VideoDecoder};
use crate::error::{Error, Result};
use crate::limits::MAX_DIMENSION;
use crate::media::{Frame, VideoInfo};

/// Pictures held waiting for an earlier one before giving up on it (H.264 allows at most
/// 16 in the DPB).
const MAX_HELD: usize = 16;
const STAGE: &str = "H.264 decode";

/// Decodes one H.264 track with `rusty_h264`.
pub struct RustyDecoder {
    dec: Box<Decoder>,
    nal_length_size: u8,
    /// Every parameter set sent so far (Annex-B), to prime a replacement decoder.
    sets: Vec<u8>,
    /// Parameter sets (Annex-B) to send ahead of the next packet.
    queued_sets: Vec<u8>,
    /// Reused Annex-B conversion buffer.
    annexb_buf: Vec<u8>,
    /// Decoded pictures on their way out in presentation order.
    order: PtsReorder<Frame>,
}

impl RustyDecoder {
    /// Creates a decoder for the track described by `info` and feeds it the SPS/PPS from
    /// the `avcC` box. Fails as [`check_track`] says.
    pub fn new(info: &VideoInfo) -> Result<Self> {
        check_track(info)?;
        let mut this = RustyDecoder {
            dec: Box::default(),
            nal_length_size: info.nal_length_size,
            sets: Vec::new(),
            queued_sets: Vec::new(),
            annexb_buf: Vec::new(),
            order: PtsReorder::new(MAX_HELD),
        };
        this.queue_parameter_sets(&info.sps, &info.pps);
        let sets = std::mem::take(&mut this.queued_sets);
        if !sets.is_empty() {
            match this.call(&sets) {
                Ok(None) => {}
                Ok(Some(_)) => return Err(Error::codec(STAGE, "avcC parameter sets made a picture")),
                Err(e) => return Err(Error::codec(STAGE, format!("avcC parameter sets rejected: {e}"))),
            }
        }
        Ok(this)
    }

    /// Like [`VideoDecoder::send_packet`] for one access unit already in Annex-B form
    /// (start codes), e.g. from a raw `.h264` stream. Parameter sets may be in-band.
    pub fn send_annexb(&mut self, access_unit: &[u8], pts: f64, upcoming: Option<f64>) -> Result<Decoded> {
        let has_vcl = annexb::annexb_nals(access_unit).iter().any(|n| annexb::is_vcl(n));
        self.decode_annexb(access_unit, pts, has_vcl, upcoming)
    }

    /// One call into the crate; a panic replaces the decoder (see the module comment).
    fn call(&mut self, annexb: &[u8]) -> std::result::Result<Option<YuvFrame>, String> {
        match catch_unwind(AssertUnwindSafe(|| self.dec.decode(annexb))) {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => {
                *self.dec = Decoder::new();
                let sets = std::mem::take(&mut self.sets);
                // Sets the old decoder accepted are accepted again; if not, the next
                // packets fail as they would have.
                let _ = catch_unwind(AssertUnwindSafe(|| self.dec.decode(&sets)));
                self.sets = sets;
                Err("the decoder panicked (replaced by a fresh one)".into())
            }
        }
    }

    fn decode_annexb(&mut self, data: &[u8], pts: f64, has_vcl: bool, upcoming: Option<f64>) -> Result<Decoded> {
        if !pts.is_finite() {
            return Err(Error::Invalid(format!("H.264 sample pts {pts} is not finite")));
        }
        let result = match self.call(data) {
            Ok(Some(yuv)) => match to_frame(yuv, pts) {
                Ok(frame) => {
                    self.order.hold(frame);
                    Ok(Decoded::Clean)
                }
                Err(e) => {
                    self.order.lose(pts);
                    Err(e)
                }
            },
            // No picture from slice data: some of the picture's slices are missing.
            Ok(None) if has_vcl => {
                self.order.lose(pts);
                Err(Error::codec(STAGE, format!("incomplete picture at pts {pts:.3} s")))
            }
            Ok(None) => Ok(Decoded::Clean),
            Err(e) => {
                if has_vcl {
                    self.order.lose(pts);
                }
                Err(Error::codec(STAGE, format!("corrupt or unsupported data at pts {pts:.3} s: {e}")))
            }
        };
        self.order.release(upcoming);
        result
    }
}

/// The crate's frame as ours (moving its planes, no copy), after checking its layout.
fn to_frame(yuv: YuvFrame, pts: f64) -> Result<Frame> {
    let (w, h) = (yuv.width, yuv.height);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    if w == 0 || h == 0 || w > MAX_DIMENSION as usize || h > MAX_DIMENSION as usize {
        return Err(Error::codec(STAGE, format!("decoder returned a {w}x{h} picture")));
    }
    if yuv.y.len() != w * h || yuv.u.len() != cw * ch || yuv.v.len() != cw * ch {
        return Err(Error::codec(STAGE, format!("decoder returned a bad {w}x{h} picture layout")));
    }
    // Both dimensions were bounded by MAX_DIMENSION above, so they fit in u32.
    Ok(Frame { width: w as u32, height: h as u32, y: yuv.y, u: yuv.u, v: yuv.v, pts })
}

impl VideoDecoder for RustyDecoder {
    fn queue_parameter_sets(&mut self, sps: &[Vec<u8>], pps: &[Vec<u8>]) {
        let sets: Vec<&[u8]> = sps.iter().chain(pps).map(Vec::as_slice).filter(|n| !n.is_empty()).collect();
        annexb::write_annexb(sets.iter().copied(), &mut self.queued_sets);
        annexb::write_annexb(sets, &mut self.sets);
    }

    fn send_packet(&mut self, packet: Packet<'_>) -> Result<Decoded> {
        self.order.end_loan();
        let mut buf = std::mem::take(&mut self.annexb_buf);
        let has_vcl = match annexb::sample_to_annexb(packet.data, self.nal_length_size, &mut self.queued_sets, &mut buf)
        {
            Ok(has_vcl) => has_vcl,
            Err(e) => {
                self.annexb_buf = buf;
                self.order.lose(packet.pts);
                self.order.release(packet.upcoming);
                return Err(e);
            }
        };
        let result = self.decode_annexb(&buf, packet.pts, has_vcl, packet.upcoming);
        self.annexb_buf = buf;
        result
    }

    fn receive_picture(&mut self) -> Option<Picture<'_>> {
        self.order.next().map(|f| Picture::from_i420(f.view()))
    }

    fn flush(&mut self) -> Result<()> {
        self.order.end_loan();
        self.order.release(None);
        Ok(())
    }

    fn take_lost(&mut self) -> Vec<f64> {
        self.order.take_lost()
    }
}
