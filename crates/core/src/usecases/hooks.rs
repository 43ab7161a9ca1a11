//! A repository's project setup in its workspaces: reading `.skipper.toml` from a
//! workspace's commit, the environment every command there gets, which hook commands may
//! run (the user's always; the project's once approved) and running them.

use crate::domain::{
    BranchName, Checkout, CommandLine, Environment, HookStage, Hooks, PROJECT_FILE, ProjectConfig,
    ProjectConfigError, RepositoryId, Workspace, WorkspaceTarget,
};
use crate::ports::{ApprovalStore, ExecIo, PipedIo, Sandbox, SandboxError};

use super::error::display_command;
use super::{Backend, WorkspaceError};

/// What a workspace's commit holds of `.skipper.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectFile {
    /// The commit has no such file: the default setup.
    Absent,
    /// The file, read.
    Read(ProjectConfig),
    /// The file is there and cannot be used.
    Unusable(ProjectConfigError),
}

impl ProjectFile {
    /// The text `text` of the file, named `file` in errors.
    #[must_use]
    pub fn parse(text: &str, file: &str) -> Self {
        match ProjectConfig::parse(text, file) {
            Ok(config) => Self::Read(config),
            Err(err) => Self::Unusable(err),
        }
    }

    /// The setup to go on with: the file's, else the default one.
    #[must_use]
    pub fn config(&self) -> ProjectConfig {
        match self {
            Self::Read(config) => config.clone(),
            Self::Absent | Self::Unusable(_) => ProjectConfig::default(),
        }
    }

    /// Why the file cannot be used, when it cannot.
    #[must_use]
    pub fn problem(&self) -> Option<&ProjectConfigError> {
        match self {
            Self::Unusable(err) => Some(err),
            Self::Absent | Self::Read(_) => None,
        }
    }
}

/// Reads `.skipper.toml` at the workspace's `HEAD` (its own commit: for a container, one
/// the host may not have), as `sandbox` reads it ([`Sandbox::project_file`]).
/// Changes nothing.
///
/// # Errors
/// The sandbox's failure to run git in the workspace.
pub fn read_project(
    sandbox: &dyn Sandbox,
    workspace: &Workspace,
) -> Result<ProjectFile, SandboxError> {
    Ok(parse_project(
        sandbox.project_file(workspace)?.as_deref(),
        workspace,
    ))
}

/// The bytes of `.skipper.toml` at the workspace's `HEAD`, `None` when that commit has no
/// such file, through `sandbox`'s commands: `git ls-tree` says whether it is there, `git
/// cat-file` reads it. A workspace whose `HEAD` git cannot read (no commit yet) has no
/// file. Changes nothing.
///
/// # Errors
/// The sandbox's failure to run git in the workspace.
pub fn project_file_bytes<S: Sandbox + ?Sized>(
    sandbox: &S,
    workspace: &Workspace,
) -> Result<Option<Vec<u8>>, SandboxError> {
    let listed = capture(
        sandbox,
        workspace,
        &["git", "ls-tree", "-z", "HEAD", "--", PROJECT_FILE],
    )?;
    let Some(entry) = listed else {
        return Ok(None);
    };
    // `<mode> SP <type> SP <object> TAB <path> NUL`; nothing at all when it is absent.
    let Some(object) = entry
        .split(|&b| b == b'\t')
        .next()
        .and_then(|head| head.split(|&b| b == b' ').nth(2))
        .filter(|object| !object.is_empty())
    else {
        return Ok(None);
    };
    let object = String::from_utf8_lossy(object).into_owned();
    capture(sandbox, workspace, &["git", "cat-file", "blob", &object])
}

/// The project file whose bytes at the workspace's `HEAD` are `bytes` (`None`: absent).
#[must_use]
pub fn parse_project(bytes: Option<&[u8]>, workspace: &Workspace) -> ProjectFile {
    let Some(bytes) = bytes else {
        return ProjectFile::Absent;
    };
    let file = format!("{PROJECT_FILE} at {}", describe_head(workspace));
    match std::str::from_utf8(bytes) {
        Ok(text) => ProjectFile::parse(text, &file),
        Err(_) => ProjectFile::Unusable(ProjectConfigError::Malformed {
            file,
            line: 1,
            column: 1,
            message: "the file is not UTF-8 text".to_owned(),
        }),
    }
}

