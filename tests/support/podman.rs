//! A Podman API service of a test's own (`podman system service`, Podman's Docker-compatible
//! API), for the tests that run `sk` against Podman as its engine: started by
//! `tests/support/docker/podman-service.sh` on storage, a network and a socket of its own,
//! and stopped, with its containers, bridge and files removed, when dropped. Nothing of the
//! machine's Docker daemon or of any other Podman is touched.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The script that starts, loads and stops Podman services.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/docker/podman-service.sh")
}

/// Whether a Podman service can be started here: root, `podman`, `catatonit` (Podman's init,
/// for `init: true`), `ip` and `curl` on PATH, besides [`super::docker::docker_ready`] (the
/// test image comes from the machine's daemon). Otherwise prints why and returns false, or
/// panics under `SK_REQUIRE_DOCKER=1`.
pub fn podman_ready() -> bool {
    if !super::docker::docker_ready() {
        return false;
    }
    let required = std::env::var("SK_REQUIRE_DOCKER").as_deref() == Ok("1");
    let skip = |why: &str| {
        assert!(!required, "SK_REQUIRE_DOCKER=1 but {why}");
        eprintln!("skipped: {why} (set SK_REQUIRE_DOCKER=1 to make this a failure)");
        false
    };
    let uid = Command::new("id").arg("-u").output().unwrap();
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return skip("a Podman service of the test's own needs root (it makes a bridge)");
    }
    for program in ["podman", "catatonit", "ip", "curl"] {
        if which::which(program).is_err() {
            return skip(&format!(
                "`{program}` is not installed (Debian: apt-get install podman catatonit)"
            ));
        }
    }
    true
}

/// A running Podman service; stopped when dropped.
#[derive(Debug)]
pub struct PodmanService {
    name: String,
    socket: String,
}

impl PodmanService {
    /// Starts a service and waits until it answers; panics with its log when it does not.
    pub fn start() -> Self {
        let name = super::engine_process::unique_name("skp");
        let output = Command::new("bash")
            .arg(script())
            .args(["start", &name])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "starting the Podman service {name} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let socket = String::from_utf8(output.stdout).unwrap().trim().to_owned();
        Self { name, socket }
    }

    /// Its endpoint, as `DOCKER_HOST` takes it.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket)
    }

    /// Copies `images` of the machine's Docker daemon into it (`podman load`).
    pub fn load(&self, images: &[&str]) {
        let output = Command::new("bash")
            .arg(script())
            .args(["load", &self.name])
            .args(images)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "loading {images:?} into {} failed:\n{}",
            self.name,
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// `docker -H <this service> args`, through Podman's Docker-compatible API as `sk`
    /// sees it (where label filters add up, unlike `podman images --filter`'s, any of which
    /// matches): whether it succeeded, and its trimmed stdout then stderr.
    pub fn docker(&self, args: &[&str]) -> (bool, String) {
        super::engine_process::outcome(Command::new("docker").args(["-H", &self.host()]).args(args))
    }

    /// `podman args` on this service's storage: whether it succeeded, and its trimmed stdout
    /// then stderr.
    pub fn podman(&self, args: &[&str]) -> (bool, String) {
        super::engine_process::outcome(
            Command::new("bash")
                .arg(script())
                .args(["podman", &self.name])
                .args(args),
        )
    }
}

impl Drop for PodmanService {
    fn drop(&mut self) {
        super::engine_process::stop(&script(), &self.name, "Podman service");
    }
}
