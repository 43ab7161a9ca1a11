//! Running commands and the agent in Docker workspaces through `sk`: streams, exit codes,
//! a terminal with Ctrl-C, and which sandbox a workspace is found in.

use std::io::Write;
use std::process::Stdio;

use expectrl::Expect;

use crate::support::docker::{DockerRepo, docker_ready};
use crate::support::{exit_code, stderr, stdout};

#[test]
fn run_streams_stdin_stdout_stderr_and_the_exit_code() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("run", "");
    repo.create("feat/io");
    let mut child = repo
        .env
        .sk()
        .args([
            "workspace",
            "run",
            "--sandbox",
            "docker",
            "-r",
            &repo.name,
            "-b",
            "feat/io",
            "--command",
        ])
        .arg("tr a-z A-Z; echo to-stderr >&2; exit 3")
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
    insta::assert_snapshot!(repo.screen(&output), @"
    [exit: 3]
    FROM STDIN
    ----- stderr -----
    to-stderr
    ");
    // Each command's pidfile (for Ctrl-C) is swept by a later command once it has ended:
    // none pile up, and no exec is spent on deleting them.
    for _ in 0..3 {
        repo.sh("feat/io", "true");
    }
    let pidfiles = repo.sh("feat/io", "ls -a /tmp | grep -c '^.skipper-exec-'");
    assert_eq!(
        pidfiles.trim(),
        "1",
        "only this command's own pidfile is left"
    );
}

#[test]
fn a_workspace_only_in_docker_is_found_there_and_one_in_both_is_the_worktree_s_unless_named() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("both", "");
    repo.create("feat/io");
    // Without --sandbox, a workspace that exists only in Docker is found there.
    let auto = repo.ok(&[
        "workspace",
        "run",
        "-r",
        &repo.name,
        "-b",
        "feat/io",
        "--",
        "printf",
        "%s",
        "a;b $(x)",
    ]);
    assert_eq!(auto, "a;b $(x)");
    // Once it also exists as a worktree (`create` refuses that now; an older `sk` made it),
    // the worktree's is used without asking Docker (the configuration names no sandbox);
    // `--sandbox docker` reaches the container's.
    repo.worktree_beside("feat/io");
    let both = repo.ok(&[
        "workspace",
        "run",
        "-r",
        &repo.name,
        "-b",
        "feat/io",
        "--",
        "pwd",
    ]);
    assert_eq!(
        both.trim(),
        repo.env
            .worktree(&repo.name, "feat/io")
            .display()
            .to_string()
    );
    let in_docker = repo.ok(&[
        "workspace",
        "run",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/io",
        "--",
        "pwd",
    ]);
    assert_eq!(in_docker.trim(), format!("/workspace/{}", repo.name));
    let named = repo.ok(&[
        "workspace",
        "run",
        "--sandbox",
        "worktree",
        "-r",
        &repo.name,
        "-b",
        "feat/io",
        "--",
        "pwd",
    ]);
    assert_eq!(
        named.trim(),
        repo.env
            .worktree(&repo.name, "feat/io")
            .display()
            .to_string()
    );
}

#[test]
fn run_on_a_terminal_gets_a_terminal_and_ctrl_c_reaches_the_command() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("runtty", "");
    repo.create("feat/t");
    let mut session = repo.pty(
        "run",
        "feat/t",
        &[
            "--command",
            "test -t 0 && test -t 1 && echo on-a-tty; trap 'echo got-int; exit 9' INT; echo ready; while :; do :; done",
        ],
    );
    session.expect("on-a-tty").unwrap();
    session.expect("ready").unwrap();
    session.send(expectrl::ControlCode::EndOfText).unwrap();
    session.expect("got-int").unwrap();
    assert_eq!(exit_code(&mut session), 9);
}

