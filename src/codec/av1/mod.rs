//! AV1 decoding with `rav1d` (the pure-Rust port of dav1d), behind [`VideoDecoder`].
//!
//! rav1d's only public interface is dav1d's C API as `unsafe extern "C"` Rust functions,
//! so this module is the one place that calls it: every call's invariants are stated at
//! the call, every `Dav1dData` and `Dav1dPicture` it hands out is owned by a guard here
//! that unrefs it, and the rest of clipfit sees a safe [`Av1Decoder`] and
//! [`sequence_header`].
//!
//! One decoder runs one thread with a frame delay of 1 (clipfit already runs one decoder
//! per segment worker, and with one frame context dav1d returns each temporal unit's
//! picture as soon as it is sent, in presentation order: AV1 in MP4/Matroska puts exactly
//! one shown frame in each sample). Pictures are lent straight out of dav1d's buffers
//! (no copy): 8-bit as `u8` planes, 10/12-bit as `u16`, any chroma layout; the fit
//! converts them to 8-bit 4:2:0. Monochrome pictures have no chroma planes in dav1d;
//! they are lent as 4:2:0 with neutral (mid-grey) chroma planes the decoder keeps.
//!
//! Corrupt data comes back from dav1d as error codes, which become this packet's codec
//! error while the decoder stays usable (it resumes at the next keyframe). rav1d is young
//! and has panicked on corrupt frames (our fuzzing found one, fixed in the vendored copy):
//! clipfit builds it with entry points that unwind (`vendor/rav1d/CLIPFIT-PATCHES.md`),
//! so every call into it runs under `catch_unwind`, and a panic costs that sample and
//! the decoder, which is replaced by a fresh one.

pub mod config;

use std::collections::VecDeque;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;

use rav1d::include::dav1d::data::Dav1dData;
use rav1d::include::dav1d::dav1d::{Dav1dContext, Dav1dLogger, Dav1dSettings};
use rav1d::include::dav1d::headers::{
    Dav1dSequenceHeader, DAV1D_PIXEL_LAYOUT_I400, DAV1D_PIXEL_LAYOUT_I420, DAV1D_PIXEL_LAYOUT_I422,
    DAV1D_PIXEL_LAYOUT_I444,
};
use rav1d::include::dav1d::picture::Dav1dPicture;
use rav1d::src::lib::{
    dav1d_close, dav1d_data_create, dav1d_data_unref, dav1d_default_settings, dav1d_get_picture, dav1d_open,
    dav1d_parse_sequence_header, dav1d_picture_unref, dav1d_send_data,
};
use rav1d::Dav1dResult;

use crate::codec::video::{ChromaFormat, Decoded, Packet, Picture, Plane, Planes, VideoDecoder};
use crate::error::{Error, Result};
use crate::limits::{MAX_DIMENSION, MAX_SAMPLE_SIZE};
use crate::media::VideoInfo;

const STAGE: &str = "AV1 decode";
/// dav1d's "try again": input not taken (send) or no picture ready (get). dav1d returns
/// errors as negative errno values.
const EAGAIN: i32 = -libc::EAGAIN;
/// How many times one track's decoder may panic and be replaced. A panic can leave the old
/// context's memory behind, so a stream that keeps doing it is refused rather than
/// allowed to grow without bound.
const MAX_RESTARTS: u32 = 16;

/// What a sequence header says (from `av1C`'s configOBUs or a keyframe).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SequenceInfo {
    /// seq_profile.
    pub profile: u8,
    /// 8, 10 or 12.
    pub bit_depth: u8,
    /// `4:0:0`, `4:2:0`, `4:2:2` or `4:4:4`.
    pub chroma_format: &'static str,
    /// H.273 colour code points when color_description_present_flag is set.
    pub color: Option<crate::media::ColorInfo>,
    /// color_range: full (JPEG) range.
    pub full_range: bool,
    /// The largest frame size the stream uses.
    pub max_width: u32,
    /// See `max_width`.
    pub max_height: u32,
}

