//! The Docker sandbox of skipper: one long-lived, labelled container per workspace, holding
//! a full copy of the repository, talked to through the daemon's API (bollard).
//!
//! In the hexagon this crate is an adapter: [`DockerBackend`] implements the core's
//! [`Sandbox`] and [`WorkspaceRegistry`] ports and nothing else knows its insides. The ports
//! are synchronous; the backend owns a small tokio runtime and blocks on it.
//!
//! # How it works
//!
//! - **Labels are the source of truth.** Every container carries `dev.skipper.*` labels
//!   (managed, repository, branch, main/branch, image hash, schema version); lookups and
//!   listings are one label-filtered query, stopped containers included. A container that
//!   holds a workspace's deterministic name (`sk-<readable>-<hash>`) without its labels is
//!   never adopted.
//! - **The image** is built lazily from the embedded Dockerfile (written to
//!   `<data root>/docker/Dockerfile`) or from `docker.dockerfile`, tagged
//!   `skipper-workspace:<hash>` with a hash of the Dockerfile and build arguments; or
//!   `docker.image` is used as it is. The build context holds the Dockerfile alone (no
//!   `COPY` of local files). Images of older Dockerfiles are left for `docker image prune`.
//! - **The repository copy** is a per-repository *snapshot image*: the first workspace of a
//!   repository streams the host checkout's git directory (a tar written on a blocking thread
//!   into a bounded channel, never following symbolic links, never the whole repository in
//!   memory or a second copy on disk) into a container that is never started, and commits
//!   it as `skipper-repo-<hash>:<image hash>`. Every workspace container starts from that
//!   image copy-on-write and receives only the object files the snapshot lacks (objects are
//!   named after their content, so a name the snapshot's manifest lists is the same bytes),
//!   plus the host's refs and configuration. A second workspace therefore never copies the
//!   whole history again. Archive entries are owned by the container's user (its image's
//!   `USER`, resolved against the image's `/etc/passwd`). Inside, a setup step swaps in the
//!   host's refs (never the host's stash), records the host's branch tips under
//!   `refs/skipper/host/` (their commits are safe on the host, so they do not count as
//!   unpushed) and its tags, and checks out the branch. The host checkout is only read.
//!   Snapshots of a repository for an older image are pruned once no container uses them.
//! - **A finished workspace** holds `.git/skipper/ready`, which the setup step writes last
//!   (labels are fixed before the copy, so they cannot say it). A labelled container without
//!   it was left half-made by an interrupted creation: creating the workspace again removes
//!   and remakes it, commands that would start it refuse, and the dirty gate finds nothing
//!   at risk in it. Only containers being adopted or started are checked, so a command in a
//!   running workspace costs no extra round trip.
//! - **The dirty gate** runs inside the container: uncommitted and untracked files, branches
//!   with commits on no remote branch and not on the host, the stash, a detached `HEAD`'s
//!   commits and tags the host does not have. `--force` saves all of it in a bundle,
//!   written beside its final name and renamed there once complete.
//! - **Containers** run `tail -f /dev/null` behind `init`, with no-new-privileges, all
//!   capabilities dropped but a small set ([`spec::CAPABILITIES`]), a pids limit, optional
//!   memory and CPU limits, and never the Docker socket. The host's OpenCode configuration
//!   and credentials file, `~/.gitconfig`, `~/.config/gh` and `~/.ssh` are mounted read-only
//!   under `/run/skipper/host` and linked from the container user's home, so the container
//!   user (whoever the image makes it) can read them and still write its own state.
//!   OpenCode's configuration directory is a writable directory of links to the host's
//!   entries, since OpenCode writes its own `package.json`, `.gitignore` and
//!   `node_modules` there.
//! - **Commands** are execs in the repository directory: stdout and stderr apart, stdin
//!   forwarded when it is not a terminal (with its end delivered), Ctrl-C signalling the
//!   command's process group inside the container.
//!
//! [`Sandbox`]: skipper_core::ports::Sandbox
//! [`WorkspaceRegistry`]: skipper_core::ports::WorkspaceRegistry

