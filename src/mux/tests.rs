//! Muxer tests against real media: samples taken from the fixtures are written back with
//! [`Mp4Writer`] or relocated, and the output is read by ffprobe/ffmpeg as an oracle.
//! The oracle tests print a note and pass when ffprobe is missing (CI installs it).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::boxread::{children, top_level_boxes};
use super::faststart::{relocate, relocate_moov_bytes};
use super::*;
use crate::error::Error;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)
}

fn have_ffprobe() -> bool {
    let ok = Command::new("ffprobe").arg("-version").output().is_ok_and(|o| o.status.success())
        && Command::new("ffmpeg").arg("-version").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("note: ffprobe/ffmpeg not found, skipping an oracle test");
    }
    ok
}

fn ffprobe(path: &Path, args: &[&str]) -> Value {
    let out = Command::new("ffprobe").args(["-v", "error", "-of", "json"]).args(args).arg(path).output().unwrap();
    assert!(out.status.success(), "ffprobe failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// One packet as ffprobe sees it (timestamps after the edit list is applied).
#[derive(Debug, Clone, PartialEq)]
struct Packet {
    stream: u64,
    pts: i64,
    dts: i64,
    duration: i64,
    size: u64,
    flags: String,
    hash: String,
    pos: u64,
}

fn packets(path: &Path) -> Vec<Packet> {
    let v = ffprobe(path, &["-show_packets", "-show_data_hash", "MD5"]);
    let int = |p: &Value, k: &str| -> i64 {
        p[k].as_i64().or_else(|| p[k].as_str().and_then(|s| s.parse().ok())).unwrap_or(i64::MIN)
    };
    v["packets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| Packet {
            stream: p["stream_index"].as_u64().unwrap(),
            pts: int(p, "pts"),
            dts: int(p, "dts"),
            duration: int(p, "duration"),
            size: int(p, "size") as u64,
            flags: p["flags"].as_str().unwrap().to_string(),
            hash: p["data_hash"].as_str().unwrap().to_string(),
            pos: int(p, "pos") as u64,
        })
        .collect()
}

/// Packets without their file positions, in decode order per stream.
fn timeline(path: &Path) -> Vec<Packet> {
    let mut p: Vec<Packet> = packets(path).into_iter().map(|p| Packet { pos: 0, ..p }).collect();
    p.sort_by_key(|p| p.stream); // stable: keeps decode order inside a stream
    p
}

fn streams(path: &Path) -> Vec<Value> {
    ffprobe(path, &["-show_streams", "-show_format"])["streams"].as_array().unwrap().clone()
}

fn top_level(path: &Path) -> Vec<String> {
    let mut f = File::open(path).unwrap();
    let len = f.metadata().unwrap().len();
    top_level_boxes(&mut f, len, path)
        .unwrap()
        .iter()
        .map(|b| String::from_utf8_lossy(&b.fourcc).into_owned())
        .collect()
}

fn stream_md5(path: &Path) -> String {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0", "-c", "copy", "-f", "streamhash", "-hash", "md5", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn decode_errors(path: &Path) -> String {
    let out = Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(path).args(["-f", "null", "-"]).output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The payload of the first box called `fourcc` anywhere in `data` (a crude search that
/// is fine for the small, known fixtures).
fn find_box<'a>(data: &'a [u8], fourcc: &[u8; 4]) -> &'a [u8] {
    let i = data.windows(4).position(|w| w == fourcc).unwrap();
    let size = u32::from_be_bytes(data[i - 4..i].try_into().unwrap()) as usize;
    &data[i + 4..i - 4 + size]
}

fn moov_of(path: &Path) -> Vec<u8> {
    let data = std::fs::read(path).unwrap();
    let mut f = File::open(path).unwrap();
    let boxes = top_level_boxes(&mut f, data.len() as u64, path).unwrap();
    let m = boxes.iter().find(|b| &b.fourcc == b"moov").unwrap();
    data[m.start as usize..m.end() as usize].to_vec()
}

/// Per track of a source file: handler type and its single edit (media_time, seconds).
fn source_edits(path: &Path) -> Vec<(String, Option<EditSpec>)> {
    let moov = moov_of(path);
    let moov_payload = &moov[8..];
    let mvhd = find_box(moov_payload, b"mvhd");
    assert_eq!(mvhd[0], 0);
    let movie_scale = u32::from_be_bytes(mvhd[12..16].try_into().unwrap());
    let mut out = Vec::new();
    for trak in children(moov_payload, "moov") {
        let trak = trak.unwrap();
        if &trak.fourcc != b"trak" {
            continue;
        }
        let handler = String::from_utf8_lossy(&find_box(trak.payload, b"hdlr")[8..12]).into_owned();
        let edit = children(trak.payload, "trak").map(Result::unwrap).find(|c| &c.fourcc == b"edts").map(|edts| {
            let elst = find_box(edts.payload, b"elst");
            assert_eq!(elst[0], 0, "fixture elst version");
            assert_eq!(u32::from_be_bytes(elst[4..8].try_into().unwrap()), 1, "one edit");
            let dur = u32::from_be_bytes(elst[8..12].try_into().unwrap());
            let media_time = i32::from_be_bytes(elst[12..16].try_into().unwrap());
            EditSpec { media_time: i64::from(media_time), duration_secs: f64::from(dur) / f64::from(movie_scale) }
        });
        out.push((handler, edit));
    }
    out
}

/// The AudioSpecificConfig inside an esds payload (after version/flags).
fn asc_from_esds(esds: &[u8]) -> Vec<u8> {
    let mut i = 4;
    let read_len = |i: &mut usize| {
        let mut n = 0usize;
        loop {
            let b = esds[*i];
            *i += 1;
            n = (n << 7) | usize::from(b & 0x7F);
            if b & 0x80 == 0 {
                return n;
            }
        }
    };
    assert_eq!(esds[i], 3);
    i += 1;
    read_len(&mut i);
    i += 3; // ES_ID, flags (0 in the fixtures)
    assert_eq!(esds[i], 4);
    i += 1;
    read_len(&mut i);
    i += 13;
    assert_eq!(esds[i], 5);
    i += 1;
    let n = read_len(&mut i);
    esds[i..i + n].to_vec()
}

/// SPS and PPS out of an avcC payload.
fn parameter_sets(avcc: &[u8]) -> (Vec<u8>, Vec<u8>) {
    assert_eq!(avcc[5] & 0x1F, 1);
    let sps_len = usize::from(u16::from_be_bytes([avcc[6], avcc[7]]));
    let sps = avcc[8..8 + sps_len].to_vec();
    let p = 8 + sps_len;
    assert_eq!(avcc[p], 1);
    let pps_len = usize::from(u16::from_be_bytes([avcc[p + 1], avcc[p + 2]]));
    (sps, avcc[p + 3..p + 3 + pps_len].to_vec())
}

/// Remuxes `src` (H.264 + AAC) through Mp4Writer, in the source's interleaving.
fn remux(src: &Path, out: &Path, with_edits: bool) -> MuxSummary {
    let data = std::fs::read(src).unwrap();
    let moov = moov_of(src);
    let avcc = find_box(&moov, b"avcC").to_vec();
    let (sps, pps) = parameter_sets(&avcc);
    let rebuilt = avcc_from_parameter_sets(&sps, &pps).unwrap();
    assert_eq!(rebuilt, avcc, "avcC rebuilt from SPS/PPS differs from the encoder's");
    let asc = asc_from_esds(find_box(&moov, b"esds"));
    let edits = source_edits(src);
    let edit_of = |h: &str| {
        if with_edits {
            edits.iter().find(|e| e.0 == h).unwrap().1
        } else {
            None
        }
    };
    let info = streams(src);
    let scale = |s: &Value| -> u32 { s["time_base"].as_str().unwrap()[2..].parse().unwrap() };
    let (v, a) = (&info[0], &info[1]);
    assert_eq!(v["codec_type"], "video");

    let mut w = Mp4Writer::create(out).unwrap();
    let vt = w
        .add_video(VideoTrackSpec {
            width: v["width"].as_u64().unwrap() as u32,
            height: v["height"].as_u64().unwrap() as u32,
            timescale: scale(v),
            avcc: rebuilt,
            sar: (1, 1),
            bt709: true,
            edit: edit_of("vide"),
        })
        .unwrap();
    let at = w
        .add_audio(AudioTrackSpec {
            sample_rate: a["sample_rate"].as_str().unwrap().parse().unwrap(),
            channels: a["channels"].as_u64().unwrap() as u16,
            timescale: scale(a),
            asc,
            avg_bitrate: a["bit_rate"].as_str().unwrap().parse().unwrap(),
            edit: edit_of("soun"),
        })
        .unwrap();
    let mut pk = packets(src);
    pk.sort_by_key(|p| p.pos);
    for p in pk {
        let bytes = &data[p.pos as usize..(p.pos + p.size) as usize];
        let track = if p.stream == 0 { vt } else { at };
        let cto = (p.pts - p.dts) as i32;
        w.write_sample(track, bytes, p.duration as u32, p.flags.starts_with('K'), cto).unwrap();
    }
    w.finish().unwrap()
}

#[test]
fn remuxed_file_is_faststart_and_packet_identical() {
    if !have_ffprobe() {
        return;
    }
    let src = fixture("landscape_bframes.mp4");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let summary = remux(&src, &out, true);

    assert_eq!(top_level(&out), ["ftyp", "moov", "mdat"]);
    assert_eq!(summary.file_size, std::fs::metadata(&out).unwrap().len());
    assert_eq!(summary.tracks[0].sample_count, 100);
    assert_eq!(summary.tracks[0].duration_ticks, 4 * 12800);

    // Same bytes, timestamps (edit lists applied), durations and key flags, per stream.
    let (a, b) = (timeline(&src), timeline(&out));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    assert_eq!(stream_md5(&src), stream_md5(&out));

    let (si, so) = (streams(&src), streams(&out));
    for k in
        ["codec_name", "profile", "width", "height", "nb_frames", "duration", "start_time", "sample_rate", "channels"]
    {
        for (x, y) in si.iter().zip(&so) {
            assert_eq!(x[k], y[k], "stream field {k}");
        }
    }
    assert_eq!(so[0]["codec_name"], "h264");
    assert_eq!(so[1]["codec_name"], "aac");
    assert_eq!(so[0]["sample_aspect_ratio"], "1:1");
    assert_eq!(so[0]["color_primaries"], "bt709");
    assert_eq!(so[0]["color_range"], "tv");
    assert_eq!(decode_errors(&out), "");

    // Already faststart: relocation is a byte copy.
    let again = dir.path().join("again.mp4");
    relocate(&out, &again).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
    // Only the output is left in the folder: the temporary files are gone.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn edit_lists_shift_presentation() {
    if !have_ffprobe() {
        return;
    }
    let src = fixture("landscape_bframes.mp4");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("noedit.mp4");
    remux(&src, &out, false);
    let p = packets(&out);
    let first_video = p.iter().find(|p| p.stream == 0).unwrap();
    let first_audio = p.iter().find(|p| p.stream == 1).unwrap();
    // Without the edits the B-frame delay (2 frames of 512) and AAC priming stay visible.
    assert_eq!((first_video.dts, first_video.pts), (0, 1024));
    assert_eq!(first_audio.pts, 0);
    let with = packets(&fixture("landscape_bframes.mp4"));
    assert_eq!(with.iter().find(|p| p.stream == 0).unwrap().pts, 0);
    assert_eq!(with.iter().find(|p| p.stream == 1).unwrap().pts, -1024);
}

#[test]
fn dropped_writer_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never.mp4");
    {
        let mut w = Mp4Writer::create(&out).unwrap();
        let t = w
            .add_audio(AudioTrackSpec {
                sample_rate: 44100,
                channels: 2,
                timescale: 44100,
                asc: vec![0x12, 0x10],
                avg_bitrate: 0,
                edit: None,
            })
            .unwrap();
        w.write_sample(t, &[1, 2, 3], 1024, true, 0).unwrap();
        assert!(matches!(w.write_sample(TrackId(7), &[1], 1024, true, 0), Err(Error::Invalid(_))));
    }
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn invalid_specs_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = Mp4Writer::create(&dir.path().join("x.mp4")).unwrap();
    let good = VideoTrackSpec {
        width: 1080,
        height: 1920,
        timescale: 15360,
        avcc: avcc_from_parameter_sets(&[0x67, 66, 0xC0, 40, 0xDA], &[0x68, 0xCE]).unwrap(),
        sar: (1, 1),
        bt709: true,
        edit: None,
    };
    for bad in [
        VideoTrackSpec { width: 0, ..good.clone() },
        VideoTrackSpec { height: 70000, ..good.clone() },
        VideoTrackSpec { timescale: 0, ..good.clone() },
        VideoTrackSpec { sar: (0, 1), ..good.clone() },
        VideoTrackSpec { avcc: vec![1, 2], ..good.clone() },
        VideoTrackSpec { edit: Some(EditSpec { media_time: -1, duration_secs: 1.0 }), ..good.clone() },
        VideoTrackSpec { edit: Some(EditSpec { media_time: 0, duration_secs: f64::NAN }), ..good.clone() },
    ] {
        assert!(matches!(w.add_video(bad), Err(Error::Invalid(_))));
    }
    assert_eq!(w.add_video(good).unwrap(), TrackId(1));
}

