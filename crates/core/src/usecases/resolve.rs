use crate::domain::{Checkout, RepositoryQuery, Workspace, WorkspaceRef, WorkspaceTarget};
use crate::ports::HostCheckouts;

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

/// The existing workspace for `target` of `checkout`.
///
/// # Errors
/// [`WorkspaceError::WorkspaceNotFound`] when it does not exist.
pub fn locate(
    backend: Backend<'_>,
    checkout: &Checkout,
    target: &WorkspaceTarget,
) -> Result<Workspace, WorkspaceError> {
    backend
        .registry
        .locate(checkout, target)?
        .ok_or_else(|| WorkspaceError::WorkspaceNotFound {
            reference: WorkspaceRef {
                repository: checkout.repository.clone(),
                target: target.clone(),
            },
            sandbox: backend.registry.kind(),
        })
}
