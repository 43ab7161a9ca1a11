use crate::domain::{Checkout, CommandLine, CommandStatus, ProjectConfigError, WorkspaceTarget};
use crate::ports::{ExecIo, SandboxError};

use super::hooks::CommandEnvironment;
use super::resolve::{locate_to_run, refused_if_half_made};
use super::{Backend, WorkspaceError};

/// The coding agent's command line: an argument vector in which every `{prompt}` is
/// replaced by the user's message (as one argument, never through a shell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentCommand(pub Vec<String>);

impl Default for AgentCommand {
    /// OpenCode: `opencode run {prompt}`.
    fn default() -> Self {
        Self(vec!["opencode".into(), "run".into(), "{prompt}".into()])
    }
}

impl AgentCommand {
    /// The argument vector for `message`. Without a `{prompt}` placeholder the message is
    /// appended as the last argument.
    #[must_use]
    pub fn render(&self, message: &str) -> CommandLine {
        let mut argv: Vec<String> = self
            .0
            .iter()
            .map(|arg| arg.replace("{prompt}", message))
            .collect();
        if !self.0.iter().any(|arg| arg.contains("{prompt}")) {
            argv.push(message.to_owned());
        }
        CommandLine::Argv(argv)
    }
}

/// Runs the coding agent with `message` inside an existing workspace, its output streamed,
/// with the workspace's environment (as [`run`](super::run) gives it; `warn` hears of an
/// unusable project file), and returns its exit status.
///
/// # Errors
/// [`WorkspaceError::AgentMissing`] when the agent's program is not installed there.
pub fn prompt(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    agent: &AgentCommand,
    message: &str,
    io: ExecIo<'_>,
    warn: &dyn Fn(&ProjectConfigError),
) -> Result<CommandStatus, WorkspaceError> {
    if agent.0.first().is_none_or(String::is_empty) {
        return Err(WorkspaceError::AgentEmpty);
    }
    let workspace = locate_to_run(backend, checkout, target)?;
    let command = agent.render(message);
    let env = CommandEnvironment::new(backend, checkout, &workspace, warn)?;
    match backend
        .sandbox
        .execute_in_project(&workspace, &command, &|file| env.of(file), io)
    {
        Err(SandboxError::ProgramNotFound { program }) => {
            Err(WorkspaceError::AgentMissing { program })
        }
        Err(err) => Err(refused_if_half_made(&workspace, err)),
        Ok(status) => Ok(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SandboxKind;
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout};

    #[test]
    fn the_prompt_is_one_argument_wherever_the_placeholder_stands() {
        let agent = AgentCommand(vec!["a".into(), "--msg={prompt}".into()]);
        assert_eq!(
            agent.render("x; rm -rf /"),
            CommandLine::Argv(vec!["a".into(), "--msg=x; rm -rf /".into()])
        );
        let bare = AgentCommand(vec!["a".into()]);
        assert_eq!(
            bare.render("hi there"),
            CommandLine::Argv(vec!["a".into(), "hi there".into()])
        );
    }

    fn feat_x() -> WorkspaceTarget {
        WorkspaceTarget::Branch(branch("feat/x"))
    }

    fn piped<'a>(stdout: &'a mut Vec<u8>, stderr: &'a mut Vec<u8>) -> ExecIo<'a> {
        ExecIo::Piped(crate::ports::PipedIo {
            stdin: None,
            stdout,
            stderr,
            interrupts: None,
        })
    }

    #[test]
    fn an_empty_agent_is_refused_before_anything_is_asked() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());

        for agent in [AgentCommand(Vec::new()), AgentCommand(vec![String::new()])] {
            let err = prompt(
                backend(&checkouts, &sandbox),
                &api,
                &feat_x(),
                &agent,
                "hi",
                ExecIo::Inherited {
                    stdin_is_terminal: false,
                    no_color: false,
                },
                &|_| {},
            )
            .unwrap_err();
            assert!(matches!(err, WorkspaceError::AgentEmpty), "{err:?}");
        }
        assert!(sandbox.calls().is_empty(), "{:?}", sandbox.calls());
    }

    #[test]
    fn a_missing_agent_is_named() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(&api, &feat_x())
            .with_missing_program("opencode");

        let err = prompt(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            &AgentCommand::default(),
            "hi",
            ExecIo::Terminal,
            &|_| {},
        )
        .unwrap_err();

        let WorkspaceError::AgentMissing { program } = err else {
            panic!("expected AgentMissing, got {err:?}");
        };
        assert_eq!(program, "opencode");
    }

    #[test]
    fn the_message_is_one_argument_and_the_exit_status_passes_through() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .with_workspace(&api, &feat_x())
            .with_exit_status(CommandStatus(3));
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());

        let status = prompt(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            &AgentCommand::default(),
            "fix it; then `rm -rf /`",
            piped(&mut stdout, &mut stderr),
            &|_| {},
        )
        .unwrap();

        assert_eq!(status, CommandStatus(3));
        assert_eq!(
            sandbox.commands_run(),
            [CommandLine::Argv(vec![
                "opencode".into(),
                "run".into(),
                "fix it; then `rm -rf /`".into()
            ])]
        );
        assert_eq!(
            sandbox.calls(),
            ["locate feat/x", "execute feat/x", "execute feat/x"]
        );
    }

    #[test]
    fn a_missing_workspace_is_not_found_in_the_chosen_sandbox() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker);

        let err = prompt(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            &AgentCommand::default(),
            "hi",
            ExecIo::Terminal,
            &|_| {},
        )
        .unwrap_err();

        assert!(
            matches!(
                &err,
                WorkspaceError::WorkspaceNotFound { sandbox: SandboxKind::Docker, reference }
                    if reference.target == feat_x()
            ),
            "{err:?}"
        );
    }
}
