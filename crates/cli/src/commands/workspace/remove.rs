use skipper_core::usecases;

use super::Selection;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;

/// Remove a branch's workspace.
///
/// Ends its session and removes it; the branch itself is kept.
///
/// Refuses, changing nothing, when the workspace has uncommitted changes, untracked files
/// or commits that no remote branch contains. `--force` removes it anyway after saving that
/// work under the data root, and prints where.
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
    if let Some(preserved) = &removed.preserved {
        context.printer.result(&format!(
            "Saved the work at risk to {}:",
            preserved.saved_to.display()
        ));
        for line in &preserved.contents {
            context.printer.result(&format!("  - {line}"));
        }
        context
            .printer
            .result(&format!("  To restore: {}", preserved.restore_hint));
    }
    context
        .printer
        .result(&format!("Removed workspace {}", removed.reference));
    Ok(ExitStatus::Success)
}
