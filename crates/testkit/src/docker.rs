//! Docker for the tests, through the `docker` CLI: whether they can run here, the local base
//! image they build FROM, and guards that remove what a test made, found by its labels.
//!
//! The tests need a daemon (`tests/support/docker/engine.sh`) and the base image
//! (`tests/support/docker/base-image.sh`). Without them a test prints why and passes, unless
//! `SK_REQUIRE_DOCKER=1` makes that a failure.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The local base image the tests build FROM (no registry is reachable).
pub const BASE_IMAGE: &str = "skipper-test-base:bookworm";

/// Runs the `docker` CLI: whether it succeeded, and its trimmed stdout followed by its
/// trimmed stderr.
pub fn docker(args: &[&str]) -> (bool, String) {
    let output = Command::new("docker").args(args).output().unwrap();
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout).trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    )
}

/// Runs the `docker` CLI, requiring success; returns its trimmed stdout.
pub fn docker_ok(args: &[&str]) -> String {
    let output = Command::new("docker").args(args).output().unwrap();
    assert!(
        output.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Whether the Docker tests can run here: a daemon answers and [`BASE_IMAGE`] exists.
/// Otherwise prints why and returns false, or panics under `SK_REQUIRE_DOCKER=1`.
pub fn docker_ready() -> bool {
    let required = std::env::var("SK_REQUIRE_DOCKER").as_deref() == Ok("1");
    let skip = |why: &str| {
        assert!(!required, "SK_REQUIRE_DOCKER=1 but {why}");
        eprintln!("skipped: {why} (set SK_REQUIRE_DOCKER=1 to make this a failure)");
        false
    };
    let answers = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !answers {
        return skip("no Docker daemon answers (run tests/support/docker/engine.sh)");
    }
    if !docker(&["image", "inspect", BASE_IMAGE]).0 {
        return skip(&format!(
            "the base image {BASE_IMAGE} is missing (run tests/support/docker/base-image.sh)"
        ));
    }
    true
}

/// Writes a Dockerfile at `path`: `FROM` [`BASE_IMAGE`], then `steps`. Returns `path`.
pub fn write_dockerfile(path: &Path, steps: &str) -> PathBuf {
    fs_err::write(path, format!("FROM {BASE_IMAGE}\n{steps}\n")).unwrap();
    path.to_owned()
}

/// Now as a Unix timestamp with nanoseconds, as `docker events --since` takes it.
pub fn unix_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    format!("{}.{:09}", now.as_secs(), now.subsec_nanos())
}

/// The daemon's events between `since` (a [`unix_now`]) and now that pass every one of
/// `filters` (`docker events --filter`), one a line in `format` when given.
pub fn events_since(since: &str, filters: &[&str], format: Option<&str>) -> String {
    let until = unix_now();
    let mut args = vec!["events", "--since", since, "--until", &until];
    for filter in filters {
        args.extend(["--filter", filter]);
    }
    if let Some(format) = format {
        args.extend(["--format", format]);
    }
    docker_ok(&args)
}

/// The names of the images tagged between `since` (a [`unix_now`]) and now: one per build.
pub fn image_tags_since(since: &str) -> Vec<String> {
    events_since(
        since,
        &["type=image", "event=tag"],
        Some("{{.Actor.Attributes.name}}"),
    )
    .lines()
    .map(str::to_owned)
    .collect()
}

/// Removes, on drop, every container and then every image carrying the label `label`
/// (`key=value`), and then the images named with [`Self::remove_image`]: whatever the
/// test's outcome.
#[derive(Debug)]
pub struct Sweep {
    label: String,
    images: Mutex<Vec<String>>,
}

impl Sweep {
    /// Sweeps what carries `key=value`.
    pub fn label(key: &str, value: &str) -> Self {
        Self {
            label: format!("{key}={value}"),
            images: Mutex::new(Vec::new()),
        }
    }

    /// The `--filter` argument selecting what this sweep removes.
    pub fn filter(&self) -> String {
        format!("label={}", self.label)
    }

    /// The ids of the containers, running or not, that carry the label.
    pub fn containers(&self) -> Vec<String> {
        let (_, ids) = docker(&["ps", "-aq", "--filter", &self.filter()]);
        ids.split_whitespace().map(str::to_owned).collect()
    }

    /// Also removes the image `tag` at the end, after the containers that may run it.
    pub fn remove_image(&self, tag: &str) {
        self.images
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(tag.to_owned());
    }
}

impl Drop for Sweep {
    fn drop(&mut self) {
        for id in self.containers() {
            docker(&["rm", "-f", "-v", &id]);
        }
        let (_, images) = docker(&["images", "-q", "--filter", &self.filter()]);
        for id in images.split_whitespace() {
            docker(&["rmi", "-f", id]);
        }
        let tags = self
            .images
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for tag in tags.iter() {
            docker(&["rmi", "-f", tag]);
        }
    }
}
