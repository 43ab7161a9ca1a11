//! `sk workspace push`: a workspace's branch is published from the host checkout, with the
//! host's git configuration (a Docker workspace's branch is fetched first), landing the
//! exact commits in the bare origin; nothing committed is refused; git's own refusals (not
//! a fast-forward, a `pre-receive` hook) pass through with git's exit status and words.

use crate::support::docker::{DockerRepo, docker_ready, docker_ws};
use crate::support::{TestEnv, cloned_api, host_state, snapshot_filters, ws};

/// Git with an identity, for commits made in a workspace.
const GIT: &str = "git -c user.name=t -c user.email=t@e";

/// The commit `rev` names in the bare repository `bare`, or `None`.
fn in_bare(bare: &std::path::Path, rev: &str) -> Option<String> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(bare)
        .args(["rev-parse", "-q", "--verify", rev])
        .output()
        .unwrap();
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[test]
fn a_docker_branch_lands_in_origin_with_its_exact_commits_and_tracks_it() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("push", "");
    repo.create("feat/p");
    let checkout = repo.env.checkout(&repo.name);
    let before = host_state(&checkout);
    repo.sh(
        "feat/p",
        &format!(
            "printf '\\000\\377' > blob.bin && git add blob.bin && {GIT} commit -q -m one && {GIT} commit -q --allow-empty -m two"
        ),
    );
    let tip = repo.sh("feat/p", "git rev-parse HEAD");

    let output = repo.run(&docker_ws(&repo, "push", "feat/p", &["--set-upstream"]));

    let _filters = snapshot_filters();
    insta::assert_snapshot!(repo.screen(&output), @"
    [exit: 0]
    Pushed `feat/p` (at [HASH]) to origin; it tracks origin/feat/p
    ----- stderr -----
    To file://[ROOT]/remotes/[REPO].git
     * [new branch]      feat/p -> feat/p
    branch 'feat/p' set up to track 'origin/feat/p'.
    Fetched `feat/p` from workspace remotes/[REPO] (feat/p): new branch `feat/p` at [HASH], 2 commits
    ");
    assert_eq!(
        in_bare(&repo.origin.bare, "refs/heads/feat/p").as_deref(),
        Some(tip.trim())
    );
    assert_eq!(
        repo.env.git(&checkout, &["config", "branch.feat/p.remote"]),
        "origin"
    );
    assert_eq!(
        repo.env.git(&checkout, &["config", "branch.feat/p.merge"]),
        "refs/heads/feat/p"
    );
    assert_eq!(host_state(&checkout), before);

    // Pushed already: nothing committed since.
    insta::assert_snapshot!(repo.screen(&repo.run(&docker_ws(&repo, "push", "feat/p", &[]))), @"
    [exit: 1]
    ----- stderr -----
    error: nothing to push: `feat/p` at [HASH] is on origin already
      - commit in the workspace first, then push
    ");

    // The workspace knows its commits are on origin now: nothing holds its removal.
    let removed = repo.run(&docker_ws(&repo, "remove", "feat/p", &[]));
    assert!(removed.status.success(), "{}", repo.screen(&removed));
}

#[test]
fn a_branch_with_nothing_committed_is_refused() {
    let env = cloned_api();
    env.ok(&ws("create", "feat/empty", &[]));
    let _filters = snapshot_filters();
    insta::assert_snapshot!(env.screen_of(&ws("push", "feat/empty", &[])), @"
    [exit: 1]
    ----- stderr -----
    error: nothing to push: `feat/empty` (at [HASH]) has no commits beyond origin's default branch `main`
      - commit in the workspace first, then push
    ");
    assert_eq!(
        in_bare(&env.root().join("remotes/api.git"), "refs/heads/feat/empty"),
        None
    );
}

/// A cloned `api` with the workspace `feat/w` holding one commit, pushed to origin.
fn pushed_once() -> (TestEnv, std::path::PathBuf) {
    let env = cloned_api();
    env.ok(&ws("create", "feat/w", &[]));
    let worktree = env.worktree("api", "feat/w");
    env.git(&worktree, &["commit", "-q", "--allow-empty", "-m", "one"]);
    env.ok(&ws("push", "feat/w", &[]));
    (env, worktree)
}

#[test]
fn a_push_that_is_not_a_fast_forward_is_git_s_refusal() {
    let (env, worktree) = pushed_once();
    let bare = env.root().join("remotes/api.git");
    // Someone else pushes to the branch; the workspace commits on its own.
    let other = env.root().join("other");
    env.git(
        env.root(),
        &[
            "clone",
            "-q",
            bare.to_str().unwrap(),
            other.to_str().unwrap(),
        ],
    );
    env.git(&other, &["switch", "-q", "feat/w"]);
    env.git(&other, &["commit", "-q", "--allow-empty", "-m", "theirs"]);
    env.git(&other, &["push", "-q", "origin", "feat/w"]);
    let theirs = in_bare(&bare, "refs/heads/feat/w");
    env.git(&worktree, &["commit", "-q", "--allow-empty", "-m", "mine"]);

    let output = env.run(&ws("push", "feat/w", &[]));

    let stderr = crate::support::stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("[rejected]"), "git's own words: {stderr}");
    assert!(
        stderr.contains("`git push` of `feat/w` to origin failed with exit code 1"),
        "{stderr}"
    );
    assert_eq!(in_bare(&bare, "refs/heads/feat/w"), theirs);
}

#[test]
fn a_failing_pre_receive_hook_is_git_s_refusal_with_its_words() {
    let (env, worktree) = pushed_once();
    let bare = env.root().join("remotes/api.git");
    let hook = bare.join("hooks/pre-receive");
    fs_err::write(
        &hook,
        "#!/bin/sh\necho 'policy: no pushes today' >&2\nexit 1\n",
    )
    .unwrap();
    fs_err::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let before = in_bare(&bare, "refs/heads/feat/w");
    env.git(&worktree, &["commit", "-q", "--allow-empty", "-m", "two"]);

    let output = env.run(&ws("push", "feat/w", &[]));

    let stderr = crate::support::stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("remote: policy: no pushes today"),
        "{stderr}"
    );
    assert!(stderr.contains("pre-receive hook declined"), "{stderr}");
    assert_eq!(in_bare(&bare, "refs/heads/feat/w"), before);
}

#[test]
fn an_unknown_remote_is_named_with_the_remotes_there_are() {
    let (env, _) = pushed_once();
    let _filters = snapshot_filters();
    insta::assert_snapshot!(env.screen_of(&ws("push", "feat/w", &["--remote", "fork"])), @"
    [exit: 1]
    ----- stderr -----
    error: [ROOT]/xdg-data/skipper/repos/local/remotes/api has no remote `fork` (its remotes: origin)
    ");
}
