//! The video stage: copy the source bitstream, or decode → fit → CFR → encode on three
//! threads (decode, geometry on the rayon pool, encode + mux) joined by bounded channels.

use std::thread;

use crossbeam_channel::bounded;

use super::audio::PreparedAudio;
use super::timeline::TrackTimeline;
use super::Progress;
use crate::codec::h264::decode::H264Decoder;
use crate::codec::h264::encode::{EncoderConfig, H264Encoder};
use crate::demux::Mp4Demuxer;
use crate::error::{Error, Result};
use crate::media::{Frame, TrackKind, VideoInfo};
use crate::mux::{avcc_from_parameter_sets, EditSpec, Mp4Writer, VideoTrackSpec};
use crate::plan::{ConformPlan, FitMode, VideoPlan};
use crate::video::{transform_batch, Fit, FrameRateConverter, GeometryPlan};

/// Frames decoded ahead of the geometry stage. Small: a 4K frame is 12 MB.
const DECODE_QUEUE: usize = 2;
/// Frames fitted in parallel per rayon batch: one per core is enough to keep them busy.
fn batch_size() -> usize {
    rayon::current_num_threads().clamp(2, 8)
}
/// Fitted frames waiting for the encoder.
const ENCODE_QUEUE: usize = 4;
/// Output video timescale: 512 ticks per frame at 30 fps, as common muxers write.
const TIMESCALE_PER_FPS: u32 = 512;

fn source_video(demux: &Mp4Demuxer, plan: &ConformPlan) -> Result<VideoInfo> {
    match demux.info().tracks.get(plan.video_track).map(|t| &t.kind) {
        Some(TrackKind::Video(v)) => Ok(v.clone()),
        _ => Err(Error::Invalid("the planned video track is not a video track".into())),
    }
}

/// Runs the video stage and finishes the file. Returns the number of frames written.
pub fn run(
    demux: Mp4Demuxer,
    plan: &ConformPlan,
    bitrate: u32,
    writer: Mp4Writer,
    audio: PreparedAudio,
    progress: &dyn Progress,
) -> Result<u64> {
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
            transcode(demux, plan, cfg, *fit, writer, audio, progress)
        }
    }
}

fn copy(
    mut demux: Mp4Demuxer,
    plan: &ConformPlan,
    mut writer: Mp4Writer,
    mut audio: PreparedAudio,
    progress: &dyn Progress,
) -> Result<u64> {
    let v = source_video(&demux, plan)?;
    let ts = demux.timescale(plan.video_track);
    let timeline = TrackTimeline::from_edits(&demux.info().tracks[plan.video_track].edits);
    let (sps, pps) = match (v.sps.first(), v.pps.first()) {
        (Some(s), Some(p)) => (s.clone(), p.clone()),
        _ => return Err(Error::malformed("avcC", "no SPS/PPS to copy")),
    };
    let edit = (timeline.media_start != 0.0 || timeline.delay != 0.0).then(|| EditSpec {
        media_time: (timeline.media_start * ts as f64).round() as i64,
        duration_secs: plan.duration,
    });
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
    Ok(samples.len() as u64)
}

fn to_fit(f: FitMode) -> Fit {
    match f {
        FitMode::Crop => Fit::Crop,
        FitMode::Pad => Fit::Pad,
        FitMode::Blur => Fit::Blur,
    }
}

