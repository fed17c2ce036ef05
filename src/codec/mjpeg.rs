//! Motion JPEG decoding with `zune-jpeg` (pure Rust), behind [`VideoDecoder`].
//!
//! Each sample is one JPEG picture (`jpeg`/Photo-JPEG, `AVDJ`, `dmb1`, Matroska
//! `V_MJPEG`), so pictures come out in sample order with their sample's pts. zune-jpeg
//! hands out YCbCr interleaved at full resolution (its chroma upsampled); it is split here
//! into three 4:4:4 planes, which the fit's conversion takes down to 4:2:0. The samples
//! are full range (JFIF), which the probe marks (`VideoInfo::full_range`) so the fit maps
//! them to limited range. Greyscale JPEGs get neutral chroma.
//!
//! Motion JPEG format A (`mjpa`) from interlaced capture cards stores both fields of a
//! frame in one sample, as two JPEGs one after the other, each half the frame's height:
//! the first field is decoded and line-doubled to the frame's height (the second field is
//! dropped; at 1080x1920 output the lost vertical detail is not visible, and no
//! deinterlacer is needed). Format B (`mjpb`) is refused by the plan.
//!
//! Each decode runs under `catch_unwind`: a panic becomes this sample's codec error.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};

use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use crate::codec::video::{ChromaFormat, Decoded, Packet, Picture, Plane, Planes, VideoDecoder};
use crate::error::{Error, Result};
use crate::limits::{MAX_DIMENSION, MAX_SAMPLE_SIZE};
use crate::media::VideoInfo;

const STAGE: &str = "Motion JPEG decode";

/// A decoded picture: 4:4:4 planes, tightly packed.
struct Owned {
    width: u32,
    height: u32,
    planes: [Vec<u8>; 3],
    pts: f64,
}

/// Decodes one Motion JPEG track.
pub struct MjpegDecoder {
    /// The track's frame size: a picture half as tall is one field of it.
    frame_height: u32,
    ready: VecDeque<Owned>,
    lent: Option<Owned>,
    lost: Vec<f64>,
}

impl MjpegDecoder {
    /// A decoder for `info`'s track (every sample describes itself).
    pub fn new(info: &VideoInfo) -> Result<Self> {
        if info.width > MAX_DIMENSION || info.height > MAX_DIMENSION {
            return Err(Error::limit(
                "Motion JPEG track",
                format!("{}x{} exceeds {MAX_DIMENSION}", info.width, info.height),
            ));
        }
        Ok(MjpegDecoder { frame_height: info.height, ready: VecDeque::new(), lent: None, lost: Vec::new() })
    }
}

/// zune-jpeg only applies the standard Huffman tables that AVI-style Motion JPEG leaves
/// out (ISO/IEC 10918-1 K.3) when it sees an `AVI1` APP0 segment; some MOV writers omit
/// the tables without one. This inserts that segment after SOI.
fn with_avi1_marker(jpeg: &[u8]) -> Option<Vec<u8>> {
    let rest = jpeg.strip_prefix(&[0xFF, 0xD8])?;
    let mut out = Vec::with_capacity(jpeg.len() + 16);
    out.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]);
    out.extend_from_slice(b"AVI1\0");
    out.extend_from_slice(&[0; 9]);
    out.extend_from_slice(rest);
    Some(out)
}

