//! The Docker backend's own failure kinds, each naming the Docker operation and the
//! container or image involved, and their translation into the core's [`SandboxError`] at
//! the port boundary.

use std::path::PathBuf;
use std::time::Duration;

use bollard::Docker;
use skipper_core::{ErrorKind, Operation, SandboxError, SandboxKind, WorkspaceRef};

/// Why a Docker operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// The daemon does not answer.
    #[error("Docker is not reachable at {endpoint}: {reason}")]
    Unreachable {
        /// Where the client looked for it (`DOCKER_HOST` or the default socket).
        endpoint: String,
        /// What went wrong.
        reason: String,
    },
    /// Which engine to talk to could not be found out (a context that does not exist, a
    /// configuration that cannot be read).
    #[error("cannot tell which Docker engine to use: {reason}")]
    Endpoint {
        /// What went wrong, naming the setting.
        reason: String,
    },
    /// The daemon took in a request and gave no answer within the deadline.
    #[error(
        "Docker at {endpoint} did not answer {operation} of {target} within {} s (SKIPPER_DOCKER_TIMEOUT)",
        deadline.as_secs()
    )]
    NoAnswer {
        /// Where the client talks to it (`DOCKER_HOST` or the default socket).
        endpoint: String,
        /// The API operation ("list containers", ...).
        operation: &'static str,
        /// The container or image it was about.
        target: String,
        /// How long it had.
        deadline: Duration,
    },
    /// A Docker API call failed.
    #[error("Docker {operation} of {target} failed: {reason}")]
    Api {
        /// The API operation ("create container", "inspect image", ...).
        operation: &'static str,
        /// The container or image it was about.
        target: String,
        /// What the daemon or the transport said.
        reason: String,
        /// The HTTP status of the daemon's answer, when it answered.
        status: Option<u16>,
    },
    /// Building an image failed.
    #[error(
        "building image {tag} failed:{}\n  {}{}{}",
        step_suffix(.step.as_deref()),
        crate::image::shortened(message),
        step_tail_suffix(.tail),
        log_suffix(.log.as_deref())
    )]
    ImageBuild {
        /// The tag being built.
        tag: String,
        /// The build step that failed (`step 3/9 (RUN ...)`, shortened), when known.
        step: Option<String>,
        /// The daemon's error message.
        message: String,
        /// The last lines of the failing step's output.
        tail: Vec<String>,
        /// Where the build's whole output is kept, if it could be.
        log: Option<PathBuf>,
    },
    /// The image to use as is does not exist.
    #[error(
        "image {image} does not exist; docker.image (SKIPPER_DOCKER_IMAGE) is used as it is, never built or pulled"
    )]
    ImageMissing {
        /// The configured image.
        image: String,
    },
    /// A container did not start, or its PID 1 died right away.
    #[error("container {container} did not start: {reason}{}", tail_suffix(.logs))]
    ContainerStart {
        /// The container.
        container: String,
        /// What happened.
        reason: String,
        /// The last lines its PID 1 logged.
        logs: Vec<String>,
    },
    /// The daemon has no runtime of the name workspaces are to run under
    /// (`docker.runtime`, `--runtime`).
    #[error(
        "the Docker daemon at {endpoint} has no runtime \"{runtime}\"; it has: {}",
        .available.join(", ")
    )]
    RuntimeMissing {
        /// Where the daemon is.
        endpoint: String,
        /// The runtime asked for.
        runtime: String,
        /// The runtimes it lists, sorted.
        available: Vec<String>,
    },
    /// A container made to run under a chosen runtime did not start: the runtime's (or
    /// the daemon's) own message.
    #[error(
        "container {container} did not start under the runtime \"{runtime}\": {reason}{}",
        tail_suffix(.logs)
    )]
    RuntimeStart {
        /// The container.
        container: String,
        /// The runtime it was made to run under.
        runtime: String,
        /// What the daemon said, with the runtime's own message.
        reason: String,
        /// The last lines its PID 1 logged.
        logs: Vec<String>,
    },
    /// A container could not start because a host port it publishes is held by another
    /// program (or another daemon's container).
    #[error(
        "container {container} did not start: {} on 127.0.0.1, given to this workspace, {} held by another program; stop that program (`ss -ltnp` names it) and run the command again (the workspace keeps its ports)",
        ports_phrase(.ports),
        if .ports.len() == 1 { "is" } else { "are" }
    )]
    PortTaken {
        /// The container.
        container: String,
        /// Its ports found held.
        ports: Vec<u16>,
    },
    /// The container is gone (removed behind skipper's back).
    #[error("container {container} no longer exists")]
    ContainerGone {
        /// The container.
        container: String,
    },
    /// A container with skipper's name exists but skipper did not make it.
    #[error(
        "a container named {container} exists but does not carry skipper's labels for {expected}; it was not adopted: remove or rename it"
    )]
    Foreign {
        /// The container.
        container: String,
        /// The workspace skipper expected there.
        expected: String,
    },
    /// A container carries a workspace's labels, but its creation was interrupted before
    /// its repository was set up: it is no workspace, and is never adopted as one.
    #[error(
        "container {container} holds no finished workspace: its creation was interrupted before the repository was set up; {remedy}"
    )]
    Unfinished {
        /// The container.
        container: String,
        /// How to get a working workspace back.
        remedy: &'static str,
    },
    /// Another container holds the name of the container being made, and is not this
    /// workspace's finished container (the daemon's 409).
    #[error(
        "a container named {container} already exists and is not a finished workspace of {workspace}"
    )]
    NameTaken {
        /// The container.
        container: String,
        /// The workspace being made.
        workspace: String,
    },
    /// Several containers carry the labels of one workspace.
    #[error("several containers carry the labels of {workspace}: {}", .containers.join(", "))]
    Duplicate {
        /// The workspace.
        workspace: String,
        /// The containers.
        containers: Vec<String>,
    },
    /// Copying files into or out of a container failed.
    #[error("copying {what} {direction} container {container} failed: {reason}")]
    Copy {
        /// What was copied.
        what: String,
        /// "into" or "out of".
        direction: &'static str,
        /// The container.
        container: String,
        /// What went wrong.
        reason: String,
    },
    /// Running a process in a container failed (not the process's own non-zero exit).
    #[error("running `{command}` in container {container} failed: {reason}")]
    Exec {
        /// The command.
        command: String,
        /// The container.
        container: String,
        /// What went wrong.
        reason: String,
    },
    /// A step skipper runs inside the container (git, mostly) exited non-zero.
    #[error("{step} in container {container} failed (exit {status}): {stderr}")]
    Step {
        /// What the step does.
        step: &'static str,
        /// The container.
        container: String,
        /// Its exit status.
        status: i32,
        /// What it said on stderr.
        stderr: String,
    },
    /// Reading or writing a host file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The egress of an `allow` workspace (its internal network, its proxy) cannot be
    /// made or started.
    #[error("the network egress of container {workspace} cannot be set up: {reason}")]
    Egress {
        /// The workspace container.
        workspace: String,
        /// What went wrong, and what to do.
        reason: String,
    },
    /// The workspace was not made by this backend.
    #[error("{0} is not a Docker workspace")]
    NotDocker(String),
}

