use std::path::Path;

use crate::domain::{BranchName, Checkout, SandboxKind, Workspace, WorkspaceRef, WorkspaceTarget};
use crate::ports::{BranchImport, BranchStanding, ExportRequest, Imported};

use super::{Backend, WorkspaceError, locate};

/// What `fetch` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The workspace.
    pub reference: WorkspaceRef,
    /// Its sandbox.
    pub sandbox: SandboxKind,
    /// The branch brought (the default branch for the main workspace).
    pub branch: BranchName,
    /// What became of the host's branch.
    pub outcome: FetchOutcome,
    /// The uncommitted paths that stay in the workspace.
    pub uncommitted: Vec<String>,
}

impl Fetched {
    /// The branch's tip on the host now.
    #[must_use]
    pub fn tip(&self) -> &str {
        match &self.outcome {
            FetchOutcome::Shared { tip } | FetchOutcome::UpToDate { tip } => tip,
            FetchOutcome::Arrived(imported) => &imported.new,
        }
    }
}

/// What became of the host checkout's branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    /// The workspace shares the host checkout's refs (a worktree): its branch is the
    /// host's, at `tip`.
    Shared {
        /// The branch's tip.
        tip: String,
    },
    /// The host's branch is at the workspace's tip already.
    UpToDate {
        /// The branch's tip.
        tip: String,
    },
    /// The branch was created or moved forward to the workspace's tip.
    Arrived(Imported),
}

/// Brings the branch of the workspace for `target` into the host checkout as the local
/// branch of that name, with all its commits (only those the host lacks cross, through a
/// bundle under the host directory `scratch`). A fast-forward only: when the host's branch
/// has commits the workspace's lacks, nothing changes. The host checkout's working tree,
/// index, `HEAD` and stash are never touched; the workspace's uncommitted files stay
/// there. Holds the workspace's lock.
///
/// # Errors
/// [`WorkspaceError::WorkspaceNotFound`] (and the other refusals of [`locate`]),
/// [`WorkspaceError::BranchDiverged`] naming both tips,
/// [`WorkspaceError::BranchCheckedOut`] when the branch is checked out on the host, or the
/// failure of a step.
pub fn fetch(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    scratch: &Path,
) -> Result<Fetched, WorkspaceError> {
    let _lock = backend.locks.workspace(&WorkspaceRef {
        repository: checkout.repository.clone(),
        target: target.clone(),
    })?;
    let workspace = locate(backend, checkout, target)?;
    fetch_locked(backend, checkout, &workspace, scratch)
}

