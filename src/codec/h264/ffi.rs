//! The only place clipfit calls OpenH264's C++ objects (through `openh264-sys2`).
//!
//! OpenH264 exposes its decoder and encoder as C++ objects reached through a pointer to a
//! vtable pointer. Everything unsafe lives here, behind two small owners:
//!
//! - [`RawDecoder`] and [`RawEncoder`] own exactly one object each, created in `new` and
//!   destroyed in `Drop`; the object pointer is never null after `new` succeeds and never
//!   shared, so every method call (`&mut self`) has exclusive access to it.
//! - Vtable entries are checked for null once, in `new`, and stored as plain function
//!   pointers; the vtable is static data inside the library and outlives the object.
//! - Pictures the library hands back point into its own buffers, which stay valid until the
//!   next call on the same object. [`RawDecoder::picture`] therefore borrows the decoder
//!   (every library call takes `&mut self`), and [`EncodedUnits`] borrows the encoder, so the borrow checker forbids a second call
//!   while they are alive. Plane slices are only built after the reported size and strides
//!   were checked to be positive and within [`MAX_DIMENSION`].
//! - Input buffers are only read by the library (the C API takes `*mut` for historical
//!   reasons); their lengths are checked against stride × rows before the call.
//!
//! The multi-threaded decoder (`DECODER_OPTION_NUM_OF_THREADS`) is never enabled: it is
//! known to deadlock. The encoder's own slice threads are safe and are used.

use crate::error::{Error, Result};
use crate::limits::MAX_DIMENSION;
use crate::media::FrameRef;
use openh264_sys2 as sys;
use std::os::raw::{c_int, c_long, c_uchar, c_void};
use std::ptr::null_mut;

/// Decoder result flags that still leave the decoder in a usable state and the output
/// trustworthy: none. Anything non-zero is reported to the caller.
const DS_ERROR_FREE: sys::DECODING_STATE = sys::dsErrorFree;
/// The decoder concealed damage (in this picture or a reference) and still decoded it.
pub const DS_DATA_ERROR_CONCEALED: sys::DECODING_STATE = sys::dsDataErrorConcealed;

type DecodeNoDelayFn = unsafe extern "C" fn(
    *mut sys::ISVCDecoder,
    *const c_uchar,
    c_int,
    *mut *mut c_uchar,
    *mut sys::SBufferInfo,
) -> sys::DECODING_STATE;
type FlushFn =
    unsafe extern "C" fn(*mut sys::ISVCDecoder, *mut *mut c_uchar, *mut sys::SBufferInfo) -> sys::DECODING_STATE;
type DecOptionFn = unsafe extern "C" fn(*mut sys::ISVCDecoder, sys::DECODER_OPTION, *mut c_void) -> c_long;
type DecUninitFn = unsafe extern "C" fn(*mut sys::ISVCDecoder) -> c_long;

/// One OpenH264 decoder, single-threaded, with error concealment: a damaged picture's
/// slices are copied from the previous picture (motion-compensated), as players do, so the
/// pictures after a corrupt one until the next keyframe come out instead of being lost.
pub(crate) struct RawDecoder {
    ptr: *mut sys::ISVCDecoder,
    decode_no_delay: DecodeNoDelayFn,
    flush: FlushFn,
    get_option: DecOptionFn,
    uninitialize: DecUninitFn,
    /// The picture the last call returned, if any.
    last: Option<LibraryPicture>,
}

// SAFETY: the decoder object has no thread affinity (no TLS, single-threaded mode); the
// owner moves it between threads but never shares it (no `Sync`).
unsafe impl Send for RawDecoder {}

/// Where the library put the last picture it returned: planes of `stride × rows` bytes,
/// valid until the next call on the object.
struct LibraryPicture {
    planes: [*mut c_uchar; 3],
    width: u32,
    height: u32,
    y_stride: usize,
    c_stride: usize,
}

