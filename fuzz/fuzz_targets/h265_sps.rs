//! HEVC `hvcC` and SPS/VUI parsing.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| clipfit_fuzz::h265_sps(data));