/// [`fetch`] of `workspace`, its lock held by the caller.
pub(super) fn fetch_locked(
    backend: Backend<'_>,
    checkout: &Checkout,
    workspace: &Workspace,
    scratch: &Path,
) -> Result<Fetched, WorkspaceError> {
    let reference = &workspace.reference;
    let branch = match reference.target.branch() {
        Some(branch) => branch.clone(),
        // The main workspace is on the default branch.
        None => backend.checkouts.default_branch(checkout)?,
    };
    let host = backend.checkouts.host_branch(checkout, &branch)?;
    let request = ExportRequest {
        branch: branch.clone(),
        host_tip: host.tip.clone(),
        known: host.remote_tips.clone(),
    };
    let dest = scratch.join("branch.bundle");
    let export = backend.sandbox.export_branch(workspace, &request, &dest)?;
    let outcome = match export.standing {
        BranchStanding::Shared => FetchOutcome::Shared { tip: export.tip },
        BranchStanding::Same => FetchOutcome::UpToDate { tip: export.tip },
        BranchStanding::Diverged => {
            return Err(WorkspaceError::BranchDiverged {
                reference: Box::new(reference.clone()),
                branch,
                host_tip: host.tip.unwrap_or_default(),
                workspace_tip: export.tip,
            });
        }
        BranchStanding::Absent | BranchStanding::Ahead => {
            if let Some(path) = host.checked_out {
                return Err(WorkspaceError::BranchCheckedOut {
                    reference: Box::new(reference.clone()),
                    branch,
                    path,
                });
            }
            let import = BranchImport {
                branch: branch.clone(),
                bundle: export.bundle.then_some(dest),
                tip: export.tip,
                old: host.tip,
            };
            FetchOutcome::Arrived(backend.checkouts.import_branch(checkout, &import)?)
        }
    };
    Ok(Fetched {
        reference: reference.clone(),
        sandbox: workspace.sandbox,
        branch,
        outcome,
        uncommitted: export.uncommitted,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::fakes::{FakeCheckouts, FakeSandbox, backend, branch, checkout};
    use crate::ports::BranchExport;

    fn feat_x() -> WorkspaceTarget {
        WorkspaceTarget::Branch(branch("feat/x"))
    }

    fn exported(standing: BranchStanding, bundle: bool) -> BranchExport {
        BranchExport {
            tip: "b".repeat(40),
            standing,
            bundle,
            uncommitted: vec!["notes.txt".into()],
        }
    }

    #[test]
    fn a_branch_ahead_arrives_from_its_bundle_and_the_uncommitted_files_are_named() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main").with_host_tip("feat/x", &"a".repeat(40));
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(&api, &feat_x())
            .with_export(exported(BranchStanding::Ahead, true));

        let fetched = fetch(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            Path::new("/scratch"),
        )
        .unwrap();

        let FetchOutcome::Arrived(imported) = &fetched.outcome else {
            panic!("expected Arrived, got {:?}", fetched.outcome);
        };
        assert_eq!(imported.old, Some("a".repeat(40)));
        assert_eq!(imported.new, "b".repeat(40));
        assert_eq!(fetched.uncommitted, ["notes.txt"]);
        assert_eq!(sandbox.calls(), ["locate feat/x", "export_branch feat/x"]);
        assert_eq!(
            checkouts.imports(),
            [BranchImport {
                branch: branch("feat/x"),
                bundle: Some(PathBuf::from("/scratch/branch.bundle")),
                tip: "b".repeat(40),
                old: Some("a".repeat(40)),
            }]
        );
    }

    #[test]
    fn a_diverged_branch_is_refused_naming_both_tips_and_nothing_is_imported() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main").with_host_tip("feat/x", &"a".repeat(40));
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(&api, &feat_x())
            .with_export(exported(BranchStanding::Diverged, false));

        let err = fetch(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            Path::new("/scratch"),
        )
        .unwrap_err();

        let WorkspaceError::BranchDiverged {
            host_tip,
            workspace_tip,
            ..
        } = err
        else {
            panic!("expected BranchDiverged, got {err:?}");
        };
        assert_eq!((host_tip, workspace_tip), ("a".repeat(40), "b".repeat(40)));
        assert!(checkouts.imports().is_empty());
    }

    #[test]
    fn a_branch_checked_out_on_the_host_is_never_moved() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main")
            .with_host_tip("main", &"a".repeat(40))
            .with_checked_out("/fake/checkouts/api");
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(&api, &WorkspaceTarget::Main)
            .with_export(exported(BranchStanding::Ahead, true));

        let err = fetch(
            backend(&checkouts, &sandbox),
            &api,
            &WorkspaceTarget::Main,
            Path::new("/scratch"),
        )
        .unwrap_err();

        let WorkspaceError::BranchCheckedOut { branch: b, .. } = err else {
            panic!("expected BranchCheckedOut, got {err:?}");
        };
        assert_eq!(
            b,
            branch("main"),
            "the main workspace is on the default branch"
        );
        assert!(checkouts.imports().is_empty());
    }

    #[test]
    fn a_shared_or_equal_branch_brings_nothing() {
        let api = checkout("acme", "api");
        for (kind, standing) in [
            (SandboxKind::Worktree, BranchStanding::Shared),
            (SandboxKind::Docker, BranchStanding::Same),
        ] {
            let checkouts = FakeCheckouts::new("main");
            let sandbox = FakeSandbox::new(kind)
                .with_workspace(&api, &feat_x())
                .with_export(exported(standing, false));

            let fetched = fetch(
                backend(&checkouts, &sandbox),
                &api,
                &feat_x(),
                Path::new("/scratch"),
            )
            .unwrap();

            assert!(
                matches!(
                    fetched.outcome,
                    FetchOutcome::Shared { .. } | FetchOutcome::UpToDate { .. }
                ),
                "{fetched:?}"
            );
            assert_eq!(fetched.tip(), "b".repeat(40));
            assert!(checkouts.imports().is_empty());
        }
    }

    #[test]
    fn a_missing_workspace_is_not_found_and_nothing_is_asked_of_the_host() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker);

        let err = fetch(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            Path::new("/scratch"),
        )
        .unwrap_err();

        assert!(
            matches!(err, WorkspaceError::WorkspaceNotFound { .. }),
            "{err:?}"
        );
        assert!(checkouts.calls().is_empty(), "{:?}", checkouts.calls());
    }
}
