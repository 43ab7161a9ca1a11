use skipper_core::usecases::{self, CreateOutcome, WorkspaceError};
use skipper_core::{AttachOutcome, WorkspaceTarget};

use super::Selection;
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;

/// Open an interactive session in a workspace.
///
/// Worktree sandbox: a tmux session per workspace, started in its directory if needed;
/// `switch-client` inside tmux, `attach-session` outside. Detach with tmux's key (Ctrl-b d):
/// the session keeps running, with what runs in it, until `sk workspace stop` or `remove`.
/// Without tmux, an interactive `$SHELL` in the workspace. A session it starts has the
/// environment `sk workspace run` gives (`SK_*` and the project's `[env]`); `--create`
/// runs the post-create hooks as `create` does.
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
    let io = crate::terminal::session_io();
    if args.create {
        // Nothing is made for a session that cannot be opened.
        usecases::check_attachable(backend, io)?;
    }
    if args.create
        && let WorkspaceTarget::Branch(branch) = &target
        && let CreateOutcome::Created {
            workspace,
            fetch_warning,
            start_point,
            ..
        } = usecases::create(
            backend,
            &context.other_registries(backend.registry.kind()),
            &checkout,
            branch,
            context.port_plan()?,
        )?
    {
        if let Some(warning) = fetch_warning {
            super::warn_fetch(context, &warning);
        }
        context.printer.status(&format!(
            "Created workspace {branch} at {}",
            workspace.location.display()
        ));
        super::carrying::carry_into_new(context, backend, &checkout, &workspace, &start_point)?;
        crate::setup::run_stage_in_new(context, backend, &checkout, &workspace, &start_point)?;
    }
    let warn = |err: &skipper_core::ProjectConfigError| crate::setup::warn_unusable(context, err);
    let outcome = usecases::attach(backend, &checkout, &target, io, &warn).map_err(|err| {
        let missing = matches!(err, WorkspaceError::WorkspaceNotFound { .. });
        let error = super::with_existing(context, &checkout, err);
        match target.branch() {
            Some(branch) if missing => error.hint(format!(
                "or create it and attach with `sk workspace attach --create --repository {} --branch {branch}{}`",
                checkout.repository,
                crate::error::sandbox_flag(backend.sandbox.kind())
            )),
            _ => error,
        }
    })?;
    match outcome {
        AttachOutcome::Detached => Ok(ExitStatus::Success),
        AttachOutcome::Exited(status) => Ok(ExitStatus::Code(status.0)),
    }
}
