use skipper_core::usecases::{self, CreateOutcome};
use skipper_core::{BranchStart, WorkspaceTarget};

use super::Selection;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::{self, Omitted};

/// Create the workspace of a branch.
///
/// Fetches `origin` (continuing with the last known remote refs if that fails), then uses
/// the local branch if it exists, else tracks `origin/<branch>`, else starts a new branch
/// from the remote's default branch. Your host checkout is left as it was. Creating a
/// workspace that exists says so and succeeds; so does naming the default branch, whose
/// workspace is the main one. A branch has one workspace: one in the other sandbox is
/// refused with `--sandbox` (move it with `sk workspace move`).
///
/// Then the post-create hooks run in the new workspace: yours (`[hooks]` in config.toml),
/// then those of the repository's `.skipper.toml` at the workspace's commit, once you
/// approved them (asked on a terminal; without one they are skipped, and the command that
/// approves them is printed). A failing hook leaves the workspace in place and exits 1.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// Run no hooks, yours or the project's.
    #[arg(long)]
    pub no_hooks: bool,
}

pub fn run(context: &Context<'_>, args: &CreateArgs) -> Result<ExitStatus, CliError> {
    let checkout = picker::repository(context.checkouts(), args.selection.repository.as_deref())?;
    let (target, _) = picker::target(
        context,
        &checkout,
        args.selection.branch.as_deref(),
        Omitted::AskNew,
    )?;
    // `--sandbox`'s, else the sandbox holding the workspace, else the one for new ones.
    let backend = match context.choice.explicit {
        Some(kind) => context.backend(kind)?,
        None => context.backend_for_new(&checkout, &target)?,
    };
    let WorkspaceTarget::Branch(branch) = target else {
        // The default branch: the host checkout, or the main container.
        let main = usecases::locate(backend, &checkout, &WorkspaceTarget::Main)?;
        context.printer.result(&format!(
            "Workspace {} of {} is its main workspace, at {}",
            picker::main_name(context, &checkout),
            checkout.repository,
            main.location.display()
        ));
        return Ok(ExitStatus::Success);
    };
    let others = context.other_registries(backend.registry.kind());
    match usecases::create(backend, &others, &checkout, &branch)? {
        CreateOutcome::Created {
            workspace,
            start,
            fetch_warning,
        } => {
            if let Some(warning) = fetch_warning {
                super::warn_fetch(context, &warning);
            }
            let how = match start {
                BranchStart::Existing => "existing local branch".to_owned(),
                BranchStart::TrackRemote => format!("tracking origin/{branch}"),
                BranchStart::NewFromDefault => {
                    "new branch from the remote's default branch".to_owned()
                }
            };
            context.printer.result(&format!(
                "Created workspace {branch} of {} at {} ({how})",
                checkout.repository,
                workspace.location.display()
            ));
            if !args.no_hooks {
                crate::setup::run_stage(
                    context,
                    backend,
                    &checkout,
                    &workspace,
                    skipper_core::HookStage::PostCreate,
                    true,
                )
                .map_err(|err| {
                    err.hint(format!(
                        "the workspace is in place; remove it with `sk workspace remove -r {} -b {branch}`, or use it as it is",
                        checkout.repository
                    ))
                })?;
            }
        }
        CreateOutcome::AlreadyExists(workspace) => context.printer.result(&format!(
            "Workspace {branch} of {} already exists at {}",
            checkout.repository,
            workspace.location.display()
        )),
    }
    Ok(ExitStatus::Success)
}
