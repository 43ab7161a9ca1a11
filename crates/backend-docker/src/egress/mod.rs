//! The egress of `allow` workspaces: a data root's internal network and its one egress
//! proxy.
//!
//! An `allow` workspace joins only the data root's internal network
//! (`sk-egress-<namespace>`, `internal: true`: no route out). The data root's proxy
//! container (`sk-egress-<namespace>-proxy`), on that network and on Docker's default
//! bridge, is shared by all of them and holds one tinyproxy per workspace (see
//! `egress-proxy.sh`): each listens on a port of its own, answers only the workspace's own
//! credentials (`407` without any, `401` for another's) and lets through exactly its allow
//! list, plain HTTP by URL
//! and HTTPS by CONNECT's `host:port`; anything else gets `403 Filtered`. So one workspace
//! never reaches another's hosts, though they share the network and the container. The
//! workspace is given `HTTP_PROXY`/`HTTPS_PROXY` (both spellings) naming its port and its
//! credentials, generated when it is made.
//!
//! A workspace's rule (port, configuration, filter) lives in the proxy's volume
//! (`sk-egress-<namespace>-rules`), so a proxy restarted by the daemon, or replaced by a
//! newer `sk`, serves every workspace as before. It is put when the workspace is made, made
//! sure of whenever `sk` starts the workspace (the proxy container started or made first),
//! and dropped when the workspace is removed; the proxy itself starts again any tinyproxy
//! that ended. `sk gc` drops the rule of a workspace removed behind `sk`'s back (while the
//! proxy runs, and once the rule is an hour old: a workspace being made has its rule before
//! its container), and removes the proxy, its volume and the network once no `allow`
//! workspace is left.

mod plan;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use bollard::models::{
    ContainerInspectResponse, ContainerSummary, ContainerSummaryStateEnum, NetworkConnectRequest,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectNetworkOptions, ListContainersOptionsBuilder,
    RemoveVolumeOptions,
};
use skipper_core::{AllowEntry, Finding, FindingKind, NetworkMode};

