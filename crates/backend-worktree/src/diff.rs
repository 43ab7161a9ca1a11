//! The diff of a worktree's work: the shared diff script of `skipper-git`, run on the host
//! in the worktree, writing straight to the file asked for.

use std::path::Path;

use skipper_core::{DiffMade, DiffRequest, Operation, SandboxError, Workspace};
use skipper_git::HostScripts;

use crate::operation::{failed, path_of};

/// Writes the diff `request` asks for of the worktree `workspace` to `dest`.
pub(crate) fn diff(
    workspace: &Workspace,
    request: &DiffRequest,
    dest: &Path,
) -> Result<DiffMade, SandboxError> {
    let dir = path_of(workspace)?;
    skipper_git::diff::diff(&HostScripts::in_dir(dir), request, dest)
        .map_err(|err| failed(Operation::Diffing, &workspace.reference).error(err.kind(), err))
}
