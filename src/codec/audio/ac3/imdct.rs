//! FFT-based inverse MDCT and windowed overlap-add (A/52 section 7.9.4).
//!
//! `imdct_half` computes the middle half (n = N/4 .. 3N/4) of
//! `y[n] = -sum_k X[k] cos(2 pi / N (n + 1/2 + N/4)(k + 1/2))` with an N/4-point complex FFT,
//! the same decomposition (pre-twiddle, FFT, post-twiddle) that A/52 7.9.4.1 describes; the
//! sign and scale are those of FFmpeg's float decoder, so output matches it sample for sample.
//! Short blocks (block switching) use two 256-point transforms on the even and odd
//! coefficients (A/52 7.9.4.2).

#[derive(Clone, Copy, Default)]
struct Cpx {
    re: f32,
    im: f32,
}

struct Fft {
    rev: Vec<usize>,
    tw: Vec<Cpx>,
}

impl Fft {
    fn new(n: usize) -> Self {
        let bits = n.trailing_zeros();
        let rev = (0..n).map(|i| if bits == 0 { 0 } else { i.reverse_bits() >> (usize::BITS - bits) }).collect();
        let tw = (0..n / 2)
            .map(|j| {
                let a = 2.0 * std::f64::consts::PI * j as f64 / n as f64;
                Cpx { re: a.cos() as f32, im: a.sin() as f32 }
            })
            .collect();
        Fft { rev, tw }
    }

    /// In-place FFT with positive exponent: Z[k] = sum z[j] exp(+2 pi i j k / n).
    fn run(&self, z: &mut [Cpx]) {
        let n = z.len();
        for i in 0..n {
            let j = self.rev[i];
            if j > i {
                z.swap(i, j);
            }
        }
        let mut len = 2;
        while len <= n {
            let half = len / 2;
            let step = n / len;
            for start in (0..n).step_by(len) {
                for k in 0..half {
                    let w = self.tw[k * step];
                    let a = z[start + k];
                    let b = z[start + k + half];
                    let t = Cpx { re: b.re * w.re - b.im * w.im, im: b.re * w.im + b.im * w.re };
                    z[start + k] = Cpx { re: a.re + t.re, im: a.im + t.im };
                    z[start + k + half] = Cpx { re: a.re - t.re, im: a.im - t.im };
                }
            }
            len <<= 1;
        }
    }
}

/// Inverse MDCT of size N (N/2 coefficients in, N/2 samples out).
pub struct Imdct {
    n: usize,
    tcos: Vec<f32>,
    tsin: Vec<f32>,
    fft: Fft,
    z: Vec<Cpx>,
}

impl Imdct {
    pub fn new(n: usize) -> Self {
        let n4 = n / 4;
        let mut tcos = Vec::with_capacity(n4);
        let mut tsin = Vec::with_capacity(n4);
        for i in 0..n4 {
            let a = 2.0 * std::f64::consts::PI * (i as f64 + 0.125) / n as f64;
            tcos.push(-a.cos() as f32);
            tsin.push(-a.sin() as f32);
        }
        Imdct { n, tcos, tsin, fft: Fft::new(n4), z: vec![Cpx::default(); n4] }
    }

    /// `input`: N/2 coefficients, `output`: N/2 samples.
    pub fn imdct_half(&mut self, input: &[f32], output: &mut [f32]) {
        let n2 = self.n / 2;
        let n4 = self.n / 4;
        let n8 = self.n / 8;
        let (tc, ts) = (&self.tcos, &self.tsin);
        for k in 0..n4 {
            let in1 = input[2 * k];
            let in2 = input[n2 - 1 - 2 * k];
            self.z[k] = Cpx { re: in2 * tc[k] - in1 * ts[k], im: in2 * ts[k] + in1 * tc[k] };
        }
        self.fft.run(&mut self.z);
        let z = &mut self.z;
        for k in 0..n8 {
            let (p, q) = (n8 - k - 1, n8 + k);
            let a = z[p];
            let b = z[q];
            let r0 = a.im * ts[p] - a.re * tc[p];
            let i1 = a.im * tc[p] + a.re * ts[p];
            let r1 = b.im * ts[q] - b.re * tc[q];
            let i0 = b.im * tc[q] + b.re * ts[q];
            z[p] = Cpx { re: r0, im: i0 };
            z[q] = Cpx { re: r1, im: i1 };
        }
        for (m, c) in z.iter().enumerate() {
            output[2 * m] = c.re;
            output[2 * m + 1] = c.im;
        }
    }
}

/// Kaiser-Bessel derived window, alpha = 5, first half of the 512-sample AC-3 window
/// (A/52 section 7.9.4.1, Table 7.33 lists the same values).
pub fn kbd_window() -> [f32; 256] {
    let n = 256usize;
    let alpha = 5.0f64;
    let alpha2 = (alpha * std::f64::consts::PI / n as f64).powi(2);
    let mut local = [0f64; 256];
    let mut sum = 0.0;
    for (i, l) in local.iter_mut().enumerate() {
        let tmp = (i * (n - i)) as f64 * alpha2;
        let mut bessel = 1.0;
        for j in (1..=50).rev() {
            bessel = bessel * tmp / (j * j) as f64 + 1.0;
        }
        sum += bessel;
        *l = sum;
    }
    sum += 1.0;
    let mut w = [0f32; 256];
    for (o, l) in w.iter_mut().zip(local.iter()) {
        *o = (l / sum).sqrt() as f32;
    }
    w
}

/// Windowed overlap-add of 256 output samples from the 128 delayed samples of the previous
/// transform and the first 128 samples of the current one.
pub fn window_overlap(out: &mut [f32], delay: &[f32], cur: &[f32], win: &[f32; 256]) {
    for i in 0..128 {
        let j = 127 - i;
        let s0 = delay[i];
        let s1 = cur[j];
        let wi = win[i];
        let wj = win[128 + j];
        out[i] = s0 * wj - s1 * wi;
        out[128 + j] = s0 * wi + s1 * wj;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_direct_formula() {
        for &n in &[512usize, 256] {
            let mut m = Imdct::new(n);
            let input: Vec<f32> = (0..n / 2).map(|k| ((k * 37 % 17) as f32 - 8.0) / 8.0).collect();
            let mut out = vec![0f32; n / 2];
            m.imdct_half(&input, &mut out);
            for (idx, o) in out.iter().enumerate() {
                let nn = (idx + n / 4) as f64;
                let mut s = 0.0;
                for (k, x) in input.iter().enumerate() {
                    s += *x as f64
                        * (2.0 * std::f64::consts::PI / n as f64 * (nn + 0.5 + n as f64 / 4.0) * (k as f64 + 0.5))
                            .cos();
                }
                assert!((s + *o as f64).abs() < 1e-3, "n={n} idx={idx} direct={s} fast={o}");
            }
        }
    }
}
