//! What `sk doctor` finds and `sk gc` cleans: one inconsistency each, with the command
//! that fixes it.

use std::fmt;

/// What kind of inconsistency a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// A workspace an interrupted `create` left half made.
    HalfMadeWorkspace,
    /// A worktree git holds locked (an interrupted `git worktree add` leaves
    /// `initializing`).
    LockedWorktree,
    /// A worktree git knows whose directory is gone.
    OrphanedWorktree,
    /// A directory in skipper's worktree area that git no longer knows (its `.git` file
    /// was deleted): the files may be the user's.
    ForgottenWorktree,
    /// A removal that began and did not finish.
    InterruptedRemoval,
    /// A save that was reserved and never finished.
    IncompleteSave,
    /// What an interrupted clone left in the staging area.
    InterruptedClone,
    /// The scratch directory of an interrupted command that moves files between a
    /// workspace and the host (a bundle, a diff).
    LeftoverScratch,
    /// A workspace directory moved aside by a removal that did not finish deleting it.
    Trash,
    /// A lock held by a running `sk` (information: locks die with their process).
    HeldLock,
    /// A container a snapshot build left behind.
    OrphanSnapshotBuilder,
    /// An image of skipper's without a tag.
    UntaggedImage,
    /// An image of skipper's no workspace uses any more (an old Dockerfile's, an old
    /// snapshot).
    StaleImage,
    /// A container of a repository that is no longer cloned.
    OrphanContainer,
    /// A data root's egress proxy when no `allow` workspace is left (or one an older `sk`
    /// made for a workspace that is gone).
    OrphanEgressProxy,
    /// The rule of an `allow` workspace that is gone, in its data root's egress proxy.
    OrphanEgressRule,
    /// The internal network of `allow` workspaces when none is left.
    UnusedEgressNetwork,
    /// The volume of the egress proxy's rules when no `allow` workspace is left.
    UnusedEgressRules,
}

impl FindingKind {
    /// The kind's name, as `--json` prints it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HalfMadeWorkspace => "half-made-workspace",
            Self::LockedWorktree => "locked-worktree",
            Self::OrphanedWorktree => "orphaned-worktree",
            Self::ForgottenWorktree => "forgotten-worktree",
            Self::InterruptedRemoval => "interrupted-removal",
            Self::IncompleteSave => "incomplete-save",
            Self::InterruptedClone => "interrupted-clone",
            Self::LeftoverScratch => "leftover-scratch",
            Self::Trash => "trash",
            Self::HeldLock => "held-lock",
            Self::OrphanSnapshotBuilder => "orphan-snapshot-builder",
            Self::UntaggedImage => "untagged-image",
            Self::StaleImage => "stale-image",
            Self::OrphanContainer => "orphan-container",
            Self::OrphanEgressProxy => "orphan-egress-proxy",
            Self::OrphanEgressRule => "orphan-egress-rule",
            Self::UnusedEgressNetwork => "unused-egress-network",
            Self::UnusedEgressRules => "unused-egress-rules",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One inconsistency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What kind.
    pub kind: FindingKind,
    /// What it is about: a path, a container or image name, a workspace.
    pub subject: String,
    /// What is wrong, for people.
    pub detail: String,
    /// The command that fixes it.
    pub fix: String,
    /// Whether `sk gc` removes it: only what holds nothing of the user's and nothing
    /// running uses.
    pub collectable: bool,
    /// The space it takes, when known.
    pub bytes: Option<u64>,
    /// What the housekeeper that found it needs to clean it (a path, an id); opaque.
    pub handle: String,
}
