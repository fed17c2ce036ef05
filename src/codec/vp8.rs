//! VP8 decoding with libvpx (C, linked statically from Debian's `libvpx-dev` through
//! `env-libvpx-sys`), behind [`VideoDecoder`]. There is no usable pure-Rust VP8 decoder;
//! this is the only file that calls libvpx, and each call states its invariants.
//!
//! VP8 has no reordering: each packet is one frame, shown unless it is an invisible
//! alt-ref frame (show_frame 0, which some muxers store as a packet of its own: it makes
//! no picture and is not a loss). Every picture is 8-bit 4:2:0; it is copied out of
//! libvpx's buffer (valid only until the next decode call) into a [`Frame`].
//!
//! Hostile input: a keyframe's size is checked against [`MAX_DIMENSION`] before libvpx
//! sees it (libvpx would allocate up to 16383x16383), and libvpx reports corrupt data
//! with error codes (it is C: no panic to catch, and it is fuzzed upstream by OSS-Fuzz).

use std::collections::VecDeque;

use vpx_sys::{
    vpx_codec_ctx_t, vpx_codec_dec_cfg_t, vpx_codec_dec_init_ver, vpx_codec_decode, vpx_codec_destroy, vpx_codec_err_t,
    vpx_codec_get_frame, vpx_codec_iter_t, vpx_codec_vp8_dx, vpx_image_t, VPX_DECODER_ABI_VERSION,
};

use crate::codec::video::{Decoded, Packet, Picture, VideoDecoder};
use crate::error::{Error, Result};
use crate::limits::{MAX_DIMENSION, MAX_SAMPLE_SIZE};
use crate::media::{Frame, VideoInfo};

const STAGE: &str = "VP8 decode";
/// `VPX_IMG_FMT_I420`, what libvpx's VP8 decoder always returns.
const FMT_I420: u32 = 258;

/// (width, height) from a VP8 keyframe's header (RFC 6386 §9.1), `None` for an inter
/// frame or a header too short to say.
pub fn keyframe_size(data: &[u8]) -> Option<(u32, u32)> {
    // frame tag: bit 0 is 0 for a keyframe; then the start code 9d 01 2a.
    if data.len() < 10 || data[0] & 1 != 0 || data[3..6] != [0x9d, 0x01, 0x2a] {
        return None;
    }
    let w = u32::from(u16::from_le_bytes([data[6], data[7]]) & 0x3fff);
    let h = u32::from(u16::from_le_bytes([data[8], data[9]]) & 0x3fff);
    Some((w, h))
}

/// Decodes one VP8 track.
pub struct Vp8Decoder {
    /// Boxed: libvpx keeps pointers into the context (and to its configuration, also kept
    /// here) between calls, so neither may move.
    ctx: Box<vpx_codec_ctx_t>,
    _cfg: Box<vpx_codec_dec_cfg_t>,
    ready: VecDeque<Frame>,
    lent: Option<Frame>,
    lost: Vec<f64>,
}

// SAFETY: a libvpx decoder context has no thread affinity (libvpx documents a context as
// usable from any one thread at a time); the raw pointers inside are only dereferenced by
// libvpx during a call made through `&mut self`, so the decoder is never used from two
// threads at once.
unsafe impl Send for Vp8Decoder {}

