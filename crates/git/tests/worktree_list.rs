//! The in-process worktree listing against `git worktree list --porcelain -z`, in a
//! repository holding every kind of worktree `sk` meets: on a branch (one with a slash,
//! one in a directory with a space), detached, locked with and without a reason, and one
//! whose directory was deleted (prunable).

// A failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use skipper_git::worktree_list;
use skipper_testkit::{TempHome, cloned_origin, git};

fn listed_by_git(checkout: &Path) -> Vec<worktree_list::WorktreeEntry> {
    worktree_list::parse(&git(checkout, &["worktree", "list", "--porcelain", "-z"]))
}

fn add(checkout: &Path, args: &[&str]) {
    let mut all = vec!["worktree", "add", "-q"];
    all.extend_from_slice(args);
    git(checkout, &all);
}

#[test]
fn the_in_process_listing_says_what_git_says() {
    let home = TempHome::new();
    let (_origin, checkout) = cloned_origin(home.root());
    let at = |name: &str| home.root().join("trees").join(name);
    let path = |name: &str| at(name).to_str().unwrap().to_owned();
    assert_eq!(
        worktree_list::read(&checkout).unwrap(),
        listed_by_git(&checkout)
    );

    add(&checkout, &["-b", "feat/x", &path("feat-x")]);
    add(&checkout, &["-b", "spaced", &path("with space")]);
    add(&checkout, &["--detach", &path("detached")]);
    add(
        &checkout,
        &[
            "--lock",
            "--reason",
            "skipper: being created",
            "-b",
            "new",
            &path("new"),
        ],
    );
    add(&checkout, &["--lock", "-b", "kept", &path("kept")]);
    add(&checkout, &["-b", "gone", &path("gone")]);
    fs_err::remove_dir_all(at("gone")).unwrap();

    let read = worktree_list::read(&checkout).unwrap();
    let mut by_git = listed_by_git(&checkout);
    // git lists linked worktrees in its directory's order, the reader in their names'.
    by_git[1..].sort_by(|a, b| a.path.cmp(&b.path));
    let mut sorted = read.clone();
    sorted[1..].sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(sorted, by_git);
    assert_eq!(read.len(), 7);
    assert!(read.iter().any(|entry| entry.prunable));
    assert!(
        read.iter()
            .any(|entry| entry.locked.as_deref() == Some("skipper: being created"))
    );
}

#[test]
fn a_checkout_that_is_itself_a_linked_worktree_is_left_to_git() {
    let home = TempHome::new();
    let (_origin, checkout) = cloned_origin(home.root());
    let linked = home.root().join("linked");
    add(&checkout, &["-b", "feat/y", linked.to_str().unwrap()]);
    assert_eq!(worktree_list::read(&linked), None);
}
