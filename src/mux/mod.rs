//! MP4 writing with faststart (moov before mdat).
//!
//! [`Mp4Writer`] streams encoded samples to disk and lays the file out as
//! ftyp, moov, mdat when finished; [`faststart::relocate`] does the same for an existing
//! file whose moov comes last (remux-only inputs).

mod avcc;
mod boxes;
mod boxread;
pub mod faststart;
mod moov;
mod spec;
mod tables;
mod writer;

#[cfg(test)]
mod tests;

pub use avcc::avcc_from_parameter_sets;
pub use spec::{AudioTrackSpec, EditSpec, MuxSummary, TrackId, TrackSummary, VideoTrackSpec};
pub use writer::Mp4Writer;
