//! Matroska and WebM: an own EBML reader instead of the `matroska-demuxer` crate, because
//! the pipeline reads samples by byte range (segment-parallel decoding) and that crate
//! hands out frame data, not where frames lie in the file. The file is scanned front to
//! back once ([`scan`]), bounded by `limits.rs`; a frame inside a (laced) block is one
//! contiguous byte range, so it becomes a sample `{ offset, size }` like an MP4 sample, and
//! the tracks are summarised by the same code as MP4's ([`crate::demux::summary`]).

pub mod block;
pub mod ebml;
pub mod scan;
pub mod tracks;

use std::path::{Path, PathBuf};

use super::timing::{self, fixed_frame};
use super::track::Track;
use super::{read_exact_at, summary, ByteRangeDemuxer, Source};
use crate::error::{Error, Result};
use crate::media::{AudioCodec, Edit, MediaInfo, TrackKind};

/// True when `head` (the first bytes of a file) starts an EBML document.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3])
}

/// Indexes Matroska data from any seekable source of `len` bytes; `name` appears in errors.
pub fn from_source(mut file: Box<dyn Source>, len: u64, name: impl Into<PathBuf>) -> Result<ByteRangeDemuxer> {
    let path = name.into();
    let mut scanned = scan::scan(file.as_mut(), len, &path)?;
    let scale = scanned.timestamp_scale;
    let mut tracks = Vec::with_capacity(scanned.tracks.len());
    for entry in &scanned.tracks {
        let frames = scanned.frames.remove(&entry.number).unwrap_or_default();
        let id = u32::try_from(entry.number).unwrap_or(u32::MAX);
        let ns_to_ticks = |ns: u64, ts: u32| i64::try_from(u128::from(ns) * u128::from(ts) / 1_000_000_000).ok();
        let (timescale, samples, edits) = match &entry.kind {
            TrackKind::Video(_) => {
                let ts = video_timescale(scale);
                let default = entry.default_duration_ns.and_then(|d| ns_to_ticks(d, ts));
                (ts, timing::video(&frames, scale, ts, default)?, Vec::new())
            }
            TrackKind::Audio(a) => {
                let ts = a.sample_rate.max(1);
                let default = entry.default_duration_ns.and_then(|d| ns_to_ticks(d, ts));
                let samples = timing::audio(&frames, scale, ts, fixed_frame(a), default)?;
                (ts, samples, codec_delay_edit(entry.codec_delay_ns, a))
            }
            TrackKind::Other => {
                let ts = video_timescale(scale);
                (ts, timing::video(&frames, scale, ts, None)?, Vec::new())
            }
        };
        tracks.push(Track {
            id,
            handler: entry.handler,
            enabled: entry.enabled,
            timescale,
            edits,
            rotation: 0,
            matrix_unusual: false,
            kind: entry.kind.clone(),
            samples,
        });
    }
    if tracks.is_empty() {
        return Err(Error::malformed("Tracks", "no tracks"));
    }
    summary::check_samples_in_file(&tracks, len)?;
    for t in &mut tracks {
        vp9_format_from_stream(t, file.as_mut(), &path)?;
        super::mjpeg_format_from_stream(t, file.as_mut(), &path)?;
    }
    let mut info = summary::media_info(&[], &tracks, len, false)?;
    info.container = if scanned.doc_type == "webm" { "webm" } else { "mkv" }.into();
    info.major_brand = Some(scanned.doc_type.clone());
    info.warnings.append(&mut scanned.warnings);
    Ok(ByteRangeDemuxer::new(path, file, info, tracks))
}

/// A VP9 track's profile, bit depth and chroma format from its first keyframe: WebM
/// muxers often leave CodecPrivate empty, and the stream is the authority anyway.
fn vp9_format_from_stream(t: &mut Track, file: &mut dyn Source, path: &Path) -> Result<()> {
    let TrackKind::Video(v) = &mut t.kind else { return Ok(()) };
    let Some(key) = t.samples.iter().find(|s| s.sync) else { return Ok(()) };
    if v.codec != crate::media::VideoCodec::Vp9 {
        return Ok(());
    }
    // The uncompressed header's format fields lie in its first few bytes.
    let mut head = vec![0u8; (key.size as usize).min(16)];
    read_exact_at(file, key.offset, &mut head, path)?;
    if let Some((profile, depth, chroma)) = crate::codec::vp9::keyframe_format(&head) {
        v.profile = Some(format!("Profile {profile}"));
        v.bit_depth = depth;
        v.chroma_format = chroma.into();
    }
    Ok(())
}

/// Video ticks per second: one per TimestampScale tick (1000 at the default 1 ms), or
/// microseconds for a scale that does not divide a second.
fn video_timescale(scale: u64) -> u32 {
    if scale > 0 && 1_000_000_000 % scale == 0 && 1_000_000_000 / scale <= 1_000_000 {
        (1_000_000_000 / scale) as u32
    } else {
        1_000_000
    }
}

/// CodecDelay (or, without it, the Opus header's pre-skip) as an MP4-style edit: the
/// decoder's first output samples are priming, never shown, exactly as an MP4 edit list
/// skips AAC priming. Block timestamps stay media time.
fn codec_delay_edit(delay_ns: u64, a: &crate::media::AudioInfo) -> Vec<Edit> {
    let mut secs = delay_ns as f64 / 1e9;
    if secs == 0.0
        && a.codec == AudioCodec::Opus
        && a.codec_config.len() >= 12
        && a.codec_config.starts_with(b"OpusHead")
    {
        secs = f64::from(u16::from_le_bytes([a.codec_config[10], a.codec_config[11]])) / 48_000.0;
    }
    if secs > 0.0 && secs < 10.0 {
        vec![Edit { duration: 0.0, media_time: Some(secs), rate: 1.0 }]
    } else {
        Vec::new()
    }
}

/// Probes Matroska bytes in memory (the `matroska` fuzz target).
pub fn probe_bytes(data: &[u8]) -> Result<MediaInfo> {
    let len = data.len() as u64;
    let demux = from_source(Box::new(std::io::Cursor::new(data.to_vec())), len, "<memory>")?;
    Ok(demux.info.clone())
}
