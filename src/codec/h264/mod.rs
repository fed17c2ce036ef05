//! H.264: bitstream parsing (SPS, NAL units) and openh264 decode/encode wrappers.

pub mod sps;
