//! Audio decoding: one MP4 sample in, interleaved `f32` out, every decoded sample kept.
//!
//! Backends, and what the first packet gives (the edit list is applied by the caller):
//! - **AAC (all profiles)**: fdk-aac. It runs SBR and PS, so HE-AAC (v2) comes out at the
//!   full SBR rate and in stereo, including implicit SBR in a plain LC config. The real
//!   rate/channels are known after the first packet ([`AudioDecoder::sample_rate`] is the
//!   config's best guess before that). Every access unit, the first included, yields a
//!   full frame (1024 samples LC, 2048 HE-AAC): the encoder's priming is *not* removed.
//!   fdk-aac adds no delay of its own for AAC-LC; for HE-AAC its SBR stage adds
//!   [`AudioDecoder::decoder_delay`] samples, also not removed.
//! - **MP3, ALAC, FLAC**: symphonia. Each packet yields its full frame (MP3: 1152 or 576);
//!   MP3's 529-sample decoder delay and any LAME padding are not removed.
//! - **PCM**: decoded here; bytes map to samples one to one, no delay.
//! - **Opus (mono, stereo)**: `rusty-opus` (pure Rust), always at 48 kHz. Each packet
//!   yields its full length (2.5 to 120 ms); the pre-skip is *not* removed here: the
//!   container says it (Matroska CodecDelay, an MP4 edit list) and the caller applies it.
//! - **AC-3, E-AC-3**: [`super::ac3`], our own decoder (no crate decodes them), matched
//!   with FFmpeg's float output. A packet may hold several syncframes (an MPEG-TS PES does);
//!   each is decoded in turn. E-AC-3 dependent substreams (7.1's extra channels) are
//!   skipped, so 7.1 comes out as its 5.1 core. No delay of its own.
//! - **Vorbis**: symphonia, its three header packets (Xiph-laced in Matroska's
//!   CodecPrivate) handed over as the codec's extra data.

use symphonia::core::audio::{Channels, SampleBuffer};
use symphonia::core::codecs::{
    CodecParameters, CodecType, DecoderOptions, CODEC_TYPE_ALAC, CODEC_TYPE_FLAC, CODEC_TYPE_MP3, CODEC_TYPE_VORBIS,
};
use symphonia::core::formats::Packet;

use super::ac3::{self, Ac3Decoder, Ac3Error};
use super::asc::{parse_asc, AscInfo};
use super::downmix::{default_layout, Speaker};
use super::fdk::FdkDecoder;
use crate::error::{Error, Result};
use crate::media::{AudioCodec, AudioInfo, PcmFormat};

const HINT: &str = "re-run with --audio drop to omit the audio or --audio silence for a silent track";
/// fdk-aac's output buffer: 8 channels × 2048 samples, doubled for safety.
const FDK_OUT: usize = 8 * 2048 * 2;

/// Decodes one audio track's packets to interleaved `f32` samples.
pub struct AudioDecoder {
    backend: Backend,
    rate: u32,
    channels: u16,
    layout: Vec<Speaker>,
    frames_out: u64,
}

enum Backend {
    Fdk { dec: FdkDecoder, buf: Vec<i16>, delay: u32 },
    Symphonia { dec: Box<dyn symphonia::core::codecs::Decoder>, buf: Option<SampleBuffer<f32>> },
    Pcm { fmt: PcmFormat, rest: Vec<u8> },
    Opus { dec: Box<rusty_opus::OpusDecoder>, buf: Vec<f32> },
    Ac3 { dec: Box<Ac3Decoder> },
}

/// Longest Opus packet: 120 ms at 48 kHz, per channel.
const OPUS_MAX_FRAMES: usize = 5760;

