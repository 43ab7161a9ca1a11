//! The CLI's errors: what happened, and what to do next, with the exit status they map to.

use std::fmt;

use skipper_core::usecases::WorkspaceError;
use skipper_core::{CheckoutError, ErrorKind, InvalidName, SandboxError, SandboxKind};

/// `sk`'s exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0.
    Success,
    /// 1: the command failed.
    Failure,
    /// 2: the command line was wrong or incomplete.
    Usage,
    /// 130: the user cancelled.
    Cancelled,
    /// A workspace command's own exit code (`run`, `prompt`, `attach`).
    Code(i32),
}

impl ExitStatus {
    /// The process's exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Usage => 2,
            Self::Cancelled => 130,
            // Exit codes are one byte; a negative or larger code is reported as failure.
            Self::Code(code) => u8::try_from(code).unwrap_or(1),
        }
    }

    /// What kind of ending this is, in one word: `success`, `failure`, `usage`,
    /// `cancelled`, or `exit` (a workspace command's own code).
    pub fn kind(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Usage => "usage",
            Self::Cancelled => "cancelled",
            Self::Code(_) => "exit",
        }
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        Self::from(status.code())
    }
}

/// An error for the user: a message, hints on what to do next, and an exit status.
#[derive(Debug, Clone)]
pub struct CliError {
    pub message: String,
    pub hints: Vec<String>,
    pub status: ExitStatus,
}

impl CliError {
    pub fn failure(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hints: Vec::new(),
            status: ExitStatus::Failure,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            status: ExitStatus::Usage,
            ..Self::failure(message)
        }
    }

    pub fn cancelled() -> Self {
        Self {
            status: ExitStatus::Cancelled,
            ..Self::failure("cancelled")
        }
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn exit_status(&self) -> ExitStatus {
        self.status
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// So a CLI error (a configuration mistake) can be the cause the core keeps of a port it
/// could not open; its hints are read back by downcasting.
impl std::error::Error for CliError {}

impl From<InvalidName> for CliError {
    fn from(err: InvalidName) -> Self {
        // The name as the user gave it, escaped: a line break in it stays in its line.
        Self::usage(format!(
            "invalid {} `{}`: {}",
            err.kind,
            crate::printer::untrusted(&err.value),
            err.reason
        ))
    }
}

/// `err` and its causes, as one line: `what failed: why: why that`.
pub fn with_causes(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        let text = inner.to_string();
        // A cause already spelt out in the message is not repeated.
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = inner.source();
    }
    message
}

impl From<CheckoutError> for CliError {
    fn from(err: CheckoutError) -> Self {
        let hint = match &err {
            CheckoutError::GitUnavailable(_) => Some("install git and make sure it is on PATH"),
            CheckoutError::Occupied { .. } => Some(
                "two remotes map to one checkout; the existing one is left as it is (it may hold work): check that the remote is the one you meant",
            ),
            CheckoutError::NoDefaultBranch { .. } => {
                Some("run `git remote set-head origin --auto` in the host checkout")
            }
            CheckoutError::NoSuchPullRequest { .. } => Some(
                "check the number, and that the pull request was opened against this repository's `origin`",
            ),
            CheckoutError::BranchElsewhere { .. } => Some(
                "make the workspace on another branch with `--branch`, or delete that branch if nothing on it is needed",
            ),
            CheckoutError::InvalidPattern { .. } => {
                Some("patterns are gitignore patterns, one a line: fix it in .worktreeinclude")
            }
            _ => None,
        };
        let error = Self::failure(with_causes(&err));
        match hint {
            Some(hint) => error.hint(hint),
            None => error,
        }
    }
}

impl From<SandboxError> for CliError {
    fn from(err: SandboxError) -> Self {
        let message = with_causes(&err);
        match &err {
            SandboxError::NeedsTerminal { .. } => {
                Self::usage(message).hint("run it from an interactive terminal")
            }
            SandboxError::NoClient { session } => Self::failure(message)
                .hint(format!(
                    "attach to it from a terminal with `tmux attach-session -t ={session}`"
                ))
                .hint("or run the same `sk workspace attach` in a terminal (or in tmux with a client attached)"),
            SandboxError::Unavailable { sandbox, .. } => match sandbox {
                SandboxKind::Docker => Self::failure(message)
                    .hint("start the Docker daemon or set DOCKER_HOST")
                    .hint("or use the worktree sandbox: `--sandbox worktree`"),
                SandboxKind::Worktree => {
                    Self::failure(message).hint("install git and tmux and make sure they are on PATH")
                }
            },
            SandboxError::ProgramNotFound { .. } => Self {
                status: ExitStatus::Code(127),
                ..Self::failure(message)
            },
            _ => match err.kind() {
                ErrorKind::InvalidInput => Self::usage(message),
                ErrorKind::Refused => Self::failure(message)
                    .hint("commit and push that work, or pass --force to save it under the data root and remove anyway"),
                ErrorKind::ImageBuild => Self::failure(message)
                    .hint("to build FROM another base image (one you have locally: `docker images`), set [docker.build_args] BASE_IMAGE in config.toml")
                    .hint("to use a prebuilt image as it is (any image with git and a POSIX shell), set docker.image in config.toml or SKIPPER_DOCKER_IMAGE")
                    .hint("to build your own Dockerfile, set docker.dockerfile in config.toml or SKIPPER_DOCKERFILE"),
                _ => crate::docker_runtime::hints(&err)
                    .into_iter()
                    .fold(Self::failure(message), Self::hint),
            },
        }
    }
}

/// The `--sandbox` flag naming `sandbox` in a suggested command (none for the default).
pub fn sandbox_flag(sandbox: SandboxKind) -> &'static str {
    match sandbox {
        SandboxKind::Worktree => "",
        SandboxKind::Docker => " --sandbox docker",
    }
}

