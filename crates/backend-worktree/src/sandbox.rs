use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use skipper_core::{
    AtRisk, AttachOutcome, BranchExport, BranchName, CarriedFile, Checkout, CommandLine,
    CommandStatus, CreateRequest, DetachOutcome, DiffMade, DiffRequest, Environment, ErrorKind,
    ExecIo, ExportRequest, Operation, PROJECT_FILE, Progress, Sandbox, SandboxError, SandboxKind,
    SaveSlot, SavedContents, SavedWork, SessionIo, SkippedFile, StopOutcome, SyncReport, WorkState,
    Workspace, WorkspaceLocation, WorkspaceRef, WorkspaceTarget,
};
use skipper_git::{Git, Layout, clear_repository_env};

use crate::begun::BegunSlot;
use crate::operation::{During, failed, path_of};
use crate::process::{run_foreground, run_piped};
use crate::registry::{Condition, condition};
use crate::tmux::{Tmux, session_name};

/// Branch workspaces as git worktrees of the host checkout, with tmux sessions.
#[derive(Debug, Clone)]
pub struct WorktreeSandbox {
    pub(crate) layout: Layout,
    pub(crate) progress: Arc<dyn Progress>,
    /// The worktree begun while the host checkout was fetched, until `create` takes it up.
    pub(crate) begun: Arc<BegunSlot>,
}

impl WorktreeSandbox {
    /// Worktrees under `layout`, telling `progress` what it does at length.
    #[must_use]
    pub fn new(layout: Layout, progress: Arc<dyn Progress>) -> Self {
        Self {
            layout,
            progress,
            begun: Arc::default(),
        }
    }

    pub(crate) fn workspace(reference: WorkspaceRef, path: PathBuf) -> Workspace {
        Workspace {
            reference,
            sandbox: SandboxKind::Worktree,
            location: WorkspaceLocation::Host(path),
            risk: None,
            ports: Vec::new(),
            half_made: false,
            broken: None,
            agent: None,
            runtime: None,
            network: None,
        }
    }
}

impl Sandbox for WorktreeSandbox {
    fn kind(&self) -> SandboxKind {
        SandboxKind::Worktree
    }

    fn main_is_the_host_checkout(&self) -> bool {
        true
    }

    fn prepare_main(
        &self,
        checkout: &Checkout,
        _default_branch: &BranchName,
        _ports: &[u16],
    ) -> Result<Workspace, SandboxError> {
        // The host checkout is the main workspace: nothing to make. It is the user's own
        // checkout, whose servers are the user's business: it is given no ports.
        let reference = WorkspaceRef {
            repository: checkout.repository.clone(),
            target: WorkspaceTarget::Main,
        };
        Ok(Self::workspace(reference, checkout.path.clone()))
    }

    fn create(&self, request: &CreateRequest) -> Result<Workspace, SandboxError> {
        let reference = WorkspaceRef {
            repository: request.checkout.repository.clone(),
            target: WorkspaceTarget::Branch(request.branch.clone()),
        };
        let fail = failed(Operation::Creating, &reference);
        let path = self.layout.worktree(&reference.repository, &request.branch);
        let parent = path.parent().unwrap_or(self.layout.root());
        fs_err::create_dir_all(parent).during(&fail)?;
        self.add_worktree(request, &path, &fail)?;
        let mut workspace = Self::workspace(reference, path);
        workspace.ports.clone_from(&request.ports);
        Ok(workspace)
    }

    fn begin_new_branch(
        &self,
        checkout: &Checkout,
        branch: &BranchName,
    ) -> Result<bool, SandboxError> {
        self.begin(checkout, branch)
    }

    fn begun_still_new(&self) -> bool {
        let still_new = self.begun.still_new();
        if still_new == Some(false) {
            self.abandon_begun();
        }
        still_new == Some(true)
    }

    fn abandon_begun(&self) {
        if let Some(begun) = self.begun.take() {
            self.clear_begun(&begun);
        }
    }

