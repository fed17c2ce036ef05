//! AC-3 decoding compared sample by sample with FFmpeg's float `ac3` decoder (default options).
//! Streams are generated with ffmpeg's `ac3` / `ac3_fixed` encoders at test time.

use crate::common;
use common::oracle;

const MIN_SNR: f64 = 90.0;

fn six_channel_expr() -> &'static str {
    "aevalsrc=exprs='0.5*sin(2*PI*440*t)|0.4*sin(2*PI*554*t)+0.1*random(0)|0.3*sin(2*PI*1000*t)*sin(2*PI*2*t)|\
0.2*random(1)|0.3*sin(2*PI*3000*t+sin(2*PI*5*t))|0.5*sin(2*PI*60*t)'"
}

fn src(expr: &str, rate: u32, secs: f32, layout: &str) -> String {
    format!("{expr}:s={rate}:d={secs}:c={layout}")
}

#[test]
fn mono_48k_96k() {
    let s = src("aevalsrc=exprs='0.6*sin(2*PI*440*t)+0.05*random(0)'", 48000, 2.0, "mono");
    oracle("mono48.ac3", &["-f", "lavfi", "-i", &s], &["-c:a", "ac3", "-b:a", "96k", "-f", "ac3"], MIN_SNR);
}

#[test]
fn stereo_44k1_192k() {
    let s = src("aevalsrc=exprs='0.5*sin(2*PI*440*t)|0.5*sin(2*PI*660*t)+0.1*random(0)'", 44100, 2.0, "stereo");
    oracle("st44.ac3", &["-f", "lavfi", "-i", &s], &["-c:a", "ac3", "-b:a", "192k", "-f", "ac3"], MIN_SNR);
}

#[test]
fn stereo_32k_64k_coupling() {
    let s = src(
        "aevalsrc=exprs='0.5*sin(2*PI*440*t)+0.2*random(0)|0.4*sin(2*PI*440*t+0.3)+0.2*random(1)'",
        32000,
        2.0,
        "stereo",
    );
    oracle(
        "st32cpl.ac3",
        &["-f", "lavfi", "-i", &s],
        &["-c:a", "ac3", "-b:a", "64k", "-channel_coupling", "1", "-f", "ac3"],
        MIN_SNR,
    );
}

#[test]
fn stereo_48k_rematrixing_coupling_start_band() {
    // Correlated channels so rematrixing kicks in; an early coupling start so fewer rematrix bands.
    let s = src(
        "aevalsrc=exprs='0.5*sin(2*PI*300*t)+0.1*random(0)|0.5*sin(2*PI*300*t)+0.1*random(0)'",
        48000,
        2.0,
        "stereo",
    );
    oracle(
        "st48remat.ac3",
        &["-f", "lavfi", "-i", &s],
        &[
            "-c:a",
            "ac3",
            "-b:a",
            "96k",
            "-stereo_rematrixing",
            "1",
            "-channel_coupling",
            "1",
            "-cpl_start_band",
            "1",
            "-f",
            "ac3",
        ],
        MIN_SNR,
    );
}

#[test]
fn surround_5_1_48k_448k() {
    let s = src(six_channel_expr(), 48000, 2.0, "5.1");
    oracle("s51.ac3", &["-f", "lavfi", "-i", &s], &["-c:a", "ac3", "-b:a", "448k", "-f", "ac3"], MIN_SNR);
}

#[test]
fn surround_5_1_48k_640k() {
    let s = src(six_channel_expr(), 48000, 1.0, "5.1");
    oracle("s51hi.ac3", &["-f", "lavfi", "-i", &s], &["-c:a", "ac3", "-b:a", "640k", "-f", "ac3"], MIN_SNR);
}

#[test]
fn surround_5_1_44k1_192k_coupling() {
    let s = src(six_channel_expr(), 44100, 1.0, "5.1");
    oracle(
        "s51lo.ac3",
        &["-f", "lavfi", "-i", &s],
        &["-c:a", "ac3", "-b:a", "192k", "-channel_coupling", "1", "-f", "ac3"],
        MIN_SNR,
    );
}

#[test]
fn surround_5_0_no_lfe_32k_384k() {
    let s = src(
        "aevalsrc=exprs='0.5*sin(2*PI*440*t)|0.4*sin(2*PI*554*t)|0.3*sin(2*PI*1000*t)|0.2*random(1)|0.3*sin(2*PI*3000*t)'",
        32000,
        1.0,
        "5.0",
    );
    oracle("s50.ac3", &["-f", "lavfi", "-i", &s], &["-c:a", "ac3", "-b:a", "384k", "-f", "ac3"], MIN_SNR);
}

#[test]
fn other_layouts() {
    // 2/1, 3/0, 3/1, 2/2 and 2/0 + LFE.
    for (layout, n) in [("3.0(back)", 3), ("3.0", 3), ("4.0", 4), ("quad", 4), ("2.1", 3)] {
        let exprs: Vec<String> =
            (0..n).map(|i| format!("0.4*sin(2*PI*{}*t)+0.05*random({i})", 200 + 150 * i)).collect();
        let s = format!("aevalsrc=exprs='{}':s=48000:d=0.5:c={layout}", exprs.join("|"));
        let name = format!("lay{}.ac3", layout.replace(['(', ')', '.'], "_"));
        oracle(&name, &["-f", "lavfi", "-i", &s], &["-c:a", "ac3", "-b:a", "256k", "-f", "ac3"], MIN_SNR);
    }
}

