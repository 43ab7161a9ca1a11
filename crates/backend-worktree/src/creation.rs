//! Making a branch's worktree in steps a crash can be told apart after: the worktree is
//! added locked as being created and without a checkout, then checked out, then unlocked.
//! A worktree still locked so was left half made (see [`crate::registry::Condition`]),
//! whatever step `sk` died in, and the next `create` makes it again.

use std::path::Path;
use std::process::Stdio;

use skipper_core::{BranchName, BranchStart, CheckoutError, CreateRequest, ErrorKind, fault_point};
use skipper_git::Git;
use skipper_git::worktree_list::WorktreeEntry;

use crate::operation::{Attempt, During};
use crate::registry::CREATING_REASON;
use crate::sandbox::WorktreeSandbox;

impl WorktreeSandbox {
    /// Adds the worktree of `request` at `path`: `git worktree add --no-checkout --lock`,
    /// `git reset --hard` in it, its ports remembered in its own config, then `git
    /// worktree unlock`.
    pub(crate) fn add_worktree(
        &self,
        request: &CreateRequest,
        path: &Path,
        fail: &Attempt<'_>,
    ) -> Result<(), skipper_core::SandboxError> {
        if let Some(begun) = self.begun.take() {
            if begun.is_for(request, path) {
                // Begun while the fetch ran, from the default branch as it was before it:
                // checked out at the fetched commit, which moves the branch there.
                return self.finish_worktree(request, path, Some(&request.start_point()), fail);
            }
            self.clear_begun(&begun);
        }
        let git = Git::in_dir(&request.checkout.path);
        let entries = Self::all_worktrees(&request.checkout.path).during(fail)?;
        forget_stale(&git, &entries, &request.branch, path).during(fail)?;
        if request.start == BranchStart::Existing
            && let Some(holder) = entries.iter().find(|entry| {
                entry.branch.as_deref() == Some(request.branch.as_str()) && entry.path.exists()
            })
        {
            let reason = if holder.path == request.checkout.path {
                format!(
                    "branch `{}` is checked out in the host checkout, which is the main workspace: use it by leaving out --branch",
                    request.branch
                )
            } else {
                format!(
                    "branch `{}` is already checked out in {}",
                    request.branch,
                    holder.path.display()
                )
            };
            return Err(fail.error(ErrorKind::Conflict, reason));
        }
        git.run(add_args(
            &request.start,
            &request.branch,
            &request.default_branch,
            path,
        ))
        .during(fail)?;
        fault_point("worktree.create.after-add");
        self.finish_worktree(request, path, None, fail)
    }

    /// Finishes the worktree of `request` added at `path`: checked out (at `at`, a commit
    /// its branch is moved to, or else at its `HEAD`), its ports remembered, unlocked.
    fn finish_worktree(
        &self,
        request: &CreateRequest,
        path: &Path,
        at: Option<&str>,
        fail: &Attempt<'_>,
    ) -> Result<(), skipper_core::SandboxError> {
        let git = Git::in_dir(&request.checkout.path);
        let checked_out =
            check_out(path, at).and_then(|()| crate::ports::remember(path, &request.ports));
        if let Err(err) = checked_out {
            // Leave nothing half made behind when it can be helped; if this fails too, the
            // worktree stays locked as being created and the next `create` clears it.
            let checkout = &request.checkout.path;
            if let Ok(entry) = Self::entry_at(checkout, path) {
                let _ = self.remove_tree(checkout, path, entry.as_ref());
            }
            return Err(err).during(fail);
        }
        fault_point("worktree.create.after-checkout");
        unlock(&git, path).during(fail)?;
        Ok(())
    }
}

/// Unlocks the worktree at `path`: deletes the `locked` file in its git dir, as `git
/// worktree unlock` does, without a git process; asks git when the git dir is not found
/// that way.
fn unlock(git: &Git, path: &Path) -> Result<(), CheckoutError> {
    if let Some(dir) = crate::ports::git_dir(path)
        && fs_err::remove_file(dir.join("locked")).is_ok()
    {
        return Ok(());
    }
    let path_arg = path.to_string_lossy();
    git.run(["worktree", "unlock", path_arg.as_ref()])?;
    Ok(())
}

/// The `git worktree add` arguments for `branch`'s worktree at `path`, started as `start`
/// says (from `default_branch` for a new branch): no checkout, locked with
/// [`CREATING_REASON`].
pub(crate) fn add_args(
    start: &BranchStart,
    branch: &BranchName,
    default_branch: &BranchName,
    path: &Path,
) -> Vec<String> {
    let path_arg = path.to_string_lossy().into_owned();
    let branch = branch.as_str().to_owned();
    let mut args: Vec<String> = [
        "worktree",
        "add",
        "--quiet",
        "--no-checkout",
        "--lock",
        "--reason",
        CREATING_REASON,
    ]
    .map(str::to_owned)
    .to_vec();
    match start {
        BranchStart::Existing => args.extend([path_arg, branch]),
        BranchStart::TrackRemote => args.extend([
            "--track".to_owned(),
            "-b".to_owned(),
            branch.clone(),
            path_arg,
            format!("refs/remotes/origin/{branch}"),
        ]),
        BranchStart::NewFromDefault => args.extend([
            "--no-track".to_owned(),
            "-b".to_owned(),
            branch,
            path_arg,
            format!("refs/remotes/origin/{default_branch}"),
        ]),
    }
    args
}

/// Fills the index and working tree of the worktree at `path` from its `HEAD`, as `git
/// worktree add` itself does (`git reset --hard`), or from `at`, where its branch is moved.
fn check_out(path: &Path, at: Option<&str>) -> Result<(), CheckoutError> {
    let mut command =
        Git::in_dir(path).command(["reset", "--hard", "--quiet"].into_iter().chain(at));
    command.stdout(Stdio::null()).stderr(Stdio::piped());
    let child = command
        .spawn()
        .map_err(|err| CheckoutError::GitUnavailable(err.to_string()))?;
    // With SK_FAULT_MODE=kill-group, git dies here too, part way through the checkout.
    fault_point("worktree.create.during-checkout");
    let output = child
        .wait_with_output()
        .map_err(|err| CheckoutError::GitUnavailable(err.to_string()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(CheckoutError::Git {
            command: "reset --hard --quiet".to_owned(),
            path: path.to_path_buf(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

/// Forgets what git still records of worktrees whose directory is gone (deleted, or
/// renamed into the trash by a removal that was interrupted) when they stand in the way
/// of this one: at its path, or holding its branch. Only then is `git worktree prune` run
/// (unlocking them first: git never prunes a locked worktree), so the records of other
/// broken worktrees, which `git worktree repair` needs, are kept otherwise.
pub(crate) fn forget_stale(
    git: &Git<'_>,
    entries: &[WorktreeEntry],
    branch: &BranchName,
    path: &Path,
) -> Result<(), CheckoutError> {
    let in_the_way: Vec<&WorktreeEntry> = entries
        .iter()
        .filter(|entry| !entry.path.exists())
        .filter(|entry| entry.path == path || entry.branch.as_deref() == Some(branch.as_str()))
        .collect();
    if in_the_way.is_empty() {
        return Ok(());
    }
    for entry in &in_the_way {
        if entry.locked.is_some() {
            let stale = entry.path.to_string_lossy();
            git.run(["worktree", "unlock", stale.as_ref()])?;
        }
    }
    git.run(["worktree", "prune"])?;
    Ok(())
}
