use std::path::PathBuf;

use super::BranchName;

/// A branch with commits that no remote branch contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpushedBranch {
    /// The branch.
    pub branch: BranchName,
    /// How many of its commits are on no remote branch.
    pub commits: usize,
}

/// A ref other than a branch that holds work nothing else keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnpushedRef {
    /// The workspace's own stash.
    Stash {
        /// How many entries it holds.
        entries: usize,
    },
    /// A detached `HEAD` with commits on no branch, tag or remote branch.
    DetachedHead {
        /// How many such commits.
        commits: usize,
    },
    /// A tag the host checkout does not have.
    Tag {
        /// The tag's name.
        name: String,
    },
}

/// Work in a workspace that removing it would lose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AtRisk {
    /// Tracked files with changes (staged or not), as paths relative to the workspace.
    pub modified: Vec<String>,
    /// Untracked files (ignored ones excluded).
    pub untracked: Vec<String>,
    /// Branches with commits on no remote branch.
    pub unpushed: Vec<UnpushedBranch>,
    /// Other refs with work on no remote branch: the stash, a detached HEAD, new tags.
    pub other_refs: Vec<UnpushedRef>,
}

impl AtRisk {
    /// Whether nothing would be lost.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.modified.is_empty()
            && self.untracked.is_empty()
            && self.unpushed.is_empty()
            && self.other_refs.is_empty()
    }
}

/// Where work at risk was saved before a forced removal, and how to get it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preserved {
    /// The file or repository holding the saved work.
    pub saved_to: PathBuf,
    /// What was saved there, one line each.
    pub contents: Vec<String>,
    /// A command that restores it.
    pub restore_hint: String,
}
