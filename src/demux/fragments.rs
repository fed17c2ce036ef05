//! Fragmented MP4: `moof`/`traf`/`trun` sample runs appended to the tracks from `moov`.

use super::boxes::{find, BoxIter};
use super::bytes::Reader;
use super::sample_table::Sample;
use super::track::Track;
use crate::error::{Error, Result};
use crate::limits::{MAX_SAMPLES_PER_TRACK, MAX_SAMPLE_SIZE};
use crate::media::Warning;

/// Per-track defaults from `mvex/trex`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrackDefaults {
    /// Track id.
    pub track_id: u32,
    /// default_sample_description_index, 0-based.
    pub desc: u32,
    /// default_sample_duration.
    pub duration: u32,
    /// default_sample_size.
    pub size: u32,
    /// default_sample_flags.
    pub flags: u32,
}

/// Reads `mvex` for the per-track defaults.
pub fn parse_mvex(mvex: &[u8], place: &str, depth: usize) -> Result<Vec<TrackDefaults>> {
    let mut out = Vec::new();
    for b in BoxIter::new(mvex, place, depth)? {
        let b = b?;
        if &b.kind == b"trex" {
            let p = format!("{place}/trex");
            let mut r = Reader::new(b.payload, &p);
            r.version_flags()?;
            let track_id = r.u32()?;
            let desc = r.u32()?.saturating_sub(1);
            out.push(TrackDefaults { track_id, desc, duration: r.u32()?, size: r.u32()?, flags: r.u32()? });
        }
    }
    Ok(out)
}

fn is_sync(flags: u32) -> bool {
    flags & 0x0001_0000 == 0
}

/// `tfhd` flags (ISO/IEC 14496-12 8.8.7).
const BASE_DATA_OFFSET: u32 = 0x1;
const SAMPLE_DESCRIPTION_INDEX: u32 = 0x2;
const DEFAULT_DURATION: u32 = 0x8;
const DEFAULT_SIZE: u32 = 0x10;
const DEFAULT_FLAGS: u32 = 0x20;
const DURATION_IS_EMPTY: u32 = 0x1_0000;
const DEFAULT_BASE_IS_MOOF: u32 = 0x2_0000;

/// A `moof` box: its payload and where its first byte is in the file.
pub struct Moof<'a> {
    /// The payload (after the box header).
    pub payload: &'a [u8],
    /// Offset of the box header in the file.
    pub offset: u64,
}

/// Appends the samples of one `moof` to `tracks`. `file_len` bounds the sample runs;
/// `next_dts` holds each track's next decode time (continued when a `traf` has no `tfdt`).
/// Track fragments for a track that `moov` does not declare are skipped and reported in
/// `warnings`.
pub fn apply_moof(
    moof: &Moof<'_>,
    file_len: u64,
    defaults: &[TrackDefaults],
    tracks: &mut [Track],
    next_dts: &mut [i64],
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    let depth = 1;
    // Without base-data-offset or default-base-is-moof, a traf's data starts where the
    // previous traf's data ended; the first one's at the moof (8.8.7.1).
    let mut implicit_base = moof.offset;
    for traf in BoxIter::new(moof.payload, "moof", depth)? {
        let traf = traf?;
        if &traf.kind != b"traf" {
            continue;
        }
        let place = "moof/traf";
        let tfhd =
            find(traf.payload, b"tfhd", place, depth + 1)?.ok_or_else(|| Error::malformed(place, "tfhd is missing"))?;
        let mut r = Reader::new(tfhd.payload, "moof/traf/tfhd");
        let (_, tf_flags) = r.version_flags()?;
        let track_id = r.u32()?;
        let Some(ti) = tracks.iter().position(|t| t.id == track_id) else {
            warnings.push(Warning::new(
                "unknown_track_fragment",
                format!(
                    "a fragment at byte {} is for track {track_id}, which moov does not declare: skipped",
                    moof.offset
                ),
            ));
            continue;
        };
        let trex = defaults.iter().find(|d| d.track_id == track_id).copied().unwrap_or_default();
        let base = if tf_flags & BASE_DATA_OFFSET != 0 {
            r.u64()?
        } else if tf_flags & DEFAULT_BASE_IS_MOOF != 0 {
            moof.offset
        } else {
            implicit_base
        };
        let desc = if tf_flags & SAMPLE_DESCRIPTION_INDEX != 0 { r.u32()?.saturating_sub(1) } else { trex.desc };
        let def_dur = if tf_flags & DEFAULT_DURATION != 0 { r.u32()? } else { trex.duration };
        let def_size = if tf_flags & DEFAULT_SIZE != 0 { r.u32()? } else { trex.size };
        let def_flags = if tf_flags & DEFAULT_FLAGS != 0 { r.u32()? } else { trex.flags };
        if let Some(tfdt) = find(traf.payload, b"tfdt", place, depth + 1)? {
            let mut r = Reader::new(tfdt.payload, "moof/traf/tfdt");
            let (v, _) = r.version_flags()?;
            let t = if v == 1 { r.u64()? } else { u64::from(r.u32()?) };
            next_dts[ti] = i64::try_from(t)
                .map_err(|_| Error::malformed("moof/traf/tfdt", format!("decode time {t} is out of range")))?;
        }
        if tf_flags & DURATION_IS_EMPTY != 0 {
            implicit_base = base;
            continue;
        }
        let run = Run { base, desc, def_dur, def_size, def_flags, file_len };
        implicit_base = append_runs(traf.payload, &run, &mut tracks[ti], &mut next_dts[ti], depth + 1)?;
    }
    Ok(())
}

