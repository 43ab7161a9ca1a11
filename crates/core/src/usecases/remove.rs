use crate::domain::{
    Agents, Checkout, Ignored, SandboxKind, SavedWork, UnpushedRef, Workspace, WorkspaceRef,
    WorkspaceTarget,
};
use crate::faults::fault_point;
use crate::ports::{ErrorKind, RemovalRecord, SaveError};

use super::resolve::locate_any;
use super::{Backend, WorkspaceError, unix_now};

/// What `remove` did.
#[derive(Debug, Clone)]
pub struct Removed {
    /// The removed workspace.
    pub reference: WorkspaceRef,
    /// The save holding its work, when `force` removed a workspace with work (or when an
    /// interrupted forced removal saved it before).
    pub preserved: Option<SavedWork>,
    /// Whether this finished a removal that an earlier, interrupted `remove` began.
    pub resumed: bool,
    /// The ignored files that went with the workspace.
    pub ignored: Ignored,
    /// What went with the workspace unsaved, for people: under `force`, a workspace the
    /// gate could not look into (a container that cannot start, a repository git cannot
    /// read) is removed with what could not be read, and whatever the save could not
    /// take is named here.
    pub unsaved: Vec<String>,
    /// Why the pre-remove step failed, when `force` removed the workspace anyway.
    pub pre_remove_failed: Option<String>,
    /// The agents whose conversation in the workspace went with it (each recorded by
    /// `prompt`), for people: the next `prompt` in a workspace made again starts anew.
    /// Those `force` kept with the saved work are in its
    /// [`SavedContents::conversations`](crate::domain::SavedContents::conversations).
    pub conversations: Vec<String>,
}

/// Removes a branch workspace. Refuses, changing nothing, when it holds uncommitted
/// changes, untracked files, unpushed commits or other work; with `force`, saves that work
/// in the save store first, with the agents' conversations recorded in it as far as their
/// files allow (the built-in agents'; [`remove_with`] takes the user's): a workspace with
/// nothing else at risk is saved for its conversations alone. The main workspace is never
/// removed.
///
/// The workspace's lock is held throughout, and the removal is recorded in the store
/// after the gate (and the save) and before anything is deleted: a removal interrupted
/// after that point is finished by the next `remove`, which names the earlier save instead
/// of gating a half-deleted tree.
///
/// # Errors
/// [`WorkspaceError::WorkAtRisk`] naming each problem, [`WorkspaceError::MainNotRemovable`],
/// [`WorkspaceError::WorkspaceNotFound`], or the sandbox's, store's or lock's failure.
pub fn remove(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    force: bool,
) -> Result<Removed, WorkspaceError> {
    remove_with(
        backend,
        checkout,
        target,
        force,
        &Agents::default(),
        &mut |_| Ok(()),
    )
}

