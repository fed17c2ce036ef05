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

    /// The frame as a borrowed picture (strides equal to the plane widths).
    pub fn view(&self) -> FrameRef<'_> {
        FrameRef {
            width: self.width,
            height: self.height,
            y: &self.y,
            u: &self.u,
            v: &self.v,
            y_stride: self.width as usize,
            c_stride: self.width.div_ceil(2) as usize,
            pts: self.pts,
        }
    }
}

/// A borrowed I420 picture whose rows may be padded: a decoder's own buffer, seen without
/// copying it. Row `r` of the luma plane is `y[r * y_stride..][..width]`; the chroma planes
/// have `c_stride` and the sizes [`Frame::chroma_size`] gives.
#[derive(Clone, Copy, Debug)]
pub struct FrameRef<'a> {
    /// Width of the luma plane in pixels.
    pub width: u32,
    /// Height of the luma plane in pixels.
    pub height: u32,
    /// Luma plane.
    pub y: &'a [u8],
    /// Cb plane.
    pub u: &'a [u8],
    /// Cr plane.
    pub v: &'a [u8],
    /// Bytes from one luma row to the next (at least `width`).
    pub y_stride: usize,
    /// Bytes from one chroma row to the next (at least `width.div_ceil(2)`).
    pub c_stride: usize,
    /// Presentation time in seconds.
    pub pts: f64,
}

impl FrameRef<'_> {
    /// Copies the picture into `out`, tightly packed, reusing `out`'s buffers.
    pub fn copy_into(&self, out: &mut Frame) {
        let (cw, ch) = Frame::chroma_size(self.width, self.height);
        let (w, h) = (self.width as usize, self.height as usize);
        pack(&mut out.y, self.y, self.y_stride, w, h);
        pack(&mut out.u, self.u, self.c_stride, cw, ch);
        pack(&mut out.v, self.v, self.c_stride, cw, ch);
        out.width = self.width;
        out.height = self.height;
        out.pts = self.pts;
    }
}

/// Copies `rows` rows of `cols` samples, `stride` apart in `plane`, into `out`.
fn pack(out: &mut Vec<u8>, plane: &[u8], stride: usize, cols: usize, rows: usize) {
    out.clear();
    out.reserve(cols * rows);
    for row in plane.chunks(stride.max(1)).take(rows) {
        out.extend_from_slice(&row[..cols.min(row.len())]);
    }
}
