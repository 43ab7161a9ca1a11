use std::fmt::Debug;
use std::path::Path;

#[cfg(doc)]
use super::error::ErrorKind;
use super::error::SandboxError;
use super::io::{ExecIo, SessionIo};
#[cfg(doc)]
use super::transfer::BranchStanding;
use super::transfer::{BranchExport, ExportRequest, SyncReport};
use crate::domain::{
    AtRisk, BranchName, CarriedFile, Checkout, CommandLine, CommandStatus, DiffMade, DiffRequest,
    Environment, SandboxKind, SaveSlot, SavedContents, SavedWork, SkippedFile, WorkState,
    Workspace, WorkspaceTarget,
};

/// How a command's environment follows from the project file (`.skipper.toml`) at the
/// workspace's `HEAD`: given its bytes (`None` when that commit has none), the whole
/// environment to add to the command's.
pub type ProjectEnvironment<'a> = &'a dyn Fn(Option<&[u8]>) -> Environment;

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
    /// The host ports given to the workspace (`SK_PORT` is the first), chosen by the
    /// caller; the sandbox remembers them with the workspace (so
    /// [`WorkspaceRegistry::locate`] and [`WorkspaceRegistry::list`] give them back) and, if
    /// it isolates the network, publishes each on `127.0.0.1` under the same number.
    /// Empty: none.
    pub ports: Vec<u16>,
    /// The repository's `[network]` (its `.skipper.toml` at [`Self::start_point`]): a
    /// sandbox that isolates the network makes the workspace's policy from it and the
    /// user's settings ([`crate::domain::NetworkPolicy::resolve`]); one that cannot
    /// ignores it.
    pub network: crate::domain::NetworkSettings,
}

impl CreateRequest {
    /// The host checkout's ref the workspace's branch starts at: the local branch, the
    /// remote one it tracks, or the remote's default branch.
    #[must_use]
    pub fn start_point(&self) -> String {
        match self.start {
            BranchStart::Existing => format!("refs/heads/{}", self.branch),
            BranchStart::TrackRemote => format!("refs/remotes/origin/{}", self.branch),
            BranchStart::NewFromDefault => format!("refs/remotes/origin/{}", self.default_branch),
        }
    }
}

/// A sandbox backend: makes, runs in, attaches to and destroys workspaces.
///
/// Methods that take a [`Workspace`] receive one found by [`WorkspaceRegistry::locate`] of
/// the same backend; given another backend's workspace they fail with
/// [`ErrorKind::InvalidInput`]. Every backend is held to the same contract by the contract
/// suite (`crates/contract`).
pub trait Sandbox: Send + Sync + Debug {
    /// Which backend this is.
    fn kind(&self) -> SandboxKind;

    /// Whether the main workspace is the host checkout itself (then it can be prepared only
    /// once the checkout is in place), rather than a copy made from its git directory.
    fn main_is_the_host_checkout(&self) -> bool {
        false
    }

    /// Makes sure the main workspace of `checkout` exists (on the remote's default branch)
    /// and returns it. Idempotent: an existing main workspace is returned as it is, with
    /// the ports it was given then. A main workspace made now is given `ports`, as
    /// [`CreateRequest::ports`] says; one that is the user's own host checkout is given
    /// none (the ports are ignored).
    ///
    /// # Errors
    /// [`ErrorKind::Unavailable`] when the engine cannot be reached, [`ErrorKind::Conflict`]
    /// when something not made by skipper holds its place, else the failure of the step
    /// that failed.
    fn prepare_main(
        &self,
        checkout: &Checkout,
        default_branch: &BranchName,
        ports: &[u16],
    ) -> Result<Workspace, SandboxError>;

    /// Creates the workspace of a branch. The caller has checked that it does not exist.
    /// The host checkout's working tree, index, `HEAD` and stash are not touched.
    ///
    /// # Errors
    /// [`ErrorKind::Conflict`] when the branch is checked out elsewhere or the workspace's
    /// place is taken, [`ErrorKind::Unavailable`], or the failure of the step that failed.
    fn create(&self, request: &CreateRequest) -> Result<Workspace, SandboxError>;

