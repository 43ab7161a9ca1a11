//! Files into a container: a host file streamed as a one-file tar, or the files carried
//! from the host checkout, owned by the container's user so that it can read and delete
//! them.

use std::io;
use std::path::Path;

use bollard::query_parameters::UploadToContainerOptionsBuilder;

use super::Engine;
use crate::archive::{self, CarriedEntry, ChunkSender, Owner};
use crate::error::{DockerError, describe_api_error};

impl Engine {
    /// Copies the host file `file` into the directory `dir` of `container` as `name`.
    ///
    /// # Errors
    /// [`DockerError::Copy`] when it cannot be read or sent.
    pub async fn upload_file(
        &self,
        container: &str,
        file: &Path,
        dir: &str,
        name: &str,
    ) -> Result<(), DockerError> {
        let (source, archived) = (file.to_path_buf(), name.to_owned());
        self.upload_archive(
            container,
            dir,
            &file.display().to_string(),
            move |owner, out| {
                archive::write_single_file(&source, &archived, owner, out).map(|_| ())
            },
        )
        .await
    }

    /// Unpacks `entries` (named from the container's `/`) into `container`, owned by its
    /// user; `what` names them in an error.
    ///
    /// # Errors
    /// [`DockerError::Copy`] when a host file cannot be read or the archive cannot be sent.
    pub async fn upload_carried(
        &self,
        container: &str,
        entries: Vec<CarriedEntry>,
        what: &str,
    ) -> Result<(), DockerError> {
        self.upload_archive(container, "/", what, move |owner, out| {
            archive::write_carried(&entries, owner, out)
        })
        .await
    }

    /// Copies the host's configuration (`mounts`) into `container`, for an engine that
    /// cannot mount it: at the paths the mounts would have, owned by root, readable by the
    /// container user's group. What was left out is logged.
    ///
    /// # Errors
    /// [`DockerError::Copy`] when a host file cannot be read or the archive cannot be sent.
    pub async fn upload_host_config(
        &self,
        container: &str,
        mounts: Vec<crate::spec::HostMount>,
    ) -> Result<(), DockerError> {
        self.upload_archive(
            container,
            "/",
            "the host's configuration",
            move |owner, out| {
                let skipped = archive::write_host_config(&mounts, owner.gid, out)?;
                for line in skipped {
                    tracing::debug!("not copied into the container: {line}");
                }
                Ok(())
            },
        )
        .await
    }

    /// What of the host's configuration a new container mounts: all of it on a local
    /// engine, nothing on a remote one (it gets [`Engine::copy_host_config`]).
    pub(crate) fn mounted(&self, config: &[crate::spec::HostMount]) -> Vec<crate::spec::HostMount> {
        if self.local {
            config.to_vec()
        } else {
            Vec::new()
        }
    }

    /// Copies `config` into the new container `container` when the engine is remote (a
    /// local one mounts it).
    ///
    /// # Errors
    /// As [`Engine::upload_host_config`].
    pub(crate) async fn copy_host_config(
        &self,
        container: &str,
        config: &[crate::spec::HostMount],
    ) -> Result<(), DockerError> {
        if self.local || config.is_empty() {
            return Ok(());
        }
        self.upload_host_config(container, config.to_vec()).await
    }

    /// Streams the archive `write` makes (owned by the container's user) into `dir` of
    /// `container`. The daemon never takes a part of it for the whole: a failure to write
    /// fails the upload's body.
    async fn upload_archive<F>(
        &self,
        container: &str,
        dir: &str,
        what: &str,
        write: F,
    ) -> Result<(), DockerError>
    where
        F: FnOnce(Owner, io::BufWriter<ChunkSender>) -> io::Result<()> + Send + 'static,
    {
        let failed = |reason: String| DockerError::Copy {
            what: what.to_owned(),
            direction: "into",
            container: container.to_owned(),
            reason,
        };
        let owner = self.container_owner(container).await?;
        let (writer, errors, rx) = archive::chunk_channel();
        let producer = tokio::task::spawn_blocking(move || {
            let result = write(owner, writer);
            if let Err(err) = &result {
                let _ = errors.blocking_send(Err(io::Error::new(err.kind(), err.to_string())));
            }
            result
        });
        let body = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk.map(Into::into), rx))
        });
        let options = UploadToContainerOptionsBuilder::default()
            .path(dir)
            .no_overwrite_dir_non_dir("true")
            .build();
        let uploaded = self
            .docker
            .upload_to_container(container, Some(options), bollard::body_try_stream(body))
            .await;
        let produced = producer
            .await
            .map_err(|err| failed(format!("the archive thread failed: {err}")))?;
        match (produced, uploaded) {
            (Err(err), _) => Err(failed(err.to_string())),
            (Ok(()), Err(err)) => Err(failed(describe_api_error(&err))),
            (Ok(()), Ok(())) => Ok(()),
        }
    }
}
