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

/// The worktree sandbox's own step beside the contract: a new branch's worktree begun while
/// the host checkout is fetched ([`skipper_core::Sandbox::begin_new_branch`]), with real git.
mod begun {
    #![allow(clippy::unwrap_used, reason = "a test: a failed step is a failed case")]

    use skipper_contract::{DEFAULT_BRANCH, Harness, REMOTE_BRANCH, branch_name};
    use skipper_core::{BranchStart, WorkspaceLocation};
    use skipper_testkit::git;

    fn begin(h: &Harness, branch: &str) -> bool {
        h.sandbox()
            .begin_new_branch(h.checkout(), &branch_name(branch))
            .unwrap()
    }

    fn worktrees(h: &Harness) -> String {
        git(&h.checkout().path, &["worktree", "list", "--porcelain"])
    }

    fn has_branch(h: &Harness, branch: &str) -> bool {
        !git(
            &h.checkout().path,
            &["branch", "--list", "--format=%(refname)", branch],
        )
        .is_empty()
    }

    #[test]
    fn a_begun_worktree_is_finished_at_the_commit_the_fetch_brought() {
        let h = super::worktree().unwrap();
        assert!(begin(&h, "feat/begun"), "a new branch is begun");
        // The fetch the create waited for brings a new commit of the default branch.
        let fetched = h.push_to_origin(DEFAULT_BRANCH, "late.txt", "late\n");
        assert!(
            h.sandbox().begun_still_new(),
            "the fetch brought no such branch"
        );
        let workspace = h.create("feat/begun", BranchStart::NewFromDefault);
        let WorkspaceLocation::Host(path) = &workspace.location else {
            panic!("a worktree is on the host: {workspace:?}");
        };
        assert_eq!(git(path, &["rev-parse", "HEAD"]), fetched);
        assert_eq!(
            git(path, &["symbolic-ref", "HEAD"]),
            "refs/heads/feat/begun"
        );
        assert_eq!(
            git(path, &["status", "--porcelain"]),
            "",
            "checked out clean"
        );
        assert_eq!(
            fs_err::read_to_string(path.join("late.txt")).unwrap(),
            "late\n"
        );
        assert!(
            !worktrees(&h).contains("locked"),
            "unlocked: {}",
            worktrees(&h)
        );
        let found = h.locate(&h.branch_reference("feat/begun").target).unwrap();
        assert!(!found.half_made, "{found:?}");
    }

    #[test]
    fn a_begun_worktree_is_cleared_away_when_the_fetch_brings_its_branch() {
        let h = super::worktree().unwrap();
        assert!(begin(&h, "feat/late"));
        let pushed = h.push_to_origin("feat/late", "theirs.txt", "theirs\n");
        assert!(
            !h.sandbox().begun_still_new(),
            "the branch is someone's now"
        );
        assert!(!has_branch(&h, "feat/late"), "the begun branch is deleted");
        assert!(!worktrees(&h).contains("feat/late"), "{}", worktrees(&h));
        let workspace = h.create("feat/late", BranchStart::TrackRemote);
        let WorkspaceLocation::Host(path) = &workspace.location else {
            panic!("a worktree is on the host: {workspace:?}");
        };
        assert_eq!(git(path, &["rev-parse", "HEAD"]), pushed);
        assert_eq!(
            git(path, &["rev-parse", "--abbrev-ref", "@{upstream}"]),
            "origin/feat/late"
        );
    }

    #[test]
    fn a_begun_worktree_no_create_takes_up_is_cleared_away() {
        let h = super::worktree().unwrap();
        let before = worktrees(&h);
        assert!(begin(&h, "feat/abandoned"));
        assert!(worktrees(&h).contains("feat/abandoned"));
        h.sandbox().abandon_begun();
        assert_eq!(worktrees(&h), before);
        assert!(!has_branch(&h, "feat/abandoned"));
        assert!(
            h.locate(&h.branch_reference("feat/abandoned").target)
                .is_none()
        );
    }

    #[test]
    fn a_begun_worktree_asked_for_as_another_start_is_made_as_asked() {
        let h = super::worktree().unwrap();
        assert!(begin(&h, "feat/other"));
        // The use case found the branch otherwise after all: the begun one is not used.
        git(
            &h.checkout().path,
            &["branch", "--quiet", "feat/mine", "HEAD"],
        );
        let workspace = h.create("feat/mine", BranchStart::Existing);
        assert!(!has_branch(&h, "feat/other"));
        assert!(!worktrees(&h).contains("feat/other"), "{}", worktrees(&h));
        assert!(matches!(workspace.location, WorkspaceLocation::Host(_)));
    }

    #[test]
    fn nothing_is_begun_for_a_branch_the_checkout_or_its_remote_holds() {
        let h = super::worktree().unwrap();
        let before = worktrees(&h);
        assert!(!begin(&h, REMOTE_BRANCH), "on origin");
        assert!(!begin(&h, DEFAULT_BRANCH), "local");
        assert!(!h.sandbox().begun_still_new());
        assert_eq!(worktrees(&h), before);
    }
}
