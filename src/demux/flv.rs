//! FLV (Flash Video: RTMP stream captures, OBS and old site downloads): a 9-byte header,
//! then tags — audio (8), video (9), script data (18) — each an 11-byte header with a
//! millisecond timestamp, a body, and a 4-byte back pointer.
//!
//! A tag body is a few bytes of codec header, then one packet: a contiguous byte range,
//! so it becomes a `Sample { offset, size }` as in MP4, and the timing is worked out by
//! the code Matroska uses ([`timing`]): FLV too stores presentation times (the tag's
//! decode time plus a composition offset) rounded to 1 ms.
//!
//! Video: H.264 (codec id 7), HEVC (codec id 12, the widespread Chinese-CDN extension),
//! and Enhanced RTMP's FourCC form (`avc1`, `hvc1`). Audio: AAC, MP3, PCM, and Enhanced
//! RTMP's `mp4a`, `.mp3`, `Opus`, `ac-3`, `ec-3`. Sorenson H.263, VP6 and screen video,
//! Nellymoser, Speex, ADPCM and G.711 are named so the plan can refuse them.

use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use super::stsd::{apply_asc, parse_avcc, parse_hvcc};
use super::timing::{self, fixed_frame, RawFrame};
use super::track::Track;
use super::{summary, ByteRangeDemuxer, Source};
use crate::error::{Error, Result};
use crate::limits::{MAX_METADATA_BOX, MAX_SAMPLES_PER_TRACK, MAX_SAMPLE_SIZE};
use crate::media::{AudioCodec, AudioInfo, PcmFormat, TrackKind, VideoCodec, VideoInfo, Warning};

const TAG_AUDIO: u8 = 8;
const TAG_VIDEO: u8 = 9;
const TAG_HEADER: u64 = 11;
/// FLV timestamps are milliseconds.
const MS_NS: u64 = 1_000_000;
/// A step back in a stream's timestamps beyond which it is a reset (a reconnected RTMP
/// capture), not B-frame reordering.
const RESET_MS: i64 = 1000;
/// Codec-header bytes read from every tag body; sequence headers are read whole.
const PEEK: usize = 16;

/// True when `head` (the first bytes of a file) is an FLV header.
pub fn sniff(head: &[u8]) -> bool {
    head.len() >= 9 && head.starts_with(b"FLV") && head[3] == 1
}

/// Indexes FLV data from any seekable source of `len` bytes; `name` appears in errors.
pub fn from_source(mut file: Box<dyn Source>, len: u64, name: impl Into<PathBuf>) -> Result<ByteRangeDemuxer> {
    let path = name.into();
    let mut scan = Scan::default();
    {
        file.rewind().map_err(|e| Error::io(&path, e))?;
        let mut r = BufReader::with_capacity(64 << 10, file.as_mut());
        scan.read(&mut r, len, &path)?;
    }
    let mut tracks = Vec::new();
    if let Some(t) = scan.video.take().and_then(|s| s.into_track(1).transpose()) {
        tracks.push(t?);
    }
    if let Some(t) = scan.audio.take().and_then(|s| s.into_track(2).transpose()) {
        tracks.push(t?);
    }
    if tracks.is_empty() {
        return Err(Error::malformed("FLV tags", "no audio or video packets"));
    }
    summary::check_samples_in_file(&tracks, len)?;
    let mut info = summary::media_info(&[], &tracks, len, false)?;
    info.container = "flv".into();
    info.warnings.append(&mut scan.warnings);
    Ok(ByteRangeDemuxer::new(path, file, info, tracks))
}

/// One stream's packets while scanning.
struct Stream<K> {
    kind: K,
    frames: Vec<RawFrame>,
    /// The last tag time (ms, continuous), the step before it, and the shift added to
    /// undo resets.
    last_ms: Option<i64>,
    step_ms: i64,
    shift_ms: i64,
    /// Packets seen before the codec configuration, which cannot be decoded.
    before_config: u64,
}

impl<K> Stream<K> {
    fn new(kind: K) -> Self {
        Stream { kind, frames: Vec::new(), last_ms: None, step_ms: 0, shift_ms: 0, before_config: 0 }
    }

