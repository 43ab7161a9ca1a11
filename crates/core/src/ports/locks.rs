//! Locks that serialise what races between `sk` processes.

use std::fmt::Debug;

use crate::domain::{RepositoryId, WorkspaceRef};

use super::error::BoxError;

/// Why a lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process held the lock for longer than the wait allows.
    #[error("timed out after {waited_secs} s waiting for the lock on {what}, held by {holder}")]
    Timeout {
        /// What the lock guards ("workspace github.com/acme/api feat/x").
        what: String,
        /// Who holds it, as the holder wrote it ("pid 4242: sk workspace create ...").
        holder: String,
        /// How long `sk` waited.
        waited_secs: u64,
    },
    /// The lock file could not be opened or locked.
    #[error("could not lock {what}")]
    Io {
        /// What the lock guards, and its file.
        what: String,
        /// The failure.
        #[source]
        source: BoxError,
    },
}

/// A held lock, released when dropped (and by the kernel when the process dies).
pub trait LockGuard: Send + Debug {}

/// Locks under the data root. Each waits a bounded time for another process to let go,
/// saying on the progress stream whom it waits for.
pub trait Locks: Send + Sync + Debug {
    /// The lock of one repository's host checkout and snapshot: held while either is
    /// cloned, refreshed or rebuilt.
    ///
    /// # Errors
    /// [`LockError::Timeout`] naming the holder, or [`LockError::Io`].
    fn repository(&self, repository: &RepositoryId) -> Result<Box<dyn LockGuard>, LockError>;

    /// The lock of one workspace (any sandbox): held while it is created, restored or
    /// removed.
    ///
    /// # Errors
    /// [`LockError::Timeout`] naming the holder, or [`LockError::Io`].
    fn workspace(&self, workspace: &WorkspaceRef) -> Result<Box<dyn LockGuard>, LockError>;
}
