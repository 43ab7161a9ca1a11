//! `sk workspace fetch`: a Docker workspace's branch arrives in the host checkout with its
//! exact commits (odd files and all), a fast-forward only; a diverged branch, or one
//! checked out on the host, is refused with nothing changed; uncommitted files are named
//! and stay; a worktree has nothing to bring. The host checkout's HEAD, index, status and
//! stash never change.

use crate::support::docker::{DockerRepo, docker_ok, docker_ready, docker_ws};
use crate::support::{all_refs, cloned_api, host_state, snapshot_filters, ws};

/// Git with an identity, for commits made in a workspace.
const GIT: &str = "git -c user.name=t -c user.email=t@e";

/// Commits a binary file, a name with a space and a newline, a name that is not UTF-8, an
/// executable and a symbolic link.
fn odd_files_commit() -> String {
    "set -e
printf '\\000\\001\\377binary' > blob.bin
printf x > 'a b
c.txt'
printf y > \"$(printf 'latin\\351.txt')\"
printf '#!/bin/sh\\necho run\\n' > run.sh && chmod +x run.sh
ln -s README.md link
git add -A && $GIT commit -q -m 'odd files'"
        .replace("$GIT", GIT)
}

fn fetch(repo: &DockerRepo, branch: &str) -> std::process::Output {
    repo.run(&docker_ws(repo, "fetch", branch, &[]))
}

