//! The agent's activity in `list`: working while a prompt runs in the workspace, idle with
//! the last prompt's exit status after, and not working once the agent is killed behind
//! `sk`'s back, in both sandboxes, with a stand-in agent and with the real OpenCode.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdout, Command, Stdio};

use serde_json::Value;

use crate::support::docker::{DockerRepo, docker_ok, docker_ready};
use crate::support::{StandinModel, TestEnv, opencode_ready, stderr};

/// An agent that says its pid, then waits for a line on stdin and exits 3; and one that
/// says its pid and runs until killed, whatever becomes of its streams (GNU `tail -f`
/// would end once its output's reader is gone).
const WAITER: &str = r#"
[agents.waiter]
prompt = ["sh", "-c", "echo \"started $$\"; read line; exit 3", "{prompt}"]

[agents.sleeper]
prompt = ["sh", "-c", "echo \"started $$\"; exec sleep infinity", "{prompt}"]
"#;

/// `sk args` started with piped streams, in a process group of its own.
fn spawn(sk: &mut Command, args: &[&str]) -> Child {
    spawn_with(sk, args, Stdio::piped())
}

/// [`spawn`] with `stdin`: OpenCode reads a piped stdin to its end, as part of the message.
fn spawn_with(sk: &mut Command, args: &[&str], stdin: Stdio) -> Child {
    sk.args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap()
}

/// Reads the waiter's `started <pid>` line; its pid.
fn started(child: &mut Child) -> (String, BufReader<ChildStdout>) {
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let pid = line
        .strip_prefix("started ")
        .unwrap_or_else(|| panic!("not the waiter's first line: {line:?}"))
        .trim()
        .to_owned();
    (pid, out)
}

/// The `agent` of `branch`'s row in `list --json`.
fn agent_of(rows: &[Value], branch: &str) -> Value {
    rows.iter()
        .find(|row| row["branch"].as_str() == Some(branch))
        .unwrap_or_else(|| panic!("no row of {branch} in {rows:?}"))["agent"]
        .clone()
}

/// Kills `pid` and waits until it is gone (a zombie, or reaped): a process killed is not
/// gone the moment `kill` returns.
fn kill(pid: &str) {
    let status = Command::new("kill").args(["-9", pid]).status().unwrap();
    assert!(status.success(), "kill -9 {pid}");
    while alive(&format!("/proc/{pid}/stat")) {
        std::thread::yield_now();
    }
}

/// Kills process group `group` and waits until none of it is left.
fn kill_group(group: u32) {
    let status = Command::new("kill")
        .args(["-9", "--", &format!("-{group}")])
        .status()
        .unwrap();
    assert!(status.success());
    loop {
        let left = fs_err::read_dir("/proc").unwrap().flatten().any(|entry| {
            let stat = entry.path().join("stat");
            alive(&stat.display().to_string())
                && fs_err::read_to_string(&stat).is_ok_and(|text| {
                    // After `(comm)`: state, ppid, pgrp.
                    let fields: Vec<&str> = text
                        .rsplit_once(')')
                        .map_or("", |(_, rest)| rest)
                        .split_whitespace()
                        .collect();
                    fields.get(2) == Some(&group.to_string().as_str())
                })
        });
        if !left {
            break;
        }
        std::thread::yield_now();
    }
}

/// Whether the process of the `stat` file at `path` runs: there, and not a zombie.
fn alive(path: &str) -> bool {
    fs_err::read_to_string(path).is_ok_and(|text| {
        let state = text
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .trim_start();
        !state.starts_with('Z') && !state.starts_with('X')
    })
}

/// The state and last exit status of an agent's JSON.
fn state(agent: &Value) -> (&str, Option<i64>) {
    (
        agent["state"].as_str().unwrap(),
        agent["last_exit"].as_i64(),
    )
}

