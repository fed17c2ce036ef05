//! Matroska `TrackEntry` elements → clipfit's track descriptions: codec, picture, sound,
//! and the codec-private data the decoders need (H.264 `avcC`, AAC AudioSpecificConfig,
//! VP9 feature list, AV1 `av1C`, Opus head, Vorbis headers), kept in `VideoInfo`/`AudioInfo`.

use super::ebml::{float, string, uint, Children};
use crate::demux::stsd::{apply_asc, parse_avcc, parse_hvcc};
use crate::error::{Error, Result};
use crate::limits::MAX_DIMENSION;
use crate::media::{AudioCodec, AudioInfo, PcmFormat, TrackKind, VideoCodec, VideoInfo};

/// What one `TrackEntry` says.
#[derive(Clone, Debug)]
pub struct TrackEntry {
    /// `TrackNumber`: what blocks name.
    pub number: u64,
    /// `vide`, `soun`, `subt` or `data`, as MP4 handlers are named.
    pub handler: [u8; 4],
    /// `FlagEnabled`.
    pub enabled: bool,
    /// `DefaultDuration`: nanoseconds per frame, when fixed.
    pub default_duration_ns: Option<u64>,
    /// `CodecDelay`: nanoseconds of decoder output to drop at the start (Opus pre-skip).
    pub codec_delay_ns: u64,
    /// Codec details.
    pub kind: TrackKind,
}

const TRACK_NUMBER: u32 = 0xD7;
const TRACK_TYPE: u32 = 0x83;
const FLAG_ENABLED: u32 = 0xB9;
const CODEC_ID: u32 = 0x86;
const CODEC_PRIVATE: u32 = 0x63A2;
const DEFAULT_DURATION: u32 = 0x23E383;
const CODEC_DELAY: u32 = 0x56AA;
const CONTENT_ENCODINGS: u32 = 0x6D80;
const NAME: u32 = 0x536E;
const VIDEO: u32 = 0xE0;
const AUDIO: u32 = 0xE1;
const PIXEL_WIDTH: u32 = 0xB0;
const PIXEL_HEIGHT: u32 = 0xBA;
const DISPLAY_WIDTH: u32 = 0x54B0;
const DISPLAY_HEIGHT: u32 = 0x54BA;
const DISPLAY_UNIT: u32 = 0x54B2;
const FLAG_INTERLACED: u32 = 0x9A;
const COLOUR: u32 = 0x55B0;
const MATRIX: u32 = 0x55B1;
const RANGE: u32 = 0x55B9;
const TRANSFER: u32 = 0x55BA;
const PRIMARIES: u32 = 0x55BB;
const SAMPLING_FREQUENCY: u32 = 0xB5;
const OUTPUT_SAMPLING_FREQUENCY: u32 = 0x78B5;
const CHANNELS: u32 = 0x9F;
const BIT_DEPTH: u32 = 0x6264;

/// The raw fields of a TrackEntry, before they are interpreted.
#[derive(Default)]
struct Raw<'a> {
    number: u64,
    kind: u64,
    enabled: bool,
    codec: String,
    private: &'a [u8],
    default_duration: Option<u64>,
    codec_delay: u64,
    encoded: bool,
    video: Option<&'a [u8]>,
    audio: Option<&'a [u8]>,
    name: String,
}

