//! The probe agrees with ffprobe (the oracle) on every fixture.

use crate::helpers::*;

#[test]
fn probe_matches_ffprobe() {
    if !have_ffmpeg() {
        eprintln!("SKIPPED: ffprobe not installed");
        return;
    }
    for name in [
        "compliant.mp4",
        "landscape_bframes.mp4",
        "rotated.mp4",
        "short60_mono22k.mp4",
        "pcm.mov",
        "vfr_mp3.mp4",
        "aac51.mp4",
        "nonsquare.mp4",
        "few_px_off.mp4",
        "ac3.mp4",
        "hevc.mp4",
    ] {
        let path = fixture(name);
        let ours = clipfit::demux::probe(&path).unwrap();
        let theirs = ffprobe(&path);
        for s in theirs["streams"].as_array().unwrap() {
            let idx = s["index"].as_u64().unwrap() as usize;
            let t = &ours.tracks[idx];
            let packets: u64 = s["nb_read_packets"].as_str().unwrap().parse().unwrap();
            // QuickTime PCM's per-frame samples are read one chunk at a time, as ffprobe does.
            if name != "pcm.mov" {
                assert_eq!(t.sample_count, packets, "{name} stream {idx} sample count");
            }
            match &t.kind {
                clipfit::media::TrackKind::Video(v) => {
                    assert_eq!(s["codec_type"], "video");
                    assert_eq!(Some(v.width as u64), s["width"].as_u64(), "{name} width");
                    assert_eq!(Some(v.height as u64), s["height"].as_u64(), "{name} height");
                    if let (Some(level), "h264") = (s["level"].as_i64(), s["codec_name"].as_str().unwrap_or("")) {
                        assert_eq!(v.level_idc.map(|l| l as i64), Some(level), "{name} level");
                    }
                }
                clipfit::media::TrackKind::Audio(a) => {
                    assert_eq!(s["codec_type"], "audio");
                    let rate: u32 = s["sample_rate"].as_str().unwrap().parse().unwrap();
                    assert_eq!(a.sample_rate, rate, "{name} sample rate");
                    // For MP3 the probe reports the sample entry's count; ffprobe reads frame headers.
                    if a.codec != clipfit::media::AudioCodec::Mp3 {
                        assert_eq!(Some(a.channels as u64), s["channels"].as_u64(), "{name} channels");
                    }
                }
                clipfit::media::TrackKind::Other => {}
            }
        }
        let dur: f64 = theirs["format"]["duration"].as_str().unwrap().parse().unwrap();
        assert!((ours.duration - dur).abs() < 0.1, "{name}: duration {} vs ffprobe {dur}", ours.duration);
    }
}
