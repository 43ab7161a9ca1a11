use skipper_core::usecases;

use super::Selection;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;

/// Run the coding agent with a message in a workspace.
///
/// Its output is streamed, and `sk` exits with the agent's exit code. `sk` says on stderr
/// what it starts where (not with `--quiet`). When stdout is not a terminal, the agent
/// gets none either, and `NO_COLOR=1`.
///
/// The agent is OpenCode (`opencode run <message>`) unless `agent.command` in config.toml
/// says otherwise, e.g. `command = ["claude", "-p", "{prompt}"]`.
#[derive(Debug, clap::Args)]
pub struct PromptArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// The message for the agent.
    #[arg(required = true, num_args = 1.., value_name = "MESSAGE")]
    pub message: Vec<String>,
}

pub fn run(context: &Context<'_>, args: &PromptArgs) -> Result<ExitStatus, CliError> {
    let (checkout, target, backend) = args.selection.resolve(context, Omitted::MainOrPick)?;
    let agent = context.config.agent.agent();
    let message = args.message.join(" ");
    // An agent may say nothing for long (a model to reach, none configured): say what
    // runs where first.
    let program = agent.0.first().map_or("the agent", String::as_str);
    context.printer.status(&format!(
        "Starting {program} in workspace {} ({target}) [{}]…",
        checkout.repository,
        backend.sandbox.kind()
    ));
    let status = usecases::prompt(
        backend,
        &checkout,
        &target,
        &agent,
        &message,
        crate::terminal::agent_io(),
        &|err| crate::setup::warn_unusable(context, err),
    )?;
    Ok(ExitStatus::Code(status.0))
}
