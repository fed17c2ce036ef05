//! Decode/resample/encode tests on real fixtures (testdata/audio, see make-fixtures.sh),
//! with ffmpeg as the oracle for the encoder's output.

use std::path::PathBuf;
use std::process::Command;

use super::asc::{adts_header, parse_asc};
use super::downmix::Speaker;
use super::*;
use crate::error::Error;
use crate::media::{AudioCodec, AudioInfo, PcmFormat};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/audio").join(name)
}

/// (config, packets) from a .pkts file.
fn load_pkts(name: &str) -> (Vec<u8>, Vec<Vec<u8>>) {
    let d = std::fs::read(fixture(name)).unwrap();
    assert_eq!(&d[..4], b"PKTS");
    let mut recs = Vec::new();
    let mut i = 4;
    while i < d.len() {
        let n = u32::from_be_bytes(d[i..i + 4].try_into().unwrap()) as usize;
        recs.push(d[i + 4..i + 4 + n].to_vec());
        i += 4 + n;
    }
    let cfg = recs.remove(0);
    (cfg, recs)
}

fn info(codec: AudioCodec, fourcc: &str, rate: u32, channels: u16, config: Vec<u8>) -> AudioInfo {
    AudioInfo {
        codec,
        fourcc: fourcc.into(),
        aac_profile: None,
        aac_object_type: None,
        sample_rate: rate,
        channels,
        pcm: None,
        codec_config: config,
    }
}

fn decode_all(dec: &mut AudioDecoder, packets: &[Vec<u8>]) -> Vec<f32> {
    let mut out = Vec::new();
    for p in packets {
        out.extend(dec.decode(p).unwrap());
    }
    out.extend(dec.flush().unwrap());
    out
}

fn channel(samples: &[f32], channels: usize, c: usize) -> Vec<f32> {
    samples.iter().skip(c).step_by(channels).copied().collect()
}

/// Index of the first sample louder than -26 dBFS.
fn onset(mono: &[f32]) -> usize {
    mono.iter().position(|x| x.abs() > 0.05).expect("no burst found")
}

