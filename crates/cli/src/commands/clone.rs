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
    let (remote, expanded) = expand(&args.remote);
    if expanded {
        context
            .printer
            .status(&format!("Taking `{}` as {remote}", args.remote));
    }
    let remote = RemoteUrl::parse(&remote)?;
    let backend = context.backend(context.preferred)?;
    let cloned = usecases::clone(
        backend,
        &context.other_registries(backend.registry.kind()),
        &remote,
        context.port_plan()?,
    )?;
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

/// The remote to clone, and whether it was expanded from a shorthand. A relative local path
/// is made absolute, so the identity and the clone's origin do not depend on where `sk`
/// ran. When no such local path exists, `owner/name` is GitHub's, as `gh repo clone` takes
/// it, and `host/owner/name` (a host with a dot) is `https://host/owner/name`. URLs and
/// scp-like remotes are returned as they are.
fn expand(remote: &str) -> (String, bool) {
    let url_like = remote.contains("://") || remote.starts_with('-') || scp_like(remote);
    if url_like {
        return (remote.to_owned(), false);
    }
    let explicit_path = remote.starts_with('.') || remote.starts_with('/');
    if (explicit_path || Path::new(remote).exists())
        && let Ok(path) = fs_err::canonicalize(remote)
    {
        return (path.to_string_lossy().into_owned(), false);
    }
    if !explicit_path {
        let segments: Vec<&str> = remote.trim_end_matches('/').split('/').collect();
        let plain = |segment: &&str| {
            !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        };
        if segments.iter().all(plain) {
            match segments.as_slice() {
                [owner, name] => return (format!("https://github.com/{owner}/{name}"), true),
                [host, owner, name] if host.contains('.') => {
                    return (format!("https://{host}/{owner}/{name}"), true);
                }
                _ => {}
            }
        }
    }
    (remote.to_owned(), false)
}

/// Whether `remote` is scp-like (`git@host:owner/name`, `host:path`): a colon before any
/// slash.
fn scp_like(remote: &str) -> bool {
    match (remote.find(':'), remote.find('/')) {
        (Some(colon), Some(slash)) => colon < slash,
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_and_name_are_githubs_and_a_host_with_a_dot_leads_a_url() {
        assert_eq!(
            expand("no-such-owner-dir/name"),
            ("https://github.com/no-such-owner-dir/name".to_owned(), true)
        );
        assert_eq!(
            expand("gitlab.com/group/project"),
            ("https://gitlab.com/group/project".to_owned(), true)
        );
    }

    #[test]
    fn urls_scp_remotes_and_odd_paths_are_left_as_they_are() {
        for remote in [
            "https://github.com/a/b",
            "git@github.com:a/b.git",
            "host:repo",
            "a/b/c/d",
            "nohost/a/b",
            "a b/c",
        ] {
            assert_eq!(expand(remote), (remote.to_owned(), false), "{remote}");
        }
    }

    #[test]
    fn an_existing_relative_path_is_made_absolute() {
        let (path, expanded) = expand(".");
        assert!(!expanded);
        assert!(Path::new(&path).is_absolute(), "{path}");
    }
}
