//! Work saved by `remove --force`, kept under the data root until the user drops it.

use std::fmt;
use std::path::PathBuf;

use super::{BranchName, InvalidName, RepositoryId, SandboxKind};

/// The name of one save: short, unique under the data root, and typed by the user for
/// `sk workspace restore --saved` and `sk workspace saved drop`. Lowercase letters and
/// digits only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SaveId(String);

impl SaveId {
    /// Validates `id`: 4 to 32 lowercase ASCII letters and digits.
    ///
    /// # Errors
    /// [`InvalidName`] when `id` is not such a name.
    pub fn new(id: &str) -> Result<Self, InvalidName> {
        let valid = (4..=32).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if valid {
            Ok(Self(id.to_owned()))
        } else {
            Err(InvalidName::new(
                "save id",
                id,
                "a save id is 4 to 32 lowercase letters and digits, as `sk workspace saved` lists them",
            ))
        }
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SaveId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A ref the save recorded, with the object it pointed at. The save's bundle holds every
/// object the remote lacks; the rest is on the remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedRef {
    /// The ref in full (`refs/heads/x`, `refs/tags/v1`, `refs/notes/commits`, or one of
    /// [`SavedWork`]'s own refs).
    pub name: String,
    /// The object's id (hex).
    pub oid: String,
}

/// What a sandbox saved of a workspace: the refs that restore it and counts for people.
///
/// The refs follow one convention on every sandbox, so a save made in one sandbox restores
/// in another: see [`SavedContents::head`], [`SavedContents::index`],
/// [`SavedContents::worktree`] and [`SavedContents::stash`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedContents {
    /// Where `HEAD` was; `None` in a repository without commits.
    pub head: Option<SavedHead>,
    /// A commit whose tree is the index (what was staged); parent `HEAD`.
    pub index: Option<String>,
    /// A commit whose tree is the working tree, untracked files included and ignored ones
    /// not; parent `HEAD`. `None` when the working tree was clean.
    pub worktree: Option<String>,
    /// The stash entries, newest first.
    pub stash: Vec<String>,
    /// Every other ref saved: branches, tags, notes, anything else with work.
    pub refs: Vec<SavedRef>,
    /// Repositories inside the working tree, saved each in a bundle of their own.
    pub nested: Vec<SavedNested>,
    /// Commits saved that no remote branch holds.
    pub commits: usize,
    /// Tracked files with changes.
    pub modified: usize,
    /// Untracked files.
    pub untracked: usize,
    /// What could not be saved, for people (a nested repository without commits whose
    /// files are kept in the working-tree commit instead, say). Empty when all was saved.
    pub unsaved: Vec<String>,
    /// The agents' conversations kept with the work, which `restore` puts back so that
    /// the next `prompt` continues them. Only a workspace's own save has any.
    pub conversations: Vec<SavedConversation>,
}

/// An agent's conversation kept with saved work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedConversation {
    /// The agent (its record's name in the workspace).
    pub agent: String,
    /// Its conversation's id; empty for an agent that continues the last conversation of
    /// its directory.
    pub session: String,
    /// Whether the agent's own export of the conversation is in the save (read with
    /// [`SaveStore::transcript`](crate::ports::SaveStore::transcript)), so that it can be
    /// imported wherever the workspace is made again. Without one, the conversation lives
    /// on only where the agent keeps its files outside the workspace.
    pub transcript: bool,
}

impl SavedContents {
    /// Whether anything in it is git's to put back: a `HEAD`, a tree, a ref, a stash
    /// entry or a nested repository. A save of files git could not read (an archive kept
    /// beside it, said in [`SavedContents::unsaved`]) holds none.
    #[must_use]
    pub fn restorable(&self) -> bool {
        self.head.is_some()
            || self.index.is_some()
            || self.worktree.is_some()
            || !self.refs.is_empty()
            || !self.stash.is_empty()
            || !self.nested.is_empty()
    }
}

/// Where `HEAD` was when the work was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedHead {
    /// The branch it was on (without `refs/heads/`), `None` when detached.
    pub branch: Option<String>,
    /// The commit.
    pub oid: String,
}

/// A repository inside the working tree, saved with the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedNested {
    /// Its directory, relative to the workspace.
    pub path: String,
    /// Whether it is a submodule of the workspace's repository.
    pub submodule: bool,
    /// The bundle's file name in the save's directory.
    pub bundle: String,
    /// What was saved of it.
    pub contents: SavedContents,
    /// Its remotes, put back with it (a submodule's come from the superproject).
    pub remotes: Vec<SavedRemote>,
}

/// A remote of a saved nested repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedRemote {
    /// Its name (`origin`).
    pub name: String,
    /// Its URL, as configured.
    pub url: String,
}

/// One save, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedWork {
    /// Its id.
    pub id: SaveId,
    /// The repository it was saved from.
    pub repository: RepositoryId,
    /// The workspace's branch.
    pub branch: BranchName,
    /// The sandbox it was saved from.
    pub sandbox: SandboxKind,
    /// When, in seconds since the Unix epoch.
    pub saved_at: u64,
    /// Its directory under the data root.
    pub dir: PathBuf,
    /// The bundle holding the objects the remote lacks, or `None` when the remote has
    /// them all (a tag on a pushed commit, say).
    pub bundle: Option<PathBuf>,
    /// Bytes on disk.
    pub size: u64,
    /// What it holds.
    pub contents: SavedContents,
}

/// A place made for one save, which no other save can take: the sandbox writes its
/// bundles into [`SaveSlot::dir`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveSlot {
    /// The save's id.
    pub id: SaveId,
    /// An empty directory that belongs to this save alone.
    pub dir: PathBuf,
}

impl SaveSlot {
    /// The file name of the workspace's bundle in [`SaveSlot::dir`].
    pub const BUNDLE: &'static str = "work.bundle";

    /// Where the sandbox writes the workspace's bundle.
    #[must_use]
    pub fn bundle(&self) -> PathBuf {
        self.dir.join(Self::BUNDLE)
    }

    /// The prefix of the save's own refs (`refs/skipper/saved/<id>/`) in the repository
    /// that was saved: `head`, `index`, `worktree` and `stash/<n>` below it.
    #[must_use]
    pub fn ref_prefix(&self) -> String {
        format!("refs/skipper/saved/{}/", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_ids_are_short_lowercase_words() {
        assert!(SaveId::new("k3x9a2bq").is_ok());
        for bad in [
            "",
            "abc",
            "ABCD1234",
            "ab/cd",
            "a b c d",
            "../../x",
            &"a".repeat(33),
        ] {
            assert!(SaveId::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_slot_names_its_bundle_and_refs() {
        let slot = SaveSlot {
            id: SaveId::new("k3x9a2bq").unwrap(),
            dir: PathBuf::from("/data/saved/x/k3x9a2bq"),
        };
        assert_eq!(
            slot.bundle(),
            PathBuf::from("/data/saved/x/k3x9a2bq/work.bundle")
        );
        assert_eq!(slot.ref_prefix(), "refs/skipper/saved/k3x9a2bq/");
    }
}
