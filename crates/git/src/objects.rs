//! Reads of refs and files at a commit done in process, through `gix`, so that a command
//! that only looks (does a ref exist, what does `.skipper.toml` hold at the start commit)
//! starts no git process. Each says when it cannot tell that way (`None`, or
//! [`FileRead::AskGit`]: the repository does not open, a revision it does not parse, a path
//! that is no file): the caller then asks git, which answers, or fails, in git's own words.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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

/// The repository whose working tree (or git directory) is `root`, opened once per thread
/// and handed out as a handle of its own each time: one command reads the same repository
/// several times (its default branch, a branch's presence, files at a commit, its
/// worktrees), and each open would read its configuration files and look for its packs
/// again. Refs and loose objects are read from disk at each lookup and packs written since
/// (by a fetch) are found on a miss, so a handle stays right across the git commands a
/// command runs. The open is made again when `root/.git` or the repository's `config` is
/// not the file it was (a long-running `sk mcp` sees a re-cloned repository or an edited
/// configuration); a `.git` directory's modification time is no sign of that, since every
/// git command that takes a lock in it (a fetch's `FETCH_HEAD`, a `worktree add`) changes
/// it.
pub(crate) fn open(root: &Path) -> Option<gix::Repository> {
    thread_local! {
        // Per thread: without gix's `parallel` feature its handles are not `Send`.
        static OPENED: RefCell<HashMap<PathBuf, Opened>> = RefCell::default();
    }
    OPENED.with(|opened| {
        if let Some(cached) = opened.borrow().get(root)
            && cached.stamp == Stamp::of(root, &cached.config)
        {
            return Some(cached.repo.to_thread_local());
        }
        let repo = gix::ThreadSafeRepository::open(root).ok()?;
        let handle = repo.to_thread_local();
        let config = handle.common_dir().join("config");
        let stamp = Stamp::of(root, &config);
        opened.borrow_mut().insert(
            root.to_owned(),
            Opened {
                repo,
                config,
                stamp,
            },
        );
        Some(handle)
    })
}

/// A repository [`open`] keeps, with what tells whether it is still the one on disk.
struct Opened {
    repo: gix::ThreadSafeRepository,
    config: PathBuf,
    stamp: Stamp,
}

/// The identity of a checkout's `.git` (and its modification time when it is a file, a
/// linked worktree's pointer to its git directory) and the size and modification time of
/// its repository's `config`: what changes when it is cloned again or configured.
#[derive(Debug, PartialEq, Eq)]
struct Stamp(
    Option<(u64, u64, Option<std::time::SystemTime>)>,
    Option<(u64, std::time::SystemTime)>,
);

impl Stamp {
    fn of(root: &Path, config: &Path) -> Self {
        use std::os::unix::fs::MetadataExt;
        let dot_git = fs_err::symlink_metadata(root.join(".git"))
            .ok()
            .and_then(|meta| {
                let written = if meta.is_dir() {
                    None
                } else {
                    Some(meta.modified().ok()?)
                };
                Some((meta.dev(), meta.ino(), written))
            });
        let config = fs_err::metadata(config)
            .ok()
            .and_then(|meta| Some((meta.len(), meta.modified().ok()?)));
        Self(dot_git, config)
    }
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
