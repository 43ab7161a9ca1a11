//! Commands in a Docker workspace through the port: the repository directory, separate
//! streams, stdin with its end, exit codes, literal words, a missing program, and Ctrl-C.

use std::time::{Duration, Instant};

use skipper_core::{BranchStart, CommandLine, ExecIo, PipedIo, Sandbox, SandboxError};

use crate::fixture::{BLOCK, BLOCKED, Fixture, InterruptOn, docker_ready, run_with, sh_ok};
use crate::spawner::how_started;

#[test]
fn commands_run_in_the_repository_with_their_streams_stdin_and_exit_code() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("commands");
    let backend = fixture.backend(fixture.shipped_config());
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    // Commands: the repository directory, separate streams, stdin with its end, exit codes,
    // words arriving literally, a missing program.
    assert_eq!(sh_ok(&backend, &feat, "pwd"), "/workspace/api");
    let ran = run_with(
        &backend,
        &feat,
        CommandLine::Argv(vec![
            "sh".into(),
            "-c".into(),
            "cat; echo done >&2; exit 7".into(),
        ]),
        Some("line 1\nline 2\n"),
    );
    assert_eq!(
        (ran.status, ran.stdout.as_str(), ran.stderr.as_str()),
        (7, "line 1\nline 2\n", "done\n")
    );
    let ran = run_with(
        &backend,
        &feat,
        CommandLine::Argv(vec!["wc".into(), "-l".into()]),
        Some("a\nb\nc\n"),
    );
    assert_eq!(ran.stdout.trim(), "3");
    let ran = run_with(
        &backend,
        &feat,
        CommandLine::Argv(vec![
            "printf".into(),
            "%s|".into(),
            "$(echo hi)".into(),
            "a b; c".into(),
        ]),
        None,
    );
    assert_eq!(ran.stdout, "$(echo hi)|a b; c|");
    let missing = backend.execute(
        &feat,
        &CommandLine::Argv(vec!["no-such-program".into()]),
        &skipper_core::Environment::new(),
        ExecIo::Piped(PipedIo {
            stdin: None,
            stdout: &mut Vec::new(),
            stderr: &mut Vec::new(),
            interrupts: None,
        }),
    );
    assert!(
        matches!(missing, Err(SandboxError::ProgramNotFound { ref program }) if program == "no-such-program"),
        "{missing:?}"
    );
}

#[test]
fn ctrl_c_stops_the_command_inside_the_container() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("ctrlc");
    let backend = fixture.backend(fixture.shipped_config());
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    // Through the spawner, though the container's user is not `sk`'s (1000, `sk` root):
    // the exec directory was given to it.
    assert_eq!(how_started(&backend, &feat), "spawner");
    // Ctrl-C stops the command inside the container.
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let mut out = InterruptOn {
        seen: Vec::new(),
        marker: BLOCKED,
        tx: Some(tx),
    };
    let started = Instant::now();
    let status = backend
        .execute(
            &feat,
            &CommandLine::Shell(format!("{BLOCK}; echo not interrupted")),
            &skipper_core::Environment::new(),
            ExecIo::Piped(PipedIo {
                stdin: None,
                stdout: &mut out,
                stderr: &mut Vec::new(),
                interrupts: Some(rx),
            }),
        )
        .unwrap();
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(30) && status.0 == 130,
        "took {took:?}, exit {}, output {:?}",
        status.0,
        String::from_utf8_lossy(&out.seen)
    );
    assert!(!String::from_utf8_lossy(&out.seen).contains("not interrupted"));
    assert_eq!(
        sh_ok(
            &backend,
            &feat,
            "cat /proc/[0-9]*/comm | grep -c '^tail$' || true"
        ),
        "0"
    );
}