/// A track whose one chunk sits just below 4 GiB into a 5 GiB body: the layout must pick
/// co64 and a 64-bit mdat header, without writing 5 GiB.
#[test]
fn layout_promotes_to_co64_and_large_mdat() {
    use super::moov::{Kind, Track};
    use super::tables::SampleTable;
    let mut table = SampleTable::default();
    table.push(100, 1024, true, 0, 0, true).unwrap();
    let far = u64::from(u32::MAX) - 50;
    table.push(100, 1024, true, 0, far, true).unwrap();
    let spec = AudioTrackSpec {
        sample_rate: 48000,
        channels: 2,
        timescale: 48000,
        asc: vec![0x11, 0x90],
        avg_bitrate: 128000,
        edit: Some(EditSpec { media_time: 1024, duration_secs: 0.02 }),
    };
    let tracks = vec![Track { id: 1, kind: Kind::Audio(spec), table }];
    let body_len = 5u64 << 30;
    let (header, co64) = super::writer::layout(&tracks, body_len).unwrap();
    assert_eq!(co64, vec![true]);
    let n = header.len();
    assert_eq!(&header[n - 16..n - 8], &[0, 0, 0, 1, b'm', b'd', b'a', b't']);
    assert_eq!(u64::from_be_bytes(header[n - 8..].try_into().unwrap()), body_len + 16);
    let co = find_box(&header, b"co64");
    let second = u64::from_be_bytes(co[16..24].try_into().unwrap());
    assert_eq!(second, n as u64 + far);
    // The moov is well formed: a zero relocation reproduces it exactly.
    let ftyp_len = u32::from_be_bytes(header[0..4].try_into().unwrap()) as usize;
    let moov = &header[ftyp_len..n - 16];
    assert_eq!(relocate_moov_bytes(moov, 0).unwrap(), moov);
    // A small body keeps stco and the 8-byte header.
    let (small, co64) = super::writer::layout(&tracks[..0], 10).unwrap();
    assert_eq!(co64, Vec::<bool>::new());
    assert_eq!(&small[small.len() - 4..], b"mdat");
}

