use crate::domain::{Checkout, CommandLine, ExitStatus, WorkspaceTarget};
use crate::ports::ExecIo;

use super::{Backend, WorkspaceError, locate};

/// Runs `command` in an existing workspace, its streams on `io`, and returns its exit
/// status.
///
/// # Errors
/// [`WorkspaceError::WorkspaceNotFound`], or the sandbox's failure to start the command.
pub fn run(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    command: &CommandLine,
    io: ExecIo<'_>,
) -> Result<ExitStatus, WorkspaceError> {
    let workspace = locate(backend, checkout, target)?;
    Ok(backend.sandbox.execute(&workspace, command, io)?)
}
