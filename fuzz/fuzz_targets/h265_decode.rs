//! HEVC decoding through the `rusty_h265` backend.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| clipfit_fuzz::h265_decode(data));
