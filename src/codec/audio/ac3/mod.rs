//! AC-3 (ATSC A/52) and E-AC-3 (A/52 Annex E) decoder.
//!
//! Output channel order follows the WAVE/SMPTE convention (the order FFmpeg uses), per acmod:
//!
//! | acmod | channels | output order (LFE inserted as shown when lfeon) |
//! |---|---|---|
//! | 0 (1+1 dual mono) | Ch1, Ch2 | Left (Ch1), Right (Ch2), (LFE) |
//! | 1 (1/0) | C | Center, (LFE) |
//! | 2 (2/0) | L, R | Left, Right, (LFE) |
//! | 3 (3/0) | L, C, R | Left, Right, Center, (LFE) |
//! | 4 (2/1) | L, R, S | Left, Right, (LFE), Surround |
//! | 5 (3/1) | L, C, R, S | Left, Right, Center, (LFE), Surround |
//! | 6 (2/2) | L, R, Ls, Rs | Left, Right, (LFE), LeftSurround, RightSurround |
//! | 7 (3/2) | L, C, R, Ls, Rs | Left, Right, Center, (LFE), LeftSurround, RightSurround |
//!
//! Samples are f32 in the decoder's natural scale (full scale = 1.0), identical in scale to
//! FFmpeg's float `ac3`/`eac3` decoders with default options: dynamic range control words
//! (`dynrng`) are applied with a scale of 1 (FFmpeg's default `drc_scale=1`; see
//! [`Ac3Decoder::set_drc_scale`]), the heavy
//! compression word (`compr`) and dialogue normalization are not applied, and zero-bit
//! mantissas are dithered with the same pseudo-random sequence FFmpeg uses (so output depends
//! on the decoder's history exactly as FFmpeg's does). Samples are not clipped: like FFmpeg's
//! float output, overs can slightly exceed +-1.0; clamp when converting to integer PCM.
//! No downmixing is done.
//!
//! Supported: AC-3 bsid 0..=8 incl. the Annex D alternate BSI (bsid 6) and bsid 9/10 reduced
//! rates, all acmods incl. dual mono, LFE, block switching, coupling, rematrixing, dither, delta
//! bit allocation, dynrng/dynrng2, CRC checking; E-AC-3 (bsid 11..=16) independent substream 0
//! with 1/2/3/6 blocks, coupling, spectral extension and the adaptive hybrid transform.
//! Unsupported (returns [`Ac3Error::Unsupported`]): E-AC-3 enhanced coupling and reduced
//! sample rates (fscod 3), which FFmpeg does not decode either.
//!
//! E-AC-3: only the first independent substream (substream id 0) is decoded. Dependent
//! substreams (e.g. the extra channels of 7.1) and further independent substreams that follow
//! in the same buffer are skipped, so a 7.1 stream decodes as its 5.1 core.

mod aht;
mod aht_tables;
mod bitalloc;
mod bits;
mod block;
mod crc;
mod eac3;
mod exponents;
mod header;
mod imdct;
mod mantissa;
mod tables;

pub use header::{parse_frame_header, FrameHeader, FrameType};

use bitalloc::{BitAllocParams, Dba};
use bits::BitReader;
use imdct::{kbd_window, Imdct};
use mantissa::Dither;

