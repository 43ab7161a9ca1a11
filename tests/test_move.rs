//! `sk workspace move`: a workspace goes from one sandbox to the other with its commits,
//! staged, unstaged and untracked files and stash, checked before the old one is removed;
//! a move that fails leaves the old workspace untouched and removes the half-made new one.

use crate::support::docker::{DockerRepo, docker_ready};
use crate::support::{TestEnv, cloned_api, stderr, stdout};

/// Git with an identity, for commits made in a workspace.
const GIT: &str = "git -c user.name=t -c user.email=t@e";

/// Work of every shape: a commit holding a binary file, a file whose name holds spaces and
/// a newline, a non-UTF-8 name, a symlink and an executable; then a staged file changed
/// again, a modified, a deleted and an untracked file.
const MAKE_WORK: &str = r#"set -e
printf 'bin\000ary\377' > blob.bin
printf 'odd' > "$(printf 'a name\nwith a newline')"
printf 'latin' > "$(printf 'caf\351')"
ln -s blob.bin link
printf '#!/bin/sh\necho hi\n' > run.sh && chmod +x run.sh
printf gone > gone.txt
git add -A && $GIT commit -q -m 'odd files'
printf staged > staged.txt && git add staged.txt && printf 'staged, then changed' > staged.txt
printf modified > README.md && rm gone.txt && printf untracked > 'untracked file.txt'
chmod -x run.sh"#;

/// What a workspace holds, to compare across sandboxes: HEAD and its branch, the stash,
/// the status, and every file's name (as hex), mode and checksum (`.git` aside).
const FINGERPRINT: &str = r#"export LC_ALL=C
git rev-parse HEAD; git symbolic-ref -q HEAD || echo detached
git stash list --format='%H %gs'
git status --porcelain=v1 -z --untracked-files=all | od -An -tx1
find . -name .git -prune -o \( -type f -o -type l \) -print | sort | while IFS= read -r f; do
    if [ -L "$f" ]; then what="link $(readlink "$f")"; else what="$(stat -c %a "$f") $(cksum < "$f")"; fi
    printf '%s %s\n' "$(printf '%s' "$f" | od -An -tx1 | tr -d ' \n')" "$what"
done"#;

fn make_work() -> String {
    MAKE_WORK.replace("$GIT", GIT)
}

/// `sk [--sandbox <sandbox>] workspace <command> -r <repo> -b <branch> <rest>`.
fn args<'a>(
    sandbox: &'a str,
    command: &'a str,
    repo: &'a str,
    branch: &'a str,
    rest: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "--sandbox",
        sandbox,
        "workspace",
        command,
        "-r",
        repo,
        "-b",
        branch,
    ];
    args.extend_from_slice(rest);
    args
}

fn sh(env: &TestEnv, sandbox: &str, repo: &str, branch: &str, text: &str) -> String {
    env.ok(&args(sandbox, "run", repo, branch, &["--command", text]))
}

/// Whether `branch` of `repo` has a workspace in `sandbox`.
fn exists(env: &TestEnv, sandbox: &str, repo: &str, branch: &str) -> bool {
    let json = env.ok(&[
        "--sandbox",
        sandbox,
        "workspace",
        "list",
        "--json",
        "-r",
        repo,
    ]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    rows.iter()
        .any(|row| row["branch"].as_str() == Some(branch))
}

fn saves(env: &TestEnv) -> Vec<serde_json::Value> {
    serde_json::from_str(&env.ok(&["workspace", "saved", "--json"])).unwrap()
}

#[test]
fn a_workspace_moves_worktree_to_docker_and_back_with_everything_intact() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("move", "");
    let (env, name) = (&repo.env, repo.name.as_str());
    let branch = "feat/move";
    env.ok(&args("worktree", "create", name, branch, &[]));
    sh(env, "worktree", name, branch, &make_work());
    let in_worktree = sh(env, "worktree", name, branch, FINGERPRINT);
    let diff = env.ok(&args("worktree", "diff", name, branch, &[]));

    let moved = env.run(&args("worktree", "move", name, branch, &["--to", "docker"]));
    assert!(moved.status.success(), "{}", stderr(&moved));
    assert!(
        stdout(&moved).contains("from the worktree sandbox to the docker sandbox"),
        "{}",
        stdout(&moved)
    );
    assert!(!exists(env, "worktree", name, branch));
    assert!(!env.worktree(name, branch).exists());
    assert_eq!(sh(env, "docker", name, branch, FINGERPRINT), in_worktree);
    assert_eq!(env.ok(&args("docker", "diff", name, branch, &[])), diff);

    // A stash made in the container goes with it on the way back.
    sh(
        env,
        "docker",
        name,
        branch,
        "printf stashed > stashed.txt && git add stashed.txt && git -c user.name=t -c user.email=t@e stash push -q -m 'in docker'",
    );
    let in_docker = sh(env, "docker", name, branch, FINGERPRINT);
    assert!(in_docker.contains("On feat/move: in docker"), "{in_docker}");

    let back = env.run(&args("docker", "move", name, branch, &["--to", "worktree"]));
    assert!(back.status.success(), "{}", stderr(&back));
    assert!(!exists(env, "docker", name, branch));
    assert_eq!(sh(env, "worktree", name, branch, FINGERPRINT), in_docker);
    assert!(saves(env).is_empty(), "the save that carried it is dropped");
}

