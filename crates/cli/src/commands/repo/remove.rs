use skipper_core::{RepositoryQuery, SavedWork, usecases};

use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::printer::untrusted;
use crate::saved;

/// Remove a cloned repository: its workspaces, containers, images and host checkout.
///
/// Removes every workspace of the repository in every sandbox, its main container and
/// snapshot images (Docker), and its host checkout, saying what it removed.
///
/// Refuses, removing nothing, when any workspace or the host checkout holds work that
/// would be lost: uncommitted changes, untracked files, branches with commits that no
/// remote branch contains, a stash, tags on such commits, notes or nested repositories
/// with work of their own; each workspace's is listed. `--force` saves that work under the
/// data root first, as `sk workspace remove --force` does; `sk workspace saved` lists it.
/// Saved work and the remote are never touched.
#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    /// The repository: `name`, or `owner/name` when two clones share a name.
    #[arg(short, long, value_name = "REPOSITORY",
          add = clap_complete::ArgValueCompleter::new(crate::completion::repositories))]
    pub repository: String,

    /// Save the work at risk, then remove anyway.
    #[arg(short, long)]
    pub force: bool,
}

pub fn run(context: &Context<'_>, args: &RemoveArgs) -> Result<ExitStatus, CliError> {
    let query = RepositoryQuery::parse(&args.repository)?;
    let checkout = usecases::resolve_checkout(context.checkouts(), &query)?;
    let (worktree, others) = context.every_backend()?;
    let removed = usecases::remove_repository(worktree, &others, &checkout, args.force)?;
    let printer = context.printer;
    for workspace in &removed.workspaces {
        if let Some(saved) = &workspace.preserved {
            say_saved(context, saved, true);
        }
        for line in &workspace.unsaved {
            printer.warning(&format!("not saved: {line}"));
        }
        printer.result(&format!("Removed workspace {}", workspace.reference));
    }
    for main in &removed.mains {
        if let Some(saved) = &main.preserved {
            say_saved(context, saved, false);
        }
        let name = match &main.workspace.location {
            skipper_core::WorkspaceLocation::Container { name, .. } => name.clone(),
            skipper_core::WorkspaceLocation::Host(path) => path.display().to_string(),
        };
        printer.result(&format!(
            "Removed main container {} ({})",
            untrusted(&name),
            main.workspace.reference
        ));
    }
    for forgotten in &removed.forgotten {
        let size = forgotten
            .bytes
            .map(|bytes| format!(" ({})", saved::human_size(bytes)))
            .unwrap_or_default();
        printer.result(&format!("Removed {}{size}", untrusted(&forgotten.what)));
    }
    if let Some(saved) = &removed.checkout_saved {
        say_saved(context, saved, false);
    }
    printer.result(&format!(
        "Removed host checkout {}",
        untrusted(&removed.checkout.display().to_string())
    ));
    Ok(ExitStatus::Success)
}

/// A save, named by its id; a branch workspace's with the command that restores it, a main
/// workspace's (which `restore` cannot make) with the way into its bundle.
fn say_saved(context: &Context<'_>, saved: &SavedWork, restorable: bool) {
    let printer = context.printer;
    printer.result(&format!(
        "Saved the work at risk as {} ({}) in {}",
        saved.id,
        saved::summary(&saved.contents),
        untrusted(&saved.dir.display().to_string())
    ));
    for line in &saved.contents.unsaved {
        printer.warning(&format!("not saved: {line}"));
    }
    if restorable {
        printer.result(&format!(
            "  Restore it with: sk workspace restore --repository {} --branch {} --saved {}",
            saved.repository, saved.branch, saved.id
        ));
    } else if let Some(bundle) = &saved.bundle {
        printer.result(&format!(
            "  Get it back in any clone with: git fetch {} 'refs/skipper/saved/{}/*:refs/sk-restored/*' (save.json beside it names each ref)",
            untrusted(&bundle.display().to_string()),
            saved.id
        ));
    }
}