/// A half-made workspace that holds work: what it holds, and how to save it.
fn half_made_holding_work(
    message: String,
    reference: &skipper_core::WorkspaceRef,
    sandbox: SandboxKind,
    risk: &skipper_core::AtRisk,
) -> CliError {
    let mut error = CliError::failure(message);
    for line in crate::risk::describe(risk) {
        error = error.hint(line);
    }
    error.hint(format!(
        "save that work and remove it with `sk workspace remove --force --repository {} --branch {}{}`, then create it again",
        reference.repository,
        reference.target,
        sandbox_flag(sandbox)
    ))
}

impl From<WorkspaceError> for CliError {
    #[allow(
        clippy::too_many_lines,
        reason = "one flat arm per kind of error, each with its own advice"
    )]
    fn from(err: WorkspaceError) -> Self {
        let message = with_causes(&err);
        match err {
            WorkspaceError::RepositoryNotFound { available, .. } => {
                if available.is_empty() {
                    Self::failure(message).hint("nothing is cloned yet: run `sk clone <remote>`")
                } else {
                    Self::failure(message)
                        .hint(format!("cloned repositories: {}", available.join(", ")))
                }
            }
            WorkspaceError::RepositoryAmbiguous { candidates, .. } => Self::usage(message)
                .hint(format!("candidates: {}", candidates.join(", ")))
                .hint("name one with `--repository owner/name`"),
            WorkspaceError::WorkspaceNotFound { reference, sandbox } => {
                let error = Self::failure(message);
                let flag = match sandbox {
                    SandboxKind::Worktree => String::new(),
                    SandboxKind::Docker => " --sandbox docker".to_owned(),
                };
                match reference.target.branch() {
                    Some(branch) => error.hint(format!(
                        "create it with `sk workspace create --repository {} --branch {branch}{flag}`",
                        reference.repository
                    )),
                    None => error.hint(format!(
                        "make it with `sk clone <remote>{flag}`"
                    )),
                }
            }
            WorkspaceError::HalfMade { reference, sandbox } => {
                let flag = match sandbox {
                    SandboxKind::Worktree => String::new(),
                    SandboxKind::Docker => " --sandbox docker".to_owned(),
                };
                let branch = reference.target.to_string();
                Self::failure(message)
                    .hint(format!(
                        "make it again with `sk workspace create --repository {} --branch {branch}{flag}`",
                        reference.repository
                    ))
                    .hint(format!(
                        "or remove it with `sk workspace remove --repository {} --branch {branch}{flag}`",
                        reference.repository
                    ))
            }
            WorkspaceError::HalfMadeHoldsWork {
                reference,
                sandbox,
                risk,
            } => half_made_holding_work(message, &reference, sandbox, &risk),
            WorkspaceError::Broken {
                reference, sandbox, ..
            } => Self::failure(message).hint(format!(
                "`sk workspace remove --force --repository {} --branch {}{}` saves its files and removes it; then create it again",
                reference.repository,
                reference.target,
                sandbox_flag(sandbox)
            )),
            WorkspaceError::InAnotherSandbox {
                reference,
                existing,
                asked,
                ..
            } => Self::failure(message)
                .hint(format!(
                    "a branch has one workspace: use that one (leave out --sandbox, or `--sandbox {existing}`)"
                ))
                .hint(format!(
                    "or move it to the {asked} sandbox with `sk workspace move --repository {} --branch {} --to {asked}`",
                    reference.repository, reference.target
                )),
            // The workspace may be where sk could not look: no advice to create it.
            WorkspaceError::SandboxNotAsked { sandbox, cause, .. } => {
                let error = Self::failure(message);
                match (cause.downcast_ref::<Self>(), sandbox) {
                    // The configuration was wrong: its own advice.
                    (Some(config), _) => config
                        .hints
                        .iter()
                        .fold(error, |error, hint| error.hint(hint.as_str())),
                    (None, SandboxKind::Docker) => {
                        error.hint("start the Docker daemon or set DOCKER_HOST, then try again")
                    }
                    (None, SandboxKind::Worktree) => {
                        error.hint("install git and tmux and make sure they are on PATH")
                    }
                }
            }
            err @ (WorkspaceError::RemovalFailedAfterSaving { .. }
            | WorkspaceError::WorkspaceExists { .. }
            | WorkspaceError::NothingSaved { .. }
            | WorkspaceError::SaveOfAnotherWorkspace { .. }
            | WorkspaceError::NotRestorable { .. }
            | WorkspaceError::Save(_)
            | WorkspaceError::Lock(_)) => custody(err, message),
            WorkspaceError::MainNotRemovable { .. }
            | WorkspaceError::MoveUndone { .. }
            | WorkspaceError::MoveNotVerified { .. }
            | WorkspaceError::Scratch { .. }
            | WorkspaceError::Approvals(_) => Self::failure(message),
            WorkspaceError::NoFreePorts { .. } => Self::failure(message)
                .hint("remove workspaces you no longer need, or widen [ports] range in config.toml (or SKIPPER_PORT_RANGE)"),
            WorkspaceError::MoveToSameSandbox { .. } => {
                Self::usage(message).hint("name the other sandbox with `--to`")
            }
            WorkspaceError::MovedButOldKept {
                reference, from, ..
            } => Self::failure(message).hint(format!(
                "the new workspace holds the work; remove the old one with `sk --sandbox {from} workspace remove --force --repository {} --branch {}`",
                reference.repository, reference.target
            )),
            WorkspaceError::RepositoryHoldsWork { at_risk, .. } => {
                let mut error = Self::failure(message);
                for held in &at_risk {
                    let place = if held.reference.target == skipper_core::WorkspaceTarget::Main
                        && held.sandbox == skipper_core::SandboxKind::Worktree
                    {
                        "the host checkout".to_owned()
                    } else {
                        format!("{} in the {} sandbox", held.reference, held.sandbox)
                    };
                    for line in crate::risk::describe(&held.risk) {
                        error = error.hint(format!("{place}: {line}"));
                    }
                }
                error.hint(
                    "commit and push that work, or pass --force to save it (`sk workspace saved` lists it) and remove anyway",
                )
            }
            WorkspaceError::RepositoryChanged { .. } => {
                Self::failure(message).hint("run `sk repo remove` again to remove them too")
            }
            WorkspaceError::WorkAtRisk { risk, .. } => {
                let mut error = Self::failure(message);
                for line in crate::risk::describe(&risk) {
                    error = error.hint(line);
                }
                error.hint(
                    "commit and push that work, or pass --force to save it (`sk workspace restore` brings it back) and remove anyway",
                )
            }
            WorkspaceError::AgentMissing {
                agent,
                program,
                install,
                sandbox,
            } => {
                let how = install.map_or_else(
                    || format!("install `{program}`"),
                    |install| format!("install it (`{install}`)"),
                );
                let error = Self::failure(format!(
                    "the coding agent `{agent}` is not installed in the workspace: `{program}` was not found there"
                ));
                match sandbox {
                    SandboxKind::Docker => error
                        .hint(format!(
                            "{how} in the workspace image: in your Dockerfile (`docker.dockerfile` in config.toml), or use an image that has it (`docker.image`); workspaces made after that have it"
                        ))
                        .hint("or run another agent: --agent NAME, or `agent` in config.toml"),
                    SandboxKind::Worktree => error
                        .hint(format!("{how} on this machine"))
                        .hint("or run another agent: --agent NAME, or `agent` in config.toml"),
                }
            }
            WorkspaceError::Agent(_) => Self::usage(message)
                .hint("define it with an [agents.NAME] table in config.toml (prompt = [\"program\", \"{prompt}\"])"),
            err @ (WorkspaceError::BranchDiverged { .. }
            | WorkspaceError::BranchCheckedOut { .. }
            | WorkspaceError::NothingToPush { .. }) => transfer(err, message),
            WorkspaceError::HookFailed { .. } => {
                Self::failure(message).hint("its output is above; the hooks after it did not run")
            }
            WorkspaceError::ProjectConfig(_) => Self::failure(message).hint(
                "fix .skipper.toml in the repository (see the README's Project setup), or pass --no-hooks",
            ),
            // The caller's own errors, carried through the use case.
            WorkspaceError::Secrets(source) | WorkspaceError::PreRemove(source) => match source
                .downcast::<CliError>()
            {
                Ok(err) => *err,
                Err(_) => Self::failure(message),
            },
            WorkspaceError::Checkout(err) => err.into(),
            WorkspaceError::Sandbox(err) => err.into(),
        }
    }
}