/// The first sequence header among `obus` (low-overhead OBUs with size fields), parsed by
/// rav1d; `None` when there is none or it is damaged.
pub fn sequence_header(obus: &[u8]) -> Option<SequenceInfo> {
    // dav1d refuses empty input; sizes beyond a sample's limit are not headers.
    if obus.is_empty() || obus.len() > MAX_SAMPLE_SIZE as usize {
        return None;
    }
    let mut out = MaybeUninit::<Dav1dSequenceHeader>::uninit();
    // SAFETY: `out` points to writable memory for one Dav1dSequenceHeader (the function
    // only writes it, and only reads `obus`); `obus` is a live slice of `obus.len()` bytes,
    // non-null because it is not empty.
    let parsed = catch_unwind(AssertUnwindSafe(|| unsafe {
        dav1d_parse_sequence_header(Some(NonNull::from(&mut out).cast()), Some(NonNull::from(obus).cast()), obus.len())
    }));
    if !matches!(parsed, Ok(Dav1dResult(0))) {
        return None;
    }
    // SAFETY: a zero result means dav1d wrote a whole header into `out`; the struct is
    // plain data (integers and arrays of them), valid for any bit pattern dav1d writes.
    let h = unsafe { out.assume_init() };
    let chroma_format = match h.layout {
        DAV1D_PIXEL_LAYOUT_I400 => "4:0:0",
        DAV1D_PIXEL_LAYOUT_I420 => "4:2:0",
        DAV1D_PIXEL_LAYOUT_I422 => "4:2:2",
        DAV1D_PIXEL_LAYOUT_I444 => "4:4:4",
        _ => return None,
    };
    let code = |v: u32| u8::try_from(v).unwrap_or(2);
    // dav1d reports unspecified (2) for all three when color_description_present_flag is 0.
    let (primaries, transfer, matrix) = (code(h.pri), code(h.trc), code(h.mtrx));
    let color = (primaries != 2 || transfer != 2 || matrix != 2).then_some(crate::media::ColorInfo {
        primaries,
        transfer,
        matrix,
    });
    Some(SequenceInfo {
        profile: h.profile,
        bit_depth: match h.hbd {
            0 => 8,
            1 => 10,
            _ => 12,
        },
        chroma_format,
        color,
        full_range: h.color_range != 0,
        max_width: u32::try_from(h.max_width).unwrap_or(0),
        max_height: u32::try_from(h.max_height).unwrap_or(0),
    })
}

/// A picture dav1d gave us; unreferenced when dropped.
struct OwnedPicture(Dav1dPicture);

impl Drop for OwnedPicture {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from a successful dav1d_get_picture and is unreferenced
        // only here, once; unref takes the references and leaves an empty picture.
        unsafe { dav1d_picture_unref(Some(NonNull::from(&mut self.0))) };
    }
}

/// Input dav1d has not taken yet; unreferenced when dropped.
struct OwnedData(Dav1dData);

impl Drop for OwnedData {
    fn drop(&mut self) {
        // SAFETY: `self.0` is empty (default) or was filled by dav1d_data_create; unref
        // releases its buffer (a no-op once dav1d_send_data consumed it).
        unsafe { dav1d_data_unref(Some(NonNull::from(&mut self.0))) };
    }
}

/// The dav1d context; closed when dropped.
struct Context(Option<Dav1dContext>);

impl Context {
    fn open() -> Result<Context> {
        let mut s = MaybeUninit::<Dav1dSettings>::uninit();
        // SAFETY: `s` is writable memory for one Dav1dSettings, which the call fills in
        // whole (the documented way to initialise settings).
        unsafe { dav1d_default_settings(NonNull::from(&mut s).cast()) };
        // SAFETY: initialised just above.
        let mut s = unsafe { s.assume_init() };
        s.n_threads = 1;
        s.max_frame_delay = 1;
        // A hostile frame size must not allocate more than clipfit would ever decode.
        s.frame_size_limit = MAX_DIMENSION * MAX_DIMENSION;
        // Film grain is part of the picture the encoder meant (as FFmpeg's libdav1d applies).
        s.apply_grain = 1;
        // One picture per temporal unit: of a spatially scalable stream, only its highest
        // layer (dav1d's default outputs every layer's frame).
        s.all_layers = 0;
        // SAFETY: no callback means no logging at all (dav1d's default prints to stderr,
        // which would interleave with clipfit's progress output); a null cookie is only
        // ever passed to a callback, and there is none.
        s.logger = unsafe { Dav1dLogger::new(None, None) };
        let mut ctx = None;
        // SAFETY: `ctx` is writable for an Option<Dav1dContext> and `s` readable for the
        // settings; dav1d_open does not keep either pointer.
        let rc = unsafe { dav1d_open(Some(NonNull::from(&mut ctx)), Some(NonNull::from(&mut s))) };
        match (rc.0, ctx) {
            (0, Some(c)) => Ok(Context(Some(c))),
            _ => Err(Error::codec(STAGE, format!("the decoder did not open (error {})", rc.0))),
        }
    }