mod archive;
mod attach;
mod engine;
mod error;
mod exec;
mod image;
pub mod labels;
mod scripts;
pub mod spec;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use skipper_core::{
    AtRisk, AttachOutcome, BranchName, Checkout, CommandLine, CreateRequest, DetachOutcome,
    ExitStatus, Preserved, Sandbox, SandboxError, SandboxKind, Workspace, WorkspaceLocation,
    WorkspaceRef, WorkspaceRegistry, WorkspaceTarget,
};
use tokio::sync::mpsc;

pub use error::DockerError;
pub use exec::{ExecIo, Interrupt};

use engine::Engine;

/// The shipped Dockerfile, embedded in the binary.
pub const EMBEDDED_DOCKERFILE: &str = include_str!("../../../assets/Dockerfile");

/// The Docker backend's configuration.
#[derive(Debug, Clone, Default)]
pub struct DockerConfig {
    /// The data root: the Dockerfile goes to `<data root>/docker/Dockerfile`, saved work to
    /// `<data root>/saved/...`.
    pub data_root: PathBuf,
    /// The host user's home, whose configuration is mounted read-only.
    pub home: PathBuf,
    /// The host's `$XDG_CONFIG_HOME` (default `<home>/.config`), where OpenCode's and gh's
    /// configuration is looked for.
    pub config_home: Option<PathBuf>,
    /// The host's `$XDG_DATA_HOME` (default `<home>/.local/share`), where OpenCode's
    /// credentials are looked for.
    pub data_home: Option<PathBuf>,
    /// A custom Dockerfile (`docker.dockerfile`, `SKIPPER_DOCKERFILE`), built lazily the
    /// same way as the embedded one.
    pub dockerfile: Option<PathBuf>,
    /// An image to use as it is, never built or pulled (`docker.image`,
    /// `SKIPPER_DOCKER_IMAGE`).
    pub image: Option<String>,
    /// Memory limit of each container, in bytes.
    pub memory_bytes: Option<i64>,
    /// CPU limit of each container, in billionths of a CPU.
    pub nano_cpus: Option<i64>,
    /// Extra build arguments (they override `USER_UID`/`USER_GID`).
    pub build_args: BTreeMap<String, String>,
}

/// Whether a Docker daemon may be reachable, without any I/O beyond a stat: `DOCKER_HOST`
/// is set or the default socket exists. Lets a machine without Docker lose no time.
#[must_use]
pub fn docker_may_be_available() -> bool {
    std::env::var_os("DOCKER_HOST").is_some_and(|host| !host.is_empty())
        || std::path::Path::new("/var/run/docker.sock").exists()
}

/// The Docker sandbox backend.
#[derive(Debug)]
pub struct DockerBackend {
    runtime: tokio::runtime::Runtime,
    engine: Engine,
}

