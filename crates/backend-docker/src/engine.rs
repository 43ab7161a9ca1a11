//! Everything that talks to the daemon about workspaces: the connection, the workspace
//! image, repository snapshots, the ensure-ready state machine, and the copy of a
//! repository into a new container.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::Docker;
use bollard::models::{
    ContainerConfig, ContainerInspectResponse, ContainerStateStatusEnum, ContainerSummary,
};
use bollard::query_parameters::{
    CommitContainerOptionsBuilder, CreateContainerOptionsBuilder,
    DownloadFromContainerOptionsBuilder, ListContainersOptionsBuilder, ListImagesOptionsBuilder,
    LogsOptionsBuilder, RemoveContainerOptionsBuilder, RemoveImageOptionsBuilder,
    UploadToContainerOptionsBuilder,
};
use futures_util::StreamExt;
use skipper_core::{
    Checkout, RepositoryId, SandboxKind, Workspace, WorkspaceLocation, WorkspaceRef,
    WorkspaceTarget, short_hash,
};
use tokio::sync::mpsc;

use crate::archive::{self, CopyMode, CopySummary, Owner};
use crate::error::{DockerError, describe_api_error, status_of};
use crate::exec::{self, Captured, ExecRequest};
use crate::image::{self, ImageRecipe, WorkspaceImage};
use crate::labels;
use crate::scripts;
use crate::spec::{self, ContainerSpec};
use crate::{DockerConfig, EMBEDDED_DOCKERFILE};

/// The endpoint when `DOCKER_HOST` is not set.
pub const DEFAULT_ENDPOINT: &str = "unix:///var/run/docker.sock";
/// How long the daemon gets to answer the first ping.
const PING_DEADLINE: Duration = Duration::from_secs(5);
/// How many of PID 1's log lines a start failure reports.
const LOG_LINES: &str = "20";
/// Snapshot builder containers older than this are leftovers of an interrupted run.
const STALE_BUILDER_SECS: i64 = 600;

/// A connected daemon plus the backend's configuration.
#[derive(Debug)]
pub struct Engine {
    pub(crate) docker: Docker,
    pub(crate) config: DockerConfig,
    /// The data root's fingerprint, on every label and in every name this engine makes.
    pub(crate) namespace: String,
}

/// The endpoint the client uses, for messages.
#[must_use]
pub fn endpoint() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned())
}

impl Engine {
    /// Connects through `DOCKER_HOST` or the default socket, pings with a deadline and
    /// negotiates the API version.
    ///
    /// # Errors
    /// [`DockerError::Unreachable`] naming the endpoint.
    pub async fn connect(config: DockerConfig) -> Result<Self, DockerError> {
        let endpoint = endpoint();
        let unreachable = |reason: String| DockerError::Unreachable {
            endpoint: endpoint.clone(),
            reason,
        };
        let docker = Docker::connect_with_defaults().map_err(|err| unreachable(err.to_string()))?;
        match tokio::time::timeout(PING_DEADLINE, docker.ping()).await {
            Err(_) => {
                return Err(unreachable(format!(
                    "no answer within {} s",
                    PING_DEADLINE.as_secs()
                )));
            }
            Ok(Err(err)) => return Err(unreachable(describe_api_error(&err))),
            Ok(Ok(_)) => {}
        }
        let docker = tokio::time::timeout(PING_DEADLINE, docker.negotiate_version())
            .await
            .map_err(|_| unreachable("no answer to the version query".to_owned()))?
            .map_err(|err| unreachable(describe_api_error(&err)))?;
        let namespace = spec::namespace(&config.data_root);
        Ok(Self {
            docker,
            config,
            namespace,
        })
    }

    /// The host configuration to mount read-only that exists right now.
    pub(crate) fn present_mounts(&self) -> Vec<spec::HostMount> {
        let home = &self.config.home;
        let config_home = self
            .config
            .config_home
            .clone()
            .unwrap_or_else(|| home.join(".config"));
        let data_home = self
            .config
            .data_home
            .clone()
            .unwrap_or_else(|| home.join(".local/share"));
        spec::present_mounts(spec::HostDirs {
            home,
            config_home: &config_home,
            data_home: &data_home,
        })
    }