    fn get(&self) -> Option<Dav1dContext> {
        self.0
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: `self.0` is a context from dav1d_open, closed only here; every picture
        // that refers to its pool is reference-counted, so pictures may outlive it (dav1d
        // keeps the pool alive until the last one is unreferenced). Close sets it to None.
        unsafe { dav1d_close(Some(NonNull::from(&mut self.0))) };
    }
}

/// Decodes one AV1 track.
pub struct Av1Decoder {
    ctx: Context,
    ready: VecDeque<(OwnedPicture, f64)>,
    lent: Option<(OwnedPicture, f64)>,
    lost: Vec<f64>,
    /// Contexts replaced after a panic inside rav1d (see `MAX_RESTARTS`).
    restarts: u32,
    neutral: NeutralChroma,
}

/// Mid-grey chroma for monochrome pictures, at least one 4:2:0 chroma plane of the
/// largest monochrome picture so far (stride: its chroma width).
#[derive(Default)]
struct NeutralChroma {
    u8s: Vec<u8>,
    u16s: Vec<u16>,
}

impl NeutralChroma {
    /// Makes room for `pic` if it is monochrome. False when its size is not lendable.
    fn fit(&mut self, pic: &Dav1dPicture) -> bool {
        if pic.p.layout != DAV1D_PIXEL_LAYOUT_I400 {
            return true;
        }
        let (Ok(w), Ok(h)) = (u32::try_from(pic.p.w), u32::try_from(pic.p.h)) else { return false };
        if w == 0 || h == 0 || w > MAX_DIMENSION || h > MAX_DIMENSION || !(8..=16).contains(&pic.p.bpc) {
            return false;
        }
        let (cw, ch) = ChromaFormat::Yuv420.chroma_size(w, h);
        let n = cw * ch;
        if pic.p.bpc > 8 {
            let mid = 1u16 << (pic.p.bpc - 1);
            if self.u16s.len() < n || self.u16s.first() != Some(&mid) {
                self.u16s = vec![mid; n];
            }
        } else if self.u8s.len() < n {
            self.u8s = vec![128; n];
        }
        true
    }
}

// SAFETY: the context is a reference-counted Rav1dContext built to be shared with its own
// worker threads (Send + Sync inside; the raw pointer type only hides it behind the C API),
// and pictures are reference-counted buffers with no thread affinity. The decoder is only
// used from one thread at a time (`&mut self` on every call), never shared.
unsafe impl Send for Av1Decoder {}

impl Av1Decoder {
    /// A decoder for `info`'s track (AV1 carries its sequence header in-band, so the
    /// configOBUs need not be sent).
    pub fn new(info: &VideoInfo) -> Result<Self> {
        if info.width > MAX_DIMENSION || info.height > MAX_DIMENSION {
            return Err(Error::limit("AV1 track", format!("{}x{} exceeds {MAX_DIMENSION}", info.width, info.height)));
        }
        Ok(Av1Decoder {
            ctx: Context::open()?,
            ready: VecDeque::new(),
            lent: None,
            lost: Vec::new(),
            restarts: 0,
            neutral: NeutralChroma::default(),
        })
    }

    /// How many times rav1d panicked and this decoder replaced its context.
    pub fn restarts(&self) -> u32 {
        self.restarts
    }