/// [`remove`] knowing `agents`, running `pre_remove` on the workspace once the dirty gate let the removal
/// go ahead (after the save, under `force`) and before anything is deleted: the
/// pre-remove hooks. Its failure stops the removal, changing nothing, unless `force`:
/// then the removal goes on and [`Removed::pre_remove_failed`] says why it failed. A
/// removal that an interrupted one began is finished without it. A caller's own failure
/// travels as [`WorkspaceError::PreRemove`].
///
/// # Errors
/// As [`remove`], and `pre_remove`'s failure without `force`.
pub fn remove_with(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    force: bool,
    agents: &Agents,
    pre_remove: &mut dyn FnMut(&Workspace) -> Result<(), WorkspaceError>,
) -> Result<Removed, WorkspaceError> {
    let reference = WorkspaceRef {
        repository: checkout.repository.clone(),
        target: target.clone(),
    };
    if *target == WorkspaceTarget::Main {
        return Err(WorkspaceError::MainNotRemovable { reference });
    }
    let _lock = backend.locks.workspace(&reference)?;
    let kind = backend.sandbox.kind();
    let began = backend.saves.removal(&reference, kind)?;
    let workspace = match locate_any(backend, checkout, target) {
        Ok(workspace) => workspace,
        // The interrupted removal had deleted it all but its record.
        Err(WorkspaceError::WorkspaceNotFound { .. }) if began.is_some() => {
            return finish(backend, reference, None, began);
        }
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
    if began.is_some() {
        // The gate passed (and the work was saved) before the interrupted removal began
        // deleting: what is left is not the user's work.
        return finish(backend, reference, Some(&workspace), began);
    }
    // Nothing changes before the gate: a refusal leaves the session and what runs in it.
    // A clean workspace's session is ended by the sandbox as it removes it, after its own
    // re-check.
    let risk = backend.sandbox.at_risk(&workspace)?;
    let ignored = risk.ignored.clone();
    if !risk.is_empty() && !force {
        return Err(WorkspaceError::WorkAtRisk {
            reference,
            risk: Box::new(risk),
        });
    }
    let SaveOutcome {
        preserved,
        unsaved,
        conversations,
    } = save_if_needed(backend, &workspace, &risk, force, agents)?;
    let pre_remove_failed = match pre_remove(&workspace) {
        Ok(()) => None,
        Err(err) if force => Some(with_causes(&err)),
        Err(err) => return Err(err),
    };
    fault_point("remove.after-save");
    backend.saves.begin_removal(&RemovalRecord {
        workspace: reference.clone(),
        sandbox: kind,
        saved: preserved.as_ref().map(|saved| saved.id.clone()),
        began_at: unix_now(),
    })?;
    fault_point("remove.before-destroy");
    // `force` reaches the sandbox only when the work was saved (or the user forced the
    // removal of a workspace that could not be looked into): a workspace found clean is
    // removed with the sandbox's own re-check, so work written since the gate looked is
    // refused, not lost.
    let forced = preserved.is_some() || !unsaved.is_empty();
    if let Err(source) = backend.sandbox.destroy(&workspace, forced) {
        // Nothing was deleted when the sandbox refused: forget the removal.
        if source.kind() == ErrorKind::Refused {
            backend.saves.end_removal(&reference, kind)?;
        }
        return Err(match preserved {
            Some(preserved) => WorkspaceError::RemovalFailedAfterSaving {
                preserved: Box::new(preserved),
                source,
            },
            None => source.into(),
        });
    }
    fault_point("remove.after-destroy");
    backend.saves.end_removal(&reference, kind)?;
    Ok(Removed {
        reference,
        preserved,
        resumed: false,
        ignored,
        unsaved,
        pre_remove_failed,
        conversations,
    })
}

/// What [`save_if_needed`] did.
struct SaveOutcome {
    /// The save, when one was made.
    preserved: Option<SavedWork>,
    /// What could not be saved, for people.
    unsaved: Vec<String>,
    /// The agents whose conversations go with the workspace.
    conversations: Vec<String>,
}

/// Saves what `risk` names (under `force`, the gate having passed otherwise), with the
/// agents' conversations; a workspace with nothing else at risk is saved under `force`
/// for the conversations a save can keep.
fn save_if_needed(
    backend: Backend<'_>,
    workspace: &Workspace,
    risk: &crate::domain::AtRisk,
    force: bool,
    agents: &Agents,
) -> Result<SaveOutcome, WorkspaceError> {
    let mut conversations = super::conversation::recorded_agents(backend.sandbox, workspace);
    let keepable = force
        && conversations
            .iter()
            .any(|agent| super::conversation::can_keep(backend.sandbox, agents, agent));
    if risk.is_empty() && !keepable {
        return Ok(SaveOutcome {
            preserved: None,
            unsaved: Vec::new(),
            conversations,
        });
    }
    // The removal goes ahead: end the session first, so nothing in it writes work after
    // the save.
    if backend.sandbox.keeps_sessions() {
        backend.sandbox.stop(workspace)?;
    }
    let to_keep = Conversations {
        agents,
        recorded: &conversations,
    };
    let (preserved, unsaved) = save_or_say_why_not(backend, workspace, risk, &to_keep)?;
    if let Some(saved) = &preserved {
        conversations.retain(|agent| {
            !saved
                .contents
                .conversations
                .iter()
                .any(|kept| kept.agent == *agent)
        });
    }
    Ok(SaveOutcome {
        preserved,
        unsaved,
        conversations,
    })
}

/// `err` and its causes, as one line.
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        let inner_text = inner.to_string();
        if !text.ends_with(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        cause = inner.source();
    }
    text
}

