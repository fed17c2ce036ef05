//! The plan's decisions without media: target picture, rate, audio, edit lists.

use super::*;
use crate::media::Edit;
use crate::profile::tests::{media, video_mut};

fn p(name: &str) -> Profile {
    Profile::builtin(name).unwrap()
}

fn transcode(plan: &ConformPlan) -> (u32, u32, u32, u32, u8, u32) {
    match plan.video {
        VideoPlan::Transcode { width, height, fps, bitrate, level_idc, keyframe_interval, .. } => {
            (width, height, fps, bitrate, level_idc, keyframe_interval)
        }
        VideoPlan::Copy => panic!("video is copied: {plan:?}"),
    }
}

#[test]
fn tiktok_plan_is_unchanged() {
    let info = media(640, 360, 25.0, 4.0, Some(48_000));
    let plan = plan(&info, &p("tiktok"), &ConformOptions::default()).unwrap();
    assert_eq!(plan.mode, Mode::Rebuild);
    assert_eq!(transcode(&plan), (1080, 1920, 30, 6_000_000, 40, 30));
    assert_eq!(plan.audio, AudioPlan::Transcode { sample_rate: 44_100, channels: 2, bitrate: 128_000 });
    assert_eq!((plan.max_peak_bitrate, plan.max_file_size, plan.edit_lists), (10_000_000, 4_000_000_000, true));
}

#[test]
fn intersected_profile_drives_the_same_pipeline_settings() {
    let both = Profile::intersect(&[p("tiktok"), p("reels"), p("shorts")]).unwrap();
    let mut info = media(640, 360, 25.0, 4.0, Some(48_000));
    info.tracks[1].edits = vec![Edit { duration: 4.0, media_time: Some(1024.0 / 48_000.0), rate: 1.0 }];
    let plan = plan(&info, &both, &ConformOptions { audio_bitrate: 192_000, ..ConformOptions::default() }).unwrap();
    assert_eq!(transcode(&plan), (1080, 1920, 30, 6_000_000, 40, 30));
    // Reels' 128 kbps ceiling (aimed 5% under) wins over the asked 192 kbps; no edit lists.
    assert_eq!(plan.audio, AudioPlan::Transcode { sample_rate: 44_100, channels: 2, bitrate: 121_600 });
    assert!(!plan.edit_lists);
    assert_eq!((plan.max_peak_bitrate, plan.max_file_size), (10_000_000, 300_000_000));
}

#[test]
fn a_track_that_needs_an_edit_list_is_not_copied_when_edit_lists_are_refused() {
    let mut info = media(1080, 1920, 30.0, 10.0, Some(44_100));
    info.tracks[1].edits = vec![Edit { duration: 10.0, media_time: Some(2048.0 / 44_100.0), rate: 1.0 }];
    // TikTok accepts edit lists: a passthrough.
    assert_eq!(plan(&info, &p("tiktok"), &ConformOptions::default()).unwrap().mode, Mode::Passthrough);
    let reels = plan(&info, &p("reels"), &ConformOptions::default()).unwrap();
    assert_eq!((reels.mode, &reels.video), (Mode::Rebuild, &VideoPlan::Copy), "the video needs no edit");
    assert!(matches!(reels.audio, AudioPlan::Transcode { .. }), "{:?}", reels.audio);
    // An identity edit list is still an edit list, but a copy writes none: both tracks copied.
    info.tracks[1].edits = vec![Edit { duration: 10.0, media_time: Some(0.0), rate: 1.0 }];
    let reels = plan(&info, &p("reels"), &ConformOptions::default()).unwrap();
    assert_eq!((reels.mode, &reels.video, &reels.audio), (Mode::Rebuild, &VideoPlan::Copy, &AudioPlan::Copy));
    // A B-frame video whose first picture is shown late needs its edit: re-encoded.
    info.tracks[0].edits = vec![Edit { duration: 10.0, media_time: Some(0.066), rate: 1.0 }];
    let reels = plan(&info, &p("reels"), &ConformOptions::default()).unwrap();
    assert_eq!(transcode(&reels).0, 1080);
}