    /// The tag time `ms` on this stream's continuous clock: a jump back by more than
    /// [`RESET_MS`] continues one step after the last time instead (`resets` counts them).
    fn continuous(&mut self, ms: i64, resets: &mut u32) -> i64 {
        if let Some(last) = self.last_ms {
            if ms + self.shift_ms < last - RESET_MS {
                self.shift_ms = last + self.step_ms - ms;
                *resets += 1;
            }
        }
        let t = ms + self.shift_ms;
        if let Some(last) = self.last_ms {
            self.step_ms = t - last;
        }
        self.last_ms = Some(t);
        t
    }

    fn push(&mut self, frame: RawFrame) -> Result<()> {
        if self.frames.len() as u64 >= MAX_SAMPLES_PER_TRACK {
            return Err(Error::limit("FLV tags", format!("more than {MAX_SAMPLES_PER_TRACK} packets in one stream")));
        }
        self.frames.push(frame);
        Ok(())
    }
}

/// What the video tags carry: the codec their headers name, and the stream's description
/// from the first sequence header (with its bytes, to tell a repeat from a change).
struct VideoKind {
    codec: VideoCodec,
    info: Option<VideoInfo>,
    config: Vec<u8>,
}

impl Stream<VideoKind> {
    fn into_track(self, id: u32) -> Result<Option<Track>> {
        let Some(info) = self.kind.info else {
            return Ok(None);
        };
        let samples = timing::video(&self.frames, MS_NS, 1000, None)?;
        Ok(Some(Track::plain(id, *b"vide", 1000, TrackKind::Video(info), samples)))
    }
}

impl Stream<Option<AudioInfo>> {
    fn into_track(self, id: u32) -> Result<Option<Track>> {
        let Some(info) = self.kind else {
            return Ok(None);
        };
        let rate = info.sample_rate.max(1);
        let samples = timing::audio(&self.frames, MS_NS, rate, fixed_frame(&info), None)?;
        Ok(Some(Track::plain(id, *b"soun", rate, TrackKind::Audio(info), samples)))
    }
}

#[derive(Default)]
struct Scan {
    video: Option<Stream<VideoKind>>,
    audio: Option<Stream<Option<AudioInfo>>>,
    warnings: Vec<Warning>,
    resets: u32,
}

impl Scan {
    /// Reads the header and every tag, front to back.
    fn read<R: Read + Seek>(&mut self, r: &mut BufReader<R>, len: u64, path: &Path) -> Result<()> {
        let mut header = [0u8; 9];
        r.read_exact(&mut header).map_err(|_| Error::malformed("FLV header", "shorter than 9 bytes"))?;
        let data_offset = u64::from(u32::from_be_bytes([header[5], header[6], header[7], header[8]]));
        if !(9..=len).contains(&data_offset) {
            return Err(Error::malformed("FLV header", format!("a data offset of {data_offset}")));
        }
        // The first back pointer (always 0) follows the header.
        let mut pos = data_offset + 4;
        seek_to(r, 9, pos, path)?;
        let mut peek = Vec::with_capacity(PEEK);
        while pos + TAG_HEADER <= len {
            let mut h = [0u8; TAG_HEADER as usize];
            r.read_exact(&mut h).map_err(|e| Error::io(path, e))?;
            let tag = h[0] & 0x1f;
            let size = u64::from(u32::from_be_bytes([0, h[1], h[2], h[3]]));
            let ms = i64::from(u32::from_be_bytes([h[7], h[4], h[5], h[6]]) as i32);
            let body = pos + TAG_HEADER;
            let next = body + size + 4;
            if body + size > len {
                self.warnings.push(Warning::new(
                    "truncated",
                    format!("the file ends inside a tag at offset {pos}: the packets before it are used"),
                ));
                break;
            }
            if h[0] & 0x20 != 0 && matches!(tag, TAG_AUDIO | TAG_VIDEO) {
                return Err(Error::unsupported(
                    "an encrypted FLV stream",
                    "clipfit cannot decrypt it; export the video unencrypted and try again",
                ));
            }
            if size > u64::from(MAX_SAMPLE_SIZE) {
                return Err(Error::limit("FLV tag", format!("a {size}-byte tag at offset {pos}")));
            }
            let consumed = if matches!(tag, TAG_AUDIO | TAG_VIDEO) && size > 0 {
                peek.resize(size.min(PEEK as u64) as usize, 0);
                r.read_exact(&mut peek).map_err(|e| Error::io(path, e))?;
                let place = format!("FLV tag at offset {pos}");
                let sequence_header = match tag {
                    TAG_VIDEO => self.video(&peek, body, size, ms, &place)?,
                    _ => self.audio(&peek, body, size, ms, &place)?,
                };
                if let Some(header_len) = sequence_header {
                    // A sequence header: read it whole and take it as the codec configuration.
                    let config_len = size.saturating_sub(header_len);
                    if config_len > MAX_METADATA_BOX {
                        return Err(Error::limit(&place, format!("a {config_len}-byte codec configuration")));
                    }
                    let mut config = vec![0u8; config_len as usize];
                    read_exact_at_buffered(r, body + header_len, &mut config, body + peek.len() as u64, path)?;
                    if tag == TAG_VIDEO {
                        self.video_config(&config, &place)?;
                    } else {
                        self.audio_config(&config, &place)?;
                    }
                    body + size
                } else {
                    body + peek.len() as u64
                }
            } else {
                body
            };
            seek_to(r, consumed, next, path)?;
            pos = next;
        }
        if self.resets > 0 {
            self.warnings.push(Warning::new(
                "timestamp_reset",
                format!(
                    "the timestamps jump back {} times (a reconnected stream); each part follows the last",
                    self.resets
                ),
            ));
        }
        for (stream, lost) in [
            ("video", self.video.as_ref().map_or(0, |s| s.before_config)),
            ("audio", self.audio.as_ref().map_or(0, |s| s.before_config)),
        ] {
            if lost > 0 {
                self.warnings.push(Warning::new(
                    "missing_config",
                    format!("{lost} {stream} packets came before the codec configuration and were skipped"),
                ));
            }
        }
        Ok(())
    }