/// Saves the work `risk` names under `--force`. When the gate itself said it could not
/// look (an [`UnpushedRef::Unreadable`]) and the save fails for that reason (the sandbox
/// cannot run or read it), the user asked to remove it anyway: what could not be read goes,
/// named in the returned lines. Never otherwise: any other failed save stops the removal.
fn save_or_say_why_not(
    backend: Backend<'_>,
    workspace: &Workspace,
    risk: &crate::domain::AtRisk,
    conversations: &Conversations<'_>,
) -> Result<(Option<SavedWork>, Vec<String>), WorkspaceError> {
    let unreadable: Vec<String> = risk
        .other_refs
        .iter()
        .filter_map(|other| match other {
            UnpushedRef::Unreadable { detail } => Some(format!("could not be read: {detail}")),
            _ => None,
        })
        .collect();
    match save(backend, workspace, backend.sandbox.kind(), conversations) {
        Ok(saved) => Ok((Some(saved), Vec::new())),
        Err(WorkspaceError::Sandbox(err))
            if !unreadable.is_empty()
                && matches!(
                    err.kind(),
                    ErrorKind::Unavailable | ErrorKind::CommandFailed
                ) =>
        {
            let mut unsaved = unreadable;
            unsaved.push(format!("saving failed: {}", with_causes(&err)));
            Ok((None, unsaved))
        }
        Err(err) => Err(err),
    }
}

/// The agents' conversations a save keeps, as far as their files allow.
struct Conversations<'a> {
    /// The agents there are.
    agents: &'a Agents,
    /// The agents with a conversation recorded in the workspace.
    recorded: &'a [String],
}

/// Saves the workspace's work in a slot of its own, with its agents' conversations.
fn save(
    backend: Backend<'_>,
    workspace: &Workspace,
    kind: SandboxKind,
    conversations: &Conversations<'_>,
) -> Result<SavedWork, WorkspaceError> {
    let slot = backend.saves.reserve(&workspace.reference, kind)?;
    fault_point("remove.after-reserve");
    let mut contents = match backend.sandbox.preserve(workspace, &slot) {
        Ok(contents) => contents,
        Err(err) => {
            // A failed save leaves nothing that looks like one.
            let _ = backend.saves.discard(slot);
            return Err(err.into());
        }
    };
    let (kept, lost) = super::conversation::keep(
        backend.sandbox,
        backend.saves,
        workspace,
        &slot,
        conversations.agents,
        conversations.recorded,
    );
    contents.conversations = kept;
    contents.unsaved.extend(lost);
    Ok(backend
        .saves
        .commit(slot, &workspace.reference, kind, contents)?)
}

