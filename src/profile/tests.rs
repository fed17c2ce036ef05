//! Profile data, lookup and intersection; also the synthetic `MediaInfo` other unit tests use.

use super::*;
use crate::media::{AudioCodec, AudioInfo, Edit, MediaInfo, TrackInfo, TrackKind, VideoCodec, VideoInfo};

/// A probe result for a video of `w`x`h` at `fps` lasting `duration` s, with AAC-LC audio
/// at `audio_rate` Hz stereo when given; faststart MP4, closed GOPs, no edit lists.
pub(crate) fn media(w: u32, h: u32, fps: f64, duration: f64, audio_rate: Option<u32>) -> MediaInfo {
    let mut video = VideoInfo::new(VideoCodec::H264, "avc1", w, h);
    video.level_idc = Some(52);
    video.fps = fps;
    video.keyframes = duration.ceil() as u64;
    video.max_keyframe_interval = 1.0;
    let track = |id, handler: &str, kind| TrackInfo {
        id,
        handler: handler.into(),
        enabled: true,
        timescale: 90_000,
        sample_count: 10,
        duration,
        total_bytes: 1000,
        bitrate: 96_000,
        edits: Vec::new(),
        first_dts: 0.0,
        start: 0.0,
        kind,
    };
    let mut tracks = vec![track(1, "vide", TrackKind::Video(video))];
    if let Some(rate) = audio_rate {
        let audio = AudioInfo {
            codec: AudioCodec::Aac,
            fourcc: "mp4a".into(),
            aac_profile: Some("LC".into()),
            aac_object_type: Some(2),
            sample_rate: rate,
            channels: 2,
            pcm: None,
            codec_config: vec![0x12, 0x10],
        };
        tracks.push(track(2, "soun", TrackKind::Audio(audio)));
    }
    MediaInfo {
        file_size: 1_000_000,
        container: "mp4".into(),
        major_brand: Some("isom".into()),
        top_level_boxes: vec!["ftyp".into(), "moov".into(), "mdat".into()],
        moov_before_mdat: true,
        duration,
        overall_bitrate: 2_000_000,
        peak_bitrate_1s: 2_500_000,
        tracks,
        start_time: 0.0,
        warnings: Vec::new(),
    }
}

/// The video of a [`media`] result, to change.
pub(crate) fn video_mut(info: &mut MediaInfo) -> &mut VideoInfo {
    match &mut info.tracks[0].kind {
        TrackKind::Video(v) => v,
        _ => unreachable!("media() puts the video first"),
    }
}

fn rules(info: &MediaInfo, p: &Profile) -> Vec<&'static str> {
    check(info, p).into_iter().map(|v| v.rule).collect()
}

fn p(name: &str) -> Profile {
    Profile::builtin(name).unwrap_or_else(|| panic!("no built-in {name}"))
}

#[test]
fn every_builtin_parses_validates_and_is_listed() {
    let all = Profile::builtins();
    assert_eq!(all.len(), 8);
    for (profile, name) in all.iter().zip(BUILTIN_NAMES) {
        assert_eq!(profile.name, name, "the TOML's name is its lookup name");
        profile.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!profile.summary.is_empty() && !profile.sources.is_empty(), "{name} has a summary and sources");
        assert!(profile.sources.iter().any(|s| s.contains("PLATFORM_RULES.md")), "{name} cites the rules document");
        assert_eq!(Profile::load(name).unwrap(), *profile);
    }
    assert_eq!(BUILTIN_NAMES, ["tiktok", "reels", "facebook-reels", "shorts", "x", "linkedin", "snapchat", "threads"]);
}

#[test]
fn every_setting_in_a_builtin_toml_has_a_comment_above_it() {
    // Each run of settings must start with a comment saying where its numbers come from.
    for (name, text) in BUILTIN {
        let mut commented = false;
        for line in text.lines().map(str::trim) {
            if line.starts_with('#') {
                commented = true;
            } else if line.is_empty() {
                commented = false;
            } else if !line.starts_with("name =") && !line.starts_with(']') && !line.starts_with('"') {
                assert!(commented, "{name}: '{line}' has no comment above it");
            }
        }
    }
}

