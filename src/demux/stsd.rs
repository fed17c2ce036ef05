//! Sample descriptions (`stsd`): which codec a track uses and its configuration.

use super::boxes::{find, BoxIter};
use super::bytes::{fourcc_str, Reader};
use crate::codec::audio::asc::parse_asc;
use crate::codec::h264::sps::Sps;
use crate::codec::h265::hvcc::Hvcc;
use crate::codec::h265::sps::Sps as HevcSps;
use crate::error::{Error, Result};
use crate::limits::MAX_SAMPLE_ENTRIES;
use crate::media::{AudioCodec, AudioInfo, ParameterSets, PcmFormat, VideoCodec, VideoInfo};

/// What the first sample entry of a track describes.
// One per track, returned once: boxing the video variant would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum SampleEntry {
    /// A visual sample entry.
    Video(VideoInfo),
    /// An audio sample entry.
    Audio(AudioInfo),
    /// Anything else.
    Other,
}

/// Parses `stsd` for a track with handler `handler`: the first entry in full, and the
/// parameter sets of any further H.264 entries (a stream whose SPS/PPS change mid-track).
pub fn parse_stsd(payload: &[u8], handler: &[u8; 4], place: &str, depth: usize) -> Result<SampleEntry> {
    let mut r = Reader::new(payload, place);
    r.version_flags()?;
    let count = r.u32()?;
    if count == 0 {
        return Err(Error::malformed(place, "no sample description"));
    }
    let mut entries = BoxIter::new(r.rest(), place, depth)?.take(count.min(MAX_SAMPLE_ENTRIES) as usize);
    let Some(first) = entries.next() else {
        return Err(Error::malformed(place, "sample description entry missing"));
    };
    let entry = first?;
    let entry_place = format!("{place}/{}", entry.name());
    match handler {
        b"vide" => {
            let mut info = parse_visual(&entry.kind, entry.payload, &entry_place, depth + 1)?;
            if matches!(info.codec, VideoCodec::H264 | VideoCodec::Hevc) {
                for (k, more) in entries.enumerate() {
                    let more = more?;
                    let p = format!("{place}/{}[{}]", more.name(), k + 2);
                    let v = parse_visual(&more.kind, more.payload, &p, depth + 1)?;
                    info.more_parameter_sets.push(ParameterSets { vps: v.vps, sps: v.sps, pps: v.pps });
                }
            }
            Ok(SampleEntry::Video(info))
        }
        b"soun" => Ok(SampleEntry::Audio(parse_audio(&entry.kind, entry.payload, &entry_place, depth + 1)?)),
        _ => Ok(SampleEntry::Other),
    }
}

fn video_codec(kind: &[u8; 4]) -> VideoCodec {
    match kind {
        b"avc1" | b"avc3" => VideoCodec::H264,
        b"hvc1" | b"hev1" => VideoCodec::Hevc,
        b"vp09" => VideoCodec::Vp9,
        b"vp08" => VideoCodec::Vp8,
        b"av01" => VideoCodec::Av1,
        b"jpeg" | b"mjpa" | b"mjpb" | b"AVDJ" | b"dmb1" => VideoCodec::Mjpeg,
        b"mp4v" => VideoCodec::Mpeg4,
        b"apch" | b"apcn" | b"apcs" | b"apco" | b"ap4h" | b"ap4x" => VideoCodec::ProRes,
        _ => VideoCodec::Other,
    }
}

