//! A (Simple)Block's header and its lacing: which track it belongs to, its timestamp
//! relative to the cluster, and where each frame lies in it. Every frame of a block is a
//! contiguous byte range, so a frame becomes one sample `{ offset, size }` of the file.

use super::ebml::read_vint;
use crate::error::{Error, Result};

/// Most frames one laced block may hold (the lace count is one byte: 1..=256).
const MAX_LACED_FRAMES: usize = 256;

/// Bytes of a block's header that are enough to parse it when it is not laced: track
/// number (at most 8 bytes), timestamp (2), flags (1).
pub const UNLACED_HEADER_MAX: usize = 11;

/// A parsed block header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockHeader {
    /// The track number the block belongs to.
    pub track: u64,
    /// Timestamp relative to the cluster's, in TimestampScale ticks.
    pub timestamp: i16,
    /// SimpleBlock keyframe flag (BlockGroups say it through the absence of references).
    pub keyframe: bool,
    /// Each frame's (offset within the block body, size).
    pub frames: Vec<(u64, u32)>,
}

/// The lacing of a block, from its flags.
pub fn lacing(flags: u8) -> u8 {
    (flags >> 1) & 3
}

/// Reads the track number and flags from the first bytes of a block body: (track,
/// header length up to and including the flags, flags).
pub fn peek(head: &[u8]) -> Result<(u64, usize, u8)> {
    let (track, n, _) = read_vint(head, PLACE)?;
    let flags = *head.get(n + 2).ok_or_else(|| Error::malformed(PLACE, "block header cut short"))?;
    Ok((track, n + 3, flags))
}

const PLACE: &str = "Cluster/Block";

/// Parses a block whose body is `body_len` bytes; `data` holds at least its header (for
/// an unlaced block, [`UNLACED_HEADER_MAX`] bytes or the whole body; for a laced one, the
/// whole body, since lace sizes may run long).
pub fn parse(data: &[u8], body_len: u64) -> Result<BlockHeader> {
    let (track, header, flags) = peek(data)?;
    let timestamp = i16::from_be_bytes([data[header - 3], data[header - 2]]);
    let keyframe = flags & 0x80 != 0;
    let total = u64::try_from(header).unwrap_or(u64::MAX);
    let payload =
        body_len.checked_sub(total).ok_or_else(|| Error::malformed(PLACE, "a block shorter than its own header"))?;
    let frames = match lacing(flags) {
        0 => vec![(total, frame_size(payload)?)],
        kind => laced(data, header, body_len, kind)?,
    };
    Ok(BlockHeader { track, timestamp, keyframe, frames })
}

fn frame_size(size: u64) -> Result<u32> {
    u32::try_from(size).ok().filter(|&s| s <= crate::limits::MAX_SAMPLE_SIZE).ok_or_else(|| {
        Error::limit(PLACE, format!("a frame of {size} bytes exceeds {} bytes", crate::limits::MAX_SAMPLE_SIZE))
    })
}

/// Splits a laced block: Xiph (1), fixed-size (2) or EBML (3) lacing.
fn laced(data: &[u8], header: usize, body_len: u64, kind: u8) -> Result<Vec<(u64, u32)>> {
    if (data.len() as u64) < body_len {
        return Err(Error::malformed(PLACE, "laced block cut short"));
    }
    let count = usize::from(*data.get(header).ok_or_else(|| Error::malformed(PLACE, "lace count missing"))?) + 1;
    debug_assert!(count <= MAX_LACED_FRAMES);
    let mut pos = header + 1;
    let mut sizes: Vec<u64> = Vec::with_capacity(count);
    match kind {
        1 => {
            for _ in 0..count - 1 {
                let mut size = 0u64;
                loop {
                    let b = *data.get(pos).ok_or_else(|| Error::malformed(PLACE, "Xiph lace sizes cut short"))?;
                    pos += 1;
                    size += u64::from(b);
                    if b != 255 {
                        break;
                    }
                }
                sizes.push(size);
            }
        }
        2 => {}
        _ => {
            let (first, n, _) = read_vint(&data[pos.min(data.len())..], PLACE)?;
            pos += n;
            sizes.push(first);
            let mut prev = first as i64;
            for _ in 1..count.saturating_sub(1) {
                let (raw, n, _) = read_vint(&data[pos.min(data.len())..], PLACE)?;
                pos += n;
                // A signed lace size difference: the unsigned value minus half its range.
                let bias = (1i64 << (7 * n - 1)) - 1;
                let size = prev
                    .checked_add(raw as i64 - bias)
                    .filter(|s| *s >= 0)
                    .ok_or_else(|| Error::malformed(PLACE, "EBML lace sizes go below zero"))?;
                sizes.push(size as u64);
                prev = size;
            }
        }
    }
    let start = pos as u64;
    let payload =
        body_len.checked_sub(start).ok_or_else(|| Error::malformed(PLACE, "lace sizes run past the block"))?;
    if kind == 2 {
        if payload % count as u64 != 0 {
            return Err(Error::malformed(
                PLACE,
                format!("{payload} bytes do not split into {count} fixed-size laced frames"),
            ));
        }
        sizes = vec![payload / count as u64; count];
    } else {
        let listed: u64 = sizes.iter().sum();
        let last = payload
            .checked_sub(listed)
            .ok_or_else(|| Error::malformed(PLACE, "laced frame sizes add up to more than the block"))?;
        sizes.push(last);
    }
    let mut out = Vec::with_capacity(count);
    let mut offset = start;
    for s in sizes {
        out.push((offset, frame_size(s)?));
        offset += s;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(flags: u8, rest: &[u8]) -> Vec<u8> {
        let mut b = vec![0x81, 0x00, 0x10, flags];
        b.extend_from_slice(rest);
        b
    }

    #[test]
    fn unlaced_block_is_one_frame_after_its_header() {
        let b = block(0x80, &[1, 2, 3]);
        let h = parse(&b, b.len() as u64).unwrap();
        assert_eq!(h, BlockHeader { track: 1, timestamp: 16, keyframe: true, frames: vec![(4, 3)] });
    }

    #[test]
    fn xiph_fixed_and_ebml_lacing_split_the_payload() {
        // Xiph: 3 frames, sizes 256 (255 + 1) and 2, the last takes the rest (3).
        let mut rest = vec![2, 255, 1, 2];
        rest.extend(std::iter::repeat_n(7u8, 256 + 2 + 3));
        let b = block(0x02, &rest);
        let h = parse(&b, b.len() as u64).unwrap();
        assert_eq!(h.frames, vec![(8, 256), (264, 2), (266, 3)]);
        // Fixed: 2 frames of 3 bytes.
        let b = block(0x04, &[1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(parse(&b, b.len() as u64).unwrap().frames, vec![(5, 3), (8, 3)]);
        assert!(parse(&block(0x04, &[1, 0, 0, 0]), 8).is_err());
        // EBML: 3 frames, first 4, then 4 + (-1) = 3 (0xBE = 62 - 63), the last 2.
        let b = block(0x06, &[2, 0x84, 0xBE, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(parse(&b, b.len() as u64).unwrap().frames, vec![(7, 4), (11, 3), (14, 2)]);
    }

    #[test]
    fn lace_sizes_past_the_block_are_malformed() {
        let b = block(0x02, &[1, 200, 0, 0]);
        assert!(parse(&b, b.len() as u64).is_err());
        let b = block(0x06, &[2, 0x90, 0x80, 0]);
        assert!(parse(&b, b.len() as u64).is_err());
        assert!(parse(&[0x81, 0], 2).is_err());
    }
}
