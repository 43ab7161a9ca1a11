//! The ensure-ready state machine: readiness, bringing a container up, starting it and
//! checking that PID 1 stays up, its last logs, and removing it.

use bollard::models::{ContainerInspectResponse, ContainerStateStatusEnum};
use bollard::query_parameters::{
    LogsOptionsBuilder, RemoveContainerOptionsBuilder, StopContainerOptions,
};
use futures_util::StreamExt;
use skipper_core::{RepositoryId, WorkspaceRef, WorkspaceTarget};

use super::lookup::verify_labels;
use super::{Engine, without_deadline};
use crate::error::{DockerError, describe_api_error, status_of};
use crate::labels;
use crate::scripts;
use crate::spec;
use skipper_core::HostPorts;
use skipper_git::LoopbackPorts;

/// How many of PID 1's log lines a start failure reports.
const LOG_LINES: &str = "20";

impl Engine {
    /// Makes sure `name` is `reference`'s container, finished, and running: running -> as
    /// is; created or exited -> checked for [`scripts::READY_MARKER`], then started (and
    /// checked to stay up); paused -> unpaused.
    ///
    /// Only a container that is not running is checked for the marker, so that a command
    /// in a running one costs no extra round trip. A creation that `sk` did not live to
    /// finish leaves the container created (killed during the copy) or running (killed
    /// during the setup); the latter is caught by `create`, by the dirty gate, and by the
    /// first command after it stopped.
    ///
    /// # Errors
    /// [`DockerError::ContainerGone`], [`DockerError::Foreign`], [`DockerError::Unfinished`],
    /// [`DockerError::ContainerStart`] with PID 1's last log lines.
    pub async fn ensure_running(
        &self,
        name: &str,
        reference: &WorkspaceRef,
    ) -> Result<(), DockerError> {
        let info = self
            .inspect(name)
            .await?
            .ok_or_else(|| DockerError::ContainerGone {
                container: name.to_owned(),
            })?;
        verify_labels(name, &info, reference, &self.namespace)?;
        if state_of(&info) != Some(ContainerStateStatusEnum::RUNNING)
            && !self.is_ready(name, &reference.repository).await?
        {
            return Err(unfinished(name, reference));
        }
        self.bring_up(name, &info).await
    }

    /// Whether the setup of `container` (running or not) ran to its end: whether it holds
    /// [`scripts::READY_MARKER`]. One archive request, no exec.
    ///
    /// # Errors
    /// [`DockerError::Copy`] when the daemon fails to answer.
    pub async fn is_ready(
        &self,
        container: &str,
        repository: &RepositoryId,
    ) -> Result<bool, DockerError> {
        let marker = format!(
            "{}/{}",
            spec::repository_path(repository),
            scripts::READY_MARKER
        );
        Ok(self.read_small_file(container, &marker).await?.is_some())
    }

    /// Brings the inspected container `name` to running, whatever it holds; one it starts
    /// that has a spawner is given a moment for the spawner to read requests.
    pub(super) async fn bring_up(
        &self,
        name: &str,
        info: &ContainerInspectResponse,
    ) -> Result<(), DockerError> {
        match state_of(info) {
            Some(ContainerStateStatusEnum::RUNNING) => Ok(()),
            Some(ContainerStateStatusEnum::PAUSED) => self
                .docker
                .unpause_container(name)
                .await
                .map_err(|err| DockerError::api(&self.docker, "unpause container", name, &err)),
            Some(
                ContainerStateStatusEnum::CREATED
                | ContainerStateStatusEnum::EXITED
                | ContainerStateStatusEnum::RESTARTING,
            ) => {
                self.start(name, Some(info)).await?;
                if has_spawner(info) {
                    self.spawners.await_reader(name, false).await;
                }
                Ok(())
            }
            other => Err(DockerError::ContainerStart {
                container: name.to_owned(),
                reason: format!(
                    "it is {}",
                    other.map_or_else(|| "in an unknown state".to_owned(), |s| s.to_string())
                ),
                logs: self.last_logs(name).await,
            }),
        }
    }

    /// Starts `name` and checks that PID 1 is still up. A start that fails while a port
    /// the container publishes is held on the host names that port; one of a container
    /// made to run under a chosen runtime names the runtime.
    /// The egress proxy of an `allow` workspace (`info`, the container inspected, says
    /// whether it is one; `None`: a container that has none) is made sure of first.
    pub(super) async fn start(
        &self,
        name: &str,
        info: Option<&ContainerInspectResponse>,
    ) -> Result<(), DockerError> {
        if let Some(info) = info {
            // Boxed: it may build the proxy image, a large future.
            Box::pin(self.ensure_proxy(name, info)).await?;
        }
        if let Err(err) = self.docker.start_container(name, None).await {
            let held = self.held_ports(name).await;
            if !held.is_empty() {
                return Err(DockerError::PortTaken {
                    container: name.to_owned(),
                    ports: held,
                });
            }
            if let Some(runtime) = self.chosen_runtime(name).await {
                return Err(DockerError::RuntimeStart {
                    container: name.to_owned(),
                    runtime,
                    reason: describe_api_error(&err),
                    logs: self.last_logs(name).await,
                });
            }
            return Err(DockerError::ContainerStart {
                container: name.to_owned(),
                reason: describe_api_error(&err),
                logs: self.last_logs(name).await,
            });
        }
        self.check_alive(name).await
    }

