//! What crosses between a workspace and the host checkout: a workspace's branch brought
//! home ([`Sandbox::export_branch`], [`HostCheckouts::import_branch`]), published from the
//! host ([`HostCheckouts::push_standing`], [`HostCheckouts::push_branch`]), and the
//! remote's branches brought up to date in a workspace ([`Sandbox::sync_remote`]).
//!
//! Commits are named by their full object ids, as git prints them.

use std::path::PathBuf;

use crate::domain::BranchName;
#[cfg(doc)]
use crate::ports::{HostCheckouts, Sandbox};

/// What [`Sandbox::export_branch`] is asked to bring out of a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    /// The branch, in the workspace and on the host.
    pub branch: BranchName,
    /// The host checkout's tip of the branch, when it has the branch.
    pub host_tip: Option<String>,
    /// Other commits the host has (the tips of its `origin/*` branches): what the host
    /// holds already need not be brought.
    pub known: Vec<String>,
}

/// Where the workspace's copy of a branch stands next to the host checkout's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchStanding {
    /// The workspace shares the host checkout's refs (a worktree): its branch is the
    /// host's, and there is nothing to bring.
    Shared,
    /// The host checkout has no such branch.
    Absent,
    /// Both are at the same commit.
    Same,
    /// The workspace's branch holds the host's and more: a fast-forward brings it.
    Ahead,
    /// The host's branch has commits the workspace's lacks.
    Diverged,
}

/// What [`Sandbox::export_branch`] found and wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchExport {
    /// The workspace's tip of the branch.
    pub tip: String,
    /// Where it stands next to the host's.
    pub standing: BranchStanding,
    /// Whether a bundle was written to the destination: only when the branch is
    /// [`BranchStanding::Absent`] or [`BranchStanding::Ahead`] and the host lacks some of
    /// its commits.
    pub bundle: bool,
    /// The paths `git status` reports in the workspace (modified, staged, untracked):
    /// work that is not committed, so not brought. Lossy where a name is not UTF-8.
    pub uncommitted: Vec<String>,
}

/// The host checkout's view of a branch, for [`Sandbox::export_branch`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostBranch {
    /// The branch's tip, when the host has the branch.
    pub tip: Option<String>,
    /// The tips of the host's `origin/*` branches, without repeats.
    pub remote_tips: Vec<String>,
    /// Where the branch is checked out (the host checkout itself or one of its worktrees),
    /// if it is: moving it would move a working tree's `HEAD` under its files.
    pub checked_out: Option<PathBuf>,
}

/// What [`HostCheckouts::import_branch`] is to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchImport {
    /// The branch.
    pub branch: BranchName,
    /// The bundle holding the commits the host lacks; `None` when it has them all.
    pub bundle: Option<PathBuf>,
    /// The commit the branch is to point at.
    pub tip: String,
    /// Where the host's branch points now (`None`: it does not exist); it is moved only
    /// from there, and only forward.
    pub old: Option<String>,
}

/// What [`HostCheckouts::import_branch`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Where the branch pointed before (`None`: it is new).
    pub old: Option<String>,
    /// Where it points now.
    pub new: String,
    /// The commits that arrived on it: `old..new`, or for a new branch its commits on no
    /// remote-tracking branch.
    pub commits: usize,
}

/// Whether a branch of the host checkout has anything to publish to a remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushStanding {
    /// It has commits the remote's branch lacks (or the remote cannot be told to hold
    /// them): `git push` decides.
    Ahead,
    /// The remote's branch holds the tip already.
    AlreadyThere {
        /// The remote's tip of the branch.
        remote_tip: String,
    },
    /// The remote has no such branch, and the tip is in its default branch: the branch
    /// has no commits of its own.
    NothingBeyondDefault {
        /// The remote's default branch.
        default_branch: String,
    },
}

/// What [`Sandbox::sync_remote`] did to a workspace's view of `origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncReport {
    /// The workspace shares the host checkout's refs (a worktree): fetching into the host
    /// checkout was all.
    Shared,
    /// The workspace's `refs/remotes/origin/*` were set to the host checkout's.
    Synced {
        /// Each ref that changed, by name order.
        changes: Vec<RefChange>,
        /// Refs that could not be carried (a name that is not UTF-8), for people.
        skipped: Vec<String>,
    },
}

/// One ref that [`Sandbox::sync_remote`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefChange {
    /// Its name without `refs/remotes/`: `origin/main`.
    pub name: String,
    /// Where it pointed (`None`: added).
    pub old: Option<String>,
    /// Where it points now (`None`: removed).
    pub new: Option<String>,
}
