//! The branch export and the origin sync on the host, in real repositories: a workspace
//! that keeps refs of its own (a clone standing in for a container's copy) gives its branch
//! to the host checkout as a fast-forward only, and takes the host's origin branches with
//! only the objects it lacks.

// A failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use skipper_core::{
    BranchExport, BranchImport, BranchName, BranchStanding, Checkout, ExportRequest, HostCheckouts,
    NoProgress, RepositoryId, SyncReport,
};
use skipper_git::{GitCheckouts, HostScripts, Layout, export, sync};
use skipper_testkit::{Origin, TempHome, git};

struct Repos {
    home: TempHome,
    origin: Origin,
    host: Checkout,
    workspace: PathBuf,
    checkouts: GitCheckouts,
}

/// An origin with `main`, the host checkout cloned from it, and a workspace cloned from it
/// on `feat/x` (new, from `main`).
fn repos() -> Repos {
    let home = TempHome::new();
    let origin = Origin::new(
        home.root().join("origin.git"),
        home.root().join("seed"),
        "main",
    );
    origin.push_commit("main", "README.md", "hello\n");
    let host = home.root().join("host");
    let workspace = home.root().join("workspace");
    for dir in [&host, &workspace] {
        git(
            home.root(),
            &["clone", "-q", &origin.url, dir.to_str().unwrap()],
        );
    }
    git(&workspace, &["switch", "-q", "-c", "feat/x"]);
    let checkouts = GitCheckouts::new(Layout::new(home.root().join("data")), Arc::new(NoProgress));
    Repos {
        host: Checkout {
            repository: RepositoryId::new("local", "remotes", "api").unwrap(),
            path: host,
        },
        home,
        origin,
        workspace,
        checkouts,
    }
}

fn feat_x() -> BranchName {
    BranchName::new("feat/x").unwrap()
}

/// Commits in the workspace a binary file, a name with a space and a newline, a name that
/// is not UTF-8, an executable and a symbolic link.
fn commit_odd_files(workspace: &Path, message: &str) -> String {
    let script = format!(
        "set -e
printf '\\000\\001\\377binary' > blob.bin
printf 'x' > 'a b
c.txt'
printf 'y' > \"$(printf 'latin\\351.txt')\"
printf '#!/bin/sh\\n' > run.sh && chmod +x run.sh
ln -sf README.md link
printf '{message}' >> log.txt
git add -A && git commit -q -m '{message}'"
    );
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(workspace)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@e")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@e")
        .status()
        .unwrap();
    assert!(status.success());
    git(workspace, &["rev-parse", "HEAD"])
}

fn export_to(repos: &Repos, dest: &Path) -> (BranchExport, Option<String>) {
    let host = repos.checkouts.host_branch(&repos.host, &feat_x()).unwrap();
    let request = ExportRequest {
        branch: feat_x(),
        host_tip: host.tip.clone(),
        known: host.remote_tips,
    };
    let exported =
        export::export_branch(&HostScripts::in_dir(&repos.workspace), &request, Some(dest))
            .unwrap();
    (exported, host.tip)
}

fn import(repos: &Repos, exported: &BranchExport, old: Option<String>, dest: &Path) -> usize {
    repos
        .checkouts
        .import_branch(
            &repos.host,
            &BranchImport {
                branch: feat_x(),
                bundle: exported.bundle.then(|| dest.to_path_buf()),
                tip: exported.tip.clone(),
                old,
            },
        )
        .unwrap()
        .commits
}

#[test]
fn a_branch_arrives_new_then_fast_forwards_and_a_diverged_one_is_left_alone() {
    let repos = repos();
    let dest = repos.home.root().join("branch.bundle");
    let first = commit_odd_files(&repos.workspace, "one");
    fs_err::write(repos.workspace.join("notes.txt"), "not committed").unwrap();

    let (exported, old) = export_to(&repos, &dest);
    assert_eq!(exported.tip, first);
    assert_eq!(exported.standing, BranchStanding::Absent);
    assert!(exported.bundle && dest.exists());
    assert_eq!(exported.uncommitted, ["notes.txt"]);
    assert_eq!(import(&repos, &exported, old, &dest), 1);
    assert_eq!(git(&repos.host.path, &["rev-parse", "feat/x"]), first);
    assert_eq!(
        git(&repos.host.path, &["rev-parse", "feat/x^{tree}"]),
        git(&repos.workspace, &["rev-parse", "HEAD^{tree}"]),
        "every file, name, mode and link arrives as it was"
    );

    fs_err::remove_file(&dest).unwrap();
    let (same, _) = export_to(&repos, &dest);
    assert_eq!(same.standing, BranchStanding::Same);
    assert!(!same.bundle && !dest.exists());

    let second = commit_odd_files(&repos.workspace, "two");
    let (ahead, old) = export_to(&repos, &dest);
    assert_eq!(ahead.standing, BranchStanding::Ahead);
    assert_eq!(import(&repos, &ahead, old, &dest), 1);
    assert_eq!(git(&repos.host.path, &["rev-parse", "feat/x"]), second);

    // The host's branch gets a commit of its own: the workspace lacks it.
    let tree = git(&repos.host.path, &["rev-parse", "feat/x^{tree}"]);
    let own = git(
        &repos.host.path,
        &["commit-tree", "-p", "feat/x", "-m", "host", &tree],
    );
    git(&repos.host.path, &["update-ref", "refs/heads/feat/x", &own]);
    commit_odd_files(&repos.workspace, "three");
    fs_err::remove_file(&dest).unwrap();
    let (diverged, _) = export_to(&repos, &dest);
    assert_eq!(diverged.standing, BranchStanding::Diverged);
    assert!(!diverged.bundle && !dest.exists());
    assert_eq!(git(&repos.host.path, &["rev-parse", "feat/x"]), own);
}

