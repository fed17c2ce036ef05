//! Decoded pictures.

/// An 8-bit YUV 4:2:0 planar picture (I420), limited range, with its presentation time.
///
/// Planes are tightly packed: the luma stride is `width`, the chroma stride is
/// `width.div_ceil(2)`. Width and height are even for every frame clipfit produces.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// Width of the luma plane in pixels.
    pub width: u32,
    /// Height of the luma plane in pixels.
    pub height: u32,
    /// Luma plane, `width * height` bytes.
    pub y: Vec<u8>,
    /// Cb plane, `cw * ch` bytes where `cw = width.div_ceil(2)`, `ch = height.div_ceil(2)`.
    pub u: Vec<u8>,
    /// Cr plane, same size as `u`.
    pub v: Vec<u8>,
    /// Presentation time in seconds from the start of the output timeline.
    pub pts: f64,
}

impl Frame {
    /// A frame filled with one colour.
    pub fn filled(width: u32, height: u32, y: u8, u: u8, v: u8) -> Frame {
        let (cw, ch) = Self::chroma_size(width, height);
        Frame {
            width,
            height,
            y: vec![y; width as usize * height as usize],
            u: vec![u; cw * ch],
            v: vec![v; cw * ch],
            pts: 0.0,
        }
    }

    /// Black in limited-range BT.709.
    pub fn black(width: u32, height: u32) -> Frame {
        Self::filled(width, height, 16, 128, 128)
    }

    /// Chroma plane width and height for a luma size.
    pub fn chroma_size(width: u32, height: u32) -> (usize, usize) {
        (width.div_ceil(2) as usize, height.div_ceil(2) as usize)
    }
}
