//! H.264 Annex-B/AVCC NAL splitting, emulation-prevention removal and SPS parsing.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| clipfit_fuzz::h264(data));
