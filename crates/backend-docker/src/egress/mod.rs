//! The egress of `allow` workspaces: a data root's internal network and one proxy per
//! workspace.
//!
//! An `allow` workspace joins only the data root's internal network
//! (`sk-egress-<namespace>`, `internal: true`: no route out). Its proxy, a tinyproxy
//! container of its own (`<workspace>-proxy`), is on that network and on Docker's default
//! bridge, and lets through exactly the workspace's allow list, plain HTTP by URL and HTTPS
//! by CONNECT's `host:port`; anything else gets `403 Filtered`. The workspace is given
//! `HTTP_PROXY`/`HTTPS_PROXY` (both spellings) with credentials of its own, generated at
//! creation: every `allow` workspace shares the internal network, so a proxy answers only
//! its own workspace (`407` otherwise), and no workspace reaches another's hosts.
//!
//! Why one proxy per workspace rather than one per data root: each proxy's configuration
//! is fixed when its workspace is made, so nothing is regenerated or reloaded as workspaces
//! come and go, and one workspace's policy never depends on another's. A proxy costs a
//! container of about 2 MiB; the image and the network are shared.
//!
//! The proxy is labelled with its workspace (`dev.skipper.proxy-for`) and a fingerprint of
//! its configuration. It is made (or replaced, when its fingerprint is not the policy's)
//! and started whenever `sk` starts its workspace, restarted by the daemon unless stopped,
//! removed with its workspace, and `sk gc` removes a proxy whose workspace is gone and the
//! network once no `allow` workspace is left.

mod plan;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use bollard::models::{ContainerInspectResponse, ContainerSummary, NetworkConnectRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectNetworkOptions, ListContainersOptionsBuilder,
};
use skipper_core::{Finding, FindingKind, NetworkMode};

pub use plan::DEFAULT_PROXY_BASE;

use crate::engine::{Engine, summary_name, without_deadline};
use crate::error::{DockerError, describe_api_error, status_of};
use crate::image::{self, ImageKind, ImageRecipe};
use crate::labels;

/// The proxy image.
const PROXY_IMAGE: ImageKind = ImageKind {
    repository: plan::PROXY_IMAGE_REPOSITORY,
    role: labels::ROLE_PROXY_IMAGE,
    what: "egress proxy image",
};

/// What an `allow` workspace is given when it is made.
#[derive(Debug, Clone)]
pub struct Egress {
    /// The internal network it joins alone.
    pub network: String,
    /// Its proxy variables (`NAME=value`).
    pub env: Vec<String>,
}

/// A new proxy password: 128 random bits, in hex.
fn new_secret() -> Result<String, DockerError> {
    use std::io::Read as _;
    let path = std::path::Path::new("/dev/urandom");
    let mut bytes = [0_u8; 16];
    fs_err::File::open(path)
        .and_then(|mut file| file.read_exact(&mut bytes))
        .map_err(|source| DockerError::Io {
            path: path.to_owned(),
            source,
        })?;
    Ok(bytes.iter().fold(String::new(), |mut hex, byte| {
        // Writing to a `String` cannot fail.
        let _ = write!(hex, "{byte:02x}");
        hex
    }))
}

impl Engine {
    /// The egress of the new `allow` workspace `workspace` (a container name): the
    /// internal network, made if missing, and the proxy variables with a new password. Its
    /// proxy is made when the workspace starts ([`Self::ensure_proxy`]).
    ///
    /// # Errors
    /// [`DockerError::Egress`] when a network of that name is not skipper's, API failures.
    pub(crate) async fn prepare_egress(&self, workspace: &str) -> Result<Egress, DockerError> {
        let network = self.ensure_egress_network(workspace).await?;
        let secret = new_secret()?;
        Ok(Egress {
            network,
            env: plan::workspace_env(&plan::proxy_url(workspace, &secret)),
        })
    }

