//! What the Docker backend's integration tests share: a real git origin and host clone in a
//! temporary directory, a backend connected to the real daemon, and cleanup by label.
//!
//! The tests need a daemon and the local base image (`tests/support/docker/engine.sh` and
//! `base-image.sh`). Without them they print why and pass, unless `SK_REQUIRE_DOCKER=1`.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use skipper_backend_docker::{DockerBackend, DockerConfig, ExecIo, Interrupt};
use skipper_core::{
    BranchName, BranchStart, Checkout, CommandLine, CreateRequest, RepositoryId, Sandbox,
    Workspace, WorkspaceLocation,
};
use tokio::sync::mpsc;

/// The local base image the tests build from (no registry is reachable).
pub const BASE_IMAGE: &str = "skipper-test-base:bookworm";
/// The origin's default branch: a name with `/` on purpose.
pub const DEFAULT_BRANCH: &str = "release/v1";

static IMAGE_BUILD: Mutex<()> = Mutex::new(());

/// Whether the tests can run; prints why not. With `SK_REQUIRE_DOCKER=1`, panics instead.
pub fn docker_ready() -> bool {
    let required = std::env::var("SK_REQUIRE_DOCKER").is_ok_and(|v| v == "1");
    let skip = |why: String| {
        assert!(!required, "SK_REQUIRE_DOCKER=1 but {why}");
        eprintln!("SKIPPED (no Docker): {why}");
        false
    };
    if let Err(err) = DockerBackend::connect(DockerConfig {
        data_root: std::env::temp_dir(),
        home: std::env::temp_dir(),
        ..Default::default()
    }) {
        return skip(format!("{err} (run tests/support/docker/engine.sh)"));
    }
    let found = Command::new("docker")
        .args(["image", "inspect", BASE_IMAGE])
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        return skip(format!(
            "the base image {BASE_IMAGE} is missing (run tests/support/docker/base-image.sh)"
        ));
    }
    true
}

/// Runs `git` in `dir` and returns its trimmed stdout; panics on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Runs the `docker` CLI; returns success and stdout.
pub fn docker(args: &[&str]) -> (bool, String) {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    )
}

/// A git origin, a host clone and a data root in one temporary directory, with a repository
/// identity unique to the test, so that its containers and images can be swept by label.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub origin: PathBuf,
    pub seed: PathBuf,
    pub checkout: Checkout,
    pub data_root: PathBuf,
    pub home: PathBuf,
    /// Image tags to remove at the end.
    pub images: Vec<String>,
}

