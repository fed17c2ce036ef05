//! A minimal safe wrapper over fdk-aac's decoder C API.
//!
//! The `fdk-aac` crate's decoder keeps fdk's defaults, which delay all output (reported as
//! `outputDelay`): the PCM limiter's look-ahead (~720 samples at 48 kHz) and energy-
//! interpolation concealment (one whole frame): measured 1744 samples for AAC-LC 48 kHz.
//! We need every sample at its true position, so we open the decoder ourselves and switch
//! both off; the decoder then hard-clips at full scale, which real encoders rarely reach.

use fdk_aac_sys as sys;

/// An fdk-aac decoder for raw (MP4) access units.
pub(crate) struct FdkDecoder {
    handle: sys::HANDLE_AACDECODER,
}

// SAFETY: the handle is owned exclusively by this value and fdk-aac keeps no thread-local
// state; moving it between threads is fine (it is never shared: no `Sync`).
unsafe impl Send for FdkDecoder {}

/// The shape of the last decoded frame.
pub(crate) struct FrameInfo {
    pub rate: u32,
    pub channels: usize,
    pub frame: usize,
    pub output_delay: u32,
    /// (AUDIO_CHANNEL_TYPE, index within that type) for each output channel.
    pub positions: Vec<(u32, u8)>,
}

fn describe(code: sys::AAC_DECODER_ERROR) -> String {
    let what = match code {
        sys::AAC_DECODER_ERROR_AAC_DEC_UNSUPPORTED_AOT => "unsupported audio object type",
        sys::AAC_DECODER_ERROR_AAC_DEC_UNSUPPORTED_FORMAT => "unsupported bitstream format",
        sys::AAC_DECODER_ERROR_AAC_DEC_UNSUPPORTED_CHANNELCONFIG => "unsupported channel configuration",
        sys::AAC_DECODER_ERROR_AAC_DEC_UNSUPPORTED_SAMPLINGRATE => "unsupported sample rate",
        sys::AAC_DECODER_ERROR_AAC_DEC_INVALID_SBR_CONFIG => "invalid SBR configuration",
        sys::AAC_DECODER_ERROR_AAC_DEC_PARSE_ERROR => "bitstream parse error",
        sys::AAC_DECODER_ERROR_AAC_DEC_DECODE_FRAME_ERROR => "corrupt frame",
        sys::AAC_DECODER_ERROR_AAC_DEC_CRC_ERROR => "CRC mismatch",
        sys::AAC_DECODER_ERROR_AAC_DEC_TRANSPORT_ERROR => "transport error",
        sys::AAC_DECODER_ERROR_AAC_DEC_OUTPUT_BUFFER_TOO_SMALL => "output buffer too small",
        _ => "decoder error",
    };
    format!("{what} (fdk-aac 0x{code:04x})")
}

impl FdkDecoder {
    /// Open a decoder for `asc`, with the limiter off.
    pub fn open(asc: &[u8]) -> Result<Self, String> {
        // SAFETY: plain constructor call; a null return is handled.
        let handle = unsafe { sys::aacDecoder_Open(sys::TRANSPORT_TYPE_TT_MP4_RAW, 1) };
        if handle.is_null() {
            return Err("could not open the AAC decoder".into());
        }
        let dec = FdkDecoder { handle };
        let len = u32::try_from(asc.len()).map_err(|_| "oversized config".to_string())?;
        let mut ptr = asc.as_ptr() as *mut u8;
        // SAFETY: fdk reads `len` bytes from `ptr` (it never writes through it).
        let e = unsafe { sys::aacDecoder_ConfigRaw(dec.handle, &mut ptr, &len) };
        if e != sys::AAC_DECODER_ERROR_AAC_DEC_OK {
            return Err(describe(e));
        }
        // Limiter off (its look-ahead delays output); concealment by noise substitution
        // rather than the default energy interpolation, which holds back one whole frame.
        for (param, value) in [(sys::AACDEC_PARAM_AAC_PCM_LIMITER_ENABLE, 0), (sys::AACDEC_PARAM_AAC_CONCEAL_METHOD, 1)]
        {
            // SAFETY: valid handle, documented parameters and values.
            let e = unsafe { sys::aacDecoder_SetParam(dec.handle, param, value) };
            if e != sys::AAC_DECODER_ERROR_AAC_DEC_OK {
                return Err(describe(e));
            }
        }
        Ok(dec)
    }

