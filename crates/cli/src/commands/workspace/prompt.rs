use skipper_core::usecases::{self, PromptRequest};
use skipper_core::{AgentMode, ExecIo};

use super::Selection;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;

/// Run the coding agent in a workspace, with a message or interactively.
///
/// With a message, the agent's output is streamed and `sk` exits with the agent's exit
/// code; when stdout is not a terminal, the agent gets none either, and `NO_COLOR=1`.
/// Without one, on a terminal, the agent's own interface opens in the workspace. `sk` says
/// on stderr what it starts where (not with `--quiet`).
///
/// A prompt continues the workspace's last conversation with that agent (OpenCode's by its
/// session, recorded in the workspace; others' by their own "continue" in its directory);
/// `--new` starts another.
///
/// The agent is `--agent`'s, else `agent` in config.toml, else `agent` in the repository's
/// `.skipper.toml`, else OpenCode. Built in: opencode, claude (Claude Code), codex (Codex
/// CLI), gemini (Gemini CLI) and aider; `[agents.NAME]` in config.toml changes one or
/// defines another.
#[derive(Debug, clap::Args)]
pub struct PromptArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// The agent to run: a preset (opencode, claude, codex, gemini, aider) or one of
    /// `[agents]` in config.toml.
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,

    /// Start a new conversation instead of continuing the workspace's last one.
    #[arg(long)]
    pub new: bool,

    /// Give the agent secret NAME of `[secrets]` in config.toml, in its environment only
    /// (repeatable). The secrets the agent's preset declares (its API keys) are given
    /// without it when configured.
    #[arg(long = "secret", value_name = "NAME")]
    pub secrets: Vec<String>,

    /// The message for the agent; none opens its interactive interface (on a terminal).
    #[arg(num_args = 0.., value_name = "MESSAGE")]
    pub message: Vec<String>,
}

pub fn run(context: &Context<'_>, args: &PromptArgs) -> Result<ExitStatus, CliError> {
    let (agents, configured) = context.config.agents(&context.paths)?;
    let chosen = args.agent.clone().or(configured);
    let io = crate::terminal::agent_io();
    let mode = if args.message.is_empty() {
        if !matches!(io, ExecIo::Terminal) {
            return Err(CliError::usage(
                "no message for the agent, and no terminal for its interactive interface",
            )
            .hint("give the message as arguments: sk workspace prompt -r R -b B 'fix the failing test'"));
        }
        AgentMode::Interactive
    } else {
        AgentMode::Prompt
    };
    let (checkout, target, backend) = args.selection.resolve(context, Omitted::MainOrPick)?;
    let message = args.message.join(" ");
    // An agent may say nothing for long (a model to reach, none configured): say what
    // runs where first.
    let announce = |preset: &skipper_core::AgentPreset| {
        context.printer.status(&format!(
            "Starting {} in workspace {} ({target}) [{}]…",
            preset.name,
            checkout.repository,
            backend.sandbox.kind()
        ));
    };
    let status = usecases::prompt(
        backend,
        &checkout,
        &target,
        PromptRequest {
            agents: &agents,
            agent: chosen.as_deref(),
            mode,
            message: &message,
            new_conversation: args.new,
            announce: &announce,
            secrets: &|preset| {
                crate::secrets::resolve(
                    &context.config.secrets,
                    &context.paths,
                    &args.secrets,
                    &preset.secrets,
                )
                .map_err(Into::into)
            },
        },
        io,
        &|err| crate::setup::warn_unusable(context, err),
    )?;
    Ok(ExitStatus::Code(status.0))
}
