//! AV1 decoding through the `rav1d` backend (temporal units cut at temporal delimiters).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| clipfit_fuzz::av1_decode(data));
