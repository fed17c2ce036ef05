//! Exponent decoding, A/52 section 7.1.

use super::bits::BitReader;
use super::Ac3Error;

/// Exponent strategy codes (A/52 Table 5.15).
pub const EXP_REUSE: u8 = 0;
pub const EXP_D45: u8 = 3;

/// Decodes `ngrps` groups of three differential exponents (7 bits each, A/52 section 7.1.3)
/// starting from `absexp`, expanding each by the group size of `strategy` (D15/D25/D45),
/// and writes them to `out` starting at index 0.
pub fn decode_exponents(
    r: &mut BitReader,
    strategy: u8,
    ngrps: usize,
    absexp: u8,
    out: &mut [u8],
) -> Result<(), Ac3Error> {
    let group_size = match strategy {
        1 => 1,
        2 => 2,
        EXP_D45 => 4,
        _ => return Err(Ac3Error::Invalid("exponent strategy reuse where exponents are required".into())),
    };
    if ngrps * 3 * group_size > out.len() {
        return Err(Ac3Error::Invalid(format!("too many exponent groups ({ngrps})")));
    }
    let mut prev = absexp as i32;
    let mut j = 0;
    for _ in 0..ngrps {
        let g = r.read(7)? as i32;
        // Ungrouping (A/52 section 7.1.3): gexp = 25*m1 + 5*m2 + m3, each mapped value is dexp+2.
        for d in [g / 25, (g % 25) / 5, (g % 25) % 5] {
            prev += d - 2;
            if !(0..=24).contains(&prev) {
                return Err(Ac3Error::Invalid(format!("exponent {prev} out of range 0..=24")));
            }
            for _ in 0..group_size {
                out[j] = prev as u8;
                j += 1;
            }
        }
    }
    Ok(())
}
