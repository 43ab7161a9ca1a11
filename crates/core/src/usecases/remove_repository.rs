use std::path::PathBuf;

use crate::domain::{
    AtRisk, Checkout, RepositoryId, SandboxKind, SaveSlot, SavedContents, SavedWork, Workspace,
    WorkspaceRef, WorkspaceTarget,
};
use crate::ports::{ErrorKind, Forgotten};

use super::remove::remove;
use super::{Backend, Removed, WorkspaceError};

/// The work at risk in one workspace of a repository (or its host checkout).
#[derive(Debug, Clone)]
pub struct WorkspaceRisk {
    /// The workspace; the host checkout is the main workspace of the worktree sandbox.
    pub reference: WorkspaceRef,
    /// Its sandbox.
    pub sandbox: SandboxKind,
    /// What would be lost.
    pub risk: AtRisk,
}

/// A main workspace that `remove_repository` removed (a main container; the host
/// checkout is [`RepositoryRemoved::checkout`]).
#[derive(Debug, Clone)]
pub struct RemovedMain {
    /// The workspace as it was found.
    pub workspace: Workspace,
    /// The save of its work, under `--force`.
    pub preserved: Option<SavedWork>,
}

/// What `remove_repository` removed.
#[derive(Debug, Clone)]
pub struct RepositoryRemoved {
    /// The repository.
    pub repository: RepositoryId,
    /// Its branch workspaces, in the order removed (worktree sandbox first).
    pub workspaces: Vec<Removed>,
    /// Its main containers.
    pub mains: Vec<RemovedMain>,
    /// What each sandbox kept for it (snapshot images).
    pub forgotten: Vec<Forgotten>,
    /// The host checkout, now deleted.
    pub checkout: PathBuf,
    /// The save of the host checkout's work, under `--force`.
    pub checkout_saved: Option<SavedWork>,
}

/// Removes a repository: every workspace of it in the worktree sandbox (`worktree`) and
/// in the `others` that may hold some, what the sandboxes keep for it, and its host checkout.
///
/// The dirty gate looks at every workspace and at the host checkout first; without `force`,
/// any work found refuses the whole removal, naming each workspace's, and nothing is
/// removed. With `force`, work is saved first, as `remove --force` saves it (the main
/// workspaces' under the default branch, the store keeping saves by branch). The branch
/// workspaces are removed through [`remove`] (each under its own lock); then, under the
/// main workspace's lock and the repository's lock (in that order), workspaces made
/// meanwhile refuse the rest, the main containers go (re-gated), the sandboxes forget the
/// repository, and the host checkout is gated again and moved into the trash.
///
/// # Errors
/// [`WorkspaceError::RepositoryHoldsWork`], [`WorkspaceError::RepositoryChanged`], or the
/// failure of a sandbox, the checkouts, the store or a lock; what was removed before the
/// failure stays removed.
pub fn remove_repository(
    worktree: Backend<'_>,
    others: &[Backend<'_>],
    checkout: &Checkout,
    force: bool,
) -> Result<RepositoryRemoved, WorkspaceError> {
    let backends: Vec<Backend<'_>> = std::iter::once(worktree)
        .chain(others.iter().copied())
        .collect();
    let first = &worktree;
    let checkouts = worktree.checkouts;
    let (listed, at_risk) = gate(&backends, checkout)?;
    if !force && !at_risk.is_empty() {
        return Err(WorkspaceError::RepositoryHoldsWork {
            repository: checkout.repository.clone(),
            at_risk,
        });
    }

    let mut workspaces = Vec::new();
    for (backend, workspace) in &listed {
        if workspace.reference.target != WorkspaceTarget::Main {
            workspaces.push(remove(
                *backend,
                checkout,
                &workspace.reference.target,
                force,
            )?);
        }
    }

    let main = main_of(checkout);
    let _main_lock = first.locks.workspace(&main)?;
    let _lock = first.locks.repository(&checkout.repository)?;
    let mut appeared = Vec::new();
    let mut mains = Vec::new();
    for backend in &backends {
        for workspace in backend.registry.list(std::slice::from_ref(checkout))? {
            if workspace.reference.target != WorkspaceTarget::Main {
                appeared.push(format!(
                    "{} in the {} sandbox",
                    workspace.reference, workspace.sandbox
                ));
            } else if !is_host_checkout(&workspace) {
                mains.push((*backend, workspace));
            }
        }
    }
    if !appeared.is_empty() {
        return Err(WorkspaceError::RepositoryChanged {
            repository: checkout.repository.clone(),
            appeared,
        });
    }

    let mut removed_mains = Vec::new();
    for (backend, workspace) in mains {
        removed_mains.push(remove_main(backend, checkout, workspace, force)?);
    }

    let mut forgotten = Vec::new();
    for backend in &backends {
        forgotten.extend(backend.sandbox.forget_repository(checkout)?);
    }

    // Looked at again under the lock: work written since the first look is saved or
    // refused, never lost.
    let risk = checkouts.at_risk(checkout)?;
    let checkout_saved = if risk.is_empty() {
        None
    } else if force {
        Some(save_main(
            *first,
            checkout,
            SandboxKind::Worktree,
            |slot| Ok(checkouts.preserve(checkout, slot)?),
        )?)
    } else {
        return Err(refusal(&main, SandboxKind::Worktree, risk));
    };
    checkouts.remove(checkout)?;
    Ok(RepositoryRemoved {
        repository: checkout.repository.clone(),
        workspaces,
        mains: removed_mains,
        forgotten,
        checkout: checkout.path.clone(),
        checkout_saved,
    })
}

/// Workspaces with the backend holding each.
type Listed<'a> = Vec<(Backend<'a>, Workspace)>;

