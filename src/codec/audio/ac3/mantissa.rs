//! Mantissa ungrouping and dequantization (A/52 section 7.3) in 24-bit fixed point
//! (1 << 24 == 2.0), plus the zero-bit mantissa dither generator (section 7.3.4).

use super::bits::BitReader;
use super::tables::{LFG_INIT, QUANT_BITS};
use super::Ac3Error;

/// Symmetric dequantization, A/52 Tables 7.19 - 7.23.
const fn sym(code: i32, levels: i32) -> i32 {
    ((code - (levels >> 1)) << 24) / levels
}

const fn b1_tab() -> [[i32; 3]; 32] {
    let mut t = [[0; 3]; 32];
    let mut i = 0;
    while i < 32 {
        let v = i as i32;
        t[i] = [sym(v / 9, 3), sym((v % 9) / 3, 3), sym(v % 3, 3)];
        i += 1;
    }
    t
}

const fn b2_tab() -> [[i32; 3]; 128] {
    let mut t = [[0; 3]; 128];
    let mut i = 0;
    while i < 128 {
        let v = i as i32;
        t[i] = [sym(v / 25, 5), sym((v % 25) / 5, 5), sym(v % 5, 5)];
        i += 1;
    }
    t
}

const fn b4_tab() -> [[i32; 2]; 128] {
    let mut t = [[0; 2]; 128];
    let mut i = 0;
    while i < 128 {
        let v = i as i32;
        t[i] = [sym(v / 11, 11), sym(v % 11, 11)];
        i += 1;
    }
    t
}

const fn single_tab<const N: usize>(levels: i32) -> [i32; N] {
    let mut t = [0; N];
    let mut i = 0;
    while i < levels as usize {
        t[i] = sym(i as i32, levels);
        i += 1;
    }
    t
}

static B1: [[i32; 3]; 32] = b1_tab();
static B2: [[i32; 3]; 128] = b2_tab();
static B3: [i32; 8] = single_tab::<8>(7);
static B4: [[i32; 2]; 128] = b4_tab();
static B5: [i32; 16] = single_tab::<16>(15);

/// Lagged Fibonacci generator used for dither (same sequence as FFmpeg's AVLFG seeded with 0).
#[derive(Clone)]
pub struct Dither {
    state: [u32; 64],
    index: usize,
}

impl Dither {
    pub fn new() -> Self {
        Dither { state: LFG_INIT, index: 0 }
    }

    #[inline]
    pub fn next(&mut self) -> u32 {
        let i = self.index;
        let a = self.state[(i.wrapping_sub(24)) & 63].wrapping_add(self.state[(i.wrapping_sub(55)) & 63]);
        self.state[i & 63] = a;
        self.index = (i + 1) & 63;
        a
    }

    /// Random mantissa with approximate range -0.707..0.707 (in the 1 << 24 == 2.0 scale).
    #[inline]
    pub fn mantissa(&mut self) -> i32 {
        ((((self.next() >> 8).wrapping_mul(181)) >> 8) as i32) - 5931008
    }
}

/// Pending grouped mantissas shared by all channels of one block (A/52 section 7.3.5).
#[derive(Default)]
pub struct MantGroups {
    b1: [i32; 2],
    b2: [i32; 2],
    b4: i32,
    n1: usize,
    n2: usize,
    n4: usize,
}

/// Decodes the mantissas of bins `start..end` and writes `mantissa >> exponent` to `out`.
#[allow(clippy::too_many_arguments)]
pub fn decode_mantissas(
    r: &mut BitReader,
    bap: &[u8; 256],
    exps: &[u8; 256],
    start: usize,
    end: usize,
    dither: Option<&mut Dither>,
    m: &mut MantGroups,
    out: &mut [i32; 256],
) -> Result<(), Ac3Error> {
    let mut dither = dither;
    for bin in start..end.min(256) {
        let mant = match bap[bin] {
            0 => match dither.as_deref_mut() {
                Some(d) => d.mantissa(),
                None => 0,
            },
            1 => {
                if m.n1 > 0 {
                    m.n1 -= 1;
                    m.b1[m.n1]
                } else {
                    let g = &B1[r.read(5)? as usize];
                    m.b1 = [g[2], g[1]];
                    m.n1 = 2;
                    g[0]
                }
            }
            2 => {
                if m.n2 > 0 {
                    m.n2 -= 1;
                    m.b2[m.n2]
                } else {
                    let g = &B2[r.read(7)? as usize];
                    m.b2 = [g[2], g[1]];
                    m.n2 = 2;
                    g[0]
                }
            }
            3 => B3[r.read(3)? as usize],
            4 => {
                if m.n4 > 0 {
                    m.n4 = 0;
                    m.b4
                } else {
                    let g = &B4[r.read(7)? as usize];
                    m.b4 = g[1];
                    m.n4 = 1;
                    g[0]
                }
            }
            5 => B5[r.read(4)? as usize],
            b => {
                let bits = QUANT_BITS[(b as usize).min(15)];
                r.read_signed(bits)? << (24 - bits)
            }
        };
        out[bin] = mant >> exps[bin].min(31);
    }
    Ok(())
}
