//! H.264: bitstream parsing (SPS, NAL units) and openh264 decode/encode wrappers.

pub mod annexb;
pub mod decode;
pub mod encode;
mod ffi;
pub mod sps;
