//! MPEG-TS (HLS segments, broadcast captures) and M2TS (AVCHD `.MTS`/`.M2TS`: 192-byte
//! packets with a 4-byte timecode prefix): PAT → PMT → one video and audio elementary
//! stream each, their PES packets assembled across transport packets.
//!
//! The file is read front to back once. A PES payload is scattered over 188-byte packets,
//! so a sample is not one byte range of the file: `Sample::offset` here indexes this
//! demuxer's own table ([`Entry`]), which lists the file ranges to gather and what to do
//! with them. That keeps `Sample` and the pipeline as they are (they only hand a sample
//! back to `read_sample`). The elementary streams are rewritten on the way out to what
//! the MP4 path carries: H.264 Annex B (start codes) becomes 4-byte length-prefixed NAL
//! units, AAC loses its ADTS headers (the AudioSpecificConfig is built from the first).
//!
//! Timestamps are 33-bit 90 kHz counters: each one is unwrapped against the previous one
//! of its stream, so a wrap (every 26.5 hours) is a step of one tick, not a jump back; a
//! stream marked discontinuous (a splice) continues from where it was.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::track::Track;
use super::{read_exact_at, summary, Demuxer, Sample, Source};
use crate::codec::audio::asc::build_asc;
use crate::codec::h264::annexb::{annexb_nals, nal_type, NAL_IDR, NAL_PPS, NAL_SPS};
use crate::error::{Error, Result};
use crate::limits::{MAX_SAMPLES_PER_TRACK, MAX_SAMPLE_SIZE};
use crate::media::{AudioCodec, AudioInfo, MediaInfo, TrackKind, VideoCodec, VideoInfo, Warning};

const SYNC: u8 = 0x47;
const TS_CLOCK: u32 = 90_000;
/// Seconds of disagreement between counted AAC time and a PES timestamp beyond which the
/// timestamp wins (a gap, not rounding).
const AUDIO_RESYNC_SECS: f64 = 0.015;

/// The packet size `head` (the file's first bytes) shows: 188 (TS) or 192 (M2TS), when
/// three packets in a row start with the sync byte.
pub fn sniff(head: &[u8]) -> Option<usize> {
    let synced = |first: usize, size: usize| (0..3).all(|k| head.get(first + k * size) == Some(&SYNC));
    if synced(0, 188) {
        Some(188)
    } else if synced(4, 192) {
        Some(192)
    } else {
        None
    }
}

/// How one sample's gathered bytes become what the decoders take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// As gathered (AAC frames, their ADTS header already left out).
    Raw,
    /// H.264 Annex B → 4-byte length-prefixed NAL units.
    AnnexB,
}

/// Where one sample's bytes are: `len` bytes from `start` of the gathered payload of PES
/// `pes`.
#[derive(Clone, Copy, Debug)]
struct Entry {
    pes: u32,
    start: u32,
    len: u32,
    form: Form,
}

/// An opened, indexed MPEG-TS/M2TS file.
pub struct TsDemuxer {
    path: PathBuf,
    file: Box<dyn Source>,
    info: MediaInfo,
    tracks: Vec<(u32, Vec<Sample>)>,
    entries: Vec<Entry>,
    /// Each PES's file ranges (offset, length), in order.
    pes: Vec<Vec<(u64, u32)>>,
    scratch: Vec<u8>,
}

/// What the PMT says an elementary stream is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    H264,
    Aac,
    Video(VideoCodec),
    Audio(AudioCodec),
    /// Stream type 6 without a descriptor that names it: told by its first bytes (FFmpeg's
    /// M2TS mode carries AAC so).
    Private,
}

/// A PES being assembled.
#[derive(Default)]
struct Assembly {
    ranges: Vec<(u64, u32)>,
    data: Vec<u8>,
}

/// Per elementary stream, while scanning.
struct Stream {
    pid: u16,
    kind: Kind,
    current: Option<Assembly>,
    /// Unwrapped timestamps: the last raw 33-bit value and its unwrapped value.
    last_raw: Option<(u64, i64)>,
    discontinuity: bool,
    /// (pts, dts, entry index) per access unit, in decode order, 90 kHz.
    units: Vec<(i64, i64, usize, u32, bool)>,
    video: Option<VideoInfo>,
    audio: Option<AudioInfo>,
}

