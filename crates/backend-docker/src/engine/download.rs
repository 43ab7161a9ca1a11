//! Files out of a container: small text files read whole, regular files streamed to the
//! host, and the host path a preserved bundle goes to.

use std::path::Path;

use bollard::query_parameters::DownloadFromContainerOptionsBuilder;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::Engine;
use crate::archive;
use crate::error::{DockerError, describe_api_error, status_of};

impl Engine {
    /// A small text file of a container (started or not), or `None` when it does not exist.
    pub(super) async fn read_small_file(
        &self,
        container: &str,
        path: &str,
    ) -> Result<Option<String>, DockerError> {
        let options = DownloadFromContainerOptionsBuilder::default()
            .path(path)
            .build();
        let mut stream = self
            .docker
            .download_from_container(container, Some(options));
        let mut tar_bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(bytes) => tar_bytes.extend_from_slice(&bytes),
                Err(err) if status_of(&err) == Some(404) => return Ok(None),
                Err(err) => {
                    return Err(DockerError::Copy {
                        what: path.to_owned(),
                        direction: "out of",
                        container: container.to_owned(),
                        reason: describe_api_error(&err),
                    });
                }
            }
        }
        let mut text = String::new();
        let mut archive = tar::Archive::new(tar_bytes.as_slice());
        if let Ok(mut entries) = archive.entries()
            && let Some(Ok(mut entry)) = entries.next()
        {
            use std::io::Read;
            let _ = entry.read_to_string(&mut text);
        }
        Ok(Some(text))
    }

    /// Copies the regular file `path` out of `container` into `dest` on the host, streamed.
    /// It is written to [`archive::partial_path`] and renamed to `dest` once all of it
    /// arrived; a failed download leaves neither file.
    ///
    /// # Errors
    /// [`DockerError::Copy`], [`DockerError::Io`] renaming the finished file.
    pub async fn download_file(
        &self,
        container: &str,
        path: &str,
        dest: &Path,
    ) -> Result<u64, DockerError> {
        let part = archive::partial_path(dest);
        let downloaded = self.download_to(container, path, &part).await;
        let renamed = downloaded.and_then(|size| {
            fs_err::rename(&part, dest)
                .map(|()| size)
                .map_err(|source| DockerError::Io {
                    path: dest.to_path_buf(),
                    source,
                })
        });
        if renamed.is_err() {
            let _ = fs_err::remove_file(&part);
        }
        renamed
    }

    /// [`Engine::download_file`]'s transfer, into `dest` as it is.
    async fn download_to(
        &self,
        container: &str,
        path: &str,
        dest: &Path,
    ) -> Result<u64, DockerError> {
        let failed = |reason: String| DockerError::Copy {
            what: path.to_owned(),
            direction: "out of",
            container: container.to_owned(),
            reason,
        };
        let (tx, rx) = mpsc::channel(8);
        let dest_owned = dest.to_path_buf();
        let consumer = tokio::task::spawn_blocking(move || {
            archive::extract_single_file(archive::ChunkReader::new(rx), &dest_owned)
        });
        let options = DownloadFromContainerOptionsBuilder::default()
            .path(path)
            .build();
        let mut stream = self
            .docker
            .download_from_container(container, Some(options));
        let mut failure = None;
        while let Some(chunk) = stream.next().await {
            let item = chunk.map(|bytes| bytes.to_vec()).map_err(|err| {
                let reason = describe_api_error(&err);
                failure.get_or_insert(reason.clone());
                std::io::Error::other(reason)
            });
            let stop = item.is_err();
            if tx.send(item).await.is_err() || stop {
                break;
            }
        }
        drop(tx);
        let extracted = consumer.await.map_err(|err| failed(err.to_string()))?;
        if let Some(reason) = failure {
            return Err(failed(reason));
        }
        extracted.map_err(|err| failed(err.to_string()))
    }

    /// Copies the directory `path` of `container` (started or not) to the host as the tar
    /// archive the daemon sends, streamed into `dest`: written to
    /// [`archive::partial_path`] and renamed once complete. Returns its size.
    ///
    /// # Errors
    /// [`DockerError::Copy`], or [`DockerError::Io`] writing the file.
    pub async fn download_tree(
        &self,
        container: &str,
        path: &str,
        dest: &Path,
    ) -> Result<u64, DockerError> {
        use std::io::Write as _;
        let part = archive::partial_path(dest);
        let io = |source: std::io::Error| DockerError::Io {
            path: dest.to_path_buf(),
            source,
        };
        let written = async {
            let mut file = fs_err::File::create(&part).map_err(io)?;
            let options = DownloadFromContainerOptionsBuilder::default()
                .path(path)
                .build();
            let mut stream = self
                .docker
                .download_from_container(container, Some(options));
            let mut size = 0u64;
            while let Some(chunk) = stream.next().await {
                let bytes = chunk.map_err(|err| DockerError::Copy {
                    what: path.to_owned(),
                    direction: "out of",
                    container: container.to_owned(),
                    reason: describe_api_error(&err),
                })?;
                file.write_all(&bytes).map_err(io)?;
                size += bytes.len() as u64;
            }
            file.sync_all().map_err(io)?;
            fs_err::rename(&part, dest).map_err(io)?;
            Ok::<_, DockerError>(size)
        }
        .await;
        if written.is_err() {
            let _ = fs_err::remove_file(&part);
        }
        written
    }
}
