//! The copy of a host checkout's git directory into a container, as a streamed archive
//! owned by the container's user.

use bollard::query_parameters::UploadToContainerOptionsBuilder;
use std::sync::Arc;

use skipper_core::{Checkout, Transfer, fault_point};

use super::{Engine, without_deadline};
use crate::archive::{self, CopyMode, CopySummary, Owner};
use crate::error::{DockerError, describe_api_error};
use crate::spec;

impl Engine {
    /// Streams the checkout's git directory (or, for a delta, what the snapshot lacks) into
    /// `container`, owned by the container's user (resolved here rather than through the
    /// daemon's `copyUIDGID`, which Engine 20.10 fails on a `uid:gid` user), with `links`
    /// (`path`, `target`) made in the same archive.
    pub(super) async fn copy_repository(
        &self,
        container: &str,
        checkout: &Checkout,
        mode: CopyMode,
        links: Vec<(String, String)>,
    ) -> Result<CopySummary, DockerError> {
        let owner = self.container_owner(container).await?;
        let copy_failed = |reason: String| DockerError::Copy {
            what: format!("the git directory of {}", checkout.path.display()),
            direction: "into",
            container: container.to_owned(),
            reason,
        };
        let git_dir =
            archive::git_dir_of(&checkout.path).map_err(|err| copy_failed(err.to_string()))?;
        let prefix = format!(
            "{}/.git",
            spec::repository_path(&checkout.repository).trim_start_matches('/')
        );
        // Named so the crash suite can kill `sk` with part of the archive sent.
        let fault = match mode {
            CopyMode::Snapshot => "docker.snapshot.during-copy",
            CopyMode::Delta { .. } => "docker.create.during-copy",
        };
        let (writer, errors, rx) = archive::chunk_channel();
        let producer = tokio::task::spawn_blocking(move || {
            let result = archive::write_git_dir(&git_dir, &prefix, &mode, owner, &links, writer);
            if let Err(err) = &result {
                // Fail the upload body, so that the daemon never sees a truncated archive
                // as a complete one.
                let _ = errors.blocking_send(Err(std::io::Error::new(err.kind(), err.to_string())));
            }
            result
        });
        let progress: Arc<dyn Transfer> = Arc::from(
            self.progress
                .transfer(&format!("Copying {} into {container}", checkout.repository)),
        );
        let counted = Arc::clone(&progress);
        let body = futures_util::stream::unfold((rx, false), move |(mut rx, sent)| {
            let counted = Arc::clone(&counted);
            async move {
                if sent {
                    fault_point(fault);
                }
                rx.recv().await.map(|chunk| {
                    if let Ok(bytes) = &chunk {
                        counted.advance(bytes.len() as u64);
                    }
                    (chunk.map(Into::into), (rx, true))
                })
            }
        });
        let options = UploadToContainerOptionsBuilder::default().path("/").build();
        // Answered once the whole archive is unpacked: no deadline.
        let uploaded = without_deadline(&self.docker)
            .upload_to_container(container, Some(options), bollard::body_try_stream(body))
            .await;
        progress.finish();
        let produced = producer
            .await
            .map_err(|err| copy_failed(format!("the archive thread failed: {err}")))?;
        match (produced, uploaded) {
            (Err(err), _) => Err(copy_failed(err.to_string())),
            (Ok(_), Err(err)) => Err(copy_failed(describe_api_error(&err))),
            (Ok(summary), Ok(())) => Ok(summary),
        }
    }

    /// Gives container `name`'s exec directory, when it has one (`made`), to the
    /// container's user when `sk` runs as root and the container does not (one inspect,
    /// and the image's `/etc/passwd` and `/etc/group`): its spawner can then use it.
    /// Returns whether the container's user can then write it, so that its PID 1 can be
    /// the spawner.
    ///
    /// # Errors
    /// Those of [`Engine::container_owner`].
    pub(super) async fn hand_over_exec_dir(
        &self,
        name: &str,
        made: bool,
    ) -> Result<bool, DockerError> {
        if !made {
            return Ok(false);
        }
        let owner = self.container_owner(name).await?;
        if rustix::process::geteuid().is_root() {
            if let (Ok(uid), Ok(gid)) = (u32::try_from(owner.uid), u32::try_from(owner.gid)) {
                self.spawners.hand_over(name, uid, gid);
            } else {
                tracing::debug!("{name}'s user {owner:?} is no host user; no spawner");
            }
        }
        Ok(self.spawners.exec_dir_writable_by(name, owner.uid))
    }

    /// The uid and gid of the user a container runs as (its image's `USER`), resolved
    /// against the container's own `/etc/passwd` and `/etc/group`.
    /// Recorded per image on the host (see [`crate::image_records`]) once resolved: two
    /// archive requests saved for every later container of the image.
    pub(super) async fn container_owner(&self, container: &str) -> Result<Owner, DockerError> {
        let info = self.inspect(container).await?;
        let image = info.as_ref().and_then(|info| info.image.clone());
        let user = info
            .and_then(|info| info.config)
            .and_then(|config| config.user)
            .unwrap_or_default();
        if user.is_empty() || user == "root" || user == "0" || user == "0:0" {
            return Ok(Owner::default());
        }
        if let Some(owner) = image.as_deref().and_then(|image| self.images.owner(image)) {
            return Ok(owner);
        }
        let passwd = self.read_small_file(container, "/etc/passwd").await?;
        let group = self.read_small_file(container, "/etc/group").await?;
        let owner = archive::resolve_owner(
            &user,
            passwd.as_deref().unwrap_or_default(),
            group.as_deref().unwrap_or_default(),
        )
        .ok_or_else(|| DockerError::Copy {
            what: "the repository".to_owned(),
            direction: "into",
            container: container.to_owned(),
            reason: format!("its user `{user}` is not in the image's /etc/passwd or /etc/group"),
        })?;
        if let Some(image) = &image {
            self.images.record_owner(image, owner);
        }
        Ok(owner)
    }
}