impl TsDemuxer {
    /// Indexes TS data of `len` bytes with `packet`-byte packets (see [`sniff`]).
    pub fn from_source(mut file: Box<dyn Source>, len: u64, packet: usize, name: impl Into<PathBuf>) -> Result<Self> {
        let path = name.into();
        let prefix = packet - 188;
        let mut scan =
            Scan { streams: Vec::new(), pmt_pid: None, entries: Vec::new(), pes: Vec::new(), warnings: Vec::new() };
        {
            file.rewind().map_err(|e| Error::io(&path, e))?;
            let mut r = BufReader::with_capacity(64 << 10, file.as_mut());
            let mut buf = vec![0u8; packet];
            let mut pos = 0u64;
            let mut lost_sync = 0u64;
            while pos + packet as u64 <= len {
                r.read_exact(&mut buf).map_err(|e| Error::io(&path, e))?;
                let p = &buf[prefix..];
                if p[0] != SYNC {
                    lost_sync += 1;
                    pos += packet as u64;
                    continue;
                }
                scan.packet(p, pos + prefix as u64)?;
                pos += packet as u64;
            }
            if lost_sync > 0 {
                scan.warnings.push(Warning::new(
                    "lost_sync",
                    format!("{lost_sync} transport packets without a sync byte were skipped (damage)"),
                ));
            }
        }
        scan.finish_all()?;
        if scan.streams.is_empty() {
            return Err(Error::malformed("PMT", "no program with a known audio or video stream"));
        }
        let mut tracks = Vec::new();
        for s in &scan.streams {
            tracks.push(s.track()?);
        }
        let mut info = summary::media_info(&[], &tracks, len, false)?;
        info.container = if packet == 192 { "m2ts" } else { "mpegts" }.into();
        info.warnings.extend(scan.warnings);
        Ok(TsDemuxer {
            path,
            file,
            info,
            tracks: tracks.into_iter().map(|t| (t.timescale, t.samples)).collect(),
            entries: scan.entries,
            pes: scan.pes,
            scratch: Vec::new(),
        })
    }
}

struct Scan {
    streams: Vec<Stream>,
    pmt_pid: Option<u16>,
    entries: Vec<Entry>,
    pes: Vec<Vec<(u64, u32)>>,
    warnings: Vec<Warning>,
}

impl Scan {
    /// One 188-byte transport packet at file offset `at`.
    fn packet(&mut self, p: &[u8], at: u64) -> Result<()> {
        let pusi = p[1] & 0x40 != 0;
        let pid = u16::from(p[1] & 0x1f) << 8 | u16::from(p[2]);
        let afc = (p[3] >> 4) & 3;
        let mut start = 4usize;
        let mut discontinuity = false;
        if afc & 2 != 0 {
            let af_len = usize::from(p[4]);
            if af_len > 0 {
                discontinuity = p[5] & 0x80 != 0;
            }
            start = 5 + af_len;
        }
        if afc & 1 == 0 || start >= 188 {
            return Ok(());
        }
        let payload = &p[start..];
        if pid == 0 {
            if pusi && self.pmt_pid.is_none() {
                self.pmt_pid = parse_pat(payload);
            }
            return Ok(());
        }
        if Some(pid) == self.pmt_pid {
            if pusi && self.streams.is_empty() {
                self.streams = parse_pmt(payload);
            }
            return Ok(());
        }
        let Some(si) = self.streams.iter().position(|s| s.pid == pid) else { return Ok(()) };
        if discontinuity {
            self.streams[si].discontinuity = true;
        }
        if pusi {
            self.finish(si)?;
            self.streams[si].current = Some(Assembly::default());
        }
        let Some(a) = self.streams[si].current.as_mut() else { return Ok(()) };
        if a.data.len() + payload.len() > MAX_SAMPLE_SIZE as usize {
            return Err(Error::limit("PES", format!("a PES packet of PID {pid} beyond {MAX_SAMPLE_SIZE} bytes")));
        }
        a.ranges.push((at + start as u64, payload.len() as u32));
        a.data.extend_from_slice(payload);
        Ok(())
    }

    fn finish_all(&mut self) -> Result<()> {
        for si in 0..self.streams.len() {
            self.finish(si)?;
        }
        Ok(())
    }

