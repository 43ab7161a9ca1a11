//! Removing a worktree as close to atomically as a directory tree allows: one rename moves
//! it into the data root's trash (see [`skipper_git::Layout::trash`]), then git forgets it
//! and the trash copy is deleted. A crash leaves either the whole worktree in place or no
//! workspace at all (a record git forgets on the next removal or create, and a directory in
//! the trash that anyone may delete).

use std::path::{Path, PathBuf};

use skipper_core::fault_point;
use skipper_git::Git;
use skipper_git::worktree_list::WorktreeEntry;

use crate::operation::Failure;
use crate::sandbox::WorktreeSandbox;

impl WorktreeSandbox {
    /// Removes the worktree directory `path` of the host checkout `checkout`, whose git
    /// record (if any) is `entry`: renamed into the trash, unlocked and pruned, then
    /// deleted from the trash. Any lock (git's, skipper's, the user's) goes with it: the
    /// caller has decided it goes.
    pub(crate) fn remove_tree(
        &self,
        checkout: &Path,
        path: &Path,
        entry: Option<&WorktreeEntry>,
    ) -> Result<(), Failure> {
        let trash = self.layout.trash();
        fs_err::create_dir_all(&trash)?;
        let moved = trash.join(trash_name());
        let in_trash = match fs_err::rename(path, &moved) {
            Ok(()) => Some(moved),
            // The worktrees directory is on another filesystem than the data root: no
            // atomic move, so delete it where it is.
            Err(err) if err.kind() == std::io::ErrorKind::CrossesDevices => {
                delete_tree(path)?;
                None
            }
            Err(err) => return Err(err.into()),
        };
        fault_point("worktree.destroy.after-move");
        if let Some(entry) = entry {
            forget(checkout, entry)?;
        }
        fault_point("worktree.destroy.after-prune");
        if let Some(in_trash) = in_trash
            && let Err(err) = delete_tree(&in_trash)
        {
            // The workspace is gone all the same; what is left is trash.
            self.progress.step(&format!(
                "Could not delete {} ({err}); it is in skipper's trash directory, which may be deleted at any time",
                in_trash.display()
            ));
        }
        Ok(())
    }
}

/// Makes git forget the worktree `entry` whose directory is gone: unlocked (git never
/// prunes a locked worktree), then pruned.
pub(crate) fn forget(checkout: &Path, entry: &WorktreeEntry) -> Result<(), Failure> {
    let git = Git::in_dir(checkout);
    if entry.locked.is_some() {
        let path = entry.path.to_string_lossy();
        git.run(["worktree", "unlock", path.as_ref()])?;
    }
    git.run(["worktree", "prune"])?;
    Ok(())
}

/// A name in the trash no other removal uses: this process, the time, and a counter.
fn trash_name() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    format!(
        "worktree-{}-{nanos:x}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Deletes the tree at `path`, making its directories writable first if a read-only one
/// (a Go module cache, say) stops the deletion.
fn delete_tree(path: &Path) -> std::io::Result<()> {
    match fs_err::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => {
            make_writable(path.to_path_buf());
            fs_err::remove_dir_all(path)
        }
        Err(err) => Err(err),
    }
}

/// Gives the owner write and search permission on every directory under `dir` (symbolic
/// links are not followed). Best effort.
fn make_writable(dir: PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let mut pending = vec![dir];
    while let Some(dir) = pending.pop() {
        let Ok(meta) = fs_err::symlink_metadata(&dir) else {
            continue;
        };
        if !meta.is_dir() {
            continue;
        }
        let mode = meta.permissions().mode();
        let _ = fs_err::set_permissions(&dir, std::fs::Permissions::from_mode(mode | 0o700));
        if let Ok(entries) = fs_err::read_dir(&dir) {
            pending.extend(entries.filter_map(Result::ok).map(|entry| entry.path()));
        }
    }
}
