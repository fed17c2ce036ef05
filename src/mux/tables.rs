//! Per-track sample tables, accumulated while samples stream to disk and serialised into
//! `stbl` at the end. Runs are compressed as they arrive (stts, ctts, stsc) so memory stays
//! proportional to the number of samples, never to their bytes.

use crate::error::{Error, Result};
use crate::limits::MAX_SAMPLES_PER_TRACK;

use super::boxes::BoxBuf;

/// A run of chunks: consecutive samples of one track, written back to back.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunk {
    /// Offset of the chunk's first byte from the start of the mdat body.
    pub(crate) offset: u64,
    pub(crate) samples: u32,
}

/// Everything `stbl` needs about one track's samples.
#[derive(Debug, Default)]
pub(crate) struct SampleTable {
    pub(crate) sizes: Vec<u32>,
    /// (sample count, duration) runs.
    pub(crate) stts: Vec<(u32, u32)>,
    /// (sample count, composition offset) runs; kept even when all zero (cheap: one run).
    pub(crate) ctts: Vec<(u32, i32)>,
    /// 1-based numbers of sync samples.
    pub(crate) sync: Vec<u32>,
    pub(crate) chunks: Vec<Chunk>,
    pub(crate) duration: u64,
    pub(crate) bytes: u64,
}

impl SampleTable {
    pub(crate) fn sample_count(&self) -> u32 {
        // Bounded by MAX_SAMPLES_PER_TRACK in `push`.
        self.sizes.len() as u32
    }

    /// Records one sample stored at `offset` in the mdat body. `new_chunk` starts a chunk
    /// (another track's data came in between).
    pub(crate) fn push(
        &mut self,
        size: u32,
        duration: u32,
        is_sync: bool,
        composition_offset: i32,
        offset: u64,
        new_chunk: bool,
    ) -> Result<()> {
        if self.sizes.len() as u64 >= MAX_SAMPLES_PER_TRACK {
            return Err(Error::limit("mux", format!("more than {MAX_SAMPLES_PER_TRACK} samples in one track")));
        }
        self.duration = self
            .duration
            .checked_add(u64::from(duration))
            .ok_or_else(|| Error::limit("mux", "track duration overflows 64 bits"))?;
        self.bytes = self.bytes.saturating_add(u64::from(size));
        self.sizes.push(size);
        let number = self.sample_count();
        if is_sync {
            self.sync.push(number);
        }
        match self.stts.last_mut() {
            Some((n, d)) if *d == duration => *n += 1,
            _ => self.stts.push((1, duration)),
        }
        match self.ctts.last_mut() {
            Some((n, o)) if *o == composition_offset => *n += 1,
            _ => self.ctts.push((1, composition_offset)),
        }
        match self.chunks.last_mut() {
            Some(c) if !new_chunk => c.samples += 1,
            _ => self.chunks.push(Chunk { offset, samples: 1 }),
        }
        Ok(())
    }

    /// The last chunk's offset, plus `base`: the largest offset stco/co64 must hold.
    pub(crate) fn max_chunk_offset(&self, base: u64) -> Result<u64> {
        let last = self.chunks.last().map_or(0, |c| c.offset);
        base.checked_add(last).ok_or_else(|| Error::limit("mux", "chunk offset overflows 64 bits"))
    }

    pub(crate) fn max_sample_size(&self) -> u32 {
        self.sizes.iter().copied().max().unwrap_or(0)
    }

    /// The most bits in any one-second window of decode time starting on a whole second
    /// (what `esds` calls maxBitrate).
    pub(crate) fn peak_bitrate(&self, timescale: u32) -> u32 {
        let timescale = u64::from(timescale.max(1));
        let mut best = 0u64;
        let mut window = (0u64, 0u64); // (second index, bytes)
        let mut t = 0u64;
        let mut sizes = self.sizes.iter();
        for &(count, delta) in &self.stts {
            for _ in 0..count {
                let Some(&size) = sizes.next() else { break };
                let second = t / timescale;
                if second != window.0 {
                    best = best.max(window.1);
                    window = (second, 0);
                }
                window.1 = window.1.saturating_add(u64::from(size));
                t = t.saturating_add(u64::from(delta));
            }
        }
        best = best.max(window.1);
        u32::try_from(best.saturating_mul(8)).unwrap_or(u32::MAX)
    }

