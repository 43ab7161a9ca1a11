use std::path::{Path, PathBuf};

use crate::domain::{
    Agents, BranchName, Checkout, DiffFormat, DiffRequest, SandboxKind, SavedWork, WorkState,
    Workspace, WorkspaceRef, WorkspaceTarget,
};
use crate::faults::fault_point;
use crate::ports::SaveStore;

use super::create::{CreateOutcome, create_locked};
use super::ports::PortPlan;
use super::resolve::locate;
use super::{Backend, WorkspaceError};

/// What `move` did.
#[derive(Debug, Clone)]
pub struct Moved {
    /// The workspace in its new sandbox.
    pub workspace: Workspace,
    /// The sandbox it left.
    pub from: SandboxKind,
    /// What was carried over (the save that carried it is dropped once the move is done).
    pub carried: SavedWork,
    /// Why fetching `origin` failed while making the new workspace, if it did.
    pub fetch_warning: Option<String>,
    /// Why the save that carried the work could not be dropped, if it could not.
    pub leftover: Option<String>,
    /// The agents whose conversations came along: the next `prompt` continues them.
    pub conversations: Vec<String>,
    /// A line for people for each conversation that stayed behind (and goes with the old
    /// workspace).
    pub conversations_left: Vec<String>,
}

/// Moves the workspace of `branch` from `from`'s sandbox to `to`'s, with its commits,
/// staged, unstaged and untracked files and stash: saves its work, makes the workspace in
/// `to` and puts the work back, then checks that the new one has the same `HEAD`, the same
/// `git status` and the same diff as the old one, and only then removes the old one. On any
/// failure before that the old workspace is left untouched and the new one removed. Diffs
/// are written under `scratch`, a directory of the caller's.
///
/// The new workspace keeps the old one's ports; one that has none (made before workspaces
/// were given ports) gets ports chosen by `ports`, as `create` chooses them. The agents'
/// conversations come along as far as `agents` can carry them (see
/// [`remove_with`](super::remove_with)); one that cannot is said, and does not stop the move.
///
/// # Errors
/// [`WorkspaceError::MoveToSameSandbox`], [`WorkspaceError::WorkspaceNotFound`] (or half
/// made, broken) in `from`, [`WorkspaceError::WorkspaceExists`] in `to`,
/// [`WorkspaceError::NotRestorable`] when git cannot save its work, a failure before anything
/// was made, [`WorkspaceError::MoveUndone`] when making or checking the new one failed (the
/// old one untouched), or [`WorkspaceError::MovedButOldKept`].
pub fn move_workspace(
    from: Backend<'_>,
    to: Backend<'_>,
    checkout: &Checkout,
    branch: &BranchName,
    scratch: &Path,
    ports: PortPlan<'_>,
    agents: &Agents,
) -> Result<Moved, WorkspaceError> {
    let target = WorkspaceTarget::Branch(branch.clone());
    let reference = WorkspaceRef {
        repository: checkout.repository.clone(),
        target: target.clone(),
    };
    let (from_kind, to_kind) = (from.sandbox.kind(), to.sandbox.kind());
    if from_kind == to_kind {
        return Err(WorkspaceError::MoveToSameSandbox {
            reference,
            sandbox: to_kind,
        });
    }
    // Both sandboxes' workspaces of one branch share one lock.
    let _lock = from.locks.workspace(&reference)?;
    let old = locate(from, checkout, &target)?;
    if to.registry.locate(checkout, &target)?.is_some() {
        return Err(WorkspaceError::WorkspaceExists {
            reference,
            sandbox: to_kind,
        });
    }
    let default_branch = from.checkouts.default_branch(checkout)?;
    let before = Snapshot::take(from, &old, scratch.join("old.diff"), None, &default_branch)?;
    let (carried, mut conversations_left) = save(from, &old, &reference, agents)?;
    fault_point("move.after-save");
    let new = New {
        checkout,
        branch,
        others: &[from.registry],
        ports,
        kept: &old.ports,
    };
    let made = match make_and_verify(to, &new, &carried, &before, scratch) {
        Ok(made) => made,
        Err(cause) => {
            // The old workspace is untouched: it holds the work, the save is not needed.
            let _ = forget(from.saves, &carried);
            return Err(cause);
        }
    };
    let (conversations, not_back) =
        super::conversation::bring_back(to.sandbox, to.saves, &made.workspace, &carried, agents);
    conversations_left.extend(not_back);
    fault_point("move.before-removing-old");
    if let Err(source) = from.sandbox.destroy(&old, true) {
        // Both hold the work now; the save that carried it stays until the user removes
        // the old one.
        return Err(WorkspaceError::MovedButOldKept {
            reference: Box::new(reference),
            from: from_kind,
            to: to_kind,
            source,
        });
    }
    let leftover = forget(from.saves, &carried);
    Ok(Moved {
        workspace: made.workspace,
        from: from_kind,
        carried,
        fetch_warning: made.fetch_warning,
        leftover,
        conversations,
        conversations_left,
    })
}

