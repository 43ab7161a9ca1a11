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
