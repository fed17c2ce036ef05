//! Audio decode, downmix, resample and AAC-LC encode.
