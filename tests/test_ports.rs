//! The host ports each workspace is given: deterministic for a (repository, branch), kept
//! by the workspace, distinct across workspaces, the same in both sandboxes, and published
//! by a container on the host's loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;

use serde_json::Value;

use crate::support::docker::{DockerRepo, docker_ok, docker_ready};
use crate::support::{TestEnv, stderr};

/// The ports `list --json` shows for `branch` of `repository` (an empty list when it has
/// none).
fn ports_of(env: &TestEnv, repository: &str, branch: &str) -> Vec<u16> {
    let rows: Vec<Value> =
        serde_json::from_str(&env.ok(&["workspace", "list", "--json", "-r", repository])).unwrap();
    let row = rows
        .iter()
        .find(|row| row["branch"] == branch || (branch == "main" && row["branch"].is_null()))
        .unwrap_or_else(|| panic!("{branch} is not listed: {rows:?}"));
    row["ports"]
        .as_array()
        .map(|ports| {
            ports
                .iter()
                .map(|port| u16::try_from(port.as_u64().unwrap()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `port` is in `env`'s port range.
fn in_range(env: &TestEnv, port: u16) -> bool {
    let (first, last) = env.port_range.split_once('-').unwrap();
    (first.parse().unwrap()..=last.parse().unwrap()).contains(&port)
}

/// The file the worktree of `branch` remembers its ports in.
fn worktree_config(env: &TestEnv, repository: &str, branch: &str) -> String {
    let worktree = env.worktree(repository, branch);
    let git_dir = env.git(&worktree, &["rev-parse", "--absolute-git-dir"]);
    format!("{git_dir}/config.worktree")
}

#[test]
fn each_worktree_gets_its_own_ports_and_keeps_them() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/a"]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/b"]);

    let a = ports_of(&env, "api", "feat/a");
    let b = ports_of(&env, "api", "feat/b");
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(b.len(), 1, "{b:?}");
    assert!(in_range(&env, a[0]) && in_range(&env, b[0]), "{a:?} {b:?}");
    assert_ne!(a, b);
    // The main workspace is the user's own checkout: it gets none.
    assert_eq!(ports_of(&env, "api", "main"), Vec::<u16>::new());
    // Remembered with the worktree, outside the host checkout's own config.
    let remembered = env.git(
        &env.checkout("api"),
        &[
            "config",
            "--file",
            &worktree_config(&env, "api", "feat/a"),
            "skipper.ports",
        ],
    );
    assert_eq!(remembered, a[0].to_string());
    let host_config = fs_err::read_to_string(env.checkout("api").join(".git/config")).unwrap();
    assert!(!host_config.contains("skipper"), "{host_config}");

    // The same again in another run, and after removing and making it anew.
    assert_eq!(ports_of(&env, "api", "feat/a"), a);
    env.ok(&["workspace", "remove", "-r", "api", "-b", "feat/a"]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/a"]);
    assert_eq!(ports_of(&env, "api", "feat/a"), a);
}

#[test]
fn a_port_a_program_listens_on_is_passed_over() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/a"]);
    let first = ports_of(&env, "api", "feat/a");
    env.ok(&["workspace", "remove", "-r", "api", "-b", "feat/a"]);

    let listener = TcpListener::bind(("127.0.0.1", first[0])).unwrap();
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/a"]);
    let moved = ports_of(&env, "api", "feat/a");
    drop(listener);
    assert_eq!(moved.len(), 1);
    assert_ne!(moved, first);
    assert!(in_range(&env, moved[0]));
    // Remembered: the port being free again changes nothing.
    assert_eq!(ports_of(&env, "api", "feat/a"), moved);
}

#[test]
fn a_workspace_made_before_ports_were_given_shows_none() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/a"]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/old"]);
    // What an older `sk` left: no remembered ports.
    env.git(
        &env.checkout("api"),
        &[
            "config",
            "--file",
            &worktree_config(&env, "api", "feat/old"),
            "--unset",
            "skipper.ports",
        ],
    );

    assert_eq!(ports_of(&env, "api", "feat/old"), Vec::<u16>::new());
    insta::assert_snapshot!(env.screen_of(&["workspace", "list", "-r", "api"]), @"
    [exit: 0]
    REPOSITORY   BRANCH    SANDBOX   STATE  CHANGES  UNPUSHED  PORTS  PATH
    remotes/api  main      worktree  -      clean    none      -      [ROOT]/xdg-data/skipper/repos/local/remotes/api
    remotes/api  feat/a    worktree  -      clean    none      [PORT]  [ROOT]/xdg-data/skipper/worktrees/local/remotes/api/feat%2Fa
    remotes/api  feat/old  worktree  -      clean    none      -      [ROOT]/xdg-data/skipper/worktrees/local/remotes/api/feat%2Fold
    ----- stderr -----
    ");
}