impl std::fmt::Debug for AudioDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.backend {
            Backend::Fdk { .. } => "fdk-aac",
            Backend::Symphonia { .. } => "symphonia",
            Backend::Pcm { .. } => "pcm",
            Backend::Opus { .. } => "rusty-opus",
            Backend::Ac3 { .. } => "ac3",
        };
        f.debug_struct("AudioDecoder")
            .field("backend", &kind)
            .field("rate", &self.rate)
            .field("channels", &self.channels)
            .finish()
    }
}

fn unsupported(what: &str) -> Error {
    Error::unsupported(what, HINT)
}

impl AudioDecoder {
    /// A decoder for `info`'s codec, or `Error::Unsupported` naming the codec.
    pub fn new(info: &AudioInfo) -> Result<Self> {
        match info.codec {
            AudioCodec::Aac => Self::new_aac(info),
            AudioCodec::Mp3 => Self::new_symphonia(info, CODEC_TYPE_MP3, None),
            AudioCodec::Alac => {
                let cookie = alac_cookie(&info.codec_config)?;
                Self::new_symphonia(info, CODEC_TYPE_ALAC, Some(cookie))
            }
            AudioCodec::Flac => {
                let si = flac_streaminfo(&info.codec_config)?;
                Self::new_symphonia(info, CODEC_TYPE_FLAC, Some(si))
            }
            AudioCodec::Pcm => Self::new_pcm(info),
            AudioCodec::Ac3 | AudioCodec::Eac3 => Ok(AudioDecoder {
                backend: Backend::Ac3 { dec: Box::new(Ac3Decoder::new()) },
                rate: info.sample_rate,
                channels: info.channels.max(1),
                layout: default_layout(info.channels.max(1)),
                frames_out: 0,
            }),
            AudioCodec::Dts => Err(unsupported("DTS audio")),
            AudioCodec::Opus => Self::new_opus(info),
            AudioCodec::Vorbis => {
                let headers = vorbis_headers(&info.codec_config)?;
                Self::new_symphonia(info, CODEC_TYPE_VORBIS, Some(headers))
            }
            AudioCodec::Mp2 => Err(unsupported("MPEG Layer II audio")),
            AudioCodec::Other => Err(unsupported(&format!("'{}' audio", info.fourcc))),
        }
    }

    fn new_opus(info: &AudioInfo) -> Result<Self> {
        // OpusHead byte 9 is the channel count, byte 18 the mapping family; without a head
        // (Opus in MP4 keeps it in dOps) the track's channel count decides.
        let head = &info.codec_config;
        let (channels, family) = if head.starts_with(b"OpusHead") && head.len() >= 19 {
            (u16::from(head[9]), head[18])
        } else {
            (info.channels, 0)
        };
        if family != 0 || !(1..=2).contains(&channels) {
            return Err(unsupported(&format!("surround Opus audio ({channels} channels, mapping family {family})")));
        }
        let dec = rusty_opus::OpusDecoder::new(48_000, usize::from(channels))
            .map_err(|e| Error::codec("audio decode", format!("Opus decoder: {e:?}")))?;
        Ok(AudioDecoder {
            backend: Backend::Opus { dec: Box::new(dec), buf: vec![0.0; OPUS_MAX_FRAMES * usize::from(channels)] },
            rate: 48_000,
            channels,
            layout: default_layout(channels),
            frames_out: 0,
        })
    }

    fn new_aac(info: &AudioInfo) -> Result<Self> {
        let asc: AscInfo = parse_asc(&info.codec_config)?;
        if !matches!(asc.core_object_type, 1 | 2 | 4 | 23 | 39) {
            return Err(unsupported(&format!("AAC {} audio", asc.profile_name())));
        }
        let dec = FdkDecoder::open(&info.codec_config)
            .map_err(|e| Error::unsupported(format!("AAC {} audio ({e})", asc.profile_name()), HINT))?;
        let channels = asc.output_channels().max(1);
        Ok(AudioDecoder {
            backend: Backend::Fdk { dec, buf: vec![0; FDK_OUT], delay: 0 },
            rate: asc.output_sample_rate(),
            channels,
            layout: default_layout(channels),
            frames_out: 0,
        })
    }

