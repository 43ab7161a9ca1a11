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