    /// Makes sure the data root's internal network exists, and is skipper's.
    async fn ensure_egress_network(&self, workspace: &str) -> Result<String, DockerError> {
        let name = plan::network_name(&self.namespace);
        match self
            .docker
            .inspect_network(&name, None::<InspectNetworkOptions>)
            .await
        {
            Ok(found) => {
                let ours = found.labels.as_ref().is_some_and(|found| {
                    found.get(labels::ROLE).map(String::as_str) == Some(labels::ROLE_EGRESS_NETWORK)
                        && found.get(labels::DATA_ROOT) == Some(&self.namespace)
                });
                if !ours || found.internal != Some(true) {
                    return Err(DockerError::Egress {
                        workspace: workspace.to_owned(),
                        reason: format!(
                            "a network named {name} exists but is not skipper's internal network; remove or rename it (`docker network rm {name}`)"
                        ),
                    });
                }
                return Ok(name);
            }
            Err(err) if status_of(&err) == Some(404) => {}
            Err(err) => {
                return Err(DockerError::api(
                    &self.docker,
                    "inspect network",
                    &name,
                    &err,
                ));
            }
        }
        match self
            .docker
            .create_network(plan::network_body(&self.namespace))
            .await
        {
            Ok(_) => Ok(name),
            // Made meanwhile by another `sk`.
            Err(err) if status_of(&err) == Some(409) => Ok(name),
            Err(err) => Err(DockerError::Egress {
                workspace: workspace.to_owned(),
                reason: format!(
                    "Docker did not make the internal network {name}: {}{}",
                    describe_api_error(&err),
                    if describe_api_error(&err).contains("address pool") {
                        "; free an address pool (`docker network prune`) or give dockerd more `default-address-pools`"
                    } else {
                        ""
                    }
                ),
            }),
        }
    }

    /// The proxy image: built from the embedded Dockerfile `FROM` the configured base
    /// when missing, its output kept in `<data root>/docker/build-<hash>.log`.
    async fn proxy_image(&self) -> Result<String, DockerError> {
        let base = self
            .config
            .proxy_base
            .clone()
            .unwrap_or_else(|| DEFAULT_PROXY_BASE.to_owned());
        let recipe = ImageRecipe {
            dockerfile: crate::PROXY_DOCKERFILE.as_bytes().to_vec(),
            build_args: BTreeMap::from([("BASE".to_owned(), base)]),
        };
        let logs = self.config.data_root.join("docker");
        let built = image::ensure_built_as(&self.docker, &recipe, &logs, &*self.progress, PROXY_IMAGE)
            .await
            .map_err(|err| match err {
                DockerError::ImageBuild {
                    tag,
                    step,
                    mut message,
                    tail,
                    log,
                } => {
                    message.push_str(
                        "\n  the egress proxy image is built FROM `[docker.proxy] base` (SKIPPER_DOCKER_PROXY_BASE, default ubuntu:24.04): point it at a Debian-family image this machine has or can pull",
                    );
                    DockerError::ImageBuild {
                        tag,
                        step,
                        message,
                        tail,
                        log,
                    }
                }
                other => other,
            })?;
        Ok(built.reference)
    }