    fn new_symphonia(info: &AudioInfo, codec: CodecType, extra: Option<Vec<u8>>) -> Result<Self> {
        let mut params = CodecParameters::new();
        params.for_codec(codec);
        if info.sample_rate > 0 {
            params.with_sample_rate(info.sample_rate);
        }
        if let Some(extra) = extra {
            params.with_extra_data(extra.into_boxed_slice());
        }
        if let Some(ch) = symphonia_channels(info.channels) {
            params.with_channels(ch);
        }
        let dec = symphonia::default::get_codecs()
            .make(&params, &DecoderOptions::default())
            .map_err(|e| Error::unsupported(format!("{:?} audio ({e})", info.codec), HINT))?;
        let channels = info.channels.max(1);
        Ok(AudioDecoder {
            backend: Backend::Symphonia { dec, buf: None },
            rate: info.sample_rate,
            channels,
            layout: default_layout(channels),
            frames_out: 0,
        })
    }

    fn new_pcm(info: &AudioInfo) -> Result<Self> {
        let fmt = match (info.pcm, info.fourcc.as_str()) {
            (Some(f), _) => f,
            (None, "twos") => PcmFormat { bits: 16, float: false, big_endian: true, signed: true },
            (None, "sowt") => PcmFormat { bits: 16, float: false, big_endian: false, signed: true },
            (None, "in24") => PcmFormat { bits: 24, float: false, big_endian: true, signed: true },
            (None, "in32") => PcmFormat { bits: 32, float: false, big_endian: true, signed: true },
            (None, "fl32") => PcmFormat { bits: 32, float: true, big_endian: true, signed: true },
            (None, "fl64") => PcmFormat { bits: 64, float: true, big_endian: true, signed: true },
            (None, "raw ") => PcmFormat { bits: 8, float: false, big_endian: false, signed: false },
            (None, other) => return Err(unsupported(&format!("PCM '{other}' with unknown sample layout"))),
        };
        let valid = matches!((fmt.float, fmt.bits), (true, 32 | 64) | (false, 8 | 16 | 24 | 32));
        if !valid {
            return Err(unsupported(&format!("{}-bit {} PCM", fmt.bits, if fmt.float { "float" } else { "integer" })));
        }
        if info.channels == 0 || info.channels > 32 || info.sample_rate == 0 {
            return Err(Error::malformed(
                "audio sample entry",
                format!("PCM with {} channels at {} Hz", info.channels, info.sample_rate),
            ));
        }
        Ok(AudioDecoder {
            backend: Backend::Pcm { fmt, rest: Vec::new() },
            rate: info.sample_rate,
            channels: info.channels,
            layout: default_layout(info.channels),
            frames_out: 0,
        })
    }

    /// Output sample rate in Hz (for AAC, exact once the first packet is decoded).
    pub fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// Output channel count (for AAC, exact once the first packet is decoded).
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// Where each output channel plays, in output order: WAV order (FL FR FC LFE BL BR,
    /// 7.1 adds SL SR) whenever the stream's channels form a standard layout.
    pub fn layout(&self) -> &[Speaker] {
        &self.layout
    }

    /// Frames (samples per channel) returned so far.
    pub fn frames_out(&self) -> u64 {
        self.frames_out
    }

    /// Samples of delay the decoder itself adds (fdk-aac's SBR/MPS stages; 0 otherwise).
    pub fn decoder_delay(&self) -> u32 {
        match &self.backend {
            Backend::Fdk { delay, .. } => *delay,
            _ => 0,
        }
    }

