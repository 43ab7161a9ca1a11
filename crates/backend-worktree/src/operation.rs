//! Turning a failure during an operation on a workspace into the port's error.

use std::path::Path;

use skipper_core::{SandboxError, Workspace, WorkspaceLocation, WorkspaceRef};

/// The host directory of a worktree workspace.
pub(crate) fn path_of(workspace: &Workspace) -> Result<&Path, SandboxError> {
    match &workspace.location {
        WorkspaceLocation::Host(path) => Ok(path),
        WorkspaceLocation::Container { .. } => Err(SandboxError::Other(format!(
            "{} is not a worktree workspace",
            workspace.reference
        ))),
    }
}

/// An operation on a workspace, for turning failures into the port's error.
#[derive(Debug)]
pub(crate) struct Operation<'a> {
    operation: &'static str,
    reference: &'a WorkspaceRef,
}

/// The operation `operation` ("creating", "removing"...) on `reference`.
pub(crate) fn failed<'a>(operation: &'static str, reference: &'a WorkspaceRef) -> Operation<'a> {
    Operation {
        operation,
        reference,
    }
}

impl Operation<'_> {
    /// The operation failed for `reason`.
    pub(crate) fn error(&self, reason: impl std::fmt::Display) -> SandboxError {
        SandboxError::Operation {
            operation: self.operation,
            workspace: Box::new(self.reference.clone()),
            reason: reason.to_string(),
        }
    }
}

/// Attaches the operation to any displayable failure.
pub(crate) trait During<T> {
    fn during(self, operation: &Operation<'_>) -> Result<T, SandboxError>;
}

impl<T, E: std::fmt::Display> During<T> for Result<T, E> {
    fn during(self, operation: &Operation<'_>) -> Result<T, SandboxError> {
        self.map_err(|err| operation.error(err))
    }
}
