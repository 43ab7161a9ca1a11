//! Saved work through `sk`: `remove --force` saves it, `saved` lists it, `restore` brings it
//! all back with one command (and refuses a workspace that exists), `saved drop` deletes
//! it; two removals of one branch never share a save, and concurrent removals of one
//! workspace never lose its work. On both sandboxes.

use serde_json::Value;

use crate::support::docker::{DockerRepo, docker_ready};
use crate::support::{TestEnv, snapshot_filters, stderr, stdout};

/// Git with an identity, for commits made in a workspace.
const GIT: &str = "git -c user.name=t -c user.email=t@e";

/// Every kind of work: a commit, a staged file changed again, a modified, a deleted and an
/// untracked file, two stash entries, a tag, a note, a branch whose name holds an em
/// space, a nested repository with a commit, and an ignored file (lost by design).
const MAKE_WORK: &str = "set -e
printf '*.ign\\n' >> \"$(git rev-parse --git-path info/exclude)\"
printf one > committed.txt && printf gone > gone.txt && git add committed.txt gone.txt && $GIT commit -q -m 'on the branch'
git branch 'wip\u{2003}x'
printf stashed > README.md && $GIT stash push -q -m 'first'
printf again > README.md && $GIT stash push -q -m 'second'
git tag v9 && $GIT notes add -m 'a note' HEAD
printf staged > staged.txt && git add staged.txt && printf 'staged, then changed' > staged.txt
printf modified > README.md && rm gone.txt && printf untracked > untracked.txt
printf lost > build.ign
mkdir nested && cd nested && git init -q -b trunk && printf n > n.txt && git add n.txt && $GIT commit -q -m nested && printf n2 > n.txt";

/// What a workspace holds, to compare before and after: refs (remote-tracking and
/// skipper's own aside), HEAD, the stash, the status, each file's checksum (`.git` and
/// ignored files aside), and the nested repository's state.
const FINGERPRINT: &str = "export LC_ALL=C
state() {
    git for-each-ref --format='%(objectname) %(refname)' | { grep -v -e ' refs/remotes/' -e ' refs/skipper/' || true; }
    git rev-parse HEAD; git symbolic-ref -q HEAD || echo detached
    git stash list --format='%H %gs'
    git status --porcelain=v1 --untracked-files=all
}
state
find . -name .git -prune -o -type f ! -name '*.ign' -print | sort | while IFS= read -r f; do printf '%s %s\\n' \"$(cksum < \"$f\")\" \"$f\"; done
if [ -e nested/.git ]; then (cd nested && state); fi";

fn make_work() -> String {
    MAKE_WORK.replace("$GIT", GIT)
}

/// A cloned `api` with the workspace of `branch` (worktree sandbox).
fn cloned_with(branch: &str) -> TestEnv {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", branch]);
    env
}

fn workspace_sh(env: &TestEnv, branch: &str, text: &str) -> String {
    env.ok(&[
        "workspace",
        "run",
        "-r",
        "api",
        "-b",
        branch,
        "--command",
        text,
    ])
}

fn saves(env: &TestEnv) -> Vec<Value> {
    serde_json::from_str(&env.ok(&["workspace", "saved", "--json"])).unwrap()
}

fn remove_force(env: &TestEnv, branch: &str) -> std::process::Output {
    env.run(&["workspace", "remove", "-r", "api", "-b", branch, "--force"])
}

