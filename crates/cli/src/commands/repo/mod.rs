//! `sk repo`: one module per subcommand.

mod list;
mod remove;

use clap::Subcommand;

use crate::context::Context;
use crate::error::{CliError, ExitStatus};

/// Work with cloned repositories: their host checkouts.
#[derive(Debug, Subcommand)]
pub enum RepoCommand {
    // Each variant's help is its arguments struct's doc comment.
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    #[command(visible_alias = "rm")]
    Remove(remove::RemoveArgs),
}

pub fn dispatch(context: &Context<'_>, command: RepoCommand) -> Result<ExitStatus, CliError> {
    match command {
        RepoCommand::List(args) => list::run(context, &args),
        RepoCommand::Remove(args) => remove::run(context, &args),
    }
}
