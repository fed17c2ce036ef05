//! Codec wrappers: H.264 (openh264) and audio (symphonia, fdk-aac).

pub mod audio;
pub mod h264;
