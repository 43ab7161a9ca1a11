use skipper_core::DetachOutcome;
use skipper_core::usecases;

use super::Selection;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;

/// Detach from a workspace's interactive session; it keeps running.
///
/// Detaches every client of its tmux session (as tmux's own `detach` does, also when run
/// from inside the session): the session and the processes in it keep running, and
/// `attach` comes back to them. Nobody attached, or no session, is fine. `sk workspace
/// stop` ends the session. A Docker workspace keeps no session: nothing to do.
#[derive(Debug, clap::Args)]
pub struct DetachArgs {
    #[command(flatten)]
    pub selection: Selection,
}

pub fn run(context: &Context<'_>, args: &DetachArgs) -> Result<ExitStatus, CliError> {
    let (checkout, target, backend) = args.selection.resolve(context, Omitted::MainOrPick)?;
    let message = match usecases::detach(backend, &checkout, &target)? {
        DetachOutcome::Detached => "Detached from the session (it keeps running) of",
        DetachOutcome::NotAttached => "Nobody is attached to the session (it keeps running) of",
        DetachOutcome::NoSession if backend.sandbox.keeps_sessions() => {
            "No session to detach from for"
        }
        DetachOutcome::NoSession => "Nothing to detach: this sandbox keeps no session for",
    };
    context
        .printer
        .result(&format!("{message} {} ({target})", checkout.repository));
    Ok(ExitStatus::Success)
}
