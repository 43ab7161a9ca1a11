use crate::domain::{Checkout, WorkspaceTarget};
use crate::ports::DetachOutcome;

use super::{Backend, WorkspaceError, locate};

/// Ends the workspace's interactive session; having none is fine.
///
/// # Errors
/// [`WorkspaceError::WorkspaceNotFound`], or the sandbox's failure.
pub fn detach(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
) -> Result<DetachOutcome, WorkspaceError> {
    let workspace = locate(backend, checkout, target)?;
    Ok(backend.sandbox.detach(&workspace)?)
}