    // ---------------------------------------------------------------- the image

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
        let dockerfile = match &self.config.dockerfile {
            Some(path) => fs_err::read(path).map_err(io(path))?,
            None => {
                let path = dir.join("Dockerfile");
                let current = std::fs::read(&path).ok();
                if current.as_deref() != Some(EMBEDDED_DOCKERFILE.as_bytes()) {
                    fs_err::write(&path, EMBEDDED_DOCKERFILE).map_err(io(&path))?;
                }
                EMBEDDED_DOCKERFILE.as_bytes().to_vec()
            }
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
    /// Dockerfile's image, built when missing.
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
        image::ensure_built(&self.docker, &recipe).await
    }

    // ------------------------------------------------------- repository snapshots

    /// The repository snapshot image of `checkout` on `image`: the image plus the checkout's
    /// whole git directory, made once per repository and workspace image by streaming the
    /// git directory into a never-started container and committing it. Workspaces start
    /// from it copy-on-write and receive only the objects it lacks.
    ///
    /// # Errors
    /// [`DockerError`] from the copy or the commit.
    pub async fn ensure_snapshot(
        &self,
        checkout: &Checkout,
        image: &WorkspaceImage,
    ) -> Result<String, DockerError> {
        let repository = spec::snapshot_repository(&checkout.repository, &self.namespace);
        let tag = format!("{repository}:{}", image.hash);
        if image::image_id(&self.docker, &tag).await?.is_some() {
            return Ok(tag);
        }
        self.reap_stale_builders(&checkout.repository).await;
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
            .map_err(|err| DockerError::api("create container", &builder, err))?;
        let result = async {
            let summary = self
                .copy_repository(&builder, checkout, CopyMode::Snapshot)
                .await?;
            tracing::debug!("snapshot of {}: {summary:?}", checkout.repository);
            let mut snapshot_labels = labels::repository_labels(
                &checkout.repository,
                labels::ROLE_SNAPSHOT,
                &self.namespace,
            );
            snapshot_labels.insert(labels::IMAGE_HASH.to_owned(), image.hash.clone());
            let options = CommitContainerOptionsBuilder::default()
                .container(&builder)
                .repo(&repository)
                .tag(&image.hash)
                .pause(false)
                .comment("skipper repository snapshot")
                .build();
            let config = ContainerConfig {
                labels: Some(snapshot_labels),
                ..Default::default()
            };
            self.docker
                .commit_container(options, config)
                .await
                .map_err(|err| DockerError::api("commit container", &builder, err))?;
            Ok::<_, DockerError>(())
        }
        .await;
        self.remove_container(&builder).await?;
        result?;
        self.prune_other_snapshots(&checkout.repository, &tag).await;
        Ok(tag)
    }

    /// Removes snapshot builders an interrupted run left behind (never running ones).
    async fn reap_stale_builders(&self, repository: &RepositoryId) {
        let filters =
            labels::repository_filter(repository, labels::ROLE_SNAPSHOT_BUILDER, &self.namespace);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let Ok(found) = self.docker.list_containers(Some(options)).await else {
            return;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        for container in found {
            let idle = matches!(
                container.state.map(|s| s.to_string()).as_deref(),
                Some("created" | "exited" | "dead")
            );
            let old = container
                .created
                .is_some_and(|created| now - created > STALE_BUILDER_SECS);
            if idle
                && old
                && let Some(id) = container.id
            {
                let _ = self.remove_container(&id).await;
            }
        }
    }

    /// Removes this repository's snapshots of other workspace images, unless a container
    /// still uses them (the daemon refuses, and the refusal is ignored).
    async fn prune_other_snapshots(&self, repository: &RepositoryId, keep: &str) {
        let filters = labels::repository_filter(repository, labels::ROLE_SNAPSHOT, &self.namespace);
        let options = ListImagesOptionsBuilder::default()
            .filters(&filters)
            .build();
        let Ok(images) = self.docker.list_images(Some(options)).await else {
            return;
        };
        for image in images {
            if image.repo_tags.iter().any(|tag| tag == keep) {
                continue;
            }
            for tag in &image.repo_tags {
                let _ = self
                    .docker
                    .remove_image(
                        tag,
                        Some(RemoveImageOptionsBuilder::default().build()),
                        None,
                    )
                    .await;
            }
        }
    }

    /// Streams the checkout's git directory (or, for a delta, what the snapshot lacks) into
    /// `container`, owned by the container's user (resolved here rather than through the
    /// daemon's `copyUIDGID`, which Engine 20.10 fails on a `uid:gid` user).
    async fn copy_repository(
        &self,
        container: &str,
        checkout: &Checkout,
        mode: CopyMode,
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
        let (writer, errors, rx) = archive::chunk_channel();
        let producer = tokio::task::spawn_blocking(move || {
            let result = archive::write_git_dir(&git_dir, &prefix, &mode, owner, writer);
            if let Err(err) = &result {
                // Fail the upload body, so that the daemon never sees a truncated archive
                // as a complete one.
                let _ = errors.blocking_send(Err(std::io::Error::new(err.kind(), err.to_string())));
            }
            result
        });
        // Progress on a terminal only (indicatif draws nothing elsewhere).
        let progress = indicatif::ProgressBar::new_spinner()
            .with_message(format!("Copying {} into {container}", checkout.repository));
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} {msg}: {bytes} ({bytes_per_sec})")
        {
            progress.set_style(style);
        }
        progress.enable_steady_tick(std::time::Duration::from_millis(120));
        let counted = progress.clone();
        let body = futures_util::stream::unfold(rx, move |mut rx| {
            let counted = counted.clone();
            async move {
                rx.recv().await.map(|chunk| {
                    if let Ok(bytes) = &chunk {
                        counted.inc(bytes.len() as u64);
                    }
                    (chunk.map(Into::into), rx)
                })
            }
        });
        let options = UploadToContainerOptionsBuilder::default().path("/").build();
        let uploaded = self
            .docker
            .upload_to_container(container, Some(options), bollard::body_try_stream(body))
            .await;
        progress.finish_and_clear();
        let produced = producer
            .await
            .map_err(|err| copy_failed(format!("the archive thread failed: {err}")))?;
        match (produced, uploaded) {
            (Err(err), _) => Err(copy_failed(err.to_string())),
            (Ok(_), Err(err)) => Err(copy_failed(describe_api_error(&err))),
            (Ok(summary), Ok(())) => Ok(summary),
        }
    }

