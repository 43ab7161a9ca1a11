//! Fetch and sync for a workspace container, which keeps refs of its own: the shared export
//! script runs in the container and its bundle (only the commits the host lacks) is
//! streamed out by the daemon's archive API; for a sync, the host checkout's bundle of what
//! the container's origin branches lack goes in the same way, and a script sets them.

use std::path::Path;

use skipper_core::{
    BranchExport, Checkout, ExportRequest, Operation, SandboxError, SyncReport, Workspace,
    WorkspaceRef,
};
use skipper_git::WorkError;

use crate::container_scripts::ContainerScripts;
use crate::{DockerBackend, container_of};

/// The port's error for a failure of a shared script.
fn work_failed(
    operation: Operation,
    reference: &WorkspaceRef,
) -> impl FnOnce(WorkError) -> SandboxError + '_ {
    move |err| SandboxError::workspace(err.kind(), operation, reference, err)
}

impl DockerBackend {
    /// [`Sandbox::export_branch`](skipper_core::Sandbox::export_branch) in the container,
    /// started on demand.
    pub(crate) fn export_branch_from(
        &self,
        workspace: &Workspace,
        request: &ExportRequest,
        dest: &Path,
    ) -> Result<BranchExport, SandboxError> {
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        self.runtime
            .block_on(self.engine.ensure_running(name, reference))
            .map_err(|err| err.into_sandbox(Operation::Fetching, reference))?;
        skipper_git::export::export_branch(
            &ContainerScripts::new(self, name, path),
            request,
            Some(dest),
        )
        .map_err(work_failed(Operation::Fetching, reference))
    }

    /// [`Sandbox::sync_remote`](skipper_core::Sandbox::sync_remote) into the container,
    /// started on demand.
    pub(crate) fn sync_remote_into(
        &self,
        workspace: &Workspace,
        checkout: &Checkout,
        scratch: &Path,
    ) -> Result<SyncReport, SandboxError> {
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        self.runtime
            .block_on(async {
                self.engine.ensure_running(name, reference).await?;
                // An engine elsewhere has a copy of the host's configuration: refreshed.
                if !self.engine.local {
                    let config = self.engine.host_config();
                    self.engine.copy_host_config(name, &config).await?;
                }
                Ok::<_, crate::error::DockerError>(())
            })
            .map_err(|err| err.into_sandbox(Operation::Syncing, reference))?;
        skipper_git::sync::sync_origin(
            &ContainerScripts::new(self, name, path),
            &checkout.path,
            scratch,
        )
        .map_err(work_failed(Operation::Syncing, reference))
    }
}