/// What a workspace looked like before the move, to check the new one against.
struct Snapshot {
    state: WorkState,
    /// The diff, in a file.
    diff: PathBuf,
    /// The commit the diff starts from.
    base: Option<String>,
}

impl Snapshot {
    /// The state and diff of `workspace`, the diff from `base` (else from the merge base
    /// with the default branch) written to `diff`.
    fn take(
        backend: Backend<'_>,
        workspace: &Workspace,
        diff: PathBuf,
        base: Option<String>,
        default_branch: &BranchName,
    ) -> Result<Self, WorkspaceError> {
        let state = backend.sandbox.work_state(workspace)?;
        let request = DiffRequest {
            base,
            default_branch: default_branch.clone(),
            format: DiffFormat::Patch,
            color: false,
            columns: None,
        };
        let made = backend.sandbox.diff(workspace, &request, &diff)?;
        Ok(Self {
            state,
            diff,
            base: made.base,
        })
    }

    /// How `other` (the new workspace's) differs from this one, in words; empty when it
    /// does not. The stash is compared only when `stash` (the old workspace owned its
    /// stash: a worktree's is the host checkout's, and stays there).
    fn differences(&self, other: &Snapshot, stash: bool) -> Result<Vec<String>, WorkspaceError> {
        let mut differences = Vec::new();
        let (old, new) = (&self.state, &other.state);
        if old.head != new.head || old.on != new.on {
            differences.push(format!(
                "HEAD is {} on {}, was {} on {}",
                new.head.as_deref().unwrap_or("unborn"),
                new.on.as_deref().unwrap_or("no branch"),
                old.head.as_deref().unwrap_or("unborn"),
                old.on.as_deref().unwrap_or("no branch"),
            ));
        }
        if old.status != new.status {
            differences.push(format!(
                "`git status` differs: {:?} instead of {:?}",
                String::from_utf8_lossy(&new.status),
                String::from_utf8_lossy(&old.status)
            ));
        }
        if stash {
            let lost: Vec<&String> = old
                .stash
                .iter()
                .filter(|entry| !new.stash.contains(entry))
                .collect();
            if !lost.is_empty() {
                differences.push(format!(
                    "the stash lacks {}",
                    lost.iter()
                        .map(|e| e.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        if !same_contents(&self.diff, &other.diff)? {
            differences.push("the diff differs".to_owned());
        }
        Ok(differences)
    }
}

/// Saves the work of `workspace` for the move, with the agents' conversations as far as
/// they can be kept (a line for people for each that cannot).
fn save(
    backend: Backend<'_>,
    workspace: &Workspace,
    reference: &WorkspaceRef,
    agents: &Agents,
) -> Result<(SavedWork, Vec<String>), WorkspaceError> {
    let kind = backend.sandbox.kind();
    let recorded = super::conversation::recorded_agents(backend.sandbox, workspace);
    let slot = backend.saves.reserve(reference, kind)?;
    let mut contents = match backend.sandbox.preserve(workspace, &slot) {
        Ok(contents) => contents,
        Err(err) => {
            let _ = backend.saves.discard(slot);
            return Err(err.into());
        }
    };
    // Whatever git could not save (files kept as an archive) would not arrive.
    if !contents.unsaved.is_empty() {
        let carried = backend.saves.commit(slot, reference, kind, contents)?;
        let _ = forget(backend.saves, &carried);
        return Err(WorkspaceError::NotRestorable {
            id: carried.id,
            reasons: carried.contents.unsaved,
        });
    }
    let (kept, left) = super::conversation::keep(
        backend.sandbox,
        backend.saves,
        workspace,
        &slot,
        agents,
        &recorded,
    );
    contents.conversations = kept;
    let carried = backend.saves.commit(slot, reference, kind, contents)?;
    Ok((carried, left))
}

/// The workspace made in the new sandbox.
struct Made {
    workspace: Workspace,
    fetch_warning: Option<String>,
}

/// What the new workspace is: its checkout and branch, the other sandbox's registry, and
/// its ports (`kept` from the old one, else chosen by `ports`).
struct New<'a> {
    checkout: &'a Checkout,
    branch: &'a BranchName,
    others: &'a [&'a dyn crate::ports::WorkspaceRegistry],
    ports: PortPlan<'a>,
    kept: &'a [u16],
}

/// Makes the workspace `new` in `to`, puts `carried` back in it and checks it against
/// `before`; on failure removes what it made.
fn make_and_verify(
    to: Backend<'_>,
    new: &New<'_>,
    carried: &SavedWork,
    before: &Snapshot,
    scratch: &Path,
) -> Result<Made, WorkspaceError> {
    let (checkout, branch) = (new.checkout, new.branch);
    let reference = WorkspaceRef {
        repository: checkout.repository.clone(),
        target: WorkspaceTarget::Branch(branch.clone()),
    };
    let undone = |cause: WorkspaceError, made: Option<&Workspace>| {
        let left = made.and_then(|workspace| to.sandbox.destroy(workspace, true).err());
        WorkspaceError::MoveUndone {
            reference: Box::new(reference.clone()),
            from: carried.sandbox,
            to: to.sandbox.kind(),
            cause: Box::new(cause),
            left: left.map(|err| err.to_string()),
        }
    };
    let (workspace, fetch_warning) =
        match create_locked(to, new.others, checkout, branch, new.ports, new.kept) {
            Ok(CreateOutcome::Created {
                workspace,
                fetch_warning,
                ..
            }) => (workspace, fetch_warning),
            // Made meanwhile by a process that did not wait for the lock: not ours to remove.
            Ok(CreateOutcome::AlreadyExists(_)) => {
                let exists = WorkspaceError::WorkspaceExists {
                    reference: reference.clone(),
                    sandbox: to.sandbox.kind(),
                };
                return Err(undone(exists, None));
            }
            Err(err) => return Err(undone(err, None)),
        };
    fault_point("move.after-create");
    let checked = (|| {
        to.sandbox.restore(&workspace, carried)?;
        let default_branch = to.checkouts.default_branch(checkout)?;
        let after = Snapshot::take(
            to,
            &workspace,
            scratch.join("new.diff"),
            before.base.clone(),
            &default_branch,
        )?;
        let differences = before.differences(&after, carried.sandbox == SandboxKind::Docker)?;
        if differences.is_empty() {
            Ok(())
        } else {
            Err(WorkspaceError::MoveNotVerified { differences })
        }
    })();
    match checked {
        Ok(()) => Ok(Made {
            workspace,
            fetch_warning,
        }),
        Err(err) => Err(undone(err, Some(&workspace))),
    }
}

/// Drops the save that carried the work; says why it could not be, when it could not (a
/// leftover save is only clutter, which `sk workspace saved` lists).
fn forget(saves: &dyn SaveStore, carried: &SavedWork) -> Option<String> {
    saves.drop_save(&carried.id).err().map(|err| {
        format!(
            "the save {} that carried the work is left: {err}",
            carried.id
        )
    })
}

/// Whether the files `a` and `b` hold the same bytes, read a block at a time.
fn same_contents(a: &Path, b: &Path) -> Result<bool, WorkspaceError> {
    use std::io::Read;
    let open = |path: &Path| {
        fs_err::File::open(path)
            .map(std::io::BufReader::new)
            .map_err(|err| WorkspaceError::Scratch {
                path: path.to_owned(),
                source: err,
            })
    };
    let (mut a_file, mut b_file) = (open(a)?, open(b)?);
    let (mut a_block, mut b_block) = (vec![0; 64 * 1024], vec![0; 64 * 1024]);
    loop {
        let read = |file: &mut std::io::BufReader<fs_err::File>, block: &mut [u8], path: &Path| {
            let mut filled = 0;
            while filled < block.len() {
                match file.read(&mut block[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(err) => {
                        return Err(WorkspaceError::Scratch {
                            path: path.to_owned(),
                            source: err,
                        });
                    }
                }
            }
            Ok(filled)
        };
        let a_len = read(&mut a_file, &mut a_block, a)?;
        let b_len = read(&mut b_file, &mut b_block, b)?;
        if a_block[..a_len] != b_block[..b_len] {
            return Ok(false);
        }
        if a_len == 0 {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout, port_plan};

    fn feat_x() -> WorkspaceTarget {
        WorkspaceTarget::Branch(branch("feat/x"))
    }

    /// A scratch directory holding the (empty) diffs the fakes do not write.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sk-move-{name}-{}", std::process::id()));
        fs_err::create_dir_all(&dir).unwrap();
        for file in ["old.diff", "new.diff"] {
            fs_err::write(dir.join(file), "").unwrap();
        }
        dir
    }

    #[test]
    fn the_old_workspace_goes_only_after_the_new_one_matches_and_the_save_is_dropped() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main").with_local_branch("feat/x");
        let old = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());
        let new = FakeSandbox::new(SandboxKind::Docker);

        let moved = move_workspace(
            backend(&checkouts, &old),
            backend(&checkouts, &new),
            &api,
            &branch("feat/x"),
            &scratch("ok"),
            port_plan(),
            &Agents::default(),
        )
        .unwrap();

        assert_eq!(moved.workspace.sandbox, SandboxKind::Docker);
        assert_eq!(moved.from, SandboxKind::Worktree);
        let old_calls = old.calls();
        assert!(
            old_calls.iter().position(|c| c.starts_with("preserve"))
                < old_calls
                    .iter()
                    .position(|c| c == "destroy feat/x force=true"),
            "{old_calls:?}"
        );
        let new_calls = new.calls();
        assert!(
            new_calls.iter().any(|c| c.starts_with("restore feat/x")),
            "{new_calls:?}"
        );
        assert!(
            new_calls.iter().any(|c| c == "work_state feat/x"),
            "{new_calls:?}"
        );
        assert!(
            old.saves.list(None).unwrap().is_empty(),
            "the save is dropped"
        );
    }

    #[test]
    fn the_moved_workspace_keeps_its_ports_and_one_without_gets_the_ones_create_gives() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main").with_local_branch("feat/x");
        let old = FakeSandbox::new(SandboxKind::Worktree).with_ports(&api, &feat_x(), &[20777]);
        let new = FakeSandbox::new(SandboxKind::Docker);

        let moved = move_workspace(
            backend(&checkouts, &old),
            backend(&checkouts, &new),
            &api,
            &branch("feat/x"),
            &scratch("ports"),
            port_plan(),
            &Agents::default(),
        )
        .unwrap();
        assert_eq!(moved.workspace.ports, [20777]);
        assert_eq!(new.created()[0].ports, [20777]);

        // Made before workspaces had ports: it gets the ones `create` would give.
        let old = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());
        let new = FakeSandbox::new(SandboxKind::Docker);
        let moved = move_workspace(
            backend(&checkouts, &old),
            backend(&checkouts, &new),
            &api,
            &branch("feat/x"),
            &scratch("no-ports"),
            port_plan(),
            &Agents::default(),
        )
        .unwrap();
        let fresh = FakeSandbox::new(SandboxKind::Docker);
        super::super::create(
            backend(&checkouts, &fresh),
            &[],
            &api,
            &branch("feat/x"),
            port_plan(),
        )
        .unwrap();
        assert_eq!(moved.workspace.ports, fresh.created()[0].ports);
        assert_eq!(moved.workspace.ports.len(), 1);
    }