    /// Begins, while the host checkout is fetched, the workspace of `branch` when neither
    /// the checkout nor its remote-tracking branches hold that branch yet: from the default
    /// branch as the checkout knows it before the fetch, so that the work of making it
    /// overlaps the fetch's. The branch it holds is the sandbox's own until
    /// [`Sandbox::begun_still_new`] says it is still new. The next [`Sandbox::create`]
    /// finishes it when it asks for a new branch from that same default branch (at the
    /// commit fetched) and clears it away otherwise; so does [`Sandbox::abandon_begun`].
    /// `false` when this sandbox has no such step or cannot take it cheaply: nothing was
    /// begun. The caller holds the repository's lock and has asked the other sandboxes
    /// whether they hold the branch.
    ///
    /// # Errors
    /// The failure of the step that failed; nothing is left begun then.
    fn begin_new_branch(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
    ) -> Result<bool, SandboxError> {
        let _ = (checkout, branch);
        Ok(false)
    }

    /// Whether what [`Sandbox::begin_new_branch`] began, now that the host checkout is
    /// fetched, is still the workspace of a new branch (the fetch brought no branch of that
    /// name, and the default branch is the one it began from); when it is not, it is
    /// cleared away first. `false` when nothing was begun.
    fn begun_still_new(&self) -> bool {
        false
    }

    /// Clears away what [`Sandbox::begin_new_branch`] began and no [`Sandbox::create`]
    /// took up; nothing when there is none. Best effort: what cannot be cleared is left
    /// half made, for the next `create` of its branch to make again.
    fn abandon_begun(&self) {}

    /// Writes `files` into the workspace, at their paths under its root (the repository's
    /// working tree), owned by the user its commands run as, making the directories they
    /// need. Never overwrites: a file with something already at its path (a tracked file of
    /// the workspace's branch) is skipped, and so is one whose directory in the workspace
    /// is a symbolic link or not a directory, so nothing is written outside the workspace.
    /// Returns the files skipped, with the reason. Starts a stopped workspace.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when a host file cannot be read, [`ErrorKind::Unavailable`], or
    /// the failure to write; files written before the failure stay.
    fn put_files(
        &self,
        workspace: &Workspace,
        files: &[CarriedFile],
    ) -> Result<Vec<SkippedFile>, SandboxError>;

    /// Runs `command` in the workspace with its streams on `io` and `env` added to its
    /// environment (over what the sandbox sets itself), and returns its exit status (128 +
    /// the signal number when a signal ended it). Ctrl-C reaches the command, not `sk`.
    ///
    /// # Errors
    /// [`SandboxError::ProgramNotFound`] when an argument vector's program does not exist
    /// (shell text is the shell's: its 127 is returned as a status),
    /// [`ErrorKind::InvalidInput`] for an empty command, or the failure to start it.
    fn execute(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
        env: &Environment,
        io: ExecIo<'_>,
    ) -> Result<CommandStatus, SandboxError>;

    /// The bytes of the project file (`.skipper.toml`) at the workspace's `HEAD`, `None`
    /// when that commit has none. Changes nothing.
    ///
    /// The default asks git in the workspace through [`Sandbox::execute`] (see
    /// [`crate::usecases::project_file_bytes`]); a sandbox that can read it cheaper
    /// overrides this.
    ///
    /// # Errors
    /// The sandbox's failure to run git in the workspace.
    fn project_file(&self, workspace: &Workspace) -> Result<Option<Vec<u8>>, SandboxError> {
        crate::usecases::project_file_bytes(self, workspace)
    }

    /// Runs `command` as [`Sandbox::execute`] does, with the environment `env` makes of the
    /// project file (`.skipper.toml`) at the workspace's `HEAD` as it is when the command
    /// starts: its bytes, `None` when that commit has none. `env` may be called more than
    /// once (a file the sandbox knew that changed before the command started); the command
    /// gets the last one's environment.
    ///
    /// The default reads the file first ([`Sandbox::project_file`]); a sandbox that can
    /// know it cheaper says so by overriding this.
    ///
    /// # Errors
    /// As [`Sandbox::execute`], or the failure to read the file.
    fn execute_in_project(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
        env: ProjectEnvironment<'_>,
        io: ExecIo<'_>,
    ) -> Result<CommandStatus, SandboxError> {
        let file = self.project_file(workspace)?;
        self.execute(workspace, command, &env(file.as_deref()), io)
    }

