use crate::domain::{Checkout, WorkspaceTarget};
use crate::ports::{AttachOutcome, SessionIo};

use super::{Backend, WorkspaceError, locate};

/// Opens an interactive session in an existing workspace and returns when the user leaves.
///
/// # Errors
/// [`WorkspaceError::WorkspaceNotFound`], or the sandbox's failure to open the session.
pub fn attach(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    io: SessionIo,
) -> Result<AttachOutcome, WorkspaceError> {
    let workspace = locate(backend, checkout, target)?;
    Ok(backend.sandbox.attach(&workspace, io)?)
}