    /// Makes sure the proxy of the inspected workspace container `workspace` runs, when its
    /// labels say `allow`: as it is when its fingerprint is the policy's, else made anew
    /// (on the default bridge and the internal network) and started. Nothing for another
    /// mode.
    ///
    /// # Errors
    /// [`DockerError::Egress`] when the workspace lacks its proxy variables or the proxy does
    /// not stay up; image build and API failures.
    pub(crate) async fn ensure_proxy(
        &self,
        workspace: &str,
        info: &ContainerInspectResponse,
    ) -> Result<(), DockerError> {
        let config = info.config.as_ref();
        let found = config.and_then(|config| config.labels.as_ref());
        let Some(policy) = found.and_then(labels::network_from_labels) else {
            return Ok(());
        };
        if policy.mode != NetworkMode::Allow {
            return Ok(());
        }
        let egress_failure = |reason: String| DockerError::Egress {
            workspace: workspace.to_owned(),
            reason,
        };
        let env = config
            .and_then(|config| config.env.clone())
            .unwrap_or_default();
        let secret = plan::secret_in(&env).ok_or_else(|| {
            egress_failure(
                "it has no proxy credentials in its environment (HTTP_PROXY); remove it and create it again"
                    .to_owned(),
            )
        })?;
        let network = self.ensure_egress_network(workspace).await?;
        let tinyproxy = plan::tinyproxy_config(&secret);
        let filter = plan::filter(&policy.allow);
        let fingerprint = plan::config_hash(&tinyproxy, &filter);
        let name = plan::proxy_name(workspace);
        if let Some(existing) = self.inspect(&name).await? {
            let existing_labels = existing.config.as_ref().and_then(|c| c.labels.as_ref());
            let current = existing_labels.is_some_and(|found| {
                found.get(labels::PROXY_FOR).map(String::as_str) == Some(workspace)
                    && found.get(labels::PROXY_CONFIG) == Some(&fingerprint)
                    && found.get(labels::DATA_ROOT) == Some(&self.namespace)
            });
            let running = existing
                .state
                .as_ref()
                .and_then(|state| state.running)
                .unwrap_or(false);
            if current && running {
                return Ok(());
            }
            if current {
                return self.start_proxy(workspace, &name).await;
            }
            let skippers = existing_labels.is_some_and(|found| {
                found.get(labels::ROLE).map(String::as_str) == Some(labels::ROLE_EGRESS_PROXY)
            });
            if !skippers {
                return Err(egress_failure(format!(
                    "a container named {name} exists but is not skipper's egress proxy; remove or rename it"
                )));
            }
            tracing::debug!("{name} was made for another policy: making it anew");
            self.remove_container(&name).await?;
        }
        let repository = found
            .and_then(|found| found.get(labels::REPOSITORY))
            .cloned()
            .unwrap_or_default();
        let image = self.proxy_image().await?;
        let spec = plan::ProxySpec {
            image: &image,
            workspace,
            namespace: &self.namespace,
            repository: &repository,
            config: &tinyproxy,
            filter: &filter,
        };
        self.make_proxy(&spec, &name, &network).await
    }

    /// Makes the proxy `name` of `spec`, puts it on the internal `network` too, and starts
    /// it; one made meanwhile (by another `sk` starting the workspace) is only started.
    async fn make_proxy(
        &self,
        spec: &plan::ProxySpec<'_>,
        name: &str,
        network: &str,
    ) -> Result<(), DockerError> {
        let workspace = spec.workspace;
        match self
            .docker
            .create_container(
                Some(CreateContainerOptionsBuilder::default().name(name).build()),
                plan::proxy_body(spec),
            )
            .await
        {
            Ok(_) => {}
            Err(err) if status_of(&err) == Some(409) => {
                return self.start_proxy(workspace, name).await;
            }
            Err(err) => {
                return Err(DockerError::api(
                    &self.docker,
                    "create container",
                    name,
                    &err,
                ));
            }
        }
        let connect = NetworkConnectRequest {
            container: name.to_owned(),
            endpoint_config: None,
        };
        if let Err(err) = self.docker.connect_network(network, connect).await {
            let _ = self.remove_container(name).await;
            return Err(DockerError::api(
                &self.docker,
                "connect network",
                name,
                &err,
            ));
        }
        self.start_proxy(workspace, name).await
    }

    /// Starts the proxy `name` of `workspace` and checks it stays up.
    async fn start_proxy(&self, workspace: &str, name: &str) -> Result<(), DockerError> {
        match self.docker.start_container(name, None).await {
            Ok(()) => {}
            // Already running.
            Err(err) if status_of(&err) == Some(304) => return Ok(()),
            Err(err) => {
                return Err(DockerError::Egress {
                    workspace: workspace.to_owned(),
                    reason: format!(
                        "its proxy {name} did not start: {}",
                        describe_api_error(&err)
                    ),
                });
            }
        }
        self.check_alive(name).await
    }

