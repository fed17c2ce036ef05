//! How a file is cut into chunks for TikTok's `FILE_UPLOAD` source.
//!
//! TikTok's rules (Content Posting API, "Media transfer guide"): a file under 5 MiB goes
//! whole; otherwise every chunk is 5 MiB ..= 64 MB, `total_chunk_count` is
//! `floor(video_size / chunk_size)`, the final chunk absorbs the remainder and may reach
//! 128 MB, and there are at most 1000 chunks. We use 64,000,000 as the upper bound so that
//! both readings of "MB" (10^6 and 2^20) hold.

use super::errors::UploadError;

/// Smallest chunk TikTok accepts (a file smaller than this goes as one whole chunk).
pub const MIN_CHUNK: u64 = 5 * 1024 * 1024;
/// Largest regular chunk.
pub const MAX_CHUNK: u64 = 64_000_000;
/// Largest final chunk (it absorbs the remainder).
pub const MAX_FINAL_CHUNK: u64 = 128_000_000;
/// Most chunks one upload may have.
pub const MAX_CHUNKS: u64 = 1000;

/// One chunk's place in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// Zero-based position in the upload order.
    pub index: u64,
    /// Offset of the chunk's first byte.
    pub first: u64,
    /// Length in bytes (never zero).
    pub len: u64,
}

impl Chunk {
    /// Offset of the chunk's last byte (inclusive, as in `Content-Range`).
    pub fn last(&self) -> u64 {
        // len >= 1 is an invariant of ChunkPlan::chunk, so this cannot underflow.
        self.first + self.len - 1
    }

    /// Offset one past the chunk's last byte.
    pub fn end(&self) -> u64 {
        self.first + self.len
    }
}

/// The `source_info` numbers of an upload and the chunk boundaries they imply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPlan {
    video_size: u64,
    chunk_size: u64,
    chunk_count: u64,
}

impl ChunkPlan {
    /// The plan with the largest allowed chunks (fewest requests).
    pub fn new(video_size: u64) -> Result<Self, UploadError> {
        Self::with_preferred(video_size, MAX_CHUNK)
    }

    /// A plan whose chunks are as close to `preferred` bytes as the rules allow.
    ///
    /// `preferred` is clamped to `MIN_CHUNK..=MAX_CHUNK`, and grown when the file would
    /// otherwise need more than [`MAX_CHUNKS`] chunks.
    pub fn with_preferred(video_size: u64, preferred: u64) -> Result<Self, UploadError> {
        if video_size == 0 {
            return Err(UploadError::EmptyFile);
        }
        if video_size < MIN_CHUNK {
            return Ok(ChunkPlan { video_size, chunk_size: video_size, chunk_count: 1 });
        }
        // A chunk never exceeds the file, so a 5 MiB..64 MB file goes as one chunk.
        let mut chunk_size = preferred.clamp(MIN_CHUNK, MAX_CHUNK).min(video_size);
        if video_size / chunk_size > MAX_CHUNKS {
            // ceil(size / 1000) makes floor(size / chunk) <= 1000; it is >= MIN_CHUNK here
            // because size > 1000 * MIN_CHUNK.
            chunk_size = video_size.div_ceil(MAX_CHUNKS);
            if chunk_size > MAX_CHUNK {
                return Err(UploadError::TooLarge {
                    size: video_size,
                    // 1000 chunks of 64 MB, the last absorbing up to 64 MB - 1 more.
                    max: MAX_CHUNK * (MAX_CHUNKS + 1) - 1,
                });
            }
        }
        let chunk_count = video_size / chunk_size;
        let plan = ChunkPlan { video_size, chunk_size, chunk_count };
        // The final chunk is chunk_size + (size mod chunk_size) < 2 * chunk_size <= 128 MB;
        // checked anyway so a future change to the arithmetic cannot send a bad plan.
        if plan.final_chunk_len() > MAX_FINAL_CHUNK {
            return Err(UploadError::TooLarge { size: video_size, max: MAX_FINAL_CHUNK });
        }
        Ok(plan)
    }

    /// Total bytes (`source_info.video_size`).
    pub fn video_size(&self) -> u64 {
        self.video_size
    }

    /// Regular chunk size (`source_info.chunk_size`).
    pub fn chunk_size(&self) -> u64 {
        self.chunk_size
    }

    /// Number of chunks (`source_info.total_chunk_count`).
    pub fn chunk_count(&self) -> u64 {
        self.chunk_count
    }

    fn final_chunk_len(&self) -> u64 {
        // chunk_count >= 1 and (count - 1) * size < video_size by construction.
        self.video_size - (self.chunk_count - 1) * self.chunk_size
    }

    /// Chunk `index`, or `None` past the end.
    pub fn chunk(&self, index: u64) -> Option<Chunk> {
        if index >= self.chunk_count {
            return None;
        }
        let first = index.checked_mul(self.chunk_size)?;
        let len = if index + 1 == self.chunk_count { self.final_chunk_len() } else { self.chunk_size };
        Some(Chunk { index, first, len })
    }