#[test]
fn prompt_runs_the_real_opencode_inside_the_container() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("prompt", "");
    // OpenCode is configured on the host only: the read-only mount carries it in.
    let model_port = 43117;
    let config = repo.env.root().join("xdg-config/opencode");
    fs_err::create_dir_all(&config).unwrap();
    let standin = crate::support::StandinModel::config_for_port(model_port);
    fs_err::write(config.join("opencode.json"), standin).unwrap();
    repo.create("feat/agent");
    // The stand-in model server runs inside the container, on its loopback.
    let script = fs_err::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/support/standin-model.js"
    ))
    .unwrap();
    let mut child = repo
        .env
        .sk()
        .args(["workspace", "run", "--sandbox", "docker", "-r", &repo.name, "-b", "feat/agent", "--command"])
        .arg(format!(
            "cat > /tmp/standin.js && (PORT={model_port} STANDIN_REPLY='Answered inside the container.' nohup node /tmp/standin.js > /tmp/standin.log 2>&1 &) && until grep -q '^{model_port}$' /tmp/standin.log; do :; done"
        ))
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&script).unwrap();
    assert!(child.wait().unwrap().success());

    let output = repo.run(&[
        "workspace",
        "prompt",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
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
    // The agent's own output (its banner and formatting are OpenCode's, not ours).
    assert!(
        stdout(&output).contains("Answered inside the container."),
        "stdout: {}\nstderr: {}",
        stdout(&output),
        stderr(&output)
    );
    // On a terminal, as users run it: the agent gets a TTY in the container.
    let mut session = repo.pty("prompt", "feat/agent", &["say", "hello", "again"]);
    session.expect("Answered inside the container.").unwrap();
    assert_eq!(exit_code(&mut session), 0);
}

/// The project's `[env]` is read once and recorded on the host; each command checks inside
/// the container, as it starts, that `HEAD` still holds that file. A file committed in the
/// container is seen by the next command, which is started again with its new
/// environment and its stdin whole.
#[test]
fn a_project_file_changed_in_the_container_is_seen_by_the_next_run_with_its_stdin_whole() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("run-env", "");
    repo.create("feat/env");
    assert_eq!(repo.sh("feat/env", "echo \"[$APP_MODE]\""), "[]\n");
    repo.sh(
        "feat/env",
        "printf '[env]\\nAPP_MODE = \"one\"\\n' > .skipper.toml && git add .skipper.toml && git -c user.name=t -c user.email=t@e commit -qm one",
    );
    assert_eq!(repo.sh("feat/env", "echo \"[$APP_MODE]\""), "[one]\n");
    assert_eq!(repo.sh("feat/env", "echo \"[$APP_MODE]\""), "[one]\n");
    // Changed behind sk's back: the record is stale.
    let container = repo.container(Some("feat/env"));
    crate::support::docker::docker_ok(&[
        "exec",
        "-w",
        &format!("/workspace/{}", repo.name),
        &container,
        "sh",
        "-c",
        "printf '[env]\\nAPP_MODE = \"two\"\\n' > .skipper.toml && git -c user.name=t -c user.email=t@e commit -qam two",
    ]);
    let mut child = repo
        .env
        .sk()
        .args([
            "workspace",
            "run",
            "--sandbox",
            "docker",
            "-r",
            &repo.name,
            "-b",
            "feat/env",
            "--command",
            "echo \"[$APP_MODE]\"; cat",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"every byte of stdin\n").unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    insta::assert_snapshot!(repo.screen(&output), @"
    [exit: 0]
    [two]
    every byte of stdin
    ----- stderr -----
    ");
    // A command's own exit status 121 (the guard's) is its own.
    let own = repo.run(&[
        "workspace",
        "run",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/env",
        "--command",
        "exit 121",
    ]);
    assert_eq!(own.status.code(), Some(121), "{}", repo.screen(&own));
}

/// `run` does not ask for the ready marker before it starts a command: the script that
/// starts it checks the marker first, so a running container without it (a creation cut
/// short during the setup) runs nothing, even one that ran commands before.
#[test]
fn a_running_container_without_its_ready_marker_runs_nothing() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("run-unready", "");
    repo.create("feat/u");
    assert_eq!(repo.sh("feat/u", "echo ran"), "ran\n");
    let container = repo.container(Some("feat/u"));
    crate::support::docker::docker_ok(&[
        "exec",
        "-w",
        &format!("/workspace/{}", repo.name),
        &container,
        "rm",
        ".git/skipper/ready",
    ]);
    let refused = repo.run(&[
        "workspace",
        "run",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/u",
        "--",
        "touch",
        "/tmp/ran",
    ]);
    let screen = repo.screen(&refused);
    assert_eq!(refused.status.code(), Some(1), "{screen}");
    assert!(stderr(&refused).contains("was never finished"), "{screen}");
    let ran = std::process::Command::new("docker")
        .args(["exec", &container, "test", "-e", "/tmp/ran"])
        .status()
        .unwrap();
    assert!(!ran.success(), "the command ran");
}