    /// Runs `call` (which calls into rav1d); when rav1d panics, the context (whose state
    /// the panic may have left half-updated) is closed and a fresh one opened, and the
    /// result is `Ok(None)`. Pictures already taken out stay valid: each holds its own
    /// reference to its buffer.
    fn guarded<T>(&mut self, call: impl FnOnce(&mut Self) -> T) -> Result<Option<T>> {
        match catch_unwind(AssertUnwindSafe(|| call(self))) {
            Ok(v) => Ok(Some(v)),
            Err(_) => {
                self.restarts += 1;
                if self.restarts > MAX_RESTARTS {
                    return Err(Error::limit(
                        "AV1 track",
                        format!("the decoder failed internally {} times; the stream is too damaged", self.restarts),
                    ));
                }
                let old = std::mem::replace(&mut self.ctx, Context::open()?);
                // Closing a context a panic interrupted may panic again; then its memory
                // is left behind (bounded by MAX_RESTARTS), which is safe.
                let _ = catch_unwind(AssertUnwindSafe(move || drop(old)));
                Ok(None)
            }
        }
    }

    /// Sends all of `data`, taking out pictures as they come; the first error code, if any.
    fn send_all(&mut self, data: &mut OwnedData) -> Option<i32> {
        // dav1d takes the data in parts (one frame's OBUs at a time) and answers EAGAIN
        // when a picture must be taken out first; each round either consumes input or
        // outputs, and a temporal unit holds at most a few frames, so this ends.
        for _ in 0..64 {
            let ctx = self.ctx.get();
            // SAFETY: `ctx` is the open context; `data.0` is valid to read and write
            // (dav1d advances its pointer and size as it consumes, and takes the reference
            // when it has consumed everything, leaving it empty).
            let rc = unsafe { dav1d_send_data(ctx, Some(NonNull::from(&mut data.0))) };
            if let Err(e) = self.drain() {
                return Some(e);
            }
            match rc {
                Dav1dResult(0) if data.0.sz == 0 => return None,
                Dav1dResult(0) | Dav1dResult(EAGAIN) => {}
                Dav1dResult(e) => return Some(e),
            }
        }
        None
    }

    /// Takes every picture dav1d has ready. `Err` carries dav1d's error code.
    fn drain(&mut self) -> std::result::Result<(), i32> {
        loop {
            let mut pic = OwnedPicture(Dav1dPicture::default());
            let ctx = self.ctx.get();
            // SAFETY: `ctx` is the open context (not closed until `self.ctx` drops);
            // `pic.0` is writable for one picture, which dav1d overwrites without reading
            // (it was empty, so nothing leaks). On error it is left empty, and unref of an
            // empty picture does nothing.
            let rc = unsafe { dav1d_get_picture(ctx, Some(NonNull::from(&mut pic.0))) };
            match rc {
                Dav1dResult(0) => {
                    let pts = f64::from_bits(pic.0.m.timestamp as u64);
                    // A layout dav1d never makes for a valid stream cannot be lent: the
                    // picture is lost, not handed out.
                    if self.neutral.fit(&pic.0) && view(&pic.0, &self.neutral, pts).is_some() {
                        self.ready.push_back((pic, pts));
                    } else {
                        self.lost.push(pts);
                    }
                }
                Dav1dResult(EAGAIN) => return Ok(()),
                Dav1dResult(e) => return Err(e),
            }
        }
    }
}