/// Every workspace of `checkout` in `backends`, and the work at risk in each of them and in
/// the host checkout (asked of the first backend's checkouts).
fn gate<'a>(
    backends: &[Backend<'a>],
    checkout: &Checkout,
) -> Result<(Listed<'a>, Vec<WorkspaceRisk>), WorkspaceError> {
    let mut at_risk = Vec::new();
    let mut listed = Vec::new();
    for backend in backends {
        let workspaces = backend.registry.list(std::slice::from_ref(checkout))?;
        for workspace in workspaces {
            if !is_host_checkout(&workspace) {
                let risk = backend.sandbox.at_risk(&workspace)?;
                if !risk.is_empty() {
                    at_risk.push(WorkspaceRisk {
                        reference: workspace.reference.clone(),
                        sandbox: workspace.sandbox,
                        risk,
                    });
                }
            }
            listed.push((*backend, workspace));
        }
    }
    let host_risk = backends
        .first()
        .map(|backend| backend.checkouts.at_risk(checkout))
        .transpose()?
        .unwrap_or_default();
    if !host_risk.is_empty() {
        at_risk.push(WorkspaceRisk {
            reference: main_of(checkout),
            sandbox: SandboxKind::Worktree,
            risk: host_risk,
        });
    }
    Ok((listed, at_risk))
}

/// Removes a main container: gated again, its work saved under `force`, then destroyed.
fn remove_main(
    backend: Backend<'_>,
    checkout: &Checkout,
    workspace: Workspace,
    force: bool,
) -> Result<RemovedMain, WorkspaceError> {
    let risk = backend.sandbox.at_risk(&workspace)?;
    let preserved = if risk.is_empty() {
        None
    } else if force {
        Some(save_main(backend, checkout, workspace.sandbox, |slot| {
            Ok(backend.sandbox.preserve(&workspace, slot)?)
        })?)
    } else {
        return Err(refusal(&workspace.reference, workspace.sandbox, risk));
    };
    match backend.sandbox.destroy(&workspace, preserved.is_some()) {
        Ok(()) => {}
        Err(err) if err.kind() == ErrorKind::NotFound => {}
        Err(source) => {
            return Err(match preserved {
                Some(preserved) => WorkspaceError::RemovalFailedAfterSaving {
                    preserved: Box::new(preserved),
                    source,
                },
                None => source.into(),
            });
        }
    }
    Ok(RemovedMain {
        workspace,
        preserved,
    })
}

/// The worktree sandbox's main workspace is the host checkout itself: gated, saved and
/// removed as the checkout.
fn is_host_checkout(workspace: &Workspace) -> bool {
    workspace.reference.target == WorkspaceTarget::Main
        && workspace.sandbox == SandboxKind::Worktree
}

