//! What a probe learns about a file, before any decoding.

use serde::Serialize;

/// Everything `probe` learns about a file.
#[derive(Clone, Debug, Serialize)]
pub struct MediaInfo {
    /// The file's size in bytes.
    pub file_size: u64,
    /// Container brand: `mp4`, `mov` or `fmp4` (fragmented MP4).
    pub container: String,
    /// The major brand from `ftyp`, if any.
    pub major_brand: Option<String>,
    /// Top-level box types in file order (e.g. `["ftyp", "moov", "mdat"]`).
    pub top_level_boxes: Vec<String>,
    /// True when `moov` comes before the first `mdat`.
    pub moov_before_mdat: bool,
    /// Whole-file duration in seconds (longest track after edit lists).
    pub duration: f64,
    /// Overall bitrate in bits per second (all sample bytes / duration).
    pub overall_bitrate: u64,
    /// Largest total of video+audio sample bytes in any 1-second window, in bits.
    pub peak_bitrate_1s: u64,
    /// Every track in file order.
    pub tracks: Vec<TrackInfo>,
    /// Presentation time, in seconds, at which the earliest audio or video track starts
    /// (a live packager's `tfdt`, say); clipfit's output starts there, keeping every
    /// track's offset from it.
    pub start_time: f64,
    /// Everything the reader worked around: ignored boxes, tracks and trailing data.
    pub warnings: Vec<Warning>,
}

/// Something clipfit worked around instead of failing, reported by `check` and `conform`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Stable identifier (`trailing_data`, `unknown_box`, `ignored_track`, ...).
    pub code: &'static str,
    /// What was found and what clipfit did about it.
    pub message: String,
}

impl Warning {
    /// A warning with a stable `code`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Warning {
        Warning { code, message: message.into() }
    }
}

impl MediaInfo {
    /// The video track clipfit works on: the first enabled video track with samples, else
    /// the first video track (some muxers leave every track's enabled flag clear).
    pub fn video(&self) -> Option<&VideoInfo> {
        self.video_index().and_then(|i| match &self.tracks[i].kind {
            TrackKind::Video(v) => Some(v),
            _ => None,
        })
    }

    /// Index into `tracks` of [`MediaInfo::video`].
    pub fn video_index(&self) -> Option<usize> {
        let video = |t: &TrackInfo| matches!(t.kind, TrackKind::Video(_));
        self.tracks
            .iter()
            .position(|t| t.enabled && t.sample_count > 0 && video(t))
            .or_else(|| self.tracks.iter().position(|t| t.sample_count > 0 && video(t)))
            .or_else(|| self.tracks.iter().position(video))
    }

    /// The audio track clipfit works on: the first enabled audio track.
    pub fn audio(&self) -> Option<&AudioInfo> {
        self.audio_index().and_then(|i| match &self.tracks[i].kind {
            TrackKind::Audio(a) => Some(a),
            _ => None,
        })
    }

    /// Index into `tracks` of [`MediaInfo::audio`].
    pub fn audio_index(&self) -> Option<usize> {
        let audio = |t: &TrackInfo| matches!(t.kind, TrackKind::Audio(_));
        self.tracks
            .iter()
            .position(|t| t.enabled && t.sample_count > 0 && audio(t))
            .or_else(|| self.tracks.iter().position(|t| t.sample_count > 0 && audio(t)))
            .or_else(|| self.tracks.iter().position(audio))
    }
}

/// One track.
#[derive(Clone, Debug, Serialize)]
pub struct TrackInfo {
    /// The `tkhd` track id.
    pub id: u32,
    /// Handler type from `hdlr` (`vide`, `soun`, `tmcd`, ...).
    pub handler: String,
    /// The `tkhd` enabled flag.
    pub enabled: bool,
    /// Media timescale (ticks per second).
    pub timescale: u32,
    /// Number of samples.
    pub sample_count: u64,
    /// Duration in seconds of the media, after the edit list.
    pub duration: f64,
    /// Total bytes of sample data.
    pub total_bytes: u64,
    /// Average bitrate of the samples in bits per second: `total_bytes` over the summed
    /// sample durations (media time, before the edit list).
    pub bitrate: u64,
    /// The edit list, if present.
    pub edits: Vec<Edit>,
    /// Decode time of the first sample, in seconds of media time (non-zero after a `tfdt`).
    pub first_dts: f64,
    /// Presentation time, in seconds, at which the track's first shown sample appears
    /// (edit list applied, before the file-wide shift to [`MediaInfo::start_time`]).
    pub start: f64,
    /// What kind of track this is.
    #[serde(flatten)]
    pub kind: TrackKind,
}

/// One `elst` entry, converted to seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Edit {
    /// Duration on the presentation timeline, in seconds.
    pub duration: f64,
    /// Start in the media timeline, in seconds; `None` for an empty edit (a gap).
    pub media_time: Option<f64>,
    /// Playback rate (1.0 normally).
    pub rate: f64,
}

