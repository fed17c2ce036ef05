//! H.264 decoding through every decoder backend (OpenH264, rusty_h264).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| clipfit_fuzz::h264_decode(data));
