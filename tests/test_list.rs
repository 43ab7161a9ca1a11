use serde_json::Value;

use crate::support::{TestEnv, stderr};

#[test]
fn list_json_shows_main_and_branch_workspaces_with_their_state() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/a"]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/b"]);
    std::fs::write(env.worktree("api", "feat/b").join("new.txt"), "x").unwrap();

    let rows: Vec<Value> = serde_json::from_str(&env.ok(&["workspace", "list", "--json"])).unwrap();
    let summary: Vec<(Value, bool)> = rows
        .iter()
        .map(|row| {
            assert_eq!(row["repository"], "remotes/api");
            assert_eq!(row["sandbox"], "worktree");
            assert!(std::path::Path::new(row["path"].as_str().unwrap()).is_dir());
            (row["branch"].clone(), row["dirty"].as_bool().unwrap())
        })
        .collect();
    assert_eq!(
        summary,
        [
            (Value::Null, false),
            (Value::from("feat/a"), false),
            (Value::from("feat/b"), true),
        ]
    );

    let table = env.ok(&["workspace", "list", "-r", "api"]);
    assert!(table.starts_with("REPOSITORY"), "{table}");
    assert_eq!(table.lines().count(), 4, "{table}");
}

#[test]
fn list_with_nothing_cloned_is_an_empty_array() {
    let env = TestEnv::new();
    assert_eq!(env.ok(&["workspace", "list", "--json"]).trim(), "[]");
}

#[test]
fn an_unknown_sandbox_is_a_usage_error() {
    let env = TestEnv::new();
    let output = env.run(&["--sandbox", "kubernetes", "workspace", "list"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("possible values: worktree, docker"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_docker_sandbox_errors_clearly_when_docker_is_not_there() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    let output = env
        .sk()
        .env(
            "DOCKER_HOST",
            format!("unix://{}/no-docker.sock", env.root().display()),
        )
        .args(["--sandbox", "docker", "workspace", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.starts_with("error: ") && err.to_lowercase().contains("docker"),
        "{err}"
    );
}

#[test]
fn verbose_logs_go_to_stderr_and_leave_stdout_to_results() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    let output = env.run(&["-v", "workspace", "list", "--json"]);
    assert!(output.status.success());
    assert!(stderr(&output).contains("DEBUG"), "{}", stderr(&output));
    let rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rows.len(), 1);
}