fn parse_visual(kind: &[u8; 4], payload: &[u8], place: &str, depth: usize) -> Result<VideoInfo> {
    let mut r = Reader::new(payload, place);
    // SampleEntry (6 reserved + data_reference_index) then VisualSampleEntry fields.
    r.skip(6 + 2 + 16)?;
    let width = r.u16()? as u32;
    let height = r.u16()? as u32;
    r.skip(4 + 4 + 4 + 2 + 32 + 2 + 2)?;
    let children = r.rest();
    let mut info = VideoInfo::new(video_codec(kind), &fourcc_str(kind), width, height);
    let mut pasp = None;
    for child in BoxIter::new(children, place, depth)? {
        let child = child?;
        let cplace = format!("{place}/{}", child.name());
        match &child.kind {
            b"avcC" => parse_avcc(child.payload, &cplace, &mut info)?,
            b"hvcC" => parse_hvcc(child.payload, &cplace, &mut info)?,
            b"vpcC" => parse_vpcc(child.payload, &mut info),
            b"av1C" => crate::codec::av1::config::apply_av1c(child.payload, &mut info),
            b"pasp" => {
                let mut pr = Reader::new(child.payload, &cplace);
                let (h, v) = (pr.u32()?, pr.u32()?);
                if h > 0 && v > 0 {
                    pasp = Some((h, v));
                }
            }
            b"colr" => parse_colr(child.payload, &cplace, &mut info)?,
            b"mdcv" => info.hdr.mastering = parse_mdcv(child.payload, &cplace)?,
            b"clli" => info.hdr.content_light = parse_clli(child.payload, &cplace)?,
            b"dvcC" | b"dvvC" | b"dvwC" => info.hdr.dolby_vision = parse_dovi(child.payload, &cplace)?,
            _ => {}
        }
    }
    // Dolby Vision streams may leave `colr` and the VUI silent: their base layer's
    // compatibility id still says what it is (1 HDR10, 2 SDR BT.709, 4 HLG).
    if let Some(dv) = info.hdr.dolby_vision {
        let implied = match dv.base_layer_compatibility {
            1 | 6 => Some(crate::media::ColorInfo { primaries: 9, transfer: 16, matrix: 9 }),
            2 => Some(crate::media::ColorInfo { primaries: 1, transfer: 1, matrix: 1 }),
            4 => Some(crate::media::ColorInfo { primaries: 9, transfer: 18, matrix: 9 }),
            _ => None,
        };
        if let Some(c) = implied {
            info.color.fill_from(c);
        }
    }
    // JPEG's YCbCr is full range (JFIF), whatever a `colr` says: decoders show it so.
    if info.codec == VideoCodec::Mjpeg {
        info.full_range = true;
    }
    // The SPS VUI is what decoders honour; pasp only fills in when the VUI is silent.
    if info.sar == (1, 1) {
        if let Some(p) = pasp {
            info.sar = reduce(p);
        }
    }
    Ok(info)
}

/// `colr`: `nclx` (ISO-BMFF: H.273 code points and the full-range flag) or `nclc`
/// (QuickTime: the same without the flag). ICC profiles (`rICC`, `prof`) are not read.
fn parse_colr(payload: &[u8], place: &str, info: &mut VideoInfo) -> Result<()> {
    let mut r = Reader::new(payload, place);
    let kind = r.fourcc()?;
    if (&kind != b"nclx" && &kind != b"nclc") || r.remaining() < 6 {
        return Ok(());
    }
    // Code points are 16-bit here but all defined ones fit in 8 bits; larger ones are
    // reserved, i.e. unspecified.
    let code = |v: u16| u8::try_from(v).unwrap_or(2);
    let (primaries, transfer, matrix) = (code(r.u16()?), code(r.u16()?), code(r.u16()?));
    info.color.fill_from(crate::media::ColorInfo { primaries, transfer, matrix });
    if &kind == b"nclx" && r.remaining() >= 1 && r.u8()? & 0x80 != 0 {
        info.full_range = true;
    }
    Ok(())
}

/// `mdcv` (ISO/IEC 23001-17 / QuickTime): SMPTE ST 2086 in the SEI's layout.
fn parse_mdcv(payload: &[u8], place: &str) -> Result<Option<crate::media::color::MasteringDisplay>> {
    if payload.len() < 24 {
        return Ok(None);
    }
    let mut r = Reader::new(payload, place);
    let mut primaries = [(0, 0); 3];
    for p in &mut primaries {
        *p = (r.u16()?, r.u16()?);
    }
    let white_point = (r.u16()?, r.u16()?);
    let (max_luminance, min_luminance) = (r.u32()?, r.u32()?);
    Ok(Some(crate::media::color::MasteringDisplay { primaries, white_point, max_luminance, min_luminance }))
}

