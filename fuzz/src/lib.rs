//! The harness every fuzz target shares: one function per target, each feeding arbitrary
//! bytes to one library entry point. The property checked is the same everywhere: the call
//! returns (Ok or Err) without panicking, hanging or over-allocating; libFuzzer's
//! `-timeout` and `-rss_limit_mb` catch the last two.

use std::path::Path;

use clipfit::codec::h264::{annexb, sps};

/// Largest input the `conform` target runs: decoding and encoding are slow, and small
/// inputs reach every container path anyway.
pub const CONFORM_MAX_INPUT: usize = 64 * 1024;

/// Demuxes and probes `data` as an MP4/MOV file.
pub fn probe(data: &[u8]) {
    let _ = clipfit::demux::probe_bytes(data);
}

/// H.264 NAL framing and SPS parsing: `data` is split as an Annex-B stream and as AVCC
/// with every length size, and each NAL unit (plus `data` itself) is parsed as an SPS.
pub fn h264(data: &[u8]) {
    let _ = sps::unescape(data);
    parse_sps(data);
    for nal in annexb::annexb_nals(data) {
        let _ = annexb::nal_type(nal);
        let _ = annexb::is_vcl(nal);
        parse_sps(nal);
    }
    for length_size in 0..=5 {
        if let Ok(nals) = annexb::avcc_nals(data, length_size) {
            let mut annexb_out = Vec::new();
            annexb::write_annexb(nals.iter().copied(), &mut annexb_out);
            // Annex-B of AVCC units splits back into the same units unless a unit holds a
            // start code or ends in zero bytes (both illegal in real NAL units).
            let _ = annexb::annexb_nals(&annexb_out);
            let mut avcc = Vec::new();
            if annexb::write_avcc(nals.iter().copied(), &mut avcc).is_ok() {
                assert_eq!(annexb::avcc_nals(&avcc, 4).ok().as_deref(), Some(&nals[..]), "AVCC round trip");
            }
            for nal in nals {
                parse_sps(nal);
            }
        }
    }
}

fn parse_sps(nal: &[u8]) {
    if let Ok(s) = sps::Sps::parse(nal) {
        let _ = s.profile_name();
        let _ = s.chroma_format_name();
        let _ = sps::level_name(s.level_idc);
        let _ = sps::required_level(s.width, s.height, 30.0, 10_000_000);
    }
}

/// Chunk-offset relocation: the first 8 bytes are the delta (little-endian i64), the rest
/// is the moov box, or a whole file whose top-level moov is used.
pub fn faststart(data: &[u8]) {
    let Some((head, rest)) = data.split_first_chunk::<8>() else {
        return;
    };
    let delta = i64::from_le_bytes(*head);
    let moov = find_moov(rest).unwrap_or(rest);
    if let Ok(out) = clipfit::mux::faststart::relocate_moov_bytes(moov, delta) {
        // What it wrote must itself be a moov it can patch again (delta 0 is the identity).
        let again = clipfit::mux::faststart::relocate_moov_bytes(&out, 0);
        assert!(again.is_ok(), "re-patching own output failed: {again:?}");
    }
}

/// The first top-level `moov` box of `file`, cut to the file's end if it claims more.
fn find_moov(file: &[u8]) -> Option<&[u8]> {
    let mut pos = 0usize;
    while let Some(hdr) = file.get(pos..pos.checked_add(8)?) {
        let size32 = u32::from_be_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]) as u64;
        let size = match size32 {
            0 => (file.len() - pos) as u64,
            1 => u64::from_be_bytes(file.get(pos + 8..pos + 16)?.try_into().ok()?),
            s => s,
        };
        if size < 8 {
            return None;
        }
        let end = usize::try_from(size).ok().and_then(|s| pos.checked_add(s));
        if &hdr[4..8] == b"moov" {
            return Some(&file[pos..end.unwrap_or(file.len()).min(file.len())]);
        }
        pos = end?;
    }
    None
}

