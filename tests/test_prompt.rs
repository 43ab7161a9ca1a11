use expectrl::Expect;

use crate::support::{StandinModel, TestEnv, minimal_path, opencode_ready, stderr, stdout};

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
    error: the coding agent `opencode` is not installed in the workspace: `opencode` was not found there
      - install it (`npm install -g opencode-ai`) on this machine
      - or run another agent: --agent NAME, or `agent` in config.toml
    ");
}

#[test]
fn prompt_runs_the_real_opencode_against_a_stand_in_model() {
    if !opencode_ready() {
        return;
    }
    let env = TestEnv::with_agent_workspace();
    let model = StandinModel::start("The stand-in model answers.");
    env.use_model(&model);

    let output = env.run(&[
        "workspace",
        "prompt",
        "-r",
        "api",
        "-b",
        "agent",
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

/// `[agents.mine]`: a prompt that says what it got and whether it has a terminal, and an
/// interactive interface that says so and reads a line.
const MINE: &str = r#"[agents.mine]
prompt = ["sh", "-c", "echo mine got: $1", "sh", "{prompt}"]
interactive = ["sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo mine-on-a-terminal; read line; echo mine-read-$line; exit 6"]
"#;

#[test]
fn agent_chooses_a_preset_or_an_agent_of_the_users_own() {
    let env = env_with_workspace();
    env.write_config(MINE);
    let args = ["workspace", "prompt", "-r", "api", "-b", "feat/agent"];
    let output = env.run(&[&args[..], &["--agent", "mine", "go", "on"]].concat());
    insta::assert_snapshot!(env.screen(&output), @"
    [exit: 0]
    mine got: go on
    ----- stderr -----
    Starting mine in workspace remotes/api (feat/agent) [worktree]…
    ");
    // `agent` in config.toml, without --agent.
    env.write_config(&format!("agent = \"mine\"\n{MINE}"));
    assert_eq!(
        stdout(&env.run(&[&args[..], &["x"]].concat())),
        "mine got: x\n"
    );
    // An agent there is not is a usage error naming those there are.
    let output = env.run(&[&args[..], &["--agent", "nosuch", "x"]].concat());
    insta::assert_snapshot!(env.screen(&output), @r#"
    [exit: 2]
    ----- stderr -----
    error: there is no agent `nosuch` (known: opencode, claude, codex, gemini, aider, mine)
      - define it with an [agents.NAME] table in config.toml (prompt = ["program", "{prompt}"])
    "#);
}

#[test]
fn the_repositorys_agent_runs_when_the_user_chose_none() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    origin.push_commit("main", ".skipper.toml", "agent = \"mine\"\n");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/agent"]);
    env.write_config(MINE);
    let args = ["workspace", "prompt", "-r", "api", "-b", "feat/agent", "x"];
    assert_eq!(stdout(&env.run(&args)), "mine got: x\n");
    // The user's choice wins over the repository's.
    let output = env
        .sk()
        .env("PATH", minimal_path(&env, &["git", "sh"]))
        .args([&args[..], &["--agent", "claude"]].concat())
        .output()
        .unwrap();
    insta::assert_snapshot!(env.screen(&output), @"
    [exit: 1]
    ----- stderr -----
    Starting claude in workspace remotes/api (feat/agent) [worktree]…
    error: the coding agent `claude` is not installed in the workspace: `claude` was not found there
      - install it (`npm install -g @anthropic-ai/claude-code`) on this machine
      - or run another agent: --agent NAME, or `agent` in config.toml
    ");
}

#[test]
fn without_a_message_the_agent_opens_its_interface_on_the_terminal() {
    let env = env_with_workspace();
    env.write_config(MINE);
    let mut session = env.pty(&[
        "workspace",
        "prompt",
        "-r",
        "api",
        "-b",
        "feat/agent",
        "--agent",
        "mine",
    ]);
    session.expect("mine-on-a-terminal").unwrap();
    session.send_line("hello").unwrap();
    session.expect("mine-read-hello").unwrap();
    assert_eq!(crate::support::exit_code(&mut session), 6);
    // Off a terminal there is no interface to open: say what to give instead.
    let output = env.run(&[
        "workspace",
        "prompt",
        "-r",
        "api",
        "-b",
        "feat/agent",
        "--agent",
        "mine",
    ]);
    insta::assert_snapshot!(env.screen(&output), @"
    [exit: 2]
    ----- stderr -----
    error: no message for the agent, and no terminal for its interactive interface
      - give the message as arguments: sk workspace prompt -r R -b B 'fix the failing test'
    ");
}

#[test]
fn a_second_prompt_continues_the_workspaces_conversation_and_new_starts_another() {
    if !opencode_ready() {
        return;
    }
    // Branches without a `/` (see `TestEnv::with_agent_workspace`).
    let env = TestEnv::with_agent_workspace();
    env.ok(&["workspace", "create", "-r", "api", "-b", "other"]);
    let model = StandinModel::start("user messages: {users}.");
    env.use_model(&model);
    let prompt = |branch: &str, extra: &[&str]| {
        let mut args = vec!["workspace", "prompt", "-r", "api", "-b", branch];
        args.extend_from_slice(extra);
        let output = env.run(&args);
        assert!(
            output.status.success(),
            "{}\n{}",
            stdout(&output),
            stderr(&output)
        );
        stdout(&output)
    };
    let said = |text: &str, users: usize| text.contains(&format!("user messages: {users}."));
    let first = prompt("agent", &["one"]);
    assert!(said(&first, 1), "{first}");
    let second = prompt("agent", &["two"]);
    assert!(said(&second, 2), "{second}");
    // Another workspace of the same repository has a conversation of its own.
    let elsewhere = prompt("other", &["one"]);
    assert!(said(&elsewhere, 1), "{elsewhere}");
    let fresh = prompt("agent", &["--new", "three"]);
    assert!(said(&fresh, 1), "{fresh}");
    let after = prompt("agent", &["four"]);
    assert!(said(&after, 2), "{after}");
}

#[test]
fn without_a_message_the_real_opencode_opens_its_interface_and_answers_on_the_terminal() {
    if !opencode_ready() {
        return;
    }
    let env = TestEnv::with_agent_workspace();
    let model = StandinModel::start("stand-in-answers-on-the-terminal");
    env.use_model(&model);

    let mut session = env.pty(&["workspace", "prompt", "-r", "api", "-b", "agent"]);
    // The interface shows the model it talks to once it is up.
    session.expect("Echo").unwrap();
    session.send("say hello").unwrap();
    session.send("\r").unwrap();
    session.expect("stand-in-answers-on-the-terminal").unwrap();
    // Ctrl-C twice leaves it (the first one asks for the second); `sk` exits with it.
    session.send("\x03").unwrap();
    session.send("\x03").unwrap();
    let code = crate::support::exit_code(&mut session);
    assert!(code == 0 || code == 130, "exit {code}");
}

#[test]
fn remove_force_keeps_the_conversation_with_the_saved_work_and_restore_brings_it_back() {
    if !opencode_ready() {
        return;
    }
    let env = TestEnv::with_agent_workspace();
    let model = StandinModel::start("user messages: {users}.");
    env.use_model(&model);
    let prompt = |message: &str| {
        let output = env.run(&["workspace", "prompt", "-r", "api", "-b", "agent", message]);
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    assert!(prompt("one").contains("user messages: 1."));
    assert!(prompt("two").contains("user messages: 2."));

    // Nothing else is at risk: `--force` saves the workspace for its conversation alone.
    let removed = env.run(&["workspace", "remove", "-r", "api", "-b", "agent", "--force"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    assert!(
        stderr(&removed).contains(
            "Kept its conversation with opencode in the save: a prompt in the restored workspace continues it"
        ),
        "{}",
        stderr(&removed)
    );
    let saved = env.ok(&["workspace", "saved", "--json"]);
    let saved: serde_json::Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(saved[0]["conversations"], serde_json::json!(["opencode"]));

    let restored = env.run(&["workspace", "restore", "-r", "api", "-b", "agent"]);
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert!(
        stderr(&restored).contains("Its conversation with opencode is back"),
        "{}",
        stderr(&restored)
    );
    let third = prompt("three");
    assert!(third.contains("user messages: 3."), "{third}");
}
