use skipper_core::usecases;
use skipper_core::{BranchName, SaveId};

use super::{Selection, warn_fetch};
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker;
use crate::saved::summary;

/// Recreate a removed workspace from the work `remove --force` saved.
///
/// Makes the workspace again, in the sandbox it was saved from unless `--sandbox` says
/// otherwise, and puts everything back: the branch at its saved tip, every modified,
/// staged and untracked file, the stash entries, tags, notes and other refs, and the agents'
/// conversations kept with it, which the next `prompt` continues. Takes the
/// branch's latest save unless `--saved` names one. Refuses when the workspace exists.
/// The save is kept until `sk workspace saved drop` deletes it.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// The save to restore, as `sk workspace saved` lists it; else the branch's latest.
    #[arg(long, value_name = "ID")]
    pub saved: Option<String>,
}

pub fn run(context: &Context<'_>, args: &RestoreArgs) -> Result<ExitStatus, CliError> {
    let checkout = picker::repository(context.checkouts(), args.selection.repository.as_deref())?;
    let id = args.saved.as_deref().map(SaveId::new).transpose()?;
    let branch = match &args.selection.branch {
        Some(branch) => BranchName::new(branch)?,
        None => match &id {
            // The save names its branch.
            Some(id) => context.saves_get(id)?.branch,
            None => {
                return Err(CliError::usage("name the branch to restore with --branch")
                    .hint("`sk workspace saved` lists the saved work"));
            }
        },
    };
    let saved = usecases::find_saved(context.saves(), &checkout, &branch, id.as_ref())?;
    let kind = context.choice.explicit.unwrap_or(saved.sandbox);
    let backend = context.backend(kind)?;
    let what = summary(&saved.contents);
    let id = saved.id.clone();
    let (agents, _) = context.config.agents(&context.paths)?;
    let restored = usecases::restore(
        backend,
        &context.other_registries(kind),
        &checkout,
        saved,
        context.port_plan()?,
        &agents,
    )?;
    if let Some(warning) = &restored.fetch_warning {
        warn_fetch(context, warning);
    }
    context.printer.result(&format!(
        "Restored workspace {} in the {} sandbox from saved work {id} ({what})",
        restored.workspace.reference, restored.workspace.sandbox
    ));
    for agent in &restored.conversations {
        context.printer.status(&format!(
            "Its conversation with {agent} is back: `sk workspace prompt` continues it"
        ));
    }
    for line in &restored.conversations_not_back {
        context.printer.warning(&format!("not put back: {line}"));
    }
    context.printer.status(&format!(
        "The save is kept; drop it with `sk workspace saved drop {id}`"
    ));
    Ok(ExitStatus::Success)
}
