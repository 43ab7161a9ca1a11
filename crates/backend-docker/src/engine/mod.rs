//! Everything that talks to the daemon about workspaces: the connection here, and beside it
//! the workspace image, repository snapshots, the copy of a repository into a container,
//! lookups, the ensure-ready state machine, steps, and the creation of a workspace.

mod anticipated;
mod api_version;
mod condition;
mod copy;
mod create;
mod download;
mod foreign_states;
mod lifecycle;
mod lookup;
mod runtime;
mod snapshot;
mod steps;
mod summary;
mod upload;
mod workspace_image;

use std::sync::Arc;
use std::time::Duration;

use bollard::Docker;
use skipper_core::Progress;

use crate::endpoint::Endpoint;
use crate::error::{DockerError, describe_api_error, status_of};
use crate::image_records::ImageRecords;
use crate::records::ContainerRecords;
use crate::spawner::Spawners;
use crate::spec;
use crate::{DEFAULT_REQUEST_TIMEOUT, DockerConfig};
use anticipated::Anticipated;
use api_version::RememberedVersions;

pub use condition::cannot_look;
pub(crate) use foreign_states::{inspect_container, list_containers};
pub(crate) use lifecycle::unfinished;
use lookup::workspace_listing;
pub use summary::{reference_of, summary_name, workspace_from_summary};

/// The endpoint when nothing names one.
pub const DEFAULT_ENDPOINT: &str = crate::endpoint::DEFAULT_HOST;
/// The endpoint this process connected to, for messages.
static CONNECTED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
/// How long the daemon gets, at most, to answer the first request (the version query).
const PING_DEADLINE: Duration = Duration::from_secs(5);

/// A connected daemon plus the backend's configuration.
#[derive(Debug)]
pub struct Engine {
    /// The daemon, with [`DockerConfig::request_timeout`] to answer each request; for a
    /// request answered only when its work is done, see [`without_deadline`].
    pub(crate) docker: Docker,
    pub(crate) config: DockerConfig,
    /// The data root's fingerprint, on every label and in every name this engine makes.
    pub(crate) namespace: String,
    /// Where long steps are reported.
    pub(crate) progress: Arc<dyn Progress>,
    /// What was learned of the workspace containers, on the host.
    pub(crate) records: ContainerRecords,
    /// What was read out of images, on the host.
    pub(crate) images: ImageRecords,
    /// The containers' exec directories, through which their spawners start commands.
    pub(crate) spawners: Spawners,
    /// Whether the engine shares this machine's filesystem (a Unix socket): else the host's
    /// configuration is copied into containers instead of mounted, and no host directory
    /// is ever mounted.
    pub(crate) local: bool,
    /// The look-up [`DockerConfig::anticipate`] named, asked alongside the ping, until
    /// [`Engine::locate`] takes its answers.
    anticipated: std::sync::Mutex<Option<Anticipated>>,
    /// The forwarder an engine reached over ssh is connected through; kept for the
    /// engine's life.
    _ssh: Option<crate::ssh_forward::SshForward>,
}

/// Says in the log which engine is used and why.
fn log_endpoint(resolved: &Endpoint) {
    let tls = if resolved.tls.is_some() {
        ", over TLS"
    } else {
        ""
    };
    tracing::debug!("Docker engine: {} ({}){tls}", resolved.host, resolved.why);
}

/// The endpoint the client uses, for messages: the one it connected to, else
/// `DOCKER_HOST` or the default socket.
#[must_use]
pub fn endpoint() -> String {
    if let Some(connected) = CONNECTED.get() {
        return connected.clone();
    }
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned())
}

/// The engine `config` and the environment name (see [`crate::endpoint::resolve`]).
///
/// # Errors
/// [`DockerError::Endpoint`].
pub fn resolve_endpoint(config: &DockerConfig) -> Result<Endpoint, DockerError> {
    let env = |name: &str| std::env::var(name).ok();
    let dir = crate::endpoint::docker_config_dir(&env, &config.home);
    crate::endpoint::resolve(&config.engine, &env, &dir)
}