#[test]
fn tiktok_numbers_are_the_strict_set() {
    let t = Profile::tiktok();
    assert_eq!(t.containers, ["mp4"]);
    assert!(t.require_faststart && t.require_square_pixels && !t.allow_rotation && t.require_constant_frame_rate);
    assert_eq!(
        (t.video_codecs.as_slice(), t.bit_depth, t.chroma_format.as_deref()),
        (&["h264".to_string()][..], Some(8), Some("4:2:0"))
    );
    assert_eq!((t.width, t.height, t.frame_rate), (Some(1080), Some(1920), Some(30.0)));
    assert_eq!(t.max_peak_bitrate, Some(10_000_000));
    assert_eq!((t.min_duration, t.max_duration), (3.0, 600.0));
    assert_eq!(
        (t.audio_codecs.as_slice(), t.audio_sample_rates.as_slice()),
        (&["aac_lc".to_string()][..], &[44_100][..])
    );
    assert_eq!((t.max_audio_channels, t.max_file_size), (Some(2), 4_000_000_000));
    // None of the rules the other platforms brought.
    assert!(t.allow_edit_lists && !t.require_closed_gop && !t.require_progressive && !t.require_audio);
    assert_eq!(
        (t.min_width, t.max_width, t.min_aspect_ratio, t.max_keyframe_interval, t.max_audio_bitrate),
        (None, None, None, None, None)
    );
}

#[test]
fn the_old_tiktok_toml_still_loads_with_the_same_rules() {
    // A user's copy of the profile file from before profiles had summaries and ranges.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    std::fs::write(&path, OLD_TIKTOK_TOML).unwrap();
    let mine = Profile::load(path.to_str().unwrap()).unwrap();
    // The colour rule came later: an old file does not ask for it.
    assert_eq!(mine, Profile { summary: String::new(), sources: Vec::new(), require_sdr: false, ..Profile::tiktok() });
}

