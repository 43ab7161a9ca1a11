use skipper_core::usecases;

use super::fetch::{describe, short, warn_uncommitted};
use super::{Selection, scratch, with_existing};
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;

/// Publish a workspace's branch to a remote, from the host.
///
/// Brings the branch into the host checkout first (as `sk workspace fetch` does, for a
/// Docker workspace), then runs `git push` there with your own git configuration,
/// credentials and hooks, so a workspace never needs push credentials. A fast-forward
/// only: git's refusal (the remote moved on, a hook said no) passes through with git's
/// messages and exit code. Refuses, exiting 1, when there is nothing committed to push:
/// the remote's branch holds the tip already or, without that branch, its default
/// branch does.
///
/// Example: `sk workspace push -r api -b feat/x --set-upstream`.
#[derive(Debug, clap::Args)]
pub struct PushArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// The remote of the host checkout to push to.
    #[arg(long, value_name = "NAME", default_value = "origin")]
    pub remote: String,

    /// Make the host checkout's branch track the remote's after the push.
    #[arg(short = 'u', long)]
    pub set_upstream: bool,
}

pub fn run(context: &Context<'_>, args: &PushArgs) -> Result<ExitStatus, CliError> {
    let (checkout, target, backend) = args.selection.resolve(context, Omitted::MainOrPick)?;
    let scratch = scratch(context)?;
    let pushed = usecases::push(
        backend,
        &checkout,
        &target,
        &args.remote,
        args.set_upstream,
        scratch.path(),
    )
    .map_err(|err| with_existing(context, &checkout, err))?;
    let fetched = &pushed.fetched;
    context.printer.status(&describe(fetched));
    warn_uncommitted(context, fetched);
    let branch = &fetched.branch;
    if !pushed.status.success() {
        let mut error = CliError::failure(format!(
            "`git push` of `{branch}` to {} failed with exit code {}; its messages are above",
            pushed.remote, pushed.status.0
        ));
        error.status = ExitStatus::Code(pushed.status.0);
        return Err(error);
    }
    let tracking = if pushed.set_upstream {
        format!("; it tracks {}/{branch}", pushed.remote)
    } else {
        String::new()
    };
    context.printer.result(&format!(
        "Pushed `{branch}` (at {}) to {}{tracking}",
        short(fetched.tip()),
        pushed.remote
    ));
    if let Some(warning) = &pushed.sync_warning {
        context.printer.warning(&format!(
            "the workspace still counts these commits as unpushed: {warning}; `sk workspace sync` tells it"
        ));
    }
    Ok(ExitStatus::Success)
}