#[test]
fn a_bad_port_range_is_refused_naming_the_file_and_key() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.write_config("[ports]\nrange = \"29999-20000\"\n");
    let output = env
        .sk()
        .env_remove("SKIPPER_PORT_RANGE")
        .args(["workspace", "create", "-r", "api", "-b", "feat/a"])
        .output()
        .unwrap();
    insta::assert_snapshot!(env.screen(&output), @"
    [exit: 1]
    ----- stderr -----
    error: invalid config file [ROOT]/xdg-config/skipper/config.toml: ports.range: invalid port range `29999-20000`: its first port is above its last
      - write it as first-last with ports from 1024 to 65535, e.g. \"20000-29999\"
    ");

    env.write_config("[ports]\nrange = \"31000-31001\"\n");
    let output = env
        .sk()
        .env_remove("SKIPPER_PORT_RANGE")
        .args(["workspace", "create", "-r", "api", "-b", "feat/a"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let port = ports_of(&env, "api", "feat/a")[0];
    assert!((31000..=31001).contains(&port), "{port}");
}

/// `GET /` on `127.0.0.1:port` from the host; the body.
fn http_get(port: u16) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

#[test]
fn ports_are_the_same_in_both_sandboxes_and_a_server_in_a_container_answers_on_the_host() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("ports", "");
    let env = &repo.env;
    env.ok(&["workspace", "create", "-r", &repo.name, "-b", "feat/x"]);
    let ports = ports_of(env, &repo.name, "feat/x");
    assert_eq!(ports.len(), 1);

    // Moved to Docker: the same ports, labelled and published on the loopback only.
    repo.ok(&[
        "workspace",
        "move",
        "-r",
        &repo.name,
        "-b",
        "feat/x",
        "--to",
        "docker",
    ]);
    assert_eq!(ports_of(env, &repo.name, "feat/x"), ports);
    let container = repo.container(Some("feat/x"));
    let port = ports[0];
    assert_eq!(
        docker_ok(&["port", &container]).trim(),
        format!("{port}/tcp -> 127.0.0.1:{port}")
    );

    // A server started in the container answers on the host at the same port.
    let server = format!(
        "require('http').createServer((q, s) => s.end('hello from the container')).listen({port}, '0.0.0.0', () => console.log('ready'))"
    );
    let mut child = env
        .sk()
        .args([
            "workspace",
            "run",
            "--sandbox",
            "docker",
            "-r",
            &repo.name,
            "-b",
            "feat/x",
            "--",
            "node",
            "-e",
            &server,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), "ready");
    let reply = http_get(port);
    child.kill().unwrap();
    let _ = child.wait();
    assert!(reply.ends_with("hello from the container"), "{reply}");

    // Made in Docker, then in a worktree: the same (repository, branch), the same ports.
    repo.create("feat/y");
    let in_docker = ports_of(env, &repo.name, "feat/y");
    repo.ok(&[
        "workspace",
        "remove",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/y",
    ]);
    env.ok(&[
        "workspace",
        "create",
        "--sandbox",
        "worktree",
        "-r",
        &repo.name,
        "-b",
        "feat/y",
    ]);
    assert_eq!(ports_of(env, &repo.name, "feat/y"), in_docker);
    assert_ne!(in_docker, ports);
}

#[test]
fn a_container_whose_port_is_held_says_which_and_what_to_do() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("ports-held", "");
    repo.create("feat/x");
    let port = ports_of(&repo.env, &repo.name, "feat/x")[0];
    repo.ok(&[
        "workspace",
        "stop",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/x",
    ]);

    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let output = repo.run(&[
        "workspace",
        "run",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/x",
        "--",
        "true",
    ]);
    drop(listener);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains(&format!(
            "port {port} on 127.0.0.1, given to this workspace, is held by another program"
        )),
        "{message}"
    );
    assert!(message.contains("stop that program"), "{message}");

    // Once it is let go, the workspace starts with its ports.
    repo.ok(&[
        "workspace",
        "run",
        "--sandbox",
        "docker",
        "-r",
        &repo.name,
        "-b",
        "feat/x",
        "--",
        "true",
    ]);
    assert_eq!(ports_of(&repo.env, &repo.name, "feat/x"), [port]);
}

/// The repository's `[ports] count` is how many a workspace gets, and `SK_PORT` and
/// `SK_PORTS` in its commands are the ports `list` shows (the hooks' environment and the
/// ports given, together).
#[test]
fn the_projects_port_count_is_given_and_its_ports_reach_every_command() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    origin.push_commit("main", ".skipper.toml", "[ports]\ncount = 3\n");
    env.write_config("[hooks]\npost-create = ['echo \"hook saw $SK_PORT|$SK_PORTS\"']\n");
    env.ok(&["clone", &origin.url]);
    let created = env.run(&["workspace", "create", "-r", "api", "-b", "feat/three"]);
    assert!(created.status.success(), "{}", env.screen(&created));

    let ports = ports_of(&env, "api", "feat/three");
    assert_eq!(ports.len(), 3, "{ports:?}");
    assert_eq!(ports[1], ports[0] + 1);
    assert_eq!(ports[2], ports[0] + 2);
    let seen = env.ok(&[
        "workspace",
        "run",
        "-r",
        "api",
        "-b",
        "feat/three",
        "--command",
        "echo \"$SK_PORT|$SK_PORTS\"",
    ]);
    let all: Vec<String> = ports.iter().map(u16::to_string).collect();
    let expected = format!("{}|{}", ports[0], all.join(" "));
    assert_eq!(seen.trim(), expected);
    assert!(
        stderr(&created).contains(&format!("hook saw {expected}")),
        "{}",
        env.screen(&created)
    );
}
