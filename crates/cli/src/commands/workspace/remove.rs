use skipper_core::usecases::{self, Backend, Removed};
use skipper_core::{Checkout, WorkspaceTarget};

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
/// under the data root, with the agents' conversations where their files allow (OpenCode's
/// as its own export); `sk workspace restore` brings them back and `sk workspace saved`
/// lists them. Ignored files are deleted with the workspace: `remove` says which.
///
/// Once nothing would be lost (or `--force` saved it), the pre-remove hooks run in the
/// workspace: yours, then the approved ones of the repository's `.skipper.toml` at the
/// workspace's `HEAD`. A failing one stops the removal, unless `--force`.
///
/// A removal that was interrupted (killed, Ctrl-C) is finished by running `remove` again.
#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// Save the work at risk, then remove anyway (also past a failing pre-remove hook).
    #[arg(short, long)]
    pub force: bool,

    /// Run no hooks, yours or the project's.
    #[arg(long)]
    pub no_hooks: bool,
}

pub fn run(context: &Context<'_>, args: &RemoveArgs) -> Result<ExitStatus, CliError> {
    let (checkout, target, backend) = args.selection.resolve(context, Omitted::PickBranch)?;
    remove(
        context,
        &checkout,
        &target,
        backend,
        args.force,
        args.no_hooks,
    )?;
    Ok(ExitStatus::Success)
}

/// Removes `target` of `checkout` from `backend` (`force`: saving its work at risk first,
/// and past a failing pre-remove hook), and says what went and what was saved.
pub fn remove(
    context: &Context<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    backend: Backend<'_>,
    force: bool,
    no_hooks: bool,
) -> Result<Removed, CliError> {
    #[allow(
        clippy::result_large_err,
        reason = "the use case's own error type, as every use case returns it"
    )]
    let mut pre_remove = |workspace: &skipper_core::Workspace| {
        if no_hooks {
            return Ok(());
        }
        crate::setup::run_stage(
            context,
            backend,
            checkout,
            workspace,
            skipper_core::HookStage::PreRemove,
            false,
        )
        .map(|_| ())
        .map_err(|err| usecases::WorkspaceError::PreRemove(Box::new(err)))
    };
    let (agents, _) = context.config.agents(&context.paths)?;
    let removed = usecases::remove_with(backend, checkout, target, force, &agents, &mut pre_remove)
        .map_err(|err| match err {
            usecases::WorkspaceError::PreRemove(source) => match source.downcast::<CliError>() {
                Ok(err) => err.hint(
                    "nothing was removed; pass --force to remove it anyway, or --no-hooks to run no hooks",
                ),
                Err(other) => CliError::failure(other.to_string()),
            },
            other => other.into(),
        })?;
    if let Some(why) = &removed.pre_remove_failed {
        context.printer.warning(&format!(
            "the pre-remove hooks failed, removed anyway (--force): {why}"
        ));
    }
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
    say_conversations(context, backend.sandbox.kind(), &removed, force);
    context
        .printer
        .result(&format!("Removed workspace {}", removed.reference));
    Ok(removed)
}

/// Says which of the agents' conversations the save kept and which went with the workspace.
fn say_conversations(
    context: &Context<'_>,
    sandbox: skipper_core::SandboxKind,
    removed: &Removed,
    force: bool,
) {
    for kept in removed
        .preserved
        .iter()
        .flat_map(|saved| &saved.contents.conversations)
    {
        context.printer.status(&format!(
            "Kept its conversation with {} in the save: a prompt in the restored workspace continues it",
            kept.agent
        ));
    }
    for agent in &removed.conversations {
        let kept = match (sandbox, agent.as_str()) {
            (skipper_core::SandboxKind::Worktree, "opencode") => {
                " (OpenCode keeps its session on this machine: `opencode session list`)"
            }
            (skipper_core::SandboxKind::Worktree, _) => "",
            (skipper_core::SandboxKind::Docker, _) => ", with the container",
        };
        let hint = if force {
            ""
        } else {
            " (`remove --force` would have kept it in a save)"
        };
        context.printer.status(&format!(
            "Its conversation with {agent} went with it{kept}; a prompt in a workspace made again starts a new one{hint}"
        ));
    }
}