/// `clli`: MaxCLL and MaxFALL in cd/m².
fn parse_clli(payload: &[u8], place: &str) -> Result<Option<crate::media::color::ContentLight>> {
    if payload.len() < 4 {
        return Ok(None);
    }
    let mut r = Reader::new(payload, place);
    Ok(Some(crate::media::color::ContentLight { max_cll: r.u16()?, max_fall: r.u16()? }))
}

/// `dvcC`/`dvvC`/`dvwC`: DOVIDecoderConfigurationRecord (Dolby's ISO-BMFF spec):
/// version (2 bytes), then profile:7 level:6 rpu:1 el:1 bl:1, then compatibility id:4.
fn parse_dovi(payload: &[u8], place: &str) -> Result<Option<crate::media::color::DolbyVision>> {
    if payload.len() < 5 {
        return Ok(None);
    }
    let mut r = Reader::new(payload, place);
    r.skip(2)?;
    let bits = r.u16()?;
    let compat = r.u8()? >> 4;
    Ok(Some(crate::media::color::DolbyVision {
        profile: (bits >> 9) as u8,
        level: ((bits >> 3) & 0x3f) as u8,
        rpu: bits & 4 != 0,
        enhancement_layer: bits & 2 != 0,
        base_layer_compatibility: compat,
    }))
}

fn reduce((a, b): (u32, u32)) -> (u32, u32) {
    fn gcd(a: u32, b: u32) -> u32 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    let g = gcd(a, b).max(1);
    (a / g, b / g)
}

pub(crate) fn parse_avcc(payload: &[u8], place: &str, info: &mut VideoInfo) -> Result<()> {
    let mut r = Reader::new(payload, place);
    let _version = r.u8()?;
    let profile = r.u8()?;
    let _compat = r.u8()?;
    let level = r.u8()?;
    info.nal_length_size = (r.u8()? & 3) + 1;
    if info.nal_length_size == 3 {
        return Err(Error::malformed(place, "NAL length size of 3 bytes is not allowed"));
    }
    info.profile_idc = Some(profile);
    info.level_idc = Some(level);
    info.profile = Some(crate::codec::h264::sps::profile_name(profile, 0).to_string());
    let nsps = r.u8()? & 0x1f;
    for _ in 0..nsps {
        let len = r.u16()? as usize;
        info.sps.push(r.bytes(len)?.to_vec());
    }
    // `avc3` may carry its parameter sets in-band only: then avcC ends here or lists none,
    // and the demuxer reads them from the first samples (see `Track::complete_parameter_sets`).
    if r.remaining() > 0 {
        let npps = r.u8()?;
        for _ in 0..npps {
            let len = r.u16()? as usize;
            info.pps.push(r.bytes(len)?.to_vec());
        }
    }
    if let Some(sps) = info.sps.first().cloned() {
        apply_sps(info, &sps, &format!("{place}/SPS"))?;
    }
    Ok(())
}

/// Fills `info` from an SPS: profile, level, bit depth, chroma, SAR, range, cropped size.
pub fn apply_sps(info: &mut VideoInfo, sps_bytes: &[u8], place: &str) -> Result<()> {
    let sps = Sps::parse(sps_bytes).map_err(|e| Error::malformed(place, e.to_string()))?;
    info.profile_idc = Some(sps.profile_idc);
    info.level_idc = Some(sps.level_idc);
    info.profile = Some(sps.profile_name().to_string());
    info.bit_depth = sps.bit_depth_luma;
    info.chroma_format = sps.chroma_format_name().to_string();
    if let Some(sar) = sps.sar {
        if sar.0 > 0 && sar.1 > 0 {
            info.sar = reduce(sar);
        }
    }
    info.full_range |= sps.full_range;
    if let Some((primaries, transfer, matrix)) = sps.color {
        info.color.fill_from(crate::media::ColorInfo { primaries, transfer, matrix });
    }
    info.interlaced = !sps.frame_mbs_only;
    // The SPS knows the real cropped size; the sample entry is only advisory.
    if sps.width > 0 && sps.height > 0 {
        info.width = sps.width;
        info.height = sps.height;
    }
    Ok(())
}

