//! The whole conform pipeline on small arbitrary files (≤ 64 KB).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| clipfit_fuzz::conform(data));
