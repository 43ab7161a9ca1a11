//! Fetch and sync for a worktree: it shares the host checkout's refs and objects, so its
//! branch is the host's already and the host's fetch of `origin` is all a sync needs. The
//! branch's tip and the uncommitted files are still told, by the shared export script run in
//! the worktree, reporting only.

use skipper_core::{
    BranchExport, BranchStanding, ExportRequest, Operation, SandboxError, SyncReport, Workspace,
};
use skipper_git::HostScripts;

use crate::operation::{failed, path_of};

/// [`Sandbox::export_branch`](skipper_core::Sandbox::export_branch): never a bundle.
pub(crate) fn export_branch(
    workspace: &Workspace,
    request: &ExportRequest,
) -> Result<BranchExport, SandboxError> {
    let dir = path_of(workspace)?;
    let export = skipper_git::export::export_branch(&HostScripts::in_dir(dir), request, None)
        .map_err(|err| failed(Operation::Fetching, &workspace.reference).error(err.kind(), err))?;
    Ok(BranchExport {
        standing: BranchStanding::Shared,
        bundle: false,
        ..export
    })
}

/// [`Sandbox::sync_remote`](skipper_core::Sandbox::sync_remote): nothing to carry.
pub(crate) fn sync_remote(workspace: &Workspace) -> Result<SyncReport, SandboxError> {
    path_of(workspace)?;
    Ok(SyncReport::Shared)
}
