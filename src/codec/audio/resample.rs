//! Streaming sample-rate conversion (rubato's synchronous FFT resampler).
//!
//! The FFT resampler is exact for fixed ratios (44.1k/48k is 147/160) and much cheaper
//! than a long sinc interpolator on a 2-core machine. Its own latency is removed here:
//! the first `delay_frames()` output frames are dropped and `flush` pads with silence
//! until exactly `round(input_frames × out_rate / in_rate)` frames have come out, so
//! sample `n` of the input lands at output time `n / in_rate`, as if there were no filter.

use rubato::{FftFixedIn, Resampler as _};

use crate::error::{Error, Result};

const STAGE: &str = "audio resample";
/// Input frames per FFT resampler call.
const CHUNK: usize = 1024;

/// A streaming resampler for interleaved `f32` audio.
pub struct Resampler {
    inner: Option<FftFixedIn<f32>>,
    channels: usize,
    in_rate: u64,
    out_rate: u64,
    /// Deinterleaved input not yet processed.
    pending: Vec<Vec<f32>>,
    /// Output frames still to drop (the filter's delay).
    to_skip: usize,
    delay: usize,
    in_frames: u64,
    out_frames: u64,
}

impl std::fmt::Debug for Resampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resampler")
            .field("in_rate", &self.in_rate)
            .field("out_rate", &self.out_rate)
            .field("channels", &self.channels)
            .finish()
    }
}

impl Resampler {
    /// A resampler from `in_rate` to `out_rate` Hz for `channels` interleaved channels.
    pub fn new(in_rate: u32, out_rate: u32, channels: u16) -> Result<Self> {
        if in_rate == 0 || out_rate == 0 || channels == 0 {
            return Err(Error::Invalid(format!(
                "cannot resample {in_rate} Hz → {out_rate} Hz with {channels} channels"
            )));
        }
        // Rates above 384 kHz are not audio we can expect; refuse rather than plan huge FFTs.
        if in_rate > 384_000 || out_rate > 384_000 {
            return Err(Error::unsupported(
                format!("audio sample rate {in_rate} Hz"),
                "re-run with --audio drop to omit the audio",
            ));
        }
        let channels = usize::from(channels);
        let inner = if in_rate == out_rate {
            None
        } else {
            Some(
                FftFixedIn::new(in_rate as usize, out_rate as usize, CHUNK, 2, channels)
                    .map_err(|e| Error::codec(STAGE, e))?,
            )
        };
        let delay = inner.as_ref().map_or(0, |r| r.output_delay());
        Ok(Resampler {
            inner,
            channels,
            in_rate: u64::from(in_rate),
            out_rate: u64::from(out_rate),
            pending: vec![Vec::with_capacity(CHUNK * 2); channels],
            to_skip: delay,
            delay,
            in_frames: 0,
            out_frames: 0,
        })
    }

    /// The filter's latency in output frames (already compensated by this type).
    pub fn delay_frames(&self) -> usize {
        self.delay
    }

    /// Input frames accepted so far.
    pub fn input_frames(&self) -> u64 {
        self.in_frames
    }

    /// Output frames returned so far.
    pub fn output_frames(&self) -> u64 {
        self.out_frames
    }

    /// Resample a chunk of interleaved audio of any length (a whole number of frames);
    /// returns whatever output is ready.
    pub fn process(&mut self, interleaved: &[f32]) -> Result<Vec<f32>> {
        if !interleaved.len().is_multiple_of(self.channels) {
            return Err(Error::codec(STAGE, "input is not a whole number of frames"));
        }
        let frames = interleaved.len() / self.channels;
        self.in_frames += frames as u64;
        let Some(inner) = self.inner.as_mut() else {
            self.out_frames += frames as u64;
            return Ok(interleaved.to_vec());
        };
        for frame in interleaved.chunks_exact(self.channels) {
            for (p, &s) in self.pending.iter_mut().zip(frame) {
                p.push(s);
            }
        }
        let mut out = Vec::with_capacity((frames as u64 * self.out_rate / self.in_rate) as usize * self.channels + 64);
        let mut used = 0;
        while self.pending[0].len() - used >= inner.input_frames_next() {
            let need = inner.input_frames_next();
            let input: Vec<&[f32]> = self.pending.iter().map(|p| &p[used..used + need]).collect();
            let planes = inner.process(&input, None).map_err(|e| Error::codec(STAGE, e))?;
            used += need;
            Self::emit(&planes, &mut self.to_skip, &mut out, usize::MAX);
        }
        for p in &mut self.pending {
            p.drain(..used);
        }
        self.out_frames += (out.len() / self.channels) as u64;
        Ok(out)
    }

    /// Drain the filter: returns the remaining output so that the total output is exactly
    /// `round(input_frames × out_rate / in_rate)` frames.
    pub fn flush(&mut self) -> Result<Vec<f32>> {
        let expected = (self.in_frames * self.out_rate + self.in_rate / 2) / self.in_rate;
        let Some(inner) = self.inner.as_mut() else {
            return Ok(Vec::new());
        };
        let mut remaining = expected.saturating_sub(self.out_frames) as usize;
        let mut out = Vec::with_capacity(remaining * self.channels);
        let mut first = true;
        // Each round pushes at least one chunk through; the delay is bounded, so this ends.
        while remaining > 0 {
            // rubato's partial call wants `None`, not empty slices, when nothing is left.
            let planes = if first && !self.pending[0].is_empty() {
                first = false;
                let input: Vec<&[f32]> = self.pending.iter().map(Vec::as_slice).collect();
                inner.process_partial(Some(&input), None)
            } else {
                first = false;
                inner.process_partial::<&[f32]>(None, None)
            }
            .map_err(|e| Error::codec(STAGE, e))?;
            if planes.first().is_none_or(Vec::is_empty) {
                break;
            }
            let before = out.len();
            Self::emit(&planes, &mut self.to_skip, &mut out, remaining);
            remaining -= (out.len() - before) / self.channels;
        }
        for p in &mut self.pending {
            p.clear();
        }
        self.out_frames += (out.len() / self.channels) as u64;
        Ok(out)
    }

    /// Interleave `planes` into `out`, dropping the first `to_skip` frames overall and
    /// writing at most `limit` frames.
    fn emit(planes: &[Vec<f32>], to_skip: &mut usize, out: &mut Vec<f32>, limit: usize) {
        let n = planes.first().map_or(0, Vec::len);
        let skip = (*to_skip).min(n);
        *to_skip -= skip;
        let end = n.min(skip.saturating_add(limit));
        for i in skip..end {
            for p in planes {
                out.push(p[i]);
            }
        }
    }
}
