use crate::domain::{
    BranchName, Checkout, RepositoryQuery, Workspace, WorkspaceRef, WorkspaceTarget,
};
use crate::ports::{CheckoutError, HostCheckouts, SandboxError};

use super::{Backend, WorkspaceError};

/// The one host checkout `query` names.
///
/// # Errors
/// [`WorkspaceError::RepositoryNotFound`] listing what is cloned, or
/// [`WorkspaceError::RepositoryAmbiguous`] listing the candidates.
pub fn resolve_checkout(
    checkouts: &dyn HostCheckouts,
    query: &RepositoryQuery,
) -> Result<Checkout, WorkspaceError> {
    let all = checkouts.list()?;
    let mut matching: Vec<Checkout> = all
        .iter()
        .filter(|checkout| query.matches(&checkout.repository))
        .cloned()
        .collect();
    match matching.len() {
        1 => Ok(matching.remove(0)),
        0 => Err(WorkspaceError::RepositoryNotFound {
            query: query.clone(),
            available: all.iter().map(|c| c.repository.to_string()).collect(),
        }),
        _ => Err(WorkspaceError::RepositoryAmbiguous {
            query: query.clone(),
            candidates: matching.iter().map(|c| c.repository.to_string()).collect(),
        }),
    }
}

/// The workspace `branch` names in `checkout`: the main workspace for the remote's default
/// branch (the host checkout is on it, and the main container), else the branch's own.
/// Reads refs only. When the default branch cannot be told, `branch` is a branch's.
///
/// # Errors
/// [`WorkspaceError::Checkout`] when git cannot be asked.
pub fn target_of(
    checkouts: &dyn HostCheckouts,
    checkout: &Checkout,
    branch: BranchName,
) -> Result<WorkspaceTarget, WorkspaceError> {
    match checkouts.default_branch(checkout) {
        Ok(default) if default == branch => Ok(WorkspaceTarget::Main),
        Ok(_) | Err(CheckoutError::NoDefaultBranch { .. }) => Ok(WorkspaceTarget::Branch(branch)),
        Err(err) => Err(err.into()),
    }
}

/// The existing, finished workspace for `target` of `checkout`: what commands run in.
///
/// # Errors
/// [`WorkspaceError::WorkspaceNotFound`] when it does not exist,
/// [`WorkspaceError::HalfMade`] when a `create` that did not finish left it,
/// [`WorkspaceError::Broken`] when something outside skipper broke it.
pub fn locate(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
) -> Result<Workspace, WorkspaceError> {
    finished(locate_any(backend, checkout, target)?)
}

/// `workspace`, refused when it is half made or broken.
fn finished(workspace: Workspace) -> Result<Workspace, WorkspaceError> {
    if workspace.half_made {
        return Err(WorkspaceError::HalfMade {
            reference: workspace.reference,
            sandbox: workspace.sandbox,
        });
    }
    if let Some(detail) = workspace.broken {
        return Err(WorkspaceError::Broken {
            reference: workspace.reference,
            sandbox: workspace.sandbox,
            detail,
        });
    }
    Ok(workspace)
}

/// [`locate`] for a command about to start in the workspace (see
/// [`WorkspaceRegistry::locate_to_run`](crate::ports::WorkspaceRegistry::locate_to_run)).
///
/// # Errors
/// As [`locate`]; a half-made workspace may instead be refused by the sandbox as the
/// command starts.
pub(crate) fn locate_to_run(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
) -> Result<Workspace, WorkspaceError> {
    let found = backend.registry.locate_to_run(checkout, target)?;
    finished(found_or_missing(backend, checkout, target, found)?)
}

/// `err` of a command that was to start in `workspace`: a workspace the sandbox found
/// half made as the command started is [`WorkspaceError::HalfMade`], as [`locate`] says.
pub(crate) fn refused_if_half_made(workspace: &Workspace, err: SandboxError) -> WorkspaceError {
    match err {
        SandboxError::HalfMade { .. } => WorkspaceError::HalfMade {
            reference: workspace.reference.clone(),
            sandbox: workspace.sandbox,
        },
        other => other.into(),
    }
}

/// The existing workspace for `target` of `checkout`, finished or not.
///
/// # Errors
/// [`WorkspaceError::WorkspaceNotFound`] when it does not exist.
pub(crate) fn locate_any(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
) -> Result<Workspace, WorkspaceError> {
    let found = backend.registry.locate(checkout, target)?;
    found_or_missing(backend, checkout, target, found)
}

/// `found`, or [`WorkspaceError::WorkspaceNotFound`].
fn found_or_missing(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    found: Option<Workspace>,
) -> Result<Workspace, WorkspaceError> {
    found.ok_or_else(|| WorkspaceError::WorkspaceNotFound {
        reference: WorkspaceRef {
            repository: checkout.repository.clone(),
            target: target.clone(),
        },
        sandbox: backend.registry.kind(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FakeCheckouts, checkout};

    fn query(text: &str) -> RepositoryQuery {
        RepositoryQuery::parse(text).unwrap()
    }

    fn two_apis() -> FakeCheckouts {
        FakeCheckouts::new("main")
            .with_checkout(checkout("acme", "api"))
            .with_checkout(checkout("umbrella", "api"))
            .with_checkout(checkout("acme", "web"))
    }

    #[test]
    fn no_match_lists_what_is_cloned() {
        let err = resolve_checkout(&two_apis(), &query("cli")).unwrap_err();

        let WorkspaceError::RepositoryNotFound {
            query: asked,
            available,
        } = err
        else {
            panic!("expected RepositoryNotFound, got {err:?}");
        };
        assert_eq!(asked, query("cli"));
        assert_eq!(available, ["acme/api", "acme/web", "umbrella/api"]);
    }

    #[test]
    fn a_short_name_of_two_owners_is_ambiguous_naming_both() {
        let err = resolve_checkout(&two_apis(), &query("api")).unwrap_err();

        let WorkspaceError::RepositoryAmbiguous { candidates, .. } = err else {
            panic!("expected RepositoryAmbiguous, got {err:?}");
        };
        assert_eq!(candidates, ["acme/api", "umbrella/api"]);
    }

    #[test]
    fn owner_and_name_pick_one() {
        let found = resolve_checkout(&two_apis(), &query("umbrella/api")).unwrap();

        assert_eq!(found, checkout("umbrella", "api"));
    }

    #[test]
    fn the_default_branch_names_the_main_workspace_and_another_its_own() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("master");

        let main = target_of(&checkouts, &api, BranchName::new("master").unwrap()).unwrap();
        let branch = target_of(&checkouts, &api, BranchName::new("main").unwrap()).unwrap();

        assert_eq!(main, WorkspaceTarget::Main);
        assert_eq!(
            branch,
            WorkspaceTarget::Branch(BranchName::new("main").unwrap())
        );
    }

    #[test]
    fn a_unique_short_name_picks_it() {
        let found = resolve_checkout(&two_apis(), &query("web")).unwrap();

        assert_eq!(found, checkout("acme", "web"));
    }
}
