//! Listing Docker workspaces through `sk`: found by their labels, running or stopped, and
//! kept apart per data root.

use serde_json::Value;

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
