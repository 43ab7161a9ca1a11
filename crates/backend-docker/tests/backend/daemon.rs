//! A daemon that is not there: connecting fails fast, as unavailable, naming the endpoint.

use std::time::{Duration, Instant};

use skipper_backend_docker::{DockerBackend, DockerConfig};
use std::sync::Arc;

use skipper_core::{NoProgress, SandboxError, SandboxKind};

/// Run as a child process by [`an_unreachable_daemon_fails_fast`], with `DOCKER_HOST` set.
#[test]
fn unreachable_daemon_child() {
    if std::env::var_os("SK_TEST_UNREACHABLE_CHILD").is_none() {
        return;
    }
    let started = Instant::now();
    let err = DockerBackend::connect(DockerConfig::default(), Arc::new(NoProgress)).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(
            err,
            SandboxError::Unavailable {
                sandbox: SandboxKind::Docker,
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("Docker is not reachable at unix:///nonexistent/docker.sock"),
        "{message}"
    );
}

#[test]
fn an_unreachable_daemon_fails_fast() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "daemon::unreachable_daemon_child", "--nocapture"])
        .env("SK_TEST_UNREACHABLE_CHILD", "1")
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
}
