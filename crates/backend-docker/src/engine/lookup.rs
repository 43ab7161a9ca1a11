//! Finding containers: a workspace's by its labels, every workspace's, one by name, and the
//! check that a container carries the labels it should.

use bollard::models::{ContainerInspectResponse, ContainerSummary};
use bollard::query_parameters::{ListContainersOptions, ListContainersOptionsBuilder};
use skipper_core::{Workspace, WorkspaceLocation, WorkspaceRef};

use super::Engine;
use super::anticipated::Anticipated;
use super::summary::{summary_name, workspace_from_inspect, workspace_from_summary};
use crate::error::{DockerError, status_of};
use crate::{labels, spec};

impl Engine {
    /// `reference`'s workspace: its container under its own name when that one carries
    /// its labels (one inspect), else the one carrying them under another name (a
    /// listing). With `ready`, whether its setup finished ([`Engine::is_ready`], one archive
    /// request); without, `half_made` is left `false` for the command about to start to
    /// check (`exec-guard.sh`, [`Engine::ensure_running`]).
    ///
    /// # Errors
    /// [`DockerError::Api`], [`DockerError::Duplicate`], [`DockerError::Copy`].
    pub async fn locate(
        &self,
        reference: &WorkspaceRef,
        ready: bool,
    ) -> Result<Option<Workspace>, DockerError> {
        let name = spec::container_name(reference, &self.namespace);
        let mut early = self.anticipated(&name);
        let asked_early = match early.as_mut() {
            Some(early) => early.inspect().await,
            None => None,
        };
        let answer = match asked_early {
            Some(answer) => answer,
            None => super::inspect_container(&self.docker, &name).await,
        };
        // Named by the workspace: the name is sk's own choice, not what the user asked for.
        let inspected = match answer {
            Ok(info) => Some(info),
            Err(err) if status_of(&err) == Some(404) => None,
            Err(err) => {
                return Err(DockerError::api(
                    &self.docker,
                    "inspect container",
                    reference.to_string(),
                    &err,
                ));
            }
        };
        let mut workspace = match inspected {
            Some(info) if verify_labels(&name, &info, reference, &self.namespace).is_ok() => {
                workspace_from_inspect(reference.clone(), &name, &info)
            }
            _ => {
                let Some(summary) = self.find_with(reference, early).await? else {
                    return Ok(None);
                };
                workspace_from_summary(reference.clone(), &summary)
            }
        };
        if ready && let WorkspaceLocation::Container { name, .. } = &workspace.location {
            // Labels are fixed before the copy: only the ready marker says it was finished.
            workspace.half_made = !self.is_ready(name, &reference.repository).await?;
        }
        Ok(Some(workspace))
    }

    /// The container carrying `reference`'s labels, running or not. One label-filtered
    /// listing; several matches are an error.
    ///
    /// # Errors
    /// [`DockerError::Api`], [`DockerError::Duplicate`].
    pub async fn find(
        &self,
        reference: &WorkspaceRef,
    ) -> Result<Option<ContainerSummary>, DockerError> {
        self.find_with(reference, None).await
    }

    /// [`Engine::find`], its listing the one `early` asked when given.
    async fn find_with(
        &self,
        reference: &WorkspaceRef,
        early: Option<Anticipated>,
    ) -> Result<Option<ContainerSummary>, DockerError> {
        let asked_early = match early {
            Some(mut early) => early.listing().await,
            None => None,
        };
        let answer = if let Some(answer) = asked_early {
            answer
        } else {
            let options = workspace_listing(reference, &self.namespace);
            super::list_containers(&self.docker, options).await
        };
        let mut found = answer.map_err(|err| {
            DockerError::api(&self.docker, "list containers", reference.to_string(), &err)
        })?;
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.pop()),
            _ => Err(DockerError::Duplicate {
                workspace: reference.to_string(),
                containers: found.iter().map(summary_name).collect(),
            }),
        }
    }

    /// Every workspace container, running or not, in one listing.
    ///
    /// # Errors
    /// [`DockerError::Api`].
    pub async fn list_workspaces(&self) -> Result<Vec<ContainerSummary>, DockerError> {
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&labels::all_workspaces_filter(&self.namespace))
            .build();
        super::list_containers(&self.docker, options)
            .await
            .map_err(|err| {
                DockerError::api(&self.docker, "list containers", "skipper workspaces", &err)
            })
    }

    /// The ports given to every workspace container on the daemon, whatever data root made
    /// it, in one listing.
    ///
    /// # Errors
    /// [`DockerError::Api`].
    pub async fn ports_in_use(&self) -> Result<Vec<u16>, DockerError> {
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&labels::all_with_ports_filter())
            .build();
        let found = super::list_containers(&self.docker, options)
            .await
            .map_err(|err| {
                DockerError::api(&self.docker, "list containers", "skipper workspaces", &err)
            })?;
        Ok(found
            .iter()
            .filter_map(|summary| summary.labels.as_ref())
            .flat_map(labels::ports_from_labels)
            .collect())
    }

    /// The inspected container `name`, or `None` when it does not exist.
    pub(crate) async fn inspect(
        &self,
        name: &str,
    ) -> Result<Option<ContainerInspectResponse>, DockerError> {
        match super::inspect_container(&self.docker, name).await {
            Ok(info) => Ok(Some(info)),
            Err(err) if status_of(&err) == Some(404) => Ok(None),
            Err(err) => Err(DockerError::api(
                &self.docker,
                "inspect container",
                name,
                &err,
            )),
        }
    }
}

/// Fails with [`DockerError::Foreign`] unless the inspected container `name` carries
/// `reference`'s labels.
pub(super) fn verify_labels(
    name: &str,
    info: &ContainerInspectResponse,
    reference: &WorkspaceRef,
    namespace: &str,
) -> Result<(), DockerError> {
    let container_labels = info
        .config
        .as_ref()
        .and_then(|config| config.labels.as_ref());
    if container_labels.is_some_and(|found| labels::labels_match(found, reference, namespace)) {
        Ok(())
    } else {
        Err(DockerError::Foreign {
            container: name.to_owned(),
            expected: reference.to_string(),
        })
    }
}

/// The listing of the containers carrying `reference`'s labels of `namespace`, running or
/// not.
pub(crate) fn workspace_listing(
    reference: &WorkspaceRef,
    namespace: &str,
) -> ListContainersOptions {
    ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&labels::workspace_filter(reference, namespace))
        .build()
}