/// Runs the whole conform pipeline (tiktok profile, default options) on `data` written to
/// a temporary file. Inputs over [`CONFORM_MAX_INPUT`] are skipped.
pub fn conform(data: &[u8]) {
    if data.len() > CONFORM_MAX_INPUT {
        return;
    }
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let input = dir.path().join("in.mp4");
    if std::fs::write(&input, data).is_err() {
        return;
    }
    conform_file(&input, &dir.path().join("out.mp4"));
}

/// [`conform`] on a file already on disk. The profile is TikTok's rules at 64x112 with no
/// minimum duration: every stage runs, but a run costs milliseconds instead of encoding
/// three seconds of 1080x1920, so the fuzzer gets thousands of executions, not a dozen.
pub fn conform_file(input: &Path, output: &Path) {
    let profile = clipfit::profile::Profile {
        width: Some(64),
        height: Some(112),
        min_duration: 0.0,
        ..clipfit::profile::Profile::tiktok()
    };
    let _ = clipfit::pipeline::conform(
        input,
        output,
        &profile,
        &clipfit::plan::ConformOptions::default(),
        &clipfit::pipeline::NoProgress,
    );
}

/// The init segment (ftyp + moov) of `testdata/fragmented.mp4`: the `fragments` target
/// appends arbitrary bytes to it, so every input reaches moof/traf/trun parsing with a
/// real track list instead of failing at the missing moov.
const FRAGMENT_INIT_FILE: &[u8] = include_bytes!("../../testdata/fragmented.mp4");

/// Fragment parsing: `data` follows a real init segment as the file's `moof`/`mdat` (and
/// `styp`, `sidx`, `emsg`, trailer...) boxes.
pub fn fragments(data: &[u8]) {
    let init_len = FRAGMENT_INIT_FILE.windows(4).position(|w| w == b"moof").map_or(FRAGMENT_INIT_FILE.len(), |p| p - 4);
    let mut file = Vec::with_capacity(init_len + data.len());
    file.extend_from_slice(&FRAGMENT_INIT_FILE[..init_len]);
    file.extend_from_slice(data);
    let _ = clipfit::demux::probe_bytes(&file);
}

/// Largest input the `h264_decode` target decodes: small pictures reach every decoder
/// path, large ones only slow the run.
pub const DECODE_MAX_INPUT: usize = 256 * 1024;

/// Video decoding: `data` is an Annex-B H.264 stream (parameter sets in-band), split into
/// access units and fed to every decoder backend through [`VideoDecoder`]. Besides not
/// panicking, the pictures that come out must be in presentation order with consistent
/// plane sizes.
pub fn h264_decode(data: &[u8]) {
    use clipfit::codec::h264::annexb;
    use clipfit::codec::h264::decode::OpenH264Decoder;
    use clipfit::codec::h264::rust_h264::RustH264Decoder;
    use clipfit::codec::h264::rusty::RustyDecoder;
    use clipfit::codec::video::{Packet, VideoDecoder};
    use clipfit::media::{VideoCodec, VideoInfo};
    use clipfit::video::convert::Converter;
    if data.len() > DECODE_MAX_INPUT {
        return;
    }
    let info = VideoInfo { nal_length_size: 4, ..VideoInfo::new(VideoCodec::H264, "avc1", 64, 64) };
    let units = access_units(data);
    let (Ok(mut openh264), Ok(mut rusty), Ok(mut rust)) =
        (OpenH264Decoder::new(&info), RustyDecoder::new(&info), RustH264Decoder::new(&info))
    else {
        return;
    };
    let mut converter = Converter::new();
    let mut check = |dec: &mut dyn VideoDecoder, last: &mut f64| {
        while let Some(p) = dec.receive_picture() {
            assert!(p.pts >= *last, "presentation order: {} after {}", p.pts, *last);
            *last = p.pts;
            // Any format the decoder makes narrows to 8-bit 4:2:0 (or fails cleanly).
            let Ok(f) = converter.to_i420(&p) else { continue };
            let (cw, ch) = ((f.width as usize).div_ceil(2), (f.height as usize).div_ceil(2));
            assert!(f.y.len() >= f.y_stride * (f.height as usize - 1) + f.width as usize);
            assert!(f.u.len() >= f.c_stride * (ch - 1) + cw && f.v.len() >= f.c_stride * (ch - 1) + cw);
        }
    };
    let (mut last_o, mut last_r, mut last_2) = (f64::MIN, f64::MIN, f64::MIN);
    let mut sample = Vec::new();
    for (i, au) in units.iter().enumerate() {
        // Pictures in decode order, each shown at its own index: nothing to reorder, so
        // anything out of order is the decoder's doing.
        let pts = i as f64;
        let _ = openh264.send_annexb(au, pts, Some(pts + 1.0));
        check(&mut openh264, &mut last_o);
        let _ = rusty.send_annexb(au, pts, Some(pts + 1.0));
        check(&mut rusty, &mut last_r);
        sample.clear();
        if annexb::write_avcc(annexb::annexb_nals(au), &mut sample).is_ok() {
            let _ = rust.send_packet(Packet { data: &sample, pts, upcoming: Some(pts + 1.0) });
            check(&mut rust, &mut last_2);
        }
    }
    for (dec, last) in
        [(&mut openh264 as &mut dyn VideoDecoder, &mut last_o), (&mut rusty, &mut last_r), (&mut rust, &mut last_2)]
    {
        let _ = dec.flush();
        check(dec, last);
        let _ = dec.take_lost();
    }
}

