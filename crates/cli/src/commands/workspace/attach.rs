use skipper_core::usecases::{self, CreateOutcome};
use skipper_core::{AttachOutcome, WorkspaceTarget};

use super::Selection;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;

/// Open an interactive session in a workspace.
///
/// Worktree sandbox: a tmux session per workspace, started in its directory if needed;
/// `switch-client` inside tmux, `attach-session` outside. Detach with tmux's key (Ctrl-b d):
/// the session keeps running until `sk workspace detach` or `remove`. Without tmux, an
/// interactive `$SHELL` in the workspace.
#[derive(Debug, clap::Args)]
pub struct AttachArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// Create the workspace first if it does not exist.
    #[arg(long)]
    pub create: bool,
}

pub fn run(context: &Context<'_>, args: &AttachArgs) -> Result<ExitStatus, CliError> {
    let (checkout, target, backend) = args.selection.resolve(context, Omitted::MainOrPick)?;
    if args.create
        && let WorkspaceTarget::Branch(branch) = &target
        && let CreateOutcome::Created {
            workspace,
            fetch_warning,
            ..
        } = usecases::create(
            backend,
            &context.other_registries(backend.registry.kind()),
            &checkout,
            branch,
        )?
    {
        if let Some(warning) = fetch_warning {
            super::warn_fetch(context, &warning);
        }
        context.printer.status(&format!(
            "Created workspace {branch} at {}",
            workspace.location.display()
        ));
    }
    match usecases::attach(backend, &checkout, &target, crate::terminal::session_io())? {
        AttachOutcome::Detached => Ok(ExitStatus::Success),
        AttachOutcome::Exited(status) => Ok(ExitStatus::Code(status.0)),
    }
}
