//! The video transcode: segments of the source (see [`super::segments`]) are decoded,
//! fitted and encoded concurrently, one worker per core, and joined in order by the
//! calling thread, which also interleaves the audio and writes the file.
//!
//! ```text
//!  worker 1: [decode + fit thread] ─fitted frames→ [CFR + encode] ─pictures→ ┐
//!  worker 2: [decode + fit thread] ─fitted frames→ [CFR + encode] ─pictures→ ├─ join → mux
//!  …                                                                          ┘
//! ```
//!
//! Memory stays flat in the input's length: each worker holds one decoder (kept from one
//! segment to its next, and fitted from without a copy), a few fitted frames and one
//! encoder; finished segments wait for their turn as encoded pictures, and at most
//! [`window`] segments are in flight, so a worker that runs ahead waits instead of piling
//! up output. Every output segment starts with an IDR picture; the finished file's
//! 1-second peak is measured afterwards by the caller, across the joins.

use std::sync::Mutex;
use std::thread;

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};

use super::audio::PreparedAudio;
use super::concealment::{is_damaged_picture, Concealment, Freeze};
use super::segments::{PresentedTimes, Segment};
use super::Progress;
use crate::codec::h264::annexb::is_idr_sample;
use crate::codec::h264::encode::{EncodedFrame, EncoderConfig, H264Encoder};
use crate::codec::h265::rusty::is_hevc_idr_sample;
use crate::codec::video::{open_decoder, Decoded, DecoderKind, Packet, VideoDecoder};
use crate::demux::{Demuxer, Sample};
use crate::error::{Error, Result};
use crate::media::TrackTimeline;
use crate::media::{Frame, FrameRef, VideoCodec, VideoInfo, Warning};
use crate::mux::{avcc_from_parameter_sets, Mp4Writer, VideoTrackSpec};
use crate::video::convert::Converter;
use crate::video::deinterlace::{Deinterlacer, FieldOrder};
use crate::video::halve::Halver;
use crate::video::tonemap::ToneMap;
use crate::video::{FrameRateConverter, GeometryPlan, Repeat, Transformer};

/// Fitted frames (3 MB at 1080x1920) queued between a worker's decode thread and its
/// encoder: enough to ride out the encoder's slower frames (IDR pictures).
const FITTED_QUEUE: usize = 2;
/// Output video timescale: 512 ticks per frame at 30 fps, as common muxers write.
const TIMESCALE_PER_FPS: u32 = 512;

/// Everything the workers share.
pub(super) struct TranscodeJob<'a> {
    /// Sample reads are short positioned reads; one lock for all workers is plenty.
    pub demux: Mutex<Box<dyn Demuxer>>,
    pub samples: Vec<Sample>,
    /// When each sample is shown, and the earliest still to come.
    pub times: PresentedTimes,
    pub video: VideoInfo,
    pub decoder: DecoderKind,
    pub timescale: f64,
    pub timeline: TrackTimeline,
    pub geometry: GeometryPlan,
    pub encoder: EncoderConfig,
    /// Source frames presented after this many seconds are never shown: decoding stops.
    pub decode_until: f64,
    /// Pictures that failed to decode, across workers.
    pub concealment: Concealment,
    pub progress: &'a dyn Progress,
}

/// What a worker sends the joiner for one segment.
enum Event {
    /// The encoder's parameter sets, before the segment's first picture.
    ParameterSets {
        sps: Vec<u8>,
        pps: Vec<u8>,
    },
    Picture(EncodedFrame),
    /// Every slot of the segment was sent.
    Done,
}

/// How many segments may be in flight at once. Two per worker, so that a worker finishing
/// one nearly always finds its next waiting and keeps its decoder (see [`decode_and_fit`]);
/// plus one so that no worker idles while the head segment is being joined. Segments
/// waiting to be joined hold only encoded pictures.
fn window(workers: usize) -> usize {
    2 * workers + 1
}

