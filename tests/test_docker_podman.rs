//! Podman as the engine, for real: a Podman API service of the test's own (Debian's podman,
//! `podman system service` on a unix socket), reached through `DOCKER_HOST`, holding the test
//! base image (`podman load`). Podman's default ulimits exceed this machine's hard limits,
//! so the config carries `[docker.ulimits]`. The socket is local: the host's configuration
//! is bind-mounted and commands go through the container's spawner, as on Docker.

use std::process::{Command, Output};
use std::sync::{Arc, Mutex, Weak};

use expectrl::Expect;

use crate::support::TestEnv;
use crate::support::docker::BASE_IMAGE;
use crate::support::podman::{PodmanService, podman_ready};
use crate::support::{stderr, stdout};

/// The limits Podman's containers need here (`podman run` without them: "error setting
/// rlimit type 7").
const ULIMITS: &str = "[docker.ulimits]\nnofile = \"1024:20000\"\nnproc = \"1024:4096\"\n";

/// The Podman service holding the test base image, shared by the tests running at the same
/// time (loading the image takes most of its start).
fn podman_service() -> Arc<PodmanService> {
    static SHARED: Mutex<Weak<PodmanService>> = Mutex::new(Weak::new());
    let mut shared = SHARED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(service) = shared.upgrade() {
        return service;
    }
    let service = PodmanService::start();
    service.load(&[BASE_IMAGE]);
    let service = Arc::new(service);
    *shared = Arc::downgrade(&service);
    service
}

/// A test's own user of the Podman service: its home holds a git configuration (mounted
/// into workspaces), its config makes workspaces from the test base image as it is.
struct OnPodman {
    service: Arc<PodmanService>,
    env: TestEnv,
    name: String,
}

impl OnPodman {
    fn new(prefix: &str) -> Self {
        let env = TestEnv::new();
        env.write_config(&format!("[docker]\nimage = \"{BASE_IMAGE}\"\n{ULIMITS}"));
        fs_err::write(
            env.home().join(".gitconfig"),
            "[user]\n\tname = Podman Tester\n\temail = podman@example.test\n",
        )
        .unwrap();
        Self {
            service: podman_service(),
            env,
            name: skipper_testkit::unique_name(prefix),
        }
    }

    /// `sk` reaching the service through `DOCKER_HOST`.
    fn sk(&self) -> Command {
        let mut command = self.env.sk();
        command.env("DOCKER_HOST", self.service.host());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.sk().args(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "sk {args:?} failed with {:?}\nstdout: {}\nstderr: {}",
            output.status,
            stdout(&output),
            stderr(&output)
        );
        stdout(&output)
    }

    /// `sk workspace <command> --sandbox docker -r <repo> -b <branch> <rest>`.
    fn ws_args<'a>(&'a self, command: &'a str, branch: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec![
            "workspace",
            command,
            "--sandbox",
            "docker",
            "-r",
            &self.name,
            "-b",
            branch,
        ];
        args.extend_from_slice(rest);
        args
    }

    fn ws(&self, command: &str, branch: &str, rest: &[&str]) -> String {
        self.ok(&self.ws_args(command, branch, rest))
    }

    /// This repository's rows of `list --json`.
    fn rows(&self) -> Vec<serde_json::Value> {
        let listed = self.ok(&["workspace", "list", "--sandbox", "docker", "--json"]);
        let rows: serde_json::Value = serde_json::from_str(&listed).unwrap();
        rows.as_array()
            .unwrap()
            .iter()
            .filter(|row| row["repository"].as_str().unwrap().ends_with(&self.name))
            .cloned()
            .collect()
    }

    /// The label filter of everything made for this test's repository.
    fn label(&self) -> String {
        format!("label=dev.skipper.repository=local/remotes/{}", self.name)
    }
}

impl Drop for OnPodman {
    fn drop(&mut self) {
        let (_, ids) = self
            .service
            .podman(&["ps", "-aq", "--filter", &self.label()]);
        for id in ids.split_whitespace() {
            let _ = self.service.podman(&["rm", "-f", "-t", "0", id]);
        }
        let (_, images) = self
            .service
            .podman(&["images", "-q", "--filter", &self.label()]);
        for id in images.split_whitespace() {
            let _ = self.service.podman(&["rmi", "-f", id]);
        }
    }
}

