//! One `trak`: header, edit list, media header, handler, sample description and samples.

use super::boxes::{find, require};
use super::bytes::{fourcc_str, Reader};
use super::sample_table::{self, Sample};
use super::stsd::{apply_hevc_sps, apply_sps};
use super::stsd::{parse_stsd, SampleEntry};
use super::Source;
use crate::codec::h264::annexb::{self, NAL_PPS, NAL_SPS};
use crate::codec::h265::sps as h265;
use crate::error::{Error, Result};
use crate::limits::MAX_EDITS;
use crate::limits::MAX_SAMPLES_SCANNED_FOR_PARAMETER_SETS;
use crate::media::{Edit, TrackKind, VideoCodec, Warning};
use std::path::Path;

/// A parsed track before the file-level summary is computed.
pub struct Track {
    /// `tkhd` track id.
    pub id: u32,
    /// Handler type.
    pub handler: [u8; 4],
    /// `tkhd` enabled flag.
    pub enabled: bool,
    /// Media timescale.
    pub timescale: u32,
    /// Edits in seconds.
    pub edits: Vec<Edit>,
    /// Display rotation from the matrix, degrees clockwise.
    pub rotation: u32,
    /// True when the matrix is not a pure rotation.
    pub matrix_unusual: bool,
    /// Codec details.
    pub kind: TrackKind,
    /// The samples, in decode order.
    pub samples: Vec<Sample>,
}

impl Track {
    /// A track from a container without MP4's per-track extras (MPEG-TS, FLV): enabled, no
    /// edit list, no rotation matrix.
    pub fn plain(id: u32, handler: [u8; 4], timescale: u32, kind: TrackKind, samples: Vec<Sample>) -> Track {
        Track {
            id,
            handler,
            enabled: true,
            timescale,
            edits: Vec::new(),
            rotation: 0,
            matrix_unusual: false,
            kind,
            samples,
        }
    }
}

/// Reads a `trak` payload. `movie_timescale` converts edit durations; what is skipped (a
/// track without a usable sample description) is reported in `warnings`.
pub fn parse_trak(
    trak: &[u8],
    movie_timescale: u32,
    place: &str,
    depth: usize,
    file_len: u64,
    warnings: &mut Vec<Warning>,
) -> Result<Track> {
    let tkhd = require(trak, b"tkhd", place, depth)?;
    let tplace = format!("{place}/tkhd");
    let mut r = Reader::new(tkhd.payload, &tplace);
    let (version, flags) = r.version_flags()?;
    let id = if version == 1 {
        r.skip(16)?;
        let id = r.u32()?;
        r.skip(4 + 8)?;
        id
    } else {
        r.skip(8)?;
        let id = r.u32()?;
        r.skip(4 + 4)?;
        id
    };
    r.skip(8 + 2 + 2 + 2 + 2)?;
    let mut m = [0i32; 9];
    for v in m.iter_mut() {
        *v = r.i32()?;
    }
    let (rotation, matrix_unusual) = rotation_from_matrix(&m);

    let mdia = require(trak, b"mdia", place, depth)?;
    let mplace = format!("{place}/mdia");
    let mdhd = require(mdia.payload, b"mdhd", &mplace, depth + 1)?;
    let mdhd_place = format!("{mplace}/mdhd");
    let mut r = Reader::new(mdhd.payload, &mdhd_place);
    let (v, _) = r.version_flags()?;
    r.skip(if v == 1 { 16 } else { 8 })?;
    let timescale = r.u32()?;
    if timescale == 0 {
        return Err(Error::malformed(&mdhd_place, "timescale is zero"));
    }
    let hdlr = require(mdia.payload, b"hdlr", &mplace, depth + 1)?;
    let hplace = format!("{mplace}/hdlr");
    let mut r = Reader::new(hdlr.payload, &hplace);
    r.version_flags()?;
    r.skip(4)?;
    let handler = r.fourcc()?;

    let edits = match find(trak, b"edts", place, depth)? {
        Some(edts) => parse_edits(edts.payload, movie_timescale, timescale, &format!("{place}/edts"), depth + 1)?,
        None => Vec::new(),
    };

    let minf = require(mdia.payload, b"minf", &mplace, depth + 1)?;
    let minf_place = format!("{mplace}/minf");
    let stbl = require(minf.payload, b"stbl", &minf_place, depth + 2)?;
    let stbl_place = format!("{minf_place}/stbl");
    let stsd_place = format!("{stbl_place}/stsd");
    let entry = match find(stbl.payload, b"stsd", &stbl_place, depth + 3)? {
        Some(stsd) => match parse_stsd(stsd.payload, &handler, &stsd_place, depth + 4) {
            Ok(entry) => Some(entry),
            // A video track without its description leaves nothing to convert: fail. Any
            // other track is left out, and said so.
            Err(e) if &handler != b"vide" && matches!(e, Error::Malformed { .. }) => {
                warnings.push(Warning::new(
                    "ignored_track",
                    format!("{place} ({}) is left out: {e}", handler_name(&handler)),
                ));
                None
            }
            Err(e) => return Err(e),
        },
        None if &handler == b"vide" => {
            return Err(Error::malformed(&stbl_place, "the video track has no sample description (stsd)"));
        }
        None => {
            if &handler == b"soun" {
                warnings.push(Warning::new(
                    "ignored_track",
                    format!("{place} is a sound track without a sample description (stsd): left out"),
                ));
            }
            None
        }
    };
    let kind = match entry {
        Some(SampleEntry::Video(mut v)) => {
            v.rotation = rotation;
            v.matrix_unusual = matrix_unusual;
            v.update_display_size();
            TrackKind::Video(v)
        }
        Some(SampleEntry::Audio(a)) => TrackKind::Audio(a),
        Some(SampleEntry::Other) | None => TrackKind::Other,
    };
    let samples = sample_table::build(stbl.payload, &stbl_place, depth + 3, file_len)?;
    Ok(Track { id, handler, enabled: flags & 1 != 0, timescale, edits, rotation, matrix_unusual, kind, samples })
}

