//! Demuxing: one [`Demuxer`] interface over MP4/MOV/fragmented MP4 (this module's guarded
//! box reader), Matroska/WebM ([`matroska`]), MPEG-TS ([`mpegts`]) and FLV ([`flv`]);
//! [`open`] picks one from the first bytes.
//!
//! clipfit reads ISO-BMFF itself instead of through the `mp4` crate: that crate loops
//! forever on a zero-size child box, allocates whatever a hostile `stsz` claims, has no
//! fragmented-MP4 sample model with edit lists, and does not know MOV sound descriptions
//! (`twos`, `sowt`, `lpcm` v2) or HEVC/VP9/AC-3 entries we must name. Every size here is
//! checked against the file before anything is allocated for it.

pub mod boxes;
pub mod bytes;
pub mod flv;
pub mod fragments;
pub mod matroska;
pub mod mpegts;
pub mod sample_table;
pub mod stsd;
pub mod summary;
pub mod timing;
pub mod track;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::limits::{MAX_FRAGMENTS, MAX_METADATA_BOX, MAX_TRACKS};
use crate::media::{MediaInfo, Warning};
pub use sample_table::Sample;
use track::Track;

/// A top-level box: where it is and how big it claims to be.
#[derive(Clone, Debug)]
pub struct TopBox {
    /// Box type.
    pub kind: [u8; 4],
    /// Offset of the box header.
    pub offset: u64,
    /// Header length (8 or 16).
    pub header: u64,
    /// Total size, header included.
    pub size: u64,
}

/// Anything the demuxer can read from: a file, or bytes in memory (fuzzing, tests).
pub trait Source: Read + Seek + Send {}
impl<T: Read + Seek + Send> Source for T {}

/// An opened, fully indexed input: every sample of every track is known up front and read
/// by random access, which the segment-parallel transcode needs (each worker reads its own
/// stretch of samples). Containers without an index (live WebM, MPEG-TS) are scanned front
/// to back once when opened.
pub trait Demuxer: Send {
    /// What the file contains.
    fn info(&self) -> &MediaInfo;
    /// The samples of track `index` (index into `info().tracks`), in decode order.
    fn samples(&self, index: usize) -> &[Sample];
    /// Ticks per second of track `index`'s sample times.
    fn timescale(&self, index: usize) -> u32;
    /// Reads one sample's bytes into `buf` (resized to fit).
    fn read_sample(&mut self, sample: &Sample, buf: &mut Vec<u8>) -> Result<()>;
    /// The input's path (or name, for data in memory).
    fn path(&self) -> &Path;
}

