//! Picture geometry (rotate, scale, crop/pad/blur) and frame-rate conversion.
//!
//! [`GeometryPlan`] decides, from the source description alone, where the picture lands in
//! the output; [`Transformer`] executes it per frame and [`transform_batch`] over a batch
//! with rayon; [`FrameRateConverter`] retimes the result to constant frame rate.

pub mod batch;
pub mod convert;
pub mod deinterlace;
pub mod fps;
pub mod geometry;
pub mod halve;
mod plane;
mod rotate;
pub mod tonemap;
pub mod transform;

pub use batch::transform_batch;
pub use fps::{FrameRateConverter, Repeat};
pub use geometry::{Fit, GeometryPlan, Rect, Region};
pub use transform::{Filter, Simd, TransformOptions, Transformer};