    /// Writes stts, ctts, stss, stsc, stsz and stco/co64 (chunk offsets plus `base`).
    pub(crate) fn write_tables(&self, b: &mut BoxBuf, base: u64, use_co64: bool) -> Result<()> {
        let count = |n: usize| u32::try_from(n).map_err(|_| Error::limit("mux", "table too long"));
        b.full(b"stts", 0, 0, |b| {
            b.u32(count(self.stts.len())?);
            for &(n, d) in &self.stts {
                b.u32(n);
                b.u32(d);
            }
            Ok(())
        })?;
        if self.ctts.iter().any(|&(_, o)| o != 0) {
            // Version 1 makes the offsets signed; version 0 is the most widely read.
            let version = u8::from(self.ctts.iter().any(|&(_, o)| o < 0));
            b.full(b"ctts", version, 0, |b| {
                b.u32(count(self.ctts.len())?);
                for &(n, o) in &self.ctts {
                    b.u32(n);
                    b.i32(o);
                }
                Ok(())
            })?;
        }
        if self.sync.len() != self.sizes.len() {
            b.full(b"stss", 0, 0, |b| {
                b.u32(count(self.sync.len())?);
                for &s in &self.sync {
                    b.u32(s);
                }
                Ok(())
            })?;
        }
        b.full(b"stsc", 0, 0, |b| {
            let mut runs: Vec<(u32, u32)> = Vec::new(); // (first chunk, samples per chunk)
            for (i, c) in self.chunks.iter().enumerate() {
                if runs.last().is_none_or(|&(_, n)| n != c.samples) {
                    runs.push((count(i + 1)?, c.samples));
                }
            }
            b.u32(count(runs.len())?);
            for (first, n) in runs {
                b.u32(first);
                b.u32(n);
                b.u32(1);
            }
            Ok(())
        })?;
        b.full(b"stsz", 0, 0, |b| {
            let first = self.sizes.first().copied().unwrap_or(0);
            if !self.sizes.is_empty() && self.sizes.iter().all(|&s| s == first) {
                b.u32(first);
                b.u32(self.sample_count());
            } else {
                b.u32(0);
                b.u32(self.sample_count());
                for &s in &self.sizes {
                    b.u32(s);
                }
            }
            Ok(())
        })?;
        let offset =
            |c: &Chunk| base.checked_add(c.offset).ok_or_else(|| Error::limit("mux", "chunk offset overflows 64 bits"));
        if use_co64 {
            b.full(b"co64", 0, 0, |b| {
                b.u32(count(self.chunks.len())?);
                for c in &self.chunks {
                    b.u64(offset(c)?);
                }
                Ok(())
            })
        } else {
            b.full(b"stco", 0, 0, |b| {
                b.u32(count(self.chunks.len())?);
                for c in &self.chunks {
                    let o = u32::try_from(offset(c)?).map_err(|_| Error::limit("mux", "chunk offset needs co64"))?;
                    b.u32(o);
                }
                Ok(())
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> SampleTable {
        let mut t = SampleTable::default();
        // Two chunks of 2 and 1 samples, durations 512,512,1024, one non-zero offset.
        t.push(100, 512, true, 0, 0, true).unwrap();
        t.push(50, 512, false, 1024, 100, false).unwrap();
        t.push(70, 1024, false, 0, 500, true).unwrap();
        t
    }

    fn find<'a>(v: &'a [u8], fourcc: &[u8; 4]) -> &'a [u8] {
        let i = v.windows(4).position(|w| w == fourcc).unwrap();
        let size = u32::from_be_bytes(v[i - 4..i].try_into().unwrap()) as usize;
        &v[i + 8..i - 4 + size] // after version/flags
    }

    #[test]
    fn run_lengths_and_offsets() {
        let t = table();
        assert_eq!(t.stts, vec![(2, 512), (1, 1024)]);
        assert_eq!(t.duration, 2048);
        let mut b = BoxBuf::new();
        t.write_tables(&mut b, 1000, false).unwrap();
        let v = b.into_vec();
        assert_eq!(find(&v, b"stss"), &[0, 0, 0, 1, 0, 0, 0, 1]);
        assert_eq!(find(&v, b"stco"), &[0, 0, 0, 2, 0, 0, 0x03, 0xE8, 0, 0, 0x05, 0xDC]);
        assert_eq!(
            find(&v, b"stsc"),
            &[0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1]
        );
        assert_eq!(find(&v, b"ctts")[..4], [0, 0, 0, 3]);
    }

    #[test]
    fn co64_holds_offsets_past_4_gib() {
        let t = table();
        let base = u64::from(u32::MAX) - 200;
        assert_eq!(t.max_chunk_offset(base).unwrap(), base + 500);
        let mut b = BoxBuf::new();
        assert!(t.write_tables(&mut b, base, false).is_err());
        let mut b = BoxBuf::new();
        t.write_tables(&mut b, base, true).unwrap();
        let v = b.into_vec();
        let co = find(&v, b"co64");
        assert_eq!(u64::from_be_bytes(co[12..20].try_into().unwrap()), base + 500);
    }

    #[test]
    fn all_sync_omits_stss_and_zero_offsets_omit_ctts() {
        let mut t = SampleTable::default();
        for i in 0..5 {
            t.push(10, 1024, true, 0, i * 10, i == 0).unwrap();
        }
        let mut b = BoxBuf::new();
        t.write_tables(&mut b, 0, false).unwrap();
        let v = b.into_vec();
        assert!(!v.windows(4).any(|w| w == b"stss" || w == b"ctts"));
        // Constant sample size: no per-sample entries.
        assert_eq!(find(&v, b"stsz"), &[0, 0, 0, 10, 0, 0, 0, 5]);
    }

    #[test]
    fn peak_bitrate_counts_the_busiest_second() {
        let mut t = SampleTable::default();
        // timescale 10: samples of duration 5 → two per second; second 1 is the big one.
        for (i, size) in [10u32, 10, 100, 100, 1].into_iter().enumerate() {
            t.push(size, 5, true, 0, i as u64, false).unwrap();
        }
        assert_eq!(t.peak_bitrate(10), 200 * 8);
    }
}
