//! The audio stage: copy a compliant AAC-LC track, or decode → apply the edit list → downmix
//! → resample to 44.1 kHz → AAC-LC, padded or trimmed to the video's duration. The result
//! is small (≤ 10 MB for 10 minutes) and is interleaved with the video by time.

use std::collections::VecDeque;

use super::Progress;
use crate::codec::audio::downmix::downmix_layout;
use crate::codec::audio::{downmix, AacEncoder, AudioDecoder, Resampler};
use crate::demux::Demuxer;
use crate::error::{Error, Result};
use crate::limits::{MAX_CONCEALED_AUDIO_FRAMES, MAX_CONCEALED_SHARE};
use crate::media::{TrackKind, TrackTimeline, Warning};
use crate::mux::{AudioTrackSpec, EditSpec, Mp4Writer, TrackId};
use crate::plan::{AudioPlan, ConformPlan};

/// AAC frames per access unit.
const AAC_FRAME: usize = 1024;

/// Audio ready to be written: the track description and its packets in order.
pub struct PreparedAudio {
    spec: Option<AudioTrackSpec>,
    track: Option<TrackId>,
    /// (presentation time in seconds, bytes, duration in ticks)
    packets: VecDeque<(f64, Vec<u8>, u32)>,
    /// What the audio conversion worked around (packets that could not be decoded).
    pub warnings: Vec<Warning>,
}

impl PreparedAudio {
    fn none() -> Self {
        PreparedAudio { spec: None, track: None, packets: VecDeque::new(), warnings: Vec::new() }
    }

    /// Adds the audio track to `writer` (after the video track, so video is track 1).
    pub fn add_track(&mut self, writer: &mut Mp4Writer) -> Result<()> {
        if let Some(spec) = self.spec.take() {
            self.track = Some(writer.add_audio(spec)?);
        }
        Ok(())
    }

    /// Writes every packet that starts before `t` seconds.
    pub fn write_until(&mut self, writer: &mut Mp4Writer, t: f64) -> Result<()> {
        let Some(track) = self.track else { return Ok(()) };
        while self.packets.front().is_some_and(|p| p.0 < t) {
            if let Some((_, data, dur)) = self.packets.pop_front() {
                writer.write_sample(track, &data, dur, true, 0)?;
            }
        }
        Ok(())
    }
}

/// Builds the output audio per the plan.
pub fn prepare(demux: &mut dyn Demuxer, plan: &ConformPlan, progress: &dyn Progress) -> Result<PreparedAudio> {
    match &plan.audio {
        AudioPlan::None => Ok(PreparedAudio::none()),
        AudioPlan::Copy => copy(demux, plan),
        AudioPlan::Transcode { sample_rate, channels, bitrate } => {
            transcode(demux, plan, *sample_rate, *channels, *bitrate, progress)
        }
        AudioPlan::Silence { sample_rate, bitrate } => {
            let target = (plan.duration * *sample_rate as f64).round() as usize;
            let mut enc = Encoded::new(*sample_rate, 2, *bitrate, plan.edit_lists)?;
            enc.push(&vec![0.0; target * 2])?;
            enc.finish(plan.duration)
        }
    }
}

fn copy(demux: &mut dyn Demuxer, plan: &ConformPlan) -> Result<PreparedAudio> {
    let Some(index) = plan.audio_track else { return Ok(PreparedAudio::none()) };
    let track = &demux.info().tracks[index];
    let TrackKind::Audio(info) = &track.kind else {
        return Err(Error::Invalid("the planned audio track is not audio".into()));
    };
    let info = info.clone();
    let ts = demux.timescale(index);
    let timeline = TrackTimeline::for_track(track, demux.info().start_time);
    let bytes = track.total_bytes;
    let duration = track.duration.max(0.001);
    let samples = demux.samples(index).to_vec();
    let mut packets = VecDeque::with_capacity(samples.len());
    for s in &samples {
        let mut buf = Vec::new();
        demux.read_sample(s, &mut buf)?;
        packets.push_back((timeline.present(s.dts as f64 / ts as f64), buf, s.duration));
    }
    // The copied samples start at media time 0 of the new track: the edit skips what the
    // source did not show (a late start is not kept by a copy).
    let (skip, lead) = timeline.start_offsets();
    let edit = (skip != 0.0 || lead != 0.0)
        .then(|| EditSpec { media_time: (skip * ts as f64).round() as i64, duration_secs: plan.duration });
    Ok(PreparedAudio {
        spec: Some(AudioTrackSpec {
            sample_rate: info.sample_rate,
            channels: info.channels,
            timescale: ts,
            asc: info.codec_config.clone(),
            avg_bitrate: (bytes as f64 * 8.0 / duration) as u32,
            edit,
        }),
        track: None,
        packets,
        warnings: Vec::new(),
    })
}