/// A client of `endpoint` speaking API `version`, each request with `deadline`; an ssh
/// endpoint through `ssh`'s forwarder.
fn client(
    endpoint: &Endpoint,
    ssh: Option<&crate::ssh_forward::SshForward>,
    deadline: Duration,
    version: &bollard::ClientVersion,
) -> Result<Docker, bollard::errors::Error> {
    let seconds = deadline.as_secs();
    let host = endpoint.host.as_str();
    let docker = if let Some(forward) = ssh {
        Docker::connect_with_unix(&forward.unix_host(), seconds, version)?
    } else if host.starts_with("unix://") {
        Docker::connect_with_unix(host, seconds, version)?
    } else if let Some(tls) = &endpoint.tls {
        Docker::connect_with_ssl(host, &tls.key, &tls.cert, &tls.ca, seconds, version)?
    } else if host.starts_with("https://") {
        return Err(bollard::errors::Error::UnsupportedURISchemeError {
            uri: format!(
                "{host} (https needs the TLS files: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH)"
            ),
        });
    } else {
        Docker::connect_with_http(host, seconds, version)?
    };
    Ok(docker.with_timeout(deadline))
}

/// `docker` without a deadline on answers, for requests the daemon answers only once their
/// work is done (an image build, an archive upload, a commit, a removal): they take as long
/// as the work.
pub(crate) fn without_deadline(docker: &Docker) -> Docker {
    docker.clone().with_timeout(Duration::MAX)
}