impl DockerBackend {
    /// Connects to the daemon (`DOCKER_HOST` or the default socket): pings it with a 5 s
    /// deadline and negotiates the API version.
    ///
    /// # Errors
    /// [`SandboxError::Unavailable`] naming the endpoint when the daemon does not answer.
    pub fn connect(config: DockerConfig) -> Result<Self, SandboxError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("skipper-docker")
            .enable_all()
            .build()
            .map_err(|err| {
                SandboxError::Unavailable(format!("cannot start the Docker client: {err}"))
            })?;
        let engine = runtime
            .block_on(Engine::connect(config))
            .map_err(DockerError::into_sandbox_other)?;
        Ok(Self { runtime, engine })
    }

    /// Makes sure the workspace image exists (building it when needed) and returns its
    /// reference, for `sk doctor`-like checks and tests.
    ///
    /// # Errors
    /// [`SandboxError::Other`] with the build failure.
    pub fn ensure_image(&self) -> Result<String, SandboxError> {
        self.runtime
            .block_on(self.engine.workspace_image())
            .map(|image| image.reference)
            .map_err(DockerError::into_sandbox_other)
    }

    /// [`Sandbox::execute`] with the I/O given: `io` instead of the process's stdio, and
    /// `interrupts` standing for Ctrl-C (each one signals the command inside the container:
    /// SIGINT, then SIGKILL).
    ///
    /// # Errors
    /// [`SandboxError::ProgramNotFound`], or the failure to run the command.
    pub fn execute_with_io(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
        io: ExecIo<'_>,
        interrupts: mpsc::UnboundedReceiver<Interrupt>,
    ) -> Result<ExitStatus, SandboxError> {
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        let fail = |err: DockerError| err.into_sandbox("running a command in", reference);
        let argv = command.to_argv();
        if argv.first().is_none_or(String::is_empty) {
            return Err(SandboxError::Other("the command is empty".to_owned()));
        }
        self.runtime.block_on(async {
            self.engine
                .ensure_running(name, reference)
                .await
                .map_err(fail)?;
            let request = exec::ExecRequest::new(name, argv, Some(path));
            let status = exec::stream(&self.engine.docker, &request, io, interrupts)
                .await
                .map_err(fail)?;
            // The wrapper exits 127 without a word when an argv's program is missing; only
            // then is it worth another exec to tell that from the program's own 127.
            if let (127, CommandLine::Argv(words)) = (status, command) {
                let program = &words[0];
                let check = self
                    .engine
                    .run(
                        name,
                        path,
                        scripts::sh(scripts::PROGRAM_EXISTS, &[program]),
                        Vec::new(),
                    )
                    .await
                    .map_err(fail)?;
                if check.status != 0 {
                    return Err(SandboxError::ProgramNotFound {
                        program: program.clone(),
                    });
                }
            }
            Ok(ExitStatus(status))
        })
    }

    /// [`Sandbox::execute`] on the user's terminal: a TTY exec, as `docker exec -it`, so
    /// interactive programs (and agents that check for a terminal) behave as on the host.
    fn execute_on_terminal(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
    ) -> Result<ExitStatus, SandboxError> {
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        let fail = |err: DockerError| err.into_sandbox("running a command in", reference);
        let argv = command.to_argv();
        let Some(program) = argv.first().filter(|p| !p.is_empty()).cloned() else {
            return Err(SandboxError::Other("the command is empty".to_owned()));
        };
        self.runtime.block_on(async {
            self.engine
                .ensure_running(name, reference)
                .await
                .map_err(fail)?;
            let mut wrapped = vec![
                "sh".to_owned(),
                "-c".to_owned(),
                r#"command -v "$1" >/dev/null 2>&1 || exit 127; exec "$@""#.to_owned(),
                "sk".to_owned(),
            ];
            wrapped.extend(argv);
            let end = attach::interactive(&self.engine.docker, name, path, wrapped, "command")
                .await
                .map_err(fail)?;
            let status = match end {
                attach::SessionEnd::Exited(code) => code,
                attach::SessionEnd::Detached => 0,
            };
            if status == 127 && matches!(command, CommandLine::Argv(_)) {
                let check = self
                    .engine
                    .run(
                        name,
                        path,
                        scripts::sh(scripts::PROGRAM_EXISTS, &[&program]),
                        Vec::new(),
                    )
                    .await
                    .map_err(fail)?;
                if check.status != 0 {
                    return Err(SandboxError::ProgramNotFound { program });
                }
            }
            Ok(ExitStatus(status))
        })
    }

    fn create_workspace(
        &self,
        reference: &WorkspaceRef,
        checkout: &Checkout,
        mode: &str,
        default_branch: &BranchName,
        branch: &str,
        operation: &'static str,
    ) -> Result<Workspace, SandboxError> {
        self.runtime
            .block_on(self.engine.create_workspace(
                reference,
                checkout,
                mode,
                default_branch.as_str(),
                branch,
            ))
            .map_err(|err| err.into_sandbox(operation, reference))
    }
}

fn container_of(workspace: &Workspace) -> Result<(&str, &str), SandboxError> {
    match &workspace.location {
        WorkspaceLocation::Container { name, path, .. } => Ok((name, path)),
        WorkspaceLocation::Host(_) => {
            Err(DockerError::NotDocker(workspace.reference.to_string()).into_sandbox_other())
        }
    }
}

impl Sandbox for DockerBackend {
    fn kind(&self) -> SandboxKind {
        SandboxKind::Docker
    }

    fn prepare_main(
        &self,
        checkout: &Checkout,
        default_branch: &BranchName,
    ) -> Result<Workspace, SandboxError> {
        let reference = WorkspaceRef {
            repository: checkout.repository.clone(),
            target: WorkspaceTarget::Main,
        };
        self.create_workspace(
            &reference,
            checkout,
            "main",
            default_branch,
            "",
            "preparing",
        )
    }

