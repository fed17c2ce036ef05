//! EBML, the binary format under Matroska: variable-length integers, element headers, and
//! typed element values. Everything here reads from byte slices with every length checked
//! against the bytes that are there; the streaming scan in [`super::scan`] uses the same
//! decoders on the few header bytes it reads at a time.

use crate::error::{Error, Result};

/// An element ID, its marker bits kept (as the Matroska specification writes them).
pub type Id = u32;

/// EBML header.
pub const EBML: Id = 0x1A45_DFA3;
/// EBML header: DocType (`matroska`, `webm`).
pub const DOC_TYPE: Id = 0x4282;
/// Segment: everything after the EBML header.
pub const SEGMENT: Id = 0x1853_8067;
/// Segment information.
pub const INFO: Id = 0x1549_A966;
/// Info: nanoseconds per timestamp tick.
pub const TIMESTAMP_SCALE: Id = 0x2AD7B1;
/// Track descriptions.
pub const TRACKS: Id = 0x1654_AE6B;
/// One track description.
pub const TRACK_ENTRY: Id = 0xAE;
/// A cluster of blocks.
pub const CLUSTER: Id = 0x1F43_B675;
/// Cluster: its timestamp.
pub const CLUSTER_TIMESTAMP: Id = 0xE7;
/// A block with its flags in the header.
pub const SIMPLE_BLOCK: Id = 0xA3;
/// A block with its duration and references as siblings.
pub const BLOCK_GROUP: Id = 0xA0;
/// BlockGroup: the block.
pub const BLOCK: Id = 0xA1;
/// BlockGroup: duration in timestamp ticks.
pub const BLOCK_DURATION: Id = 0x9B;
/// BlockGroup: a reference to another frame (absent on keyframes).
pub const REFERENCE_BLOCK: Id = 0xFB;

/// Where an element's body is, and how long it says it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The element ID.
    pub id: Id,
    /// Bytes taken by the ID and the size.
    pub len: usize,
    /// Body size; `None` for "unknown" (all value bits set: a live stream's Segment and
    /// Clusters, written before their length was known).
    pub size: Option<u64>,
}

/// Length of a variable-length integer from its first byte (1..=8), or `None` for a zero
/// byte, which starts no valid integer.
fn vint_len(first: u8) -> Option<usize> {
    (first != 0).then(|| first.leading_zeros() as usize + 1)
}

/// Reads an element ID at the start of `data`: (ID, bytes taken). IDs are 1 to 4 bytes.
pub fn read_id(data: &[u8], place: &str) -> Result<(Id, usize)> {
    let first = *data.first().ok_or_else(|| Error::malformed(place, "element ID cut short"))?;
    let n = vint_len(first).filter(|&n| n <= 4).ok_or_else(|| {
        Error::malformed(place, format!("byte {first:#04x} does not start an element ID: the data is damaged"))
    })?;
    let bytes = data.get(..n).ok_or_else(|| Error::malformed(place, "element ID cut short"))?;
    Ok((bytes.iter().fold(0u32, |v, &b| v << 8 | u32::from(b)), n))
}

/// Reads an unsigned variable-length integer (marker removed): (value, bytes taken,
/// whether every value bit is set, which for a size means "unknown").
pub fn read_vint(data: &[u8], place: &str) -> Result<(u64, usize, bool)> {
    let first = *data.first().ok_or_else(|| Error::malformed(place, "variable-length integer cut short"))?;
    let n = vint_len(first)
        .ok_or_else(|| Error::malformed(place, "a zero byte does not start a variable-length integer"))?;
    let bytes = data.get(..n).ok_or_else(|| Error::malformed(place, "variable-length integer cut short"))?;
    let mask = if n == 8 { 0 } else { 0xFFu8 >> n };
    let value = bytes[1..].iter().fold(u64::from(first & mask), |v, &b| v << 8 | u64::from(b));
    let all_ones = value == (1u64 << (7 * n)) - 1;
    Ok((value, n, all_ones))
}

/// Reads an element header at the start of `data`.
pub fn read_header(data: &[u8], place: &str) -> Result<Header> {
    let (id, id_len) = read_id(data, place)?;
    let (size, size_len, unknown) = read_vint(&data[id_len..], place)?;
    Ok(Header { id, len: id_len + size_len, size: (!unknown).then_some(size) })
}

