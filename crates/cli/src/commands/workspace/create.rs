use skipper_core::usecases::{self, AskedOutcome, Backend, CreateOutcome, PortPlan};
use skipper_core::{
    BranchName, BranchStart, Checkout, LockGuard, NetworkMode, SandboxKind, Workspace,
    WorkspaceTarget,
};

use super::{Selection, pull_request};
use crate::context::{Context, EarlyWorktree};
use crate::error::{CliError, ExitStatus};
use crate::picker::{self, Omitted};

/// Create the workspace of a branch.
///
/// Fetches `origin` (continuing with the last known remote refs if that fails), then uses
/// the local branch if it exists, else tracks `origin/<branch>`, else starts a new branch
/// from the remote's default branch. Your host checkout is left as it was. Creating a
/// workspace that exists says so and succeeds; so does naming the default branch, whose
/// workspace is the main one. A branch has one workspace: one in the other sandbox is
/// refused with `--sandbox` (move it with `sk workspace move`).
///
/// The host checkout's untracked and ignored files that the repository's `.worktreeinclude`
/// names (gitignore patterns, e.g. `.env`) are copied into the new workspace; tracked files
/// are never overwritten and a symbolic link out of the checkout is never followed.
///
/// Then the post-create hooks run in the new workspace: yours (`[hooks]` in config.toml),
/// then those of the repository's `.skipper.toml` at the workspace's commit, once you
/// approved them (asked on a terminal; without one they are skipped, and the command that
/// approves them is printed). A failing hook leaves the workspace in place and exits 1.
///
/// With `--pr`, the workspace is of pull request N: its head (`refs/pull/N/head`, or
/// GitLab's `refs/merge-requests/N/head`) is fetched from `origin` into the local branch
/// `pr/N` (or `--branch`), which tracks nothing. A `pr/N` already at another commit is
/// refused, never moved.
///
/// A Docker workspace's network policy is fixed here: `--network`, else `[network] mode`
/// in config.toml, else the repository's (`.skipper.toml`), else `bridge`; in `allow` mode
/// it reaches the hosts of both `allow` lists alone, through its own HTTP(S) proxy.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub selection: Selection,

    /// Make the workspace of pull (or merge) request NUMBER of `origin`, on the branch
    /// `pr/NUMBER` unless `--branch` names another.
    #[arg(long, value_name = "NUMBER")]
    pub pr: Option<u64>,
    /// Run no hooks, yours or the project's.
    #[arg(long)]
    pub no_hooks: bool,
    /// Run the new Docker workspace under this OCI runtime of the daemon (`runsc` for
    /// gVisor) instead of `docker.runtime`; fixed for the workspace's life.
    #[arg(long, value_name = "NAME")]
    pub runtime: Option<String>,
    /// The Docker workspace's network (fixed once it is made): `bridge` (Docker's default
    /// bridge), `none` (loopback only) or `allow` (only the hosts of `[network] allow`,
    /// through an HTTP(S) proxy). Over `[network] mode`; not for the worktree sandbox.
    #[arg(long, value_enum, value_name = "MODE")]
    pub network: Option<NetworkArg>,
}

/// `--network`'s values (and those of `network` in MCP's `workspace_create`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum NetworkArg {
    /// Docker's default bridge: whatever the host reaches.
    Bridge,
    /// No interface but loopback.
    None,
    /// Only the allowed hosts, through an HTTP(S) proxy.
    Allow,
}

impl From<NetworkArg> for NetworkMode {
    fn from(arg: NetworkArg) -> Self {
        match arg {
            NetworkArg::Bridge => Self::Bridge,
            NetworkArg::None => Self::None,
            NetworkArg::Allow => Self::Allow,
        }
    }
}

pub fn run(context: &Context<'_>, args: &CreateArgs) -> Result<ExitStatus, CliError> {
    if let Some(runtime) = &args.runtime {
        context.choose_runtime(crate::docker_runtime::runtime_argument(runtime)?);
    }
    context.set_network_mode(args.network.map(NetworkMode::from));
    if let Some(mode) = args.network
        && context.choice.explicit == Some(SandboxKind::Worktree)
    {
        return Err(network_without_docker(NetworkMode::from(mode)));
    }
    let checkout = picker::repository(context.checkouts(), args.selection.repository.as_deref())?;
    let (target, _) = match args.pr {
        Some(number) => (
            pull_request::branch_of(number, args.selection.branch.as_deref())?,
            None,
        ),
        None => picker::target(
            context,
            &checkout,
            args.selection.branch.as_deref(),
            Omitted::AskNew,
        )?,
    };
    make(context, &checkout, target, args.pr, args.no_hooks)?;
    Ok(ExitStatus::Success)
}