fn transcode(
    mut demux: Mp4Demuxer,
    plan: &ConformPlan,
    cfg: EncoderConfig,
    fit: FitMode,
    writer: Mp4Writer,
    audio: PreparedAudio,
    progress: &dyn Progress,
) -> Result<u64> {
    let v = source_video(&demux, plan)?;
    let ts = demux.timescale(plan.video_track) as f64;
    let timeline = TrackTimeline::from_edits(&demux.info().tracks[plan.video_track].edits);
    let geometry =
        GeometryPlan::new(v.width, v.height, v.rotation, v.sar, v.full_range, cfg.width, cfg.height, to_fit(fit))?;
    let fps = cfg.fps;
    let total = (plan.duration * fps as f64).round() as u64;
    // Decoding can stop one second after the last output slot: later frames are never shown.
    let decode_until = plan.duration + 1.0;
    let samples = demux.samples(plan.video_track).to_vec();
    progress.stage("converting video", total);

    let (frame_tx, frame_rx) = bounded::<Frame>(DECODE_QUEUE);
    let (enc_tx, enc_rx) = bounded::<Frame>(ENCODE_QUEUE);
    thread::scope(|scope| -> Result<u64> {
        let decoder = scope.spawn(move || -> Result<()> {
            let mut dec = H264Decoder::new(&v)?;
            let mut buf = Vec::new();
            for s in &samples {
                if timeline.present(s.dts as f64 / ts) > decode_until {
                    break;
                }
                demux.read_sample(s, &mut buf)?;
                let pts = timeline.present(s.pts() as f64 / ts);
                for f in dec.decode(&buf, pts)? {
                    if frame_tx.send(f).is_err() {
                        return Ok(());
                    }
                }
            }
            for f in dec.flush()? {
                if frame_tx.send(f).is_err() {
                    return Ok(());
                }
            }
            Ok(())
        });
        let encoder = scope.spawn(move || encode_and_mux(cfg, enc_rx, writer, audio, total));

        let mut fps_conv = FrameRateConverter::new(fps, 0.0);
        let mut sent = 0u64;
        let batch_len = batch_size();
        let mut batch = Vec::with_capacity(batch_len);
        let send = |frames: Vec<Frame>, sent: &mut u64| -> bool {
            for f in frames {
                if *sent >= total {
                    return false;
                }
                if enc_tx.send(f).is_err() {
                    return false;
                }
                *sent += 1;
                progress.advance(1);
            }
            true
        };
        let mut open = true;
        let mut stage_result = Ok(());
        while open {
            batch.clear();
            match frame_rx.recv() {
                Ok(f) => batch.push(f),
                Err(_) => break,
            }
            while batch.len() < batch_len {
                match frame_rx.try_recv() {
                    Ok(f) => batch.push(f),
                    Err(_) => break,
                }
            }
            let fitted = match transform_batch(&geometry, std::mem::take(&mut batch)) {
                Ok(f) => f,
                Err(e) => {
                    stage_result = Err(e);
                    break;
                }
            };
            for f in fitted {
                if !send(fps_conv.push(f), &mut sent) {
                    open = false;
                    break;
                }
            }
        }
        drop(frame_rx);
        if stage_result.is_ok() && open {
            send(fps_conv.finish(plan.duration), &mut sent);
        }
        drop(enc_tx);
        let decoded = decoder.join().map_err(|_| Error::codec("H.264 decode", "decoder thread panicked"))?;
        let encoded = encoder.join().map_err(|_| Error::codec("H.264 encode", "encoder thread panicked"))?;
        decoded?;
        stage_result?;
        let frames = encoded?;
        if frames == 0 {
            return Err(Error::malformed("video", "no frame could be decoded"));
        }
        Ok(frames)
    })
}

fn encode_and_mux(
    cfg: EncoderConfig,
    frames: crossbeam_channel::Receiver<Frame>,
    mut writer: Mp4Writer,
    mut audio: PreparedAudio,
    total: u64,
) -> Result<u64> {
    let fps = cfg.fps;
    let mut encoder = H264Encoder::new(cfg)?;
    let mut track = None;
    let mut n = 0u64;
    for frame in frames.iter() {
        let encoded = encoder.encode(&frame)?;
        let t = match track {
            Some(t) => t,
            None => {
                let t = writer.add_video(VideoTrackSpec {
                    width: frame.width,
                    height: frame.height,
                    timescale: fps * TIMESCALE_PER_FPS,
                    avcc: avcc_from_parameter_sets(encoder.sps(), encoder.pps())?,
                    sar: (1, 1),
                    bt709: true,
                    edit: None,
                })?;
                audio.add_track(&mut writer)?;
                track = Some(t);
                t
            }
        };
        audio.write_until(&mut writer, (n + 1) as f64 / fps as f64)?;
        writer.write_sample(t, &encoded.data, TIMESCALE_PER_FPS, encoded.is_keyframe, 0)?;
        n += 1;
    }
    if n < total && n == 0 {
        return Ok(0);
    }
    audio.write_until(&mut writer, f64::INFINITY)?;
    writer.finish()?;
    Ok(n)
}
