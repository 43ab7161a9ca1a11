use skipper_core::usecases::{self, Backend, FetchOutcome, Fetched};
use skipper_core::{Checkout, WorkspaceTarget};

use super::{Selection, scratch, with_existing};
use crate::context::Context;
use crate::error::{CliError, ExitStatus};
use crate::picker::Omitted;
use crate::risk::some_paths;

/// Bring a workspace's branch into the host checkout.
///
/// Makes the workspace's branch the host checkout's local branch of the same name, with all
/// its commits; from a Docker workspace only the commits the host lacks are streamed out,
/// as a git bundle. A fast-forward only: when the host's branch has commits the
/// workspace's lacks, nothing changes and `sk` exits 1 naming both tips. Uncommitted files
/// stay in the workspace, and are named. A worktree shares the host checkout's branches:
/// there is nothing to bring. The host checkout's working tree, index, HEAD and stash are
/// never touched, and a branch checked out on the host is never moved. Without `--branch`,
/// the main workspace (its default branch).
///
/// Example: `sk workspace fetch -r api -b feat/x`.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub selection: Selection,
}

pub fn run(context: &Context<'_>, args: &FetchArgs) -> Result<ExitStatus, CliError> {
    let (checkout, target, backend) = args.selection.resolve(context, Omitted::MainOrPick)?;
    fetch(context, &checkout, &target, backend)?;
    Ok(ExitStatus::Success)
}

/// Brings `target`'s branch from `backend` into the host checkout, and says what came.
pub fn fetch(
    context: &Context<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    backend: Backend<'_>,
) -> Result<Fetched, CliError> {
    let scratch = scratch(context)?;
    let fetched = usecases::fetch(backend, checkout, target, scratch.path())
        .map_err(|err| with_existing(context, checkout, err))?;
    context.printer.result(&describe(&fetched));
    warn_uncommitted(context, &fetched);
    Ok(fetched)
}

/// `n commit(s)`.
fn commits(n: usize) -> String {
    if n == 1 {
        "1 commit".to_owned()
    } else {
        format!("{n} commits")
    }
}

/// The first 12 digits of an object id, as people read it.
pub fn short(oid: &str) -> &str {
    oid.get(..12).unwrap_or(oid)
}

/// What the fetch did to the host's branch, in one line.
pub fn describe(fetched: &Fetched) -> String {
    let branch = &fetched.branch;
    let reference = &fetched.reference;
    match &fetched.outcome {
        FetchOutcome::Shared { tip } => format!(
            "Nothing to bring: workspace {reference} is a worktree, so `{branch}` (at {}) is the host checkout's branch already",
            short(tip)
        ),
        FetchOutcome::UpToDate { tip } => format!(
            "Nothing new: the host checkout's `{branch}` is at {} already, as in workspace {reference}",
            short(tip)
        ),
        FetchOutcome::Arrived(imported) => match &imported.old {
            Some(old) => format!(
                "Fetched `{branch}` from workspace {reference}: {}..{}, {}",
                short(old),
                short(&imported.new),
                commits(imported.commits)
            ),
            None => format!(
                "Fetched `{branch}` from workspace {reference}: new branch `{branch}` at {}, {}",
                short(&imported.new),
                commits(imported.commits)
            ),
        },
    }
}

/// Names the uncommitted files that stayed in the workspace.
pub fn warn_uncommitted(context: &Context<'_>, fetched: &Fetched) {
    if fetched.uncommitted.is_empty() {
        return;
    }
    context.printer.warning(&format!(
        "not fetched: {} {} in the workspace (commit them there to bring them): {}",
        crate::words::count(
            fetched.uncommitted.len(),
            "uncommitted path",
            "uncommitted paths"
        ),
        if fetched.uncommitted.len() == 1 {
            "stays"
        } else {
            "stay"
        },
        some_paths(&fetched.uncommitted)
    ));
}

#[cfg(test)]
mod tests {
    use skipper_core::{
        BranchName, Imported, RepositoryId, SandboxKind, WorkspaceRef, WorkspaceTarget,
    };

    use super::*;

    fn fetched(outcome: FetchOutcome) -> Fetched {
        Fetched {
            reference: WorkspaceRef {
                repository: RepositoryId::new("github.com", "acme", "api").unwrap(),
                target: WorkspaceTarget::Branch(BranchName::new("feat/x").unwrap()),
            },
            sandbox: SandboxKind::Docker,
            branch: BranchName::new("feat/x").unwrap(),
            outcome,
            uncommitted: Vec::new(),
        }
    }

    #[test]
    fn what_arrived_is_told_with_short_ids_and_a_count() {
        let moved = fetched(FetchOutcome::Arrived(Imported {
            old: Some("a".repeat(40)),
            new: "b".repeat(40),
            commits: 3,
        }));
        assert_eq!(
            describe(&moved),
            "Fetched `feat/x` from workspace acme/api (feat/x): aaaaaaaaaaaa..bbbbbbbbbbbb, 3 commits"
        );
        let new = fetched(FetchOutcome::Arrived(Imported {
            old: None,
            new: "b".repeat(40),
            commits: 1,
        }));
        assert!(describe(&new).ends_with("new branch `feat/x` at bbbbbbbbbbbb, 1 commit"));
    }
}
