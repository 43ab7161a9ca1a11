use crate::domain::{Checkout, WorkspaceTarget};
use crate::ports::DetachOutcome;

use super::{Backend, WorkspaceError, locate};

/// Detaches the clients of the workspace's interactive session, which goes on running with
/// everything in it (as tmux's `detach`); no client or no session is fine.
///
/// # Errors
/// [`WorkspaceError::WorkspaceNotFound`], or the sandbox's failure.
pub fn detach(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
) -> Result<DetachOutcome, WorkspaceError> {
    let workspace = locate(backend, checkout, target)?;
    Ok(backend.sandbox.detach(&workspace)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SandboxKind;
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout};
    use crate::usecases::WorkspaceError;

    fn feat_x() -> WorkspaceTarget {
        WorkspaceTarget::Branch(branch("feat/x"))
    }

    #[test]
    fn a_missing_workspace_is_not_found_in_the_chosen_sandbox() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker);

        let err = detach(backend(&checkouts, &sandbox), &api, &feat_x()).unwrap_err();

        let WorkspaceError::WorkspaceNotFound {
            reference,
            sandbox: kind,
        } = err
        else {
            panic!("expected WorkspaceNotFound, got {err:?}");
        };
        assert_eq!(reference.target, feat_x());
        assert_eq!(kind, SandboxKind::Docker);
    }

    #[test]
    fn an_attached_session_is_detached_once_and_keeps_running() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .keeping_sessions()
            .with_session(&api, &feat_x());
        let backend = backend(&checkouts, &sandbox);

        assert_eq!(
            detach(backend, &api, &feat_x()).unwrap(),
            DetachOutcome::Detached
        );
        assert_eq!(
            detach(backend, &api, &feat_x()).unwrap(),
            DetachOutcome::NotAttached
        );
        assert!(sandbox.has_session(&api, &feat_x()), "the session goes on");
        assert_eq!(
            sandbox.calls(),
            [
                "locate feat/x",
                "detach feat/x",
                "locate feat/x",
                "detach feat/x"
            ]
        );
    }
}
