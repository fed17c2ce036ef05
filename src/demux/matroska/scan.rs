//! One front-to-back pass over a Matroska/WebM file, reading element headers and block
//! headers only, never frame data. A live stream (Chrome's MediaRecorder, `ffmpeg -f webm
//! -live 1`) has no Cues, no Duration and Segment/Cluster sizes marked unknown; reading
//! every Cluster in order needs none of them. Segment and Cluster are entered rather than
//! skipped, and since Matroska's element IDs are distinct between levels, the children of
//! both can be read in one flat loop, which is what makes unknown sizes harmless: a
//! Cluster simply ends where the next Cluster (or Cues, Tags...) begins.

use std::collections::BTreeMap;
use std::io::{BufReader, Read};
use std::path::Path;

use super::block::{self, UNLACED_HEADER_MAX};
use super::ebml::{self, read_header, Children, Header};
use super::tracks::{self, TrackEntry};
use crate::demux::timing::RawFrame;
use crate::demux::Source;
use crate::error::{Error, Result};
use crate::limits::{MAX_METADATA_BOX, MAX_SAMPLES_PER_TRACK, MAX_SAMPLE_SIZE, MAX_TRACKS};
use crate::media::Warning;

/// What the scan found.
pub struct Scanned {
    /// `matroska` or `webm`.
    pub doc_type: String,
    /// Nanoseconds per timestamp tick.
    pub timestamp_scale: u64,
    /// The track descriptions, in file order.
    pub tracks: Vec<TrackEntry>,
    /// Frames per track number, in file (decode) order.
    pub frames: BTreeMap<u64, Vec<RawFrame>>,
    /// What was worked around.
    pub warnings: Vec<Warning>,
}

/// A positioned, buffered reader that knows the file's length.
struct Stream<'a> {
    r: BufReader<&'a mut dyn Source>,
    pos: u64,
    len: u64,
    path: &'a Path,
}

impl Stream<'_> {
    /// Reads up to `buf.len()` bytes at the current position; fewer only at the end.
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize> {
        let mut got = 0;
        while got < buf.len() {
            match self.r.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(self.path, e)),
            }
        }
        self.pos += got as u64;
        Ok(got)
    }

    fn skip(&mut self, n: u64) -> Result<()> {
        let n = n.min(self.len.saturating_sub(self.pos));
        let step = i64::try_from(n).map_err(|_| Error::limit("Matroska", "a skip beyond 2^63 bytes"))?;
        self.r.seek_relative(step).map_err(|e| Error::io(self.path, e))?;
        self.pos += n;
        Ok(())
    }

    /// The next element header, or `None` at the end of the file (or of what is left of
    /// a cut one). The stream is left at the element's body.
    fn header(&mut self) -> Result<Option<(u64, Header)>> {
        let at = self.pos;
        let mut h = [0u8; 12];
        let n = self.fill(&mut h)?;
        if n < 2 {
            return Ok(None);
        }
        let header = match read_header(&h[..n], &format!("element at offset {at}")) {
            Ok(header) => header,
            Err(_) if n < h.len() => return Ok(None),
            Err(e) => return Err(e),
        };
        // Step back to the body: the header was read with a look-ahead.
        let back = (n - header.len) as i64;
        self.r.seek_relative(-back).map_err(|e| Error::io(self.path, e))?;
        self.pos -= back as u64;
        Ok(Some((at, header)))
    }

    fn body(&mut self, size: u64, what: &str) -> Result<Vec<u8>> {
        if size > MAX_METADATA_BOX {
            return Err(Error::limit(what, format!("{size} bytes exceeds the {MAX_METADATA_BOX}-byte limit")));
        }
        if size > self.len - self.pos {
            return Err(Error::malformed(
                what,
                format!("claims {size} bytes with only {} left in the file: it is truncated", self.len - self.pos),
            ));
        }
        let mut buf = vec![0u8; size as usize];
        self.fill(&mut buf)?;
        Ok(buf)
    }
}

