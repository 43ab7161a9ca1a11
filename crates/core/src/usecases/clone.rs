use crate::domain::{RemoteUrl, Workspace};
use crate::ports::CloneOutcome;

use super::{Backend, WorkspaceError};

/// What `clone` did: the host checkout, and the main workspace of the chosen sandbox.
#[derive(Debug, Clone)]
pub struct Cloned {
    /// Whether the checkout is new or was there already.
    pub outcome: CloneOutcome,
    /// The main workspace.
    pub main: Workspace,
}

/// Clones `remote` into its host checkout (once) and prepares the main workspace.
///
/// # Errors
/// [`WorkspaceError`] from the checkout or the sandbox.
pub fn clone(backend: Backend<'_>, remote: &RemoteUrl) -> Result<Cloned, WorkspaceError> {
    let outcome = backend.checkouts.clone_remote(remote)?;
    let checkout = match &outcome {
        CloneOutcome::Cloned(checkout) | CloneOutcome::AlreadyCloned(checkout) => checkout,
    };
    let default_branch = backend.checkouts.default_branch(checkout)?;
    let main = backend.sandbox.prepare_main(checkout, &default_branch)?;
    Ok(Cloned { outcome, main })
}
