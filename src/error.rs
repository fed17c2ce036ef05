//! The library's typed errors.
//!
//! Kinds follow Symphonia's split: *malformed* (the file breaks its own format),
//! *unsupported* (a valid file we cannot handle, with a hint for the user), and *limit*
//! (a hostile or absurd value we refuse before allocating for it).

use std::path::PathBuf;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in clipfit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The input breaks its container or codec format.
    #[error("malformed input: {place}: {what}")]
    Malformed {
        /// The box, table or stage where the problem was found (e.g. `moov/trak[1]/stsz`).
        place: String,
        /// What was wrong.
        what: String,
    },
    /// The input is valid but uses something clipfit cannot handle.
    #[error("unsupported: {what} ({hint})")]
    Unsupported {
        /// What is unsupported (e.g. `HEVC video`).
        what: String,
        /// What the user can do about it.
        hint: String,
    },
    /// A value exceeds one of the hostile-input limits in [`crate::limits`].
    #[error("limit exceeded: {place}: {what}")]
    Limit {
        /// Where the value was found.
        place: String,
        /// The value and the limit it broke.
        what: String,
    },
    /// A codec library reported an error.
    #[error("{stage}: {what}")]
    Codec {
        /// The stage, e.g. `H.264 decode`.
        stage: &'static str,
        /// The codec's message.
        what: String,
    },
    /// The user's request cannot be satisfied (bad option, input too long, ...).
    #[error("{0}")]
    Invalid(String),
    /// Uploading to the platform failed.
    #[error("upload: {0}")]
    Upload(String),
    /// Fetching a remote input failed.
    #[error("{url}: {what}")]
    Remote {
        /// The URL without its query string (presigned URLs carry secrets there).
        url: String,
        /// What went wrong.
        what: String,
        /// The HTTP status that ended it, if one did.
        status: Option<u16>,
        /// True when the attempts ran out on transient failures: later may work.
        retryable: bool,
    },
}

impl Error {
    /// A malformed-input error at `place`.
    pub fn malformed(place: impl Into<String>, what: impl Into<String>) -> Self {
        Error::Malformed { place: place.into(), what: what.into() }
    }

    /// An unsupported-input error with a hint for the user.
    pub fn unsupported(what: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Unsupported { what: what.into(), hint: hint.into() }
    }

    /// A hostile-input limit error.
    pub fn limit(place: impl Into<String>, what: impl Into<String>) -> Self {
        Error::Limit { place: place.into(), what: what.into() }
    }

    /// A codec error at `stage`.
    pub fn codec(stage: &'static str, what: impl std::fmt::Display) -> Self {
        Error::Codec { stage, what: what.to_string() }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    /// True when the input cannot be read at all (malformed, unsupported, limit, I/O):
    /// the CLI maps these to exit code 2.
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            Error::Io { .. }
                | Error::Malformed { .. }
                | Error::Unsupported { .. }
                | Error::Limit { .. }
                | Error::Remote { .. }
        )
    }
}
