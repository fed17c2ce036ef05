//! Serialises `ftyp` and `moov` from the tracks' specs and sample tables.

use crate::error::Result;

use super::boxes::BoxBuf;
use super::spec::{AudioTrackSpec, EditSpec, VideoTrackSpec};
use super::tables::SampleTable;

/// Ticks per second of mvhd/tkhd/elst durations.
pub(crate) const MOVIE_TIMESCALE: u32 = 1000;

/// What a track carries.
#[derive(Debug)]
pub(crate) enum Kind {
    Video(VideoTrackSpec),
    Audio(AudioTrackSpec),
}

/// One track being written.
#[derive(Debug)]
pub(crate) struct Track {
    pub(crate) id: u32,
    pub(crate) kind: Kind,
    pub(crate) table: SampleTable,
}

impl Track {
    pub(crate) fn timescale(&self) -> u32 {
        match &self.kind {
            Kind::Video(v) => v.timescale,
            Kind::Audio(a) => a.timescale,
        }
    }

    fn edit(&self) -> Option<&EditSpec> {
        match &self.kind {
            Kind::Video(v) => v.edit.as_ref(),
            Kind::Audio(a) => a.edit.as_ref(),
        }
    }

    /// Presentation duration in movie ticks: the edit's duration when there is one,
    /// otherwise the media duration, rounded.
    fn movie_duration(&self) -> u64 {
        match self.edit() {
            Some(e) => e.duration_ticks(MOVIE_TIMESCALE),
            None => rescale(self.table.duration, self.timescale(), MOVIE_TIMESCALE),
        }
    }
}

/// `v` ticks of `from` per second in ticks of `to`, rounded to nearest.
fn rescale(v: u64, from: u32, to: u32) -> u64 {
    let from = u128::from(from.max(1));
    let r = (u128::from(v) * u128::from(to) + from / 2) / from;
    u64::try_from(r).unwrap_or(u64::MAX)
}

/// ftyp: isom, minor 512, compatible isom iso2 avc1 mp41 (what players and the platform
/// expect of an H.264/AAC MP4).
pub(crate) fn ftyp() -> Result<Vec<u8>> {
    let mut b = BoxBuf::new();
    b.boxed(b"ftyp", |b| {
        b.bytes(b"isom");
        b.u32(512);
        for brand in [b"isom", b"iso2", b"avc1", b"mp41"] {
            b.bytes(brand);
        }
        Ok(())
    })?;
    Ok(b.into_vec())
}

/// The whole moov; chunk offsets are the tracks' body offsets plus `base` (the file offset
/// of the mdat body). `co64[i]` selects 64-bit chunk offsets for track `i`.
pub(crate) fn moov(tracks: &[Track], base: u64, co64: &[bool]) -> Result<Vec<u8>> {
    let mut b = BoxBuf::new();
    let duration = tracks.iter().map(Track::movie_duration).max().unwrap_or(0);
    let next_id = tracks.iter().map(|t| t.id).max().unwrap_or(0).saturating_add(1);
    b.boxed(b"moov", |b| {
        let v1 = duration > u64::from(u32::MAX);
        b.full(b"mvhd", u8::from(v1), 0, |b| {
            times(b, v1, MOVIE_TIMESCALE, duration);
            b.u32(0x0001_0000); // rate 1.0
            b.u16(0x0100); // volume 1.0
            b.zeros(10);
            b.identity_matrix();
            b.zeros(24);
            b.u32(next_id);
            Ok(())
        })?;
        for (i, t) in tracks.iter().enumerate() {
            trak(b, t, base, co64.get(i).copied().unwrap_or(false))?;
        }
        Ok(())
    })?;
    Ok(b.into_vec())
}

/// creation/modification time (0: unknown), timescale and duration, in the box's version.
fn times(b: &mut BoxBuf, v1: bool, timescale: u32, duration: u64) {
    if v1 {
        b.u64(0);
        b.u64(0);
        b.u32(timescale);
        b.u64(duration);
    } else {
        b.u32(0);
        b.u32(0);
        b.u32(timescale);
        b.u32(duration as u32); // fits: the caller picked version 0 for it
    }
}

