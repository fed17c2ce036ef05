//! Chunk-offset relocation of an arbitrary moov by an arbitrary delta.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| clipfit_fuzz::faststart(data));
