//! Decoding a file's video track on its own (as 8-bit 4:2:0), without fitting or encoding: for comparing
//! decoder backends against each other and against FFmpeg (tests, `examples/decode_raw`).

use std::path::Path;

use crate::codec::video::{open_decoder, DecoderKind, Packet, Picture, VideoDecoder};
use crate::error::{Error, Result};
use crate::media::FrameRef;
use crate::video::convert::Converter;

/// What decoding a track gave.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrackDecode {
    /// Samples sent to the decoder.
    pub samples: usize,
    /// Pictures handed out.
    pub pictures: usize,
    /// Samples the decoder rejected.
    pub errors: usize,
    /// Samples reported never to produce a picture.
    pub lost: usize,
}

/// Decodes every sample of `path`'s first video track with `kind`, handing each picture,
/// in presentation order and with its pts in the track's time, to `each` as 8-bit 4:2:0.
/// Per-sample decode errors are counted, not returned; anything else (no video track, an
/// unsupported format) is an error.
pub fn decode_track(path: &Path, kind: DecoderKind, mut each: impl FnMut(FrameRef<'_>)) -> Result<TrackDecode> {
    let mut converter = Converter::new();
    let mut failed = None;
    let summary = decode_pictures(path, kind, |p| match converter.to_i420(p) {
        Ok(f) => each(f),
        Err(e) => failed = failed.take().or(Some(e)),
    })?;
    failed.map_or(Ok(summary), Err)
}

/// Like [`decode_track`], with each picture as the decoder made it (any bit depth and
/// chroma format).
pub fn decode_pictures(path: &Path, kind: DecoderKind, mut each: impl FnMut(&Picture<'_>)) -> Result<TrackDecode> {
    let mut demux = crate::demux::open(path)?;
    let index = demux.info().video_index().ok_or_else(|| Error::Invalid("no video track".into()))?;
    let info = demux.info().video().cloned().ok_or_else(|| Error::Invalid("no video track".into()))?;
    let timescale = f64::from(demux.timescale(index).max(1));
    let samples = demux.samples(index).to_vec();
    let pts: Vec<f64> = samples.iter().map(|s| s.pts() as f64 / timescale).collect();
    // earliest[i]: the earliest pts from sample i on.
    let mut earliest = vec![f64::INFINITY; pts.len() + 1];
    for i in (0..pts.len()).rev() {
        earliest[i] = earliest[i + 1].min(pts[i]);
    }
    let mut dec = open_decoder(kind, &info)?;
    let mut out = TrackDecode::default();
    let mut take = |dec: &mut dyn VideoDecoder, out: &mut TrackDecode| -> Result<()> {
        while let Some(p) = dec.receive_picture() {
            each(&p);
            out.pictures += 1;
        }
        out.lost += dec.take_lost().len();
        Ok(())
    };
    let mut buf = Vec::new();
    let mut desc = 0u32;
    for (i, s) in samples.iter().enumerate() {
        if s.desc != desc {
            if let Some(sets) = info.parameter_sets(s.desc) {
                dec.queue_parameter_sets(&sets.leading(), &sets.pps);
            }
            desc = s.desc;
        }
        demux.read_sample(s, &mut buf)?;
        let upcoming = Some(earliest[i + 1]).filter(|p| p.is_finite());
        out.samples += 1;
        out.errors += usize::from(dec.send_packet(Packet { data: &buf, pts: pts[i], upcoming }).is_err());
        take(dec.as_mut(), &mut out)?;
    }
    dec.flush()?;
    take(dec.as_mut(), &mut out)?;
    Ok(out)
}