#[test]
fn relocate_moves_moov_and_keeps_every_sample() {
    if !have_ffprobe() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for name in ["moov_end.mp4", "landscape_bframes.mp4"] {
        let src = fixture(name);
        assert_eq!(top_level(&src).last().map(String::as_str), Some("moov"), "{name}: fixture changed");
        let out = dir.path().join(name);
        relocate(&src, &out).unwrap();
        let order = top_level(&out);
        assert_eq!(&order[..2], ["ftyp", "moov"], "{name}");
        assert!(order.iter().any(|b| b == "mdat"));
        assert_eq!(std::fs::metadata(&src).unwrap().len(), std::fs::metadata(&out).unwrap().len());
        assert_eq!(stream_md5(&src), stream_md5(&out), "{name}");
        assert_eq!(timeline(&src), timeline(&out), "{name}");
        assert_eq!(decode_errors(&out), "");
    }
    // moov_end.mp4 was made from compliant.mp4 by moving moov: same samples.
    assert_eq!(stream_md5(&fixture("compliant.mp4")), stream_md5(&dir.path().join("moov_end.mp4")));
}

#[test]
fn relocate_copies_faststart_input() {
    let dir = tempfile::tempdir().unwrap();
    // Fragmented files also have their moov first.
    for name in ["compliant.mp4", "fragmented.mp4"] {
        let out = dir.path().join(name);
        relocate(&fixture(name), &out).unwrap();
        assert_eq!(std::fs::read(fixture(name)).unwrap(), std::fs::read(&out).unwrap(), "{name}");
    }
}