#[test]
fn a_docker_branch_arrives_with_its_exact_commits_then_fast_forwards() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("fetch", "");
    repo.create("feat/x");
    let checkout = repo.env.checkout(&repo.name);
    let before = host_state(&checkout);
    repo.sh("feat/x", &odd_files_commit());
    repo.sh(
        "feat/x",
        &format!("{GIT} commit -q --allow-empty -m second && echo changed > README.md && echo new > scratch.txt"),
    );
    let tip = repo.sh("feat/x", "git rev-parse feat/x");

    let _filters = snapshot_filters();
    insta::assert_snapshot!(repo.screen(&fetch(&repo, "feat/x")), @"
    [exit: 0]
    Fetched `feat/x` from workspace remotes/[REPO] (feat/x): new branch `feat/x` at [HASH], 2 commits
    ----- stderr -----
    warning: not fetched: 2 uncommitted paths stay in the workspace (commit them there to bring them): README.md, scratch.txt
    ");
    assert_eq!(
        repo.env.git(&checkout, &["rev-parse", "refs/heads/feat/x"]),
        tip.trim()
    );
    assert_eq!(
        repo.env.git(
            &checkout,
            &["ls-tree", "feat/x", "run.sh", "link", "blob.bin"]
        ),
        repo.sh("feat/x", "git ls-tree feat/x run.sh link blob.bin")
            .trim(),
        "the exec bit, the link and the binary arrive as they were"
    );
    assert_eq!(host_state(&checkout), before);

    repo.sh("feat/x", &format!("{GIT} commit -q -am third"));
    let tip = repo.sh("feat/x", "git rev-parse feat/x");
    insta::assert_snapshot!(repo.screen(&fetch(&repo, "feat/x")), @"
    [exit: 0]
    Fetched `feat/x` from workspace remotes/[REPO] (feat/x): [HASH]..[HASH], 1 commit
    ----- stderr -----
    warning: not fetched: 1 uncommitted path stays in the workspace (commit them there to bring them): scratch.txt
    ");
    assert_eq!(
        repo.env.git(&checkout, &["rev-parse", "refs/heads/feat/x"]),
        tip.trim()
    );
    insta::assert_snapshot!(repo.screen(&fetch(&repo, "feat/x")), @"
    [exit: 0]
    Nothing new: the host checkout's `feat/x` is at [HASH] already, as in workspace remotes/[REPO] (feat/x)
    ----- stderr -----
    warning: not fetched: 1 uncommitted path stays in the workspace (commit them there to bring them): scratch.txt
    ");
    assert_eq!(host_state(&checkout), before);
    assert_eq!(
        repo.sh("feat/x", "git status --porcelain"),
        "?? scratch.txt\n",
        "the workspace keeps its uncommitted files"
    );
}

#[test]
fn a_diverged_branch_is_refused_and_no_ref_of_the_host_changes() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("diverged", "");
    repo.create("feat/d");
    repo.sh("feat/d", &format!("{GIT} commit -q --allow-empty -m one"));
    repo.ok(&docker_ws(&repo, "fetch", "feat/d", &[]));
    let checkout = repo.env.checkout(&repo.name);
    // The host's branch gets a commit the workspace lacks; the workspace one of its own.
    let tree = repo.env.git(&checkout, &["rev-parse", "feat/d^{tree}"]);
    let own = repo.env.git(
        &checkout,
        &["commit-tree", "-p", "feat/d", "-m", "on the host", &tree],
    );
    repo.env
        .git(&checkout, &["update-ref", "refs/heads/feat/d", &own]);
    repo.sh("feat/d", &format!("{GIT} commit -q --allow-empty -m two"));
    let refs = all_refs(&checkout);
    let state = host_state(&checkout);

    let output = fetch(&repo, "feat/d");

    let screen = repo.screen(&output);
    let tip = repo.sh("feat/d", "git rev-parse feat/d");
    assert!(screen.starts_with("[exit: 1]"), "{screen}");
    assert!(
        screen.contains(&own) && screen.contains(tip.trim()),
        "both tips are named: {screen}"
    );
    let _filters = snapshot_filters();
    insta::assert_snapshot!(screen, @"
    [exit: 1]
    ----- stderr -----
    error: the host's `feat/d` (at [HASH]) has commits that remotes/[REPO] (feat/d)'s `feat/d` (at [HASH]) lacks; fetch only fast-forwards, so nothing was changed
      - if the host's commits are on origin, `sk workspace sync --repository remotes/[REPO] --branch feat/d` brings them to the workspace's `origin/feat/d`: merge or rebase onto them there, then fetch again
      - to keep the workspace's branch instead, rename the host checkout's (`git branch -m feat/d <new name>` there), then fetch again
    ");
    assert_eq!(all_refs(&checkout), refs);
    assert_eq!(host_state(&checkout), state);
}

#[test]
fn the_main_docker_workspace_never_moves_the_branch_checked_out_on_the_host() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("fetchmain", "");
    repo.sh_main(&format!("{GIT} commit -q --allow-empty -m 'on main'"));
    let checkout = repo.env.checkout(&repo.name);
    let refs = all_refs(&checkout);
    let state = host_state(&checkout);

    let output = repo.run(&[
        "workspace",
        "fetch",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
    ]);

    let _filters = snapshot_filters();
    insta::assert_snapshot!(repo.screen(&output), @"
    [exit: 1]
    ----- stderr -----
    error: `release/v1` is checked out in [ROOT]/xdg-data/skipper/repos/local/remotes/[REPO], so bringing remotes/[REPO] (main workspace)'s commits would move it under that working tree; nothing was changed
      - switch that working tree off the branch (`git -C [ROOT]/xdg-data/skipper/repos/local/remotes/[REPO] switch --detach`), then fetch again
    ");
    assert_eq!(all_refs(&checkout), refs);
    assert_eq!(host_state(&checkout), state);
}

#[test]
fn a_stopped_container_is_started_to_fetch_from() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("fetchstop", "");
    repo.create("feat/s");
    repo.sh("feat/s", &format!("{GIT} commit -q --allow-empty -m one"));
    let tip = repo.sh("feat/s", "git rev-parse HEAD");
    docker_ok(&["stop", "-t", "1", &repo.container(Some("feat/s"))]);

    repo.ok(&docker_ws(&repo, "fetch", "feat/s", &[]));

    assert_eq!(
        repo.env
            .git(&repo.env.checkout(&repo.name), &["rev-parse", "feat/s"]),
        tip.trim()
    );
}

#[test]
fn a_missing_workspace_is_named_with_what_exists() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("fetchnone", "");
    repo.create("feat/here");
    let _filters = snapshot_filters();
    insta::assert_snapshot!(repo.screen(&fetch(&repo, "feat/gone")), @"
    [exit: 1]
    ----- stderr -----
    error: workspace remotes/[REPO] (feat/gone) does not exist in the docker sandbox
      - workspaces of remotes/[REPO]: feat/here
      - create it with `sk workspace create --repository remotes/[REPO] --branch feat/gone --sandbox docker`
    ");
}

#[test]
fn a_worktree_has_nothing_to_bring() {
    let env = cloned_api();
    env.ok(&ws("create", "feat/x", &[]));
    let checkout = env.checkout("api");
    let worktree = env.worktree("api", "feat/x");
    env.git(&worktree, &["commit", "-q", "--allow-empty", "-m", "one"]);
    fs_err::write(worktree.join("notes.txt"), "wip").unwrap();
    let refs = all_refs(&checkout);
    let tip = env.git(&worktree, &["rev-parse", "HEAD"]);

    let output = env.run(&ws("fetch", "feat/x", &[]));

    let screen = env.screen(&output);
    assert!(screen.contains(&tip[..12]), "{screen}");
    let _filters = snapshot_filters();
    insta::assert_snapshot!(screen, @"
    [exit: 0]
    Nothing to bring: workspace remotes/api (feat/x) is a worktree, so `feat/x` (at [HASH]) is the host checkout's branch already
    ----- stderr -----
    warning: not fetched: 1 uncommitted path stays in the workspace (commit them there to bring them): notes.txt
    ");
    assert_eq!(all_refs(&checkout), refs);
}
