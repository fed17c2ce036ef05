//! A bounds-checked big-endian reader over a byte slice. Every read that would run past
//! the end becomes a `Malformed` error naming the box being parsed.

use crate::error::{Error, Result};

/// Reads big-endian values from a box payload, failing cleanly at the end.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    place: &'a str,
}

impl<'a> Reader<'a> {
    /// A reader over `data`; `place` names the box in errors (e.g. `moov/trak/tkhd`).
    pub fn new(data: &'a [u8], place: &'a str) -> Self {
        Reader { data, pos: 0, place }
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// Current position.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Takes the next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(Error::malformed(
                self.place,
                format!("needs {n} more bytes at offset {} but only {} remain", self.pos, self.remaining()),
            ));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }

    /// The rest of the payload.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.data[self.pos..];
        self.pos = self.data.len();
        s
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes(1)?[0])
    }

    /// Big-endian u16.
    pub fn u16(&mut self) -> Result<u16> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Big-endian 24-bit value.
    pub fn u24(&mut self) -> Result<u32> {
        let b = self.bytes(3)?;
        Ok(u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }

    /// Big-endian u32.
    pub fn u32(&mut self) -> Result<u32> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Big-endian i32.
    pub fn i32(&mut self) -> Result<i32> {
        Ok(self.u32()? as i32)
    }

    /// Big-endian u64.
    pub fn u64(&mut self) -> Result<u64> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }

    /// Big-endian i64.
    pub fn i64(&mut self) -> Result<i64> {
        Ok(self.u64()? as i64)
    }

    /// A four-character code.
    pub fn fourcc(&mut self) -> Result<[u8; 4]> {
        let b = self.bytes(4)?;
        Ok([b[0], b[1], b[2], b[3]])
    }

    /// Full-box version and flags.
    pub fn version_flags(&mut self) -> Result<(u8, u32)> {
        let v = self.u32()?;
        Ok(((v >> 24) as u8, v & 0x00ff_ffff))
    }

    /// Checks that a table of `count` entries of `entry_size` bytes fits in what remains,
    /// before anything is allocated for it.
    pub fn check_table(&self, count: u64, entry_size: usize) -> Result<usize> {
        let need = count.checked_mul(entry_size as u64);
        match need {
            Some(n) if n <= self.remaining() as u64 => Ok(count as usize),
            _ => Err(Error::malformed(
                self.place,
                format!(
                    "table claims {count} entries of {entry_size} bytes but the box holds only {} bytes",
                    self.remaining()
                ),
            )),
        }
    }
}

/// A printable four-character code.
pub fn fourcc_str(code: &[u8; 4]) -> String {
    code.iter().map(|&c| if c.is_ascii_graphic() || c == b' ' { c as char } else { '?' }).collect()
}