#[test]
fn ac3_fixed_encoder_stereo_and_5_1() {
    let s = src("aevalsrc=exprs='0.5*sin(2*PI*440*t)|0.5*sin(2*PI*660*t)+0.1*random(0)'", 48000, 1.0, "stereo");
    oracle("fx2.ac3", &["-f", "lavfi", "-i", &s], &["-c:a", "ac3_fixed", "-b:a", "128k", "-f", "ac3"], MIN_SNR);
    let s = src(six_channel_expr(), 48000, 1.0, "5.1");
    oracle("fx6.ac3", &["-f", "lavfi", "-i", &s], &["-c:a", "ac3_fixed", "-b:a", "384k", "-f", "ac3"], MIN_SNR);
}

#[test]
fn alternate_bsi_bsid6() {
    // -dmix_mode / -dsurex_mode make ffmpeg write the Annex D alternate bit stream syntax (bsid 6).
    let s = src(six_channel_expr(), 48000, 0.5, "5.1");
    let p = common::ffmpeg_encode(
        "bsid6.ac3",
        &["-f", "lavfi", "-i", &s],
        &["-c:a", "ac3", "-b:a", "384k", "-dmix_mode", "ltrt", "-dsurex_mode", "on", "-f", "ac3"],
    );
    let data = std::fs::read(&p).unwrap();
    assert_eq!(clipfit::codec::audio::ac3::parse_frame_header(&data).unwrap().bsid, 6);
    oracle(
        "bsid6.ac3",
        &["-f", "lavfi", "-i", &s],
        &["-c:a", "ac3", "-b:a", "384k", "-dmix_mode", "ltrt", "-dsurex_mode", "on", "-f", "ac3"],
        MIN_SNR,
    );
}

#[test]
fn transients_noise_bursts() {
    let s = src(
        "aevalsrc=exprs='if(lt(mod(t,0.25),0.01),0.9*random(0),0.02*sin(2*PI*500*t))|if(lt(mod(t+0.1,0.3),0.005),0.9,0.01*sin(2*PI*700*t))'",
        48000,
        2.0,
        "stereo",
    );
    oracle("trans.ac3", &["-f", "lavfi", "-i", &s], &["-c:a", "ac3", "-b:a", "160k", "-f", "ac3"], MIN_SNR);
}

#[test]
fn features_exercised() {
    // Makes sure coupling, rematrixing and dither actually occur in the generated streams.
    let s = src(
        "aevalsrc=exprs='0.5*sin(2*PI*440*t)+0.2*random(0)|0.4*sin(2*PI*440*t+0.3)+0.2*random(1)'",
        48000,
        1.0,
        "stereo",
    );
    let p = common::ffmpeg_encode(
        "feat.ac3",
        &["-f", "lavfi", "-i", &s],
        &["-c:a", "ac3", "-b:a", "96k", "-channel_coupling", "1", "-f", "ac3"],
    );
    let data = std::fs::read(&p).unwrap();
    let mut dec = clipfit::codec::audio::ac3::Ac3Decoder::new();
    for f in common::split_frames(&data) {
        dec.decode(f).unwrap();
    }
    let st = dec.stats();
    println!("stats: {st:?}");
    assert!(st.coupling_blocks > 0, "no coupling");
    assert!(st.rematrix_blocks > 0, "no rematrixing");
    assert!(st.dithered_blocks > 0, "no dither");
}

/// FFmpeg's encoder never uses block switching, so this test sets `blksw` for the first channel
/// in block 0 of every other frame (blksw does not change how the rest of an AC-3 frame parses)
/// and compares the short-transform output with FFmpeg decoding the same modified stream.
#[test]
fn block_switching_short_transforms() {
    let s = src(six_channel_expr(), 48000, 1.0, "5.1");
    let p =
        common::ffmpeg_encode("blksw.ac3", &["-f", "lavfi", "-i", &s], &["-c:a", "ac3", "-b:a", "448k", "-f", "ac3"]);
    let mut data = std::fs::read(&p).unwrap();
    let mut pos = 0;
    let mut n = 0;
    while pos + 7 <= data.len() {
        let h = clipfit::codec::audio::ac3::parse_frame_header(&data[pos..]).unwrap();
        let bit = clipfit::codec::audio::ac3::ac3_audio_block_start_bit(&data[pos..]).unwrap();
        if n % 2 == 0 {
            data[pos + bit / 8] |= 0x80 >> (bit % 8); // blksw[ch1]
            let b2 = bit + 2; // blksw[ch3]
            data[pos + b2 / 8] |= 0x80 >> (b2 % 8);
        }
        n += 1;
        pos += h.frame_size;
    }
    let p2 = common::tmpdir().join("blksw-mod.ac3");
    std::fs::write(&p2, &data).unwrap();
    let mut dec = clipfit::codec::audio::ac3::Ac3Decoder::new();
    dec.set_crc_check(false);
    let mut ours = Vec::new();
    for f in common::split_frames(&data) {
        ours.extend_from_slice(&dec.decode(f).unwrap().samples);
    }
    assert!(dec.stats().short_blocks > 0);
    let reference = common::ffmpeg_decode(&p2, &[]);
    let (snr, max) = common::compare(&ours, &reference);
    println!("ORACLE blksw-mod.ac3 (short blocks): SNR {snr:.1} dB, max abs err {max:.3e}");
    assert!(snr > MIN_SNR, "short block SNR {snr:.1}");
}
