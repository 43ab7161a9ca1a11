//! [`DockerBackend`] as the core's [`Sandbox`] port: preparing and creating workspace
//! containers, running commands in them, attaching, the dirty gate, saving work at risk,
//! and removal.

use std::io::IsTerminal;

use skipper_core::{
    AtRisk, AttachOutcome, BranchName, Checkout, CommandLine, CreateRequest, DetachOutcome,
    ExitStatus, Preserved, Sandbox, SandboxError, SandboxKind, Workspace, WorkspaceRef,
    WorkspaceTarget,
};
use tokio::sync::mpsc;

use crate::error::DockerError;
use crate::exec::{ExecIo, Interrupt};
use crate::{DockerBackend, attach, container_of, engine, scripts};

impl DockerBackend {
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
        if argv.first().is_none_or(String::is_empty) {
            return Err(SandboxError::Other("the command is empty".to_owned()));
        }
        self.runtime.block_on(async {
            self.engine
                .ensure_running(name, reference)
                .await
                .map_err(fail)?;
            let mut wrapped = vec![
                "sh".to_owned(),
                "-c".to_owned(),
                scripts::EXEC_PROGRAM.to_owned(),
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
            if let Some(program) = self
                .engine
                .missing_program(name, path, command, status)
                .await
                .map_err(fail)?
            {
                return Err(SandboxError::ProgramNotFound { program });
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