/// An AAC-LC encoder collecting access units with their times.
///
/// With an edit list, every access unit is kept and the edit skips the encoder's delay.
/// Without one (a profile that forbids edit lists), the output must start in sync by
/// itself: the first `drop_units` access units are left out and the first `skip` input
/// samples are not encoded, `drop_units × 1024 + skip` being the delay. The first access
/// unit kept then decodes to `skip` samples of the encoder's silent priming (at most two
/// frames, 46 ms at 44.1 kHz) followed by the input from sample `skip` on, each sample at its
/// own time: the track starts in sync, with its first `skip` samples silent.
struct Encoded {
    enc: AacEncoder,
    rate: u32,
    channels: u16,
    bitrate: u32,
    units: Vec<Vec<u8>>,
    edit_lists: bool,
    /// Input samples (per channel) still to leave out, without an edit list.
    skip: usize,
    /// Access units to leave out at the start, without an edit list.
    drop_units: usize,
}

impl Encoded {
    fn new(rate: u32, channels: u16, bitrate: u32, edit_lists: bool) -> Result<Self> {
        let enc = AacEncoder::new(rate, channels, bitrate)?;
        let delay = enc.encoder_delay() as usize;
        // Keep the priming of the first unit kept silent: its window must not reach input.
        let drop_units = if edit_lists { 0 } else { delay.saturating_sub(AAC_FRAME) / AAC_FRAME };
        let skip = if edit_lists { 0 } else { delay - drop_units * AAC_FRAME };
        Ok(Encoded { enc, rate, channels, bitrate, units: Vec::new(), edit_lists, skip, drop_units })
    }

    fn push(&mut self, pcm: &[f32]) -> Result<()> {
        let ch = usize::from(self.channels.max(1));
        let cut = self.skip.min(pcm.len() / ch);
        self.skip -= cut;
        self.units.extend(self.enc.encode(&pcm[cut * ch..])?);
        Ok(())
    }

    fn finish(mut self, duration: f64) -> Result<PreparedAudio> {
        self.units.extend(self.enc.flush()?);
        let delay = self.enc.encoder_delay();
        let rate = self.rate as f64;
        let (packets, edit) = if self.edit_lists {
            let packets = self
                .units
                .into_iter()
                .enumerate()
                .map(|(i, au)| (((i * AAC_FRAME) as f64 - delay as f64) / rate, au, AAC_FRAME as u32))
                .collect();
            (packets, Some(EditSpec { media_time: delay as i64, duration_secs: duration }))
        } else {
            // Exactly `duration` of samples: whole units, the last one's duration cut short.
            let total = (duration * rate).round() as usize;
            let kept = total.div_ceil(AAC_FRAME);
            let packets = self
                .units
                .into_iter()
                .skip(self.drop_units)
                .take(kept)
                .enumerate()
                .map(|(i, au)| {
                    let left = total.saturating_sub(i * AAC_FRAME).min(AAC_FRAME);
                    ((i * AAC_FRAME) as f64 / rate, au, left as u32)
                })
                .collect();
            (packets, None)
        };
        Ok(PreparedAudio {
            spec: Some(AudioTrackSpec {
                sample_rate: self.rate,
                channels: self.channels,
                timescale: self.rate,
                asc: self.enc.audio_specific_config(),
                avg_bitrate: self.bitrate,
                edit,
            }),
            track: None,
            packets,
            warnings: Vec::new(),
        })
    }
}

