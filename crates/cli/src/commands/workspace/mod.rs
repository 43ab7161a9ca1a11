//! `sk workspace`: one module per subcommand.

mod attach;
mod create;
mod detach;
mod list;
mod prompt;
mod remove;
mod run;

use clap::Subcommand;

use crate::context::Context;
use crate::error::{CliError, ExitStatus};

/// Work with workspaces: one per branch of a cloned repository.
#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    // Each variant's help is its arguments struct's doc comment.
    Create(create::CreateArgs),
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    Run(run::RunArgs),
    Attach(attach::AttachArgs),
    Detach(detach::DetachArgs),
    Prompt(prompt::PromptArgs),
    #[command(visible_alias = "rm")]
    Remove(remove::RemoveArgs),
}

pub fn dispatch(context: &Context<'_>, command: WorkspaceCommand) -> Result<ExitStatus, CliError> {
    match command {
        WorkspaceCommand::Create(args) => create::run(context, &args),
        WorkspaceCommand::List(args) => list::run(context, &args),
        WorkspaceCommand::Run(args) => run::run(context, args),
        WorkspaceCommand::Attach(args) => attach::run(context, &args),
        WorkspaceCommand::Detach(args) => detach::run(context, &args),
        WorkspaceCommand::Prompt(args) => prompt::run(context, &args),
        WorkspaceCommand::Remove(args) => remove::run(context, &args),
    }
}

/// `--repository` and `--branch`, shared by the workspace commands.
#[derive(Debug, clap::Args)]
pub struct Selection {
    /// The repository: `name`, or `owner/name` when two clones share a name. Omitted: a
    /// picker on a terminal.
    #[arg(short, long, value_name = "REPOSITORY")]
    pub repository: Option<String>,

    /// The workspace's branch.
    #[arg(short, long, value_name = "BRANCH")]
    pub branch: Option<String>,
}
