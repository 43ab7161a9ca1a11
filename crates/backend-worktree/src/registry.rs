//! [`WorktreeSandbox`] as the core's [`WorkspaceRegistry`] port, and what state a
//! worktree is in. Git's worktree list and the directories under skipper's worktree
//! directory are the source of truth, read each time.

use std::path::{Path, PathBuf};

use skipper_core::{
    BranchName, Checkout, CheckoutError, Operation, SandboxError, SandboxKind, Workspace,
    WorkspaceRef, WorkspaceRegistry, WorkspaceTarget,
};
use skipper_git::worktree_list::{self, WorktreeEntry};

use crate::operation::{During, failed};
use crate::sandbox::WorktreeSandbox;

/// The lock reason `create` gives a worktree while it makes it: a worktree still locked
/// with it was left half made by a `create` that did not finish.
pub(crate) const CREATING_REASON: &str = "skipper: being created";

/// The reason git itself writes while `git worktree add` runs (older skipper let git
/// lock it so): a worktree still locked with it was left by an interrupted add.
const GIT_INITIALIZING_REASON: &str = "initializing";

/// What state a worktree workspace is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Condition {
    /// A worktree git knows, finished: a workspace like any other.
    Ready,
    /// Left by an interrupted `create`: still locked as being created, or an empty
    /// directory git has no worktree for. Nothing in it is the user's.
    HalfMade,
    /// A directory holding files that git does not know as a worktree (its `.git` file was
    /// deleted or damaged): its files are the user's. Says what is wrong.
    Broken(String),
}

/// The state of the workspace at `path`, from git's `entry` for it (if any) and the
/// directory itself; `None` when there is no workspace there.
pub(crate) fn condition(entry: Option<&WorktreeEntry>, path: &Path) -> Option<Condition> {
    if !path.is_dir() {
        // Deleted (or renamed into the trash by a removal): whatever record git keeps of
        // it is no workspace.
        return None;
    }
    match entry {
        Some(entry) if !entry.prunable => Some(match entry.locked.as_deref() {
            Some(CREATING_REASON | GIT_INITIALIZING_REASON) => Condition::HalfMade,
            _ => Condition::Ready,
        }),
        known => {
            let empty = fs_err::read_dir(path).is_ok_and(|mut entries| entries.next().is_none());
            if empty {
                // `git worktree add` made the directory and died before anything else.
                return Some(Condition::HalfMade);
            }
            let record = if known.is_some() {
                "git still has its record, so `git worktree repair` can reconnect it"
            } else {
                "git has no record of it any more"
            };
            Some(Condition::Broken(format!(
                "its directory {} holds files, but its `.git` file is missing or damaged, so it is no git worktree ({record})",
                path.display()
            )))
        }
    }
}

impl WorktreeSandbox {
    /// Every worktree git knows for `checkout` (the main one and other places included).
    pub(crate) fn all_worktrees(checkout: &Path) -> Result<Vec<WorktreeEntry>, CheckoutError> {
        worktree_list::list(checkout)
    }

    /// Git's entry for the worktree directory `path` of `repository`'s checkout, if any.
    pub(crate) fn entry_at(
        checkout: &Path,
        path: &Path,
    ) -> Result<Option<WorktreeEntry>, CheckoutError> {
        let name = path.file_name();
        let parent = path.parent();
        Ok(Self::all_worktrees(checkout)?.into_iter().find(|entry| {
            entry.path == path || (entry.path.file_name() == name && entry.path.parent() == parent)
        }))
    }

    /// The workspace of `reference` at `path` in its `condition`.
    fn found(reference: WorkspaceRef, path: PathBuf, condition: &Condition) -> Workspace {
        let ports = match condition {
            Condition::Ready => crate::ports::remembered(&path),
            Condition::HalfMade | Condition::Broken(_) => Vec::new(),
        };
        let mut workspace = Self::workspace(reference, path);
        workspace.ports = ports;
        match condition {
            Condition::Ready => {}
            Condition::HalfMade => workspace.half_made = true,
            Condition::Broken(detail) => workspace.broken = Some(detail.clone()),
        }
        workspace
    }
}

/// Fills in what the dirty gate finds in each ready workspace, a few at a time: each look
/// is a few git processes, mostly waiting on the disk.
fn look_at_risk(workspaces: &mut [Workspace]) {
    let ready: Vec<&mut Workspace> = workspaces
        .iter_mut()
        .filter(|workspace| !workspace.half_made && workspace.broken.is_none())
        .collect();
    // One per core: with the files in the page cache (a list in a loop), a proof is system
    // calls that never wait, and twice the cores on 2 took a tenth longer (20 worktrees:
    // 22.2 against 20.2 ms) from the threads competing for them.
    let workers = std::thread::available_parallelism()
        .map_or(2, std::num::NonZeroUsize::get)
        .clamp(2, 16);
    let per_worker = ready.len().div_ceil(workers).max(1);
    let mut ready = ready;
    std::thread::scope(|scope| {
        for chunk in ready.chunks_mut(per_worker) {
            scope.spawn(move || {
                for workspace in chunk {
                    workspace.risk = crate::preserve::listed_risk(workspace);
                }
            });
        }
    });
}

