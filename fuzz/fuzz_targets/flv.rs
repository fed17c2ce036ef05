//! FLV demuxing of arbitrary bytes: Ok or Err, never a panic, hang or over-allocation,
//! and every indexed sample lies inside the data.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| clipfit_fuzz::flv(data));