/// `hvcC`: profile, level, chroma and bit depth from the record, then everything the
/// first SPS says (cropped size, SAR, colour, range), which decoders honour.
pub(crate) fn parse_hvcc(payload: &[u8], place: &str, info: &mut VideoInfo) -> Result<()> {
    let h = Hvcc::parse(payload).map_err(|e| Error::malformed(place, e.to_string()))?;
    info.profile_idc = Some(h.profile_idc);
    info.profile = Some(crate::codec::h265::sps::profile_name(h.profile_idc));
    // general_level_idc is level × 30; clipfit reports levels × 10 as for H.264.
    info.level_idc = Some(h.level_idc / 3);
    info.chroma_format = chroma_name(h.chroma_format_idc).into();
    info.bit_depth = h.bit_depth_luma;
    info.nal_length_size = h.nal_length_size;
    (info.vps, info.sps, info.pps) = (h.vps, h.sps, h.pps);
    // An hev1 record may list no SPS (in-band only); the sample entry's size stands then.
    if let Some(sps) = info.sps.first().cloned() {
        apply_hevc_sps(info, &sps, &format!("{place}/SPS"))?;
    }
    Ok(())
}

/// Fills `info` from an HEVC SPS: profile, level, bit depth, chroma, SAR, range, colour
/// (where `colr` was silent) and the size after the conformance window.
pub fn apply_hevc_sps(info: &mut VideoInfo, sps_bytes: &[u8], place: &str) -> Result<()> {
    let sps = HevcSps::parse(sps_bytes).map_err(|e| Error::malformed(place, e.to_string()))?;
    info.profile_idc = Some(sps.profile_idc);
    info.profile = Some(sps.profile_name());
    info.level_idc = Some(sps.level_idc / 3);
    info.bit_depth = sps.bit_depth_luma;
    info.chroma_format = chroma_name(sps.chroma_format_idc).into();
    if let Some(sar) = sps.sar {
        info.sar = reduce(sar);
    }
    info.full_range |= sps.full_range;
    if let Some((primaries, transfer, matrix)) = sps.color {
        info.color.fill_from(crate::media::ColorInfo { primaries, transfer, matrix });
    }
    info.width = sps.width;
    info.height = sps.height;
    Ok(())
}

fn parse_vpcc(payload: &[u8], info: &mut VideoInfo) {
    // vpcC v1: version/flags(4) profile(1) level(1) bitDepth(4)|chroma(3)|range(1).
    if payload.len() >= 7 {
        info.profile = Some(format!("Profile {}", payload[4]));
        info.bit_depth = payload[6] >> 4;
        info.chroma_format = match (payload[6] >> 1) & 7 {
            0 | 1 => "4:2:0",
            2 => "4:2:2",
            _ => "4:4:4",
        }
        .into();
        info.full_range = payload[6] & 1 == 1;
    }
}

fn chroma_name(idc: u8) -> &'static str {
    match idc {
        0 => "4:0:0",
        1 => "4:2:0",
        2 => "4:2:2",
        _ => "4:4:4",
    }
}

