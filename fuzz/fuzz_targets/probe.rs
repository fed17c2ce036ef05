//! Demux/probe of arbitrary bytes: must return Ok or Err, never panic, hang or over-allocate.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = clipfit::demux::probe_bytes(data);
});
