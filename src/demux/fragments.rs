//! Fragmented MP4: `moof`/`traf`/`trun` sample runs appended to the tracks from `moov`.

use super::boxes::{find, BoxIter};
use super::bytes::Reader;
use super::sample_table::Sample;
use super::track::Track;
use crate::error::{Error, Result};
use crate::limits::MAX_SAMPLES_PER_TRACK;

/// Per-track defaults from `mvex/trex`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrackDefaults {
    /// Track id.
    pub track_id: u32,
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
            r.u32()?;
            out.push(TrackDefaults { track_id, duration: r.u32()?, size: r.u32()?, flags: r.u32()? });
        }
    }
    Ok(out)
}

fn is_sync(flags: u32) -> bool {
    flags & 0x0001_0000 == 0
}

/// Appends the samples of one `moof` (whose first byte is at `moof_offset`) to `tracks`.
pub fn apply_moof(
    moof: &[u8],
    moof_offset: u64,
    defaults: &[TrackDefaults],
    tracks: &mut [Track],
    next_dts: &mut [i64],
    depth: usize,
) -> Result<()> {
    for traf in BoxIter::new(moof, "moof", depth)? {
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
            return Err(Error::malformed("moof/traf/tfhd", format!("track {track_id} is not in moov")));
        };
        let trex = defaults.iter().find(|d| d.track_id == track_id).copied().unwrap_or_default();
        let base = if tf_flags & 0x1 != 0 { r.u64()? } else { moof_offset };
        if tf_flags & 0x2 != 0 {
            r.u32()?;
        }
        let def_dur = if tf_flags & 0x8 != 0 { r.u32()? } else { trex.duration };
        let def_size = if tf_flags & 0x10 != 0 { r.u32()? } else { trex.size };
        let def_flags = if tf_flags & 0x20 != 0 { r.u32()? } else { trex.flags };
        if let Some(tfdt) = find(traf.payload, b"tfdt", place, depth + 1)? {
            let mut r = Reader::new(tfdt.payload, "moof/traf/tfdt");
            let (v, _) = r.version_flags()?;
            next_dts[ti] = if v == 1 { r.i64()? } else { r.u32()? as i64 };
        }
        let mut data_pos = base;
        for trun in BoxIter::new(traf.payload, place, depth + 1)? {
            let trun = trun?;
            if &trun.kind != b"trun" {
                continue;
            }
            let p = "moof/traf/trun";
            let mut r = Reader::new(trun.payload, p);
            let (_, fl) = r.version_flags()?;
            let count = r.u32()? as u64;
            let per = [0x100, 0x200, 0x400, 0x800].iter().filter(|&&f| fl & f != 0).count() * 4;
            if fl & 0x1 != 0 {
                let off = r.i32()? as i64;
                data_pos =
                    base.checked_add_signed(off).ok_or_else(|| Error::malformed(p, "data offset out of range"))?;
            }
            let first_flags = if fl & 0x4 != 0 { Some(r.u32()?) } else { None };
            let count = if per > 0 { r.check_table(count, per)? } else { count as usize };
            let track = &mut tracks[ti];
            if (track.samples.len() + count) as u64 > MAX_SAMPLES_PER_TRACK {
                return Err(Error::limit(p, "too many samples in fragments"));
            }
            for i in 0..count {
                let duration = if fl & 0x100 != 0 { r.u32()? } else { def_dur };
                let size = if fl & 0x200 != 0 { r.u32()? } else { def_size };
                let flags = if fl & 0x400 != 0 {
                    r.u32()?
                } else if i == 0 {
                    first_flags.unwrap_or(def_flags)
                } else {
                    def_flags
                };
                let cts_offset = if fl & 0x800 != 0 { r.i32()? } else { 0 };
                let dts = next_dts[ti];
                track.samples.push(Sample { offset: data_pos, size, dts, cts_offset, duration, sync: is_sync(flags) });
                next_dts[ti] =
                    dts.checked_add(duration as i64).ok_or_else(|| Error::malformed(p, "timestamps overflow"))?;
                data_pos = data_pos.checked_add(size as u64).ok_or_else(|| Error::malformed(p, "offsets overflow"))?;
            }
        }
    }
    Ok(())
}
