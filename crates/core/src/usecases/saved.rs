use crate::domain::{RepositoryQuery, SaveId, SavedWork};
use crate::ports::SaveStore;

use super::WorkspaceError;

/// The complete saves, oldest first: of the repositories `query` matches, else all.
///
/// # Errors
/// The store's failure.
pub fn list_saved(
    saves: &dyn SaveStore,
    query: Option<&RepositoryQuery>,
) -> Result<Vec<SavedWork>, WorkspaceError> {
    Ok(saves
        .list(None)?
        .into_iter()
        .filter(|saved| query.is_none_or(|query| query.matches(&saved.repository)))
        .collect())
}

/// Deletes the saves `ids`, all or none: every id is checked before any is deleted.
///
/// # Errors
/// [`crate::ports::SaveError::NotFound`] for the first unknown id, or the store's failure.
pub fn drop_saved(saves: &dyn SaveStore, ids: &[SaveId]) -> Result<Vec<SavedWork>, WorkspaceError> {
    for id in ids {
        saves.get(id)?;
    }
    let mut dropped = Vec::new();
    for id in ids {
        dropped.push(saves.drop_save(id)?);
    }
    Ok(dropped)
}
