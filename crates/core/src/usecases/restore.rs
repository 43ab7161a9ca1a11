use crate::domain::{
    Agents, BranchName, Checkout, SaveId, SavedWork, Workspace, WorkspaceRef, WorkspaceTarget,
};
use crate::faults::fault_point;
use crate::ports::{SaveStore, WorkspaceRegistry};

use super::create::{CreateOutcome, create_locked, refuse_elsewhere};
use super::ports::PortPlan;
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
    /// The agents whose conversations kept with the save are back: the next `prompt`
    /// continues them.
    pub conversations: Vec<String>,
    /// A line for people for each conversation kept with the save that could not be put
    /// back.
    pub conversations_not_back: Vec<String>,
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
        // The store lists oldest first.
        .rev()
        .find(|saved| saved.branch == *branch)
        .ok_or_else(|| WorkspaceError::NothingSaved {
            repository: checkout.repository.to_string(),
            branch: branch.clone(),
        })
}

/// Recreates the workspace of `saved`'s branch in `backend`'s sandbox and puts the saved
/// work back in it. Refuses when the workspace exists, there or in one of `others` (the
/// other sandboxes' registries; one whose engine cannot be reached is not asked). The save
/// is kept. The workspace's ports are chosen by `ports` as `create` chooses them: the ones
/// it had, unless another workspace or program took them meanwhile. The agents'
/// conversations kept with the save are put back as `agents` can (their records, and the
/// transcripts an agent imports where its files did not outlive the workspace).
///
/// # Errors
/// [`WorkspaceError::NotRestorable`] for a save of files git could not read (nothing is
/// made), [`WorkspaceError::WorkspaceExists`], [`WorkspaceError::InAnotherSandbox`], or
/// the failure of making the workspace or of putting the work back (the workspace is then
/// left for the user to look at).
pub fn restore(
    backend: Backend<'_>,
    others: &[&dyn WorkspaceRegistry],
    checkout: &Checkout,
    saved: SavedWork,
    ports: PortPlan<'_>,
    agents: &Agents,
) -> Result<Restored, WorkspaceError> {
    let reference = WorkspaceRef {
        repository: checkout.repository.clone(),
        target: WorkspaceTarget::Branch(saved.branch.clone()),
    };
    // Nothing is made for a save git cannot put back.
    if !saved.contents.restorable() {
        return Err(WorkspaceError::NotRestorable {
            id: saved.id,
            reasons: saved.contents.unsaved,
        });
    }
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
    refuse_elsewhere(backend, others, checkout, &reference)?;
    let (workspace, fetch_warning) =
        match create_locked(backend, others, checkout, &saved.branch, ports, &[])? {
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
    let (conversations, conversations_not_back) =
        super::conversation::bring_back(backend.sandbox, backend.saves, &workspace, &saved, agents);
    Ok(Restored {
        workspace,
        saved,
        fetch_warning,
        conversations,
        conversations_not_back,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{SandboxKind, SavedContents};
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout, port_plan};

    fn feat_x() -> WorkspaceTarget {
        WorkspaceTarget::Branch(branch("feat/x"))
    }

    fn saved_in(sandbox: &FakeSandbox, target: &WorkspaceTarget) -> SavedWork {
        let reference = WorkspaceRef {
            repository: checkout("acme", "api").repository,
            target: target.clone(),
        };
        let slot = sandbox
            .saves
            .reserve(&reference, SandboxKind::Worktree)
            .unwrap();
        sandbox
            .saves
            .commit(
                slot,
                &reference,
                SandboxKind::Worktree,
                SavedContents {
                    head: Some(crate::domain::SavedHead {
                        branch: target.branch().map(ToString::to_string),
                        oid: "a".repeat(40),
                    }),
                    ..SavedContents::default()
                },
            )
            .unwrap()
    }

    #[test]
    fn the_latest_save_of_the_branch_is_found_unless_an_id_is_named() {
        let api = checkout("acme", "api");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);
        let first = saved_in(&sandbox, &feat_x());
        let second = saved_in(&sandbox, &feat_x());
        let other = saved_in(&sandbox, &WorkspaceTarget::Branch(branch("other")));

        let latest = find_saved(&sandbox.saves, &api, &branch("feat/x"), None).unwrap();
        assert_eq!(latest.id, second.id);
        let named = find_saved(&sandbox.saves, &api, &branch("feat/x"), Some(&first.id)).unwrap();
        assert_eq!(named.id, first.id);
        let err = find_saved(&sandbox.saves, &api, &branch("feat/x"), Some(&other.id)).unwrap_err();
        assert!(
            matches!(err, WorkspaceError::SaveOfAnotherWorkspace { .. }),
            "{err:?}"
        );
        let err = find_saved(&sandbox.saves, &api, &branch("none"), None).unwrap_err();
        assert!(
            matches!(err, WorkspaceError::NothingSaved { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn restore_makes_the_workspace_then_puts_the_work_back_and_keeps_the_save() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main").with_local_branch("feat/x");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);
        let saved = saved_in(&sandbox, &feat_x());

        let restored = restore(
            backend(&checkouts, &sandbox),
            &[],
            &api,
            saved.clone(),
            port_plan(),
            &Agents::default(),
        )
        .unwrap();

        assert_eq!(restored.workspace.reference.target, feat_x());
        assert_eq!(
            sandbox.calls(),
            [
                "locate feat/x".to_owned(),
                "locate feat/x".to_owned(),
                "create feat/x".to_owned(),
                format!("restore feat/x from {}", saved.id)
            ]
        );
        assert_eq!(
            sandbox.saves.list(None).unwrap().len(),
            1,
            "the save is kept"
        );
    }

    #[test]
    fn restore_refuses_a_workspace_that_exists() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker).with_workspace(&api, &feat_x());
        let saved = saved_in(&sandbox, &feat_x());

        let err = restore(
            backend(&checkouts, &sandbox),
            &[],
            &api,
            saved,
            port_plan(),
            &Agents::default(),
        )
        .unwrap_err();

        assert!(
            matches!(
                err,
                WorkspaceError::WorkspaceExists {
                    sandbox: SandboxKind::Docker,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(sandbox.calls(), ["locate feat/x"]);
    }

    #[test]
    fn a_save_of_files_git_could_not_read_is_refused_before_anything_is_made() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);
        let mut saved = saved_in(&sandbox, &feat_x());
        saved.contents = SavedContents {
            untracked: 3,
            unsaved: vec!["kept as files.tar: unpack it with `tar -xf`".into()],
            ..SavedContents::default()
        };

        let err = restore(
            backend(&checkouts, &sandbox),
            &[],
            &api,
            saved,
            port_plan(),
            &Agents::default(),
        )
        .unwrap_err();

        let WorkspaceError::NotRestorable { reasons, .. } = err else {
            panic!("expected NotRestorable, got {err:?}");
        };
        assert_eq!(reasons, ["kept as files.tar: unpack it with `tar -xf`"]);
        assert!(sandbox.calls().is_empty(), "{:?}", sandbox.calls());
    }
}
