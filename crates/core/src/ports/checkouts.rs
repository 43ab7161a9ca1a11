use std::fmt::Debug;
use std::path::PathBuf;

use super::error::{BoxError, ErrorKind};
use super::transfer::{BranchImport, HostBranch, Imported, PushStanding};
use crate::domain::{
    AtRisk, BranchName, CarrySelection, Checkout, CommandStatus, IncludeList, RemoteUrl,
    RepositoryId, SaveSlot, SavedContents,
};

/// The host checkouts: one clone per repository under the data root, the source every
/// workspace is made from.
pub trait HostCheckouts: Send + Sync + Debug {
    /// Clones `remote` into the checkout for its identity.
    ///
    /// Idempotent: when a checkout of the same remote is already there, returns
    /// [`CloneOutcome::AlreadyCloned`] and changes nothing. A directory holding another
    /// remote is [`CheckoutError::Occupied`]; a failed clone leaves no directory behind.
    ///
    /// # Errors
    /// [`CheckoutError::Occupied`], [`CheckoutError::CloneFailed`] with git's words,
    /// [`CheckoutError::GitUnavailable`], or [`CheckoutError::Io`] on the data root.
    fn clone_remote(&self, remote: &RemoteUrl) -> Result<CloneOutcome, CheckoutError>;

    /// Clones `remote` as [`HostCheckouts::clone_remote`] does and, for a new clone, calls
    /// `beside` with it once its git directory is complete, while its working tree is being
    /// written: work that reads only the git directory (a sandbox copying it into a
    /// container) then overlaps the checkout. `beside` sees the clone where it is being made;
    /// the clone reaches its own path once both are done, so an interruption never leaves a
    /// checkout without its working tree there. `beside` is not called for a checkout that
    /// was there already.
    ///
    /// The default clones, then calls `beside`.
    ///
    /// # Errors
    /// As [`HostCheckouts::clone_remote`].
    fn clone_remote_beside(
        &self,
        remote: &RemoteUrl,
        beside: &mut dyn FnMut(&Checkout),
    ) -> Result<CloneOutcome, CheckoutError> {
        let outcome = self.clone_remote(remote)?;
        if let CloneOutcome::Cloned(checkout) = &outcome {
            beside(checkout);
        }
        Ok(outcome)
    }

    /// Every checkout under the data root, sorted by identity. Reads the filesystem each
    /// time: there is no cache to disagree with it. A missing data root is no checkout.
    ///
    /// # Errors
    /// [`CheckoutError::Io`] when the data root cannot be read.
    fn list(&self) -> Result<Vec<Checkout>, CheckoutError>;

    /// Fetches `origin` into the checkout's remote-tracking refs and resolves the remote's
    /// default branch. Never changes the working tree, the index, `HEAD`, the stash or any
    /// local branch. A failed fetch is not an error: the last known remote refs are used and
    /// [`Refreshed::fetch_warning`] says why.
    ///
    /// # Errors
    /// [`CheckoutError::NoDefaultBranch`] when the default branch cannot be told even from
    /// the last known refs, [`CheckoutError::GitUnavailable`].
    fn refresh(&self, checkout: &Checkout) -> Result<Refreshed, CheckoutError>;

    /// The remote's default branch as last fetched (`origin/HEAD`), without touching the
    /// network (except once, to ask the remote, when `origin/HEAD` is missing).
    ///
    /// # Errors
    /// [`CheckoutError::NoDefaultBranch`], [`CheckoutError::GitUnavailable`].
    fn default_branch(&self, checkout: &Checkout) -> Result<BranchName, CheckoutError>;

    /// The URL `checkout` was cloned from (`remote.origin.url`, as configured). Reads the
    /// checkout's configuration only.
    ///
    /// # Errors
    /// [`CheckoutError::Git`] when the checkout has no `origin` URL,
    /// [`CheckoutError::GitUnavailable`].
    fn remote_url(&self, checkout: &Checkout) -> Result<String, CheckoutError>;