fn trak(b: &mut BoxBuf, t: &Track, base: u64, co64: bool) -> Result<()> {
    let duration = t.movie_duration();
    b.boxed(b"trak", |b| {
        let v1 = duration > u64::from(u32::MAX);
        b.full(b"tkhd", u8::from(v1), 3, |b| {
            if v1 {
                b.u64(0);
                b.u64(0);
                b.u32(t.id);
                b.u32(0);
                b.u64(duration);
            } else {
                b.u32(0);
                b.u32(0);
                b.u32(t.id);
                b.u32(0);
                b.u32(duration as u32);
            }
            b.zeros(8);
            b.u16(0); // layer
            b.u16(0); // alternate group
            b.u16(if matches!(t.kind, Kind::Audio(_)) { 0x0100 } else { 0 });
            b.u16(0);
            b.identity_matrix();
            let (w, h) = match &t.kind {
                Kind::Video(v) => (v.width, v.height),
                Kind::Audio(_) => (0, 0),
            };
            // validate() bounds both to 16 bits, so the 16.16 shift cannot overflow.
            b.u32(w << 16);
            b.u32(h << 16);
            Ok(())
        })?;
        if let Some(e) = t.edit() {
            edts(b, e, duration)?;
        }
        mdia(b, t, base, co64)
    })
}

fn edts(b: &mut BoxBuf, e: &EditSpec, duration: u64) -> Result<()> {
    b.boxed(b"edts", |b| {
        let v1 = duration > u64::from(u32::MAX) || e.media_time > i64::from(i32::MAX);
        b.full(b"elst", u8::from(v1), 0, |b| {
            b.u32(1);
            if v1 {
                b.u64(duration);
                b.i64(e.media_time);
            } else {
                b.u32(duration as u32);
                b.i32(e.media_time as i32); // validated 0..=i32::MAX for version 0
            }
            b.u16(1); // media rate 1.0
            b.u16(0);
            Ok(())
        })
    })
}

fn mdia(b: &mut BoxBuf, t: &Track, base: u64, co64: bool) -> Result<()> {
    b.boxed(b"mdia", |b| {
        let v1 = t.table.duration > u64::from(u32::MAX);
        b.full(b"mdhd", u8::from(v1), 0, |b| {
            times(b, v1, t.timescale(), t.table.duration);
            b.u16(0x55C4); // 'und' as three 5-bit letters
            b.u16(0);
            Ok(())
        })?;
        let (handler, name): (&[u8; 4], &[u8]) = match t.kind {
            Kind::Video(_) => (b"vide", b"VideoHandler\0"),
            Kind::Audio(_) => (b"soun", b"SoundHandler\0"),
        };
        b.full(b"hdlr", 0, 0, |b| {
            b.u32(0);
            b.bytes(handler);
            b.zeros(12);
            b.bytes(name);
            Ok(())
        })?;
        b.boxed(b"minf", |b| {
            match t.kind {
                Kind::Video(_) => b.full(b"vmhd", 0, 1, |b| {
                    b.zeros(8); // graphics mode, opcolor
                    Ok(())
                })?,
                Kind::Audio(_) => b.full(b"smhd", 0, 0, |b| {
                    b.zeros(4); // balance, reserved
                    Ok(())
                })?,
            }
            b.boxed(b"dinf", |b| {
                b.full(b"dref", 0, 0, |b| {
                    b.u32(1);
                    // flags 1: the media data is in this file.
                    b.full(b"url ", 0, 1, |_| Ok(()))
                })
            })?;
            b.boxed(b"stbl", |b| {
                b.full(b"stsd", 0, 0, |b| {
                    b.u32(1);
                    match &t.kind {
                        Kind::Video(v) => avc1(b, v),
                        Kind::Audio(a) => mp4a(b, a, t),
                    }
                })?;
                t.table.write_tables(b, base, co64)
            })
        })
    })
}

