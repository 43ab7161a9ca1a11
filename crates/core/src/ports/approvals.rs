//! The store of the user's approvals of a repository's hook commands: a cloned
//! repository is someone else's code, so its `.skipper.toml` hooks run only once the user
//! approved exactly those commands.

use std::fmt::Debug;

use crate::domain::RepositoryId;

use super::error::BoxError;

/// Remembers which sets of hook commands (by [`Hooks::digest`]) the user approved for
/// which repository. Approvals outlive workspaces; a changed set of commands has another
/// digest and is not approved.
///
/// [`Hooks::digest`]: crate::domain::Hooks::digest
pub trait ApprovalStore: Send + Sync + Debug {
    /// Whether the user approved the commands with `digest` for `repository`. Changes
    /// nothing; a store that does not exist yet approves nothing.
    ///
    /// # Errors
    /// [`ApprovalError`] when the store cannot be read.
    fn is_approved(&self, repository: &RepositoryId, digest: &str) -> Result<bool, ApprovalError>;

    /// Records the user's approval of the commands with `digest` for `repository`, with
    /// `commands` (for people reading the store). Idempotent.
    ///
    /// # Errors
    /// [`ApprovalError`] when the store cannot be written.
    fn approve(
        &self,
        repository: &RepositoryId,
        digest: &str,
        commands: &str,
    ) -> Result<(), ApprovalError>;

    /// Forgets every approval of `repository`; returns how many there were. Idempotent:
    /// none is 0.
    ///
    /// # Errors
    /// [`ApprovalError`] when the store cannot be changed.
    fn revoke(&self, repository: &RepositoryId) -> Result<usize, ApprovalError>;
}

/// Reading or writing the approval store failed.
#[derive(Debug, thiserror::Error)]
#[error("{what}")]
pub struct ApprovalError {
    /// What was being done, to which path.
    pub what: String,
    /// The underlying failure.
    #[source]
    pub source: BoxError,
}
