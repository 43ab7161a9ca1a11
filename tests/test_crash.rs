//! The crash suite: `sk` killed (SIGKILL, nothing of its own runs after) at each phase of
//! `create`, `remove`, `remove --force` and `clone` on both sandboxes, through the fault
//! points `docs/reliability.md` lists; then the same command again, which must finish the
//! job with no work lost: a workspace made whole, or removed with its work in a save that
//! `sk workspace saved` lists.

use serde_json::Value;

use crate::support::crash::Kill;
use crate::support::docker::{DockerRepo, docker_ok, docker_ready, docker_ws};
use crate::support::{TestEnv, cloned_api as cloned, listed, stderr, stdout, ws};

/// The worktree of `branch` is whole: on its branch, clean, unlocked, listed as a plain
/// workspace, and commands run in it.
fn assert_whole(env: &TestEnv, branch: &str) {
    let dir = env.worktree("api", branch);
    assert_eq!(env.git(&dir, &["branch", "--show-current"]), branch);
    assert_eq!(env.git(&dir, &["status", "--porcelain"]), "");
    let worktrees = env.git(&env.checkout("api"), &["worktree", "list", "--porcelain"]);
    assert!(!worktrees.contains("locked"), "{worktrees}");
    let row = listed(env, branch).unwrap_or_else(|| panic!("{branch} is not listed"));
    assert_eq!(row["state"], Value::Null, "{row}");
    let ran = env.ok(&ws(
        "run",
        branch,
        &["--", "git", "rev-parse", "--abbrev-ref", "HEAD"],
    ));
    assert_eq!(ran.trim(), branch);
}

/// `sk workspace create` of `branch` again, after a crash: it succeeds, saying it made the
/// workspace (or, when the crash came after it was finished, that it exists).
fn create_again(env: &TestEnv, branch: &str, finished_before: bool) {
    let output = env.run(&ws("create", branch, &[]));
    let screen = env.screen(&output);
    assert!(output.status.success(), "{screen}");
    let said = if finished_before {
        "already exists"
    } else {
        "Created workspace"
    };
    assert!(stdout(&output).contains(said), "{screen}");
    assert_whole(env, branch);
}

#[test]
fn a_worktree_create_killed_at_any_phase_is_made_by_the_next_create() {
    let env = cloned();
    // (point, who dies, whether the workspace is left half made, finished)
    let phases = [
        ("create.before-sandbox", Kill::Sk, None),
        ("worktree.create.after-add", Kill::Sk, Some(true)),
        // git dies with sk, anywhere in the checkout: always still locked as being made.
        ("worktree.create.during-checkout", Kill::Group, Some(true)),
        ("worktree.create.after-checkout", Kill::Sk, Some(true)),
        ("create.after-sandbox", Kill::Sk, Some(false)),
    ];
    for (i, (point, kill, half_made)) in phases.into_iter().enumerate() {
        let branch = format!("crash/create-{i}");
        env.killed_at(point, kill, &ws("create", &branch, &[]));
        let row = listed(&env, &branch);
        match half_made {
            None => assert!(row.is_none(), "{point}: {row:?}"),
            Some(half_made) => {
                let row = row.unwrap_or_else(|| panic!("{point}: {branch} is not listed"));
                let state = if half_made { "half-made" } else { "null" };
                assert_eq!(row["state"].to_string().trim_matches('"'), state, "{point}");
            }
        }
        if half_made == Some(true) {
            let refused = env.run(&ws("run", &branch, &["--", "true"]));
            assert_eq!(refused.status.code(), Some(1), "{point}");
            assert!(
                stderr(&refused).contains("was never finished"),
                "{point}: {}",
                env.screen(&refused)
            );
        }
        create_again(&env, &branch, half_made == Some(false));
    }
}

