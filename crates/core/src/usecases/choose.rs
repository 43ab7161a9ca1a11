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
