use skipper_core::ApprovalStore as _;

use super::RepositoryArg;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};

/// Forget every approval of a repository's hook commands.
///
/// Its `.skipper.toml` hooks are then asked about again (or skipped without a terminal).
#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    pub repository: RepositoryArg,
}

pub fn run(context: &Context<'_>, args: &RevokeArgs) -> Result<ExitStatus, CliError> {
    let checkout = args.repository.checkout(context)?;
    let forgotten = context
        .approvals()
        .revoke(&checkout.repository)
        .map_err(skipper_core::usecases::WorkspaceError::from)?;
    context.printer.result(&format!(
        "Forgot {} of {}'s hooks",
        crate::words::count(forgotten, "approval", "approvals"),
        checkout.repository
    ));
    Ok(ExitStatus::Success)
}
