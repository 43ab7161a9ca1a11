use crate::domain::{
    BranchName, Checkout, SaveId, SavedWork, Workspace, WorkspaceRef, WorkspaceTarget,
};
use crate::faults::fault_point;
use crate::ports::SaveStore;

use super::create::{CreateOutcome, create_locked};
use super::{Backend, WorkspaceError};

/// What `restore` did.
#[derive(Debug, Clone)]
pub struct Restored {
    /// The workspace made from the save.
    pub workspace: Workspace,
    /// The save it was made from (kept: only `saved drop` deletes saved work).
    pub saved: SavedWork,
    /// Why fetching `origin` failed while making the workspace, if it did.
    pub fetch_warning: Option<String>,
}

/// The save to restore `branch` of `checkout` from: `id` when given (it must be that
/// branch's), else the branch's latest.
///
/// # Errors
/// [`WorkspaceError::NothingSaved`], [`WorkspaceError::SaveOfAnotherWorkspace`], or the
/// store's failure.
pub fn find_saved(
    saves: &dyn SaveStore,
    checkout: &Checkout,
    branch: &BranchName,
    id: Option<&SaveId>,
) -> Result<SavedWork, WorkspaceError> {
    if let Some(id) = id {
        let saved = saves.get(id)?;
        if saved.repository != checkout.repository || saved.branch != *branch {
            return Err(WorkspaceError::SaveOfAnotherWorkspace {
                id: id.clone(),
                saved: Box::new(WorkspaceRef {
                    repository: saved.repository,
                    target: WorkspaceTarget::Branch(saved.branch),
                }),
                branch: branch.clone(),
            });
        }
        return Ok(saved);
    }
    saves
        .list(Some(&checkout.repository))?
        .into_iter()
        .filter(|saved| saved.branch == *branch)
        .max_by_key(|saved| saved.saved_at)
        .ok_or_else(|| WorkspaceError::NothingSaved {
            repository: checkout.repository.to_string(),
            branch: branch.clone(),
        })
}

/// Recreates the workspace of `saved`'s branch in `backend`'s sandbox and puts the saved
/// work back in it. Refuses when the workspace exists. The save is kept.
///
/// # Errors
/// [`WorkspaceError::WorkspaceExists`], or the failure of making the workspace or of
/// putting the work back (the workspace is then left for the user to look at).
pub fn restore(
    backend: Backend<'_>,
    checkout: &Checkout,
    saved: SavedWork,
) -> Result<Restored, WorkspaceError> {
    let reference = WorkspaceRef {
        repository: checkout.repository.clone(),
        target: WorkspaceTarget::Branch(saved.branch.clone()),
    };
    let _lock = backend.locks.workspace(&reference)?;
    if backend
        .registry
        .locate(checkout, &reference.target)?
        .is_some()
    {
        return Err(WorkspaceError::WorkspaceExists {
            reference,
            sandbox: backend.sandbox.kind(),
        });
    }
    let (workspace, fetch_warning) = match create_locked(backend, checkout, &saved.branch)? {
        CreateOutcome::Created {
            workspace,
            fetch_warning,
            ..
        } => (workspace, fetch_warning),
        // Held by the lock, the place was free a moment ago.
        CreateOutcome::AlreadyExists(_) => {
            return Err(WorkspaceError::WorkspaceExists {
                reference,
                sandbox: backend.sandbox.kind(),
            });
        }
    };
    fault_point("restore.after-create");
    backend.sandbox.restore(&workspace, &saved)?;
    Ok(Restored {
        workspace,
        saved,
        fetch_warning,
    })
}