/// Splits an Annex-B stream into access units: a new one starts at each slice NAL that
/// begins a picture (first_mb_in_slice 0, whose ue(v) code is a single 1 bit) and at
/// each parameter set or AUD after a slice.
fn access_units(data: &[u8]) -> Vec<Vec<u8>> {
    let mut units: Vec<Vec<u8>> = Vec::new();
    let mut cur: Vec<&[u8]> = Vec::new();
    let mut has_slice = false;
    for nal in annexb::annexb_nals(data) {
        let t = annexb::nal_type(nal);
        let starts_picture = annexb::is_vcl(nal) && nal.get(1).is_some_and(|b| b & 0x80 != 0);
        if has_slice && (starts_picture || matches!(t, 6..=9)) {
            let mut au = Vec::new();
            annexb::write_annexb(cur.drain(..), &mut au);
            units.push(au);
            has_slice = false;
        }
        has_slice |= annexb::is_vcl(nal);
        cur.push(nal);
    }
    let mut au = Vec::new();
    annexb::write_annexb(cur, &mut au);
    units.push(au);
    units
}

/// HEVC parameter parsing: `data` as an SPS NAL unit, as an `hvcC` record, and as an
/// Annex-B stream whose SPS units are parsed too. Besides not panicking, a parsed SPS
/// must describe a picture inside its coded size.
pub fn h265_sps(data: &[u8]) {
    use clipfit::codec::h265::{hvcc::Hvcc, sps::Sps};
    let check = |nal: &[u8]| {
        if let Ok(sps) = Sps::parse(nal) {
            assert!(sps.width > 0 && sps.width <= sps.coded_width && sps.height <= sps.coded_height);
            assert!((8..=16).contains(&sps.bit_depth_luma) && sps.chroma_format_idc <= 3);
        }
    };
    check(data);
    if let Ok(h) = Hvcc::parse(data) {
        assert!(matches!(h.nal_length_size, 1 | 2 | 4));
        h.sps.iter().for_each(|s| check(s));
    }
    for nal in annexb::annexb_nals(data) {
        check(nal);
    }
}