#[test]
fn platform_numbers_match_the_rules_document() {
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let r = p("reels");
    assert_eq!(r.containers, s(&["mp4", "mov"]));
    assert_eq!(r.video_codecs, s(&["h264", "hevc"]));
    assert!(r.require_faststart && !r.allow_edit_lists && r.require_closed_gop && r.require_progressive);
    assert_eq!((r.max_width, r.min_frame_rate, r.max_frame_rate), (Some(1920), Some(23.0), Some(60.0)));
    assert_eq!((r.min_duration, r.max_duration), (3.0, 900.0));
    assert_eq!(r.max_file_size, 300_000_000, "the safer of 300 MB / 1 GB");
    assert_eq!(r.audio_sample_rates.iter().max(), Some(&48_000));
    assert_eq!((r.max_audio_bitrate, r.max_peak_bitrate), (Some(128_000), Some(25_000_000)));
    assert_eq!((r.preferred_width, r.preferred_height), (Some(1080), Some(1920)));

    let f = p("facebook-reels");
    assert_eq!((f.containers.clone(), f.video_codecs.clone()), (s(&["mp4"]), s(&["h264", "hevc"])));
    assert!(f.require_closed_gop);
    assert_eq!(f.max_keyframe_interval, Some(5.0));
    assert_eq!((f.min_width, f.min_height), (Some(540), Some(960)));
    assert_eq!((f.min_frame_rate, f.max_frame_rate), (Some(24.0), Some(60.0)));
    assert_eq!((f.min_duration, f.max_duration, f.max_file_size), (3.0, 90.0, 1_000_000_000));

    let sh = p("shorts");
    assert_eq!((sh.containers.clone(), sh.video_codecs.clone()), (s(&["mp4"]), s(&["h264"])));
    assert!(sh.require_closed_gop);
    assert_eq!(sh.max_aspect_ratio.map(|a| a.value()), Some(1.0));
    assert_eq!((sh.max_duration, sh.max_file_size), (180.0, 256_000_000_000));
    assert_eq!(sh.audio_codecs, s(&["aac_lc"]));
    assert!(sh.audio_sample_rates.contains(&48_000));

    let x = p("x");
    assert_eq!((x.containers.clone(), x.video_codecs.clone()), (s(&["mp4", "mov"]), s(&["h264"])));
    assert!(x.require_square_pixels && x.require_closed_gop && x.require_progressive);
    assert_eq!(x.chroma_format.as_deref(), Some("4:2:0"));
    assert_eq!((x.min_width, x.min_height, x.max_width, x.max_height), (Some(32), Some(32), Some(1280), Some(1024)));
    let aspect = |a: Option<AspectRatio>| a.map(|a| (a.width, a.height));
    assert_eq!((aspect(x.min_aspect_ratio), aspect(x.max_aspect_ratio)), (Some((1.0, 3.0)), Some((3.0, 1.0))));
    assert_eq!((x.max_frame_rate, x.min_duration, x.max_duration), (Some(60.0), 0.5, 1200.0));
    assert_eq!((x.max_file_size, x.max_audio_channels), (8_000_000_000, Some(2)));
    assert_eq!(x.audio_codecs, s(&["aac_lc"]));

    let l = p("linkedin");
    assert_eq!(l.containers, s(&["mp4"]));
    assert_eq!((aspect(l.min_aspect_ratio), aspect(l.max_aspect_ratio)), (Some((1.0, 2.4)), Some((2.4, 1.0))));
    assert_eq!((l.min_duration, l.max_duration, l.max_file_size), (3.0, 1800.0, 500_000_000));

    let sn = p("snapchat");
    assert_eq!(sn.containers, s(&["mp4"]));
    assert_eq!((aspect(sn.min_aspect_ratio), aspect(sn.max_aspect_ratio)), (Some((9.0, 16.0)), Some((9.0, 16.0))));
    assert_eq!((sn.min_width, sn.min_height), (Some(540), Some(960)));
    assert_eq!((sn.min_duration, sn.max_duration, sn.max_file_size), (5.0, 60.0, 500_000_000));
    assert!(sn.require_audio);

    let th = p("threads");
    assert_eq!((th.containers.clone(), th.video_codecs.clone()), (s(&["mp4", "mov"]), s(&["h264", "hevc"])));
    assert_eq!((th.max_width, th.min_frame_rate, th.max_frame_rate), (Some(1920), Some(23.0), Some(60.0)));
    assert_eq!((th.max_duration, th.max_file_size), (300.0, 1_000_000_000));
    assert_eq!(th.audio_sample_rates.iter().max(), Some(&48_000));
    assert_eq!((th.max_audio_bitrate, th.max_peak_bitrate), (Some(128_000), Some(25_000_000)));
}

#[test]
fn lookup_by_name_list_and_all() {
    let names = |spec: &str| Profile::load_list(spec).unwrap().into_iter().map(|p| p.name).collect::<Vec<_>>();
    assert_eq!(names("tiktok,reels, shorts"), ["tiktok", "reels", "shorts"]);
    assert_eq!(names("x,x"), ["x"]);
    assert_eq!(names("all"), BUILTIN_NAMES);
    assert_eq!(names("tiktok,all").len(), 8);
    let err = Profile::load_list("tiktok,vine").unwrap_err().to_string();
    assert!(err.contains("unknown profile 'vine'") && err.contains("facebook-reels"), "{err}");
    assert!(Profile::load_list("tiktok,").is_err());
}