/// Transcodes `segments` with `workers` concurrent workers and writes the file; returns the
/// number of video frames written and what was worked around (concealed pictures).
pub(super) fn run(
    job: &TranscodeJob<'_>,
    segments: &[Segment],
    workers: usize,
    writer: Mp4Writer,
    audio: PreparedAudio,
) -> Result<(u64, Vec<Warning>)> {
    let workers = workers.clamp(1, segments.len().max(1));
    // A lone worker encodes with one slice per core. Several workers already fill the
    // cores: one slice each, which also compresses a little better.
    let encoder_threads = if workers == 1 { thread::available_parallelism().map_or(1, |n| n.get()) } else { 1 };
    let (todo_tx, todo_rx) = unbounded::<(usize, Sender<Event>)>();
    let mut outputs = Vec::with_capacity(segments.len());
    let mut senders = Vec::with_capacity(segments.len());
    for _ in segments {
        let (tx, rx) = unbounded::<Event>();
        outputs.push(rx);
        senders.push(Some(tx));
    }
    thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let todo = todo_rx.clone();
                scope.spawn(move || work(job, segments, encoder_threads, todo))
            })
            .collect();
        drop(todo_rx);
        let mut next_to_queue = 0;
        let mut queue = |upto: usize| {
            while next_to_queue < upto.min(segments.len()) {
                if let Some(tx) = senders[next_to_queue].take() {
                    // The receiver lives until every worker has exited.
                    let _ = todo_tx.send((next_to_queue, tx));
                }
                next_to_queue += 1;
            }
        };
        queue(window(workers));
        let joined = join(job, &outputs, writer, audio, |done| queue(done + window(workers)));
        // Stop the workers early on failure: they see their output channel gone.
        drop(outputs);
        drop(todo_tx);
        let mut worker_error = None;
        for h in handles {
            match h.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => worker_error = worker_error.or(Some(e)),
                Err(_) => worker_error = worker_error.or(Some(Error::codec("video", "a transcode worker panicked"))),
            }
        }
        // A worker's error explains a join that stopped short; report it first.
        match (worker_error, joined) {
            (Some(e), _) | (None, Err(e)) => Err(e),
            (None, Ok(frames)) => Ok(frames),
        }
    })
}

/// Writes the segments' pictures in order, interleaving audio; `on_segment_done(n)` is
/// told when `n` segments are complete.
fn join(
    job: &TranscodeJob<'_>,
    outputs: &[Receiver<Event>],
    mut writer: Mp4Writer,
    mut audio: PreparedAudio,
    mut on_segment_done: impl FnMut(usize),
) -> Result<(u64, Vec<Warning>)> {
    let fps = job.encoder.fps;
    let mut params: Option<(Vec<u8>, Vec<u8>)> = None;
    let mut track = None;
    let mut n = 0u64;
    for (index, rx) in outputs.iter().enumerate() {
        let mut done = false;
        for event in rx.iter() {
            match event {
                Event::ParameterSets { sps, pps } => match &params {
                    None => {
                        track = Some(writer.add_video(VideoTrackSpec {
                            width: job.encoder.width,
                            height: job.encoder.height,
                            timescale: fps * TIMESCALE_PER_FPS,
                            avcc: avcc_from_parameter_sets(&sps, &pps)?,
                            sar: (1, 1),
                            bt709: true,
                            edit: None,
                        })?);
                        audio.add_track(&mut writer)?;
                        params = Some((sps, pps));
                    }
                    Some((s, p)) if *s == sps && *p == pps => {}
                    Some(_) => {
                        return Err(Error::codec("H.264 encode", "segment encoders disagree on SPS/PPS"));
                    }
                },
                Event::Picture(pic) => {
                    let t = track.ok_or_else(|| Error::codec("H.264 encode", "picture before parameter sets"))?;
                    audio.write_until(&mut writer, (n + 1) as f64 / f64::from(fps))?;
                    writer.write_sample(t, &pic.data, TIMESCALE_PER_FPS, pic.is_keyframe, 0)?;
                    n += 1;
                }
                Event::Done => done = true,
            }
        }
        if !done {
            // The worker stopped without finishing: its error is reported by the caller.
            return Err(Error::codec("video", format!("segment {} of {} did not finish", index + 1, outputs.len())));
        }
        on_segment_done(index + 1);
    }
    if n == 0 {
        return Err(Error::malformed("video", "no frame could be decoded"));
    }
    // Too much damage fails here, before the file is put in place.
    let warnings = job.concealment.finish()?;
    audio.write_until(&mut writer, f64::INFINITY)?;
    writer.finish()?;
    Ok((n, warnings))
}

/// What a worker's decode thread sends its encoder: segments, one after another.
enum Fitted {
    /// The frames that follow belong to this segment; its pictures go to this sender.
    Start(usize, Sender<Event>),
    Frame(Frame),
    /// The segment's last frame was sent.
    End,
}