    /// Decode one packet (one MP4 sample) to interleaved samples at
    /// [`sample_rate`](Self::sample_rate) with [`channels`](Self::channels) channels.
    pub fn decode(&mut self, packet: &[u8]) -> Result<Vec<f32>> {
        let out = match &mut self.backend {
            Backend::Fdk { dec, buf, delay } => {
                let r = decode_fdk(dec, buf, Some(packet))?;
                if let Some((rate, layout, d)) = r.1 {
                    self.rate = rate;
                    self.channels = layout.len() as u16;
                    self.layout = layout;
                    *delay = d;
                }
                r.0
            }
            Backend::Symphonia { dec, buf } => {
                let pkt = Packet::new_from_slice(0, self.frames_out, 0, packet);
                let decoded = match dec.decode(&pkt) {
                    Ok(d) => d,
                    Err(e) => return Err(Error::codec("audio decode", e)),
                };
                let spec = *decoded.spec();
                let frames = decoded.frames();
                if spec.channels.count() == 0 || frames == 0 {
                    return Ok(Vec::new());
                }
                let fits = buf.as_ref().is_some_and(|b| b.capacity() >= frames * spec.channels.count());
                if !fits {
                    *buf = Some(SampleBuffer::new(frames as u64, spec));
                }
                let Some(b) = buf.as_mut() else { return Ok(Vec::new()) };
                b.copy_interleaved_ref(decoded);
                self.rate = spec.rate;
                self.channels = spec.channels.count() as u16;
                self.layout = symphonia_layout(spec.channels);
                b.samples().to_vec()
            }
            Backend::Pcm { fmt, rest } => decode_pcm(*fmt, self.channels, rest, packet),
            Backend::Ac3 { dec } => {
                let (out, shape) = decode_ac3(dec, packet)?;
                if let Some((rate, layout)) = shape {
                    self.rate = rate;
                    self.channels = layout.len() as u16;
                    self.layout = layout;
                }
                out
            }
            Backend::Opus { dec, buf } => {
                if packet.is_empty() {
                    // An empty packet would ask the decoder to conceal a loss.
                    return Err(Error::codec("audio decode", "an empty Opus packet"));
                }
                let ch = usize::from(self.channels.max(1));
                // Young code fed untrusted bytes: a panic is this packet's error.
                let r =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dec.decode(packet, OPUS_MAX_FRAMES, buf)));
                match r {
                    Ok(Ok(frames)) => buf[..(frames * ch).min(buf.len())].to_vec(),
                    Ok(Err(e)) => return Err(Error::codec("audio decode", format!("Opus packet: {e:?}"))),
                    Err(_) => return Err(Error::codec("audio decode", "the Opus decoder panicked")),
                }
            }
        };
        let out = self.canonical_order(out);
        self.frames_out += (out.len() / usize::from(self.channels.max(1))) as u64;
        Ok(out)
    }

    /// Reorder a standard layout stored in another order (e.g. a PCE's) into the WAV
    /// order that [`default_layout`] and `downmix` assume; other layouts stay as they are
    /// and [`layout`](Self::layout) describes them.
    fn canonical_order(&mut self, samples: Vec<f32>) -> Vec<f32> {
        let n = self.layout.len();
        let want = default_layout(n as u16);
        if n < 2 || self.layout == want {
            return samples;
        }
        let map: Option<Vec<usize>> = want.iter().map(|w| self.layout.iter().position(|l| l == w)).collect();
        let Some(map) = map else { return samples };
        let mut seen = vec![false; n];
        if map.iter().any(|&i| std::mem::replace(&mut seen[i], true)) {
            return samples; // duplicate positions: not a permutation
        }
        self.layout = want;
        samples.chunks_exact(n).flat_map(|f| map.iter().map(move |&i| f[i])).collect()
    }

    /// Whatever the decoder still holds at end of stream (nothing, for these codecs:
    /// each packet decodes to its own frame). Drops a trailing partial PCM frame.
    pub fn flush(&mut self) -> Result<Vec<f32>> {
        if let Backend::Pcm { rest, .. } = &mut self.backend {
            rest.clear();
        }
        Ok(Vec::new())
    }
}

/// A stream's sample rate and speakers, as a decoder reports them.
type Shape = (u32, Vec<Speaker>);

