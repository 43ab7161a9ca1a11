use crate::domain::{BranchName, Checkout, Workspace, WorkspaceTarget};
use crate::ports::{BranchPresence, BranchStart, CreateRequest};

use super::{Backend, WorkspaceError};

/// What `create` did.
#[derive(Debug, Clone)]
pub enum CreateOutcome {
    /// A new workspace, with a warning when fetching failed and old remote refs were used.
    Created {
        /// The workspace.
        workspace: Workspace,
        /// How its branch came to be.
        start: BranchStart,
        /// Why fetching `origin` failed, if it did.
        fetch_warning: Option<String>,
    },
    /// The workspace was already there; nothing changed.
    AlreadyExists(Workspace),
}

/// Creates the workspace of `branch`: fetches `origin`, resolves the default branch, then
/// uses the local branch, tracks the remote one, or starts a new one from
/// `origin/<default>`. The host checkout's working tree, index, `HEAD` and stash are left
/// as they were. Idempotent.
///
/// # Errors
/// [`WorkspaceError`] from the checkout or the sandbox.
pub fn create(
    backend: Backend<'_>,
    checkout: &Checkout,
    branch: &BranchName,
) -> Result<CreateOutcome, WorkspaceError> {
    let target = WorkspaceTarget::Branch(branch.clone());
    if let Some(existing) = backend.registry.locate(checkout, &target)? {
        return Ok(CreateOutcome::AlreadyExists(existing));
    }
    let refreshed = backend.checkouts.refresh(checkout)?;
    let start = match backend.checkouts.branch_presence(checkout, branch)? {
        BranchPresence::Local => BranchStart::Existing,
        BranchPresence::Remote => BranchStart::TrackRemote,
        BranchPresence::Absent => BranchStart::NewFromDefault,
    };
    let request = CreateRequest {
        checkout: checkout.clone(),
        branch: branch.clone(),
        start: start.clone(),
        default_branch: refreshed.default_branch,
    };
    let workspace = backend.sandbox.create(&request)?;
    Ok(CreateOutcome::Created {
        workspace,
        start,
        fetch_warning: refreshed.fetch_warning,
    })
}
