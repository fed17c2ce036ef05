//! AC-3/E-AC-3 decoding of arbitrary bytes: never a panic, hang or non-finite sample.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| clipfit_fuzz::ac3_decode(data));
