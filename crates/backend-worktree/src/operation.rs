//! Turning a failure during an operation on a workspace into the port's error, with the
//! kind the CLI acts on and the cause kept as its source.

use std::path::Path;

use skipper_core::{
    BoxError, CheckoutError, ErrorKind, Operation, SandboxError, Workspace, WorkspaceLocation,
    WorkspaceRef,
};

/// The host directory of a worktree workspace.
pub(crate) fn path_of(workspace: &Workspace) -> Result<&Path, SandboxError> {
    match &workspace.location {
        WorkspaceLocation::Host(path) => Ok(path),
        WorkspaceLocation::Container { .. } => Err(SandboxError::backend(
            ErrorKind::InvalidInput,
            format!("{} is not a worktree workspace", workspace.reference),
        )),
    }
}

/// An operation on a workspace, for turning failures into the port's error.
#[derive(Debug)]
pub(crate) struct Attempt<'a> {
    operation: Operation,
    reference: &'a WorkspaceRef,
}

/// The attempt at `operation` on `reference`.
pub(crate) fn failed(operation: Operation, reference: &WorkspaceRef) -> Attempt<'_> {
    Attempt {
        operation,
        reference,
    }
}

impl Attempt<'_> {
    /// The operation failed with a failure of `kind`, for `reason`.
    pub(crate) fn error(&self, kind: ErrorKind, reason: impl Into<BoxError>) -> SandboxError {
        SandboxError::workspace(kind, self.operation, self.reference, reason)
    }
}

/// A cause with its kind.
#[derive(Debug)]
pub(crate) struct Failure {
    kind: ErrorKind,
    source: BoxError,
}

impl From<CheckoutError> for Failure {
    fn from(err: CheckoutError) -> Self {
        Self {
            kind: err.kind(),
            source: err.into(),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Self {
        Self {
            kind: ErrorKind::Io,
            source: err.into(),
        }
    }
}

impl From<std::num::ParseIntError> for Failure {
    fn from(err: std::num::ParseIntError) -> Self {
        Self {
            kind: ErrorKind::CommandFailed,
            source: err.into(),
        }
    }
}

/// Attaches the operation to a failure.
pub(crate) trait During<T> {
    fn during(self, attempt: &Attempt<'_>) -> Result<T, SandboxError>;
}

impl<T, E: Into<Failure>> During<T> for Result<T, E> {
    fn during(self, attempt: &Attempt<'_>) -> Result<T, SandboxError> {
        self.map_err(|err| {
            let failure = err.into();
            attempt.error(failure.kind, failure.source)
        })
    }
}