/// Frequency from positive-going zero crossings over `mono[from..to]`.
fn frequency(mono: &[f32], rate: u32, from: usize, to: usize) -> f64 {
    let w = &mono[from..to];
    let ups: Vec<usize> = (1..w.len()).filter(|&i| w[i - 1] < 0.0 && w[i] >= 0.0).collect();
    let (first, last) = (ups[0], *ups.last().unwrap());
    (ups.len() - 1) as f64 * f64::from(rate) / (last - first) as f64
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

#[test]
fn aac_lc_48k_stereo_decodes_every_sample() {
    let (asc, pkts) = load_pkts("aac_lc_48k_stereo.pkts");
    let mut dec = AudioDecoder::new(&info(AudioCodec::Aac, "mp4a", 48000, 2, asc)).unwrap();
    let pcm = decode_all(&mut dec, &pkts);
    assert_eq!((dec.sample_rate(), dec.channels()), (48000, 2));
    // Every access unit gives 1024 frames, the first (priming) one included.
    assert_eq!(pcm.len(), pkts.len() * 1024 * 2);
    let left = channel(&pcm, 2, 0);
    // ffmpeg's AAC encoder primes with 1024 samples; the burst starts at 0.5 s.
    let start = onset(&left);
    eprintln!("decoder_delay {} onset {start}", dec.decoder_delay());
    assert!((start as i64 - (1024 + 24000)).abs() < 1024, "burst at {start}");
    let f = frequency(&left, 48000, 1024 + 30000, 1024 + 60000);
    assert!((f - 1000.0).abs() < 2.0, "{f} Hz");
}

#[test]
fn resampling_48k_to_44k1_keeps_pitch_and_timing() {
    let (asc, pkts) = load_pkts("aac_lc_48k_stereo.pkts");
    let mut dec = AudioDecoder::new(&info(AudioCodec::Aac, "mp4a", 48000, 2, asc)).unwrap();
    let pcm = decode_all(&mut dec, &pkts);
    let mut rs = Resampler::new(48000, 44100, 2).unwrap();
    let mut out = Vec::new();
    // Odd chunk sizes: the resampler must not care how input arrives.
    for chunk in pcm.chunks(2 * 777) {
        out.extend(rs.process(chunk).unwrap());
    }
    out.extend(rs.flush().unwrap());
    let frames_in = pcm.len() / 2;
    assert_eq!(out.len() / 2, (frames_in as f64 * 44100.0 / 48000.0).round() as usize);
    let (l_in, l_out) = (channel(&pcm, 2, 0), channel(&out, 2, 0));
    let expect = onset(&l_in) as f64 * 44100.0 / 48000.0;
    let got = onset(&l_out) as f64;
    assert!((got - expect).abs() <= 3.0, "onset {got} vs {expect}: delay not compensated");
    let f = frequency(&l_out, 44100, 30000, 60000);
    assert!((f - 1000.0).abs() < 2.0, "{f} Hz");
    assert!((rms(&l_out[30000..60000]) - rms(&l_in[33000..65000])).abs() < 0.01);
}

#[test]
fn mp3_22k_mono_resamples_to_44k1() {
    let (_, pkts) = load_pkts("mp3_22k_mono.pkts");
    let mut dec = AudioDecoder::new(&info(AudioCodec::Mp3, "mp4a", 22050, 1, Vec::new())).unwrap();
    let pcm = decode_all(&mut dec, &pkts);
    assert_eq!((dec.sample_rate(), dec.channels()), (22050, 1));
    // MPEG-2 Layer III: 576 samples per frame, the LAME info frame (silence) included; the
    // clip is 2 s plus LAME's 576 + the decoder's 529 samples of delay, padded to a frame.
    assert_eq!(pcm.len(), pkts.len() * 576);
    assert!((44100 + 576 + 529..44100 + 576 + 529 + 2 * 576).contains(&pcm.len()), "{}", pcm.len());
    let start = onset(&pcm);
    assert!((11025..11025 + 3 * 576).contains(&start), "burst at {start}");
    let mut rs = Resampler::new(22050, 44100, 1).unwrap();
    let mut out = rs.process(&pcm).unwrap();
    out.extend(rs.flush().unwrap());
    assert_eq!(out.len(), pcm.len() * 2);
    let f = frequency(&out, 44100, 30000, 60000);
    assert!((f - 1000.0).abs() < 2.0, "{f} Hz");
    let expect = onset(&pcm) as f64 * 2.0;
    assert!((onset(&out) as f64 - expect).abs() <= 3.0);
}

#[test]
fn aac_51_channel_layout_and_downmix() {
    let (asc, pkts) = load_pkts("aac_51.pkts");
    let mut dec = AudioDecoder::new(&info(AudioCodec::Aac, "mp4a", 48000, 6, asc)).unwrap();
    let pcm = decode_all(&mut dec, &pkts);
    assert_eq!(dec.channels(), 6);
    use Speaker::*;
    assert_eq!(dec.layout(), &[FrontLeft, FrontRight, FrontCenter, Lfe, BackLeft, BackRight]);
    let mid = 1024 + 10000..1024 + 40000;
    let ch: Vec<Vec<f32>> = (0..6).map(|c| channel(&pcm, 6, c)[mid.clone()].to_vec()).collect();
    assert!(rms(&ch[2]) > 0.3, "centre tone missing");
    assert!(frequency(&ch[2], 48000, 0, 30000).round() == 1000.0);
    assert!(rms(&ch[3]) > 0.2, "LFE tone missing");
    for c in [0, 1, 4, 5] {
        assert!(rms(&ch[c]) < 0.01, "channel {c} should be silent");
    }
    let (st, n) = downmix(&pcm, 6);
    assert_eq!(n, 2);
    let (l, r) = (channel(&st, 2, 0), channel(&st, 2, 1));
    assert!(l.iter().zip(&r).all(|(a, b)| (a - b).abs() < 1e-6), "centre must be equal in L and R");
    // Only the centre survives: the 60 Hz LFE must be gone. Correlate against 60 Hz.
    let corr = |f: f64| {
        let (mut s, mut c) = (0.0, 0.0);
        for (i, &x) in l[mid.clone()].iter().enumerate() {
            let ph = 2.0 * std::f64::consts::PI * f * i as f64 / 48000.0;
            s += f64::from(x) * ph.sin();
            c += f64::from(x) * ph.cos();
        }
        (s * s + c * c).sqrt() / mid.len() as f64
    };
    assert!(corr(1000.0) > 0.05, "centre too quiet: {}", corr(1000.0));
    assert!(corr(60.0) < 0.001, "LFE leaked: {}", corr(60.0));
    assert!(st.iter().all(|x| x.abs() <= 1.0));
}

#[test]
fn he_aac_decodes_at_full_rate() {
    use fdk_aac::enc::{AudioObjectType, BitRate, ChannelMode, Encoder, EncoderParams, Transport};
    let enc = Encoder::new(EncoderParams {
        bit_rate: BitRate::Cbr(48000),
        sample_rate: 44100,
        transport: Transport::Raw,
        channels: ChannelMode::Stereo,
        audio_object_type: AudioObjectType::Mpeg4HeAac,
    })
    .unwrap();
    let ei = enc.info().unwrap();
    let asc = ei.confBuf[..ei.confSize as usize].to_vec();
    let parsed = parse_asc(&asc).unwrap();
    assert!(parsed.sbr, "{parsed:?}");
    assert_eq!((parsed.sample_rate, parsed.output_sample_rate()), (22050, 44100));
    let tone: Vec<i16> = (0..44100 * 2)
        .flat_map(|i| {
            let v = (0.5 * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / 44100.0).sin() * 32767.0) as i16;
            [v, v]
        })
        .collect();
    let mut units = Vec::new();
    let mut buf = vec![0u8; 8192];
    let frame = ei.frameLength as usize * 2;
    for chunk in tone.chunks_exact(frame) {
        let r = enc.encode(chunk, &mut buf).unwrap();
        if r.output_size > 0 {
            units.push(buf[..r.output_size].to_vec());
        }
    }
    assert!(units.len() > 10);
    // Both the explicit config and a plain LC config at the core rate (implicit SBR).
    let implicit = super::asc::build_asc(2, 22050, 2).unwrap();
    for config in [asc, implicit] {
        let mut dec = AudioDecoder::new(&info(AudioCodec::Aac, "mp4a", 44100, 2, config)).unwrap();
        let pcm = decode_all(&mut dec, &units);
        assert_eq!((dec.sample_rate(), dec.channels()), (44100, 2));
        assert_eq!(pcm.len(), units.len() * 2048 * 2);
        let l = channel(&pcm, 2, 0);
        let f = frequency(&l, 44100, 20000, 60000);
        assert!((f - 1000.0).abs() < 2.0, "{f} Hz");
    }
}

