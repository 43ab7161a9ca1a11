use crate::domain::{Checkout, Workspace};
use crate::ports::WorkspaceRegistry;

use super::WorkspaceError;

/// Every workspace of `checkouts` in each registry, main first per repository.
///
/// # Errors
/// [`WorkspaceError::Sandbox`] when a registry cannot be read.
pub fn list(
    registries: &[&dyn WorkspaceRegistry],
    checkouts: &[Checkout],
) -> Result<Vec<Workspace>, WorkspaceError> {
    let mut all = Vec::new();
    for registry in registries {
        all.extend(registry.list(checkouts)?);
    }
    all.sort_by(|a, b| {
        let key = |w: &Workspace| {
            (
                w.reference.repository.clone(),
                w.reference.target.branch().cloned(),
                w.sandbox.as_str(),
            )
        };
        key(a).cmp(&key(b))
    });
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{SandboxKind, WorkspaceTarget};
    use crate::fakes::{FakeSandbox, SandboxCall, branch, checkout};
    use crate::ports::ErrorKind;

    fn row(workspace: &Workspace) -> String {
        format!(
            "{} {} {}",
            workspace.reference.repository, workspace.reference.target, workspace.sandbox
        )
    }

    #[test]
    fn two_registries_are_merged_by_repository_then_main_first_then_sandbox() {
        let api = checkout("acme", "api");
        let web = checkout("acme", "web");
        let other = checkout("zeta", "other");
        let feat = WorkspaceTarget::Branch(branch("feat/x"));
        let alpha = WorkspaceTarget::Branch(branch("alpha"));
        let worktree = FakeSandbox::new(SandboxKind::Worktree)
            .with_workspace(&web, &WorkspaceTarget::Main)
            .with_workspace(&api, &feat)
            .with_workspace(&api, &WorkspaceTarget::Main)
            .with_workspace(&other, &WorkspaceTarget::Main);
        let docker = FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(&api, &WorkspaceTarget::Main)
            .with_workspace(&api, &feat)
            .with_workspace(&api, &alpha)
            .with_workspace(&web, &alpha);

        let all = list(&[&worktree, &docker], &[web.clone(), api.clone()]).unwrap();

        let rows: Vec<String> = all.iter().map(row).collect();
        assert_eq!(
            rows,
            [
                "acme/api main docker",
                "acme/api main worktree",
                "acme/api alpha docker",
                "acme/api feat/x docker",
                "acme/api feat/x worktree",
                "acme/web main worktree",
                "acme/web alpha docker",
            ]
        );
    }

    #[test]
    fn a_registry_that_cannot_be_read_fails_the_listing() {
        let api = checkout("acme", "api");
        let worktree =
            FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &WorkspaceTarget::Main);
        let docker = FakeSandbox::new(SandboxKind::Docker)
            .with_failure(SandboxCall::List, ErrorKind::Unavailable);

        let err = list(&[&worktree, &docker], &[api]).unwrap_err();

        let WorkspaceError::Sandbox(source) = err else {
            panic!("expected a sandbox error, got {err:?}");
        };
        assert_eq!(source.kind(), ErrorKind::Unavailable);
    }
}