/// HEVC decoding: `data` is an Annex-B HEVC stream (parameter sets in-band), split into
/// access units, length-prefixed as in an MP4 and fed to the `rusty_h265` backend. The
/// pictures that come out must be in presentation order with consistent plane sizes.
pub fn h265_decode(data: &[u8]) {
    use clipfit::codec::h265::rusty::RustyH265Decoder;
    use clipfit::codec::video::{Packet, Planes, VideoDecoder};
    use clipfit::media::{VideoCodec, VideoInfo};
    if data.len() > DECODE_MAX_INPUT {
        return;
    }
    let info = VideoInfo { nal_length_size: 4, ..VideoInfo::new(VideoCodec::Hevc, "hvc1", 64, 64) };
    let Ok(mut dec) = RustyH265Decoder::new(&info) else { return };
    let mut last = f64::MIN;
    let mut check = |dec: &mut RustyH265Decoder| {
        while let Some(p) = dec.receive_picture() {
            assert!(p.pts >= last, "presentation order: {} after {last}", p.pts);
            last = p.pts;
            let (w, h) = (p.width as usize, p.height as usize);
            let (cw, ch) = p.chroma.chroma_size(p.width, p.height);
            let fits = |len: usize, stride: usize, cols: usize, rows: usize| {
                stride >= cols && len >= stride * (rows - 1) + cols
            };
            match p.planes {
                Planes::U8 { y, u, v } => assert!(
                    fits(y.data.len(), y.stride, w, h)
                        && fits(u.data.len(), u.stride, cw, ch)
                        && fits(v.data.len(), v.stride, cw, ch)
                ),
                Planes::U16 { y, u, v, bit_depth } => {
                    assert!((9..=16).contains(&bit_depth));
                    assert!(
                        fits(y.data.len(), y.stride, w, h)
                            && fits(u.data.len(), u.stride, cw, ch)
                            && fits(v.data.len(), v.stride, cw, ch)
                    );
                }
            }
        }
    };
    for (i, au) in hevc_access_units(data).iter().enumerate() {
        let pts = i as f64;
        let _ = dec.send_packet(Packet { data: au, pts, upcoming: Some(pts + 1.0) });
        check(&mut dec);
    }
    let _ = dec.flush();
    check(&mut dec);
    let _ = dec.take_lost();
}

/// AV1 decoding through rav1d: `data` is cut into temporal units at each temporal
/// delimiter OBU (`12 00`, as an AV1 stream in MP4/Matroska is laid out without them),
/// and every lent picture must fit its planes; the first unit is also read as configOBUs.
pub fn av1_decode(data: &[u8]) {
    use clipfit::codec::av1::{sequence_header, Av1Decoder};
    use clipfit::codec::video::{Packet, Planes, VideoDecoder};
    use clipfit::media::{VideoCodec, VideoInfo};
    if data.len() > DECODE_MAX_INPUT {
        return;
    }
    let mut units: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    for i in 1..data.len().saturating_sub(1) {
        if data[i] == 0x12 && data[i + 1] == 0x00 && i > start {
            units.push(&data[start..i]);
            start = i;
        }
    }
    units.push(&data[start..]);
    let _ = sequence_header(units[0]);
    let Ok(mut dec) = Av1Decoder::new(&VideoInfo::new(VideoCodec::Av1, "av01", 64, 64)) else { return };
    let check = |dec: &mut Av1Decoder| {
        while let Some(p) = dec.receive_picture() {
            let (w, h) = (p.width as usize, p.height as usize);
            let (cw, ch) = p.chroma.chroma_size(p.width, p.height);
            let fits = |len: usize, stride: usize, cols: usize, rows: usize| stride >= cols && len >= stride * rows;
            let ok = match p.planes {
                Planes::U8 { y, u, v } => {
                    fits(y.data.len(), y.stride, w, h) && fits(u.data.len(), u.stride, cw, ch) && fits(v.data.len(), v.stride, cw, ch)
                }
                Planes::U16 { y, u, v, bit_depth } => {
                    (9..=16).contains(&bit_depth)
                        && fits(y.data.len(), y.stride, w, h)
                        && fits(u.data.len(), u.stride, cw, ch)
                        && fits(v.data.len(), v.stride, cw, ch)
                }
            };
            assert!(ok, "a {w}x{h} picture with planes too small");
        }
    };
    for (i, unit) in units.iter().enumerate() {
        let pts = i as f64;
        let _ = dec.send_packet(Packet { data: unit, pts, upcoming: Some(pts + 1.0) });
        check(&mut dec);
    }
    let _ = dec.flush();
    check(&mut dec);
    let _ = dec.take_lost();
}