    fn put_files(
        &self,
        workspace: &Workspace,
        files: &[CarriedFile],
    ) -> Result<Vec<SkippedFile>, SandboxError> {
        crate::carry::put_files(workspace, files)
    }

    fn execute(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
        env: &Environment,
        io: ExecIo<'_>,
    ) -> Result<CommandStatus, SandboxError> {
        let dir = path_of(workspace)?;
        let argv = command.to_argv();
        let Some((program, args)) = argv.split_first().filter(|(p, _)| !p.is_empty()) else {
            return Err(SandboxError::backend(
                ErrorKind::InvalidInput,
                "the command is empty",
            ));
        };
        let mut process = Command::new(program);
        // `PWD` as a shell would set it: programs that read it rather than ask the kernel
        // (OpenCode does) would otherwise work in the directory `sk` was started from.
        clear_repository_env(&mut process)
            .args(args)
            .current_dir(dir)
            .env("PWD", dir);
        if let ExecIo::Inherited { no_color: true, .. } = io {
            process.env("NO_COLOR", "1");
        }
        process.envs(env.iter_with_secrets());
        // A host process can have the user's terminal as it is, whatever the mode.
        let ran = match io {
            ExecIo::Terminal | ExecIo::Inherited { .. } => run_foreground(&mut process),
            ExecIo::Piped(piped) => run_piped(&mut process, piped),
        };
        match ran {
            Ok(status) => Ok(status),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                Err(SandboxError::ProgramNotFound {
                    program: program.clone(),
                })
            }
            Err(err) => Err(failed(Operation::Running, &workspace.reference)
                .error(ErrorKind::CommandFailed, err)),
        }
    }

    /// In process when it can be (no git process), else one `git cat-file`.
    fn project_file(&self, workspace: &Workspace) -> Result<Option<Vec<u8>>, SandboxError> {
        let dir = path_of(workspace)?;
        if let Some(read) = skipper_git::file_in(dir, "HEAD", PROJECT_FILE).known() {
            return Ok(read);
        }
        project_file(workspace)
    }

    fn attach(
        &self,
        workspace: &Workspace,
        env: &Environment,
        io: SessionIo,
    ) -> Result<AttachOutcome, SandboxError> {
        let dir = path_of(workspace)?;
        let fail = failed(Operation::Attaching, &workspace.reference);
        self.can_attach(io)?;
        let Some(tmux) = Tmux::find() else {
            let shell = std::env::var("SHELL")
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "sh".to_owned());
            self.progress.step(&format!(
                "tmux is not installed: starting {shell} in {}; exit the shell to leave.",
                dir.display()
            ));
            let mut process = Command::new(&shell);
            clear_repository_env(&mut process)
                .current_dir(dir)
                .env("PWD", dir)
                .envs(env.iter_with_secrets());
            let status = run_foreground(&mut process).during(&fail)?;
            return Ok(AttachOutcome::Exited(status));
        };
        let name = session_name(&workspace.reference);
        if !tmux.has_session(&name).during(&fail)?
            && !tmux.new_session(&name, dir, env).during(&fail)?
        {
            return Err(fail.error(
                ErrorKind::CommandFailed,
                format!("tmux could not start session {name}"),
            ));
        }
        if !tmux.enter(&name).during(&fail)? {
            // Inside a tmux no client shows (a script, `run-shell`): the session stays for
            // the user to attach to.
            if Tmux::inside() && tmux.has_session(&name).during(&fail)? {
                return Err(SandboxError::NoClient { session: name });
            }
            return Err(fail.error(
                ErrorKind::CommandFailed,
                format!("tmux could not attach to session {name}"),
            ));
        }
        if tmux.has_session(&name).during(&fail)? {
            Ok(AttachOutcome::Detached)
        } else {
            Ok(AttachOutcome::Exited(CommandStatus::SUCCESS))
        }
    }

    fn can_attach(&self, io: SessionIo) -> Result<(), SandboxError> {
        // Inside tmux, the session is handed to tmux's client, terminal or not.
        if io.terminal || Tmux::inside() {
            Ok(())
        } else {
            Err(SandboxError::NeedsTerminal { action: "attach" })
        }
    }

    fn detach(&self, workspace: &Workspace) -> Result<DetachOutcome, SandboxError> {
        let fail = failed(Operation::Detaching, &workspace.reference);
        let Some(tmux) = Tmux::find() else {
            return Ok(DetachOutcome::NoSession);
        };
        let name = session_name(&workspace.reference);
        let outcome = match tmux.clients(&name).during(&fail)? {
            Some(0) => DetachOutcome::NotAttached,
            Some(_) if tmux.detach_clients(&name).during(&fail)? => DetachOutcome::Detached,
            // The clients left on their own in between.
            Some(_) if tmux.has_session(&name).during(&fail)? => DetachOutcome::NotAttached,
            // No such session (or it ended in between).
            None | Some(_) => DetachOutcome::NoSession,
        };
        Ok(outcome)
    }

    fn stop(&self, workspace: &Workspace) -> Result<StopOutcome, SandboxError> {
        let fail = failed(Operation::Stopping, &workspace.reference);
        let name = session_name(&workspace.reference);
        let Some(tmux) = Tmux::find() else {
            return Ok(StopOutcome::NotRunning { name });
        };
        if tmux.has_session(&name).during(&fail)? && tmux.kill_session(&name).during(&fail)? {
            Ok(StopOutcome::Stopped { name })
        } else {
            Ok(StopOutcome::NotRunning { name })
        }
    }

    fn agent_files_outlive_workspaces(&self) -> bool {
        true
    }

    fn keeps_sessions(&self) -> bool {
        true
    }

    fn at_risk(&self, workspace: &Workspace) -> Result<AtRisk, SandboxError> {
        let dir = path_of(workspace)?;
        let fail = failed(Operation::Checking, &workspace.reference);
        match self.condition_of(workspace, dir).during(&fail)? {
            None => return Err(fail.error(ErrorKind::NotFound, gone(dir))),
            // What an interrupted create left is not the user's: a half checkout (a stale
            // index lock, every file a staged deletion) is nothing to save. The branch and
            // its commits live in the host checkout and stay.
            Some(Condition::HalfMade) => return Ok(AtRisk::default()),
            // Git cannot tell work from the rest: every file is the user's.
            Some(Condition::Broken(_)) => {
                return Ok(AtRisk {
                    untracked: crate::broken::files(dir).during(&fail)?,
                    ..AtRisk::default()
                });
            }
            Some(Condition::Ready) => {}
        }
        crate::preserve::at_risk(workspace)
    }

    fn preserve(
        &self,
        workspace: &Workspace,
        slot: &SaveSlot,
    ) -> Result<SavedContents, SandboxError> {
        if workspace.broken.is_some() {
            // No git to save with: the files themselves are kept.
            let dir = path_of(workspace)?;
            return crate::broken::archive(dir, slot)
                .during(&failed(Operation::Saving, &workspace.reference));
        }
        crate::preserve::preserve(workspace, slot)
    }

    fn restore(&self, workspace: &Workspace, saved: &SavedWork) -> Result<(), SandboxError> {
        crate::preserve::restore(workspace, saved)
    }

    fn destroy(&self, workspace: &Workspace, force: bool) -> Result<(), SandboxError> {
        let dir = path_of(workspace)?;
        let fail = failed(Operation::Removing, &workspace.reference);
        let checkout = self.layout.checkout(&workspace.reference.repository);
        let entry = Self::entry_at(&checkout, dir).during(&fail)?;
        let Some(condition) = condition(entry.as_ref(), dir) else {
            // Gone already; a record git keeps of it is forgotten on the way.
            if let Some(entry) = &entry {
                crate::removal::forget(&checkout, entry).during(&fail)?;
            }
            return Err(fail.error(ErrorKind::NotFound, gone(dir)));
        };
        if !force {
            // Looked at again at the moment of removal: work that appeared since the gate
            // looked is refused, not lost.
            match &condition {
                Condition::Ready if has_changes(dir) => {
                    return Err(fail.error(
                        ErrorKind::Refused,
                        format!(
                            "{} has uncommitted changes or untracked files",
                            dir.display()
                        ),
                    ));
                }
                Condition::Broken(detail) => {
                    return Err(fail.error(ErrorKind::Refused, detail.clone()));
                }
                Condition::Ready | Condition::HalfMade => {}
            }
        }
        // The removal goes ahead: its session and what runs in it end with it.
        self.stop(workspace)?;
        self.remove_tree(&checkout, dir, entry.as_ref())
            .during(&fail)
    }

    fn export_branch(
        &self,
        workspace: &Workspace,
        request: &ExportRequest,
        _dest: &std::path::Path,
    ) -> Result<BranchExport, SandboxError> {
        crate::transfer::export_branch(workspace, request)
    }

    fn sync_remote(
        &self,
        workspace: &Workspace,
        _checkout: &Checkout,
        _scratch: &std::path::Path,
    ) -> Result<SyncReport, SandboxError> {
        crate::transfer::sync_remote(workspace)
    }

    fn work_state(&self, workspace: &Workspace) -> Result<WorkState, SandboxError> {
        crate::preserve::work_state(workspace)
    }

    fn diff(
        &self,
        workspace: &Workspace,
        request: &DiffRequest,
        dest: &std::path::Path,
    ) -> Result<DiffMade, SandboxError> {
        crate::diff::diff(workspace, request, dest)
    }

    fn forget_repository(
        &self,
        checkout: &Checkout,
    ) -> Result<Vec<skipper_core::Forgotten>, SandboxError> {
        // A worktree keeps nothing but itself: the repository's worktrees directory goes
        // when no workspace is left in it (a directory still holding one is kept).
        let _ = fs_err::remove_dir(self.layout.worktrees(&checkout.repository));
        Ok(Vec::new())
    }
}

