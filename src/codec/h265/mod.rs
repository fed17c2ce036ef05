//! HEVC (H.265): `hvcC` and SPS/VUI parsing for the probe, and decoding with
//! `rusty_h265` (pure Rust) behind [`crate::codec::video::VideoDecoder`].

pub mod hvcc;
pub mod rusty;
pub mod sps;
