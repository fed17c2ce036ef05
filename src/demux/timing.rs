//! From stored presentation timestamps to samples with decode times, composition offsets
//! and durations, as the MP4 sample tables give them. Matroska and FLV both store frames
//! in decode order stamped with presentation times rounded to a coarse clock (Matroska's
//! TimestampScale, 1 ms by default; FLV's milliseconds). So:
//! - video decode times are the presentation times sorted, moved earlier by the largest
//!   reordering so that no frame is decoded after it is shown (as FFmpeg's Matroska
//!   demuxer and MP4 muxers derive them);
//! - audio times are counted in samples from the first block, with each packet's length
//!   from its codec (AAC: 1024 per frame) where it is fixed, because 1 ms timestamps
//!   would make a 23.2 ms AAC frame last 23 or 24 ms and the sum drift; the count follows
//!   the blocks again where they jump (a gap in the recording).

use crate::demux::Sample;
use crate::error::{Error, Result};
use crate::media::{AudioCodec, AudioInfo};

/// Seconds of disagreement between counted audio time and a block's timestamp beyond
/// which the block's timestamp wins (a gap or overlap in the stream, not rounding).
const AUDIO_RESYNC_SECS: f64 = 0.015;

/// One frame as the file stores it, before timing is worked out.
#[derive(Clone, Copy, Debug)]
pub struct RawFrame {
    /// Byte offset in the file.
    pub offset: u64,
    /// Size in bytes.
    pub size: u32,
    /// Presentation time (Matroska: cluster + block), in the container's ticks (`scale` ns).
    pub timestamp: i64,
    /// Position within its block's lace, and how many frames the block holds ((0, 1) unlaced).
    pub lace: (u16, u16),
    /// The block's duration (Matroska BlockDuration), in the same ticks.
    pub block_duration: Option<u64>,
    /// A keyframe (SimpleBlock flag, or a BlockGroup without references).
    pub keyframe: bool,
}

/// Converts `t` TimestampScale ticks (`scale` ns each) to ticks of `timescale` per second.
pub fn to_ticks(t: i64, scale: u64, timescale: u32) -> Result<i64> {
    let ns = i128::from(t) * i128::from(scale);
    let ticks = (ns * i128::from(timescale) + 500_000_000i128.copysign(ns)) / 1_000_000_000;
    i64::try_from(ticks).map_err(|_| Error::malformed("frame timestamps", "a timestamp beyond 2^63 ticks"))
}

trait CopySign {
    fn copysign(self, of: i128) -> i128;
}
impl CopySign for i128 {
    fn copysign(self, of: i128) -> i128 {
        if of < 0 {
            -self
        } else {
            self
        }
    }
}

fn duration_u32(d: i64) -> u32 {
    u32::try_from(d.max(0)).unwrap_or(u32::MAX)
}

/// Video samples from frames in decode order. `default` is the frame duration in ticks
/// the track declares (DefaultDuration), used for laced frames and the last frame.
pub fn video(frames: &[RawFrame], scale: u64, timescale: u32, default: Option<i64>) -> Result<Vec<Sample>> {
    let mut pts = Vec::with_capacity(frames.len());
    for f in frames {
        let lace = default.unwrap_or(0).saturating_mul(i64::from(f.lace.0));
        pts.push(to_ticks(f.timestamp, scale, timescale)?.saturating_add(lace));
    }
    let mut sorted = pts.clone();
    sorted.sort_unstable();
    let shift = pts.iter().zip(&sorted).map(|(p, s)| s.saturating_sub(*p)).max().unwrap_or(0).max(0);
    let n = frames.len();
    let fallback = |i: usize| -> i64 {
        let f = &frames[i];
        default
            .or_else(|| f.block_duration.and_then(|d| to_ticks(i64::try_from(d).ok()?, scale, timescale).ok()))
            .or_else(|| (i > 0).then(|| sorted[i] - sorted[i - 1]))
            .unwrap_or(0)
    };
    let mut out = Vec::with_capacity(n);
    for (i, f) in frames.iter().enumerate() {
        let dts = sorted[i].saturating_sub(shift);
        let duration = if i + 1 < n { sorted[i + 1] - sorted[i] } else { fallback(i) };
        let cts_offset = i32::try_from(pts[i].saturating_sub(dts))
            .map_err(|_| Error::malformed("frame timestamps", "frames reordered by more than 2^31 ticks"))?;
        out.push(Sample {
            offset: f.offset,
            size: f.size,
            dts,
            cts_offset,
            duration: duration_u32(duration),
            sync: f.keyframe,
            desc: 0,
        });
    }
    Ok(out)
}

