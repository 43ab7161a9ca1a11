//! Commands through the container's spawner (PID 1, reached through FIFOs in a host
//! directory) rather than `docker exec`: the same results as the daemon's exec, large
//! output, Ctrl-C, a container stopped under a command, a prompt `docker stop`, and the
//! fallback to `docker exec` for a container made before the spawner.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::mpsc;

use skipper_backend_docker::{DockerBackend, DockerConfig, ExecPath};
use skipper_core::{BranchStart, CommandLine, ExecIo, PipedIo, Sandbox, SandboxError, Workspace};

use crate::fixture::{
    BASE_IMAGE, BLOCK, BLOCKED, Fixture, InterruptOn, WithCauses, container, docker, docker_ready,
    run_with, sh_ok,
};

/// A fixture and a backend on the base image as it is (root in the container), with
/// commands started as `exec` says.
fn on_the_base_image(test: &str, exec: ExecPath) -> (Fixture, DockerBackend) {
    let fixture = Fixture::new(test);
    let backend = fixture.backend(base_config(&fixture, exec));
    (fixture, backend)
}

fn base_config(fixture: &Fixture, exec: ExecPath) -> DockerConfig {
    DockerConfig {
        image: Some(BASE_IMAGE.to_owned()),
        exec,
        ..fixture.shipped_config()
    }
}

/// Prints how the command was started: `spawner` when its parent is a process in the
/// container (the spawner's), `exec` when it has none there (the daemon's exec).
pub const HOW_STARTED: &str = r#"ppid=$(cut -d' ' -f4 /proc/$$/stat); if [ "$ppid" = 0 ]; then echo exec; else echo spawner; fi"#;

pub fn how_started(backend: &DockerBackend, workspace: &Workspace) -> String {
    sh_ok(backend, workspace, HOW_STARTED)
}

fn shell(script: &str) -> CommandLine {
    CommandLine::Shell(script.to_owned())
}