/// The host checkout holds every branch of the repository, its worktrees' included; the
/// commits of a worktree workspace's branch are shown on that workspace's row, not again
/// on the host checkout's.
fn leave_worktree_branches_to_their_rows(workspaces: &mut [Workspace]) {
    let branches: Vec<(skipper_core::RepositoryId, String)> = workspaces
        .iter()
        .filter_map(|workspace| {
            let branch = workspace.reference.target.branch()?;
            Some((
                workspace.reference.repository.clone(),
                branch.as_str().to_owned(),
            ))
        })
        .collect();
    for workspace in workspaces.iter_mut() {
        if !matches!(workspace.reference.target, WorkspaceTarget::Main) {
            continue;
        }
        let repository = &workspace.reference.repository;
        if let Some(risk) = &mut workspace.risk {
            risk.unpushed.retain(|unpushed| {
                !branches
                    .iter()
                    .any(|(owner, branch)| owner == repository && *branch == unpushed.branch)
            });
        }
    }
}

impl WorkspaceRegistry for WorktreeSandbox {
    fn kind(&self) -> SandboxKind {
        SandboxKind::Worktree
    }

    fn locate(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Option<Workspace>, SandboxError> {
        let reference = WorkspaceRef {
            repository: checkout.repository.clone(),
            target: target.clone(),
        };
        let Some(branch) = target.branch() else {
            return Ok(Some(Self::workspace(reference, checkout.path.clone())));
        };
        // A workspace is the worktree at its branch's path, whatever it has checked out
        // now (a detached HEAD, another branch).
        let path = self.layout.worktree(&checkout.repository, branch);
        let entry = Self::entry_at(&checkout.path, &path)
            .during(&failed(Operation::LookingUp, &reference))?;
        Ok(condition(entry.as_ref(), &path)
            .map(|condition| Self::found(reference, path, &condition)))
    }

    fn list(&self, checkouts: &[Checkout]) -> Result<Vec<Workspace>, SandboxError> {
        let mut all = Vec::new();
        for checkout in checkouts {
            let main = WorkspaceRef {
                repository: checkout.repository.clone(),
                target: WorkspaceTarget::Main,
            };
            let fail = failed(Operation::Listing, &main);
            all.push(Self::workspace(main.clone(), checkout.path.clone()));
            let ours = self.layout.worktrees(&checkout.repository);
            let entries: Vec<WorktreeEntry> = Self::all_worktrees(&checkout.path)
                .during(&fail)?
                .into_iter()
                .filter(|entry| entry.path.starts_with(&ours))
                .collect();
            // The directory's name is the workspace's branch, whatever is checked out: git's
            // worktrees first, in git's order, then directories git does not know.
            let mut names: Vec<std::ffi::OsString> = entries
                .iter()
                .filter_map(|entry| entry.path.file_name().map(ToOwned::to_owned))
                .collect();
            let mut unknown: Vec<std::ffi::OsString> = match fs_err::read_dir(&ours) {
                Ok(dir) => dir
                    .filter_map(Result::ok)
                    .map(|entry| entry.file_name())
                    .filter(|name| !names.contains(name))
                    .collect(),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(err) => return Err(fail.error(skipper_core::ErrorKind::Io, err)),
            };
            unknown.sort();
            names.extend(unknown);
            for name in names {
                let Some(branch) = name
                    .to_str()
                    .and_then(|name| BranchName::from_path_component(name).ok())
                else {
                    continue;
                };
                let path = ours.join(&name);
                let entry = entries
                    .iter()
                    .find(|entry| entry.path.file_name() == Some(name.as_os_str()));
                let Some(condition) = condition(entry, &path) else {
                    continue;
                };
                let reference = WorkspaceRef {
                    repository: checkout.repository.clone(),
                    target: WorkspaceTarget::Branch(branch),
                };
                all.push(Self::found(reference, path, &condition));
            }
        }
        look_at_risk(&mut all);
        crate::activity::fill(&mut all);
        leave_worktree_branches_to_their_rows(&mut all);
        Ok(all)
    }

    fn ports_in_use(&self) -> Result<Vec<u16>, SandboxError> {
        crate::ports::all_remembered(&self.layout.all_worktrees()).map_err(|err| {
            SandboxError::backend(
                skipper_core::ErrorKind::Io,
                format!(
                    "reading the ports of the worktrees under {} failed: {err}",
                    self.layout.all_worktrees().display()
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &Path, locked: Option<&str>, prunable: bool) -> WorktreeEntry {
        WorktreeEntry {
            path: path.to_path_buf(),
            branch: Some("feat/x".to_owned()),
            prunable,
            locked: locked.map(str::to_owned),
        }
    }

    #[test]
    fn a_worktree_is_told_ready_half_made_broken_or_gone() {
        let dir = std::env::temp_dir().join(format!("sk-condition-{}", std::process::id()));
        let path = dir.join("feat%2Fx");
        fs_err::create_dir_all(&path).unwrap();
        let known = entry(&path, None, false);
        assert_eq!(condition(Some(&known), &path), Some(Condition::Ready));
        let users_lock = entry(&path, Some("on a USB disk"), false);
        assert_eq!(condition(Some(&users_lock), &path), Some(Condition::Ready));
        for reason in [CREATING_REASON, GIT_INITIALIZING_REASON] {
            let creating = entry(&path, Some(reason), false);
            assert_eq!(condition(Some(&creating), &path), Some(Condition::HalfMade));
        }
        // An empty directory git does not know: `worktree add` died right after mkdir.
        assert_eq!(condition(None, &path), Some(Condition::HalfMade));
        fs_err::write(path.join("notes.txt"), "mine").unwrap();
        let pruned = entry(&path, None, true);
        for known in [None, Some(&pruned)] {
            assert!(
                matches!(condition(known, &path), Some(Condition::Broken(_))),
                "{known:?}"
            );
        }
        fs_err::remove_dir_all(&dir).unwrap();
        assert_eq!(condition(Some(&known), &path), None);
        let locked_gone = entry(&path, Some(CREATING_REASON), false);
        assert_eq!(condition(Some(&locked_gone), &path), None);
    }
}
