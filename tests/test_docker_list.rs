//! Listing Docker workspaces through `sk`: found by their labels, running or stopped, and
//! kept apart per data root.

use serde_json::{Value, json};

use crate::support::docker::{DockerRepo, docker_ok, docker_ready};
use crate::support::{stderr, stdout};

#[test]
fn list_shows_main_and_branch_containers_running_and_stopped() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("list", "");
    repo.create("feat/a");
    repo.create("feat/b");
    docker_ok(&["stop", "-t", "1", &repo.container(Some("feat/b"))]);

    let rows = repo.list();
    let summary: Vec<(Option<&str>, &str)> = rows
        .iter()
        .map(|row| {
            assert_eq!(row["sandbox"], "docker");
            (row["branch"].as_str(), row["state"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        summary,
        [
            (None, "running"),
            (Some("feat/a"), "running"),
            (Some("feat/b"), "exited")
        ]
    );
    // A stopped container is started again by run.
    assert_eq!(repo.sh("feat/b", "echo back").trim(), "back");
}

#[test]
fn a_container_removed_behind_sks_back_is_simply_gone() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("gone", "");
    repo.create("feat/a");
    docker_ok(&["rm", "-f", &repo.container(Some("feat/a"))]);
    let _filters = crate::support::snapshot_filters();
    insta::assert_snapshot!(repo.screen_of("run", "feat/a", &["--", "true"]), @"
    [exit: 1]
    ----- stderr -----
    error: workspace remotes/[REPO] (feat/a) does not exist in the docker sandbox
      - create it with `sk workspace create --repository remotes/[REPO] --branch feat/a --sandbox docker`
    ");
}

#[test]
fn two_data_roots_on_one_daemon_keep_their_own_containers() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("roots", "");
    // A second data root (another user, or an experiment) cloning the same remote.
    let other_root = repo.env.root().join("other-data");
    let other = |args: &[&str]| {
        let output = repo
            .env
            .sk()
            .env("SKIPPER_HOME", &other_root)
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        stdout(&output)
    };
    other(&["clone", &repo.origin.url, "--sandbox", "docker"]);
    let theirs: Vec<Value> = serde_json::from_str(&other(&[
        "workspace",
        "list",
        "--sandbox",
        "docker",
        "--json",
    ]))
    .unwrap();
    let ours = repo.list();
    assert_eq!(theirs.len(), 1, "{theirs:?}");
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_ne!(theirs[0]["container"], ours[0]["container"]);
}

#[test]
fn the_main_container_is_called_by_the_default_branch_and_b_of_it_means_main() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("named", "");
    let pwd = repo.sh("release/v1", "pwd");
    assert_eq!(pwd.trim(), format!("/workspace/{}", repo.name));
    let rows = repo.list();
    assert_eq!(rows[0]["branch"], Value::Null);
    assert_eq!(rows[0]["default_branch"], "release/v1");
    let table = repo.ok(&["workspace", "list", "--sandbox", "docker", "-r", &repo.name]);
    let main_row = table.lines().nth(1).unwrap();
    assert!(
        main_row.contains(" release/v1 ") && main_row.contains(" docker "),
        "{table}"
    );
}

#[test]
fn a_docker_clone_leaves_main_to_the_default_sandbox() {
    if !docker_ready() {
        return;
    }
    // The config names no sandbox: the host checkout is the main workspace.
    let repo = DockerRepo::new("tie", "");
    // The docker clone wrote the host checkout's working tree beside the container's copy.
    let checkout = repo.env.checkout(&repo.name);
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&checkout)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(git(&["status", "--porcelain", "--untracked-files=all"]), "");
    let tracked = git(&["ls-files"]);
    assert!(!tracked.is_empty(), "the index is empty");
    for file in tracked.lines() {
        assert!(checkout.join(file).exists(), "{file} was not written");
    }
    let pwd = repo.ok(&["workspace", "run", "-r", &repo.name, "--", "pwd"]);
    assert_eq!(
        pwd.trim(),
        repo.env.checkout(&repo.name).display().to_string()
    );
    let pwd = repo.ok(&[
        "workspace",
        "run",
        "-r",
        &repo.name,
        "-b",
        "release/v1",
        "--",
        "pwd",
    ]);
    assert_eq!(
        pwd.trim(),
        repo.env.checkout(&repo.name).display().to_string()
    );
    // Configured to Docker, the main container is.
    let config = fs_err::read_to_string(repo.env.config_file()).unwrap();
    repo.env
        .write_config(&format!("sandbox = \"docker\"\n{config}"));
    let pwd = repo.ok(&["workspace", "run", "-r", &repo.name, "--", "pwd"]);
    assert_eq!(pwd.trim(), format!("/workspace/{}", repo.name));
}

/// Issue 9, point 13, in containers: changes, unpushed commits and a stash are told apart,
/// "clean" is what `remove` checks, and a stopped container is not started to be looked at.
#[test]
fn clean_in_list_means_remove_goes_ahead_in_containers_too() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("listrisk", "");
    for branch in ["a-clean", "b-dirty", "c-committed", "d-stash", "e-stopped"] {
        repo.create(branch);
    }
    repo.sh("b-dirty", "echo x > new.txt");
    repo.sh(
        "c-committed",
        "echo 1 > one.txt && git add one.txt && git commit -qm one",
    );
    repo.sh("d-stash", "echo x >> README.md && git stash -q");
    let stopped = repo.container(Some("e-stopped"));
    docker_ok(&["stop", "-t", "1", &stopped]);

    let rows = repo.list();
    let summary = crate::support::risk_summary(&rows);
    assert_eq!(
        summary,
        [
            (Value::Null, json!(false), json!(0), json!(true)),
            (json!("a-clean"), json!(false), json!(0), json!(true)),
            (json!("b-dirty"), json!(true), json!(0), json!(false)),
            (json!("c-committed"), json!(false), json!(1), json!(false)),
            (json!("d-stash"), json!(false), json!(0), json!(false)),
            (json!("e-stopped"), Value::Null, Value::Null, Value::Null),
        ]
    );
    let state = docker_ok(&["inspect", "-f", "{{.State.Running}}", &stopped]);
    assert_eq!(state.trim(), "false", "list started a stopped container");
    let table = repo.ok(&["workspace", "list", "--sandbox", "docker", "-r", &repo.name]);
    let cells = |branch: &str| -> Vec<String> {
        let line = table
            .lines()
            .find(|line| line.split_whitespace().nth(1) == Some(branch))
            .unwrap_or_else(|| panic!("no row for {branch} in\n{table}"));
        line.split("  ")
            .map(str::trim)
            .filter(|cell| !cell.is_empty())
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(cells("c-committed")[3..6], ["running", "none", "1 commit"]);
    assert_eq!(cells("d-stash")[3..6], ["running", "none", "1 stash entry"]);
    assert_eq!(cells("e-stopped")[3..6], ["exited", "-", "-"]);

    for row in &rows[1..5] {
        let branch = row["branch"].as_str().unwrap();
        let removed = repo
            .run(&[
                "workspace",
                "remove",
                "--sandbox",
                "docker",
                "-r",
                &repo.name,
                "-b",
                branch,
            ])
            .status
            .success();
        assert_eq!(
            Some(removed),
            row["clean"].as_bool(),
            "list said clean={} for {branch}",
            row["clean"]
        );
    }
}