/// Opens `path` with the demuxer its first bytes call for: EBML (`1A 45 DF A3`) is
/// Matroska/WebM, `FLV\x01` FLV, sync bytes every 188 or 192 bytes MPEG-TS/M2TS, anything else goes to
/// the MP4 reader, which names what it is not.
pub fn open(path: impl AsRef<Path>) -> Result<Box<dyn Demuxer>> {
    let path = path.as_ref().to_path_buf();
    let mut file = File::open(&path).map_err(|e| Error::io(&path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(&path, e))?;
    if meta.is_dir() {
        return Err(Error::Invalid(format!("{} is a directory", path.display())));
    }
    // Enough for three TS/M2TS packets' sync bytes.
    let mut head = Vec::with_capacity(600);
    (&mut file).take(600).read_to_end(&mut head).map_err(|e| Error::io(&path, e))?;
    let n = head.len();
    file.seek(SeekFrom::Start(0)).map_err(|e| Error::io(&path, e))?;
    from_source(Box::new(file), meta.len(), &head[..n], path)
}

/// Opens data of `len` bytes from any seekable source whose first bytes are `head`.
pub fn from_source(file: Box<dyn Source>, len: u64, head: &[u8], name: PathBuf) -> Result<Box<dyn Demuxer>> {
    if matroska::sniff(head) {
        return Ok(Box::new(matroska::from_source(file, len, name)?));
    }
    if flv::sniff(head) {
        return Ok(Box::new(flv::from_source(file, len, name)?));
    }
    if let Some(packet) = mpegts::sniff(head) {
        return Ok(Box::new(mpegts::TsDemuxer::from_source(file, len, packet, name)?));
    }
    Ok(Box::new(Mp4Demuxer::from_source(file, len, name)?))
}

/// A file whose every sample is one contiguous byte range (Matroska, FLV): their scanners
/// differ, reading back does not.
pub struct ByteRangeDemuxer {
    path: PathBuf,
    file: Box<dyn Source>,
    info: MediaInfo,
    /// Per track: timescale and samples.
    tracks: Vec<(u32, Vec<Sample>)>,
}

impl ByteRangeDemuxer {
    /// Wraps what a scanner found; `info` describes `tracks` in the same order.
    pub(crate) fn new(path: PathBuf, file: Box<dyn Source>, info: MediaInfo, tracks: Vec<Track>) -> Self {
        let tracks = tracks.into_iter().map(|t| (t.timescale, t.samples)).collect();
        ByteRangeDemuxer { path, file, info, tracks }
    }
}

impl Demuxer for ByteRangeDemuxer {
    fn info(&self) -> &MediaInfo {
        &self.info
    }
    fn samples(&self, index: usize) -> &[Sample] {
        self.tracks.get(index).map_or(&[], |t| &t.1)
    }
    fn timescale(&self, index: usize) -> u32 {
        self.tracks.get(index).map_or(1, |t| t.0)
    }
    fn read_sample(&mut self, sample: &Sample, buf: &mut Vec<u8>) -> Result<()> {
        buf.resize(sample.size as usize, 0);
        read_exact_at(self.file.as_mut(), sample.offset, buf, &self.path)
    }
    fn path(&self) -> &Path {
        &self.path
    }
}

impl Demuxer for Mp4Demuxer {
    fn info(&self) -> &MediaInfo {
        Mp4Demuxer::info(self)
    }
    fn samples(&self, index: usize) -> &[Sample] {
        Mp4Demuxer::samples(self, index)
    }
    fn timescale(&self, index: usize) -> u32 {
        Mp4Demuxer::timescale(self, index)
    }
    fn read_sample(&mut self, sample: &Sample, buf: &mut Vec<u8>) -> Result<()> {
        Mp4Demuxer::read_sample(self, sample, buf)
    }
    fn path(&self) -> &Path {
        Mp4Demuxer::path(self)
    }
}

/// An opened MP4/MOV file: its description and its sample tables.
pub struct Mp4Demuxer {
    path: PathBuf,
    file: Box<dyn Source>,
    info: MediaInfo,
    tracks: Vec<Track>,
}

/// Box types that may stand at the top level of an ISO-BMFF or QuickTime file.
const TOP_LEVEL: [&[u8; 4]; 16] = [
    b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"meta", b"styp", b"sidx", b"moof", b"mfra",
    b"pnot", b"PICT", b"prfl", b"emsg",
];

pub(crate) fn read_exact_at(file: &mut dyn Source, offset: u64, buf: &mut [u8], path: &Path) -> Result<()> {
    file.seek(SeekFrom::Start(offset)).map_err(|e| Error::io(path, e))?;
    file.read_exact(buf).map_err(|e| Error::io(path, e))
}

/// Bytes of a Motion JPEG track's first sample searched for its frame header: the SOF
/// follows the tables and any APP segments (EXIF thumbnails stay well under this).
const MJPEG_HEADER_BYTES: u32 = 64 << 10;

/// A Motion JPEG track's bit depth, chroma format and (when the container has none) size,
/// from its first picture's frame header: containers do not say, and `check` should.
pub(crate) fn mjpeg_format_from_stream(t: &mut Track, file: &mut dyn Source, path: &Path) -> Result<()> {
    let crate::media::TrackKind::Video(v) = &mut t.kind else { return Ok(()) };
    let Some(first) = t.samples.first() else { return Ok(()) };
    if v.codec != crate::media::VideoCodec::Mjpeg {
        return Ok(());
    }
    let mut head = vec![0u8; first.size.min(MJPEG_HEADER_BYTES) as usize];
    read_exact_at(file, first.offset, &mut head, path)?;
    if let Some((depth, chroma, w, h)) = crate::codec::mjpeg::frame_format(&head) {
        v.bit_depth = depth;
        v.chroma_format = chroma.into();
        if v.width == 0 || v.height == 0 {
            (v.width, v.height) = (w, h);
            v.update_display_size();
        }
    }
    Ok(())
}

/// The top-level boxes, and where the scan stopped early on data that is not a box.
struct TopLevel {
    boxes: Vec<TopBox>,
    /// Offset and reason when the scan met bytes that do not form a box (a vendor trailer
    /// such as Samsung's `SEFT`, or damage); everything from there on is ignored.
    stopped: Option<(u64, String)>,
    warnings: Vec<Warning>,
}

/// Lists the top-level boxes, failing on anything that is not ISO-BMFF.
///
/// Boxes of unknown type are skipped, as ISO/IEC 14496-12 tells readers to. Once at least
/// one box was read, bytes that do not form a box end the scan instead of failing it:
/// whether the file is usable is decided afterwards, by whether `moov` and every sample it
/// references lie before that point.
fn scan_top_level(file: &mut dyn Source, len: u64, path: &Path) -> Result<TopLevel> {
    if len == 0 {
        return Err(Error::malformed("file", "the file is empty"));
    }
    let mut boxes: Vec<TopBox> = Vec::new();
    let mut warnings = Vec::new();
    let mut stopped = None;
    let mut pos = 0u64;
    while pos < len {
        if len - pos < 8 {
            // Trailing bytes too short to be a box: tolerated after real boxes.
            if boxes.is_empty() {
                return Err(Error::malformed("file", "not an MP4/MOV file: too short to hold a box"));
            }
            stopped = Some((pos, format!("{} trailing bytes are too few to be a box", len - pos)));
            break;
        }
        let mut h = [0u8; 16];
        let n = (len - pos).min(16) as usize;
        read_exact_at(file, pos, &mut h[..n], path)?;
        let kind = [h[4], h[5], h[6], h[7]];
        let known = TOP_LEVEL.contains(&&kind);
        if !known && boxes.is_empty() {
            return Err(not_mp4(&h[..n]));
        }
        let name = bytes::fourcc_str(&kind);
        let size32 = u64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]]));
        let (header, size) = match size32 {
            0 => (8, len - pos),
            1 if n >= 16 => (16, u64::from_be_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]])),
            1 => (16, 0),
            s => (8, s),
        };
        let printable = kind.iter().all(|c| c.is_ascii_graphic() || *c == b' ');
        let bad = if size < header {
            Some(format!("a box '{name}' claiming an impossible size of {size} bytes"))
        } else if size > len - pos && &kind != b"mdat" {
            Some(format!("a box '{name}' claiming {size} bytes with only {} bytes left in the file", len - pos))
        } else if !printable {
            Some("bytes that do not form a box".to_string())
        } else {
            None
        };
        if let Some(reason) = bad {
            if boxes.is_empty() || &kind == b"moov" {
                return Err(Error::malformed(
                    &name,
                    format!("{reason} at offset {pos}: the file is truncated or damaged"),
                ));
            }
            stopped = Some((pos, reason));
            break;
        }
        if size > len - pos {
            // A cut mdat is reported later, per sample, when a sample lies past the end.
            warnings.push(Warning::new(
                "mdat_past_end",
                format!(
                    "the mdat at offset {pos} claims {size} bytes but the file ends {} bytes later: read to the end of the file",
                    len - pos
                ),
            ));
            boxes.push(TopBox { kind, offset: pos, header, size: len - pos });
            break;
        }
        if !known {
            warnings.push(Warning::new(
                "unknown_box",
                format!("skipped a top-level box of unknown type '{name}' ({size} bytes at offset {pos})"),
            ));
        }
        boxes.push(TopBox { kind, offset: pos, header, size });
        if boxes.len() > MAX_FRAGMENTS * 2 {
            return Err(Error::limit("file", "too many top-level boxes"));
        }
        pos += size;
    }
    Ok(TopLevel { boxes, stopped, warnings })
}

