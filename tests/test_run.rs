use std::io::Write;
use std::process::Stdio;

use crate::support::{TestEnv, stderr, stdout};

fn env_with_workspace() -> TestEnv {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/run"]);
    env
}

#[test]
fn run_returns_the_commands_own_exit_code() {
    let env = env_with_workspace();
    for (command, code) in [("exit 0", 0), ("exit 3", 3), ("no-such-program-sk", 127)] {
        let output = env.run(&[
            "workspace",
            "run",
            "-r",
            "api",
            "-b",
            "feat/run",
            "--command",
            command,
        ]);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{command}: {}",
            stderr(&output)
        );
    }
    let missing = env.screen_of(&[
        "workspace",
        "run",
        "-r",
        "api",
        "-b",
        "feat/run",
        "--",
        "no-such-program-sk",
    ]);
    insta::assert_snapshot!(missing, @"
    [exit: 127]
    ----- stderr -----
    error: `no-such-program-sk` was not found in the workspace
    ");
}

#[test]
fn run_passes_stdin_through_and_keeps_stdout_and_stderr_apart() {
    let env = env_with_workspace();
    let mut child = env
        .sk()
        .args([
            "workspace",
            "run",
            "-r",
            "api",
            "-b",
            "feat/run",
            "--command",
        ])
        .arg("pwd; tr a-z A-Z; echo to-stderr >&2")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"from stdin\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    let workspace = env.worktree("api", "feat/run");
    assert_eq!(out, format!("{}\nFROM STDIN\n", workspace.display()));
    assert_eq!(stderr(&output), "to-stderr\n");
}

#[test]
fn arguments_after_dashes_arrive_literally_and_no_branch_means_main() {
    let env = env_with_workspace();
    let out = env.ok(&[
        "workspace",
        "run",
        "-r",
        "api",
        "--",
        "printf",
        "%s|",
        "a;b",
        "$(whoami)",
        "*",
    ]);
    assert_eq!(out, "a;b|$(whoami)|*|");
    let pwd = env.ok(&["workspace", "run", "-r", "api", "--", "pwd"]);
    assert_eq!(pwd.trim(), env.checkout("api").display().to_string());
}

#[test]
fn running_in_a_missing_workspace_says_how_to_create_it() {
    let env = env_with_workspace();
    let screen = env.screen_of(&["workspace", "run", "-r", "api", "-b", "nope", "--", "true"]);
    insta::assert_snapshot!(screen, @"
    [exit: 1]
    ----- stderr -----
    error: workspace remotes/api (nope) does not exist in the worktree sandbox
      - create it with `sk workspace create --repository remotes/api --branch nope`
    ");
}

#[test]
fn ctrl_c_reaches_the_command_and_sk_reports_its_exit_code() {
    use expectrl::{ControlCode, Expect};
    let env = env_with_workspace();
    let mut session = env.pty(&[
        "workspace",
        "run",
        "-r",
        "api",
        "-b",
        "feat/run",
        "--command",
        "trap 'echo got-interrupt; exit 7' INT; echo ready; while :; do sleep 1; done",
    ]);
    session.expect("ready").unwrap();
    session.send(ControlCode::EndOfText).unwrap();
    session.expect("got-interrupt").unwrap();
    // sk outlives the interrupt and exits with the command's own code.
    assert_eq!(crate::support::exit_code(&mut session), 7);
}

#[test]
fn completions_are_printed_for_a_shell() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = env.ok(&["completions", shell]);
        // The script asks sk itself for each completion.
        assert!(out.contains("COMPLETE"), "{shell}: {out}");
    }
}

/// Repositories and branches are completed from what exists now, the branches of the
/// repository already on the command line.
#[test]
fn repositories_and_branches_complete_from_the_live_state() {
    let env = TestEnv::new();
    let api = env.origin("api", "main");
    let web = env.origin("web", "main");
    env.ok(&["clone", &api.url]);
    env.ok(&["clone", &web.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/x"]);
    env.ok(&["workspace", "create", "-r", "web", "-b", "feat/web-only"]);
    let complete = |words: &[&str]| {
        let output = env
            .sk()
            .env("COMPLETE", "fish")
            .arg("--")
            .args(words)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| line.split('\t').next().unwrap_or("").to_owned())
            .collect::<Vec<_>>()
    };

    let repositories = complete(&["sk", "w", "run", "-r", ""]);
    assert!(repositories.contains(&"api".to_owned()), "{repositories:?}");
    assert!(
        repositories.contains(&"remotes/web".to_owned()),
        "{repositories:?}"
    );
    let branches = complete(&["sk", "workspace", "remove", "-r", "api", "-b", ""]);
    assert!(branches.contains(&"feat/x".to_owned()), "{branches:?}");
    assert!(branches.contains(&"main".to_owned()), "{branches:?}");
    assert!(
        !branches.contains(&"feat/web-only".to_owned()),
        "{branches:?}"
    );
    let narrowed = complete(&["sk", "workspace", "run", "-r", "api", "-b", "fe"]);
    assert!(narrowed.contains(&"feat/x".to_owned()), "{narrowed:?}");
    assert!(narrowed.iter().all(|b| b.starts_with("fe")), "{narrowed:?}");
}
