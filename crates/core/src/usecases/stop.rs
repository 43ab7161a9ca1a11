use crate::domain::{Checkout, WorkspaceTarget};
use crate::ports::StopOutcome;

use super::{Backend, WorkspaceError, locate};

/// Ends what keeps running for a workspace between commands, with everything in it: its
/// interactive session, or its container. `run` and `attach` start it again; nothing
/// running is fine.
///
/// # Errors
/// [`WorkspaceError::WorkspaceNotFound`], or the sandbox's failure.
pub fn stop(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
) -> Result<StopOutcome, WorkspaceError> {
    let workspace = locate(backend, checkout, target)?;
    Ok(backend.sandbox.stop(&workspace)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SandboxKind;
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout};

    fn feat_x() -> WorkspaceTarget {
        WorkspaceTarget::Branch(branch("feat/x"))
    }

    #[test]
    fn a_missing_workspace_is_not_found_in_the_chosen_sandbox() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker);

        let err = stop(backend(&checkouts, &sandbox), &api, &feat_x()).unwrap_err();

        assert!(
            matches!(
                &err,
                WorkspaceError::WorkspaceNotFound { sandbox: SandboxKind::Docker, reference }
                    if reference.target == feat_x()
            ),
            "{err:?}"
        );
    }

    #[test]
    fn a_session_is_ended_once_and_then_nothing_runs() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .keeping_sessions()
            .with_session(&api, &feat_x());
        let backend = backend(&checkouts, &sandbox);

        assert!(matches!(
            stop(backend, &api, &feat_x()).unwrap(),
            StopOutcome::Stopped { .. }
        ));
        assert!(!sandbox.has_session(&api, &feat_x()));
        assert!(matches!(
            stop(backend, &api, &feat_x()).unwrap(),
            StopOutcome::NotRunning { .. }
        ));
        assert_eq!(
            sandbox.calls(),
            [
                "locate feat/x",
                "stop feat/x",
                "locate feat/x",
                "stop feat/x"
            ]
        );
    }
}