/// The state the issue reported: a create killed while git checked out leaves the
/// worktree locked, its index lock behind and every file a staged deletion. Nothing of it
/// is the user's: `remove` needs no `--force` and saves nothing, and `create` remakes it.
#[test]
fn a_worktree_killed_mid_checkout_is_removed_without_a_save_or_made_again() {
    let env = cloned();
    for (branch, then) in [("crash/lock-a", "remove"), ("crash/lock-b", "create")] {
        env.killed_at(
            "worktree.create.after-add",
            Kill::Sk,
            &ws("create", branch, &[]),
        );
        let dir = env.worktree("api", branch);
        // As git leaves it when killed part way through writing the index.
        let gitdir = fs_err::read_to_string(dir.join(".git")).unwrap();
        let admin = std::path::PathBuf::from(gitdir.trim().strip_prefix("gitdir: ").unwrap());
        fs_err::write(admin.join("index.lock"), "").unwrap();
        let worktrees = env.git(&env.checkout("api"), &["worktree", "list", "--porcelain"]);
        assert!(worktrees.contains("locked"), "{worktrees}");
        if then == "remove" {
            let output = env.run(&ws("remove", branch, &["--force"]));
            let screen = env.screen(&output);
            assert!(output.status.success(), "{screen}");
            assert!(!stdout(&output).contains("Saved"), "{screen}");
            assert_eq!(env.ok(&["workspace", "saved", "--json"]).trim(), "[]");
            assert!(!dir.exists());
            assert!(!admin.exists(), "git still records it");
            assert!(listed(&env, branch).is_none());
        }
        create_again(&env, branch, false);
    }
}

#[test]
fn a_clean_worktree_remove_killed_at_any_phase_is_finished_by_the_next_remove() {
    let env = cloned();
    // (point, who dies, whether the removal had begun)
    let phases = [
        ("remove.after-save", Kill::Sk, false),
        ("remove.before-destroy", Kill::Sk, true),
        ("worktree.destroy.after-move", Kill::Sk, true),
        ("worktree.destroy.after-move", Kill::Group, true),
        ("worktree.destroy.after-prune", Kill::Sk, true),
        ("remove.after-destroy", Kill::Sk, true),
    ];
    for (i, (point, kill, began)) in phases.into_iter().enumerate() {
        let branch = format!("crash/remove-{i}");
        env.ok(&ws("create", &branch, &[]));
        env.killed_at(point, kill, &ws("remove", &branch, &[]));
        let dir = env.worktree("api", &branch);
        // Whole, or gone: never half deleted.
        if dir.exists() {
            assert_whole(&env, &branch);
        } else {
            assert!(listed(&env, &branch).is_none(), "{point}");
        }
        let output = env.run(&ws("remove", &branch, &[]));
        let screen = env.screen(&output);
        assert!(output.status.success(), "{point}: {screen}");
        assert!(stdout(&output).contains("Removed workspace"), "{screen}");
        assert_eq!(
            stderr(&output).contains("Finishing a removal that was interrupted"),
            began,
            "{point}: {screen}"
        );
        assert!(!dir.exists(), "{point}");
        assert!(listed(&env, &branch).is_none(), "{point}");
        // The branch stays, and nothing git still records stands in the way of a new one.
        env.git(
            &env.checkout("api"),
            &["rev-parse", "--verify", &format!("refs/heads/{branch}")],
        );
        create_again(&env, &branch, false);
    }
    // What a crash left in the trash is all under one directory anyone may delete.
    let trash = env.data_root().join("trash");
    for entry in fs_err::read_dir(&trash).into_iter().flatten() {
        let name = entry.unwrap().file_name();
        assert!(name.to_string_lossy().starts_with("worktree-"), "{name:?}");
    }
}

/// A workspace with an unpushed commit, a modified file and an untracked file.
fn with_work(env: &TestEnv, branch: &str) {
    env.ok(&ws("create", branch, &[]));
    let dir = env.worktree("api", branch);
    fs_err::write(dir.join("work.txt"), "committed\n").unwrap();
    env.git(&dir, &["add", "work.txt"]);
    env.git(&dir, &["commit", "--quiet", "-m", "local work"]);
    fs_err::write(dir.join("README.md"), "changed\n").unwrap();
    fs_err::write(dir.join("notes.txt"), "untracked\n").unwrap();
}

/// The saves of `branch`, as `sk workspace saved --json` lists them.
fn saves_of(env: &TestEnv, branch: &str) -> Vec<Value> {
    let rows: Vec<Value> =
        serde_json::from_str(&env.ok(&["workspace", "saved", "--json"])).unwrap();
    rows.into_iter()
        .filter(|row| row["branch"].as_str() == Some(branch))
        .collect()
}

/// The work [`with_work`] made is in each of `count` saves.
fn assert_saved(saves: &[Value], count: usize, point: &str) {
    assert_eq!(saves.len(), count, "{point}: {saves:?}");
    for save in saves {
        assert_eq!(
            (&save["commits"], &save["modified"], &save["untracked"]),
            (&Value::from(1), &Value::from(1), &Value::from(1)),
            "{point}: {save}"
        );
    }
}

