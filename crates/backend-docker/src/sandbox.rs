//! [`DockerBackend`] as the core's [`Sandbox`] port: preparing and creating workspace
//! containers, running commands in them, attaching, the dirty gate, saving work at risk,
//! and removal.

use std::io::{Read, Write};

use skipper_core::{
    AtRisk, AttachOutcome, BranchExport, BranchName, CarriedFile, Checkout, CommandLine,
    CommandStatus, CreateRequest, DetachOutcome, DiffMade, DiffRequest, Environment, ErrorKind,
    ExecIo, ExportRequest, NetworkSettings, Operation, ProjectEnvironment, Sandbox, SandboxError,
    SandboxKind, SaveSlot, SavedContents, SavedWork, SessionIo, SkippedFile, StopOutcome,
    SyncReport, UnpushedRef, WorkState, Workspace, WorkspaceRef, WorkspaceTarget,
};
use tokio::sync::mpsc;

use skipper_git::{Policy, WorkError};

use crate::container_scripts::ContainerScripts;
use crate::error::DockerError;
use crate::exec::{self, Interrupt};
use crate::launch::{Launch, LaunchEnv};
use crate::scripts::SetupMode;
use crate::{DockerBackend, attach, container_of, engine, scripts};

/// The streams of a command that runs without a terminal.
struct Streams<'a> {
    stdin: Option<Box<dyn Read + Send>>,
    stdout: &'a mut (dyn Write + Send),
    stderr: &'a mut (dyn Write + Send),
    /// Ctrl-C presses to deliver to the command.
    interrupts: mpsc::UnboundedReceiver<Interrupt>,
}

