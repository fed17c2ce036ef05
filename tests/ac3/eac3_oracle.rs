//! E-AC-3 decoding compared with FFmpeg's float `eac3` decoder. Streams come from ffmpeg's
//! `eac3` encoder (which uses standard coupling but no AHT, SPX or enhanced coupling).

use crate::common;
use common::oracle;

const MIN_SNR: f64 = 90.0;

const SIX: &str =
    "aevalsrc=exprs='0.5*sin(2*PI*440*t)|0.4*sin(2*PI*554*t)+0.1*random(0)|0.3*sin(2*PI*1000*t)*sin(2*PI*2*t)|\
0.2*random(1)|0.3*sin(2*PI*3000*t+sin(2*PI*5*t))|0.5*sin(2*PI*60*t)'";
const TWO: &str = "aevalsrc=exprs='0.5*sin(2*PI*440*t)+0.2*random(0)|0.4*sin(2*PI*440*t+0.3)+0.2*random(1)'";

fn src(expr: &str, rate: u32, secs: f32, layout: &str) -> String {
    format!("{expr}:s={rate}:d={secs}:c={layout}")
}

#[test]
fn eac3_stereo_48k_96k() {
    let s = src(TWO, 48000, 2.0, "stereo");
    oracle("e2a.eac3", &["-f", "lavfi", "-i", &s], &["-c:a", "eac3", "-b:a", "96k", "-f", "eac3"], MIN_SNR);
}

#[test]
fn eac3_stereo_44k1_192k() {
    let s = src(TWO, 44100, 2.0, "stereo");
    oracle("e2b.eac3", &["-f", "lavfi", "-i", &s], &["-c:a", "eac3", "-b:a", "192k", "-f", "eac3"], MIN_SNR);
}

#[test]
fn eac3_stereo_32k_coupling() {
    let s = src(TWO, 32000, 2.0, "stereo");
    oracle(
        "e2c.eac3",
        &["-f", "lavfi", "-i", &s],
        &["-c:a", "eac3", "-b:a", "64k", "-channel_coupling", "1", "-f", "eac3"],
        MIN_SNR,
    );
}

#[test]
fn eac3_mono() {
    let s = src("aevalsrc=exprs='0.6*sin(2*PI*440*t)+0.05*random(0)'", 48000, 1.0, "mono");
    oracle("e1.eac3", &["-f", "lavfi", "-i", &s], &["-c:a", "eac3", "-b:a", "64k", "-f", "eac3"], MIN_SNR);
}

#[test]
fn eac3_5_1_48k_384k() {
    let s = src(SIX, 48000, 2.0, "5.1");
    oracle("e6a.eac3", &["-f", "lavfi", "-i", &s], &["-c:a", "eac3", "-b:a", "384k", "-f", "eac3"], MIN_SNR);
}

#[test]
fn eac3_5_1_48k_192k_coupling() {
    let s = src(SIX, 48000, 1.0, "5.1");
    oracle(
        "e6b.eac3",
        &["-f", "lavfi", "-i", &s],
        &["-c:a", "eac3", "-b:a", "192k", "-channel_coupling", "1", "-f", "eac3"],
        MIN_SNR,
    );
}

#[test]
fn eac3_5_1_640k_and_5_0() {
    let s = src(SIX, 48000, 1.0, "5.1");
    oracle("e6c.eac3", &["-f", "lavfi", "-i", &s], &["-c:a", "eac3", "-b:a", "640k", "-f", "eac3"], MIN_SNR);
    let s = src(
        "aevalsrc=exprs='0.5*sin(2*PI*440*t)|0.4*sin(2*PI*554*t)|0.3*sin(2*PI*1000*t)|0.2*random(1)|0.3*sin(2*PI*3000*t)'",
        44100,
        1.0,
        "5.0",
    );
    oracle("e5.eac3", &["-f", "lavfi", "-i", &s], &["-c:a", "eac3", "-b:a", "320k", "-f", "eac3"], MIN_SNR);
}