/// One worker: decodes and fits segments taken from `todo` on one thread and encodes them
/// on this one.
///
/// Both threads live as long as the worker, so the large buffers that the codecs allocate
/// are reused through the same allocator arena instead of growing the process (measured:
/// 449 MB with a thread per segment, 262 MB without, for one worker on 4K input). Decoding
/// and fitting share a thread so that each source picture is fitted straight from the
/// decoder's buffer: only fitted frames cross to the encoder, and they are recycled.
fn work(
    job: &TranscodeJob<'_>,
    segments: &[Segment],
    encoder_threads: usize,
    todo: Receiver<(usize, Sender<Event>)>,
) -> Result<()> {
    let (fitted_tx, fitted_rx) = bounded::<Fitted>(FITTED_QUEUE);
    let (spare_tx, spare_rx) = unbounded::<Frame>();
    thread::scope(|scope| {
        let decoder = scope.spawn(move || decode_and_fit(job, segments, todo, fitted_tx, spare_rx));
        let encoded = encode_all(job, segments, encoder_threads, &fitted_rx, &spare_tx);
        // Stops the decoder if the encoder gave up first.
        drop(fitted_rx);
        let decoded = decoder.join().map_err(|_| Error::codec("H.264 decode", "decoder thread panicked"))?;
        // A decode error ends the frame stream early; it is the one to report.
        decoded?;
        encoded
    })
}