/// Errors returned by the decoder. After any error the decoder can decode the next frame.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum Ac3Error {
    /// The data does not start with the sync word.
    #[error("no AC-3 sync word 0x0B77 at the start of the frame")]
    NoSync,
    /// The frame is shorter than its header says.
    #[error("frame truncated: header says {needed} bytes, only {available} available")]
    Truncated {
        /// Bytes the header gives.
        needed: usize,
        /// Bytes there are.
        available: usize,
    },
    /// A field runs past the end of the frame.
    #[error("bitstream ended in the middle of the frame (read past end of data)")]
    EndOfData,
    /// A bitstream id that is neither AC-3 (0..=10) nor E-AC-3 (11..=16).
    #[error("unsupported bitstream id (bsid) {0}")]
    UnsupportedBsid(u8),
    /// A CRC word does not match (which one).
    #[error("CRC mismatch ({0})")]
    Crc(&'static str),
    /// A field holds a value the syntax forbids.
    #[error("invalid bitstream: {0}")]
    Invalid(String),
    /// A valid feature this decoder does not implement.
    #[error("unsupported feature: {0}")]
    Unsupported(&'static str),
    /// The frame is an E-AC-3 dependent substream, or an independent substream other than 0,
    /// given on its own. Only independent substream 0 is decoded; callers can skip such frames.
    #[error("E-AC-3 substream skipped: {0} (only independent substream 0 is decoded)")]
    SkippedSubstream(&'static str),
}

/// Output speaker position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Front left.
    Left,
    /// Front right.
    Right,
    /// Front centre.
    Center,
    /// Low-frequency effects.
    Lfe,
    /// Single rear surround channel (acmod 2/1 and 3/1).
    Surround,
    /// Left surround.
    LeftSurround,
    /// Right surround.
    RightSurround,
}

/// One decoded frame.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedAudio {
    /// Samples per second.
    pub sample_rate: u32,
    /// Output channels including LFE.
    pub channels: u16,
    /// Channel of each interleaved slot, see the module documentation for the order.
    pub layout: Vec<Channel>,
    /// Interleaved samples: 256 x number of blocks frames (1536 for AC-3), nominal range
    /// -1..1 (not clipped).
    pub samples: Vec<f32>,
}

/// Counters of bitstream features seen since the decoder was created (for tests and diagnostics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Frames decoded.
    pub frames: u64,
    /// Audio blocks decoded.
    pub blocks: u64,
    /// Channel-blocks using the two short 256-point transforms (block switching).
    pub short_blocks: u64,
    /// Blocks with coupling in use.
    pub coupling_blocks: u64,
    /// Blocks with at least one rematrixing band on.
    pub rematrix_blocks: u64,
    /// Channel-blocks with dither enabled.
    pub dithered_blocks: u64,
    /// Blocks with spectral extension in use.
    pub spx_blocks: u64,
    /// Channel-frames coded with the adaptive hybrid transform.
    pub aht_channels: u64,
    /// Frames with bsid 6 alternate bit stream syntax (Annex D).
    pub alt_bsi_frames: u64,
}

pub(crate) const CPL: usize = 0;
pub(crate) const MAXCH: usize = 7;

/// Complete decoder state (channel index 0 is the coupling channel, 1..=5 full bandwidth
/// channels in bitstream order, then LFE).
pub(crate) struct State {
    pub eac3: bool,
    pub independent: bool,
    pub acmod: u8,
    pub lfeon: bool,
    pub fbw: usize,
    pub channels: usize,
    pub lfe_ch: usize,
    pub num_blocks: usize,

    pub block_switch_syntax: bool,
    pub dither_flag_syntax: bool,
    pub bit_allocation_syntax: bool,
    pub fast_gain_syntax: bool,
    pub dba_syntax: bool,
    pub skip_syntax: bool,
    pub snr_offset_strategy: u8,
    pub first_cpl_leak: bool,

    pub ba: BitAllocParams,
    pub block_switch: [bool; MAXCH],
    pub dither_flag: [bool; MAXCH],
    pub dynrng: [f32; 2],
    pub drc_scale: f32,

    pub cpl_strategy_exists: [bool; 6],
    pub cpl_in_use: [bool; 6],
    pub channel_in_cpl: [bool; MAXCH],
    pub phase_flags_in_use: bool,
    pub phase_flags: [bool; 18],
    pub num_cpl_bands: usize,
    pub cpl_band_sizes: [u8; 22],
    pub cpl_coords: [[i32; 18]; MAXCH],
    pub first_cpl_coords: [bool; MAXCH],

    pub num_rematrix_bands: usize,
    pub rematrix_flags: [bool; 4],

    pub exp_strategy: [[u8; MAXCH]; 6],
    pub start_freq: [usize; MAXCH],
    pub end_freq: [usize; MAXCH],
    pub num_exp_groups: [usize; MAXCH],
    pub dexps: [[u8; 256]; MAXCH],
    pub snr_offset: [i32; MAXCH],
    pub fast_gain: [i32; MAXCH],
    pub dba: [Dba; MAXCH],
    pub psd: [[i16; 256]; MAXCH],
    pub band_psd: [[i16; 50]; MAXCH],
    pub mask: [[i16; 50]; MAXCH],
    pub bap: [[u8; 256]; MAXCH],
    pub fixed: [[i32; 256]; MAXCH],
    pub coeffs: [[f32; 256]; MAXCH],

