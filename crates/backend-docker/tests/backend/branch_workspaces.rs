//! Branch workspaces on the shipped image: made from the refreshed host clone with the whole
//! repository, sharing one snapshot image, and never touching the host checkout.

use skipper_core::{BranchStart, CommandLine, Sandbox};

use crate::fixture::{
    DEFAULT_BRANCH, Fixture, container, default_branch, docker, docker_ready, git, run_with, sh_ok,
};

/// What must stay identical in the host checkout: HEAD, index, working tree, stash and
/// local branches.
fn host_state(fixture: &Fixture) -> Vec<String> {
    let path = &fixture.checkout.path;
    vec![
        git(path, &["rev-parse", "HEAD"]),
        git(path, &["symbolic-ref", "HEAD"]),
        git(path, &["status", "--porcelain=v1", "--untracked-files=all"]),
        git(path, &["stash", "list"]),
        git(path, &["for-each-ref", "refs/heads"]),
        format!("{:?}", fs_err::read(path.join(".git/index")).unwrap()),
    ]
}

#[test]
fn branch_workspaces_hold_the_refreshed_repository_and_leave_the_host_alone() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("branches");
    // A local branch of the host with a commit on no remote: safe on the host.
    git(&fixture.checkout.path, &["branch", "local/z", "HEAD~1"]);
    let backend = fixture.backend(fixture.shipped_config());
    let main = backend
        .prepare_main(&fixture.checkout, &default_branch(), &[])
        .unwrap();
    // A commit pushed to origin after the clone reaches workspaces made after a refresh.
    assert!(sh_ok(&backend, &main, "git branch -r").contains("origin/old/branch"));
    // A branch deleted on origin after the snapshot is gone from later workspaces.
    git(
        &fixture.seed,
        &["push", "-q", "origin", "--delete", "old/branch"],
    );
    let later = fixture.push_to_origin("pushed after the clone");
    fixture.refresh();
    let before = host_state(&fixture);

    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    assert!(container(&feat).starts_with("sk-api-feat-x-"));
    assert_eq!(
        sh_ok(&backend, &feat, "git symbolic-ref --short HEAD"),
        "feat/x"
    );
    let log = sh_ok(&backend, &feat, "git log --format=%s");
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [later.as_str(), "commit 3", "commit 2", "commit 1"]
    );
    let branches = sh_ok(&backend, &feat, "git branch -a --format='%(refname)'");
    for expected in [
        "refs/heads/feat/x",
        "refs/heads/local/z",
        "refs/remotes/origin/feat/y",
        &format!("refs/remotes/origin/{DEFAULT_BRANCH}"),
    ] {
        assert!(
            branches.lines().any(|l| l == expected),
            "{expected} missing from {branches}"
        );
    }
    assert!(!branches.contains("old/branch"), "{branches}");
    assert_eq!(sh_ok(&backend, &feat, "git tag"), "v0.1");
    assert_eq!(
        sh_ok(&backend, &feat, "git remote get-url origin"),
        format!("file://{}", fixture.origin.display())
    );
    let upstream = run_with(
        &backend,
        &feat,
        CommandLine::Shell("git rev-parse --abbrev-ref @{u}".into()),
        None,
    );
    assert_ne!(
        upstream.status, 0,
        "a new branch has no upstream: {upstream:?}"
    );
    // The new container got only what the snapshot lacked: the snapshot image is shared.
    let (_, snapshots) = docker(&[
        "images",
        "-q",
        "--filter",
        &fixture.repository_label(),
        "--filter",
        "label=dev.skipper.role=repository-snapshot",
    ]);
    assert_eq!(snapshots.lines().count(), 1, "{snapshots}");

    // An existing remote branch is tracked; an existing local branch is checked out as is.
    let y = backend
        .create(&fixture.branch_request("feat/y", BranchStart::TrackRemote))
        .unwrap();
    assert_eq!(
        sh_ok(&backend, &y, "git rev-parse --abbrev-ref @{u}"),
        "origin/feat/y"
    );
    assert_eq!(sh_ok(&backend, &y, "cat y.txt"), "y");
    let z = backend
        .create(&fixture.branch_request("local/z", BranchStart::Existing))
        .unwrap();
    assert_eq!(sh_ok(&backend, &z, "git log -1 --format=%s"), "commit 2");
    // The host's own branches are not work at risk in the container.
    assert!(backend.at_risk(&z).unwrap().is_empty());
    assert!(backend.at_risk(&feat).unwrap().is_empty());

    assert_eq!(host_state(&fixture), before, "the host checkout changed");
}
