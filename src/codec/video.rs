//! One interface for every video decoder backend, in the send/receive shape of dav1d and
//! rav1e: the caller sends a packet, then takes pictures out until there are none, and
//! flushes at the end of the stream. Data flows one way: a decoder never calls back into
//! the pipeline.
//!
//! ```text
//! for each sample:  send_packet(sample) → Decoded | Err   then   while let Some(p) = receive_picture()
//! at the end:       flush()                                then   while let Some(p) = receive_picture()
//! ```
//!
//! Pictures come out in presentation order, each carrying its own packet's pts, and are
//! borrowed from the decoder until the next call on it (a backend copies a picture only
//! when it must hold it for reordering). A packet that will never produce a picture
//! (rejected, or dropped after damage) is reported by [`VideoDecoder::take_lost`], so the
//! concealment (`pipeline::concealment`) can freeze the previous picture over its slot and
//! count it.

use std::fmt;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::media::{Frame, FrameRef, VideoCodec, VideoInfo};

/// Which decoder to use for H.264 input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DecoderKind {
    /// Cisco's OpenH264 (C++): error concealment for damaged pictures; output differs
    /// slightly from the reference decoder on B-frame streams.
    #[value(name = "openh264")]
    OpenH264,
    /// `rusty_h264` (pure Rust): bit-exact with FFmpeg, smaller and faster (measured, see
    /// the README); a damaged picture is lost (frozen over) rather than concealed.
    #[default]
    Rusty,
    /// `rust_h264` (pure Rust): bit-exact with FFmpeg; decodes High 10, 4:2:2 and
    /// interlaced streams, so it is used for those whatever is chosen.
    #[value(name = "rust_h264")]
    RustH264,
}

impl DecoderKind {
    /// The backend that decodes `info`'s track: `self`, unless the track needs what only
    /// `rust_h264` decodes (more than 8 bits, 4:2:2 or monochrome chroma, fields).
    pub fn for_track(self, info: &VideoInfo) -> DecoderKind {
        let plain = info.bit_depth == 8 && info.chroma_format == "4:2:0" && !info.interlaced;
        if plain {
            self
        } else {
            DecoderKind::RustH264
        }
    }
}

impl fmt::Display for DecoderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecoderKind::OpenH264 => "openh264",
            DecoderKind::Rusty => "rusty",
            DecoderKind::RustH264 => "rust_h264",
        })
    }
}

/// Creates a decoder for the track `info` describes, fed the track's first parameter
/// sets: by codec, and for H.264 of `kind` (see [`DecoderKind::for_track`]).
pub fn open_decoder(kind: DecoderKind, info: &VideoInfo) -> Result<Box<dyn VideoDecoder>> {
    Ok(match info.codec {
        VideoCodec::H264 => match kind.for_track(info) {
            DecoderKind::OpenH264 => Box::new(super::h264::decode::OpenH264Decoder::new(info)?),
            DecoderKind::Rusty => Box::new(super::h264::rusty::RustyDecoder::new(info)?),
            DecoderKind::RustH264 => Box::new(super::h264::rust_h264::RustH264Decoder::new(info)?),
        },
        VideoCodec::Hevc => Box::new(super::h265::rusty::RustyH265Decoder::new(info)?),
        VideoCodec::Vp8 => Box::new(super::vp8::Vp8Decoder::new(info)?),
        VideoCodec::Vp9 => Box::new(super::vp9::Vp9Decoder::new(info)?),
        VideoCodec::Av1 => Box::new(super::av1::Av1Decoder::new(info)?),
        VideoCodec::Mjpeg => Box::new(super::mjpeg::MjpegDecoder::new(info)?),
        _ => {
            return Err(Error::unsupported(
                format!("'{}' video", info.fourcc),
                "no decoder for this codec; re-export the video as H.264",
            ))
        }
    })
}

/// One coded sample (an MP4 sample: length-prefixed NAL units) and what the caller knows
/// about its time.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    /// The sample's bytes.
    pub data: &'a [u8],
    /// When its picture is shown, in seconds.
    pub pts: f64,
    /// The earliest pts among the packets that will follow this one (`None` when none
    /// follow). A picture is only released once nothing still to come is shown before it,
    /// so the caller's knowledge of the track (an MP4 knows every sample's pts) decides
    /// reordering instead of the decoder's guess.
    pub upcoming: Option<f64>,
}

/// How a packet decoded, when it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// Without a complaint.
    Clean,
    /// It or one of its references was damaged: the decoder concealed that (copying from
    /// earlier pictures) and made a picture.
    Concealed,
}

