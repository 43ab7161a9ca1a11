//! `sk workspace`: one module per subcommand.

mod attach;
mod carrying;
pub mod create;
mod detach;
pub mod diff;
pub mod fetch;
pub mod list;
mod moving;
mod prompt;
mod pull_request;
mod push;
pub mod remove;
mod restore;
mod run;
mod saved;
mod stop;
mod sync;

use clap::Subcommand;
use skipper_core::usecases::{self, Backend, WorkspaceError};
use skipper_core::{Checkout, WorkspaceTarget};
use skipper_git::{Layout, ScratchDir};

use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::{self, Omitted};

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
    Stop(stop::StopArgs),
    Prompt(prompt::PromptArgs),
    #[command(visible_alias = "rm")]
    Remove(remove::RemoveArgs),
    Saved(saved::SavedArgs),
    Restore(restore::RestoreArgs),
    Fetch(fetch::FetchArgs),
    Push(push::PushArgs),
    Sync(sync::SyncArgs),
    Move(moving::MoveArgs),
    Diff(diff::DiffArgs),
}

pub fn dispatch(context: &Context<'_>, command: WorkspaceCommand) -> Result<ExitStatus, CliError> {
    match command {
        WorkspaceCommand::Create(args) => create::run(context, &args),
        WorkspaceCommand::List(args) => list::run(context, &args),
        WorkspaceCommand::Run(args) => run::run(context, args),
        WorkspaceCommand::Attach(args) => attach::run(context, &args),
        WorkspaceCommand::Detach(args) => detach::run(context, &args),
        WorkspaceCommand::Stop(args) => stop::run(context, &args),
        WorkspaceCommand::Prompt(args) => prompt::run(context, &args),
        WorkspaceCommand::Remove(args) => remove::run(context, &args),
        WorkspaceCommand::Saved(args) => saved::run(context, &args),
        WorkspaceCommand::Restore(args) => restore::run(context, &args),
        WorkspaceCommand::Fetch(args) => fetch::run(context, &args),
        WorkspaceCommand::Push(args) => push::run(context, &args),
        WorkspaceCommand::Sync(args) => sync::run(context, &args),
        WorkspaceCommand::Move(args) => moving::run(context, &args),
        WorkspaceCommand::Diff(args) => diff::run(context, &args),
    }
}

/// Prints that fetching `origin` failed and what `sk` did instead.
pub fn warn_fetch(context: &Context<'_>, warning: &str) {
    context.printer.warning(&format!(
        "could not fetch origin; using the last known remote branches\n  {warning}"
    ));
}

/// A scratch directory for the bundles one command moves, deleted when it is dropped.
pub fn scratch(context: &Context<'_>) -> Result<ScratchDir, CliError> {
    let layout = Layout::new(context.paths.data_root.clone());
    ScratchDir::new(&layout).map_err(|err| {
        CliError::failure(format!(
            "cannot make a scratch directory under {}: {err}",
            layout.staging().display()
        ))
    })
}

/// `--repository` and `--branch`, shared by the workspace commands.
#[derive(Debug, clap::Args)]
pub struct Selection {
    /// The repository: `name`, or `owner/name` when two clones share a name. Omitted: a
    /// picker on a terminal.
    #[arg(short, long, value_name = "REPOSITORY",
          add = clap_complete::ArgValueCompleter::new(crate::completion::repositories))]
    pub repository: Option<String>,

    /// The workspace's branch.
    #[arg(short, long, value_name = "BRANCH",
          add = clap_complete::ArgValueCompleter::new(crate::completion::branches))]
    pub branch: Option<String>,
}

impl Selection {
    /// The repository, the workspace and the backend holding it: from the command line,
    /// else picked on a terminal (see [`Omitted`]); the backend is `--sandbox`'s, else the
    /// picked entry's, else the one where the workspace exists.
    pub fn resolve<'c>(
        &self,
        context: &'c Context<'_>,
        omitted: Omitted,
    ) -> Result<(Checkout, WorkspaceTarget, Backend<'c>), CliError> {
        let checkout = picker::repository(context.checkouts(), self.repository.as_deref())?;
        let (target, picked) = picker::target(context, &checkout, self.branch.as_deref(), omitted)?;
        // The entry picked names its sandbox; `--sandbox` was the picker's only one.
        let backend = match picked {
            Some(kind) => context.backend(kind)?,
            None => context.backend_for(&checkout, &target)?,
        };
        Ok((checkout, target, backend))
    }
}

/// `err` for the user; when it is a workspace that does not exist, with the branch
/// workspaces of its repository that do (in every sandbox that answers).
pub fn with_existing(context: &Context<'_>, checkout: &Checkout, err: WorkspaceError) -> CliError {
    let missing = matches!(err, WorkspaceError::WorkspaceNotFound { .. });
    let mut error = CliError::from(err);
    if !missing {
        return error;
    }
    let Ok(registries) = context.registries() else {
        return error;
    };
    let Ok(listing) = usecases::list(&registries, std::slice::from_ref(checkout)) else {
        return error;
    };
    let existing: Vec<String> = listing
        .workspaces
        .iter()
        .filter_map(|workspace| {
            let branch = workspace.reference.target.branch()?;
            Some(if registries.len() > 1 {
                format!("{branch} [{}]", workspace.sandbox)
            } else {
                branch.to_string()
            })
        })
        .collect();
    let listed = if existing.is_empty() {
        format!("{} has no branch workspace yet", checkout.repository)
    } else {
        format!(
            "workspaces of {}: {}",
            checkout.repository,
            existing.join(", ")
        )
    };
    // What exists first, then how to make what does not.
    error.hints.insert(0, listed);
    error
}
