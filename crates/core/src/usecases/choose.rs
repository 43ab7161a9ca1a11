use crate::domain::{Checkout, SandboxKind, WorkspaceRef, WorkspaceTarget};
use crate::ports::WorkspaceRegistry;

use super::WorkspaceError;

/// What the user said about the sandbox to use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SandboxChoice {
    /// Chosen for this command (`--sandbox`): always wins.
    pub explicit: Option<SandboxKind>,
    /// The configured default (`sandbox` in config.toml): where new workspaces go, and
    /// the tie-breaker when a workspace exists in several sandboxes.
    pub configured: Option<SandboxKind>,
}

impl SandboxChoice {
    /// The sandbox new workspaces go to: the explicit one, else the configured one, else
    /// the worktree sandbox.
    #[must_use]
    pub fn for_new(self) -> SandboxKind {
        self.explicit
            .or(self.configured)
            .unwrap_or(SandboxKind::Worktree)
    }
}

/// The sandbox holding `target` of `checkout`, asked of every registry given: the
/// explicit choice; else the one sandbox where the workspace exists; when it exists in
/// several, the configured one among them; when it exists nowhere, the sandbox for new
/// workspaces.
///
/// # Errors
/// [`WorkspaceError::InSeveralSandboxes`] when it exists in several and the configuration
/// does not name one of them; a registry's failure to look.
pub fn sandbox_for(
    registries: &[&dyn WorkspaceRegistry],
    checkout: &Checkout,
    target: &WorkspaceTarget,
    choice: SandboxChoice,
) -> Result<SandboxKind, WorkspaceError> {
    if let Some(kind) = choice.explicit {
        return Ok(kind);
    }
    let mut holders = Vec::new();
    for registry in registries {
        if registry.locate(checkout, target)?.is_some() {
            holders.push(registry.kind());
        }
    }
    match holders.as_slice() {
        [] => Ok(choice.for_new()),
        [one] => Ok(*one),
        several => match choice.configured {
            Some(kind) if several.contains(&kind) => Ok(kind),
            _ => Err(WorkspaceError::InSeveralSandboxes {
                reference: WorkspaceRef {
                    repository: checkout.repository.clone(),
                    target: target.clone(),
                },
                sandboxes: holders,
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FakeSandbox, SandboxCall, branch, checkout};
    use crate::ports::ErrorKind;

    fn feat_x() -> WorkspaceTarget {
        WorkspaceTarget::Branch(branch("feat/x"))
    }

    fn choice(explicit: Option<SandboxKind>, configured: Option<SandboxKind>) -> SandboxChoice {
        SandboxChoice {
            explicit,
            configured,
        }
    }

    #[test]
    fn the_explicit_choice_wins_without_asking_the_registries() {
        let api = checkout("acme", "api");
        let worktree = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());
        let docker = FakeSandbox::new(SandboxKind::Docker);

        let kind = sandbox_for(
            &[&worktree, &docker],
            &api,
            &feat_x(),
            choice(Some(SandboxKind::Docker), Some(SandboxKind::Worktree)),
        )
        .unwrap();

        assert_eq!(kind, SandboxKind::Docker);
        assert!(worktree.calls().is_empty(), "{:?}", worktree.calls());
        assert!(docker.calls().is_empty(), "{:?}", docker.calls());
    }

    #[test]
    fn the_one_sandbox_holding_the_workspace_is_chosen() {
        let api = checkout("acme", "api");
        let worktree = FakeSandbox::new(SandboxKind::Worktree);
        let docker = FakeSandbox::new(SandboxKind::Docker).with_workspace(&api, &feat_x());

        let kind = sandbox_for(
            &[&worktree, &docker],
            &api,
            &feat_x(),
            choice(None, Some(SandboxKind::Worktree)),
        )
        .unwrap();

        assert_eq!(kind, SandboxKind::Docker);
    }

    #[test]
    fn a_workspace_in_no_sandbox_goes_where_new_ones_go() {
        let api = checkout("acme", "api");
        let worktree = FakeSandbox::new(SandboxKind::Worktree);
        let docker = FakeSandbox::new(SandboxKind::Docker);
        let registries: [&dyn WorkspaceRegistry; 2] = [&worktree, &docker];

        for (configured, expected) in [
            (None, SandboxKind::Worktree),
            (Some(SandboxKind::Docker), SandboxKind::Docker),
            (Some(SandboxKind::Worktree), SandboxKind::Worktree),
        ] {
            let kind = sandbox_for(&registries, &api, &feat_x(), choice(None, configured));
            assert_eq!(kind.unwrap(), expected, "configured {configured:?}");
        }
        assert_eq!(worktree.calls(), ["locate feat/x"; 3]);
    }

    #[test]
    fn in_several_sandboxes_the_configured_one_among_them_wins() {
        let api = checkout("acme", "api");
        let worktree = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());
        let docker = FakeSandbox::new(SandboxKind::Docker).with_workspace(&api, &feat_x());

        let kind = sandbox_for(
            &[&worktree, &docker],
            &api,
            &feat_x(),
            choice(None, Some(SandboxKind::Docker)),
        )
        .unwrap();

        assert_eq!(kind, SandboxKind::Docker);
    }

    #[test]
    fn in_several_sandboxes_without_a_configured_one_among_them_is_an_error_naming_both() {
        let api = checkout("acme", "api");
        let worktree = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());
        let docker = FakeSandbox::new(SandboxKind::Docker).with_workspace(&api, &feat_x());

        let err =
            sandbox_for(&[&worktree, &docker], &api, &feat_x(), choice(None, None)).unwrap_err();

        assert_eq!(
            err.to_string(),
            "acme/api (feat/x) exists in both the worktree and the docker sandbox"
        );
        let WorkspaceError::InSeveralSandboxes {
            reference,
            sandboxes,
        } = err
        else {
            panic!("expected InSeveralSandboxes, got {err:?}");
        };
        assert_eq!(reference.target, feat_x());
        assert_eq!(sandboxes, [SandboxKind::Worktree, SandboxKind::Docker]);
    }

    #[test]
    fn a_registry_that_cannot_look_fails_the_choice() {
        let api = checkout("acme", "api");
        let worktree = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());
        let docker = FakeSandbox::new(SandboxKind::Docker)
            .with_failure(SandboxCall::Locate, ErrorKind::Unavailable);

        let err = sandbox_for(
            &[&worktree, &docker],
            &api,
            &feat_x(),
            choice(None, Some(SandboxKind::Worktree)),
        )
        .unwrap_err();

        let WorkspaceError::Sandbox(source) = err else {
            panic!("expected a sandbox error, got {err:?}");
        };
        assert_eq!(source.kind(), ErrorKind::Unavailable);
    }
}