#[test]
fn a_move_that_fails_halfway_leaves_the_original_untouched_and_removes_the_new_one() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("move-fail", "");
    let (env, name) = (&repo.env, repo.name.as_str());
    let branch = "feat/diverged";
    repo.create(branch);
    sh(env, "docker", name, branch, &make_work());
    let before = sh(env, "docker", name, branch, FINGERPRINT);
    // The host's branch of that name has a commit the workspace lacks: the work cannot be
    // put back in a worktree of it.
    let checkout = env.checkout(name);
    let tree = env.git(&checkout, &["rev-parse", "HEAD^{tree}"]);
    let host_only = env.git(
        &checkout,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@e",
            "commit-tree",
            "-p",
            "HEAD",
            "-m",
            "host only",
            tree.trim(),
        ],
    );
    env.git(&checkout, &["branch", branch, host_only.trim()]);
    let host_refs = env.git(&checkout, &["for-each-ref"]);

    let moved = env.run(&args("docker", "move", name, branch, &["--to", "worktree"]));
    assert_eq!(moved.status.code(), Some(1), "{}", stderr(&moved));
    let said = stderr(&moved);
    assert!(said.contains("was undone"), "{said}");
    assert!(said.contains("the docker workspace is untouched"), "{said}");
    // The cause: the host's branch has a commit the saved work lacks.
    assert!(
        said.contains("conflicts with refs/heads/feat/diverged"),
        "{said}"
    );
    assert!(
        !exists(env, "worktree", name, branch),
        "the new one is removed"
    );
    assert!(!env.worktree(name, branch).exists());
    assert_eq!(sh(env, "docker", name, branch, FINGERPRINT), before);
    assert_eq!(env.git(&checkout, &["for-each-ref"]), host_refs);
    assert!(saves(env).is_empty());
}

#[test]
fn a_workspace_with_no_work_of_its_own_moves_too() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("move-clean", "");
    let (env, name) = (&repo.env, repo.name.as_str());
    repo.create("feat/clean");
    let head = sh(env, "docker", name, "feat/clean", "git rev-parse HEAD");

    let moved = env.run(&args(
        "docker",
        "move",
        name,
        "feat/clean",
        &["--to", "worktree"],
    ));
    assert!(moved.status.success(), "{}", stderr(&moved));
    assert!(
        stdout(&moved).contains("(nothing uncommitted or unpushed to carry)"),
        "{}",
        stdout(&moved)
    );
    assert_eq!(
        sh(env, "worktree", name, "feat/clean", "git rev-parse HEAD"),
        head
    );
    assert!(!exists(env, "docker", name, "feat/clean"));
}

#[test]
fn a_move_to_an_unreachable_docker_daemon_changes_nothing() {
    let env = cloned_api();
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/stay"]);
    sh(&env, "worktree", "api", "feat/stay", &make_work());
    let before = sh(&env, "worktree", "api", "feat/stay", FINGERPRINT);

    // A loopback port nothing listens on.
    let moved = env
        .sk()
        .env("DOCKER_HOST", "tcp://127.0.0.1:9")
        .args([
            "workspace",
            "move",
            "-r",
            "api",
            "-b",
            "feat/stay",
            "--to",
            "docker",
        ])
        .output()
        .unwrap();
    assert_eq!(moved.status.code(), Some(1), "{}", stderr(&moved));
    assert!(stderr(&moved).contains("Docker"), "{}", stderr(&moved));
    assert_eq!(
        sh(&env, "worktree", "api", "feat/stay", FINGERPRINT),
        before
    );
    assert!(saves(&env).is_empty());
}

#[test]
fn the_main_workspace_and_a_move_to_its_own_sandbox_are_usage_errors() {
    let env = cloned_api();
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/here"]);

    let same = env.run(&[
        "workspace",
        "move",
        "-r",
        "api",
        "-b",
        "feat/here",
        "--to",
        "worktree",
    ]);
    assert_eq!(same.status.code(), Some(2), "{}", stderr(&same));
    assert!(
        stderr(&same).contains("is in the worktree sandbox already"),
        "{}",
        stderr(&same)
    );

    // Without --branch (and no terminal to pick one on) there is nothing to move.
    let main = env.run(&["workspace", "move", "-r", "api", "--to", "docker"]);
    assert_eq!(main.status.code(), Some(2), "{}", stderr(&main));
    assert!(stderr(&main).contains("--branch"), "{}", stderr(&main));
}

#[test]
fn moving_a_missing_workspace_names_it() {
    let env = cloned_api();
    let missing = env.run(&[
        "workspace",
        "move",
        "-r",
        "api",
        "-b",
        "feat/none",
        "--to",
        "docker",
    ]);
    assert_eq!(missing.status.code(), Some(1), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("feat/none"),
        "{}",
        stderr(&missing)
    );
}
