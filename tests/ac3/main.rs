//! The AC-3/E-AC-3 decoder (`clipfit::codec::audio::ac3`) against FFmpeg's float decoder
//! as the oracle: streams made by FFmpeg's `ac3`, `ac3_fixed` and `eac3` encoders (and, for
//! features those encoders never use — spectral extension, AHT, delta bit allocation,
//! short blocks, dual mono — FFmpeg's frames rewritten at the bit level to use them) are
//! decoded by both and compared sample by sample (SNR, max error). Plus mutated frames:
//! never a panic, and the decoder recovers. Needs `ffmpeg` on PATH.

mod common;

mod ac3_oracle;
mod bit_allocation;
mod dual_mono;
mod dynrng;
mod eac3_aht;
mod eac3_blocks;
mod eac3_oracle;
mod eac3_spx;
mod robustness;
mod substreams;
