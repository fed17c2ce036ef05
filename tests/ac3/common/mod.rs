//! Shared helpers: generate streams with ffmpeg, split frames, compare against FFmpeg's decoder.
#![allow(dead_code)]

use clipfit::codec::audio::ac3::{parse_frame_header, Ac3Decoder};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn tmpdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("clipfit-ac3-test-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs ffmpeg with `args` (output file last) and returns the output path.
pub fn ffmpeg_encode(name: &str, input_args: &[&str], codec_args: &[&str]) -> PathBuf {
    let out = tmpdir().join(name);
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"]);
    cmd.args(input_args);
    cmd.args(codec_args);
    cmd.arg(&out);
    let st = cmd.status().expect("ffmpeg must be installed for the oracle tests");
    assert!(st.success(), "ffmpeg encode failed for {name}");
    out
}

/// FFmpeg's float decoder output as interleaved f32.
pub fn ffmpeg_decode(path: &Path, extra: &[&str]) -> Vec<f32> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error"])
        .args(extra)
        .arg("-i")
        .arg(path)
        .args(["-f", "f32le", "-"])
        .output()
        .expect("ffmpeg");
    assert!(out.status.success(), "ffmpeg decode failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// Splits a raw AC-3 / E-AC-3 elementary stream into frames.
pub fn split_frames(data: &[u8]) -> Vec<&[u8]> {
    let mut v = Vec::new();
    let mut pos = 0;
    while pos + 7 <= data.len() {
        let h = parse_frame_header(&data[pos..]).expect("frame header");
        let end = (pos + h.frame_size).min(data.len());
        v.push(&data[pos..end]);
        pos += h.frame_size;
    }
    v
}

pub struct Decoded {
    pub samples: Vec<f32>,
    pub channels: usize,
    pub sample_rate: u32,
}

pub fn decode_all(data: &[u8]) -> Decoded {
    let mut dec = Ac3Decoder::new();
    let mut samples = Vec::new();
    let mut channels = 0;
    let mut sample_rate = 0;
    for (i, f) in split_frames(data).into_iter().enumerate() {
        let a = dec.decode(f).unwrap_or_else(|e| panic!("frame {i}: {e}"));
        channels = a.channels as usize;
        sample_rate = a.sample_rate;
        assert_eq!(a.layout.len(), channels);
        samples.extend_from_slice(&a.samples);
    }
    Decoded { samples, channels, sample_rate }
}

/// Returns (SNR dB, max abs error).
pub fn compare(ours: &[f32], reference: &[f32]) -> (f64, f64) {
    assert_eq!(ours.len(), reference.len(), "sample count differs");
    let mut sig = 0f64;
    let mut err = 0f64;
    let mut max = 0f64;
    for (a, b) in ours.iter().zip(reference) {
        let d = (*a as f64) - (*b as f64);
        sig += (*b as f64) * (*b as f64);
        err += d * d;
        max = max.max(d.abs());
    }
    let snr = if err == 0.0 { 200.0 } else { 10.0 * (sig / err).log10() };
    (snr, max)
}

/// Encodes with ffmpeg, decodes with both decoders, asserts SNR and returns (snr, max_err).
pub fn oracle(name: &str, input_args: &[&str], codec_args: &[&str], min_snr: f64) -> (f64, f64) {
    let path = ffmpeg_encode(name, input_args, codec_args);
    let data = std::fs::read(&path).unwrap();
    let ours = decode_all(&data);
    let reference = ffmpeg_decode(&path, &[]);
    let (snr, max) = compare(&ours.samples, &reference);
    println!(
        "ORACLE {name}: {} ch, {} Hz, {} frames/ch, SNR {snr:.1} dB, max abs err {max:.3e}",
        ours.channels,
        ours.sample_rate,
        ours.samples.len() / ours.channels.max(1)
    );
    assert!(snr > min_snr, "{name}: SNR {snr:.1} dB below {min_snr} dB (max err {max:.3e})");
    (snr, max)
}