/// Parses one TrackEntry body; `place` names it in errors.
pub fn parse(body: &[u8], place: &str) -> Result<TrackEntry> {
    let mut raw = Raw { enabled: true, ..Raw::default() };
    for child in Children::new(body, place) {
        let (id, v) = child?;
        match id {
            TRACK_NUMBER => raw.number = uint(v, place)?,
            TRACK_TYPE => raw.kind = uint(v, place)?,
            FLAG_ENABLED => raw.enabled = uint(v, place)? != 0,
            CODEC_ID => raw.codec = string(v),
            CODEC_PRIVATE => raw.private = v,
            DEFAULT_DURATION => raw.default_duration = Some(uint(v, place)?).filter(|&d| d > 0),
            CODEC_DELAY => raw.codec_delay = uint(v, place)?,
            CONTENT_ENCODINGS => raw.encoded = true,
            NAME => raw.name = string(v),
            VIDEO => raw.video = Some(v),
            AUDIO => raw.audio = Some(v),
            _ => {}
        }
    }
    if raw.number == 0 {
        return Err(Error::malformed(place, "a track without a TrackNumber"));
    }
    let place = format!("{place}[{}] ({})", raw.number, raw.codec);
    let (handler, kind) = match raw.kind {
        1 => (*b"vide", TrackKind::Video(video(&raw, &place)?)),
        2 => (*b"soun", TrackKind::Audio(audio(&raw, &place)?)),
        17 => (*b"subt", TrackKind::Other),
        _ => (*b"data", TrackKind::Other),
    };
    if raw.encoded && !matches!(kind, TrackKind::Other) {
        // Header stripping or zlib compression, or encryption: the frames are not what the
        // codec reads, and which one it is decides how to undo it.
        return Err(Error::unsupported(
            format!("a compressed or encrypted Matroska track ({})", raw.codec),
            "remux it without content encoding (e.g. with mkvmerge --compression -1:none, or to MP4) and try again",
        ));
    }
    Ok(TrackEntry {
        number: raw.number,
        handler,
        enabled: raw.enabled,
        default_duration_ns: raw.default_duration,
        codec_delay_ns: raw.codec_delay,
        kind,
    })
}

fn video_codec(id: &str) -> VideoCodec {
    match id {
        "V_MPEG4/ISO/AVC" => VideoCodec::H264,
        "V_MPEGH/ISO/HEVC" => VideoCodec::Hevc,
        "V_VP9" => VideoCodec::Vp9,
        "V_VP8" => VideoCodec::Vp8,
        "V_AV1" => VideoCodec::Av1,
        "V_MJPEG" => VideoCodec::Mjpeg,
        "V_PRORES" => VideoCodec::ProRes,
        s if s.starts_with("V_MPEG4/ISO/") => VideoCodec::Mpeg4,
        _ => VideoCodec::Other,
    }
}

fn video(raw: &Raw<'_>, place: &str) -> Result<VideoInfo> {
    let codec = video_codec(&raw.codec);
    let mut v = VideoInfo::new(codec, &raw.codec, 0, 0);
    let (mut display, mut unit) = ((0u64, 0u64), 0u64);
    if let Some(body) = raw.video {
        for child in Children::new(body, place) {
            let (id, b) = child?;
            match id {
                PIXEL_WIDTH => v.width = dimension(uint(b, place)?, place)?,
                PIXEL_HEIGHT => v.height = dimension(uint(b, place)?, place)?,
                DISPLAY_WIDTH => display.0 = uint(b, place)?,
                DISPLAY_HEIGHT => display.1 = uint(b, place)?,
                DISPLAY_UNIT => unit = uint(b, place)?,
                // 1 = interlaced, 2 = progressive, 0 = undetermined.
                FLAG_INTERLACED => v.interlaced = uint(b, place)? == 1,
                COLOUR => colour(b, place, &mut v)?,
                _ => {}
            }
        }
    }
    let (pixel_w, pixel_h) = (v.width, v.height);
    match codec {
        VideoCodec::H264 if !raw.private.is_empty() => {
            parse_avcc(raw.private, &format!("{place}/CodecPrivate"), &mut v)?;
        }
        VideoCodec::H264 => {
            return Err(Error::malformed(place, "H.264 track without its CodecPrivate (avcC)"));
        }
        VideoCodec::Hevc if !raw.private.is_empty() => {
            parse_hvcc(raw.private, &format!("{place}/CodecPrivate"), &mut v)?;
        }
        VideoCodec::Vp9 => vp9_features(raw.private, &mut v),
        VideoCodec::Av1 => crate::codec::av1::config::apply_av1c(raw.private, &mut v),
        // JPEG's YCbCr is full range (JFIF); chroma is read from each picture.
        VideoCodec::Mjpeg => v.full_range = true,
        _ => {}
    }
    // The codec's own size wins for decoding; the Matroska one is a fallback.
    if v.width == 0 || v.height == 0 {
        (v.width, v.height) = (pixel_w, pixel_h);
    }
    // DisplayWidth/Height in pixels (unit 0) give the pixel aspect ratio.
    if unit == 0 && display.0 > 0 && display.1 > 0 && pixel_w > 0 && pixel_h > 0 {
        let (a, b) = (display.0 * u64::from(pixel_h), display.1 * u64::from(pixel_w));
        if a != b {
            let g = gcd(a, b);
            if let (Ok(a), Ok(b)) = (u32::try_from(a / g), u32::try_from(b / g)) {
                v.sar = (a, b);
            }
        }
    }
    v.rotation = htc_rotation(&raw.name).unwrap_or(0);
    v.update_display_size();
    Ok(v)
}

