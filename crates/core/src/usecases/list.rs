use crate::domain::{Checkout, SandboxKind, Workspace};
use crate::ports::{ErrorKind, SandboxError, WorkspaceRegistry};

use super::{WorkspaceError, joined};

/// What [`list`] found.
#[derive(Debug)]
pub struct Listing {
    /// The workspaces, by repository, main first, then by branch and sandbox.
    pub workspaces: Vec<Workspace>,
    /// The sandboxes whose workspaces are missing because their engine could not be
    /// reached ([`ErrorKind::Unavailable`]), each with its error.
    pub unreachable: Vec<(SandboxKind, SandboxError)>,
}

/// Every workspace of `checkouts` in each registry, main first per repository. A registry
/// whose engine cannot be reached leaves its workspaces out and its error in
/// [`Listing::unreachable`]: the others are still listed. The registries are asked at
/// once, each on a thread of its own.
///
/// # Errors
/// [`WorkspaceError::Sandbox`] when a registry fails otherwise.
pub fn list(
    registries: &[&dyn WorkspaceRegistry],
    checkouts: &[Checkout],
) -> Result<Listing, WorkspaceError> {
    let mut all = Vec::new();
    let mut unreachable = Vec::new();
    // Each registry looks at once (a daemon's answers come while git's files are read);
    // their answers are taken in the registries' order.
    let answers: Vec<Result<Vec<Workspace>, SandboxError>> = std::thread::scope(|scope| {
        let looking: Vec<_> = registries
            .iter()
            .map(|registry| scope.spawn(move || registry.list(checkouts)))
            .collect();
        looking.into_iter().map(joined).collect()
    });
    for (registry, answer) in registries.iter().zip(answers) {
        match answer {
            Ok(workspaces) => all.extend(workspaces),
            Err(err) if err.kind() == ErrorKind::Unavailable => {
                unreachable.push((registry.kind(), err));
            }
            Err(err) => return Err(err.into()),
        }
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
    Ok(Listing {
        workspaces: all,
        unreachable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::WorkspaceTarget;
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

        let listing = list(&[&worktree, &docker], &[web.clone(), api.clone()]).unwrap();

        assert!(listing.unreachable.is_empty());
        let rows: Vec<String> = listing.workspaces.iter().map(row).collect();
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
    fn a_registry_that_cannot_be_reached_is_left_out_and_said() {
        let api = checkout("acme", "api");
        let worktree =
            FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &WorkspaceTarget::Main);
        let docker = FakeSandbox::new(SandboxKind::Docker)
            .with_workspace(&api, &WorkspaceTarget::Main)
            .with_failure(SandboxCall::List, ErrorKind::Unavailable);

        let listing = list(&[&worktree, &docker], &[api]).unwrap();

        let rows: Vec<String> = listing.workspaces.iter().map(row).collect();
        assert_eq!(rows, ["acme/api main worktree"]);
        let [(sandbox, unreachable)] = listing.unreachable.as_slice() else {
            panic!(
                "expected one unreachable sandbox: {:?}",
                listing.unreachable
            );
        };
        assert_eq!(*sandbox, SandboxKind::Docker);
        assert_eq!(unreachable.kind(), ErrorKind::Unavailable);
    }

    #[test]
    fn a_registry_that_fails_otherwise_fails_the_listing() {
        let api = checkout("acme", "api");
        let worktree =
            FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &WorkspaceTarget::Main);
        let docker = FakeSandbox::new(SandboxKind::Docker)
            .with_failure(SandboxCall::List, ErrorKind::CommandFailed);

        let err = list(&[&worktree, &docker], &[api]).unwrap_err();

        let WorkspaceError::Sandbox(source) = err else {
            panic!("expected a sandbox error, got {err:?}");
        };
        assert_eq!(source.kind(), ErrorKind::CommandFailed);
    }
}
