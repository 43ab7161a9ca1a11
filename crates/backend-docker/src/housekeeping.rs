//! [`Housekeeping`] of the Docker engine: what crashes and old Dockerfiles leave there.
//! Every resource looked at carries skipper's labels and this data root's namespace;
//! nothing else on the daemon is ever touched.

use std::collections::HashMap;

use bollard::models::{ContainerSummary, ContainerSummaryStateEnum};
use bollard::query_parameters::{
    ListContainersOptionsBuilder, RemoveContainerOptionsBuilder, RemoveImageOptionsBuilder,
};
use skipper_core::{Checkout, ErrorKind, Finding, FindingKind, Housekeeping, SandboxError};

use crate::engine::Engine;
use crate::error::DockerError;
use crate::labels;
use crate::{DockerBackend, engine};

/// `label` filters for every resource of `role` in `namespace`.
fn role_filter(role: &str, namespace: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_owned(),
        vec![
            format!("{}=true", labels::MANAGED),
            format!("{}={namespace}", labels::DATA_ROOT),
            format!("{}={role}", labels::ROLE),
        ],
    )])
}

fn label<'a>(summary: &'a ContainerSummary, key: &str) -> Option<&'a str> {
    summary.labels.as_ref()?.get(key).map(String::as_str)
}

/// The pid a snapshot builder's name carries (`sk-snapshot-<hash>-<pid>-<nanos>`).
fn builder_pid(name: &str) -> Option<i32> {
    let mut parts = name.rsplit('-');
    parts.next()?;
    parts.next()?.parse().ok()
}

/// Whether a process with this pid runs on this machine now.
fn alive(pid: i32) -> bool {
    rustix::process::Pid::from_raw(pid)
        .is_some_and(|pid| rustix::process::test_kill_process(pid).is_ok())
}

fn running(summary: &ContainerSummary) -> bool {
    matches!(
        summary.state,
        Some(
            ContainerSummaryStateEnum::RUNNING
                | ContainerSummaryStateEnum::RESTARTING
                | ContainerSummaryStateEnum::PAUSED
        )
    )
}

