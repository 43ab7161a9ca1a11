/// A branch with commits that no remote branch contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpushedBranch {
    /// The branch's name (without `refs/heads/`), as git spells it: any name git accepts,
    /// shown as it is and never parsed further.
    pub branch: String,
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
    /// Git notes (`refs/notes/...`) the remote does not have.
    Notes {
        /// The notes ref, in full.
        reference: String,
    },
    /// Any other ref holding commits on no remote branch (`refs/worktree/...`, a ref a
    /// tool wrote), named in full.
    Other {
        /// The ref, in full.
        reference: String,
    },
    /// Something the gate could not read (a line of git's output it could not parse, a
    /// ref name that is not UTF-8). The gate refuses rather than guess.
    Unreadable {
        /// What could not be read, for people.
        detail: String,
    },
}

/// A repository inside the workspace's working tree: a submodule, or a repository made
/// with `git init` (or cloned) in a subdirectory. Its own commits and changes are work the
/// workspace's status reports only as one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestedWork {
    /// Its directory, relative to the workspace.
    pub path: String,
    /// Whether the workspace's repository knows it as a submodule.
    pub submodule: bool,
    /// Its own work at risk.
    pub risk: AtRisk,
}

/// Ignored files (by `.gitignore`), which the gate leaves alone by design and removal
/// deletes: the top-level ignored paths and how much they hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ignored {
    /// The top-level ignored paths (a directory once, not each file in it), relative to
    /// the workspace.
    pub paths: Vec<String>,
    /// Their total size in bytes.
    pub bytes: u64,
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
    /// Other refs with work on no remote branch: the stash, a detached HEAD, new tags,
    /// notes, anything else.
    pub other_refs: Vec<UnpushedRef>,
    /// Repositories inside the working tree that hold work of their own.
    pub nested: Vec<NestedWork>,
    /// Ignored files removal deletes. Not work at risk: [`AtRisk::is_empty`] leaves them
    /// out; `remove` says what they are.
    pub ignored: Ignored,
}

impl AtRisk {
    /// Whether nothing would be lost (ignored files aside).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.modified.is_empty()
            && self.untracked.is_empty()
            && self.unpushed.is_empty()
            && self.other_refs.is_empty()
            && self.nested.iter().all(|nested| nested.risk.is_empty())
    }
}