impl RawDecoder {
    /// Creates and initialises a decoder.
    pub fn new() -> Result<Self> {
        let mut ptr: *mut sys::ISVCDecoder = null_mut();
        // SAFETY: WelsCreateDecoder writes a fresh object pointer (or leaves null on failure).
        let rc = unsafe { sys::source::APILoader::WelsCreateDecoder(&mut ptr) };
        if rc != 0 || ptr.is_null() {
            return Err(Error::codec("H.264 decode", format!("cannot create decoder ({rc})")));
        }
        // SAFETY: ptr is a valid object whose first field is the vtable pointer.
        let vt = unsafe { &**ptr };
        let missing = || Error::codec("H.264 decode", "OpenH264 decoder vtable incomplete");
        let (
            Some(initialize),
            Some(uninitialize),
            Some(decode_no_delay),
            Some(flush),
            Some(set_option),
            Some(get_option),
        ) = (vt.Initialize, vt.Uninitialize, vt.DecodeFrameNoDelay, vt.FlushFrame, vt.SetOption, vt.GetOption)
        else {
            // SAFETY: ptr came from WelsCreateDecoder and is destroyed exactly once.
            unsafe { sys::source::APILoader::WelsDestroyDecoder(ptr) };
            return Err(missing());
        };
        let param = sys::SDecodingParam {
            eEcActiveIdc: sys::ERROR_CON_SLICE_MV_COPY_CROSS_IDR,
            sVideoProperty: sys::SVideoProperty { size: 0, eVideoBsType: sys::VIDEO_BITSTREAM_AVC },
            ..Default::default()
        };
        // SAFETY: ptr is valid; param outlives the call (the library copies it).
        let rc = unsafe { initialize(ptr, &param) };
        if rc != 0 {
            // SAFETY: as above; not initialised, so only destroy.
            unsafe { sys::source::APILoader::WelsDestroyDecoder(ptr) };
            return Err(Error::codec("H.264 decode", format!("cannot initialise decoder ({rc})")));
        }
        let this = RawDecoder { ptr, decode_no_delay, flush, get_option, uninitialize, last: None };
        let mut quiet: c_int = sys::WELS_LOG_QUIET as c_int;
        let mut ec: c_int = sys::ERROR_CON_SLICE_MV_COPY_CROSS_IDR as c_int;
        // SAFETY: both options take a pointer to an int that lives across the call.
        unsafe {
            set_option(ptr, sys::DECODER_OPTION_TRACE_LEVEL, (&mut quiet as *mut c_int).cast());
            set_option(ptr, sys::DECODER_OPTION_ERROR_CON_IDC, (&mut ec as *mut c_int).cast());
        }
        Ok(this)
    }

    /// Feeds one access unit in Annex-B form, tagged with `tag`; returns the library's
    /// status flags (0 = no error) and, when a picture became ready, its input's tag (the
    /// picture itself is then [`RawDecoder::picture`]).
    pub fn decode(&mut self, annexb: &[u8], tag: u64) -> Result<(i64, Option<u64>)> {
        self.last = None;
        let len = c_int::try_from(annexb.len())
            .map_err(|_| Error::limit("H.264 decode", format!("access unit of {} bytes", annexb.len())))?;
        let mut dst: [*mut c_uchar; 3] = [null_mut(); 3];
        let mut info = sys::SBufferInfo { uiInBsTimeStamp: tag, ..Default::default() };
        // SAFETY: ptr is valid and exclusively borrowed; the input is read-only for `len`
        // bytes; dst and info are valid out-parameters.
        let state = unsafe { (self.decode_no_delay)(self.ptr, annexb.as_ptr(), len, dst.as_mut_ptr(), &mut info) };
        let tag = self.keep_picture(dst, &info)?;
        Ok((i64::from(state), tag))
    }

    /// Releases one buffered picture at end of stream, if any; returns its input's tag.
    pub fn flush(&mut self) -> Result<Option<u64>> {
        self.last = None;
        let mut dst: [*mut c_uchar; 3] = [null_mut(); 3];
        let mut info = sys::SBufferInfo::default();
        // SAFETY: as in `decode`.
        let state = unsafe { (self.flush)(self.ptr, dst.as_mut_ptr(), &mut info) };
        if state != DS_ERROR_FREE && state != DS_DATA_ERROR_CONCEALED {
            return Err(Error::codec("H.264 decode", format!("flush failed (state {state:#x})")));
        }
        self.keep_picture(dst, &info)
    }

