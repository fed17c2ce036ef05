//! One 8-bit plane whose rows may be padded, as fast_image_resize's source image.
//!
//! The crate's own image types want tightly packed rows; a decoder's picture has a stride
//! wider than the picture (and a 4K crop reads only a third of each row), so packing it
//! first would copy 12 MB per 4K frame for nothing.

use fast_image_resize::images::TypedImageRef;
use fast_image_resize::pixels::U8;
use fast_image_resize::ImageView;

use crate::error::{Error, Result};

/// `height` rows of `width` samples, each `stride` bytes after the one before.
pub(crate) struct PlaneView<'a> {
    /// The whole buffer, `stride` samples per row.
    rows: TypedImageRef<'a, U8>,
    width: u32,
    height: u32,
    stride: usize,
}

impl<'a> PlaneView<'a> {
    /// Fails unless `data` holds `height` rows of `stride ≥ width` bytes.
    pub(crate) fn new(data: &'a [u8], width: u32, height: u32, stride: usize) -> Result<Self> {
        let bad =
            || Error::codec("video scale", format!("{width}x{height} plane of {} bytes, stride {stride}", data.len()));
        let needed = stride.checked_mul(height as usize).ok_or_else(bad)?;
        if stride < width as usize || data.len() < needed {
            return Err(bad());
        }
        let stride32 = u32::try_from(stride).map_err(|_| bad())?;
        let rows = TypedImageRef::<U8>::from_buffer(stride32, height, &data[..needed]).map_err(|_| bad())?;
        Ok(PlaneView { rows, width, height, stride })
    }
}

// SAFETY: every row `iter_rows` yields is a slice of exactly `width` pixels, which the
// trait requires (rows at least as long as the width). `new` checked that all `height`
// rows of `stride ≥ width` pixels lie inside the buffer, so the slicing cannot fail.
unsafe impl ImageView for PlaneView<'_> {
    type Pixel = U8;

    fn width(&self) -> u32 {
        self.width
    }

    fn height(&self) -> u32 {
        self.height
    }

    fn iter_rows(&self, start_row: u32) -> impl Iterator<Item = &[U8]> {
        let pixels = self.rows.pixels();
        let (width, stride) = (self.width as usize, self.stride);
        (start_row.min(self.height)..self.height).map(move |r| &pixels[r as usize * stride..][..width])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_skip_the_padding() {
        let data: Vec<u8> = (0..12).collect();
        let view = PlaneView::new(&data, 3, 3, 4).unwrap();
        let rows: Vec<Vec<u8>> = view.iter_rows(1).map(|r| r.iter().map(|p| p.0).collect()).collect();
        assert_eq!(rows, [vec![4, 5, 6], vec![8, 9, 10]]);
        assert_eq!(view.iter_rows(7).count(), 0);
    }

    #[test]
    fn short_buffers_and_narrow_strides_are_refused() {
        let data = [0u8; 11];
        assert!(PlaneView::new(&data, 3, 3, 4).is_err());
        assert!(PlaneView::new(&data, 3, 3, 2).is_err());
        assert!(PlaneView::new(&data, 3, 2, usize::MAX).is_err());
    }
}
