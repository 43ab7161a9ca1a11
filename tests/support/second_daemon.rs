//! A second Docker daemon of a test's own, for a test that needs a daemon configured
//! differently (another runtime; later TLS, ssh, Podman): started by
//! `tests/support/docker/second-daemon.sh` beside the machine's daemon, on a bridge of its
//! own, and stopped, with its bridge and files removed, when dropped. The machine's daemon
//! is never restarted or stopped.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The script that starts, loads and stops second daemons.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/docker/second-daemon.sh")
}

/// Whether a second daemon can be started here: root, `dockerd` and `ip` (and each of
/// `programs`, e.g. `runsc`) on PATH, besides [`super::docker::docker_ready`]. Otherwise
/// prints why and returns false, or panics under `SK_REQUIRE_DOCKER=1`.
pub fn second_daemon_ready(programs: &[&str]) -> bool {
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
        return skip("a second Docker daemon needs root (it makes a bridge)");
    }
    for program in ["dockerd", "ip"].iter().chain(programs) {
        if which::which(program).is_err() {
            return skip(&format!("`{program}` is not installed"));
        }
    }
    true
}

/// A running second daemon; stopped when dropped.
#[derive(Debug)]
pub struct SecondDaemon {
    name: String,
    socket: String,
    /// Its `daemon.json`, when it has one.
    _config: tempfile::TempDir,
}

impl SecondDaemon {
    /// Starts a daemon with `daemon_json` as its configuration file (none when `None`) and
    /// `extra` dockerd arguments after the script's own (e.g. `--tlsverify`, `-H
    /// tcp://127.0.0.1:PORT`); waits until it answers. Panics with its log when it does not.
    pub fn start(daemon_json: Option<&str>, extra: &[&str]) -> Self {
        let config = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = Vec::new();
        if let Some(json) = daemon_json {
            let file = config.path().join("daemon.json");
            fs_err::write(&file, json).unwrap();
            args.extend(["--config-file".to_owned(), file.display().to_string()]);
        }
        args.extend(extra.iter().map(|arg| (*arg).to_owned()));
        let name = super::engine_process::unique_name("sk");
        let output = Command::new("bash")
            .arg(script())
            .args(["start", &name])
            .args(&args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "starting the second daemon {name} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let socket = String::from_utf8(output.stdout).unwrap().trim().to_owned();
        Self {
            name,
            socket,
            _config: config,
        }
    }

    /// Its endpoint, as `DOCKER_HOST` takes it.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket)
    }

    /// Its name: its bridge's too.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its directory (`docker.sock`, `data/`, `x/`, `pid`, `bridge`, `dockerd.log`).
    pub fn dir(&self) -> PathBuf {
        Path::new(&self.socket)
            .parent()
            .map(Path::to_owned)
            .unwrap_or_default()
    }

    /// Copies `images` of the machine's daemon into this one.
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

    /// `docker -H <this daemon> args`: whether it succeeded, and its trimmed stdout and
    /// stderr.
    pub fn docker(&self, args: &[&str]) -> (bool, String) {
        super::engine_process::outcome(Command::new("docker").args(["-H", &self.host()]).args(args))
    }
}

impl Drop for SecondDaemon {
    fn drop(&mut self) {
        super::engine_process::stop(&script(), &self.name, "second daemon");
    }
}
