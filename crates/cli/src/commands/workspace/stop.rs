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
    let of = format!("of {} ({target})", checkout.repository);
    let (what, ended) = match backend.sandbox.kind() {
        SandboxKind::Worktree => ("tmux session", "Ended"),
        SandboxKind::Docker => ("container", "Stopped"),
    };
    context.printer.result(&match outcome {
        StopOutcome::Stopped { name } => {
            format!("{ended} {what} {name} {of} and the processes in it")
        }
        StopOutcome::NotRunning { name } => {
            format!("Nothing to stop: {what} {name} {of} is not running")
        }
    });
    Ok(ExitStatus::Success)
}