    // Spectral extension (E-AC-3).
    pub spx_in_use: bool,
    pub channel_uses_spx: [bool; MAXCH],
    pub first_spx_coords: [bool; MAXCH],
    pub spx_dst_start_freq: usize,
    pub spx_src_start_freq: usize,
    pub spx_dst_end_freq: usize,
    pub num_spx_bands: usize,
    pub spx_band_sizes: [u8; 22],
    pub spx_noise_blend: [[f32; 18]; MAXCH],
    pub spx_signal_blend: [[f32; 18]; MAXCH],
    /// Spectral extension attenuation code per channel, None when not transmitted.
    pub spx_atten: [Option<u8>; MAXCH],

    // Adaptive hybrid transform (E-AC-3).
    pub channel_uses_aht: [bool; MAXCH],
    /// Dequantized AHT mantissas of all 6 blocks, per channel and bin.
    pub pre_mantissa: Vec<[[i32; 6]; 256]>,

    pub stats: Stats,
    /// Optional record of (field name, bit position) for bitstream tooling in tests.
    pub trace: Option<Vec<(&'static str, usize)>>,
    pub dither: Dither,
    pub imdct512: Imdct,
    pub imdct256: Imdct,
    pub window: [f32; 256],
    pub delay: [[f32; 128]; 6],
    pub out: Vec<[f32; 1536]>,
}

impl State {
    fn new() -> Box<State> {
        Box::new(State {
            eac3: false,
            independent: false,
            acmod: 0,
            lfeon: false,
            fbw: 0,
            channels: 0,
            lfe_ch: 0,
            num_blocks: 6,
            block_switch_syntax: true,
            dither_flag_syntax: true,
            bit_allocation_syntax: true,
            fast_gain_syntax: false,
            dba_syntax: true,
            skip_syntax: true,
            snr_offset_strategy: 2,
            first_cpl_leak: false,
            ba: BitAllocParams::default(),
            block_switch: [false; MAXCH],
            dither_flag: [false; MAXCH],
            dynrng: [1.0; 2],
            drc_scale: 1.0,
            cpl_strategy_exists: [false; 6],
            cpl_in_use: [false; 6],
            channel_in_cpl: [false; MAXCH],
            phase_flags_in_use: false,
            phase_flags: [false; 18],
            num_cpl_bands: 0,
            cpl_band_sizes: [0; 22],
            cpl_coords: [[0; 18]; MAXCH],
            first_cpl_coords: [true; MAXCH],
            num_rematrix_bands: 0,
            rematrix_flags: [false; 4],
            exp_strategy: [[0; MAXCH]; 6],
            start_freq: [0; MAXCH],
            end_freq: [0; MAXCH],
            num_exp_groups: [0; MAXCH],
            dexps: [[0; 256]; MAXCH],
            snr_offset: [0; MAXCH],
            fast_gain: [0; MAXCH],
            dba: [Dba { mode: 2, ..Dba::default() }; MAXCH],
            psd: [[0; 256]; MAXCH],
            band_psd: [[0; 50]; MAXCH],
            mask: [[0; 50]; MAXCH],
            bap: [[0; 256]; MAXCH],
            fixed: [[0; 256]; MAXCH],
            coeffs: [[0.0; 256]; MAXCH],
            spx_in_use: false,
            channel_uses_spx: [false; MAXCH],
            first_spx_coords: [true; MAXCH],
            spx_dst_start_freq: 0,
            spx_src_start_freq: 0,
            spx_dst_end_freq: 0,
            num_spx_bands: 0,
            spx_band_sizes: [0; 22],
            spx_noise_blend: [[0.0; 18]; MAXCH],
            spx_signal_blend: [[0.0; 18]; MAXCH],
            spx_atten: [None; MAXCH],
            channel_uses_aht: [false; MAXCH],
            pre_mantissa: vec![[[0; 6]; 256]; MAXCH],
            stats: Stats::default(),
            trace: None,
            dither: Dither::new(),
            imdct512: Imdct::new(512),
            imdct256: Imdct::new(256),
            window: kbd_window(),
            delay: [[0.0; 128]; 6],
            out: vec![[0.0; 1536]; 6],
        })
    }