fn not_mp4(head: &[u8]) -> Error {
    let what = if head.starts_with(&[0xff, 0xd8, 0xff]) {
        "a JPEG image".to_string()
    } else if head.starts_with(b"\x89PNG") {
        "a PNG image".to_string()
    } else if head.starts_with(b"RIFF") {
        "a RIFF (AVI/WAV) file".to_string()
    } else if head.starts_with(b"ID3") || head.starts_with(&[0xff, 0xfb]) {
        "an MP3 file".to_string()
    } else {
        format!(
            "unrecognised data (first bytes {})",
            head.iter().take(8).map(|b| format!("{b:02x}")).collect::<String>()
        )
    };
    Error::malformed("file", format!("not an MP4/MOV video: this looks like {what}"))
}

fn read_box(file: &mut dyn Source, b: &TopBox, path: &Path) -> Result<Vec<u8>> {
    let len = b.size - b.header;
    if len > MAX_METADATA_BOX {
        return Err(Error::limit(
            bytes::fourcc_str(&b.kind),
            format!("{len} bytes exceeds the {MAX_METADATA_BOX}-byte limit for metadata"),
        ));
    }
    let mut buf = vec![0u8; len as usize];
    read_exact_at(file, b.offset + b.header, &mut buf, path)?;
    Ok(buf)
}

