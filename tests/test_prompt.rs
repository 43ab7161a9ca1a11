use crate::support::{StandinModel, TestEnv, minimal_path, require, stderr, stdout};

fn env_with_workspace() -> TestEnv {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/agent"]);
    env
}

#[test]
fn prompt_runs_the_configured_agent_in_the_workspace_and_returns_its_code() {
    let env = env_with_workspace();
    env.write_config(
        "[agent]\ncommand = [\"sh\", \"-c\", \"pwd; printf 'agent got: %s\\\\n' \\\"$1\\\"; exit 4\", \"sh\", \"{prompt}\"]\n",
    );
    let output = env.run(&[
        "workspace",
        "prompt",
        "-r",
        "api",
        "-b",
        "feat/agent",
        "fix",
        "the $(bug); now",
    ]);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    let workspace = env.worktree("api", "feat/agent");
    assert_eq!(
        stdout(&output),
        format!("{}\nagent got: fix the $(bug); now\n", workspace.display())
    );
}

#[test]
fn a_missing_agent_is_named_with_how_to_install_it() {
    let env = env_with_workspace();
    let output = env
        .sk()
        .env("PATH", minimal_path(&env, &["git", "sh"]))
        .args([
            "workspace",
            "prompt",
            "-r",
            "api",
            "-b",
            "feat/agent",
            "hello",
        ])
        .output()
        .unwrap();
    insta::assert_snapshot!(env.screen(&output), @"
    [exit: 1]
    ----- stderr -----
    Starting opencode in workspace remotes/api (feat/agent) [worktree]…
    error: the coding agent `opencode` is not installed in the workspace
      - install OpenCode with `npm install -g opencode-ai`, or set `agent.command` in config.toml
    ");
}

#[test]
fn prompt_runs_the_real_opencode_against_a_stand_in_model() {
    if !require("opencode", "SK_REQUIRE_OPENCODE") || !require("node", "SK_REQUIRE_OPENCODE") {
        return;
    }
    let env = env_with_workspace();
    let model = StandinModel::start("The stand-in model answers.");
    let config = env.root().join("xdg-config/opencode");
    fs_err::create_dir_all(&config).unwrap();
    fs_err::write(config.join("opencode.json"), model.opencode_config()).unwrap();

    let output = env.run(&[
        "workspace",
        "prompt",
        "-r",
        "api",
        "-b",
        "feat/agent",
        "say",
        "hello",
    ]);
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("The stand-in model answers."),
        "stdout: {}\nstderr: {}",
        stdout(&output),
        stderr(&output)
    );
}

#[test]
fn prompt_says_what_it_starts_where_and_asks_for_no_colour_off_a_terminal() {
    let env = env_with_workspace();
    env.write_config(
        "[agent]\ncommand = [\"sh\", \"-c\", \"echo NO_COLOR=${NO_COLOR-unset}; [ -t 1 ] && echo tty || echo no-tty\", \"sh\", \"{prompt}\"]\n",
    );
    // The test environment sets NO_COLOR itself: take it away, as a user's shell would.
    let output = env
        .sk()
        .env_remove("NO_COLOR")
        .args(["workspace", "prompt", "-r", "api", "-b", "feat/agent", "hi"])
        .output()
        .unwrap();
    insta::assert_snapshot!(env.screen(&output), @"
    [exit: 0]
    NO_COLOR=1
    no-tty
    ----- stderr -----
    Starting sh in workspace remotes/api (feat/agent) [worktree]…
    ");
    let quiet = env
        .sk()
        .env_remove("NO_COLOR")
        .args([
            "-q",
            "workspace",
            "prompt",
            "-r",
            "api",
            "-b",
            "feat/agent",
            "hi",
        ])
        .output()
        .unwrap();
    insta::assert_snapshot!(env.screen(&quiet), @"
    [exit: 0]
    NO_COLOR=1
    no-tty
    ----- stderr -----
    ");
}