fn transcode(
    demux: &mut dyn Demuxer,
    plan: &ConformPlan,
    out_rate: u32,
    out_channels: u16,
    bitrate: u32,
    progress: &dyn Progress,
) -> Result<PreparedAudio> {
    let Some(index) = plan.audio_track else { return Ok(PreparedAudio::none()) };
    let track = &demux.info().tracks[index];
    let TrackKind::Audio(info) = &track.kind else {
        return Err(Error::Invalid("the planned audio track is not audio".into()));
    };
    let info = info.clone();
    let timeline = TrackTimeline::for_track(track, demux.info().start_time);
    let samples = demux.samples(index).to_vec();
    progress.stage("converting audio", samples.len() as u64);

    let target = (plan.duration * out_rate as f64).round() as usize;
    let ch = out_channels as usize;
    let mut out: Vec<f32> = Vec::with_capacity(target * ch);
    // A track that starts late (leading empty edit, later tfdt) begins with silence;
    // media before its edit or before the file's start is cut.
    let (skip_secs, lead_secs) = timeline.start_offsets();
    let lead = ((lead_secs * out_rate as f64).round() as usize).min(target);
    out.resize(lead * ch, 0.0);

    let mut dec = AudioDecoder::new(&info)?;
    let mut resampler: Option<Resampler> = None;
    let mut to_skip: Option<usize> = None;
    let mut buf = Vec::new();
    let convert = |pcm: Vec<f32>,
                   dec: &AudioDecoder,
                   out: &mut Vec<f32>,
                   resampler: &mut Option<Resampler>,
                   to_skip: &mut Option<usize>|
     -> Result<()> {
        let src_ch = dec.channels().max(1) as usize;
        let src_rate = dec.sample_rate();
        // Priming and any media before the edit's start are cut at the source rate.
        // fdk-aac's SBR stage (HE-AAC) delays its output by decoder_delay() samples on top.
        let skip = to_skip
            .get_or_insert_with(|| (skip_secs * src_rate as f64).round() as usize + dec.decoder_delay() as usize);
        let frames = pcm.len() / src_ch;
        let cut = (*skip).min(frames);
        *skip -= cut;
        let pcm = &pcm[cut * src_ch..];
        if pcm.is_empty() {
            return Ok(());
        }
        let (mixed, mixed_ch) = if src_ch > 2 && dec.layout().len() == src_ch {
            (downmix_layout(pcm, dec.layout()), 2)
        } else {
            downmix(pcm, src_ch as u16)
        };
        let mixed = fit_channels(mixed, mixed_ch as usize, ch);
        let r = match resampler {
            Some(r) => r,
            None => resampler.insert(Resampler::new(src_rate, out_rate, out_channels)?),
        };
        out.extend(r.process(&mixed)?);
        Ok(())
    };
    let ts = u64::from(demux.timescale(index).max(1));
    let mut lost = Vec::new();
    for s in &samples {
        if out.len() >= target * ch {
            break;
        }
        demux.read_sample(s, &mut buf)?;
        let pcm = match dec.decode(&buf) {
            Ok(pcm) => pcm,
            // A damaged packet becomes silence of its length, as players do; the timeline
            // after it is unchanged.
            Err(e @ Error::Codec { .. }) => {
                lost.push((timeline.present(s.dts as f64 / ts as f64), e));
                let frames = (u64::from(s.duration) * u64::from(dec.sample_rate().max(1)) / ts)
                    .min(MAX_CONCEALED_AUDIO_FRAMES) as usize;
                vec![0.0; frames * dec.channels().max(1) as usize]
            }
            Err(e) => return Err(e),
        };
        convert(pcm, &dec, &mut out, &mut resampler, &mut to_skip)?;
        progress.advance(1);
    }
    let mut warnings = Vec::new();
    if let Some((at, first)) = lost.first() {
        let what = format!(
            "{} of {} audio packets could not be decoded (first at {at:.2} s: {first})",
            lost.len(),
            samples.len()
        );
        if lost.len() as f64 > MAX_CONCEALED_SHARE * samples.len() as f64 {
            return Err(Error::codec("audio decode", format!("{what}: the sound is too damaged to convert")));
        }
        warnings.push(Warning::new("concealed_audio", format!("{what}: each was replaced by silence of its length")));
    }
    let tail = dec.flush()?;
    convert(tail, &dec, &mut out, &mut resampler, &mut to_skip)?;
    if let Some(r) = resampler.as_mut() {
        out.extend(r.flush()?);
    }
    // The output's audio lasts exactly as long as its video: pad with silence or cut.
    out.resize(target * ch, 0.0);
    let mut enc = Encoded::new(out_rate, out_channels, bitrate, plan.edit_lists)?;
    enc.push(&out)?;
    let mut prepared = enc.finish(plan.duration)?;
    prepared.warnings = warnings;
    Ok(prepared)
}

/// Mono ↔ stereo after the downmix, to the planned channel count.
fn fit_channels(pcm: Vec<f32>, from: usize, to: usize) -> Vec<f32> {
    match (from, to) {
        (a, b) if a == b => pcm,
        (1, 2) => pcm.iter().flat_map(|&s| [s, s]).collect(),
        (2, 1) => pcm.chunks_exact(2).map(|c| 0.5 * (c[0] + c[1])).collect(),
        (f, t) => pcm.chunks_exact(f.max(1)).flat_map(|c| (0..t).map(move |i| c[i.min(c.len() - 1)])).collect(),
    }
}
