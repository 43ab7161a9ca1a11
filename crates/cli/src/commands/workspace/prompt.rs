use skipper_core::usecases;

use super::Selection;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;

/// Run the coding agent with a message in a workspace.
///
/// Its output is streamed, and `sk` exits with the agent's exit code.
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
    let status = usecases::prompt(
        backend,
        &checkout,
        &target,
        &agent,
        &message,
        crate::terminal::exec_io(),
    )?;
    Ok(ExitStatus::Code(status.0))
}