    /// A video tag whose body starts with `peek`. Records its packet, or returns the length
    /// of the codec header in front of a sequence header (to be read whole).
    fn video(&mut self, peek: &[u8], body: u64, size: u64, ms: i64, place: &str) -> Result<Option<u64>> {
        let b0 = peek[0];
        let (frame_type, codec, packet_type, cts, header_len) = if b0 & 0x80 != 0 {
            // Enhanced RTMP: frame type, packet type, then a FourCC.
            let Some(fourcc) = peek.get(1..5) else { return Err(Error::malformed(place, "a cut video header")) };
            let codec = match fourcc {
                b"avc1" => VideoCodec::H264,
                b"hvc1" => VideoCodec::Hevc,
                other => return Err(unsupported_video(&format!("'{}' video", String::from_utf8_lossy(other)))),
            };
            match b0 & 0x0f {
                // SequenceStart, CodedFrames (with a composition offset), CodedFramesX.
                0 => (0, codec, 0, 0, 5),
                1 => (b0 >> 4 & 7, codec, 1, si24(peek.get(5..8), place)?, 8),
                3 => (b0 >> 4 & 7, codec, 1, 0, 5),
                // SequenceEnd, metadata (HDR), and the rest carry no picture.
                _ => return Ok(None),
            }
        } else {
            let codec = match b0 & 0x0f {
                7 => VideoCodec::H264,
                12 => VideoCodec::Hevc,
                2 => return Err(unsupported_video("Sorenson H.263 (FLV1) video")),
                3 | 6 => return Err(unsupported_video("Flash screen video")),
                4 | 5 => return Err(unsupported_video("On2 VP6 video")),
                id => return Err(unsupported_video(&format!("FLV video codec {id}"))),
            };
            let Some(&packet_type) = peek.get(1) else { return Err(Error::malformed(place, "a cut video header")) };
            (b0 >> 4, codec, packet_type, si24(peek.get(2..5), place)?, 5)
        };
        let v = self.video.get_or_insert_with(|| Stream::new(VideoKind { codec, info: None, config: Vec::new() }));
        if v.kind.codec != codec {
            return Err(Error::unsupported(
                "an FLV stream whose video codec changes",
                "split the file where it changes",
            ));
        }
        match packet_type {
            0 => Ok(Some(header_len)),
            1 if frame_type != 5 && size > header_len => {
                if v.kind.info.is_none() {
                    v.before_config += 1;
                    return Ok(None);
                }
                let t = v.continuous(ms, &mut self.resets);
                v.push(RawFrame {
                    offset: body + header_len,
                    size: (size - header_len) as u32,
                    timestamp: t.saturating_add(cts),
                    lace: (0, 1),
                    block_duration: None,
                    // Key frames, and "generated" key frames a server inserts for seeking.
                    keyframe: matches!(frame_type, 1 | 4),
                })?;
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    fn video_config(&mut self, config: &[u8], place: &str) -> Result<()> {
        let Some(v) = self.video.as_mut() else { return Ok(()) };
        if v.kind.info.is_some() {
            if config != v.kind.config {
                return Err(Error::unsupported(
                    "an FLV stream whose video parameters change mid-stream",
                    "split the file where the picture size changes, or remux it to MP4 with FFmpeg",
                ));
            }
            return Ok(());
        }
        let place = format!("{place}/sequence header");
        let mut info;
        if v.kind.codec == VideoCodec::Hevc {
            info = VideoInfo::new(VideoCodec::Hevc, "hvc1", 0, 0);
            parse_hvcc(config, &place, &mut info)?;
        } else {
            info = VideoInfo::new(VideoCodec::H264, "avc1", 0, 0);
            parse_avcc(config, &place, &mut info)?;
        }
        info.update_display_size();
        v.kind.config = config.to_vec();
        v.kind.info = Some(info);
        Ok(())
    }

    /// An audio tag, as [`video`](Self::video).
    fn audio(&mut self, peek: &[u8], body: u64, size: u64, ms: i64, place: &str) -> Result<Option<u64>> {
        let b0 = peek[0];
        let format = b0 >> 4;
        let a = self.audio.get_or_insert_with(|| Stream::new(None));
        let (packet_type, header_len) = match format {
            10 => (*peek.get(1).ok_or_else(|| Error::malformed(place, "a cut AAC header"))?, 2),
            9 => {
                // Enhanced RTMP audio: packet type, then a FourCC.
                let Some(fourcc) = peek.get(1..5) else { return Err(Error::malformed(place, "a cut audio header")) };
                let codec = match fourcc {
                    b"mp4a" => AudioCodec::Aac,
                    b".mp3" => AudioCodec::Mp3,
                    b"Opus" => AudioCodec::Opus,
                    b"fLaC" => AudioCodec::Flac,
                    b"ac-3" => AudioCodec::Ac3,
                    b"ec-3" => AudioCodec::Eac3,
                    _ => AudioCodec::Other,
                };
                if a.kind.is_none() && !matches!(codec, AudioCodec::Aac | AudioCodec::Opus | AudioCodec::Flac) {
                    // Codecs without a configuration record: the packets describe themselves.
                    a.kind = Some(audio_info(codec, &String::from_utf8_lossy(fourcc), 48_000, 2));
                }
                match b0 & 0x0f {
                    0 => return Ok(Some(5)),
                    1 => (1, 5),
                    _ => return Ok(None),
                }
            }
            _ => {
                if a.kind.is_none() {
                    a.kind = Some(legacy_audio(b0, peek.get(1..))?);
                }
                (1, 1)
            }
        };
        if packet_type == 0 {
            return Ok(Some(header_len));
        }
        if size <= header_len {
            return Ok(None);
        }
        if a.kind.is_none() {
            a.before_config += 1;
            return Ok(None);
        }
        let t = a.continuous(ms, &mut self.resets);
        a.push(RawFrame {
            offset: body + header_len,
            size: (size - header_len) as u32,
            timestamp: t,
            lace: (0, 1),
            block_duration: None,
            keyframe: true,
        })?;
        Ok(None)
    }

    fn audio_config(&mut self, config: &[u8], place: &str) -> Result<()> {
        let Some(a) = self.audio.as_mut() else { return Ok(()) };
        if a.kind.is_some() {
            return Ok(());
        }
        let place = format!("{place}/audio configuration");
        let info = if config.starts_with(b"OpusHead") && config.len() >= 19 {
            let mut info = audio_info(AudioCodec::Opus, "Opus", 48_000, u16::from(config[9]).max(1));
            info.codec_config = config.to_vec();
            info
        } else if config.starts_with(b"fLaC") || config.len() == 34 {
            // A FLAC STREAMINFO body (after the "fLaC" marker and block header when present).
            let si = config.strip_prefix(b"fLaC").and_then(|c| c.get(4..)).unwrap_or(config);
            let si = si.get(..34).ok_or_else(|| Error::malformed(&place, "a cut FLAC STREAMINFO"))?;
            let rate = u32::from(si[10]) << 12 | u32::from(si[11]) << 4 | u32::from(si[12]) >> 4;
            let channels = u16::from((si[12] >> 1) & 7) + 1;
            let mut info = audio_info(AudioCodec::Flac, "fLaC", rate.max(1), channels);
            info.codec_config = si.to_vec();
            info
        } else {
            let mut info = audio_info(AudioCodec::Aac, "mp4a", 44_100, 2);
            apply_asc(&mut info, config.to_vec(), &place)?;
            info
        };
        a.kind = Some(info);
        Ok(())
    }
}

/// A legacy audio tag's stream, from its first byte (format, rate, size, channels) and,
/// for MP3, the first frame header.
fn legacy_audio(b0: u8, rest: Option<&[u8]>) -> Result<AudioInfo> {
    let rate = [5512, 11025, 22050, 44100][usize::from(b0 >> 2 & 3)];
    let bits = if b0 & 2 != 0 { 16 } else { 8 };
    let channels = if b0 & 1 != 0 { 2 } else { 1 };
    let pcm = |big_endian| PcmFormat { bits, float: false, big_endian, signed: bits == 16 };
    Ok(match b0 >> 4 {
        // Format 0 is "platform endian": every writer was a little-endian PC.
        0 | 3 => AudioInfo { pcm: Some(pcm(false)), ..audio_info(AudioCodec::Pcm, "lpcm", rate, channels) },
        2 | 14 => {
            let (rate, channels) =
                rest.and_then(mp3_header).unwrap_or((if b0 >> 4 == 14 { 8000 } else { rate }, channels));
            audio_info(AudioCodec::Mp3, ".mp3", rate, channels)
        }
        1 => audio_info(AudioCodec::Other, "FLV ADPCM", rate, channels),
        4..=6 => audio_info(AudioCodec::Other, "Nellymoser", rate, channels),
        7 => audio_info(AudioCodec::Other, "G.711 A-law", 8000, channels),
        8 => audio_info(AudioCodec::Other, "G.711 mu-law", 8000, channels),
        11 => audio_info(AudioCodec::Other, "Speex", 16000, channels),
        f => audio_info(AudioCodec::Other, &format!("FLV audio format {f}"), rate, channels),
    })
}

/// Sample rate and channel count from an MPEG audio frame header.
fn mp3_header(h: &[u8]) -> Option<(u32, u16)> {
    if h.len() < 4 || h[0] != 0xff || h[1] & 0xe0 != 0xe0 {
        return None;
    }
    let base = [44100, 48000, 32000].get(usize::from(h[2] >> 2 & 3)).copied()?;
    let rate = match h[1] >> 3 & 3 {
        3 => base,     // MPEG-1
        2 => base / 2, // MPEG-2
        0 => base / 4, // MPEG-2.5
        _ => return None,
    };
    Some((rate, if h[3] >> 6 == 3 { 1 } else { 2 }))
}

fn audio_info(codec: AudioCodec, fourcc: &str, sample_rate: u32, channels: u16) -> AudioInfo {
    AudioInfo {
        codec,
        fourcc: fourcc.into(),
        aac_profile: None,
        aac_object_type: None,
        sample_rate,
        channels,
        pcm: None,
        codec_config: Vec::new(),
    }
}

fn unsupported_video(what: &str) -> Error {
    Error::unsupported(format!("{what} in FLV"), "re-encode it to H.264 first, e.g. with FFmpeg, and try again")
}

/// A signed 24-bit big-endian composition offset, in milliseconds.
fn si24(b: Option<&[u8]>, place: &str) -> Result<i64> {
    match b {
        Some(&[a, b, c]) => Ok(i64::from(i32::from_be_bytes([a, b, c, 0]) >> 8)),
        _ => Err(Error::malformed(place, "a cut composition time")),
    }
}

/// Moves the buffered reader from `at` to `to` (forward, usually within the buffer).
fn seek_to<R: Read + Seek>(r: &mut BufReader<R>, at: u64, to: u64, path: &Path) -> Result<()> {
    let step = i64::try_from(i128::from(to) - i128::from(at))
        .map_err(|_| Error::malformed("FLV tags", "a tag size overflows"))?;
    r.seek_relative(step).map_err(|e| Error::io(path, e))
}

/// Reads `buf.len()` bytes at `offset` when the reader stands at `at`.
fn read_exact_at_buffered<R: Read + Seek>(
    r: &mut BufReader<R>,
    offset: u64,
    buf: &mut [u8],
    at: u64,
    path: &Path,
) -> Result<()> {
    seek_to(r, at, offset, path)?;
    r.read_exact(buf).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demux::Demuxer;

    /// An FLV file from (tag type, timestamp ms, body) triples.
    fn flv(tags: &[(u8, u32, Vec<u8>)]) -> Vec<u8> {
        let mut out = b"FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00".to_vec();
        for (tag, ms, body) in tags {
            let size = body.len() as u32;
            out.push(*tag);
            out.extend_from_slice(&size.to_be_bytes()[1..]);
            out.extend_from_slice(&ms.to_be_bytes()[1..]);
            out.push((ms >> 24) as u8);
            out.extend_from_slice(&[0, 0, 0]);
            out.extend_from_slice(body);
            out.extend_from_slice(&(size + 11).to_be_bytes());
        }
        out
    }

    fn open(data: Vec<u8>) -> Result<ByteRangeDemuxer> {
        let len = data.len() as u64;
        from_source(Box::new(std::io::Cursor::new(data)), len, "test.flv")
    }

    /// 44.1 kHz 16-bit stereo PCM tags (format 3).
    fn pcm_tag(ms: u32) -> (u8, u32, Vec<u8>) {
        let mut body = vec![0x3f];
        body.extend(std::iter::repeat_n(0u8, 4 * 441));
        (TAG_AUDIO, ms, body)
    }

    #[test]
    fn pcm_audio_timestamps_and_offsets() {
        let d = open(flv(&[pcm_tag(0), pcm_tag(10), pcm_tag(20)])).unwrap();
        let a = d.info().audio().unwrap();
        assert_eq!((a.codec, a.sample_rate, a.channels), (AudioCodec::Pcm, 44100, 2));
        let s = d.samples(0);
        assert_eq!(s.len(), 3);
        assert_eq!(s.iter().map(|s| s.dts).collect::<Vec<_>>(), vec![0, 441, 882]);
        // Each packet starts after the 13-byte file header, the tag headers and one codec byte.
        assert_eq!(s[0].offset, 13 + 11 + 1);
        assert_eq!(s[1].offset, s[0].offset + 4 * 441 + 4 + 11 + 1);
        assert_eq!(s[0].size, 4 * 441);
    }

    #[test]
    fn a_timestamp_reset_continues_the_clock() {
        let d = open(flv(&[pcm_tag(5000), pcm_tag(5010), pcm_tag(0), pcm_tag(10)])).unwrap();
        let dts: Vec<i64> = d.samples(0).iter().map(|s| s.dts - 220_500).collect();
        assert_eq!(dts, vec![0, 441, 882, 1323]);
        assert!(d.info().warnings.iter().any(|w| w.code == "timestamp_reset"));
    }

    #[test]
    fn unsupported_codecs_are_named() {
        let e = open(flv(&[(TAG_VIDEO, 0, vec![0x22, 0, 0, 0])])).err().unwrap();
        assert!(matches!(e, Error::Unsupported { .. }) && e.to_string().contains("Sorenson"), "{e}");
        let e = open(flv(&[(TAG_VIDEO | 0x20, 0, vec![0x17, 1, 0, 0, 0, 0])])).err().unwrap();
        assert!(e.to_string().contains("encrypted"), "{e}");
        let nelly = open(flv(&[(TAG_AUDIO, 0, vec![0x6e, 1, 2, 3])])).unwrap();
        assert_eq!(nelly.info().audio().unwrap().fourcc, "Nellymoser");
    }

    #[test]
    fn a_cut_tag_ends_the_file_with_a_warning() {
        let mut data = flv(&[pcm_tag(0), pcm_tag(10)]);
        data.truncate(data.len() - 100);
        let d = open(data).unwrap();
        assert_eq!(d.samples(0).len(), 1);
        assert!(d.info().warnings.iter().any(|w| w.code == "truncated"));
    }

    #[test]
    fn hostile_headers_are_errors_not_panics() {
        assert!(open(b"FLV\x01\x05\xff\xff\xff\xff".to_vec()).is_err());
        assert!(open(flv(&[(TAG_VIDEO, 0, vec![0x17])])).is_err());
        assert!(open(flv(&[(TAG_VIDEO, 0, vec![0x90])])).is_err());
        // A sequence header that is not an avcC.
        assert!(open(flv(&[(TAG_VIDEO, 0, vec![0x17, 0, 0, 0, 0, 1, 2])])).is_err());
    }
}
