//! `sk workspace create --pr N`: a pull request's head (GitHub's `refs/pull/N/head`, or
//! GitLab's `refs/merge-requests/N/head`) fetched into a local branch `pr/N` with no
//! upstream, made a workspace of on either sandbox; a missing one named with its remote.

use crate::support::docker::{DockerRepo, docker_ready};
use crate::support::{Origin, TestEnv, snapshot_filters};

/// A commit on no branch of `origin`, kept under `reference` in the bare repository as a
/// forge keeps a pull request's head; returns its id.
fn pull_ref(origin: &Origin, reference: &str) -> String {
    let env_seed = &origin.seed;
    let id = skipper_testkit::git(
        env_seed,
        &[
            "commit-tree",
            "HEAD^{tree}",
            "-p",
            "HEAD",
            "-m",
            "the pull request's work",
        ],
    );
    // Pushed for its objects; the bare origin's ref is what a forge would keep.
    skipper_testkit::git(
        env_seed,
        &["push", "--quiet", "origin", &format!("{id}:refs/tmp/pr")],
    );
    skipper_testkit::git(&origin.bare, &["update-ref", reference, &id]);
    skipper_testkit::git(&origin.bare, &["update-ref", "-d", "refs/tmp/pr"]);
    id
}

#[test]
fn a_pull_request_becomes_a_workspace_on_its_own_branch_with_no_upstream() {
    let env = TestEnv::new();
    let origin = env.origin("api", "release/v1");
    let head = pull_ref(&origin, "refs/pull/7/head");
    env.ok(&["clone", &origin.url]);
    let checkout = env.checkout("api");
    let host_head = env.git(&checkout, &["rev-parse", "HEAD"]);

    let created = env.run(&["workspace", "create", "-r", "api", "--pr", "7"]);

    let _filters = snapshot_filters();
    insta::assert_snapshot!(env.screen(&created), @"
    [exit: 0]
    Created workspace pr/7 of remotes/api at [ROOT]/xdg-data/skipper/worktrees/local/remotes/api/pr%2F7 (pull request 7)
    ----- stderr -----
    Fetched pull request 7 (refs/pull/7/head at [HASH]) into the branch pr/7
    ");
    let worktree = env.worktree("api", "pr/7");
    assert_eq!(env.git(&worktree, &["rev-parse", "HEAD"]), head);
    assert_eq!(env.git(&worktree, &["branch", "--show-current"]), "pr/7");
    let upstream = std::process::Command::new("git")
        .arg("-C")
        .arg(&checkout)
        .args(["config", "--get", "branch.pr/7.merge"])
        .output()
        .unwrap();
    assert!(!upstream.status.success(), "pr/7 has an upstream");
    // The host checkout's HEAD and working tree are as they were.
    assert_eq!(env.git(&checkout, &["rev-parse", "HEAD"]), host_head);
    assert_eq!(env.git(&checkout, &["status", "--porcelain"]), "");

    // Again: the branch is at the pull request's head already, so the workspace is found.
    let again = env.screen_of(&["workspace", "create", "-r", "api", "--pr", "7"]);
    insta::assert_snapshot!(again, @"
    [exit: 0]
    Workspace pr/7 of remotes/api already exists at [ROOT]/xdg-data/skipper/worktrees/local/remotes/api/pr%2F7
    ----- stderr -----
    ");
}

#[test]
fn a_merge_request_of_a_gitlab_remote_is_found_and_branch_names_the_branch() {
    let env = TestEnv::new();
    let origin = env.origin("api", "release/v1");
    let head = pull_ref(&origin, "refs/merge-requests/12/head");
    env.ok(&["clone", &origin.url]);

    env.ok(&[
        "workspace",
        "create",
        "-r",
        "api",
        "--pr",
        "12",
        "-b",
        "review/12",
    ]);

    let worktree = env.worktree("api", "review/12");
    assert_eq!(env.git(&worktree, &["rev-parse", "HEAD"]), head);
}

#[test]
fn a_missing_pull_request_is_named_with_its_remote_and_nothing_is_made() {
    let env = TestEnv::new();
    let origin = env.origin("api", "release/v1");
    env.ok(&["clone", &origin.url]);

    let missing = env.run(&["workspace", "create", "-r", "api", "--pr", "404"]);

    let _filters = snapshot_filters();
    insta::assert_snapshot!(env.screen(&missing), @"
    [exit: 1]
    ----- stderr -----
    error: file://[ROOT]/remotes/api.git has no pull request 404 (neither refs/pull/404/head nor refs/merge-requests/404/head)
      - check the number, and that the pull request was opened against this repository's `origin`
    ");
    assert!(!env.worktree("api", "pr/404").exists());
}

#[test]
fn a_local_pr_branch_elsewhere_is_refused_and_not_moved() {
    let env = TestEnv::new();
    let origin = env.origin("api", "release/v1");
    pull_ref(&origin, "refs/pull/7/head");
    env.ok(&["clone", &origin.url]);
    let checkout = env.checkout("api");
    env.git(&checkout, &["branch", "pr/7", "origin/feature"]);
    let before = env.git(&checkout, &["rev-parse", "pr/7"]);

    let refused = env.run(&["workspace", "create", "-r", "api", "--pr", "7"]);

    let _filters = snapshot_filters();
    insta::assert_snapshot!(env.screen(&refused), @"
    [exit: 1]
    ----- stderr -----
    error: the local branch `pr/7` of [ROOT]/xdg-data/skipper/repos/local/remotes/api is at [HASH], not at [HASH]: it is not moved
      - make the workspace on another branch with `--branch`, or delete that branch if nothing on it is needed
    ");
    assert_eq!(env.git(&checkout, &["rev-parse", "pr/7"]), before);
}

#[test]
fn a_pull_request_becomes_a_container_workspace() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::uncloned("pr", "");
    let head = pull_ref(&repo.origin, "refs/pull/3/head");
    repo.ok(&["clone", &repo.origin.url.clone(), "--sandbox", "docker"]);

    repo.ok(&[
        "workspace",
        "create",
        "-r",
        &repo.name,
        "--pr",
        "3",
        "--sandbox",
        "docker",
    ]);

    let seen = repo.sh(
        "pr/3",
        "git rev-parse HEAD; git branch --show-current; git rev-parse --abbrev-ref '@{upstream}' 2>/dev/null || echo no upstream",
    );
    assert_eq!(seen, format!("{head}\npr/3\nno upstream\n"));
}
