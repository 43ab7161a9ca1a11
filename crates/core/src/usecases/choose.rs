use std::fmt;

use crate::domain::{Checkout, SandboxKind, WorkspaceRef, WorkspaceTarget};
use crate::ports::{BoxError, ErrorKind, WorkspaceRegistry};

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

/// A sandbox [`sandbox_for`] may ask, opened only when its answer is needed: opening may
/// mean connecting to its engine, which may be slow or gone.
#[derive(Clone, Copy)]
pub struct Candidate<'a> {
    /// The sandbox.
    pub kind: SandboxKind,
    /// Its registry, or why it cannot be had (the daemon does not answer, its
    /// configuration is wrong).
    pub open: &'a dyn Fn() -> Result<&'a dyn WorkspaceRegistry, BoxError>,
}

impl fmt::Debug for Candidate<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Candidate")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// The sandbox holding `target` of `checkout`: the explicit choice, without asking; else
/// the first of `candidates` (in their order) that holds the workspace, except that the
/// configured sandbox wins when it holds it too; when none holds it, the sandbox for new
/// workspaces. Once a candidate holds it, the others are not asked, but for the configured
/// one: a workspace of the worktree sandbox never waits for Docker unless the configuration
/// names Docker.
///
/// # Errors
/// [`WorkspaceError::SandboxNotAsked`] when a candidate that may hold the workspace
/// cannot be opened or its engine does not answer: the workspace may be there, so it is
/// neither called missing nor made elsewhere. A registry's other failures to look.
pub fn sandbox_for(
    candidates: &[Candidate<'_>],
    checkout: &Checkout,
    target: &WorkspaceTarget,
    choice: SandboxChoice,
) -> Result<SandboxKind, WorkspaceError> {
    if let Some(kind) = choice.explicit {
        return Ok(kind);
    }
    let reference = || WorkspaceRef {
        repository: checkout.repository.clone(),
        target: target.clone(),
    };
    let not_asked = |kind: SandboxKind, cause: BoxError| WorkspaceError::SandboxNotAsked {
        reference: reference(),
        sandbox: kind,
        cause,
    };
    let mut holder = None;
    for candidate in candidates {
        let settles = holder.is_none() || choice.configured == Some(candidate.kind);
        if !settles {
            continue;
        }
        let registry = (candidate.open)().map_err(|cause| not_asked(candidate.kind, cause))?;
        match registry.holds(checkout, target) {
            Ok(true) => holder = Some(candidate.kind),
            Ok(false) => {}
            Err(err) if err.kind() == ErrorKind::Unavailable => {
                return Err(not_asked(candidate.kind, Box::new(err)));
            }
            Err(err) => return Err(err.into()),
        }
    }
    Ok(holder.unwrap_or_else(|| choice.for_new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FakeSandbox, SandboxCall, branch, checkout};

    fn feat_x() -> WorkspaceTarget {
        WorkspaceTarget::Branch(branch("feat/x"))
    }

    fn choice(explicit: Option<SandboxKind>, configured: Option<SandboxKind>) -> SandboxChoice {
        SandboxChoice {
            explicit,
            configured,
        }
    }

    /// `worktree` then `docker` as candidates to `sandbox_for`; `docker` is `None` when it
    /// cannot be opened ("connection refused").
    fn choose(
        worktree: &FakeSandbox,
        docker: Option<&FakeSandbox>,
        target: &WorkspaceTarget,
        choice: SandboxChoice,
    ) -> Result<SandboxKind, WorkspaceError> {
        let open_worktree = || Ok(worktree as &dyn WorkspaceRegistry);
        let open_docker = || match docker {
            Some(docker) => Ok(docker as &dyn WorkspaceRegistry),
            None => Err("connection refused".into()),
        };
        let candidates = [
            Candidate {
                kind: SandboxKind::Worktree,
                open: &open_worktree,
            },
            Candidate {
                kind: SandboxKind::Docker,
                open: &open_docker,
            },
        ];
        sandbox_for(&candidates, &checkout("acme", "api"), target, choice)
    }

    #[test]
    fn the_explicit_choice_wins_without_asking_the_registries() {
        let api = checkout("acme", "api");
        let worktree = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());

        let kind = choose(
            &worktree,
            None,
            &feat_x(),
            choice(Some(SandboxKind::Docker), Some(SandboxKind::Worktree)),
        )
        .unwrap();

        assert_eq!(kind, SandboxKind::Docker);
        assert!(worktree.calls().is_empty(), "{:?}", worktree.calls());
    }

    #[test]
    fn the_one_sandbox_holding_the_workspace_is_chosen() {
        let api = checkout("acme", "api");
        let worktree = FakeSandbox::new(SandboxKind::Worktree);
        let docker = FakeSandbox::new(SandboxKind::Docker).with_workspace(&api, &feat_x());

        let kind = choose(
            &worktree,
            Some(&docker),
            &feat_x(),
            choice(None, Some(SandboxKind::Worktree)),
        )
        .unwrap();

        assert_eq!(kind, SandboxKind::Docker);
    }

    #[test]
    fn a_workspace_of_the_first_sandbox_is_chosen_without_asking_the_others() {
        let api = checkout("acme", "api");
        let worktree = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());
        let docker = FakeSandbox::new(SandboxKind::Docker).with_workspace(&api, &feat_x());

        for configured in [None, Some(SandboxKind::Worktree)] {
            let kind = choose(
                &worktree,
                Some(&docker),
                &feat_x(),
                choice(None, configured),
            );
            assert_eq!(
                kind.unwrap(),
                SandboxKind::Worktree,
                "configured {configured:?}"
            );
            // Nor opened: one that cannot be is no matter.
            let kind = choose(&worktree, None, &feat_x(), choice(None, configured));
            assert_eq!(
                kind.unwrap(),
                SandboxKind::Worktree,
                "configured {configured:?}"
            );
        }
        assert!(docker.calls().is_empty(), "{:?}", docker.calls());
    }

    #[test]
    fn the_configured_sandbox_is_asked_and_wins_when_it_holds_the_workspace_too() {
        let api = checkout("acme", "api");
        let worktree = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &feat_x());
        let both = FakeSandbox::new(SandboxKind::Docker).with_workspace(&api, &feat_x());
        let empty = FakeSandbox::new(SandboxKind::Docker);
        let docker_configured = choice(None, Some(SandboxKind::Docker));

        let kind = choose(&worktree, Some(&both), &feat_x(), docker_configured);
        assert_eq!(kind.unwrap(), SandboxKind::Docker);
        let kind = choose(&worktree, Some(&empty), &feat_x(), docker_configured);
        assert_eq!(kind.unwrap(), SandboxKind::Worktree);
        let err = choose(&worktree, None, &feat_x(), docker_configured).unwrap_err();
        assert!(
            matches!(
                err,
                WorkspaceError::SandboxNotAsked {
                    sandbox: SandboxKind::Docker,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn a_workspace_in_no_sandbox_goes_where_new_ones_go() {
        let worktree = FakeSandbox::new(SandboxKind::Worktree);
        let docker = FakeSandbox::new(SandboxKind::Docker);

        for (configured, expected) in [
            (None, SandboxKind::Worktree),
            (Some(SandboxKind::Docker), SandboxKind::Docker),
            (Some(SandboxKind::Worktree), SandboxKind::Worktree),
        ] {
            let kind = choose(
                &worktree,
                Some(&docker),
                &feat_x(),
                choice(None, configured),
            );
            assert_eq!(kind.unwrap(), expected, "configured {configured:?}");
        }
        assert_eq!(worktree.calls(), ["locate feat/x"; 3]);
        assert_eq!(docker.calls(), ["locate feat/x"; 3]);
    }

    #[test]
    fn a_sandbox_that_cannot_be_asked_may_hold_the_workspace_and_says_so() {
        let worktree = FakeSandbox::new(SandboxKind::Worktree);
        let unreachable = FakeSandbox::new(SandboxKind::Docker)
            .with_failure(SandboxCall::Locate, ErrorKind::Unavailable);

        for docker in [None, Some(&unreachable)] {
            let err = choose(&worktree, docker, &feat_x(), choice(None, None)).unwrap_err();
            let message = err.to_string();
            let WorkspaceError::SandboxNotAsked {
                reference, sandbox, ..
            } = err
            else {
                panic!("expected SandboxNotAsked, got {err:?}");
            };
            assert_eq!(reference.target, feat_x());
            assert_eq!(sandbox, SandboxKind::Docker);
            assert!(
                message.starts_with("the docker sandbox could not be asked (")
                    && message.ends_with("): acme/api (feat/x) may exist there"),
                "{message}"
            );
        }
        let err = choose(&worktree, None, &feat_x(), choice(None, None)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the docker sandbox could not be asked (connection refused): acme/api (feat/x) may exist there"
        );
    }

    #[test]
    fn a_registry_failing_otherwise_fails_the_choice() {
        let worktree = FakeSandbox::new(SandboxKind::Worktree);
        let docker = FakeSandbox::new(SandboxKind::Docker)
            .with_failure(SandboxCall::Locate, ErrorKind::Conflict);

        let err = choose(&worktree, Some(&docker), &feat_x(), choice(None, None)).unwrap_err();

        let WorkspaceError::Sandbox(source) = err else {
            panic!("expected a sandbox error, got {err:?}");
        };
        assert_eq!(source.kind(), ErrorKind::Conflict);
    }
}
