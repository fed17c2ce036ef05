//! Picture geometry (rotate, scale, crop/pad/blur) and frame-rate conversion.