/// Per-kind track details.
// One per track, built once by the probe: boxing the video variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TrackKind {
    /// A video track.
    Video(VideoInfo),
    /// An audio track.
    Audio(AudioInfo),
    /// Anything else (timecode, data, subtitles...).
    Other,
}

/// Video codecs clipfit recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VideoCodec {
    /// H.264 / AVC (`avc1`, `avc3`).
    H264,
    /// H.265 / HEVC (`hvc1`, `hev1`).
    Hevc,
    /// VP9 (`vp09`).
    Vp9,
    /// VP8 (`vp08`).
    Vp8,
    /// AV1 (`av01`).
    Av1,
    /// Motion JPEG: one JPEG picture per sample (`jpeg`, `mjpa`, `AVDJ`, `dmb1` in MOV;
    /// `V_MJPEG`), and Motion JPEG format B (`mjpb`), which is recognised but not decoded.
    Mjpeg,
    /// MPEG-4 Part 2 (`mp4v`).
    Mpeg4,
    /// Apple ProRes (`apch`, `apcn`, ...).
    ProRes,
    /// Anything else; the sample entry's four-character code is kept in `fourcc`.
    Other,
}

/// A video track.
#[derive(Clone, Debug, Serialize)]
pub struct VideoInfo {
    /// The codec.
    pub codec: VideoCodec,
    /// The sample entry's four-character code (`avc1`, `hvc1`, ...).
    pub fourcc: String,
    /// H.264 profile name (`Baseline`, `Main`, `High`, `High 10`, ...), when known.
    pub profile: Option<String>,
    /// H.264 `profile_idc`.
    pub profile_idc: Option<u8>,
    /// H.264 level as signalled, times ten (e.g. 40 for level 4.0, 9 for 1b).
    pub level_idc: Option<u8>,
    /// Luma bit depth.
    pub bit_depth: u8,
    /// Chroma format: `4:0:0`, `4:2:0`, `4:2:2` or `4:4:4`.
    pub chroma_format: String,
    /// Coded (decoded, cropped) width in pixels.
    pub width: u32,
    /// Coded (decoded, cropped) height in pixels.
    pub height: u32,
    /// Rotation from the `tkhd` matrix, in degrees clockwise to apply for display
    /// (0, 90, 180, 270). ffprobe reports a 90° clockwise phone clip as -90.
    pub rotation: u32,
    /// True when the matrix is not a pure rotation (flip, scale): noted, not applied.
    pub matrix_unusual: bool,
    /// Sample aspect ratio (width:height of one pixel), from the VUI or `pasp`.
    pub sar: (u32, u32),
    /// Width after rotation, SAR not applied.
    pub display_width: u32,
    /// Height after rotation, SAR not applied.
    pub display_height: u32,
    /// True when the stream codes fields (interlaced or MBAFF), which openh264 cannot decode.
    pub interlaced: bool,
    /// True for full-range (`yuvj`) video.
    pub full_range: bool,
    /// Colour primaries, transfer and matrix (H.273 code points), from the VUI or `colr`.
    pub color: crate::media::ColorInfo,
    /// Mastering display, content light level and Dolby Vision configuration.
    pub hdr: crate::media::HdrInfo,
    /// Average frame rate (samples / media duration).
    pub fps: f64,
    /// True when all sample durations are equal (within one tick, ignoring the last).
    pub constant_frame_rate: bool,
    /// Smallest and largest sample duration in seconds.
    pub frame_duration_range: (f64, f64),
    /// True when the stream uses B-frames / reordering (a `ctts` box with non-zero offsets).
    pub has_reordering: bool,
    /// Number of sync samples (keyframes).
    pub keyframes: u64,
    /// Longest stretch of presentation time, in seconds, without a keyframe: between two
    /// sync samples, or from the last one to the end of the track.
    pub max_keyframe_interval: f64,
    /// True when a sample decoded after a keyframe is shown before it (an open GOP: its
    /// leading pictures refer to the previous GOP).
    pub open_gop: bool,
    /// HEVC video parameter sets from `hvcC` (empty for other codecs).
    #[serde(skip)]
    pub vps: Vec<Vec<u8>>,
    /// Parameter sets from `avcC` / `hvcC` (SPS list, PPS list), raw NAL units.
    #[serde(skip)]
    pub sps: Vec<Vec<u8>>,
    /// See `sps`.
    #[serde(skip)]
    pub pps: Vec<Vec<u8>>,
    /// NAL length size from `avcC` / `hvcC` (1, 2 or 4).
    #[serde(skip)]
    pub nal_length_size: u8,
    /// Parameter sets of every sample description after the first, in `stsd` order: a
    /// stream whose SPS/PPS change mid-track (samples name theirs through `stsc`/`tfhd`).
    #[serde(skip)]
    pub more_parameter_sets: Vec<ParameterSets>,
}