/// Every syncframe of one packet, and the stream's shape from the last.
fn decode_ac3(dec: &mut Ac3Decoder, packet: &[u8]) -> Result<(Vec<f32>, Option<Shape>)> {
    let mut out = Vec::new();
    let mut shape: Option<Shape> = None;
    let mut rest = packet;
    while !rest.is_empty() {
        let header = ac3::parse_frame_header(rest).map_err(ac3_error)?;
        let (frame, tail) = rest.split_at_checked(header.frame_size.max(1)).ok_or_else(|| {
            Error::codec("audio decode", format!("an AC-3 frame of {} bytes is cut", header.frame_size))
        })?;
        rest = tail;
        let decoded = match dec.decode(frame) {
            Ok(d) => d,
            Err(Ac3Error::SkippedSubstream(_)) => continue,
            Err(e) => return Err(ac3_error(e)),
        };
        if shape.as_ref().is_some_and(|(r, l)| *r != decoded.sample_rate || l.len() != decoded.layout.len()) {
            // A layout change inside one packet cannot be one interleaved buffer.
            return Err(Error::codec("audio decode", "the AC-3 channel layout changes inside one packet"));
        }
        let layout = decoded.layout.iter().map(|c| ac3_speaker(*c)).collect();
        shape = Some((decoded.sample_rate, layout));
        out.extend_from_slice(&decoded.samples);
    }
    Ok((out, shape))
}

fn ac3_speaker(c: ac3::Channel) -> Speaker {
    match c {
        ac3::Channel::Left => Speaker::FrontLeft,
        ac3::Channel::Right => Speaker::FrontRight,
        ac3::Channel::Center => Speaker::FrontCenter,
        ac3::Channel::Lfe => Speaker::Lfe,
        ac3::Channel::Surround => Speaker::BackCenter,
        ac3::Channel::LeftSurround => Speaker::BackLeft,
        ac3::Channel::RightSurround => Speaker::BackRight,
    }
}

/// A feature the decoder lacks is unsupported (the whole track is refused, with the
/// `--audio` advice); anything else is this packet's damage, which the pipeline conceals.
fn ac3_error(e: Ac3Error) -> Error {
    match e {
        Ac3Error::Unsupported(what) => Error::unsupported(format!("E-AC-3 audio using {what}"), HINT),
        e => Error::codec("audio decode", format!("AC-3: {e}")),
    }
}

/// Output of one fdk-aac call: samples, and the stream's shape when it is now known.
type FdkOut = (Vec<f32>, Option<(u32, Vec<Speaker>, u32)>);

fn decode_fdk(dec: &mut FdkDecoder, buf: &mut [i16], packet: Option<&[u8]>) -> Result<FdkOut> {
    let r = match packet {
        Some([]) => return Ok((Vec::new(), None)),
        Some(p) => dec.decode(p, buf),
        None => dec.flush(buf),
    };
    let Some(fi) = r.map_err(|e| Error::codec("AAC decode", e))? else {
        return Ok((Vec::new(), None));
    };
    let n = fi.channels * fi.frame; // checked against buf.len() by FdkDecoder
    let layout =
        if fi.positions.len() == fi.channels { fdk_layout(&fi.positions) } else { default_layout(fi.channels as u16) };
    let samples = buf[..n].iter().map(|&s| f32::from(s) / 32768.0).collect();
    Ok((samples, Some((fi.rate, layout, fi.output_delay))))
}

