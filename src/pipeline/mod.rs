//! Runs a [`ConformPlan`]: passthrough, remux, or rebuild (copy or transcode each stream),
//! then measures the finished file and re-encodes lower when a limit is broken.

mod audio;
mod concealment;
mod decode_track;
mod segments;
mod transcode;
mod video;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::media::{MediaInfo, Warning};
use crate::mux::Mp4Writer;
use crate::plan::{plan, ConformOptions, ConformPlan, Mode, VideoPlan};
use crate::profile::{check, Profile, Violation};

pub use crate::media::TrackTimeline;
pub use decode_track::{decode_pictures, decode_track, TrackDecode};

/// Receives progress from a running conform. Implementations must be cheap.
pub trait Progress: Send + Sync {
    /// A new stage starts; `total` frames are expected (0 when unknown).
    fn stage(&self, _name: &str, _total: u64) {}
    /// `n` more frames are done.
    fn advance(&self, _n: u64) {}
}

/// Progress that goes nowhere.
pub struct NoProgress;
impl Progress for NoProgress {}

/// One encoding attempt and what the finished file measured.
#[derive(Clone, Debug, Serialize)]
pub struct Attempt {
    /// Target video bitrate.
    pub video_bitrate: u32,
    /// Measured peak over any 1-second window, video + audio, bits.
    pub peak_bitrate_1s: u64,
    /// File size in bytes.
    pub file_size: u64,
}

/// What a conform did.
#[derive(Clone, Debug, Serialize)]
pub struct ConformReport {
    /// The input.
    pub input: PathBuf,
    /// The output.
    pub output: PathBuf,
    /// The plan that ran.
    pub plan: ConformPlan,
    /// Encoding attempts (empty for passthrough/remux/copy).
    pub attempts: Vec<Attempt>,
    /// The output, probed.
    pub output_info: MediaInfo,
    /// The output's remaining violations (empty unless something is badly wrong).
    pub output_violations: Vec<Violation>,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Output video frames written by the last attempt.
    pub frames: u64,
    /// What clipfit worked around: the input probe's warnings, then the conversion's
    /// (concealed pictures, a dropped lead-in).
    pub warnings: Vec<Warning>,
}

/// Most encoding attempts before giving up on the peak or size limit.
const MAX_ATTEMPTS: usize = 4;

/// Conforms `input` to `profile`, writing `output` atomically.
pub fn conform(
    input: &Path,
    output: &Path,
    profile: &Profile,
    opts: &ConformOptions,
    progress: &dyn Progress,
) -> Result<ConformReport> {
    let started = Instant::now();
    refuse_same_file(input, output)?;
    let demux = crate::demux::open(input)?;
    let the_plan = plan(demux.info(), profile, opts)?;
    let mut warnings = demux.info().warnings.clone();
    drop(demux);
    let mut attempts = Vec::new();
    let mut frames = 0;
    let mut converted = Vec::new();
    match the_plan.mode {
        Mode::Passthrough => copy_file(input, output)?,
        Mode::Remux => crate::mux::faststart::relocate(input, output)?,
        Mode::Rebuild => {
            let mut bitrate = match the_plan.video {
                VideoPlan::Transcode { bitrate, .. } => bitrate,
                VideoPlan::Copy => 0,
            };
            for attempt in 0..MAX_ATTEMPTS {
                (frames, converted) = rebuild(input, output, &the_plan, bitrate, opts, progress)?;
                let info = crate::demux::probe(output)?;
                attempts.push(Attempt {
                    video_bitrate: bitrate,
                    peak_bitrate_1s: info.peak_bitrate_1s,
                    file_size: info.file_size,
                });
                let over_peak = info.peak_bitrate_1s as f64 / the_plan.max_peak_bitrate as f64;
                let over_size = info.file_size as f64 / the_plan.max_file_size as f64;
                let over = over_peak.max(over_size);
                if over <= 1.0 || bitrate == 0 {
                    break;
                }
                if attempt + 1 == MAX_ATTEMPTS {
                    let _ = std::fs::remove_file(output);
                    return Err(Error::Invalid(format!(
                        "could not bring the output under the limits after {MAX_ATTEMPTS} attempts (peak {:.2} Mbps, size {:.1} MB)",
                        info.peak_bitrate_1s as f64 / 1e6,
                        info.file_size as f64 / 1e6
                    )));
                }
                // Aim 8% under the limit, scaled by how far over this attempt landed.
                bitrate = ((bitrate as f64) / over * 0.92) as u32;
            }
        }
    }
    let output_info = crate::demux::probe(output)?;
    let output_violations = check(&output_info, profile);
    warnings.extend(converted);
    Ok(ConformReport {
        input: input.to_path_buf(),
        output: output.to_path_buf(),
        plan: the_plan,
        attempts,
        output_info,
        output_violations,
        seconds: started.elapsed().as_secs_f64(),
        frames,
        warnings,
    })
}

fn refuse_same_file(input: &Path, output: &Path) -> Result<()> {
    let a = std::fs::canonicalize(input).map_err(|e| Error::io(input, e))?;
    if let Ok(b) = std::fs::canonicalize(output) {
        if a == b {
            return Err(Error::Invalid(format!(
                "the output {} is the input; choose another output path (clipfit never overwrites its input)",
                output.display()
            )));
        }
    }
    Ok(())
}