    #[inline]
    pub fn mark(&mut self, name: &'static str, pos: usize) {
        if let Some(t) = self.trace.as_mut() {
            t.push((name, pos));
        }
    }

    /// Applies the fixed frame header to the state.
    fn setup(&mut self, hdr: &FrameHeader) {
        self.eac3 = hdr.bsid > 10;
        self.independent = hdr.frame_type == FrameType::Independent;
        self.acmod = hdr.acmod;
        self.lfeon = hdr.lfeon;
        self.fbw = tables::CHANNELS_TAB[hdr.acmod as usize];
        self.channels = self.fbw + hdr.lfeon as usize;
        self.lfe_ch = self.fbw + 1;
        self.num_blocks = hdr.num_blocks;
        self.ba.fscod = hdr.fscod as usize;
        self.ba.sr_shift = hdr.sr_shift as u32;
        if self.lfeon {
            let l = self.lfe_ch;
            self.start_freq[l] = 0;
            self.end_freq[l] = 7;
            self.num_exp_groups[l] = 2;
            self.channel_in_cpl[l] = false;
            self.block_switch[l] = false;
            self.dither_flag[l] = false;
            self.channel_uses_spx[l] = false;
        }
        if !self.eac3 {
            self.snr_offset_strategy = 2;
            self.block_switch_syntax = true;
            self.dither_flag_syntax = true;
            self.bit_allocation_syntax = true;
            self.fast_gain_syntax = false;
            self.first_cpl_leak = false;
            self.dba_syntax = true;
            self.skip_syntax = true;
            self.spx_in_use = false;
            self.channel_uses_spx = [false; MAXCH];
            self.channel_uses_aht = [false; MAXCH];
        }
    }
}

/// AC-3 / E-AC-3 decoder. See the module documentation for output format and channel order.
pub struct Ac3Decoder {
    st: Box<State>,
    crc_check: bool,
}

impl Default for Ac3Decoder {
    fn default() -> Self {
        Self::new()
    }
}

/// Output slot order for each acmod (indices into bitstream channel order, LFE last), see module docs.
fn output_map(acmod: u8, lfeon: bool) -> (&'static [usize], Vec<Channel>) {
    use Channel::*;
    let (map, layout): (&'static [usize], &[Channel]) = match (acmod, lfeon) {
        (0, false) | (2, false) => (&[0, 1], &[Left, Right]),
        (0, true) | (2, true) => (&[0, 1, 2], &[Left, Right, Lfe]),
        (1, false) => (&[0], &[Center]),
        (1, true) => (&[0, 1], &[Center, Lfe]),
        (3, false) => (&[0, 2, 1], &[Left, Right, Center]),
        (3, true) => (&[0, 2, 1, 3], &[Left, Right, Center, Lfe]),
        (4, false) => (&[0, 1, 2], &[Left, Right, Surround]),
        (4, true) => (&[0, 1, 3, 2], &[Left, Right, Lfe, Surround]),
        (5, false) => (&[0, 2, 1, 3], &[Left, Right, Center, Surround]),
        (5, true) => (&[0, 2, 1, 4, 3], &[Left, Right, Center, Lfe, Surround]),
        (6, false) => (&[0, 1, 2, 3], &[Left, Right, LeftSurround, RightSurround]),
        (6, true) => (&[0, 1, 4, 2, 3], &[Left, Right, Lfe, LeftSurround, RightSurround]),
        (7, false) => (&[0, 2, 1, 3, 4], &[Left, Right, Center, LeftSurround, RightSurround]),
        _ => (&[0, 2, 1, 5, 3, 4], &[Left, Right, Center, Lfe, LeftSurround, RightSurround]),
    };
    (map, layout.to_vec())
}

impl Ac3Decoder {
    /// A decoder with CRC checking on and FFmpeg's default dynamic range scale (1).
    pub fn new() -> Self {
        Ac3Decoder { st: State::new(), crc_check: true }
    }

    /// Enables or disables CRC verification (on by default). With it on, a frame whose
    /// CRC does not match is rejected with [`Ac3Error::Crc`].
    pub fn set_crc_check(&mut self, on: bool) {
        self.crc_check = on;
    }

    /// Records bit positions of selected syntax elements (test tooling only).
    #[doc(hidden)]
    pub fn set_trace(&mut self, on: bool) {
        self.st.trace = if on { Some(Vec::new()) } else { None };
    }

