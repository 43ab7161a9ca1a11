//! The image workspaces are made from: its recipe (Dockerfile and build arguments) and the
//! configured or built image.

use std::collections::BTreeMap;
use std::path::Path;

use skipper_core::short_hash;

use super::Engine;
use crate::EMBEDDED_DOCKERFILE;
use crate::error::DockerError;
use crate::image::{self, ImageRecipe, WorkspaceImage};

impl Engine {
    /// The Dockerfile and build arguments of the workspace image. Writes the embedded
    /// Dockerfile to `<data root>/docker/Dockerfile` when it is missing or stale.
    ///
    /// # Errors
    /// [`DockerError::Io`] reading or writing the Dockerfile.
    pub fn recipe(&self) -> Result<ImageRecipe, DockerError> {
        let dir = self.config.data_root.join("docker");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| DockerError::Io { path, source }
        };
        fs_err::create_dir_all(&dir).map_err(io(&dir))?;
        let dockerfile = if let Some(path) = &self.config.dockerfile {
            fs_err::read(path).map_err(io(path))?
        } else {
            let path = dir.join("Dockerfile");
            let current = fs_err::read(&path).ok();
            if current.as_deref() != Some(EMBEDDED_DOCKERFILE.as_bytes()) {
                fs_err::write(&path, EMBEDDED_DOCKERFILE).map_err(io(&path))?;
            }
            EMBEDDED_DOCKERFILE.as_bytes().to_vec()
        };
        // The directory skipper just made is owned by the user running it: its ids are
        // the container user's, without asking the OS through unsafe code.
        let (uid, gid) = {
            use std::os::unix::fs::MetadataExt;
            let meta = fs_err::metadata(&dir).map_err(io(&dir))?;
            (meta.uid(), meta.gid())
        };
        let mut build_args = BTreeMap::from([
            ("USER_UID".to_owned(), uid.to_string()),
            ("USER_GID".to_owned(), gid.to_string()),
        ]);
        build_args.extend(self.config.build_args.clone());
        Ok(ImageRecipe {
            dockerfile,
            build_args,
        })
    }

    /// The image workspaces are made from: the configured image as it is, or the
    /// Dockerfile's image, built when missing, its whole output kept in
    /// `<data root>/docker/build-<short hash>.log`.
    ///
    /// # Errors
    /// [`DockerError::ImageMissing`], [`DockerError::ImageBuild`].
    pub async fn workspace_image(&self) -> Result<WorkspaceImage, DockerError> {
        if let Some(name) = &self.config.image {
            let id = image::image_id(&self.docker, name).await?.ok_or_else(|| {
                DockerError::ImageMissing {
                    image: name.clone(),
                }
            })?;
            return Ok(WorkspaceImage {
                reference: name.clone(),
                hash: short_hash(&id, 12),
            });
        }
        let recipe = self.recipe()?;
        let logs = self.config.data_root.join("docker");
        image::ensure_built(&self.docker, &recipe, &logs, &*self.progress).await
    }
}
