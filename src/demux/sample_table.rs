//! Expanding `stbl` tables (stts, ctts, stsc, stsz, stco/co64, stss) into one entry per
//! sample. Every count is checked against the bytes that hold it before allocation, and
//! the tables must agree with each other.

use super::boxes::find;
use super::bytes::Reader;
use crate::error::{Error, Result};
use crate::limits::{MAX_SAMPLES_PER_TRACK, MAX_SAMPLE_SIZE};

/// One coded sample (a video frame or an audio packet) and where it lives in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Byte offset in the file.
    pub offset: u64,
    /// Size in bytes.
    pub size: u32,
    /// Decode timestamp in media ticks.
    pub dts: i64,
    /// Composition offset in ticks (pts = dts + cts_offset).
    pub cts_offset: i32,
    /// Duration in ticks.
    pub duration: u32,
    /// True for a sync sample (keyframe).
    pub sync: bool,
    /// Which sample description (0-based `stsd` entry) the sample uses.
    pub desc: u32,
}

impl Sample {
    /// Presentation timestamp in ticks.
    pub fn pts(&self) -> i64 {
        // dts may come from a hostile tfdt near i64::MAX.
        self.dts.saturating_add(i64::from(self.cts_offset))
    }
}

fn check_count(count: u64, place: &str) -> Result<()> {
    if count > MAX_SAMPLES_PER_TRACK {
        return Err(Error::limit(place, format!("{count} samples exceeds the limit of {MAX_SAMPLES_PER_TRACK}")));
    }
    Ok(())
}

/// Builds the sample list from an `stbl` payload, for a file of `file_len` bytes.
pub fn build(stbl: &[u8], place: &str, depth: usize, file_len: u64) -> Result<Vec<Sample>> {
    if let Some(samples) = coalesced_pcm(stbl, place, depth)? {
        return Ok(samples);
    }
    let sizes = read_sizes(stbl, place, depth, file_len)?;
    let n = sizes.len();
    let mut samples: Vec<Sample> = sizes
        .into_iter()
        .map(|size| Sample { offset: 0, size, dts: 0, cts_offset: 0, duration: 0, sync: true, desc: 0 })
        .collect();
    if n == 0 {
        return Ok(samples);
    }
    fill_times(stbl, place, depth, &mut samples)?;
    fill_offsets(stbl, place, depth, &mut samples)?;
    if let Some(stss) = find(stbl, b"stss", place, depth)? {
        let p = format!("{place}/stss");
        let mut r = Reader::new(stss.payload, &p);
        r.version_flags()?;
        let count = r.u32()? as u64;
        let count = r.check_table(count, 4)?;
        samples.iter_mut().for_each(|s| s.sync = false);
        for _ in 0..count {
            let i = r.u32()? as usize;
            if i == 0 || i > n {
                return Err(Error::malformed(&p, format!("sync sample {i} is outside 1..={n}")));
            }
            samples[i - 1].sync = true;
        }
    }
    Ok(samples)
}