    /// Ends stream `si`'s PES in assembly: its header, then its access units.
    fn finish(&mut self, si: usize) -> Result<()> {
        let Some(a) = self.streams[si].current.take() else { return Ok(()) };
        let Some((header, pts, dts)) = parse_pes_header(&a.data) else {
            self.warnings.push(Warning::new(
                "bad_pes",
                format!("PID {}: a PES packet without a valid header was skipped", self.streams[si].pid),
            ));
            return Ok(());
        };
        let pes = u32::try_from(self.pes.len()).map_err(|_| Error::limit("PES", "too many PES packets"))?;
        let s = &mut self.streams[si];
        let unwrap = |s: &mut Stream, raw: u64| -> i64 {
            let v = match s.last_raw {
                None => raw as i64,
                Some((last_raw, last)) => {
                    // The step, modulo 2^33, taken as signed: a wrap is a small step.
                    let step = ((raw.wrapping_sub(last_raw)) & ((1 << 33) - 1)) as i64;
                    let step = if step >= 1 << 32 { step - (1 << 33) } else { step };
                    last + step
                }
            };
            s.last_raw = Some((raw, v));
            v
        };
        let (pts, dts) = match (pts, dts) {
            (Some(p), d) => {
                let d = d.unwrap_or(p);
                let ud = unwrap(s, d);
                let up = ud + ((p.wrapping_sub(d)) & ((1 << 33) - 1)) as i64;
                (up, ud)
            }
            _ => match s.units.last() {
                // No timestamp: one frame after the previous unit (filled in below).
                Some(&(p, d, ..)) => (p, d),
                None => return Ok(()),
            },
        };
        if std::mem::take(&mut s.discontinuity) && s.units.len() > 1 {
            // A splice: continue from where the stream was, one frame on.
            let n = s.units.len();
            let step = s.units[n - 1].1 - s.units[n - 2].1;
            let shift = s.units[n - 1].1 + step - dts;
            if let Some((raw, v)) = s.last_raw {
                s.last_raw = Some((raw, v + shift));
            }
            return self.add_units(si, pes, header, pts + shift, dts + shift, a);
        }
        self.add_units(si, pes, header, pts, dts, a)
    }