/// `HEAD of <branch>` or `HEAD of the main workspace`, for error messages.
fn describe_head(workspace: &Workspace) -> String {
    match &workspace.reference.target {
        WorkspaceTarget::Main => "the main workspace's HEAD".to_owned(),
        WorkspaceTarget::Branch(branch) => format!("{branch}'s HEAD"),
    }
}

/// The stdout of `argv` run in the workspace with no stdin, or `None` when it exits with a
/// status other than 0.
fn capture<S: Sandbox + ?Sized>(
    sandbox: &S,
    workspace: &Workspace,
    argv: &[&str],
) -> Result<Option<Vec<u8>>, SandboxError> {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let command = CommandLine::Argv(argv.iter().map(|&arg| arg.to_owned()).collect());
    let status = sandbox.execute(
        workspace,
        &command,
        &Environment::new(),
        ExecIo::Piped(PipedIo {
            stdin: None,
            stdout: &mut stdout,
            stderr: &mut stderr,
            interrupts: None,
        }),
    )?;
    Ok(status.success().then_some(stdout))
}

/// The environment of every command run in `workspace` of `checkout`: the project's
/// `[env]`, then skipper's `SK_*` variables (see [`Environment::for_workspace`]). Asks the
/// host checkout for the default branch only for the main workspace.
///
/// # Errors
/// The host checkout's failure to tell the default branch.
pub fn workspace_environment(
    backend: Backend<'_>,
    checkout: &Checkout,
    workspace: &Workspace,
    project: &ProjectConfig,
) -> Result<Environment, WorkspaceError> {
    let default_branch = match &workspace.reference.target {
        WorkspaceTarget::Branch(branch) => branch.clone(),
        WorkspaceTarget::Main => backend.checkouts.default_branch(checkout)?,
    };
    Ok(Environment::for_workspace(
        workspace,
        &default_branch,
        &project.env,
    ))
}

/// Whether the project's hook commands may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// The project has no command for this stage.
    NothingToApprove,
    /// The user approved exactly these commands for this repository.
    Approved,
    /// Not approved (never, or a different set of commands).
    Unapproved,
}

/// The hook commands of one stage, and whether the project's may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookPlan {
    /// The stage.
    pub stage: HookStage,
    /// The user's own commands (`config.toml`): they need no approval and run first.
    pub user: Vec<CommandLine>,
    /// The project's commands (`.skipper.toml`).
    pub project: Vec<CommandLine>,
    /// Whether [`HookPlan::project`] may run.
    pub approval: Approval,
}

impl HookPlan {
    /// The commands that run now: the user's, then the project's when approved.
    #[must_use]
    pub fn runnable(&self) -> Vec<CommandLine> {
        let mut commands = self.user.clone();
        if self.approval == Approval::Approved {
            commands.extend(self.project.iter().cloned());
        }
        commands
    }
}

/// Which of `stage`'s commands of `user` and `project` may run in `repository`: the
/// project's need an approval of its whole `[hooks]` (every stage) as it is now.
///
/// # Errors
/// [`WorkspaceError::Approvals`] when the store cannot be read.
pub fn plan_hooks(
    approvals: &dyn ApprovalStore,
    repository: &RepositoryId,
    user: &Hooks,
    project: &Hooks,
    stage: HookStage,
) -> Result<HookPlan, WorkspaceError> {
    let commands = project.of(stage).to_vec();
    let approval = if commands.is_empty() {
        Approval::NothingToApprove
    } else if approvals.is_approved(repository, &project.digest())? {
        Approval::Approved
    } else {
        Approval::Unapproved
    };
    Ok(HookPlan {
        stage,
        user: user.of(stage).to_vec(),
        project: commands,
        approval,
    })
}

