//! Demux/probe of arbitrary bytes: must return Ok or Err, never panic, hang or over-allocate.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| clipfit_fuzz::probe(data));