fn audio_codec(kind: &[u8; 4]) -> (AudioCodec, Option<PcmFormat>) {
    let pcm = |bits, float, big_endian, signed| Some(PcmFormat { bits, float, big_endian, signed });
    match kind {
        b"mp4a" => (AudioCodec::Aac, None),
        b".mp3" | b"mp3 " => (AudioCodec::Mp3, None),
        b"ac-3" => (AudioCodec::Ac3, None),
        b"ec-3" => (AudioCodec::Eac3, None),
        b"alac" => (AudioCodec::Alac, None),
        b"fLaC" => (AudioCodec::Flac, None),
        b"Opus" => (AudioCodec::Opus, None),
        b"dtsc" | b"dtsh" | b"dtsl" | b"dtse" => (AudioCodec::Dts, None),
        b"twos" => (AudioCodec::Pcm, pcm(16, false, true, true)),
        b"sowt" => (AudioCodec::Pcm, pcm(16, false, false, true)),
        b"raw " => (AudioCodec::Pcm, pcm(8, false, false, false)),
        b"in24" => (AudioCodec::Pcm, pcm(24, false, true, true)),
        b"in32" => (AudioCodec::Pcm, pcm(32, false, true, true)),
        b"fl32" => (AudioCodec::Pcm, pcm(32, true, true, true)),
        b"fl64" => (AudioCodec::Pcm, pcm(64, true, true, true)),
        b"lpcm" | b"ipcm" => (AudioCodec::Pcm, pcm(16, false, false, true)),
        // ISO/IEC 23003-5 float PCM; size and byte order come from its `pcmC`.
        b"fpcm" => (AudioCodec::Pcm, pcm(32, true, false, true)),
        _ => (AudioCodec::Other, None),
    }
}

fn parse_audio(kind: &[u8; 4], payload: &[u8], place: &str, depth: usize) -> Result<AudioInfo> {
    let mut r = Reader::new(payload, place);
    r.skip(6 + 2)?;
    let version = r.u16()?;
    r.skip(2 + 4)?;
    let mut channels = r.u16()?;
    let sample_size = r.u16()?;
    r.skip(2 + 2)?;
    let mut sample_rate = r.u32()? >> 16;
    let (codec, mut pcm) = audio_codec(kind);
    match version {
        1 => r.skip(16)?,
        2 => {
            // QuickTime sound description v2: real rate and channels follow.
            r.skip(4)?;
            sample_rate = f64::from_bits(r.u64()?) as u32;
            channels = r.u32()?.min(u16::MAX as u32) as u16;
            r.skip(4)?;
            let bits = r.u32()?;
            let flags = r.u32()?;
            r.skip(8)?;
            if codec == AudioCodec::Pcm {
                pcm = Some(PcmFormat {
                    bits: bits.min(64) as u8,
                    float: flags & 1 != 0,
                    big_endian: flags & 2 != 0,
                    signed: flags & 4 != 0 || flags & 1 != 0,
                });
            }
        }
        _ => {}
    }
    if let (Some(p), 0 | 1) = (pcm.as_mut(), version) {
        if matches!(kind, b"twos" | b"sowt") && sample_size == 8 {
            p.bits = 8;
        }
        if kind == b"lpcm" && (sample_size == 24 || sample_size == 32) {
            p.bits = sample_size as u8;
        }
    }
    let mut info = AudioInfo {
        codec,
        fourcc: fourcc_str(kind),
        aac_profile: None,
        aac_object_type: None,
        sample_rate,
        channels,
        pcm,
        codec_config: Vec::new(),
    };
    parse_audio_children(r.rest(), place, depth, &mut info)?;
    Ok(info)
}