impl Engine {
    /// Connects to the engine [`resolve_endpoint`] finds, with a deadline on the first
    /// request. That request is a ping at the API version remembered for the endpoint (a
    /// daemon refuses a version it does not speak), or, when none is remembered or the
    /// daemon refused it, the version query, whose answer is then remembered. Every
    /// request then has the configured deadline.
    ///
    /// # Errors
    /// [`DockerError::Unreachable`] naming the endpoint.
    pub async fn connect(
        config: DockerConfig,
        progress: Arc<dyn Progress>,
    ) -> Result<Self, DockerError> {
        let resolved = resolve_endpoint(&config)?;
        log_endpoint(&resolved);
        let endpoint = resolved.host.clone();
        let _ = CONNECTED.set(endpoint.clone());
        let ssh = if endpoint.starts_with("ssh://") {
            let target = crate::ssh_forward::SshTarget::parse(&endpoint)?;
            Some(crate::ssh_forward::SshForward::start(&target)?)
        } else {
            None
        };
        // What ssh said, when it failed, is why.
        let unreachable = |reason: String| DockerError::Unreachable {
            endpoint: endpoint.clone(),
            reason: match ssh.as_ref().map(crate::ssh_forward::SshForward::last_words) {
                Some(said) if !said.is_empty() => format!("{reason}; ssh: {said}"),
                _ => reason,
            },
        };
        let deadline = config.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT);
        let ping_deadline = PING_DEADLINE.min(deadline);
        // The client's own deadline may fire first: the same silence, in the same words.
        let no_answer = || format!("no answer within {} s", ping_deadline.as_secs());
        let failed = |err: &bollard::errors::Error| match err {
            bollard::errors::Error::RequestTimeoutError => unreachable(no_answer()),
            other => unreachable(describe_api_error(other)),
        };
        let layout = skipper_git::Layout::new(config.data_root.clone());
        let versions = RememberedVersions::new(layout.docker_api_versions());
        let remembered = endpoint
            .starts_with("unix://")
            .then(|| versions.get(&endpoint))
            .flatten();
        let namespace = spec::namespace_for(&config.data_root, &endpoint);
        let remembered = match remembered {
            Some(version) => {
                let docker = client(&resolved, ssh.as_ref(), deadline, &version)
                    .map_err(|err| unreachable(err.to_string()))?;
                // Answers kept only once the ping says the daemon speaks this version.
                let early = config
                    .anticipate
                    .as_ref()
                    .map(|reference| Anticipated::ask(&docker, reference, &namespace));
                match tokio::time::timeout(ping_deadline, docker.ping()).await {
                    Err(_) => return Err(unreachable(no_answer())),
                    Ok(Ok(_)) => Some((docker, early)),
                    Ok(Err(err)) if status_of(&err) == Some(400) => {
                        tracing::debug!("the daemon refused API version {version}: asking again");
                        None
                    }
                    Ok(Err(err)) => return Err(failed(&err)),
                }
            }
            None => None,
        };
        let (docker, anticipated) = if let Some(remembered) = remembered {
            remembered
        } else {
            let docker = client(
                &resolved,
                ssh.as_ref(),
                deadline,
                bollard::API_DEFAULT_VERSION,
            )
            .map_err(|err| unreachable(err.to_string()))?;
            let docker = tokio::time::timeout(ping_deadline, docker.negotiate_version())
                .await
                .map_err(|_| unreachable(no_answer()))?
                .map_err(|err| failed(&err))?;
            if endpoint.starts_with("unix://") {
                versions.set(&endpoint, &docker.client_version());
            }
            (docker, None)
        };
        let records = ContainerRecords::new(&layout);
        let images = ImageRecords::new(&layout);
        let spawners = Spawners::new(&config.data_root, config.exec, &endpoint);
        Ok(Self {
            docker,
            config,
            namespace,
            progress,
            records,
            images,
            spawners,
            local: resolved.is_local(),
            anticipated: std::sync::Mutex::new(anticipated),
            _ssh: ssh,
        })
        .inspect(|engine| {
            // Nothing is made where there is no data root yet (a `list` before any clone).
            if engine.config.data_root.is_dir() {
                engine.refresh_ssh_agent();
            }
        })
    }

    /// The look-up asked alongside the ping, when it was of container `name`; taken once,
    /// and dropped (abandoned) when it was of another.
    fn anticipated(&self, name: &str) -> Option<Anticipated> {
        let early = self
            .anticipated
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()?;
        (early.name == name).then_some(early)
    }

    /// Points the ssh agent relay at the host's agent and starts it when none answers
    /// (see [`crate::ssh_agent::refresh`]), when workspaces get the agent.
    pub(crate) fn refresh_ssh_agent(&self) {
        if let Some(dir) = self.ssh_agent_dir() {
            let host_agent = std::env::var_os("SSH_AUTH_SOCK").map(std::path::PathBuf::from);
            let relay = self.config.ssh_agent_relay.as_deref().unwrap_or_default();
            crate::ssh_agent::refresh(&dir, host_agent.as_deref(), relay);
        }
    }

    /// The ssh agent relay's directory that new containers mount, when the host's agent
    /// reaches workspaces: on a local engine, unless the user turned it off.
    pub(crate) fn ssh_agent_dir(&self) -> Option<std::path::PathBuf> {
        (self.local && self.config.ssh_agent_relay.is_some())
            .then(|| crate::ssh_agent::relay_dir(&self.config.data_root))
    }

    /// [`Engine::ssh_agent_dir`] made sure of, for a container about to mount it; `None`
    /// (no agent in that container) when it cannot be made.
    pub(crate) fn ssh_agent_mount(&self) -> Option<std::path::PathBuf> {
        let dir = self.ssh_agent_dir()?;
        self.refresh_ssh_agent();
        dir.is_dir().then_some(dir)
    }

    /// The host configuration a new container gets, as mounts for a local engine; for a
    /// remote one, the same paths to copy in (see [`Engine::upload_host_config`]), said to
    /// the user once per engine.
    pub(crate) fn host_config(&self) -> Vec<spec::HostMount> {
        let mounts = self.present_mounts();
        if !self.local && !mounts.is_empty() {
            let layout = skipper_git::Layout::new(self.config.data_root.clone());
            let told = layout
                .root()
                .join("state/remote-engines")
                .join(skipper_core::short_hash(&endpoint(), 16));
            if !told.exists() {
                self.progress.notice(&format!(
                    "The Docker engine at {} is not on this machine: your configuration (git, gh, ssh, the agents') is copied into each workspace, read-only, instead of shared; `sk workspace sync` refreshes it",
                    endpoint()
                ));
                if let Some(dir) = told.parent() {
                    let _ = fs_err::create_dir_all(dir);
                }
                let _ = fs_err::write(&told, endpoint());
            }
        }
        mounts
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
        let agents = self
            .config
            .agent_config
            .clone()
            .unwrap_or_else(|| skipper_core::Agents::default().config_paths());
        spec::present_mounts(
            spec::HostDirs {
                home,
                config_home: &config_home,
                data_home: &data_home,
            },
            &agents,
        )
    }
}