    /// The contents of the file `path` (relative to the repository's root) in the commit
    /// `rev` names (a ref such as `refs/remotes/origin/main`, or an object name), or `None`
    /// when that commit has no such file. Reads objects only: the working tree and the
    /// index play no part.
    ///
    /// # Errors
    /// [`CheckoutError::Git`] when `rev` names no commit, [`CheckoutError::GitUnavailable`].
    fn file_at(
        &self,
        checkout: &Checkout,
        rev: &str,
        path: &str,
    ) -> Result<Option<Vec<u8>>, CheckoutError>;

    /// The branches a workspace could be made of: the local ones and `origin`'s (named
    /// without `origin/`), each once, sorted; `origin/HEAD` is not a branch. Reads refs
    /// only: what was last fetched.
    ///
    /// # Errors
    /// [`CheckoutError::GitUnavailable`] or [`CheckoutError::Git`].
    fn branches(&self, checkout: &Checkout) -> Result<Vec<BranchName>, CheckoutError>;

    /// Whether `branch` exists locally, only on `origin`, or nowhere. Reads refs only.
    ///
    /// # Errors
    /// [`CheckoutError::GitUnavailable`] or [`CheckoutError::Git`].
    fn branch_presence(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
    ) -> Result<BranchPresence, CheckoutError>;

    /// The checkout's tip of `branch`, its `origin/*` tips and where `branch` is checked
    /// out, if it is. Reads refs only.
    ///
    /// # Errors
    /// [`CheckoutError::GitUnavailable`] or [`CheckoutError::Git`].
    fn host_branch(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
    ) -> Result<HostBranch, CheckoutError>;

    /// Sets the local branch `import.branch` to `import.tip`, first taking the commits the
    /// checkout lacks from `import.bundle`: a fast-forward from `import.old` only (or the
    /// creation of a branch that does not exist), never over commits the tip lacks and
    /// never of a branch checked out anywhere. Writes that one ref and objects; the working
    /// tree, index, `HEAD` and stash are not touched.
    ///
    /// # Errors
    /// [`CheckoutError::Git`] with git's words when git refuses (not a fast-forward, the
    /// branch moved meanwhile or is checked out); nothing is changed then.
    fn import_branch(
        &self,
        checkout: &Checkout,
        import: &BranchImport,
    ) -> Result<Imported, CheckoutError>;

    /// Whether the local `branch` has anything `remote` lacks: asks the remote for its
    /// branch and its default branch (with the host user's credentials, never a prompt).
    /// Changes nothing.
    ///
    /// # Errors
    /// [`CheckoutError::NoSuchRemote`], [`CheckoutError::NoSuchBranch`], or
    /// [`CheckoutError::Git`] when the remote cannot be asked.
    fn push_standing(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
        remote: &str,
    ) -> Result<PushStanding, CheckoutError>;

    /// Pushes the local `branch` to `remote`'s branch of that name, a fast-forward only,
    /// with the host user's git configuration, credentials and hooks, git's messages on
    /// `sk`'s stderr; with `set_upstream`, the branch tracks it after. Returns git's exit
    /// status: a refusal (not a fast-forward, a hook) is git's status, not an error.
    ///
    /// # Errors
    /// [`CheckoutError::GitUnavailable`] when git cannot be started.
    fn push_branch(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
        remote: &str,
        set_upstream: bool,
    ) -> Result<CommandStatus, CheckoutError>;

    /// The repository's `.worktreeinclude`: read from `revision` (the new workspace's start
    /// commit, a ref of the checkout) where it is tracked, else from the checkout's working
    /// tree, where it is often untracked or ignored; `None` when neither has one. Changes
    /// nothing.
    ///
    /// # Errors
    /// [`CheckoutError::Io`] when the working tree's file cannot be read,
    /// [`CheckoutError::GitUnavailable`] or [`CheckoutError::Git`].
    fn worktree_include(
        &self,
        checkout: &Checkout,
        revision: &str,
    ) -> Result<Option<IncludeList>, CheckoutError>;

