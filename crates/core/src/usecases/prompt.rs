use crate::domain::{
    AgentMark, AgentMode, AgentPreset, Agents, Checkout, CommandStatus, DEFAULT_AGENT, Environment,
    LastRun, MARKER_VARIABLE, ProjectConfig, ProjectConfigError, WorkspaceTarget,
};
use crate::ports::{BoxError, ExecIo, SandboxError};

use super::conversation;
use super::hooks::CommandEnvironment;
use super::resolve::{locate_to_run, refused_if_half_made};
use super::{Backend, WorkspaceError};

/// What `prompt` is asked to run.
#[derive(Clone, Copy)]
pub struct PromptRequest<'a> {
    /// The agents there are.
    pub agents: &'a Agents,
    /// The agent chosen by the user (`--agent`, else `agent` in config.toml); `None`: the
    /// project's (`agent` in `.skipper.toml` at the workspace's `HEAD`), else
    /// [`DEFAULT_AGENT`].
    pub agent: Option<&'a str>,
    /// One message, or the agent's interactive interface.
    pub mode: AgentMode,
    /// The message (empty for [`AgentMode::Interactive`]).
    pub message: &'a str,
    /// Start a new conversation (`--new`) rather than continue the workspace's last one.
    pub new_conversation: bool,
    /// Hears which agent starts, once it is known.
    pub announce: &'a dyn Fn(&AgentPreset),
    /// The secrets the agent's command gets, once the agent is known: those the user
    /// asked for and those the agent declares ([`AgentPreset::secrets`]) that are
    /// configured; or why they cannot be read.
    pub secrets: &'a dyn Fn(&AgentPreset) -> Result<Environment, BoxError>,
}

impl std::fmt::Debug for PromptRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromptRequest")
            .field("agent", &self.agent)
            .field("mode", &self.mode)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

/// Runs the coding agent inside an existing workspace (with `request.message`, its output
/// streamed; or its interactive interface on the terminal `io` must then be), with the
/// workspace's environment (as [`run`](super::run) gives it; `warn` hears of an unusable
/// project file) and [`MARKER_VARIABLE`] marking its processes, records its end in the
/// workspace (see [`crate::domain::AgentActivity`]), and returns its exit status.
///
/// # Errors
/// [`WorkspaceError::Agent`] for an agent there is not; [`WorkspaceError::AgentMissing`]
/// when its program is not installed in the workspace.
pub fn prompt(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    request: PromptRequest<'_>,
    io: ExecIo<'_>,
    warn: &dyn Fn(&ProjectConfigError),
) -> Result<CommandStatus, WorkspaceError> {
    if let Some(name) = request.agent {
        request.agents.get(name)?;
    }
    let workspace = locate_to_run(backend, checkout, target)?;
    let preset = chosen_agent(backend, &workspace, request)?;
    let secrets = (request.secrets)(preset).map_err(WorkspaceError::Secrets)?;
    (request.announce)(preset);
    let started = now();
    let env = CommandEnvironment::new(backend, checkout, &workspace, warn)?
        .with_secrets(&secrets)
        .with_mark(MARKER_VARIABLE, AgentMark::value(&preset.name, started));
    let mut title = None;
    let command = match request.mode {
        AgentMode::Interactive => preset.command(AgentMode::Interactive, ""),
        mode => {
            let record = if request.new_conversation {
                None
            } else {
                conversation::recorded(backend.sandbox, &workspace, &preset.name)
            };
            match (&preset.conversation, record) {
                (Some(conversation), Some(session)) if !session.is_empty() => {
                    conversation.resume(&session, request.message)
                }
                (Some(conversation), _) => {
                    let chosen = conversation::title(&workspace);
                    let command = conversation.start(&chosen, request.message);
                    title = Some(chosen);
                    command
                }
                (None, Some(_)) => preset.command(AgentMode::Resume, request.message),
                (None, None) => preset.command(mode, request.message),
            }
        }
    };
    let status =
        match backend
            .sandbox
            .execute_in_project(&workspace, &command, &|file| env.of(file), io)
        {
            Err(SandboxError::ProgramNotFound { program }) => {
                return Err(WorkspaceError::AgentMissing {
                    agent: preset.name.clone(),
                    program,
                    install: preset.install.clone(),
                    sandbox: workspace.sandbox,
                });
            }
            Err(err) => return Err(refused_if_half_made(&workspace, err)),
            Ok(status) => status,
        };
    conversation::record_run(
        backend.sandbox,
        &workspace,
        &LastRun {
            name: preset.name.clone(),
            exit: status.0,
            started,
            ended: now(),
        },
    );
    if request.mode != AgentMode::Interactive {
        let session = match (&preset.conversation, &title) {
            (Some(conversation), Some(title)) => {
                conversation::find(backend.sandbox, &workspace, conversation, title, &env)
            }
            _ => None,
        };
        if preset.conversation.is_none() || session.is_some() {
            conversation::record(
                backend.sandbox,
                &workspace,
                &preset.name,
                session.as_deref().unwrap_or(""),
            );
        }
    }
    Ok(status)
}