#[test]
fn pcm_variants_decode_exactly() {
    let mut decoded = Vec::new();
    for (file, bits, be) in [
        ("pcm_48k_stereo.s16be", 16, true),
        ("pcm_48k_stereo.s16le", 16, false),
        ("pcm_48k_stereo.s24be", 24, true),
        ("pcm_48k_stereo.s24le", 24, false),
    ] {
        let data = std::fs::read(fixture(file)).unwrap();
        let mut i = info(AudioCodec::Pcm, "lpcm", 48000, 2, Vec::new());
        i.pcm = Some(PcmFormat { bits, float: false, big_endian: be, signed: true });
        let mut dec = AudioDecoder::new(&i).unwrap();
        // Packets that split frames and samples must still decode the same.
        let mut pcm = Vec::new();
        for chunk in data.chunks(1001) {
            pcm.extend(dec.decode(chunk).unwrap());
        }
        assert_eq!(pcm.len(), 12000 * 2, "{file}");
        let l = channel(&pcm, 2, 0);
        // ffmpeg's sine source is 16-bit, so 24-bit files carry the same 16-bit values.
        let tol = 1.5 / 32768.0;
        // ffmpeg's sine source is 1/8 full scale; `-ac 2` spreads it at -3 dB.
        let amp = 0.125 * std::f64::consts::FRAC_1_SQRT_2;
        for (n, &x) in l.iter().enumerate() {
            let want = amp * (2.0 * std::f64::consts::PI * 1000.0 * n as f64 / 48000.0).sin();
            assert!((f64::from(x) - want).abs() < tol, "{file} sample {n}: {x} vs {want}");
        }
        decoded.push(pcm);
    }
    assert_eq!(decoded[0], decoded[1], "s16 BE and LE differ");
    assert_eq!(decoded[2], decoded[3], "s24 BE and LE differ");
    // ffmpeg mixes the 24-bit variant along a different path: equal within 16-bit rounding.
    assert!(decoded[0].iter().zip(&decoded[2]).all(|(a, b)| (a - b).abs() <= 1.0 / 32768.0));
    // The fourcc alone is enough for QuickTime's fixed layouts.
    let d = AudioDecoder::new(&info(AudioCodec::Pcm, "twos", 48000, 1, Vec::new()));
    let mut d = d.unwrap();
    assert_eq!(d.decode(&[0x40, 0x00, 0xc0, 0x00]).unwrap(), vec![0.5, -0.5]);
    let mut d = AudioDecoder::new(&info(AudioCodec::Pcm, "sowt", 48000, 1, Vec::new())).unwrap();
    assert_eq!(d.decode(&[0x00, 0x40]).unwrap(), vec![0.5]);
}