/// Decodes the segments this worker takes from `todo`, fits their frames and sends them on.
///
/// One decoder goes on from a segment into the worker's next one when that starts with an
/// IDR picture, which resets it. A fresh 4K decoder costs ≈ 175 MB of newly zeroed memory:
/// with one per segment, a 10 s 4K conform took 527k page faults and 2.2 s of system time,
/// and with reuse 178k and 0.8 s (kernel time fell from 5.0 % to 2.3 % of the CPU
/// profile). The previous segment's last frames then come out while the next one's first
/// samples are decoded. A worker never waits for more work with frames still inside its
/// decoder, though: the segment being joined might be the one it holds, so it drains the
/// decoder first (OpenH264 cannot go on after a drain, so the next segment gets a fresh
/// one).
fn decode_and_fit(
    job: &TranscodeJob<'_>,
    segments: &[Segment],
    todo: Receiver<(usize, Sender<Event>)>,
    fitted: Sender<Fitted>,
    spares: Receiver<Frame>,
) -> Result<()> {
    let tone_map = ToneMap::needed_for(&job.video);
    let mut geometry = job.geometry.clone();
    if tone_map.is_some() {
        // The tone map's table already maps full range to limited.
        geometry.full_range = false;
    }
    // The tone map is the costliest step per sample: when the fit shrinks 2x or more
    // anyway, it runs on the picture halved first (4K phone HDR: a quarter of the work).
    // Not for interlaced input, whose fields must not be mixed before deinterlacing.
    // A crop of an upright picture needs only its window tone-mapped (the fit replans for
    // the window's size when the first one arrives, cropping the same pixels).
    let window = tone_map.as_ref().and(geometry.source_window());
    let windowed = match window {
        Some((_, _, w, h)) => geometry.for_source_size(w, h)?,
        None => geometry.clone(),
    };
    let halver =
        (tone_map.is_some() && !job.video.interlaced && windowed.shrinks_at_least_half()).then(Halver::default);
    let transformer = Transformer::new(&geometry)?;
    let deinterlacer = job.video.interlaced.then(|| Deinterlacer::new(FieldOrder::default()));
    let mut sink = FitSink {
        transformer,
        fitted,
        spares,
        open: false,
        next: None,
        until: f64::INFINITY,
        gone: false,
        shown: 0,
        converter: None,
        deinterlacer,
        tone_map: tone_map.map(|t| (t, Frame::black(2, 2))),
        window,
        halver,
    };
    let mut decoder: Option<Box<dyn VideoDecoder>> = None;
    // The sample description whose parameter sets the decoder has.
    let mut decoder_desc = 0;
    let mut freeze = Freeze::default();
    // Whether the segment the decoder is on is the stream's first (its losses before any
    // picture was shown are a lead-in, not damage).
    let mut on_first = false;
    let mut buf = Vec::new();
    while !sink.gone {
        let taken = if decoder.is_some() { todo.try_recv().ok() } else { todo.recv().ok() };
        let Some((index, out)) = taken else {
            if decoder.is_none() {
                break;
            }
            drain(&mut decoder, &mut sink, job, &mut freeze, on_first)?;
            continue;
        };
        let segment = &segments[index];
        // Pictures shown from the next segment's open-GOP keyframe on are its own; the
        // lead-out decodes that keyframe only for the leading pictures shown before it.
        let until = match segment.lead_out {
            0 => f64::INFINITY,
            _ => job.times.pts.get(segment.samples.end).copied().unwrap_or(f64::INFINITY),
        };
        let lead_out_end = segment.samples.end.saturating_add(segment.lead_out).min(job.samples.len());
        let mut started = false;
        for i in segment.samples.start..lead_out_end {
            let s = &job.samples[i];
            // An open-GOP start's leading pictures reference the GOP before: the segment
            // before decodes and shows them.
            if segment.open_start.is_some_and(|key| i < segment.samples.end && job.times.pts[i] < key) {
                continue;
            }
            if job.timeline.present(s.dts as f64 / job.timescale) > job.decode_until {
                break;
            }
            job.demux.lock().map_err(|_| Error::codec("demux", "sample reader poisoned"))?.read_sample(s, &mut buf)?;
            let pts = job.times.pts[i];
            if !started {
                started = true;
                if decoder.is_some() && segment.open_start.is_none() && starts_clean(&job.video, &buf, s.sync) {
                    // The segment starts at a clean keyframe: every earlier frame belongs
                    // to the segment before it.
                    sink.next = Some((pts, index, out.clone(), until));
                } else {
                    drain(&mut decoder, &mut sink, job, &mut freeze, on_first)?;
                    sink.start(index, out.clone(), until);
                    decoder = Some(open_decoder(job.decoder, &job.video)?);
                    decoder_desc = 0;
                }
                on_first = index == 0;
            }
            let Some(dec) = decoder.as_mut() else { break };
            if s.desc != decoder_desc {
                let sets = job.video.parameter_sets(s.desc).ok_or_else(|| {
                    Error::malformed(
                        "stsd",
                        format!("a sample uses sample description {}, which is missing", s.desc + 1),
                    )
                })?;
                dec.queue_parameter_sets(&sets.leading(), &sets.pps);
                decoder_desc = s.desc;
            }
            // The decoder never releases a picture before an earlier one still to be sent
            // (an open-GOP start's skipped leading pictures never are).
            let earliest = job.times.earliest_from[i + 1].max(segment.open_start.unwrap_or(f64::NEG_INFINITY));
            let upcoming = Some(earliest).filter(|p| p.is_finite());
            let shown_before = sink.shown;
            let result = dec.send_packet(Packet { data: &buf, pts, upcoming });
            put_pictures(dec.as_mut(), &mut sink)?;
            if sink.shown > shown_before {
                freeze.shown();
            }
            let lead_in = on_first && sink.shown == 0;
            match result {
                Ok(outcome) => job.concealment.sample(outcome == Decoded::Concealed)?,
                // Damaged or rejected: its picture is reported lost through take_lost.
                Err(e) if is_damaged_picture(&e) => job.concealment.sample(false)?,
                Err(e) => return Err(e),
            }
            for p in dec.take_lost() {
                job.concealment.lost(&mut freeze, p, lead_in)?;
            }
            if sink.gone {
                break;
            }
        }
        if !started {
            // Nothing to decode in this segment: the encoder reports its empty slots.
            drain(&mut decoder, &mut sink, job, &mut freeze, on_first)?;
            sink.start(index, out, until);
            sink.end();
        }
    }
    Ok(())
}

/// Takes every remaining frame out of the decoder, if there is one, drops it (OpenH264
/// cannot go on after a drain) and ends the segments waiting on it.
/// Pictures the decoder never produced are counted as lost (`on_first`: it was decoding
/// the stream's first segment).
fn drain(
    decoder: &mut Option<Box<dyn VideoDecoder>>,
    sink: &mut FitSink,
    job: &TranscodeJob<'_>,
    freeze: &mut Freeze,
    on_first: bool,
) -> Result<()> {
    let Some(mut dec) = decoder.take() else { return Ok(()) };
    dec.flush()?;
    put_pictures(dec.as_mut(), sink)?;
    sink.finish_fields()?;
    let lead_in = on_first && sink.shown == 0;
    for p in dec.take_lost() {
        job.concealment.lost(freeze, p, lead_in)?;
    }
    // A next segment that never showed a frame still gets its start (and then fails in
    // the encoder for lack of pictures).
    if let Some((_, index, out, until)) = sink.next.take() {
        sink.start(index, out, until);
    }
    sink.end();
    Ok(())
}

