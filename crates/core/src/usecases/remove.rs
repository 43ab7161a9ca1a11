use crate::domain::{Checkout, Preserved, WorkspaceRef, WorkspaceTarget};

use super::{Backend, WorkspaceError, locate};

/// What `remove` did.
#[derive(Debug, Clone)]
pub struct Removed {
    /// The removed workspace.
    pub reference: WorkspaceRef,
    /// Where work at risk was saved, when `force` removed a dirty workspace.
    pub preserved: Option<Preserved>,
}

/// Removes a branch workspace. Refuses, changing nothing, when it holds uncommitted
/// changes, untracked files or unpushed commits; with `force`, saves that work under the
/// data root first. The main workspace is never removed.
///
/// # Errors
/// [`WorkspaceError::WorkAtRisk`] naming each problem, [`WorkspaceError::MainNotRemovable`],
/// [`WorkspaceError::WorkspaceNotFound`], or the sandbox's failure.
pub fn remove(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    force: bool,
) -> Result<Removed, WorkspaceError> {
    let reference = WorkspaceRef {
        repository: checkout.repository.clone(),
        target: target.clone(),
    };
    if *target == WorkspaceTarget::Main {
        return Err(WorkspaceError::MainNotRemovable { reference });
    }
    let workspace = match locate(backend, checkout, target) {
        Ok(workspace) => workspace,
        // `--branch <default branch>` names the main workspace when no branch workspace of
        // that name exists: say that, not "does not exist".
        Err(WorkspaceError::WorkspaceNotFound { .. })
            if target.branch().is_some_and(|branch| {
                backend
                    .checkouts
                    .default_branch(checkout)
                    .is_ok_and(|default| default == *branch)
            }) =>
        {
            return Err(WorkspaceError::MainNotRemovable {
                reference: WorkspaceRef {
                    repository: checkout.repository.clone(),
                    target: WorkspaceTarget::Main,
                },
            });
        }
        Err(err) => return Err(err),
    };
    // End the interactive session first, so nothing in it writes work after the check.
    backend.sandbox.detach(&workspace)?;
    let risk = backend.sandbox.at_risk(&workspace)?;
    let preserved = if risk.is_empty() {
        None
    } else if force {
        Some(backend.sandbox.preserve(&workspace)?)
    } else {
        return Err(WorkspaceError::WorkAtRisk {
            reference,
            risk: Box::new(risk),
        });
    };
    if let Err(source) = backend.sandbox.destroy(&workspace, force) {
        return Err(match preserved {
            Some(preserved) => WorkspaceError::RemovalFailedAfterSaving {
                preserved: Box::new(preserved),
                source,
            },
            None => source.into(),
        });
    }
    Ok(Removed {
        reference,
        preserved,
    })
}