/// HTC phones wrote their recordings' rotation into the track name (`htc_video_rotA-090`),
/// as Matroska had no field for it; ExoPlayer reads it the same way. Degrees clockwise.
fn htc_rotation(name: &str) -> Option<u32> {
    let degrees: u32 = name.strip_prefix("htc_video_rotA-")?.parse().ok()?;
    matches!(degrees, 0 | 90 | 180 | 270).then_some(degrees)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a.max(1)
    } else {
        gcd(b, a % b)
    }
}

fn dimension(value: u64, place: &str) -> Result<u32> {
    u32::try_from(value)
        .ok()
        .filter(|&d| d <= MAX_DIMENSION)
        .ok_or_else(|| Error::limit(place, format!("a picture dimension of {value} exceeds {MAX_DIMENSION}")))
}

fn colour(body: &[u8], place: &str, v: &mut VideoInfo) -> Result<()> {
    let code = |b: &[u8]| -> Result<u8> { Ok(u8::try_from(uint(b, place)?).unwrap_or(2)) };
    for child in Children::new(body, place) {
        let (id, b) = child?;
        match id {
            MATRIX => v.color.matrix = code(b)?,
            TRANSFER => v.color.transfer = code(b)?,
            PRIMARIES => v.color.primaries = code(b)?,
            // 2 = broadcast (limited), 1 = full.
            RANGE => v.full_range = uint(b, place)? == 1,
            _ => {}
        }
    }
    Ok(())
}

/// VP9's CodecPrivate is a list of (id, length, value) features: 1 profile, 2 level,
/// 3 bit depth, 4 chroma subsampling (WebM's "VP9 codec feature metadata").
fn vp9_features(private: &[u8], v: &mut VideoInfo) {
    let mut i = 0;
    while i + 2 <= private.len() {
        let (id, len) = (private[i], usize::from(private[i + 1]));
        let Some(value) = private.get(i + 2..i + 2 + len) else { break };
        match (id, value) {
            (1, [p]) => v.profile = Some(format!("Profile {p}")),
            (3, [d]) => v.bit_depth = *d,
            (4, [c]) => v.chroma_format = if *c >= 2 { "4:4:4" } else { "4:2:0" }.into(),
            _ => {}
        }
        i += 2 + len;
    }
}

fn audio_codec(id: &str) -> (AudioCodec, Option<PcmFormat>) {
    let pcm = |bits, float, big_endian| Some(PcmFormat { bits, float, big_endian, signed: bits > 8 || float });
    match id {
        s if s.starts_with("A_AAC") => (AudioCodec::Aac, None),
        "A_OPUS" => (AudioCodec::Opus, None),
        "A_VORBIS" => (AudioCodec::Vorbis, None),
        "A_MPEG/L3" => (AudioCodec::Mp3, None),
        "A_MPEG/L2" | "A_MPEG/L1" => (AudioCodec::Mp2, None),
        "A_AC3" => (AudioCodec::Ac3, None),
        "A_EAC3" => (AudioCodec::Eac3, None),
        s if s.starts_with("A_DTS") => (AudioCodec::Dts, None),
        "A_FLAC" => (AudioCodec::Flac, None),
        // Bit depth is filled in from the Audio element.
        "A_PCM/INT/LIT" => (AudioCodec::Pcm, pcm(16, false, false)),
        "A_PCM/INT/BIG" => (AudioCodec::Pcm, pcm(16, false, true)),
        "A_PCM/FLOAT/IEEE" => (AudioCodec::Pcm, pcm(32, true, false)),
        _ => (AudioCodec::Other, None),
    }
}