#[test]
fn a_forced_worktree_remove_killed_at_any_phase_keeps_the_work_in_a_save() {
    let env = cloned();
    // (point, whether the removal had begun, saves in the end). Killed with the save made
    // and the removal not yet recorded, the next run finds the work still there and saves
    // it again: two complete saves, nothing lost.
    let phases = [
        ("remove.after-reserve", false, 1),
        ("remove.after-save", false, 2),
        ("remove.before-destroy", true, 1),
        ("worktree.destroy.after-move", true, 1),
        ("remove.after-destroy", true, 1),
    ];
    for (i, (point, began, saves)) in phases.into_iter().enumerate() {
        let branch = format!("crash/force-{i}");
        with_work(&env, &branch);
        env.killed_at(point, Kill::Sk, &ws("remove", &branch, &["--force"]));
        let dir = env.worktree("api", &branch);
        if !began {
            // Killed before the removal began: the work is where it was.
            assert_eq!(
                fs_err::read_to_string(dir.join("notes.txt")).unwrap(),
                "untracked\n"
            );
        }
        let output = env.run(&ws("remove", &branch, &["--force"]));
        let screen = env.screen(&output);
        assert!(output.status.success(), "{point}: {screen}");
        assert!(stdout(&output).contains("Removed workspace"), "{screen}");
        let earlier = stdout(&output).contains("The interrupted removal saved the work as");
        assert_eq!(earlier, began, "{point}: {screen}");
        assert!(!dir.exists());
        assert_saved(&saves_of(&env, &branch), saves, point);
    }
}

#[test]
fn a_worktree_clone_killed_after_the_checkout_is_finished_by_the_next_clone() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.killed_at("clone.after-checkout", Kill::Group, &["clone", &origin.url]);
    env.ok(&["clone", &origin.url]);
    let rows: Vec<Value> =
        serde_json::from_str(&env.ok(&["workspace", "list", "--json", "-r", "api"])).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["branch"], Value::Null);
    create_again(&env, "crash/after-clone", false);
}

// ---------------------------------------------------------------------------------------
// Docker: few points per container, so the suite stays short on two cores.
// ---------------------------------------------------------------------------------------

/// The row of `branch` in the Docker list, if any.
fn docker_listed(repo: &DockerRepo, branch: &str) -> Option<Value> {
    repo.list()
        .into_iter()
        .find(|row| row["branch"].as_str() == Some(branch))
}

#[test]
fn a_docker_create_killed_at_any_phase_is_made_by_the_next_create() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("crash-create", "");
    // (point, who dies, what it leaves: no workspace, a half-made one, a finished one)
    let phases = [
        ("create.before-sandbox", Kill::Sk, None),
        ("docker.create.after-container", Kill::Sk, Some("half-made")),
        ("docker.create.during-copy", Kill::Sk, Some("half-made")),
        ("docker.create.before-setup", Kill::Group, Some("half-made")),
        ("create.after-sandbox", Kill::Sk, Some("running")),
    ];
    for (i, (point, kill, left)) in phases.into_iter().enumerate() {
        let branch = format!("crash/create-{i}");
        repo.env
            .killed_at(point, kill, &docker_ws(&repo, "create", &branch, &[]));
        let row = docker_listed(&repo, &branch);
        assert_eq!(
            row.as_ref().and_then(|row| row["state"].as_str()),
            left,
            "{point}: {row:?}"
        );
        if left == Some("half-made") {
            let refused = repo.run(&docker_ws(&repo, "run", &branch, &["--", "true"]));
            assert_eq!(refused.status.code(), Some(1), "{point}");
            assert!(
                stderr(&refused).contains("was never finished"),
                "{point}: {}",
                repo.screen(&refused)
            );
        }
        let output = repo.run(&docker_ws(&repo, "create", &branch, &[]));
        let screen = repo.screen(&output);
        assert!(output.status.success(), "{point}: {screen}");
        let said = if left == Some("running") {
            "already exists"
        } else {
            "Created workspace"
        };
        assert!(stdout(&output).contains(said), "{point}: {screen}");
        assert_eq!(repo.sh(&branch, "git branch --show-current").trim(), branch);
        assert_eq!(repo.sh(&branch, "git status --porcelain"), "");
        let row = docker_listed(&repo, &branch).unwrap();
        assert_eq!(row["state"], "running", "{row}");
    }
    // A half-made one is removed without --force, saving nothing.
    repo.env.killed_at(
        "docker.create.before-setup",
        Kill::Sk,
        &docker_ws(&repo, "create", "crash/half", &[]),
    );
    let output = repo.run(&docker_ws(&repo, "remove", "crash/half", &[]));
    assert!(output.status.success(), "{}", repo.screen(&output));
    assert!(docker_listed(&repo, "crash/half").is_none());
    assert!(repo.ok(&["workspace", "saved", "--json"]).trim() == "[]");
}