    /// Number of decoded pictures held back for reordering.
    pub fn buffered(&mut self) -> usize {
        let mut n: c_int = 0;
        // SAFETY: the option writes one int.
        let rc = unsafe {
            (self.get_option)(
                self.ptr,
                sys::DECODER_OPTION_NUM_OF_FRAMES_REMAINING_IN_BUFFER,
                (&mut n as *mut c_int).cast(),
            )
        };
        if rc != 0 {
            return 0;
        }
        usize::try_from(n).unwrap_or(0)
    }

    /// The picture the last `decode` or `flush` returned, still in the library's buffer
    /// (its `pts` is 0: the caller knows the time). Borrowing `self` keeps any further
    /// library call, which would invalidate the buffer, away while it is in use.
    pub fn picture(&self) -> Option<FrameRef<'_>> {
        let p = self.last.as_ref()?;
        let ch = (p.height as usize).div_ceil(2);
        // SAFETY: `keep_picture` checked the layout the library reported for these
        // buffers, which hold at least `stride * rows` bytes per plane (they are
        // macroblock-aligned and padded); the sizes are bounded by MAX_DIMENSION, so the
        // products cannot overflow. `last` is cleared before every library call, and the
        // buffers stay valid until the next one, which needs `&mut self`.
        let (y, u, v) = unsafe {
            (
                std::slice::from_raw_parts(p.planes[0], p.y_stride * p.height as usize),
                std::slice::from_raw_parts(p.planes[1], p.c_stride * ch),
                std::slice::from_raw_parts(p.planes[2], p.c_stride * ch),
            )
        };
        Some(FrameRef {
            width: p.width,
            height: p.height,
            y,
            u,
            v,
            y_stride: p.y_stride,
            c_stride: p.c_stride,
            pts: 0.0,
        })
    }

    /// Checks what the library reported for a ready picture and remembers its buffers.
    fn keep_picture(&mut self, dst: [*mut c_uchar; 3], info: &sys::SBufferInfo) -> Result<Option<u64>> {
        if info.iBufferStatus != 1 || dst.iter().any(|p| p.is_null()) {
            return Ok(None);
        }
        // SAFETY: iBufferStatus == 1 means the union holds the system-buffer variant.
        let sb = unsafe { info.UsrData.sSystemBuffer };
        let dims = [sb.iWidth, sb.iHeight, sb.iStride[0], sb.iStride[1]].map(|v| usize::try_from(v).unwrap_or(0));
        let [width, height, y_stride, c_stride] = dims;
        let cw = width.div_ceil(2);
        if width == 0 || height == 0 || y_stride < width || c_stride < cw {
            return Err(Error::codec("H.264 decode", format!("decoder returned a bad picture layout {dims:?}")));
        }
        if width > MAX_DIMENSION as usize || height > MAX_DIMENSION as usize {
            return Err(Error::limit("H.264 decode", format!("picture {width}x{height} exceeds {MAX_DIMENSION}")));
        }
        if sb.iFormat != sys::videoFormatI420 as c_int {
            return Err(Error::unsupported(
                format!("decoded picture format {}", sb.iFormat),
                "only 8-bit 4:2:0 H.264 is supported",
            ));
        }
        // Both dimensions were bounded by MAX_DIMENSION above, so they fit in u32.
        self.last =
            Some(LibraryPicture { planes: dst, width: width as u32, height: height as u32, y_stride, c_stride });
        Ok(Some(info.uiOutYuvTimeStamp))
    }
}

impl Drop for RawDecoder {
    fn drop(&mut self) {
        // SAFETY: ptr was initialised in `new` and is released exactly once here.
        unsafe {
            (self.uninitialize)(self.ptr);
            sys::source::APILoader::WelsDestroyDecoder(self.ptr);
        }
    }
}

type EncInitFn = unsafe extern "C" fn(*mut sys::ISVCEncoder, *const sys::SEncParamExt) -> c_int;
type EncodeFn =
    unsafe extern "C" fn(*mut sys::ISVCEncoder, *const sys::SSourcePicture, *mut sys::SFrameBSInfo) -> c_int;