    fn create(&self, request: &CreateRequest) -> Result<Workspace, SandboxError> {
        let reference = WorkspaceRef {
            repository: request.checkout.repository.clone(),
            target: WorkspaceTarget::Branch(request.branch.clone()),
        };
        self.create_workspace(
            &reference,
            &request.checkout,
            scripts::setup_mode(&request.start),
            &request.default_branch,
            request.branch.as_str(),
            "creating",
        )
    }

    fn execute(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
    ) -> Result<ExitStatus, SandboxError> {
        if attach::all_terminal() {
            return self.execute_on_terminal(workspace, command);
        }
        // A terminal on stdin alone stays with sk: a command that reads stdin would otherwise
        // wait for an end of file the user has no reason to type.
        let stdin: Option<Box<dyn std::io::Read + Send>> = if std::io::stdin().is_terminal() {
            None
        } else {
            Some(Box::new(std::io::stdin()))
        };
        let mut stdout = std::io::stdout();
        let mut stderr = std::io::stderr();
        let (tx, rx) = mpsc::unbounded_channel();
        let forward = self.runtime.spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if tx.send(Interrupt::CtrlC).is_err() {
                    break;
                }
            }
        });
        let io = ExecIo {
            stdin,
            stdout: &mut stdout,
            stderr: &mut stderr,
        };
        let result = self.execute_with_io(workspace, command, io, rx);
        forward.abort();
        result
    }

    fn attach(&self, workspace: &Workspace) -> Result<AttachOutcome, SandboxError> {
        if !attach::have_terminal() {
            return Err(SandboxError::NotATerminal("attach"));
        }
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        self.runtime
            .block_on(async {
                self.engine.ensure_running(name, reference).await?;
                attach::interactive_shell(&self.engine.docker, name, path).await
            })
            .map(|end| match end {
                attach::SessionEnd::Exited(code) => AttachOutcome::Exited(ExitStatus(code)),
                attach::SessionEnd::Detached => AttachOutcome::Detached,
            })
            .map_err(|err| err.into_sandbox("attaching to", reference))
    }

    fn detach(&self, _workspace: &Workspace) -> Result<DetachOutcome, SandboxError> {
        Ok(DetachOutcome::NotApplicable)
    }

    fn at_risk(&self, workspace: &Workspace) -> Result<AtRisk, SandboxError> {
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        self.runtime
            .block_on(async {
                // A container an interrupted creation left half-made never held a workspace,
                // so nothing in it is at risk: removing it needs no `--force`.
                if !self.engine.is_ready(name, &reference.repository).await? {
                    return Ok(AtRisk::default());
                }
                self.engine.ensure_running(name, reference).await?;
                let status = self
                    .engine
                    .step(
                        name,
                        path,
                        "git status",
                        vec![
                            "git".into(),
                            "status".into(),
                            "--porcelain=v1".into(),
                            "-z".into(),
                            "--untracked-files=normal".into(),
                        ],
                        Vec::new(),
                    )
                    .await?;
                let refs = self
                    .engine
                    .step(
                        name,
                        path,
                        "listing unpushed work",
                        scripts::sh(scripts::REFS_AT_RISK, &[]),
                        Vec::new(),
                    )
                    .await?;
                let (modified, untracked) = scripts::parse_status(&status.stdout);
                let mut risk = AtRisk {
                    modified,
                    untracked,
                    ..AtRisk::default()
                };
                for at_risk in scripts::parse_refs_at_risk(&refs.stdout_text()) {
                    at_risk.add_to(&mut risk);
                }
                Ok::<_, DockerError>(risk)
            })
            .map_err(|err| err.into_sandbox("checking", reference))
    }

    fn preserve(&self, workspace: &Workspace) -> Result<Preserved, SandboxError> {
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        let stamp = scripts::timestamp(std::time::SystemTime::now());
        let dest = engine::bundle_path(
            &self.engine.config.data_root,
            &reference.repository,
            name,
            &stamp,
        );
        let inside = format!("/tmp/skipper-saved-{stamp}.bundle");
        let message = format!("skipper: uncommitted work of {reference}, saved {stamp}");
        self.runtime
            .block_on(async {
                self.engine.ensure_running(name, reference).await?;
                let env = [
                    "GIT_AUTHOR_NAME=skipper",
                    "GIT_AUTHOR_EMAIL=skipper@localhost",
                    "GIT_COMMITTER_NAME=skipper",
                    "GIT_COMMITTER_EMAIL=skipper@localhost",
                ]
                .map(str::to_owned)
                .to_vec();
                let saved = self
                    .engine
                    .step(
                        name,
                        path,
                        "saving the work at risk",
                        scripts::sh(scripts::PRESERVE, &[&stamp, &inside, &message]),
                        env,
                    )
                    .await?;
                if let Some(parent) = dest.parent() {
                    fs_err::create_dir_all(parent).map_err(|source| DockerError::Io {
                        path: parent.to_path_buf(),
                        source,
                    })?;
                }
                let downloaded = self.engine.download_file(name, &inside, &dest).await;
                let _ = self
                    .engine
                    .run(
                        name,
                        path,
                        vec!["rm".into(), "-f".into(), inside.clone()],
                        Vec::new(),
                    )
                    .await;
                downloaded?;
                Ok::<_, DockerError>(scripts::parse_preserved(&saved.stdout_text()))
            })
            .map(|contents| Preserved {
                restore_hint: format!(
                    "git fetch '{}' 'refs/*:refs/sk-restored/*'   (in the host checkout)",
                    dest.display()
                ),
                saved_to: dest.clone(),
                contents,
            })
            .map_err(|err| err.into_sandbox("saving the work of", reference))
    }

    fn destroy(&self, workspace: &Workspace, _force: bool) -> Result<(), SandboxError> {
        let (name, _) = container_of(workspace)?;
        self.runtime
            .block_on(self.engine.remove_container(name))
            .map_err(|err| err.into_sandbox("removing", &workspace.reference))
    }
}