/// A video decoder backend.
///
/// Errors from [`VideoDecoder::send_packet`] that concern the packet's data are
/// `Error::Codec { stage: "H.264 decode" | "HEVC decode", .. }` or `Error::Malformed {
/// place: "H.264 sample" | "HEVC sample", .. }`: the decoder stays usable, and the packet's pts is reported lost (by
/// `take_lost`) if no picture ever comes from it. Pictures that became ready before an
/// error are still returned by `receive_picture`.
pub trait VideoDecoder: Send {
    /// Sends a sample description's parameter sets (SPS and PPS NAL units, no start
    /// codes; for HEVC the first list leads with the VPS) ahead of the next packet: where a track switches description, its parameter
    /// sets change at that sample.
    fn queue_parameter_sets(&mut self, sps: &[Vec<u8>], pps: &[Vec<u8>]);

    /// Decodes one packet. Take every picture out with `receive_picture` before sending
    /// the next one.
    fn send_packet(&mut self, packet: Packet<'_>) -> Result<Decoded>;

    /// The next picture in presentation order, if one is ready; borrowed until the next
    /// call on the decoder.
    fn receive_picture(&mut self) -> Option<Picture<'_>>;

    /// Ends the stream: every picture still held becomes ready for `receive_picture`.
    /// The decoder takes no packets after this.
    fn flush(&mut self) -> Result<()>;

    /// The pts of packets found, since the last call, never to produce a picture.
    fn take_lost(&mut self) -> Vec<f64>;
}

/// Decodes `packet` and returns its ready pictures as owned 8-bit 4:2:0 frames (tests,
/// benches, tools; the pipeline fits straight from the borrowed pictures instead).
/// Pictures in other formats are skipped.
pub fn decode_frames(dec: &mut dyn VideoDecoder, packet: Packet<'_>) -> (Result<Decoded>, Vec<Frame>) {
    let result = dec.send_packet(packet);
    (result, drain_frames(dec))
}

/// Flushes `dec` and returns its remaining pictures as owned frames.
pub fn flush_frames(dec: &mut dyn VideoDecoder) -> Result<Vec<Frame>> {
    dec.flush()?;
    Ok(drain_frames(dec))
}

fn drain_frames(dec: &mut dyn VideoDecoder) -> Vec<Frame> {
    let mut frames = Vec::new();
    while let Some(p) = dec.receive_picture() {
        if let Some(f) = p.as_i420() {
            let mut frame = Frame::black(2, 2);
            f.copy_into(&mut frame);
            frames.push(frame);
        }
    }
    frames
}

/// How chroma is subsampled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChromaFormat {
    /// Half width, half height.
    Yuv420,
    /// Half width, full height.
    Yuv422,
    /// Full resolution.
    Yuv444,
}

impl ChromaFormat {
    /// Chroma plane width and height for a luma size.
    pub fn chroma_size(self, width: u32, height: u32) -> (usize, usize) {
        let (w, h) = (width as usize, height as usize);
        match self {
            ChromaFormat::Yuv420 => (w.div_ceil(2), h.div_ceil(2)),
            ChromaFormat::Yuv422 => (w.div_ceil(2), h),
            ChromaFormat::Yuv444 => (w, h),
        }
    }
}

/// One plane of `T` samples whose rows are `stride` samples apart.
#[derive(Clone, Copy, Debug)]
pub struct Plane<'a, T> {
    /// The samples, at least `stride * (rows - 1) + cols` of them.
    pub data: &'a [T],
    /// Samples from one row to the next.
    pub stride: usize,
}

/// A picture's three planes, by sample type.
#[derive(Clone, Copy, Debug)]
pub enum Planes<'a> {
    /// 8-bit samples.
    U8 {
        /// Luma.
        y: Plane<'a, u8>,
        /// Cb.
        u: Plane<'a, u8>,
        /// Cr.
        v: Plane<'a, u8>,
    },
    /// 9- to 16-bit samples, `bit_depth` of them significant (High 10: 10).
    U16 {
        /// Significant bits per sample.
        bit_depth: u8,
        /// Luma.
        y: Plane<'a, u16>,
        /// Cb.
        u: Plane<'a, u16>,
        /// Cr.
        v: Plane<'a, u16>,
    },
}

/// A decoded picture, borrowed from its decoder.
#[derive(Clone, Copy, Debug)]
pub struct Picture<'a> {
    /// Luma width in pixels.
    pub width: u32,
    /// Luma height in pixels.
    pub height: u32,
    /// Chroma subsampling.
    pub chroma: ChromaFormat,
    /// The samples.
    pub planes: Planes<'a>,
    /// Presentation time in seconds (its packet's pts).
    pub pts: f64,
}

impl<'a> Picture<'a> {
    /// An 8-bit 4:2:0 picture from a borrowed frame.
    pub fn from_i420(f: FrameRef<'a>) -> Self {
        Picture {
            width: f.width,
            height: f.height,
            chroma: ChromaFormat::Yuv420,
            planes: Planes::U8 {
                y: Plane { data: f.y, stride: f.y_stride },
                u: Plane { data: f.u, stride: f.c_stride },
                v: Plane { data: f.v, stride: f.c_stride },
            },
            pts: f.pts,
        }
    }