#[test]
fn sizes_without_a_fixed_one_follow_the_source_within_the_limits() {
    let size = |w, h, profile: &Profile| {
        let info = media(w, h, 30.0, 10.0, Some(44_100));
        output_size(info.video().unwrap(), profile).unwrap()
    };
    let x = p("x");
    assert_eq!(size(640, 360, &x), (640, 360), "inside every X limit: kept");
    assert_eq!(size(1080, 1920, &x), (576, 1024), "portrait: 1024 rows at most");
    assert_eq!(size(1920, 1080, &x), (1280, 720));
    assert_eq!(size(2000, 400, &x), (1200, 400), "5:1 cropped to 3:1");
    assert_eq!(size(20, 20, &x), (32, 32), "scaled up to the minimum");
    let linkedin = p("linkedin");
    assert_eq!(size(3840, 2160, &linkedin), (1920, 1080), "the long side is capped at 1920");
    assert_eq!(size(400, 1600, &linkedin), (400, 960), "1:4 cropped to 1:2.4");
    // A fixed or preferred size wins.
    assert_eq!(size(640, 360, &p("tiktok")), (1080, 1920));
    assert_eq!(size(640, 360, &p("reels")), (1080, 1920));
    // Shape as shown: rotation and square pixels.
    let mut info = media(1920, 1080, 30.0, 10.0, None);
    video_mut(&mut info).rotation = 90;
    assert_eq!(output_size(info.video().unwrap(), &x).unwrap(), (576, 1024));
    let mut info = media(480, 480, 30.0, 10.0, None);
    video_mut(&mut info).sar = (4, 3);
    assert_eq!(output_size(info.video().unwrap(), &x).unwrap(), (640, 480));
    // A profile that admits no picture of this shape is refused by name.
    let odd = Profile { name: "odd".into(), min_width: Some(1000), max_height: Some(200), ..p("linkedin") };
    let err = output_size(media(1000, 1000, 30.0, 1.0, None).video().unwrap(), &odd).unwrap_err();
    assert!(err.to_string().contains("odd allows no picture"), "{err}");
}

#[test]
fn frame_rates_follow_the_source_within_the_range() {
    let fps = |source: f64, profile: &Profile| output_fps(media(640, 360, source, 5.0, None).video().unwrap(), profile);
    assert_eq!(fps(25.0, &p("x")), 25);
    assert_eq!(fps(29.97, &p("x")), 30);
    assert_eq!(fps(120.0, &p("x")), 60);
    assert_eq!(fps(120.0, &p("linkedin")), MAX_DERIVED_FPS);
    assert_eq!(fps(15.0, &p("reels")), 23);
    assert_eq!(fps(23.976, &p("facebook-reels")), 24);
    assert_eq!(fps(60.0, &p("tiktok")), 30);
    // A variable-rate source for a profile that wants a constant rate: re-encoded at its own.
    let mut vfr = media(640, 360, 25.0, 5.0, Some(44_100));
    video_mut(&mut vfr).constant_frame_rate = false;
    let cfr = Profile { require_constant_frame_rate: true, ..p("x") };
    let (w, h, f, _, _, key) = transcode(&plan(&vfr, &cfr, &ConformOptions::default()).unwrap());
    assert_eq!((w, h, f, key), (640, 360, 25, 25));
}

#[test]
fn keyframes_come_often_enough_for_the_profile() {
    let info = media(640, 360, 30.0, 10.0, Some(44_100));
    let fb = plan(&info, &p("facebook-reels"), &ConformOptions::default()).unwrap();
    assert_eq!(transcode(&fb).5, 30, "one a second is under facebook's 5 s");
    let tight = Profile { max_keyframe_interval: Some(0.5), ..p("facebook-reels") };
    assert_eq!(transcode(&plan(&info, &tight, &ConformOptions::default()).unwrap()).5, 15);
}

