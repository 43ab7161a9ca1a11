use skipper_core::DetachOutcome;
use skipper_core::usecases;

use super::Selection;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::{self, Omitted};

/// End a workspace's interactive session.
///
/// Ends its tmux session; having none is fine.
#[derive(Debug, clap::Args)]
pub struct DetachArgs {
    #[command(flatten)]
    pub selection: Selection,
}

pub fn run(context: &Context<'_>, args: &DetachArgs) -> Result<ExitStatus, CliError> {
    let listing = context.backend(context.sandbox_kind())?;
    let checkout = picker::repository(listing.checkouts, args.selection.repository.as_deref())?;
    let target = picker::target(
        listing,
        &checkout,
        args.selection.branch.as_deref(),
        Omitted::MainOrPick,
    )?;
    let backend = context.backend_for(&checkout, &target)?;
    let message = match usecases::detach(backend, &checkout, &target)? {
        DetachOutcome::Ended => "Ended the session of",
        DetachOutcome::NoSession => "No session to end for",
        DetachOutcome::NotApplicable => "Nothing to detach: this sandbox keeps no session for",
    };
    context
        .printer
        .result(&format!("{message} {} ({target})", checkout.repository));
    Ok(ExitStatus::Success)
}
