//! The store of saved work and the record of removals in progress.

use std::fmt::Debug;

use crate::domain::{
    RepositoryId, SandboxKind, SaveId, SaveSlot, SavedContents, SavedWork, WorkspaceRef,
};

use super::error::BoxError;

/// Why the save store failed.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// No save has this id.
    #[error("no saved work has the id `{id}`")]
    NotFound {
        /// The id asked for.
        id: SaveId,
    },
    /// Reading or writing the store failed.
    #[error("{what}")]
    Store {
        /// What was being done, to which path.
        what: String,
        /// The underlying failure.
        #[source]
        source: BoxError,
    },
}

/// A removal that began and did not finish: written after the gate passed (and after the
/// save, when there was one), before the sandbox deletes anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovalRecord {
    /// The workspace being removed.
    pub workspace: WorkspaceRef,
    /// Its sandbox.
    pub sandbox: SandboxKind,
    /// The save holding its work, when `--force` saved some.
    pub saved: Option<SaveId>,
    /// When the removal began, in seconds since the Unix epoch.
    pub began_at: u64,
}

/// Where `remove --force` keeps work, and only `drop` deletes it.
///
/// A save is made in two steps: [`SaveStore::reserve`] gives it a directory of its own,
/// the sandbox writes into it, and [`SaveStore::commit`] records what it holds. A save
/// never committed (the process died in between) is incomplete: listed by
/// [`SaveStore::incomplete`], never by [`SaveStore::list`].
pub trait SaveStore: Send + Sync + Debug {
    /// Makes an empty directory for a new save of `workspace`, under an id no other save
    /// has or had.
    ///
    /// # Errors
    /// [`SaveError::Store`] when the directory cannot be made.
    fn reserve(
        &self,
        workspace: &WorkspaceRef,
        sandbox: SandboxKind,
    ) -> Result<SaveSlot, SaveError>;

    /// Records what the sandbox saved in `slot`, making the save complete.
    ///
    /// # Errors
    /// [`SaveError::Store`] when the record cannot be written.
    fn commit(
        &self,
        slot: SaveSlot,
        workspace: &WorkspaceRef,
        sandbox: SandboxKind,
        contents: SavedContents,
    ) -> Result<SavedWork, SaveError>;

    /// Keeps `transcript`, an agent's export of its conversation in the workspace, in
    /// `slot` under the agent's name (replacing one kept before).
    ///
    /// # Errors
    /// [`SaveError::Store`] when it cannot be written.
    fn keep_transcript(
        &self,
        slot: &SaveSlot,
        agent: &str,
        transcript: &[u8],
    ) -> Result<(), SaveError>;

    /// The transcript of `agent`'s conversation kept in `saved`.
    ///
    /// # Errors
    /// [`SaveError::Store`] when it cannot be read (or was never kept).
    fn transcript(&self, saved: &SavedWork, agent: &str) -> Result<Vec<u8>, SaveError>;

    /// Deletes a reserved slot whose save failed. Idempotent.
    ///
    /// # Errors
    /// [`SaveError::Store`] when the directory cannot be deleted.
    fn discard(&self, slot: SaveSlot) -> Result<(), SaveError>;

    /// The complete saves of `repository` (of every repository when `None`), oldest first
    /// (saves made in the same second in the order they were made).
    ///
    /// # Errors
    /// [`SaveError::Store`] when the store cannot be read.
    fn list(&self, repository: Option<&RepositoryId>) -> Result<Vec<SavedWork>, SaveError>;

    /// The save with this id.
    ///
    /// # Errors
    /// [`SaveError::NotFound`], or [`SaveError::Store`].
    fn get(&self, id: &SaveId) -> Result<SavedWork, SaveError>;

    /// Deletes a save: its directory, and its refs in the host checkout are the caller's.
    ///
    /// # Errors
    /// [`SaveError::NotFound`], or [`SaveError::Store`].
    fn drop_save(&self, id: &SaveId) -> Result<SavedWork, SaveError>;

    /// Directories of saves that were reserved and never committed.
    ///
    /// # Errors
    /// [`SaveError::Store`] when the store cannot be read.
    fn incomplete(&self) -> Result<Vec<SaveSlot>, SaveError>;

    /// Records that the removal of a workspace began.
    ///
    /// # Errors
    /// [`SaveError::Store`] when the record cannot be written.
    fn begin_removal(&self, record: &RemovalRecord) -> Result<(), SaveError>;

    /// The removal of `workspace` in `sandbox` that began and did not finish, if any.
    ///
    /// # Errors
    /// [`SaveError::Store`] when the record cannot be read.
    fn removal(
        &self,
        workspace: &WorkspaceRef,
        sandbox: SandboxKind,
    ) -> Result<Option<RemovalRecord>, SaveError>;

    /// Every removal that began and did not finish.
    ///
    /// # Errors
    /// [`SaveError::Store`] when the records cannot be read.
    fn removals(&self) -> Result<Vec<RemovalRecord>, SaveError>;

    /// Forgets the record of a finished removal. Idempotent.
    ///
    /// # Errors
    /// [`SaveError::Store`] when the record cannot be deleted.
    fn end_removal(&self, workspace: &WorkspaceRef, sandbox: SandboxKind) -> Result<(), SaveError>;
}