impl DockerBackend {
    /// [`Sandbox::execute`] on the user's terminal: a terminal inside the container, as
    /// `docker exec -it` gives (see [`attach::interactive`]), so interactive programs (and
    /// agents that check for a terminal) behave as on the host; with `launch`'s
    /// environment.
    fn execute_on_terminal(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
        mut launch: Launch<'_>,
    ) -> Result<CommandStatus, SandboxError> {
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        let fail = |err: DockerError| refused_or(err, Operation::Running, reference);
        let argv = non_empty_argv(command)?;
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
            let status = loop {
                let start = launch.start(&self.engine, name, path).await.map_err(fail)?;
                let end = attach::interactive(
                    &self.engine.docker,
                    &self.engine.spawners,
                    name,
                    path,
                    wrapped.clone(),
                    (start.env.clone(), start.secrets.clone()),
                    "command",
                )
                .await
                .map_err(fail)?;
                let status = match end {
                    attach::SessionEnd::Exited(code) => code,
                    attach::SessionEnd::Detached => 0,
                };
                if !launch
                    .refused(&self.engine, reference, (name, path), &start, status)
                    .await
                    .map_err(fail)?
                {
                    break status;
                }
            };
            if let Some(program) = self
                .engine
                .missing_program(name, path, command, status)
                .await
                .map_err(fail)?
            {
                return Err(SandboxError::ProgramNotFound { program });
            }
            Ok(CommandStatus(status))
        })
    }

    /// [`Sandbox::execute`] without a terminal: stdout and stderr apart, stdin forwarded
    /// with its end, each interrupt signalling the command inside the container (SIGINT,
    /// then SIGKILL), with `launch`'s environment.
    fn execute_streamed(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
        streams: Streams<'_>,
        mut launch: Launch<'_>,
    ) -> Result<CommandStatus, SandboxError> {
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        let fail = |err: DockerError| refused_or(err, Operation::Running, reference);
        let argv = non_empty_argv(command)?;
        let Streams {
            stdin,
            stdout,
            stderr,
            mut interrupts,
        } = streams;
        self.runtime.block_on(async {
            self.engine
                .ensure_running(name, reference)
                .await
                .map_err(fail)?;
            let mut feed = stdin.map(exec::StdinFeed::new);
            let status = loop {
                let start = launch.start(&self.engine, name, path).await.map_err(fail)?;
                let mut request = exec::ExecRequest::new(name, argv.clone(), Some(path));
                request.env.clone_from(&start.env);
                request.secrets.clone_from(&start.secrets);
                let io = exec::ExecIo {
                    stdin: feed.as_mut(),
                    stdout: &mut *stdout,
                    stderr: &mut *stderr,
                };
                let status = exec::stream(
                    &self.engine.docker,
                    &self.engine.spawners,
                    &request,
                    io,
                    &mut interrupts,
                )
                .await
                .map_err(fail)?;
                if !launch
                    .refused(&self.engine, reference, (name, path), &start, status)
                    .await
                    .map_err(fail)?
                {
                    break status;
                }
                if let Some(feed) = feed.as_mut() {
                    feed.start_again().map_err(|reason| {
                        fail(DockerError::Exec {
                            command: command.to_argv().join(" "),
                            container: name.to_owned(),
                            reason,
                        })
                    })?;
                }
            };
            if let Some(program) = self
                .engine
                .missing_program(name, path, command, status)
                .await
                .map_err(fail)?
            {
                return Err(SandboxError::ProgramNotFound { program });
            }
            Ok(CommandStatus(status))
        })
    }

    /// [`Sandbox::execute`] and [`Sandbox::execute_in_project`]: `env` after what `io`
    /// asks for (`NO_COLOR`).
    fn execute_with(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
        env: LaunchEnv<'_>,
        io: ExecIo<'_>,
    ) -> Result<CommandStatus, SandboxError> {
        let mut base = Vec::new();
        if let ExecIo::Inherited { no_color: true, .. } = io {
            base.push("NO_COLOR=1".to_owned());
        }
        let launch = Launch::new(base, env);
        match io {
            ExecIo::Terminal => self.execute_on_terminal(workspace, command, launch),
            ExecIo::Inherited {
                stdin_is_terminal, ..
            } => {
                // A terminal on stdin alone stays with sk: a command without a terminal that
                // reads stdin would wait for an end of file the user has no reason to type.
                let stdin: Option<Box<dyn Read + Send>> = if stdin_is_terminal {
                    None
                } else {
                    Some(Box::new(std::io::stdin()))
                };
                let (tx, rx) = mpsc::unbounded_channel();
                let forward = self.runtime.spawn(async move {
                    while tokio::signal::ctrl_c().await.is_ok() {
                        if tx.send(Interrupt::CtrlC).is_err() {
                            break;
                        }
                    }
                });
                let streams = Streams {
                    stdin,
                    stdout: &mut std::io::stdout(),
                    stderr: &mut std::io::stderr(),
                    interrupts: rx,
                };
                let result = self.execute_streamed(workspace, command, streams, launch);
                forward.abort();
                result
            }
            ExecIo::Piped(piped) => {
                let (tx, rx) = mpsc::unbounded_channel();
                if let Some(presses) = piped.interrupts {
                    // The caller's channel is a blocking one: a thread carries its presses
                    // over, and ends when the caller drops its end.
                    std::thread::spawn(move || {
                        while presses.recv().is_ok() {
                            if tx.send(Interrupt::CtrlC).is_err() {
                                break;
                            }
                        }
                    });
                }
                let streams = Streams {
                    stdin: piped.stdin,
                    stdout: piped.stdout,
                    stderr: piped.stderr,
                    interrupts: rx,
                };
                self.execute_streamed(workspace, command, streams, launch)
            }
        }
    }

    /// [`Sandbox::attach`] and [`Sandbox::attach_in_project`].
    fn attach_with(
        &self,
        workspace: &Workspace,
        env: LaunchEnv<'_>,
        io: SessionIo,
    ) -> Result<AttachOutcome, SandboxError> {
        self.can_attach(io)?;
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        let mut launch = Launch::new(Vec::new(), env);
        self.runtime
            .block_on(async {
                self.engine.ensure_running(name, reference).await?;
                loop {
                    let start = launch.start(&self.engine, name, path).await?;
                    let end = attach::interactive_shell(
                        &self.engine.docker,
                        &self.engine.spawners,
                        name,
                        path,
                        start.env.clone(),
                    )
                    .await?;
                    let attach::SessionEnd::Exited(code) = end else {
                        return Ok(end);
                    };
                    if !launch
                        .refused(&self.engine, reference, (name, path), &start, code)
                        .await?
                    {
                        return Ok::<_, DockerError>(end);
                    }
                }
            })
            .map(|end| match end {
                attach::SessionEnd::Exited(code) => AttachOutcome::Exited(CommandStatus(code)),
                attach::SessionEnd::Detached => AttachOutcome::Detached,
            })
            .map_err(|err| refused_or(err, Operation::Attaching, reference))
    }

    fn create_workspace(
        &self,
        reference: &WorkspaceRef,
        checkout: &Checkout,
        mode: SetupMode,
        default_branch: &BranchName,
        ports: &[u16],
        project_network: Option<&NetworkSettings>,
    ) -> Result<Workspace, SandboxError> {
        let operation = match reference.target {
            WorkspaceTarget::Main => Operation::Preparing,
            WorkspaceTarget::Branch(_) => Operation::Creating,
        };
        self.runtime
            .block_on(self.engine.create_workspace(
                reference,
                checkout,
                mode,
                default_branch.as_str(),
                ports,
                project_network,
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
        ports: &[u16],
    ) -> Result<Workspace, SandboxError> {
        let reference = WorkspaceRef {
            repository: checkout.repository.clone(),
            target: WorkspaceTarget::Main,
        };
        self.create_workspace(
            &reference,
            checkout,
            SetupMode::Main,
            default_branch,
            ports,
            None,
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
            SetupMode::for_branch(&request.start),
            &request.default_branch,
            &request.ports,
            Some(&request.network),
        )
    }

    fn put_files(
        &self,
        workspace: &Workspace,
        files: &[CarriedFile],
    ) -> Result<Vec<SkippedFile>, SandboxError> {
        self.put_files_into(workspace, files)
    }

    fn execute(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
        env: &Environment,
        io: ExecIo<'_>,
    ) -> Result<CommandStatus, SandboxError> {
        self.execute_with(workspace, command, LaunchEnv::Given(env.clone()), io)
    }

    fn execute_in_project(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
        env: ProjectEnvironment<'_>,
        io: ExecIo<'_>,
    ) -> Result<CommandStatus, SandboxError> {
        self.execute_with(workspace, command, LaunchEnv::Project(env), io)
    }

    fn attach(
        &self,
        workspace: &Workspace,
        env: &Environment,
        io: SessionIo,
    ) -> Result<AttachOutcome, SandboxError> {
        self.attach_with(workspace, LaunchEnv::Given(env.clone()), io)
    }

    fn attach_in_project(
        &self,
        workspace: &Workspace,
        env: ProjectEnvironment<'_>,
        io: SessionIo,
    ) -> Result<AttachOutcome, SandboxError> {
        self.attach_with(workspace, LaunchEnv::Project(env), io)
    }

    fn can_attach(&self, io: SessionIo) -> Result<(), SandboxError> {
        if io.terminal {
            Ok(())
        } else {
            Err(SandboxError::NeedsTerminal { action: "attach" })
        }
    }

    fn detach(&self, _workspace: &Workspace) -> Result<DetachOutcome, SandboxError> {
        // A container's shell ends when the user leaves it: there is never a session.
        Ok(DetachOutcome::NoSession)
    }

    fn stop(&self, workspace: &Workspace) -> Result<StopOutcome, SandboxError> {
        let (name, _) = container_of(workspace)?;
        let stopped = self
            .runtime
            .block_on(self.engine.stop_container(name))
            .map_err(|err| err.into_sandbox(Operation::Stopping, &workspace.reference))?;
        let name = name.to_owned();
        Ok(if stopped {
            StopOutcome::Stopped { name }
        } else {
            StopOutcome::NotRunning { name }
        })
    }

    fn agent_files_outlive_workspaces(&self) -> bool {
        false
    }

    fn keeps_sessions(&self) -> bool {
        false
    }

    fn at_risk(&self, workspace: &Workspace) -> Result<AtRisk, SandboxError> {
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        let looked = self
            .runtime
            .block_on(async {
                // A container an interrupted creation left half-made never held a finished
                // workspace: only commits made in it since are the user's.
                if !self.engine.is_ready(name, &reference.repository).await? {
                    let may_hold = self
                        .engine
                        .half_made_may_hold_commits(name, &reference.repository)
                        .await?;
                    return Ok(Some(Look::HalfMade { may_hold }));
                }
                // A container that cannot start is work the gate could not look at:
                // counted, so that only `--force` removes it.
                if let Err(err) = self.engine.ensure_running(name, reference).await {
                    if engine::cannot_look(&err) {
                        return Ok(Some(Look::Unreadable(unreadable(&err))));
                    }
                    return Err(err);
                }
                Ok::<_, DockerError>(None)
            })
            .map_err(|err| err.into_sandbox(Operation::Checking, reference))?;
        let scripts = ContainerScripts::new(self, name, path);
        match looked {
            Some(Look::Unreadable(risk)) => return Ok(risk),
            Some(Look::HalfMade { may_hold: false }) => return Ok(AtRisk::default()),
            // Only commits made in it since count; git not working in it means none were.
            Some(Look::HalfMade { may_hold: true }) => {
                return Ok(skipper_git::gate::at_risk(&scripts, &Policy::Container)
                    .map(|risk| AtRisk {
                        unpushed: risk.unpushed,
                        other_refs: risk.other_refs,
                        ..AtRisk::default()
                    })
                    .unwrap_or_default());
            }
            None => {}
        }
        match skipper_git::gate::at_risk(&scripts, &Policy::Container) {
            Ok(risk) => Ok(risk),
            // A repository git cannot read (a corrupt `.git/config`, say): work the gate
            // could not look at, counted so that only `--force` removes it.
            Err(err) if cannot_look(&err) => Ok(unreadable(&err)),
            Err(err) => Err(work_failed(Operation::Checking, reference)(err)),
        }
    }

    fn preserve(
        &self,
        workspace: &Workspace,
        slot: &SaveSlot,
    ) -> Result<SavedContents, SandboxError> {
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        if let Err(err) = self
            .runtime
            .block_on(self.engine.ensure_running(name, reference))
        {
            if engine::cannot_look(&err) {
                return self.keep_files(workspace, slot, &err);
            }
            return Err(err.into_sandbox(Operation::Saving, reference));
        }
        let message = format!("skipper: work of {reference}, saved as {}", slot.id);
        match skipper_git::preserve::preserve(
            &ContainerScripts::new(self, name, path),
            &Policy::Container,
            slot,
            &message,
        ) {
            Ok(contents) => Ok(contents),
            // Git cannot read the repository (a corrupt `.git/config`, say): its files
            // are what can be kept.
            Err(err) if cannot_look(&err) => self.keep_files(workspace, slot, &err),
            Err(err) => Err(work_failed(Operation::Saving, reference)(err)),
        }
    }

    fn restore(&self, workspace: &Workspace, saved: &SavedWork) -> Result<(), SandboxError> {
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        self.runtime
            .block_on(self.engine.ensure_running(name, reference))
            .map_err(|err| err.into_sandbox(Operation::Restoring, reference))?;
        let branch = reference.target.branch().map(BranchName::as_str);
        skipper_git::restore::restore(&ContainerScripts::new(self, name, path), branch, saved)
            .map_err(work_failed(Operation::Restoring, reference))
    }

    fn destroy(&self, workspace: &Workspace, force: bool) -> Result<(), SandboxError> {
        let (name, _) = container_of(workspace)?;
        let reference = &workspace.reference;
        if !force {
            // Looked at again at the moment of removal: work that appeared since the gate
            // looked (or a container that can no longer be looked into) is refused.
            let risk = self.at_risk(workspace)?;
            if !risk.is_empty() {
                return Err(SandboxError::workspace(
                    ErrorKind::Refused,
                    Operation::Removing,
                    reference,
                    format!("container {name} holds work at the moment of removal"),
                ));
            }
        }
        self.runtime
            .block_on(self.engine.remove_workspace_container(name))
            .map_err(|err| err.into_sandbox(Operation::Removing, reference))
    }

    fn export_branch(
        &self,
        workspace: &Workspace,
        request: &ExportRequest,
        dest: &std::path::Path,
    ) -> Result<BranchExport, SandboxError> {
        self.export_branch_from(workspace, request, dest)
    }

    fn sync_remote(
        &self,
        workspace: &Workspace,
        checkout: &Checkout,
        scratch: &std::path::Path,
    ) -> Result<SyncReport, SandboxError> {
        self.sync_remote_into(workspace, checkout, scratch)
    }

    fn work_state(&self, workspace: &Workspace) -> Result<WorkState, SandboxError> {
        let (name, path) = container_of(workspace)?;
        let reference = &workspace.reference;
        self.runtime
            .block_on(self.engine.ensure_running(name, reference))
            .map_err(|err| err.into_sandbox(Operation::Checking, reference))?;
        skipper_git::state::work_state(&ContainerScripts::new(self, name, path))
            .map_err(work_failed(Operation::Checking, reference))
    }

    fn diff(
        &self,
        workspace: &Workspace,
        request: &DiffRequest,
        dest: &std::path::Path,
    ) -> Result<DiffMade, SandboxError> {
        self.diff_workspace(workspace, request, dest)
    }

    fn forget_repository(
        &self,
        checkout: &Checkout,
    ) -> Result<Vec<skipper_core::Forgotten>, SandboxError> {
        let removed = self
            .runtime
            .block_on(self.engine.remove_snapshots(&checkout.repository))
            .map_err(|err| {
                err.into_backend(&format!(
                    "removing the snapshot images of {}",
                    checkout.repository
                ))
            })?;
        Ok(removed
            .into_iter()
            .map(|(image, bytes)| skipper_core::Forgotten {
                what: format!("snapshot image {image}"),
                bytes,
            })
            .collect())
    }
}

impl DockerBackend {
    /// Saves a workspace git cannot save (its container does not start, git cannot read
    /// its repository): the repository directory, `.git` included, as the tar archive
    /// `files.tar` in the save's directory, read through the daemon's archive API, which
    /// works on a stopped container too.
    fn keep_files(
        &self,
        workspace: &Workspace,
        slot: &SaveSlot,
        why: &dyn std::error::Error,
    ) -> Result<SavedContents, SandboxError> {
        let (name, path) = container_of(workspace)?;
        let dest = slot.dir.join(FILES_ARCHIVE);
        self.runtime
            .block_on(self.engine.download_tree(name, path, &dest))
            .map_err(|err| err.into_sandbox(Operation::Saving, &workspace.reference))?;
        Ok(SavedContents {
            unsaved: vec![format!(
                "git could not save it ({why}): its files, `.git` included, are kept as {FILES_ARCHIVE} in {}; `restore` cannot put an archive back, `tar -xf` does",
                slot.dir.display()
            )],
            ..SavedContents::default()
        })
    }
}

/// The archive of a workspace's files that git could not save.
const FILES_ARCHIVE: &str = "files.tar";

/// What looking at a container before the gate found.
enum Look {
    /// Left half made by an interrupted creation; `may_hold` when commits of the user's
    /// may be in it.
    HalfMade { may_hold: bool },
    /// It cannot be looked into.
    Unreadable(AtRisk),
}

/// Whether a script's failure says the workspace cannot be looked into: git failed in it
/// (a repository git cannot read), or its container stopped or would not start while the
/// script ran (it can die between being started and being asked).
fn cannot_look(err: &WorkError) -> bool {
    match err {
        WorkError::Script { .. } => true,
        WorkError::Host {
            source: Some(source),
            ..
        } => source
            .downcast_ref::<DockerError>()
            .is_some_and(engine::cannot_look),
        _ => false,
    }
}

/// What the gate reports of a workspace it could not look into.
fn unreadable(err: &dyn std::error::Error) -> AtRisk {
    AtRisk {
        other_refs: vec![UnpushedRef::Unreadable {
            detail: err.to_string(),
        }],
        ..AtRisk::default()
    }
}

/// The port's error for a failure of the shared gate, save or restore scripts.
pub(crate) fn work_failed(
    operation: Operation,
    reference: &WorkspaceRef,
) -> impl FnOnce(WorkError) -> SandboxError + '_ {
    move |err| SandboxError::workspace(err.kind(), operation, reference, err)
}

/// The command's argument vector, refused when it names no program.
fn non_empty_argv(command: &CommandLine) -> Result<Vec<String>, SandboxError> {
    let argv = command.to_argv();
    if argv.first().is_none_or(String::is_empty) {
        return Err(SandboxError::backend(
            ErrorKind::InvalidInput,
            "the command is empty",
        ));
    }
    Ok(argv)
}

/// The port's error for `err`, met by `operation` on `reference` as a command of the user's
/// was to start: a container found never finished is [`SandboxError::HalfMade`].
fn refused_or(err: DockerError, operation: Operation, reference: &WorkspaceRef) -> SandboxError {
    match err {
        unfinished @ DockerError::Unfinished { .. } => SandboxError::HalfMade {
            workspace: Box::new(reference.clone()),
            detail: unfinished.to_string(),
        },
        other => other.into_sandbox(operation, reference),
    }
}