#[test]
fn lossless_codecs_decode_sample_exact() {
    for (file, codec, fourcc) in
        [("alac_44k_mono.pkts", AudioCodec::Alac, "alac"), ("flac_44k_mono.pkts", AudioCodec::Flac, "fLaC")]
    {
        let (cfg, pkts) = load_pkts(file);
        let mut dec = AudioDecoder::new(&info(codec, fourcc, 44100, 1, cfg)).unwrap();
        let pcm = decode_all(&mut dec, &pkts);
        assert_eq!((dec.sample_rate(), dec.channels()), (44100, 1), "{file}");
        assert_eq!(pcm.len(), 88200, "{file}");
        assert!((onset(&pcm) as i64 - 22050).abs() <= 2, "{file}: onset {}", onset(&pcm));
        assert!((frequency(&pcm, 44100, 30000, 60000) - 1000.0).abs() < 1.0);
    }
}

#[test]
fn unsupported_codecs_name_themselves_and_the_way_out() {
    for (codec, name) in [(AudioCodec::Dts, "DTS"), (AudioCodec::Mp2, "MPEG Layer II")] {
        let e = AudioDecoder::new(&info(codec, "dtsc", 48000, 6, Vec::new())).unwrap_err();
        assert!(matches!(e, Error::Unsupported { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(msg.contains(name) && msg.contains("--audio drop"), "{msg}");
    }
}

#[test]
fn garbage_packets_error_without_panicking() {
    let (asc, _) = load_pkts("aac_lc_48k_stereo.pkts");
    let (_, mp3) = load_pkts("mp3_22k_mono.pkts");
    let (fcfg, flac) = load_pkts("flac_44k_mono.pkts");
    let mut seed = 0x1234_5678u32;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            })
            .collect()
    };
    let infos = [
        info(AudioCodec::Aac, "mp4a", 48000, 2, asc),
        info(AudioCodec::Mp3, "mp4a", 22050, 1, Vec::new()),
        info(AudioCodec::Flac, "fLaC", 44100, 1, fcfg),
    ];
    for i in &infos {
        let mut dec = AudioDecoder::new(i).unwrap();
        for n in [0, 1, 7, 100, 1500, 6000] {
            let _ = dec.decode(&noise(n));
        }
        // Truncated real packets too.
        for p in mp3.iter().chain(&flac).take(20) {
            let _ = dec.decode(&p[..p.len() / 2]);
        }
    }
    for bad in [vec![], vec![0xff], vec![0x12]] {
        assert!(AudioDecoder::new(&info(AudioCodec::Aac, "mp4a", 48000, 2, bad)).is_err());
    }
    assert!(AudioDecoder::new(&info(AudioCodec::Alac, "alac", 44100, 1, vec![0; 5])).is_err());
}

#[test]
fn resampler_delay_is_compensated_exactly() {
    for (a, b) in [(48000u32, 44100u32), (22050, 44100), (32000, 44100), (44100, 44100)] {
        let mut rs = Resampler::new(a, b, 1).unwrap();
        let n = 5000usize;
        let mut input = vec![0.0f32; a as usize / 2];
        input[n] = 1.0;
        let mut out = rs.process(&input).unwrap();
        out.extend(rs.flush().unwrap());
        assert_eq!(out.len(), (input.len() as f64 * f64::from(b) / f64::from(a)).round() as usize);
        let peak = (0..out.len()).max_by(|&i, &j| out[i].abs().total_cmp(&out[j].abs())).unwrap();
        let want = n as f64 * f64::from(b) / f64::from(a);
        assert!((peak as f64 - want).abs() <= 1.0, "{a}→{b}: impulse at {peak}, want {want}");
        eprintln!("resampler {a}→{b}: delay_frames {} (compensated)", rs.delay_frames());
    }
}