fn read_sizes(stbl: &[u8], place: &str, depth: usize, file_len: u64) -> Result<Vec<u32>> {
    if let Some(stsz) = find(stbl, b"stsz", place, depth)? {
        let p = format!("{place}/stsz");
        let mut r = Reader::new(stsz.payload, &p);
        r.version_flags()?;
        let fixed = r.u32()?;
        let count = r.u32()? as u64;
        check_count(count, &p)?;
        if fixed != 0 {
            if fixed > MAX_SAMPLE_SIZE {
                return Err(Error::limit(&p, format!("sample size {fixed} exceeds {MAX_SAMPLE_SIZE}")));
            }
            // A fixed size lets a 20-byte stsz claim millions of samples; they must at
            // least fit in the file before a table entry is allocated for each.
            if count.saturating_mul(u64::from(fixed)) > file_len {
                return Err(Error::malformed(
                    &p,
                    format!("{count} samples of {fixed} bytes cannot fit in a file of {file_len} bytes"),
                ));
            }
            return Ok(vec![fixed; count as usize]);
        }
        let count = r.check_table(count, 4)?;
        let mut sizes = Vec::with_capacity(count);
        for i in 0..count {
            let s = r.u32()?;
            if s > MAX_SAMPLE_SIZE {
                return Err(Error::limit(&p, format!("sample {} claims {s} bytes, above {MAX_SAMPLE_SIZE}", i + 1)));
            }
            sizes.push(s);
        }
        return Ok(sizes);
    }
    if let Some(stz2) = find(stbl, b"stz2", place, depth)? {
        let p = format!("{place}/stz2");
        let mut r = Reader::new(stz2.payload, &p);
        r.version_flags()?;
        let field = r.u32()? & 0xff;
        let count = r.u32()? as u64;
        check_count(count, &p)?;
        let bytes_needed = match field {
            4 => count.div_ceil(2),
            8 => count,
            16 => count * 2,
            _ => return Err(Error::malformed(&p, format!("field size {field} is not 4, 8 or 16"))),
        };
        r.check_table(bytes_needed, 1)?;
        let mut sizes = Vec::with_capacity(count as usize);
        let mut i = 0;
        while (i as u64) < count {
            match field {
                4 => {
                    let b = r.u8()?;
                    sizes.push((b >> 4) as u32);
                    if ((i + 1) as u64) < count {
                        sizes.push((b & 15) as u32);
                    }
                    i += 2;
                }
                8 => {
                    sizes.push(r.u8()? as u32);
                    i += 1;
                }
                _ => {
                    sizes.push(r.u16()? as u32);
                    i += 1;
                }
            }
        }
        return Ok(sizes);
    }
    Err(Error::malformed(place, "neither stsz nor stz2 is present"))
}

fn fill_times(stbl: &[u8], place: &str, depth: usize, samples: &mut [Sample]) -> Result<()> {
    let n = samples.len();
    let p = format!("{place}/stts");
    let stts = find(stbl, b"stts", place, depth)?.ok_or_else(|| Error::malformed(place, "stts is missing"))?;
    let mut r = Reader::new(stts.payload, &p);
    r.version_flags()?;
    let entries = r.u32()? as u64;
    let entries = r.check_table(entries, 8)?;
    let mut i = 0usize;
    let mut dts: i64 = 0;
    for _ in 0..entries {
        let count = r.u32()? as usize;
        let delta = r.u32()?;
        for _ in 0..count {
            if i >= n {
                // Extra stts entries beyond the sample count are ignored, as players do.
                break;
            }
            samples[i].dts = dts;
            samples[i].duration = delta;
            dts = dts.checked_add(delta as i64).ok_or_else(|| Error::malformed(&p, "timestamps overflow"))?;
            i += 1;
        }
    }
    if i < n {
        return Err(Error::malformed(&p, format!("covers {i} samples but stsz lists {n}")));
    }
    if let Some(ctts) = find(stbl, b"ctts", place, depth)? {
        let p = format!("{place}/ctts");
        let mut r = Reader::new(ctts.payload, &p);
        r.version_flags()?;
        let entries = r.u32()? as u64;
        let entries = r.check_table(entries, 8)?;
        let mut i = 0usize;
        for _ in 0..entries {
            let count = r.u32()? as usize;
            // Version 0 says unsigned, but writers put negative values there too.
            let off = r.i32()?;
            for _ in 0..count {
                if i >= n {
                    break;
                }
                samples[i].cts_offset = off;
                i += 1;
            }
        }
    }
    Ok(())
}

fn chunk_offsets(stbl: &[u8], place: &str, depth: usize) -> Result<Vec<u64>> {
    let mut chunk_offsets: Vec<u64> = Vec::new();
    if let Some(stco) = find(stbl, b"stco", place, depth)? {
        let p = format!("{place}/stco");
        let mut r = Reader::new(stco.payload, &p);
        r.version_flags()?;
        let count = r.u32()? as u64;
        let count = r.check_table(count, 4)?;
        chunk_offsets.reserve(count);
        for _ in 0..count {
            chunk_offsets.push(r.u32()? as u64);
        }
    } else if let Some(co64) = find(stbl, b"co64", place, depth)? {
        let p = format!("{place}/co64");
        let mut r = Reader::new(co64.payload, &p);
        r.version_flags()?;
        let count = r.u32()? as u64;
        let count = r.check_table(count, 8)?;
        chunk_offsets.reserve(count);
        for _ in 0..count {
            chunk_offsets.push(r.u64()?);
        }
    } else {
        return Err(Error::malformed(place, "neither stco nor co64 is present"));
    }
    Ok(chunk_offsets)
}

