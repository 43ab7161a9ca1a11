//! What the Docker backend's tests share: a real git origin and host clone in a temporary
//! home, a backend connected to the real daemon, commands run through the port, and the
//! sweep by label when the fixture drops. The daemon rule, the base image, git and the sweep
//! are `skipper_testkit`'s.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use skipper_backend_docker::{DockerBackend, DockerConfig};
use skipper_core::{
    BranchName, BranchStart, Checkout, CommandLine, CreateRequest, ExecIo, NoProgress, PipedIo,
    RepositoryId, Sandbox, Workspace, WorkspaceLocation,
};
use skipper_testkit::docker::Sweep;
pub use skipper_testkit::docker::{BASE_IMAGE, docker, docker_ready, image_tags_since, unix_now};
pub use skipper_testkit::git;
use skipper_testkit::{Origin, TempHome};

/// The origin's default branch: a name with `/` on purpose.
pub const DEFAULT_BRANCH: &str = "release/v1";

static IMAGE_BUILD: Mutex<()> = Mutex::new(());

/// A git origin, a host clone and a data root in one temporary home, with a repository
/// identity unique to the test, so that its containers and images are swept by label.
pub struct Fixture {
    pub dir: TempHome,
    pub origin: PathBuf,
    pub seed: PathBuf,
    pub checkout: Checkout,
    pub data_root: PathBuf,
    pub home: PathBuf,
    /// Image tags to remove at the end, after the containers.
    pub images: Vec<String>,
    sweep: Sweep,
}

impl Fixture {
    /// An origin whose default branch is [`DEFAULT_BRANCH`] with three commits, a branch
    /// `feat/y` (also pushed as `old/branch`), a tag `v0.1`, and a host clone of it.
    pub fn new(test: &str) -> Self {
        let dir = TempHome::new();
        let root = dir.root().to_path_buf();
        let origin = Origin::new(root.join("origin.git"), root.join("seed"), DEFAULT_BRANCH);
        for i in 1..=3 {
            origin.commit(
                DEFAULT_BRANCH,
                "README.md",
                &format!("version {i}\n"),
                &format!("commit {i}"),
            );
        }
        git(&origin.seed, &["tag", "v0.1"]);
        origin.push(&[DEFAULT_BRANCH, "--tags"]);
        origin.commit("feat/y", "y.txt", "y\n", "feature y");
        origin.push(&["feat/y"]);
        origin.push(&["feat/y:old/branch"]);
        origin.checkout(DEFAULT_BRANCH);

        let owner = skipper_testkit::unique_name(&test.replace('_', "-"));
        let checkout_path = root.join("data/repos/local").join(&owner).join("api");
        fs_err::create_dir_all(checkout_path.parent().unwrap()).unwrap();
        git(
            &root,
            &["clone", "-q", &origin.url, checkout_path.to_str().unwrap()],
        );
        let repository = RepositoryId::new("local", &owner, "api").unwrap();
        Self {
            sweep: Sweep::label("dev.skipper.repository", &repository.key()),
            origin: origin.bare,
            seed: origin.seed,
            checkout: Checkout {
                repository,
                path: checkout_path,
            },
            data_root: root.join("data"),
            home: dir.home(),
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
        let backend =
            DockerBackend::connect(config, Arc::new(NoProgress)).expect("the daemon answers");
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
        fs_err::write(self.seed.join("later.txt"), subject).unwrap();
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
            ports: Vec::new(),
            network: skipper_core::NetworkSettings::default(),
        }
    }

    pub fn repository_label(&self) -> String {
        self.sweep.filter()
    }

    /// Everything the daemon holds for this test's repository.
    pub fn containers(&self) -> Vec<String> {
        self.sweep.containers()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // The sweep, dropped next, removes them after the containers.
        for tag in self.images.drain(..) {
            self.sweep.remove_image(&tag);
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
    let io = ExecIo::Piped(PipedIo {
        stdin: stdin.map(|text| {
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec()))
                as Box<dyn std::io::Read + Send>
        }),
        stdout: &mut stdout,
        stderr: &mut stderr,
        interrupts: None,
    });
    let status = backend
        .execute(workspace, &command, &skipper_core::Environment::new(), io)
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
/// A command that says [`BLOCKED`] once it runs, then waits until a signal ends it. The
/// words come from the waiting process itself, after its `exec`: a shell that takes SIGINT
/// before it has forked its next command (`echo ready; sleep 60`) still starts that command
/// and waits for it, so a Ctrl-C sent on a marker the shell printed may miss the command.
pub const BLOCK: &str = "tail -v -f /dev/null";
/// What [`BLOCK`] says once it runs.
pub const BLOCKED: &str = "==> /dev/null <==";

pub struct InterruptOn {
    pub seen: Vec<u8>,
    pub marker: &'static str,
    pub tx: Option<std::sync::mpsc::Sender<()>>,
}

impl Write for InterruptOn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.seen.extend_from_slice(buf);
        if String::from_utf8_lossy(&self.seen).contains(self.marker)
            && let Some(tx) = self.tx.take()
        {
            let _ = tx.send(());
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

/// An error and its causes as one line, as the CLI prints it.
pub trait WithCauses {
    fn with_causes(&self) -> String;
}

impl<E: std::error::Error> WithCauses for E {
    fn with_causes(&self) -> String {
        let mut message = self.to_string();
        let mut cause = self.source();
        while let Some(inner) = cause {
            message.push_str(": ");
            message.push_str(&inner.to_string());
            cause = inner.source();
        }
        message
    }
}