fn audio(raw: &Raw<'_>, place: &str) -> Result<AudioInfo> {
    let (codec, mut pcm) = audio_codec(&raw.codec);
    let mut a = AudioInfo {
        codec,
        fourcc: raw.codec.clone(),
        aac_profile: None,
        aac_object_type: None,
        sample_rate: 8000,
        channels: 1,
        pcm: None,
        codec_config: raw.private.to_vec(),
    };
    let mut output_rate = None;
    if let Some(body) = raw.audio {
        for child in Children::new(body, place) {
            let (id, b) = child?;
            match id {
                SAMPLING_FREQUENCY => a.sample_rate = rate(float(b, place)?, place)?,
                OUTPUT_SAMPLING_FREQUENCY => output_rate = Some(rate(float(b, place)?, place)?),
                CHANNELS => {
                    a.channels = u16::try_from(uint(b, place)?)
                        .ok()
                        .filter(|c| (1..=64).contains(c))
                        .ok_or_else(|| Error::malformed(place, "a channel count outside 1..=64"))?
                }
                BIT_DEPTH => {
                    if let Some(p) = pcm.as_mut() {
                        p.bits = u8::try_from(uint(b, place)?).unwrap_or(0);
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(p) = pcm {
        if !matches!(p.bits, 8 | 16 | 24 | 32 | 64) {
            return Err(Error::malformed(place, format!("PCM of {} bits per sample", p.bits)));
        }
        a.pcm = Some(PcmFormat { signed: p.bits > 8 || p.float, ..p });
    }
    if let Some(r) = output_rate {
        a.sample_rate = r;
    }
    if codec == AudioCodec::Aac {
        let asc = if raw.private.is_empty() { legacy_asc(&raw.codec, &a)? } else { raw.private.to_vec() };
        apply_asc(&mut a, asc, &format!("{place}/CodecPrivate"))?;
    }
    Ok(a)
}

/// Rates in Hz from a Matroska float, refusing what no codec uses.
fn rate(hz: f64, place: &str) -> Result<u32> {
    if (1.0..=768_000.0).contains(&hz) {
        Ok(hz.round() as u32)
    } else {
        Err(Error::malformed(place, format!("a sampling frequency of {hz} Hz")))
    }
}

/// Old muxers wrote AAC without CodecPrivate and named the profile in the codec ID
/// (`A_AAC/MPEG4/LC`, `A_AAC/MPEG2/LC/SBR`...): build the AudioSpecificConfig they imply.
fn legacy_asc(id: &str, a: &AudioInfo) -> Result<Vec<u8>> {
    let object_type = if id.ends_with("/SBR") {
        5
    } else if id.ends_with("/MAIN") {
        1
    } else if id.ends_with("/LTP") {
        4
    } else {
        2
    };
    let core_rate = if object_type == 5 { a.sample_rate / 2 } else { a.sample_rate };
    crate::codec::audio::asc::build_asc(if object_type == 5 { 2 } else { object_type }, core_rate, a.channels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vp9_and_av1_private_data_give_depth_and_chroma() {
        let mut v = VideoInfo::new(VideoCodec::Vp9, "V_VP9", 64, 64);
        vp9_features(&[1, 1, 2, 3, 1, 10, 4, 1, 1], &mut v);
        assert_eq!((v.profile.as_deref(), v.bit_depth, v.chroma_format.as_str()), (Some("Profile 2"), 10, "4:2:0"));
        vp9_features(&[3, 200], &mut v);
        let mut v = VideoInfo::new(VideoCodec::Av1, "V_AV1", 64, 64);
        crate::codec::av1::config::apply_av1c(&[0x81, 0x08, 0x4C, 0x00], &mut v);
        assert_eq!((v.bit_depth, v.chroma_format.as_str()), (10, "4:2:0"));
    }

    #[test]
    fn htc_track_names_carry_the_rotation() {
        assert_eq!(htc_rotation("htc_video_rotA-090"), Some(90));
        assert_eq!(htc_rotation("htc_video_rotA-045"), None);
        assert_eq!(htc_rotation("Video"), None);
    }

    #[test]
    fn a_track_needs_a_number_and_encoded_tracks_are_unsupported() {
        // TrackType 2 (audio), CodecID A_OPUS, no number.
        let body = [0x83, 0x81, 0x02, 0x86, 0x86, b'A', b'_', b'O', b'P', b'U', b'S'];
        assert!(matches!(parse(&body, "Tracks"), Err(Error::Malformed { .. })));
        let mut numbered = vec![0xD7, 0x81, 0x01];
        numbered.extend_from_slice(&body);
        let t = parse(&numbered, "Tracks").unwrap();
        assert!(matches!(&t.kind, TrackKind::Audio(a) if a.codec == AudioCodec::Opus));
        numbered.extend_from_slice(&[0x6D, 0x80, 0x80]);
        assert!(matches!(parse(&numbered, "Tracks"), Err(Error::Unsupported { .. })));
    }
}