pub use plan::DEFAULT_PROXY_BASE;
use plan::ProxyAccess;

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
    /// The egress of the new `allow` workspace `workspace` (a container name) whose allow
    /// list is `allow`: the internal network and the data root's proxy, made or started if
    /// need be, the workspace's rule put in the proxy with a new password, and the proxy
    /// variables naming its port.
    ///
    /// # Errors
    /// [`DockerError::Egress`] when a network or container of skipper's names is not
    /// skipper's, or the proxy does not take the rule; image build and API failures.
    pub(crate) async fn prepare_egress(
        &self,
        workspace: &str,
        allow: &[AllowEntry],
    ) -> Result<Egress, DockerError> {
        let network = self.ensure_egress_network(workspace).await?;
        let proxy = Box::pin(self.ensure_shared_proxy(workspace, &network)).await?;
        let secret = new_secret()?;
        let port = self
            .put_rule(&proxy, workspace, None, &secret, allow)
            .await?;
        let access = ProxyAccess {
            host: proxy,
            port,
            secret,
        };
        Ok(Egress {
            network,
            env: plan::workspace_env(&access.url()),
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

    /// Makes sure the data root's proxy runs and holds the rule of the inspected workspace
    /// container `workspace`, when its labels say `allow`: on the port its proxy variables
    /// name, with their password and its allow list. Nothing for another mode.
    ///
    /// # Errors
    /// [`DockerError::Egress`] when the workspace lacks its proxy variables or the proxy does
    /// not take the rule; image build and API failures.
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
        let env = config
            .and_then(|config| config.env.clone())
            .unwrap_or_default();
        let proxy = plan::proxy_name(&self.namespace);
        let access = ProxyAccess::from_env(&env)
            .filter(|access| access.host == proxy)
            .ok_or_else(|| DockerError::Egress {
                workspace: workspace.to_owned(),
                reason: format!(
                    "its proxy variables (HTTP_PROXY) do not name a port of {proxy} with credentials (it was made by an older sk, with a proxy of its own); remove it and create it again"
                ),
            })?;
        let network = self.ensure_egress_network(workspace).await?;
        Box::pin(self.ensure_shared_proxy(workspace, &network)).await?;
        self.put_rule(
            &proxy,
            workspace,
            Some(access.port),
            &access.secret,
            &policy.allow,
        )
        .await?;
        Ok(())
    }

    /// Makes sure the data root's proxy container runs, on the default bridge and the
    /// internal `network`: as it is when an `sk` with the same `egress-proxy.sh` made it
    /// from the current proxy image, else made anew (its rules kept in the volume) and
    /// started. `workspace` is the one
    /// it is made sure of for, named in errors. Returns the proxy's name.
    async fn ensure_shared_proxy(
        &self,
        workspace: &str,
        network: &str,
    ) -> Result<String, DockerError> {
        let name = plan::proxy_name(&self.namespace);
        let egress_failure = |reason: String| DockerError::Egress {
            workspace: workspace.to_owned(),
            reason,
        };
        // Built when missing: a changed base or Dockerfile is a new image, and the proxy is
        // made anew from it.
        let image = self.proxy_image().await?;
        if let Some(existing) = self.inspect(&name).await? {
            let existing_labels = existing.config.as_ref().and_then(|c| c.labels.as_ref());
            let skippers = existing_labels.is_some_and(|found| {
                found.get(labels::ROLE).map(String::as_str) == Some(labels::ROLE_EGRESS_PROXY)
                    && found.get(labels::DATA_ROOT) == Some(&self.namespace)
            });
            if !skippers {
                return Err(egress_failure(format!(
                    "a container named {name} exists but is not skipper's egress proxy; remove or rename it"
                )));
            }
            let current = existing_labels.and_then(|found| found.get(labels::PROXY_CONFIG))
                == Some(&plan::proxy_fingerprint())
                && existing.config.as_ref().and_then(|c| c.image.as_ref()) == Some(&image);
            let running = existing
                .state
                .as_ref()
                .and_then(|state| state.running)
                .unwrap_or(false);
            if current && running {
                return Ok(name);
            }
            if current {
                self.start_proxy(workspace, &name).await?;
                return Ok(name);
            }
            tracing::debug!(
                "{name} was made by another sk or from another image: making it anew, its rules kept"
            );
            self.remove_container(&name).await?;
        }
        self.make_proxy(workspace, &image, &name, network).await?;
        Ok(name)
    }

    /// Makes the proxy `name` from `image` with its volume, puts it on the internal
    /// `network` too, and starts it; one made meanwhile (by another `sk`) is only started.
    async fn make_proxy(
        &self,
        workspace: &str,
        image: &str,
        name: &str,
        network: &str,
    ) -> Result<(), DockerError> {
        let volume = plan::rules_volume(&self.namespace);
        // Answered with the volume as it is when it exists already.
        self.docker
            .create_volume(plan::rules_volume_body(&self.namespace))
            .await
            .map_err(|err| DockerError::api(&self.docker, "create volume", &volume, &err))?;
        match self
            .docker
            .create_container(
                Some(CreateContainerOptionsBuilder::default().name(name).build()),
                plan::proxy_body(image, &self.namespace),
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

    /// Starts the proxy `name` (for `workspace`) and checks it stays up.
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

    /// Puts the rule of `workspace` in the running `proxy`: on `port` (`None`: a free one),
    /// with the password `secret` and the allow list `allow`, its tinyproxy listening when
    /// this returns. Returns the port.
    async fn put_rule(
        &self,
        proxy: &str,
        workspace: &str,
        port: Option<u16>,
        secret: &str,
        allow: &[AllowEntry],
    ) -> Result<u16, DockerError> {
        let argv = plan::put_argv(
            workspace,
            port,
            &plan::tinyproxy_config(secret),
            &plan::filter(allow),
        );
        let put = self.run(proxy, "/", argv, Vec::new()).await?;
        let printed = String::from_utf8_lossy(&put.stdout);
        match printed.trim().parse::<u16>() {
            Ok(given) if put.status == 0 && port.is_none_or(|port| port == given) => Ok(given),
            _ => Err(DockerError::Egress {
                workspace: workspace.to_owned(),
                reason: format!(
                    "the egress proxy {proxy} did not take its rule (exit status {}): {}",
                    put.status,
                    put.stderr_text()
                ),
            }),
        }
    }

    /// Forgets the rule of `workspace` in the data root's proxy, when the proxy runs (a
    /// stopped one's rules are `sk gc`'s).
    ///
    /// # Errors
    /// [`DockerError::Egress`] when the proxy refuses, API failures.
    pub(crate) async fn remove_proxy_of(&self, workspace: &str) -> Result<(), DockerError> {
        let proxy = plan::proxy_name(&self.namespace);
        let Some(info) = self.inspect(&proxy).await? else {
            return Ok(());
        };
        let ours = info
            .config
            .as_ref()
            .and_then(|config| config.labels.as_ref())
            .is_some_and(|found| {
                found.get(labels::ROLE).map(String::as_str) == Some(labels::ROLE_EGRESS_PROXY)
                    && found.get(labels::DATA_ROOT) == Some(&self.namespace)
            });
        let running = info.state.and_then(|state| state.running) == Some(true);
        if ours && running {
            self.drop_rule(&proxy, workspace).await?;
        }
        Ok(())
    }

    /// Forgets the rule of `workspace` in the running `proxy`.
    async fn drop_rule(&self, proxy: &str, workspace: &str) -> Result<(), DockerError> {
        let dropped = self
            .run(proxy, "/", plan::drop_argv(workspace), Vec::new())
            .await?;
        if dropped.status == 0 {
            return Ok(());
        }
        Err(DockerError::Egress {
            workspace: workspace.to_owned(),
            reason: format!(
                "the egress proxy {proxy} did not drop its rule: {}",
                dropped.stderr_text()
            ),
        })
    }

    /// What `doctor` finds of the egress: the rules of workspaces that are gone, and the
    /// proxy, the internal network and the rules volume when no `allow` workspace is left. `workspaces` are the data root's workspace
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
        let proxies = crate::engine::list_containers(&self.docker, options)
            .await
            .map_err(|err| {
                DockerError::api(
                    &self.docker,
                    "list containers",
                    "skipper's egress proxies",
                    &err,
                )
            })?;
        let allow_left = workspaces.iter().any(|workspace| {
            workspace
                .labels
                .as_ref()
                .and_then(|found| found.get(labels::NETWORK))
                .map(String::as_str)
                == Some(NetworkMode::Allow.as_str())
        });
        let mut proxy_in_use = false;
        for proxy in &proxies {
            let name = summary_name(proxy);
            let handle = proxy.id.clone().unwrap_or_else(|| name.clone());
            let served = proxy
                .labels
                .as_ref()
                .and_then(|found| found.get(labels::PROXY_FOR));
            let detail = match served {
                // One proxy per workspace, as an older `sk` made them.
                Some(served) if names.contains(served) => continue,
                Some(served) => format!("the egress proxy of {served}, which no longer exists"),
                None => {
                    let (orphans, making) =
                        if proxy.state == Some(ContainerSummaryStateEnum::RUNNING) {
                            self.orphan_rules(&name, &names).await?
                        } else {
                            (Vec::new(), false)
                        };
                    if allow_left || making {
                        proxy_in_use = true;
                        findings.extend(orphans);
                        continue;
                    }
                    "the egress proxy of allow workspaces, none of which is left".to_owned()
                }
            };
            findings.push(Finding {
                kind: FindingKind::OrphanEgressProxy,
                detail,
                fix: "sk gc".to_owned(),
                collectable: true,
                bytes: None,
                handle,
                subject: name,
            });
        }
        if allow_left || proxy_in_use {
            return Ok(());
        }
        self.unused_network_finding(findings).await?;
        self.unused_rules_finding(findings).await
    }

    /// The rules volume, when it is skipper's: once no `allow` workspace is left (after the
    /// proxy, which uses it).
    async fn unused_rules_finding(&self, findings: &mut Vec<Finding>) -> Result<(), DockerError> {
        let volume = plan::rules_volume(&self.namespace);
        match self.docker.inspect_volume(&volume).await {
            Ok(found) => {
                let ours = found.labels.get(labels::ROLE).map(String::as_str)
                    == Some(labels::ROLE_EGRESS_RULES)
                    && found.labels.get(labels::DATA_ROOT) == Some(&self.namespace);
                if ours {
                    findings.push(Finding {
                        kind: FindingKind::UnusedEgressRules,
                        detail:
                            "the egress proxy's rules, of allow workspaces none of which is left"
                                .to_owned(),
                        fix: "sk gc".to_owned(),
                        collectable: true,
                        bytes: None,
                        handle: volume.clone(),
                        subject: volume,
                    });
                }
                Ok(())
            }
            Err(err) if status_of(&err) == Some(404) => Ok(()),
            Err(err) => Err(DockerError::api(
                &self.docker,
                "inspect volume",
                &volume,
                &err,
            )),
        }
    }

    /// The internal network, when it is skipper's: once no `allow` workspace is left.
    async fn unused_network_finding(&self, findings: &mut Vec<Finding>) -> Result<(), DockerError> {
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

    /// The rules in the running `proxy` of workspaces that are not among `names` (removed
    /// behind `sk`'s back, or whose creation failed), as findings; and whether any of them
    /// may be a workspace being made (its rule is put before its container exists): one
    /// younger than [`plan::RULE_GRACE`], which is left alone.
    async fn orphan_rules(
        &self,
        proxy: &str,
        names: &[String],
    ) -> Result<(Vec<Finding>, bool), DockerError> {
        let rules = self.run(proxy, "/", plan::rules_argv(), Vec::new()).await?;
        if rules.status != 0 {
            tracing::warn!(
                "the egress proxy {proxy} did not list its rules: {}",
                rules.stderr_text()
            );
            // Nothing known: the proxy is kept.
            return Ok((Vec::new(), true));
        }
        let mut orphans = Vec::new();
        let mut making = false;
        for (workspace, age) in plan::parse_rules(&String::from_utf8_lossy(&rules.stdout)) {
            if names.contains(&workspace) {
                continue;
            }
            if age < plan::RULE_GRACE {
                making = true;
                continue;
            }
            orphans.push(Finding {
                kind: FindingKind::OrphanEgressRule,
                detail: format!("the egress rule of {workspace}, which no longer exists"),
                fix: "sk gc".to_owned(),
                collectable: true,
                bytes: None,
                subject: format!("{workspace} in {proxy}"),
                handle: workspace,
            });
        }
        Ok((orphans, making))
    }

    /// Drops the rule `finding` names from the data root's proxy.
    ///
    /// # Errors
    /// [`DockerError::Egress`] when the proxy refuses, API failures.
    pub(crate) async fn drop_orphan_rule(&self, finding: &Finding) -> Result<(), DockerError> {
        self.drop_rule(&plan::proxy_name(&self.namespace), &finding.handle)
            .await
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

    /// Removes the rules volume `finding` names (after the proxy, which used it).
    ///
    /// # Errors
    /// API failures.
    pub(crate) async fn remove_egress_rules(&self, finding: &Finding) -> Result<(), DockerError> {
        let docker = without_deadline(&self.docker);
        match docker
            .remove_volume(&finding.handle, None::<RemoveVolumeOptions>)
            .await
        {
            Ok(()) => Ok(()),
            Err(err) if status_of(&err) == Some(404) => Ok(()),
            Err(err) => Err(DockerError::api(
                &docker,
                "remove volume",
                &finding.subject,
                &err,
            )),
        }
    }
}