    /// The checkout's untracked and ignored files matched by any list of `patterns`, to
    /// carry into a new workspace. Each list is read as a `.gitignore` at the checkout's
    /// root: `.env` matches at any depth, `config/*.key` under `config/` only, and a later
    /// `!pattern` takes back a file of its own list. A symbolic link is never followed: one whose target
    /// stays inside the checkout is carried as a link, one pointing outside it (or at an
    /// absolute path) is skipped, as is anything that is neither a file nor a link.
    /// Tracked files and nested repositories are never selected. Changes nothing.
    ///
    /// # Errors
    /// [`CheckoutError::InvalidPattern`], [`CheckoutError::GitUnavailable`],
    /// [`CheckoutError::Git`] or [`CheckoutError::Io`].
    fn select_carried(
        &self,
        checkout: &Checkout,
        patterns: &[Vec<String>],
    ) -> Result<CarrySelection, CheckoutError>;

    /// Fetches pull request `number` of `origin` into the local branch `branch`: GitHub's
    /// `refs/pull/<number>/head`, or GitLab's `refs/merge-requests/<number>/head` when the
    /// remote has no pull refs. The branch is created at that commit with no upstream (the
    /// pull request's ref is no branch to pull from or push to); one already at that
    /// commit is left as it is. Writes that one ref and objects: the working tree, index,
    /// `HEAD` and stash are not touched.
    ///
    /// # Errors
    /// [`CheckoutError::NoSuchPullRequest`] when the remote has neither ref,
    /// [`CheckoutError::BranchElsewhere`] when `branch` exists at another commit (it is
    /// never moved), [`CheckoutError::Git`] when the remote cannot be asked.
    fn fetch_pull_request(
        &self,
        checkout: &Checkout,
        number: u64,
        branch: &BranchName,
    ) -> Result<PullRequestFetched, CheckoutError>;

    /// Lists the work that deleting the checkout would lose: uncommitted and untracked
    /// files, local branches, notes and other refs with commits on no remote branch, the
    /// stash, tags on such commits, a detached `HEAD`'s commits, and nested repositories'
    /// work. Changes nothing.
    ///
    /// # Errors
    /// [`CheckoutError::Work`] when it could not look; never "nothing at risk" then.
    fn at_risk(&self, checkout: &Checkout) -> Result<AtRisk, CheckoutError>;

    /// Saves the work [`HostCheckouts::at_risk`] names into `slot`, as a sandbox's
    /// `preserve` does. Changes nothing in the checkout (refs under
    /// [`SaveSlot::ref_prefix`] aside, deleted before it returns).
    ///
    /// # Errors
    /// [`CheckoutError::Work`] (of kind [`ErrorKind::Refused`] for what cannot be saved);
    /// the caller discards the slot.
    fn preserve(
        &self,
        checkout: &Checkout,
        slot: &SaveSlot,
    ) -> Result<SavedContents, CheckoutError>;

    /// Deletes the checkout: moved whole into the data root's trash, then deleted there, so
    /// an interruption leaves the checkout where it was or trash that `sk gc` deletes.
    /// Idempotent: a checkout already gone is `Ok`.
    ///
    /// # Errors
    /// [`CheckoutError::Io`] when it cannot be moved.
    fn remove(&self, checkout: &Checkout) -> Result<(), CheckoutError>;
}

/// What [`HostCheckouts::clone_remote`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloneOutcome {
    /// A new checkout.
    Cloned(Checkout),
    /// The checkout was already there.
    AlreadyCloned(Checkout),
}

/// What [`HostCheckouts::refresh`] learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    /// The remote's default branch (`origin/HEAD`), which may contain `/`.
    pub default_branch: BranchName,
    /// Why fetching failed, when it did.
    pub fetch_warning: Option<String>,
}

/// What [`HostCheckouts::fetch_pull_request`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestFetched {
    /// The remote's ref it came from (`refs/pull/7/head`, `refs/merge-requests/7/head`).
    pub remote_ref: String,
    /// The pull request's head commit, where the local branch is.
    pub tip: String,
    /// Whether the local branch was made now (else it was there at that commit already).
    pub created: bool,
}

/// Where a branch exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchPresence {
    /// A local branch of that name exists.
    Local,
    /// Only `origin/<branch>` exists.
    Remote,
    /// Neither exists.
    Absent,
}