#[test]
fn aspect_ratios_parse_and_print() {
    let a = AspectRatio::parse("1:2.4").unwrap();
    assert!((a.value() - 1.0 / 2.4).abs() < 1e-12);
    assert_eq!(a.to_string(), "1:2.4");
    for bad in ["", "16", "0:9", "9:-16", "a:b", "1:inf"] {
        assert!(AspectRatio::parse(bad).is_none(), "{bad}");
    }
    let err =
        toml::from_str::<Profile>("name = \"q\"\nmax_duration = 1.0\nmax_file_size = 1\nmax_aspect_ratio = \"wide\"")
            .unwrap_err()
            .to_string();
    assert!(err.contains("W:H"), "{err}");
}

#[test]
fn validate_refuses_contradictions() {
    let base = Profile::builtin("x").unwrap();
    let bad = [
        Profile { min_width: Some(2000), ..base.clone() },
        Profile { min_aspect_ratio: AspectRatio::parse("4:1"), ..base.clone() },
        Profile { width: Some(1080), height: Some(1920), ..base.clone() },
        Profile { preferred_width: Some(100), preferred_height: Some(1000), ..base.clone() },
        Profile { frame_rate: Some(90.0), ..base.clone() },
        Profile { width: Some(1080), ..base.clone() },
        Profile { min_duration: 10.0, max_duration: 5.0, ..base.clone() },
    ];
    for b in bad {
        assert!(b.validate().is_err(), "{b:?}");
    }
}

#[test]
fn tiktok_reels_shorts_intersect_to_the_tightest_of_each() {
    let i = Profile::intersect(&[p("tiktok"), p("reels"), p("shorts")]).unwrap();
    assert_eq!(i.name, "tiktok+reels+shorts");
    assert_eq!((i.width, i.height, i.frame_rate), (Some(1080), Some(1920), Some(30.0)));
    assert_eq!(i.containers, ["mp4"]);
    assert_eq!(i.video_codecs, ["h264"]);
    assert_eq!(i.audio_codecs, ["aac_lc"], "reels' 'aac' narrows to tiktok's and shorts' aac_lc");
    assert_eq!(i.audio_sample_rates, [44_100]);
    assert_eq!((i.min_duration, i.max_duration), (3.0, 180.0));
    assert_eq!(
        (i.max_file_size, i.max_peak_bitrate, i.max_audio_bitrate),
        (300_000_000, Some(10_000_000), Some(128_000))
    );
    assert_eq!((i.min_frame_rate, i.max_frame_rate, i.max_width), (Some(23.0), Some(60.0), Some(1920)));
    assert!(!i.allow_edit_lists && i.require_closed_gop && i.require_progressive && i.require_faststart);
    assert_eq!(i.max_aspect_ratio.map(|a| a.value()), Some(1.0));
    i.validate().unwrap();
    // One profile is its own intersection.
    assert_eq!(Profile::intersect(&[p("reels")]).unwrap(), p("reels"));
    assert!(Profile::intersect(&[]).is_err());
}

#[test]
fn preferred_sizes_survive_only_when_every_rule_admits_them() {
    let i = Profile::intersect(&[p("reels"), p("snapchat")]).unwrap();
    assert_eq!((i.preferred_width, i.preferred_height), (Some(1080), Some(1920)));
    // X allows at most 1024 rows: reels' 1080x1920 is dropped, conform derives a size.
    let i = Profile::intersect(&[p("reels"), p("x")]).unwrap();
    assert_eq!((i.preferred_width, i.width), (None, None));
    assert_eq!((i.max_width, i.max_height), (Some(1280), Some(1024)));
}

