//! Media types shared by every stage: what a file contains and decoded pictures.

pub mod frame;
pub mod info;
pub mod timeline;

pub use frame::{Frame, FrameRef};
pub use info::*;
pub use timeline::TrackTimeline;
