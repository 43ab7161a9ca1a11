use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use skipper_core::{
    AtRisk, AttachOutcome, BranchName, BranchStart, Checkout, CommandLine, CommandStatus,
    CreateRequest, DetachOutcome, ErrorKind, ExecIo, Operation, Progress, Sandbox, SandboxError,
    SandboxKind, SaveSlot, SavedContents, SavedWork, SessionIo, Workspace, WorkspaceLocation,
    WorkspaceRef, WorkspaceTarget,
};
use skipper_git::{Git, Layout, clear_repository_env, worktree_list};

use crate::operation::{During, failed, path_of};
use crate::process::{run_foreground, run_piped};
use crate::tmux::{Tmux, session_name};

/// Branch workspaces as git worktrees of the host checkout, with tmux sessions.
#[derive(Debug, Clone)]
pub struct WorktreeSandbox {
    pub(crate) layout: Layout,
    progress: Arc<dyn Progress>,
}

impl WorktreeSandbox {
    /// Worktrees under `layout`, telling `progress` what it does at length.
    #[must_use]
    pub fn new(layout: Layout, progress: Arc<dyn Progress>) -> Self {
        Self { layout, progress }
    }

    pub(crate) fn workspace(reference: WorkspaceRef, path: PathBuf) -> Workspace {
        Workspace {
            reference,
            sandbox: SandboxKind::Worktree,
            location: WorkspaceLocation::Host(path),
            dirty: None,
            half_made: false,
        }
    }
}

impl Sandbox for WorktreeSandbox {
    fn kind(&self) -> SandboxKind {
        SandboxKind::Worktree
    }

    fn prepare_main(
        &self,
        checkout: &Checkout,
        _default_branch: &BranchName,
    ) -> Result<Workspace, SandboxError> {
        // The host checkout is the main workspace: nothing to make.
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
        let git = Git::in_dir(&request.checkout.path);
        // Forget worktrees whose directory was deleted behind git's back.
        git.run(["worktree", "prune"]).during(&fail)?;
        if request.start == BranchStart::Existing {
            let listing = git
                .run(["worktree", "list", "--porcelain", "-z"])
                .during(&fail)?;
            if let Some(holder) = worktree_list::parse(&listing)
                .into_iter()
                .find(|entry| entry.branch.as_deref() == Some(request.branch.as_str()))
            {
                let reason = if holder.path == request.checkout.path {
                    format!(
                        "branch `{}` is checked out in the host checkout, which is the main workspace: use it by leaving out --branch",
                        request.branch
                    )
                } else {
                    format!(
                        "branch `{}` is already checked out in {}",
                        request.branch,
                        holder.path.display()
                    )
                };
                return Err(fail.error(ErrorKind::Conflict, reason));
            }
        }
        let path_arg = path.to_string_lossy().into_owned();
        let branch = request.branch.as_str();
        let args: Vec<String> = match request.start {
            BranchStart::Existing => vec!["worktree".into(), "add".into(), path_arg, branch.into()],
            BranchStart::TrackRemote => vec![
                "worktree".into(),
                "add".into(),
                "--track".into(),
                "-b".into(),
                branch.into(),
                path_arg,
                format!("refs/remotes/origin/{branch}"),
            ],
            BranchStart::NewFromDefault => vec![
                "worktree".into(),
                "add".into(),
                "--no-track".into(),
                "-b".into(),
                branch.into(),
                path_arg,
                format!("refs/remotes/origin/{}", request.default_branch),
            ],
        };
        git.run(&args).during(&fail)?;
        Ok(Self::workspace(reference, path))
    }

    fn execute(
        &self,
        workspace: &Workspace,
        command: &CommandLine,
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
        clear_repository_env(&mut process)
            .args(args)
            .current_dir(dir);
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

    fn attach(&self, workspace: &Workspace, io: SessionIo) -> Result<AttachOutcome, SandboxError> {
        let dir = path_of(workspace)?;
        let fail = failed(Operation::Attaching, &workspace.reference);
        let inside_tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
        if !inside_tmux && !io.terminal {
            return Err(SandboxError::NeedsTerminal { action: "attach" });
        }
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
            clear_repository_env(&mut process).current_dir(dir);
            let status = run_foreground(&mut process).during(&fail)?;
            return Ok(AttachOutcome::Exited(status));
        };
        let name = session_name(&workspace.reference);
        if !tmux.has_session(&name).during(&fail)? && !tmux.new_session(&name, dir).during(&fail)? {
            return Err(fail.error(
                ErrorKind::CommandFailed,
                format!("tmux could not start session {name}"),
            ));
        }
        if !tmux.enter(&name).during(&fail)? {
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

    fn detach(&self, workspace: &Workspace) -> Result<DetachOutcome, SandboxError> {
        let fail = failed(Operation::Detaching, &workspace.reference);
        let Some(tmux) = Tmux::find() else {
            return Ok(DetachOutcome::NoSession);
        };
        let name = session_name(&workspace.reference);
        if tmux.has_session(&name).during(&fail)? && tmux.kill_session(&name).during(&fail)? {
            Ok(DetachOutcome::Ended)
        } else {
            Ok(DetachOutcome::NoSession)
        }
    }

    fn keeps_sessions(&self) -> bool {
        true
    }

    fn at_risk(&self, workspace: &Workspace) -> Result<AtRisk, SandboxError> {
        crate::preserve::at_risk(workspace)
    }

    fn preserve(
        &self,
        workspace: &Workspace,
        slot: &SaveSlot,
    ) -> Result<SavedContents, SandboxError> {
        crate::preserve::preserve(workspace, slot)
    }

    fn restore(&self, workspace: &Workspace, saved: &SavedWork) -> Result<(), SandboxError> {
        crate::preserve::restore(workspace, saved)
    }

    fn destroy(&self, workspace: &Workspace, force: bool) -> Result<(), SandboxError> {
        let dir = path_of(workspace)?;
        let fail = failed(Operation::Removing, &workspace.reference);
        self.detach(workspace)?;
        // The worktree's own `.git` file names the repository it belongs to.
        let common = Git::in_dir(dir)
            .run(["rev-parse", "--path-format=absolute", "--git-common-dir"])
            .during(&fail)?;
        let common = PathBuf::from(common.trim());
        let path = dir.to_string_lossy().into_owned();
        // Without `force`, git checks again at the moment of removal and refuses if work
        // appeared since the gate looked.
        let mut args = vec!["worktree", "remove"];
        if force {
            args.push("--force");
        }
        args.push(path.as_str());
        match Git::in_dir(&common).run(&args) {
            Ok(_) => Ok(()),
            // git refused because work appeared since the gate looked: say so by kind, told
            // by looking again rather than by git's words.
            Err(err) if !force && has_changes(dir) => Err(fail.error(ErrorKind::Refused, err)),
            Err(err) => Err(err).during(&fail),
        }
    }
}

/// Whether the worktree at `dir` has modified or untracked files now.
fn has_changes(dir: &std::path::Path) -> bool {
    Git::in_dir(dir)
        .run(["status", "--porcelain=v1", "-z", "--untracked-files=normal"])
        .is_ok_and(|status| !status.is_empty())
}