/// `stsc` entries: (first_chunk, samples_per_chunk, 0-based sample description index).
fn stsc_runs(stbl: &[u8], place: &str, depth: usize) -> Result<Vec<(u32, u32, u32)>> {
    let p = format!("{place}/stsc");
    let stsc = find(stbl, b"stsc", place, depth)?.ok_or_else(|| Error::malformed(place, "stsc is missing"))?;
    let mut r = Reader::new(stsc.payload, &p);
    r.version_flags()?;
    let entries = r.u32()? as u64;
    let entries = r.check_table(entries, 12)?;
    let mut runs: Vec<(u32, u32, u32)> = Vec::with_capacity(entries);
    for _ in 0..entries {
        let first_chunk = r.u32()?;
        let per_chunk = r.u32()?;
        let desc = r.u32()?.saturating_sub(1);
        if first_chunk == 0 || runs.last().is_some_and(|&(f, ..)| first_chunk <= f) {
            return Err(Error::malformed(&p, format!("first_chunk {first_chunk} is out of order")));
        }
        runs.push((first_chunk, per_chunk, desc));
    }
    Ok(runs)
}

fn fill_offsets(stbl: &[u8], place: &str, depth: usize, samples: &mut [Sample]) -> Result<()> {
    let n = samples.len();
    let mut i = 0usize;
    for (base, per_chunk, desc) in chunk_layout(stbl, place, depth)? {
        let mut off = base;
        for _ in 0..per_chunk {
            if i >= n {
                break;
            }
            samples[i].offset = off;
            samples[i].desc = desc;
            off = off
                .checked_add(samples[i].size as u64)
                .ok_or_else(|| Error::malformed(format!("{place}/stco"), "sample offsets overflow"))?;
            i += 1;
        }
        if i >= n {
            break;
        }
    }
    if i < n {
        return Err(Error::malformed(format!("{place}/stsc"), format!("chunks hold {i} samples but stsz lists {n}")));
    }
    Ok(())
}

/// Largest fixed sample size treated as one PCM frame.
const PCM_FRAME_MAX: u32 = 64;

/// QuickTime PCM stores one sample per audio frame (millions of 2- to 8-byte samples).
/// When `stsz` has a small fixed size and `stts` a single delta, one sample per chunk is
/// built instead: the same bytes and timing, a thousand times fewer entries.
fn coalesced_pcm(stbl: &[u8], place: &str, depth: usize) -> Result<Option<Vec<Sample>>> {
    let Some(stsz) = find(stbl, b"stsz", place, depth)? else {
        return Ok(None);
    };
    let p = format!("{place}/stsz");
    let mut r = Reader::new(stsz.payload, &p);
    r.version_flags()?;
    let fixed = r.u32()?;
    let count = r.u32()? as u64;
    if fixed == 0 || fixed > PCM_FRAME_MAX || count < 4096 {
        return Ok(None);
    }
    let Some(stts) = find(stbl, b"stts", place, depth)? else {
        return Ok(None);
    };
    let mut r = Reader::new(stts.payload, "stts");
    r.version_flags()?;
    if r.u32()? != 1 {
        return Ok(None);
    }
    let (stts_count, delta) = (r.u32()? as u64, r.u32()?);
    if stts_count != count {
        return Ok(None);
    }
    // Build per-chunk entries with a fake one-sample-per-chunk layout.
    let chunks = chunk_layout(stbl, place, depth)?;
    let mut samples = Vec::with_capacity(chunks.len());
    let mut left = count;
    let mut dts = 0i64;
    for (offset, per_chunk, _) in chunks {
        let n = (per_chunk as u64).min(left);
        if n == 0 {
            continue;
        }
        let size = n * fixed as u64;
        if size > MAX_SAMPLE_SIZE as u64 {
            return Ok(None);
        }
        let duration = n * delta as u64;
        samples.push(Sample {
            offset,
            size: size as u32,
            dts,
            cts_offset: 0,
            duration: duration.min(u32::MAX as u64) as u32,
            sync: true,
            desc: 0,
        });
        dts = i64::try_from(duration)
            .ok()
            .and_then(|d| dts.checked_add(d))
            .ok_or_else(|| Error::malformed(format!("{place}/stts"), "timestamps overflow"))?;
        left -= n;
    }
    if left != 0 {
        return Err(Error::malformed(
            format!("{place}/stsc"),
            format!("chunks hold {} fewer samples than stsz lists", left),
        ));
    }
    Ok(Some(samples))
}