/// Speaker positions from fdk-aac's (channel type, index within type) pairs.
fn fdk_layout(positions: &[(u32, u8)]) -> Vec<Speaker> {
    let count = |t| positions.iter().filter(|p| p.0 == t).count();
    let fronts = count(fdk_aac_sys_types::FRONT);
    let backs = count(fdk_aac_sys_types::BACK);
    positions
        .iter()
        .map(|&(t, i)| {
            let i = usize::from(i);
            match t {
                fdk_aac_sys_types::FRONT => {
                    // A centre, if the count is odd, is index 0; then pairs outwards.
                    let (centre, pair) = if fronts % 2 == 1 { (i == 0, i.wrapping_sub(1)) } else { (false, i) };
                    match (centre, pair) {
                        (true, _) => Speaker::FrontCenter,
                        (false, 0) => Speaker::FrontLeft,
                        (false, 1) => Speaker::FrontRight,
                        (false, p) if p % 2 == 0 => Speaker::FrontLeftCenter,
                        _ => Speaker::FrontRightCenter,
                    }
                }
                fdk_aac_sys_types::SIDE => {
                    if i % 2 == 0 {
                        Speaker::SideLeft
                    } else {
                        Speaker::SideRight
                    }
                }
                fdk_aac_sys_types::BACK => {
                    // Back channels go pairwise from outside in; an odd one out is the centre.
                    if backs % 2 == 1 && i + 1 == backs {
                        Speaker::BackCenter
                    } else if i % 2 == 0 {
                        Speaker::BackLeft
                    } else {
                        Speaker::BackRight
                    }
                }
                fdk_aac_sys_types::LFE => Speaker::Lfe,
                _ => Speaker::Other,
            }
        })
        .collect()
}

/// `AUDIO_CHANNEL_TYPE` values from fdk-aac's FDK_audio.h.
mod fdk_aac_sys_types {
    pub const FRONT: u32 = 0x01;
    pub const SIDE: u32 = 0x02;
    pub const BACK: u32 = 0x03;
    pub const LFE: u32 = 0x04;
}

fn symphonia_channels(n: u16) -> Option<Channels> {
    let all = [
        Channels::FRONT_LEFT,
        Channels::FRONT_RIGHT,
        Channels::FRONT_CENTRE,
        Channels::LFE1,
        Channels::REAR_LEFT,
        Channels::REAR_RIGHT,
        Channels::SIDE_LEFT,
        Channels::SIDE_RIGHT,
    ];
    match n {
        1 => Some(Channels::FRONT_CENTRE),
        2..=8 => Some(all[..usize::from(n)].iter().fold(Channels::empty(), |a, &c| a | c)),
        _ => None,
    }
}

fn symphonia_layout(ch: Channels) -> Vec<Speaker> {
    if ch.count() == 1 {
        return vec![Speaker::FrontCenter];
    }
    ch.iter()
        .map(|c| match c {
            Channels::FRONT_LEFT => Speaker::FrontLeft,
            Channels::FRONT_RIGHT => Speaker::FrontRight,
            Channels::FRONT_CENTRE => Speaker::FrontCenter,
            Channels::LFE1 | Channels::LFE2 => Speaker::Lfe,
            Channels::REAR_LEFT => Speaker::BackLeft,
            Channels::REAR_RIGHT => Speaker::BackRight,
            Channels::FRONT_LEFT_CENTRE => Speaker::FrontLeftCenter,
            Channels::FRONT_RIGHT_CENTRE => Speaker::FrontRightCenter,
            Channels::REAR_CENTRE => Speaker::BackCenter,
            Channels::SIDE_LEFT => Speaker::SideLeft,
            Channels::SIDE_RIGHT => Speaker::SideRight,
            _ => Speaker::Other,
        })
        .collect()
}

/// Decode whole PCM frames from `rest` + `packet`, keeping a trailing partial frame.
fn decode_pcm(fmt: PcmFormat, channels: u16, rest: &mut Vec<u8>, packet: &[u8]) -> Vec<f32> {
    let width = usize::from(fmt.bits / 8);
    let frame = width * usize::from(channels);
    let data: std::borrow::Cow<[u8]> = if rest.is_empty() {
        packet.into()
    } else {
        let mut v = std::mem::take(rest);
        v.extend_from_slice(packet);
        v.into()
    };
    let whole = data.len() / frame * frame;
    let out = data[..whole].chunks_exact(width).map(|b| pcm_sample(fmt, b)).collect();
    *rest = data[whole..].to_vec();
    out
}