fn step_suffix(step: Option<&str>) -> String {
    step.map(|step| format!("\n  at {step}"))
        .unwrap_or_default()
}

fn step_tail_suffix(lines: &[String]) -> String {
    if lines.is_empty() {
        String::new()
    } else {
        format!(
            "\n  last output of that step:\n    {}",
            lines
                .iter()
                .map(|line| crate::image::shortened(line))
                .collect::<Vec<_>>()
                .join("\n    ")
        )
    }
}

fn log_suffix(log: Option<&std::path::Path>) -> String {
    log.map(|log| format!("\n  full build log: {}", log.display()))
        .unwrap_or_default()
}

fn tail_suffix(lines: &[String]) -> String {
    if lines.is_empty() {
        String::new()
    } else {
        format!("\n  last output:\n    {}", lines.join("\n    "))
    }
}

impl DockerError {
    /// A failure of `operation` on `target`, sent through `docker`: [`Self::NoAnswer`]
    /// when its deadline passed, else [`Self::Api`].
    pub(crate) fn api(
        docker: &Docker,
        operation: &'static str,
        target: impl Into<String>,
        err: &bollard::errors::Error,
    ) -> Self {
        if matches!(err, bollard::errors::Error::RequestTimeoutError) {
            return Self::NoAnswer {
                endpoint: crate::engine::endpoint(),
                operation,
                target: target.into(),
                deadline: docker.timeout(),
            };
        }
        Self::Api {
            operation,
            target: target.into(),
            reason: describe_api_error(err),
            status: status_of(err),
        }
    }

