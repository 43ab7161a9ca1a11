//! `sk workspace sync`: origin's new commits, new branches and deleted ones reach a Docker
//! workspace's `origin/*` (a stopped container is started for it) without moving its
//! branch, index, working tree or stash; a worktree needs only the host checkout's fetch.
//! The host checkout's HEAD, index, status and stash never change.

use crate::support::docker::{DockerRepo, docker_ok, docker_ready, docker_ws};
use crate::support::{TestEnv, host_state, snapshot_filters, ws};

/// Git with an identity, for commits made in a workspace.
const GIT: &str = "git -c user.name=t -c user.email=t@e";

/// What sync must never touch in a workspace: its branch and HEAD, the index, the working
/// tree and the stash.
const OWN_STATE: &str = "git rev-parse HEAD feat/s; git symbolic-ref HEAD; git ls-files --stage; git status --porcelain=v1 --untracked-files=all; git diff; git stash list --format='%H %gs'";

#[test]
fn origin_s_changes_reach_a_stopped_docker_workspace_and_nothing_of_its_own_moves() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("sync", "");
    repo.create("feat/s");
    repo.sh(
        "feat/s",
        &format!(
            "set -e; {GIT} commit -q --allow-empty -m mine; echo stash > README.md; {GIT} stash push -q -m kept; echo staged > staged.txt; git add staged.txt; echo changed > README.md; echo new > untracked.txt"
        ),
    );
    let own = repo.sh("feat/s", OWN_STATE);
    let checkout = repo.env.checkout(&repo.name);
    let host = host_state(&checkout);
    // Another clone pushes to origin: a commit on the default branch, a new branch, and the
    // branch `feature` deleted.
    let pushed = repo
        .origin
        .push_commit("release/v1", "upstream.txt", "upstream\n");
    let added = repo.origin.push_commit("feat/new", "new.txt", "new\n");
    repo.env.git(
        &repo.origin.seed,
        &["push", "-q", "origin", "--delete", "feature"],
    );
    docker_ok(&["stop", "-t", "1", &repo.container(Some("feat/s"))]);

    let output = repo.run(&docker_ws(&repo, "sync", "feat/s", &[]));

    let _filters = snapshot_filters();
    insta::assert_snapshot!(repo.screen(&output), @"
    [exit: 0]
    Synced origin's branches into workspace remotes/[REPO] (feat/s): 1 updated, 1 added, 1 removed
      origin/feat/new: added at [HASH]
      origin/feature: removed (was at [HASH])
      origin/release/v1: [HASH]..[HASH]
    ----- stderr -----
    ");
    assert_eq!(
        repo.sh(
            "feat/s",
            "git rev-parse origin/release/v1 origin/feat/new && git cat-file -t origin/feat/new^{tree}"
        ),
        format!("{pushed}\n{added}\ntree\n")
    );
    assert_eq!(
        repo.sh(
            "feat/s",
            "git symbolic-ref refs/remotes/origin/HEAD; git for-each-ref refs/remotes/origin/feature"
        ),
        "refs/remotes/origin/release/v1\n"
    );
    assert_eq!(repo.sh("feat/s", OWN_STATE), own);
    assert_eq!(host_state(&checkout), host);

    insta::assert_snapshot!(repo.screen(&repo.run(&docker_ws(&repo, "sync", "feat/s", &[]))), @"
    [exit: 0]
    Workspace remotes/[REPO] (feat/s)'s remote branches are up to date with origin
    ----- stderr -----
    ");
}

#[test]
fn a_worktree_needs_only_the_host_checkout_s_fetch() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&ws("create", "feat/s", &[]));
    let pushed = origin.push_commit("main", "upstream.txt", "upstream\n");
    let host = host_state(&env.checkout("api"));

    let output = env.run(&ws("sync", "feat/s", &[]));

    let _filters = snapshot_filters();
    insta::assert_snapshot!(env.screen(&output), @"
    [exit: 0]
    Fetched origin into the host checkout; workspace remotes/api (feat/s) is a worktree sharing its remote branches, so that is all
    ----- stderr -----
    ");
    assert_eq!(
        env.git(
            &env.worktree("api", "feat/s"),
            &["rev-parse", "origin/main"]
        ),
        pushed
    );
    assert_eq!(host_state(&env.checkout("api")), host);
}
