//! What a workspace's repository looks like at one moment: what `move` compares between the
//! workspace it leaves and the one it makes.

/// A repository's `HEAD`, stash and status, as git reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkState {
    /// `HEAD`'s commit; `None` while its branch is unborn.
    pub head: Option<String>,
    /// The ref `HEAD` is on, in full (`refs/heads/feat/x`); `None` when detached.
    pub on: Option<String>,
    /// The stash entries' commits, newest first.
    pub stash: Vec<String>,
    /// `git status --porcelain=v1 -z --untracked-files=all`, byte for byte.
    pub status: Vec<u8>,
}