/// True when `sample` starts a clean decode (an IDR picture), so a decoder can go on into
/// it from the previous segment.
fn starts_clean(video: &VideoInfo, sample: &[u8], sync: bool) -> bool {
    match video.codec {
        VideoCodec::H264 => is_idr_sample(sample, video.nal_length_size),
        VideoCodec::Hevc => is_hevc_idr_sample(sample, video.nal_length_size),
        // A VP9 (or other) keyframe resets every reference, as an H.264 IDR does.
        _ => sync,
    }
}

/// Fits every picture the decoder has ready: HDR and wide-gamut pictures through the
/// stream's tone map, others straight from the decoder's buffer (8-bit 4:2:0) or through
/// the sink's converter (other formats).
fn put_pictures(dec: &mut dyn VideoDecoder, sink: &mut FitSink) -> Result<()> {
    while let Some(picture) = dec.receive_picture() {
        if let Some((map, mut frame)) = sink.tone_map.take() {
            // The fit replans for the window or half-size picture when the first one arrives.
            let picture = sink.window.and_then(|(x, y, w, h)| picture.window(x, y, w, h)).unwrap_or(picture);
            let applied = match sink.halver.as_mut().and_then(|h| h.halve(&picture)) {
                Some(half) => map.apply(&half, &mut frame),
                None => map.apply(&picture, &mut frame),
            };
            let result = applied.and_then(|()| sink.put(frame.view()));
            sink.tone_map = Some((map, frame));
            result?;
            continue;
        }
        // Taken out for the call: the frame may borrow it while the sink is written.
        let mut converter = sink.converter.take().unwrap_or_default();
        let result = converter.to_i420(&picture).and_then(|frame| sink.put(frame));
        sink.converter = Some(converter);
        result?;
    }
    Ok(())
}

/// Fits decoded frames and sends them to the worker's encoder, marking where segments
/// begin and end.
struct FitSink {
    transformer: Transformer,
    fitted: Sender<Fitted>,
    /// Fitted frames the encoder has finished with.
    spares: Receiver<Frame>,
    /// A segment was started and not yet ended.
    open: bool,
    /// The segment that begins with the first frame shown at or after this time, and
    /// its `until`.
    next: Option<(f64, usize, Sender<Event>, f64)>,
    /// Frames shown at or after this time are not the open segment's: they are dropped
    /// (decoded in its lead-out only as references for its last frames).
    until: f64,
    /// The encoder has stopped listening (the run is failing): nothing more is sent.
    gone: bool,
    /// Frames fitted so far.
    shown: u64,
    /// Narrows 10-bit and 4:2:2/4:4:4 pictures to the fit's 8-bit 4:2:0.
    converter: Option<Converter>,
    /// Rebuilds interlaced frames as progressive ones before the fit (interlaced input).
    deinterlacer: Option<Deinterlacer>,
    /// HDR or wide-gamut input: the stream's table to SDR BT.709 and its output frame.
    tone_map: Option<(ToneMap, Frame)>,
    /// The part of each picture worth tone-mapping (x, y, width, height) when the fit
    /// crops an upright picture; the whole picture otherwise.
    window: Option<(u32, u32, u32, u32)>,
    /// Halves pictures before the tone map when the fit shrinks them 2x or more anyway.
    halver: Option<Halver>,
}

impl FitSink {
    fn send(&mut self, message: Fitted) {
        if !self.gone && self.fitted.send(message).is_err() {
            self.gone = true;
        }
    }

    /// Ends the open segment, if any, and starts `index`, which shows frames before `until`.
    fn start(&mut self, index: usize, out: Sender<Event>, until: f64) {
        self.end();
        self.open = true;
        self.until = until;
        self.send(Fitted::Start(index, out));
    }

    fn end(&mut self) {
        if std::mem::take(&mut self.open) {
            self.send(Fitted::End);
        }
    }

    /// Takes one decoded frame (frames come in presentation order), deinterlaced first if
    /// the stream is interlaced (which delays it by one frame).
    fn put(&mut self, frame: FrameRef<'_>) -> Result<()> {
        let Some(mut fields) = self.deinterlacer.take() else { return self.fit(frame) };
        let result = fields.push(frame).map_or(Ok(()), |progressive| self.fit(progressive));
        self.deinterlacer = Some(fields);
        result
    }

