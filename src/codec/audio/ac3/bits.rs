//! Big-endian bit reader. Every read is bounds-checked and returns
//! [`Ac3Error::EndOfData`] instead of reading past the end of the frame.

use super::Ac3Error;

#[derive(Clone)]
pub struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
    len_bits: usize,
}

impl<'a> BitReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        BitReader { data, pos: 0, len_bits: data.len().saturating_mul(8) }
    }

    /// Current position in bits from the start of the data.
    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn bits_left(&self) -> usize {
        self.len_bits - self.pos
    }

    /// Reads `n` (0..=32) bits as an unsigned value.
    #[inline]
    pub fn read(&mut self, n: u32) -> Result<u32, Ac3Error> {
        if n == 0 {
            return Ok(0);
        }
        let n = n.min(32) as usize;
        if n > self.bits_left() {
            return Err(Ac3Error::EndOfData);
        }
        let byte = self.pos >> 3;
        let word = match self.data.get(byte..byte + 8) {
            Some(s) => {
                let mut b = [0u8; 8];
                b.copy_from_slice(s);
                u64::from_be_bytes(b)
            }
            None => {
                let mut b = [0u8; 8];
                for (i, v) in b.iter_mut().enumerate() {
                    *v = self.data.get(byte + i).copied().unwrap_or(0);
                }
                u64::from_be_bytes(b)
            }
        };
        let shift = 64 - (self.pos & 7) - n;
        let v = (word >> shift) & ((1u64 << n) - 1);
        self.pos += n;
        Ok(v as u32)
    }

    #[inline]
    pub fn bit(&mut self) -> Result<bool, Ac3Error> {
        Ok(self.read(1)? != 0)
    }

    /// Reads `n` (1..=32) bits as a two's complement signed value.
    #[inline]
    pub fn read_signed(&mut self, n: u32) -> Result<i32, Ac3Error> {
        let n = n.min(32);
        if n == 0 {
            return Ok(0);
        }
        let v = self.read(n)?;
        let shift = 32 - n;
        Ok(((v << shift) as i32) >> shift)
    }

    pub fn skip(&mut self, n: usize) -> Result<(), Ac3Error> {
        if n > self.bits_left() {
            return Err(Ac3Error::EndOfData);
        }
        self.pos += n;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_bounds() {
        let d = [0b1010_1100u8, 0xFF, 0x01];
        let mut r = BitReader::new(&d);
        assert_eq!(r.read(3).unwrap(), 0b101);
        assert_eq!(r.read_signed(3).unwrap(), 0b011);
        assert_eq!(r.read(10).unwrap(), 0b00_1111_1111);
        assert_eq!(r.read(8).unwrap(), 1);
        assert!(r.read(1).is_err());
        let mut r = BitReader::new(&d);
        assert_eq!(r.read_signed(2).unwrap(), -2);
        assert!(r.skip(23).is_err());
    }
}