#[test]
fn sound_is_added_when_the_profile_needs_it() {
    let silent = media(1080, 1920, 30.0, 10.0, None);
    let plan1 = plan(&silent, &p("snapchat"), &ConformOptions::default()).unwrap();
    assert_eq!(plan1.audio, AudioPlan::Silence { sample_rate: 44_100, bitrate: 128_000 }, "no bitrate ceiling");
    assert_eq!(plan1.video, VideoPlan::Copy, "only the sound is missing");
    let err = plan(&silent, &p("snapchat"), &ConformOptions { audio: AudioPolicy::Drop, ..ConformOptions::default() })
        .unwrap_err();
    assert!(err.to_string().contains("snapchat needs sound"), "{err}");
    assert_eq!(plan(&silent, &p("x"), &ConformOptions::default()).unwrap().audio, AudioPlan::None);
}

#[test]
fn audio_rate_and_output_codecs_come_from_the_profile() {
    assert_eq!(output_audio_rate(&p("reels")).unwrap(), 44_100);
    let only48 = Profile { audio_sample_rates: vec![48_000], ..p("shorts") };
    assert_eq!(output_audio_rate(&only48).unwrap(), 48_000);
    assert!(output_audio_rate(&Profile { audio_sample_rates: vec![96_000], ..p("shorts") }).is_err());
    let info = media(640, 360, 30.0, 10.0, Some(44_100));
    let hevc = Profile { video_codecs: vec!["hevc".into()], ..p("reels") };
    let err = plan(&info, &hevc, &ConformOptions::default()).unwrap_err().to_string();
    assert!(err.contains("does not accept H.264 video"), "{err}");
}

#[test]
fn without_a_peak_limit_the_level_bounds_the_peak() {
    let info = media(1600, 400, 30.0, 10.0, Some(44_100));
    let pl = plan(&info, &p("linkedin"), &ConformOptions::default()).unwrap();
    let (w, h, fps, bitrate, level, _) = transcode(&pl);
    assert_eq!((w, h, fps), (960, 400, 30), "4:1 cropped to 2.4:1");
    assert!(bitrate < DEFAULT_VIDEO_BITRATE, "a smaller picture gets fewer bits: {bitrate}");
    let level_max = LEVELS.iter().find(|l| l.level_idc == level).unwrap().max_br_kbps * 1250;
    assert_eq!(pl.max_peak_bitrate, level_max);
    assert!(level_max >= u64::from(bitrate) * 2);
}

#[test]
fn hevc_and_hdr_are_conformed_and_dolby_vision_without_a_base_layer_is_refused() {
    use crate::media::color::DolbyVision;
    use crate::media::ColorInfo;
    let mut info = media(1920, 1080, 30.0, 4.0, Some(48_000));
    {
        let v = video_mut(&mut info);
        v.codec = VideoCodec::Hevc;
        v.fourcc = "hvc1".into();
        v.profile = Some("Main 10".into());
        v.bit_depth = 10;
        v.color = ColorInfo { primaries: 9, transfer: 18, matrix: 9 };
        // iPhone: Dolby Vision 8.4 over an HLG base layer.
        v.hdr.dolby_vision = Some(DolbyVision {
            profile: 8,
            level: 4,
            base_layer_compatibility: 4,
            rpu: true,
            enhancement_layer: false,
        });
    }
    assert_eq!(plan(&info, &p("tiktok"), &ConformOptions::default()).unwrap().mode, Mode::Rebuild);
    // Profile 5: no base layer anything but a Dolby Vision decoder can show.
    video_mut(&mut info).hdr.dolby_vision =
        Some(DolbyVision { profile: 5, level: 6, base_layer_compatibility: 0, rpu: true, enhancement_layer: false });
    let err = plan(&info, &p("tiktok"), &ConformOptions::default()).unwrap_err().to_string();
    assert!(err.contains("Dolby Vision profile 5"), "{err}");
    // Range extensions (12-bit, 4:2:2) have no decoder here.
    let v = video_mut(&mut info);
    v.hdr.dolby_vision = None;
    (v.bit_depth, v.chroma_format, v.profile) = (12, "4:2:2".into(), Some("Range Extensions".into()));
    let err = plan(&info, &p("tiktok"), &ConformOptions::default()).unwrap_err().to_string();
    assert!(err.contains("HEVC Range Extensions (12-bit 4:2:2)"), "{err}");
}