    /// The ports `name` was given that something on the host holds now.
    async fn held_ports(&self, name: &str) -> Vec<u16> {
        let Ok(Some(info)) = self.inspect(name).await else {
            return Vec::new();
        };
        info.config
            .and_then(|config| config.labels)
            .map(|found| labels::ports_from_labels(&found))
            .unwrap_or_default()
            .into_iter()
            .filter(|port| LoopbackPorts.in_use(*port))
            .collect()
    }

    /// Fails with PID 1's last log lines when the container is not running.
    pub(crate) async fn check_alive(&self, name: &str) -> Result<(), DockerError> {
        let state = self.inspect(name).await?.and_then(|info| info.state);
        match state {
            Some(state) if state.running == Some(true) => Ok(()),
            Some(state) => Err(DockerError::ContainerStart {
                container: name.to_owned(),
                reason: format!(
                    "its PID 1 exited with code {}{}",
                    state.exit_code.unwrap_or(-1),
                    state
                        .error
                        .filter(|e| !e.is_empty())
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                ),
                logs: self.last_logs(name).await,
            }),
            None => Err(DockerError::ContainerGone {
                container: name.to_owned(),
            }),
        }
    }

    /// The last lines PID 1 wrote, for start failures.
    async fn last_logs(&self, name: &str) -> Vec<String> {
        let options = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .tail(LOG_LINES)
            .build();
        let mut stream = self.docker.logs(name, Some(options));
        let mut text = Vec::new();
        while let Some(Ok(chunk)) = stream.next().await {
            text.extend_from_slice(&chunk.into_bytes());
        }
        String::from_utf8_lossy(&text)
            .lines()
            .map(str::to_owned)
            .filter(|line| !line.trim().is_empty())
            .collect()
    }

    /// Stops `name` (PID 1 and every process in it; the container and its files stay) and
    /// says whether it was running. A container already stopped is left as it is.
    ///
    /// # Errors
    /// [`DockerError::ContainerGone`], [`DockerError::Api`].
    pub async fn stop_container(&self, name: &str) -> Result<bool, DockerError> {
        let info = self
            .inspect(name)
            .await?
            .ok_or_else(|| DockerError::ContainerGone {
                container: name.to_owned(),
            })?;
        if !matches!(
            state_of(&info),
            Some(ContainerStateStatusEnum::RUNNING | ContainerStateStatusEnum::PAUSED)
        ) {
            return Ok(false);
        }
        // Answered once PID 1 has exited, which may take the stop timeout.
        let unhurried = without_deadline(&self.docker);
        match unhurried
            .stop_container(name, None::<StopContainerOptions>)
            .await
        {
            Ok(()) => Ok(true),
            // 304: stopped in between.
            Err(err) if status_of(&err) == Some(304) => Ok(false),
            Err(err) if status_of(&err) == Some(404) => Err(DockerError::ContainerGone {
                container: name.to_owned(),
            }),
            Err(err) => Err(DockerError::api(&unhurried, "stop container", name, &err)),
        }
    }

    /// Removes a container and its anonymous volumes; a missing one is not an error.
    ///
    /// # Errors
    /// [`DockerError::Api`].
    pub async fn remove_container(&self, name: &str) -> Result<(), DockerError> {
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        // Answered once the container's files are gone: as long as they are many.
        let unhurried = without_deadline(&self.docker);
        match unhurried.remove_container(name, Some(options)).await {
            Ok(()) => Ok(()),
            Err(err) if status_of(&err) == Some(404) => Ok(()),
            Err(err) => Err(DockerError::api(&unhurried, "remove container", name, &err)),
        }
    }
}

/// The error for `reference`'s container `name` that holds no finished workspace.
pub(crate) fn unfinished(name: &str, reference: &WorkspaceRef) -> DockerError {
    DockerError::Unfinished {
        container: name.to_owned(),
        remedy: match reference.target {
            WorkspaceTarget::Main => {
                "run `sk clone <remote> --sandbox docker` again, which makes it anew"
            }
            WorkspaceTarget::Branch(_) => {
                "remove it with `sk workspace remove --force`, then create it again"
            }
        },
    }
}

/// The state of an inspected container.
fn state_of(info: &ContainerInspectResponse) -> Option<ContainerStateStatusEnum> {
    info.state.as_ref().and_then(|state| state.status)
}

/// Whether the inspected container has an exec directory for a spawner: made since there
/// is one.
fn has_spawner(info: &ContainerInspectResponse) -> bool {
    info.mounts
        .iter()
        .flatten()
        .any(|mount| mount.destination.as_deref() == Some(crate::spec::EXEC_MOUNT))
}
