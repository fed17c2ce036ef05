//! HEVC and HDR (issue 14): `rusty_h265` against FFmpeg picture for picture; every HEVC
//! fixture conforms to a file FFmpeg decodes and `check` passes; HLG and PQ come out as SDR
//! that looks like FFmpeg's tone-mapped reference, not like HDR merely relabelled BT.709.

use std::path::Path;
use std::process::Command;

use clipfit::codec::video::{DecoderKind, Picture, Planes};
use clipfit::media::Frame;
use clipfit::pipeline::decode_pictures;
use clipfit::video::tonemap::ToneMap;

use crate::helpers::{check_json, clipfit, fixture, have_ffmpeg, rules};

/// 8-bit fixtures (FFmpeg decodes them to yuv420p) and 10-bit ones (yuv420p10le).
const EIGHT_BIT: [&str; 3] = ["hevc.mp4", "hevc_main_hvc1.mp4", "hevc_rotated.mov"];
const TEN_BIT: [&str; 4] = ["hevc_main10_hev1.mp4", "hevc_hlg.mp4", "hevc_pq.mov", "hevc_pq_real.mp4"];

/// FFmpeg's decode of the first video track in its own pixel format, every picture.
fn ffmpeg_raw(path: &Path, extra: &[&str]) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-noautorotate", "-ignore_editlist", "1", "-i"])
        .arg(path)
        .args(["-map", "0:v:0", "-fps_mode", "passthrough"])
        .args(extra)
        .args(["-f", "rawvideo", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(out.status.success(), "ffmpeg: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// A picture's samples as FFmpeg's rawvideo writes them (u8, or u16 little-endian).
fn raw_bytes(p: &Picture<'_>, out: &mut Vec<u8>) {
    let (cw, ch) = p.chroma.chroma_size(p.width, p.height);
    let sizes = [(p.width as usize, p.height as usize), (cw, ch), (cw, ch)];
    match p.planes {
        Planes::U8 { y, u, v } => {
            for (plane, (w, h)) in [y, u, v].into_iter().zip(sizes) {
                for row in 0..h {
                    out.extend_from_slice(&plane.data[row * plane.stride..row * plane.stride + w]);
                }
            }
        }
        Planes::U16 { y, u, v, .. } => {
            for (plane, (w, h)) in [y, u, v].into_iter().zip(sizes) {
                for row in 0..h {
                    for s in &plane.data[row * plane.stride..row * plane.stride + w] {
                        out.extend_from_slice(&s.to_le_bytes());
                    }
                }
            }
        }
    }
}

#[test]
fn rusty_h265_is_bit_exact_with_ffmpeg_on_every_hevc_fixture() {
    if !have_ffmpeg() {
        eprintln!("skipped: needs ffmpeg");
        return;
    }
    for (name, depth) in EIGHT_BIT.iter().map(|n| (n, 8)).chain(TEN_BIT.iter().map(|n| (n, 10))) {
        let path = fixture(name);
        let reference = ffmpeg_raw(&path, &[]);
        let mut ours = Vec::new();
        let mut depths = Vec::new();
        let summary = decode_pictures(&path, DecoderKind::default(), |p| {
            depths.push(p.bit_depth());
            raw_bytes(p, &mut ours);
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(summary.errors + summary.lost, 0, "{name}: {summary:?}");
        assert!(summary.pictures >= 30 && depths.iter().all(|&d| d == depth), "{name}: {summary:?} {depths:?}");
        assert_eq!(ours.len(), reference.len(), "{name}: {} pictures, sizes differ", summary.pictures);
        let size = ours.len() / summary.pictures;
        let first_diff =
            (0..summary.pictures).find(|i| ours[i * size..(i + 1) * size] != reference[i * size..(i + 1) * size]);
        assert_eq!(first_diff, None, "{name}: picture {first_diff:?} differs from FFmpeg's");
    }
}

#[test]
fn every_hevc_fixture_conforms_to_a_file_that_decodes_and_passes_check() {
    if !have_ffmpeg() {
        eprintln!("skipped: needs ffmpeg");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for name in EIGHT_BIT.iter().chain(&TEN_BIT) {
        let out = dir.path().join(format!("{name}.mp4"));
        let run = clipfit(&["conform", fixture(name).to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert!(run.status.success(), "{name}: {}", String::from_utf8_lossy(&run.stderr));
        let decode =
            Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(&out).args(["-f", "null", "-"]).output().unwrap();
        assert!(
            decode.status.success() && decode.stderr.is_empty(),
            "{name}: {}",
            String::from_utf8_lossy(&decode.stderr)
        );
        let (code, v) = check_json(&out);
        assert_eq!((code, rules(&v)), (0, Vec::<String>::new()), "{name}: {v}");
    }
    // The portrait MOV is shown upright: its 90° matrix became pixels.
    let (_, v) = check_json(&dir.path().join("hevc_rotated.mov.mp4"));
    assert_eq!(v["info"]["tracks"][0]["rotation"].as_u64().unwrap_or(0), 0, "{v}");
}

/// Mean SSIM (FFmpeg's `ssim` filter, "All") of two 8-bit 4:2:0 raw streams.
fn ssim(a: &Path, b: &Path, w: u32, h: u32) -> f64 {
    let size = format!("{w}x{h}");
    let out = Command::new("ffmpeg")
        .args(["-v", "info", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", &size, "-i"])
        .arg(a)
        .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", &size, "-i"])
        .arg(b)
        .args(["-lavfi", "ssim", "-f", "null", "-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    let all = text.split("All:").nth(1).unwrap_or_else(|| panic!("no SSIM in {text}"));
    all.split_whitespace().next().unwrap().parse().unwrap()
}

/// Colourfulness and contrast of 8-bit 4:2:0 frames: mean chroma distance from neutral
/// and the standard deviation of luma.
fn spread(raw: &[u8], w: usize, h: usize) -> (f64, f64) {
    let (ysize, csize) = (w * h, w.div_ceil(2) * h.div_ceil(2));
    let frames = raw.len() / (ysize + 2 * csize);
    let (mut chroma, mut n_c) = (0.0, 0.0);
    let (mut sum, mut sum2, mut n_y) = (0.0, 0.0, 0.0);
    for f in 0..frames {
        let base = f * (ysize + 2 * csize);
        for &y in &raw[base..base + ysize] {
            sum += y as f64;
            sum2 += (y as f64).powi(2);
            n_y += 1.0;
        }
        let (u, v) = raw[base + ysize..base + ysize + 2 * csize].split_at(csize);
        for (&u, &v) in u.iter().zip(v) {
            chroma += ((u as f64 - 128.0).powi(2) + (v as f64 - 128.0).powi(2)).sqrt();
            n_c += 1.0;
        }
    }
    let mean = sum / n_y;
    (chroma / n_c, (sum2 / n_y - mean * mean).sqrt())
}

#[test]
fn hlg_and_pq_become_sdr_like_ffmpegs_tone_map_not_a_relabelled_grey() {
    if !have_ffmpeg() {
        eprintln!("skipped: needs ffmpeg");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for name in ["hevc_hlg.mp4", "hevc_pq_real.mp4", "av1_hlg.mp4"] {
        let path = fixture(name);
        let info = clipfit::demux::probe(&path).unwrap();
        let video = info.video().unwrap().clone();
        let map = ToneMap::for_stream(&video.color, Some(&video.hdr)).expect("HDR gets a tone map");
        let (w, h) = (video.width, video.height);
        let mut ours = Vec::new();
        let mut frame = Frame::black(2, 2);
        decode_pictures(&path, DecoderKind::default(), |p| {
            map.apply(p, &mut frame).unwrap();
            ours.extend_from_slice(&frame.y);
            ours.extend_from_slice(&frame.u);
            ours.extend_from_slice(&frame.v);
        })
        .unwrap();
        let reference = ffmpeg_raw(
            &path,
            &["-vf", "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p"],
        );
        // These fixtures are SDR pictures carried as HDR at BT.2408's reference white: the
        // plain inverse transform gives them back.
        let inverse = ffmpeg_raw(&path, &["-vf", "zscale=t=bt709:m=bt709:p=bt709:r=tv:npl=203,format=yuv420p"]);
        // HDR code values shown as if they were BT.709: what a relabelling would give.
        let relabelled = ffmpeg_raw(&path, &["-vf", "format=yuv420p"]);
        let files = [("ours", &ours), ("ref", &reference), ("relabelled", &relabelled), ("inverse", &inverse)].map(
            |(n, data)| {
                let p = dir.path().join(format!("{name}.{n}.yuv"));
                std::fs::write(&p, data).unwrap();
                p
            },
        );
        let s_ours = ssim(&files[0], &files[1], w, h);
        let s_relabelled = ssim(&files[2], &files[1], w, h);
        let s_ours_inv = ssim(&files[0], &files[3], w, h);
        let s_rel_inv = ssim(&files[2], &files[3], w, h);
        let s_ref_inv = ssim(&files[1], &files[3], w, h);
        eprintln!("{name}: SSIM vs inverse transform: ours {s_ours_inv:.4} relabelled {s_rel_inv:.4} ffmpeg hable {s_ref_inv:.4}");
        let (c_ours, y_ours) = spread(&ours, w as usize, h as usize);
        let (c_ref, y_ref) = spread(&reference, w as usize, h as usize);
        let (c_rel, y_rel) = spread(&relabelled, w as usize, h as usize);
        eprintln!(
            "{name}: SSIM vs FFmpeg tone map {s_ours:.4} (relabelled {s_relabelled:.4}); colourfulness ours {c_ours:.1} \
             ref {c_ref:.1} relabelled {c_rel:.1}; luma contrast ours {y_ours:.1} ref {y_ref:.1} relabelled {y_rel:.1}"
        );
        assert!(s_ours >= 0.85, "{name}: SSIM {s_ours}");
        assert!(s_ours > s_relabelled, "{name}: no closer to the tone-mapped reference than a relabelling");
        // Colour and contrast of the reference, give or take, and clearly more than HDR
        // code values shown as BT.709.
        assert!(c_ours >= 0.75 * c_ref && c_ours >= 1.2 * c_rel, "{name}: colourfulness {c_ours}");
        assert!(y_ours >= 0.75 * y_ref && y_ours >= 1.1 * y_rel, "{name}: contrast {y_ours}");
    }
}

#[test]
fn hev1_with_parameter_sets_only_in_band_is_probed_and_decoded() {
    if !have_ffmpeg() {
        eprintln!("skipped: needs ffmpeg");
        return;
    }
    // The Main 10 hev1 fixture repeats its VPS/SPS/PPS in-band; with the hvcC's arrays
    // emptied (numOfArrays = 0), they are all the decoder gets.
    let mut bytes = std::fs::read(fixture("hevc_main10_hev1.mp4")).unwrap();
    let at = bytes.windows(4).position(|w| w == b"hvcC").unwrap() + 4;
    bytes[at + 22] = 0;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inband.mp4");
    std::fs::write(&path, &bytes).unwrap();
    let info = clipfit::demux::probe(&path).unwrap();
    let v = info.video().unwrap();
    assert_eq!((v.width, v.height, v.bit_depth, v.profile.as_deref()), (320, 240, 10, Some("Main 10")));
    assert!(info.warnings.iter().any(|w| w.code == "inband_parameter_sets"), "{:?}", info.warnings);
    let reference = ffmpeg_raw(&fixture("hevc_main10_hev1.mp4"), &[]);
    let mut ours = Vec::new();
    let summary = decode_pictures(&path, DecoderKind::default(), |p| raw_bytes(p, &mut ours)).unwrap();
    assert_eq!((summary.errors, summary.lost, summary.pictures), (0, 0, 30), "{summary:?}");
    assert!(ours == reference, "in-band decode differs from FFmpeg's");
}

/// Averages each 2x2 block of 8-bit 4:2:0 frames (rounded): a tone-mapped frame, halved.
fn halve_i420(frame: &Frame) -> Vec<u8> {
    let mut out = Vec::new();
    let (cw, ch) = Frame::chroma_size(frame.width, frame.height);
    for (plane, w, h) in
        [(&frame.y, frame.width as usize, frame.height as usize), (&frame.u, cw, ch), (&frame.v, cw, ch)]
    {
        for y in (0..h - 1).step_by(2) {
            for x in (0..w - 1).step_by(2) {
                let sum: u32 = [(x, y), (x + 1, y), (x, y + 1), (x + 1, y + 1)]
                    .iter()
                    .map(|&(x, y)| u32::from(plane[y * w + x]))
                    .sum();
                out.push(((sum + 2) / 4) as u8);
            }
        }
    }
    out
}

/// The HDR fit halves pictures before the tone map when it shrinks them 2x or more anyway
/// (`video::halve`): the result must be what tone mapping first and halving after gives,
/// and still FFmpeg's tone map, downscaled.
#[test]
fn halving_before_the_tone_map_matches_halving_after_it() {
    if !have_ffmpeg() {
        eprintln!("skipped: needs ffmpeg");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for name in ["hevc_hlg.mp4", "hevc_pq_real.mp4"] {
        let path = fixture(name);
        let video = clipfit::demux::probe(&path).unwrap().video().unwrap().clone();
        let map = ToneMap::for_stream(&video.color, Some(&video.hdr)).unwrap();
        let (w, h) = (video.width / 2, video.height / 2);
        let (mut before, mut after) = (Vec::new(), Vec::new());
        let (mut full, mut half_frame) = (Frame::black(2, 2), Frame::black(2, 2));
        let mut halver = clipfit::video::halve::Halver::default();
        decode_pictures(&path, DecoderKind::default(), |p| {
            let half = halver.halve(p).expect("an even 4:2:0 picture halves");
            assert_eq!((half.width, half.height, half.bit_depth()), (w, h, 12));
            map.apply(&half, &mut half_frame).unwrap();
            before.extend_from_slice(&half_frame.y);
            before.extend_from_slice(&half_frame.u);
            before.extend_from_slice(&half_frame.v);
            map.apply(p, &mut full).unwrap();
            after.extend(halve_i420(&full));
        })
        .unwrap();
        let size = format!("{w}x{h}");
        let reference = ffmpeg_raw(
            &path,
            &["-vf", &format!("zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p,scale={size}:flags=area")],
        );
        let files = [("before", &before), ("after", &after), ("ref", &reference)].map(|(n, data)| {
            let p = dir.path().join(format!("{name}.{n}.yuv"));
            std::fs::write(&p, data).unwrap();
            p
        });
        let same = ssim(&files[0], &files[1], w, h);
        let vs_ffmpeg = ssim(&files[0], &files[2], w, h);
        eprintln!(
            "{name}: halved first vs tone-mapped first SSIM {same:.4}; vs FFmpeg tone map + area scale {vs_ffmpeg:.4}"
        );
        assert!(same >= 0.98, "{name}: halving first changed the picture: SSIM {same}");
        assert!(vs_ffmpeg >= 0.85, "{name}: SSIM vs FFmpeg {vs_ffmpeg}");
        let (c_before, y_before) = spread(&before, w as usize, h as usize);
        let (c_after, y_after) = spread(&after, w as usize, h as usize);
        assert!((c_before - c_after).abs() <= 0.05 * c_after + 0.5, "{name}: colourfulness {c_before} vs {c_after}");
        assert!((y_before - y_after).abs() <= 0.05 * y_after, "{name}: contrast {y_before} vs {y_after}");
    }
}

/// Conforms `name` and returns the output's mean SSIM against FFmpeg's tone map of the
/// source (display matrix applied), cropped to 1080x1920 like the fit, over `frames`.
fn conformed_ssim_vs_ffmpeg_tone_map(name: &str, frames: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture(name);
    let out = dir.path().join("out.mp4");
    let run = clipfit(&["conform", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(run.status.success(), "{name}: {}", String::from_utf8_lossy(&run.stderr));
    let (code, v) = check_json(&out);
    assert_eq!((code, rules(&v)), (0, Vec::<String>::new()), "{name}: {v}");
    let graph = "[1:v]zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,\
                 zscale=t=bt709:m=bt709:r=tv,format=yuv420p,\
                 scale=1080:1920:force_original_aspect_ratio=increase:flags=bicubic,crop=1080:1920[ref];[0:v][ref]ssim";
    let run = Command::new("ffmpeg")
        .args(["-v", "info", "-nostats", "-nostdin", "-i"])
        .arg(&out)
        .arg("-i")
        .arg(&src)
        .args(["-filter_complex", graph, "-frames:v", &frames.to_string(), "-f", "null", "-"])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&run.stderr);
    let all = log.lines().find_map(|l| l.split(" All:").nth(1)).unwrap_or_else(|| panic!("no SSIM in {log}"));
    let ssim = all.split_whitespace().next().unwrap().parse().unwrap();
    eprintln!("{name}: SSIM vs FFmpeg's tone map {ssim:.4}");
    ssim
}

/// A 4K HLG portrait recording (coded landscape, 90° matrix) conforms through the halved
/// tone map: upright, SDR, and close to FFmpeg's tone map scaled to 1080x1920.
#[test]
fn four_k_hlg_portrait_conforms_through_the_halved_tone_map() {
    if !have_ffmpeg() {
        eprintln!("skipped: needs ffmpeg");
        return;
    }
    let ssim = conformed_ssim_vs_ffmpeg_tone_map("hevc_hlg_4k_rotated.mp4", 6);
    assert!(ssim >= 0.85, "SSIM {ssim}");
}

/// A landscape HLG clip cropped to portrait is tone-mapped only in the window the crop
/// keeps (`GeometryPlan::source_window`): the same picture as FFmpeg's tone map, cropped.
#[test]
fn landscape_hlg_crop_tone_maps_only_its_window_and_looks_the_same() {
    if !have_ffmpeg() {
        eprintln!("skipped: needs ffmpeg");
        return;
    }
    let video = clipfit::demux::probe(fixture("hevc_hlg.mp4")).unwrap().video().unwrap().clone();
    let plan = clipfit::video::GeometryPlan::new(
        video.width,
        video.height,
        0,
        (1, 1),
        false,
        1080,
        1920,
        clipfit::video::Fit::Crop,
    )
    .unwrap();
    let (x, _, w, h) = plan.source_window().expect("a portrait crop of a landscape picture has a window");
    assert!(w < video.width / 2 && h == video.height && x > 0, "{:?}", plan.source_window());
    let ssim = conformed_ssim_vs_ffmpeg_tone_map("hevc_hlg.mp4", 30);
    assert!(ssim >= 0.85, "SSIM {ssim}");
}