/// Scans `file` (`len` bytes) once, front to back.
pub fn scan(file: &mut dyn Source, len: u64, path: &Path) -> Result<Scanned> {
    file.rewind().map_err(|e| Error::io(path, e))?;
    let mut s = Stream { r: BufReader::with_capacity(64 << 10, file), pos: 0, len, path };
    let mut out = Scanned {
        doc_type: String::new(),
        timestamp_scale: 1_000_000,
        tracks: Vec::new(),
        frames: BTreeMap::new(),
        warnings: Vec::new(),
    };
    let Some((_, first)) = s.header()? else {
        return Err(Error::malformed("EBML", "the file is too short to be Matroska"));
    };
    if first.id != ebml::EBML {
        return Err(Error::malformed("EBML", "the file does not start with an EBML header"));
    }
    let head_size = known(first, 0, "EBML header")?;
    if head_size > 4096 {
        return Err(Error::malformed("EBML header", format!("an EBML header of {head_size} bytes")));
    }
    let head = s.body(head_size, "EBML header")?;
    for child in Children::new(&head, "EBML header") {
        if let (ebml::DOC_TYPE, v) = child? {
            out.doc_type = ebml::string(v);
        }
    }
    if !matches!(out.doc_type.as_str(), "matroska" | "webm") {
        return Err(Error::unsupported(
            format!("an EBML file of type '{}' (not Matroska or WebM)", out.doc_type),
            "clipfit reads MP4, MOV, Matroska and WebM video",
        ));
    }
    let mut cluster_ts: i64 = 0;
    let mut seen_tracks = false;
    let mut seen_info = false;
    while let Some((at, h)) = s.header()? {
        match h.id {
            // Entered, not skipped: their children follow in the same loop.
            ebml::SEGMENT => {}
            ebml::CLUSTER => cluster_ts = 0,
            ebml::CLUSTER_TIMESTAMP => {
                let v = s.body(h.size.unwrap_or(0).min(8), "Cluster/Timestamp")?;
                cluster_ts = i64::try_from(ebml::uint(&v, "Cluster/Timestamp")?)
                    .map_err(|_| Error::malformed("Cluster/Timestamp", "a timestamp beyond 2^63"))?;
            }
            ebml::INFO if !seen_info => {
                seen_info = true;
                let body = s.body(known(h, at, "Info")?, "Info")?;
                for child in Children::new(&body, "Info") {
                    if let (ebml::TIMESTAMP_SCALE, v) = child? {
                        out.timestamp_scale = ebml::uint(v, "Info/TimestampScale")?;
                    }
                }
                if out.timestamp_scale == 0 {
                    return Err(Error::malformed("Info/TimestampScale", "the timestamp scale is zero"));
                }
            }
            ebml::TRACKS if !seen_tracks => {
                seen_tracks = true;
                let body = s.body(known(h, at, "Tracks")?, "Tracks")?;
                for child in Children::new(&body, "Tracks") {
                    let (id, entry) = child?;
                    if id != ebml::TRACK_ENTRY {
                        continue;
                    }
                    if out.tracks.len() >= MAX_TRACKS {
                        return Err(Error::limit("Tracks", format!("more than {MAX_TRACKS} tracks")));
                    }
                    out.tracks.push(tracks::parse(entry, "Tracks/TrackEntry")?);
                }
            }
            ebml::SIMPLE_BLOCK => {
                let size = known(h, at, "SimpleBlock")?;
                if !simple_block(&mut s, size, cluster_ts, &mut out)? {
                    break;
                }
            }
            ebml::BLOCK_GROUP => {
                let size = known(h, at, "BlockGroup")?;
                if !block_group(&mut s, size, cluster_ts, &mut out)? {
                    break;
                }
            }
            _ => match h.size {
                Some(size) => {
                    if len.checked_sub(s.pos).is_none_or(|room| size > room) {
                        // Cues, Tags or a Void cut by the end of the file: nothing after.
                        break;
                    }
                    s.skip(size)?;
                }
                None => {
                    return Err(Error::malformed(
                        format!("element {:#x} at offset {at}", h.id),
                        "an element of unknown size that is not a Segment or Cluster",
                    ))
                }
            },
        }
    }
    if !seen_tracks {
        return Err(Error::malformed("Tracks", "the file has no track descriptions (no Tracks element)"));
    }
    Ok(out)
}

fn known(h: Header, at: u64, what: &str) -> Result<u64> {
    h.size.ok_or_else(|| Error::malformed(what, format!("an element of unknown size at offset {at}")))
}

