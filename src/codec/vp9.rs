//! VP9 decoding with `rusty_vp9` (pure Rust), behind [`VideoDecoder`].
//!
//! VP9 has no reordering the container sees: a packet is one shown frame, or a
//! superframe of hidden reference frames (alt-ref) plus the one shown frame, so pictures
//! come out in packet order and each carries its packet's pts. The crate returns owned,
//! cropped planes: 8-bit 4:2:0 (profile 0) becomes a [`Frame`] as is; 10/12-bit (profile
//! 2/3, little-endian `u16` pairs) and 4:2:2/4:4:4 are handed out as typed planes for
//! the fit's conversion to 8-bit 4:2:0.
//!
//! As with `rusty_h264`, each call runs under `catch_unwind`: a panic becomes this
//! packet's codec error and a fresh decoder (which waits for the next keyframe).

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};

use rusty_vp9::{DecodedFrame, Error as Vp9Error, Vp9Decoder as Inner};

use crate::codec::video::{ChromaFormat, Decoded, Packet, Picture, Plane, Planes, VideoDecoder};
use crate::error::{Error, Result};
use crate::limits::MAX_DIMENSION;
use crate::media::{Frame, VideoInfo};

const STAGE: &str = "VP9 decode";
/// Most coded frames one superframe holds (its index has a 3-bit count).
const MAX_FRAMES_PER_PACKET: usize = 8;

/// A decoded picture the decoder owns until it is handed out.
enum Owned {
    I420(Frame),
    /// Other layouts: planes (as `u16` when deeper than 8 bits) with their strides.
    Deep {
        width: u32,
        height: u32,
        chroma: ChromaFormat,
        bit_depth: u8,
        planes: [Vec<u16>; 3],
        strides: [usize; 3],
        pts: f64,
    },
    Wide {
        width: u32,
        height: u32,
        chroma: ChromaFormat,
        planes: [Vec<u8>; 3],
        strides: [usize; 3],
        pts: f64,
    },
}

/// Decodes one VP9 track.
pub struct Vp9Decoder {
    dec: Box<Inner>,
    ready: VecDeque<Owned>,
    lent: Option<Owned>,
    lost: Vec<f64>,
}

impl Vp9Decoder {
    /// A decoder for `info`'s track (VP9 carries its configuration in-band).
    pub fn new(info: &VideoInfo) -> Result<Self> {
        if info.width > MAX_DIMENSION || info.height > MAX_DIMENSION {
            return Err(Error::limit("VP9 track", format!("{}x{} exceeds {MAX_DIMENSION}", info.width, info.height)));
        }
        Ok(Vp9Decoder { dec: Box::default(), ready: VecDeque::new(), lent: None, lost: Vec::new() })
    }

    /// The next displayable frame, `None` when the crate wants more input.
    fn next(&mut self) -> std::result::Result<Option<DecodedFrame>, String> {
        match catch_unwind(AssertUnwindSafe(|| self.dec.next_frame())) {
            Ok(Ok(f)) => Ok(Some(f)),
            Ok(Err(Vp9Error::Again | Vp9Error::Eof)) => Ok(None),
            Ok(Err(e)) => Err(format!("{e:?}")),
            Err(_) => {
                *self.dec = Inner::new();
                Err("the decoder panicked (replaced by a fresh one)".into())
            }
        }
    }
}

/// (profile, bit depth, chroma format) from a VP9 keyframe's uncompressed header (VP9
/// bitstream specification §6.2): what a container that does not say (WebM without
/// CodecPrivate features) leaves to the stream. `None` for anything but a keyframe.
pub fn keyframe_format(data: &[u8]) -> Option<(u8, u8, &'static str)> {
    let bit = |i: usize| -> Option<u8> { Some((data.get(i / 8)? >> (7 - i % 8)) & 1) };
    if bit(0)? != 1 || bit(1)? != 0 {
        return None; // frame_marker
    }
    let profile = bit(2)? | bit(3)? << 1;
    let mut i = 4 + usize::from(profile == 3);
    if bit(i)? == 1 {
        return None; // show_existing_frame
    }
    // frame_type (0 = key), show_frame, error_resilient_mode.
    if bit(i + 1)? != 0 {
        return None;
    }
    i += 4;
    let sync = (0..24).try_fold(0u32, |v, k| Some(v << 1 | u32::from(bit(i + k)?)))?;
    if sync != 0x49_83_42 {
        return None;
    }
    i += 24;
    let mut depth = 8;
    if profile >= 2 {
        depth = if bit(i)? == 1 { 12 } else { 10 };
        i += 1;
    }
    let color_space = (0..3).try_fold(0u8, |v, k| Some(v << 1 | bit(i + k)?))?;
    i += 3;
    let chroma = if color_space == 7 {
        // sRGB: 4:4:4 in profiles 1 and 3.
        "4:4:4"
    } else {
        i += 1; // color_range
        if profile == 1 || profile == 3 {
            match (bit(i)?, bit(i + 1)?) {
                (1, 1) => "4:2:0",
                (1, 0) => "4:2:2",
                (0, 1) => "4:4:0",
                _ => "4:4:4",
            }
        } else {
            "4:2:0"
        }
    };
    Some((profile, depth, chroma))
}

