//! clipfit's integration tests: one binary, with helpers shared by every module.

mod av1;
mod check;
mod conform;
mod containers;
mod decoders;
mod fuzz_regressions;
mod helpers;
mod hevc;
mod http_server;
mod malformed;
mod mjpeg;
mod probe_vs_ffprobe;
mod profiles;
mod remote;
mod robust;