#[test]
fn a_branch_the_workspace_lacks_is_not_found() {
    let repos = repos();
    let request = ExportRequest {
        branch: BranchName::new("nope").unwrap(),
        host_tip: None,
        known: Vec::new(),
    };
    let err =
        export::export_branch(&HostScripts::in_dir(&repos.workspace), &request, None).unwrap_err();
    assert_eq!(err.kind(), skipper_core::ErrorKind::NotFound, "{err}");
}

/// The workspace's view of origin, and its own state.
fn origin_view(dir: &Path) -> String {
    git(
        dir,
        &[
            "for-each-ref",
            "--format=%(objectname) %(refname) %(symref)",
            "refs/remotes/origin/",
        ],
    )
}

fn own_state(dir: &Path) -> String {
    [
        git(dir, &["rev-parse", "HEAD"]),
        git(dir, &["symbolic-ref", "HEAD"]),
        git(dir, &["status", "--porcelain=v1", "--untracked-files=all"]),
        git(dir, &["stash", "list"]),
        git(dir, &["for-each-ref", "refs/heads", "refs/tags"]),
    ]
    .join("\n")
}

#[test]
fn origin_s_branches_arrive_updated_added_and_removed_and_nothing_else_moves() {
    let repos = repos();
    repos.origin.push_commit("gone", "gone.txt", "g\n");
    git(&repos.host.path, &["fetch", "-q", "origin"]);
    git(&repos.workspace, &["fetch", "-q", "origin"]);
    // The workspace cannot reach origin itself: whatever arrives, the host brings.
    git(
        &repos.workspace,
        &["remote", "set-url", "origin", "/nonexistent"],
    );
    commit_odd_files(&repos.workspace, "mine");
    fs_err::write(repos.workspace.join("wip.txt"), "wip").unwrap();
    git(
        &repos.workspace,
        &["stash", "push", "-q", "-u", "-m", "kept"],
    );
    fs_err::write(repos.workspace.join("README.md"), "changed\n").unwrap();
    let before = own_state(&repos.workspace);

    let new_main = repos.origin.push_commit("main", "more.txt", "more\n");
    let added = repos.origin.push_commit("feat/new", "new.txt", "new\n");
    git(
        &repos.origin.seed,
        &["push", "-q", "origin", "--delete", "gone"],
    );
    git(&repos.host.path, &["fetch", "-q", "--prune", "origin"]);
    let scratch = repos.home.root().join("scratch");
    fs_err::create_dir_all(&scratch).unwrap();

    let report = sync::sync_origin(
        &HostScripts::in_dir(&repos.workspace),
        &repos.host.path,
        &scratch,
    )
    .unwrap();

    let SyncReport::Synced { changes, skipped } = report else {
        panic!("expected Synced, got {report:?}");
    };
    assert!(skipped.is_empty());
    let names: Vec<(&str, bool, bool)> = changes
        .iter()
        .map(|c| (c.name.as_str(), c.old.is_some(), c.new.is_some()))
        .collect();
    assert_eq!(
        names,
        [
            ("origin/feat/new", false, true),
            ("origin/gone", true, false),
            ("origin/main", true, true)
        ]
    );
    assert_eq!(origin_view(&repos.workspace), origin_view(&repos.host.path));
    assert_eq!(
        git(
            &repos.workspace,
            &["rev-parse", "origin/main", "origin/feat/new"]
        ),
        format!("{new_main}\n{added}")
    );
    git(
        &repos.workspace,
        &["cat-file", "-e", &format!("{added}^{{tree}}")],
    );
    assert_eq!(own_state(&repos.workspace), before);

    let again = sync::sync_origin(
        &HostScripts::in_dir(&repos.workspace),
        &repos.host.path,
        &scratch,
    )
    .unwrap();
    assert_eq!(
        again,
        SyncReport::Synced {
            changes: Vec::new(),
            skipped: Vec::new()
        }
    );
}

#[test]
fn a_branch_without_commits_of_its_own_is_made_on_the_host_without_a_bundle() {
    let repos = repos();
    let dest = repos.home.root().join("branch.bundle");

    let (exported, old) = export_to(&repos, &dest);

    assert_eq!(exported.standing, BranchStanding::Absent);
    assert!(
        !exported.bundle && !dest.exists(),
        "the host has every commit"
    );
    assert_eq!(import(&repos, &exported, old, &dest), 0);
    assert_eq!(
        git(&repos.host.path, &["rev-parse", "feat/x"]),
        git(&repos.host.path, &["rev-parse", "origin/main"])
    );
}