/// Peak memory a conform stays under by default (a 512 MB serverless function, a small
/// VM): workers are added up to one per core only while they fit in it.
pub const DEFAULT_MEMORY_BUDGET: u64 = 300 << 20;
/// What a conform holds besides its workers: the binary, the sample index, the audio,
/// the muxer and joined segments (measured: see the README's performance section).
const BASE_MEMORY: u64 = 40 << 20;
/// One worker's fixed part: the 1080x1920 encoder and its queue of fitted frames.
const WORKER_MEMORY: u64 = 50 << 20;
/// One worker's part per source pixel (8-bit): the decoder's reference pictures with
/// their motion fields, pictures held for reordering, and the fit's source-size rows.
/// Measured at 4K with rusty_h264: 177 MB a worker, 127 MB of it source-sized.
const WORKER_BYTES_PER_PIXEL: u64 = 16;
/// The same for HEVC (rusty_h265 shares its pictures with us, no copies): measured at 4K
/// 10-bit, 250 MB with one worker and 446 MB with two, so 196 MB a worker.
const HEVC_WORKER_BYTES_PER_PIXEL: u64 = 9;
/// The budget when one worker's decoder is the bottleneck and leaves a core idle. HEVC:
/// rusty_h265 takes ≈ 70 ms of a core per 4K 10-bit picture, the encoder ≈ 15 ms per
/// fitted frame, so a second worker nearly halves the wall time (10 s 4K HLG clip: 21 s
/// and 446 MB with two workers, 32–36 s and 250 MB with one; FFmpeg's recipe 22–24 s and
/// 690 MB), still inside a 512 MB function. H.264 at 4K keeps the default budget: there
/// rusty_h264 and the encoder keep both cores busy with one worker.
pub const DECODE_BOUND_MEMORY_BUDGET: u64 = 480 << 20;

/// `--jobs` when not given: one worker per core, as many as fit in
/// [`DEFAULT_MEMORY_BUDGET`] ([`DECODE_BOUND_MEMORY_BUDGET`] for HEVC), at least one. A 4K
/// H.264 source gets one worker on two cores (two would peak at ≈ 360 MB), a 4K HEVC
/// source two; 1080p and smaller get one per core.
pub fn default_jobs(cores: usize, video: Option<&crate::media::VideoInfo>) -> usize {
    let Some(v) = video else { return cores.max(1) };
    let pixels = u64::from(v.width) * u64::from(v.height);
    let depth = if v.bit_depth > 8 { 2 } else { 1 };
    let (per_pixel, budget) = match v.codec {
        crate::media::VideoCodec::Hevc => (HEVC_WORKER_BYTES_PER_PIXEL, DECODE_BOUND_MEMORY_BUDGET),
        _ => (WORKER_BYTES_PER_PIXEL, DEFAULT_MEMORY_BUDGET),
    };
    let per_worker = WORKER_MEMORY + per_pixel * pixels * depth;
    let fit = budget.saturating_sub(BASE_MEMORY) / per_worker.max(1);
    cores.min(usize::try_from(fit).unwrap_or(usize::MAX)).max(1)
}

fn copy_file(input: &Path, output: &Path) -> Result<()> {
    let tmp = crate::tempfiles::beside(output)?;
    std::fs::copy(input, tmp.path()).map_err(|e| Error::io(input, e))?;
    tmp.persist(output).map_err(|e| Error::io(output, e.error))?;
    Ok(())
}

/// Writes a new file per the plan; returns the number of video frames written and what
/// the conversion worked around.
fn rebuild(
    input: &Path,
    output: &Path,
    plan: &ConformPlan,
    video_bitrate: u32,
    opts: &ConformOptions,
    progress: &dyn Progress,
) -> Result<(u64, Vec<Warning>)> {
    let mut demux = crate::demux::open(input)?;
    let mut audio = audio::prepare(demux.as_mut(), plan, progress)?;
    let mut warnings = std::mem::take(&mut audio.warnings);
    let writer = Mp4Writer::create(output)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = opts.jobs.unwrap_or_else(|| default_jobs(cores, demux.info().video()));
    let (frames, video_warnings) = video::run(
        demux,
        plan,
        video::Decoding { jobs, decoder: opts.decoder },
        video_bitrate,
        writer,
        audio,
        progress,
    )?;
    warnings.extend(video_warnings);
    Ok((frames, warnings))
}

#[cfg(test)]
mod jobs_tests {
    use super::default_jobs;
    use crate::media::{VideoCodec, VideoInfo};

    fn video(w: u32, h: u32, depth: u8) -> VideoInfo {
        let mut v = VideoInfo::new(VideoCodec::H264, "avc1", w, h);
        v.bit_depth = depth;
        v
    }

    #[test]
    fn workers_fit_in_the_memory_budget() {
        assert_eq!(default_jobs(2, Some(&video(3840, 2160, 8))), 1);
        assert_eq!(default_jobs(2, Some(&video(1920, 1080, 8))), 2);
        assert_eq!(default_jobs(8, Some(&video(1920, 1080, 8))), 3);
        assert_eq!(default_jobs(2, Some(&video(640, 360, 8))), 2);
        assert_eq!(default_jobs(2, Some(&video(7680, 4320, 8))), 1);
        assert_eq!(default_jobs(2, Some(&video(1920, 1080, 10))), 2);
        assert_eq!(default_jobs(4, None), 4);
    }

    #[test]
    fn decode_bound_hevc_gets_a_second_worker_while_it_fits() {
        let hevc = |w, h| {
            let mut v = VideoInfo::new(VideoCodec::Hevc, "hvc1", w, h);
            v.bit_depth = 10;
            v
        };
        assert_eq!(default_jobs(2, Some(&hevc(3840, 2160))), 2);
        assert_eq!(default_jobs(8, Some(&hevc(3840, 2160))), 2);
        assert_eq!(default_jobs(2, Some(&hevc(7680, 4320))), 1);
        assert_eq!(default_jobs(2, Some(&hevc(1920, 1080))), 2);
    }
}