    /// Every chunk, in upload order.
    pub fn chunks(&self) -> impl Iterator<Item = Chunk> + '_ {
        (0..self.chunk_count).filter_map(|i| self.chunk(i))
    }

    /// The chunk holding byte `offset`, or `None` when `offset` is past the end.
    pub fn chunk_containing(&self, offset: u64) -> Option<Chunk> {
        if offset >= self.video_size {
            return None;
        }
        let index = (offset / self.chunk_size).min(self.chunk_count - 1);
        self.chunk(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FOUR_GB: u64 = 4 * 1024 * 1024 * 1024;

    fn check_rules(plan: &ChunkPlan, size: u64) {
        assert_eq!(plan.video_size(), size);
        let chunks: Vec<Chunk> = plan.chunks().collect();
        assert_eq!(chunks.len() as u64, plan.chunk_count());
        assert!(plan.chunk_count() >= 1 && plan.chunk_count() <= MAX_CHUNKS);
        if size < MIN_CHUNK {
            assert_eq!((plan.chunk_size(), plan.chunk_count()), (size, 1));
        } else {
            assert!((MIN_CHUNK..=MAX_CHUNK).contains(&plan.chunk_size()), "{plan:?}");
            assert_eq!(plan.chunk_count(), size / plan.chunk_size());
        }
        // Contiguous, in order, covering the file exactly.
        let mut next = 0;
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c.index, i as u64);
            assert_eq!(c.first, next);
            let is_last = i + 1 == chunks.len();
            if is_last {
                assert!(c.len <= MAX_FINAL_CHUNK, "{plan:?}");
                assert!(c.len >= plan.chunk_size());
            } else {
                assert_eq!(c.len, plan.chunk_size());
            }
            next = c.end();
        }
        assert_eq!(next, size);
    }

    #[test]
    fn zero_is_an_error() {
        assert!(matches!(ChunkPlan::new(0), Err(UploadError::EmptyFile)));
    }

    #[test]
    fn small_file_goes_whole() {
        let p = ChunkPlan::new(3_800_000).unwrap();
        assert_eq!((p.chunk_size(), p.chunk_count()), (3_800_000, 1));
        let p = ChunkPlan::new(MIN_CHUNK - 1).unwrap();
        assert_eq!(p.chunk_count(), 1);
    }

    #[test]
    fn boundaries() {
        for size in [
            1,
            MIN_CHUNK,
            MAX_CHUNK,
            MAX_CHUNK + 1,
            2 * MAX_CHUNK - 1,
            2 * MAX_CHUNK,
            MAX_FINAL_CHUNK,
            MAX_FINAL_CHUNK + 1,
            134_217_728,
            FOUR_GB,
        ] {
            check_rules(&ChunkPlan::new(size).unwrap(), size);
            check_rules(&ChunkPlan::with_preferred(size, 0).unwrap(), size);
        }
        // 134 MB: two chunks, the second absorbing the remainder.
        let p = ChunkPlan::new(134_217_728).unwrap();
        assert_eq!((p.chunk_size(), p.chunk_count()), (MAX_CHUNK, 2));
        assert_eq!(p.chunk(1).unwrap().len, 134_217_728 - MAX_CHUNK);
    }

    #[test]
    fn too_many_chunks_grows_chunk_size_then_refuses() {
        let size = 6_000_000_000;
        let p = ChunkPlan::with_preferred(size, MIN_CHUNK).unwrap();
        check_rules(&p, size);
        assert!(p.chunk_size() > MIN_CHUNK);
        let largest = MAX_CHUNK * (MAX_CHUNKS + 1) - 1;
        check_rules(&ChunkPlan::new(largest).unwrap(), largest);
        assert!(matches!(ChunkPlan::new(largest + 1), Err(UploadError::TooLarge { max, .. }) if max == largest));
        assert!(matches!(ChunkPlan::new(u64::MAX), Err(UploadError::TooLarge { .. })));
    }

    #[test]
    fn chunk_containing_finds_boundaries() {
        let p = ChunkPlan::new(200_000_000).unwrap();
        assert_eq!(p.chunk_containing(0).unwrap().index, 0);
        assert_eq!(p.chunk_containing(MAX_CHUNK - 1).unwrap().index, 0);
        assert_eq!(p.chunk_containing(MAX_CHUNK).unwrap().index, 1);
        // The final chunk holds more than chunk_size bytes.
        assert_eq!(p.chunk_containing(199_999_999).unwrap().index, p.chunk_count() - 1);
        assert!(p.chunk_containing(200_000_000).is_none());
    }

    proptest! {
        #[test]
        fn every_size_obeys_the_rules(size in 1u64..=FOUR_GB, preferred in 0u64..=200_000_000) {
            check_rules(&ChunkPlan::new(size).unwrap(), size);
            check_rules(&ChunkPlan::with_preferred(size, preferred).unwrap(), size);
        }

        #[test]
        fn chunk_containing_agrees_with_chunks(size in 1u64..=FOUR_GB, frac in 0.0f64..1.0) {
            let p = ChunkPlan::with_preferred(size, MIN_CHUNK).unwrap();
            let offset = ((size as f64) * frac) as u64;
            let offset = offset.min(size - 1);
            let c = p.chunk_containing(offset).unwrap();
            prop_assert!(c.first <= offset && offset < c.end());
        }
    }
}
