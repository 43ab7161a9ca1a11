use skipper_core::{
    Checkout, Operation, SandboxError, SandboxKind, Workspace, WorkspaceRef, WorkspaceRegistry,
    WorkspaceTarget,
};
use skipper_git::Git;
use skipper_git::worktree_list::{self, WorktreeEntry};

use crate::operation::{During, failed};
use crate::sandbox::WorktreeSandbox;

impl WorktreeSandbox {
    /// The worktrees git knows for `checkout` that live in skipper's worktree directory.
    fn worktrees(&self, checkout: &Checkout) -> Result<Vec<WorktreeEntry>, SandboxError> {
        let reference = WorkspaceRef {
            repository: checkout.repository.clone(),
            target: WorkspaceTarget::Main,
        };
        let listing = Git::in_dir(&checkout.path)
            .run(["worktree", "list", "--porcelain", "-z"])
            .during(&failed(Operation::Listing, &reference))?;
        let ours = self.layout.worktrees(&checkout.repository);
        Ok(worktree_list::parse(&listing)
            .into_iter()
            .filter(|entry| !entry.prunable && entry.path.starts_with(&ours))
            .collect())
    }
}

fn dirty(workspace: &mut Workspace) {
    if let skipper_core::WorkspaceLocation::Host(path) = &workspace.location {
        workspace.dirty = Git::in_dir(path)
            .run(["status", "--porcelain=v1", "-z", "--untracked-files=normal"])
            .ok()
            .map(|status| !status.is_empty());
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
        Ok(self
            .worktrees(checkout)?
            .into_iter()
            .find(|entry| entry.path == path)
            .map(|entry| Self::workspace(reference, entry.path)))
    }

    fn list(&self, checkouts: &[Checkout]) -> Result<Vec<Workspace>, SandboxError> {
        let mut all = Vec::new();
        for checkout in checkouts {
            let main = WorkspaceRef {
                repository: checkout.repository.clone(),
                target: WorkspaceTarget::Main,
            };
            all.push(Self::workspace(main, checkout.path.clone()));
            for entry in self.worktrees(checkout)? {
                // The directory's name is the workspace's branch, whatever is checked out.
                let branch = entry
                    .path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .and_then(|name| skipper_core::BranchName::from_path_component(name).ok());
                let Some(branch) = branch else {
                    continue;
                };
                let reference = WorkspaceRef {
                    repository: checkout.repository.clone(),
                    target: WorkspaceTarget::Branch(branch),
                };
                all.push(Self::workspace(reference, entry.path));
            }
        }
        for workspace in &mut all {
            dirty(workspace);
        }
        Ok(all)
    }
}