    /// Removes the proxy of the workspace container `workspace`, if it has one.
    ///
    /// # Errors
    /// [`DockerError::Api`].
    pub(crate) async fn remove_proxy_of(&self, workspace: &str) -> Result<(), DockerError> {
        let name = plan::proxy_name(workspace);
        let Some(info) = self.inspect(&name).await? else {
            return Ok(());
        };
        let ours = info
            .config
            .as_ref()
            .and_then(|config| config.labels.as_ref())
            .is_some_and(|found| {
                found.get(labels::PROXY_FOR).map(String::as_str) == Some(workspace)
                    && found.get(labels::DATA_ROOT) == Some(&self.namespace)
            });
        if ours {
            self.remove_container(&name).await?;
        }
        Ok(())
    }

    /// What `doctor` finds of the egress: proxies whose workspace is gone, and the internal
    /// network when no `allow` workspace is left. `workspaces` are the data root's workspace
    /// containers, whatever their state.
    ///
    /// # Errors
    /// API failures.
    pub(crate) async fn egress_findings(
        &self,
        workspaces: &[ContainerSummary],
        findings: &mut Vec<Finding>,
    ) -> Result<(), DockerError> {
        let names: Vec<String> = workspaces.iter().map(summary_name).collect();
        let filters = HashMap::from([(
            "label".to_owned(),
            vec![
                format!("{}=true", labels::MANAGED),
                format!("{}={}", labels::DATA_ROOT, self.namespace),
                format!("{}={}", labels::ROLE, labels::ROLE_EGRESS_PROXY),
            ],
        )]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let proxies = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|err| {
                DockerError::api(
                    &self.docker,
                    "list containers",
                    "skipper's egress proxies",
                    &err,
                )
            })?;
        for proxy in &proxies {
            let served = proxy
                .labels
                .as_ref()
                .and_then(|found| found.get(labels::PROXY_FOR))
                .cloned()
                .unwrap_or_default();
            if names.contains(&served) {
                continue;
            }
            let name = summary_name(proxy);
            findings.push(Finding {
                kind: FindingKind::OrphanEgressProxy,
                detail: format!("the egress proxy of {served}, which no longer exists"),
                fix: "sk gc".to_owned(),
                collectable: true,
                bytes: None,
                handle: proxy.id.clone().unwrap_or_else(|| name.clone()),
                subject: name,
            });
        }
        let allow_left = workspaces.iter().any(|workspace| {
            workspace
                .labels
                .as_ref()
                .and_then(|found| found.get(labels::NETWORK))
                .map(String::as_str)
                == Some(NetworkMode::Allow.as_str())
        });
        if allow_left {
            return Ok(());
        }
        let network = plan::network_name(&self.namespace);
        match self
            .docker
            .inspect_network(&network, None::<InspectNetworkOptions>)
            .await
        {
            Ok(found) => {
                let ours = found.labels.as_ref().is_some_and(|found| {
                    found.get(labels::ROLE).map(String::as_str) == Some(labels::ROLE_EGRESS_NETWORK)
                        && found.get(labels::DATA_ROOT) == Some(&self.namespace)
                });
                if ours {
                    findings.push(Finding {
                        kind: FindingKind::UnusedEgressNetwork,
                        detail: "the internal network of allow workspaces, none of which is left"
                            .to_owned(),
                        fix: "sk gc".to_owned(),
                        collectable: true,
                        bytes: None,
                        handle: found.id.unwrap_or_else(|| network.clone()),
                        subject: network,
                    });
                }
                Ok(())
            }
            Err(err) if status_of(&err) == Some(404) => Ok(()),
            Err(err) => Err(DockerError::api(
                &self.docker,
                "inspect network",
                &network,
                &err,
            )),
        }
    }

    /// Removes the internal network `finding` names (after its proxies: the daemon refuses
    /// a network containers are still on).
    ///
    /// # Errors
    /// API failures.
    pub(crate) async fn remove_egress_network(&self, finding: &Finding) -> Result<(), DockerError> {
        let docker = without_deadline(&self.docker);
        match docker.remove_network(&finding.handle).await {
            Ok(()) => Ok(()),
            Err(err) if status_of(&err) == Some(404) => Ok(()),
            Err(err) => Err(DockerError::api(
                &docker,
                "remove network",
                &finding.subject,
                &err,
            )),
        }
    }
}