type EncOptionFn = unsafe extern "C" fn(*mut sys::ISVCEncoder, sys::ENCODER_OPTION, *mut c_void) -> c_int;
type EncUninitFn = unsafe extern "C" fn(*mut sys::ISVCEncoder) -> c_int;

/// One OpenH264 encoder.
pub(crate) struct RawEncoder {
    ptr: *mut sys::ISVCEncoder,
    initialized: bool,
    initialize_ext: EncInitFn,
    encode_frame: EncodeFn,
    set_option: EncOptionFn,
    uninitialize: EncUninitFn,
    /// The library writes the NAL layout of each frame here (about 6 KB, so boxed).
    bs: Box<sys::SFrameBSInfo>,
}

// SAFETY: as for RawDecoder; the encoder's worker threads are internal to the object.
unsafe impl Send for RawEncoder {}

/// The NAL units of one encoded frame, still inside the encoder's buffer.
pub(crate) struct EncodedUnits<'a> {
    /// `videoFrameType*` of the frame.
    pub frame_type: sys::EVideoFrameType,
    /// Each NAL unit including its Annex-B start code, in order.
    pub nals: Vec<&'a [u8]>,
}

impl RawEncoder {
    /// Creates an encoder and returns it with the library's default parameters, to be
    /// adjusted and passed to [`RawEncoder::initialize`].
    pub fn new() -> Result<(Self, sys::SEncParamExt)> {
        let mut ptr: *mut sys::ISVCEncoder = null_mut();
        // SAFETY: writes a fresh object pointer (or leaves null on failure).
        let rc = unsafe { sys::source::APILoader::WelsCreateSVCEncoder(&mut ptr) };
        if rc != 0 || ptr.is_null() {
            return Err(Error::codec("H.264 encode", format!("cannot create encoder ({rc})")));
        }
        // SAFETY: ptr is a valid object whose first field is the vtable pointer.
        let vt = unsafe { &**ptr };
        let (Some(initialize_ext), Some(defaults), Some(encode_frame), Some(set_option), Some(uninitialize)) =
            (vt.InitializeExt, vt.GetDefaultParams, vt.EncodeFrame, vt.SetOption, vt.Uninitialize)
        else {
            // SAFETY: destroyed exactly once.
            unsafe { sys::source::APILoader::WelsDestroySVCEncoder(ptr) };
            return Err(Error::codec("H.264 encode", "OpenH264 encoder vtable incomplete"));
        };
        let this = RawEncoder {
            ptr,
            initialized: false,
            initialize_ext,
            encode_frame,
            set_option,
            uninitialize,
            bs: Box::default(),
        };
        let mut params = sys::SEncParamExt::default();
        // SAFETY: fills the struct in place.
        let rc = unsafe { defaults(ptr, &mut params) };
        if rc != 0 {
            return Err(Error::codec("H.264 encode", format!("cannot read default parameters ({rc})")));
        }
        Ok((this, params))
    }

    /// Initialises the encoder with `params` (once).
    pub fn initialize(&mut self, params: &sys::SEncParamExt) -> Result<()> {
        if self.initialized {
            return Err(Error::codec("H.264 encode", "encoder initialised twice"));
        }
        let mut quiet: c_int = sys::WELS_LOG_QUIET as c_int;
        // SAFETY: the option reads one int; setting the trace level first keeps the
        // library's parameter log off stderr.
        unsafe { (self.set_option)(self.ptr, sys::ENCODER_OPTION_TRACE_LEVEL, (&mut quiet as *mut c_int).cast()) };
        // SAFETY: params is a fully initialised struct that the library copies.
        let rc = unsafe { (self.initialize_ext)(self.ptr, params) };
        if rc != 0 {
            return Err(Error::codec("H.264 encode", format!("encoder rejected the parameters ({rc})")));
        }
        self.initialized = true;
        let mut format: c_int = sys::videoFormatI420 as c_int;
        // SAFETY: the option reads one int.
        let rc =
            unsafe { (self.set_option)(self.ptr, sys::ENCODER_OPTION_DATAFORMAT, (&mut format as *mut c_int).cast()) };
        if rc != 0 {
            return Err(Error::codec("H.264 encode", format!("cannot select I420 input ({rc})")));
        }
        Ok(())
    }

