use std::path::Path;

use crate::domain::{Checkout, CommandStatus, WorkspaceRef, WorkspaceTarget};
use crate::ports::PushStanding;

use super::fetch::{Fetched, fetch_locked};
use super::{Backend, WorkspaceError, locate};

/// What `push` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The fetch that brought the workspace's branch to the host first.
    pub fetched: Fetched,
    /// The remote pushed to.
    pub remote: String,
    /// Whether the branch was to track the remote's after.
    pub set_upstream: bool,
    /// `git push`'s exit status: 0, or git's own refusal (its words went to stderr).
    pub status: CommandStatus,
    /// Why the workspace could not be told, after the push, that the remote has its
    /// commits (its `origin/*` brought up to date), if it could not.
    pub sync_warning: Option<String>,
}

/// Publishes the branch of the workspace for `target` from the host checkout, with the
/// host user's credentials and git configuration (so a workspace never needs them): first
/// [`super::fetch`]es it, then pushes the host's branch to `remote`'s branch of that name
/// (a fast-forward only), making it track that with `set_upstream`. Holds the workspace's
/// lock.
///
/// # Errors
/// [`super::fetch`]'s, or [`WorkspaceError::NothingToPush`] when the remote holds the tip
/// already (or, without the branch, has it in its default branch). A refusal of git's is
/// no error: [`Pushed::status`] says it.
pub fn push(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    remote: &str,
    set_upstream: bool,
    scratch: &Path,
) -> Result<Pushed, WorkspaceError> {
    let _lock = backend.locks.workspace(&WorkspaceRef {
        repository: checkout.repository.clone(),
        target: target.clone(),
    })?;
    let workspace = locate(backend, checkout, target)?;
    let fetched = fetch_locked(backend, checkout, &workspace, scratch)?;
    let standing = backend
        .checkouts
        .push_standing(checkout, &fetched.branch, remote)?;
    if standing != PushStanding::Ahead {
        return Err(WorkspaceError::NothingToPush {
            reference: Box::new(fetched.reference.clone()),
            branch: fetched.branch.clone(),
            tip: fetched.tip().to_owned(),
            remote: remote.to_owned(),
            standing,
        });
    }
    let status = backend
        .checkouts
        .push_branch(checkout, &fetched.branch, remote, set_upstream)?;
    // The workspace learns that origin has its commits, so that the dirty gate no longer
    // counts them as unpushed (a worktree shares the host's refs already).
    let sync_warning = if status.0 == 0 && remote == "origin" {
        backend
            .sandbox
            .sync_remote(&workspace, checkout, scratch)
            .err()
            .map(|err| err.to_string())
    } else {
        None
    };
    Ok(Pushed {
        fetched,
        remote: remote.to_owned(),
        set_upstream,
        status,
        sync_warning,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SandboxKind;
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout};
    use crate::ports::{BranchExport, BranchStanding};

    fn feat_x() -> WorkspaceTarget {
        WorkspaceTarget::Branch(branch("feat/x"))
    }

    fn docker_with_commits(api: &Checkout) -> FakeSandbox {
        FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(api, &feat_x())
            .with_export(BranchExport {
                tip: "b".repeat(40),
                standing: BranchStanding::Ahead,
                bundle: true,
                uncommitted: Vec::new(),
            })
    }

    #[test]
    fn the_branch_is_fetched_then_pushed_and_git_s_status_passes_through() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main")
            .with_host_tip("feat/x", &"a".repeat(40))
            .with_push_status(CommandStatus(1));
        let sandbox = docker_with_commits(&api);

        let pushed = push(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            "fork",
            true,
            Path::new("/scratch"),
        )
        .unwrap();

        assert_eq!(pushed.status, CommandStatus(1));
        assert_eq!(pushed.fetched.tip(), "b".repeat(40));
        assert_eq!(checkouts.imports().len(), 1);
        let calls = checkouts.calls();
        assert_eq!(
            calls[calls.len() - 2..],
            [
                "push_standing acme/api feat/x fork",
                "push_branch acme/api feat/x fork set_upstream=true"
            ]
        );
    }

    #[test]
    fn a_branch_the_remote_holds_already_is_refused_without_pushing() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main").with_push_standing(PushStanding::AlreadyThere {
            remote_tip: "b".repeat(40),
        });
        let sandbox = docker_with_commits(&api);

        let err = push(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            "origin",
            false,
            Path::new("/scratch"),
        )
        .unwrap_err();

        assert!(
            matches!(err, WorkspaceError::NothingToPush { .. }),
            "{err:?}"
        );
        assert!(
            !checkouts
                .calls()
                .iter()
                .any(|c| c.starts_with("push_branch")),
            "{:?}",
            checkouts.calls()
        );
        assert_eq!(
            err.to_string(),
            format!(
                "nothing to push: `feat/x` at {} is on origin already",
                "b".repeat(40)
            )
        );
    }
}