/// Decodes one JPEG into 4:4:4 planes, or says why not.
fn decode(jpeg: &[u8]) -> std::result::Result<(u32, u32, [Vec<u8>; 3]), String> {
    let options = DecoderOptions::default()
        .set_max_width(MAX_DIMENSION as usize)
        .set_max_height(MAX_DIMENSION as usize)
        .jpeg_set_out_colorspace(ColorSpace::YCbCr);
    let mut dec = JpegDecoder::new_with_options(ZCursor::new(jpeg), options);
    dec.decode_headers().map_err(|e| format!("{e:?}"))?;
    let info = dec.info().ok_or("no picture header")?;
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    if w == 0 || h == 0 {
        return Err(format!("a {w}x{h} picture"));
    }
    let gray = dec.input_colorspace() == Some(ColorSpace::Luma);
    if gray {
        dec.set_options(options.jpeg_set_out_colorspace(ColorSpace::Luma));
    } else if dec.input_colorspace() != Some(ColorSpace::YCbCr) {
        return Err(format!("{:?} pictures (only YCbCr and greyscale are video)", dec.input_colorspace()));
    }
    let pixels = dec.decode().map_err(|e| format!("{e:?}"))?;
    let n = w * h;
    let planes = if gray {
        if pixels.len() < n {
            return Err("short greyscale output".into());
        }
        [pixels[..n].to_vec(), vec![128; n], vec![128; n]]
    } else {
        if pixels.len() < 3 * n {
            return Err("short YCbCr output".into());
        }
        let mut planes = [Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n)];
        for px in pixels[..3 * n].chunks_exact(3) {
            planes[0].push(px[0]);
            planes[1].push(px[1]);
            planes[2].push(px[2]);
        }
        planes
    };
    Ok((w as u32, h as u32, planes))
}

/// (bit depth, chroma format, width, height) from a JPEG's frame header (SOFn, ISO/IEC
/// 10918-1 B.2.2): what the probe reports for a Motion JPEG track, whose container does not
/// say. `None` when `jpeg` ends before the header or is not a JPEG.
pub fn frame_format(jpeg: &[u8]) -> Option<(u8, &'static str, u32, u32)> {
    let mut i = 2;
    if jpeg.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    loop {
        // Markers may be padded with fill bytes (0xFF).
        while *jpeg.get(i)? == 0xFF && *jpeg.get(i + 1)? == 0xFF {
            i += 1;
        }
        if *jpeg.get(i)? != 0xFF {
            return None;
        }
        let marker = *jpeg.get(i + 1)?;
        let len = usize::from(u16::from_be_bytes([*jpeg.get(i + 2)?, *jpeg.get(i + 3)?]));
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let sof = jpeg.get(i + 4..i + 2 + len)?;
            let (depth, h, w, n) =
                (sof[0], u16::from_be_bytes([sof[1], sof[2]]), u16::from_be_bytes([sof[3], sof[4]]), sof[5]);
            let chroma = match n {
                1 => "4:0:0",
                3 => {
                    let comp = sof.get(6..15)?;
                    // Sampling factors (H, V) of luma against each chroma component.
                    let (hy, vy) = (comp[1] >> 4, comp[1] & 15);
                    let (hc, vc) = (comp[4] >> 4, comp[4] & 15);
                    match (hc > 0 && vc > 0).then(|| (hy / hc, vy / vc)) {
                        Some((1, 1)) => "4:4:4",
                        Some((2, 1)) => "4:2:2",
                        Some((2, 2)) => "4:2:0",
                        Some((1, 2)) => "4:4:0",
                        Some((4, 1)) => "4:1:1",
                        _ => "other",
                    }
                }
                _ => "other",
            };
            return Some((depth, chroma, u32::from(w), u32::from(h)));
        }
        if marker == 0xDA || len < 2 {
            return None;
        }
        i += 2 + len;
    }
}

/// Repeats every line of a `w`-wide field so it is `rows` lines tall.
fn line_double(plane: &[u8], w: usize, rows: usize) -> Vec<u8> {
    let field_rows = plane.len() / w.max(1);
    let mut out = Vec::with_capacity(w * rows);
    for r in 0..rows {
        let src = (r / 2).min(field_rows.saturating_sub(1));
        out.extend_from_slice(&plane[src * w..][..w]);
    }
    out
}

impl VideoDecoder for MjpegDecoder {
    fn queue_parameter_sets(&mut self, _sps: &[Vec<u8>], _pps: &[Vec<u8>]) {
        // Every JPEG carries its own tables.
    }

