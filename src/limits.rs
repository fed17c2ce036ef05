//! Hostile-input limits, in one place. Every table length, box size and dimension read
//! from a file is checked against these before anything is allocated for it.

/// Deepest box nesting accepted (real files use fewer than 12 levels).
pub const MAX_BOX_DEPTH: usize = 16;
/// Largest `moov` (or any metadata box) read into memory: 256 MiB.
pub const MAX_METADATA_BOX: u64 = 256 << 20;
/// Most samples in one track: 6 hours of 48 kHz AAC is about a million packets, 10 min at
/// 1000 fps 600,000. At 32 bytes a sample, the index stays under 128 MB.
pub const MAX_SAMPLES_PER_TRACK: u64 = 4_000_000;
/// Most tracks in one file.
pub const MAX_TRACKS: usize = 64;
/// Largest single sample (one coded frame or audio packet): 64 MiB.
pub const MAX_SAMPLE_SIZE: u32 = 64 << 20;
/// Largest picture dimension accepted for decoding (8K plus margin).
pub const MAX_DIMENSION: u32 = 8192;
/// Longest input accepted, in seconds (the longest a profile allows is far less).
pub const MAX_DURATION_SECS: f64 = 6.0 * 3600.0;
/// Most entries in an edit list.
pub const MAX_EDITS: u64 = 1024;
/// Most fragments (`moof`) in a fragmented file.
pub const MAX_FRAGMENTS: usize = 1_000_000;
/// Most sample descriptions read from one `stsd` (real files use one, rarely a few).
pub const MAX_SAMPLE_ENTRIES: u32 = 64;
/// Samples read from the start of an H.264 track to find in-band parameter sets (`avc3`).
pub const MAX_SAMPLES_SCANNED_FOR_PARAMETER_SETS: usize = 64;
/// Share of a video's pictures that may fail to decode (each concealed by showing the
/// last good picture again) before a conform gives up: beyond it the output would not be
/// the user's video any more.
pub const MAX_CONCEALED_SHARE: f64 = 0.05;
/// Longest run of pictures, in seconds, that may fail to decode in a row.
pub const MAX_CONCEALED_RUN_SECS: f64 = 1.0;
/// Longest silence (in frames) put in for one audio packet that fails to decode: a packet
/// is at most a few thousand frames; a hostile duration must not allocate more.
pub const MAX_CONCEALED_AUDIO_FRAMES: u64 = 1 << 16;

/// Largest remote input fetched unless `--max-input-mb` says otherwise: it protects the
/// disk the source is copied to.
pub const MAX_REMOTE_INPUT_BYTES: u64 = 16_000_000_000;