    /// The kind of failure, for the port.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Unreachable { .. } | Self::NoAnswer { .. } | Self::Endpoint { .. } => {
                ErrorKind::Unavailable
            }
            Self::Api {
                status: Some(404), ..
            }
            | Self::ImageMissing { .. }
            | Self::RuntimeMissing { .. }
            | Self::ContainerGone { .. } => ErrorKind::NotFound,
            Self::ImageBuild { .. } => ErrorKind::ImageBuild,
            Self::Api {
                status: Some(409), ..
            }
            | Self::Foreign { .. }
            | Self::Unfinished { .. }
            | Self::NameTaken { .. }
            | Self::PortTaken { .. }
            | Self::Duplicate { .. } => ErrorKind::Conflict,
            Self::Api { .. }
            | Self::ContainerStart { .. }
            | Self::RuntimeStart { .. }
            | Self::Copy { .. }
            | Self::Exec { .. }
            | Self::Egress { .. }
            | Self::Step { .. } => ErrorKind::CommandFailed,
            Self::Io { .. } => ErrorKind::Io,
            Self::NotDocker(_) => ErrorKind::InvalidInput,
        }
    }

    /// Into the core's error, for `operation` on `workspace`; this error is its source.
    pub(crate) fn into_sandbox(
        self,
        operation: Operation,
        workspace: &WorkspaceRef,
    ) -> SandboxError {
        match self {
            Self::Unreachable { .. } | Self::NoAnswer { .. } | Self::Endpoint { .. } => {
                self.into_unavailable()
            }
            other => SandboxError::workspace(other.kind(), operation, workspace, other),
        }
    }

    /// Into the core's error, when no single workspace is concerned: `what` failed, and
    /// this error is why.
    pub(crate) fn into_backend(self, what: &str) -> SandboxError {
        match self {
            Self::Unreachable { .. } | Self::NoAnswer { .. } | Self::Endpoint { .. } => {
                self.into_unavailable()
            }
            other => SandboxError::Backend {
                kind: other.kind(),
                what: what.to_owned(),
                source: Some(Box::new(other)),
            },
        }
    }

    fn into_unavailable(self) -> SandboxError {
        SandboxError::Unavailable {
            sandbox: SandboxKind::Docker,
            what: self.to_string(),
            source: None,
        }
    }
}

/// The HTTP status of a daemon error response, if it was one.
pub(crate) fn status_of(err: &bollard::errors::Error) -> Option<u16> {
    match err {
        bollard::errors::Error::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

/// A daemon error as one line: the daemon's own message when it sent one; a request that
/// went unanswered names the endpoint.
pub(crate) fn describe_api_error(err: &bollard::errors::Error) -> String {
    match err {
        bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        } => format!("{} (HTTP {status_code})", message.trim()),
        bollard::errors::Error::RequestTimeoutError => format!(
            "Docker at {} gave no answer in time (SKIPPER_DOCKER_TIMEOUT)",
            crate::engine::endpoint()
        ),
        other => other.to_string(),
    }
}

/// `port 20001`, or `ports 20001 and 20002`.
fn ports_phrase(ports: &[u16]) -> String {
    let words: Vec<String> = ports.iter().map(u16::to_string).collect();
    match words.as_slice() {
        [one] => format!("port {one}"),
        [rest @ .., last] => format!("ports {} and {last}", rest.join(", ")),
        [] => "a port".to_owned(),
    }
}