/// Seconds since the epoch, as the records keep time.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// The agent `request` names, else the one the project file at the workspace's `HEAD`
/// names (an unusable file names none: the command's environment says why), else
/// [`DEFAULT_AGENT`].
fn chosen_agent<'a>(
    backend: Backend<'_>,
    workspace: &crate::domain::Workspace,
    request: PromptRequest<'a>,
) -> Result<&'a AgentPreset, WorkspaceError> {
    let name = match request.agent {
        Some(name) => name.to_owned(),
        None => backend
            .sandbox
            .project_file(workspace)
            .ok()
            .flatten()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| ProjectConfig::parse(&text, crate::domain::PROJECT_FILE).ok())
            .and_then(|project| project.agent)
            .unwrap_or_else(|| DEFAULT_AGENT.to_owned()),
    };
    Ok(request.agents.get(&name)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CommandLine, SandboxKind};
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout};

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

    fn request<'a>(
        agents: &'a Agents,
        agent: Option<&'a str>,
        message: &'a str,
    ) -> PromptRequest<'a> {
        PromptRequest {
            agents,
            agent,
            mode: AgentMode::Prompt,
            message,
            new_conversation: false,
            announce: &|_| {},
            secrets: &|_| Ok(Environment::new()),
        }
    }

    #[test]
    fn an_unknown_agent_is_refused_before_anything_is_asked() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());
        let agents = Agents::default();

        let err = prompt(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            request(&agents, Some("nosuch"), "hi"),
            ExecIo::Terminal,
            &|_| {},
        )
        .unwrap_err();
        assert!(matches!(err, WorkspaceError::Agent(_)), "{err:?}");
        assert!(sandbox.calls().is_empty(), "{:?}", sandbox.calls());
    }

    #[test]
    fn a_missing_agent_is_named() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(&api, &feat_x())
            .with_missing_program("claude");
        let agents = Agents::default();

        let err = prompt(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            request(&agents, Some("claude"), "hi"),
            ExecIo::Terminal,
            &|_| {},
        )
        .unwrap_err();

        let WorkspaceError::AgentMissing { agent, program, .. } = err else {
            panic!("expected AgentMissing, got {err:?}");
        };
        assert_eq!((agent.as_str(), program.as_str()), ("claude", "claude"));
    }

    #[test]
    fn the_message_is_one_argument_and_the_exit_status_passes_through() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .with_workspace(&api, &feat_x())
            .with_exit_status(CommandStatus(3));
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let agents = Agents::default();

        let status = prompt(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            request(&agents, Some("opencode"), "fix it; then `rm -rf /`"),
            piped(&mut stdout, &mut stderr),
            &|_| {},
        )
        .unwrap();

        assert_eq!(status, CommandStatus(3));
        // Looked for a conversation to continue, started one under a title of its own
        // with the message as one argument, then looked for it to record it.
        let run = sandbox.commands_run();
        let started = run
            .iter()
            .find_map(|command| match command {
                CommandLine::Argv(argv) if argv[0] == "opencode" && argv[1] == "run" => Some(argv),
                _ => None,
            })
            .unwrap();
        assert_eq!(started[2], "--title");
        assert!(started[3].starts_with("sk acme/api feat/x "), "{started:?}");
        assert_eq!(started[4], "fix it; then `rm -rf /`");
        assert_eq!(started.len(), 5);
        assert!(
            run.contains(&CommandLine::Argv(
                ["opencode", "session", "list", "--format", "json"]
                    .map(String::from)
                    .to_vec()
            ))
        );
    }

    #[test]
    fn without_a_choice_the_projects_agent_runs_else_opencode() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let agents = Agents::default();
        for (file, program) in [
            (Some("agent = \"aider\"\n"), "aider"),
            (Some("[env]\nA = \"1\"\n"), "opencode"),
            (None, "opencode"),
        ] {
            let mut sandbox =
                FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());
            if let Some(text) = file {
                sandbox = sandbox.with_project_file(text);
            }
            let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
            prompt(
                backend(&checkouts, &sandbox),
                &api,
                &feat_x(),
                request(&agents, None, "go"),
                piped(&mut stdout, &mut stderr),
                &|_| {},
            )
            .unwrap();
            let run = sandbox.commands_run();
            let argv = run
                .iter()
                .find_map(|command| match command {
                    CommandLine::Argv(argv) if argv[0] != "sh" => Some(argv),
                    _ => None,
                })
                .unwrap();
            assert_eq!(argv[0], program, "{file:?}");
            assert_eq!(argv.last().map(String::as_str), Some("go"));
        }
    }

    #[test]
    fn the_interactive_interface_takes_no_message() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());
        let agents = Agents::default();

        prompt(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            PromptRequest {
                mode: AgentMode::Interactive,
                ..request(&agents, Some("codex"), "")
            },
            ExecIo::Terminal,
            &|_| {},
        )
        .unwrap();
        let commands = sandbox.commands_run();
        assert_eq!(commands[0], CommandLine::Argv(vec!["codex".into()]));
        // Then its end is recorded, for `list`.
        assert_eq!(commands.len(), 2, "{commands:?}");
    }

    #[test]
    fn the_agent_is_marked_and_its_end_recorded_with_its_status() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .with_workspace(&api, &feat_x())
            .with_exit_status(CommandStatus(3));
        let agents = Agents::default();

        let status = prompt(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            request(&agents, Some("claude"), "go"),
            ExecIo::Terminal,
            &|_| {},
        )
        .unwrap();

        assert_eq!(status, CommandStatus(3));
        let agent_env = sandbox
            .environments()
            .into_iter()
            .find_map(|env| env.get(MARKER_VARIABLE).map(str::to_owned))
            .unwrap();
        let mark = AgentMark::parse(&agent_env).unwrap();
        assert_eq!(mark.name, "claude");
        let record = sandbox
            .commands_run()
            .into_iter()
            .find_map(|command| match command {
                CommandLine::Argv(argv)
                    if argv.iter().any(|a| a == crate::domain::LAST_RUN_RECORD) =>
                {
                    argv.last().cloned()
                }
                _ => None,
            })
            .unwrap();
        let run = LastRun::parse(&record).unwrap();
        assert_eq!(
            (run.name.as_str(), run.exit, run.started),
            ("claude", 3, mark.started)
        );
    }

    #[test]
    fn a_missing_workspace_is_not_found_in_the_chosen_sandbox() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker);
        let agents = Agents::default();

        let err = prompt(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            request(&agents, None, "hi"),
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
