use std::path::Path;

use crate::domain::{Checkout, SandboxKind, WorkspaceRef, WorkspaceTarget};
use crate::ports::SyncReport;

use super::{Backend, WorkspaceError, locate};

/// What `sync` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    /// The workspace.
    pub reference: WorkspaceRef,
    /// Its sandbox.
    pub sandbox: SandboxKind,
    /// What changed in it.
    pub report: SyncReport,
    /// Why fetching `origin` into the host checkout failed, if it did (the last known
    /// remote branches were used).
    pub fetch_warning: Option<String>,
}

/// Refreshes the workspace's view of the remote: the host checkout fetches `origin`, then
/// the workspace's remote-tracking branches are set to the host's (only the objects it
/// lacks cross, through files under the host directory `scratch`). Never touches the
/// workspace's own branch, index, working tree or stash. Holds the workspace's lock, and
/// the repository's while the host checkout is fetched into and read.
///
/// # Errors
/// [`WorkspaceError::WorkspaceNotFound`] (and the other refusals of [`locate`]), or the
/// failure of a step.
pub fn sync(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    scratch: &Path,
) -> Result<Synced, WorkspaceError> {
    let _lock = backend.locks.workspace(&WorkspaceRef {
        repository: checkout.repository.clone(),
        target: target.clone(),
    })?;
    let workspace = locate(backend, checkout, target)?;
    let _repository = backend.locks.repository(&checkout.repository)?;
    let refreshed = backend.checkouts.refresh(checkout)?;
    let report = backend.sandbox.sync_remote(&workspace, checkout, scratch)?;
    Ok(Synced {
        reference: workspace.reference,
        sandbox: workspace.sandbox,
        report,
        fetch_warning: refreshed.fetch_warning,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout};

    #[test]
    fn the_host_fetches_then_the_workspace_is_synced() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main").with_fetch_warning("offline");
        let sandbox = FakeSandbox::new(SandboxKind::Docker).with_workspace(&api, &target);

        let synced = sync(
            backend(&checkouts, &sandbox),
            &api,
            &target,
            Path::new("/scratch"),
        )
        .unwrap();

        assert_eq!(checkouts.calls(), ["refresh acme/api"]);
        assert_eq!(sandbox.calls(), ["locate feat/x", "sync_remote feat/x"]);
        assert_eq!(synced.fetch_warning.as_deref(), Some("offline"));
        assert!(matches!(synced.report, SyncReport::Synced { .. }));
    }

    #[test]
    fn a_missing_workspace_is_not_found_before_anything_is_fetched() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);

        let err = sync(
            backend(&checkouts, &sandbox),
            &api,
            &WorkspaceTarget::Branch(branch("feat/x")),
            Path::new("/scratch"),
        )
        .unwrap_err();

        assert!(
            matches!(err, WorkspaceError::WorkspaceNotFound { .. }),
            "{err:?}"
        );
        assert!(checkouts.calls().is_empty());
    }
}
