//! H.264 SPS parsing and emulation-prevention removal on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = clipfit::codec::h264::sps::unescape(data);
    if let Ok(sps) = clipfit::codec::h264::sps::Sps::parse(data) {
        let _ = clipfit::codec::h264::sps::required_level(sps.width, sps.height, 30.0, 10_000_000);
    }
});