impl Fixture {
    /// An origin whose default branch is [`DEFAULT_BRANCH`] with three commits, a branch
    /// `feat/y`, a tag `v0.1`, and a host clone of it.
    pub fn new(test: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        let origin = root.join("origin.git");
        let seed = root.join("seed");
        std::fs::create_dir_all(&seed).unwrap();
        git(
            &root,
            &[
                "init",
                "-q",
                "--bare",
                "-b",
                DEFAULT_BRANCH,
                origin.to_str().unwrap(),
            ],
        );
        git(&seed, &["init", "-q", "-b", DEFAULT_BRANCH]);
        for i in 1..=3 {
            std::fs::write(seed.join("README.md"), format!("version {i}\n")).unwrap();
            git(&seed, &["add", "README.md"]);
            git(&seed, &["commit", "-q", "-m", &format!("commit {i}")]);
        }
        git(&seed, &["tag", "v0.1"]);
        git(
            &seed,
            &[
                "remote",
                "add",
                "origin",
                &format!("file://{}", origin.display()),
            ],
        );
        git(&seed, &["push", "-q", "origin", DEFAULT_BRANCH, "--tags"]);
        git(&seed, &["checkout", "-q", "-b", "feat/y"]);
        std::fs::write(seed.join("y.txt"), "y\n").unwrap();
        git(&seed, &["add", "y.txt"]);
        git(&seed, &["commit", "-q", "-m", "feature y"]);
        git(&seed, &["push", "-q", "origin", "feat/y"]);
        git(&seed, &["push", "-q", "origin", "feat/y:old/branch"]);
        git(&seed, &["checkout", "-q", DEFAULT_BRANCH]);

        let owner = format!(
            "{}-{}-{}",
            test.replace('_', "-"),
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let checkout_path = root.join("data/repos/local").join(&owner).join("api");
        std::fs::create_dir_all(checkout_path.parent().unwrap()).unwrap();
        git(
            &root,
            &[
                "clone",
                "-q",
                &format!("file://{}", origin.display()),
                checkout_path.to_str().unwrap(),
            ],
        );
        let home = root.join("home");
        std::fs::create_dir_all(&home).unwrap();
        Self {
            origin,
            seed,
            checkout: Checkout {
                repository: RepositoryId::new("local", &owner, "api").unwrap(),
                path: checkout_path,
            },
            data_root: root.join("data"),
            home,
            images: Vec::new(),
            dir,
        }
    }

    /// The configuration for the shipped Dockerfile with the local base image and a
    /// non-root container user.
    pub fn shipped_config(&self) -> DockerConfig {
        DockerConfig {
            data_root: self.data_root.clone(),
            home: self.home.clone(),
            build_args: BTreeMap::from([
                ("BASE_IMAGE".to_owned(), BASE_IMAGE.to_owned()),
                ("USER_UID".to_owned(), "1000".to_owned()),
                ("USER_GID".to_owned(), "1000".to_owned()),
            ]),
            ..Default::default()
        }
    }

    /// A backend for `config`, its image built once per process (tests run in parallel).
    pub fn backend(&self, config: DockerConfig) -> DockerBackend {
        let backend = DockerBackend::connect(config).expect("the daemon answers");
        let _guard = IMAGE_BUILD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(err) = backend.ensure_image() {
            // Let the test see the failure through the ports.
            eprintln!("building the image failed: {err}");
        }
        backend
    }

    /// A commit pushed to origin after the host clone was made; returns its subject.
    pub fn push_to_origin(&self, subject: &str) -> String {
        std::fs::write(self.seed.join("later.txt"), subject).unwrap();
        git(&self.seed, &["add", "later.txt"]);
        git(&self.seed, &["commit", "-q", "-m", subject]);
        git(&self.seed, &["push", "-q", "origin", DEFAULT_BRANCH]);
        subject.to_owned()
    }

    /// What the host checkout use case's refresh does: fetch origin, touching no local state.
    pub fn refresh(&self) {
        git(
            &self.checkout.path,
            &["fetch", "-q", "--prune", "--tags", "origin"],
        );
    }

    pub fn branch_request(&self, branch: &str, start: BranchStart) -> CreateRequest {
        CreateRequest {
            checkout: self.checkout.clone(),
            branch: BranchName::new(branch).unwrap(),
            start,
            default_branch: default_branch(),
        }
    }

    pub fn repository_label(&self) -> String {
        format!(
            "label=dev.skipper.repository={}",
            self.checkout.repository.key()
        )
    }

    /// Everything the daemon holds for this test's repository.
    pub fn containers(&self) -> Vec<String> {
        let (_, out) = docker(&["ps", "-aq", "--filter", &self.repository_label()]);
        out.lines()
            .map(str::to_owned)
            .filter(|l| !l.is_empty())
            .collect()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let label = self.repository_label();
        let (_, containers) = docker(&["ps", "-aq", "--filter", &label]);
        for id in containers.lines().filter(|l| !l.is_empty()) {
            docker(&["rm", "-f", "-v", id]);
        }
        let (_, images) = docker(&["images", "-q", "--filter", &label]);
        for id in images.lines().filter(|l| !l.is_empty()) {
            docker(&["rmi", "-f", id]);
        }
        for tag in &self.images {
            docker(&["rmi", "-f", tag]);
        }
    }
}

pub fn default_branch() -> BranchName {
    BranchName::new(DEFAULT_BRANCH).unwrap()
}

/// The container name of a workspace.
pub fn container(workspace: &Workspace) -> String {
    match &workspace.location {
        WorkspaceLocation::Container { name, .. } => name.clone(),
        WorkspaceLocation::Host(path) => panic!("not a container: {}", path.display()),
    }
}

/// What a command run through the port did.
#[derive(Debug)]
pub struct Ran {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `argv` in the workspace with `stdin`, capturing its output.
pub fn run_with(
    backend: &DockerBackend,
    workspace: &Workspace,
    command: CommandLine,
    stdin: Option<&str>,
) -> Ran {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let (_tx, rx) = mpsc::unbounded_channel::<Interrupt>();
    let io = ExecIo {
        stdin: stdin.map(|text| {
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec()))
                as Box<dyn std::io::Read + Send>
        }),
        stdout: &mut stdout,
        stderr: &mut stderr,
    };
    let status = backend
        .execute_with_io(workspace, &command, io, rx)
        .unwrap_or_else(|err| panic!("{command:?} failed: {err}"));
    Ran {
        status: status.0,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs `argv` in the workspace and returns its trimmed stdout, requiring success.
pub fn sh_ok(backend: &DockerBackend, workspace: &Workspace, script: &str) -> String {
    let ran = run_with(
        backend,
        workspace,
        CommandLine::Shell(script.to_owned()),
        None,
    );
    assert_eq!(ran.status, 0, "`{script}` failed: {ran:?}");
    ran.stdout.trim().to_owned()
}

/// A writer that sends an interrupt the first time `marker` appears in the output.
pub struct InterruptOn {
    pub seen: Vec<u8>,
    pub marker: &'static str,
    pub tx: Option<mpsc::UnboundedSender<Interrupt>>,
}

impl Write for InterruptOn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.seen.extend_from_slice(buf);
        if String::from_utf8_lossy(&self.seen).contains(self.marker)
            && let Some(tx) = self.tx.take()
        {
            let _ = tx.send(Interrupt::CtrlC);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Keeps `Sandbox` in scope for callers of the helpers.
pub fn kind(backend: &DockerBackend) -> skipper_core::SandboxKind {
    Sandbox::kind(backend)
}
