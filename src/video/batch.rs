//! Transforming a batch of frames in parallel.

use rayon::prelude::*;

use super::geometry::GeometryPlan;
use super::transform::Transformer;
use crate::error::Result;
use crate::media::Frame;

/// Transforms `frames` with `plan` on the rayon pool, preserving order.
///
/// Each worker split gets its own [`Transformer`] (scaler state and scratch buffers are not
/// shareable), created once per split rather than per frame.
pub fn transform_batch(plan: &GeometryPlan, frames: Vec<Frame>) -> Result<Vec<Frame>> {
    frames
        .into_par_iter()
        .map_init(
            || Transformer::new(plan),
            |t, frame| match t {
                Ok(t) => t.apply(&frame),
                Err(e) => Err(crate::Error::Invalid(e.to_string())),
            },
        )
        .collect()
}