/// What a `traf`'s header says about its runs.
struct Run {
    base: u64,
    desc: u32,
    def_dur: u32,
    def_size: u32,
    def_flags: u32,
    file_len: u64,
}

/// Appends every `trun` of one `traf`; returns where its data ends.
fn append_runs(traf: &[u8], run: &Run, track: &mut Track, next_dts: &mut i64, depth: usize) -> Result<u64> {
    let p = "moof/traf/trun";
    let mut data_pos = run.base;
    for trun in BoxIter::new(traf, "moof/traf", depth)? {
        let trun = trun?;
        if &trun.kind != b"trun" {
            continue;
        }
        let mut r = Reader::new(trun.payload, p);
        let (_, fl) = r.version_flags()?;
        let count = u64::from(r.u32()?);
        let per = [0x100, 0x200, 0x400, 0x800].iter().filter(|&&f| fl & f != 0).count() * 4;
        if fl & 0x1 != 0 {
            let off = i64::from(r.i32()?);
            data_pos =
                run.base.checked_add_signed(off).ok_or_else(|| Error::malformed(p, "data offset out of range"))?;
        }
        let first_flags = if fl & 0x4 != 0 { Some(r.u32()?) } else { None };
        let count = if per > 0 {
            r.check_table(count, per)?
        } else {
            // Every sample takes the defaults: the run's bytes must lie in the file, and a
            // run of empty samples is bounded like a table, so a 16-byte box cannot claim
            // millions of samples.
            let bytes = count.checked_mul(u64::from(run.def_size));
            if bytes.is_none_or(|b| data_pos.saturating_add(b) > run.file_len) || (run.def_size == 0 && count > 4096) {
                return Err(Error::malformed(
                    p,
                    format!("{count} samples of {} bytes do not fit in the file", run.def_size),
                ));
            }
            count as usize
        };
        if (track.samples.len() as u64).saturating_add(count as u64) > MAX_SAMPLES_PER_TRACK {
            return Err(Error::limit(p, "too many samples in fragments"));
        }
        track.samples.reserve(count);
        for i in 0..count {
            let duration = if fl & 0x100 != 0 { r.u32()? } else { run.def_dur };
            let size = if fl & 0x200 != 0 { r.u32()? } else { run.def_size };
            let flags = if fl & 0x400 != 0 {
                r.u32()?
            } else if i == 0 {
                first_flags.unwrap_or(run.def_flags)
            } else {
                run.def_flags
            };
            let cts_offset = if fl & 0x800 != 0 { r.i32()? } else { 0 };
            if size > MAX_SAMPLE_SIZE {
                return Err(Error::limit(p, format!("a sample claims {size} bytes, above {MAX_SAMPLE_SIZE}")));
            }
            let dts = *next_dts;
            track.samples.push(Sample {
                offset: data_pos,
                size,
                dts,
                cts_offset,
                duration,
                sync: is_sync(flags),
                desc: run.desc,
            });
            *next_dts =
                dts.checked_add(i64::from(duration)).ok_or_else(|| Error::malformed(p, "timestamps overflow"))?;
            data_pos = data_pos.checked_add(u64::from(size)).ok_or_else(|| Error::malformed(p, "offsets overflow"))?;
        }
    }
    Ok(data_pos)
}
