//! Reads of refs and files at a commit done in process, through `gix`, so that a command
//! that only looks (does a ref exist, what does `.skipper.toml` hold at the start commit)
//! starts no git process. Each says when it cannot tell that way (`None`, or
//! [`FileRead::AskGit`]: the repository does not open, a revision it does not parse, a path
//! that is no file): the caller then asks git, which answers, or fails, in git's own words.

use std::path::Path;

use gix::bstr::ByteSlice;
use gix::hash::ObjectId;

/// What reading a file at a commit in process found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRead {
    /// The file's bytes.
    Found(Vec<u8>),
    /// The commit has no such path.
    Absent,
    /// It cannot be told without git (see the module's documentation).
    AskGit,
}

impl FileRead {
    /// The file's bytes, `Some(None)` when absent, `None` when git must be asked.
    #[must_use]
    #[allow(
        clippy::option_option,
        reason = "absent and unknown are both answers here"
    )]
    pub fn known(self) -> Option<Option<Vec<u8>>> {
        match self {
            Self::Found(bytes) => Some(Some(bytes)),
            Self::Absent => Some(None),
            Self::AskGit => None,
        }
    }
}

/// The file at `path` in the commit `revision` names, in the repository at `root` (a
/// working tree, a linked worktree's included), read in process.
#[must_use]
pub fn file_in(root: &Path, revision: &str, path: &str) -> FileRead {
    open(root).map_or(FileRead::AskGit, |repo| file_at(&repo, revision, path))
}

/// The repository whose working tree (or git directory) is `root`.
pub(crate) fn open(root: &Path) -> Option<gix::Repository> {
    gix::open(root).ok()
}

/// Whether the full ref `name` (`refs/heads/x`) exists.
pub(crate) fn ref_exists(repo: &gix::Repository, name: &str) -> Option<bool> {
    repo.try_find_reference(name)
        .ok()
        .map(|found| found.is_some())
}

/// The file at `path` in the commit `revision` names (`HEAD`, a full ref or a full
/// object id).
pub(crate) fn file_at(repo: &gix::Repository, revision: &str, path: &str) -> FileRead {
    read_at(repo, revision, path).unwrap_or(FileRead::AskGit)
}

fn read_at(repo: &gix::Repository, revision: &str, path: &str) -> Option<FileRead> {
    let commit = commit_of(repo, revision)?;
    let tree = repo
        .find_object(commit)
        .ok()?
        .peel_to_commit()
        .ok()?
        .tree()
        .ok()?;
    let Some(entry) = tree.lookup_entry_by_path(path).ok()? else {
        return Some(FileRead::Absent);
    };
    if !entry.mode().is_blob_or_symlink() {
        return None;
    }
    Some(FileRead::Found(entry.object().ok()?.detach().data))
}

/// The object `revision` names: `HEAD`, a full ref, or a full object id.
fn commit_of(repo: &gix::Repository, revision: &str) -> Option<ObjectId> {
    if revision == "HEAD" {
        return repo.head_id().ok().map(gix::Id::detach);
    }
    if revision.len() == 40
        && revision.bytes().all(|b| b.is_ascii_hexdigit())
        && let Ok(id) = ObjectId::from_hex(revision.as_bytes())
    {
        return Some(id);
    }
    if !revision.starts_with("refs/") || revision.as_bytes().find_byteset(b"^~:@{").is_some() {
        return None;
    }
    let mut reference = repo.try_find_reference(revision).ok()??;
    reference.peel_to_id().ok().map(gix::Id::detach)
}

// Tested against git in `tests/objects.rs`.
