//! Guarded reading of ISO-BMFF box headers, from a byte slice (inside `moov`) or from a file
//! (top level). Every size is checked against the bytes actually available, so a hostile
//! size can neither loop nor make us allocate.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{Error, Result};
use crate::limits::MAX_FRAGMENTS;

/// A printable name for a four-character code (`????` bytes become `.`).
pub(crate) fn fourcc_name(fourcc: &[u8; 4]) -> String {
    fourcc.iter().map(|&c| if c.is_ascii_graphic() { c as char } else { '.' }).collect()
}

/// One child box inside a container's payload.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Child<'a> {
    pub(crate) fourcc: [u8; 4],
    /// The whole box, header included.
    pub(crate) whole: &'a [u8],
    /// The payload after the (8- or 16-byte) header.
    pub(crate) payload: &'a [u8],
}

/// Iterates the boxes packed in `data`; the first malformed header ends iteration with an
/// error naming `place`.
pub(crate) struct Children<'a> {
    data: &'a [u8],
    pos: usize,
    place: &'a str,
    failed: bool,
}

/// The boxes packed in `data` (a container's payload). Size 0 ("to end of file") is only
/// meaningful at the top level and is rejected here.
pub(crate) fn children<'a>(data: &'a [u8], place: &'a str) -> Children<'a> {
    Children { data, pos: 0, place, failed: false }
}

impl<'a> Children<'a> {
    fn next_child(&mut self) -> Result<Child<'a>> {
        let rest = &self.data[self.pos..];
        let bad = |what: String| Error::malformed(self.place, what);
        if rest.len() < 8 {
            return Err(bad(format!("{} stray bytes after the last box", rest.len())));
        }
        let size32 = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let fourcc = [rest[4], rest[5], rest[6], rest[7]];
        let name = fourcc_name(&fourcc);
        let (size, header) = match size32 {
            0 => return Err(bad(format!("box '{name}' has size 0 inside a container"))),
            1 => {
                if rest.len() < 16 {
                    return Err(bad(format!("box '{name}' is cut off in its 64-bit size")));
                }
                let mut large = [0u8; 8];
                large.copy_from_slice(&rest[8..16]);
                (u64::from_be_bytes(large), 16u64)
            }
            n => (u64::from(n), 8u64),
        };
        if size < header {
            return Err(bad(format!("box '{name}' claims {size} bytes, less than its header")));
        }
        if size > rest.len() as u64 {
            return Err(bad(format!("box '{name}' claims {size} bytes but only {} remain in its parent", rest.len())));
        }
        // Both fit in `rest.len()`, a usize, after the checks above.
        let (size, header) = (size as usize, header as usize);
        self.pos += size;
        Ok(Child { fourcc, whole: &rest[..size], payload: &rest[header..size] })
    }
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Child<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.data.len() {
            return None;
        }
        let r = self.next_child();
        self.failed = r.is_err();
        Some(r)
    }
}

/// A top-level box of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TopBox {
    pub(crate) fourcc: [u8; 4],
    /// Offset of the box's first header byte.
    pub(crate) start: u64,
    /// Total size including the header.
    pub(crate) size: u64,
}

impl TopBox {
    pub(crate) fn end(&self) -> u64 {
        // Checked against the file length when the box was read, so it cannot overflow.
        self.start + self.size
    }
}

/// Reads the top-level box headers of `file` (of length `len`), seeking over payloads.
pub(crate) fn top_level_boxes(file: &mut File, len: u64, path: &Path) -> Result<Vec<TopBox>> {
    let place = "top level";
    // Fragmented files have a moof + mdat pair per fragment, plus a few others.
    let max_boxes = MAX_FRAGMENTS.saturating_mul(2).saturating_add(64);
    let mut boxes = Vec::new();
    let mut pos = 0u64;
    while pos < len {
        if boxes.len() >= max_boxes {
            return Err(Error::limit(place, format!("more than {max_boxes} top-level boxes")));
        }
        let left = len - pos;
        if left < 8 {
            return Err(Error::malformed(place, format!("{left} stray bytes at end of file")));
        }
        file.seek(SeekFrom::Start(pos)).map_err(|e| Error::io(path, e))?;
        let mut head = [0u8; 16];
        let want = if left >= 16 { 16 } else { 8 };
        file.read_exact(&mut head[..want]).map_err(|e| Error::io(path, e))?;
        let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let fourcc = [head[4], head[5], head[6], head[7]];
        let name = fourcc_name(&fourcc);
        let size = match size32 {
            0 => left,
            1 => {
                if want < 16 {
                    return Err(Error::malformed(place, format!("box '{name}' is cut off")));
                }
                let mut large = [0u8; 8];
                large.copy_from_slice(&head[8..16]);
                let size = u64::from_be_bytes(large);
                if size < 16 {
                    return Err(Error::malformed(place, format!("box '{name}' claims {size} bytes")));
                }
                size
            }
            n if n < 8 => return Err(Error::malformed(place, format!("box '{name}' claims {n} bytes"))),
            n => u64::from(n),
        };
        if size > left {
            return Err(Error::malformed(
                place,
                format!("box '{name}' at {pos} claims {size} bytes but the file has {left} left"),
            ));
        }
        boxes.push(TopBox { fourcc, start: pos, size });
        pos += size;
    }
    Ok(boxes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(size: u32, fourcc: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut v = size.to_be_bytes().to_vec();
        v.extend_from_slice(fourcc);
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn reads_normal_and_large_boxes() {
        let mut data = raw(10, b"abcd", &[1, 2]);
        data.extend(raw(1, b"larg", &[0, 0, 0, 0, 0, 0, 0, 17, 9]));
        let kids: Vec<_> = children(&data, "t").collect::<Result<_>>().unwrap();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[0].payload, &[1, 2]);
        assert_eq!(&kids[1].fourcc, b"larg");
        assert_eq!(kids[1].payload, &[9]);
    }

    #[test]
    fn rejects_bad_sizes_without_looping() {
        for data in [
            raw(0, b"zero", &[]),
            raw(4, b"tiny", &[]),
            raw(100, b"long", &[0; 10]),
            raw(1, b"larg", &[0, 0, 0, 0, 0, 0, 0, 3]),
            vec![0, 0, 0],
        ] {
            let r: Result<Vec<_>> = children(&data, "moov").collect();
            assert!(matches!(r, Err(Error::Malformed { .. })), "{data:?}");
        }
    }
}
