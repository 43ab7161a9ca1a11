use serde_json::Value;

use crate::support::{TestEnv, stderr};

#[test]
fn list_json_shows_main_and_branch_workspaces_with_their_state() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/a"]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/b"]);
    fs_err::write(env.worktree("api", "feat/b").join("new.txt"), "x").unwrap();

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

    insta::assert_snapshot!(env.screen_of(&["workspace", "list", "-r", "api"]), @"
    [exit: 0]
    REPOSITORY   BRANCH  SANDBOX   STATE  CHANGES  UNPUSHED  PORTS  PATH
    remotes/api  main    worktree  -      clean    none      -      [ROOT]/xdg-data/skipper/repos/local/remotes/api
    remotes/api  feat/a  worktree  -      clean    none      [PORT]  [ROOT]/xdg-data/skipper/worktrees/local/remotes/api/feat%2Fa
    remotes/api  feat/b  worktree  -      1 file   none      [PORT]  [ROOT]/xdg-data/skipper/worktrees/local/remotes/api/feat%2Fb
    ----- stderr -----
    ");
}

#[test]
fn list_with_nothing_cloned_is_an_empty_array() {
    let env = TestEnv::new();
    assert_eq!(env.ok(&["workspace", "list", "--json"]).trim(), "[]");
}

#[test]
fn an_unknown_sandbox_is_a_usage_error() {
    let env = TestEnv::new();
    let screen = env.screen_of(&["--sandbox", "kubernetes", "workspace", "list"]);
    insta::assert_snapshot!(screen, @"
    [exit: 2]
    ----- stderr -----
    error: invalid value 'kubernetes' for '--sandbox <SANDBOX>'
      [possible values: worktree, docker]

    For more information, try '--help'.
    ");
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
    // The cause is the Docker client's own wording: not ours to pin.
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"(no-docker\.sock): .*", "$1: [CAUSE]");
    let _filters = settings.bind_to_scope();
    insta::assert_snapshot!(env.screen(&output), @"
    [exit: 1]
    ----- stderr -----
    error: Docker is not reachable at unix://[ROOT]/no-docker.sock: [CAUSE]
      - start the Docker daemon or set DOCKER_HOST
      - or use the worktree sandbox: `--sandbox worktree`
    ");
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