#[test]
fn relocate_rejects_malformed_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(fixture("malformed")).unwrap() {
        let path = entry.unwrap().path();
        let out = dir.path().join("out.mp4");
        let r = relocate(&path, &out);
        assert!(matches!(r, Err(Error::Malformed { .. } | Error::Limit { .. })), "{}: {r:?}", path.display());
        assert!(!out.exists());
        seen += 1;
    }
    assert!(seen >= 8);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Counts (stco entries, co64 entries) and returns every chunk offset in file order.
fn chunk_offsets(moov: &[u8]) -> (usize, usize, Vec<u64>) {
    fn walk(data: &[u8], acc: &mut (usize, usize, Vec<u64>)) {
        for c in children(data, "t") {
            let c = c.unwrap();
            match &c.fourcc {
                b"moov" | b"trak" | b"mdia" | b"minf" | b"stbl" => walk(c.payload, acc),
                b"stco" => {
                    acc.0 += 1;
                    acc.2
                        .extend(c.payload[8..].chunks(4).map(|e| u64::from(u32::from_be_bytes(e.try_into().unwrap()))));
                }
                b"co64" => {
                    acc.1 += 1;
                    acc.2.extend(c.payload[8..].chunks(8).map(|e| u64::from_be_bytes(e.try_into().unwrap())));
                }
                _ => {}
            }
        }
    }
    let mut acc = (0, 0, Vec::new());
    walk(moov, &mut acc);
    acc
}

