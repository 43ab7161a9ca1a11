//! A Docker daemon that is not there, through `sk`: refused or silent endpoints fail fast
//! and say which endpoint they tried.

use std::time::{Duration, Instant};

use crate::support::TestEnv;

#[test]
fn an_unreachable_docker_host_fails_fast_and_clearly() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    let started = Instant::now();
    let output = env
        .sk()
        .env("DOCKER_HOST", "tcp://127.0.0.1:9")
        .args(["workspace", "list", "--sandbox", "docker"])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    // The cause is the Docker client's own wording: not ours to pin.
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"(tcp://127\.0\.0\.1:9): .*", "$1: [CAUSE]");
    let _filters = settings.bind_to_scope();
    insta::assert_snapshot!(env.screen(&output), @"
    [exit: 1]
    ----- stderr -----
    error: Docker is not reachable at tcp://127.0.0.1:9: [CAUSE]
      - start the Docker daemon or set DOCKER_HOST
      - or use the worktree sandbox: `--sandbox worktree`
    ");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
}

#[test]
fn a_docker_host_that_never_answers_is_given_up_after_the_ping_deadline() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    // A loopback endpoint that accepts connections and never says a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let connection = listener.accept();
        // Keep it open until sk has given up.
        std::thread::park_timeout(Duration::from_secs(30));
        drop(connection);
    });
    let started = Instant::now();
    let output = env
        .sk()
        .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"))
        .args(["workspace", "list", "--sandbox", "docker"])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    held.thread().unpark();
    let screen = env.screen(&output).replace(&port.to_string(), "[PORT]");
    insta::assert_snapshot!(screen, @"
    [exit: 1]
    ----- stderr -----
    error: Docker is not reachable at tcp://127.0.0.1:[PORT]: no answer within 5 s
      - start the Docker daemon or set DOCKER_HOST
      - or use the worktree sandbox: `--sandbox worktree`
    ");
    // The 5 s ping deadline, not the client's 120 s default.
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}");
}
