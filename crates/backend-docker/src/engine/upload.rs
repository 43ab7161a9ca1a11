//! Files into a container: a host file streamed as a one-file tar, owned by the
//! container's user so that it can read and delete it.

use std::path::Path;

use bollard::query_parameters::UploadToContainerOptionsBuilder;

use super::Engine;
use crate::archive;
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
        let failed = |reason: String| DockerError::Copy {
            what: file.display().to_string(),
            direction: "into",
            container: container.to_owned(),
            reason,
        };
        let owner = self.container_owner(container).await?;
        let (writer, errors, rx) = archive::chunk_channel();
        let (source, archived) = (file.to_path_buf(), name.to_owned());
        let producer = tokio::task::spawn_blocking(move || {
            let result = archive::write_single_file(&source, &archived, owner, writer);
            if let Err(err) = &result {
                // Fail the upload body, so that the daemon never takes a part for the whole.
                let _ = errors.blocking_send(Err(std::io::Error::new(err.kind(), err.to_string())));
            }
            result
        });
        let body = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk.map(Into::into), rx))
        });
        let options = UploadToContainerOptionsBuilder::default().path(dir).build();
        let uploaded = self
            .docker
            .upload_to_container(container, Some(options), bollard::body_try_stream(body))
            .await;
        let produced = producer
            .await
            .map_err(|err| failed(format!("the archive thread failed: {err}")))?;
        match (produced, uploaded) {
            (Err(err), _) => Err(failed(err.to_string())),
            (Ok(_), Err(err)) => Err(failed(describe_api_error(&err))),
            (Ok(_), Ok(())) => Ok(()),
        }
    }
}
