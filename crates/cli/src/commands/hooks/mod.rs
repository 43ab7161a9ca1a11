//! `sk hooks`: one module per subcommand.

mod approve;
mod list;
mod revoke;

use clap::Subcommand;
use skipper_core::usecases::{self, DefaultBranchProject};
use skipper_core::{Checkout, SandboxKind};

use crate::context::Context;
use crate::error::{CliError, ExitStatus};

/// Review, approve and revoke the hook commands of a repository's `.skipper.toml`.
///
/// A repository's hooks run in its workspaces only once you approved that exact set of
/// commands for it; a changed file needs approving again. Your own hooks (`[hooks]` in
/// config.toml) need no approval.
#[derive(Debug, Subcommand)]
pub enum HooksCommand {
    // Each variant's help is its arguments struct's doc comment.
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    Approve(approve::ApproveArgs),
    Revoke(revoke::RevokeArgs),
}

pub fn dispatch(context: &Context<'_>, command: HooksCommand) -> Result<ExitStatus, CliError> {
    match command {
        HooksCommand::List(args) => list::run(context, &args),
        HooksCommand::Approve(args) => approve::run(context, &args),
        HooksCommand::Revoke(args) => revoke::run(context, &args),
    }
}

/// `--repository`, shared by the hooks commands.
#[derive(Debug, clap::Args)]
pub struct RepositoryArg {
    /// The repository: `name`, or `owner/name` when two clones share a name. Omitted: a
    /// picker on a terminal.
    #[arg(short, long, value_name = "REPOSITORY",
          add = clap_complete::ArgValueCompleter::new(crate::completion::repositories))]
    pub repository: Option<String>,
}

impl RepositoryArg {
    pub fn checkout(&self, context: &Context<'_>) -> Result<Checkout, CliError> {
        crate::picker::repository(context.checkouts(), self.repository.as_deref())
    }
}

/// The project file at the tip of `origin/<default branch>`, fetched first (a failed fetch
/// is warned of). An unusable file is the error.
fn default_branch_project(
    context: &Context<'_>,
    checkout: &Checkout,
) -> Result<(DefaultBranchProject, skipper_core::ProjectConfig), CliError> {
    // Only the host checkout is read: the worktree sandbox's ports are enough.
    let backend = context.backend(SandboxKind::Worktree)?;
    let project = usecases::default_branch_project(backend, checkout)?;
    if let Some(warning) = &project.fetch_warning {
        crate::commands::workspace::warn_fetch(context, warning);
    }
    if let Some(problem) = project.file.problem() {
        return Err(usecases::WorkspaceError::from(problem.clone()).into());
    }
    let config = project.file.config();
    Ok((project, config))
}