    /// Opens an interactive session in the workspace, `env` added to the environment of
    /// the session it starts, and returns when the user leaves it. A session that already
    /// runs (a tmux session) is entered as it is, its environment as it was started. A
    /// session it starts and cannot hand to a terminal is left running.
    ///
    /// # Errors
    /// [`SandboxError::NeedsTerminal`] when `io` has no terminal (and the sandbox cannot
    /// hand the session to one it already runs in), [`SandboxError::NoClient`] when it
    /// runs in a terminal multiplexer with no client to hand the session to, or the failure
    /// to open it.
    fn attach(
        &self,
        workspace: &Workspace,
        env: &Environment,
        io: SessionIo,
    ) -> Result<AttachOutcome, SandboxError>;

    /// Opens a session as [`Sandbox::attach`] does, with the environment `env` makes of the
    /// project file at the workspace's `HEAD` (as [`Sandbox::execute_in_project`] says).
    ///
    /// # Errors
    /// As [`Sandbox::attach`], or the failure to read the file.
    fn attach_in_project(
        &self,
        workspace: &Workspace,
        env: ProjectEnvironment<'_>,
        io: SessionIo,
    ) -> Result<AttachOutcome, SandboxError> {
        let file = self.project_file(workspace)?;
        self.attach(workspace, &env(file.as_deref()), io)
    }

    /// Whether [`Sandbox::attach`] could open a session on `io`, asked before anything is
    /// made for it. Changes nothing.
    ///
    /// # Errors
    /// [`SandboxError::NeedsTerminal`] when `io` has no terminal and the sandbox cannot
    /// hand a session to one it already runs in.
    fn can_attach(&self, io: SessionIo) -> Result<(), SandboxError>;

    /// Detaches the clients of the workspace's interactive session, as tmux's `detach`
    /// does: the session and what runs in it go on. Idempotent: a session nobody is
    /// attached to is [`DetachOutcome::NotAttached`], none at all
    /// [`DetachOutcome::NoSession`].
    ///
    /// # Errors
    /// The failure to look for the session or to detach its clients.
    fn detach(&self, workspace: &Workspace) -> Result<DetachOutcome, SandboxError>;

    /// Ends what keeps running for the workspace between commands, and everything running
    /// in it: its interactive session (a tmux session) or its container (stopped, not
    /// removed). [`Sandbox::attach`] and [`Sandbox::execute`] start it again. Idempotent:
    /// nothing running is [`StopOutcome::NotRunning`].
    ///
    /// # Errors
    /// [`ErrorKind::Unavailable`], or the failure to end what runs.
    fn stop(&self, workspace: &Workspace) -> Result<StopOutcome, SandboxError>;

    /// Whether this sandbox keeps interactive sessions that outlive `attach` (tmux does; a
    /// container shell ends with the user leaving it).
    fn keeps_sessions(&self) -> bool;

    /// Whether the coding agents' own files (their conversations among them) outlive a
    /// workspace: a host worktree's agents write in the user's home, a container's agents
    /// in the container, which goes with the workspace.
    fn agent_files_outlive_workspaces(&self) -> bool;

    /// Lists the work that destroying the workspace would lose. Changes nothing.
    ///
    /// # Errors
    /// The failure to look; a sandbox never answers "nothing at risk" when it could not
    /// look.
    fn at_risk(&self, workspace: &Workspace) -> Result<AtRisk, SandboxError>;

    /// Saves the work at risk into `slot`: a bundle at [`SaveSlot::bundle`] holding every
    /// object the remote lacks, and bundles of nested repositories beside it, under the
    /// refs [`SavedContents`] names. Changes nothing in the workspace (refs under
    /// [`SaveSlot::ref_prefix`] aside).
    ///
    /// # Errors
    /// The failure to save, or [`ErrorKind::Refused`] naming what cannot be saved; the
    /// caller discards the slot.
    fn preserve(
        &self,
        workspace: &Workspace,
        slot: &SaveSlot,
    ) -> Result<SavedContents, SandboxError>;