#[test]
fn intersection_holds_exactly_when_each_profile_holds() {
    // Pictures, rates, durations and audio that sit on either side of the limits.
    let mut infos = Vec::new();
    for (w, h) in
        [(1080, 1920), (720, 1280), (576, 1024), (1920, 1080), (640, 360), (1080, 1080), (400, 1600), (2160, 3840)]
    {
        for fps in [20.0, 24.0, 30.0, 60.0] {
            for duration in [0.4, 4.0, 70.0, 200.0, 1000.0] {
                for audio in [None, Some(44_100), Some(48_000), Some(96_000)] {
                    infos.push(media(w, h, fps, duration, audio));
                }
            }
        }
    }
    let mut odd = media(1080, 1920, 30.0, 10.0, Some(44_100));
    odd.tracks[1].edits = vec![Edit { duration: 10.0, media_time: Some(0.02), rate: 1.0 }];
    video_mut(&mut odd).open_gop = true;
    video_mut(&mut odd).max_keyframe_interval = 8.0;
    infos.push(odd);
    let all = Profile::builtins();
    let (mut pairs, mut ready, mut refused) = (0, 0, 0);
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            let Ok(both) = Profile::intersect(&[a.clone(), b.clone()]) else { continue };
            pairs += 1;
            for info in &infos {
                let each = check(info, a).is_empty() && check(info, b).is_empty();
                if each {
                    ready += 1;
                } else {
                    refused += 1;
                }
                assert_eq!(
                    check(info, &both).is_empty(),
                    each,
                    "{} on {:?}",
                    both.name,
                    info.video().map(|v| (v.width, v.height, v.fps))
                );
            }
        }
    }
    assert_eq!(pairs, 27, "every pair but tiktok+x intersects");
    assert!(ready > 100 && refused > 100, "both verdicts are exercised: {ready} ready, {refused} refused");
}

#[test]
fn clashes_name_the_profiles_and_the_rule() {
    let err = Profile::intersect(&[p("tiktok"), p("reels"), p("x")]).unwrap_err().to_string();
    assert!(err.contains("tiktok and x clash on resolution"), "{err}");
    assert!(err.contains("exactly 1080x1920") && err.contains("at most 1280x1024"), "{err}");
    assert!(!err.contains("reels and"), "reels clashes with neither: {err}");

    let long = Profile { name: "long".into(), min_duration: 120.0, max_duration: 3600.0, ..p("linkedin") };
    let err = Profile::intersect(&[p("snapchat"), long]).unwrap_err().to_string();
    assert!(
        err.contains("snapchat and long clash on duration (snapchat needs 5 s to 60 s; long needs 120 s to 3600 s)"),
        "{err}"
    );

    let sd = Profile { name: "sd".into(), width: Some(720), height: Some(1280), ..p("tiktok") };
    let err = Profile::intersect(&[p("tiktok"), sd]).unwrap_err().to_string();
    assert!(err.contains("tiktok and sd clash on resolution"), "{err}");

    let wide = Profile { name: "wide".into(), min_aspect_ratio: AspectRatio::parse("16:9"), ..p("linkedin") };
    let err = Profile::intersect(&[p("shorts"), wide]).unwrap_err().to_string();
    assert!(err.contains("shorts and wide clash on aspect_ratio"), "{err}");

    let webm = Profile { name: "webm".into(), containers: vec!["webm".into()], ..p("linkedin") };
    let err = Profile::intersect(&[p("x"), webm]).unwrap_err().to_string();
    assert!(err.contains("x and webm clash on container (x needs mp4 or mov; webm needs webm)"), "{err}");
}

#[test]
fn a_clash_only_the_group_makes_is_reported_for_the_group() {
    let with = |name: &str, codecs: &[&str]| Profile {
        name: name.into(),
        video_codecs: codecs.iter().map(|c| c.to_string()).collect(),
        ..p("linkedin")
    };
    let group = [with("a", &["h264", "hevc"]), with("b", &["hevc", "vp9"]), with("c", &["h264", "vp9"])];
    assert!(Profile::intersect(&group[..2]).is_ok());
    let err = Profile::intersect(&group).unwrap_err().to_string();
    assert!(err.contains("a+b and c clash on video_codec"), "{err}");
}

