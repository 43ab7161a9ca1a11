use crate::domain::{Checkout, ProjectConfigError, WorkspaceTarget};
use crate::ports::{AttachOutcome, SessionIo};

use super::hooks::CommandEnvironment;
use super::resolve::{locate_to_run, refused_if_half_made};
use super::{Backend, WorkspaceError};

/// Opens an interactive session in an existing workspace, with the workspace's environment
/// (as [`run`](super::run) gives it; `warn` hears of an unusable project file), and returns
/// when the user leaves.
///
/// # Errors
/// [`WorkspaceError::WorkspaceNotFound`], or the sandbox's failure to open the session.
pub fn attach(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    io: SessionIo,
    warn: &dyn Fn(&ProjectConfigError),
) -> Result<AttachOutcome, WorkspaceError> {
    let workspace = locate_to_run(backend, checkout, target)?;
    // Nothing is read in a workspace for a session that cannot be opened.
    backend.sandbox.can_attach(io)?;
    let env = CommandEnvironment::new(backend, checkout, &workspace, warn)?;
    backend
        .sandbox
        .attach_in_project(&workspace, &|file| env.of(file), io)
        .map_err(|err| refused_if_half_made(&workspace, err))
}

/// Whether the sandbox could open a session on `io`: asked before anything is made for
/// `attach --create`, so that a refusal leaves nothing behind.
///
/// # Errors
/// The sandbox's [`SandboxError::NeedsTerminal`](crate::ports::SandboxError::NeedsTerminal).
pub fn check_attachable(backend: Backend<'_>, io: SessionIo) -> Result<(), WorkspaceError> {
    Ok(backend.sandbox.can_attach(io)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CommandStatus, SandboxKind};
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout};
    use crate::ports::ErrorKind;
    use crate::usecases::WorkspaceError;

    const TERMINAL: SessionIo = SessionIo { terminal: true };

    fn feat_x() -> WorkspaceTarget {
        WorkspaceTarget::Branch(branch("feat/x"))
    }

    #[test]
    fn a_missing_workspace_is_not_found_in_the_chosen_sandbox() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);

        let err = attach(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            TERMINAL,
            &|_| {},
        )
        .unwrap_err();

        let WorkspaceError::WorkspaceNotFound {
            reference,
            sandbox: kind,
        } = err
        else {
            panic!("expected WorkspaceNotFound, got {err:?}");
        };
        assert_eq!(reference.target, feat_x());
        assert_eq!(kind, SandboxKind::Worktree);
        assert_eq!(sandbox.calls(), ["locate feat/x"]);
    }

    #[test]
    fn leaving_a_kept_session_is_detached() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .keeping_sessions()
            .with_workspace(&api, &feat_x());

        let outcome = attach(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            TERMINAL,
            &|_| {},
        )
        .unwrap();

        assert_eq!(outcome, AttachOutcome::Detached);
        assert_eq!(
            sandbox.calls(),
            [
                "locate feat/x",
                "can_attach",
                "execute feat/x",
                "attach feat/x"
            ]
        );
    }

    #[test]
    fn the_shell_s_exit_status_passes_through() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(&api, &feat_x())
            .with_exit_status(CommandStatus(42));

        let outcome = attach(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            TERMINAL,
            &|_| {},
        )
        .unwrap();

        assert_eq!(outcome, AttachOutcome::Exited(CommandStatus(42)));
    }

    #[test]
    fn without_a_terminal_the_sandbox_refusal_passes_through() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker).with_workspace(&api, &feat_x());

        let err = attach(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            SessionIo { terminal: false },
            &|_| {},
        )
        .unwrap_err();

        let WorkspaceError::Sandbox(source) = err else {
            panic!("expected a sandbox error, got {err:?}");
        };
        assert_eq!(source.kind(), ErrorKind::NeedsTerminal);
    }

    #[test]
    fn without_a_terminal_nothing_is_attachable_and_nothing_is_asked_of_a_workspace() {
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);

        let err = check_attachable(backend(&checkouts, &sandbox), SessionIo { terminal: false })
            .unwrap_err();

        let WorkspaceError::Sandbox(source) = err else {
            panic!("expected a sandbox error, got {err:?}");
        };
        assert_eq!(source.kind(), ErrorKind::NeedsTerminal);
        assert_eq!(sandbox.calls(), ["can_attach"]);
        check_attachable(backend(&checkouts, &sandbox), TERMINAL).unwrap();
    }
}
