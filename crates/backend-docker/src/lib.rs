//! The Docker sandbox of skipper: one long-lived, labelled container per workspace, holding
//! a full copy of the repository, talked to through the daemon's API (bollard).
//!
//! In the hexagon this crate is an adapter: [`DockerBackend`] implements the core's
//! [`Sandbox`] and [`WorkspaceRegistry`] ports and nothing else knows its insides. The ports
//! are synchronous; the backend owns a small tokio runtime and blocks on it.
//!
//! # How it works
//!
//! - **Labels are the source of truth.** Every container carries `dev.skipper.*` labels
//!   (managed, repository, branch, main/branch, image hash, schema version); lookups and
//!   listings are one label-filtered query, stopped containers included. A container that
//!   holds a workspace's deterministic name (`sk-<readable>-<hash>`) without its labels is
//!   never adopted.
//! - **The image** is built lazily from the embedded Dockerfile (written to
//!   `<data root>/docker/Dockerfile`) or from `docker.dockerfile`, tagged
//!   `skipper-workspace:<hash>` with a hash of the Dockerfile and build arguments; or
//!   `docker.image` is used as it is. The build context holds the Dockerfile alone (no
//!   `COPY` of local files). Images of older Dockerfiles are left for `docker image prune`.
//! - **The repository copy** is a per-repository *snapshot image*: the first branch workspace
//!   of a repository streams the host checkout's git directory (a tar written on a blocking
//!   thread into a bounded channel, never following symbolic links, never the whole
//!   repository in memory or a second copy on disk) into a builder container, checks out the
//!   default branch there and commits it as `skipper-repo-<hash>:<image hash>`. Every branch
//!   container starts from that image copy-on-write and receives only the object files the
//!   snapshot lacks (objects are named after their content, so a name the snapshot's
//!   manifest lists is the same bytes), plus the host's refs and configuration; its checkout
//!   writes only the files its branch changes. The main workspace made by `sk clone` is
//!   made from a snapshot when one exists, else from the workspace image with the whole git
//!   directory copied: a clone does not pay for a snapshot only branches use. A second
//!   branch workspace therefore never copies the whole history again. Archive entries are
//!   owned by the container's user (its image's `USER`, resolved against the image's
//!   `/etc/passwd`). Inside, a setup step swaps in the host's refs (never the host's stash),
//!   records the host's branch tips under
//!   `refs/skipper/host/` (their commits are safe on the host, so they do not count as
//!   unpushed) and its tags, and checks out the branch. The host checkout is only read.
//!   Snapshots of a repository for an older image are pruned once no container uses them.
//! - **A finished workspace** holds `.git/skipper/ready`, which the setup step writes last
//!   (labels are fixed before the copy, so they cannot say it). A labelled container without
//!   it was left half-made by an interrupted creation: `locate` and `list` report it
//!   `half_made` (one archive request each), creating the workspace again removes and
//!   remakes it, commands refuse it, and the dirty gate counts only commits made in it
//!   since (when it runs and its setup got as far as recording the host's refs).
//! - **Creation and snapshots run under the repository's lock** (the core's use cases take
//!   it): one snapshot per repository and image even when creates race, and builder
//!   containers or untagged snapshot images found at the start of the next creation are a
//!   dead process's leftovers, removed then.
//! - **The dirty gate** runs inside the container: uncommitted and untracked files, branches
//!   with commits on no remote branch and not on the host, the stash, a detached `HEAD`'s
//!   commits and tags the host does not have. A container that does not start, or a
//!   repository git cannot read, is reported as work that could not be read, so only
//!   `--force` removes it. `destroy` without `force` looks again and refuses work it finds. `--force` saves all of it in a bundle,
//!   written beside its final name and renamed there once complete.
//! - **Containers** run the spawner (`spawner.sh`; `tail -f /dev/null` for those made before
//!   it) behind `init`, with no-new-privileges, all
//!   capabilities dropped but a small set ([`spec::CAPABILITIES`]), a pids limit, optional
//!   memory and CPU limits, and never the Docker socket. The host's OpenCode configuration
//!   and credentials file, `~/.gitconfig`, `~/.config/gh` and `~/.ssh` are mounted read-only
//!   under `/run/skipper/host` and linked from the container user's home, so the container
//!   user (whoever the image makes it) can read them and still write its own state.
//!   OpenCode's configuration directory is a writable directory of links to the host's
//!   entries, since OpenCode writes its own `package.json`, `.gitignore` and
//!   `node_modules` there.
//! - **The diff** (`sk workspace diff`) is the shared script of `skipper-git`, run in the
//!   container (started first when it is stopped), writing to the container's `/tmp`; the
//!   file is streamed to the host by the archive API, never held in memory.
//! - **Commands** run in the repository directory: stdout and stderr apart, stdin
//!   forwarded when it is not a terminal (with its end delivered), Ctrl-C signalling the
//!   command's process group inside the container. They are started by the container's
//!   spawner (PID 1) through FIFOs in its exec directory, a host directory mounted
//!   read-write, with `docker exec` as the fallback whenever the spawner is not there or
//!   does not answer. Sessions on the user's terminal too, on a pseudo-terminal the
//!   spawner's request makes with util-linux script(1) (`terminal.sh`), with `docker exec
//!   -it` as the fallback in an image without it.
//!
//! [`Sandbox`]: skipper_core::ports::Sandbox
//! [`WorkspaceRegistry`]: skipper_core::ports::WorkspaceRegistry

