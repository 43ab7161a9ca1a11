use skipper_core::usecases;

use super::RepositoryArg;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};

/// Approve the hook commands of a repository's `.skipper.toml`.
///
/// Approves the commands of `.skipper.toml` at the tip of `origin/<default branch>`, after
/// fetching `origin`: the commit new workspaces start from. They are printed first. A
/// branch whose file has other commands is asked about (or skipped, without a terminal)
/// when its workspace is made.
#[derive(Debug, clap::Args)]
pub struct ApproveArgs {
    #[command(flatten)]
    pub repository: RepositoryArg,
}

pub fn run(context: &Context<'_>, args: &ApproveArgs) -> Result<ExitStatus, CliError> {
    let checkout = args.repository.checkout(context)?;
    let (project, config) = super::default_branch_project(context, &checkout)?;
    if config.hooks.is_empty() {
        context.printer.result(&format!(
            ".skipper.toml at origin/{} of {} has no hooks: nothing to approve",
            project.default_branch, checkout.repository
        ));
        return Ok(ExitStatus::Success);
    }
    usecases::approve_hooks(context.approvals(), &checkout.repository, &config.hooks)?;
    context.printer.result(&format!(
        "Approved the hooks of {}'s .skipper.toml at origin/{}:{}",
        checkout.repository,
        project.default_branch,
        crate::setup::listing(&config.hooks)
    ));
    Ok(ExitStatus::Success)
}
