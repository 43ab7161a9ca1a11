//! Races between `sk` processes: many started at once (spawned together, then all waited
//! for; nothing sleeps), each must end as if they had run one after another.

use std::process::{Output, Stdio};

use serde_json::Value;

use crate::support::docker::{DockerRepo, docker_ready, events_since, unix_now};
use crate::support::{TestEnv, cloned_api as cloned, stderr, stdout};

/// Starts `sk` with each of `runs` at once, then waits for them all.
fn all_at_once(env: &TestEnv, runs: &[Vec<String>]) -> Vec<Output> {
    let children: Vec<_> = runs
        .iter()
        .map(|args| {
            env.sk()
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|child| child.wait_with_output().unwrap())
        .collect()
}

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|&word| word.to_owned()).collect()
}

/// Every run succeeded, without another program's words (git's `fatal:`, the daemon's
/// HTTP statuses) reaching the user.
fn assert_all_succeeded(env: &TestEnv, outputs: &[Output]) {
    for output in outputs {
        let screen = env.screen(output);
        assert!(output.status.success(), "{screen}");
        for raw in ["fatal:", "HTTP", "error:"] {
            assert!(!stderr(output).contains(raw), "{raw}: {screen}");
        }
    }
}

/// Of parallel creates of one branch, exactly one made it and the others found it.
fn assert_one_created(env: &TestEnv, outputs: &[Output]) {
    assert_all_succeeded(env, outputs);
    let created = outputs
        .iter()
        .filter(|output| stdout(output).contains("Created workspace"))
        .count();
    let found = outputs
        .iter()
        .filter(|output| stdout(output).contains("already exists"))
        .count();
    assert_eq!((created, found), (1, outputs.len() - 1));
}

#[test]
fn eight_worktree_creates_of_different_branches_all_succeed() {
    let env = cloned();
    let runs: Vec<Vec<String>> = (0..8)
        .map(|i| {
            args(&[
                "workspace",
                "create",
                "-r",
                "api",
                "-b",
                &format!("race/branch-{i}"),
            ])
        })
        .collect();
    let outputs = all_at_once(&env, &runs);
    assert_all_succeeded(&env, &outputs);
    let worktrees = env.git(&env.checkout("api"), &["worktree", "list", "--porcelain"]);
    assert_eq!(worktrees.matches("worktree ").count(), 9, "{worktrees}");
    assert!(!worktrees.contains("locked"), "{worktrees}");
    for i in 0..8 {
        let branch = format!("race/branch-{i}");
        let dir = env.worktree("api", &branch);
        assert_eq!(env.git(&dir, &["branch", "--show-current"]), branch);
        assert_eq!(env.git(&dir, &["status", "--porcelain"]), "");
    }
}

#[test]
fn four_worktree_creates_of_one_branch_make_it_once() {
    let env = cloned();
    let runs = vec![args(&["workspace", "create", "-r", "api", "-b", "race/same"]); 4];
    let outputs = all_at_once(&env, &runs);
    assert_one_created(&env, &outputs);
    let dir = env.worktree("api", "race/same");
    assert_eq!(env.git(&dir, &["status", "--porcelain"]), "");
}

/// `create` and `remove` of one branch together end as one after the other would: the
/// remove always succeeds (the workspace was there), a create that made the workspace
/// leaves it there, and one that found it leaves it to the remove; whatever is left is
/// whole or nothing.
#[test]
fn create_racing_remove_of_one_branch_ends_consistently() {
    let env = cloned();
    let branch = "race/create-remove";
    let dir = env.worktree("api", branch);
    for round in 0..4 {
        if !dir.exists() {
            env.ok(&["workspace", "create", "-r", "api", "-b", branch]);
        }
        let runs = [
            args(&["workspace", "create", "-r", "api", "-b", branch]),
            args(&["workspace", "remove", "-r", "api", "-b", branch]),
        ];
        let outputs = all_at_once(&env, &runs);
        let (created, removed) = (&outputs[0], &outputs[1]);
        assert_all_succeeded(&env, &outputs);
        let made = stdout(created).contains("Created workspace");
        let found = stdout(created).contains("already exists");
        assert!(made != found, "round {round}: {}", env.screen(created));
        assert!(stdout(removed).contains("Removed workspace"));
        // Made after the removal: it is there. Found before it: the removal took it.
        assert_eq!(dir.exists(), made, "round {round}");
        let worktrees = env.git(&env.checkout("api"), &["worktree", "list", "--porcelain"]);
        assert!(!worktrees.contains("locked"), "{worktrees}");
        if made {
            assert_eq!(env.git(&dir, &["status", "--porcelain"]), "");
            assert_eq!(env.git(&dir, &["branch", "--show-current"]), branch);
        } else {
            assert!(!worktrees.contains("race%2Fcreate-remove"), "{worktrees}");
        }
    }
}

/// Parallel creates on the Docker sandbox of a repository with no snapshot yet: one
/// branch's creates make it once (the others say it exists, never HTTP 409), another
/// branch is made beside it, and one snapshot is built for all of them.
#[test]
fn docker_creates_at_once_make_each_workspace_once_from_one_snapshot() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::uncloned("race-create", "");
    repo.ok(&["clone", &repo.origin.url.clone()]);
    let create = |branch: &str| {
        args(&[
            "workspace",
            "create",
            "--sandbox",
            "docker",
            "-r",
            &repo.name,
            "-b",
            branch,
        ])
    };
    let mut runs = vec![create("race/same"); 4];
    runs.push(create("race/other"));
    let outputs = all_at_once(&repo.env, &runs);
    assert_one_created(&repo.env, &outputs[..4]);
    assert_all_succeeded(&repo.env, &outputs[4..]);
    assert_eq!(repo.resources("images", "repository-snapshot").len(), 1);
    assert!(repo.resources("ps", "snapshot-builder").is_empty());
    let branches: Vec<Value> = repo.list();
    for branch in ["race/same", "race/other"] {
        let row = branches
            .iter()
            .find(|row| row["branch"].as_str() == Some(branch))
            .unwrap_or_else(|| panic!("{branch}: {branches:?}"));
        assert_eq!(row["state"], "running", "{row}");
    }
    assert_eq!(repo.resources("ps", "workspace").len(), 2);
}

/// Four `sk clone --sandbox docker` of one remote at once: all succeed, and none removes
/// the main container another made.
#[test]
fn four_docker_clones_of_one_remote_share_one_main_container() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::uncloned("race-clone", "");
    let since = unix_now();
    let runs = vec![args(&["clone", &repo.origin.url, "--sandbox", "docker"]); 4];
    let outputs = all_at_once(&repo.env, &runs);
    assert_all_succeeded(&repo.env, &outputs);
    let cloned = outputs
        .iter()
        .filter(|output| stdout(output).contains("Cloned"))
        .count();
    assert_eq!(cloned, 1);
    let mains = repo.resources("ps", "workspace");
    assert_eq!(mains.len(), 1, "{mains:?}");
    let rows = repo.list();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["state"], "running", "{rows:?}");
    // No workspace container of this repository was ever destroyed.
    let destroyed = events_since(
        &since,
        &[
            "type=container",
            "event=destroy",
            &format!("label=dev.skipper.repository=local/remotes/{}", repo.name),
            "label=dev.skipper.role=workspace",
        ],
        None,
    );
    assert_eq!(destroyed, "", "a main container was removed");
}