/// `--network` where the workspace is a worktree: a usage error.
fn network_without_docker(mode: NetworkMode) -> CliError {
    CliError::usage(format!(
        "`--network {mode}` applies to Docker workspaces: the worktree sandbox has no network policy"
    ))
    .hint("make a Docker workspace with `--sandbox docker`, or leave `--network` out")
}

/// What [`make`] did.
#[derive(Debug)]
pub enum Made {
    /// The target was the main workspace, which `clone` makes.
    Main(Workspace),
    /// The workspace was made (its files carried over, its hooks run).
    Created(Workspace),
    /// The workspace was there already.
    Existed(Workspace),
}

impl Made {
    pub fn workspace(&self) -> &Workspace {
        match self {
            Self::Main(workspace) | Self::Created(workspace) | Self::Existed(workspace) => {
                workspace
            }
        }
    }

    /// One word for what happened, for scripts.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Main(_) => "main",
            Self::Created(_) => "created",
            Self::Existed(_) => "exists",
        }
    }
}

/// Makes the workspace of `target` of `checkout` (of pull request `pr`, when given) in
/// `--sandbox`'s backend, else the one holding it, else the one for new ones; carries the
/// host's files over and runs the post-create hooks unless `no_hooks`. Says what it did
/// through the printer, the result line as soon as the workspace is there.
pub fn make(
    context: &Context<'_>,
    checkout: &Checkout,
    target: WorkspaceTarget,
    pr: Option<u64>,
    no_hooks: bool,
) -> Result<Made, CliError> {
    // Without `--sandbox`, the sandbox is chosen under the branch's workspace lock: the
    // registries asked whether they hold the workspace are not asked again as it is made,
    // and no other `sk` makes it in between.
    let lock = match (&target, context.choice.explicit) {
        (WorkspaceTarget::Branch(_), None) => Some(context.lock_workspace(checkout, &target)?),
        _ => None,
    };
    if lock.is_some() {
        context.ask_docker_ahead(checkout, &target);
    }
    // Where the worktree sandbox lacks the branch and gets new workspaces, it is made there
    // while Docker answers whether it holds it (a branch has one workspace), its answer and
    // the fetch coming together; a pull request's branch is fetched first, so not then.
    let early = match (&lock, pr) {
        (Some(_), None) => context.worktree_while_docker_is_asked(checkout, &target)?,
        _ => None,
    };
    // `--sandbox`'s, else the sandbox holding the workspace, else the one for new ones.
    let backend = match (&early, context.choice.explicit) {
        (Some(early), _) => early.backend,
        (None, Some(kind)) => context.backend(kind)?,
        (None, None) => context.backend_for_new(checkout, &target)?,
    };
    if let Some(runtime) = context.chosen_runtime()
        && backend.registry.kind() == skipper_core::SandboxKind::Worktree
    {
        return Err(crate::docker_runtime::runtime_needs_docker(runtime));
    }
    if let Some(mode) = context.network_mode()
        && backend.sandbox.kind() == SandboxKind::Worktree
    {
        return Err(network_without_docker(mode));
    }
    let WorkspaceTarget::Branch(branch) = target else {
        // The default branch: the host checkout, or the main container.
        let main = usecases::locate(backend, checkout, &WorkspaceTarget::Main)?;
        context.printer.result(&format!(
            "Workspace {} of {} is its main workspace, at {}",
            picker::main_name(context, checkout),
            checkout.repository,
            main.location.display()
        ));
        return Ok(Made::Main(main));
    };
    if let Some(number) = pr {
        pull_request::fetch(context, backend, checkout, number, &branch)?;
    }
    let ports = context.port_plan()?;
    let (outcome, backend) = create_in(context, backend, lock, early, checkout, &branch, ports)?;
    // The lock went with `_held`: the files carried over and the hooks run without it, as
    // after `create`.
    match outcome {
        CreateOutcome::Created {
            workspace,
            start,
            fetch_warning,
            start_point,
        } => {
            if let Some(warning) = fetch_warning {
                super::warn_fetch(context, &warning);
            }
            let how = match start {
                BranchStart::Existing => "existing local branch".to_owned(),
                BranchStart::TrackRemote => format!("tracking origin/{branch}"),
                BranchStart::NewFromDefault => {
                    "new branch from the remote's default branch".to_owned()
                }
            };
            let how = match pr {
                Some(number) => format!("pull request {number}"),
                None => how,
            };
            context.printer.result(&format!(
                "Created workspace {branch} of {} at {} ({how})",
                checkout.repository,
                workspace.location.display()
            ));
            if let Some(policy) = &workspace.network
                && policy.mode != NetworkMode::Bridge
            {
                context.printer.status(&format!("Network: {policy}"));
            }
            super::carrying::carry_into_new(context, backend, checkout, &workspace, &start_point)?;
            if !no_hooks {
                crate::setup::run_stage_in_new(context, backend, checkout, &workspace, &start_point)
                .map_err(|err| {
                    err.hint(format!(
                        "the workspace is in place; remove it with `sk workspace remove -r {} -b {branch}`, or use it as it is",
                        checkout.repository
                    ))
                })?;
            }
            Ok(Made::Created(workspace))
        }
        CreateOutcome::AlreadyExists(workspace) => {
            context.printer.result(&format!(
                "Workspace {branch} of {} already exists at {}",
                checkout.repository,
                workspace.location.display()
            ));
            warn_fixed_settings(context, &workspace);
            Ok(Made::Existed(workspace))
        }
    }
}