/// Decode ADTS with ffmpeg to mono f32 (left channel).
fn ffmpeg_decode_adts(adts: &[u8]) -> Vec<f32> {
    let dir = tempfile::tempdir().unwrap();
    let inp = dir.path().join("x.aac");
    std::fs::write(&inp, adts).unwrap();
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-i"])
        .arg(&inp)
        .args(["-f", "f32le", "-ac", "1", "-"])
        .output()
        .expect("ffmpeg must be installed for this test");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect()
}

#[test]
fn encoder_delay_matches_where_ffmpeg_finds_the_burst() {
    let rate = 44100u32;
    let start = 10_000usize;
    let total = rate as usize * 2;
    let pcm: Vec<f32> = (0..total)
        .flat_map(|i| {
            let v = if (start..start + 22050).contains(&i) {
                0.5 * (2.0 * std::f32::consts::PI * 1000.0 * (i - start) as f32 / rate as f32).sin()
            } else {
                0.0
            };
            [v, v]
        })
        .collect();
    let mut enc = AacEncoder::new(rate, 2, 128_000).unwrap();
    assert_eq!(enc.audio_specific_config(), vec![0x12, 0x10]);
    let t0 = std::time::Instant::now();
    let mut units = Vec::new();
    for chunk in pcm.chunks(2 * 1500) {
        units.extend(enc.encode(chunk).unwrap());
    }
    units.extend(enc.flush().unwrap());
    let secs = t0.elapsed().as_secs_f64();
    eprintln!(
        "AAC-LC encode: {:.0}x realtime (2 s stereo in {:.1} ms), encoder_delay {}",
        2.0 / secs,
        secs * 1e3,
        enc.encoder_delay()
    );
    let delay = enc.encoder_delay() as usize;
    assert!(units.len() * 1024 >= delay + total, "flush left samples out");
    assert!(units.len() * 1024 < delay + total + 2048, "too much padding");
    let asc = parse_asc(&enc.audio_specific_config()).unwrap();
    let mut adts = Vec::new();
    for u in &units {
        adts.extend_from_slice(&adts_header(&asc, u.len()).unwrap());
        adts.extend_from_slice(u);
    }
    let decoded = ffmpeg_decode_adts(&adts);
    let found = onset(&decoded);
    let ms = (found as f64 - (start + delay) as f64) / f64::from(rate) * 1000.0;
    eprintln!("burst at {found}, expected {} (+{delay} delay): {ms:.2} ms off", start);
    assert!(ms.abs() < 1.0, "burst {ms:.2} ms away from input position + encoder_delay");
    // Our own decoder agrees.
    let mut dec = AudioDecoder::new(&info(AudioCodec::Aac, "mp4a", rate, 2, enc.audio_specific_config())).unwrap();
    let ours = channel(&decode_all(&mut dec, &units), 2, 0);
    assert!((onset(&ours) as i64 - found as i64).abs() <= 2);
    let f = frequency(&decoded, rate, start + delay + 2000, start + delay + 20000);
    assert!((f - 1000.0).abs() < 2.0);
}

#[test]
fn transcoder_runs_the_whole_chain() {
    let (asc, pkts) = load_pkts("aac_51.pkts");
    let i = info(AudioCodec::Aac, "mp4a", 48000, 6, asc);
    let mut t = AudioTranscoder::new(&i, 2, 128_000).unwrap();
    // Skip ffmpeg's 1024 priming samples as the edit list would.
    t.set_trim(1024, Some(48000));
    let mut units = Vec::new();
    for p in &pkts {
        units.extend(t.push_packet(p).unwrap());
    }
    units.extend(t.push_silence(4800).unwrap());
    units.extend(t.finish().unwrap());
    assert_eq!(t.kept_frames(), 48000);
    assert_eq!(t.output_frames(), 44100 + 4410);
    let delay = t.encoder_delay() as u64;
    assert!(units.len() as u64 * 1024 >= delay + t.output_frames());
    assert_eq!(t.audio_specific_config(), vec![0x12, 0x10]);
    let mut dec = AudioDecoder::new(&info(AudioCodec::Aac, "mp4a", 44100, 2, t.audio_specific_config())).unwrap();
    let pcm = decode_all(&mut dec, &units);
    let l = channel(&pcm, 2, 0);
    let body = &l[delay as usize + 5000..delay as usize + 40000];
    assert!((frequency(body, 44100, 0, body.len()) - 1000.0).abs() < 2.0);
    // The padded tail is silent.
    let tail = &l[delay as usize + 44100 + 500..delay as usize + 44100 + 4000];
    assert!(rms(tail) < 0.005, "tail rms {}", rms(tail));
}
