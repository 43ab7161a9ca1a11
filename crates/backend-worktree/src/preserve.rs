//! Saving a workspace's work at risk before a forced removal, and putting it back.

use skipper_core::{
    ErrorKind, Operation, SandboxError, SaveSlot, SavedContents, SavedWork, Workspace,
};

use crate::operation::failed;

/// Saves the work at risk into `slot`. (Being rewritten to the shared save scripts.)
pub(crate) fn preserve(
    workspace: &Workspace,
    _slot: &SaveSlot,
) -> Result<SavedContents, SandboxError> {
    Err(failed(Operation::Saving, &workspace.reference)
        .error(ErrorKind::CommandFailed, "saving is being rewritten"))
}

/// Puts saved work back. (Being rewritten to the shared save scripts.)
pub(crate) fn restore(workspace: &Workspace, _saved: &SavedWork) -> Result<(), SandboxError> {
    Err(failed(Operation::Creating, &workspace.reference)
        .error(ErrorKind::CommandFailed, "restoring is being written"))
}
