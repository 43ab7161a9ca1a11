use skipper_core::usecases;
use skipper_core::{RefChange, SyncReport};

use super::fetch::short;
use super::{Selection, scratch, warn_fetch, with_existing};
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;

/// Bring the remote's branches up to date in a workspace.
///
/// Fetches `origin` into the host checkout, then sets the workspace's remote-tracking
/// branches (`origin/*`) to the host's: updated, added, and removed where origin has them
/// no more, with only the objects the workspace lacks. The workspace's own branch, index,
/// working tree and stash are never touched: merge or rebase there yourself. A worktree
/// shares the host checkout's remote branches, so the fetch is all. Without `--branch`,
/// the main workspace.
///
/// Example: `sk workspace sync -r api -b feat/x`.
#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub selection: Selection,
}

pub fn run(context: &Context<'_>, args: &SyncArgs) -> Result<ExitStatus, CliError> {
    let (checkout, target, backend) = args.selection.resolve(context, Omitted::MainOrPick)?;
    let scratch = scratch(context)?;
    let synced = usecases::sync(backend, &checkout, &target, scratch.path())
        .map_err(|err| with_existing(context, &checkout, err))?;
    if let Some(warning) = &synced.fetch_warning {
        warn_fetch(context, warning);
    }
    let reference = &synced.reference;
    match &synced.report {
        SyncReport::Shared => context.printer.result(&format!(
            "Fetched origin into the host checkout; workspace {reference} is a worktree sharing its remote branches, so that is all"
        )),
        SyncReport::Synced { changes, skipped } => {
            for line in skipped {
                context.printer.warning(&format!("not synced: {line}"));
            }
            if changes.is_empty() {
                context.printer.result(&format!(
                    "Workspace {reference}'s remote branches are up to date with origin"
                ));
            } else {
                let count = |pick: fn(&RefChange) -> bool| changes.iter().filter(|c| pick(c)).count();
                context.printer.result(&format!(
                    "Synced origin's branches into workspace {reference}: {} updated, {} added, {} removed",
                    count(|c| c.old.is_some() && c.new.is_some()),
                    count(|c| c.old.is_none()),
                    count(|c| c.new.is_none()),
                ));
                for change in changes {
                    context.printer.result(&format!("  {}", describe(change)));
                }
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// One ref's change, for people.
fn describe(change: &RefChange) -> String {
    match (&change.old, &change.new) {
        (Some(old), Some(new)) => format!("{}: {}..{}", change.name, short(old), short(new)),
        (None, Some(new)) => format!("{}: added at {}", change.name, short(new)),
        (Some(old), None) => format!("{}: removed (was at {})", change.name, short(old)),
        (None, None) => change.name.clone(),
    }
}