fn pcm_sample(fmt: PcmFormat, b: &[u8]) -> f32 {
    let mut raw = [0u8; 8];
    // Normalise to big-endian, left-aligned in 8 bytes.
    if fmt.big_endian {
        raw[..b.len()].copy_from_slice(b);
    } else {
        for (d, s) in raw.iter_mut().zip(b.iter().rev()) {
            *d = *s;
        }
    }
    let v = u64::from_be_bytes(raw);
    if fmt.float {
        return if fmt.bits == 32 { f32::from_bits((v >> 32) as u32) } else { f64::from_bits(v) as f32 };
    }
    let v = if fmt.signed { v as i64 } else { (v ^ (1 << 63)) as i64 };
    // Left-aligned, so every width scales the same.
    (v as f64 / 9_223_372_036_854_775_808.0) as f32
}

/// The 24- or 48-byte ALACSpecificConfig, from a bare cookie, an `alac` full box body
/// (4 bytes of version/flags first) or a whole `alac` box.
fn alac_cookie(config: &[u8]) -> Result<Vec<u8>> {
    match config.len() {
        24 | 48 => Ok(config.to_vec()),
        28 | 52 => Ok(config[4..].to_vec()),
        36 | 60 if &config[4..8] == b"alac" => Ok(config[12..].to_vec()),
        n => Err(Error::malformed("alac config", format!("{n}-byte magic cookie"))),
    }
}

/// Symphonia's Vorbis extra data (the identification header, then the setup header) from
/// Matroska's CodecPrivate: the three header packets Xiph-laced (a count byte of 2, the
/// first two lengths as runs of 255 plus a remainder, then the packets; the comment
/// header between them is not needed).
fn vorbis_headers(private: &[u8]) -> Result<Vec<u8>> {
    let bad = |what: &str| Error::malformed("Vorbis CodecPrivate", what.to_string());
    let (&count, mut rest) = private.split_first().ok_or_else(|| bad("empty"))?;
    if count != 2 {
        return Err(bad(&format!("{} header packets, not 3", usize::from(count) + 1)));
    }
    let mut lens = [0usize; 2];
    for len in &mut lens {
        loop {
            let (&b, tail) = rest.split_first().ok_or_else(|| bad("lacing runs past the end"))?;
            rest = tail;
            *len = len.checked_add(usize::from(b)).ok_or_else(|| bad("lace length overflows"))?;
            if b != 255 {
                break;
            }
        }
    }
    let (ident, after) = rest.split_at_checked(lens[0]).ok_or_else(|| bad("identification header truncated"))?;
    let setup = after.get(lens[1]..).ok_or_else(|| bad("comment header truncated"))?;
    let is_header = |p: &[u8], kind: u8| p.len() > 7 && p[0] == kind && &p[1..7] == b"vorbis";
    if !is_header(ident, 1) || !is_header(setup, 5) {
        return Err(bad("the packets are not Vorbis identification and setup headers"));
    }
    Ok([ident, setup].concat())
}

/// The 34-byte STREAMINFO body, from a bare one or a `dfLa` body (version/flags, then
/// metadata blocks, STREAMINFO first).
fn flac_streaminfo(config: &[u8]) -> Result<Vec<u8>> {
    if config.len() == 34 {
        return Ok(config.to_vec());
    }
    // dfLa: 4 bytes version/flags, then block header (last-flag|type 0, 24-bit length 34).
    match config.get(4..8) {
        Some([t, 0, 0, 34]) if t & 0x7f == 0 => {
            config.get(8..42).map(<[u8]>::to_vec).ok_or_else(|| Error::malformed("dfLa", "truncated STREAMINFO"))
        }
        _ => Err(Error::malformed("dfLa", "no STREAMINFO block")),
    }
}
