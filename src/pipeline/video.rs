//! The video stage: copy the source bitstream, or transcode it segment-parallel (see
//! [`super::transcode`]).

use std::sync::Mutex;

use super::audio::PreparedAudio;
use super::concealment::Concealment;
use super::segments::{plan_segments, PresentedTimes};
use super::transcode::{self, TranscodeJob};
use super::Progress;
use crate::codec::h264::encode::EncoderConfig;
use crate::codec::h265::rusty::is_hevc_irap_sample;
use crate::codec::video::DecoderKind;
use crate::demux::Demuxer;
use crate::error::{Error, Result};
use crate::media::TrackTimeline;
use crate::media::{TrackKind, VideoCodec, VideoInfo, Warning};
use crate::mux::{avcc_from_parameter_sets, EditSpec, Mp4Writer, VideoTrackSpec};
use crate::plan::{ConformPlan, FitMode, VideoPlan};
use crate::video::{Fit, GeometryPlan};

/// Shortest segment worth its own decoder and IDR picture; the output has one IDR per
/// second anyway.
const MIN_SEGMENT_SECS: u64 = 1;

fn source_video(demux: &dyn Demuxer, plan: &ConformPlan) -> Result<VideoInfo> {
    match demux.info().tracks.get(plan.video_track).map(|t| &t.kind) {
        Some(TrackKind::Video(v)) => Ok(v.clone()),
        _ => Err(Error::Invalid("the planned video track is not a video track".into())),
    }
}

/// How the source is decoded.
#[derive(Clone, Copy, Debug)]
pub struct Decoding {
    /// Segments transcoded at once.
    pub jobs: usize,
    /// The H.264 decoder.
    pub decoder: DecoderKind,
}

/// Runs the video stage and finishes the file. Returns the number of frames written and
/// what was worked around.
pub fn run(
    demux: Box<dyn Demuxer>,
    plan: &ConformPlan,
    decoding: Decoding,
    bitrate: u32,
    writer: Mp4Writer,
    audio: PreparedAudio,
    progress: &dyn Progress,
) -> Result<(u64, Vec<Warning>)> {
    match &plan.video {
        VideoPlan::Copy => copy(demux, plan, writer, audio, progress),
        VideoPlan::Transcode { width, height, fps, fit, level_idc, keyframe_interval, .. } => {
            let cfg = EncoderConfig {
                width: *width,
                height: *height,
                fps: *fps,
                bitrate_bps: bitrate,
                max_bitrate_bps: bitrate.saturating_mul(9) / 8,
                keyframe_interval: *keyframe_interval,
                level_idc: *level_idc,
            };
            let target = Target { encoder: cfg, fit: to_fit(*fit), decoding };
            transcode(demux, plan, target, writer, audio, progress)
        }
    }
}

fn copy(
    mut demux: Box<dyn Demuxer>,
    plan: &ConformPlan,
    mut writer: Mp4Writer,
    mut audio: PreparedAudio,
    progress: &dyn Progress,
) -> Result<(u64, Vec<Warning>)> {
    let v = source_video(demux.as_ref(), plan)?;
    let ts = demux.timescale(plan.video_track);
    let timeline = TrackTimeline::for_track(&demux.info().tracks[plan.video_track], demux.info().start_time);
    let (sps, pps) = match (v.sps.first(), v.pps.first()) {
        (Some(s), Some(p)) => (s.clone(), p.clone()),
        _ => return Err(Error::malformed("avcC", "no SPS/PPS to copy")),
    };
    let (skip, lead) = timeline.start_offsets();
    let edit = (skip != 0.0 || lead != 0.0)
        .then(|| EditSpec { media_time: (skip * ts as f64).round() as i64, duration_secs: plan.duration });
    let track = writer.add_video(VideoTrackSpec {
        width: v.width,
        height: v.height,
        timescale: ts,
        avcc: avcc_from_parameter_sets(&sps, &pps)?,
        sar: v.sar,
        bt709: false,
        edit,
    })?;
    audio.add_track(&mut writer)?;
    let samples = demux.samples(plan.video_track).to_vec();
    progress.stage("copying video", samples.len() as u64);
    let mut buf = Vec::new();
    for s in &samples {
        let t = timeline.present(s.dts as f64 / ts as f64);
        audio.write_until(&mut writer, t + 0.5)?;
        demux.read_sample(s, &mut buf)?;
        writer.write_sample(track, &buf, s.duration, s.sync, s.cts_offset)?;
        progress.advance(1);
    }
    audio.write_until(&mut writer, f64::INFINITY)?;
    writer.finish()?;
    Ok((samples.len() as u64, Vec::new()))
}