    /// Decode one access unit into `out` (interleaved i16). `Ok(None)`: no frame yet.
    pub fn decode(&mut self, au: &[u8], out: &mut [i16]) -> Result<Option<FrameInfo>, String> {
        let mut offset = 0usize;
        while offset < au.len() {
            let rest = &au[offset..];
            let size = u32::try_from(rest.len()).map_err(|_| "oversized packet".to_string())?;
            let mut valid = size;
            let mut ptr = rest.as_ptr() as *mut u8;
            // SAFETY: fdk copies at most `size` bytes from `ptr` into its own buffer and
            // reports how many it left in `valid`.
            let e = unsafe { sys::aacDecoder_Fill(self.handle, &mut ptr, &size, &mut valid) };
            if e != sys::AAC_DECODER_ERROR_AAC_DEC_OK {
                return Err(describe(e));
            }
            let used = (size - valid.min(size)) as usize;
            if used == 0 {
                break;
            }
            offset += used;
        }
        self.frame(out, 0)
    }

    /// Decode what fdk still holds after the last access unit.
    pub fn flush(&mut self, out: &mut [i16]) -> Result<Option<FrameInfo>, String> {
        self.frame(out, sys::AACDEC_FLUSH)
    }

    fn frame(&mut self, out: &mut [i16], flags: u32) -> Result<Option<FrameInfo>, String> {
        let cap = i32::try_from(out.len()).unwrap_or(i32::MAX);
        // SAFETY: `out` holds `cap` i16 samples; fdk writes at most that many.
        let e = unsafe { sys::aacDecoder_DecodeFrame(self.handle, out.as_mut_ptr(), cap, flags) };
        if e == sys::AAC_DECODER_ERROR_AAC_DEC_NOT_ENOUGH_BITS {
            return Ok(None);
        }
        if e != sys::AAC_DECODER_ERROR_AAC_DEC_OK {
            return Err(describe(e));
        }
        // SAFETY: valid handle; the struct lives inside the decoder and we copy out of it
        // before any other call.
        let si = unsafe { sys::aacDecoder_GetStreamInfo(self.handle).as_ref() };
        let Some(si) = si else { return Err("no stream info".into()) };
        let channels = usize::try_from(si.numChannels).unwrap_or(0);
        let frame = usize::try_from(si.frameSize).unwrap_or(0);
        let rate = u32::try_from(si.sampleRate).unwrap_or(0);
        match channels.checked_mul(frame) {
            Some(n) if n > 0 && n <= out.len() && rate > 0 => {}
            _ => return Err("decoder reported an impossible frame shape".into()),
        }
        let positions = if si.pChannelType.is_null() || si.pChannelIndices.is_null() {
            Vec::new()
        } else {
            // SAFETY: fdk documents both arrays as `numChannels` long.
            let (t, i) = unsafe {
                (
                    std::slice::from_raw_parts(si.pChannelType, channels),
                    std::slice::from_raw_parts(si.pChannelIndices, channels),
                )
            };
            t.iter().copied().zip(i.iter().copied()).collect()
        };
        Ok(Some(FrameInfo { rate, channels, frame, output_delay: si.outputDelay, positions }))
    }
}

impl Drop for FdkDecoder {
    fn drop(&mut self) {
        // SAFETY: the handle came from aacDecoder_Open and is closed exactly once.
        unsafe { sys::aacDecoder_Close(self.handle) }
    }
}