fn main_of(checkout: &Checkout) -> WorkspaceRef {
    WorkspaceRef {
        repository: checkout.repository.clone(),
        target: WorkspaceTarget::Main,
    }
}

fn refusal(reference: &WorkspaceRef, sandbox: SandboxKind, risk: AtRisk) -> WorkspaceError {
    WorkspaceError::RepositoryHoldsWork {
        repository: reference.repository.clone(),
        at_risk: vec![WorkspaceRisk {
            reference: reference.clone(),
            sandbox,
            risk,
        }],
    }
}

/// Saves a main workspace's work into a slot of its own. The store keeps saves by branch,
/// so a main workspace's is recorded under the remote's default branch.
fn save_main(
    backend: Backend<'_>,
    checkout: &Checkout,
    sandbox: SandboxKind,
    preserve: impl FnOnce(&SaveSlot) -> Result<SavedContents, WorkspaceError>,
) -> Result<SavedWork, WorkspaceError> {
    let reference = WorkspaceRef {
        repository: checkout.repository.clone(),
        target: WorkspaceTarget::Branch(backend.checkouts.default_branch(checkout)?),
    };
    let slot = backend.saves.reserve(&reference, sandbox)?;
    let contents = match preserve(&slot) {
        Ok(contents) => contents,
        Err(err) => {
            // A failed save leaves nothing that looks like one.
            let _ = backend.saves.discard(slot);
            return Err(err);
        }
    };
    Ok(backend.saves.commit(slot, &reference, sandbox, contents)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout};

    fn feat_x() -> WorkspaceTarget {
        WorkspaceTarget::Branch(branch("feat/x"))
    }

    #[test]
    fn work_anywhere_refuses_it_all_and_removes_nothing() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main")
            .with_checkout(api.clone())
            .with_host_risk(AtRisk {
                untracked: vec!["notes.txt".into()],
                ..AtRisk::default()
            });
        let worktree = FakeSandbox::new(SandboxKind::Worktree)
            .with_workspace(&api, &WorkspaceTarget::Main)
            .with_workspace(&api, &feat_x());
        let docker =
            FakeSandbox::new(SandboxKind::Docker).with_workspace(&api, &WorkspaceTarget::Main);

        let err = remove_repository(
            backend(&checkouts, &worktree),
            &[backend(&checkouts, &docker)],
            &api,
            false,
        )
        .unwrap_err();

        let WorkspaceError::RepositoryHoldsWork { at_risk, .. } = err else {
            panic!("expected RepositoryHoldsWork, got {err:?}");
        };
        assert_eq!(at_risk.len(), 1);
        assert_eq!(at_risk[0].reference.target, WorkspaceTarget::Main);
        assert_eq!(at_risk[0].sandbox, SandboxKind::Worktree);
        assert!(worktree.contains(&api, &feat_x()));
        assert!(docker.contains(&api, &WorkspaceTarget::Main));
        assert!(checkouts.contains(&api.repository));
    }

    #[test]
    fn a_clean_repository_goes_workspaces_first_and_its_checkout_last() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main").with_checkout(api.clone());
        let worktree = FakeSandbox::new(SandboxKind::Worktree)
            .with_workspace(&api, &WorkspaceTarget::Main)
            .with_workspace(&api, &feat_x());
        let docker = FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(&api, &WorkspaceTarget::Main)
            .with_workspace(&api, &feat_x());

        let removed = remove_repository(
            backend(&checkouts, &worktree),
            &[backend(&checkouts, &docker)],
            &api,
            false,
        )
        .unwrap();

        assert_eq!(removed.workspaces.len(), 2);
        assert_eq!(removed.mains.len(), 1);
        assert_eq!(removed.mains[0].workspace.sandbox, SandboxKind::Docker);
        assert!(removed.checkout_saved.is_none());
        assert!(!worktree.contains(&api, &feat_x()));
        assert!(!docker.contains(&api, &feat_x()));
        assert!(!docker.contains(&api, &WorkspaceTarget::Main));
        assert!(!checkouts.contains(&api.repository));
        assert_eq!(
            docker.calls().last().map(String::as_str),
            Some("forget_repository acme/api")
        );
    }
}