    /// The object files a container's snapshot holds, from its manifest.
    async fn snapshot_objects(
        &self,
        container: &str,
        repository: &RepositoryId,
    ) -> Result<HashSet<String>, DockerError> {
        let path = format!(
            "{}/.git/{}",
            spec::repository_path(repository),
            archive::MANIFEST
        );
        let text = self.read_small_file(container, &path).await?;
        Ok(archive::parse_manifest(&text.unwrap_or_default()))
    }

    /// The uid and gid of the user a container runs as (its image's `USER`), resolved
    /// against the container's own `/etc/passwd` and `/etc/group`.
    async fn container_owner(&self, container: &str) -> Result<Owner, DockerError> {
        let user = self
            .inspect(container)
            .await?
            .and_then(|info| info.config)
            .and_then(|config| config.user)
            .unwrap_or_default();
        if user.is_empty() || user == "root" || user == "0" || user == "0:0" {
            return Ok(Owner::default());
        }
        let passwd = self.read_small_file(container, "/etc/passwd").await?;
        let group = self.read_small_file(container, "/etc/group").await?;
        archive::resolve_owner(
            &user,
            passwd.as_deref().unwrap_or_default(),
            group.as_deref().unwrap_or_default(),
        )
        .ok_or_else(|| DockerError::Copy {
            what: "the repository".to_owned(),
            direction: "into",
            container: container.to_owned(),
            reason: format!("its user `{user}` is not in the image's /etc/passwd or /etc/group"),
        })
    }