/// Records the user's approval of `project`'s hook commands, every stage, for
/// `repository`.
///
/// # Errors
/// [`WorkspaceError::Approvals`] when the store cannot be written.
pub fn approve_hooks(
    approvals: &dyn ApprovalStore,
    repository: &RepositoryId,
    project: &Hooks,
) -> Result<(), WorkspaceError> {
    let listing: String = HookStage::ALL
        .into_iter()
        .flat_map(|stage| {
            project
                .of(stage)
                .iter()
                .map(move |command| format!("{stage}: {}\n", display_command(command)))
        })
        .collect();
    Ok(approvals.approve(repository, &project.digest(), &listing)?)
}

/// Where each hook command's output goes: the caller decides (a prefix on a terminal).
pub trait HookOutput {
    /// The streams for `command` of `stage`, about to run.
    fn streams(&mut self, stage: HookStage, command: &CommandLine) -> ExecIo<'_>;
}

/// Runs `commands` of `stage` in `workspace`, one after the other, with `env`; stops at
/// the first that fails.
///
/// # Errors
/// [`WorkspaceError::HookFailed`] naming the command and its status (those after it do not
/// run), or the sandbox's failure to start one (a missing program is
/// [`SandboxError::ProgramNotFound`]).
pub fn run_hooks(
    sandbox: &dyn Sandbox,
    workspace: &Workspace,
    env: &Environment,
    stage: HookStage,
    commands: &[CommandLine],
    output: &mut dyn HookOutput,
) -> Result<(), WorkspaceError> {
    for command in commands {
        let status = sandbox.execute(workspace, command, env, output.streams(stage, command))?;
        if !status.success() {
            return Err(WorkspaceError::HookFailed {
                reference: Box::new(workspace.reference.clone()),
                stage,
                command: command.clone(),
                status,
            });
        }
    }
    Ok(())
}

/// The environment of the commands of `run`, `attach` and `prompt` in a workspace (see
/// [`workspace_environment`]), made of the project file at its `HEAD` whenever the sandbox
/// has its bytes; an unusable file is told to `warn` and left out (the command then lacks
/// the project's `[env]`).
pub(super) struct CommandEnvironment<'a> {
    workspace: &'a Workspace,
    default_branch: BranchName,
    warn: &'a dyn Fn(&ProjectConfigError),
    /// The command's secrets, given with the rest.
    secrets: Environment,
    /// Variables of `sk`'s own for this command, set last.
    marks: Environment,
}

impl<'a> CommandEnvironment<'a> {
    /// Asks the host checkout for the default branch only for the main workspace.
    ///
    /// # Errors
    /// The host checkout's failure to tell the default branch.
    pub(super) fn new(
        backend: Backend<'_>,
        checkout: &Checkout,
        workspace: &'a Workspace,
        warn: &'a dyn Fn(&ProjectConfigError),
    ) -> Result<Self, WorkspaceError> {
        let default_branch = match &workspace.reference.target {
            WorkspaceTarget::Branch(branch) => branch.clone(),
            WorkspaceTarget::Main => backend.checkouts.default_branch(checkout)?,
        };
        Ok(Self {
            workspace,
            default_branch,
            warn,
            secrets: Environment::new(),
            marks: Environment::new(),
        })
    }

    /// The same, with `name` set to `value` over everything else.
    pub(super) fn with_mark(mut self, name: &str, value: String) -> Self {
        self.marks.set(name, value);
        self
    }

    /// The same, with the secrets of `secrets` given to the command as well.
    pub(super) fn with_secrets(mut self, secrets: &Environment) -> Self {
        self.secrets.add_secrets_of(secrets);
        self
    }

    /// The environment from the project file's `bytes` (`None`: no file).
    pub(super) fn of(&self, bytes: Option<&[u8]>) -> Environment {
        let file = parse_project(bytes, self.workspace);
        if let Some(problem) = file.problem() {
            (self.warn)(problem);
        }
        self.made(&file)
    }

    /// The environment of a parsed project file: the workspace's, the secrets, the marks.
    fn made(&self, file: &ProjectFile) -> Environment {
        let mut env =
            Environment::for_workspace(self.workspace, &self.default_branch, &file.config().env);
        env.add_secrets_of(&self.secrets);
        for (name, value) in self.marks.iter() {
            env.set(name, value);
        }
        env
    }

