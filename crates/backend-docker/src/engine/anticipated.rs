//! The look-up a command is about to make, asked alongside the ping that opens the
//! connection ([`crate::DockerConfig::anticipate`]). Choosing the sandbox of a branch's
//! workspace asks the ping, an inspect of the workspace's container by its name and, when
//! that is absent, a label-filtered listing: three round trips before a worktree create
//! may fetch. At a remembered API version the three go together; the ping's verdict still
//! comes first (an unreachable or refusing daemon is reported as before), then the inspect's,
//! then the listing's, so every answer and every error is the one asked in turn would give.

use bollard::Docker;
use bollard::errors::Error;
use bollard::models::{ContainerInspectResponse, ContainerSummary};
use skipper_core::WorkspaceRef;
use tokio::task::JoinHandle;

use crate::spec;

/// The inspect and the listing of one workspace, asked ahead. Dropping it abandons both.
#[derive(Debug)]
pub(crate) struct Anticipated {
    /// The container name the inspect asks for.
    pub(crate) name: String,
    inspect: Option<JoinHandle<Result<ContainerInspectResponse, Error>>>,
    listing: Option<JoinHandle<Result<Vec<ContainerSummary>, Error>>>,
}

impl Anticipated {
    /// Asks `docker` at once for `reference`'s container by name and by labels of
    /// `namespace`. Must be called within the runtime.
    pub(crate) fn ask(docker: &Docker, reference: &WorkspaceRef, namespace: &str) -> Self {
        let name = spec::container_name(reference, namespace);
        let options = super::workspace_listing(reference, namespace);
        let inspect = tokio::spawn({
            let docker = docker.clone();
            let name = name.clone();
            async move { super::inspect_container(&docker, &name).await }
        });
        let listing = tokio::spawn({
            let docker = docker.clone();
            async move { super::list_containers(&docker, options).await }
        });
        Self {
            name,
            inspect: Some(inspect),
            listing: Some(listing),
        }
    }

    /// The inspect's answer, once; `None` when it was taken or its task was lost (ask
    /// again).
    pub(crate) async fn inspect(&mut self) -> Option<Result<ContainerInspectResponse, Error>> {
        self.inspect.take()?.await.ok()
    }

    /// The listing's answer, once; `None` when it was taken or its task was lost (ask
    /// again).
    pub(crate) async fn listing(&mut self) -> Option<Result<Vec<ContainerSummary>, Error>> {
        self.listing.take()?.await.ok()
    }
}

impl Drop for Anticipated {
    fn drop(&mut self) {
        if let Some(task) = &self.inspect {
            task.abort();
        }
        if let Some(task) = &self.listing {
            task.abort();
        }
    }
}
