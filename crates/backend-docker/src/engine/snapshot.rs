//! Repository snapshot images: the workspace image plus a repository's git directory,
//! committed once per repository and image; the reaping of interrupted builders, the pruning
//! of snapshots of older images, and the manifest of what a snapshot holds.

use std::collections::HashSet;

use bollard::models::ContainerConfig;
use bollard::query_parameters::{
    CommitContainerOptionsBuilder, CreateContainerOptionsBuilder, ListContainersOptionsBuilder,
    RemoveImageOptionsBuilder,
};
use skipper_core::{Checkout, RepositoryId, fault_point, short_hash};

use super::{Engine, without_deadline};
use crate::archive::{self, CopyMode};
use crate::error::DockerError;
use crate::image::{self, WorkspaceImage};
use crate::labels;
use crate::{scripts, spec};

impl Engine {
    /// The repository snapshot image of `checkout` on `image`: the image plus the checkout's
    /// whole git directory and the remote's default branch checked out, made once per
    /// repository and workspace image by streaming the git directory into a builder
    /// container, checking out there and committing it. Workspaces start from it
    /// copy-on-write, receive only the objects it lacks, and their checkout writes only the
    /// files their branch changes.
    ///
    /// The caller holds the repository's lock, so one process at a time gets here per
    /// repository: a second one waiting for the first finds the snapshot made, and any
    /// builder container or untagged snapshot image of the repository is a leftover of a
    /// process that died, removed on the way.
    ///
    /// # Errors
    /// [`DockerError`] from the copy or the commit.
    pub async fn ensure_snapshot(
        &self,
        checkout: &Checkout,
        image: &WorkspaceImage,
    ) -> Result<String, DockerError> {
        let (repository, tag) = self.snapshot_tag(checkout, image);
        self.reap_leftovers(&checkout.repository).await;
        if image::image_id(&self.docker, &tag).await?.is_some() {
            return Ok(tag);
        }
        let builder = format!(
            "sk-snapshot-{}-{}-{}",
            short_hash(&checkout.repository.key(), 8),
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        );
        let body = spec::snapshot_builder_body(
            &image.reference,
            labels::repository_labels(
                &checkout.repository,
                labels::ROLE_SNAPSHOT_BUILDER,
                &self.namespace,
            ),
            &self.config.ulimits,
        );
        self.docker
            .create_container(
                Some(
                    CreateContainerOptionsBuilder::default()
                        .name(&builder)
                        .build(),
                ),
                body,
            )
            .await
            .map_err(|err| DockerError::api(&self.docker, "create container", &builder, &err))?;
        fault_point("docker.snapshot.after-builder");
        let result = async {
            // Started first, as a workspace's container is (`start_and_fill`): unpacking
            // into a stopped container ends with the whole filesystem written out.
            self.start(&builder, None).await?;
            let summary = self
                .copy_repository(&builder, checkout, CopyMode::Snapshot, Vec::new())
                .await?;
            tracing::debug!("snapshot of {}: {summary:?}", checkout.repository);
            // The default branch's working tree and index go into the snapshot too: a
            // workspace's checkout then writes only what its branch changes.
            let repo_dir = spec::repository_path(&checkout.repository);
            self.step(
                &builder,
                spec::WORKSPACE_ROOT,
                "checking out the snapshot's working tree",
                scripts::sh(scripts::PRIME_SNAPSHOT, &[repo_dir.as_str()]),
                Vec::new(),
            )
            .await?;
            let mut snapshot_labels = labels::repository_labels(
                &checkout.repository,
                labels::ROLE_SNAPSHOT,
                &self.namespace,
            );
            snapshot_labels.insert(labels::IMAGE_HASH.to_owned(), image.hash.clone());
            // The labels go in the configuration (Docker's way) and as `LABEL` changes (the
            // one Podman honours): see [`labels::commit_changes`].
            let changes = labels::commit_changes(&snapshot_labels);
            let options = CommitContainerOptionsBuilder::default()
                .container(&builder)
                .repo(&repository)
                .tag(&image.hash)
                .pause(false)
                .comment("skipper repository snapshot")
                .changes(&changes)
                .build();
            let config = ContainerConfig {
                labels: Some(snapshot_labels),
                ..Default::default()
            };
            // Answered once the layer is written: as long as the repository is large.
            let unhurried = without_deadline(&self.docker);
            unhurried
                .commit_container(options, config)
                .await
                .map_err(|err| DockerError::api(&unhurried, "commit container", &builder, &err))?;
            Ok::<_, DockerError>(())
        }
        .await;
        self.remove_container(&builder).await?;
        result?;
        self.prune_other_snapshots(&checkout.repository, &tag).await;
        Ok(tag)
    }

    /// The repository snapshot image of `checkout` on `image` if it has been made, without
    /// making it: the main workspace of a repository that has no branch workspace yet is
    /// made from the workspace image itself, so that `sk clone` does not pay for a snapshot
    /// only branches use.
    ///
    /// # Errors
    /// [`DockerError`] from the image's inspection.
    pub async fn existing_snapshot(
        &self,
        checkout: &Checkout,
        image: &WorkspaceImage,
    ) -> Result<Option<String>, DockerError> {
        let (_, tag) = self.snapshot_tag(checkout, image);
        Ok(image::image_id(&self.docker, &tag).await?.map(|_| tag))
    }