/// Audio samples from frames in decode order, at `timescale` = the sample rate. `frame`
/// is the codec's fixed packet length in ticks, when it has one; `default` the track's
/// DefaultDuration in ticks.
pub fn audio(
    frames: &[RawFrame],
    scale: u64,
    timescale: u32,
    frame: Option<i64>,
    default: Option<i64>,
) -> Result<Vec<Sample>> {
    let n = frames.len();
    let mut block_ts = Vec::with_capacity(n);
    for f in frames {
        block_ts.push(to_ticks(f.timestamp, scale, timescale)?);
    }
    // Where the next block starts, for durations nothing else gives.
    let next_block = |i: usize| -> Option<i64> {
        let start = i - usize::from(frames[i].lace.0);
        let next = start + usize::from(frames[i].lace.1.max(1));
        block_ts.get(next).map(|t| t - block_ts[start])
    };
    let resync = (AUDIO_RESYNC_SECS * f64::from(timescale)) as i64;
    let mut out = Vec::with_capacity(n);
    let mut t = block_ts.first().copied().unwrap_or(0);
    let mut last = 0i64;
    for (i, f) in frames.iter().enumerate() {
        let count = i64::from(f.lace.1.max(1));
        let duration = frame.or(default).or_else(|| {
            let block = f
                .block_duration
                .and_then(|d| to_ticks(i64::try_from(d).ok()?, scale, timescale).ok())
                .or_else(|| next_block(i));
            block.map(|b| b / count)
        });
        let duration = duration.unwrap_or(last).max(0);
        if f.lace.0 == 0 && (block_ts[i] - t).abs() > resync {
            t = block_ts[i];
        }
        out.push(Sample {
            offset: f.offset,
            size: f.size,
            dts: t,
            cts_offset: 0,
            duration: duration_u32(duration),
            sync: true,
            desc: 0,
        });
        t = t.saturating_add(duration);
        last = duration;
    }
    Ok(out)
}

/// The packet length, in ticks of the sample rate, of codecs whose packets all last as
/// long: AAC frames are 1024 samples of the core rate (2048 at the output rate with SBR).
pub fn fixed_frame(a: &AudioInfo) -> Option<i64> {
    match a.codec {
        AudioCodec::Aac if matches!(a.aac_object_type, Some(5 | 29)) => Some(2048),
        AudioCodec::Aac => Some(1024),
        AudioCodec::Ac3 => Some(1536),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(timestamp: i64, lace: (u16, u16)) -> RawFrame {
        RawFrame { offset: 0, size: 1, timestamp, lace, block_duration: None, keyframe: lace.0 == 0 }
    }

    #[test]
    fn reordered_video_gets_decode_times_before_presentation() {
        // I P B B in decode order, shown at 0, 100, 33, 67 ms.
        let frames: Vec<_> = [0, 100, 33, 67].iter().map(|&t| frame(t, (0, 1))).collect();
        let s = video(&frames, 1_000_000, 1000, None).unwrap();
        let dts: Vec<i64> = s.iter().map(|s| s.dts).collect();
        assert!(s.iter().all(|s| s.cts_offset >= 0), "{s:?}");
        // Shifted by the largest reordering (the P frame, decoded 34 ms before it is due).
        assert_eq!(dts, vec![-34, -1, 33, 66]);
        assert_eq!(s.iter().map(|s| s.pts()).collect::<Vec<_>>(), vec![0, 100, 33, 67]);
        assert_eq!(s[..3].iter().map(|s| s.duration).collect::<Vec<_>>(), vec![33, 34, 33]);
    }

    #[test]
    fn aac_times_count_samples_not_rounded_milliseconds() {
        // 44.1 kHz AAC: blocks every 23.2 ms, stored as whole milliseconds.
        let frames: Vec<_> = (0..100).map(|i| frame((i as f64 * 1024.0 / 44.1).round() as i64, (0, 1))).collect();
        let s = audio(&frames, 1_000_000, 44100, Some(1024), None).unwrap();
        assert!(s.iter().enumerate().all(|(i, s)| s.dts == i as i64 * 1024 && s.duration == 1024));
        // A 1 s gap after frame 50 is kept.
        let mut gap = frames.clone();
        for f in &mut gap[50..] {
            f.timestamp += 1000;
        }
        let s = audio(&gap, 1_000_000, 44100, Some(1024), None).unwrap();
        // Block 50 is stamped 2161 ms: 95,300 ticks, not the 51,200 counted.
        assert_eq!(s[50].dts, 95_300);
        assert_eq!(s[51].dts, 95_300 + 1024);
    }

    #[test]
    fn laced_frames_split_their_block() {
        // Two blocks of 4 laced frames each, 80 ms apart, at 48 kHz: 20 ms per frame.
        let mut frames = Vec::new();
        for b in 0..2 {
            for k in 0..4 {
                frames.push(frame(b * 80, (k, 4)));
            }
        }
        let s = audio(&frames, 1_000_000, 48000, None, None).unwrap();
        assert_eq!(s.iter().map(|s| s.dts).collect::<Vec<_>>(), (0..8).map(|i| i * 960).collect::<Vec<_>>());
    }
}