/// An unsigned integer element's value (0 to 8 big-endian bytes).
pub fn uint(body: &[u8], place: &str) -> Result<u64> {
    if body.len() > 8 {
        return Err(Error::malformed(place, format!("an unsigned integer of {} bytes", body.len())));
    }
    Ok(body.iter().fold(0u64, |v, &b| v << 8 | u64::from(b)))
}

/// A signed integer element's value (0 to 8 big-endian bytes, two's complement).
pub fn int(body: &[u8], place: &str) -> Result<i64> {
    let u = uint(body, place)?;
    if body.is_empty() || body.len() == 8 {
        return Ok(u as i64);
    }
    let shift = 64 - 8 * body.len() as u32;
    Ok(((u << shift) as i64) >> shift)
}

/// A float element's value (0, 4 or 8 bytes).
pub fn float(body: &[u8], place: &str) -> Result<f64> {
    match body.len() {
        0 => Ok(0.0),
        4 => Ok(f64::from(f32::from_be_bytes([body[0], body[1], body[2], body[3]]))),
        8 => Ok(f64::from_be_bytes(body.try_into().unwrap_or([0; 8]))),
        n => Err(Error::malformed(place, format!("a float of {n} bytes"))),
    }
}

/// A string element's value, without the zero padding it may carry.
pub fn string(body: &[u8]) -> String {
    let end = body.iter().position(|&b| b == 0).unwrap_or(body.len());
    String::from_utf8_lossy(&body[..end]).into_owned()
}

/// The child elements of a master element held in memory, as (ID, body). An unknown size
/// runs to the end of the parent; a size past it is an error.
pub struct Children<'a> {
    data: &'a [u8],
    pos: usize,
    place: &'a str,
}

impl<'a> Children<'a> {
    /// Iterates over the elements in `data`; `place` names the parent in errors.
    pub fn new(data: &'a [u8], place: &'a str) -> Self {
        Children { data, pos: 0, place }
    }
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<(Id, &'a [u8])>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.data.len() {
            return None;
        }
        let rest = &self.data[self.pos..];
        let h = match read_header(rest, self.place) {
            Ok(h) => h,
            Err(e) => {
                self.pos = self.data.len();
                return Some(Err(e));
            }
        };
        let left = (rest.len() - h.len) as u64;
        let size = match h.size {
            None => left,
            Some(s) if s <= left => s,
            Some(s) => {
                self.pos = self.data.len();
                return Some(Err(Error::malformed(
                    self.place,
                    format!("element {:#x} claims {s} bytes with only {left} left in its parent", h.id),
                )));
            }
        };
        let body = &rest[h.len..h.len + size as usize];
        self.pos += h.len + size as usize;
        Some(Ok((h.id, body)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vints_ids_and_unknown_sizes() {
        assert_eq!(read_vint(&[0x81], "t").unwrap(), (1, 1, false));
        assert_eq!(read_vint(&[0x40, 0x02], "t").unwrap(), (2, 2, false));
        assert_eq!(read_vint(&[0xFF], "t").unwrap(), (127, 1, true));
        assert!(read_vint(&[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "t").unwrap().2);
        assert!(read_vint(&[0x00], "t").is_err());
        assert!(read_vint(&[0x20, 0x00], "t").is_err());
        assert_eq!(read_id(&[0x1A, 0x45, 0xDF, 0xA3], "t").unwrap(), (EBML, 4));
        assert!(read_id(&[0x08, 0, 0, 0, 0], "t").is_err());
        let h = read_header(&[0x1F, 0x43, 0xB6, 0x75, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "t").unwrap();
        assert_eq!(h, Header { id: CLUSTER, len: 12, size: None });
    }

    #[test]
    fn typed_values() {
        assert_eq!(uint(&[0x0F, 0x42, 0x40], "t").unwrap(), 1_000_000);
        assert_eq!(int(&[0xFF, 0xFE], "t").unwrap(), -2);
        assert_eq!(float(&0.5f32.to_be_bytes(), "t").unwrap(), 0.5);
        assert!(uint(&[0; 9], "t").is_err());
        assert_eq!(string(b"webm\0\0"), "webm");
    }

    #[test]
    fn children_stop_at_a_size_past_the_parent() {
        let data = [0x42, 0x82, 0x84, b'w', b'e', b'b', b'm', 0xEC, 0x85, 0];
        let mut it = Children::new(&data, "t");
        assert_eq!(it.next().unwrap().unwrap(), (DOC_TYPE, &b"webm"[..]));
        assert!(it.next().unwrap().is_err());
        assert!(it.next().is_none());
    }
}