    fn add_units(&mut self, si: usize, pes: u32, header: usize, pts: i64, dts: i64, a: Assembly) -> Result<()> {
        let es = &a.data[header..];
        let s = &mut self.streams[si];
        if s.units.len() as u64 >= MAX_SAMPLES_PER_TRACK {
            return Err(Error::limit("PES", format!("PID {} holds more than {MAX_SAMPLES_PER_TRACK} samples", s.pid)));
        }
        if s.kind == Kind::Private {
            let adts = es.len() >= 2 && es[0] == 0xff && es[1] & 0xf6 == 0xf0;
            s.kind = if adts { Kind::Aac } else { Kind::Audio(AudioCodec::Other) };
        }
        match s.kind {
            Kind::H264 => {
                let mut size = 0u64;
                let mut key = false;
                let v = s.video.get_or_insert_with(|| VideoInfo::new(VideoCodec::H264, "avc1", 0, 0));
                for nal in annexb_nals(es) {
                    size += 4 + nal.len() as u64;
                    match nal_type(nal) {
                        NAL_IDR => key = true,
                        NAL_SPS if v.sps.is_empty() => v.sps.push(nal.to_vec()),
                        NAL_PPS if v.pps.is_empty() => v.pps.push(nal.to_vec()),
                        _ => {}
                    }
                }
                if size == 0 {
                    return Ok(());
                }
                let size = u32::try_from(size).map_err(|_| Error::limit("PES", "an access unit beyond 4 GB"))?;
                s.units.push((pts, dts, self.entries.len(), size, key));
                self.entries.push(Entry { pes, start: header as u32, len: es.len() as u32, form: Form::AnnexB });
            }
            Kind::Aac => {
                let mut pos = 0usize;
                let mut k = 0i64;
                while pos + 7 <= es.len() {
                    let h = &es[pos..pos + 7];
                    if h[0] != 0xff || h[1] & 0xf0 != 0xf0 {
                        break;
                    }
                    let header_len = if h[1] & 1 == 1 { 7 } else { 9 };
                    let frame_len = (usize::from(h[3] & 3) << 11) | (usize::from(h[4]) << 3) | usize::from(h[5] >> 5);
                    if frame_len <= header_len || pos + frame_len > es.len() {
                        break;
                    }
                    if s.audio.is_none() {
                        let profile = (h[2] >> 6) + 1;
                        let rate_index = usize::from((h[2] >> 2) & 0xf);
                        let channels = u16::from(((h[2] & 1) << 2) | (h[3] >> 6));
                        const RATES: [u32; 13] =
                            [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
                        let rate = *RATES
                            .get(rate_index)
                            .ok_or_else(|| Error::malformed("ADTS", "reserved sampling frequency index"))?;
                        let mut info = AudioInfo {
                            codec: AudioCodec::Aac,
                            fourcc: "ADTS".into(),
                            aac_profile: None,
                            aac_object_type: None,
                            sample_rate: rate,
                            channels: channels.max(1),
                            pcm: None,
                            codec_config: Vec::new(),
                        };
                        let asc = build_asc(profile, rate, channels.max(1))?;
                        super::stsd::apply_asc(&mut info, asc, "ADTS")?;
                        s.audio = Some(info);
                    }
                    let rate = s.audio.as_ref().map_or(48_000, |a| a.sample_rate.max(1));
                    let t = pts + k * 1024 * i64::from(TS_CLOCK) / i64::from(rate);
                    s.units.push((t, t, self.entries.len(), (frame_len - header_len) as u32, true));
                    self.entries.push(Entry {
                        pes,
                        start: (header + pos + header_len) as u32,
                        len: (frame_len - header_len) as u32,
                        form: Form::Raw,
                    });
                    pos += frame_len;
                    k += 1;
                }
            }
            // Other codecs are named (and refused by the plan), their packets kept whole.
            Kind::Video(_) | Kind::Audio(_) | Kind::Private => {
                s.units.push((pts, dts, self.entries.len(), es.len() as u32, true));
                self.entries.push(Entry { pes, start: header as u32, len: es.len() as u32, form: Form::Raw });
            }
        }
        self.pes.push(a.ranges);
        Ok(())
    }
}

impl Stream {
    /// The stream as a track: 90 kHz video samples; audio at its sample rate, counted in
    /// frames from the first timestamp.
    fn track(&self) -> Result<Track> {
        let (handler, kind, timescale) = match self.kind {
            Kind::H264 => {
                let mut v = self.video.clone().unwrap_or_else(|| VideoInfo::new(VideoCodec::H264, "avc1", 0, 0));
                let sps =
                    v.sps.first().cloned().ok_or_else(|| {
                        Error::malformed(format!("PID {}", self.pid), "an H.264 stream without an SPS")
                    })?;
                super::stsd::apply_sps(&mut v, &sps, "H.264 SPS")?;
                v.nal_length_size = 4;
                v.update_display_size();
                (*b"vide", TrackKind::Video(v), TS_CLOCK)
            }
            Kind::Video(c) => {
                let name = format!("{c:?}").to_lowercase();
                (*b"vide", TrackKind::Video(VideoInfo::new(c, &name, 0, 0)), TS_CLOCK)
            }
            Kind::Aac => {
                let a =
                    self.audio.clone().ok_or_else(|| Error::malformed(format!("PID {}", self.pid), "no ADTS frame"))?;
                let rate = a.sample_rate.max(1);
                (*b"soun", TrackKind::Audio(a), rate)
            }
            Kind::Private => (*b"data", TrackKind::Other, TS_CLOCK),
            Kind::Audio(c) => {
                let a = AudioInfo {
                    codec: c,
                    fourcc: format!("{c:?}").to_lowercase(),
                    aac_profile: None,
                    aac_object_type: None,
                    sample_rate: 48_000,
                    channels: 2,
                    pcm: None,
                    codec_config: Vec::new(),
                };
                (*b"soun", TrackKind::Audio(a), TS_CLOCK)
            }
        };
        let n = self.units.len();
        let mut samples = Vec::with_capacity(n);
        let to_ticks = |t: i64| (i128::from(t) * i128::from(timescale) / i128::from(TS_CLOCK)) as i64;
        if self.kind == Kind::Aac {
            let resync = (AUDIO_RESYNC_SECS * f64::from(timescale)) as i64;
            let mut t = self.units.first().map_or(0, |u| to_ticks(u.0));
            for u in &self.units {
                if (to_ticks(u.0) - t).abs() > resync {
                    t = to_ticks(u.0);
                }
                samples.push(Sample {
                    offset: u.2 as u64,
                    size: u.3,
                    dts: t,
                    cts_offset: 0,
                    duration: 1024,
                    sync: true,
                    desc: 0,
                });
                t += 1024;
            }
        } else {
            for (i, u) in self.units.iter().enumerate() {
                let next = self.units.get(i + 1).map(|n| n.1 - u.1);
                let prev = (i > 0).then(|| u.1 - self.units[i - 1].1);
                let duration = next.or(prev).unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32;
                let cts = i32::try_from((u.0 - u.1).max(0)).unwrap_or(0);
                samples.push(Sample {
                    offset: u.2 as u64,
                    size: u.3,
                    dts: u.1,
                    cts_offset: cts,
                    duration,
                    sync: u.4,
                    desc: 0,
                });
            }
        }
        Ok(Track::plain(u32::from(self.pid), handler, timescale, kind, samples))
    }
}

/// The first program's PMT PID from a PAT section.
fn parse_pat(payload: &[u8]) -> Option<u16> {
    let sec = payload.get(1 + usize::from(*payload.first()?)..)?;
    if *sec.first()? != 0 {
        return None;
    }
    let len = (usize::from(sec[1] & 0x0f) << 8 | usize::from(*sec.get(2)?)).min(sec.len().saturating_sub(3));
    let programs = sec.get(8..(3 + len).saturating_sub(4))?;
    programs.chunks_exact(4).find(|p| p[0] != 0 || p[1] != 0).map(|p| u16::from(p[2] & 0x1f) << 8 | u16::from(p[3]))
}

/// The first video and the first audio elementary stream a PMT section lists.
fn parse_pmt(payload: &[u8]) -> Vec<Stream> {
    let mut out: Vec<Stream> = Vec::new();
    let Some(sec) = payload.first().and_then(|&p| payload.get(1 + usize::from(p)..)) else { return out };
    if sec.len() < 12 || sec[0] != 2 {
        return out;
    }
    let len = (usize::from(sec[1] & 0x0f) << 8 | usize::from(sec[2])).min(sec.len() - 3);
    let end = (3 + len).saturating_sub(4);
    let info_len = usize::from(sec[10] & 0x0f) << 8 | usize::from(sec[11]);
    let mut i = 12 + info_len;
    while i + 5 <= end {
        let stream_type = sec[i];
        let pid = u16::from(sec[i + 1] & 0x1f) << 8 | u16::from(sec[i + 2]);
        let es_len = usize::from(sec[i + 3] & 0x0f) << 8 | usize::from(sec[i + 4]);
        let descriptors = sec.get(i + 5..(i + 5 + es_len).min(end)).unwrap_or(&[]);
        let has = |tag: u8| {
            let mut j = 0;
            while j + 2 <= descriptors.len() {
                if descriptors[j] == tag {
                    return true;
                }
                j += 2 + usize::from(descriptors[j + 1]);
            }
            false
        };
        let kind = match stream_type {
            0x1B => Some(Kind::H264),
            0x0F => Some(Kind::Aac),
            0x24 => Some(Kind::Video(VideoCodec::Hevc)),
            0x10 => Some(Kind::Video(VideoCodec::Mpeg4)),
            0x01 | 0x02 | 0xEA => Some(Kind::Video(VideoCodec::Other)),
            0x03 | 0x04 => Some(Kind::Audio(AudioCodec::Mp2)),
            0x81 => Some(Kind::Audio(AudioCodec::Ac3)),
            0x87 => Some(Kind::Audio(AudioCodec::Eac3)),
            0x06 if has(0x6A) => Some(Kind::Audio(AudioCodec::Ac3)),
            0x06 if has(0x7A) => Some(Kind::Audio(AudioCodec::Eac3)),
            0x06 => Some(Kind::Private),
            _ => None,
        };
        if let Some(kind) = kind {
            // The first video and the first audio stream are kept. A private stream (maybe
            // ADTS, maybe a DVB subtitle or an unregistered codec) holds the audio place
            // only until a real audio stream is listed.
            let video = matches!(kind, Kind::H264 | Kind::Video(_));
            let stream = Stream {
                pid,
                kind,
                current: None,
                last_raw: None,
                discontinuity: false,
                units: Vec::new(),
                video: None,
                audio: None,
            };
            match out.iter().position(|s| matches!(s.kind, Kind::H264 | Kind::Video(_)) == video) {
                None => out.push(stream),
                Some(k) if out[k].kind == Kind::Private && kind != Kind::Private => out[k] = stream,
                Some(_) => {}
            }
        }
        i += 5 + es_len;
    }
    out
}

/// (header length, pts, dts) of a PES packet, timestamps as raw 33-bit values.
fn parse_pes_header(d: &[u8]) -> Option<(usize, Option<u64>, Option<u64>)> {
    if d.len() < 9 || d[..3] != [0, 0, 1] {
        return None;
    }
    let flags = d[7] >> 6;
    let header = 9 + usize::from(d[8]);
    if header > d.len() {
        return None;
    }
    let ts = |b: &[u8]| -> Option<u64> {
        let b = b.get(..5)?;
        Some(
            (u64::from(b[0] >> 1) & 7) << 30
                | u64::from(b[1]) << 22
                | (u64::from(b[2]) >> 1) << 15
                | u64::from(b[3]) << 7
                | u64::from(b[4]) >> 1,
        )
    };
    let pts = if flags & 2 != 0 { ts(&d[9..]) } else { None };
    let dts = if flags == 3 { ts(&d[14..]) } else { None };
    Some((header, pts, dts))
}

impl Demuxer for TsDemuxer {
    fn info(&self) -> &MediaInfo {
        &self.info
    }

