//! Media types shared by every stage: what a file contains and decoded pictures.

pub mod color;
pub mod frame;
pub mod info;
pub mod timeline;

pub use color::{ColorInfo, DynamicRange, HdrInfo};
pub use frame::{Frame, FrameRef};
pub use info::*;
pub use timeline::TrackTimeline;