/// Finishes a removal an earlier `remove` began: deletes what is left and forgets the
/// record, naming the save the earlier run made.
fn finish(
    backend: Backend<'_>,
    reference: WorkspaceRef,
    workspace: Option<&Workspace>,
    began: Option<RemovalRecord>,
) -> Result<Removed, WorkspaceError> {
    let kind = backend.sandbox.kind();
    if let Some(workspace) = workspace {
        match backend.sandbox.destroy(workspace, true) {
            Ok(()) => {}
            Err(err) if err.kind() == ErrorKind::NotFound => {}
            Err(err) => return Err(err.into()),
        }
    }
    let preserved = match began.and_then(|record| record.saved) {
        Some(id) => match backend.saves.get(&id) {
            Ok(saved) => Some(saved),
            // Dropped by the user in between: nothing to name.
            Err(SaveError::NotFound { .. }) => None,
            Err(err) => return Err(err.into()),
        },
        None => None,
    };
    backend.saves.end_removal(&reference, kind)?;
    Ok(Removed {
        reference,
        preserved,
        resumed: true,
        ignored: Ignored::default(),
        unsaved: Vec::new(),
        pre_remove_failed: None,
        conversations: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AtRisk, SandboxKind, UnpushedBranch, UnpushedRef};
    use crate::fakes::{FakeCheckouts, FakeSandbox, SandboxCall, backend, branch, checkout};
    use crate::ports::ErrorKind;
    use crate::ports::SaveStore;

    fn feat_x() -> WorkspaceTarget {
        WorkspaceTarget::Branch(branch("feat/x"))
    }

    fn some_work() -> AtRisk {
        AtRisk {
            modified: vec!["src/lib.rs".into()],
            untracked: vec!["notes.txt".into()],
            unpushed: vec![UnpushedBranch {
                branch: "feat/x".into(),
                commits: 2,
            }],
            ..AtRisk::default()
        }
    }

    #[test]
    fn the_main_workspace_is_refused_before_anything_is_asked() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox =
            FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &WorkspaceTarget::Main);

        let err = remove(
            backend(&checkouts, &sandbox),
            &api,
            &WorkspaceTarget::Main,
            true,
        )
        .unwrap_err();

        let WorkspaceError::MainNotRemovable { reference } = err else {
            panic!("expected MainNotRemovable, got {err:?}");
        };
        assert_eq!(reference.target, WorkspaceTarget::Main);
        assert_eq!(reference.repository, api.repository);
        assert!(sandbox.calls().is_empty(), "{:?}", sandbox.calls());
    }

    #[test]
    fn the_default_branch_without_a_branch_workspace_names_main() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("trunk");
        let sandbox =
            FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &WorkspaceTarget::Main);

        let err = remove(
            backend(&checkouts, &sandbox),
            &api,
            &WorkspaceTarget::Branch(branch("trunk")),
            false,
        )
        .unwrap_err();

        let WorkspaceError::MainNotRemovable { reference } = err else {
            panic!("expected MainNotRemovable, got {err:?}");
        };
        assert_eq!(reference.target, WorkspaceTarget::Main);
        assert_eq!(sandbox.calls(), ["locate trunk"]);
        assert!(sandbox.contains(&api, &WorkspaceTarget::Main));
    }

    #[test]
    fn a_missing_workspace_is_not_found() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker);

        let err = remove(backend(&checkouts, &sandbox), &api, &feat_x(), false).unwrap_err();

        let WorkspaceError::WorkspaceNotFound {
            reference,
            sandbox: kind,
        } = err
        else {
            panic!("expected WorkspaceNotFound, got {err:?}");
        };
        assert_eq!(reference.target, feat_x());
        assert_eq!(kind, SandboxKind::Docker);
        assert_eq!(sandbox.calls(), ["locate feat/x"]);
    }

    #[test]
    fn work_at_risk_without_force_is_listed_and_nothing_is_destroyed() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox =
            FakeSandbox::new(SandboxKind::Worktree).with_risk(&api, &feat_x(), some_work());

        let err = remove(backend(&checkouts, &sandbox), &api, &feat_x(), false).unwrap_err();

        let WorkspaceError::WorkAtRisk { reference, risk } = err else {
            panic!("expected WorkAtRisk, got {err:?}");
        };
        assert_eq!(reference.target, feat_x());
        assert_eq!(*risk, some_work());
        assert_eq!(sandbox.calls(), ["locate feat/x", "at_risk feat/x"]);
        assert!(sandbox.contains(&api, &feat_x()));
    }

    #[test]
    fn with_force_the_work_is_preserved_then_the_workspace_destroyed() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox =
            FakeSandbox::new(SandboxKind::Worktree).with_risk(&api, &feat_x(), some_work());

        let removed = remove(backend(&checkouts, &sandbox), &api, &feat_x(), true).unwrap();

        assert_eq!(removed.reference.target, feat_x());
        let preserved = removed.preserved.expect("the work was preserved");
        assert_eq!(preserved.id.as_str(), "save0001");
        assert_eq!(
            (
                preserved.contents.modified,
                preserved.contents.untracked,
                preserved.contents.commits
            ),
            (1, 1, 2)
        );
        assert_eq!(preserved.sandbox, SandboxKind::Worktree);
        assert!(sandbox.saves.pending_removals().is_empty());
        assert_eq!(
            sandbox.calls(),
            [
                "locate feat/x",
                "at_risk feat/x",
                // The agents' records, read for the save.
                "execute feat/x",
                "preserve feat/x into save0001",
                "destroy feat/x force=true"
            ]
        );
        assert!(!sandbox.contains(&api, &feat_x()));
    }

    #[test]
    fn a_refused_removal_leaves_the_session_running() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .keeping_sessions()
            .with_session(&api, &feat_x())
            .with_risk(&api, &feat_x(), some_work());

        let err = remove(backend(&checkouts, &sandbox), &api, &feat_x(), false).unwrap_err();

        assert!(matches!(err, WorkspaceError::WorkAtRisk { .. }), "{err:?}");
        assert_eq!(sandbox.calls(), ["locate feat/x", "at_risk feat/x"]);
        assert!(sandbox.has_session(&api, &feat_x()));
    }

    #[test]
    fn a_clean_workspace_s_session_is_left_to_the_sandbox_s_removal() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .keeping_sessions()
            .with_session(&api, &feat_x());

        remove(backend(&checkouts, &sandbox), &api, &feat_x(), false).unwrap();

        assert_eq!(
            sandbox.calls(),
            [
                "locate feat/x",
                "at_risk feat/x",
                "execute feat/x",
                "destroy feat/x force=false"
            ]
        );
    }

    #[test]
    fn under_force_the_session_ends_after_the_gate_and_before_the_save() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .keeping_sessions()
            .with_session(&api, &feat_x())
            .with_risk(&api, &feat_x(), some_work());

        remove(backend(&checkouts, &sandbox), &api, &feat_x(), true).unwrap();

        assert_eq!(
            sandbox.calls(),
            [
                "locate feat/x",
                "at_risk feat/x",
                // The agents' records, read for the save.
                "execute feat/x",
                "stop feat/x",
                "preserve feat/x into save0001",
                "destroy feat/x force=true"
            ]
        );
    }

    #[test]
    fn a_failed_destroy_after_saving_carries_the_save() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_risk(&api, &feat_x(), some_work())
            .with_failure(SandboxCall::Destroy, ErrorKind::Unavailable);

        let err = remove(backend(&checkouts, &sandbox), &api, &feat_x(), true).unwrap_err();

        let WorkspaceError::RemovalFailedAfterSaving { preserved, source } = err else {
            panic!("expected RemovalFailedAfterSaving, got {err:?}");
        };
        assert_eq!(preserved.id.as_str(), "save0001");
        assert_eq!(source.kind(), ErrorKind::Unavailable);
        assert!(sandbox.contains(&api, &feat_x()));
        // The removal began: the next `remove` finishes it and names the save.
        assert_eq!(sandbox.saves.pending_removals().len(), 1);
        let removed = remove(backend(&checkouts, &sandbox), &api, &feat_x(), false);
        assert!(removed.is_err(), "destroy still fails: {removed:?}");
    }

    #[test]
    fn a_clean_workspace_is_destroyed_without_force_and_nothing_is_preserved() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());

        let removed = remove(backend(&checkouts, &sandbox), &api, &feat_x(), false).unwrap();

        assert_eq!(removed.preserved, None);
        assert_eq!(
            sandbox.calls(),
            [
                "locate feat/x",
                "at_risk feat/x",
                "execute feat/x",
                "destroy feat/x force=false"
            ]
        );
        assert!(!sandbox.contains(&api, &feat_x()));
    }

    /// `Sandbox::destroy` says "with `force`, the work has been preserved": a workspace found
    /// clean is destroyed without it even under `--force`, so work appearing between
    /// `at_risk` and `destroy` is refused by the sandbox's re-check, not lost unsaved.
    #[test]
    fn a_clean_workspace_is_destroyed_without_force_even_under_force() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());

        let removed = remove(backend(&checkouts, &sandbox), &api, &feat_x(), true).unwrap();

        assert_eq!(removed.preserved, None);
        assert_eq!(
            sandbox.calls().last().map(String::as_str),
            Some("destroy feat/x force=false")
        );
    }

    fn began(saved: Option<&str>) -> RemovalRecord {
        let api = checkout("acme", "api");
        RemovalRecord {
            workspace: WorkspaceRef {
                repository: api.repository,
                target: feat_x(),
            },
            sandbox: SandboxKind::Worktree,
            saved: saved.map(|id| crate::domain::SaveId::new(id).unwrap()),
            began_at: 1,
        }
    }

    #[test]
    fn an_interrupted_forced_removal_is_finished_and_names_the_earlier_save() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        // A half-deleted tree looks like work at risk; the record says it is not.
        let sandbox =
            FakeSandbox::new(SandboxKind::Worktree).with_risk(&api, &feat_x(), some_work());
        let slot = sandbox
            .saves
            .reserve(&began(None).workspace, SandboxKind::Worktree)
            .unwrap();
        let earlier = sandbox
            .saves
            .commit(
                slot,
                &began(None).workspace,
                SandboxKind::Worktree,
                crate::domain::SavedContents::default(),
            )
            .unwrap();
        sandbox.saves.with_removal(began(Some(earlier.id.as_str())));

        let removed = remove(backend(&checkouts, &sandbox), &api, &feat_x(), false).unwrap();

        assert!(removed.resumed);
        assert_eq!(removed.preserved.map(|saved| saved.id), Some(earlier.id));
        assert_eq!(
            sandbox.calls(),
            ["locate feat/x", "destroy feat/x force=true"]
        );
        assert!(!sandbox.contains(&api, &feat_x()));
        assert!(sandbox.saves.pending_removals().is_empty());
        assert_eq!(sandbox.saves.list(None).unwrap().len(), 1, "no second save");
    }

    #[test]
    fn a_removal_interrupted_after_deleting_everything_is_finished() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);
        sandbox.saves.with_removal(began(None));

        let removed = remove(backend(&checkouts, &sandbox), &api, &feat_x(), false).unwrap();

        assert!(removed.resumed);
        assert_eq!(removed.preserved, None);
        assert!(sandbox.saves.pending_removals().is_empty());
    }

    #[test]
    fn a_refused_destroy_forgets_the_removal() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .with_workspace(&api, &feat_x())
            .with_failure(SandboxCall::Destroy, ErrorKind::Refused);

        let err = remove(backend(&checkouts, &sandbox), &api, &feat_x(), false).unwrap_err();

        assert_eq!(
            match err {
                WorkspaceError::Sandbox(source) => source.kind(),
                other => panic!("expected the sandbox's refusal, got {other:?}"),
            },
            ErrorKind::Refused
        );
        assert!(sandbox.saves.pending_removals().is_empty());
        assert!(sandbox.contains(&api, &feat_x()));
    }

    fn unreadable() -> AtRisk {
        AtRisk {
            other_refs: vec![UnpushedRef::Unreadable {
                detail: "container sk-api-feat-x did not start".into(),
            }],
            ..AtRisk::default()
        }
    }

    #[test]
    fn an_unreadable_workspace_is_refused_without_force() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox =
            FakeSandbox::new(SandboxKind::Docker).with_risk(&api, &feat_x(), unreadable());

        let err = remove(backend(&checkouts, &sandbox), &api, &feat_x(), false).unwrap_err();

        assert!(matches!(err, WorkspaceError::WorkAtRisk { .. }), "{err:?}");
        assert!(sandbox.contains(&api, &feat_x()));
    }

    #[test]
    fn under_force_an_unreadable_workspace_that_cannot_be_saved_goes_saying_so() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_risk(&api, &feat_x(), unreadable())
            .with_failure(SandboxCall::Preserve, ErrorKind::CommandFailed);

        let removed = remove(backend(&checkouts, &sandbox), &api, &feat_x(), true).unwrap();

        assert_eq!(removed.preserved, None);
        assert_eq!(
            removed.unsaved,
            [
                "could not be read: container sk-api-feat-x did not start",
                "saving failed: saving the work of acme/api (feat/x) failed: injected failure"
            ]
        );
        assert_eq!(
            sandbox.calls().last().map(String::as_str),
            Some("destroy feat/x force=true")
        );
        assert!(!sandbox.contains(&api, &feat_x()));
        assert!(sandbox.saves.list(None).unwrap().is_empty());
        assert!(sandbox.saves.incomplete().unwrap().is_empty());
        assert!(sandbox.saves.pending_removals().is_empty());
    }

    /// Only the gate's own "could not look" lets a failed save through: a save that fails
    /// on a workspace whose work was read stops the removal.
    #[test]
    fn under_force_a_failed_save_of_readable_work_still_stops_the_removal() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let mut risk = unreadable();
        risk.other_refs.clear();
        risk.modified.push("src/lib.rs".into());
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_risk(&api, &feat_x(), risk)
            .with_failure(SandboxCall::Preserve, ErrorKind::CommandFailed);

        remove(backend(&checkouts, &sandbox), &api, &feat_x(), true).unwrap_err();

        assert!(sandbox.contains(&api, &feat_x()));
    }

    #[test]
    fn under_force_an_unreadable_workspace_whose_save_is_refused_stays() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_risk(&api, &feat_x(), unreadable())
            .with_failure(SandboxCall::Preserve, ErrorKind::Refused);

        remove(backend(&checkouts, &sandbox), &api, &feat_x(), true).unwrap_err();

        assert!(sandbox.contains(&api, &feat_x()));
    }

    #[test]
    fn a_failed_save_leaves_no_save_and_removes_nothing() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_risk(&api, &feat_x(), some_work())
            .with_failure(SandboxCall::Preserve, ErrorKind::CommandFailed);

        remove(backend(&checkouts, &sandbox), &api, &feat_x(), true).unwrap_err();

        assert!(sandbox.saves.list(None).unwrap().is_empty());
        assert!(sandbox.saves.incomplete().unwrap().is_empty());
        assert!(sandbox.saves.pending_removals().is_empty());
        assert!(sandbox.contains(&api, &feat_x()));
    }
}
