//! H.264: bitstream parsing (SPS, NAL units), decoders (OpenH264, rusty_h264) and the
//! OpenH264 encoder.

pub mod annexb;
pub mod decode;
pub mod encode;
mod ffi;
pub mod rust_h264;
pub mod rusty;
pub mod sps;
