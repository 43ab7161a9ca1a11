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

/// The pane of the workspace's only tmux session: its shell's pid, typed in the session.
fn pane_pids(env: &TestEnv, session: &str) -> Vec<String> {
    let mut command = Command::new("tmux");
    env.isolate(&mut command);
    let output = command
        .args([
            "list-panes",
            "-s",
            "-t",
            &format!("={session}"),
            "-F",
            "#{pane_pid}",
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Attaches to `branch` on a PTY and starts `sleep 777` in the session's shell (the same
/// process, by `exec`); returns the PTY and that process's pid.
fn attach_and_sleep(env: &TestEnv, branch: &str) -> (expectrl::session::OsSession, String) {
    let mut session = env.pty(&["workspace", "attach", "-r", "api", "-b", branch]);
    session
        .send_line("echo pid=$$-$((40+2)); exec sleep 777")
        .unwrap();
    let found = session.expect(expectrl::Regex("pid=[0-9]+-42")).unwrap();
    let pid = String::from_utf8_lossy(found.get(0).unwrap())
        .trim_start_matches("pid=")
        .trim_end_matches("-42")
        .to_owned();
    (session, pid)
}

fn alive(pid: &str) -> bool {
    std::path::Path::new("/proc").join(pid).exists()
}

#[test]
fn attach_starts_tmux_in_the_workspace_and_detach_leaves_the_session_running() {
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
    // `sk workspace detach` from inside the session detaches this client, as tmux's own
    // detach does: sk returns, the session stays.
    let sk = assert_cmd::cargo::cargo_bin("sk");
    session
        .send_line(format!(
            "{} workspace detach -r api -b feat/tty",
            sk.display()
        ))
        .unwrap();
    let left = session
        .expect(expectrl::Regex(r"\[(detached|exited)"))
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(left.get(0).unwrap()),
        "[detached",
        "the client was thrown out, not detached"
    );
    assert_eq!(exit_code(&mut session), 0);
    let marker = fs_err::read_to_string(workspace.join("attach-marker")).unwrap();
    assert_eq!(marker.trim(), workspace.display().to_string());

    let sessions = tmux_sessions(&env);
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    assert!(sessions[0].starts_with("sk_api-feat-tty-"), "{sessions:?}");

    // From outside, while attached: the client returns, the process in it goes on.
    let (mut session, pid) = attach_and_sleep(&env, "feat/tty");
    let _filters = crate::support::snapshot_filters();
    let detached = env.screen_of(&["workspace", "detach", "-r", "api", "-b", "feat/tty"]);
    insta::assert_snapshot!(detached, @"
    [exit: 0]
    Detached from the session (it keeps running) of remotes/api (feat/tty)
    ----- stderr -----
    ");
    assert_eq!(exit_code(&mut session), 0);
    assert!(alive(&pid), "sleep 777 ended");
    assert_eq!(pane_pids(&env, &sessions[0]), [pid.as_str()]);
    let again = env.screen_of(&["workspace", "detach", "-r", "api", "-b", "feat/tty"]);
    insta::assert_snapshot!(again, @"
    [exit: 0]
    Nobody is attached to the session (it keeps running) of remotes/api (feat/tty)
    ----- stderr -----
    ");

    // `stop` ends the session and what runs in it.
    let stopped = env.screen_of(&["workspace", "stop", "-r", "api", "-b", "feat/tty"]);
    insta::assert_snapshot!(stopped, @"
    [exit: 0]
    Ended tmux session sk_api-feat-tty-[HASH] of remotes/api (feat/tty) and the processes in it
    ----- stderr -----
    ");
    assert!(tmux_sessions(&env).is_empty());
    let none = env.screen_of(&["workspace", "stop", "-r", "api", "-b", "feat/tty"]);
    insta::assert_snapshot!(none, @"
    [exit: 0]
    Nothing to stop: tmux session sk_api-feat-tty-[HASH] of remotes/api (feat/tty) is not running
    ----- stderr -----
    ");
    let detach_none = env.screen_of(&["workspace", "detach", "-r", "api", "-b", "feat/tty"]);
    insta::assert_snapshot!(detach_none, @"
    [exit: 0]
    No session to detach from for remotes/api (feat/tty)
    ----- stderr -----
    ");

    // `attach` starts it again.
    let mut session = env.pty(&["workspace", "attach", "-r", "api", "-b", "feat/tty"]);
    session.send_line("echo back-$((40+2))").unwrap();
    session.expect("back-42").unwrap();
    assert_eq!(tmux_sessions(&env).len(), 1);
    session.send_line("exit").unwrap();
    assert_eq!(exit_code(&mut session), 0);
}

#[test]
fn a_refused_remove_leaves_the_session_and_what_runs_in_it() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/busy"]);
    let workspace = env.worktree("api", "feat/busy");
    let (mut session, pid) = attach_and_sleep(&env, "feat/busy");
    let name = tmux_sessions(&env).pop().unwrap();
    assert!(tmux(&env, &["detach-client", "-s", &format!("={name}")]));
    assert_eq!(exit_code(&mut session), 0);
    fs_err::write(workspace.join("notes.txt"), "mine\n").unwrap();

    let output = env.run(&["workspace", "remove", "-r", "api", "-b", "feat/busy"]);
    assert_eq!(output.status.code(), Some(1), "{}", env.screen(&output));

    assert_eq!(tmux_sessions(&env), [name.as_str()]);
    assert_eq!(pane_pids(&env, &name), [pid.as_str()]);
    assert!(alive(&pid), "sleep 777 ended");
    assert!(workspace.is_dir());
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

#[test]
fn attach_create_without_a_terminal_makes_nothing() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    let screen = env.screen_of(&[
        "workspace",
        "attach",
        "--create",
        "-r",
        "api",
        "-b",
        "feat/new",
    ]);
    insta::assert_snapshot!(screen, @"
    [exit: 2]
    ----- stderr -----
    error: attach needs a terminal
      - run it from an interactive terminal
    ");
    assert!(!env.worktree("api", "feat/new").exists());
    assert!(crate::support::listed(&env, "feat/new").is_none());
}

#[test]
fn attach_to_a_missing_workspace_mentions_create() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    let screen = env.screen_of(&["workspace", "attach", "-r", "api", "-b", "feat/none"]);
    insta::assert_snapshot!(screen, @"
    [exit: 1]
    ----- stderr -----
    error: workspace remotes/api (feat/none) does not exist in the worktree sandbox
      - remotes/api has no branch workspace yet
      - create it with `sk workspace create --repository remotes/api --branch feat/none`
      - or create it and attach with `sk workspace attach --create --repository remotes/api --branch feat/none`
    ");
}

#[test]
fn attach_inside_tmux_without_a_client_says_how_to_attach_and_keeps_what_it_made() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    // The user's tmux session, nobody attached to it.
    assert!(tmux(
        &env,
        &["new-session", "-d", "-s", "outer", "-x", "100", "-y", "30"]
    ));
    let sk = assert_cmd::cargo::cargo_bin("sk");
    let out = env.root().join("attach.out");
    let typed = format!(
        "{} workspace attach --create -r api -b feat/headless > {} 2>&1; echo exit-$? >> {}; tmux wait-for -S attached",
        sk.display(),
        out.display(),
        out.display()
    );
    assert!(tmux(&env, &["send-keys", "-t", "=outer:", &typed, "Enter"]));
    assert!(tmux(&env, &["wait-for", "attached"]));
    let text = fs_err::read_to_string(&out)
        .unwrap()
        .replace(&env.root().display().to_string(), "[ROOT]");
    let _filters = crate::support::snapshot_filters();
    insta::assert_snapshot!(text, @"
    Created workspace feat/headless at [ROOT]/xdg-data/skipper/worktrees/local/remotes/api/feat%2Fheadless
    no current client
    error: session sk_api-feat-headless-[HASH] is running, but this tmux has no client to show it on
      - attach to it from a terminal with `tmux attach-session -t =sk_api-feat-headless-[HASH]`
      - or run the same `sk workspace attach` in a terminal (or in tmux with a client attached)
    exit-1
    ");
    // The workspace and its session stay, for the user to attach to.
    assert!(env.worktree("api", "feat/headless").is_dir());
    let sessions = tmux_sessions(&env);
    assert!(
        sessions
            .iter()
            .any(|s| s.starts_with("sk_api-feat-headless-")),
        "{sessions:?}"
    );
}
