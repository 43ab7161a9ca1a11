use crate::domain::{
    Checkout, CommandLine, CommandStatus, Environment, ProjectConfigError, WorkspaceTarget,
};
use crate::ports::ExecIo;

use super::hooks::CommandEnvironment;
use super::resolve::{locate_to_run, refused_if_half_made};
use super::{Backend, WorkspaceError};

/// Runs `command` in an existing workspace, its streams on `io`, with the workspace's
/// environment (the project's `[env]` and skipper's `SK_*`; an unusable project file is
/// told to `warn` and its `[env]` left out) and the secrets of `secrets`, and returns its
/// exit status.
///
/// # Errors
/// [`WorkspaceError::WorkspaceNotFound`], or the sandbox's failure to start the command.
pub fn run(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    command: &CommandLine,
    secrets: &Environment,
    io: ExecIo<'_>,
    warn: &dyn Fn(&ProjectConfigError),
) -> Result<CommandStatus, WorkspaceError> {
    let workspace = locate_to_run(backend, checkout, target)?;
    let env = CommandEnvironment::new(backend, checkout, &workspace, warn)?.with_secrets(secrets);
    backend
        .sandbox
        .execute_in_project(&workspace, command, &|file| env.of(file), io)
        .map_err(|err| refused_if_half_made(&workspace, err))
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
            &Environment::new(),
            ExecIo::Terminal,
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
            &Environment::new(),
            ExecIo::Inherited {
                stdin_is_terminal: true,
                no_color: false,
            },
            &|_| {},
        )
        .unwrap();

        assert_eq!(status, CommandStatus(130));
        assert_eq!(sandbox.commands_run(), [command]);
        // The project file is looked for first (the fake's `git ls-tree` exits 130: none).
        assert_eq!(
            sandbox.calls(),
            ["locate main", "execute main", "execute main"]
        );
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
            &Environment::new(),
            ExecIo::Terminal,
            &|_| {},
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
            &Environment::new(),
            ExecIo::Inherited {
                stdin_is_terminal: false,
                no_color: false,
            },
            &|_| {},
        )
        .unwrap_err();

        assert!(matches!(err, WorkspaceError::HalfMade { .. }), "{err:?}");
        assert_eq!(sandbox.calls(), ["locate feat/x"]);
    }
}

#[cfg(test)]
mod environment_tests {
    use super::*;
    use crate::domain::SandboxKind;
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout};

    fn quiet() -> ExecIo<'static> {
        ExecIo::Inherited {
            stdin_is_terminal: false,
            no_color: false,
        }
    }

    #[test]
    fn the_command_gets_the_project_s_env_and_skipper_s_variables() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .with_workspace(&api, &target)
            .with_project_file("[env]\nAPP_MODE = \"dev\"\nSK_BRANCH = \"forged\"\n");
        let warned = std::cell::RefCell::new(Vec::new());

        run(
            backend(&checkouts, &sandbox),
            &api,
            &target,
            &CommandLine::Argv(vec!["env".into()]),
            &Environment::new(),
            quiet(),
            &|err| warned.borrow_mut().push(err.to_string()),
        )
        .unwrap();

        let env = sandbox.environments().pop().unwrap();
        assert_eq!(env.get("APP_MODE"), Some("dev"));
        assert_eq!(env.get("SK_BRANCH"), Some("feat/x"));
        assert_eq!(env.get("SK_REPOSITORY"), Some("acme/api"));
        assert_eq!(env.get("SK_SANDBOX"), Some("worktree"));
        assert!(env.get("SK_WORKSPACE").is_some());
        assert!(warned.borrow().is_empty(), "{warned:?}");
    }

    #[test]
    fn the_secrets_asked_for_reach_the_command_apart_and_win_over_the_project_s_env() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .with_workspace(&api, &target)
            .with_project_file("[env]\nTOKEN = \"from-the-project\"\n");
        let mut secrets = Environment::new();
        secrets.set_secret("TOKEN", crate::domain::Secret::new("s3cr3t"));

        run(
            backend(&checkouts, &sandbox),
            &api,
            &target,
            &CommandLine::Argv(vec!["env".into()]),
            &secrets,
            quiet(),
            &|_| {},
        )
        .unwrap();

        let env = sandbox.environments().pop().unwrap();
        assert_eq!(env.secret_assignments(), ["TOKEN=s3cr3t"]);
        assert_eq!(
            env.iter_with_secrets()
                .filter(|(name, _)| *name == "TOKEN")
                .last(),
            Some(("TOKEN", "s3cr3t"))
        );
    }

    #[test]
    fn an_unusable_project_file_is_warned_of_and_the_command_runs_without_its_env() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("trunk");
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(&api, &WorkspaceTarget::Main)
            .with_project_file("colour = 1\n[env]\nAPP_MODE = \"dev\"\n");
        let warned = std::cell::RefCell::new(Vec::new());

        let status = run(
            backend(&checkouts, &sandbox),
            &api,
            &WorkspaceTarget::Main,
            &CommandLine::Argv(vec!["env".into()]),
            &Environment::new(),
            quiet(),
            &|err| warned.borrow_mut().push(err.to_string()),
        )
        .unwrap();

        assert!(status.success());
        assert_eq!(
            *warned.borrow(),
            [".skipper.toml at the main workspace's HEAD: unknown key `colour`"]
        );
        let env = sandbox.environments().pop().unwrap();
        assert_eq!(env.get("APP_MODE"), None);
        assert_eq!(env.get("SK_BRANCH"), Some("trunk"));
        assert_eq!(
            sandbox.commands_run(),
            [CommandLine::Argv(vec!["env".into()])]
        );
    }
}