/// A lent picture's planes as slices, after checking dav1d's layout against its size;
/// a monochrome picture's chroma comes from `neutral` (made to fit it beforehand).
fn view<'a>(pic: &'a Dav1dPicture, neutral: &'a NeutralChroma, pts: f64) -> Option<Picture<'a>> {
    let p = &pic.p;
    let (w, h) = (u32::try_from(p.w).ok()?, u32::try_from(p.h).ok()?);
    if w == 0 || h == 0 || w > MAX_DIMENSION || h > MAX_DIMENSION {
        return None;
    }
    let chroma = match p.layout {
        DAV1D_PIXEL_LAYOUT_I420 => ChromaFormat::Yuv420,
        DAV1D_PIXEL_LAYOUT_I422 => ChromaFormat::Yuv422,
        DAV1D_PIXEL_LAYOUT_I444 => ChromaFormat::Yuv444,
        DAV1D_PIXEL_LAYOUT_I400 => return view_monochrome(pic, neutral, w, h, pts),
        _ => return None,
    };
    let (cw, ch) = chroma.chroma_size(w, h);
    let bytes = if p.bpc > 8 { 2 } else { 1 };
    let (ys, cs) = (usize::try_from(pic.stride[0]).ok()?, usize::try_from(pic.stride[1]).ok()?);
    if ys < w as usize * bytes || cs < cw * bytes || ys % bytes != 0 || cs % bytes != 0 {
        return None;
    }
    // Whole strides for every row (the fit's planes are stride x rows): dav1d allocates
    // each plane as stride x the height rounded up to 128 rows (halved for 4:2:0 chroma).
    let sizes = [ys.checked_mul(h as usize)?, cs.checked_mul(ch)?, cs.checked_mul(ch)?];
    let ptrs = plane_pointers(pic, bytes)?;
    let planes = if bytes == 1 {
        // SAFETY: dav1d's picture buffers hold at least `h` rows `stride` bytes apart for
        // luma and `ch` rows for each chroma plane (see `sizes`), strides checked positive
        // and wide enough above; the buffers live as long as `pic`'s
        // reference, which the returned borrow of `pic` keeps.
        let plane = |k: usize, stride| unsafe { Plane { data: std::slice::from_raw_parts(ptrs[k], sizes[k]), stride } };
        Planes::U8 { y: plane(0, ys), u: plane(1, cs), v: plane(2, cs) }
    } else {
        // SAFETY: as above, and for more than 8 bits dav1d stores native-endian `u16`
        // samples, the pointers checked 2-aligned and the spans even.
        let plane = |k: usize, stride: usize| unsafe {
            Plane { data: std::slice::from_raw_parts(ptrs[k].cast::<u16>(), sizes[k] / 2), stride: stride / 2 }
        };
        Planes::U16 { bit_depth: u8::try_from(p.bpc).ok()?, y: plane(0, ys), u: plane(1, cs), v: plane(2, cs) }
    };
    Some(Picture { width: w, height: h, chroma, planes, pts })
}

/// The picture's plane pointers (luma only for monochrome, which has no chroma planes),
/// each checked aligned for `bytes`-wide samples; null where there is no plane.
fn plane_pointers(pic: &Dav1dPicture, bytes: usize) -> Option<[*const u8; 3]> {
    let planes = if pic.p.layout == DAV1D_PIXEL_LAYOUT_I400 { 1 } else { 3 };
    let mut ptrs = [std::ptr::null::<u8>(); 3];
    for (k, d) in pic.data.iter().take(planes).enumerate() {
        let ptr = d.as_ref()?.as_ptr().cast::<u8>().cast_const();
        if ptr.align_offset(bytes) != 0 {
            return None;
        }
        ptrs[k] = ptr;
    }
    Some(ptrs)
}

/// A monochrome picture lent as 4:2:0: dav1d's luma plane and `neutral`'s grey chroma.
fn view_monochrome<'a>(
    pic: &'a Dav1dPicture,
    neutral: &'a NeutralChroma,
    w: u32,
    h: u32,
    pts: f64,
) -> Option<Picture<'a>> {
    let bytes = if pic.p.bpc > 8 { 2 } else { 1 };
    let ys = usize::try_from(pic.stride[0]).ok()?;
    if ys < w as usize * bytes || ys % bytes != 0 {
        return None;
    }
    let size = ys.checked_mul(h as usize)?;
    let (cw, ch) = ChromaFormat::Yuv420.chroma_size(w, h);
    let luma = plane_pointers(pic, bytes)?[0];
    let planes = if bytes == 1 {
        let grey = neutral.u8s.get(..cw * ch)?;
        // SAFETY: as in `view`: dav1d's luma buffer holds `h` rows `ys` bytes apart, and
        // lives as long as `pic`'s reference, which the returned borrow keeps.
        let y = unsafe { std::slice::from_raw_parts(luma, size) };
        Planes::U8 {
            y: Plane { data: y, stride: ys },
            u: Plane { data: grey, stride: cw },
            v: Plane { data: grey, stride: cw },
        }
    } else {
        let grey = neutral.u16s.get(..cw * ch)?;
        // SAFETY: as above, with native-endian `u16` samples, the pointer checked
        // 2-aligned and the span even.
        let y = unsafe { std::slice::from_raw_parts(luma.cast::<u16>(), size / 2) };
        Planes::U16 {
            bit_depth: u8::try_from(pic.p.bpc).ok()?,
            y: Plane { data: y, stride: ys / 2 },
            u: Plane { data: grey, stride: cw },
            v: Plane { data: grey, stride: cw },
        }
    };
    Some(Picture { width: w, height: h, chroma: ChromaFormat::Yuv420, planes, pts })
}