    /// A 4:2:0 picture of `bit_depth`-bit samples in tightly packed planes (strides: the
    /// width, and half of it rounded up).
    pub fn packed_u16_420(width: u32, height: u32, bit_depth: u8, [y, u, v]: [&'a [u16]; 3], pts: f64) -> Self {
        let cw = width.div_ceil(2) as usize;
        Picture {
            width,
            height,
            chroma: ChromaFormat::Yuv420,
            planes: Planes::U16 {
                bit_depth,
                y: Plane { data: y, stride: width as usize },
                u: Plane { data: u, stride: cw },
                v: Plane { data: v, stride: cw },
            },
            pts,
        }
    }

    /// Significant bits per sample.
    pub fn bit_depth(&self) -> u8 {
        match self.planes {
            Planes::U8 { .. } => 8,
            Planes::U16 { bit_depth, .. } => bit_depth,
        }
    }

    /// The `width` x `height` part of the picture whose top-left corner is at (`x`, `y`),
    /// sharing its samples; `None` unless the window lies inside the picture and starts
    /// on a chroma sample (even coordinates where chroma is subsampled).
    pub fn window(&self, x: u32, y: u32, width: u32, height: u32) -> Option<Picture<'a>> {
        let (sx, sy) = match self.chroma {
            ChromaFormat::Yuv420 => (1, 1),
            ChromaFormat::Yuv422 => (1, 0),
            ChromaFormat::Yuv444 => (0, 0),
        };
        let inside = x.checked_add(width)? <= self.width && y.checked_add(height)? <= self.height;
        if !inside || width == 0 || height == 0 || !x.is_multiple_of(1 << sx) || !y.is_multiple_of(1 << sy) {
            return None;
        }
        fn cut<'p, T>(p: Plane<'p, T>, x: u32, y: u32) -> Option<Plane<'p, T>> {
            let at = (y as usize).checked_mul(p.stride)?.checked_add(x as usize)?;
            Some(Plane { data: p.data.get(at..)?, stride: p.stride })
        }
        let (cx, cy) = (x >> sx, y >> sy);
        let planes = match self.planes {
            Planes::U8 { y: py, u, v } => Planes::U8 { y: cut(py, x, y)?, u: cut(u, cx, cy)?, v: cut(v, cx, cy)? },
            Planes::U16 { bit_depth, y: py, u, v } => {
                Planes::U16 { bit_depth, y: cut(py, x, y)?, u: cut(u, cx, cy)?, v: cut(v, cx, cy)? }
            }
        };
        Some(Picture { width, height, planes, ..*self })
    }

    /// The picture as the fit's input, when it is 8-bit 4:2:0 with one chroma stride
    /// (other formats need a conversion first, which is not written yet).
    pub fn as_i420(&self) -> Option<FrameRef<'a>> {
        match (self.chroma, self.planes) {
            (ChromaFormat::Yuv420, Planes::U8 { y, u, v }) if u.stride == v.stride => Some(FrameRef {
                width: self.width,
                height: self.height,
                y: y.data,
                u: u.data,
                v: v.data,
                y_stride: y.stride,
                c_stride: u.stride,
                pts: self.pts,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_shares_the_samples_it_covers() {
        // 6x4 luma numbered by position, 3x2 chroma.
        let y: Vec<u16> = (0..24).collect();
        let c: Vec<u16> = (100..106).collect();
        let pic = Picture::packed_u16_420(6, 4, 10, [&y, &c, &c], 0.5);
        let w = pic.window(2, 2, 4, 2).unwrap();
        assert_eq!((w.width, w.height, w.pts), (4, 2, 0.5));
        let Planes::U16 { y, u, .. } = w.planes else { panic!("16-bit") };
        assert_eq!((y.data[0], y.data[y.stride + 3], u.data[0], u.stride), (14, 23, 104, 3));
        // Odd corners split a chroma sample; windows past the edge do not exist.
        assert!(pic.window(1, 0, 4, 2).is_none());
        assert!(pic.window(4, 0, 4, 2).is_none());
        assert!(pic.window(0, 0, 0, 2).is_none());
    }

    #[test]
    fn an_i420_frame_round_trips_and_others_do_not_pass_as_one() {
        let mut frame = Frame::filled(4, 2, 1, 2, 3);
        frame.pts = 1.5;
        let pic = Picture::from_i420(frame.view());
        assert_eq!(pic.bit_depth(), 8);
        let back = pic.as_i420().unwrap();
        assert_eq!((back.y, back.u, back.c_stride, back.pts), (&frame.y[..], &frame.u[..], 2, 1.5));
        let ten = [0u16; 8];
        let p = Plane { data: &ten[..], stride: 4 };
        let deep = Picture { planes: Planes::U16 { bit_depth: 10, y: p, u: p, v: p }, ..pic };
        assert_eq!(deep.bit_depth(), 10);
        assert!(deep.as_i420().is_none());
        assert!(Picture { chroma: ChromaFormat::Yuv422, ..pic }.as_i420().is_none());
        assert_eq!(ChromaFormat::Yuv422.chroma_size(5, 3), (3, 3));
    }
}