fn to_fit(f: FitMode) -> Fit {
    match f {
        FitMode::Crop => Fit::Crop,
        FitMode::Pad => Fit::Pad,
        FitMode::Blur => Fit::Blur,
    }
}

/// What the transcode produces, and with how many workers.
struct Target {
    encoder: EncoderConfig,
    fit: Fit,
    decoding: Decoding,
}

fn transcode(
    mut demux: Box<dyn Demuxer>,
    plan: &ConformPlan,
    target: Target,
    writer: Mp4Writer,
    audio: PreparedAudio,
    progress: &dyn Progress,
) -> Result<(u64, Vec<Warning>)> {
    let Target { encoder: cfg, fit, decoding } = target;
    let video = source_video(demux.as_ref(), plan)?;
    let timescale = demux.timescale(plan.video_track);
    let timeline = TrackTimeline::for_track(&demux.info().tracks[plan.video_track], demux.info().start_time);
    let geometry = GeometryPlan::new(
        video.width,
        video.height,
        video.rotation,
        video.sar,
        video.full_range,
        cfg.width,
        cfg.height,
        fit,
    )?;
    let total = (plan.duration * f64::from(cfg.fps)).round() as u64;
    let samples = demux.samples(plan.video_track).to_vec();
    let times = PresentedTimes::new(&samples, timescale, &timeline);
    // HEVC decoders start at a CRA picture, skipping its leading pictures; H.264 ones are
    // not trusted to start at a non-IDR I-frame. A sync sample is taken at its word only
    // once its NAL units say IRAP (a muxer may mark any picture sync).
    let mut buf = Vec::new();
    let mut can_start_open = |i: usize| {
        video.codec == VideoCodec::Hevc
            && demux.read_sample(&samples[i], &mut buf).is_ok()
            && is_hevc_irap_sample(&buf, video.nal_length_size)
    };
    let min_slots = u64::from(cfg.fps) * MIN_SEGMENT_SECS;
    let mut segments = plan_segments(&samples, &times, cfg.fps, total, min_slots, &mut can_start_open);
    let mut warnings = Vec::new();
    // Samples before the first keyframe reference pictures the file does not hold (a clip
    // cut from a longer stream): they are not decoded, and the first keyframe's picture is
    // held over their time, keeping every later frame and the audio where they were.
    if let (Some(first), Some(key)) = (segments.first_mut(), samples.iter().position(|s| s.sync)) {
        if key > first.samples.start && key < first.samples.end {
            let t = |i: usize| times.pts[i];
            warnings.push(Warning::new(
                "undecodable_lead_in",
                format!(
                    "the first {} video samples (from {:.2} s) come before the first keyframe (at {:.2} s) and cannot be decoded: dropped, the keyframe's picture is shown over their time",
                    key - first.samples.start,
                    t(first.samples.start).max(0.0),
                    t(key).max(0.0)
                ),
            ));
            first.samples.start = key;
        }
    }
    progress.stage("converting video", total);
    let job = TranscodeJob {
        demux: Mutex::new(demux),
        samples,
        times,
        video,
        decoder: decoding.decoder,
        timescale: f64::from(timescale),
        timeline,
        geometry,
        encoder: cfg,
        // Decoding can stop one second after the last output slot: later frames are never shown.
        decode_until: plan.duration + 1.0,
        concealment: Concealment::default(),
        progress,
    };
    let (frames, more) = transcode::run(&job, &segments, decoding.jobs, writer, audio)?;
    warnings.extend(more);
    Ok((frames, warnings))
}
