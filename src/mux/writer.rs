//! The streaming MP4 writer. Sample data goes straight to a temporary "mdat body" file;
//! `finish` builds the moov (whose size fixes every chunk offset), writes
//! ftyp + moov + mdat header into a second temporary file next to the output, appends the
//! body (an in-kernel copy on Linux) and renames the result into place.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{Error, Result};
use crate::limits::{MAX_SAMPLE_SIZE, MAX_TRACKS};

use super::moov::{self, Kind, Track};
use super::spec::{AudioTrackSpec, MuxSummary, TrackId, TrackSummary, VideoTrackSpec};
use super::tables::SampleTable;

/// Buffer between the encoder and the body file.
const WRITE_BUFFER: usize = 1 << 20;

/// Writes an MP4 with its moov before its mdat (faststart). Samples stream to disk as
/// they arrive; only the sample tables stay in memory. Dropping the writer without
/// calling [`finish`](Self::finish) leaves nothing at the final path.
#[derive(Debug)]
pub struct Mp4Writer {
    final_path: PathBuf,
    body: BufWriter<NamedTempFile>,
    body_len: u64,
    tracks: Vec<Track>,
    /// Index of the track that wrote the previous sample (a different one starts a chunk).
    last_track: Option<usize>,
}

impl Mp4Writer {
    /// Starts a file that [`finish`](Self::finish) will place at `final_path`.
    pub fn create(final_path: &Path) -> Result<Mp4Writer> {
        let body = crate::tempfiles::beside(final_path)?;
        Ok(Mp4Writer {
            final_path: final_path.to_path_buf(),
            body: BufWriter::with_capacity(WRITE_BUFFER, body),
            body_len: 0,
            tracks: Vec::new(),
            last_track: None,
        })
    }

    fn add(&mut self, kind: Kind) -> Result<TrackId> {
        if self.tracks.len() >= MAX_TRACKS {
            return Err(Error::limit("mux", format!("more than {MAX_TRACKS} tracks")));
        }
        let id = self.tracks.len() as u32 + 1; // ≤ MAX_TRACKS
        self.tracks.push(Track { id, kind, table: SampleTable::default() });
        Ok(TrackId(id))
    }

    /// Adds an H.264 track.
    pub fn add_video(&mut self, spec: VideoTrackSpec) -> Result<TrackId> {
        spec.validate()?;
        self.add(Kind::Video(spec))
    }

    /// Adds an AAC track.
    pub fn add_audio(&mut self, spec: AudioTrackSpec) -> Result<TrackId> {
        spec.validate()?;
        self.add(Kind::Audio(spec))
    }

    /// Appends one sample (for video: length-prefixed NAL units, 4-byte lengths) of
    /// `duration` ticks; `composition_offset` is PTS − DTS in ticks. Samples of different
    /// tracks are stored in call order, so the caller's interleaving is the file's.
    pub fn write_sample(
        &mut self,
        track: TrackId,
        data: &[u8],
        duration: u32,
        is_sync: bool,
        composition_offset: i32,
    ) -> Result<()> {
        let index = self
            .tracks
            .iter()
            .position(|t| t.id == track.0)
            .ok_or_else(|| Error::Invalid(format!("mux: no track with id {}", track.0)))?;
        let size = u32::try_from(data.len())
            .ok()
            .filter(|&s| s <= MAX_SAMPLE_SIZE)
            .ok_or_else(|| Error::limit("mux", format!("sample of {} bytes exceeds {MAX_SAMPLE_SIZE}", data.len())))?;
        let new_chunk = self.last_track != Some(index);
        self.tracks[index].table.push(size, duration, is_sync, composition_offset, self.body_len, new_chunk)?;
        self.body.write_all(data).map_err(|e| Error::io(&self.final_path, e))?;
        self.body_len = self
            .body_len
            .checked_add(u64::from(size))
            .ok_or_else(|| Error::limit("mux", "file larger than 2^64 bytes"))?;
        self.last_track = Some(index);
        Ok(())
    }