/// The refusals of fetch and push, with what to do next.
fn transfer(err: WorkspaceError, message: String) -> CliError {
    match err {
        WorkspaceError::BranchDiverged {
            reference, branch, ..
        } => CliError::failure(message)
            .hint(format!(
                "if the host's commits are on origin, `sk workspace sync --repository {} --branch {branch}` brings them to the workspace's `origin/{branch}`: merge or rebase onto them there, then fetch again",
                reference.repository
            ))
            .hint(format!(
                "to keep the workspace's branch instead, rename the host checkout's (`git branch -m {branch} <new name>` there), then fetch again"
            )),
        WorkspaceError::BranchCheckedOut { path, .. } => {
            CliError::failure(message).hint(format!(
                "switch that working tree off the branch (`git -C {} switch --detach`), then fetch again",
                path.display()
            ))
        }
        WorkspaceError::NothingToPush { .. } => {
            CliError::failure(message).hint("commit in the workspace first, then push")
        }
        // Only the arms above are passed here.
        _ => CliError::failure(message),
    }
}

/// The errors of saving, restoring and locking, with what to do next.
fn custody(err: WorkspaceError, message: String) -> CliError {
    match err {
        WorkspaceError::RemovalFailedAfterSaving { preserved, .. } => CliError::failure(message)
            .hint("retry `sk workspace remove`: it finishes the removal and keeps this save")
            .hint(format!(
                "the work comes back with `sk workspace restore --repository {} --branch {} --saved {}`",
                preserved.repository, preserved.branch, preserved.id
            )),
        WorkspaceError::WorkspaceExists { reference, .. } => CliError::failure(message).hint(
            format!(
                "remove it first (`sk workspace remove --repository {} --branch {}`), or restore into another sandbox with `--sandbox`",
                reference.repository, reference.target
            ),
        ),
        WorkspaceError::NotRestorable { id, .. } => CliError::failure(message).hint(format!(
            "`sk workspace saved drop {id}` deletes it once you have what you need"
        )),
        WorkspaceError::NothingSaved { .. } => {
            CliError::failure(message).hint("`sk workspace saved` lists the saved work")
        }
        WorkspaceError::SaveOfAnotherWorkspace { .. } => CliError::usage(message)
            .hint("`sk workspace saved` lists each save with its branch"),
        WorkspaceError::Save(err) => match err {
            skipper_core::SaveError::NotFound { .. } => CliError::failure(message)
                .hint("`sk workspace saved` lists the saved work and its ids"),
            skipper_core::SaveError::Store { .. } => CliError::failure(message),
        },
        WorkspaceError::Lock(err) => match err {
            skipper_core::LockError::Timeout { .. } => CliError::failure(message).hint(
                "wait for that command to finish, or raise SKIPPER_LOCK_TIMEOUT (seconds)",
            ),
            skipper_core::LockError::Io { .. } => CliError::failure(message),
        },
        // Only the arms above are passed here.
        _ => CliError::failure(message),
    }
}
