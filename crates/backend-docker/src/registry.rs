//! [`DockerBackend`] as the core's [`WorkspaceRegistry`] port: workspaces found by their
//! containers' labels.

use skipper_core::{
    Checkout, ContainerState, Operation, SandboxError, SandboxKind, Workspace, WorkspaceLocation,
    WorkspaceRef, WorkspaceRegistry, WorkspaceTarget,
};

use skipper_git::Policy;

use crate::container_scripts::ContainerScripts;
use crate::error::DockerError;
use crate::scripts::READY_MARKER;
use crate::{DockerBackend, engine};

impl DockerBackend {
    /// Fills in what the dirty gate finds in each running workspace container, a few at a
    /// time, whether it was finished, and its agent: one exec each, the gate run only when the ready
    /// marker is there (a container the exec cannot run in is asked for its marker the
    /// slow way, through the archive API). A stopped one is not started to be looked at:
    /// its readiness was read before.
    fn look_at_risk(&self, workspaces: &mut [Workspace]) {
        let mut running: Vec<&mut Workspace> = workspaces
            .iter_mut()
            .filter(|workspace| {
                !workspace.half_made
                    && matches!(
                        workspace.location,
                        WorkspaceLocation::Container {
                            state: ContainerState::Running,
                            ..
                        }
                    )
            })
            .collect();
        let per_worker = running.len().div_ceil(LOOKS_AT_ONCE).max(1);
        std::thread::scope(|scope| {
            for chunk in running.chunks_mut(per_worker) {
                scope.spawn(move || {
                    for workspace in chunk {
                        self.look_into(workspace);
                    }
                });
            }
        });
    }

    /// What the gate finds in the running container of `workspace`, and whether it is
    /// finished.
    fn look_into(&self, workspace: &mut Workspace) {
        let WorkspaceLocation::Container { name, path, .. } = &workspace.location else {
            return;
        };
        let scripts = ContainerScripts::new(self, name, path);
        let Ok(listed) =
            skipper_git::gate::listed_if_ready(&scripts, &Policy::Container, READY_MARKER)
        else {
            // Not even the marker could be looked for (its directory not made yet, say):
            // the archive API says whether it is there.
            let ready = self
                .runtime
                .block_on(self.engine.is_ready(name, &workspace.reference.repository))
                .unwrap_or(true);
            workspace.half_made = !ready;
            return;
        };
        workspace.agent = listed.agent;
        match listed.risk {
            Some(risk) => workspace.risk = Some(risk),
            None => workspace.half_made = true,
        }
    }
}

impl DockerBackend {
    /// [`WorkspaceRegistry::locate`], its readiness asked when `ready`.
    fn locate_with(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
        ready: bool,
    ) -> Result<Option<Workspace>, SandboxError> {
        let reference = WorkspaceRef {
            repository: checkout.repository.clone(),
            target: target.clone(),
        };
        self.runtime
            .block_on(self.engine.locate(&reference, ready))
            .map_err(|err| err.into_sandbox(Operation::LookingUp, &reference))
    }
}

/// How many containers `list` looks into at once.
const LOOKS_AT_ONCE: usize = 8;

impl WorkspaceRegistry for DockerBackend {
    fn kind(&self) -> SandboxKind {
        SandboxKind::Docker
    }

    fn locate(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Option<Workspace>, SandboxError> {
        self.locate_with(checkout, target, true)
    }

    /// Without the ready marker's archive request: every command `run`, `attach` and
    /// `prompt` start checks the marker as it starts (`exec-guard.sh`).
    fn locate_to_run(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Option<Workspace>, SandboxError> {
        self.locate_with(checkout, target, false)
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
                // A running container's marker is looked for by the gate's exec (see
                // `look_at_risk`); a stopped one's, here, without starting it.
                let ready =
                    futures_util::future::join_all(workspaces.iter().map(|workspace| async {
                        match &workspace.location {
                            WorkspaceLocation::Container {
                                state: ContainerState::Running,
                                ..
                            }
                            | WorkspaceLocation::Host(_) => true,
                            WorkspaceLocation::Container { name, .. } => self
                                .engine
                                .is_ready(name, &workspace.reference.repository)
                                .await
                                .unwrap_or(true),
                        }
                    }))
                    .await;
                for (workspace, ready) in workspaces.iter_mut().zip(ready) {
                    workspace.half_made = !ready;
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
            .map(|mut workspaces| {
                self.look_at_risk(&mut workspaces);
                workspaces
            })
    }

    fn ports_in_use(&self) -> Result<Vec<u16>, SandboxError> {
        self.runtime
            .block_on(self.engine.ports_in_use())
            .map_err(|err| err.into_backend("listing the ports of the Docker workspaces failed"))
    }
}
