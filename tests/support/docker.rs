//! Docker for the tests: whether a daemon answers (skip, or fail under
//! `SK_REQUIRE_DOCKER=1`), the local base image the shipped Dockerfile is built FROM, and a
//! sweeper that removes what a test made, found by its labels.

use std::process::Command;

use super::TestEnv;

/// The local base image (made by `tests/support/docker/base-image.sh`).
pub const BASE_IMAGE: &str = "skipper-test-base:bookworm";

fn docker(args: &[&str]) -> std::process::Output {
    Command::new("docker").args(args).output().unwrap()
}

/// Whether the Docker tests can run here. Without a daemon they are skipped with a message,
/// unless `SK_REQUIRE_DOCKER=1` makes that a failure.
pub fn docker_ready() -> bool {
    let required = std::env::var("SK_REQUIRE_DOCKER").as_deref() == Ok("1");
    let answers = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !answers {
        assert!(
            !required,
            "SK_REQUIRE_DOCKER=1 but no Docker daemon answers"
        );
        eprintln!(
            "skipped: no Docker daemon answers (set SK_REQUIRE_DOCKER=1 to make this a failure)"
        );
        return false;
    }
    let has_base = docker(&["image", "inspect", BASE_IMAGE]).status.success();
    if !has_base {
        assert!(
            !required,
            "SK_REQUIRE_DOCKER=1 but {BASE_IMAGE} is missing: run tests/support/docker/base-image.sh"
        );
        eprintln!("skipped: {BASE_IMAGE} is missing (run tests/support/docker/base-image.sh)");
        return false;
    }
    true
}

/// A unique repository name for one test, so parallel tests never share a container.
pub fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{nanos:x}", std::process::id())
}

/// Removes every container and image labelled with `repository` (`host/owner/name`) when
/// dropped, whatever the test's outcome.
pub struct Sweep {
    pub repository: String,
}

impl Drop for Sweep {
    fn drop(&mut self) {
        let filter = format!("label=dev.skipper.repository={}", self.repository);
        let ids = docker(&["ps", "-aq", "--filter", &filter]);
        for id in String::from_utf8_lossy(&ids.stdout).split_whitespace() {
            let _ = docker(&["rm", "-f", "-v", id]);
        }
        let images = docker(&["images", "-q", "--filter", &filter]);
        for id in String::from_utf8_lossy(&images.stdout).split_whitespace() {
            let _ = docker(&["rmi", "-f", id]);
        }
    }
}

impl TestEnv {
    /// Configures the Docker sandbox to build the shipped Dockerfile FROM the local base;
    /// `extra` holds more `[docker]` keys.
    pub fn use_docker(&self, extra: &str) {
        self.write_config(&format!(
            "[docker]\n{extra}\n[docker.build_args]\nBASE_IMAGE = \"{BASE_IMAGE}\"\n"
        ));
    }
}

/// `docker` CLI, for checks the test makes behind `sk`'s back.
pub fn docker_cli(args: &[&str]) -> String {
    let output = docker(args);
    assert!(
        output.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Removes an image when dropped (declare it before the [`Sweep`] of the containers using it,
/// so it is dropped after them).
pub struct RemoveImage(pub std::cell::RefCell<Option<String>>);

impl Drop for RemoveImage {
    fn drop(&mut self) {
        if let Some(image) = self.0.borrow().as_deref() {
            let _ = docker(&["rmi", "-f", image]);
        }
    }
}