    fn samples(&self, index: usize) -> &[Sample] {
        self.tracks.get(index).map_or(&[], |t| &t.1)
    }

    fn timescale(&self, index: usize) -> u32 {
        self.tracks.get(index).map_or(1, |t| t.0)
    }

    fn read_sample(&mut self, sample: &Sample, buf: &mut Vec<u8>) -> Result<()> {
        let e = *usize::try_from(sample.offset)
            .ok()
            .and_then(|i| self.entries.get(i))
            .ok_or_else(|| Error::Invalid("a sample this demuxer did not index".into()))?;
        let ranges =
            self.pes.get(e.pes as usize).ok_or_else(|| Error::Invalid("a PES this demuxer did not index".into()))?;
        self.scratch.clear();
        let mut chunk = Vec::new();
        for &(at, len) in ranges {
            chunk.resize(len as usize, 0);
            read_exact_at(self.file.as_mut(), at, &mut chunk, &self.path)?;
            self.scratch.extend_from_slice(&chunk);
        }
        let es = self
            .scratch
            .get(e.start as usize..e.start as usize + e.len as usize)
            .ok_or_else(|| Error::malformed("PES", "a sample outside its PES packet"))?;
        buf.clear();
        match e.form {
            Form::Raw => buf.extend_from_slice(es),
            Form::AnnexB => {
                for nal in annexb_nals(es) {
                    buf.extend_from_slice(&(nal.len() as u32).to_be_bytes());
                    buf.extend_from_slice(nal);
                }
            }
        }
        Ok(())
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_both_packet_sizes() {
        let mut ts = vec![0u8; 600];
        for k in 0..3 {
            ts[k * 188] = SYNC;
        }
        assert_eq!(sniff(&ts), Some(188));
        let mut m2ts = vec![0u8; 600];
        for k in 0..3 {
            m2ts[4 + k * 192] = SYNC;
        }
        assert_eq!(sniff(&m2ts), Some(192));
        assert_eq!(sniff(&[SYNC; 10]), None);
    }

    #[test]
    fn pes_timestamps_and_wraparound() {
        // PTS 0x1_0000_0000 + 1 with DTS: '0011' then 33 bits with marker bits.
        let enc = |prefix: u8, t: u64| {
            [
                prefix << 4 | ((t >> 29) & 0x0e) as u8 | 1,
                (t >> 22) as u8,
                ((t >> 14) & 0xfe) as u8 | 1,
                (t >> 7) as u8,
                ((t << 1) & 0xfe) as u8 | 1,
            ]
        };
        let mut pes = vec![0, 0, 1, 0xE0, 0, 0, 0x80, 0xC0, 10];
        pes.extend(enc(3, (1 << 32) + 1));
        pes.extend(enc(1, 5));
        assert_eq!(parse_pes_header(&pes), Some((19, Some((1 << 32) + 1), Some(5))));
        assert_eq!(parse_pes_header(&pes[..12]), None);
    }
}
