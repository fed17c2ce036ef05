//! The service's errors (the job-level failures users see are [`super::ErrorInfo`]).

/// What can stop the service or one of its operations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The job database failed or refused a statement.
    #[error("job database: {0}")]
    Db(#[from] sqlx::Error),
    /// The configuration cannot work.
    #[error("{0}")]
    Config(String),
    /// A file or socket operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// This worker no longer holds the job's lease (it expired and another worker may have
    /// it): the worker must stop touching the job.
    #[error("the lease on job {0} was lost")]
    LeaseLost(String),
    /// A stored value does not parse (a row written by a newer version, or edited by hand).
    #[error("stored job data is invalid: {0}")]
    Corrupt(String),
}

impl ServeError {
    /// An I/O error while doing `what`.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        ServeError::Io { what: what.into(), source }
    }
}