impl Engine {
    async fn containers(&self, role: &str) -> Result<Vec<ContainerSummary>, DockerError> {
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&role_filter(role, &self.namespace))
            .build();
        engine::list_containers(&self.docker, options)
            .await
            .map_err(|err| {
                DockerError::api(
                    &self.docker,
                    "list containers",
                    "skipper's containers",
                    &err,
                )
            })
    }

    async fn findings(&self, checkouts: &[Checkout]) -> Result<Vec<Finding>, DockerError> {
        let mut findings = Vec::new();
        for builder in self.containers(labels::ROLE_SNAPSHOT_BUILDER).await? {
            let name = engine::summary_name(&builder);
            let owner_alive = builder_pid(&name).is_some_and(alive);
            findings.push(Finding {
                kind: FindingKind::OrphanSnapshotBuilder,
                detail: if owner_alive {
                    "a repository snapshot being built".to_owned()
                } else {
                    "a repository snapshot build that was interrupted, holding a partial copy"
                        .to_owned()
                },
                fix: "sk gc".to_owned(),
                collectable: !owner_alive,
                bytes: builder.size_rw.and_then(|s| u64::try_from(s).ok()),
                handle: builder.id.clone().unwrap_or_else(|| name.clone()),
                subject: name,
            });
        }
        let containers = self.containers(labels::ROLE_WORKSPACE).await?;
        let used_images: Vec<String> = containers
            .iter()
            .filter_map(|c| c.image_id.clone())
            .collect();
        for container in &containers {
            let name = engine::summary_name(container);
            let repository = label(container, labels::REPOSITORY).unwrap_or_default();
            let cloned = checkouts.iter().any(|c| c.repository.key() == repository);
            if !cloned {
                findings.push(Finding {
                    kind: FindingKind::OrphanContainer,
                    detail: format!(
                        "a workspace of {repository}, which is no longer cloned; it may hold work"
                    ),
                    fix: format!(
                        "copy out what you need (`docker cp {name}:<path> .`), then `docker rm -f {name}`"
                    ),
                    collectable: false,
                    bytes: None,
                    handle: String::new(),
                    subject: name.clone(),
                });
                continue;
            }
            let Some(reference) = engine::reference_of(container, checkouts) else {
                continue;
            };
            if self.is_ready(&name, &reference.repository).await? {
                continue;
            }
            let branch = reference.target.to_string();
            let idle = !running(container);
            findings.push(Finding {
                kind: FindingKind::HalfMadeWorkspace,
                detail: "a workspace container whose creation was interrupted".to_owned(),
                fix: format!(
                    "sk --sandbox docker workspace create --repository {} --branch {branch}",
                    reference.repository
                ),
                // A running container is never removed by `gc`, whatever it holds.
                collectable: false,
                bytes: None,
                handle: String::new(),
                subject: format!(
                    "{name} ({}{})",
                    reference,
                    if idle { ", stopped" } else { "" }
                ),
            });
        }
        self.egress_findings(&containers, &mut findings).await?;
        self.image_findings(&used_images, &mut findings).await?;
        Ok(findings)
    }

    async fn image_findings(
        &self,
        used: &[String],
        findings: &mut Vec<Finding>,
    ) -> Result<(), DockerError> {
        let current = self.recipe().ok().map(|recipe| recipe.hash());
        for role in [labels::ROLE_IMAGE, labels::ROLE_SNAPSHOT] {
            let images =
                crate::image::list_labelled(&self.docker, &role_filter(role, &self.namespace))
                    .await
                    .map_err(|err| {
                        DockerError::api(&self.docker, "list images", "skipper's images", &err)
                    })?;
            for image in images {
                if used.contains(&image.id) {
                    continue;
                }
                let hash = image.labels.get(labels::IMAGE_HASH).cloned();
                let untagged = image.repo_tags.is_empty()
                    || image.repo_tags.iter().all(|t| t == "<none>:<none>");
                let stale = match (&hash, &current) {
                    (Some(hash), Some(current)) => hash != current,
                    _ => false,
                };
                if !untagged && !stale {
                    continue;
                }
                let what = if role == labels::ROLE_SNAPSHOT {
                    "repository snapshot"
                } else {
                    "workspace image"
                };
                findings.push(Finding {
                    kind: if untagged {
                        FindingKind::UntaggedImage
                    } else {
                        FindingKind::StaleImage
                    },
                    subject: image
                        .repo_tags
                        .first()
                        .filter(|_| !untagged)
                        .cloned()
                        .unwrap_or_else(|| image.id.clone()),
                    detail: if untagged {
                        format!("an untagged {what} no container uses")
                    } else {
                        format!("a {what} of an older Dockerfile that no container uses")
                    },
                    fix: "sk gc".to_owned(),
                    collectable: true,
                    bytes: u64::try_from(image.size).ok(),
                    handle: image.id.clone(),
                });
            }
        }
        Ok(())
    }

    /// Removes what a collectable finding names; `None` when it is not one `gc` removes.
    async fn collect(&self, finding: &Finding) -> Option<Result<u64, DockerError>> {
        // Removals are answered once done: no deadline on the answer.
        let docker = engine::without_deadline(&self.docker);
        let removed = match finding.kind {
            FindingKind::OrphanSnapshotBuilder | FindingKind::OrphanEgressProxy => docker
                .remove_container(
                    &finding.handle,
                    Some(RemoveContainerOptionsBuilder::default().force(true).build()),
                )
                .await
                .map_err(|err| {
                    DockerError::api(&self.docker, "remove container", &finding.subject, &err)
                }),
            // Never forced: the daemon refuses an image a container uses.
            FindingKind::UntaggedImage | FindingKind::StaleImage => docker
                .remove_image(
                    &finding.handle,
                    Some(RemoveImageOptionsBuilder::default().build()),
                    None,
                )
                .await
                .map(|_| ())
                .map_err(|err| {
                    DockerError::api(&self.docker, "remove image", &finding.subject, &err)
                }),
            FindingKind::OrphanEgressRule => self.drop_orphan_rule(finding).await,
            FindingKind::UnusedEgressNetwork => self.remove_egress_network(finding).await,
            FindingKind::UnusedEgressRules => self.remove_egress_rules(finding).await,
            _ => return None,
        };
        Some(removed.map(|()| finding.bytes.unwrap_or(0)))
    }
}

impl Housekeeping for DockerBackend {
    fn area(&self) -> &'static str {
        "Docker"
    }

    fn inspect(&self, checkouts: &[Checkout]) -> Result<Vec<Finding>, SandboxError> {
        self.runtime
            .block_on(self.engine.findings(checkouts))
            .map_err(|err| err.into_backend("looking at skipper's Docker resources failed"))
    }

    fn collect(&self, finding: &Finding) -> Result<u64, SandboxError> {
        // Look again: a builder whose process runs is being built now.
        if finding.kind == FindingKind::OrphanSnapshotBuilder
            && builder_pid(&finding.subject).is_some_and(alive)
        {
            return Err(SandboxError::backend(
                ErrorKind::Refused,
                format!("{} is being built by a running sk", finding.subject),
            ));
        }
        match self.runtime.block_on(self.engine.collect(finding)) {
            Some(removed) => removed
                .map_err(|err| err.into_backend(&format!("removing {} failed", finding.subject))),
            None => Err(SandboxError::backend(
                ErrorKind::Refused,
                format!("{} is not something `sk gc` removes", finding.subject),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_builders_name_carries_its_pid() {
        assert_eq!(builder_pid("sk-snapshot-1a2b3c4d-4242-99"), Some(4242));
        assert_eq!(builder_pid("sk-snapshot"), None);
    }
}