#[test]
fn a_worktree_agent_is_working_during_its_prompt_idle_after_and_not_working_once_killed() {
    let env = TestEnv::new();
    env.write_config(WAITER);
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "agent"]);
    let list = || -> Vec<Value> {
        serde_json::from_str(&env.ok(&["workspace", "list", "--json", "-r", "api"])).unwrap()
    };
    let prompt = [
        "workspace",
        "prompt",
        "-r",
        "api",
        "-b",
        "agent",
        "--agent",
        "waiter",
        "go",
    ];
    assert_eq!(agent_of(&list(), "agent"), Value::Null);

    let mut child = spawn(&mut env.sk(), &prompt);
    let (_, _out) = started(&mut child);
    let agent = agent_of(&list(), "agent");
    assert_eq!(agent["name"], "waiter");
    assert_eq!(state(&agent), ("working", None));
    let table = env.ok(&["workspace", "list", "-r", "api"]);
    assert!(
        table.contains("AGENT") && table.contains("waiter working"),
        "{table}"
    );
    child.stdin.take().unwrap().write_all(b"done\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert_eq!(state(&agent_of(&list(), "agent")), ("idle", Some(3)));
    let table = env.ok(&["workspace", "list", "-r", "api"]);
    assert!(
        table.contains("waiter idle") && table.contains("(exit 3)"),
        "{table}"
    );

    // The agent killed: `sk` sees it end, and says so.
    let mut child = spawn(&mut env.sk(), &prompt);
    let (pid, _out) = started(&mut child);
    kill(&pid);
    assert_eq!(child.wait().unwrap().code(), Some(137));
    assert_eq!(state(&agent_of(&list(), "agent")), ("idle", Some(137)));

    // `sk` killed, then its agent: nothing is recorded, and nothing runs.
    let mut child = spawn(&mut env.sk(), &prompt);
    let (pid, _out) = started(&mut child);
    assert_eq!(state(&agent_of(&list(), "agent")).0, "working");
    // Kept open: `wait` would close it, and the agent would end at its end of file.
    let _stdin = child.stdin.take();
    child.kill().unwrap();
    child.wait().unwrap();
    kill(&pid);
    assert_eq!(state(&agent_of(&list(), "agent")), ("idle", Some(137)));

    // `remove` says the conversation goes with the workspace.
    let removed = env.run(&["workspace", "remove", "-r", "api", "-b", "agent"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    assert!(
        stderr(&removed).contains(
            "Its conversation with waiter went with it; a prompt in a workspace made again starts a new one"
        ),
        "{}",
        stderr(&removed)
    );
}

#[test]
fn a_docker_agent_is_working_during_its_prompt_idle_after_and_not_working_once_killed() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("activity", WAITER);
    repo.create("agent");
    let container = repo.container(Some("agent"));
    let rows = || -> Vec<Value> { repo.list() };
    let prompt = [
        "workspace",
        "prompt",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "agent",
        "--agent",
        "waiter",
        "go",
    ];
    // Killed, then waited for until gone (or a zombie) inside.
    let kill_inside = |pid: &str| {
        docker_ok(&[
            "exec",
            &container,
            "sh",
            "-c",
            "kill -9 \"$1\" && while [ -e \"/proc/$1\" ] && ! grep -q '^State:.*[ZX]' \"/proc/$1/status\"; do :; done",
            "sh",
            pid,
        ]);
    };

    let mut child = spawn(&mut repo.env.sk(), &prompt);
    let (_, _out) = started(&mut child);
    let agent = agent_of(&rows(), "agent");
    assert_eq!(agent["name"], "waiter");
    assert_eq!(state(&agent), ("working", None));
    child.stdin.take().unwrap().write_all(b"done\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert_eq!(state(&agent_of(&rows(), "agent")), ("idle", Some(3)));

    // The agent killed inside: `sk` sees it end, and says so.
    let mut child = spawn(&mut repo.env.sk(), &prompt);
    let (pid, _out) = started(&mut child);
    kill_inside(&pid);
    assert_eq!(child.wait().unwrap().code(), Some(137));
    assert_eq!(state(&agent_of(&rows(), "agent")), ("idle", Some(137)));

    // `sk` killed: an agent that does not need its streams goes on in the container, and
    // is working; killed too, it is not, and nothing was recorded.
    let mut sleeper = prompt;
    sleeper[9] = "sleeper";
    let mut child = spawn(&mut repo.env.sk(), &sleeper);
    let (pid, _out) = started(&mut child);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(state(&agent_of(&rows(), "agent")).0, "working");
    kill_inside(&pid);
    assert_eq!(state(&agent_of(&rows(), "agent")), ("idle", Some(137)));

    let removed = repo.run(&[
        "workspace",
        "remove",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "agent",
    ]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    let said = stderr(&removed);
    assert!(
        said.contains("Its conversation with waiter went with it, with the container"),
        "{said}"
    );
    // The sleeper's prompt never ended in `sk`: nothing of it was recorded.
    assert!(!said.contains("sleeper"), "{said}");
}

#[test]
fn opencode_is_working_while_the_model_answers_and_idle_after_and_not_working_once_killed() {
    if !opencode_ready() {
        return;
    }
    let env = TestEnv::with_agent_workspace();
    let list = || -> Vec<Value> {
        serde_json::from_str(&env.ok(&["workspace", "list", "--json", "-r", "api"])).unwrap()
    };
    let prompt = [
        "workspace",
        "prompt",
        "-r",
        "api",
        "-b",
        "agent",
        "hold-me, please",
    ];

    let mut model = StandinModel::start_holding("done.", "hold-me");
    env.use_model(&model);
    let child = spawn_with(&mut env.sk(), &prompt, Stdio::null());
    model.wait_held();
    let agent = agent_of(&list(), "agent");
    assert_eq!(agent["name"], "opencode");
    assert_eq!(state(&agent), ("working", None));
    model.release();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(state(&agent_of(&list(), "agent")), ("idle", Some(0)));

    // `sk` and OpenCode killed mid-answer (their process group): not working, the last
    // end recorded still the one before.
    let mut model = StandinModel::start_holding("done.", "hold-me");
    env.use_model(&model);
    let mut child = spawn_with(&mut env.sk(), &prompt, Stdio::null());
    model.wait_held();
    assert_eq!(state(&agent_of(&list(), "agent")).0, "working");
    kill_group(child.id());
    child.wait().unwrap();
    assert_eq!(state(&agent_of(&list(), "agent")), ("idle", Some(0)));
}