#[test]
fn moov_patching_promotes_past_4_gib() {
    let moov = moov_of(&fixture("compliant.mp4"));
    let (stco, co64, offsets) = chunk_offsets(&moov);
    assert_eq!((stco, co64), (2, 0));
    let delta = i64::from(u32::MAX);
    let big = relocate_moov_bytes(&moov, delta).unwrap();
    let (stco2, co642, offsets2) = chunk_offsets(&big);
    assert_eq!((stco2, co642), (0, 2));
    assert_eq!(big.len(), moov.len() + 4 * offsets.len());
    let want: Vec<u64> = offsets.iter().map(|o| o + u64::from(u32::MAX)).collect();
    assert_eq!(offsets2, want);
    // co64 stays co64 on the way back, with the original values.
    let back = relocate_moov_bytes(&big, -delta).unwrap();
    assert_eq!(chunk_offsets(&back), (0, 2, offsets.clone()));
    // A small shift keeps stco and the size.
    let small = relocate_moov_bytes(&moov, 1000).unwrap();
    assert_eq!(small.len(), moov.len());
    assert_eq!(chunk_offsets(&small).2, offsets.iter().map(|o| o + 1000).collect::<Vec<_>>());
    // Offsets cannot go below zero.
    assert!(matches!(relocate_moov_bytes(&moov, -(1 << 40)), Err(Error::Malformed { .. })));
}

#[test]
fn moov_patching_reaches_a_fixed_point() {
    let moov = moov_of(&fixture("compliant.mp4"));
    let (_, _, offsets) = chunk_offsets(&moov);
    let max = *offsets.iter().max().unwrap();
    // The old length alone keeps every offset in 32 bits; the growth from promoting the
    // first table pushes the other one over too.
    let k = u64::from(u32::MAX) - max - moov.len() as u64 + 1;
    let out = super::faststart::converge_for_test(&moov, k).unwrap();
    let (stco, co64, got) = chunk_offsets(&out);
    assert_eq!(stco + co64, 2);
    assert!(co64 >= 1);
    let want: Vec<u64> = offsets.iter().map(|o| o + k + out.len() as u64).collect();
    assert_eq!(got, want, "offsets must account for the final moov length");
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
        #[test]
        fn mutated_moov_never_panics(edits in proptest::collection::vec((any::<u32>(), any::<u8>()), 1..8),
                                     cut in any::<u32>(), delta in any::<i64>()) {
            let mut moov = moov_of(&fixture("compliant.mp4"));
            for (at, v) in edits {
                let i = at as usize % moov.len();
                moov[i] = v;
            }
            let keep = moov.len() - (cut as usize % 64);
            let _ = relocate_moov_bytes(&moov[..keep], delta % (1 << 40));
        }
    }
}

#[test]
fn non_moov_box_is_rejected() {
    let mut moov = moov_of(&fixture("compliant.mp4"));
    // A bogus box type at the top is not a moov.
    moov[4..8].copy_from_slice(b"free");
    assert!(matches!(relocate_moov_bytes(&moov, 0), Err(Error::Malformed { .. })));
}