/// What `command` did in `workspace` with `env` and `stdin`: status, stdout, stderr.
fn through(
    backend: &DockerBackend,
    workspace: &Workspace,
    env: &skipper_core::Environment,
    command: &CommandLine,
    stdin: Option<&str>,
) -> (i32, String, String) {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let status = backend
        .execute(
            workspace,
            command,
            env,
            ExecIo::Piped(PipedIo {
                stdin: stdin.map(|text| {
                    Box::new(std::io::Cursor::new(text.as_bytes().to_vec()))
                        as Box<dyn std::io::Read + Send>
                }),
                stdout: &mut stdout,
                stderr: &mut stderr,
                interrupts: None,
            }),
        )
        .unwrap();
    (
        status.0,
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

#[test]
fn the_spawner_runs_commands_as_the_daemons_exec_does() {
    if !docker_ready() {
        return;
    }
    let (fixture, fast) = on_the_base_image("spawnsame", ExecPath::Spawner);
    let slow = fixture.backend(base_config(&fixture, ExecPath::Api));
    let feat = fast
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    assert_eq!(how_started(&fast, &feat), "spawner");
    assert_eq!(how_started(&slow, &feat), "exec");

    let mut env = skipper_core::Environment::new();
    env.set("GREETING", "it's a \"test\"\nline two");
    let cases: Vec<(CommandLine, Option<&str>)> = vec![
        (shell("pwd; echo out; echo err >&2; exit 3"), None),
        (
            shell("cat; echo done >&2"),
            Some("line 1\nline 2\nno newline"),
        ),
        (shell("wc -c"), None),
        (shell("kill -KILL $$"), None),
        (shell("kill -TERM $$"), None),
        (shell("exit 255"), None),
        (shell("env | grep -v '^HOSTNAME=' | sort"), None),
        (
            shell(
                "ulimit -n; umask; id; cat /proc/self/status | grep -E '^(Sig(Ign|Blk)|Cap(Eff|Bnd)|NoNewPrivs)'",
            ),
            None,
        ),
        (
            shell("test -t 0 || echo no terminal; ls -l /proc/self/fd/0 /proc/self/fd/1 | wc -l"),
            None,
        ),
        (
            CommandLine::Argv(vec![
                "printf".into(),
                "%s|".into(),
                "$(echo hi)".into(),
                "a b; c".into(),
            ]),
            None,
        ),
        (
            CommandLine::Argv(vec!["sh".into(), "-c".into(), "exit 127".into()]),
            None,
        ),
    ];
    for (command, stdin) in cases {
        assert_eq!(
            through(&fast, &feat, &env, &command, stdin),
            through(&slow, &feat, &env, &command, stdin),
            "{command:?}"
        );
    }
    // A missing program is told apart from a command's own 127 in both.
    for backend in [&fast, &slow] {
        let missing = backend.execute(
            &feat,
            &CommandLine::Argv(vec!["no-such-program".into()]),
            &env,
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
    // skipper's own steps go through it too: the dirty gate.
    sh_ok(&fast, &feat, "echo new > untracked.txt");
    assert_eq!(
        format!("{:?}", fast.at_risk(&feat).unwrap()),
        format!("{:?}", slow.at_risk(&feat).unwrap())
    );
    let exec_dir = fixture
        .data_root
        .join("run/containers")
        .join(container(&feat));
    let left: Vec<_> = fs_err::read_dir(&exec_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(left, ["requests"], "every request's directory is removed");
}

/// A writer that counts bytes and hashes nothing: several MiB need not be kept.
struct Count(usize, u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        self.1 = buf.iter().fold(self.1, |sum, b| {
            sum.wrapping_mul(31).wrapping_add(u64::from(*b))
        });
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_spawner_relays_large_output_on_both_streams_and_large_stdin() {
    if !docker_ready() {
        return;
    }
    let (fixture, backend) = on_the_base_image("spawnlarge", ExecPath::Spawner);
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    assert_eq!(how_started(&backend, &feat), "spawner");
    let mut stdout = Count(0, 0);
    let mut stderr = Count(0, 0);
    let mib = 1 << 20;
    let status = backend
        .execute(
            &feat,
            &shell("seq 1 2000000 & seq 3 900000 >&2; wait"),
            &skipper_core::Environment::new(),
            ExecIo::Piped(PipedIo {
                stdin: None,
                stdout: &mut stdout,
                stderr: &mut stderr,
                interrupts: None,
            }),
        )
        .unwrap();
    assert_eq!(status.0, 0);
    let expected = |from: u64, to: u64| {
        let mut count = Count(0, 0);
        for n in from..=to {
            count.write_all(format!("{n}\n").as_bytes()).unwrap();
        }
        (count.0, count.1)
    };
    assert_eq!((stdout.0, stdout.1), expected(1, 2_000_000));
    assert_eq!((stderr.0, stderr.1), expected(3, 900_000));
    assert!(stdout.0 > 10 * mib && stderr.0 > 5 * mib);

    let input = (0..400_000).fold(String::new(), |mut text, n| {
        writeln!(text, "{n}").unwrap();
        text
    });
    let ran = run_with(&backend, &feat, shell("wc -c; tail -n 1"), Some(&input));
    assert_eq!(ran.stdout, format!("{}\n", input.len()));
    let ran = run_with(&backend, &feat, shell("sha256sum"), Some(&input));
    let on_host = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(input.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert_eq!(ran.stdout, String::from_utf8_lossy(&on_host.stdout));
}

#[test]
fn ctrl_c_reaches_the_process_group_through_the_spawner() {
    if !docker_ready() {
        return;
    }
    let (fixture, backend) = on_the_base_image("spawnint", ExecPath::Spawner);
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let mut out = InterruptOn {
        seen: Vec::new(),
        marker: BLOCKED,
        tx: Some(tx),
    };
    // The shell's trap says SIGINT reached it, and its foreground child (the same process
    // group) was ended by it too.
    let script =
        format!("{HOW_STARTED}; trap 'echo got INT; exit 130' INT; {BLOCK}; echo not interrupted");
    let status = backend
        .execute(
            &feat,
            &shell(&script),
            &skipper_core::Environment::new(),
            ExecIo::Piped(PipedIo {
                stdin: None,
                stdout: &mut out,
                stderr: &mut Vec::new(),
                interrupts: Some(rx),
            }),
        )
        .unwrap();
    let seen = String::from_utf8_lossy(&out.seen).into_owned();
    assert_eq!(
        (status.0, seen.as_str()),
        (130, format!("spawner\n{BLOCKED}\ngot INT\n").as_str())
    );
    assert_eq!(
        sh_ok(
            &backend,
            &feat,
            "cat /proc/[0-9]*/comm | grep -c '^tail$' || true"
        ),
        "0"
    );
}

/// Stops `container` the first time the command's output says `ready`.
struct StopOn {
    container: String,
    seen: Vec<u8>,
    stopped: bool,
}

impl Write for StopOn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.seen.extend_from_slice(buf);
        if !self.stopped && String::from_utf8_lossy(&self.seen).contains("ready") {
            self.stopped = true;
            let (ok, said) = docker(&["stop", &self.container]);
            assert!(ok, "{said}");
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_container_stopped_under_a_command_is_an_error_and_docker_stop_stays_prompt() {
    if !docker_ready() {
        return;
    }
    let (fixture, backend) = on_the_base_image("spawnstop", ExecPath::Spawner);
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    assert_eq!(how_started(&backend, &feat), "spawner");
    let name = container(&feat);
    let mut out = StopOn {
        container: name.clone(),
        seen: Vec::new(),
        stopped: false,
    };
    let ran = backend.execute(
        &feat,
        &shell("trap '' TERM; echo ready; sleep 60; echo survived"),
        &skipper_core::Environment::new(),
        ExecIo::Piped(PipedIo {
            stdin: None,
            stdout: &mut out,
            stderr: &mut Vec::new(),
            interrupts: None,
        }),
    );
    let err = ran.unwrap_err().with_causes();
    assert!(err.contains("stopped"), "{err}");
    // PID 1 (the spawner behind init) ended of the SIGTERM, not of the kill that follows
    // the stop timeout.
    let (_, code) = docker(&["inspect", "-f", "{{.State.ExitCode}}", &name]);
    assert_eq!(code, "143");
    // The next command starts it again, through its spawner.
    assert_eq!(how_started(&backend, &feat), "spawner");
}

#[test]
fn a_container_made_before_the_spawner_runs_commands_through_docker_exec() {
    if !docker_ready() {
        return;
    }
    let (mut fixture, backend) = on_the_base_image("spawnold", ExecPath::Spawner);
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    let name = container(&feat);
    // The container as the old spec made it: the same files and labels, PID 1 `tail`, no
    // exec directory.
    let (ok, labels) = docker(&[
        "inspect",
        "-f",
        "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}\n{{end}}",
        &name,
    ]);
    assert!(ok, "{labels}");
    let image = format!("skipper-test-old-{name}");
    fixture.images.push(image.clone());
    let (ok, said) = docker(&["commit", &name, &image]);
    assert!(ok, "{said}");
    let (ok, said) = docker(&["rm", "-f", &name]);
    assert!(ok, "{said}");
    fs_err::remove_dir_all(fixture.data_root.join("run/containers").join(&name)).unwrap();
    let mut args = vec!["run", "-d", "--init", "--name", &name];
    let labels: Vec<String> = labels
        .lines()
        .filter(|l| !l.is_empty())
        .flat_map(|l| ["--label".to_owned(), l.to_owned()])
        .collect();
    args.extend(labels.iter().map(String::as_str));
    args.extend([image.as_str(), "tail", "-f", "/dev/null"]);
    let (ok, said) = docker(&args);
    assert!(ok, "{said}");

    assert_eq!(how_started(&backend, &feat), "exec");
    let ran = run_with(&backend, &feat, shell("cat; exit 4"), Some("in\n"));
    assert_eq!((ran.status, ran.stdout.as_str()), (4, "in\n"));
    assert!(backend.at_risk(&feat).unwrap().is_empty());
}
