//! The diff of a container's work: the container is started if it is stopped, the shared
//! diff script of `skipper-git` runs in it and writes the diff to its scratch directory, and
//! the daemon's archive API streams that file to the host.

use std::path::Path;

use skipper_core::{DiffMade, DiffRequest, Operation, SandboxError, Workspace};

use crate::container_scripts::ContainerScripts;
use crate::sandbox::work_failed;
use crate::{DockerBackend, container_of};

impl DockerBackend {
    /// [`skipper_core::Sandbox::diff`] of a container workspace.
    pub(crate) fn diff_workspace(
        &self,
        workspace: &Workspace,
        request: &DiffRequest,
        dest: &Path,
    ) -> Result<DiffMade, SandboxError> {
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        self.runtime
            .block_on(self.engine.ensure_running(name, reference))
            .map_err(|err| err.into_sandbox(Operation::Diffing, reference))?;
        skipper_git::diff::diff(&ContainerScripts::new(self, name, path), request, dest)
            .map_err(work_failed(Operation::Diffing, reference))
    }
}