    /// Takes the recorded (field, bit position) list (test tooling only).
    #[doc(hidden)]
    pub fn take_trace(&mut self) -> Vec<(&'static str, usize)> {
        self.st.trace.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Sets how much of the dynamic range control words (`dynrng`) is applied, like FFmpeg's
    /// `drc_scale` option: 1.0 (default) applies them fully, 0.0 disables dynamic range control.
    /// Values are clamped to 0..=6.
    pub fn set_drc_scale(&mut self, scale: f32) {
        self.st.drc_scale = if scale.is_finite() { scale.clamp(0.0, 6.0) } else { 1.0 };
    }

    /// Feature counters since creation.
    pub fn stats(&self) -> Stats {
        self.st.stats
    }

    /// Decodes one syncframe (AC-3) or one independent E-AC-3 frame plus any dependent frames
    /// that follow it in `frame` (those are skipped, see module docs). `frame` starts with the
    /// 0x0B77 sync word. Returns interleaved f32 samples in the order given by `layout`.
    pub fn decode(&mut self, frame: &[u8]) -> Result<DecodedAudio, Ac3Error> {
        let hdr = parse_frame_header(frame)?;
        if frame.len() < hdr.frame_size {
            return Err(Ac3Error::Truncated { needed: hdr.frame_size, available: frame.len() });
        }
        if hdr.frame_type == FrameType::Dependent {
            return Err(Ac3Error::SkippedSubstream("dependent substream"));
        }
        if hdr.substream_id != 0 {
            return Err(Ac3Error::SkippedSubstream("independent substream with id > 0"));
        }
        let data = &frame[..hdr.frame_size];
        if self.crc_check {
            check_crc(data, &hdr)?;
        }
        self.decode_frame(data, &hdr)?;
        let st = &self.st;
        let (map, layout) = output_map(hdr.acmod, hdr.lfeon);
        let n = hdr.num_blocks * 256;
        let nch = map.len();
        let mut samples = vec![0f32; n * nch];
        for (slot, &src) in map.iter().enumerate() {
            let plane = &st.out[src][..n];
            for (i, v) in plane.iter().enumerate() {
                samples[i * nch + slot] = *v;
            }
        }
        Ok(DecodedAudio { sample_rate: hdr.sample_rate, channels: nch as u16, layout, samples })
    }

    fn decode_frame(&mut self, data: &[u8], hdr: &FrameHeader) -> Result<(), Ac3Error> {
        let mut r = BitReader::new(data);
        header::parse_sync(&mut r)?;
        let st = &mut self.st;
        st.setup(hdr);
        if st.eac3 {
            eac3::parse_bsi_and_audfrm(st, &mut r, hdr)?;
        } else {
            header::parse_ac3_bsi_rest(&mut r, hdr)?;
            if hdr.bsid == 6 {
                st.stats.alt_bsi_frames += 1;
            }
        }
        st.stats.frames += 1;
        for blk in 0..hdr.num_blocks {
            st.decode_block(&mut r, blk)?;
            st.stats.blocks += 1;
        }
        Ok(())
    }
}

/// Bit offset of the first audio block of an AC-3 frame (end of the BSI). For tests/tools.
#[doc(hidden)]
pub fn ac3_audio_block_start_bit(frame: &[u8]) -> Result<usize, Ac3Error> {
    let mut r = BitReader::new(frame);
    let hdr = header::parse_sync(&mut r)?;
    if hdr.bsid > 10 {
        return Err(Ac3Error::Unsupported("audio block offset of E-AC-3 frames"));
    }
    header::parse_ac3_bsi_rest(&mut r, &hdr)?;
    Ok(r.position())
}

fn check_crc(data: &[u8], hdr: &FrameHeader) -> Result<(), Ac3Error> {
    if hdr.frame_type == FrameType::Ac3 {
        // crc1 covers the first 5/8 of the frame (A/52 section 5.4.1.2).
        let words = hdr.frame_size / 2;
        let five_eighths = (words >> 1) + (words >> 3);
        if crc::crc16(&data[2..five_eighths * 2]) != 0 {
            return Err(Ac3Error::Crc("crc1"));
        }
    }
    if crc::crc16(&data[2..]) != 0 {
        return Err(Ac3Error::Crc("crc2"));
    }
    Ok(())
}