    /// A small text file of a container (started or not), or `None` when it does not exist.
    async fn read_small_file(
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
            let _ = std::fs::remove_file(&part);
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

    // ------------------------------------------------------------------ lookups

    /// The container carrying `reference`'s labels, running or not. One label-filtered
    /// listing; several matches are an error.
    ///
    /// # Errors
    /// [`DockerError::Api`], [`DockerError::Duplicate`].
    pub async fn find(
        &self,
        reference: &WorkspaceRef,
    ) -> Result<Option<ContainerSummary>, DockerError> {
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&labels::workspace_filter(reference, &self.namespace))
            .build();
        let mut found = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|err| DockerError::api("list containers", reference.to_string(), err))?;
        match found.len() {
            0 => Ok(None),
            1 => Ok(found.pop()),
            _ => Err(DockerError::Duplicate {
                workspace: reference.to_string(),
                containers: found.iter().map(summary_name).collect(),
            }),
        }
    }

    /// Every workspace container, running or not, in one listing.
    ///
    /// # Errors
    /// [`DockerError::Api`].
    pub async fn list_workspaces(&self) -> Result<Vec<ContainerSummary>, DockerError> {
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&labels::all_workspaces_filter(&self.namespace))
            .build();
        self.docker
            .list_containers(Some(options))
            .await
            .map_err(|err| DockerError::api("list containers", "skipper workspaces", err))
    }

    async fn inspect(&self, name: &str) -> Result<Option<ContainerInspectResponse>, DockerError> {
        match self.docker.inspect_container(name, None).await {
            Ok(info) => Ok(Some(info)),
            Err(err) if status_of(&err) == Some(404) => Ok(None),
            Err(err) => Err(DockerError::api("inspect container", name, err)),
        }
    }

    // ------------------------------------------------------------ state machine

    /// Makes sure `name` is `reference`'s container, finished, and running: running -> as
    /// is; created or exited -> checked for [`scripts::READY_MARKER`], then started (and
    /// checked to stay up); paused -> unpaused.
    ///
    /// Only a container that is not running is checked for the marker, so that a command
    /// in a running one costs no extra round trip. A creation that `sk` did not live to
    /// finish leaves the container created (killed during the copy) or running (killed
    /// during the setup); the latter is caught by `create`, by the dirty gate, and by the
    /// first command after it stopped.
    ///
    /// # Errors
    /// [`DockerError::ContainerGone`], [`DockerError::Foreign`], [`DockerError::Unfinished`],
    /// [`DockerError::ContainerStart`] with PID 1's last log lines.
    pub async fn ensure_running(
        &self,
        name: &str,
        reference: &WorkspaceRef,
    ) -> Result<(), DockerError> {
        let info = self
            .inspect(name)
            .await?
            .ok_or_else(|| DockerError::ContainerGone {
                container: name.to_owned(),
            })?;
        verify_labels(name, &info, reference, &self.namespace)?;
        if state_of(&info) != Some(ContainerStateStatusEnum::RUNNING)
            && !self.is_ready(name, &reference.repository).await?
        {
            return Err(DockerError::Unfinished {
                container: name.to_owned(),
                remedy: match reference.target {
                    WorkspaceTarget::Main => {
                        "run `sk clone <remote> --sandbox docker` again, which makes it anew"
                    }
                    WorkspaceTarget::Branch(_) => {
                        "remove it with `sk workspace remove --force`, then create it again"
                    }
                },
            });
        }
        self.bring_up(name, &info).await
    }

    /// Whether the setup of `container` (running or not) ran to its end: whether it holds
    /// [`scripts::READY_MARKER`]. One archive request, no exec.
    ///
    /// # Errors
    /// [`DockerError::Copy`] when the daemon fails to answer.
    pub async fn is_ready(
        &self,
        container: &str,
        repository: &RepositoryId,
    ) -> Result<bool, DockerError> {
        let marker = format!(
            "{}/{}",
            spec::repository_path(repository),
            scripts::READY_MARKER
        );
        Ok(self.read_small_file(container, &marker).await?.is_some())
    }

    /// Brings the inspected container `name` to running, whatever it holds.
    async fn bring_up(
        &self,
        name: &str,
        info: &ContainerInspectResponse,
    ) -> Result<(), DockerError> {
        match state_of(info) {
            Some(ContainerStateStatusEnum::RUNNING) => Ok(()),
            Some(ContainerStateStatusEnum::PAUSED) => self
                .docker
                .unpause_container(name)
                .await
                .map_err(|err| DockerError::api("unpause container", name, err)),
            Some(
                ContainerStateStatusEnum::CREATED
                | ContainerStateStatusEnum::EXITED
                | ContainerStateStatusEnum::RESTARTING,
            ) => self.start(name).await,
            other => Err(DockerError::ContainerStart {
                container: name.to_owned(),
                reason: format!(
                    "it is {}",
                    other.map_or_else(|| "in an unknown state".to_owned(), |s| s.to_string())
                ),
                logs: self.last_logs(name).await,
            }),
        }
    }

    /// Starts `name` and checks that PID 1 is still up.
    async fn start(&self, name: &str) -> Result<(), DockerError> {
        if let Err(err) = self.docker.start_container(name, None).await {
            return Err(DockerError::ContainerStart {
                container: name.to_owned(),
                reason: describe_api_error(&err),
                logs: self.last_logs(name).await,
            });
        }
        self.check_alive(name).await
    }

    /// Fails with PID 1's last log lines when the container is not running.
    async fn check_alive(&self, name: &str) -> Result<(), DockerError> {
        let state = self.inspect(name).await?.and_then(|info| info.state);
        match state {
            Some(state) if state.running == Some(true) => Ok(()),
            Some(state) => Err(DockerError::ContainerStart {
                container: name.to_owned(),
                reason: format!(
                    "its PID 1 exited with code {}{}",
                    state.exit_code.unwrap_or(-1),
                    state
                        .error
                        .filter(|e| !e.is_empty())
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                ),
                logs: self.last_logs(name).await,
            }),
            None => Err(DockerError::ContainerGone {
                container: name.to_owned(),
            }),
        }
    }

    /// The last lines PID 1 wrote, for start failures.
    async fn last_logs(&self, name: &str) -> Vec<String> {
        let options = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .tail(LOG_LINES)
            .build();
        let mut stream = self.docker.logs(name, Some(options));
        let mut text = Vec::new();
        while let Some(Ok(chunk)) = stream.next().await {
            text.extend_from_slice(&chunk.into_bytes());
        }
        String::from_utf8_lossy(&text)
            .lines()
            .map(str::to_owned)
            .filter(|line| !line.trim().is_empty())
            .collect()
    }

    /// Removes a container and its anonymous volumes; a missing one is not an error.
    ///
    /// # Errors
    /// [`DockerError::Api`].
    pub async fn remove_container(&self, name: &str) -> Result<(), DockerError> {
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        match self.docker.remove_container(name, Some(options)).await {
            Ok(()) => Ok(()),
            Err(err) if status_of(&err) == Some(404) => Ok(()),
            Err(err) => Err(DockerError::api("remove container", name, err)),
        }
    }

    // ----------------------------------------------------------------- steps

    /// Runs one of skipper's steps in the repository directory and requires success. A
    /// container whose PID 1 died meanwhile is reported with its logs.
    ///
    /// # Errors
    /// [`DockerError::Step`], [`DockerError::ContainerStart`], [`DockerError::Exec`].
    pub async fn step(
        &self,
        name: &str,
        workdir: &str,
        step: &'static str,
        argv: Vec<String>,
        env: Vec<String>,
    ) -> Result<Captured, DockerError> {
        let captured = self.run(name, workdir, argv, env).await?;
        if captured.status != 0 {
            // A step killed because PID 1 died is a start failure, with its logs.
            self.check_alive(name).await?;
            return Err(DockerError::Step {
                step,
                container: name.to_owned(),
                status: captured.status,
                stderr: captured.stderr_text(),
            });
        }
        Ok(captured)
    }

    /// Runs a process to its end in `workdir` and returns what it did, whatever its status.
    ///
    /// # Errors
    /// [`DockerError::ContainerStart`] when PID 1 died, else [`DockerError::Exec`].
    pub async fn run(
        &self,
        name: &str,
        workdir: &str,
        argv: Vec<String>,
        env: Vec<String>,
    ) -> Result<Captured, DockerError> {
        let mut request = ExecRequest::new(name, argv, Some(workdir));
        request.env = env;
        match exec::capture(&self.docker, &request, None).await {
            Ok(captured) => Ok(captured),
            Err(err) => {
                self.check_alive(name).await?;
                Err(err)
            }
        }
    }

    // ---------------------------------------------------------------- create

    /// Makes the container of `reference` from `checkout`: the repository snapshot, the
    /// objects it lacks, then the working tree (`mode` as [`scripts::SETUP`] takes it).
    /// A finished container already carrying the labels is returned as it is (started if
    /// needed); one an interrupted creation left half-made (no [`scripts::READY_MARKER`]) is
    /// removed and made anew. A failure removes the half-made container.
    ///
    /// # Errors
    /// [`DockerError`] naming the failing operation.
    pub async fn create_workspace(
        &self,
        reference: &WorkspaceRef,
        checkout: &Checkout,
        mode: &str,
        default_branch: &str,
        branch: &str,
    ) -> Result<Workspace, DockerError> {
        if let Some(existing) = self.find(reference).await?
            && let Some(workspace) = self.adopt(&summary_name(&existing), reference).await?
        {
            return Ok(workspace);
        }
        let name = spec::container_name(reference, &self.namespace);
        let image = self.workspace_image().await?;
        let snapshot = self.ensure_snapshot(checkout, &image).await?;
        let container_spec = ContainerSpec {
            image: snapshot,
            labels: labels::workspace_labels(reference, &image.hash, &self.namespace),
            mounts: self.present_mounts(),
            memory_bytes: self.config.memory_bytes,
            nano_cpus: self.config.nano_cpus,
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
                // Someone made it meanwhile (a race), or a foreign container holds the name.
                Err(err) if status_of(&err) == Some(409) && !replaced_half_made => {
                    if let Some(workspace) = self.adopt(&name, reference).await? {
                        return Ok(workspace);
                    }
                    replaced_half_made = true;
                }
                Err(err) => return Err(DockerError::api("create container", &name, err)),
            }
        };
        let made = async {
            let present = self.snapshot_objects(&name, &checkout.repository).await?;
            let summary = self
                .copy_repository(&name, checkout, CopyMode::Delta { present })
                .await?;
            tracing::debug!("copied into {name}: {summary:?}");
            self.start(&name).await?;
            let repo_dir = spec::repository_path(&checkout.repository);
            let mut args = vec![repo_dir.as_str(), mode, default_branch, branch];
            for mount in &container_spec.mounts {
                args.push(mount.link.as_str());
                args.push(&mount.target);
                args.push(&mount.home_path);
            }
            let setup = self
                .step(
                    &name,
                    spec::WORKSPACE_ROOT,
                    "setting up the repository",
                    scripts::sh(scripts::SETUP, &args),
                    Vec::new(),
                )
                .await?;
            let warnings = setup.stderr_text();
            if !warnings.is_empty() {
                tracing::warn!("{name}: {warnings}");
            }
            Ok::<_, DockerError>(())
        }
        .await;
        if let Err(err) = made {
            // By id: should another `sk` have replaced the container meanwhile, its
            // container is not this one's to remove.
            if let Err(cleanup) = self.remove_container(&id).await {
                tracing::warn!("removing the half-made container {name}: {cleanup}");
            }
            return Err(err);
        }
        self.workspace_of(reference).await
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

