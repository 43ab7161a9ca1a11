//! [`DockerBackend`] as the core's [`WorkspaceRegistry`] port: workspaces found by their
//! containers' labels.

use skipper_core::{
    Checkout, ContainerState, Operation, SandboxError, SandboxKind, Workspace, WorkspaceLocation,
    WorkspaceRef, WorkspaceRegistry, WorkspaceTarget,
};

use crate::error::DockerError;
use crate::{DockerBackend, engine};

impl WorkspaceRegistry for DockerBackend {
    fn kind(&self) -> SandboxKind {
        SandboxKind::Docker
    }

    fn locate(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Option<Workspace>, SandboxError> {
        let reference = WorkspaceRef {
            repository: checkout.repository.clone(),
            target: target.clone(),
        };
        self.runtime
            .block_on(async {
                let Some(summary) = self.engine.find(&reference).await? else {
                    return Ok(None);
                };
                let mut workspace = engine::workspace_from_summary(reference.clone(), &summary);
                // Labels are fixed before the copy: only the ready marker says it was
                // finished.
                workspace.half_made = !self
                    .engine
                    .is_ready(&engine::summary_name(&summary), &reference.repository)
                    .await?;
                Ok::<_, DockerError>(Some(workspace))
            })
            .map_err(|err| err.into_sandbox(Operation::LookingUp, &reference))
    }

    fn list(&self, checkouts: &[Checkout]) -> Result<Vec<Workspace>, SandboxError> {
        self.runtime
            .block_on(async {
                let summaries = self.engine.list_workspaces().await?;
                let mut workspaces: Vec<Workspace> = summaries
                    .iter()
                    .filter_map(|summary| {
                        engine::reference_of(summary, checkouts)
                            .map(|reference| engine::workspace_from_summary(reference, summary))
                    })
                    .collect();
                let ready =
                    futures_util::future::join_all(workspaces.iter().map(|workspace| async {
                        match &workspace.location {
                            WorkspaceLocation::Container { name, .. } => self
                                .engine
                                .is_ready(name, &workspace.reference.repository)
                                .await
                                .unwrap_or(true),
                            WorkspaceLocation::Host(_) => true,
                        }
                    }))
                    .await;
                for (workspace, ready) in workspaces.iter_mut().zip(ready) {
                    workspace.half_made = !ready;
                }
                let dirty =
                    futures_util::future::join_all(workspaces.iter().map(|workspace| async {
                        match &workspace.location {
                            WorkspaceLocation::Container {
                                name,
                                path,
                                state: ContainerState::Running,
                            } if !workspace.half_made => self
                                .engine
                                .run(
                                    name,
                                    path,
                                    vec![
                                        "git".into(),
                                        "status".into(),
                                        "--porcelain".into(),
                                        "--untracked-files=normal".into(),
                                    ],
                                    Vec::new(),
                                )
                                .await
                                .ok()
                                .filter(|captured| captured.status == 0)
                                .map(|captured| !captured.stdout.is_empty()),
                            _ => None,
                        }
                    }))
                    .await;
                for (workspace, dirty) in workspaces.iter_mut().zip(dirty) {
                    workspace.dirty = dirty;
                }
                // The port promises main first per repository, and the CLI's workspace
                // picker shows this list in its order, without the list use case's sort.
                workspaces.sort_by(|a, b| {
                    (&a.reference.repository, a.reference.target.branch())
                        .cmp(&(&b.reference.repository, b.reference.target.branch()))
                });
                Ok::<_, DockerError>(workspaces)
            })
            .map_err(|err| err.into_backend("listing the Docker workspaces failed"))
    }
}
