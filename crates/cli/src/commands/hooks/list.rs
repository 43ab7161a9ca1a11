use skipper_core::HookStage;
use skipper_core::usecases::{self, display_command};

use super::RepositoryArg;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::printer::untrusted;

/// Show the hooks that would run in a repository's workspaces, and whether they are
/// approved.
///
/// Your own hooks (config.toml) first, then those of `.skipper.toml` at the tip of
/// `origin/<default branch>` (fetched first): the commit new workspaces start from.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub repository: RepositoryArg,
}

pub fn run(context: &Context<'_>, args: &ListArgs) -> Result<ExitStatus, CliError> {
    let checkout = args.repository.checkout(context)?;
    let (project, config) = super::default_branch_project(context, &checkout)?;
    let user = &context.config.hooks;
    let mut lines = Vec::new();
    for stage in HookStage::ALL {
        for command in user.of(stage) {
            lines.push(format!(
                "{stage}  yours     {}",
                untrusted(&display_command(command))
            ));
        }
    }
    let approved =
        usecases::hooks_approved(context.approvals(), &checkout.repository, &config.hooks)?;
    let state = if approved { "approved" } else { "unapproved" };
    for stage in HookStage::ALL {
        for command in config.hooks.of(stage) {
            lines.push(format!(
                "{stage}  project   {}  [{state}]",
                untrusted(&display_command(command))
            ));
        }
    }
    if lines.is_empty() {
        context.printer.status(&format!(
            "No hooks: neither config.toml nor .skipper.toml at origin/{} has any",
            project.default_branch
        ));
    }
    for line in lines {
        context.printer.result(&line);
    }
    if !approved && !config.hooks.is_empty() {
        context.printer.status(&format!(
            "Approve the project's hooks with: sk hooks approve -r {}",
            checkout.repository
        ));
    }
    Ok(ExitStatus::Success)
}