impl Vp8Decoder {
    /// A decoder for `info`'s track (VP8 keyframes describe themselves).
    pub fn new(info: &VideoInfo) -> Result<Self> {
        if info.width > MAX_DIMENSION || info.height > MAX_DIMENSION {
            return Err(Error::limit("VP8 track", format!("{}x{} exceeds {MAX_DIMENSION}", info.width, info.height)));
        }
        // SAFETY: vpx_codec_ctx_t and vpx_codec_dec_cfg_t are plain C structs (pointers and
        // integers) for which all-zero is the documented "not initialised" state.
        let mut ctx: Box<vpx_codec_ctx_t> = Box::new(unsafe { std::mem::zeroed() });
        // One thread per decoder: clipfit runs one decoder per segment worker.
        let cfg = Box::new(vpx_codec_dec_cfg_t { threads: 1, w: 0, h: 0 });
        // SAFETY: `ctx` and `cfg` are valid, boxed (they outlive the context: the context
        // is destroyed in Drop before the boxes are freed), the interface is libvpx's own
        // static VP8 decoder, and the ABI version is the one the bindings were made for
        // (what the C macro vpx_codec_dec_init passes).
        let rc =
            unsafe { vpx_codec_dec_init_ver(&mut *ctx, vpx_codec_vp8_dx(), &*cfg, 0, VPX_DECODER_ABI_VERSION as i32) };
        if rc != vpx_codec_err_t::VPX_CODEC_OK {
            return Err(Error::codec(STAGE, format!("libvpx did not open a VP8 decoder ({rc:?})")));
        }
        Ok(Vp8Decoder { ctx, _cfg: cfg, ready: VecDeque::new(), lent: None, lost: Vec::new() })
    }

    /// Copies every frame libvpx has ready after a decode call.
    fn take_frames(&mut self, pts: f64) -> Result<usize> {
        let mut iter: vpx_codec_iter_t = std::ptr::null();
        let mut n = 0;
        loop {
            // SAFETY: `ctx` is initialised; `iter` starts null and is only advanced by
            // libvpx; the image returned stays valid until the next decode call.
            let img = unsafe { vpx_codec_get_frame(&mut *self.ctx, &mut iter) };
            if img.is_null() {
                return Ok(n);
            }
            // SAFETY: non-null images from vpx_codec_get_frame are valid for reads until
            // the next decode call, which cannot happen during this loop (`&mut self`).
            let frame = unsafe { copy_image(img, pts) }?;
            self.ready.push_back(frame);
            n += 1;
        }
    }
}

/// An owned I420 copy of `img`'s visible area.
///
/// # Safety
/// `img` must point to a valid image from libvpx whose planes are still valid.
unsafe fn copy_image(img: *const vpx_image_t, pts: f64) -> Result<Frame> {
    // The format is read as an integer: the bindings' enum would be undefined behaviour
    // for a value they do not list.
    // SAFETY: `img` is valid for reads (caller); `fmt` is a C enum, a u32.
    let fmt = unsafe { std::ptr::addr_of!((*img).fmt).cast::<u32>().read() };
    // SAFETY: as above; these fields are plain integers and pointers.
    let (w, h, planes, strides) = unsafe { ((*img).d_w, (*img).d_h, (*img).planes, (*img).stride) };
    if fmt != FMT_I420 || w == 0 || h == 0 || w > MAX_DIMENSION || h > MAX_DIMENSION {
        return Err(Error::codec(STAGE, format!("libvpx returned a {w}x{h} picture in format {fmt}")));
    }
    let (cw, ch) = (w.div_ceil(2) as usize, h.div_ceil(2) as usize);
    let mut frame = Frame::black(w, h);
    frame.pts = pts;
    let outs: [(&mut Vec<u8>, usize, usize); 3] =
        [(&mut frame.y, w as usize, h as usize), (&mut frame.u, cw, ch), (&mut frame.v, cw, ch)];
    for (k, (out, pw, ph)) in outs.into_iter().enumerate() {
        let stride = usize::try_from(strides[k]).ok().filter(|&s| s >= pw);
        let (Some(stride), false) = (stride, planes[k].is_null()) else {
            return Err(Error::codec(STAGE, "libvpx returned a picture with a bad plane layout"));
        };
        out.clear();
        for r in 0..ph {
            // SAFETY: libvpx's I420 planes hold `ph` rows `stride` bytes apart with at least
            // `pw` visible samples each (d_w/d_h within the allocated w/h, stride checked).
            let row = unsafe { std::slice::from_raw_parts(planes[k].add(r * stride), pw) };
            out.extend_from_slice(row);
        }
    }
    Ok(frame)
}