/// The crate's frame as ours, after checking its layout.
fn to_owned(f: DecodedFrame, pts: f64) -> Result<Owned> {
    let (w, h) = (f.width as usize, f.height as usize);
    if w == 0 || h == 0 || f.width > MAX_DIMENSION || f.height > MAX_DIMENSION || f.planes.len() != 3 {
        return Err(Error::codec(STAGE, format!("decoder returned a {w}x{h} picture")));
    }
    let chroma = match (f.subsampling_x, f.subsampling_y) {
        (1, 1) => ChromaFormat::Yuv420,
        (1, 0) => ChromaFormat::Yuv422,
        (0, 0) => ChromaFormat::Yuv444,
        (x, y) => return Err(Error::codec(STAGE, format!("chroma subsampling {x},{y}"))),
    };
    let (cw, ch) = chroma.chroma_size(f.width, f.height);
    let bytes = if f.bit_depth > 8 { 2 } else { 1 };
    let sizes = [(w, h), (cw, ch), (cw, ch)];
    for (p, (pw, ph)) in sizes.iter().enumerate() {
        let stride = f.strides.get(p).copied().unwrap_or(0);
        if stride < pw * bytes || f.planes[p].len() < stride * ph {
            return Err(Error::codec(STAGE, format!("decoder returned a bad {w}x{h} plane layout")));
        }
    }
    let [y, u, v]: [Vec<u8>; 3] = f.planes.try_into().map_err(|_| Error::codec(STAGE, "not three planes"))?;
    let strides = [f.strides[0], f.strides[1], f.strides[2]];
    if bytes == 2 {
        let to16 = |p: Vec<u8>| p.chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]])).collect::<Vec<u16>>();
        return Ok(Owned::Deep {
            width: f.width,
            height: f.height,
            chroma,
            bit_depth: f.bit_depth as u8,
            planes: [to16(y), to16(u), to16(v)],
            strides: strides.map(|s| s / 2),
            pts,
        });
    }
    if chroma == ChromaFormat::Yuv420 && strides == [w, cw, cw] {
        return Ok(Owned::I420(Frame { width: f.width, height: f.height, y, u, v, pts }));
    }
    Ok(Owned::Wide { width: f.width, height: f.height, chroma, planes: [y, u, v], strides, pts })
}

impl VideoDecoder for Vp9Decoder {
    fn queue_parameter_sets(&mut self, _sps: &[Vec<u8>], _pps: &[Vec<u8>]) {
        // VP9 has no out-of-band parameter sets: every keyframe describes itself.
    }

    fn send_packet(&mut self, packet: Packet<'_>) -> Result<Decoded> {
        self.lent = None;
        if !packet.pts.is_finite() {
            return Err(Error::Invalid(format!("VP9 sample pts {} is not finite", packet.pts)));
        }
        let pushed = catch_unwind(AssertUnwindSafe(|| self.dec.push(packet.data, None)));
        if !matches!(pushed, Ok(Ok(()))) {
            *self.dec = Inner::new();
            self.lost.push(packet.pts);
            return Err(Error::codec(STAGE, format!("packet at pts {:.3} s rejected", packet.pts)));
        }
        // A superframe's hidden frames decode to "again" (not an empty queue): ask once
        // per frame it may hold; its shown frame comes last.
        let mut shown = None;
        for _ in 0..=MAX_FRAMES_PER_PACKET {
            match self.next() {
                Ok(Some(f)) => shown = Some(f),
                Ok(None) => {}
                Err(e) => {
                    self.lost.push(packet.pts);
                    return Err(Error::codec(STAGE, format!("corrupt data at pts {:.3} s: {e}", packet.pts)));
                }
            }
        }
        match shown {
            Some(f) => {
                let owned = to_owned(f, packet.pts).inspect_err(|_| self.lost.push(packet.pts))?;
                self.ready.push_back(owned);
                Ok(Decoded::Clean)
            }
            None => {
                self.lost.push(packet.pts);
                Err(Error::codec(STAGE, format!("no picture from the packet at pts {:.3} s", packet.pts)))
            }
        }
    }

    fn receive_picture(&mut self) -> Option<Picture<'_>> {
        let next = self.ready.pop_front()?;
        Some(match self.lent.insert(next) {
            Owned::I420(f) => Picture::from_i420(f.view()),
            Owned::Deep { width, height, chroma, bit_depth, planes, strides, pts } => Picture {
                width: *width,
                height: *height,
                chroma: *chroma,
                planes: Planes::U16 {
                    bit_depth: *bit_depth,
                    y: Plane { data: &planes[0], stride: strides[0] },
                    u: Plane { data: &planes[1], stride: strides[1] },
                    v: Plane { data: &planes[2], stride: strides[2] },
                },
                pts: *pts,
            },
            Owned::Wide { width, height, chroma, planes, strides, pts } => Picture {
                width: *width,
                height: *height,
                chroma: *chroma,
                planes: Planes::U8 {
                    y: Plane { data: &planes[0], stride: strides[0] },
                    u: Plane { data: &planes[1], stride: strides[1] },
                    v: Plane { data: &planes[2], stride: strides[2] },
                },
                pts: *pts,
            },
        })
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
    fn keyframe_headers_give_profile_depth_and_chroma() {
        // Profile 0 keyframe: marker 10, profile 00, shown; sync code; BT.601, limited.
        assert_eq!(keyframe_format(&[0x82, 0x49, 0x83, 0x42, 0x20, 0]), Some((0, 8, "4:2:0")));
        // Profile 2 (profile_low 0, profile_high 1), 10-bit.
        assert_eq!(keyframe_format(&[0x92, 0x49, 0x83, 0x42, 0x10, 0]), Some((2, 10, "4:2:0")));
        // An inter frame (frame_type 1), a bad sync code, and too few bytes say nothing.
        assert_eq!(keyframe_format(&[0x86, 0x49, 0x83, 0x42, 0x20]), None);
        assert_eq!(keyframe_format(&[0x82, 0x49, 0x83, 0x43, 0x20]), None);
        assert_eq!(keyframe_format(&[0x82, 0x49]), None);
    }
}