mod archive;
mod attach;
mod carry;
mod container_scripts;
mod diff;
mod egress;
pub mod endpoint;
mod engine;
mod error;
mod exec;
mod host_file;
mod housekeeping;
mod image;
mod image_records;
pub mod labels;
mod launch;
mod records;
mod registry;
mod sandbox;
mod scripts;
mod secret_env;
mod spawner;
pub mod spec;
pub mod ssh_agent;
mod ssh_forward;
mod transfer;
pub mod ulimits;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use skipper_core::{Progress, SandboxError, SandboxKind, Workspace, WorkspaceLocation};

pub use error::DockerError;

use engine::Engine;

/// The shipped Dockerfile, embedded in the binary.
pub const EMBEDDED_DOCKERFILE: &str = include_str!("../../../assets/Dockerfile");

/// The egress proxy's Dockerfile, embedded in the binary.
pub const PROXY_DOCKERFILE: &str = include_str!("../../../assets/proxy/Dockerfile");

/// The Docker backend's configuration.
#[derive(Debug, Clone, Default)]
pub struct DockerConfig {
    /// The data root: the Dockerfile goes to `<data root>/docker/Dockerfile`, saved work to
    /// `<data root>/saved/...`.
    pub data_root: PathBuf,
    /// The host user's home, whose configuration is mounted read-only.
    pub home: PathBuf,
    /// The host's `$XDG_CONFIG_HOME` (default `<home>/.config`), where OpenCode's and gh's
    /// configuration is looked for.
    pub config_home: Option<PathBuf>,
    /// The host's `$XDG_DATA_HOME` (default `<home>/.local/share`), where OpenCode's
    /// credentials are looked for.
    pub data_home: Option<PathBuf>,
    /// A custom Dockerfile (`docker.dockerfile`, `SKIPPER_DOCKERFILE`), built lazily the
    /// same way as the embedded one.
    pub dockerfile: Option<PathBuf>,
    /// An image to use as it is, never built or pulled (`docker.image`,
    /// `SKIPPER_DOCKER_IMAGE`).
    pub image: Option<String>,
    /// Memory limit of each container, in bytes.
    pub memory_bytes: Option<i64>,
    /// CPU limit of each container, in billionths of a CPU.
    pub nano_cpus: Option<i64>,
    /// Extra build arguments (they override `USER_UID`/`USER_GID`).
    pub build_args: BTreeMap<String, String>,
    /// How long the daemon gets to answer a request ([`DEFAULT_REQUEST_TIMEOUT`] when
    /// `None`); the first ping gets at most 5 s. Requests answered only once their work is
    /// done (an image build, an archive upload, a commit, a removal) have no deadline, and
    /// neither has a stream once it flows (a build's log, a command's output).
    pub request_timeout: Option<Duration>,
    /// How commands are started in containers (`SKIPPER_DOCKER_EXEC`).
    pub exec: ExecPath,
    /// The coding agents' host configuration a workspace shares read-only, relative to the
    /// home ([`skipper_core::Agents::config_paths`]); `None`: the built-in presets'.
    pub agent_config: Option<Vec<String>>,
    /// The engine the user's config names (`docker.host`, `docker.context`); the
    /// environment comes first (see [`endpoint::resolve`]).
    pub engine: endpoint::EngineChoice,
    /// The command line that runs the ssh agent relay (its directory appended), when the
    /// host's agent is to reach workspaces (`ssh.forward_agent`, on by default); only a
    /// local engine gets it. `None`: no forwarding.
    pub ssh_agent_relay: Option<Vec<String>>,
    /// The OCI runtime new workspace containers run under (`docker.runtime`, `--runtime`;
    /// `runsc` for gVisor), one the daemon lists; `None`: the daemon's default. Checked
    /// against the daemon's list before a workspace is made, and only then.
    pub runtime: Option<String>,
    /// The resource limits of every container `sk` creates (`[docker.ulimits]`).
    pub ulimits: Vec<ulimits::Ulimit>,
    /// The user's `[network]`, `--network` as its mode: with the repository's, the policy
    /// of each new workspace ([`skipper_core::NetworkPolicy::resolve`]).
    pub network: skipper_core::NetworkSettings,
    /// The base of the egress proxy's image (`[docker.proxy] base`,
    /// `SKIPPER_DOCKER_PROXY_BASE`); `None`: [`egress::DEFAULT_PROXY_BASE`].
    pub proxy_base: Option<String>,
    /// The workspace the command will look up first, when it knows (choosing the sandbox
    /// of a branch's workspace): its container is asked for alongside the connection's
    /// ping, at an API version remembered for the endpoint, instead of after it. Only the
    /// time changes: the ping's verdict still comes first.
    pub anticipate: Option<skipper_core::WorkspaceRef>,
}

