use std::path::Path;

use crate::domain::{BranchName, Checkout, DiffFormat, DiffMade, DiffRequest, WorkspaceTarget};

use super::{Backend, WorkspaceError, locate};

/// What the user asked of a diff; the default branch comes from the host checkout.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// See [`DiffRequest::base`].
    pub base: Option<String>,
    /// See [`DiffRequest::format`].
    pub format: DiffFormat,
    /// See [`DiffRequest::color`].
    pub color: bool,
    /// See [`DiffRequest::columns`].
    pub columns: Option<u16>,
}

impl DiffOptions {
    fn request(self, default_branch: BranchName) -> DiffRequest {
        DiffRequest {
            base: self.base,
            default_branch,
            format: self.format,
            color: self.color,
            columns: self.columns,
        }
    }
}

/// Writes to the host file `dest` everything an existing workspace changed since it
/// started, as one git diff (see [`crate::Sandbox::diff`]), from the merge base with
/// `origin/<default branch>` (the checkout's, as last fetched) unless `options` names
/// another base. Changes nothing.
///
/// # Errors
/// [`WorkspaceError::WorkspaceNotFound`] (or half made, or broken), the checkout's failure
/// to tell its default branch, or the sandbox's failure.
pub fn diff(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
    options: DiffOptions,
    dest: &Path,
) -> Result<DiffMade, WorkspaceError> {
    let workspace = locate(backend, checkout, target)?;
    let default_branch = backend.checkouts.default_branch(checkout)?;
    let request = options.request(default_branch);
    Ok(backend.sandbox.diff(&workspace, &request, dest)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SandboxKind;
    use crate::fakes::{FakeCheckouts, FakeSandbox, SandboxCall, backend, branch, checkout};
    use crate::ports::ErrorKind;

    fn feat_x() -> WorkspaceTarget {
        WorkspaceTarget::Branch(branch("feat/x"))
    }

    #[test]
    fn the_diff_starts_from_origins_default_branch_unless_a_base_is_named() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("trunk");
        let sandbox = FakeSandbox::new(SandboxKind::Docker).with_workspace(&api, &feat_x());
        let dest = Path::new("/nowhere/diff");

        let made = diff(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            DiffOptions::default(),
            dest,
        )
        .unwrap();
        let options = DiffOptions {
            base: Some("v1.0".into()),
            ..DiffOptions::default()
        };
        diff(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            options,
            dest,
        )
        .unwrap();

        assert_eq!(made, DiffMade { base: None });
        assert_eq!(
            sandbox.calls(),
            [
                "locate feat/x",
                "diff feat/x from refs/remotes/origin/trunk",
                "locate feat/x",
                "diff feat/x from v1.0"
            ]
        );
    }

    #[test]
    fn a_missing_workspace_is_not_found_and_nothing_is_diffed() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree);

        let err = diff(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            DiffOptions::default(),
            Path::new("/nowhere/diff"),
        )
        .unwrap_err();

        assert!(
            matches!(&err, WorkspaceError::WorkspaceNotFound { reference, sandbox: SandboxKind::Worktree } if reference.target == feat_x()),
            "{err:?}"
        );
        assert_eq!(sandbox.calls(), ["locate feat/x"]);
    }

    #[test]
    fn the_sandbox_failure_passes_through() {
        let api = checkout("acme", "api");
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(&api, &feat_x())
            .with_failure(SandboxCall::Diff, ErrorKind::NotFound);

        let err = diff(
            backend(&checkouts, &sandbox),
            &api,
            &feat_x(),
            DiffOptions::default(),
            Path::new("/nowhere/diff"),
        )
        .unwrap_err();

        let WorkspaceError::Sandbox(source) = err else {
            panic!("expected a sandbox error, got {err:?}");
        };
        assert_eq!(source.kind(), ErrorKind::NotFound);
    }
}
