//! Downmix to at most two channels, the most the output profiles allow.
//!
//! Decoders in this module emit channels in WAV/SMPTE order (FL FR FC LFE BL BR, then
//! FLC FRC BC SL SR), whatever order the codec stores them in, so a channel count is
//! enough to know the layout. Coefficients follow ITU-R BS.775: centre and surrounds
//! at −3 dB (0.7071), LFE dropped; the matrix is then scaled so that a full-scale
//! signal in every input channel cannot exceed full scale in the output.

/// A loudspeaker position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Speaker {
    /// Front left.
    FrontLeft,
    /// Front right.
    FrontRight,
    /// Front centre.
    FrontCenter,
    /// Low-frequency effects.
    Lfe,
    /// Back (rear surround) left.
    BackLeft,
    /// Back right.
    BackRight,
    /// Front left of centre.
    FrontLeftCenter,
    /// Front right of centre.
    FrontRightCenter,
    /// Back centre.
    BackCenter,
    /// Side left.
    SideLeft,
    /// Side right.
    SideRight,
    /// Anything else (height channels, unknown positions).
    Other,
}

impl Speaker {
    /// (left, right) gains of this speaker in a stereo downmix, before normalisation.
    fn stereo_gains(self) -> (f32, f32) {
        const M3DB: f32 = std::f32::consts::FRAC_1_SQRT_2;
        match self {
            Speaker::FrontLeft | Speaker::FrontLeftCenter => (1.0, 0.0),
            Speaker::FrontRight | Speaker::FrontRightCenter => (0.0, 1.0),
            Speaker::FrontCenter | Speaker::Other => (M3DB, M3DB),
            Speaker::Lfe => (0.0, 0.0),
            Speaker::BackLeft | Speaker::SideLeft => (M3DB, 0.0),
            Speaker::BackRight | Speaker::SideRight => (0.0, M3DB),
            Speaker::BackCenter => (0.5, 0.5),
        }
    }
}

/// The WAV-order layout this module assumes for `channels` channels.
pub fn default_layout(channels: u16) -> Vec<Speaker> {
    use Speaker::*;
    match channels {
        1 => vec![FrontCenter],
        2 => vec![FrontLeft, FrontRight],
        3 => vec![FrontLeft, FrontRight, FrontCenter],
        4 => vec![FrontLeft, FrontRight, BackLeft, BackRight],
        5 => vec![FrontLeft, FrontRight, FrontCenter, BackLeft, BackRight],
        6 => vec![FrontLeft, FrontRight, FrontCenter, Lfe, BackLeft, BackRight],
        7 => vec![FrontLeft, FrontRight, FrontCenter, Lfe, BackCenter, SideLeft, SideRight],
        8 => vec![FrontLeft, FrontRight, FrontCenter, Lfe, BackLeft, BackRight, SideLeft, SideRight],
        n => {
            // Unknown: alternate left/right so energy stays balanced.
            (0..n).map(|i| if i % 2 == 0 { FrontLeft } else { FrontRight }).collect()
        }
    }
}

/// Downmix interleaved `samples` with `channels` channels (WAV order) to mono or stereo.
/// Mono and stereo pass through unchanged; returns the samples and the new channel count.
pub fn downmix(samples: &[f32], channels: u16) -> (Vec<f32>, u16) {
    if channels <= 2 {
        return (samples.to_vec(), channels.max(1));
    }
    (downmix_layout(samples, &default_layout(channels)), 2)
}

/// Downmix interleaved `samples` laid out as `layout` to stereo.
pub fn downmix_layout(samples: &[f32], layout: &[Speaker]) -> Vec<f32> {
    let n = layout.len();
    if n == 0 {
        return Vec::new();
    }
    let gains: Vec<(f32, f32)> = layout.iter().map(|s| s.stereo_gains()).collect();
    let sum_l: f32 = gains.iter().map(|g| g.0).sum();
    let sum_r: f32 = gains.iter().map(|g| g.1).sum();
    let norm = 1.0 / sum_l.max(sum_r).max(1.0);
    let gains: Vec<(f32, f32)> = gains.iter().map(|&(l, r)| (l * norm, r * norm)).collect();
    let mut out = Vec::with_capacity(samples.len() / n * 2);
    for frame in samples.chunks_exact(n) {
        let (mut l, mut r) = (0.0f32, 0.0f32);
        for (s, g) in frame.iter().zip(&gains) {
            l += s * g.0;
            r += s * g.1;
        }
        out.push(l);
        out.push(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames_51(f: impl Fn(usize) -> [f32; 6], n: usize) -> Vec<f32> {
        (0..n).flat_map(f).collect()
    }

    #[test]
    fn centre_only_lands_equally_in_both() {
        let s = frames_51(|i| [0.0, 0.0, (i as f32 * 0.1).sin(), 0.0, 0.0, 0.0], 100);
        let (out, ch) = downmix(&s, 6);
        assert_eq!(ch, 2);
        assert_eq!(out.len(), 200);
        let energy: f32 = out.iter().map(|x| x * x).sum();
        assert!(energy > 1.0, "centre vanished");
        for f in out.chunks_exact(2) {
            assert_eq!(f[0], f[1]);
        }
    }

    #[test]
    fn lfe_is_dropped() {
        let s = frames_51(|_| [0.0, 0.0, 0.0, 1.0, 0.0, 0.0], 50);
        assert!(downmix(&s, 6).0.iter().all(|&x| x == 0.0));
    }

    #[test]
    fn left_stays_left_and_full_scale_never_clips() {
        let s = frames_51(|_| [1.0, 0.0, 0.0, 0.0, 1.0, 0.0], 10);
        let (out, _) = downmix(&s, 6);
        assert!(out.chunks_exact(2).all(|f| f[0] > 0.0 && f[1] == 0.0));
        for ch in 3..=9u16 {
            let full = vec![1.0f32; 64 * ch as usize];
            let neg = vec![-1.0f32; 64 * ch as usize];
            for s in [full, neg] {
                let (out, oc) = downmix(&s, ch);
                assert_eq!(oc, 2);
                assert!(out.iter().all(|x| x.abs() <= 1.0 + 1e-6), "{ch} channels clip");
                assert!(out.iter().all(|x| x.abs() > 0.5), "{ch} channels too quiet");
            }
        }
    }

    #[test]
    fn mono_and_stereo_pass_through() {
        let s = vec![0.25f32, -0.5, 0.75, 1.0];
        assert_eq!(downmix(&s, 1), (s.clone(), 1));
        assert_eq!(downmix(&s, 2), (s, 2));
    }
}