    /// Encodes one picture; `timestamp_ms` only feeds the library's rate-control
    /// bookkeeping.
    pub fn encode(&mut self, pic: FrameRef<'_>, timestamp_ms: i64) -> Result<EncodedUnits<'_>> {
        if !self.initialized {
            return Err(Error::codec("H.264 encode", "encoder used before initialisation"));
        }
        let (width, height) = (pic.width as usize, pic.height as usize);
        let ch = height.div_ceil(2);
        let plane_ok = pic.y_stride >= width
            && pic.c_stride >= width.div_ceil(2)
            && pic.y.len() >= pic.y_stride.saturating_mul(height)
            && pic.u.len() >= pic.c_stride.saturating_mul(ch)
            && pic.v.len() >= pic.c_stride.saturating_mul(ch);
        let to_int = |v: usize| c_int::try_from(v).ok();
        let (Some(w), Some(h), Some(ys), Some(cs)) =
            (to_int(width), to_int(height), to_int(pic.y_stride), to_int(pic.c_stride))
        else {
            return Err(Error::Invalid(format!("picture {}x{} too large to encode", pic.width, pic.height)));
        };
        if !plane_ok {
            return Err(Error::Invalid(format!("picture planes too small for {}x{}", pic.width, pic.height)));
        }
        let src = sys::SSourcePicture {
            iColorFormat: sys::videoFormatI420 as c_int,
            iStride: [ys, cs, cs, 0],
            // The library only reads the source planes.
            pData: [pic.y.as_ptr().cast_mut(), pic.u.as_ptr().cast_mut(), pic.v.as_ptr().cast_mut(), null_mut()],
            iPicWidth: w,
            iPicHeight: h,
            uiTimeStamp: timestamp_ms,
            bPsnrY: false,
            bPsnrU: false,
            bPsnrV: false,
        };
        // SAFETY: planes were checked to cover stride × rows; bs is owned and writable.
        let rc = unsafe { (self.encode_frame)(self.ptr, &src, &mut *self.bs) };
        if rc != 0 {
            return Err(Error::codec("H.264 encode", format!("EncodeFrame failed ({rc})")));
        }
        let bs: &sys::SFrameBSInfo = &self.bs;
        let layers = usize::try_from(bs.iLayerNum).unwrap_or(0).min(bs.sLayerInfo.len());
        let mut nals = Vec::new();
        for layer in &bs.sLayerInfo[..layers] {
            let count = usize::try_from(layer.iNalCount).unwrap_or(0);
            if count == 0 || layer.pNalLengthInByte.is_null() || layer.pBsBuf.is_null() {
                continue;
            }
            // SAFETY: the library wrote `iNalCount` lengths, and the NALs back to back
            // into `pBsBuf`; both stay valid until the next EncodeFrame, which the
            // returned borrow of `self` prevents.
            let lens = unsafe { std::slice::from_raw_parts(layer.pNalLengthInByte, count) };
            let total = lens.iter().try_fold(0usize, |acc, &l| acc.checked_add(usize::try_from(l).ok()?));
            let Some(total) = total else {
                return Err(Error::codec("H.264 encode", "encoder reported a bad NAL length"));
            };
            // SAFETY: see above; `total` is the sum of the NAL lengths in this layer.
            let buf = unsafe { std::slice::from_raw_parts(layer.pBsBuf, total) };
            let mut at = 0;
            for &l in lens {
                let l = usize::try_from(l).unwrap_or(0);
                nals.push(&buf[at..at + l]);
                at += l;
            }
        }
        Ok(EncodedUnits { frame_type: bs.eFrameType, nals })
    }
}

impl Drop for RawEncoder {
    fn drop(&mut self) {
        // SAFETY: ptr came from WelsCreateSVCEncoder; uninitialise only if initialised,
        // then destroy exactly once.
        unsafe {
            if self.initialized {
                (self.uninitialize)(self.ptr);
            }
            sys::source::APILoader::WelsDestroySVCEncoder(self.ptr);
        }
    }
}