#[test]
fn a_forced_removal_is_listed_restored_with_one_command_and_dropped() {
    let env = cloned_with("feat/dirty");
    workspace_sh(&env, "feat/dirty", &make_work());
    let before = workspace_sh(&env, "feat/dirty", FINGERPRINT);

    let removed = remove_force(&env, "feat/dirty");
    {
        let _filters = snapshot_filters();
        insta::assert_snapshot!(env.screen(&removed), @"
        [exit: 0]
        Saved the work at risk as [HASH] (1 commit, 3 modified, 1 untracked, 1 nested repository) in [ROOT]/xdg-data/skipper/saved/local/remotes/api/[HASH]
          Restore it with: sk workspace restore --repository remotes/api --branch feat/dirty --saved [HASH]
        Removed workspace remotes/api (feat/dirty)
        ----- stderr -----
        Deleted with it: 1 ignored path, 4 B: build.ign
        ");
    }
    assert!(!env.worktree("api", "feat/dirty").exists());
    let listed = saves(&env);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(listed[0]["branch"], "feat/dirty");
    assert_eq!(listed[0]["sandbox"], "worktree");
    assert_eq!(listed[0]["nested"], serde_json::json!(["nested"]));

    let restored = env.run(&["workspace", "restore", "-r", "api", "-b", "feat/dirty"]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert!(
        stdout(&restored).contains(&format!("from saved work {id}")),
        "{}",
        stdout(&restored)
    );
    assert_eq!(workspace_sh(&env, "feat/dirty", FINGERPRINT), before);

    // The workspace exists now: a second restore refuses and changes nothing.
    let again = env.run(&["workspace", "restore", "-r", "api", "-b", "feat/dirty"]);
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(workspace_sh(&env, "feat/dirty", FINGERPRINT), before);

    let dropped = env.ok(&["workspace", "saved", "drop", &id]);
    assert!(
        dropped.starts_with(&format!("Dropped saved work {id} ")),
        "{dropped}"
    );
    assert_eq!(saves(&env), Vec::<Value>::new());
    assert!(
        !env.data_root()
            .join("saved/local/remotes/api")
            .join(&id)
            .exists()
    );
}

#[test]
fn two_forced_removals_of_one_branch_in_a_row_make_two_saves() {
    let env = cloned_with("feat/twice");
    let workspace = env.worktree("api", "feat/twice");
    fs_err::write(workspace.join("first.txt"), "first\n").unwrap();
    let first = remove_force(&env, "feat/twice");
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/twice"]);
    fs_err::write(workspace.join("second.txt"), "second\n").unwrap();
    let second = remove_force(&env, "feat/twice");
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(second.status.success(), "{}", stderr(&second));

    let listed = saves(&env);
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_ne!(listed[0]["id"], listed[1]["id"]);
    assert_ne!(listed[0]["path"], listed[1]["path"]);
    // Each save holds its own work: the first is not overwritten by the second.
    for (save, file) in listed.iter().zip(["first.txt", "second.txt"]) {
        let id = save["id"].as_str().unwrap();
        env.ok(&[
            "workspace",
            "restore",
            "-r",
            "api",
            "-b",
            "feat/twice",
            "--saved",
            id,
        ]);
        let mut present: Vec<String> = fs_err::read_dir(&workspace)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name != ".git")
            .collect();
        present.sort();
        assert_eq!(present, ["README.md", file], "save {id}");
        env.ok(&[
            "workspace",
            "remove",
            "-r",
            "api",
            "-b",
            "feat/twice",
            "--force",
        ]);
    }
}

#[test]
fn concurrent_forced_removals_of_one_workspace_never_lose_its_work() {
    let env = cloned_with("feat/race");
    workspace_sh(&env, "feat/race", &make_work());
    let before = workspace_sh(&env, "feat/race", FINGERPRINT);

    let racers: Vec<_> = (0..3)
        .map(|_| {
            env.sk()
                .args([
                    "workspace",
                    "remove",
                    "-r",
                    "api",
                    "-b",
                    "feat/race",
                    "--force",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = racers
        .into_iter()
        .map(|racer| racer.wait_with_output().unwrap())
        .collect();
    let saved = outputs
        .iter()
        .filter(|output| stdout(output).contains("Saved the work at risk as"))
        .count();
    assert_eq!(saved, 1, "exactly one removal saves: {outputs:?}");
    for output in &outputs {
        // The others find it gone (or finish the removal the first began).
        assert!(
            output.status.success() || stderr(output).contains("does not exist"),
            "{output:?}"
        );
    }
    assert!(!env.worktree("api", "feat/race").exists());
    assert_eq!(saves(&env).len(), 1);

    env.ok(&["workspace", "restore", "-r", "api", "-b", "feat/race"]);
    assert_eq!(workspace_sh(&env, "feat/race", FINGERPRINT), before);
}

#[test]
fn a_forced_removal_of_a_docker_workspace_is_restored_with_one_command() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("saved", "");
    repo.create("feat/d");
    repo.sh("feat/d", &make_work());
    let before = repo.sh("feat/d", FINGERPRINT);
    let removed = repo.run(&[
        "workspace",
        "remove",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/d",
        "--force",
    ]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    let saved = stdout(&removed);
    assert!(
        saved.contains(
            "(2 commits, 3 modified, 1 untracked, 2 stash entries, 2 other refs, 1 nested repository)"
        ),
        "{saved}"
    );
    assert!(
        repo.list()
            .iter()
            .all(|row| row["branch"].as_str() != Some("feat/d"))
    );
    let listed = saves(&repo.env);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["sandbox"], "docker");
    assert_eq!(listed[0]["stash"], 2);

    // The save names its sandbox: no --sandbox needed.
    let restored = repo.run(&["workspace", "restore", "-r", &repo.name, "-b", "feat/d"]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert!(
        stdout(&restored).contains("in the docker sandbox"),
        "{}",
        stdout(&restored)
    );
    assert_eq!(repo.sh("feat/d", FINGERPRINT), before);
    assert_eq!(
        repo.sh("feat/d", "git notes show HEAD && git tag -l v9"),
        "a note\nv9\n"
    );
}