    /// The image repository of `checkout`'s snapshots, and the tag of its snapshot on
    /// `image`.
    fn snapshot_tag(&self, checkout: &Checkout, image: &WorkspaceImage) -> (String, String) {
        let repository = spec::snapshot_repository(&checkout.repository, &self.namespace);
        let tag = format!("{repository}:{}", image.hash);
        (repository, tag)
    }

    /// Removes what a process that died while building `repository`'s snapshot left: its
    /// builder containers (with their partial copies) and snapshot images that lost their
    /// tag (committed by a run that another's commit overtook). Failures are left for the
    /// next run: nothing here is needed.
    async fn reap_leftovers(&self, repository: &RepositoryId) {
        let builders =
            labels::repository_filter(repository, labels::ROLE_SNAPSHOT_BUILDER, &self.namespace);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&builders)
            .build();
        if let Ok(found) = super::list_containers(&self.docker, options).await {
            for container in found {
                if let Some(id) = container.id {
                    let _ = self.remove_container(&id).await;
                }
            }
        }
        let mut untagged =
            labels::repository_filter(repository, labels::ROLE_SNAPSHOT, &self.namespace);
        untagged.insert("dangling".to_owned(), vec!["true".to_owned()]);
        if let Ok(images) = image::list_labelled(&self.docker, &untagged).await {
            for image in images {
                // A container made from it keeps it: the daemon refuses, and that is fine.
                let _ = self
                    .docker
                    .remove_image(
                        &image.id,
                        Some(RemoveImageOptionsBuilder::default().build()),
                        None,
                    )
                    .await;
            }
        }
    }

    /// Removes this repository's snapshots of other workspace images, unless a container
    /// still uses them (the daemon refuses, and the refusal is ignored).
    async fn prune_other_snapshots(&self, repository: &RepositoryId, keep: &str) {
        let filters = labels::repository_filter(repository, labels::ROLE_SNAPSHOT, &self.namespace);
        let Ok(images) = image::list_labelled(&self.docker, &filters).await else {
            return;
        };
        for image in images {
            if image
                .repo_tags
                .iter()
                .any(|tag| image::is_tag_of(tag, keep))
            {
                continue;
            }
            let mut gone = false;
            for tag in &image.repo_tags {
                gone = without_deadline(&self.docker)
                    .remove_image(
                        tag,
                        Some(RemoveImageOptionsBuilder::default().build()),
                        None,
                    )
                    .await
                    .is_ok();
            }
            if gone {
                self.images.forget(&image.id);
            }
        }
    }

    /// Removes every snapshot image of `repository` (tagged or not) and any builder left
    /// by a dead process, for a repository being removed whose workspaces are gone; returns
    /// each image removed (its tag, else its id) with its size. The daemon refuses an image
    /// a container still uses: that refusal is the error.
    ///
    /// # Errors
    /// [`DockerError::Api`] from the listing or a removal.
    pub async fn remove_snapshots(
        &self,
        repository: &RepositoryId,
    ) -> Result<Vec<(String, Option<u64>)>, DockerError> {
        self.reap_leftovers(repository).await;
        let filters = labels::repository_filter(repository, labels::ROLE_SNAPSHOT, &self.namespace);
        let images = image::list_labelled(&self.docker, &filters)
            .await
            .map_err(|err| {
                DockerError::api(&self.docker, "list images", repository.to_string(), &err)
            })?;
        let unhurried = without_deadline(&self.docker);
        let mut removed = Vec::new();
        for image in images {
            let tags: Vec<&String> = image
                .repo_tags
                .iter()
                .filter(|tag| *tag != "<none>:<none>")
                .collect();
            // Each tag untagged; the last one deletes the image. An untagged image goes by id.
            let names: Vec<&str> = if tags.is_empty() {
                vec![image.id.as_str()]
            } else {
                tags.iter().map(|tag| tag.as_str()).collect()
            };
            for name in &names {
                unhurried
                    .remove_image(
                        name,
                        Some(RemoveImageOptionsBuilder::default().build()),
                        None,
                    )
                    .await
                    .map_err(|err| DockerError::api(&unhurried, "remove image", *name, &err))?;
            }
            self.images.forget(&image.id);
            removed.push((
                names
                    .first()
                    .map_or_else(|| image.id.clone(), |name| (*name).to_owned()),
                u64::try_from(image.size).ok(),
            ));
        }
        Ok(removed)
    }

    /// The object files a container's snapshot holds, from its manifest: recorded per
    /// snapshot image on the host (see [`crate::image_records`]) once read.
    pub(super) async fn snapshot_objects(
        &self,
        container: &str,
        repository: &RepositoryId,
    ) -> Result<HashSet<String>, DockerError> {
        let image = self.inspect(container).await?.and_then(|info| info.image);
        if let Some(present) = image
            .as_deref()
            .and_then(|image| self.images.manifest(image))
        {
            return Ok(present);
        }
        let path = format!(
            "{}/.git/{}",
            spec::repository_path(repository),
            archive::MANIFEST
        );
        let text = self
            .read_small_file(container, &path)
            .await?
            .unwrap_or_default();
        if let Some(image) = &image {
            self.images.record_manifest(image, &text);
        }
        Ok(archive::parse_manifest(&text))
    }
}
