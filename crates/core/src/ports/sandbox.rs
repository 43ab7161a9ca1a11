use std::fmt::Debug;

use crate::domain::{
    AtRisk, BranchName, Checkout, CommandLine, ExitStatus, Preserved, SandboxKind, Workspace,
    WorkspaceRef, WorkspaceTarget,
};

/// How a branch workspace's branch comes to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BranchStart {
    /// The local branch exists: check it out as it is.
    Existing,
    /// Only `origin/<branch>` exists: create a local branch tracking it.
    TrackRemote,
    /// Neither exists: a new branch from `origin/<default>`.
    NewFromDefault,
}

/// Everything a sandbox needs to make a branch workspace.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    /// The host checkout the workspace is made from (already refreshed).
    pub checkout: Checkout,
    /// The workspace's branch.
    pub branch: BranchName,
    /// How the branch comes to be.
    pub start: BranchStart,
    /// The remote's default branch.
    pub default_branch: BranchName,
}

/// A sandbox backend: makes, runs in, attaches to and destroys workspaces.
///
/// Methods that take a [`Workspace`] receive one found by [`WorkspaceRegistry::locate`] of
/// the same backend.
pub trait Sandbox: Send + Sync + Debug {
    /// Which backend this is.
    fn kind(&self) -> SandboxKind;

    /// Makes sure the main workspace of `checkout` exists (on the remote's default branch)
    /// and returns it. Idempotent.
    fn prepare_main(
        &self,
        checkout: &Checkout,
        default_branch: &BranchName,
    ) -> Result<Workspace, SandboxError>;

    /// Creates the workspace of a branch. The caller has checked it does not exist yet.
    fn create(&self, request: &CreateRequest) -> Result<Workspace, SandboxError>;

    /// Runs `command` in the workspace with the user's stdin, stdout and stderr, and returns
    /// its exit status. Ctrl-C reaches the command. A program that does not exist is
    /// [`SandboxError::ProgramNotFound`].
    fn execute(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
    ) -> Result<ExitStatus, SandboxError>;

    /// Opens an interactive session in the workspace and returns when the user leaves it.
    fn attach(&self, workspace: &Workspace) -> Result<AttachOutcome, SandboxError>;

    /// Ends the workspace's interactive session, if any. Idempotent.
    fn detach(&self, workspace: &Workspace) -> Result<DetachOutcome, SandboxError>;

    /// Lists the work that destroying the workspace would lose. Changes nothing.
    fn at_risk(&self, workspace: &Workspace) -> Result<AtRisk, SandboxError>;

    /// Saves the work at risk somewhere under the data root, outside the workspace.
    fn preserve(&self, workspace: &Workspace) -> Result<Preserved, SandboxError>;

    /// Removes the workspace and everything the sandbox owns for it (sessions included).
    /// The branch itself is never deleted from the host checkout. Without `force`, a
    /// sandbox that can re-check for work at the moment of removal refuses when it finds
    /// some (work may have appeared since [`Sandbox::at_risk`] looked); with `force`, the
    /// work has been preserved and the workspace goes whatever it holds.
    fn destroy(&self, workspace: &Workspace, force: bool) -> Result<(), SandboxError>;
}

/// How an interactive session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachOutcome {
    /// The user detached; the session goes on.
    Detached,
    /// The session's shell exited with this status.
    Exited(ExitStatus),
}

/// What [`Sandbox::detach`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetachOutcome {
    /// A session was ended.
    Ended,
    /// There was no session.
    NoSession,
    /// This sandbox keeps no session to end.
    NotApplicable,
}

/// Finds workspaces: the backend's source of truth (git and the filesystem, or labels).
pub trait WorkspaceRegistry: Send + Sync + Debug {
    /// Which backend this registry reads.
    fn kind(&self) -> SandboxKind;

    /// The workspace for `target` of `checkout`, or `None` when it does not exist.
    fn locate(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Option<Workspace>, SandboxError>;

    /// Every workspace of the given checkouts (main first for each), with `dirty` filled
    /// where it is cheap to know.
    fn list(&self, checkouts: &[Checkout]) -> Result<Vec<Workspace>, SandboxError>;
}

/// Why a sandbox operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The backend's engine (git, tmux, the Docker daemon) cannot be reached.
    #[error("{0}")]
    Unavailable(String),
    /// The program to run does not exist in the workspace.
    #[error("`{program}` was not found in the workspace")]
    ProgramNotFound {
        /// The program.
        program: String,
    },
    /// An interactive session needs a terminal.
    #[error("{0} needs a terminal")]
    NotATerminal(&'static str),
    /// An operation on a workspace failed.
    #[error("{operation} {workspace} failed: {reason}")]
    Operation {
        /// What was being done ("creating", "removing", ...).
        operation: &'static str,
        /// Which workspace.
        workspace: Box<WorkspaceRef>,
        /// What went wrong.
        reason: String,
    },
    /// Anything else, already phrased.
    #[error("{0}")]
    Other(String),
}