impl VideoDecoder for Av1Decoder {
    fn queue_parameter_sets(&mut self, _sps: &[Vec<u8>], _pps: &[Vec<u8>]) {
        // AV1 repeats its sequence header in-band at every keyframe.
    }

    fn send_packet(&mut self, packet: Packet<'_>) -> Result<Decoded> {
        self.lent = None;
        if !packet.pts.is_finite() {
            return Err(Error::Invalid(format!("AV1 sample pts {} is not finite", packet.pts)));
        }
        if packet.data.is_empty() || packet.data.len() > MAX_SAMPLE_SIZE as usize {
            self.lost.push(packet.pts);
            return Err(Error::malformed(
                "AV1 sample",
                format!("{} bytes at pts {:.3} s", packet.data.len(), packet.pts),
            ));
        }
        let mut data = OwnedData(Dav1dData::default());
        // SAFETY: `data.0` is writable for one Dav1dData (empty, so nothing is
        // overwritten that needed releasing); the call allocates `len` bytes it owns.
        let buf = unsafe { dav1d_data_create(Some(NonNull::from(&mut data.0)), packet.data.len()) };
        if buf.is_null() {
            self.lost.push(packet.pts);
            return Err(Error::codec(STAGE, "out of memory for a sample"));
        }
        // SAFETY: `buf` is the start of the `packet.data.len()` bytes just allocated for
        // `data`, which nothing else refers to yet; the source is a distinct live slice.
        unsafe { std::ptr::copy_nonoverlapping(packet.data.as_ptr(), buf, packet.data.len()) };
        // The pts rides along in the data's properties (dav1d copies them to the picture
        // made from this data), so pictures keep their packet's time exactly.
        // (+ 0.0 turns -0.0, whose bits are i64::MIN, dav1d's "no timestamp", into 0.0.)
        data.0.m.timestamp = (packet.pts + 0.0).to_bits() as i64;
        let before = self.ready.len();
        let failure = self.guarded(|dec| dec.send_all(&mut data));
        // Dropping the data releases it (dav1d holds its own reference to what it took).
        let _ = catch_unwind(AssertUnwindSafe(move || drop(data)));
        let failure = failure?;
        if self.ready.len() > before {
            return Ok(Decoded::Clean);
        }
        self.lost.push(packet.pts);
        Err(Error::codec(
            STAGE,
            match failure {
                Some(Some(e)) => format!("corrupt data at pts {:.3} s (dav1d error {e})", packet.pts),
                Some(None) => format!("no picture from the sample at pts {:.3} s", packet.pts),
                None => format!("the decoder failed on the sample at pts {:.3} s (restarted)", packet.pts),
            },
        ))
    }

    fn receive_picture(&mut self) -> Option<Picture<'_>> {
        let next = self.ready.pop_front()?;
        let (pic, pts) = self.lent.insert(next);
        view(&pic.0, &self.neutral, *pts)
    }

    fn flush(&mut self) -> Result<()> {
        self.lent = None;
        // With one frame context nothing is held back, but drain anyway: it is what the
        // API asks at the end of a stream.
        match self.guarded(Self::drain)? {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(Error::codec(STAGE, format!("at the end of the stream (dav1d error {e})"))),
            None => Err(Error::codec(STAGE, "the decoder failed at the end of the stream (restarted)")),
        }
    }

    fn take_lost(&mut self) -> Vec<f64> {
        std::mem::take(&mut self.lost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_crash_and_the_decoder_stays_usable() {
        let info = VideoInfo::new(crate::media::VideoCodec::Av1, "av01", 64, 64);
        let mut dec = Av1Decoder::new(&info).unwrap();
        for (k, junk) in [&[0u8; 1][..], &[0x12, 0x00, 0x0a, 0x0b, 0, 0, 0], &[0xff; 300]].iter().enumerate() {
            let r = dec.send_packet(Packet { data: junk, pts: k as f64, upcoming: None });
            assert!(r.is_err());
            assert!(dec.receive_picture().is_none());
        }
        assert_eq!(dec.take_lost(), vec![0.0, 1.0, 2.0]);
        dec.flush().unwrap();
        assert_eq!(sequence_header(&[0x0a, 0x01, 0xff]), None);
        assert_eq!(sequence_header(&[]), None);
    }
}
