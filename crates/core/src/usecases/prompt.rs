use crate::domain::{Checkout, CommandLine, ExitStatus, WorkspaceTarget};
use crate::ports::{ExecIo, SandboxError};

use super::{Backend, WorkspaceError, locate};

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
/// and returns its exit status.
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
) -> Result<ExitStatus, WorkspaceError> {
    if agent.0.first().is_none_or(String::is_empty) {
        return Err(WorkspaceError::AgentEmpty);
    }
    let workspace = locate(backend, checkout, target)?;
    let command = agent.render(message);
    match backend.sandbox.execute(&workspace, &command, io) {
        Err(SandboxError::ProgramNotFound { program }) => {
            Err(WorkspaceError::AgentMissing { program })
        }
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
