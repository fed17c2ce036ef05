//! Guarded ISO-BMFF box iteration.
//!
//! The `mp4` crate loops forever on a zero-size child box and trusts table counts, so
//! clipfit walks boxes itself: every size is checked against its parent, nesting depth is
//! bounded, and a size of zero means "to the end of the parent" only where the format says so.

use super::bytes::fourcc_str;
use crate::error::{Error, Result};
use crate::limits::MAX_BOX_DEPTH;

/// One box found inside a parent's payload.
#[derive(Clone, Copy, Debug)]
pub struct BoxRef<'a> {
    /// The box type.
    pub kind: [u8; 4],
    /// The payload (after the header).
    pub payload: &'a [u8],
}

impl BoxRef<'_> {
    /// The type as text.
    pub fn name(&self) -> String {
        fourcc_str(&self.kind)
    }
}

/// Iterates the child boxes in `data`. Errors name `place`, the parent's path.
pub struct BoxIter<'a> {
    data: &'a [u8],
    pos: usize,
    place: String,
    failed: bool,
}

impl<'a> BoxIter<'a> {
    /// Children of a container whose payload is `data`, at nesting `depth`.
    pub fn new(data: &'a [u8], place: &str, depth: usize) -> Result<Self> {
        if depth > MAX_BOX_DEPTH {
            return Err(Error::limit(place, format!("boxes nested deeper than {MAX_BOX_DEPTH} levels")));
        }
        Ok(BoxIter { data, pos: 0, place: place.to_string(), failed: false })
    }
}

impl<'a> Iterator for BoxIter<'a> {
    type Item = Result<BoxRef<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let left = self.data.len() - self.pos;
        // Fewer than 8 bytes of trailing padding is tolerated, as most readers do.
        if left < 8 {
            return None;
        }
        let d = &self.data[self.pos..];
        let size32 = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as u64;
        let kind = [d[4], d[5], d[6], d[7]];
        let (header, size) = match size32 {
            0 => (8u64, left as u64),
            1 => {
                if left < 16 {
                    self.failed = true;
                    return Some(Err(Error::malformed(
                        format!("{}/{}", self.place, fourcc_str(&kind)),
                        "64-bit box size cut off",
                    )));
                }
                let mut b = [0u8; 8];
                b.copy_from_slice(&d[8..16]);
                (16, u64::from_be_bytes(b))
            }
            s => (8, s),
        };
        if size < header || size > left as u64 {
            self.failed = true;
            return Some(Err(Error::malformed(
                format!("{}/{}", self.place, fourcc_str(&kind)),
                format!("box at offset {} claims {size} bytes but its parent has {left} bytes left", self.pos),
            )));
        }
        let payload = &d[header as usize..size as usize];
        self.pos += size as usize;
        Some(Ok(BoxRef { kind, payload }))
    }
}

/// Finds the first child of type `kind`.
pub fn find<'a>(data: &'a [u8], kind: &[u8; 4], place: &str, depth: usize) -> Result<Option<BoxRef<'a>>> {
    for b in BoxIter::new(data, place, depth)? {
        let b = b?;
        if &b.kind == kind {
            return Ok(Some(b));
        }
    }
    Ok(None)
}

/// Finds the first child of type `kind`, or fails naming what is missing.
pub fn require<'a>(data: &'a [u8], kind: &[u8; 4], place: &str, depth: usize) -> Result<BoxRef<'a>> {
    find(data, kind, place, depth)?
        .ok_or_else(|| Error::malformed(place, format!("required box '{}' is missing", fourcc_str(kind))))
}
