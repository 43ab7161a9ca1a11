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
    /// Why fetching `origin` into an existing checkout failed, if it did.
    pub fetch_warning: Option<String>,
}

/// Clones `remote` into its host checkout (once) and prepares the main workspace. An
/// existing checkout is fetched first, so a main workspace made now starts from the remote's
/// current default branch.
///
/// # Errors
/// [`WorkspaceError`] from the checkout or the sandbox.
pub fn clone(backend: Backend<'_>, remote: &RemoteUrl) -> Result<Cloned, WorkspaceError> {
    let outcome = backend.checkouts.clone_remote(remote)?;
    let (default_branch, fetch_warning) = match &outcome {
        CloneOutcome::Cloned(checkout) => (backend.checkouts.default_branch(checkout)?, None),
        CloneOutcome::AlreadyCloned(checkout) => {
            let refreshed = backend.checkouts.refresh(checkout)?;
            (refreshed.default_branch, refreshed.fetch_warning)
        }
    };
    let checkout = match &outcome {
        CloneOutcome::Cloned(checkout) | CloneOutcome::AlreadyCloned(checkout) => checkout,
    };
    let main = backend.sandbox.prepare_main(checkout, &default_branch)?;
    Ok(Cloned {
        outcome,
        main,
        fetch_warning,
    })
}