    /// Writes ftyp, moov and mdat to a temporary file beside the final path and renames it
    /// into place.
    pub fn finish(self) -> Result<MuxSummary> {
        let path = self.final_path;
        let io = |e: std::io::Error| Error::io(&path, e);
        let mut body = self.body.into_inner().map_err(|e| io(e.into_error()))?;
        let (header, _) = layout(&self.tracks, self.body_len)?;

        let mut out = crate::tempfiles::beside(&path)?;
        out.write_all(&header).map_err(io)?;
        let body_file: &mut File = body.as_file_mut();
        body_file.seek(SeekFrom::Start(0)).map_err(io)?;
        // File to file: std uses copy_file_range, so the body never passes through user space.
        let copied = std::io::copy(body_file, out.as_file_mut()).map_err(io)?;
        if copied != self.body_len {
            return Err(io(std::io::Error::other(format!("copied {copied} of {} sample bytes", self.body_len))));
        }
        out.as_file().sync_all().map_err(io)?;
        set_readable(out.as_file()).map_err(io)?;
        out.persist(&path).map_err(|e| io(e.error))?;

        let file_size = (header.len() as u64).saturating_add(self.body_len);
        let tracks = self
            .tracks
            .iter()
            .map(|t| TrackSummary {
                id: TrackId(t.id),
                sample_count: t.table.sample_count(),
                duration_ticks: t.table.duration,
                timescale: t.timescale(),
                bytes: t.table.bytes,
            })
            .collect();
        Ok(MuxSummary { file_size, tracks })
    }
}

/// Temporary files are created private (0600); a finished video is an ordinary file.
#[cfg(unix)]
pub(crate) fn set_readable(f: &File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    f.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
pub(crate) fn set_readable(_: &File) -> std::io::Result<()> {
    Ok(())
}

/// Everything before the mdat body (ftyp, moov, mdat header), and which tracks use co64.
///
/// The moov's size does not depend on the offset values, only on stco vs co64, so: size
/// the moov, see which tracks' last chunk lands past 4 GiB, promote those, repeat until
/// nothing changes (promotion only grows the moov, so this ends within tracks + 1 rounds).
pub(crate) fn layout(tracks: &[Track], body_len: u64) -> Result<(Vec<u8>, Vec<bool>)> {
    let ftyp = moov::ftyp()?;
    let mdat_header: u64 = if body_len > u64::from(u32::MAX) - 8 { 16 } else { 8 };
    let mut co64 = vec![false; tracks.len()];
    loop {
        let moov_len = moov::moov(tracks, 0, &co64)?.len() as u64;
        let base = (ftyp.len() as u64)
            .checked_add(moov_len)
            .and_then(|n| n.checked_add(mdat_header))
            .ok_or_else(|| Error::limit("mux", "header size overflows"))?;
        let mut changed = false;
        for (t, flag) in tracks.iter().zip(co64.iter_mut()) {
            if !*flag && t.table.max_chunk_offset(base)? > u64::from(u32::MAX) {
                *flag = true;
                changed = true;
            }
        }
        if changed {
            continue;
        }
        let moov = moov::moov(tracks, base, &co64)?;
        let mut header = ftyp;
        header.extend_from_slice(&moov);
        let mdat_size = body_len.checked_add(mdat_header).ok_or_else(|| Error::limit("mux", "mdat size overflows"))?;
        if mdat_header == 16 {
            header.extend_from_slice(&1u32.to_be_bytes());
            header.extend_from_slice(b"mdat");
            header.extend_from_slice(&mdat_size.to_be_bytes());
        } else {
            header.extend_from_slice(&(mdat_size as u32).to_be_bytes()); // < 2^32 by choice above
            header.extend_from_slice(b"mdat");
        }
        return Ok((header, co64));
    }
}
