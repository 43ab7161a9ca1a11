use skipper_core::usecases;
use skipper_core::{SandboxKind, StopOutcome};

use super::Selection;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;

/// End what runs in a workspace: its session, or its container.
///
/// Worktree sandbox: ends its tmux session and every process in it. Docker sandbox: stops
/// its container (and every process in it); the container and its files stay. Nothing
/// running is fine. `run` and `attach` start it again; the workspace and its work stay.
#[derive(Debug, clap::Args)]
pub struct StopArgs {
    #[command(flatten)]
    pub selection: Selection,
}

pub fn run(context: &Context<'_>, args: &StopArgs) -> Result<ExitStatus, CliError> {
    let (checkout, target, backend) = args.selection.resolve(context, Omitted::MainOrPick)?;
    let outcome = usecases::stop(backend, &checkout, &target)
        .map_err(|err| super::with_existing(context, &checkout, err))?;
    let what = match backend.sandbox.kind() {
        SandboxKind::Worktree => "tmux session",
        SandboxKind::Docker => "container",
    };
    let line = match outcome {
        StopOutcome::Stopped { name } => match backend.sandbox.kind() {
            SandboxKind::Worktree => format!("Ended {what} {name} and the processes in it"),
            SandboxKind::Docker => format!("Stopped {what} {name} and the processes in it"),
        },
        StopOutcome::NotRunning { name } => {
            format!("Nothing to stop: {what} {name} is not running")
        }
    };
    context
        .printer
        .result(&format!("{line} ({} ({target}))", checkout.repository));
    Ok(ExitStatus::Success)
}