impl Track {
    /// Decode time just after the last sample (where a following fragment continues).
    pub fn end_dts(&self) -> i64 {
        self.samples.last().map_or(0, |s| s.dts.saturating_add(i64::from(s.duration)))
    }

    /// For an H.264 or HEVC track whose `avcC`/`hvcC` lists no SPS/PPS (`avc3`/`hev1`,
    /// parameter sets in-band only), reads them from the first samples so that the probe
    /// knows the picture and the decoder gets them up front.
    pub fn complete_parameter_sets(
        &mut self,
        file: &mut dyn Source,
        path: &Path,
        warnings: &mut Vec<Warning>,
    ) -> Result<()> {
        let TrackKind::Video(v) = &mut self.kind else { return Ok(()) };
        let hevc = v.codec == VideoCodec::Hevc;
        if !(v.codec == VideoCodec::H264 || hevc) || (!v.sps.is_empty() && !v.pps.is_empty()) {
            return Ok(());
        }
        let mut buf = Vec::new();
        for s in self.samples.iter().filter(|s| s.desc == 0).take(MAX_SAMPLES_SCANNED_FOR_PARAMETER_SETS) {
            buf.resize(s.size as usize, 0);
            super::read_exact_at(file, s.offset, &mut buf, path)?;
            let Ok(nals) = annexb::avcc_nals(&buf, v.nal_length_size) else { continue };
            for nal in nals {
                let list = match (hevc, annexb::nal_type(nal), h265::nal_type(nal)) {
                    // Another layer's sets (MV-HEVC) do not describe the base picture.
                    _ if hevc && h265::layer_id(nal) != 0 => continue,
                    (false, NAL_SPS, _) | (true, _, h265::NAL_SPS) => &mut v.sps,
                    (false, NAL_PPS, _) | (true, _, h265::NAL_PPS) => &mut v.pps,
                    (true, _, h265::NAL_VPS) => &mut v.vps,
                    _ => continue,
                };
                if !list.iter().any(|n| n == nal) {
                    list.push(nal.to_vec());
                }
            }
            if !v.sps.is_empty() && !v.pps.is_empty() {
                break;
            }
        }
        let Some(sps) = v.sps.first().cloned() else {
            return Err(Error::malformed(
                if hevc { "hvcC" } else { "avcC" },
                format!(
                    "no SPS in the sample description nor in the first {MAX_SAMPLES_SCANNED_FOR_PARAMETER_SETS} samples of track {}",
                    self.id
                ),
            ));
        };
        if hevc {
            apply_hevc_sps(v, &sps, "in-band SPS")?;
        } else {
            apply_sps(v, &sps, "in-band SPS")?;
        }
        v.update_display_size();
        warnings.push(Warning::new(
            "inband_parameter_sets",
            format!(
                "track {}: the SPS/PPS were read from the stream itself (its {} lists none)",
                self.id,
                if hevc { "hvcC" } else { "avcC" }
            ),
        ));
        Ok(())
    }
}

/// Degrees clockwise to turn the coded picture for display, from a `tkhd` matrix
/// (a, b, u, c, d, v, x, y, w in 16.16 / 2.30 fixed point).
pub fn rotation_from_matrix(m: &[i32; 9]) -> (u32, bool) {
    let one = 0x10000;
    let (a, b, c, d) = (m[0], m[1], m[3], m[4]);
    match (a, b, c, d) {
        (x, 0, 0, y) if x == one && y == one => (0, false),
        (0, x, y, 0) if x == one && y == -one => (90, false),
        (x, 0, 0, y) if x == -one && y == -one => (180, false),
        (0, x, y, 0) if x == -one && y == one => (270, false),
        _ => (0, true),
    }
}

fn parse_edits(edts: &[u8], movie_ts: u32, media_ts: u32, place: &str, depth: usize) -> Result<Vec<Edit>> {
    let Some(elst) = find(edts, b"elst", place, depth)? else {
        return Ok(Vec::new());
    };
    let p = format!("{place}/elst");
    let mut r = Reader::new(elst.payload, &p);
    let (version, _) = r.version_flags()?;
    let count = r.u32()? as u64;
    if count > MAX_EDITS {
        return Err(Error::limit(&p, format!("{count} edits exceeds {MAX_EDITS}")));
    }
    let count = r.check_table(count, if version == 1 { 20 } else { 12 })?;
    let movie_ts = movie_ts.max(1) as f64;
    let mut edits = Vec::with_capacity(count);
    for _ in 0..count {
        let (dur, media_time) = if version == 1 { (r.u64()?, r.i64()?) } else { (r.u32()? as u64, r.i32()? as i64) };
        let rate = r.i32()? as f64 / 65536.0;
        edits.push(Edit {
            duration: dur as f64 / movie_ts,
            media_time: (media_time >= 0).then(|| media_time as f64 / media_ts as f64),
            rate,
        });
    }
    Ok(edits)
}

/// The handler as text.
pub fn handler_name(h: &[u8; 4]) -> String {
    fourcc_str(h)
}
