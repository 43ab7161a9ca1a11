//! The creation of a workspace container, and the adoption of one that already exists.

use bollard::query_parameters::CreateContainerOptionsBuilder;
use std::collections::HashMap;

use skipper_core::{
    BranchName, Checkout, NetworkMode, NetworkPolicy, NetworkSettings, Workspace, WorkspaceRef,
    WorkspaceTarget, fault_point,
};

use super::Engine;
use super::lookup::verify_labels;
use super::summary::{summary_name, workspace_from_summary};
use crate::archive::CopyMode;
use crate::error::{DockerError, status_of};
use crate::labels;
use crate::scripts::{self, SetupMode};
use crate::spec::{self, ContainerSpec, NetworkAttachment};

impl Engine {
    /// Makes the container of `reference` from `checkout`: the repository snapshot, the
    /// objects it lacks, then the working tree (`mode` says how); `ports` are labelled and
    /// published on the host's loopback. Its network policy, made from the user's settings
    /// and the repository's `project_network`, is labelled and applied (see
    /// [`crate::egress`]).
    /// A finished container already carrying the labels is returned as it is (started if
    /// needed); one an interrupted creation left half-made (no [`scripts::READY_MARKER`]) is
    /// removed and made anew. A failure removes the half-made container.
    ///
    /// The container runs under the configured runtime (checked first against the daemon's
    /// list, when one is configured), labelled with it.
    ///
    /// The caller holds the repository's lock (the core's use cases do): the snapshot is
    /// built once, and a half-made container found here is a dead process's, never one
    /// another process is still making.
    ///
    /// # Errors
    /// [`DockerError`] naming the failing operation.
    #[allow(
        clippy::too_many_lines,
        reason = "one creation read top to bottom: image, snapshot, network, container, copy, start, setup"
    )]
    pub async fn create_workspace(
        &self,
        reference: &WorkspaceRef,
        checkout: &Checkout,
        mode: SetupMode,
        default_branch: &str,
        ports: &[u16],
        project_network: Option<&NetworkSettings>,
    ) -> Result<Workspace, DockerError> {
        if let Some(existing) = self.find(reference).await?
            && let Some(workspace) = self.adopt(&summary_name(&existing), reference).await?
        {
            return Ok(workspace);
        }
        self.check_runtime().await?;
        let name = spec::container_name(reference, &self.namespace);
        let phase = Phase::start();
        let image = self.workspace_image().await?;
        let phase = phase.done("the workspace image");
        // A branch starts from the repository's snapshot, made by the first branch; the
        // main workspace uses one that exists, else the workspace image and a full copy.
        let source = match &reference.target {
            WorkspaceTarget::Branch(_) => self.ensure_snapshot(checkout, &image).await?,
            WorkspaceTarget::Main => self
                .existing_snapshot(checkout, &image)
                .await?
                .unwrap_or_else(|| image.reference.clone()),
        };
        let phase = phase.done("the repository's snapshot image");
        let (network, network_labels) = self.network_of(&name, project_network, ports).await?;
        let mut container_labels =
            labels::workspace_labels(reference, &image.hash, &self.namespace, ports);
        container_labels.extend(network_labels);
        if let Some(runtime) = &self.config.runtime {
            container_labels.insert(labels::RUNTIME.to_owned(), runtime.clone());
        }
        let host_config = self.host_config();
        let container_spec = ContainerSpec {
            image: source,
            labels: container_labels,
            mounts: self.mounted(&host_config),
            memory_bytes: self.config.memory_bytes,
            nano_cpus: self.config.nano_cpus,
            ports: ports.to_vec(),
            exec_dir: self.spawners.prepare(&name),
            runtime: self.config.runtime.clone(),
            ulimits: self.config.ulimits.clone(),
            network,
            ssh_agent: self.ssh_agent_mount(),
        };
        let mut replaced_half_made = false;
        let id = loop {
            let created = self
                .docker
                .create_container(
                    Some(CreateContainerOptionsBuilder::default().name(&name).build()),
                    spec::create_body(&container_spec),
                )
                .await;
            match created {
                Ok(response) => break response.id,
                // The name is taken: by this workspace's finished container (made by a
                // process that did not wait for the lock), by a half-made one a dead
                // process left (removed, then made anew once), or by a foreign container.
                Err(err) if status_of(&err) == Some(409) => {
                    if !replaced_half_made {
                        if let Some(workspace) = self.adopt(&name, reference).await? {
                            return Ok(workspace);
                        }
                        replaced_half_made = true;
                        continue;
                    }
                    return Err(DockerError::NameTaken {
                        container: name.clone(),
                        workspace: reference.to_string(),
                    });
                }
                Err(err) => {
                    return Err(DockerError::api(
                        &self.docker,
                        "create container",
                        &name,
                        &err,
                    ));
                }
            }
        };
        phase.done("creating the container");
        fault_point("docker.create.after-container");
        let branch = reference.target.branch().map_or("", BranchName::as_str);
        let made = self
            .start_and_fill(
                &name,
                checkout,
                mode,
                [default_branch, branch],
                &host_config,
                &container_spec,
            )
            .await;
        if let Err(err) = made {
            self.discard_half_made(&id, &name).await;
            return Err(err);
        }
        self.workspace_of(reference).await
    }

    /// Starts the new container `name`, fills it (what the snapshot lacks of `checkout`, the
    /// host's configuration when it is not mounted, the ssh agent's link when
    /// `container_spec` mounts its relay) and sets up its repository on
    /// `branches` (the default branch, then the workspace's) as `mode` says.
    async fn start_and_fill(
        &self,
        name: &str,
        checkout: &Checkout,
        mode: SetupMode,
        [default_branch, branch]: [&str; 2],
        host_config: &[spec::HostMount],
        container_spec: &ContainerSpec,
    ) -> Result<(), DockerError> {
        let spawner_can_serve = self
            .hand_over_exec_dir(name, container_spec.exec_dir.is_some())
            .await?;
        // Only an `allow` workspace has a proxy to make sure of: no inspect otherwise.
        let info = if matches!(container_spec.network, NetworkAttachment::Internal { .. }) {
            self.inspect(name).await?
        } else {
            None
        };
        // Started before the copy: the daemon mounts a stopped container's filesystem to
        // unpack an archive into it, and the unmount after it writes out every dirty page
        // of the filesystem under it (overlayfs syncs its upper filesystem), the copy's
        // hundreds of megabytes and the host checkout being written alike. A running
        // container's is mounted already. PID 1 (the spawner) reads nothing of the
        // repository, and no command reaches the container before its setup's marker.
        let phase = Phase::start();
        self.start(name, info.as_ref()).await?;
        if spawner_can_serve {
            // The setup then goes through the spawner, not the daemon's exec (70 to 90 ms).
            self.spawners.await_reader(name, true).await;
        }
        let phase = phase.done("starting the container");
        let present = self.snapshot_objects(name, &checkout.repository).await?;
        let summary = self
            .copy_repository(
                name,
                checkout,
                CopyMode::Delta { present },
                container_spec
                    .ssh_agent
                    .is_some()
                    .then(crate::ssh_agent::link)
                    .into_iter()
                    .collect(),
            )
            .await?;
        tracing::debug!("copied into {name}: {summary:?}");
        self.copy_host_config(name, host_config).await?;
        let phase = phase.done("copying what the snapshot lacks");
        fault_point("docker.create.before-setup");
        let repo_dir = spec::repository_path(&checkout.repository);
        let mut args = vec![repo_dir.as_str(), mode.as_arg(), default_branch, branch];
        for mount in host_config {
            args.push(mount.link.as_str());
            args.push(&mount.target);
            args.push(&mount.home_path);
        }
        let setup = self
            .step(
                name,
                spec::WORKSPACE_ROOT,
                "setting up the repository",
                scripts::sh(scripts::SETUP, &args),
                Vec::new(),
            )
            .await?;
        phase.done("setting up the repository (checkout, refs, links)");
        let warnings = setup.stderr_text();
        if !warnings.is_empty() {
            tracing::warn!("{name}: {warnings}");
        }
        Ok(())
    }

    /// How the new container `name` reaches the network, and the labels that record it:
    /// its policy from the user's settings and the repository's `project_network`; an
    /// `allow` one's internal network is made sure of.
    async fn network_of(
        &self,
        name: &str,
        project_network: Option<&NetworkSettings>,
        ports: &[u16],
    ) -> Result<(NetworkAttachment, HashMap<String, String>), DockerError> {
        let policy = NetworkPolicy::resolve(&self.config.network, project_network);
        let network = match policy.mode {
            NetworkMode::Bridge => NetworkAttachment::Bridge,
            NetworkMode::None => NetworkAttachment::None,
            NetworkMode::Allow => {
                let egress = self.prepare_egress(name, &policy.allow).await?;
                NetworkAttachment::Internal {
                    network: egress.network,
                    env: egress.env,
                }
            }
        };
        if policy.mode != NetworkMode::Bridge && !ports.is_empty() {
            tracing::debug!(
                "{name} is off the bridge ({}): its ports are not published on the host",
                policy.mode
            );
        }
        Ok((network, labels::network_labels(&policy)))
    }

    /// Removes the container `id` (named `name`) whose creation failed, and its exec
    /// directory. By id: should another `sk` have replaced the container meanwhile, its
    /// container is not this one's to remove.
    async fn discard_half_made(&self, id: &str, name: &str) {
        if let Err(cleanup) = self.remove_container(id).await {
            tracing::warn!("removing the half-made container {name}: {cleanup}");
        }
        self.spawners.forget(name);
    }

    /// Adopts the existing container `name` as `reference`'s workspace when its creation
    /// finished: started if needed, and returned. One that an interrupted creation left
    /// half-made (no [`scripts::READY_MARKER`]) is removed; `None` then says to make it
    /// anew, as it does when the container vanished meanwhile.
    ///
    /// # Errors
    /// [`DockerError::Foreign`] when `name` lacks `reference`'s labels, start failures.
    async fn adopt(
        &self,
        name: &str,
        reference: &WorkspaceRef,
    ) -> Result<Option<Workspace>, DockerError> {
        let Some(info) = self.inspect(name).await? else {
            return Ok(None);
        };
        verify_labels(name, &info, reference, &self.namespace)?;
        if !self.is_ready(name, &reference.repository).await? {
            tracing::warn!("{name} was left half-made by an interrupted creation; making it anew");
            self.remove_container(info.id.as_deref().unwrap_or(name))
                .await?;
            return Ok(None);
        }
        self.bring_up(name, &info).await?;
        self.workspace_of(reference).await.map(Some)
    }

    /// The workspace of `reference` as the daemon reports it now.
    async fn workspace_of(&self, reference: &WorkspaceRef) -> Result<Workspace, DockerError> {
        let summary = self
            .find(reference)
            .await?
            .ok_or_else(|| DockerError::ContainerGone {
                container: spec::container_name(reference, &self.namespace),
            })?;
        Ok(workspace_from_summary(reference.clone(), &summary))
    }
}

/// A phase of a container's creation, timed for `-v` (`phase: ... took N ms`), so a user can
/// see where the time goes.
#[derive(Debug, Clone, Copy)]
struct Phase(std::time::Instant);

impl Phase {
    fn start() -> Self {
        Self(std::time::Instant::now())
    }

    /// Logs how long `what` took, and starts the next phase.
    fn done(self, what: &str) -> Self {
        tracing::debug!("phase: {what} took {} ms", self.0.elapsed().as_millis());
        Self::start()
    }
}