/// Splits an Annex-B HEVC stream into length-prefixed access units: a new one starts at
/// each slice segment that begins a picture (first_slice_segment_in_pic_flag, the top bit
/// after the two-byte header) and at each VPS/SPS/PPS/AUD/prefix SEI after a slice.
fn hevc_access_units(data: &[u8]) -> Vec<Vec<u8>> {
    let mut units: Vec<Vec<u8>> = Vec::new();
    let mut cur = Vec::new();
    let mut has_slice = false;
    for nal in annexb::annexb_nals(data) {
        let t = nal.first().map_or(0xff, |b| (b >> 1) & 0x3f);
        let vcl = t < 32;
        let starts_picture = vcl && nal.get(2).is_some_and(|b| b & 0x80 != 0);
        if has_slice && (starts_picture || matches!(t, 32..=35 | 39)) {
            units.push(std::mem::take(&mut cur));
            has_slice = false;
        }
        has_slice |= vcl;
        cur.extend_from_slice(&(nal.len() as u32).to_be_bytes());
        cur.extend_from_slice(nal);
    }
    units.push(cur);
    units
}

/// Demuxes `data` as Matroska/WebM (whatever its first bytes): the scan, lacing, timing
/// and summary; then every indexed sample is read back, which must stay inside the data.
pub fn matroska(data: &[u8]) {
    let source = Box::new(std::io::Cursor::new(data.to_vec()));
    if let Ok(demux) = clipfit::demux::matroska::from_source(source, data.len() as u64, "<fuzz>") {
        read_back_every_sample(demux, data.len() as u64);
    }
}

/// Every indexed sample lies inside the `len` bytes of data and reads back.
fn read_back_every_sample(mut demux: impl clipfit::demux::Demuxer, len: u64) {
    let mut buf = Vec::new();
    for t in 0..demux.info().tracks.len() {
        for s in demux.samples(t).to_vec() {
            assert!(s.offset + u64::from(s.size) <= len, "a sample past the end of the data");
            demux.read_sample(&s, &mut buf).expect("an indexed sample reads back");
        }
    }
}

/// Decodes `data` as a run of AC-3/E-AC-3 syncframes (split by their headers, as
/// clipfit's audio decoder does), with CRC checking off so mutations reach the block
/// syntax: Ok or Err per frame, finite samples, and the decoder stays usable.
pub fn ac3_decode(data: &[u8]) {
    use clipfit::codec::audio::ac3::{parse_frame_header, Ac3Decoder};
    let mut dec = Ac3Decoder::new();
    dec.set_crc_check(false);
    let mut rest = data;
    while let Ok(h) = parse_frame_header(rest) {
        let Some((frame, tail)) = rest.split_at_checked(h.frame_size.max(1)) else { break };
        rest = tail;
        if let Ok(out) = dec.decode(frame) {
            assert!(out.samples.iter().all(|s| s.is_finite()), "a non-finite sample");
            assert_eq!(out.samples.len() % usize::from(out.channels.max(1)), 0, "a partial sample frame");
        }
    }
}

/// Demuxes `data` as FLV: tag walking, sequence headers, composition times and timestamp
/// resets; then every indexed sample is read back.
pub fn flv(data: &[u8]) {
    let source = Box::new(std::io::Cursor::new(data.to_vec()));
    if let Ok(demux) = clipfit::demux::flv::from_source(source, data.len() as u64, "<fuzz>") {
        read_back_every_sample(demux, data.len() as u64);
    }
}

/// Demuxes `data` as MPEG-TS (188-byte packets, or 192-byte M2TS when its first byte is
/// odd): PAT/PMT, PES assembly, timestamp unwrapping; then every indexed sample is read
/// back (gathered from its packets and rewritten to length-prefixed form).
pub fn mpegts(data: &[u8]) {
    use clipfit::demux::Demuxer;
    let packet = if data.first().is_some_and(|b| b & 1 == 1) { 192 } else { 188 };
    let data = data.get(1..).unwrap_or(&[]);
    let len = data.len() as u64;
    let source = Box::new(std::io::Cursor::new(data.to_vec()));
    let Ok(mut demux) = clipfit::demux::mpegts::TsDemuxer::from_source(source, len, packet, "<fuzz>") else {
        return;
    };
    let mut buf = Vec::new();
    for t in 0..demux.info().tracks.len() {
        for s in demux.samples(t).to_vec() {
            demux.read_sample(&s, &mut buf).expect("an indexed sample reads back");
        }
    }
}
