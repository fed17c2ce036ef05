//! H.264 decoding through every decoder backend (OpenH264, rusty_h264, rust_h264), and the
//! conversion of their pictures to 8-bit 4:2:0.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| clipfit_fuzz::h264_decode(data));