impl Mp4Demuxer {
    /// Opens and indexes `path`. Reads only metadata boxes, never sample data.
    pub fn open(path: impl AsRef<Path>) -> Result<Mp4Demuxer> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        let meta = file.metadata().map_err(|e| Error::io(&path, e))?;
        if meta.is_dir() {
            return Err(Error::Invalid(format!("{} is a directory", path.display())));
        }
        Self::from_source(Box::new(file), meta.len(), path)
    }

    /// Indexes MP4 data from any seekable source of `len` bytes; `name` appears in errors.
    pub fn from_source(mut file: Box<dyn Source>, len: u64, name: impl Into<PathBuf>) -> Result<Mp4Demuxer> {
        let path = name.into();
        let TopLevel { boxes: top, stopped, mut warnings } = scan_top_level(file.as_mut(), len, &path)?;
        let Some(moov_box) = top.iter().find(|b| &b.kind == b"moov").cloned() else {
            let why = match &stopped {
                Some((at, reason)) => format!(" (reading stopped at offset {at} on {reason})"),
                None => String::new(),
            };
            return Err(Error::malformed(
                "moov",
                format!("the file has no moov box (no track index): it is incomplete or was never finished{why}"),
            ));
        };
        let moov = read_box(file.as_mut(), &moov_box, &path)?;
        let (mut tracks, defaults) = parse_moov(&moov, len, &mut warnings)?;
        let mut fragmented = false;
        let mut next_dts: Vec<i64> = tracks.iter().map(track::Track::end_dts).collect();
        for b in top.iter().filter(|b| &b.kind == b"moof") {
            fragmented = true;
            let payload = read_box(file.as_mut(), b, &path)?;
            let moof = fragments::Moof { payload: &payload, offset: b.offset };
            fragments::apply_moof(&moof, len, &defaults, &mut tracks, &mut next_dts, &mut warnings)?;
        }
        // Samples must lie before any data the scan could not read as boxes.
        let usable = stopped.as_ref().map_or(len, |(at, _)| *at);
        summary::check_samples_in_file(&tracks, usable)?;
        if let Some((at, reason)) = &stopped {
            warnings.push(Warning::new(
                "trailing_data",
                format!(
                    "ignored {} bytes after the last box, from offset {at} ({reason}; e.g. a camera vendor's trailer)",
                    len - at
                ),
            ));
        }
        for t in &mut tracks {
            t.complete_parameter_sets(file.as_mut(), &path, &mut warnings)?;
            mjpeg_format_from_stream(t, file.as_mut(), &path)?;
        }
        let mut info = summary::media_info(&top, &tracks, len, fragmented)?;
        info.warnings.extend(warnings);
        if let Some(ftyp) = top.iter().find(|b| &b.kind == b"ftyp" && b.size <= 4096) {
            let body = read_box(file.as_mut(), ftyp, &path)?;
            if body.len() >= 4 {
                let brand = bytes::fourcc_str(&[body[0], body[1], body[2], body[3]]);
                if brand == "qt  " && !fragmented {
                    info.container = "mov".into();
                }
                info.major_brand = Some(brand);
            }
        }
        Ok(Mp4Demuxer { path, file, info, tracks })
    }

    /// What the file contains.
    pub fn info(&self) -> &MediaInfo {
        &self.info
    }

    /// The samples of track `index` (index into `info().tracks`), in decode order.
    pub fn samples(&self, index: usize) -> &[Sample] {
        self.tracks.get(index).map_or(&[], |t| &t.samples)
    }

    /// The media timescale of track `index`.
    pub fn timescale(&self, index: usize) -> u32 {
        self.tracks.get(index).map_or(1, |t| t.timescale)
    }

    /// The input's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads one sample's bytes into `buf` (resized to fit).
    pub fn read_sample(&mut self, sample: &Sample, buf: &mut Vec<u8>) -> Result<()> {
        buf.resize(sample.size as usize, 0);
        let path = self.path.clone();
        read_exact_at(self.file.as_mut(), sample.offset, buf, &path)
    }
}