    /// [`CommandEnvironment::of`] without telling of an unusable file again: for a
    /// command `sk` runs after the user's, whose start already did.
    pub(super) fn of_quietly(&self, bytes: Option<&[u8]>) -> Environment {
        self.made(&parse_project(bytes, self.workspace))
    }
}

/// The project file of a repository's default branch, as `sk hooks` reviews it.
#[derive(Debug, Clone)]
pub struct DefaultBranchProject {
    /// The remote's default branch.
    pub default_branch: crate::domain::BranchName,
    /// Why fetching `origin` failed, when it did (the last fetched tip was read).
    pub fetch_warning: Option<String>,
    /// What `origin/<default branch>` holds of `.skipper.toml`.
    pub file: ProjectFile,
}

/// Refreshes the host checkout and reads `.skipper.toml` at the tip of
/// `origin/<default branch>`: the commit new workspaces start from.
///
/// # Errors
/// The host checkout's failure to refresh or to read the commit.
pub fn default_branch_project(
    backend: Backend<'_>,
    checkout: &Checkout,
) -> Result<DefaultBranchProject, WorkspaceError> {
    let refreshed = backend.checkouts.refresh(checkout)?;
    let default_branch = refreshed.default_branch;
    let rev = format!("refs/remotes/origin/{default_branch}");
    let file = match backend.checkouts.file_at(checkout, &rev, PROJECT_FILE)? {
        None => ProjectFile::Absent,
        Some(bytes) => {
            let name = format!("{PROJECT_FILE} at origin/{default_branch}");
            match String::from_utf8(bytes) {
                Ok(text) => ProjectFile::parse(&text, &name),
                Err(_) => ProjectFile::Unusable(ProjectConfigError::Malformed {
                    file: name,
                    line: 1,
                    column: 1,
                    message: "the file is not UTF-8 text".to_owned(),
                }),
            }
        }
    };
    Ok(DefaultBranchProject {
        default_branch,
        fetch_warning: refreshed.fetch_warning,
        file,
    })
}