fn parse_audio_children(children: &[u8], place: &str, depth: usize, info: &mut AudioInfo) -> Result<()> {
    for child in BoxIter::new(children, place, depth)? {
        let child = child?;
        let cplace = format!("{place}/{}", child.name());
        match &child.kind {
            b"esds" => parse_esds(child.payload, &cplace, info)?,
            // MOV wraps the esds (and friends) in a `wave` box.
            b"wave" => parse_audio_children(child.payload, &cplace, depth + 1, info)?,
            b"alac" => {
                info.codec_config = child.payload.get(4..).unwrap_or_default().to_vec();
                if info.codec_config.len() >= 24 {
                    let c = &info.codec_config;
                    info.channels = c[9] as u16;
                    info.sample_rate = u32::from_be_bytes([c[20], c[21], c[22], c[23]]);
                }
            }
            b"dfLa" | b"dOps" => info.codec_config = child.payload.to_vec(),
            // ISO/IEC 23003-5 `ipcm`/`fpcm`: FullBox, format_flags (bit 0: little-endian),
            // PCM_sample_size in bits.
            b"pcmC" if child.payload.len() >= 6 => {
                if let Some(p) = info.pcm.as_mut() {
                    let bits = child.payload[5];
                    let valid = if p.float { matches!(bits, 32 | 64) } else { matches!(bits, 16 | 24 | 32) };
                    if !valid {
                        return Err(Error::unsupported(
                            format!("{bits}-bit {} PCM audio", if p.float { "float" } else { "integer" }),
                            "re-run with --audio drop to leave the audio out, or --audio silence for a silent track",
                        ));
                    }
                    p.bits = bits;
                    p.big_endian = child.payload[4] & 1 == 0;
                }
            }
            // AC-3: fscod(2) bsid(5) bsmod(3) acmod(3) lfeon(1).
            b"dac3" if child.payload.len() >= 3 => {
                let bits = u32::from_be_bytes([0, child.payload[0], child.payload[1], child.payload[2]]);
                info.channels = ac3_channels((bits >> 11) & 7, (bits >> 10) & 1);
            }
            // E-AC-3: data_rate(13) num_ind_sub(3), then fscod(2) bsid(5) rsv(1) asvc(1)
            // bsmod(3) acmod(3) lfeon(1) for the first independent substream.
            b"dec3" if child.payload.len() >= 5 => {
                let p = child.payload;
                let bits = u32::from_be_bytes([p[2], p[3], p[4], 0]);
                info.channels = ac3_channels((bits >> 17) & 7, (bits >> 16) & 1);
            }
            _ => {}
        }
    }
    Ok(())
}

/// Channel count of an AC-3 `acmod` plus the LFE flag.
fn ac3_channels(acmod: u32, lfe: u32) -> u16 {
    [2u16, 1, 2, 3, 3, 4, 4, 5][acmod as usize & 7] + lfe as u16
}

/// Reads an MPEG-4 descriptor length (up to four 7-bit groups).
fn desc_len(r: &mut Reader) -> Result<usize> {
    let mut len = 0usize;
    for _ in 0..4 {
        let b = r.u8()?;
        len = (len << 7) | (b & 0x7f) as usize;
        if b & 0x80 == 0 {
            break;
        }
    }
    Ok(len)
}

fn parse_esds(payload: &[u8], place: &str, info: &mut AudioInfo) -> Result<()> {
    let mut r = Reader::new(payload, place);
    r.version_flags()?;
    if r.u8()? != 0x03 {
        return Err(Error::malformed(place, "ES_Descriptor tag missing"));
    }
    desc_len(&mut r)?;
    r.skip(2)?;
    let flags = r.u8()?;
    if flags & 0x80 != 0 {
        r.skip(2)?;
    }
    if flags & 0x40 != 0 {
        let n = r.u8()? as usize;
        r.skip(n)?;
    }
    if flags & 0x20 != 0 {
        r.skip(2)?;
    }
    if r.u8()? != 0x04 {
        return Err(Error::malformed(place, "DecoderConfigDescriptor tag missing"));
    }
    desc_len(&mut r)?;
    let object_type = r.u8()?;
    r.skip(12)?;
    match object_type {
        0x40 | 0x66 | 0x67 | 0x68 => {}
        0x69 | 0x6b => {
            info.codec = AudioCodec::Mp3;
            return Ok(());
        }
        0xa5 => {
            info.codec = AudioCodec::Ac3;
            return Ok(());
        }
        0xa6 => {
            info.codec = AudioCodec::Eac3;
            return Ok(());
        }
        0xa9..=0xac => {
            info.codec = AudioCodec::Dts;
            return Ok(());
        }
        0xad => {
            info.codec = AudioCodec::Opus;
            return Ok(());
        }
        _ => {
            info.codec = AudioCodec::Other;
            return Ok(());
        }
    }
    if r.remaining() == 0 || r.u8()? != 0x05 {
        return Err(Error::malformed(place, "AAC DecoderSpecificInfo missing"));
    }
    let len = desc_len(&mut r)?;
    let asc = r.bytes(len)?.to_vec();
    apply_asc(info, asc, place)
}

