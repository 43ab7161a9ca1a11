use std::process::Command;

use expectrl::Expect;

use crate::support::{TestEnv, exit_code, minimal_path};

fn tmux(env: &TestEnv, args: &[&str]) -> bool {
    let mut command = Command::new("tmux");
    env.isolate(&mut command);
    command
        .args(args)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
        .success()
}

fn tmux_sessions(env: &TestEnv) -> Vec<String> {
    let mut command = Command::new("tmux");
    env.isolate(&mut command);
    let output = command
        .args(["list-sessions", "-F", "#{session_name}"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn attach_starts_tmux_in_the_workspace_and_detach_ends_the_session() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/tty"]);
    let workspace = env.worktree("api", "feat/tty");

    let mut session = env.pty(&["workspace", "attach", "-r", "api", "-b", "feat/tty"]);
    // A command typed in the session runs in the workspace directory.
    session
        .send_line("pwd > attach-marker; echo attached-$((40+2))")
        .unwrap();
    session.expect("attached-42").unwrap();
    // Detach from inside the session (as the prefix key would): sk returns, the session
    // stays. The command, unlike keystrokes racing tmux's terminal queries, is deterministic.
    session.send_line("tmux detach-client").unwrap();
    session.expect("[detached").unwrap();
    assert_eq!(exit_code(&mut session), 0);
    let marker = fs_err::read_to_string(workspace.join("attach-marker")).unwrap();
    assert_eq!(marker.trim(), workspace.display().to_string());

    let sessions = tmux_sessions(&env);
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert!(sessions[0].starts_with("sk_api-feat-tty-"), "{sessions:?}");

    let _filters = crate::support::snapshot_filters();
    let ended = env.screen_of(&["workspace", "detach", "-r", "api", "-b", "feat/tty"]);
    insta::assert_snapshot!(ended, @"
    [exit: 0]
    Ended the session of remotes/api (feat/tty)
    ----- stderr -----
    ");
    assert!(tmux_sessions(&env).is_empty());
    let again = env.screen_of(&["workspace", "detach", "-r", "api", "-b", "feat/tty"]);
    insta::assert_snapshot!(again, @"
    [exit: 0]
    No session to end for remotes/api (feat/tty)
    ----- stderr -----
    ");
}

#[test]
fn attach_without_tmux_opens_a_shell_in_the_workspace() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/sh"]);
    let workspace = env.worktree("api", "feat/sh");
    // A PATH with git and sh but without tmux.
    let bin = minimal_path(&env, &["git", "sh"]);

    let mut command = env.sk();
    command
        .stdin(std::process::Stdio::inherit())
        .env("PATH", &bin)
        .args(["workspace", "attach", "-r", "api", "-b", "feat/sh"]);
    let mut session = env.pty_command(command);
    session.expect("tmux is not installed").unwrap();
    session.expect("exit the shell to leave.").unwrap();
    session.send_line("echo in-$(pwd)").unwrap();
    session
        .expect(format!("in-{}", workspace.display()).as_str())
        .unwrap();
    session.send_line("exit 5").unwrap();
    assert_eq!(exit_code(&mut session), 5);
}

#[test]
fn attach_inside_tmux_switches_the_client_to_the_workspace_session() {
    use expectrl::Expect;
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/inner"]);
    // The user's own tmux session, with a client attached on a terminal.
    assert!(tmux(
        &env,
        &["new-session", "-d", "-s", "outer", "-x", "100", "-y", "30"]
    ));
    let mut command = Command::new("tmux");
    env.isolate(&mut command);
    command.args(["attach-session", "-t", "=outer"]);
    let mut client = env.pty_command(command);
    // From a shell inside that session, as a user would type it.
    let sk = assert_cmd::cargo::cargo_bin("sk");
    let typed = format!(
        "{} workspace attach -r api -b feat/inner; echo sk-exit-$?",
        sk.display()
    );
    assert!(tmux(&env, &["send-keys", "-t", "=outer:", &typed, "Enter"]));
    // The client now shows the workspace's session (its name in the status line).
    client.expect("sk_api-fe").unwrap();
    let current = {
        let mut command = Command::new("tmux");
        env.isolate(&mut command);
        let output = command
            .args(["list-clients", "-F", "#{client_session}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    assert!(current.starts_with("sk_api-feat-inner-"), "{current}");
    let sessions = tmux_sessions(&env);
    assert!(sessions.contains(&"outer".to_owned()), "{sessions:?}");
}

#[test]
fn attach_create_makes_the_workspace_and_remove_ends_its_session() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    let workspace = env.worktree("api", "feat/new");

    let mut session = env.pty(&[
        "workspace",
        "attach",
        "--create",
        "-r",
        "api",
        "-b",
        "feat/new",
    ]);
    session.send_line("echo in-$(pwd)").unwrap();
    session
        .expect(format!("in-{}", workspace.display()).as_str())
        .unwrap();
    session.send_line("tmux detach-client").unwrap();
    assert_eq!(exit_code(&mut session), 0);
    assert_eq!(tmux_sessions(&env).len(), 1);

    env.ok(&["workspace", "remove", "-r", "api", "-b", "feat/new"]);
    assert!(tmux_sessions(&env).is_empty(), "remove ends the session");
    assert!(!workspace.exists());
}