fn avc1(b: &mut BoxBuf, v: &VideoTrackSpec) -> Result<()> {
    b.boxed(b"avc1", |b| {
        b.zeros(6);
        b.u16(1); // data reference index
        b.zeros(16); // pre_defined, reserved
        b.u16(v.width as u16); // validated ≤ 65535
        b.u16(v.height as u16);
        b.u32(0x0048_0000); // 72 dpi
        b.u32(0x0048_0000);
        b.u32(0);
        b.u16(1); // frame count
        b.zeros(32); // compressor name
        b.u16(0x0018); // depth
        b.u16(0xFFFF); // pre_defined = -1
        b.boxed(b"avcC", |b| {
            b.bytes(&v.avcc);
            Ok(())
        })?;
        b.boxed(b"pasp", |b| {
            b.u32(v.sar.0);
            b.u32(v.sar.1);
            Ok(())
        })?;
        if v.bt709 {
            b.boxed(b"colr", |b| {
                b.bytes(b"nclx");
                b.u16(1); // primaries BT.709
                b.u16(1); // transfer BT.709
                b.u16(1); // matrix BT.709
                b.u8(0); // full_range_flag 0: limited range
                Ok(())
            })?;
        }
        Ok(())
    })
}

fn mp4a(b: &mut BoxBuf, a: &AudioTrackSpec, t: &Track) -> Result<()> {
    b.boxed(b"mp4a", |b| {
        b.zeros(6);
        b.u16(1); // data reference index
        b.zeros(8); // version, revision, vendor
        b.u16(a.channels);
        b.u16(16); // sample size
        b.u32(0); // pre_defined, reserved
                  // 16.16 field: rates above 65535 Hz do not fit and are carried by the ASC alone.
        b.u32(u16::try_from(a.sample_rate).map_or(0, |r| u32::from(r) << 16));
        let avg = if a.avg_bitrate > 0 {
            a.avg_bitrate
        } else {
            let secs = t.table.duration as f64 / f64::from(a.timescale.max(1));
            if secs > 0.0 {
                (t.table.bytes as f64 * 8.0 / secs).min(f64::from(u32::MAX)) as u32
            } else {
                0
            }
        };
        let peak = t.table.peak_bitrate(a.timescale).max(avg);
        b.full(b"esds", 0, 0, |b| esds(b, a, t.table.max_sample_size(), peak, avg))
    })
}

/// ES_Descriptor → DecoderConfigDescriptor (MPEG-4 audio) → DecSpecificInfo (the ASC),
/// then SLConfigDescriptor (predefined 2). Lengths fit one byte: the ASC is ≤ 64 bytes.
fn esds(b: &mut BoxBuf, a: &AudioTrackSpec, buffer: u32, max: u32, avg: u32) -> Result<()> {
    let asc_len = a.asc.len() as u8; // validated ≤ 64
    let dcd_len = 13 + 2 + asc_len;
    let es_len = 3 + 2 + dcd_len + 2 + 1;
    b.u8(0x03);
    b.u8(es_len);
    b.u16(0); // ES_ID
    b.u8(0); // no dependency, URL or OCR
    b.u8(0x04);
    b.u8(dcd_len);
    b.u8(0x40); // MPEG-4 audio
    b.u8(0x15); // stream type 5 (audio) << 2 | reserved 1
    b.u24(buffer.min(0x00FF_FFFF));
    b.u32(max);
    b.u32(avg);
    b.u8(0x05);
    b.u8(asc_len);
    b.bytes(&a.asc);
    b.u8(0x06);
    b.u8(1);
    b.u8(2);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescale_rounds() {
        assert_eq!(rescale(12800 * 4, 12800, 1000), 4000);
        assert_eq!(rescale(1023, 48000, 1000), 21);
        assert_eq!(rescale(u64::MAX, 1, 1000), u64::MAX);
    }

    #[test]
    fn esds_lengths_are_consistent() {
        let a = AudioTrackSpec {
            sample_rate: 44100,
            channels: 2,
            timescale: 44100,
            asc: vec![0x12, 0x10],
            avg_bitrate: 128_000,
            edit: None,
        };
        let mut b = BoxBuf::new();
        esds(&mut b, &a, 600, 150_000, 128_000).unwrap();
        let v = b.into_vec();
        assert_eq!(v[0], 3);
        assert_eq!(usize::from(v[1]), v.len() - 2);
        assert_eq!(v[5], 4);
        assert_eq!(usize::from(v[6]), v.len() - 7 - 3);
        let dsi = 2 + 3 + 2 + 13;
        assert_eq!(&v[dsi..dsi + 4], &[5, 2, 0x12, 0x10]);
        assert_eq!(&v[v.len() - 3..], &[6, 1, 2]);
    }
}