    /// Fits the frame the deinterlacer still holds: the decoder has given its last one.
    fn finish_fields(&mut self) -> Result<()> {
        let Some(mut fields) = self.deinterlacer.take() else { return Ok(()) };
        let result = fields.finish().map_or(Ok(()), |progressive| self.fit(progressive));
        self.deinterlacer = Some(fields);
        result
    }

    /// Fits one progressive frame and sends it on.
    fn fit(&mut self, frame: FrameRef<'_>) -> Result<()> {
        if self.gone {
            return Ok(());
        }
        if let Some((_, index, out, until)) = self.next.take_if(|(from, ..)| frame.pts >= *from) {
            self.start(index, out, until);
        }
        if frame.pts >= self.until {
            return Ok(());
        }
        let plan = self.transformer.plan();
        if (frame.width, frame.height) != (plan.src_width, plan.src_height) {
            // The picture size changed mid-stream: the same fit, planned for the new size.
            let replanned = plan.for_source_size(frame.width, frame.height)?;
            self.transformer = Transformer::new(&replanned)?;
        }
        let mut fitted = self.spares.try_recv().unwrap_or_else(|_| Frame::black(2, 2));
        self.transformer.apply_view(frame, &mut fitted)?;
        self.shown += 1;
        self.send(Fitted::Frame(fitted));
        Ok(())
    }
}

/// Encodes segment after segment as the decode thread announces them.
fn encode_all(
    job: &TranscodeJob<'_>,
    segments: &[Segment],
    encoder_threads: usize,
    fitted: &Receiver<Fitted>,
    spares: &Sender<Frame>,
) -> Result<()> {
    while let Ok(message) = fitted.recv() {
        let Fitted::Start(index, out) = message else {
            return Err(Error::codec("video", "a frame arrived outside any segment"));
        };
        if !encode(job, &segments[index], encoder_threads, fitted, spares, &out)? {
            break; // the joiner has gone (it failed)
        }
    }
    Ok(())
}

/// Converts the fitted frames to the segment's constant-rate slots and encodes them.
/// Returns false if the joiner has gone.
fn encode(
    job: &TranscodeJob<'_>,
    seg: &Segment,
    encoder_threads: usize,
    fitted: &Receiver<Fitted>,
    spares: &Sender<Frame>,
    out: &Sender<Event>,
) -> Result<bool> {
    let mut encoder = H264Encoder::with_threads(job.encoder, encoder_threads)?;
    let mut cfr = FrameRateConverter::starting_at_slot(job.encoder.fps, 0.0, seg.slots.start);
    let mut sent_params = false;
    let mut emit = |run: &Repeat| -> Result<bool> {
        // A run may reach past the segment (frames after the output's end): clip it.
        for _ in run.first..run.slots().end.min(seg.slots.end) {
            let pic = encoder.encode(&run.frame)?;
            if !sent_params {
                let params = Event::ParameterSets { sps: encoder.sps().to_vec(), pps: encoder.pps().to_vec() };
                if out.send(params).is_err() {
                    return Ok(false);
                }
                sent_params = true;
            }
            if out.send(Event::Picture(pic)).is_err() {
                return Ok(false);
            }
            job.progress.advance(1);
        }
        Ok(true)
    };
    loop {
        let frame = match fitted.recv() {
            Ok(Fitted::Frame(f)) => f,
            Ok(Fitted::End) => break,
            Ok(Fitted::Start(..)) => return Err(Error::codec("video", "a segment started before the last one ended")),
            // The decoder stopped short; the worker reports why.
            Err(_) => return Err(Error::codec("H.264 decode", "the decoder stopped before the segment's end")),
        };
        if let Some(run) = cfr.push_run(frame) {
            if !emit(&run)? {
                return Ok(false);
            }
            let _ = spares.send(run.frame);
        }
    }
    if let Some(run) = cfr.finish_at_slot(seg.slots.end) {
        if !emit(&run)? {
            return Ok(false);
        }
    }
    if cfr.emitted() < seg.slots.end {
        return Err(Error::malformed(
            "video",
            format!(
                "no picture could be decoded between {:.2} s and {:.2} s",
                seg.slots.start as f64 / f64::from(job.encoder.fps),
                seg.slots.end as f64 / f64::from(job.encoder.fps)
            ),
        ));
    }
    Ok(out.send(Event::Done).is_ok())
}