/// Why a workspace that is gone cannot be acted on.
fn gone(dir: &std::path::Path) -> String {
    format!("{} no longer exists", dir.display())
}

impl WorktreeSandbox {
    /// The state of `workspace`'s worktree at `dir`, as git and the filesystem say now.
    fn condition_of(
        &self,
        workspace: &Workspace,
        dir: &std::path::Path,
    ) -> Result<Option<Condition>, skipper_core::CheckoutError> {
        let checkout = self.layout.checkout(&workspace.reference.repository);
        let entry = Self::entry_at(&checkout, dir)?;
        Ok(condition(entry.as_ref(), dir))
    }
}

/// Whether the worktree at `dir` has modified or untracked files now.
fn has_changes(dir: &std::path::Path) -> bool {
    Git::in_dir(dir)
        .run(["status", "--porcelain=v1", "-z", "--untracked-files=normal"])
        .is_ok_and(|status| !status.is_empty())
}

/// The bytes of the project file at the worktree's own `HEAD`, `None` when that commit has
/// none (or git cannot read `HEAD`), as git reads it: one git process.
///
/// # Errors
/// [`ErrorKind::Unavailable`] when git cannot be started.
fn project_file(workspace: &Workspace) -> Result<Option<Vec<u8>>, SandboxError> {
    let dir = path_of(workspace)?;
    let output = Git::in_dir(dir)
        .command(["cat-file", "blob", &format!("HEAD:{PROJECT_FILE}")])
        .stderr(std::process::Stdio::null())
        .output()
        .map_err(|err| {
            failed(Operation::Running, &workspace.reference).error(ErrorKind::Unavailable, err)
        })?;
    Ok(output.status.success().then_some(output.stdout))
}