/// How `sk` starts processes in workspace containers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ExecPath {
    /// Through the container's spawner (its PID 1, reached through a host directory mounted
    /// into it) when it has one and it answers, else through the daemon's exec API.
    #[default]
    Spawner,
    /// Always through the daemon's exec API (`SKIPPER_DOCKER_EXEC=api`).
    Api,
}

/// How long the daemon gets to answer a request unless [`DockerConfig::request_timeout`]
/// says otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Whether a Docker daemon may be reachable, without any I/O beyond a stat: `DOCKER_HOST`
/// is set or the default socket exists. Lets a machine without Docker lose no time.
#[must_use]
pub fn docker_may_be_available() -> bool {
    ["DOCKER_HOST", "DOCKER_CONTEXT"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
        || std::path::Path::new("/var/run/docker.sock").exists()
}

/// The Docker sandbox backend.
#[derive(Debug)]
pub struct DockerBackend {
    runtime: tokio::runtime::Runtime,
    engine: Engine,
}

impl DockerBackend {
    /// Connects to the daemon (`DOCKER_HOST` or the default socket): negotiates the API
    /// version with a 5 s deadline (or the request deadline, if shorter), which also says
    /// the daemon answers. Every
    /// later request has [`DockerConfig::request_timeout`] to be answered, but for those
    /// answered only when their work is done. Long steps later (image builds, repository
    /// copies) are told to `progress`.
    ///
    /// # Errors
    /// [`SandboxError::Unavailable`] naming the endpoint when the daemon does not answer.
    pub fn connect(
        config: DockerConfig,
        progress: Arc<dyn Progress>,
    ) -> Result<Self, SandboxError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("skipper-docker")
            .enable_all()
            .build()
            .map_err(|err| SandboxError::Unavailable {
                sandbox: SandboxKind::Docker,
                what: "cannot start the Docker client".to_owned(),
                source: Some(Box::new(err)),
            })?;
        let engine = runtime
            .block_on(Engine::connect(config, progress))
            .map_err(|err| err.into_backend("connecting to Docker failed"))?;
        Ok(Self { runtime, engine })
    }

    /// Makes sure the workspace image exists (building it when needed) and returns its
    /// reference, for `sk doctor`-like checks and tests.
    ///
    /// # Errors
    /// [`ErrorKind::CommandFailed`](skipper_core::ErrorKind::CommandFailed) with the build
    /// failure as the source.
    pub fn ensure_image(&self) -> Result<String, SandboxError> {
        self.runtime
            .block_on(self.engine.workspace_image())
            .map(|image| image.reference)
            .map_err(|err| err.into_backend("preparing the workspace image failed"))
    }
}

fn container_of(workspace: &Workspace) -> Result<(&str, &str), SandboxError> {
    match &workspace.location {
        WorkspaceLocation::Container { name, path, .. } => Ok((name, path)),
        WorkspaceLocation::Host(_) => Err(DockerError::NotDocker(workspace.reference.to_string())
            .into_backend("not a Docker workspace")),
    }
}
