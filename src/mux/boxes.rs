//! A tiny big-endian box builder.
//!
//! Boxes are written into one growing buffer; each box's size field is patched when its
//! body closure returns, so nested boxes never need their sizes computed in advance.

use crate::error::{Error, Result};

/// A buffer of ISO-BMFF boxes under construction.
#[derive(Debug, Default)]
pub(crate) struct BoxBuf {
    buf: Vec<u8>,
}

impl BoxBuf {
    /// An empty buffer.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Writes a plain box: the body closure writes its payload.
    pub(crate) fn boxed(&mut self, fourcc: &[u8; 4], body: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        let start = self.buf.len();
        self.u32(0);
        self.bytes(fourcc);
        body(self)?;
        let size = u32::try_from(self.buf.len() - start)
            .map_err(|_| Error::limit(String::from_utf8_lossy(fourcc), "box would be larger than 4 GiB"))?;
        self.buf[start..start + 4].copy_from_slice(&size.to_be_bytes());
        Ok(())
    }

    /// Writes a full box (version and 24-bit flags before the payload).
    pub(crate) fn full(
        &mut self,
        fourcc: &[u8; 4],
        version: u8,
        flags: u32,
        body: impl FnOnce(&mut Self) -> Result<()>,
    ) -> Result<()> {
        self.boxed(fourcc, |b| {
            b.u8(version);
            b.u24(flags);
            body(b)
        })
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// The low 24 bits of `v`.
    pub(crate) fn u24(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes()[1..]);
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn i32(&mut self, v: i32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn bytes(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
    }

    pub(crate) fn zeros(&mut self, n: usize) {
        self.buf.resize(self.buf.len() + n, 0);
    }

    /// The unity transformation matrix used by mvhd and tkhd (16.16 and 2.30 fixed point).
    pub(crate) fn identity_matrix(&mut self) {
        for v in [0x0001_0000u32, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000] {
            self.u32(v);
        }
    }

    pub(crate) fn into_vec(self) -> Vec<u8> {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_sizes_are_patched() {
        let mut b = BoxBuf::new();
        b.boxed(b"moov", |b| {
            b.full(b"mvhd", 1, 0x00_0003, |b| {
                b.u16(0xABCD);
                Ok(())
            })?;
            b.boxed(b"free", |_| Ok(()))
        })
        .unwrap();
        let v = b.into_vec();
        assert_eq!(v.len(), 8 + (8 + 4 + 2) + 8);
        assert_eq!(&v[0..8], &[0, 0, 0, 30, b'm', b'o', b'o', b'v']);
        assert_eq!(&v[8..22], &[0, 0, 0, 14, b'm', b'v', b'h', b'd', 1, 0, 0, 3, 0xAB, 0xCD]);
        assert_eq!(&v[22..30], &[0, 0, 0, 8, b'f', b'r', b'e', b'e']);
    }

    #[test]
    fn body_error_propagates() {
        let mut b = BoxBuf::new();
        let r = b.boxed(b"moov", |_| Err(Error::Invalid("x".into())));
        assert!(matches!(r, Err(Error::Invalid(_))));
    }
}
