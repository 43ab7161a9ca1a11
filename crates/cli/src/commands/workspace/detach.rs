use skipper_core::DetachOutcome;
use skipper_core::usecases;

use super::Selection;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;

/// End a workspace's interactive session.
///
/// Ends its tmux session; having none is fine.
#[derive(Debug, clap::Args)]
pub struct DetachArgs {
    #[command(flatten)]
    pub selection: Selection,
}

pub fn run(context: &Context<'_>, args: &DetachArgs) -> Result<ExitStatus, CliError> {
    let (checkout, target, backend) = args.selection.resolve(context, Omitted::MainOrPick)?;
    let message = match usecases::detach(backend, &checkout, &target)? {
        DetachOutcome::Ended => "Ended the session of",
        DetachOutcome::NoSession if backend.sandbox.keeps_sessions() => "No session to end for",
        DetachOutcome::NoSession => "Nothing to detach: this sandbox keeps no session for",
    };
    context
        .printer
        .result(&format!("{message} {} ({target})", checkout.repository));
    Ok(ExitStatus::Success)
}