type MoovParts = (Vec<Track>, Vec<fragments::TrackDefaults>);

fn parse_moov(moov: &[u8], file_len: u64, warnings: &mut Vec<Warning>) -> Result<MoovParts> {
    let mvhd = boxes::require(moov, b"mvhd", "moov", 1)?;
    let mut r = bytes::Reader::new(mvhd.payload, "moov/mvhd");
    let (v, _) = r.version_flags()?;
    r.skip(if v == 1 { 16 } else { 8 })?;
    let movie_timescale = r.u32()?;
    if movie_timescale == 0 {
        return Err(Error::malformed("moov/mvhd", "timescale is zero"));
    }
    let mut tracks = Vec::new();
    let mut defaults = Vec::new();
    for b in boxes::BoxIter::new(moov, "moov", 1)? {
        let b = b?;
        match &b.kind {
            b"trak" => {
                if tracks.len() >= MAX_TRACKS {
                    return Err(Error::limit("moov", format!("more than {MAX_TRACKS} tracks")));
                }
                let place = format!("moov/trak[{}]", tracks.len() + 1);
                tracks.push(track::parse_trak(b.payload, movie_timescale, &place, 2, file_len, warnings)?);
            }
            b"mvex" => defaults = fragments::parse_mvex(b.payload, "moov/mvex", 2)?,
            _ => {}
        }
    }
    if tracks.is_empty() {
        return Err(Error::malformed("moov", "no tracks"));
    }
    Ok((tracks, defaults))
}

/// Probes bytes in memory, any container [`open`] knows (used by the fuzz targets).
pub fn probe_bytes(data: &[u8]) -> Result<MediaInfo> {
    let len = data.len() as u64;
    let head = &data[..data.len().min(600)];
    let source = Box::new(std::io::Cursor::new(data.to_vec()));
    Ok(from_source(source, len, head, "<memory>".into())?.info().clone())
}

/// Probes `path`: container, tracks, codecs, timing and bitrate, without decoding.
pub fn probe(path: impl AsRef<Path>) -> Result<MediaInfo> {
    Ok(open(path)?.info().clone())
}