/// Records the frames of one block whose body (of `size` bytes) starts at the stream's
/// position. Returns false when the file ends inside the block (a cut recording: the
/// frames before it are kept).
fn read_block(
    s: &mut Stream<'_>,
    size: u64,
    cluster_ts: i64,
    group: Option<(Option<u64>, bool)>,
    out: &mut Scanned,
) -> Result<bool> {
    let start = s.pos;
    if size > s.len - start {
        out.warnings.push(Warning::new(
            "truncated",
            format!("the file ends inside a block at offset {start}: the frames from there on are left out"),
        ));
        return Ok(false);
    }
    let mut head = [0u8; UNLACED_HEADER_MAX];
    let n = s.fill(&mut head[..(size.min(UNLACED_HEADER_MAX as u64)) as usize])?;
    let (track, _, flags) = block::peek(&head[..n])?;
    if !out.tracks.iter().any(|t| t.number == track) {
        // A block of a track the Tracks element does not describe: nothing can use it.
        s.skip(size - n as u64)?;
        return Ok(true);
    }
    let parsed = if block::lacing(flags) == 0 {
        s.skip(size - n as u64)?;
        block::parse(&head[..n], size)?
    } else {
        if size > u64::from(MAX_SAMPLE_SIZE) {
            return Err(Error::limit("Cluster/Block", format!("a laced block of {size} bytes")));
        }
        let mut body = head[..n].to_vec();
        body.extend(s.body(size - n as u64, "Cluster/Block")?);
        block::parse(&body, size)?
    };
    let timestamp = cluster_ts
        .checked_add(i64::from(parsed.timestamp))
        .ok_or_else(|| Error::malformed("Cluster/Block", "a block timestamp beyond 2^63 ticks"))?;
    let (block_duration, keyframe) = match group {
        Some((duration, referenced)) => (duration, !referenced),
        None => (None, parsed.keyframe),
    };
    let frames = out.frames.entry(track).or_default();
    let count = parsed.frames.len() as u16;
    if frames.len() as u64 + u64::from(count) > MAX_SAMPLES_PER_TRACK {
        return Err(Error::limit("Cluster", format!("track {track} holds more than {MAX_SAMPLES_PER_TRACK} frames")));
    }
    for (i, (offset, size)) in parsed.frames.into_iter().enumerate() {
        frames.push(RawFrame {
            offset: start + offset,
            size,
            timestamp,
            lace: (i as u16, count),
            block_duration,
            keyframe,
        });
    }
    Ok(true)
}

fn simple_block(s: &mut Stream<'_>, size: u64, cluster_ts: i64, out: &mut Scanned) -> Result<bool> {
    read_block(s, size, cluster_ts, None, out)
}

/// A BlockGroup: its Block, BlockDuration and ReferenceBlocks, in any order. The Block is
/// recorded once its siblings are known.
fn block_group(s: &mut Stream<'_>, size: u64, cluster_ts: i64, out: &mut Scanned) -> Result<bool> {
    let end = s.pos.checked_add(size).filter(|&e| e <= s.len);
    let Some(end) = end else {
        out.warnings.push(Warning::new(
            "truncated",
            format!("the file ends inside a block group at offset {}: the frames from there on are left out", s.pos),
        ));
        return Ok(false);
    };
    let (mut block, mut duration, mut referenced) = (None, None, false);
    while s.pos < end {
        let Some((at, h)) = s.header()? else { break };
        let body_size = known(h, at, "BlockGroup")?;
        // The child's header itself may already run past the group.
        if end.checked_sub(s.pos).is_none_or(|room| body_size > room) {
            return Err(Error::malformed("BlockGroup", format!("a child at offset {at} runs past its group")));
        }
        match h.id {
            ebml::BLOCK => {
                block = Some((s.pos, body_size));
                s.skip(body_size)?;
            }
            ebml::BLOCK_DURATION => {
                duration = Some(ebml::uint(&s.body(body_size, "BlockGroup/BlockDuration")?, "BlockDuration")?)
            }
            ebml::REFERENCE_BLOCK => {
                referenced = true;
                s.skip(body_size)?;
            }
            _ => s.skip(body_size)?,
        }
    }
    let Some((at, block_size)) = block else { return Ok(true) };
    let resume = s.pos;
    s.r.seek_relative(at as i64 - resume as i64).map_err(|e| Error::io(s.path, e))?;
    s.pos = at;
    let more = read_block(s, block_size, cluster_ts, Some((duration, referenced)), out)?;
    s.r.seek_relative(resume as i64 - s.pos as i64).map_err(|e| Error::io(s.path, e))?;
    s.pos = resume;
    Ok(more)
}
