use crate::domain::{Checkout, CommandLine, CommandStatus, WorkspaceTarget};
use crate::ports::ExecIo;

use super::{Backend, WorkspaceError, locate};

/// Runs `command` in an existing workspace, its streams on `io`, and returns its exit
/// status.
///
/// # Errors
/// [`WorkspaceError::WorkspaceNotFound`], or the sandbox's failure to start the command.
pub fn run(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    command: &CommandLine,
    io: ExecIo<'_>,
) -> Result<CommandStatus, WorkspaceError> {
    let workspace = locate(backend, checkout, target)?;
    Ok(backend.sandbox.execute(&workspace, command, io)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SandboxKind;
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout};
    use crate::ports::ErrorKind;

    #[test]
    fn a_missing_workspace_is_not_found_in_the_chosen_sandbox() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(&api, &WorkspaceTarget::Branch(branch("other")));
        let target = WorkspaceTarget::Branch(branch("feat/x"));

        let err = run(
            backend(&checkouts, &sandbox),
            &api,
            &target,
            &CommandLine::Shell("true".into()),
            ExecIo::Terminal,
        )
        .unwrap_err();

        let WorkspaceError::WorkspaceNotFound {
            reference,
            sandbox: kind,
        } = err
        else {
            panic!("expected WorkspaceNotFound, got {err:?}");
        };
        assert_eq!(reference.target, target);
        assert_eq!(kind, SandboxKind::Docker);
        assert!(sandbox.commands().is_empty());
    }

    #[test]
    fn the_command_runs_as_given_and_its_status_passes_through() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .with_workspace(&api, &WorkspaceTarget::Main)
            .with_exit_status(CommandStatus(130));
        let command = CommandLine::Argv(vec!["cargo".into(), "test".into()]);

        let status = run(
            backend(&checkouts, &sandbox),
            &api,
            &WorkspaceTarget::Main,
            &command,
            ExecIo::Inherited {
                stdin_is_terminal: true,
                no_color: false,
            },
        )
        .unwrap();

        assert_eq!(status, CommandStatus(130));
        assert_eq!(sandbox.commands(), [command]);
        assert_eq!(sandbox.calls(), ["locate main", "execute main"]);
    }

    #[test]
    fn a_missing_program_is_the_sandbox_error() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .with_workspace(&api, &WorkspaceTarget::Main)
            .with_missing_program("cargo");

        let err = run(
            backend(&checkouts, &sandbox),
            &api,
            &WorkspaceTarget::Main,
            &CommandLine::Argv(vec!["cargo".into()]),
            ExecIo::Terminal,
        )
        .unwrap_err();

        let WorkspaceError::Sandbox(source) = err else {
            panic!("expected a sandbox error, got {err:?}");
        };
        assert_eq!(source.kind(), ErrorKind::ProgramNotFound);
    }

    #[test]
    fn nothing_runs_in_a_half_made_workspace() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker).with_half_made(&api, &target);

        let err = run(
            backend(&checkouts, &sandbox),
            &api,
            &target,
            &CommandLine::Argv(vec!["true".into()]),
            ExecIo::Inherited {
                stdin_is_terminal: false,
                no_color: false,
            },
        )
        .unwrap_err();

        assert!(matches!(err, WorkspaceError::HalfMade { .. }), "{err:?}");
        assert_eq!(sandbox.calls(), ["locate feat/x"]);
    }
}
