//! The operator's errors, in two families: the spec cannot be turned into
//! children (retrying cannot help, so the HelloApi is Stalled until its next
//! change), and a call to the apiserver failed (retried with back-off).

use crate::build::BuildError;
use crate::reconcile::SpecError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid spec: {0}")]
    InvalidSpec(#[from] SpecError),
    #[error("cannot build the children: {0}")]
    Build(#[from] BuildError),
    #[error("applying {kind} {name}: {source}")]
    Apply {
        kind: &'static str,
        name: String,
        source: kube::Error,
    },
    #[error("deleting {kind} {name}: {source}")]
    Prune {
        kind: &'static str,
        name: String,
        source: kube::Error,
    },
    #[error("reading {kind} {name}: {source}")]
    Read {
        kind: &'static str,
        name: String,
        source: kube::Error,
    },
    #[error("writing the status: {0}")]
    Status(kube::Error),
}

impl Error {
    /// The `error` label of the reconcile metric.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Error::InvalidSpec(_) => "invalid_spec",
            Error::Build(_) => "build",
            Error::Apply { .. } => "apply",
            Error::Prune { .. } => "prune",
            Error::Read { .. } => "read",
            Error::Status(_) => "status",
        }
    }

    /// What the user must change, when only a change can help; `None` for
    /// errors that a retry may clear (the apiserver unavailable, a conflict).
    pub fn needs_a_change(&self) -> Option<String> {
        match self {
            Error::InvalidSpec(err) => Some(err.to_string()),
            Error::Build(err) => Some(err.to_string()),
            _ => None,
        }
    }
}