impl Drop for Vp8Decoder {
    fn drop(&mut self) {
        // SAFETY: `ctx` was initialised by vpx_codec_dec_init_ver in `new` (construction
        // fails otherwise) and is destroyed once, here.
        unsafe { vpx_codec_destroy(&mut *self.ctx) };
    }
}

impl VideoDecoder for Vp8Decoder {
    fn queue_parameter_sets(&mut self, _sps: &[Vec<u8>], _pps: &[Vec<u8>]) {
        // VP8 has no out-of-band configuration.
    }

    fn send_packet(&mut self, packet: Packet<'_>) -> Result<Decoded> {
        self.lent = None;
        if !packet.pts.is_finite() {
            return Err(Error::Invalid(format!("VP8 sample pts {} is not finite", packet.pts)));
        }
        if packet.data.is_empty() || packet.data.len() > MAX_SAMPLE_SIZE as usize {
            self.lost.push(packet.pts);
            return Err(Error::malformed(
                "VP8 sample",
                format!("{} bytes at pts {:.3} s", packet.data.len(), packet.pts),
            ));
        }
        if let Some((w, h)) = keyframe_size(packet.data) {
            if w == 0 || h == 0 || w > MAX_DIMENSION || h > MAX_DIMENSION {
                self.lost.push(packet.pts);
                return Err(Error::limit("VP8 keyframe", format!("{w}x{h} is outside 1..={MAX_DIMENSION}")));
            }
        }
        // SAFETY: `ctx` is initialised; `data` is a live slice of `len` bytes (checked to
        // fit a c_uint above) that libvpx only reads during the call; no user data.
        let rc = unsafe {
            vpx_codec_decode(&mut *self.ctx, packet.data.as_ptr(), packet.data.len() as u32, std::ptr::null_mut(), 0)
        };
        if rc != vpx_codec_err_t::VPX_CODEC_OK {
            self.lost.push(packet.pts);
            return Err(Error::codec(STAGE, format!("corrupt data at pts {:.3} s ({rc:?})", packet.pts)));
        }
        let n = self.take_frames(packet.pts).inspect_err(|_| self.lost.push(packet.pts))?;
        // show_frame (bit 4 of the frame tag) 0: an alt-ref frame, never shown.
        let shown = packet.data[0] & 0x10 != 0;
        if n == 0 && shown {
            self.lost.push(packet.pts);
            return Err(Error::codec(STAGE, format!("no picture from the sample at pts {:.3} s", packet.pts)));
        }
        Ok(Decoded::Clean)
    }

    fn receive_picture(&mut self) -> Option<Picture<'_>> {
        let next = self.ready.pop_front()?;
        Some(Picture::from_i420(self.lent.insert(next).view()))
    }

    fn flush(&mut self) -> Result<()> {
        self.lent = None;
        Ok(())
    }

    fn take_lost(&mut self) -> Vec<f64> {
        std::mem::take(&mut self.lost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyframe_headers_give_the_size_and_garbage_is_an_error() {
        // Keyframe tag, start code, 320x240 (scale bits clear).
        let key = [0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00];
        assert_eq!(keyframe_size(&key), Some((320, 240)));
        assert_eq!(keyframe_size(&[0x51, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]), None);
        assert_eq!(keyframe_size(&key[..8]), None);
        let info = VideoInfo::new(crate::media::VideoCodec::Vp8, "V_VP8", 64, 64);
        let mut dec = Vp8Decoder::new(&info).unwrap();
        // A keyframe claiming 16383x16383 is refused before libvpx allocates for it.
        let huge = [0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0xff, 0x3f, 0xff, 0x3f, 0, 0, 0];
        assert!(dec.send_packet(Packet { data: &huge, pts: 0.0, upcoming: None }).is_err());
        let mut junk = key.to_vec();
        junk.extend([0xff; 64]);
        assert!(dec.send_packet(Packet { data: &junk, pts: 1.0, upcoming: None }).is_err());
        assert!(dec.receive_picture().is_none());
        assert_eq!(dec.take_lost(), vec![0.0, 1.0]);
    }
}