#[test]
fn a_docker_remove_killed_before_or_after_destroying_is_finished_by_the_next_remove() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("crash-remove", "");
    // Clean: killed before the removal began, before and after the container went.
    for (branch, point, began) in [
        ("crash/clean-a", "remove.after-save", false),
        ("crash/clean-b", "remove.before-destroy", true),
        ("crash/clean-c", "remove.after-destroy", true),
    ] {
        repo.create(branch);
        repo.env
            .killed_at(point, Kill::Sk, &docker_ws(&repo, "remove", branch, &[]));
        let output = repo.run(&docker_ws(&repo, "remove", branch, &[]));
        let screen = repo.screen(&output);
        assert!(output.status.success(), "{point}: {screen}");
        assert_eq!(
            stderr(&output).contains("Finishing a removal that was interrupted"),
            began,
            "{point}: {screen}"
        );
        assert!(docker_listed(&repo, branch).is_none(), "{point}");
    }
    // Forced, with work: killed once the save was made, and again before destroying.
    let branch = "crash/forced";
    repo.create(branch);
    repo.sh(
        branch,
        "git -c user.name=t -c user.email=t@e commit -q --allow-empty -m unpushed && echo changed > README.md && echo new > new.txt",
    );
    let container = repo.container(Some(branch));
    // Killed with a save reserved and not yet made: an incomplete save no list shows.
    repo.env.killed_at(
        "remove.after-reserve",
        Kill::Sk,
        &docker_ws(&repo, "remove", branch, &["--force"]),
    );
    repo.env.killed_at(
        "remove.after-save",
        Kill::Sk,
        &docker_ws(&repo, "remove", branch, &["--force"]),
    );
    // Killed with the save made and the removal not yet recorded: the next run finds
    // the work still there and saves it again, then is killed once the removal began.
    repo.env.killed_at(
        "remove.before-destroy",
        Kill::Group,
        &docker_ws(&repo, "remove", branch, &["--force"]),
    );
    docker_ok(&["inspect", "--format", "{{.State.Running}}", &container]);
    let output = repo.run(&docker_ws(&repo, "remove", branch, &["--force"]));
    let screen = repo.screen(&output);
    assert!(output.status.success(), "{screen}");
    assert!(
        stdout(&output).contains("The interrupted removal saved the work as"),
        "{screen}"
    );
    assert!(docker_listed(&repo, branch).is_none());
    let saves: Vec<Value> =
        serde_json::from_str(&repo.ok(&["workspace", "saved", "--json"])).unwrap();
    let ours: Vec<&Value> = saves
        .iter()
        .filter(|row| row["branch"].as_str() == Some(branch))
        .collect();
    // The first run's save and the second's: both complete, both listed, the work in each.
    assert_eq!(ours.len(), 2, "{saves:?}");
    for save in ours {
        assert!(
            std::path::Path::new(save["path"].as_str().unwrap()).exists(),
            "{save}"
        );
    }
}

#[test]
fn a_docker_clone_killed_after_the_checkout_is_finished_by_the_next_clone_and_a_create_killed_during_the_snapshot_by_the_next_create()
 {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::uncloned("crash-clone", "");
    let url = repo.origin.url.clone();
    let clone = ["clone", url.as_str(), "--sandbox", "docker"];
    repo.env.killed_at("clone.after-checkout", Kill::Sk, &clone);
    repo.ok(&clone);
    // The clone makes no snapshot: the first branch does.
    assert!(repo.resources("images", "repository-snapshot").is_empty());
    let rows = repo.list();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["state"], "running", "{rows:?}");
    assert_eq!(repo.sh_main("git status --porcelain"), "");
    let create = [
        "workspace",
        "create",
        "-r",
        repo.name.as_str(),
        "-b",
        "feat/x",
        "--sandbox",
        "docker",
    ];
    repo.env
        .killed_at("docker.snapshot.during-copy", Kill::Sk, &create);
    let builders = repo.resources("ps", "snapshot-builder");
    assert_eq!(builders.len(), 1, "the killed build left its builder");
    repo.ok(&create);
    assert!(
        repo.resources("ps", "snapshot-builder").is_empty(),
        "the builder was left"
    );
    assert_eq!(repo.resources("images", "repository-snapshot").len(), 1);
    let rows = repo.list();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(repo.sh("feat/x", "git status --porcelain"), "");
}
