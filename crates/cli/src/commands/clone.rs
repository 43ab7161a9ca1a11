use std::path::Path;

use skipper_core::usecases;
use skipper_core::{CloneOutcome, RemoteUrl, WorkspaceLocation};

use crate::context::Context;
use crate::error::{CliError, ExitStatus};

/// Clone a repository into skipper's host checkouts (and, with `--sandbox docker`, make
/// its main container).
///
/// Accepts `git@host:owner/name.git`, `ssh://[user@]host[:port]/owner/name`,
/// `https://host/owner/name`, `file:///path/name` and local paths. Cloning a repository
/// that is already cloned says so and succeeds.
#[derive(Debug, clap::Args)]
pub struct CloneArgs {
    /// The remote to clone.
    pub remote: String,
}

pub fn run(context: &Context<'_>, args: &CloneArgs) -> Result<ExitStatus, CliError> {
    let remote = RemoteUrl::parse(&absolute_local(&args.remote))?;
    let backend = context.backend(context.preferred)?;
    let cloned = usecases::clone(backend, &remote)?;
    if let Some(warning) = &cloned.fetch_warning {
        crate::commands::workspace::warn_fetch(context, warning);
    }
    match &cloned.outcome {
        CloneOutcome::Cloned(checkout) => context.printer.result(&format!(
            "Cloned {} into {}",
            checkout.repository,
            checkout.path.display()
        )),
        CloneOutcome::AlreadyCloned(checkout) => context.printer.result(&format!(
            "{} is already cloned at {}",
            checkout.repository,
            checkout.path.display()
        )),
    }
    // The host checkout is the worktree sandbox's main workspace: only another sandbox's
    // main workspace is news.
    if let WorkspaceLocation::Container { .. } = &cloned.main.location {
        let location = cloned.main.location.display();
        context.printer.result(&if cloned.main_made {
            format!("Made its main container at {location}")
        } else {
            format!("Its main container already exists at {location}")
        });
    }
    Ok(ExitStatus::Success)
}

/// A relative local path made absolute, so the identity and the clone's origin do not
/// depend on where `sk` ran. URLs and scp-like remotes are returned as they are.
fn absolute_local(remote: &str) -> String {
    let looks_local = !remote.contains("://")
        && !remote.starts_with('-')
        && (remote.starts_with('.') || remote.starts_with('/') || Path::new(remote).exists());
    if looks_local && let Ok(path) = fs_err::canonicalize(remote) {
        return path.to_string_lossy().into_owned();
    }
    remote.to_owned()
}
