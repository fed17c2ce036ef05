//! Every crash input a fuzz target found, kept in `testdata/malformed/fuzz-TARGET-N.bin`,
//! replayed through the same library calls as the target: Ok or Err, never a panic.

use crate::helpers::*;
use clipfit::codec::h264::{annexb, sps};

fn h264_sps(data: &[u8]) {
    let _ = sps::Sps::parse(data);
    for nal in annexb::annexb_nals(data) {
        let _ = sps::Sps::parse(nal);
    }
    for length_size in 1..=4 {
        if let Ok(nals) = annexb::avcc_nals(data, length_size) {
            for nal in nals {
                let _ = sps::Sps::parse(nal);
            }
        }
    }
}

/// As the `matroska` target: index the file, then read every sample back.
fn matroska(data: &[u8]) {
    use clipfit::demux::Demuxer;
    let len = data.len() as u64;
    let source = Box::new(std::io::Cursor::new(data.to_vec()));
    let Ok(mut demux) = clipfit::demux::matroska::from_source(source, len, "<fuzz>") else {
        return;
    };
    let mut buf = Vec::new();
    for t in 0..demux.info().tracks.len() {
        for s in demux.samples(t).to_vec() {
            assert!(s.offset + u64::from(s.size) <= len, "a sample past the end of the data");
            demux.read_sample(&s, &mut buf).expect("an indexed sample reads back");
        }
    }
}

#[test]
fn fuzz_crash_inputs_stay_fixed() {
    let dir = fixture("malformed");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(target) = name.strip_prefix("fuzz-").and_then(|n| n.rsplit_once('-')).map(|(t, _)| t.to_string())
        else {
            continue;
        };
        let data = std::fs::read(&path).unwrap();
        match target.as_str() {
            "h264_sps" => h264_sps(&data),
            "probe" | "fragments" => {
                let _ = clipfit::demux::probe_bytes(&data);
            }
            "matroska" => matroska(&data),
            other => panic!("{name}: no replay for fuzz target {other}"),
        }
        replayed += 1;
    }
    assert!(replayed >= 1, "no fuzz regression inputs found in {}", dir.display());
}

/// The input `cargo fuzz run h264_sps` found (attempt to add with overflow in the scaling
/// list): its SPS must now be refused, not parsed.
#[test]
fn scaling_list_overflow_is_an_error() {
    let data = std::fs::read(fixture("malformed/fuzz-h264_sps-1.bin")).unwrap();
    h264_sps(&data);
    // The whole input is an SPS NAL unit (0xe7: type 7) with a hostile scaling list.
    let err = sps::Sps::parse(&data).unwrap_err();
    assert!(err.to_string().contains("scaling list"), "{err}");
}

/// The `probe` target's out-of-memory input: a 1.5 kB file whose fixed-size `stsz` claimed
/// 16.7 million samples (a 640 MB index). Refused by the limit before anything is allocated.
#[test]
fn hostile_sample_count_is_refused_before_allocating() {
    let data = std::fs::read(fixture("malformed/fuzz-probe-1.bin")).unwrap();
    let err = clipfit::demux::probe_bytes(&data).unwrap_err();
    assert!(err.to_string().contains("stsz"), "{err}");
}

/// rav1d 1.1.0 panicked on every frame whose tile data failed to decode (through its
/// `extern "C"` API that aborted clipfit; see vendor/rav1d/CLIPFIT-PATCHES.md). Frames
/// of the AV1 fixture with damaged tile data must come back as codec errors without
/// rav1d panicking (each panic restarts the decoder, counted by `restarts`).
#[test]
fn damaged_av1_frames_are_errors_not_decoder_panics() {
    use clipfit::codec::av1::Av1Decoder;
    use clipfit::codec::video::{Packet, VideoDecoder};
    let mut demux = clipfit::demux::open(fixture("av1.mp4")).unwrap();
    use clipfit::media::TrackKind;
    let (track, info) = demux
        .info()
        .tracks
        .iter()
        .enumerate()
        .find_map(|(k, t)| match &t.kind {
            TrackKind::Video(v) => Some((k, v.clone())),
            _ => None,
        })
        .unwrap();
    let mut samples = Vec::new();
    for s in demux.samples(track).to_vec() {
        let mut buf = Vec::new();
        demux.read_sample(&s, &mut buf).unwrap();
        samples.push(buf);
    }
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut errors, mut sent) = (0, 0);
    for round in 0..24 {
        let mut dec = Av1Decoder::new(&info).unwrap();
        for (k, sample) in samples.iter().enumerate() {
            let mut data = sample.clone();
            // Headers stay readable: only the second half (tile data) is damaged.
            let half = data.len() / 2;
            for _ in 0..1 + round % 4 {
                let at = half + (next() as usize) % (data.len() - half);
                data[at] ^= 1 << (next() % 8);
            }
            if round % 5 == 4 {
                data.truncate(half + (next() as usize) % (data.len() - half));
            }
            let pts = k as f64 / 30.0;
            errors += usize::from(dec.send_packet(Packet { data: &data, pts, upcoming: None }).is_err());
            sent += 1;
            while dec.receive_picture().is_some() {}
        }
        let _ = dec.flush();
        assert_eq!(dec.restarts(), 0, "rav1d panicked in round {round}");
    }
    assert!(errors > 0, "none of {sent} damaged samples was an error: the damage reached nothing");
}
