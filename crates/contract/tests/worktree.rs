//! The contract run against the worktree sandbox: git worktrees of a host checkout in a
//! temporary data root, with real git and tmux.

use std::sync::Arc;

use skipper_backend_worktree::WorktreeSandbox;
use skipper_contract::{Harness, Scene, contract_tests};
use skipper_core::NoProgress;
use skipper_git::{GitCheckouts, Layout};

/// A worktree sandbox and host checkouts on a fresh data root (always there: the macro
/// takes an `Option` because other backends may be missing).
#[allow(
    clippy::unnecessary_wraps,
    reason = "the contract macro takes a maker of Option<Harness>"
)]
fn worktree() -> Option<Harness> {
    let scene = Scene::new("worktree");
    let layout = Layout::new(scene.data_root());
    let checkouts = Arc::new(GitCheckouts::new(layout.clone(), Arc::new(NoProgress)));
    let sandbox = Arc::new(WorktreeSandbox::new(layout, Arc::new(NoProgress)));
    Some(Harness::new(scene, checkouts, sandbox.clone(), sandbox))
}

contract_tests!(worktree);