/// Whether `repository`'s approvals hold `project`'s hook commands as they are now.
///
/// # Errors
/// [`WorkspaceError::Approvals`] when the store cannot be read.
pub fn hooks_approved(
    approvals: &dyn ApprovalStore,
    repository: &RepositoryId,
    project: &Hooks,
) -> Result<bool, WorkspaceError> {
    Ok(approvals.is_approved(repository, &project.digest())?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CommandStatus, SandboxKind};
    use crate::fakes::{FakeApprovals, FakeCheckouts, FakeSandbox, backend, branch, checkout};
    use crate::usecases::{locate, remove_with};

    fn shell(text: &str) -> CommandLine {
        CommandLine::Shell(text.to_owned())
    }

    fn hooks(post: &[&str], pre: &[&str]) -> Hooks {
        Hooks {
            post_create: post.iter().map(|text| shell(text)).collect(),
            pre_remove: pre.iter().map(|text| shell(text)).collect(),
        }
    }

    struct Captured(Vec<u8>, Vec<u8>);

    impl HookOutput for Captured {
        fn streams(&mut self, _stage: HookStage, _command: &CommandLine) -> ExecIo<'_> {
            ExecIo::Piped(PipedIo {
                stdin: None,
                stdout: &mut self.0,
                stderr: &mut self.1,
                interrupts: None,
            })
        }
    }

    #[test]
    fn the_project_s_commands_run_after_the_user_s_once_approved_and_a_change_asks_again() {
        let api = checkout("acme", "api");
        let approvals = FakeApprovals::default();
        let user = hooks(&["echo mine"], &[]);
        let project = hooks(&["npm ci"], &["make down"]);

        let plan = plan_hooks(
            &approvals,
            &api.repository,
            &user,
            &project,
            HookStage::PostCreate,
        )
        .unwrap();
        assert_eq!(plan.approval, Approval::Unapproved);
        assert_eq!(plan.runnable(), [shell("echo mine")]);

        approve_hooks(&approvals, &api.repository, &project).unwrap();
        let plan = plan_hooks(
            &approvals,
            &api.repository,
            &user,
            &project,
            HookStage::PostCreate,
        )
        .unwrap();
        assert_eq!(plan.approval, Approval::Approved);
        assert_eq!(plan.runnable(), [shell("echo mine"), shell("npm ci")]);

        let changed = hooks(&["npm ci"], &["make down && rm -rf ~"]);
        let plan = plan_hooks(
            &approvals,
            &api.repository,
            &user,
            &changed,
            HookStage::PostCreate,
        )
        .unwrap();
        assert_eq!(plan.approval, Approval::Unapproved);

        let other = checkout("acme", "web");
        let plan = plan_hooks(
            &approvals,
            &other.repository,
            &user,
            &project,
            HookStage::PreRemove,
        )
        .unwrap();
        assert_eq!(plan.approval, Approval::Unapproved);
    }

    #[test]
    fn a_stage_without_project_commands_needs_no_approval() {
        let api = checkout("acme", "api");
        let plan = plan_hooks(
            &FakeApprovals::default(),
            &api.repository,
            &Hooks::default(),
            &hooks(&["npm ci"], &[]),
            HookStage::PreRemove,
        )
        .unwrap();
        assert_eq!(plan.approval, Approval::NothingToApprove);
        assert!(plan.runnable().is_empty());
    }

    #[test]
    fn the_first_failing_hook_is_named_and_the_rest_do_not_run() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree)
            .with_workspace(&api, &target)
            .with_shell_status("false", CommandStatus(3));
        let workspace = locate(backend(&checkouts, &sandbox), &api, &target).unwrap();
        let mut env = Environment::new();
        env.set("SK_BRANCH", "feat/x");

        let err = run_hooks(
            &sandbox,
            &workspace,
            &env,
            HookStage::PostCreate,
            &[shell("true"), shell("false"), shell("never")],
            &mut Captured(Vec::new(), Vec::new()),
        )
        .unwrap_err();

        let WorkspaceError::HookFailed {
            stage,
            command,
            status,
            ..
        } = &err
        else {
            panic!("expected HookFailed, got {err:?}");
        };
        assert_eq!(
            (*stage, command, *status),
            (HookStage::PostCreate, &shell("false"), CommandStatus(3))
        );
        assert_eq!(sandbox.commands(), [shell("true"), shell("false")]);
        assert!(sandbox.environments().iter().all(|seen| *seen == env));
        assert_eq!(
            err.to_string(),
            "the post-create hook `false` of acme/api (feat/x) failed with exit code 3"
        );
    }

    #[test]
    fn a_failing_pre_remove_step_stops_the_removal_unless_forced() {
        let api = checkout("acme", "api");
        let target = WorkspaceTarget::Branch(branch("feat/x"));
        let checkouts = FakeCheckouts::new("main");
        let sandbox = FakeSandbox::new(SandboxKind::Worktree).with_workspace(&api, &target);
        let failing = |workspace: &Workspace| {
            Err(WorkspaceError::HookFailed {
                reference: Box::new(workspace.reference.clone()),
                stage: HookStage::PreRemove,
                command: shell("make down"),
                status: CommandStatus(1),
            })
        };

        let err = remove_with(
            backend(&checkouts, &sandbox),
            &api,
            &target,
            false,
            &crate::domain::Agents::default(),
            &mut |ws| failing(ws),
        )
        .unwrap_err();
        assert!(matches!(err, WorkspaceError::HookFailed { .. }), "{err:?}");
        assert!(sandbox.contains(&api, &target));

        let removed = remove_with(
            backend(&checkouts, &sandbox),
            &api,
            &target,
            true,
            &crate::domain::Agents::default(),
            &mut |ws| failing(ws),
        )
        .unwrap();
        assert!(!sandbox.contains(&api, &target));
        assert_eq!(
            removed.pre_remove_failed.as_deref(),
            Some("the pre-remove hook `make down` of acme/api (feat/x) failed with exit code 1")
        );
    }
}
