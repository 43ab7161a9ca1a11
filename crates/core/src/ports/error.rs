//! What can go wrong behind a port, as types the CLI can act on.

use std::fmt;

use crate::domain::{SandboxKind, WorkspaceRef};

/// Any error an adapter keeps as the cause of a port error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What kind of failure a port reports. The CLI picks its exit status and its advice by
/// kind; the message and the cause say what failed and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The sandbox's engine (git, tmux, the Docker daemon) cannot be reached or run.
    Unavailable,
    /// What the operation needs does not exist (any more): a container, an image, a path.
    NotFound,
    /// Something else holds the name, the branch or the resource.
    Conflict,
    /// The sandbox's own check refused the operation, e.g. work found at the moment of
    /// removal.
    Refused,
    /// The request does not fit this sandbox (an empty command, another backend's workspace).
    InvalidInput,
    /// An interactive session needs a terminal and there is none.
    NeedsTerminal,
    /// The program to run does not exist in the workspace.
    ProgramNotFound,
    /// An external command or an engine request failed.
    CommandFailed,
    /// The image workspaces are made from could not be built (its Dockerfile failed, or
    /// the base image it starts from could not be had).
    ImageBuild,
    /// Reading or writing a file failed.
    Io,
}

/// What a sandbox was doing when it failed, for messages: "creating", "removing", ...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Making the main workspace.
    Preparing,
    /// Making a branch workspace.
    Creating,
    /// Finding a workspace.
    LookingUp,
    /// Listing workspaces.
    Listing,
    /// Running a command.
    Running,
    /// Opening an interactive session.
    Attaching,
    /// Detaching from an interactive session.
    Detaching,
    /// Ending a session or stopping a container.
    Stopping,
    /// Looking for work at risk.
    Checking,
    /// Saving work at risk.
    Saving,
    /// Putting saved work back.
    Restoring,
    /// Removing a workspace.
    Removing,
    /// Bringing a workspace's branch to the host.
    Fetching,
    /// Bringing a workspace's remote-tracking branches up to date.
    Syncing,
    /// Taking the diff of a workspace's work.
    Diffing,
    /// Copying files from the host checkout into a workspace.
    Carrying,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Preparing => "preparing",
            Self::Creating => "creating",
            Self::LookingUp => "looking up",
            Self::Listing => "listing the workspaces of",
            Self::Running => "running a command in",
            Self::Attaching => "attaching to",
            Self::Detaching => "detaching from",
            Self::Stopping => "stopping",
            Self::Checking => "checking",
            Self::Saving => "saving the work of",
            Self::Restoring => "restoring the saved work of",
            Self::Removing => "removing",
            Self::Fetching => "fetching the branch of",
            Self::Syncing => "syncing the remote branches of",
            Self::Diffing => "taking the diff of",
            Self::Carrying => "copying files from the host checkout into",
        })
    }
}

/// Why a sandbox or registry operation failed. Each variant's message says what failed;
/// the cause, when there is one, is its [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The sandbox's engine cannot be reached: the message names it and where it was
    /// looked for.
    #[error("{what}")]
    Unavailable {
        /// The sandbox whose engine is missing.
        sandbox: SandboxKind,
        /// What could not be reached, and where.
        what: String,
        /// Why.
        #[source]
        source: Option<BoxError>,
    },
    /// The program to run does not exist in the workspace.
    #[error("`{program}` was not found in the workspace")]
    ProgramNotFound {
        /// The program.
        program: String,
    },
    /// An interactive session needs a terminal.
    #[error("{action} needs a terminal")]
    NeedsTerminal {
        /// What needed it ("attach").
        action: &'static str,
    },
    /// The session runs, but the terminal multiplexer `attach` runs inside (tmux) has no
    /// client to show it on.
    #[error("session {session} is running, but this tmux has no client to show it on")]
    NoClient {
        /// The session, by the multiplexer's name for it.
        session: String,
    },
    /// The workspace was never finished (an earlier `create` was interrupted), as found
    /// when a command was to start in it: nothing started.
    #[error("workspace {workspace} was never finished: {detail}")]
    HalfMade {
        /// The workspace.
        workspace: Box<WorkspaceRef>,
        /// What the sandbox found, and what to do, for people.
        detail: String,
    },
    /// An operation on one workspace failed.
    #[error("{operation} {workspace} failed")]
    Workspace {
        /// What kind of failure.
        kind: ErrorKind,
        /// What was being done.
        operation: Operation,
        /// Which workspace.
        workspace: Box<WorkspaceRef>,
        /// What went wrong.
        #[source]
        source: BoxError,
    },
    /// An operation not about a single workspace failed.
    #[error("{what}")]
    Backend {
        /// What kind of failure.
        kind: ErrorKind,
        /// What failed.
        what: String,
        /// Why, when known apart from the message.
        #[source]
        source: Option<BoxError>,
    },
}

impl SandboxError {
    /// `operation` on `workspace` failed with `source`, a failure of `kind`.
    pub fn workspace(
        kind: ErrorKind,
        operation: Operation,
        workspace: &WorkspaceRef,
        source: impl Into<BoxError>,
    ) -> Self {
        Self::Workspace {
            kind,
            operation,
            workspace: Box::new(workspace.clone()),
            source: source.into(),
        }
    }

    /// A failure of `kind` not about a single workspace.
    pub fn backend(kind: ErrorKind, what: impl Into<String>) -> Self {
        Self::Backend {
            kind,
            what: what.into(),
            source: None,
        }
    }

    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Unavailable { .. } => ErrorKind::Unavailable,
            Self::ProgramNotFound { .. } => ErrorKind::ProgramNotFound,
            Self::NeedsTerminal { .. } | Self::NoClient { .. } => ErrorKind::NeedsTerminal,
            Self::HalfMade { .. } => ErrorKind::Conflict,
            Self::Workspace { kind, .. } | Self::Backend { kind, .. } => *kind,
        }
    }
}