/// The parameter set NAL units of one H.264 or HEVC sample description.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParameterSets {
    /// VPS NAL units (HEVC only).
    pub vps: Vec<Vec<u8>>,
    /// SPS NAL units.
    pub sps: Vec<Vec<u8>>,
    /// PPS NAL units.
    pub pps: Vec<Vec<u8>>,
}

impl ParameterSets {
    /// Every parameter set in the order a decoder wants them (VPS, SPS, PPS): what
    /// [`crate::codec::video::VideoDecoder::queue_parameter_sets`] takes as its first list
    /// for HEVC, whose NAL headers say which is which.
    pub fn leading(&self) -> Vec<Vec<u8>> {
        self.vps.iter().chain(&self.sps).cloned().collect()
    }
}

impl VideoInfo {
    /// Sets the displayed size from the coded size and the rotation.
    pub fn update_display_size(&mut self) {
        (self.display_width, self.display_height) =
            if self.rotation % 180 == 90 { (self.height, self.width) } else { (self.width, self.height) };
    }

    /// The parameter sets of sample description `desc` (0-based); `None` past the last one.
    pub fn parameter_sets(&self, desc: u32) -> Option<ParameterSets> {
        match desc {
            0 => Some(ParameterSets { vps: self.vps.clone(), sps: self.sps.clone(), pps: self.pps.clone() }),
            d => self.more_parameter_sets.get(d as usize - 1).cloned(),
        }
    }

    /// A progressive 8-bit 4:2:0 track of `codec` at `width`x`height`, square pixels, no
    /// rotation; timing and parameter-set fields are empty until a probe fills them.
    pub fn new(codec: VideoCodec, fourcc: &str, width: u32, height: u32) -> VideoInfo {
        VideoInfo {
            codec,
            fourcc: fourcc.into(),
            profile: None,
            profile_idc: None,
            level_idc: None,
            bit_depth: 8,
            chroma_format: "4:2:0".into(),
            width,
            height,
            rotation: 0,
            matrix_unusual: false,
            sar: (1, 1),
            display_width: width,
            display_height: height,
            interlaced: false,
            full_range: false,
            color: crate::media::ColorInfo::default(),
            hdr: crate::media::HdrInfo::default(),
            fps: 0.0,
            constant_frame_rate: true,
            frame_duration_range: (0.0, 0.0),
            has_reordering: false,
            keyframes: 0,
            max_keyframe_interval: 0.0,
            open_gop: false,
            vps: Vec::new(),
            sps: Vec::new(),
            pps: Vec::new(),
            nal_length_size: 4,
            more_parameter_sets: Vec::new(),
        }
    }
}

/// Audio codecs clipfit recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AudioCodec {
    /// AAC (profile in `AudioInfo::aac_profile`).
    Aac,
    /// MPEG-1/2 Layer III.
    Mp3,
    /// MPEG-1/2 Layer I/II.
    Mp2,
    /// Uncompressed PCM (`lpcm`, `twos`, `sowt`, `in24`, `in32`, `fl32`, `fl64`, `raw `).
    Pcm,
    /// Dolby AC-3.
    Ac3,
    /// Dolby E-AC-3.
    Eac3,
    /// Apple Lossless.
    Alac,
    /// FLAC.
    Flac,
    /// Opus.
    Opus,
    /// Vorbis (WebM, Matroska).
    Vorbis,
    /// DTS.
    Dts,
    /// Anything else.
    Other,
}

/// A PCM sample layout, for `AudioCodec::Pcm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PcmFormat {
    /// Bits per sample: 8, 16, 24, 32 or 64.
    pub bits: u8,
    /// Floating point samples.
    pub float: bool,
    /// Big-endian samples.
    pub big_endian: bool,
    /// Signed integer samples (8-bit `raw ` is unsigned).
    pub signed: bool,
}

/// An audio track.
#[derive(Clone, Debug, Serialize)]
pub struct AudioInfo {
    /// The codec.
    pub codec: AudioCodec,
    /// The sample entry's four-character code (`mp4a`, `ac-3`, `sowt`, ...).
    pub fourcc: String,
    /// For AAC: `LC`, `HE-AAC`, `HE-AACv2`, `Main`, `LTP`...; from the AudioSpecificConfig.
    pub aac_profile: Option<String>,
    /// For AAC: the audioObjectType of the AudioSpecificConfig (2 = LC, 5 = SBR, 29 = PS).
    pub aac_object_type: Option<u8>,
    /// Output sample rate in Hz (for HE-AAC, the SBR rate, i.e. twice the core rate).
    pub sample_rate: u32,
    /// Channel count.
    pub channels: u16,
    /// PCM layout, for PCM tracks.
    pub pcm: Option<PcmFormat>,
    /// Codec-specific configuration: AAC AudioSpecificConfig, ALAC magic cookie,
    /// FLAC STREAMINFO (`dfLa` body), Opus `dOps` body.
    #[serde(skip)]
    pub codec_config: Vec<u8>,
}