/// Fills an AAC track's profile, rate and channels from its AudioSpecificConfig (an
/// `esds` descriptor's, or a Matroska `A_AAC` CodecPrivate).
pub(crate) fn apply_asc(info: &mut AudioInfo, asc: Vec<u8>, place: &str) -> Result<()> {
    let parsed =
        parse_asc(&asc).map_err(|e| Error::malformed(format!("{place}/AudioSpecificConfig"), e.to_string()))?;
    // Report SBR/PS as their object types (5, 29) whichever way they are signalled: they
    // decide how the stream decodes and whether it is AAC-LC.
    info.aac_object_type = Some(match (parsed.ps, parsed.sbr) {
        (true, _) => 29,
        (false, true) => 5,
        _ => parsed.core_object_type,
    });
    info.aac_profile = Some(parsed.profile_name());
    if parsed.sample_rate > 0 {
        info.sample_rate = parsed.output_sample_rate();
    }
    if parsed.output_channels() > 0 {
        info.channels = parsed.output_channels();
    }
    info.codec_config = asc;
    Ok(())
}

/// Looks for `kind` among the direct children of `data`, for callers outside this module.
pub fn child<'a>(data: &'a [u8], kind: &[u8; 4], place: &str, depth: usize) -> Result<Option<&'a [u8]>> {
    Ok(find(data, kind, place, depth)?.map(|b| b.payload))
}

#[cfg(test)]
mod color_tests {
    use super::*;

    #[test]
    fn dolby_vision_8_4_is_read() {
        // version 1.0; profile 8, level 4, rpu, base layer; compatibility id 4 (HLG).
        let dv = parse_dovi(&[1, 0, 0x10, 0x25, 0x40, 0, 0, 0], "dvvC").unwrap().unwrap();
        assert_eq!((dv.profile, dv.level, dv.base_layer_compatibility), (8, 4, 4));
        assert!(dv.rpu && !dv.enhancement_layer);
        assert_eq!(dv.name(), "8.4");
    }

    #[test]
    fn colr_nclx_and_nclc_give_code_points() {
        let mut info = VideoInfo::new(VideoCodec::Hevc, "hvc1", 16, 16);
        parse_colr(b"nclx\x00\x09\x00\x12\x00\x09\x80", "colr", &mut info).unwrap();
        assert_eq!((info.color.primaries, info.color.transfer, info.color.matrix, info.full_range), (9, 18, 9, true));
        let mut info = VideoInfo::new(VideoCodec::H264, "avc1", 16, 16);
        parse_colr(b"nclc\x00\x01\x00\x01\x00\x01", "colr", &mut info).unwrap();
        assert!(info.color.is_sdr_709_compatible() && !info.full_range);
        // Reserved 16-bit values are unspecified, not truncated.
        let mut info = VideoInfo::new(VideoCodec::H264, "avc1", 16, 16);
        parse_colr(b"nclx\x01\x09\x00\x01\x00\x01\x00", "colr", &mut info).unwrap();
        assert_eq!(info.color.primaries, 2);
    }

    #[test]
    fn mastering_and_content_light_are_read() {
        let mut mdcv = Vec::new();
        for v in [13250u16, 34500, 7500, 3000, 34000, 16000, 15635, 16450] {
            mdcv.extend_from_slice(&v.to_be_bytes());
        }
        mdcv.extend_from_slice(&10_000_000u32.to_be_bytes());
        mdcv.extend_from_slice(&1u32.to_be_bytes());
        let m = parse_mdcv(&mdcv, "mdcv").unwrap().unwrap();
        assert_eq!((m.max_luminance, m.white_point), (10_000_000, (15635, 16450)));
        let l = parse_clli(&[0x03, 0xe8, 0x01, 0x90], "clli").unwrap().unwrap();
        assert_eq!((l.max_cll, l.max_fall), (1000, 400));
    }
}
