use crate::domain::{
    AtRisk, BranchName, CommandLine, CommandStatus, HookStage, PortRange, ProjectConfigError,
    RepositoryId, RepositoryQuery, SandboxKind, SaveId, SavedWork, WorkspaceRef,
};

use super::WorkspaceRisk;
use std::path::PathBuf;

use crate::ports::{
    ApprovalError, BoxError, CheckoutError, LockError, PushStanding, SandboxError, SaveError,
};

/// Why a workspace use case failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// No clone matches the repository the user named.
    #[error("no cloned repository matches `{query}`")]
    RepositoryNotFound {
        /// What the user asked for.
        query: RepositoryQuery,
        /// The repositories that are cloned (`owner/name`).
        available: Vec<String>,
    },
    /// A short name matches several clones.
    #[error("`{query}` matches several repositories")]
    RepositoryAmbiguous {
        /// What the user asked for.
        query: RepositoryQuery,
        /// The matching repositories (`owner/name`).
        candidates: Vec<String>,
    },
    /// Every slot of the port range holds a port that another workspace was given or that
    /// something on the host listens on.
    #[error(
        "no {count} free consecutive port(s) for workspace {reference} in the port range {range}: other workspaces or programs on this machine hold a port of every slot"
    )]
    NoFreePorts {
        /// The workspace.
        reference: WorkspaceRef,
        /// The range searched.
        range: PortRange,
        /// How many ports it was to get.
        count: u16,
    },
    /// The workspace does not exist.
    #[error("workspace {reference} does not exist in the {sandbox} sandbox")]
    WorkspaceNotFound {
        /// The workspace asked for.
        reference: WorkspaceRef,
        /// The sandbox that was asked.
        sandbox: SandboxKind,
    },
    /// A `create` that did not finish left the workspace half made.
    #[error(
        "workspace {reference} in the {sandbox} sandbox was never finished: an earlier `create` was interrupted"
    )]
    HalfMade {
        /// The workspace.
        reference: WorkspaceRef,
        /// Its sandbox.
        sandbox: SandboxKind,
    },
    /// An interrupted `create` left the workspace half made, and work of the user's is in
    /// it (commits made in it since): making it again would lose that work.
    #[error(
        "workspace {reference} in the {sandbox} sandbox was left half made by an interrupted `create`, and holds work that making it again would lose"
    )]
    HalfMadeHoldsWork {
        /// The workspace.
        reference: WorkspaceRef,
        /// Its sandbox.
        sandbox: SandboxKind,
        /// The work in it.
        risk: Box<AtRisk>,
    },
    /// The workspace is there but broken by something outside skipper, so it cannot be
    /// used or made again in its place.
    #[error("workspace {reference} in the {sandbox} sandbox exists but is broken: {detail}")]
    Broken {
        /// The workspace.
        reference: WorkspaceRef,
        /// Its sandbox.
        sandbox: SandboxKind,
        /// What is wrong with it.
        detail: String,
    },
    /// A sandbox that may hold the workspace could not be asked (its engine does not
    /// answer, or cannot be set up): the workspace may exist there, so it is neither called
    /// missing nor made in another sandbox.
    #[error("the {sandbox} sandbox could not be asked ({cause}): {reference} may exist there")]
    SandboxNotAsked {
        /// The workspace.
        reference: WorkspaceRef,
        /// The sandbox that could not be asked.
        sandbox: SandboxKind,
        /// Why; in the message, not a `source`, so it is said once.
        cause: BoxError,
    },
    /// The main workspace (the host checkout) cannot be removed.
    #[error(
        "{reference} cannot be removed: it is the repository's own (`sk repo remove` removes the repository)"
    )]
    MainNotRemovable {
        /// The main workspace.
        reference: WorkspaceRef,
    },
    /// Removing would lose work.
    #[error("refusing to remove {reference}: it holds work that would be lost")]
    WorkAtRisk {
        /// The workspace.
        reference: WorkspaceRef,
        /// What would be lost.
        risk: Box<AtRisk>,
    },
    /// Removing a repository would lose work in some of its workspaces or its host
    /// checkout; nothing was removed (or, found at the last look, nothing more).
    #[error("refusing to remove {repository}: it holds work that would be lost")]
    RepositoryHoldsWork {
        /// The repository.
        repository: RepositoryId,
        /// Each workspace holding work, and what.
        at_risk: Vec<WorkspaceRisk>,
    },
    /// Workspaces of a repository being removed were made meanwhile: its main workspaces
    /// and host checkout were kept.
    #[error(
        "workspaces of {repository} were made while it was being removed ({}): its main workspace and host checkout were kept",
        appeared.join(", ")
    )]
    RepositoryChanged {
        /// The repository.
        repository: RepositoryId,
        /// The workspaces that appeared, for people.
        appeared: Vec<String>,
    },
    /// The work at risk was saved, then removing the workspace failed.
    #[error("the work at risk was saved as {} in {}, but removing the workspace failed", preserved.id, preserved.dir.display())]
    RemovalFailedAfterSaving {
        /// The save.
        preserved: Box<SavedWork>,
        /// Why the removal failed.
        #[source]
        source: SandboxError,
    },
    /// The coding agent's program does not exist in the workspace.
    #[error(
        "the agent `{agent}` cannot start: its program `{program}` was not found in the workspace"
    )]
    AgentMissing {
        /// The agent.
        agent: String,
        /// Its program.
        program: String,
        /// How the program is installed, when the preset says.
        install: Option<String>,
        /// The workspace's sandbox.
        sandbox: crate::domain::SandboxKind,
    },
    /// The agent asked for is not there, or is defined without a program.
    #[error(transparent)]
    Agent(#[from] crate::domain::AgentError),
    /// The secrets a command is to get could not be had (the caller's own error, which
    /// names the secret and never its value).
    #[error("{0}")]
    Secrets(#[source] crate::ports::BoxError),
    /// The branch's workspace is in another sandbox: one branch has one workspace, so
    /// none is made in the sandbox asked.
    #[error(
        "{reference} already has a workspace in the {existing} sandbox, at {location}: none is made in the {asked} sandbox"
    )]
    InAnotherSandbox {
        /// The workspace asked for.
        reference: WorkspaceRef,
        /// The sandbox holding it.
        existing: SandboxKind,
        /// Where it is there.
        location: String,
        /// The sandbox it was asked for in.
        asked: SandboxKind,
    },
    /// Restoring into a workspace that exists.
    #[error("workspace {reference} already exists in the {sandbox} sandbox")]
    WorkspaceExists {
        /// The workspace.
        reference: WorkspaceRef,
        /// Its sandbox.
        sandbox: SandboxKind,
    },
    /// No saved work matches.
    #[error("no saved work of branch `{branch}` in {repository}")]
    NothingSaved {
        /// The repository (`host/owner/name`).
        repository: String,
        /// The branch.
        branch: BranchName,
    },
    /// The save named by id is of another workspace than the one named.
    #[error("saved work {id} is of {saved}, not of branch `{branch}`")]
    SaveOfAnotherWorkspace {
        /// The save.
        id: SaveId,
        /// Whose it is.
        saved: Box<WorkspaceRef>,
        /// The branch the user named.
        branch: BranchName,
    },
    /// The save holds nothing git can put back (only files kept as an archive).
    #[error("saved work {id} cannot be restored by sk: {}", reasons.join("; "))]
    NotRestorable {
        /// The save.
        id: SaveId,
        /// What it holds instead, and how to get at it.
        reasons: Vec<String>,
    },
    /// The host's branch has commits the workspace's lacks: fetching only fast-forwards.
    #[error(
        "the host's `{branch}` (at {host_tip}) has commits that {reference}'s `{branch}` (at {workspace_tip}) lacks; fetch only fast-forwards, so nothing was changed"
    )]
    BranchDiverged {
        /// The workspace.
        reference: Box<WorkspaceRef>,
        /// The branch.
        branch: BranchName,
        /// The host checkout's tip.
        host_tip: String,
        /// The workspace's tip.
        workspace_tip: String,
    },
    /// Bringing the workspace's branch home would move a branch checked out on the host.
    #[error(
        "`{branch}` is checked out in {}, so bringing {reference}'s commits would move it under that working tree; nothing was changed",
        path.display()
    )]
    BranchCheckedOut {
        /// The workspace.
        reference: Box<WorkspaceRef>,
        /// The branch.
        branch: BranchName,
        /// Where it is checked out.
        path: PathBuf,
    },
    /// The branch has nothing the remote lacks.
    #[error("nothing to push: {}", match standing {
        PushStanding::AlreadyThere { remote_tip } if remote_tip == tip => format!("`{branch}` at {tip} is on {remote} already"),
        PushStanding::AlreadyThere { remote_tip } => format!("{remote}'s `{branch}` (at {remote_tip}) holds `{branch}` (at {tip}) already"),
        PushStanding::NothingBeyondDefault { default_branch } => format!("`{branch}` (at {tip}) has no commits beyond {remote}'s default branch `{default_branch}`"),
        PushStanding::Ahead => format!("`{branch}` (at {tip})"),
    })]
    NothingToPush {
        /// The workspace.
        reference: Box<WorkspaceRef>,
        /// The branch.
        branch: BranchName,
        /// Its tip.
        tip: String,
        /// The remote.
        remote: String,
        /// Why there is nothing.
        standing: PushStanding,
    },
    /// A workspace moved to the sandbox it is in.
    #[error("workspace {reference} is in the {sandbox} sandbox already")]
    MoveToSameSandbox {
        /// The workspace.
        reference: WorkspaceRef,
        /// Its sandbox.
        sandbox: SandboxKind,
    },
    /// The new workspace of a move does not hold what the old one does.
    #[error("the new workspace does not match the old one: {}", differences.join("; "))]
    MoveNotVerified {
        /// How they differ.
        differences: Vec<String>,
    },
    /// Making or checking the new workspace of a move failed: the old one is untouched and
    /// the new one removed (`left` says why it could not be, when it could not).
    #[error(
        "moving {reference} from the {from} to the {to} sandbox failed, and was undone: the {from} workspace is untouched{}",
        left.as_ref().map(|why| format!("; removing the half-made {to} workspace failed too: {why}")).unwrap_or_default()
    )]
    MoveUndone {
        /// The workspace.
        reference: Box<WorkspaceRef>,
        /// The sandbox it stays in.
        from: SandboxKind,
        /// The sandbox it was to move to.
        to: SandboxKind,
        /// What failed.
        #[source]
        cause: Box<WorkspaceError>,
        /// Why the half-made new workspace could not be removed, when it could not.
        left: Option<String>,
    },
    /// The move is done, but the old workspace could not be removed.
    #[error(
        "{reference} moved to the {to} sandbox, but removing it from the {from} sandbox failed"
    )]
    MovedButOldKept {
        /// The workspace.
        reference: Box<WorkspaceRef>,
        /// The sandbox it is still in too.
        from: SandboxKind,
        /// The sandbox it moved to.
        to: SandboxKind,
        /// Why it could not be removed.
        #[source]
        source: SandboxError,
    },
    /// A file of the caller's scratch directory could not be read.
    #[error("cannot read {}", path.display())]
    Scratch {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A hook command ended with a status other than 0; the ones after it did not run.
    #[error("the {stage} hook `{}` of {reference} failed with exit code {}", display_command(command), status.0)]
    HookFailed {
        /// The workspace it ran in.
        reference: Box<WorkspaceRef>,
        /// When it ran.
        stage: HookStage,
        /// The command.
        command: CommandLine,
        /// Its exit status.
        status: CommandStatus,
    },
    /// The caller's pre-remove step (see [`remove_with`](super::remove_with)) failed in a
    /// way of its own (a question the user cancelled); the caller's error is the source.
    #[error(transparent)]
    PreRemove(BoxError),
    /// The repository's `.skipper.toml` cannot be used.
    #[error("cannot use the project file: {0}")]
    ProjectConfig(#[from] ProjectConfigError),
    /// The store of hook approvals failed.
    #[error(transparent)]
    Approvals(#[from] ApprovalError),
    /// The save store failed.
    #[error(transparent)]
    Save(#[from] SaveError),
    /// A lock could not be taken.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// A host checkout operation failed.
    #[error(transparent)]
    Checkout(#[from] CheckoutError),
    /// A sandbox operation failed.
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
}

/// A command as the user wrote it: shell text as it is, an argument vector joined by
/// spaces.
#[must_use]
pub fn display_command(command: &CommandLine) -> String {
    match command {
        CommandLine::Shell(text) => text.clone(),
        CommandLine::Argv(argv) => argv.join(" "),
    }
}
