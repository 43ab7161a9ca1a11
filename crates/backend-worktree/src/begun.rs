//! A new branch's worktree begun while the host checkout is fetched
//! ([`Sandbox::begin_new_branch`](skipper_core::Sandbox::begin_new_branch)): added, locked
//! as being created and without a checkout, from the default branch's remote-tracking branch
//! as it was before the fetch. The `create` that follows checks it out at the fetched commit
//! (`git reset --hard` to it, which moves the branch there too), or clears it away when its
//! request turns out to be another. Until then it is a half-made worktree like any other
//! (see [`crate::registry::Condition`]): a crash leaves it for the next `create` to make
//! again.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use skipper_core::{
    BranchName, BranchStart, Checkout, CreateRequest, Operation, SandboxError, WorkspaceRef,
    WorkspaceTarget, fault_point,
};
use skipper_git::Git;

use crate::creation::{add_args, forget_stale};
use crate::operation::{During, failed};
use crate::sandbox::WorktreeSandbox;

/// The worktree a [`WorktreeSandbox`] began and no `create` has taken up yet.
#[derive(Debug, Default)]
pub(crate) struct BegunSlot(Mutex<Option<Begun>>);

/// A worktree begun: where, for which branch, from which default branch.
#[derive(Debug)]
pub(crate) struct Begun {
    checkout: PathBuf,
    path: PathBuf,
    branch: BranchName,
    default_branch: BranchName,
}

impl Begun {
    /// Whether `request`, at `path`, asks for what this was begun for: a new branch from
    /// the same default branch (which the fetch may have renamed).
    pub(crate) fn is_for(&self, request: &CreateRequest, path: &Path) -> bool {
        request.start == BranchStart::NewFromDefault
            && request.checkout.path == self.checkout
            && request.branch == self.branch
            && request.default_branch == self.default_branch
            && path == self.path
    }
}

impl BegunSlot {
    /// What was begun, taken out: whoever takes it finishes or clears it.
    pub(crate) fn take(&self) -> Option<Begun> {
        // A panic elsewhere while the slot was held leaves its value as good as it was.
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    /// Whether what was begun is still for a new branch now that the checkout is fetched;
    /// `false`, with it left to be cleared away, when it is not.
    pub(crate) fn still_new(&self) -> Option<bool> {
        let slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let begun = slot.as_ref()?;
        let base = skipper_git::base_on_origin(&begun.checkout, &begun.branch);
        Some(base.as_ref() == Some(&begun.default_branch))
    }

    fn put(&self, begun: Begun) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(begun);
    }
}

impl WorktreeSandbox {
    /// Begins the worktree of the new branch `branch` of `checkout` (see the module's
    /// comment): `false`, and nothing done, when the branch is not known to be new without a
    /// git process, or its worktree's place is taken.
    pub(crate) fn begin(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
    ) -> Result<bool, SandboxError> {
        let Some(default_branch) = skipper_git::new_branch_base(&checkout.path, branch) else {
            return Ok(false);
        };
        let reference = WorkspaceRef {
            repository: checkout.repository.clone(),
            target: WorkspaceTarget::Branch(branch.clone()),
        };
        let fail = failed(Operation::Creating, &reference);
        let path = self.layout.worktree(&reference.repository, branch);
        if fs_err::symlink_metadata(&path).is_ok() {
            return Ok(false);
        }
        let parent = path.parent().unwrap_or(self.layout.root());
        fs_err::create_dir_all(parent).during(&fail)?;
        let git = Git::in_dir(&checkout.path);
        let entries = Self::all_worktrees(&checkout.path).during(&fail)?;
        forget_stale(&git, &entries, branch, &path).during(&fail)?;
        let start = BranchStart::NewFromDefault;
        git.run(add_args(&start, branch, &default_branch, &path))
            .during(&fail)?;
        self.begun.put(Begun {
            checkout: checkout.path.clone(),
            path,
            branch: branch.clone(),
            default_branch,
        });
        fault_point("worktree.create.after-add");
        Ok(true)
    }

    /// Clears away the worktree `begun` and the branch made with it. Best effort: what is
    /// left stays locked as being created, a half-made worktree the next `create` of its
    /// branch makes again.
    pub(crate) fn clear_begun(&self, begun: &Begun) {
        let Ok(entry) = Self::entry_at(&begun.checkout, &begun.path) else {
            return;
        };
        if self
            .remove_tree(&begun.checkout, &begun.path, entry.as_ref())
            .is_ok()
        {
            // The branch was made by the worktree's own `git worktree add` moments ago, under
            // the repository's lock, and was checked out nowhere since: it holds nothing.
            let _ = Git::in_dir(&begun.checkout).run([
                "branch",
                "--quiet",
                "-D",
                begun.branch.as_str(),
            ]);
        }
    }
}
