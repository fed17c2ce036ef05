//! Fragmented MP4 (moof/traf/tfhd/tfdt/trun after a real init segment): Ok or Err, never a
//! panic, hang or over-allocation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| clipfit_fuzz::fragments(data));
