//! Audio decode, downmix, resample and AAC-LC encode.
//!
//! [`AudioTranscoder`] chains them: source packets → [`AudioDecoder`] → trim →
//! [`downmix`] → [`Resampler`] → [`AacEncoder`] → AAC-LC 44.1 kHz access units.

pub mod ac3;
pub mod asc;
pub mod decode;
pub mod downmix;
pub mod encode;
mod fdk;
pub mod resample;
mod transcode;

pub use asc::{parse_asc, AscInfo};
pub use decode::AudioDecoder;
pub use downmix::{downmix, Speaker};
pub use encode::AacEncoder;
pub use resample::Resampler;
pub use transcode::AudioTranscoder;

#[cfg(test)]
mod tests;
