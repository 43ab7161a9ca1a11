use skipper_core::usecases;

use super::Selection;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;
use crate::saved;

/// Remove a branch's workspace.
///
/// Ends its session and removes it; the branch itself is kept.
///
/// Refuses, changing nothing, when the workspace has uncommitted changes, untracked files,
/// commits that no remote branch contains, a stash, new tags or notes, or nested
/// repositories with work of their own. `--force` removes it anyway after saving that work
/// under the data root; `sk workspace restore` brings it back and `sk workspace saved`
/// lists it. Ignored files are deleted with the workspace: `remove` says which.
///
/// A removal that was interrupted (killed, Ctrl-C) is finished by running `remove` again.
#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// Save the work at risk, then remove anyway.
    #[arg(short, long)]
    pub force: bool,
}

pub fn run(context: &Context<'_>, args: &RemoveArgs) -> Result<ExitStatus, CliError> {
    let (checkout, target, backend) = args.selection.resolve(context, Omitted::PickBranch)?;
    let removed = usecases::remove(backend, &checkout, &target, args.force)?;
    if removed.resumed {
        context
            .printer
            .status("Finishing a removal that was interrupted");
    }
    if let Some(saved) = &removed.preserved {
        let verb = if removed.resumed {
            "The interrupted removal saved the work as"
        } else {
            "Saved the work at risk as"
        };
        context.printer.result(&format!(
            "{verb} {} ({}) in {}",
            saved.id,
            saved::summary(&saved.contents),
            saved.dir.display()
        ));
        for line in &saved.contents.unsaved {
            context.printer.warning(&format!("not saved: {line}"));
        }
        context.printer.result(&format!(
            "  Restore it with: sk workspace restore --repository {} --branch {} --saved {}",
            saved.repository, saved.branch, saved.id
        ));
    }
    for line in &removed.unsaved {
        context.printer.warning(&format!("not saved: {line}"));
    }
    if !removed.ignored.paths.is_empty() {
        context.printer.status(&format!(
            "Deleted with it: {}, {}: {}",
            crate::words::count(removed.ignored.paths.len(), "ignored path", "ignored paths"),
            saved::human_size(removed.ignored.bytes),
            crate::risk::some_paths(&removed.ignored.paths)
        ));
    }
    context
        .printer
        .result(&format!("Removed workspace {}", removed.reference));
    Ok(ExitStatus::Success)
}