/// Fails with [`DockerError::Foreign`] unless the inspected container `name` carries
/// `reference`'s labels.
fn verify_labels(
    name: &str,
    info: &ContainerInspectResponse,
    reference: &WorkspaceRef,
    namespace: &str,
) -> Result<(), DockerError> {
    let container_labels = info
        .config
        .as_ref()
        .and_then(|config| config.labels.as_ref());
    if container_labels.is_some_and(|found| labels::labels_match(found, reference, namespace)) {
        Ok(())
    } else {
        Err(DockerError::Foreign {
            container: name.to_owned(),
            expected: reference.to_string(),
        })
    }
}

/// The state of an inspected container.
fn state_of(info: &ContainerInspectResponse) -> Option<ContainerStateStatusEnum> {
    info.state.as_ref().and_then(|state| state.status)
}

/// A container's name as listed (without the leading `/`).
#[must_use]
pub fn summary_name(summary: &ContainerSummary) -> String {
    summary
        .names
        .as_ref()
        .and_then(|names| names.first())
        .map(|name| name.trim_start_matches('/').to_owned())
        .or_else(|| summary.id.clone())
        .unwrap_or_default()
}

/// The workspace a listed container is.
#[must_use]
pub fn workspace_from_summary(reference: WorkspaceRef, summary: &ContainerSummary) -> Workspace {
    let path = spec::repository_path(&reference.repository);
    Workspace {
        reference,
        sandbox: SandboxKind::Docker,
        location: WorkspaceLocation::Container {
            name: summary_name(summary),
            path,
            state: summary
                .state
                .map_or_else(|| "unknown".to_owned(), |state| state.to_string()),
        },
        dirty: None,
    }
}

/// The identity a listed container's labels give, if it belongs to one of `checkouts`.
#[must_use]
pub fn reference_of(summary: &ContainerSummary, checkouts: &[Checkout]) -> Option<WorkspaceRef> {
    let container_labels = summary.labels.as_ref()?;
    let key = container_labels.get(labels::REPOSITORY)?;
    let checkout = checkouts.iter().find(|c| &c.repository.key() == key)?;
    let target: WorkspaceTarget = labels::target_from_labels(container_labels)?;
    Some(WorkspaceRef {
        repository: checkout.repository.clone(),
        target,
    })
}

/// The host file a preserved bundle goes to.
#[must_use]
pub fn bundle_path(
    data_root: &Path,
    repository: &RepositoryId,
    container: &str,
    stamp: &str,
) -> PathBuf {
    data_root
        .join("saved")
        .join(repository.storage_path())
        .join(format!("{container}-{stamp}.bundle"))
}