    /// Puts saved work back into a workspace just made on its branch: the branch at its
    /// saved tip, the index and working tree as they were (modified, staged and untracked
    /// files), the stash entries, the other refs, and nested repositories. Works with a
    /// save made by any sandbox.
    ///
    /// # Errors
    /// [`ErrorKind::Conflict`] when the workspace's branch has moved since the save, or
    /// the failure of the step that failed.
    fn restore(&self, workspace: &Workspace, saved: &SavedWork) -> Result<(), SandboxError>;

    /// Removes the workspace and everything the sandbox owns for it (sessions included).
    /// The branch itself is never deleted from the host checkout. Without `force`, a
    /// sandbox that can re-check for work at the moment of removal refuses when it finds
    /// some (work may have appeared since [`Sandbox::at_risk`] looked), and a refusal
    /// changes nothing: its session and what runs in it are ended only once the removal
    /// goes ahead. With `force`, the work has been preserved and the workspace goes
    /// whatever it holds.
    ///
    /// # Errors
    /// [`ErrorKind::Refused`] when the re-check found work, [`ErrorKind::NotFound`] when
    /// the workspace is already gone, or the failure of the removal.
    fn destroy(&self, workspace: &Workspace, force: bool) -> Result<(), SandboxError>;

    /// Reports where the workspace's `request.branch` stands next to the host checkout's
    /// (its tip, and the uncommitted paths that stay behind) and, when the host lacks
    /// commits of it and it is [`BranchStanding::Absent`] or [`BranchStanding::Ahead`],
    /// writes a git bundle of `refs/heads/<branch>` holding only what `request`'s commits
    /// lack to `dest` on the host, whole or not at all. A sandbox sharing the host's refs
    /// (a worktree) answers [`BranchStanding::Shared`] and writes nothing. Changes nothing
    /// in the workspace; starts a stopped workspace.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] when the workspace has no such branch, or the failure to
    /// look or to write the bundle.
    fn export_branch(
        &self,
        workspace: &Workspace,
        request: &ExportRequest,
        dest: &Path,
    ) -> Result<BranchExport, SandboxError>;

    /// Sets the workspace's remote-tracking branches (`refs/remotes/origin/*`) to the
    /// host checkout's, in one transaction, with the objects they need (only those it
    /// lacks cross, through files under the host directory `scratch`): updated, added,
    /// and removed where the host has them no more; `origin/HEAD` follows the host's.
    /// Never touches the workspace's own branches, index, working tree or stash. A sandbox
    /// sharing the host's refs (a worktree) answers [`SyncReport::Shared`]. Idempotent;
    /// starts a stopped workspace.
    ///
    /// # Errors
    /// The failure of a step; the workspace's refs are then as they were.
    fn sync_remote(
        &self,
        workspace: &Workspace,
        checkout: &Checkout,
        scratch: &Path,
    ) -> Result<SyncReport, SandboxError>;

    /// What the workspace's repository looks like now: `HEAD`, the stash and `git
    /// status`, for comparing two workspaces. Changes nothing (not even the index's
    /// cached stat data).
    ///
    /// # Errors
    /// The failure to look.
    fn work_state(&self, workspace: &Workspace) -> Result<WorkState, SandboxError>;

    /// Writes to the host file `dest` everything the workspace changed since it started,
    /// as one git diff in `request`'s format: its commits since the merge base of `HEAD`
    /// with [`DiffRequest::start_ref`], and its staged, unstaged and untracked files
    /// (ignored ones aside), binary files included. Starts a stopped workspace. Changes
    /// nothing in the workspace (its index included; git may store the files' objects),
    /// nor in the host checkout. The diff is never held in memory whole.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] when the start names no commit in the workspace (`dest` is
    /// then left as it was), [`ErrorKind::Unavailable`], or the failure of the step that
    /// failed.
    fn diff(
        &self,
        workspace: &Workspace,
        request: &DiffRequest,
        dest: &std::path::Path,
    ) -> Result<DiffMade, SandboxError>;

