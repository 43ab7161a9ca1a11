use skipper_core::{SandboxKind, WorkspaceTarget, usecases};

use super::{Selection, scratch, warn_fetch, with_existing};
use crate::cli::SandboxArg;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;
use crate::saved::parts;

/// Move a branch's workspace to the other sandbox, with all its work.
///
/// Carries the branch's commits, staged, unstaged and untracked files, stash, tags and
/// nested repositories over to a new workspace in the sandbox `--to` names, checks that the
/// new one has the same `HEAD`, the same `git status` and the same diff as the old one, and
/// only then removes the old one. On any failure the old workspace is left untouched and the
/// half-made new one is removed. Ignored files stay behind, as with `remove`. The agents'
/// conversations come along as far as their files allow (OpenCode's as its own export).
#[derive(Debug, clap::Args)]
pub struct MoveArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// The sandbox to move the workspace to.
    #[arg(long, value_enum, value_name = "SANDBOX")]
    pub to: SandboxArg,
}

pub fn run(context: &Context<'_>, args: &MoveArgs) -> Result<ExitStatus, CliError> {
    let (checkout, target, from) = args.selection.resolve(context, Omitted::PickBranch)?;
    let WorkspaceTarget::Branch(branch) = &target else {
        return Err(CliError::usage(
            "the main workspace stays where the repository was cloned: only branch workspaces move",
        )
        .hint("name the branch to move with --branch"));
    };
    let to = context.backend(match args.to {
        SandboxArg::Worktree => SandboxKind::Worktree,
        SandboxArg::Docker => SandboxKind::Docker,
    })?;
    let scratch = scratch(context)?;
    let (agents, _) = context.config.agents(&context.paths)?;
    let moved = usecases::move_workspace(
        from,
        to,
        &checkout,
        branch,
        scratch.path(),
        context.port_plan()?,
        &agents,
    )
    .map_err(|err| with_existing(context, &checkout, err))?;
    if let Some(warning) = &moved.fetch_warning {
        warn_fetch(context, warning);
    }
    let carried = parts(&moved.carried.contents);
    let what = if carried.is_empty() {
        "nothing uncommitted or unpushed to carry".to_owned()
    } else {
        carried.join(", ")
    };
    context.printer.result(&format!(
        "Moved workspace {} from the {} sandbox to the {} sandbox ({what})",
        moved.workspace.reference, moved.from, moved.workspace.sandbox,
    ));
    for agent in &moved.conversations {
        context.printer.status(&format!(
            "Its conversation with {agent} came along: `sk workspace prompt` continues it"
        ));
    }
    for line in &moved.conversations_left {
        context.printer.warning(&format!("left behind: {line}"));
    }
    if let Some(leftover) = &moved.leftover {
        context.printer.warning(leftover);
    }
    Ok(ExitStatus::Success)
}