/// (offset, samples in chunk, sample description) for every chunk.
fn chunk_layout(stbl: &[u8], place: &str, depth: usize) -> Result<Vec<(u64, u32, u32)>> {
    let offsets = chunk_offsets(stbl, place, depth)?;
    let runs = stsc_runs(stbl, place, depth)?;
    let mut out = Vec::with_capacity(offsets.len());
    let chunks = u32::try_from(offsets.len()).unwrap_or(u32::MAX);
    for (k, &(first, per_chunk, desc)) in runs.iter().enumerate() {
        // Runs past the last chunk describe nothing; clamping keeps the loop bounded by
        // the chunk table, whatever first_chunk a file claims.
        let last = runs.get(k + 1).map_or(chunks, |&(f, ..)| f - 1).min(chunks);
        for chunk in first..=last {
            if let Some(&o) = offsets.get(chunk as usize - 1) {
                out.push((o, per_chunk, desc));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 12) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(body);
        b
    }

    /// stsz (fixed `size`, `count`), one stts run, one chunk holding everything.
    fn stbl(size: u32, count: u32) -> Vec<u8> {
        let mut stbl = full_box(b"stsz", &[size.to_be_bytes(), count.to_be_bytes()].concat());
        stbl.extend(full_box(b"stts", &[1u32.to_be_bytes(), count.to_be_bytes(), 512u32.to_be_bytes()].concat()));
        stbl.extend(full_box(b"stsc", &[1u32, 1, count, 1].map(u32::to_be_bytes).concat()));
        stbl.extend(full_box(b"stco", &[1u32, 0].map(u32::to_be_bytes).concat()));
        stbl
    }

    #[test]
    fn fixed_size_samples_must_fit_in_the_file() {
        // 3 million samples of 100 bytes claimed by a 60-byte table in a 1 MB file.
        let err = build(&stbl(100, 3_000_000), "stbl", 5, 1 << 20).unwrap_err();
        assert!(err.to_string().contains("cannot fit"), "{err}");
        // The same table for a file that can hold them is read.
        let samples = build(&stbl(100, 1000), "stbl", 5, 1 << 20).unwrap();
        assert_eq!(samples.len(), 1000);
        assert_eq!(samples[999].offset, 99_900);
        assert_eq!(samples[999].dts, 999 * 512);
    }

    #[test]
    fn stsc_runs_past_the_chunk_table_are_bounded() {
        // first_chunk of the second run far beyond the single chunk: no 4-billion loop.
        let mut t = full_box(b"stsz", &[10u32.to_be_bytes(), 2u32.to_be_bytes()].concat());
        t.extend(full_box(b"stts", &[1u32, 2, 512].map(u32::to_be_bytes).concat()));
        t.extend(full_box(b"stsc", &[2u32, 1, 2, 1, 0xffff_fff0, 1, 2].map(u32::to_be_bytes).concat()));
        t.extend(full_box(b"stco", &[1u32, 0].map(u32::to_be_bytes).concat()));
        let samples = build(&t, "stbl", 5, 1000).unwrap();
        assert_eq!(samples.len(), 2);
    }
}
