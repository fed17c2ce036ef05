//! Codec wrappers: H.264 (OpenH264, rusty_h264), VP8 (libvpx), VP9 (rusty_vp9), AV1 (rav1d), Motion JPEG (zune-jpeg), audio (symphonia, fdk-aac), and the
//! [`video::VideoDecoder`] interface every video decoder backend implements.

pub mod audio;
pub mod av1;
pub mod h264;
pub mod h265;
pub mod mjpeg;
pub mod rbsp;
pub(crate) mod reorder;
pub mod video;
pub mod vp8;
pub mod vp9;