/// Creates `branch`'s workspace of `checkout` in `backend`, under `lock` when it is held
/// (released on return), or in the worktree sandbox while Docker is asked, when `early`
/// says so. Returns what was done and the backend that did it.
fn create_in<'a>(
    context: &'a Context<'_>,
    backend: Backend<'a>,
    lock: Option<Box<dyn LockGuard>>,
    early: Option<EarlyWorktree<'a>>,
    checkout: &Checkout,
    branch: &BranchName,
    ports: PortPlan<'_>,
) -> Result<(CreateOutcome, Backend<'a>), CliError> {
    let others = || context.other_registries(backend.registry.kind());
    match (lock, early) {
        (Some(_held), Some(early)) => {
            create_asking_docker(context, &early, checkout, branch, ports)
        }
        (Some(_held), None) => {
            let outcome = usecases::create_under_lock(backend, &others(), checkout, branch, ports)?;
            Ok((outcome, backend))
        }
        (None, _) => Ok((
            usecases::create(backend, &others(), checkout, branch, ports)?,
            backend,
        )),
    }
}

/// Creates `branch`'s workspace of `checkout` in the worktree sandbox, asking Docker
/// whether it holds it while the host checkout is refreshed; when it does, the workspace
/// is Docker's (found there, under the lock the caller holds). Returns what was done and
/// the backend that did it.
fn create_asking_docker<'a>(
    context: &'a Context<'_>,
    early: &EarlyWorktree<'a>,
    checkout: &Checkout,
    branch: &BranchName,
    ports: PortPlan<'_>,
) -> Result<(CreateOutcome, Backend<'a>), CliError> {
    let target = WorkspaceTarget::Branch(branch.clone());
    let mut holder = || context.docker_holding(checkout, &target);
    let asked = usecases::create_under_lock_asking(
        early.backend,
        &early.others,
        checkout,
        branch,
        ports,
        &mut holder,
    )?;
    match asked {
        AskedOutcome::Made(outcome) => Ok((*outcome, early.backend)),
        AskedOutcome::HeldBy(kind) => {
            let backend = context.backend(kind)?;
            let others = context.other_registries(kind);
            let outcome = usecases::create_under_lock(backend, &others, checkout, branch, ports)?;
            Ok((outcome, backend))
        }
    }
}

/// Warns when `--network` or `--runtime` asks for other than what the existing `workspace`
/// was made with: both are fixed when a workspace is made.
fn warn_fixed_settings(context: &Context<'_>, workspace: &Workspace) {
    if let (Some(asked), Some(policy)) = (context.network_mode(), &workspace.network)
        && asked != policy.mode
    {
        context.printer.warning(&format!(
            "its network is {policy}, fixed when it was made; `--network {asked}` applies to a new workspace (remove it and create it again)"
        ));
    }
    if let Some(warning) =
        crate::docker_runtime::runtime_kept(context.chosen_runtime(), workspace.runtime.as_deref())
    {
        context.printer.warning(&warning);
    }
}