    /// Removes what the sandbox keeps for `checkout`'s repository besides its workspaces
    /// (Docker: the repository's snapshot images), once its workspaces are gone and before
    /// the checkout goes; returns what it removed. Idempotent: nothing kept is an empty
    /// list. Never touches another repository's resources or a workspace.
    ///
    /// # Errors
    /// [`ErrorKind::Unavailable`], [`ErrorKind::Refused`] when a workspace still uses what
    /// it would remove, or the failure of the removal.
    fn forget_repository(&self, checkout: &Checkout) -> Result<Vec<Forgotten>, SandboxError>;
}

/// One thing [`Sandbox::forget_repository`] removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forgotten {
    /// What it was, for people ("snapshot image sk-snap-...:abc").
    pub what: String,
    /// The bytes it held, when known.
    pub bytes: Option<u64>,
}

/// How an interactive session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachOutcome {
    /// The user detached; the session goes on.
    Detached,
    /// The session's shell exited with this status.
    Exited(CommandStatus),
}

/// What [`Sandbox::detach`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetachOutcome {
    /// The session's clients were detached; it goes on.
    Detached,
    /// The session runs with no client attached: nothing to detach.
    NotAttached,
    /// There is no session.
    NoSession,
}

/// What [`Sandbox::stop`] did, naming what it ended or found not running (a tmux session,
/// a container).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopOutcome {
    /// `name` was running and is ended, with everything in it.
    Stopped {
        /// The session's or container's name.
        name: String,
    },
    /// `name` was not running.
    NotRunning {
        /// The session's or container's name.
        name: String,
    },
}

/// Finds workspaces: the backend's source of truth (git and the filesystem, or labels).
pub trait WorkspaceRegistry: Send + Sync + Debug {
    /// Which backend this registry reads.
    fn kind(&self) -> SandboxKind;

    /// The workspace for `target` of `checkout`, or `None` when it does not exist. Reads
    /// the source of truth each time.
    ///
    /// # Errors
    /// [`ErrorKind::Unavailable`] when the source cannot be read, [`ErrorKind::Conflict`]
    /// when it is ambiguous (two containers claim one workspace, a foreign one holds its
    /// name).
    fn locate(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Option<Workspace>, SandboxError>;

    /// The workspace as [`WorkspaceRegistry::locate`] finds it, for a command about to
    /// start in it through [`Sandbox::execute_in_project`] or [`Sandbox::attach_in_project`].
    /// A registry whose sandbox checks, as the command starts, that the workspace was
    /// finished (and refuses to start it otherwise) may leave `half_made` unknown (`false`)
    /// when telling it would cost more. The default is [`WorkspaceRegistry::locate`].
    ///
    /// # Errors
    /// As [`WorkspaceRegistry::locate`].
    fn locate_to_run(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Option<Workspace>, SandboxError> {
        self.locate(checkout, target)
    }

    /// Whether a workspace for `target` of `checkout` exists, finished or not: what
    /// choosing a sandbox needs to know, as cheaply as the registry can tell it. The
    /// default asks [`WorkspaceRegistry::locate_to_run`].
    ///
    /// # Errors
    /// As [`WorkspaceRegistry::locate`].
    fn holds(&self, checkout: &Checkout, target: &WorkspaceTarget) -> Result<bool, SandboxError> {
        self.locate_to_run(checkout, target)
            .map(|found| found.is_some())
    }

    /// Every workspace of the given checkouts, main first for each, then branches in
    /// order, with `dirty` filled where it is cheap to know.
    ///
    /// # Errors
    /// [`ErrorKind::Unavailable`] when the source cannot be read.
    fn list(&self, checkouts: &[Checkout]) -> Result<Vec<Workspace>, SandboxError>;

    /// Every host port a workspace of this sandbox has been given, whatever repository it
    /// is of, for choosing ports no other workspace holds. Cheaper than [`Self::list`]: it
    /// reads only what the workspaces remember (no dirty gate). A sandbox whose workspaces
    /// bind their ports on the host (Docker) counts every workspace on its engine, other
    /// data roots' included, since the host's ports are shared by them all.
    ///
    /// # Errors
    /// [`ErrorKind::Unavailable`] when the source cannot be read.
    fn ports_in_use(&self) -> Result<Vec<u16>, SandboxError>;
}