#[test]
fn podman_serves_clone_create_run_attach_list_and_remove() {
    if !podman_ready() {
        return;
    }
    let podman = OnPodman::new("podman");
    let origin = podman.env.origin(&podman.name, "main");
    podman.ok(&["clone", &origin.url, "--sandbox", "docker"]);
    podman.ws("create", "feat/pod", &[]);

    // Exit codes pass through, and so does output.
    let failed = podman.run(&podman.ws_args("run", "feat/pod", &["--", "sh", "-c", "exit 7"]));
    assert_eq!(failed.status.code(), Some(7), "{}", stderr(&failed));
    // The host's git configuration is bind-mounted (the socket is local), and the command
    // went through the container's spawner (its exec directory, bind-mounted read-write),
    // not the daemon's exec.
    let mut args = vec!["-v"];
    args.extend(podman.ws_args("run", "feat/pod", &["--", "git", "config", "user.name"]));
    let verbose = podman.run(&args);
    assert!(verbose.status.success(), "{}", stderr(&verbose));
    assert_eq!(stdout(&verbose).trim(), "Podman Tester");
    assert!(
        !stderr(&verbose).contains("not the spawner"),
        "{}",
        stderr(&verbose)
    );
    // PID 1 is behind Podman's init (Debian's catatonit, run as `podman-init`) and has the
    // configured limits.
    let inside = podman.ws(
        "run",
        "feat/pod",
        &["--command", "cat /proc/1/comm; ulimit -n"],
    );
    assert_eq!(inside, "podman-init\n1024\n");

    let rows = podman.rows();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let row = rows
        .iter()
        .find(|row| row["branch"] == "feat/pod")
        .unwrap_or_else(|| panic!("no feat/pod in {rows:?}"));
    assert_eq!(row["state"], "running", "{row}");
    assert_eq!(row["clean"], true, "{row}");
    let container = row["container"].as_str().unwrap().to_owned();

    // A shell through the daemon's exec, on a terminal.
    let mut attach = podman.sk();
    attach
        .stdin(std::process::Stdio::inherit())
        .args(podman.ws_args("attach", "feat/pod", &[]));
    let mut session = podman.env.pty_command(attach);
    session.send("echo answer-$((6 * 7))\r").unwrap();
    session.expect("answer-42").unwrap();
    session.send("exit 3\r").unwrap();
    assert_eq!(crate::support::exit_code(&mut session), 3);

    // The dirty gate holds on Podman too; once clean, the workspace goes, container and all.
    podman.ws("run", "feat/pod", &["--", "touch", "untracked.txt"]);
    let refused = podman.run(&podman.ws_args("remove", "feat/pod", &[]));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("1 untracked file: untracked.txt"),
        "{}",
        stderr(&refused)
    );
    podman.ws("run", "feat/pod", &["--", "rm", "untracked.txt"]);
    podman.ws("remove", "feat/pod", &[]);
    let (_, left) = podman
        .service
        .podman(&["ps", "-aq", "--filter", &format!("name={container}")]);
    assert_eq!(left, "");
    assert_eq!(podman.rows().len(), 1);
}

#[test]
fn a_snapshot_committed_on_podman_carries_its_own_labels() {
    if !podman_ready() {
        return;
    }
    let podman = OnPodman::new("podsnap");
    let origin = podman.env.origin(&podman.name, "main");
    podman.ok(&["clone", &origin.url, "--sandbox", "docker"]);
    // The first branch workspace makes the repository's snapshot.
    podman.ws("create", "feat/first", &[]);
    // Podman ignores a commit's configured labels: the snapshot must still be found by its
    // role, carry the workspace image's hash, and not be its builder's.
    // One label filter: Podman's image listing takes no more (see `labels::one_label_filter`).
    let images = |role: &str| {
        let (found, ids) = podman
            .service
            .docker(&["images", "-q", "--filter", &podman.label()]);
        assert!(found, "{ids}");
        let mut ids: Vec<String> = ids
            .split_whitespace()
            .filter(|id| {
                let (_, has) = podman.service.docker(&[
                    "image",
                    "inspect",
                    "--format",
                    "{{index .Config.Labels \"dev.skipper.role\"}}",
                    id,
                ]);
                has == role
            })
            .map(str::to_owned)
            .collect();
        ids.dedup();
        ids
    };
    let snapshots = images("repository-snapshot");
    assert_eq!(snapshots.len(), 1, "{snapshots:?}");
    assert_eq!(images("snapshot-builder"), Vec::<String>::new());
    let (_, hash) = podman.service.docker(&[
        "image",
        "inspect",
        "--format",
        "{{index .Config.Labels \"dev.skipper.image-hash\"}}",
        &snapshots[0],
    ]);
    assert_eq!(hash.trim().len(), 12, "{hash}");
    // A second workspace reuses that snapshot: the one kept is not pruned as another's.
    podman.ws("create", "feat/second", &[]);
    assert_eq!(images("repository-snapshot"), snapshots);
    // Removing the repository removes its snapshot, found by its labels.
    podman.ws("remove", "feat/second", &[]);
    podman.ws("remove", "feat/first", &[]);
    let removed = podman.ok(&["repo", "remove", "-r", &podman.name, "--sandbox", "docker"]);
    assert!(removed.contains("snapshot image"), "{removed}");
    assert_eq!(images("repository-snapshot"), Vec::<String>::new());
}