#[test]
fn new_rules_have_stable_names() {
    let mut info = media(1080, 1920, 30.0, 10.0, Some(44_100));
    assert!(rules(&info, &p("reels")).is_empty());
    info.tracks[1].edits = vec![Edit { duration: 10.0, media_time: Some(0.0464), rate: 1.0 }];
    info.tracks[1].bitrate = 192_000;
    {
        let v = video_mut(&mut info);
        v.open_gop = true;
        v.interlaced = true;
        v.max_keyframe_interval = 6.0;
        v.fps = 20.0;
    }
    assert_eq!(
        rules(&info, &p("reels")),
        ["edit_list", "progressive", "frame_rate_min", "closed_gop", "audio_bitrate"]
    );
    assert_eq!(rules(&info, &p("facebook-reels")), ["frame_rate_min", "closed_gop", "keyframe_interval"]);

    let wide = media(3000, 1000, 90.0, 10.0, None);
    assert_eq!(rules(&wide, &p("x")), ["resolution_max", "frame_rate_max"]);
    assert_eq!(rules(&wide, &p("linkedin")), ["aspect_ratio"]);
    assert_eq!(rules(&wide, &p("shorts")), ["aspect_ratio"]);
    assert_eq!(rules(&wide, &p("snapchat")), ["aspect_ratio", "audio_required"]);
    let tiny = media(16, 16, 30.0, 1.0, Some(48_000));
    assert_eq!(rules(&tiny, &p("x")), ["resolution_min"]);
    assert_eq!(rules(&tiny, &p("facebook-reels")), ["resolution_min", "duration_min"]);
    // Displayed shape: a 90° rotation turns 1920x1080 into 9:16; SAR 4:3 widens 480x480.
    let mut turned = media(1920, 1080, 30.0, 10.0, Some(44_100));
    {
        let v = video_mut(&mut turned);
        v.rotation = 90;
        (v.display_width, v.display_height) = (1080, 1920);
    }
    assert!(rules(&turned, &p("snapchat")).is_empty());
    let mut sar = media(480, 480, 30.0, 10.0, Some(44_100));
    video_mut(&mut sar).sar = (4, 3);
    assert_eq!(rules(&sar, &p("shorts")), ["aspect_ratio"]);
    assert_eq!(rules(&sar, &p("x")), ["sar"]);
}

/// `src/profile/tiktok.toml` as it was before profiles grew summaries and new rules.
const OLD_TIKTOK_TOML: &str = r#"# The built-in `tiktok` profile: TikTok's strict, safe set. Numbers and their sources:
# see PLATFORM_RULES.md in the design notes and the comments on each line.
name = "tiktok"
# TikTok's media transfer guide recommends MP4; practitioners report MOV/fragmented uploads
# failing with file_format_check_failed, so the strict profile wants a progressive MP4.
containers = ["mp4"]
# moov before mdat: TikTok processes the upload as a stream (media transfer guide, "faststart").
require_faststart = true
# H.264 8-bit 4:2:0: "H.264 (recommended)"; 10-bit and 4:2:2 are refused in practice.
video_codecs = ["h264"]
bit_depth = 8
chroma_format = "4:2:0"
# 1080x1920 (9:16) exactly: TikTok's recommended upload size; picture_size_check_failed otherwise.
width = 1080
height = 1920
# Square pixels and no rotation matrix left for the player to apply.
require_square_pixels = true
allow_rotation = false
# 30 fps constant: documented range is 23-60, but a 60.0x fps file was refused
# (frame_rate_check_failed); 30 CFR is the safe value.
frame_rate = 30.0
require_constant_frame_rate = true
# ≤ 10 Mbps video+audio in every 1-second window (practitioners' limit, not documented).
max_peak_bitrate = 10_000_000
# 3 s minimum, 600 s (10 min) maximum via the API (duration_check_failed).
min_duration = 3.0
max_duration = 600.0
# AAC-LC, 44.1 kHz, mono or stereo.
audio_codecs = ["aac_lc"]
audio_sample_rates = [44100]
max_audio_channels = 2
# 4 GB: TikTok's documented maximum file size.
max_file_size = 4_000_000_000
"#;