impl WorkspaceRegistry for DockerBackend {
    fn kind(&self) -> SandboxKind {
        SandboxKind::Docker
    }

    fn locate(
        &self,
        checkout: &Checkout,
        target: &WorkspaceTarget,
    ) -> Result<Option<Workspace>, SandboxError> {
        let reference = WorkspaceRef {
            repository: checkout.repository.clone(),
            target: target.clone(),
        };
        self.runtime
            .block_on(self.engine.find(&reference))
            .map(|found| {
                found.map(|summary| engine::workspace_from_summary(reference.clone(), &summary))
            })
            .map_err(|err| err.into_sandbox("looking up", &reference))
    }

    fn list(&self, checkouts: &[Checkout]) -> Result<Vec<Workspace>, SandboxError> {
        self.runtime
            .block_on(async {
                let summaries = self.engine.list_workspaces().await?;
                let mut workspaces: Vec<Workspace> = summaries
                    .iter()
                    .filter_map(|summary| {
                        engine::reference_of(summary, checkouts)
                            .map(|reference| engine::workspace_from_summary(reference, summary))
                    })
                    .collect();
                let dirty =
                    futures_util::future::join_all(workspaces.iter().map(|workspace| async {
                        match &workspace.location {
                            WorkspaceLocation::Container { name, path, state }
                                if state == "running" =>
                            {
                                self.engine
                                    .run(
                                        name,
                                        path,
                                        vec![
                                            "git".into(),
                                            "status".into(),
                                            "--porcelain".into(),
                                            "--untracked-files=normal".into(),
                                        ],
                                        Vec::new(),
                                    )
                                    .await
                                    .ok()
                                    .filter(|captured| captured.status == 0)
                                    .map(|captured| !captured.stdout.is_empty())
                            }
                            _ => None,
                        }
                    }))
                    .await;
                for (workspace, dirty) in workspaces.iter_mut().zip(dirty) {
                    workspace.dirty = dirty;
                }
                // The port promises main first per repository, and the CLI's workspace
                // picker shows this list in its order, without the list use case's sort.
                workspaces.sort_by(|a, b| {
                    (&a.reference.repository, a.reference.target.branch())
                        .cmp(&(&b.reference.repository, b.reference.target.branch()))
                });
                Ok::<_, DockerError>(workspaces)
            })
            .map_err(DockerError::into_sandbox_other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_dockerfile_is_the_shipped_one() {
        let shipped = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/Dockerfile"
        ))
        .unwrap();
        assert_eq!(EMBEDDED_DOCKERFILE, shipped);
    }
}