    fn send_packet(&mut self, packet: Packet<'_>) -> Result<Decoded> {
        self.lent = None;
        if !packet.pts.is_finite() {
            return Err(Error::Invalid(format!("Motion JPEG sample pts {} is not finite", packet.pts)));
        }
        if packet.data.len() > MAX_SAMPLE_SIZE as usize {
            self.lost.push(packet.pts);
            return Err(Error::limit("Motion JPEG sample", format!("{} bytes", packet.data.len())));
        }
        let run = |data: &[u8]| {
            catch_unwind(AssertUnwindSafe(|| decode(data))).unwrap_or_else(|_| Err("the decoder panicked".into()))
        };
        let mut decoded = run(packet.data);
        let has_tables = packet.data.windows(2).any(|m| m == [0xFF, 0xC4]);
        if decoded.is_err() && !has_tables {
            if let Some(patched) = with_avi1_marker(packet.data) {
                decoded = run(&patched);
            }
        }
        let (width, mut height, mut planes) = match decoded {
            Ok(d) => d,
            Err(e) => {
                self.lost.push(packet.pts);
                return Err(Error::codec(STAGE, format!("corrupt picture at pts {:.3} s: {e}", packet.pts)));
            }
        };
        // One field of an interlaced frame (mjpa): as tall again, by line doubling.
        let h = self.frame_height;
        if h > height && (h == 2 * height || h + 1 == 2 * height || h == 2 * height + 1) {
            planes = planes.map(|p| line_double(&p, width as usize, h as usize));
            height = h;
        }
        self.ready.push_back(Owned { width, height, planes, pts: packet.pts });
        Ok(Decoded::Clean)
    }

    fn receive_picture(&mut self) -> Option<Picture<'_>> {
        let next = self.ready.pop_front()?;
        let p = self.lent.insert(next);
        let w = p.width as usize;
        let plane = |k: usize| Plane { data: &p.planes[k][..], stride: w };
        Some(Picture {
            width: p.width,
            height: p.height,
            chroma: ChromaFormat::Yuv444,
            planes: Planes::U8 { y: plane(0), u: plane(1), v: plane(2) },
            pts: p.pts,
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
    fn garbage_is_a_lost_picture_not_a_crash() {
        let info = VideoInfo::new(crate::media::VideoCodec::Mjpeg, "jpeg", 64, 64);
        let mut dec = MjpegDecoder::new(&info).unwrap();
        for (k, junk) in
            [&[][..], &[0xFF, 0xD8, 0xFF], &[0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 8, 0xff, 0xff, 0xff, 0xff, 3]]
                .iter()
                .enumerate()
        {
            assert!(dec.send_packet(Packet { data: junk, pts: k as f64, upcoming: None }).is_err());
            assert!(dec.receive_picture().is_none());
        }
        assert_eq!(dec.take_lost(), vec![0.0, 1.0, 2.0]);
    }

    #[test]
    fn the_frame_header_gives_depth_chroma_and_size() {
        // SOI, an APP0 of 4 bytes, SOF0: 8-bit 240x320, Y 2x1, Cb 1x1, Cr 1x1 (4:2:2).
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0, 0, 0xFF, 0xC0, 0x00, 0x11, 8, 0x00, 0xF0, 0x01, 0x40, 3, 1, 0x21, 0,
            2, 0x11, 1, 3, 0x11, 1,
        ];
        assert_eq!(frame_format(&jpeg), Some((8, "4:2:2", 320, 240)));
        let mut j420 = jpeg;
        j420[19] = 0x22;
        assert_eq!(frame_format(&j420).map(|f| f.1), Some("4:2:0"));
        assert_eq!(frame_format(&jpeg[..20]), None);
        assert_eq!(frame_format(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]), None);
        assert_eq!(frame_format(b"not a jpeg"), None);
    }

    #[test]
    fn a_field_is_line_doubled_and_tables_can_be_implied() {
        assert_eq!(line_double(&[1, 2, 3, 4], 2, 4), vec![1, 2, 1, 2, 3, 4, 3, 4]);
        assert_eq!(line_double(&[1, 2, 3, 4], 2, 5), vec![1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
        let patched = with_avi1_marker(&[0xFF, 0xD8, 0xFF, 0xDB]).unwrap();
        assert_eq!(&patched[..4], &[0xFF, 0xD8, 0xFF, 0xE0]);
        assert_eq!(&patched[6..11], b"AVI1\0");
        assert_eq!(&patched[patched.len() - 2..], &[0xFF, 0xDB]);
        assert_eq!(with_avi1_marker(&[0x00]), None);
    }
}