    #[test]
    fn a_new_workspace_that_differs_is_removed_and_the_old_one_kept() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main").with_local_branch("feat/x");
        let state = WorkState {
            head: Some("a".repeat(40)),
            ..WorkState::default()
        };
        let old = FakeSandbox::new(SandboxKind::Docker).with_work_state(&api, &feat_x(), state);
        let new = FakeSandbox::new(SandboxKind::Worktree);

        let err = move_workspace(
            backend(&checkouts, &old),
            backend(&checkouts, &new),
            &api,
            &branch("feat/x"),
            &scratch("differs"),
            port_plan(),
            &Agents::default(),
        )
        .unwrap_err();

        let WorkspaceError::MoveUndone { cause, left, .. } = err else {
            panic!("expected MoveUndone, got {err:?}");
        };
        assert!(
            matches!(*cause, WorkspaceError::MoveNotVerified { .. }),
            "{cause:?}"
        );
        assert_eq!(left, None);
        assert!(
            new.calls()
                .contains(&"destroy feat/x force=true".to_owned())
        );
        assert!(!old.calls().iter().any(|c| c.starts_with("destroy")));
        assert!(old.saves.list(None).unwrap().is_empty());
    }

    #[test]
    fn a_move_to_the_sandbox_it_is_in_is_refused_before_anything_is_looked_at() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let here = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());

        let err = move_workspace(
            backend(&checkouts, &here),
            backend(&checkouts, &here),
            &api,
            &branch("feat/x"),
            &scratch("same"),
            port_plan(),
            &Agents::default(),
        )
        .unwrap_err();

        assert!(
            matches!(err, WorkspaceError::MoveToSameSandbox { .. }),
            "{err:?}"
        );
        assert!(here.calls().is_empty());
    }
}
