//! MPEG-TS/M2TS demuxing of arbitrary bytes (the first byte picks the packet size): Ok or
//! Err, never a panic, hang or over-allocation, and every indexed sample reads back.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| clipfit_fuzz::mpegts(data));