/// Why a host checkout operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    /// `git` itself could not be run.
    #[error("could not run git: {0}")]
    GitUnavailable(String),
    /// A git command failed.
    #[error("`git {command}` failed in {}: {stderr}", path.display())]
    Git {
        /// The git subcommand and its arguments.
        command: String,
        /// Where it ran.
        path: PathBuf,
        /// What git said.
        stderr: String,
    },
    /// The clone of a remote failed.
    #[error("cloning {remote} failed: {stderr}")]
    CloneFailed {
        /// The remote.
        remote: String,
        /// What git said.
        stderr: String,
    },
    /// The checkout directory for this identity holds a different remote.
    #[error("{} is already a clone of {existing}, not of {requested}", path.display())]
    Occupied {
        /// The checkout directory.
        path: PathBuf,
        /// The remote it was cloned from.
        existing: String,
        /// The remote asked for.
        requested: String,
    },
    /// The remote's default branch cannot be determined.
    #[error("cannot tell the default branch of {repository}: {reason}")]
    NoDefaultBranch {
        /// The repository.
        repository: RepositoryId,
        /// Why.
        reason: String,
    },
    /// Reading or writing the data root failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The checkout has no remote of that name.
    #[error("{} has no remote `{remote}` (its remotes: {})", path.display(), configured.join(", "))]
    NoSuchRemote {
        /// The checkout.
        path: PathBuf,
        /// The remote asked for.
        remote: String,
        /// The remotes it has.
        configured: Vec<String>,
    },
    /// The checkout has no local branch of that name.
    #[error("{} has no branch `{branch}`", path.display())]
    NoSuchBranch {
        /// The checkout.
        path: PathBuf,
        /// The branch.
        branch: BranchName,
    },
    /// The remote has no pull request (nor merge request) of that number.
    #[error(
        "{remote} has no pull request {number} (neither refs/pull/{number}/head nor refs/merge-requests/{number}/head)"
    )]
    NoSuchPullRequest {
        /// The pull request's number.
        number: u64,
        /// The remote, by its URL.
        remote: String,
    },
    /// A local branch to be made at a commit exists at another one, and is not moved.
    #[error("the local branch `{branch}` of {} is at {tip}, not at {wanted}: it is not moved", path.display())]
    BranchElsewhere {
        /// The checkout.
        path: PathBuf,
        /// The branch.
        branch: BranchName,
        /// Where it is.
        tip: String,
        /// Where it was to be.
        wanted: String,
    },
    /// A pattern of files to carry into a workspace is not a valid gitignore pattern.
    #[error("`{pattern}` is not a valid file pattern: {reason}")]
    InvalidPattern {
        /// The pattern.
        pattern: String,
        /// Why.
        reason: String,
    },
    /// The dirty gate or the save failed in the checkout.
    #[error("{operation} the host checkout {} failed", path.display())]
    Work {
        /// What was being done.
        operation: CheckoutWork,
        /// The checkout.
        path: PathBuf,
        /// The kind of failure ([`ErrorKind::Refused`] for what cannot be saved).
        kind: ErrorKind,
        /// Why.
        #[source]
        source: BoxError,
    },
}

/// What [`CheckoutError::Work`] was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutWork {
    /// Looking for work at risk.
    Checking,
    /// Saving it.
    Saving,
}

impl std::fmt::Display for CheckoutWork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Checking => "looking for work at risk in",
            Self::Saving => "saving the work of",
        })
    }
}

impl CheckoutError {
    /// The kind of failure, for the CLI's exit status and advice.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::GitUnavailable(_) => ErrorKind::Unavailable,
            Self::Git { .. } | Self::CloneFailed { .. } => ErrorKind::CommandFailed,
            Self::Occupied { .. } | Self::BranchElsewhere { .. } => ErrorKind::Conflict,
            Self::NoDefaultBranch { .. }
            | Self::NoSuchRemote { .. }
            | Self::NoSuchBranch { .. }
            | Self::NoSuchPullRequest { .. } => ErrorKind::NotFound,
            Self::Io(_) => ErrorKind::Io,
            Self::InvalidPattern { .. } => ErrorKind::InvalidInput,
            Self::Work { kind, .. } => *kind,
        }
    }
}
